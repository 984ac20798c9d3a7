// sort: operands of one shape (any dtypes) sorted together along `dimension`, ascending and stably, by the
// lexicographic order of the first `num_keys` of them, as JAX's sort_p. Floats compare as JAX compares them: −0 equals
// +0 and NaN sorts after +∞ (all NaNs equal); bool false < true. The JVP sorts an iota along with the operands and
// gathers each tangent with that permutation (JAX's rule), so derivatives of every order are gathers and scatter-adds.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, type DType, isFloat, type TypedArray } from "../../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { shapeEq, sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { bind } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { definePrimitiveN } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { gather } from "../structure/gather_and_scatter.js";
import { iota } from "../structure/iota.js";
import { moveAxis } from "../structure/transpose.js";
import { keyView, LaneSorter, permuteLane, wordsOf } from "./kernel.js";

export interface SortParams {
  /** The axis sorted along (0 … rank − 1). */
  dimension: number;
  /** Always honoured: the kernel is stable either way (JAX allows, and does not require, an unstable sort). */
  is_stable: boolean;
  /** How many leading operands are keys (1 … the number of operands). */
  num_keys: number;
}

function sortTypes(
  avals: ShapedArray[],
  { dimension, is_stable, num_keys }: SortParams,
): E.Either<TracegradError, ShapedArray[]> {
  const [first] = avals;
  if (!first) return E.left(new ShapeError("sort: needs at least one operand"));
  for (let i = 1; i < avals.length; i++) {
    if (!shapeEq(avals[i]!.shape, first.shape))
      return E.left(
        new ShapeError(
          `sort: operand ${i} has shape ${fmtShape(avals[i]!.shape)}, but operand 0 has shape ` +
            `${fmtShape(first.shape)}; operands sorted together must have equal shapes (shapes: ` +
            `${avals.map((a) => fmtShape(a.shape)).join(", ")})`,
        ),
      );
  }
  if (!(Number.isInteger(dimension) && dimension >= 0 && dimension < first.ndim))
    return E.left(
      new ShapeError(
        `sort: dimension ${dimension} is out of range for operands of shape ${fmtShape(first.shape)}` +
          (first.ndim === 0 ? "; a 0-d array has no axis to sort along" : ` (valid: 0 … ${first.ndim - 1})`),
      ),
    );
  if (!(Number.isInteger(num_keys) && num_keys >= 1 && num_keys <= avals.length))
    return E.left(
      new TracegradError(
        `sort: numKeys ${num_keys} must be a whole number from 1 to the number of operands (${avals.length})`,
      ),
    );
  if (typeof is_stable !== "boolean")
    return E.left(new TracegradError(`sort: isStable must be true or false, got ${String(is_stable)}`));
  return E.right(avals.map((a) => new ShapedArray(a.shape, a.dtype)));
}

/** Writes every operand, sorted, into `dests` (one per operand, of its dtype and size). */
function sortInto(args: Tensor[], { dimension: d, num_keys }: SortParams, dests: TypedArray[]): void {
  const shape = args[0]!.shape;
  const n = shape[d]!;
  const inner = sizeOf(shape.slice(d + 1));
  const outer = sizeOf(shape.slice(0, d));
  if (n <= 1) {
    args.forEach((a, j) => dests[j]!.set(data(a)));
    return;
  }
  const keys = args.slice(0, num_keys);
  const sorter = new LaneSorter(
    n,
    keys.reduce((w, k) => w + wordsOf(k.dtype), 0),
  );
  const srcs = args.map(data);
  const views = keys.map((k, j) => keyView(k.dtype, srcs[j]!));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0, w = 0; j < keys.length; w += wordsOf(keys[j]!.dtype), j++)
        sorter.encode(keys[j]!.dtype, views[j]!, base, inner, w, "sort");
      const perm = sorter.sort();
      for (let j = 0; j < srcs.length; j++) permuteLane(srcs[j]!, dests[j]!, base, inner, perm, n);
    }
  }
}

/** `x[..., idx[...], ...]` along `axis`, where `idx` has x's shape (NumPy's take_along_axis), as a gather. */
export function takeAlongAxis(x: Tensor, idx: Tensor, axis: number): Tensor {
  const last = x.ndim - 1;
  const g = gather(moveAxis(x, axis, last), moveAxis(idx, axis, last), last, last);
  return moveAxis(g, last, axis);
}

export const sortP: Primitive<SortParams> = definePrimitiveN<SortParams>({
  name: "sort",
  abstractEval: sortTypes,
  impl: (args, params, outAvals) => {
    const dests = outAvals.map((a) => allocateFilledLater(a.dtype, a.size));
    sortInto(args, params, dests);
    return dests.map((d, j) => Tensor._of(d, outAvals[j]!.shape, outAvals[j]!.dtype));
  },
  implInto: (args, params, _outAvals, dests) => sortInto(args, params, dests),
  freshOutputs: true,
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => sortP.jvpFull!(primals, tangents, params)[1],
  // sorted along with an iota, which then says where each output element came from
  jvpFull: (primals, tangents, params) => {
    const shape = primals[0]!.shape;
    const outs = bind(sortP, [...primals, iota("int32", shape, params.dimension)], params);
    const perm = outs.pop()!;
    const touts = tangents.map((t, i) =>
      t && isFloat(primals[i]!.dtype) ? takeAlongAxis(t, perm, params.dimension) : null,
    );
    return [outs, touts];
  },
  // per lane: every operand's batch axis lined up with the first batched one's, the sorted axis shifted past it
  batch: (args, dims, params) => {
    const b = dims.find((x) => x !== null)!;
    const size = batchSize(args, dims);
    const dimension = params.dimension < b ? params.dimension : params.dimension + 1;
    const outs = bind(
      sortP,
      args.map((a, i) => batchedAt(a, dims[i]!, b, size)),
      { ...params, dimension },
    );
    return [outs, outs.map(() => b)];
  },
  formatParams: ({ dimension, is_stable, num_keys }) =>
    `[dimension=${dimension} is_stable=${is_stable ? "True" : "False"} num_keys=${num_keys}]`,
  testing: {
    // operand 0 float64 (so the derivative laws apply) or int32 keys with ties; then float64, int32 or bool operands
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(1 + choose(3));
      const count = 1 + choose(3);
      const kinds: DType[][] = [
        ["float64", "float64", "int32"],
        ["float64", "int32", "bool"],
      ];
      const avals = Array.from({ length: count }, (_, i) => new ShapedArray(shape, kinds[Math.min(i, 1)]![choose(3)]!));
      return {
        avals,
        params: { dimension: choose(shape.length), is_stable: choose(2) === 0, num_keys: 1 + choose(count) },
      };
    },
    distinct: true,
  },
});

/**
 * `operands` sorted together along `dimension` (negative counts from the end) by their first `numKeys`.
 * @example sort([keys, values], -1, true, 1) // [sorted keys, values in the keys' order]
 */
export function sort(operands: readonly Tensor[], dimension = -1, isStable = true, numKeys = 1): Tensor[] {
  const ndim = operands[0]?.ndim ?? 0;
  const d = dimension < 0 && dimension >= -ndim ? dimension + ndim : dimension;
  return bind(sortP, [...operands], { dimension: d, is_stable: isStable, num_keys: numKeys });
}
