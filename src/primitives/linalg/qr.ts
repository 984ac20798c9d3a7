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
  const R = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const taus: number[] = [];
  for (let j = 0; j < k; j++) {
    const alpha = R[j * n + j]!;
    let ss = 0;
    for (let i = j + 1; i < m; i++) ss += R[i * n + j]! ** 2;
    const v = new Float64Array(m - j);
    v[0] = 1;
    let tau = 0;
    if (ss !== 0 || Number.isNaN(alpha)) {
      const norm = Math.sqrt(alpha * alpha + ss);
      const beta = alpha >= 0 ? -norm : norm;
      tau = (beta - alpha) / beta;
      const scaleV = 1 / (alpha - beta);
      for (let i = j + 1; i < m; i++) v[i - j] = R[i * n + j]! * scaleV;
      R[j * n + j] = beta;
      for (let i = j + 1; i < m; i++) R[i * n + j] = 0;
      // the other columns: x ← x − τ·v·(vᵀx)
      for (let c = j + 1; c < n; c++) {
        let w = 0;
        for (let i = j; i < m; i++) w += v[i - j]! * R[i * n + c]!;
        w *= tau;
        for (let i = j; i < m; i++) R[i * n + c] = R[i * n + c]! - w * v[i - j]!;
      }
    }
    vs.push(v);
    taus.push(tau);
  }
  for (let i = 0; i < rRows; i++) for (let c = i; c < n; c++) r[i * n + c] = R[i * n + c]!;
  // Q = H_0·H_1·…·H_{k−1}·I[:, :qCols], applied right to left
  for (let i = 0; i < Math.min(m, qCols); i++) q[i * qCols + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j]!;
    const tau = taus[j]!;
    if (tau === 0) continue;
    for (let c = 0; c < qCols; c++) {
      let w = 0;
      for (let i = j; i < m; i++) w += v[i - j]! * q[i * qCols + c]!;
      w *= tau;
      for (let i = j; i < m; i++) q[i * qCols + c] = q[i * qCols + c]! - w * v[i - j]!;
    }
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
