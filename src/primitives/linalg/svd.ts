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
import { eagerBackend } from "../eager_backend.js";
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
import { accumulateReflectors, rotateColumns, rotateForward } from "./orthogonal.js";

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

/** wl[c] = τ·vᵀ·x_c[off:] for the columns x_c, c ∈ [from, to), of the reflector h (0 where τ = 0). */
function leftSums(
  cols: readonly Float64Array[],
  h: { v: Float64Array; tau: number },
  off: number,
  from: number,
  to: number,
  wl: Float64Array,
): void {
  const { v, tau } = h;
  for (let c = from; c < to; c++) {
    if (tau === 0) {
      wl[c] = 0;
      continue;
    }
    const x = cols[c]!;
    let acc = 0;
    for (let i = 0; i < v.length; i++) acc += v[i]! * x[off + i]!;
    wl[c] = acc * tau;
  }
}

/**
 * Householder bidiagonalization of the m×n (m ≥ n) matrix of columns `cols` (overwritten): diagonal into d,
 * superdiagonal into e, the left reflectors H_j (rows j..) and right ones G_j (columns j + 1..) pushed. Step j applies
 * H_j then G_j to the columns past j in two passes rather than four: H_j's update with G_j's x·v sums, and G_j's
 * update with H_{j+1}'s vᵀ·x sums (wl), since G_j needs only row j and H_{j+1} only column j + 1 of the matrix
 * before them. Each sum runs in the order it would alone.
 */
function bidiagonalize(
  cols: readonly Float64Array[],
  m: number,
  n: number,
  d: Float64Array,
  e: Float64Array,
  left: { v: Float64Array; tau: number }[],
  right: { v: Float64Array; tau: number }[],
): void {
  if (n === 0) return;
  const wl = new Float64Array(n); // τ·vᵀ·x of the pending left reflector, for each column past it
  const w = new Float64Array(m);
  let hl = reflector(cols[0]!);
  leftSums(cols, hl, 0, 1, n, wl);
  for (let j = 0; ; j++) {
    d[j] = hl.beta;
    left.push(hl);
    if (j === n - 1) break;
    const row = new Float64Array(n - j - 1);
    for (let c = j + 1; c < n; c++) row[c - j - 1] = cols[c]![j]! - wl[c]!; // v[0] = 1
    const hr = reflector(row);
    e[j] = hr.beta;
    right.push(hr);
    const [v, hv, tau] = [hl.v, hr.v, hr.tau];
    // H_j's update, rows j..; and w = x·v of G_j over rows j + 1.. (columns in pairs, as its update)
    if (tau !== 0) w.fill(0);
    let c = j + 1;
    for (; c + 1 < n; c += 2) {
      const [x, y, fx, fy, vx, vy] = [cols[c]!, cols[c + 1]!, wl[c]!, wl[c + 1]!, hv[c - j - 1]!, hv[c - j]!];
      x[j] = x[j]! - fx * v[0]!;
      y[j] = y[j]! - fy * v[0]!;
      if (tau === 0) {
        for (let r = j + 1; r < m; r++) {
          x[r] = x[r]! - fx * v[r - j]!;
          y[r] = y[r]! - fy * v[r - j]!;
        }
        continue;
      }
      for (let r = j + 1; r < m; r++) {
        const vr = v[r - j]!;
        const xr = x[r]! - fx * vr;
        const yr = y[r]! - fy * vr;
        x[r] = xr;
        y[r] = yr;
        w[r] = w[r]! + xr * vx + yr * vy;
      }
    }
    if (c < n) {
      const [x, fx, vx] = [cols[c]!, wl[c]!, hv[c - j - 1]!];
      for (let r = j; r < m; r++) x[r] = x[r]! - fx * v[r - j]!;
      if (tau !== 0) for (let r = j + 1; r < m; r++) w[r] = w[r]! + x[r]! * vx;
    }
    // G_j's update, rows j + 1..: column j + 1 first, which gives H_{j+1}; then the others with H_{j+1}'s sums
    if (tau !== 0) {
      const x = cols[j + 1]!;
      const f = tau * hv[0]!;
      for (let r = j + 1; r < m; r++) x[r] = x[r]! - f * w[r]!;
    }
    hl = reflector(cols[j + 1]!.subarray(j + 1));
    if (tau === 0) {
      leftSums(cols, hl, j + 1, j + 2, n, wl);
      continue;
    }
    const [v1, tau1] = [hl.v, hl.tau];
    for (c = j + 2; c + 1 < n; c += 2) {
      const [x, y, fx, fy] = [cols[c]!, cols[c + 1]!, tau * hv[c - j - 1]!, tau * hv[c - j]!];
      let ax = 0;
      let ay = 0;
      for (let r = j + 1; r < m; r++) {
        const wr = w[r]!;
        const vr = v1[r - j - 1]!;
        const xr = x[r]! - fx * wr;
        const yr = y[r]! - fy * wr;
        x[r] = xr;
        y[r] = yr;
        ax += vr * xr;
        ay += vr * yr;
      }
      wl[c] = tau1 === 0 ? 0 : ax * tau1;
      wl[c + 1] = tau1 === 0 ? 0 : ay * tau1;
    }
    if (c < n) {
      const [x, f] = [cols[c]!, tau * hv[c - j - 1]!];
      let acc = 0;
      for (let r = j + 1; r < m; r++) {
        const xr = x[r]! - f * w[r]!;
        x[r] = xr;
        acc += v1[r - j - 1]! * xr;
      }
      wl[c] = tau1 === 0 ? 0 : acc * tau1;
    }
  }
}

/**
 * The SVD of a tall m×n matrix (m ≥ n, row-major) by Golub–Kahan–Reinsch: s (n, descending), U's first `uCols`
 * columns (n ≤ uCols ≤ m; row-major m × uCols) and V (row-major n × n), their first n columns in the order
 * `order[j]` (s[j] goes with column order[j]); undefined if the QR iteration does not converge.
 */
function tallSvd(
  a: Float64Array,
  m: number,
  n: number,
  uCols: number,
): { s: number[]; order: number[]; u: Float64Array; v: Float64Array } | undefined {
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
  bidiagonalize(cols, m, n, d, e, left, right);
  // U = H₀·…·H_{n−1}·I[:, :uCols], V = G₀·…·G_{n−2}·I, row-major: a sweep's rotations mix columns, applied along
  // rows once the sweep is done (rotateForward)
  let ur: Float64Array = new Float64Array(m * uCols);
  for (let j = 0; j < uCols; j++) ur[j * uCols + j] = 1;
  accumulateReflectors(n, 0, (j) => left[j]!, ur, m, uCols);
  let vr: Float64Array = new Float64Array(n * n);
  for (let j = 0; j < n; j++) vr[j * n + j] = 1;
  accumulateReflectors(n - 1, 1, (j) => right[j]!, vr, n, n);
  // U, V and the rotations in the backend's rotation memory for the iteration, where it has one (SIMD sweeps)
  const backend = eagerBackend();
  const scratch = n >= 16 && backend?.ready() ? backend.rotationScratch?.(m * uCols + n * n + 4 * n) : undefined;
  const at = (off: number, len: number) => (scratch ? scratch.subarray(off, off + len) : new Float64Array(len));
  if (scratch) {
    scratch.set(ur, 0);
    scratch.set(vr, m * uCols);
    [ur, vr] = [at(0, m * uCols), at(m * uCols, n * n)];
  }
  const sweeps = m * uCols + n * n;
  const [cu, su, cv, sv] = [at(sweeps, n), at(sweeps + n, n), at(sweeps + 2 * n, n), at(sweeps + 3 * n, n)];

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
        rotateColumns(vr, n, n, j, hi, c, s);
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
        rotateColumns(ur, m, uCols, j, i, c, s);
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
      cv[k] = c;
      sv[k] = s;
      r = Math.hypot(y, z);
      [c, s] = r === 0 ? [1, 0] : [y / r, z / r];
      d[k] = r;
      y = c * e[k]! + s * d[k + 1]!;
      d[k + 1] = c * d[k + 1]! - s * e[k]!;
      if (k < hi - 1) {
        z = s * e[k + 1]!;
        e[k + 1] = c * e[k + 1]!;
      }
      cu[k] = c;
      su[k] = s;
    }
    e[hi - 1] = y;
    rotateForward(vr, n, n, lo, hi, cv, sv);
    rotateForward(ur, m, uCols, lo, hi, cu, su);
  }
  // non-negative, descending
  for (let i = 0; i < n; i++)
    if (d[i]! < 0) {
      d[i] = -d[i]!;
      for (let r = 0; r < n; r++) vr[r * n + i] = -vr[r * n + i]!;
    }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  // out of the rotation memory, which the next svd reuses
  return { s: order.map((j) => d[j]! * big), order, u: scratch ? ur.slice() : ur, v: scratch ? vr.slice() : vr };
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
  const col = (j: number) => (j < k ? r.order[j]! : j); // the columns past k (full matrices) are not sorted
  if (tall) {
    const uc = uv.uCols;
    for (let i = 0; i < m; i++) for (let j = 0; j < uc; j++) uv.u[i * uc + j] = r.u[i * uc + col(j)]!;
    for (let j = 0; j < n; j++) for (let i = 0, c = col(j); i < n; i++) uv.vh[j * n + i] = r.v[i * n + c]!; // k = n
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) uv.u[i * m + j] = r.v[i * m + col(j)]!; // uCols = m = k
    const rows = uv.vhRows;
    for (let j = 0; j < rows; j++) for (let i = 0, c = col(j); i < n; i++) uv.vh[j * n + i] = r.u[i * rows + c]!;
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
