// svd: A = U·diag(s)·Vh for each matrix of a batch [..., m, n], as JAX's svd_p → [s, u, vh] (just [s] without
// compute_uv): s [..., k] descending and non-negative (k = min(m, n)); full_matrices gives U [..., m, m] and
// Vh [..., n, n], otherwise U [..., m, k] and Vh [..., k, n]. Kernel (float64, Golub–Kahan–Reinsch, on the tall
// orientation: a wide matrix is decomposed through its transpose): Householder bidiagonalization (LAPACK's dlarfg
// reflectors, accumulated into U and V), then implicit-shift QR on the bidiagonal (Golub & Van Loan 8.6: Wilkinson
// shift from the trailing 2×2 of BᵀB, zero-chasing when a diagonal entry is negligible, deflation when a
// superdiagonal one is negligible next to its neighbours), signs moved into V, values sorted descending. Non-finite
// input, or no convergence within 100·n steps, gives NaN. The JVP is JAX's _svd_jvp_rule (distinct singular values
// assumed, as JAX); without compute_uv, ṡ = diag(Uᵀ·Ȧ·V) with U and V from a nested svd, so it differentiates again.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, GradientError, TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { bind } from "../../ir/trace.js";
import { scalar } from "../constants.js";
import { definePrimitiveN } from "../define.js";
import { add } from "../elementwise/add.js";
import { convertElementType } from "../elementwise/convert_element_type.js";
import { div } from "../elementwise/div.js";
import { mul } from "../elementwise/mul.js";
import { sub } from "../elementwise/sub.js";
import { broadcastInDim, reduceSum } from "../structure/broadcast_and_sum.js";
import { moveAxis } from "../structure/transpose.js";
import {
  batchCount,
  batchShape,
  checkMatrix,
  formatFlags,
  masked,
  matmul,
  matmulTN,
  matrixOf,
  mT,
  perMatrix,
  triMask,
} from "./matrix.js";

export interface SvdParams {
  full_matrices: boolean;
  compute_uv: boolean;
}

const NAME = "svd";
const EPS = 2 ** -52;

function types([a, ...rest]: ShapedArray[], params: SvdParams) {
  if (rest.length > 0) return E.left(new TracegradError(`${NAME}: takes one operand, got ${rest.length + 1}`));
  const bad = checkMatrix(NAME, "a", a, false);
  if (bad) return E.left(bad);
  for (const [k, label] of [
    ["full_matrices", "fullMatrices"],
    ["compute_uv", "computeUv"],
  ] as const)
    if (typeof params[k] !== "boolean")
      return E.left(new TracegradError(`${NAME}: ${label} must be true or false, got ${String(params[k])}`));
  const batch = a!.shape.slice(0, -2);
  const [m, n] = a!.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const s = new ShapedArray([...batch, k], a!.dtype);
  if (!params.compute_uv) return E.right([s]);
  const [uCols, vhRows] = params.full_matrices ? [m, n] : [k, k];
  return E.right([
    s,
    new ShapedArray([...batch, m, uCols], a!.dtype),
    new ShapedArray([...batch, vhRows, n], a!.dtype),
  ]);
}

/** A Householder reflector (I − τ·v·vᵀ)·x = β·e₀ of x, v[0] = 1 (LAPACK's dlarfg: none when x[1:] is zero). */
function reflector(x: Float64Array): { v: Float64Array; tau: number; beta: number } {
  const alpha = x[0]!;
  let ss = 0;
  for (let i = 1; i < x.length; i++) ss += x[i]! ** 2;
  const v = new Float64Array(x.length);
  v[0] = 1;
  if (ss === 0) return { v, tau: 0, beta: alpha };
  const norm = Math.sqrt(alpha * alpha + ss);
  const beta = alpha >= 0 ? -norm : norm;
  const inv = 1 / (alpha - beta);
  for (let i = 1; i < x.length; i++) v[i] = x[i]! * inv;
  return { v, tau: (beta - alpha) / beta, beta };
}

/** x[off:] ← x[off:] − τ·v·(vᵀ·x[off:]) for each vector x of `xs`. */
function reflect(xs: readonly Float64Array[], v: Float64Array, tau: number, off: number): void {
  if (tau === 0) return;
  for (const x of xs) {
    let w = 0;
    for (let i = 0; i < v.length; i++) w += v[i]! * x[off + i]!;
    w *= tau;
    for (let i = 0; i < v.length; i++) x[off + i] = x[off + i]! - w * v[i]!;
  }
}

/** Columns p, q of a basis ← (c·x_p + s·x_q, −s·x_p + c·x_q). */
function rotate(cols: readonly Float64Array[], p: number, q: number, c: number, s: number): void {
  const x = cols[p]!;
  const y = cols[q]!;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    x[i] = c * a + s * b;
    y[i] = c * b - s * a;
  }
}

/**
 * The SVD of a tall m×n matrix (m ≥ n, row-major) by Golub–Kahan–Reinsch: s (n, descending), U's first `uCols`
 * columns (n ≤ uCols ≤ m, each of length m), V's columns (n, each of length n); undefined if the QR iteration does
 * not converge.
 */
function tallSvd(
  a: Float64Array,
  m: number,
  n: number,
  uCols: number,
): { s: number[]; u: Float64Array[]; v: Float64Array[] } | undefined {
  let big = 0;
  for (const x of a) big = Math.max(big, Math.abs(x));
  const inv = big > 0 ? 1 / big : 1; // scaled so squares neither overflow nor underflow
  // the columns of A, bidiagonalized by Householder reflectors from the left (columns) and right (rows)
  const cols = Array.from({ length: n }, (_, j) => {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = a[i * n + j]! * inv;
    return c;
  });
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const left: { v: Float64Array; tau: number }[] = [];
  const right: { v: Float64Array; tau: number }[] = [];
  for (let j = 0; j < n; j++) {
    const hl = reflector(cols[j]!.subarray(j));
    reflect(cols.slice(j + 1), hl.v, hl.tau, j);
    d[j] = hl.beta;
    left.push(hl);
    if (j < n - 1) {
      const row = new Float64Array(n - j - 1);
      for (let c = j + 1; c < n; c++) row[c - j - 1] = cols[c]![j]!;
      const hr = reflector(row);
      e[j] = hr.beta;
      right.push(hr);
      if (hr.tau !== 0) {
        // rows j+1.. of columns j+1..: each row x ← x − τ·(x·v)·vᵀ, column by column
        const w = new Float64Array(m);
        for (let c = j + 1; c < n; c++) {
          const col = cols[c]!;
          const vc = hr.v[c - j - 1]!;
          for (let r = j + 1; r < m; r++) w[r] = w[r]! + col[r]! * vc;
        }
        for (let c = j + 1; c < n; c++) {
          const col = cols[c]!;
          const f = hr.tau * hr.v[c - j - 1]!;
          for (let r = j + 1; r < m; r++) col[r] = col[r]! - f * w[r]!;
        }
      }
    }
  }
  // U = H₀·…·H_{n−1}·I[:, :uCols], V = G₀·…·G_{n−2}·I, applied right to left
  const u = Array.from({ length: uCols }, (_, j) => {
    const c = new Float64Array(m);
    c[j] = 1;
    return c;
  });
  for (let j = n - 1; j >= 0; j--) reflect(u, left[j]!.v, left[j]!.tau, j);
  const v = Array.from({ length: n }, (_, j) => {
    const c = new Float64Array(n);
    c[j] = 1;
    return c;
  });
  for (let j = n - 2; j >= 0; j--) reflect(v, right[j]!.v, right[j]!.tau, j + 1);

  // implicit-shift QR on the bidiagonal (d, e) (Golub & Van Loan, algorithms 8.6.1–8.6.2)
  let anorm = 0;
  for (let i = 0; i < n; i++) anorm = Math.max(anorm, Math.abs(d[i]!) + (i < n - 1 ? Math.abs(e[i]!) : 0));
  const small = EPS * anorm;
  let hi = n - 1;
  let steps = 0;
  while (hi > 0) {
    if (steps++ > 100 * n) return undefined;
    for (let i = 0; i < hi; i++)
      if (Math.abs(e[i]!) <= EPS * (Math.abs(d[i]!) + Math.abs(d[i + 1]!)) || Math.abs(e[i]!) <= small * EPS) e[i] = 0;
    if (e[hi - 1] === 0) {
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    // a zero on the diagonal of the block: rotate its row's superdiagonal away
    if (Math.abs(d[hi]!) <= small) {
      d[hi] = 0;
      let f = e[hi - 1]!;
      e[hi - 1] = 0;
      for (let j = hi - 1; j >= lo; j--) {
        const r = Math.hypot(d[j]!, f);
        const [c, s] = [d[j]! / r, f / r];
        d[j] = r;
        if (j > lo) {
          f = -s * e[j - 1]!;
          e[j - 1] = c * e[j - 1]!;
        }
        rotate(v, j, hi, c, s);
      }
      continue;
    }
    let zeroAt = -1;
    for (let i = lo; i < hi; i++)
      if (Math.abs(d[i]!) <= small) {
        zeroAt = i;
        break;
      }
    if (zeroAt >= 0) {
      const i = zeroAt;
      d[i] = 0;
      let f = e[i]!;
      e[i] = 0;
      for (let j = i + 1; j <= hi; j++) {
        const r = Math.hypot(d[j]!, f);
        const [c, s] = [d[j]! / r, f / r];
        d[j] = r;
        if (j < hi) {
          f = -s * e[j]!;
          e[j] = c * e[j]!;
        }
        rotate(u, j, i, c, s);
      }
      continue;
    }
    // Golub–Kahan step with the Wilkinson shift of the trailing 2×2 of BᵀB
    const [dm, dn, em] = [d[hi - 1]!, d[hi]!, e[hi - 1]!];
    const emm = hi - 1 > lo ? e[hi - 2]! : 0;
    const [t11, t12, t22] = [dm * dm + emm * emm, dm * em, dn * dn + em * em];
    const delta = (t11 - t22) / 2;
    const mu = t12 === 0 ? t22 : t22 - (t12 * t12) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, t12));
    let y = d[lo]! * d[lo]! - mu;
    let z = d[lo]! * e[lo]!;
    for (let k = lo; k < hi; k++) {
      let r = Math.hypot(y, z);
      let [c, s] = r === 0 ? [1, 0] : [y / r, z / r];
      if (k > lo) e[k - 1] = r;
      y = c * d[k]! + s * e[k]!;
      e[k] = c * e[k]! - s * d[k]!;
      z = s * d[k + 1]!;
      d[k + 1] = c * d[k + 1]!;
      rotate(v, k, k + 1, c, s);
      r = Math.hypot(y, z);
      [c, s] = r === 0 ? [1, 0] : [y / r, z / r];
      d[k] = r;
      y = c * e[k]! + s * d[k + 1]!;
      d[k + 1] = c * d[k + 1]! - s * e[k]!;
      if (k < hi - 1) {
        z = s * e[k + 1]!;
        e[k + 1] = c * e[k + 1]!;
      }
      rotate(u, k, k + 1, c, s);
    }
    e[hi - 1] = y;
  }
  // non-negative, descending
  for (let i = 0; i < n; i++)
    if (d[i]! < 0) {
      d[i] = -d[i]!;
      for (let r = 0; r < n; r++) v[i]![r] = -v[i]![r]!;
    }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const uSorted = [...order.map((j) => u[j]!), ...u.slice(n)];
  return { s: order.map((j) => d[j]! * big), u: uSorted, v: order.map((j) => v[j]!) };
}

/**
 * The SVD of one row-major m×n matrix into `s` (k), and when given `u` (m × uCols) and `vh` (vhRows × n), row-major.
 * A wide matrix is decomposed through its transpose; non-finite input gives NaN everywhere.
 */
export function svdKernel(
  a: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  uv?: { u: Float64Array; uCols: number; vh: Float64Array; vhRows: number },
): void {
  const k = Math.min(m, n);
  const tall = m >= n;
  let at = a;
  if (!tall) {
    // aᵀ = U'·S·V'ᵀ, so a = V'·S·U'ᵀ
    at = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[i * n + j]!;
  }
  const r = a.every(Number.isFinite)
    ? tall
      ? tallSvd(a, m, n, uv ? uv.uCols : n)
      : tallSvd(at, n, m, uv ? uv.vhRows : k)
    : undefined;
  if (!r) {
    s.fill(Number.NaN);
    uv?.u.fill(Number.NaN);
    uv?.vh.fill(Number.NaN);
    return;
  }
  s.set(r.s);
  if (!uv) return;
  if (tall) {
    for (let j = 0; j < uv.uCols; j++) for (let i = 0; i < m; i++) uv.u[i * uv.uCols + j] = r.u[j]![i]!;
    for (let j = 0; j < n; j++) uv.vh.set(r.v[j]!, j * n); // vhRows = n = k
  } else {
    for (let j = 0; j < m; j++) for (let i = 0; i < m; i++) uv.u[i * m + j] = r.v[j]![i]!; // uCols = m = k
    for (let j = 0; j < uv.vhRows; j++) uv.vh.set(r.u[j]!, j * n);
  }
}

export const svdP: Primitive<SvdParams> = definePrimitiveN<SvdParams>({
  name: NAME,
  abstractEval: types,
  impl: ([a], { compute_uv }, outs) => {
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    if (!compute_uv)
      return perMatrix(batchCount(a!.shape), outs, [k], (b, [s]) => svdKernel(matrixOf(a!, b, m, n), m, n, s!));
    const [uCols, vhRows] = [outs[1]!.shape[outs[1]!.ndim - 1]!, outs[2]!.shape[outs[2]!.ndim - 2]!];
    return perMatrix(batchCount(a!.shape), outs, [k, m * uCols, vhRows * n], (b, [s, u, vh]) =>
      svdKernel(matrixOf(a!, b, m, n), m, n, s!, { u: u!, uCols, vh: vh!, vhRows }),
    );
  },
  freshOutputs: true,
  adFamily: "rule",
  jvp: ([ta], [a], outs, { full_matrices, compute_uv }) => {
    if (!ta) return compute_uv ? [null, null, null] : [null];
    const shape = a!.shape;
    const nd = shape.length;
    const [m, n] = shape.slice(-2) as [number, number];
    if (compute_uv && full_matrices && m !== n)
      throw new GradientError(
        `${NAME}: the derivative of U and Vh with fullMatrices is not implemented for non-square inputs (as JAX), ` +
          `got ${fmtShape(shape)}; use fullMatrices: false, or computeUv: false for the singular values alone`,
      );
    // reduced factors: the outputs themselves, or (computeUv false) a nested svd, so ṡ differentiates again
    const [s, u, vh] = compute_uv ? (outs as Tensor[]) : bind(svdP, [a!], { full_matrices: false, compute_uv: true });
    const v = mT(vh!);
    const k = Math.min(m, n);
    const batch = shape.slice(0, -2);
    const batchDims = batch.map((_, i) => i);
    const kk = [...batch, k, k];
    const dS = matmulTN(u!, matmul(ta, v)); // Uᵀ·Ȧ·V
    const ds = reduceSum(masked(dS, triMask(kk, "eq")), [nd - 1]);
    if (!compute_uv) return [ds];
    const sRow = broadcastInDim(s!, kk, [...batchDims, nd - 1]); // s_j at [i, j]
    const sCol = broadcastInDim(s!, kk, [...batchDims, nd - 2]); // s_i at [i, j]
    // F = 1/(s_j² − s_i²) off the diagonal, exactly 0 on it
    const eye = convertElementType(triMask(kk, "eq"), a!.dtype);
    const one = broadcastInDim(scalar(1, a!.dtype), kk, []);
    const f = sub(div(one, add(mul(add(sRow, sCol), sub(sRow, sCol)), eye)), eye);
    const dSS = mul(sRow, dS);
    const SdS = mul(sCol, dS);
    // JAX's dUdV_diag term, ½(dS − dSᵀ)∘diag(1/s), vanishes for real inputs
    let du = matmul(u!, mul(f, add(dSS, mT(dSS))));
    let dv = matmul(v, mul(f, add(SdS, mT(SdS))));
    if (m > n) {
      const dAV = matmul(ta, v);
      const sM = broadcastInDim(s!, [...batch, m, k], [...batchDims, nd - 1]);
      du = add(du, div(sub(dAV, matmul(u!, matmulTN(u!, dAV))), sM));
    }
    if (n > m) {
      const dAHU = matmulTN(ta, u!);
      const sN = broadcastInDim(s!, [...batch, n, k], [...batchDims, nd - 1]);
      dv = add(dv, div(sub(dAHU, matmul(v, matmul(vh!, dAHU))), sN));
    }
    return [ds, du, mT(dv)];
  },
  formatParams: formatFlags,
  // the batch axis first: matrices stay the last two axes
  batch: ([a], [d], params) => {
    const outs = bind(svdP, [moveAxis(a!, d!, 0)], params);
    return [outs, outs.map(() => 0)];
  },
  testing: {
    // random matrices have distinct, nonzero singular values; full matrices only when square with U and Vh (the
    // cases with a derivative)
    sample: (choose) => {
      const m = 1 + choose(3);
      const n = 1 + choose(3);
      const compute_uv = choose(2) === 0;
      return {
        avals: [new ShapedArray([...batchShape(choose), m, n], "float64")],
        params: { compute_uv, full_matrices: (!compute_uv || m === n) && choose(2) === 0 },
      };
    },
  },
});

/** [s] or (computeUv) [u, s, vh] of each matrix of a batch [..., m, n]. */
export function svd(a: Tensor, fullMatrices = true, computeUv = true): Tensor[] {
  const outs = bind(svdP, [a], { full_matrices: fullMatrices, compute_uv: computeUv });
  return computeUv ? [outs[1]!, outs[0]!, outs[2]!] : [outs[0]!];
}
