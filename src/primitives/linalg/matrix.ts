// Shared pieces of the linear-algebra primitives (cholesky, triangular_solve, qr, eigh): shape checks on batches of
// matrices [..., m, n], eager loops over the batch in float64, and the batched matrix products, transposes and
// triangle masks their derivative rules are written with (user-level ops, so derivatives of derivatives trace).
import * as E from "fp-ts/Either";
import type { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, isFloat, type TypedArray } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Choose } from "../../ir/rule_types.js";
import { scalar } from "../constants.js";
import { add } from "../elementwise/add.js";
import { eq, ge, gt, le, lt } from "../elementwise/compare.js";
import { mul } from "../elementwise/mul.js";
import { select } from "../elementwise/select.js";
import { data } from "../kernels.js";
import { broadcastInDim } from "../structure/broadcast_and_sum.js";
import { iota } from "../structure/iota.js";
import { transpose } from "../structure/transpose.js";
import { dotGeneral } from "./dot_general.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A typed error unless `a` is a float batch of matrices [..., m, n] (square when `square`). */
export function checkMatrix(
  name: string,
  what: string,
  a: ShapedArray | undefined,
  square: boolean,
): TracegradError | undefined {
  if (!a) return new ShapeError(`${name}: missing operand ${what}`);
  if (!isFloat(a.dtype))
    return new DTypeError(`${name}: ${what} must be float32 or float64, got ${a.dtype}; convert with astype first`);
  if (a.ndim < 2)
    return new ShapeError(
      `${name}: ${what} must be a matrix or a batch of matrices [..., m, n], got shape ${fmtShape(a.shape)}`,
    );
  if (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2])
    return new ShapeError(
      `${name}: ${what} must be a square matrix or a batch of square matrices [..., n, n], got shape ` +
        fmtShape(a.shape),
    );
  return undefined;
}

/** The avals, or the first error of `errors`. */
export function orFirst<A>(errors: (TracegradError | undefined)[], ok: () => A): E.Either<TracegradError, A> {
  const bad = errors.find((e) => e !== undefined);
  return bad ? E.left(bad) : E.right(ok());
}

/** The number of matrices in a batch [..., m, n]. */
export const batchCount = (shape: readonly number[]): number => sizeOf(shape.slice(0, -2));

/**
 * Runs `f` once per matrix of the batch: `f(b, outs)` fills one matrix of each output (float64 scratch arrays of the
 * sizes `sizes`), which are then rounded into the outputs' dtype. Every element of every output is written.
 */
export function perMatrix(
  count: number,
  outs: readonly ShapedArray[],
  sizes: readonly number[],
  f: (b: number, outs: Float64Array[]) => void,
): Tensor[] {
  const dests = outs.map((o) => allocateFilledLater(o.dtype, o.size));
  perMatrixInto(count, dests, sizes, f);
  return dests.map((d, i) => Tensor._of(d, outs[i]!.shape, outs[i]!.dtype));
}

/** As perMatrix, into the given buffers (implInto). */
export function perMatrixInto(
  count: number,
  dests: readonly TypedArray[],
  sizes: readonly number[],
  f: (b: number, outs: Float64Array[]) => void,
): void {
  const scratch = sizes.map((s) => new Float64Array(s));
  for (let b = 0; b < count; b++) {
    for (const s of scratch) s.fill(0);
    f(b, scratch);
    scratch.forEach((s, i) => dests[i]!.set(s, b * sizes[i]!));
  }
}

/** Matrix `b` of a batch [..., m, n] as float64, row-major. */
export function matrixOf(x: Tensor, b: number, m: number, n: number): Float64Array {
  const src = data(x);
  const out = new Float64Array(m * n);
  const off = b * m * n;
  for (let i = 0; i < m * n; i++) out[i] = src[off + i]!;
  return out;
}

/** Both inputs have float dtype `d`, else an error naming them. */
export function sameDType(name: string, a: ShapedArray, b: ShapedArray): TracegradError | undefined {
  return a.dtype === b.dtype
    ? undefined
    : new DTypeError(
        `${name}: operands must have equal dtypes, got ${a.dtype} and ${b.dtype}; convert with astype first`,
      );
}

// ------------------------------------------------------------------------------------------------------------------
// Batched matrix algebra for derivative rules (operands of one rank, equal batch dimensions).

/** x·y over the last two axes, batched over the leading ones. */
export function matmul(x: Tensor, y: Tensor): Tensor {
  const nd = x.ndim;
  const batch = range(nd - 2);
  return dotGeneral(x, y, [
    [[nd - 1], [nd - 2]],
    [batch, batch],
  ]);
}

/** xᵀ·y over the last two axes (contracting the rows of both), batched. */
export function matmulTN(x: Tensor, y: Tensor): Tensor {
  const nd = x.ndim;
  const batch = range(nd - 2);
  return dotGeneral(x, y, [
    [[nd - 2], [nd - 2]],
    [batch, batch],
  ]);
}

/** The last two axes swapped. */
export const mT = (x: Tensor): Tensor => {
  const nd = x.ndim;
  return transpose(x, [...range(nd - 2), nd - 1, nd - 2]);
};

type Rel = "ge" | "gt" | "le" | "lt" | "eq";
const REL = { ge, gt, le, lt, eq } as const;

/** The bool mask `row rel col` of a batch shaped like `x`. */
export function triMask(shape: readonly number[], rel: Rel): Tensor {
  const nd = shape.length;
  return REL[rel](iota("int32", shape, nd - 2), iota("int32", shape, nd - 1));
}

/** `x` where `mask`, zero elsewhere. */
export const masked = (x: Tensor, mask: Tensor): Tensor =>
  select(mask, x, broadcastInDim(scalar(0, x.dtype), x.shape, []));

/** The lower triangle (k = 0: with the diagonal; k = −1: strictly below it). */
export const tril = (x: Tensor, k: 0 | -1 = 0): Tensor => masked(x, triMask(x.shape, k === 0 ? "ge" : "gt"));
/** The upper triangle (k = 0: with the diagonal; k = 1: strictly above it). */
export const triu = (x: Tensor, k: 0 | 1 = 0): Tensor => masked(x, triMask(x.shape, k === 0 ? "le" : "lt"));

/**
 * The symmetric matrix a primitive reading one triangle of `x` sees: the triangle mirrored (its diagonal once).
 * Applied to a tangent, the tangent of that symmetric matrix.
 */
export const symmetricFrom = (x: Tensor, lower: boolean): Tensor =>
  lower ? add(tril(x), mT(tril(x, -1))) : add(triu(x), mT(triu(x, 1)));

/** (x + xᵀ)/2, JAX's symmetrize. */
export const symmetrize = (x: Tensor): Tensor => scale(add(x, mT(x)), 0.5);

/** `x` times a scalar. */
export const scale = (x: Tensor, c: number): Tensor => mul(x, broadcastInDim(scalar(c, x.dtype), x.shape, []));

/** Boolean params as JAX prints them (`[full_matrices=True]`), keys sorted. */
export const formatFlags = (params: object): string =>
  `[${Object.entries(params)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v ? "True" : "False"}`)
    .join(" ")}]`;

/** A random batch shape of rank ≤ 1 (sides 1–2) for test cases: matrices stay small. */
export function batchShape(choose: Choose): number[] {
  return choose(2) === 0 ? [] : [1 + choose(2)];
}
