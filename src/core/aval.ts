// Abstract values: what tracing knows about a tensor (shape and dtype, no data).
import { type DType, shortName } from "./dtype.js";
import { type Shape, shapeEq, sizeOf } from "./shape.js";

/** Shape and dtype of a tensor, without its data. */
export class ShapedArray {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && shapeEq(this.shape, o.shape);
  }
  /** JAX-style type text: `f32[2,3]`. */
  toString(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }
}
