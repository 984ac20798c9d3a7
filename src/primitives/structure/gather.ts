// gather: NumPy's take along one axis; out-of-range indices throw (linear in the operand; transposes to scatter_add).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, ShapeError, TracegradError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { data } from "../kernels.js";
import { randomShape } from "../rules.js";
import { scatterAdd } from "../lax.js";

export interface GatherParams {
  axis: number;
}

/** An index along an axis of size n, negative counting from the end; throws naming both when out of range. */
export function checkedIndex(op: string, j: number, n: number, axis: number): number {
  const k = j < 0 ? j + n : j;
  if (k < 0 || k >= n) throw new TracegradError(`${op}: index ${j} is out of bounds for axis ${axis} with size ${n} (valid: ${-n} … ${n - 1})`);
  return k;
}

/** Visits (outer block, index position, target row) for take-along-axis kernels. */
export function forEachIndex(op: string, shape: readonly number[], axis: number, idx: ArrayLike<number>, f: (srcRow: number, dstRow: number) => void): void {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis]!;
  for (let p = 0; p < outer; p++) {
    for (let k = 0; k < idx.length; k++) f(p * idx.length + k, p * n + checkedIndex(op, idx[k]!, n, axis));
  }
}

export const gatherP = definePrimitive<GatherParams>({
  name: "gather",
  abstractEval: ([x, i], { axis }) => {
    if (i!.dtype !== "int32") return E.left(new DTypeError(`gather: indices must be int32, got ${i!.dtype}`));
    if (!(axis >= 0 && axis < x!.ndim)) return E.left(new ShapeError(`gather: axis ${axis} is out of range for shape ${fmtShape(x!.shape)}`));
    return E.right(new ShapedArray([...x!.shape.slice(0, axis), ...i!.shape, ...x!.shape.slice(axis + 1)], x!.dtype));
  },
  impl: ([x, i], { axis }, out) => {
    const inner = sizeOf(x!.shape.slice(axis + 1));
    const [src, dst] = [data(x!), allocate(out.dtype, out.size)];
    forEachIndex("tensor indexing or np.take", x!.shape, axis, data(i!), (o, s) => dst.set(src.subarray(s * inner, s * inner + inner), o * inner));
    return Tensor._of(dst, out.shape, out.dtype);
  },
  jvp: ([t], [, i], _, { axis }) => gather(t!, i!, axis), // linear in the operand
  transpose: (ct, [x, i], { axis }) => [scatterAdd(ct, i as Tensor, axis, x!.aval.shape), null],
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(1 + choose(3));
      const axis = choose(shape.length);
      const n = shape[axis]!;
      return { avals: [new ShapedArray(shape, "float64"), new ShapedArray(randomShape(choose, 2), "int32")], params: { axis }, domains: [undefined, [-n, n - 1]] };
    },
  },
});

export const gather = (x: Tensor, indices: Tensor, axis: number): Tensor => bind1(gatherP, [x, indices], { axis });
