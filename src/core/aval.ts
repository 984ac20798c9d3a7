// Abstract values: what tracing knows about a tensor (shape and dtype, no data).
import { type DType, shortName } from "./dtype.js";
import { type Shape, shapeEq, sizeOf } from "./shape.js";

/**
 * Shape and dtype of a tensor, without its data (JAX's abstract value; what a traced tensor knows).
 * @example String(new ShapedArray([2, 3], "float32")) // "f32[2,3]"
 */
export class ShapedArray {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}
  /** Number of axes. @example new ShapedArray([2, 3], "int32").ndim // 2 */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. @example new ShapedArray([2, 3], "int32").size // 6 */
  get size(): number {
    return sizeOf(this.shape);
  }
  /**
   * Same shape and dtype.
   * @example makeJaxpr((x: Tensor) => x)(np.ones([3])).inAvals[0]!.equals(new ShapedArray([3], "float32")) // true
   */
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && shapeEq(this.shape, o.shape);
  }
  /** JAX-style type text. @example String(new ShapedArray([2, 3], "int32")) // "i32[2,3]" */
  toString(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }
}
