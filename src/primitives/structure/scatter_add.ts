// scatter_add: zeros of `shape` with `updates` added at `indices` along `axis`; repeats accumulate (linear in updates).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { shapeEq, sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { data } from "../kernels.js";
import { randomShape } from "../rules.js";
import { gather } from "../lax.js";
import { forEachIndex } from "./gather.js";

export interface ScatterParams {
  axis: number;
  shape: readonly number[];
}

export const scatterAddP = definePrimitive<ScatterParams>({
  name: "scatter_add",
  abstractEval: ([u, i], { axis, shape }) => {
    if (i!.dtype !== "int32") return E.left(new DTypeError(`scatter_add: indices must be int32, got ${i!.dtype}`));
    const want = [...shape.slice(0, axis), ...i!.shape, ...shape.slice(axis + 1)];
    if (!(axis >= 0 && axis < shape.length) || !shapeEq(u!.shape, want)) {
      return E.left(new ShapeError(`scatter_add: updates of shape ${fmtShape(u!.shape)} do not fit indices ${fmtShape(i!.shape)} on axis ${axis} of ${fmtShape(shape)}`));
    }
    return E.right(new ShapedArray(shape, u!.dtype));
  },
  impl: ([u, i], { axis, shape }, out) => {
    const inner = sizeOf(shape.slice(axis + 1));
    const [src, dst] = [data(u!), allocate(out.dtype, out.size)];
    forEachIndex("scatter_add", shape, axis, data(i!), (o, s) => {
      for (let q = 0; q < inner; q++) dst[s * inner + q]! += src[o * inner + q]!;
    });
    return Tensor._of(dst, out.shape, out.dtype);
  },
  jvp: ([t], [, i], _, { axis, shape }) => scatterAdd(t!, i!, axis, shape), // linear in the updates
  transpose: (ct, [, i], { axis }) => [gather(ct, i as Tensor, axis), null],
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(1 + choose(3));
      const axis = choose(shape.length);
      const idx = randomShape(choose, 2);
      const n = shape[axis]!;
      const updates = [...shape.slice(0, axis), ...idx, ...shape.slice(axis + 1)];
      return { avals: [new ShapedArray(updates, "float64"), new ShapedArray(idx, "int32")], params: { axis, shape }, domains: [undefined, [-n, n - 1]] };
    },
  },
});

export const scatterAdd = (updates: Tensor, indices: Tensor, axis: number, shape: readonly number[]): Tensor =>
  bind1(scatterAddP, [updates, indices], { axis, shape: [...shape] });
