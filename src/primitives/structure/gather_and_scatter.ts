// gather and scatter_add, each the other's transpose (so they live together). gather is NumPy's take along one axis
// (linear in the operand); scatter_add puts `updates` into zeros of `shape` at `indices` along `axis`, adding where
// indices repeat (linear in the updates). Optionally per batch: leading `batch_dims` axes are shared by operand and
// indices. Out-of-range indices throw.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { shapeEq, sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Choose } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "./transpose.js";

export interface GatherParams {
  axis: number;
  batch_dims: number;
}

/** An index along an axis of size n, negative counting from the end; throws naming both when out of range. */
export function checkedIndex(op: string, j: number, n: number, axis: number): number {
  const k = j < 0 ? j + n : j;
  if (k < 0 || k >= n)
    throw new TracegradError(
      `${op}: index ${j} is out of bounds for axis ${axis} with size ${n} (valid: ${-n} … ${n - 1})`,
    );
  return k;
}

/** Shape rule shared with scatter_add: `full` is the operand (gather) or result (scatter) shape. */
export function gatheredShape(
  op: string,
  full: readonly number[],
  idx: ShapedArray,
  axis: number,
  nb: number,
): E.Either<TracegradError, number[]> {
  if (idx.dtype !== "int32") return E.left(new DTypeError(`${op}: indices must be int32, got ${idx.dtype}`));
  if (
    !(
      Number.isInteger(nb) &&
      nb >= 0 &&
      nb <= axis &&
      axis < full.length &&
      nb <= idx.ndim &&
      shapeEq(full.slice(0, nb), idx.shape.slice(0, nb))
    )
  ) {
    return E.left(
      new ShapeError(
        `${op}: axis ${axis} with ${nb} batch dims does not fit operand ${fmtShape(full)} and indices ` +
          `${fmtShape(idx.shape)}`,
      ),
    );
  }
  return E.right([...full.slice(0, axis), ...idx.shape.slice(nb), ...full.slice(axis + 1)]);
}

/** Visits (row of the gathered layout, row of the full layout) pairs; rows are `inner` elements long. */
function forEachIndex(
  op: string,
  full: readonly number[],
  axis: number,
  nb: number,
  idx: ArrayLike<number>,
  f: (gRow: number, fRow: number) => void,
): void {
  const batches = sizeOf(full.slice(0, nb));
  const pre = sizeOf(full.slice(nb, axis));
  const n = full[axis]!;
  const m = batches === 0 ? 0 : idx.length / batches;
  for (let b = 0; b < batches; b++) {
    for (let p = 0; p < pre; p++) {
      const row = b * pre + p;
      for (let k = 0; k < m; k++) f(row * m + k, row * n + checkedIndex(op, idx[b * m + k]!, n, axis));
    }
  }
}

/** A random take-along-axis case (shared with scatter_add): full shape, axis, batch dims, index shape. */
export function takeCase(choose: Choose): { shape: number[]; axis: number; nb: number; idx: number[] } {
  const shape = randomShape(choose);
  if (shape.length === 0) shape.push(1 + choose(3));
  const axis = choose(shape.length);
  const nb = choose(axis + 1);
  return { shape, axis, nb, idx: [...shape.slice(0, nb), ...randomShape(choose, 2)] };
}

export const gatherP = definePrimitive<GatherParams>({
  name: "gather",
  abstractEval: ([x, i], { axis, batch_dims }) =>
    E.map((s: number[]) => new ShapedArray(s, x!.dtype))(gatheredShape("gather", x!.shape, i!, axis, batch_dims)),
  impl: ([x, i], { axis, batch_dims }, out) => {
    const inner = sizeOf(x!.shape.slice(axis + 1));
    const [src, dst] = [data(x!), allocate(out.dtype, out.size)];
    forEachIndex("tensor indexing or np.take", x!.shape, axis, batch_dims, data(i!), (g, s) =>
      dst.set(src.subarray(s * inner, s * inner + inner), g * inner),
    );
    return Tensor._of(dst, out.shape, out.dtype);
  },
  ad: linear(
    (ct, [x, i], { axis, batch_dims }) => [scatterAdd(ct, i as Tensor, axis, x!.aval.shape, batch_dims), null],
    {
      linearIn: [0],
    },
  ),
  // an unbatched table with batched indices needs no copy; otherwise both get a leading batch dim
  batch: ([x, i], [dx, di], { axis, batch_dims: nb }) => {
    if (dx === null && nb === 0) return [gather(x!, moveAxis(i!, di!, 0), axis, 0), axis];
    if (di === null && nb === 0) return [gather(moveAxis(x!, dx!, 0), i!, axis + 1, 0), 0];
    const size = batchSize([x!, i!], [dx!, di!]);
    return [gather(batchedAt(x!, dx!, 0, size), batchedAt(i!, di!, 0, size), axis + 1, nb + 1), 0];
  },
  testing: {
    sample: (choose) => {
      const { shape, axis, nb, idx } = takeCase(choose);
      const n = shape[axis]!;
      return {
        avals: [new ShapedArray(shape, "float64"), new ShapedArray(idx, "int32")],
        params: { axis, batch_dims: nb },
        domains: [undefined, [-n, n - 1]],
      };
    },
  },
});

export const gather = (x: Tensor, indices: Tensor, axis: number, batchDims = 0): Tensor =>
  bind1(gatherP, [x, indices], { axis, batch_dims: batchDims });

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
              `scatter_add: updates of shape ${fmtShape(u!.shape)} do not fit indices ${fmtShape(i!.shape)} on axis ` +
                `${axis} of ${fmtShape(shape)} (expected ${fmtShape(want)})`,
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
  ad: linear((ct, [, i], { axis, batch_dims }) => [gather(ct, i as Tensor, axis, batch_dims), null], { linearIn: [0] }),
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
