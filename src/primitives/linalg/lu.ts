// lu: LU decomposition with partial pivoting of each matrix of a batch [..., m, n] (any m, n), as JAX's lu_p →
// [lu, pivots, permutation] with LAPACK getrf's conventions: A[permutation] = L·U with L unit lower triangular
// (m × k, k = min(m, n)) and U upper triangular (k × n) packed in `lu` (L's unit diagonal not stored), pivots int32
// [..., k] the row swapped with row i at step i, permutation int32 [..., m] those swaps applied to 0…m−1. A singular
// matrix is no error: its zero pivots stay on U's diagonal and the column below is left unscaled (LAPACK's dgetf2).
// Right-looking elimination in float64. The JVP is JAX's _lu_jvp_rule (De Hoog, Anderssen & Lukas): with L padded to
// m × m and U to n × n by identity blocks, Ẋ = L⁻¹·Ȧ[permutation]·U⁻¹, L̇ = L·tril(Ẋ, −1) and U̇ = triu(Ẋ)·U, and the
// tangent of the packed `lu` is L̇ + U̇; pivots and permutation have none.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, type DType } from "../../core/dtype.js";
import { TracegradError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { formatParamsDefault } from "../../ir/pprint.js";
import { bind } from "../../ir/trace.js";
import { scalar } from "../constants.js";
import { definePrimitiveN } from "../define.js";
import { add } from "../elementwise/add.js";
import { eq } from "../elementwise/compare.js";
import { convertElementType } from "../elementwise/convert_element_type.js";
import type { NoParams } from "../shape_rules.js";
import { broadcastInDim } from "../structure/broadcast_and_sum.js";
import { iota } from "../structure/iota.js";
import { pad, slice } from "../structure/slice_and_pad.js";
import { moveAxis } from "../structure/transpose.js";
import { gemm64 } from "./gemm64.js";
import { batchCount, batchShape, checkMatrix, matmul, matrixOf, perMatrix, tril, triu } from "./matrix.js";
import { triangularSolve } from "./triangular_solve.js";

const NAME = "lu";
/** The smallest normal float64 (LAPACK's sfmin): 1/x does not overflow above it. */
const SAFE_MIN = 2.2250738585072014e-308;

function types([a, ...rest]: ShapedArray[]) {
  if (rest.length > 0) return E.left(new TracegradError(`${NAME}: takes one operand, got ${rest.length + 1}`));
  const bad = checkMatrix(NAME, "a", a, false);
  if (bad) return E.left(bad);
  const batch = a!.shape.slice(0, -2);
  const [m, n] = a!.shape.slice(-2) as [number, number];
  return E.right([
    new ShapedArray(a!.shape, a!.dtype),
    new ShapedArray([...batch, Math.min(m, n)], "int32"),
    new ShapedArray([...batch, m], "int32"),
  ]);
}

/**
 * LU with partial pivoting of one row-major m×n matrix `a`, in place (L below the diagonal, U on and above it), as
 * LAPACK's dgetf2: the pivot is the first entry of largest magnitude in the column; a zero pivot column is left as it
 * is. Writes the pivots (k = min(m, n) of them) and the permutation (m).
 */
export function luKernel(a: Float64Array, m: number, n: number, pivots: Float64Array, perm: Float64Array): void {
  for (let i = 0; i < m; i++) perm[i] = i;
  if (Math.min(m, n) >= BLOCKED_FROM) luBlocked(a, m, n, pivots, perm);
  else luUnblocked(a, m, n, pivots, perm);
}

/** Columns per block of the blocked factorization; smaller matrices take the unblocked one. */
const NB = 32;
const BLOCKED_FROM = 128;

/**
 * Right-looking blocked LU (LAPACK's dgetrf): per block of NB columns, the panel's own elimination with whole rows
 * swapped, U12 = L11⁻¹·A12 by forward substitution, then A22 less L21·U12, the O(n³) part, in gemm64. Partial
 * pivoting is the unblocked one's; the sums run in another order, so the bits differ.
 */
function luBlocked(a: Float64Array, m: number, n: number, pivots: Float64Array, perm: Float64Array): void {
  const k = Math.min(m, n);
  const left = new Float64Array((m - Math.min(NB, k)) * NB);
  const top = new Float64Array(NB * (n - Math.min(NB, k)));
  const prod = new Float64Array((m - Math.min(NB, k)) * (n - Math.min(NB, k)));
  for (let j0 = 0; j0 < k; j0 += NB) {
    const j1 = Math.min(k, j0 + NB);
    const jb = j1 - j0;
    for (let j = j0; j < j1; j++) {
      const rj = pivotAndSwap(a, m, n, j, pivots, perm);
      const piv = a[rj + j]!;
      if (piv === 0) continue;
      const inv = Math.abs(piv) >= SAFE_MIN ? 1 / piv : 0;
      for (let i = j + 1; i < m; i++) {
        const ri = i * n;
        const l = inv !== 0 ? a[ri + j]! * inv : a[ri + j]! / piv;
        a[ri + j] = l;
        if (l !== 0) for (let c = j + 1; c < j1; c++) a[ri + c] = a[ri + c]! - l * a[rj + c]!;
      }
    }
    const nt = n - j1;
    if (nt === 0) continue;
    // U12: rows j0…j1 of the columns right of the panel, less the unit-lower L11's earlier rows
    for (let r = j0 + 1; r < j1; r++) {
      const rr = r * n;
      for (let t = j0; t < r; t++) {
        const l = a[rr + t]!;
        if (l === 0) continue;
        const rt = t * n;
        for (let c = j1; c < n; c++) a[rr + c] = a[rr + c]! - l * a[rt + c]!;
      }
    }
    const mt = m - j1;
    if (mt === 0) continue;
    for (let i = 0; i < mt; i++) for (let t = 0; t < jb; t++) left[i * jb + t] = a[(j1 + i) * n + j0 + t]!;
    for (let t = 0; t < jb; t++) top.set(a.subarray((j0 + t) * n + j1, (j0 + t + 1) * n), t * nt);
    gemm64(left.subarray(0, mt * jb), jb, top.subarray(0, jb * nt), nt, 1, mt, jb, nt, prod);
    for (let i = 0; i < mt; i++) {
      const r = (j1 + i) * n + j1;
      const p = i * nt;
      for (let c = 0; c < nt; c++) a[r + c] = a[r + c]! - prod[p + c]!;
    }
  }
}

/** LAPACK's dgetf2, two elimination steps per pass. */
function luUnblocked(a: Float64Array, m: number, n: number, pivots: Float64Array, perm: Float64Array): void {
  const k = Math.min(m, n);
  // Two elimination steps per pass where possible: step j's multipliers are found, column j + 1 alone is updated so
  // step j + 1 can pick its pivot, and then the trailing rows get both rank-1 updates in one sweep (the same
  // operations in the same order as one step at a time, so the same bits, with half the passes over memory).
  let j = 0;
  while (j < k) {
    const rj = pivotAndSwap(a, m, n, j, pivots, perm);
    const piv = a[rj + j]!;
    if (piv === 0 || j + 1 >= k) {
      // singular (nothing below the pivot to eliminate: all zero), or the last step: one step alone
      if (piv !== 0) eliminate(a, m, n, j, piv);
      j++;
      continue;
    }
    // as dgetf2: by the reciprocal unless that overflows
    const inv = Math.abs(piv) >= SAFE_MIN ? 1 / piv : 0;
    const j1 = j + 1;
    const ujj1 = a[rj + j1]!;
    for (let i = j1; i < m; i++) {
      const ri = i * n;
      const l = inv !== 0 ? a[ri + j]! * inv : a[ri + j]! / piv;
      a[ri + j] = l;
      if (l !== 0) a[ri + j1] = a[ri + j1]! - l * ujj1;
    }
    // step j + 1's pivot; the rows' pending step-j updates travel with them (their multipliers are in column j)
    const r1 = pivotAndSwap(a, m, n, j1, pivots, perm);
    const l1 = a[r1 + j]!;
    if (l1 !== 0) for (let c = j1 + 1; c < n; c++) a[r1 + c] = a[r1 + c]! - l1 * a[rj + c]!;
    const piv1 = a[r1 + j1]!;
    const inv1 = piv1 !== 0 && Math.abs(piv1) >= SAFE_MIN ? 1 / piv1 : 0;
    const from = j1 + 1;
    for (let i = from; i < m; i++) {
      const ri = i * n;
      const l = a[ri + j]!;
      let l2 = 0;
      if (piv1 !== 0) {
        l2 = inv1 !== 0 ? a[ri + j1]! * inv1 : a[ri + j1]! / piv1;
        a[ri + j1] = l2;
      }
      if (l !== 0 && l2 !== 0) {
        let c = from;
        for (; c + 3 < n; c += 4) {
          const x0 = a[ri + c]! - l * a[rj + c]! - l2 * a[r1 + c]!;
          const x1 = a[ri + c + 1]! - l * a[rj + c + 1]! - l2 * a[r1 + c + 1]!;
          const x2 = a[ri + c + 2]! - l * a[rj + c + 2]! - l2 * a[r1 + c + 2]!;
          const x3 = a[ri + c + 3]! - l * a[rj + c + 3]! - l2 * a[r1 + c + 3]!;
          a[ri + c] = x0;
          a[ri + c + 1] = x1;
          a[ri + c + 2] = x2;
          a[ri + c + 3] = x3;
        }
        for (; c < n; c++) a[ri + c] = a[ri + c]! - l * a[rj + c]! - l2 * a[r1 + c]!;
      } else if (l !== 0) {
        for (let c = from; c < n; c++) a[ri + c] = a[ri + c]! - l * a[rj + c]!;
      } else if (l2 !== 0) {
        for (let c = from; c < n; c++) a[ri + c] = a[ri + c]! - l2 * a[r1 + c]!;
      }
    }
    j += 2;
  }
}

/** Step j's pivot (the first entry of largest magnitude in column j from row j on), rows swapped; row j's offset. */
function pivotAndSwap(a: Float64Array, m: number, n: number, j: number, pivots: Float64Array, perm: Float64Array) {
  let p = j;
  let best = Math.abs(a[j * n + j]!);
  for (let i = j + 1, o = (j + 1) * n + j; i < m; i++, o += n) {
    const v = Math.abs(a[o]!);
    if (v > best) {
      best = v;
      p = i;
    }
  }
  pivots[j] = p;
  const rj = j * n;
  if (p !== j) {
    const rp = p * n;
    for (let c = 0; c < n; c++) {
      const t = a[rj + c]!;
      a[rj + c] = a[rp + c]!;
      a[rp + c] = t;
    }
    const t = perm[j]!;
    perm[j] = perm[p]!;
    perm[p] = t;
  }
  return rj;
}

/** One elimination step below the nonzero pivot a[j][j]: the multipliers into column j, the rank-1 update. */
function eliminate(a: Float64Array, m: number, n: number, j: number, piv: number): void {
  const rj = j * n;
  // as dgetf2: by the reciprocal unless that overflows
  const inv = Math.abs(piv) >= SAFE_MIN ? 1 / piv : 0;
  for (let i = j + 1; i < m; i++) {
    const ri = i * n;
    const l = inv !== 0 ? a[ri + j]! * inv : a[ri + j]! / piv;
    a[ri + j] = l;
    if (l === 0) continue;
    for (let c = j + 1; c < n; c++) a[ri + c] = a[ri + c]! - l * a[rj + c]!;
  }
}

/** Identity in the trailing `size − from` diagonal entries of a batch of size × size matrices, zeros elsewhere. */
function eyeFrom(batch: readonly number[], size: number, from: number, dtype: DType): Tensor {
  const count = batch.reduce((x, y) => x * y, 1);
  const data = allocateFilledLater(dtype, count * size * size).fill(0);
  for (let b = 0; b < count; b++) for (let i = from; i < size; i++) data[b * size * size + i * size + i] = 1;
  return Tensor._of(data, [...batch, size, size], dtype);
}

/** Ȧ's rows in the order `permutation` (Ȧ[permutation]): a 0/1 permutation matrix times Ȧ, so it nests. */
function permuteRows(x: Tensor, permutation: Tensor): Tensor {
  const nd = x.ndim;
  const m = x.shape[nd - 2]!;
  const shape = [...x.shape.slice(0, -2), m, m];
  const batchDims = Array.from({ length: nd - 2 }, (_, i) => i);
  const rows = broadcastInDim(permutation, shape, [...batchDims, nd - 2]);
  return matmul(convertElementType(eq(rows, iota("int32", shape, nd - 1)), x.dtype), x);
}

export const luP: Primitive<NoParams> = definePrimitiveN<NoParams>({
  name: NAME,
  abstractEval: types,
  impl: ([a], _, outs) => {
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    return perMatrix(batchCount(a!.shape), outs, [m * n, k, m], (b, [lu, piv, perm]) => {
      lu!.set(matrixOf(a!, b, m, n));
      luKernel(lu!, m, n, piv!, perm!);
    });
  },
  freshOutputs: true,
  adFamily: "rule",
  jvp: ([ta], [a], [lu, , permutation]) => {
    if (!ta) return [null, null, null];
    const nd = a!.ndim;
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const zero = scalar(0, a!.dtype);
    const keep = batch.map(() => [0, 0, 0] as const);
    // L (m × m): the stored part of lu's first k columns, padded with identity columns; U (n × n) likewise
    const lCols = slice(lu!, new Array(nd).fill(0), [...batch, m, k]);
    const l = add(tril(pad(lCols, zero, [...keep, [0, 0, 0], [0, m - k, 0]]), -1), eyeFrom(batch, m, 0, a!.dtype));
    const uRows = slice(lu!, new Array(nd).fill(0), [...batch, k, n]);
    const u = add(triu(pad(uRows, zero, [...keep, [0, n - k, 0], [0, 0, 0]])), eyeFrom(batch, n, k, a!.dtype));
    const la = triangularSolve(l, permuteRows(ta, permutation!), {
      left_side: true,
      lower: true,
      transpose_a: false,
      conjugate_a: false,
      unit_diagonal: true,
    });
    const lau = triangularSolve(u, la, {
      left_side: false,
      lower: false,
      transpose_a: false,
      conjugate_a: false,
      unit_diagonal: false,
    });
    return [add(matmul(l, tril(lau, -1)), matmul(triu(lau), u)), null, null];
  },
  formatParams: formatParamsDefault,
  // the batch axis first: matrices stay the last two axes
  batch: ([a], [d], params) => [bind(luP, [moveAxis(a!, d!, 0)], params), [0, 0, 0]],
  testing: {
    // square and rectangular: random entries keep the pivots apart, so the pivoting order is locally constant
    sample: (choose) => {
      const m = 1 + choose(3);
      const n = 1 + choose(3);
      return { avals: [new ShapedArray([...batchShape(choose), m, n], "float64")], params: {} };
    },
  },
});

/** [lu, pivots, permutation] of each matrix of a batch [..., m, n]: a[permutation] = L·U, L unit lower. */
export function lu(a: Tensor): [Tensor, Tensor, Tensor] {
  const [packed, pivots, permutation] = bind(luP, [a], {});
  return [packed!, pivots!, permutation!];
}
