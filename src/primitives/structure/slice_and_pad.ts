// slice and pad, each the other's transpose (so they live together). slice takes elements start, start + stride, …
// below limit on each axis; pad surrounds the operand with `lo`/`hi` copies of a scalar and puts `interior` copies
// between elements. Both linear.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { scalar, zerosLike } from "../constants.js";
import { definePrimitive, linear } from "../define.js";
import { add } from "../elementwise/add.js";
import { mul } from "../elementwise/mul.js";
import { sub } from "../elementwise/sub.js";
import { data, strided, stridedMove } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { broadcastInDim, reduceSum } from "./broadcast_and_sum.js";
import { moveAxis } from "./transpose.js";

export interface SliceParams {
  start_indices: readonly number[];
  limit_indices: readonly number[];
  /** Step per axis; null means 1 everywhere (JAX prints `strides=None`). */
  strides: readonly number[] | null;
}

const stepOf = (p: SliceParams, i: number) => p.strides?.[i] ?? 1;
const lengthOf = (p: SliceParams, i: number) =>
  Math.max(0, Math.ceil((p.limit_indices[i]! - p.start_indices[i]!) / stepOf(p, i)));

export const sliceP = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval: ([x], p) => {
    const s = x!.shape;
    const { start_indices: lo, limit_indices: hi, strides: st } = p;
    const okBox =
      lo.length === s.length &&
      hi.length === s.length &&
      (st === null || (st.length === s.length && st.every((k) => Number.isInteger(k) && k >= 1))) &&
      s.every(
        (n, i) => Number.isInteger(lo[i]) && Number.isInteger(hi[i]) && 0 <= lo[i]! && lo[i]! <= hi[i]! && hi[i]! <= n,
      );
    return okBox
      ? E.right(
          new ShapedArray(
            s.map((_, i) => lengthOf(p, i)),
            x!.dtype,
          ),
        )
      : E.left(
          new ShapeError(
            `slice: start (${lo.join(", ")}), limit (${hi.join(", ")}) and strides (${st?.join(", ") ?? "1"}) do ` +
              `not describe a box inside shape ${fmtShape(s)}`,
          ),
        );
  },
  impl: ([x], p, out) => {
    const st = stridesOf(x!.shape);
    return strided(
      x!,
      st.map((s, i) => s * stepOf(p, i)),
      p.start_indices.reduce((o, l, i) => o + l * st[i]!, 0),
      out,
    );
  },
  // the cotangent put back where it came from, zeros around and between
  ad: linear((ct, [x], p) => [pad(ct, scalar(0, ct.dtype), slicePadding(x!.aval.shape, p))]),
  batch: ([x], [d], p) => {
    const b = moveAxis(x!, d!, 0);
    return [slice(b, [0, ...p.start_indices], [b.shape[0]!, ...p.limit_indices], p.strides && [1, ...p.strides]), 0];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const lo = shape.map((n) => choose(n));
      const hi = shape.map((n, i) => lo[i]! + choose(n - lo[i]! + 1));
      return {
        avals: [new ShapedArray(shape, "float64")],
        params: { start_indices: lo, limit_indices: hi, strides: choose(2) ? shape.map(() => 1 + choose(2)) : null },
      };
    },
  },
});

/** The pad config that puts a slice's result back in place inside `shape` (the slice's transpose). */
export function slicePadding(shape: readonly number[], p: SliceParams): [number, number, number][] {
  return shape.map((dim, i) => {
    const [lo, m, k] = [p.start_indices[i]!, lengthOf(p, i), stepOf(p, i)];
    return [lo, dim - lo - m - Math.max(0, m - 1) * (k - 1), k - 1];
  });
}

/** Skips the identity slice (the whole box, unit strides). */
export function slice(
  x: Tensor,
  start: readonly number[],
  limit: readonly number[],
  strides: readonly number[] | null = null,
): Tensor {
  const st = strides?.some((k) => k !== 1) ? [...strides] : null;
  if (!st && start.every((s) => s === 0) && limit.length === x.ndim && limit.every((l, i) => l === x.shape[i]))
    return x;
  return bind1(sliceP, [x], { start_indices: [...start], limit_indices: [...limit], strides: st });
}

/** Per axis: [lo, hi, interior], all ≥ 0. */
export interface PadParams {
  padding_config: readonly (readonly [number, number, number])[];
}

const paddedSize = (n: number, [lo, hi, interior]: readonly [number, number, number]) =>
  lo + hi + n + Math.max(0, n - 1) * interior;

export const padP = definePrimitive<PadParams>({
  name: "pad",
  abstractEval: ([x, v], { padding_config: cfg }) => {
    if (v?.ndim !== 0) return E.left(new ShapeError("pad: the padding value must be a scalar"));
    if (v.dtype !== x!.dtype)
      return E.left(new DTypeError(`pad: padding value dtype ${v.dtype} differs from operand dtype ${x!.dtype}`));
    if (cfg.length !== x!.ndim || cfg.some((c) => c.some((k) => !Number.isInteger(k) || k < 0))) {
      return E.left(
        new ShapeError(
          `pad: padding_config ${JSON.stringify(cfg)} needs one [lo, hi, interior] of whole numbers ≥ 0 per axis of ` +
            `shape ${fmtShape(x!.shape)}`,
        ),
      );
    }
    return E.right(
      new ShapedArray(
        x!.shape.map((n, i) => paddedSize(n, cfg[i]!)),
        x!.dtype,
      ),
    );
  },
  impl: ([x, v], { padding_config: cfg }, out) => {
    const dst = allocate(out.dtype, out.size).fill(data(v!)[0]!);
    const os = stridesOf(out.shape);
    const offset = cfg.reduce((o, [lo], i) => o + lo * os[i]!, 0);
    stridedMove(
      data(x!),
      stridesOf(x!.shape),
      0,
      dst,
      os.map((s, i) => s * (cfg[i]![2] + 1)),
      offset,
      x!.shape,
    );
    return Tensor._of(dst, out.shape, out.dtype);
  },
  // the operand's cotangent is the strided slice it was placed at; the padding value's is the rest of the sum
  ad: linear((ct, [x, v], { padding_config: cfg }) => {
    const n = x!.aval.shape;
    const tx = slice(
      ct,
      cfg.map(([lo]) => lo),
      cfg.map(([lo, , interior], i) => lo + Math.max(0, n[i]! - 1) * (interior + 1) + (n[i]! > 0 ? 1 : 0)),
      cfg.map(([, , interior]) => interior + 1),
    );
    const all = ct.shape.map((_, i) => i);
    return [isUndefined(x!) ? tx : null, isUndefined(v!) ? sub(reduceSum(ct, all), reduceSum(tx, all)) : null];
  }),
  // a batched padding value: pad with 0, then add the value where the padding is
  batch: ([x, v], [dx, dv], { padding_config: cfg }) => {
    const size = batchSize([x!, v!], [dx!, dv!]);
    const xb = batchedAt(x!, dx!, 0, size);
    const cfg1 = [[0, 0, 0] as const, ...cfg];
    if (dv === null) return [pad(xb, v!, cfg1), 0];
    const zero = scalar(0, xb.dtype);
    const where = pad(zerosLike(xb), scalar(1, xb.dtype), cfg1);
    const vb = broadcastInDim(batchedAt(v!, dv!, 0, size), where.shape, [0]);
    return [add(pad(xb, zero, cfg1), mul(where, vb)), 0];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const cfg = shape.map(() => [choose(3), choose(3), choose(2)] as const);
      return {
        avals: [new ShapedArray(shape, "float64"), new ShapedArray([], "float64")],
        params: { padding_config: cfg },
      };
    },
  },
});

/** Skips the identity pad (all zeros). */
export const pad = (x: Tensor, value: Tensor, config: readonly (readonly [number, number, number])[]): Tensor =>
  config.length === x.ndim && config.every((c) => c.every((k) => k === 0))
    ? x
    : bind1(padP, [x, value], { padding_config: config.map((c) => [...c] as const) });
