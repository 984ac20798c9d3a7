// scatter_add: zeros of `shape` with `updates` added at `indices` along `axis` (linear in the updates; transposes to gather).
// Optionally per batch, as gather; repeated indices accumulate.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { shapeEq, sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { data } from "../kernels.js";
import { gather } from "../lax.js";
import { batchSize, batchedAt, moveAxis } from "../batching.js";
import { forEachIndex, gatheredShape, takeCase } from "./gather.js";

export interface ScatterParams {
  axis: number;
  shape: readonly number[];
  batch_dims: number;
}

export const scatterAddP = definePrimitive<ScatterParams>({
  name: "scatter_add",
  abstractEval: ([u, i], { axis, shape, batch_dims }) =>
    E.chain((want: number[]) =>
      shapeEq(u!.shape, want)
        ? E.right(new ShapedArray(shape, u!.dtype))
        : E.left(
            new ShapeError(
              `scatter_add: updates of shape ${fmtShape(u!.shape)} do not fit indices ${fmtShape(i!.shape)} on axis ${axis} of ${fmtShape(shape)} (expected ${fmtShape(want)})`,
            ),
          ),
    )(gatheredShape("scatter_add", shape, i!, axis, batch_dims)),
  impl: ([u, i], { axis, shape, batch_dims }, out) => {
    const inner = sizeOf(shape.slice(axis + 1));
    const [src, dst] = [data(u!), allocate(out.dtype, out.size)];
    forEachIndex("scatter_add", shape, axis, batch_dims, data(i!), (g, s) => {
      for (let q = 0; q < inner; q++) dst[s * inner + q]! += src[g * inner + q]!;
    });
    return Tensor._of(dst, out.shape, out.dtype);
  },
  jvp: ([t], [, i], _, { axis, shape, batch_dims }) => scatterAdd(t!, i!, axis, shape, batch_dims), // linear in the updates
  transpose: (ct, [, i], { axis, batch_dims }) => [gather(ct, i as Tensor, axis, batch_dims), null],
  batch: ([u, i], [du, di], { axis, shape, batch_dims: nb }) => {
    if (di === null && nb === 0) {
      const ub = moveAxis(u!, du!, 0);
      return [scatterAdd(ub, i!, axis + 1, [ub.shape[0]!, ...shape], 0), 0];
    }
    const size = batchSize([u!, i!], [du!, di!]);
    return [
      scatterAdd(batchedAt(u!, du!, 0, size), batchedAt(i!, di!, 0, size), axis + 1, [size, ...shape], nb + 1),
      0,
    ];
  },
  testing: {
    sample: (choose) => {
      const { shape, axis, nb, idx } = takeCase(choose);
      const n = shape[axis]!;
      const updates = [...shape.slice(0, axis), ...idx.slice(nb), ...shape.slice(axis + 1)];
      return {
        avals: [new ShapedArray(updates, "float64"), new ShapedArray(idx, "int32")],
        params: { axis, shape, batch_dims: nb },
        domains: [undefined, [-n, n - 1]],
      };
    },
  },
});

export const scatterAdd = (
  updates: Tensor,
  indices: Tensor,
  axis: number,
  shape: readonly number[],
  batchDims = 0,
): Tensor => bind1(scatterAddP, [updates, indices], { axis, shape: [...shape], batch_dims: batchDims });
