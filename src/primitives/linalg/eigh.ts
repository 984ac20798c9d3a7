// eigh: eigenvectors V (columns) and eigenvalues w of each symmetric matrix of a batch [..., n, n], S = V·diag(w)·Vᵀ,
// as JAX's eigh_p → [v, w]: S is the matrix the `lower` (or upper) triangle describes (the other one is not read); w
// ascending when sort_eigenvalues. Cyclic Jacobi rotations in float64 (accurate eigenvectors, any size that fits a
// CPU). Non-finite input gives NaN. The JVP is JAX's eigh_jvp_rule (distinct eigenvalues assumed, as JAX): with
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

export interface EighParams {
  lower: boolean;
  sort_eigenvalues: boolean;
}

const NAME = "eigh";
const MAX_SWEEPS = 100;

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
 * and `w`, by cyclic Jacobi rotations (Numerical Recipes' jacobi: a rotation zeroes s_pq; from the fifth sweep on, an
 * s_pq negligible next to both s_pp and s_qq is set to zero, so the sweeps end).
 */
export function jacobiEigh(s: Float64Array, n: number, v: Float64Array, w: Float64Array, sort: boolean): void {
  if (!s.every(Number.isFinite)) {
    v.fill(Number.NaN);
    w.fill(Number.NaN);
    return;
  }
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += Math.abs(s[p * n + q]!);
    if (off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q]!;
        if (apq === 0) continue;
        const [app, aqq] = [s[p * n + p]!, s[q * n + q]!];
        const g = 100 * Math.abs(apq);
        if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
          s[p * n + q] = s[q * n + p] = 0;
          continue;
        }
        const h = aqq - app;
        let t: number;
        if (Math.abs(h) + g === Math.abs(h)) t = apq / h;
        else {
          const theta = (0.5 * h) / apq;
          t = 1 / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
          if (theta < 0) t = -t;
        }
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        const tau = sn / (1 + c);
        s[p * n + p] = app - t * apq;
        s[q * n + q] = aqq + t * apq;
        s[p * n + q] = s[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          if (r === p || r === q) continue;
          const [gr, hr] = [s[r * n + p]!, s[r * n + q]!];
          s[r * n + p] = s[p * n + r] = gr - sn * (hr + gr * tau);
          s[r * n + q] = s[q * n + r] = hr + sn * (gr - hr * tau);
        }
        for (let r = 0; r < n; r++) {
          const [gr, hr] = [v[r * n + p]!, v[r * n + q]!];
          v[r * n + p] = gr - sn * (hr + gr * tau);
          v[r * n + q] = hr + sn * (gr - hr * tau);
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  if (sort) order.sort((i, j) => s[i * n + i]! - s[j * n + j]! || i - j);
  const vs = Float64Array.from(v);
  order.forEach((src, dst) => {
    w[dst] = s[src * n + src]!;
    for (let r = 0; r < n; r++) v[r * n + dst] = vs[r * n + src]!;
  });
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
      jacobiEigh(x, n, v!, w!, sort_eigenvalues);
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
