// qr: A = Q·R for each matrix of a batch [..., m, n] by Householder reflections (LAPACK's geqrf/orgqr conventions, so
// R's diagonal has LAPACK's signs), as JAX's qr_p: full_matrices gives Q [..., m, m] and R [..., m, n], otherwise
// Q [..., m, k] and R [..., k, n] with k = min(m, n). The JVP is JAX's qr_jvp_rule (for m ≥ n, and full_matrices only
// when m = n, as JAX): with X = Ȧ·R⁻¹ and C = Qᵀ·X, Ω = tril(C, −1) − tril(C, −1)ᵀ, Q̇ = Q·(Ω − C) + X, Ṙ = (C − Ω)·R.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, GradientError, TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { bind } from "../../ir/trace.js";
import { definePrimitiveN } from "../define.js";
import { add } from "../elementwise/add.js";
import { sub } from "../elementwise/sub.js";
import { moveAxis } from "../structure/transpose.js";
import { gemm64 } from "./gemm64.js";
import {
  batchCount,
  batchShape,
  checkMatrix,
  formatFlags,
  matmul,
  matmulTN,
  matrixOf,
  mT,
  perMatrix,
  tril,
} from "./matrix.js";
import { blockReflectorT } from "./orthogonal.js";
import { triangularSolve } from "./triangular_solve.js";

export interface QrParams {
  full_matrices: boolean;
}

const NAME = "qr";

function types([a, ...rest]: ShapedArray[], { full_matrices }: QrParams) {
  if (rest.length > 0) return E.left(new TracegradError(`${NAME}: takes one operand, got ${rest.length + 1}`));
  const bad = checkMatrix(NAME, "a", a, false);
  if (bad) return E.left(bad);
  if (typeof full_matrices !== "boolean")
    return E.left(new TracegradError(`${NAME}: fullMatrices must be true or false, got ${String(full_matrices)}`));
  const batch = a!.shape.slice(0, -2);
  const [m, n] = a!.shape.slice(-2) as [number, number];
  const k = full_matrices ? m : Math.min(m, n);
  return E.right([new ShapedArray([...batch, m, k], a!.dtype), new ShapedArray([...batch, k, n], a!.dtype)]);
}

/**
 * Q (m × qCols) and R (rRows × n) of one row-major m×n matrix, written into `q` and `r` (zero-filled): reflectors
 * H_j = I − τ_j·v_j·v_jᵀ as LAPACK's dlarfg (β = −sign(α)·‖x‖, no reflection when the column below is zero), then Q
 * accumulated backward from the identity.
 */
export function householderQr(
  a: Float64Array,
  m: number,
  n: number,
  q: Float64Array,
  qCols: number,
  r: Float64Array,
  rRows: number,
): void {
  const k = Math.min(m, n);
  // column-major working copy: column c is At[c·m .. c·m + m), so each reflector's column and each column it updates
  // are contiguous. Below the diagonal, column j keeps v_j (v_j[0] = 1 implicit), as LAPACK's geqrf.
  const At = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let c = 0; c < n; c++) At[c * m + i] = a[row + c]!;
  }
  const taus = new Float64Array(k);
  // reflectors whose v and τ are finite leave the columns of Q before j exactly as they are (w = 0 there)
  const finite = new Uint8Array(k);
  // large matrices by blocks of NB reflectors: each applied within its panel, then all at once to the columns right
  // of it (LAPACK's dgeqrf); small ones one reflector at a time to every column
  const blocked = Math.min(m, n) >= BLOCKED_FROM;
  const step = blocked ? NB : k;
  for (let j0 = 0; j0 < k; j0 += step) {
    const j1 = Math.min(k, j0 + step);
    reflectPanel(At, m, j0, j1, blocked ? j1 : n, taus, finite);
    if (blocked && j1 < n) applyBlock(At, m, j0, j1, taus, j1, n, true);
  }
  for (let i = 0; i < rRows; i++) {
    const row = i * n;
    for (let c = i; c < n; c++) r[row + c] = At[c * m + i]!;
  }
  // Q = H_0·H_1·…·H_{k−1}·I[:, :qCols], applied right to left, on a column-major copy
  const Qt = new Float64Array(qCols * m);
  for (let i = 0; i < Math.min(m, qCols); i++) Qt[i * m + i] = 1;
  if (blocked) {
    for (let j0 = Math.floor((k - 1) / NB) * NB; j0 >= 0; j0 -= NB) {
      const j1 = Math.min(k, j0 + NB);
      if (taus.subarray(j0, j1).every((t) => t === 0)) continue;
      const allFinite = finite.subarray(j0, j1).every((f) => f === 1);
      applyBlock(Qt, m, j0, j1, taus, allFinite ? Math.min(j0, qCols) : 0, qCols, false, At);
    }
  } else
    for (let j = k - 1; j >= 0; j--) {
      const tau = taus[j]!;
      if (tau === 0) continue;
      applyReflector(Qt, m, j * m, j, tau, finite[j] ? Math.min(j, qCols) : 0, qCols, At);
    }
  for (let i = 0; i < m; i++) {
    const row = i * qCols;
    for (let c = 0; c < qCols; c++) q[row + c] = Qt[c * m + i]!;
  }
}

/** Reflectors per block of the blocked factorization, and the size from which it runs. */
const NB = 64;
const BLOCKED_FROM = 2 * NB;

/**
 * Reflectors j0…j1−1 of the column-major At (column length m), each applied to the columns after it up to `cEnd`
 * (LAPACK's dgeqr2 on a panel).
 */
function reflectPanel(
  At: Float64Array,
  m: number,
  j0: number,
  j1: number,
  cEnd: number,
  taus: Float64Array,
  finite: Uint8Array,
): void {
  for (let j = j0; j < j1; j++) {
    const cj = j * m;
    const alpha = At[cj + j]!;
    let ss = 0;
    for (let i = cj + j + 1; i < cj + m; i++) ss += At[i]! ** 2;
    if (!(ss !== 0 || Number.isNaN(alpha))) continue; // τ = 0, v = e_0: no reflection
    const norm = Math.sqrt(alpha * alpha + ss);
    const beta = alpha >= 0 ? -norm : norm;
    const tau = (beta - alpha) / beta;
    const scaleV = 1 / (alpha - beta);
    let vSum = 0; // |v_i| ≤ 1, so the sum is finite exactly when every v_i is
    for (let i = cj + j + 1; i < cj + m; i++) {
      const vi = At[i]! * scaleV;
      At[i] = vi;
      vSum += Math.abs(vi);
    }
    At[cj + j] = beta;
    taus[j] = tau;
    finite[j] = Number.isFinite(vSum) && Number.isFinite(tau) ? 1 : 0;
    // the other columns of the panel: x ← x − τ·v·(vᵀx)
    applyReflector(At, m, cj, j, tau, j + 1, cEnd);
  }
}

/**
 * Columns c0…c1−1 of the column-major x (column length m) ← Hᵀ·x (`transposed`) or H·x, for H = H_j0·…·H_{j1−1} =
 * I − V·T·Vᵀ (the compact WY form: blockReflectorT) with V's columns the reflectors stored below
 * the diagonal of `vs` (default x). Two products in gemm64: W = Vᵀ·X, then X − V·(T or Tᵀ)·W.
 */
function applyBlock(
  x: Float64Array,
  m: number,
  j0: number,
  j1: number,
  taus: Float64Array,
  c0: number,
  c1: number,
  transposed: boolean,
  vs: Float64Array = x,
): void {
  const [jb, mr, nt] = [j1 - j0, m - j0, c1 - c0];
  if (nt <= 0) return;
  // Vᵀ with contiguous rows: row t is reflector j0 + t on rows j0…m−1 (1 on its diagonal, 0 above)
  const yt = new Float64Array(jb * mr);
  for (let t = 0; t < jb; t++) {
    yt[t * mr + t] = 1;
    yt.set(vs.subarray((j0 + t) * m + j0 + t + 1, (j0 + t + 1) * m), t * mr + t + 1);
  }
  const tm = blockReflectorT(yt, mr, taus.subarray(j0, j1));
  // in x's transposed view (rows = x's columns c0…c1−1, rows j0…m−1 of each): Wᵀ = Xᵀ·V, then Xᵀ −= Wᵀ·(T or Tᵀ)·Vᵀ
  const xt = x.subarray(c0 * m + j0);
  const wt = new Float64Array(nt * jb);
  gemm64(xt, m, yt, 1, mr, nt, mr, jb, wt);
  const row = new Float64Array(jb);
  for (let c = 0; c < nt; c++) {
    const o = c * jb;
    for (let t = 0; t < jb; t++) {
      // (Wᵀ·T)[t] = Σ_{p ≤ t} Wᵀ[p]·T[p][t]; (Wᵀ·Tᵀ)[t] = Σ_{p ≥ t} Wᵀ[p]·T[t][p]
      let v = 0;
      if (transposed) for (let p = 0; p <= t; p++) v += wt[o + p]! * tm[p * jb + t]!;
      else for (let p = t; p < jb; p++) v += wt[o + p]! * tm[t * jb + p]!;
      row[t] = v;
    }
    wt.set(row, o);
  }
  const prod = new Float64Array(nt * mr);
  gemm64(wt, jb, yt, mr, 1, nt, jb, mr, prod);
  for (let c = 0; c < nt; c++) {
    const [o, p] = [c * m, c * mr];
    for (let i = 0; i < mr; i++) xt[o + i] = xt[o + i]! - prod[p + i]!;
  }
}

/**
 * Columns c0..c1−1 of the column-major `x` (column length m) ← (I − τ·v·vᵀ)·x, with v = [1, vs[vOff+j+1 .. vOff+m)]
 * on rows j..m−1 (vs defaults to x). Each w = vᵀx sums in row order, as the plain loop.
 */
function applyReflector(
  x: Float64Array,
  m: number,
  vOff: number,
  j: number,
  tau: number,
  c0: number,
  c1: number,
  vs: Float64Array = x,
): void {
  // eight columns at a time: independent sums (each still in row order) and one load of v_i for the eight
  let c = c0;
  for (; c + 7 < c1; c += 8) {
    const o0 = c * m;
    const o1 = o0 + m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    const o4 = o3 + m;
    const o5 = o4 + m;
    const o6 = o5 + m;
    const o7 = o6 + m;
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    let w3 = 0;
    let w4 = 0;
    let w5 = 0;
    let w6 = 0;
    let w7 = 0;
    w0 += x[o0 + j]!;
    w1 += x[o1 + j]!;
    w2 += x[o2 + j]!;
    w3 += x[o3 + j]!;
    w4 += x[o4 + j]!;
    w5 += x[o5 + j]!;
    w6 += x[o6 + j]!;
    w7 += x[o7 + j]!;
    for (let i = j + 1; i < m; i++) {
      const vi = vs[vOff + i]!;
      w0 += vi * x[o0 + i]!;
      w1 += vi * x[o1 + i]!;
      w2 += vi * x[o2 + i]!;
      w3 += vi * x[o3 + i]!;
      w4 += vi * x[o4 + i]!;
      w5 += vi * x[o5 + i]!;
      w6 += vi * x[o6 + i]!;
      w7 += vi * x[o7 + i]!;
    }
    w0 *= tau;
    w1 *= tau;
    w2 *= tau;
    w3 *= tau;
    w4 *= tau;
    w5 *= tau;
    w6 *= tau;
    w7 *= tau;
    x[o0 + j] = x[o0 + j]! - w0;
    x[o1 + j] = x[o1 + j]! - w1;
    x[o2 + j] = x[o2 + j]! - w2;
    x[o3 + j] = x[o3 + j]! - w3;
    x[o4 + j] = x[o4 + j]! - w4;
    x[o5 + j] = x[o5 + j]! - w5;
    x[o6 + j] = x[o6 + j]! - w6;
    x[o7 + j] = x[o7 + j]! - w7;
    for (let i = j + 1; i < m; i++) {
      const vi = vs[vOff + i]!;
      x[o0 + i] = x[o0 + i]! - w0 * vi;
      x[o1 + i] = x[o1 + i]! - w1 * vi;
      x[o2 + i] = x[o2 + i]! - w2 * vi;
      x[o3 + i] = x[o3 + i]! - w3 * vi;
      x[o4 + i] = x[o4 + i]! - w4 * vi;
      x[o5 + i] = x[o5 + i]! - w5 * vi;
      x[o6 + i] = x[o6 + i]! - w6 * vi;
      x[o7 + i] = x[o7 + i]! - w7 * vi;
    }
  }
  for (; c < c1; c++) {
    const off = c * m;
    let w = 0;
    w += x[off + j]!;
    for (let i = j + 1; i < m; i++) w += vs[vOff + i]! * x[off + i]!;
    w *= tau;
    x[off + j] = x[off + j]! - w;
    for (let i = j + 1; i < m; i++) x[off + i] = x[off + i]! - w * vs[vOff + i]!;
  }
}

export const qrP: Primitive<QrParams> = definePrimitiveN<QrParams>({
  name: NAME,
  abstractEval: types,
  impl: ([a], _, outs) => {
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const [qCols, rRows] = [outs[0]!.shape[outs[0]!.ndim - 1]!, outs[1]!.shape[outs[1]!.ndim - 2]!];
    return perMatrix(batchCount(a!.shape), outs, [m * qCols, rRows * n], (b, [q, r]) =>
      householderQr(matrixOf(a!, b, m, n), m, n, q!, qCols, r!, rRows),
    );
  },
  freshOutputs: true,
  adFamily: "rule",
  jvp: ([ta], [a], [q, r], { full_matrices }) => {
    if (!ta) return [null, null];
    const [m, n] = a!.shape.slice(-2) as [number, number];
    if (m < n || (full_matrices && m !== n))
      throw new GradientError(
        `${NAME}: the derivative is defined for inputs [..., m, n] with m ≥ n, and with fullMatrices only for square ` +
          `ones (as JAX), got ${fmtShape(a!.shape)} with fullMatrices ${full_matrices}` +
          (m > n ? "; use fullMatrices: false" : ""),
      );
    // X = Ȧ·R⁻¹ (right-side solve with the upper R), C = Qᵀ·X
    const x = triangularSolve(r!, ta, {
      left_side: false,
      lower: false,
      transpose_a: false,
      conjugate_a: false,
      unit_diagonal: false,
    });
    const c = matmulTN(q!, x);
    const low = tril(c, -1);
    const omega = sub(low, mT(low)); // skew-symmetric
    return [add(matmul(q!, sub(omega, c)), x), matmul(sub(c, omega), r!)];
  },
  formatParams: formatFlags,
  // the batch axis first: matrices stay the last two axes
  batch: ([a], [d], params) => [bind(qrP, [moveAxis(a!, d!, 0)], params), [0, 0]],
  testing: {
    // m ≥ n (full matrices only when square): the cases with a derivative, which the laws check on Q
    sample: (choose) => {
      const n = 1 + choose(3);
      const m = n + choose(2);
      return {
        avals: [new ShapedArray([...batchShape(choose), m, n], "float64")],
        params: { full_matrices: m === n && choose(2) === 0 },
      };
    },
  },
});

/** Q and R of each matrix of a batch [..., m, n]. */
export const qr = (a: Tensor, fullMatrices = true): [Tensor, Tensor] => {
  const [q, r] = bind(qrP, [a], { full_matrices: fullMatrices });
  return [q!, r!];
};
