// eigh: eigenvectors V (columns) and eigenvalues w of each symmetric matrix of a batch [..., n, n], S = V·diag(w)·Vᵀ,
// as JAX's eigh_p → [v, w]: S is the matrix the `lower` (or upper) triangle describes (the other one is not read); w
// ascending when sort_eigenvalues. Householder tridiagonalization, then implicit QL with Wilkinson shifts, in float64.
// Non-finite input gives NaN. The JVP is JAX's eigh_jvp_rule (distinct eigenvalues assumed, as JAX): with
// M = Vᵀ·Ṡ·V and F_ij = 1/(w_j − w_i) off the diagonal (0 on it), V̇ = V·(F ∘ M) and ẇ = diag(M), where Ṡ is the
// symmetric tangent the same triangle of the input's tangent describes.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { TracegradError } from "../../core/errors.js";
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
  perMatrix,
  symmetricFrom,
  symmetrize,
  triMask,
} from "./matrix.js";
import { accumulateReflectors, rotateBackward } from "./orthogonal.js";

export interface EighParams {
  lower: boolean;
  sort_eigenvalues: boolean;
}

const NAME = "eigh";
const MAX_QL_ITERATIONS = 60;
const EPS = 2 ** -52;
const TINY = 2 ** -1022;

function types([a, ...rest]: ShapedArray[], params: EighParams) {
  if (rest.length > 0) return E.left(new TracegradError(`${NAME}: takes one operand, got ${rest.length + 1}`));
  const bad = checkMatrix(NAME, "a", a, true);
  if (bad) return E.left(bad);
  for (const k of ["lower", "sort_eigenvalues"] as const)
    if (typeof params[k] !== "boolean")
      return E.left(new TracegradError(`${NAME}: ${k} must be true or false, got ${String(params[k])}`));
  return E.right([new ShapedArray(a!.shape, a!.dtype), new ShapedArray(a!.shape.slice(0, -1), a!.dtype)]);
}

/**
 * Eigen-decomposition of one symmetric n×n matrix (full, row-major, overwritten) into `v` (eigenvectors as columns)
 * and `w`: Householder reduction to tridiagonal form T = Qᵀ·S·Q, then the implicit QL algorithm with Wilkinson
 * shifts on T, its plane rotations accumulated into Q (EISPACK's tred2 + tql2). Eigenvalues come in the order QL
 * finds them, sorted ascending when `sort`. Non-finite input, or an eigenvalue still not isolated after
 * MAX_QL_ITERATIONS QL steps (about 2 are typical), gives NaN everywhere.
 */
export function symmetricEigh(s: Float64Array, n: number, v: Float64Array, w: Float64Array, sort: boolean): void {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // z = Q row-major: the QL rotations mix its columns, along its rows (rotateBackward)
  const z = new Float64Array(n * n);
  let ok = s.every(Number.isFinite);
  // far from 1 in magnitude, S is scaled by a power of two (exact) so no step over- or underflows; w scaled back
  let amax = 0;
  for (const x of s) amax = Math.max(amax, Math.abs(x));
  const k = amax > 2 ** 500 || (amax > 0 && amax < 2 ** -500) ? Math.round(Math.log2(amax)) : 0;
  if (ok) {
    if (k !== 0) scalePow2(s, -k);
    tridiagonalize(s, n, d, e, z);
    ok = implicitQL(d, e, z, n);
  }
  if (!ok) {
    v.fill(Number.NaN);
    w.fill(Number.NaN);
    return;
  }
  if (k !== 0) scalePow2(d, k);
  const order = Array.from({ length: n }, (_, i) => i);
  if (sort) order.sort((i, j) => d[i]! - d[j]! || i - j);
  order.forEach((src, dst) => {
    w[dst] = d[src]!;
    for (let r = 0; r < n; r++) v[r * n + dst] = z[r * n + src]!;
  });
}

/**
 * Householder tridiagonalization of the symmetric s (overwritten): diagonal into d, subdiagonal into e (e[i] couples
 * i and i + 1, e[n − 1] = 0), Q into z. Step k maps column k below the diagonal onto a multiple of e_{k+1} with the
 * reflector P_k = I − u·uᵀ/h (u zero in 0..k) and applies S ← P_k·S·P_k to the lower triangle of the trailing block
 * (the only part read); u is kept in row k of s beyond the diagonal. Q = P_0···P_{n−3} is formed afterwards in
 * blocks of reflectors, from the last back (accumulateReflectors).
 */
function tridiagonalize(s: Float64Array, n: number, d: Float64Array, e: Float64Array, z: Float64Array): void {
  const hs = new Float64Array(n);
  const q = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const rk = k * n;
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(s[i * n + k]!));
    if (scale === 0) continue; // already reduced: P_k = I (hs[k] = 0), e[k] = 0
    let sigma = 0;
    for (let i = k + 1; i < n; i++) {
      const x = s[i * n + k]! / scale;
      s[rk + i] = x;
      sigma += x * x;
    }
    const x0 = s[rk + k + 1]!;
    const g = x0 >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
    const h = sigma - x0 * g; // uᵀu / 2 once u = x − g·e_{k+1}
    s[rk + k + 1] = x0 - g;
    e[k] = g * scale;
    hs[k] = h;
    // P·S·P = S − u·qᵀ − q·uᵀ with p = S·u / h, q = p − (uᵀp / 2h)·u; S·u from the lower triangle alone
    q.fill(0, k + 1);
    let i = k + 1;
    for (; i + 1 < n; i += 2) {
      // rows i and i + 1 together: shared loads of u and q, two chains; q[i] gets row i's sum before row i + 1's term
      const [r0, r1, u0, u1] = [i * n, (i + 1) * n, s[rk + i]!, s[rk + i + 1]!];
      let acc0 = s[r0 + i]! * u0;
      let acc1 = s[r1 + i + 1]! * u1;
      for (let j = k + 1; j < i; j++) {
        const a0 = s[r0 + j]!;
        const a1 = s[r1 + j]!;
        const uj = s[rk + j]!;
        acc0 += a0 * uj;
        acc1 += a1 * uj;
        q[j] = q[j]! + a0 * u0 + a1 * u1;
      }
      const a = s[r1 + i]!;
      acc1 += a * u0;
      q[i] = q[i]! + acc0 + a * u1;
      q[i + 1] = q[i + 1]! + acc1;
    }
    if (i < n) {
      const [ri, ui] = [i * n, s[rk + i]!];
      let acc = s[ri + i]! * ui;
      for (let j = k + 1; j < i; j++) {
        const a = s[ri + j]!;
        acc += a * s[rk + j]!;
        q[j] = q[j]! + a * ui;
      }
      q[i] = q[i]! + acc;
    }
    let up = 0;
    for (let i = k + 1; i < n; i++) {
      const p = q[i]! / h;
      q[i] = p;
      up += s[rk + i]! * p;
    }
    const c = up / (2 * h);
    for (let i = k + 1; i < n; i++) q[i] = q[i]! - c * s[rk + i]!;
    for (i = k + 1; i < n; i++) {
      const [ri, ui, qi] = [i * n, s[rk + i]!, q[i]!];
      for (let j = k + 1; j <= i; j++) s[ri + j] = s[ri + j]! - ui * q[j]! - qi * s[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = s[i * n + i]!;
  if (n >= 2) e[n - 2] = s[(n - 1) * n + n - 2]!;
  // Q = P_0·(···(P_{n−3}·I)), P_k = I − u·uᵀ/h acting on rows k + 1..
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  const reflector = (k: number) => ({ v: s.subarray(k * n + k + 1, (k + 1) * n), tau: hs[k] === 0 ? 0 : 1 / hs[k]! });
  accumulateReflectors(n - 2, 1, reflector, z, n, n);
}

/**
 * Implicit QL with Wilkinson shifts on the tridiagonal (d, e) (e[i] couples i and i + 1), rotations applied to the
 * columns of the row-major z: eigenvalues into d. For each l, while the first e[m] (m ≥ l) not negligible next to d[m]
 * and d[m + 1] is past l, one QL step chases a shifted rotation sequence from m up to l. False if one eigenvalue
 * takes more than MAX_QL_ITERATIONS steps.
 */
function implicitQL(d: Float64Array, e: Float64Array, z: Float64Array, n: number): boolean {
  // a step's rotations, applied to z together once it is done (rotateBackward)
  const cs = new Float64Array(n);
  const ss = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m + 1 < n; m++) {
        const em = Math.abs(e[m]!);
        if (em <= EPS * (Math.abs(d[m]!) + Math.abs(d[m + 1]!)) || em < TINY) break;
      }
      if (m === l) break;
      if (iter >= MAX_QL_ITERATIONS) return false;
      // the shift: the eigenvalue of the leading 2×2 of the block nearer d[l]
      const theta = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      const rho = Math.hypot(theta, 1);
      let g = d[m]! - d[l]! + e[l]! / (theta + (theta >= 0 ? rho : -rho));
      let sn = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = sn * e[i]!;
        const b = c * e[i]!;
        const r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // no rotation defined: the block splits at i + 1; deflate and look for the block again
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          break;
        }
        sn = f / r;
        c = g / r;
        const t = d[i + 1]! - p;
        const r2 = (d[i]! - t) * sn + 2 * c * b;
        p = sn * r2;
        d[i + 1] = t + p;
        g = c * r2 - b;
        cs[i] = c;
        ss[i] = -sn;
      }
      rotateBackward(z, n, n, i + 1, m, cs, ss);
      if (i >= l) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return true;
}

/** x ← 2^k·x (in two steps, so 2^k itself need not be representable). */
function scalePow2(x: Float64Array, k: number): void {
  const half = Math.trunc(k / 2);
  const [f, g] = [2 ** half, 2 ** (k - half)];
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f * g;
}

export const eighP: Primitive<EighParams> = definePrimitiveN<EighParams>({
  name: NAME,
  abstractEval: types,
  impl: ([a], { lower, sort_eigenvalues }, outs) => {
    const n = a!.shape[a!.ndim - 1]!;
    return perMatrix(batchCount(a!.shape), outs, [n * n, n], (b, [v, w]) => {
      const x = matrixOf(a!, b, n, n);
      // the symmetric matrix of the stored triangle
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++) {
          if (lower) x[j * n + i] = x[i * n + j]!;
          else x[i * n + j] = x[j * n + i]!;
        }
      symmetricEigh(x, n, v!, w!, sort_eigenvalues);
    });
  },
  freshOutputs: true,
  adFamily: "rule",
  jvp: ([ta], [a], [v, w], { lower }) => {
    if (!ta) return [null, null];
    const shape = a!.shape;
    const nd = shape.length;
    const m = matmulTN(v!, matmul(symmetricFrom(ta, lower), v!));
    // F = 1/(I + w_j − w_i) − I: 1/(w_j − w_i) off the diagonal, exactly 0 on it (no 1/0 anywhere)
    const eye = convertElementType(triMask(shape, "eq"), a!.dtype);
    const batchDims = Array.from({ length: nd - 2 }, (_, i) => i);
    const wj = broadcastInDim(w!, shape, [...batchDims, nd - 1]);
    const wi = broadcastInDim(w!, shape, [...batchDims, nd - 2]);
    const one = broadcastInDim(scalar(1, a!.dtype), shape, []);
    const f = sub(div(one, add(eye, sub(wj, wi))), eye);
    const dv = matmul(v!, mul(f, m));
    const dw = reduceSum(masked(m, triMask(shape, "eq")), [nd - 1]);
    return [dv, dw];
  },
  formatParams: formatFlags,
  // the batch axis first: matrices stay the last two axes
  batch: ([a], [d], params) => [bind(eighP, [moveAxis(a!, d!, 0)], params), [0, 0]],
  testing: {
    // any values: only one triangle is read, so every input is symmetric; random ones have distinct eigenvalues
    sample: (choose) => ({
      avals: [new ShapedArray([...batchShape(choose), ...[1 + choose(3)].flatMap((n) => [n, n])], "float64")],
      params: { lower: choose(2) === 0, sort_eigenvalues: choose(2) === 0 },
    }),
  },
});

/**
 * Eigenvectors (columns) and eigenvalues of each symmetric matrix of a batch: by default of (a + aᵀ)/2 (JAX's
 * symmetrize_input), otherwise of the matrix a's `lower` (or upper) triangle describes.
 */
export const eigh = (a: Tensor, lower = true, sortEigenvalues = true, symmetrizeInput = true): [Tensor, Tensor] => {
  const params = { lower, sort_eigenvalues: sortEigenvalues };
  eighP.check([a.aval], params); // shape and dtype errors name eigh, not the symmetrization
  const [v, w] = bind(eighP, [symmetrizeInput ? symmetrize(a) : a], params);
  return [v!, w!];
};
