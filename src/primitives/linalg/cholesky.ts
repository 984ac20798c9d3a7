// cholesky: the lower Cholesky factor L (L·Lᵀ = S) of each symmetric positive-definite matrix of a batch [..., n, n],
// as JAX's cholesky_p: S is the matrix the lower triangle describes (the upper one is not read), L's upper triangle is
// zero, and a matrix that is not positive definite gives NaN in the lower triangle, as JAX (no exception). The JVP is
// JAX's (Murray 2016): L̇ = L·Φ(L⁻¹·Ṡ·L⁻ᵀ), Φ taking the lower triangle with its diagonal halved, where Ṡ is the
// symmetric tangent the lower triangle of the input's tangent describes.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, rule } from "../define.js";
import { select } from "../elementwise/select.js";
import { moveAxis } from "../structure/transpose.js";
import { gemm64 } from "./gemm64.js";
import {
  batchCount,
  batchShape,
  checkMatrix,
  formatFlags,
  matmul,
  matrixOf,
  perMatrix,
  scale,
  symmetricFrom,
  symmetrize,
  tril,
  triMask,
} from "./matrix.js";
import { triangularSolve } from "./triangular_solve.js";

const NAME = "cholesky";

/** Columns per block of the blocked factorization; smaller matrices take the unblocked one. */
const NB = 32;
const BLOCKED_FROM = 128;

/**
 * The lower factor of one n×n matrix (row-major lower triangle of `a`) into `l` (its upper triangle zero); NaN in the
 * lower triangle if the matrix is not positive definite.
 */
export function choleskyKernel(a: Float64Array, n: number, l: Float64Array): void {
  if (n < BLOCKED_FROM) choleskyUnblocked(a, n, l);
  else if (!choleskyBlocked(a, n, l)) for (let i = 0; i < n; i++) l.fill(Number.NaN, i * n, i * n + i + 1);
}

/**
 * Right-looking blocked Cholesky (LAPACK's dpotrf): per block of NB columns, the diagonal block's own factor, the
 * panel below it by forward substitution, then the trailing lower triangle less L21·L21ᵀ, the O(n³) part, in gemm64.
 * False where a diagonal block is not positive definite.
 */
function choleskyBlocked(a: Float64Array, n: number, l: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let c = 0; c <= i; c++) l[r + c] = a[r + c]!;
    l.fill(0, r + i + 1, r + n);
  }
  const panel = new Float64Array((n - NB) * NB);
  const prod = new Float64Array((n - NB) * (n - NB));
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    const jb = j1 - j0;
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      let s = l[rj + j]!;
      for (let t = j0; t < j; t++) s -= l[rj + t]! * l[rj + t]!;
      if (!(s > 0)) return false;
      const d = Math.sqrt(s);
      l[rj + j] = d;
      // the rest of column j: within the diagonal block and (the panel) below it
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        let v = l[ri + j]!;
        for (let t = j0; t < j; t++) v -= l[ri + t]! * l[rj + t]!;
        l[ri + j] = v / d;
      }
    }
    const mt = n - j1;
    if (mt === 0) break;
    for (let i = 0; i < mt; i++) for (let t = 0; t < jb; t++) panel[i * jb + t] = l[(j1 + i) * n + j0 + t]!;
    // the lower triangle of L21·L21ᵀ, in row blocks each multiplied by only the columns up to its last row
    const rows = Math.max(NB, Math.ceil(mt / 2));
    for (let i0 = 0; i0 < mt; i0 += rows) {
      const i1 = Math.min(mt, i0 + rows);
      const cols = i1;
      gemm64(panel.subarray(i0 * jb, i1 * jb), jb, panel, 1, jb, i1 - i0, jb, cols, prod);
      for (let i = i0; i < i1; i++) {
        const r = (j1 + i) * n + j1;
        const p = (i - i0) * cols;
        for (let c = 0; c <= i; c++) l[r + c] = l[r + c]! - prod[p + c]!;
      }
    }
  }
  return true;
}

/** The unblocked factor (Cholesky–Crout, row-dot form). */
function choleskyUnblocked(a: Float64Array, n: number, l: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = a[rj + j]!;
    for (let k = 0; k < j; k++) s -= l[rj + k]! * l[rj + k]!;
    if (!(s > 0)) {
      // not positive definite (or NaN): the whole lower triangle is NaN, as JAX
      for (let i = 0; i < n; i++) for (let c = 0; c <= i; c++) l[i * n + c] = Number.NaN;
      return;
    }
    const d = Math.sqrt(s);
    l[rj + j] = d;
    // column j below the diagonal: dot products of row j of L with four rows at a time (each its own sum, in the
    // order k = 0, 1, …, so the same bits as one row at a time), sharing the loads of row j
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let v0 = a[r0 + j]!;
      let v1 = a[r1 + j]!;
      let v2 = a[r2 + j]!;
      let v3 = a[r3 + j]!;
      for (let k = 0; k < j; k++) {
        const x = l[rj + k]!;
        v0 -= l[r0 + k]! * x;
        v1 -= l[r1 + k]! * x;
        v2 -= l[r2 + k]! * x;
        v3 -= l[r3 + k]! * x;
      }
      l[r0 + j] = v0 / d;
      l[r1 + j] = v1 / d;
      l[r2 + j] = v2 / d;
      l[r3 + j] = v3 / d;
    }
    for (; i < n; i++) {
      const ri = i * n;
      let v = a[ri + j]!;
      for (let k = 0; k < j; k++) v -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = v / d;
    }
  }
}

export interface CholeskyParams {
  /** Factor (a + aᵀ)/2 (JAX's symmetrize_input, done in the kernel: no transpose, add and scale first), else the
   * matrix a's lower triangle describes. */
  symmetrize_input: boolean;
}

export const choleskyP = definePrimitive<CholeskyParams>({
  name: NAME,
  abstractEval: ([a, ...rest], { symmetrize_input }) => {
    if (rest.length > 0) return E.left(new TracegradError(`${NAME}: takes one operand, got ${rest.length + 1}`));
    if (typeof symmetrize_input !== "boolean")
      return E.left(new TracegradError(`${NAME}: symmetrizeInput must be true or false, got ${symmetrize_input}`));
    const bad = checkMatrix(NAME, "a", a, true);
    return bad ? E.left(bad) : E.right(new ShapedArray(a!.shape, a!.dtype));
  },
  impl: ([a], { symmetrize_input }, out) => {
    const n = a!.shape[a!.ndim - 1]!;
    return perMatrix(batchCount(a!.shape), [out], [n * n], (b, [l]) => {
      const m = matrixOf(a!, b, n, n);
      if (symmetrize_input)
        for (let i = 1; i < n; i++) for (let c = 0; c < i; c++) m[i * n + c] = (m[i * n + c]! + m[c * n + i]!) * 0.5;
      choleskyKernel(m, n, l!);
    })[0]!;
  },
  freshOutputs: true,
  formatParams: formatFlags,
  ad: rule(([ta], _, l, { symmetrize_input }) => {
    if (!ta) return null;
    const sDot = symmetrize_input ? symmetrize(ta) : symmetricFrom(ta, true);
    const opts = { lower: true, conjugate_a: false, unit_diagonal: false };
    // L⁻¹·Ṡ·L⁻ᵀ: Ṡ·L⁻ᵀ by a right-side solve with Lᵀ, then L⁻¹ from the left
    const right = triangularSolve(l, sDot, { ...opts, left_side: false, transpose_a: true });
    const inner = triangularSolve(l, right, { ...opts, left_side: true, transpose_a: false });
    return matmul(l, phi(inner));
  }),
  // the batch axis first: matrices stay the last two axes
  batch: ([a], [d], params, self) => [bind1(self, [moveAxis(a!, d!, 0)], params), 0],
  testing: {
    // Symmetric positive-definite input is structure the sampled values (each element uniform in one interval) cannot
    // have beyond 1×1, so the registry draws batches of 1×1 matrices with positive entries; test/primitives/
    // linalg.test.ts checks the same laws on built SPD matrices up to 5×5.
    sample: (choose) => ({
      avals: [new ShapedArray([...batchShape(choose), 1, 1], "float64")],
      params: { symmetrize_input: choose(2) === 0 },
    }),
    domain: [0.5, 2],
  },
});

/** Φ(X): the lower triangle of X with its diagonal halved. */
function phi(x: Tensor): Tensor {
  return select(triMask(x.shape, "eq"), scale(x, 0.5), tril(x, -1));
}

/**
 * The lower Cholesky factor of each matrix of a batch; by default of (a + aᵀ)/2 (JAX's symmetrize_input), otherwise of
 * the matrix a's lower triangle describes.
 */
export function cholesky(a: Tensor, symmetrizeInput = true): Tensor {
  return bind1(choleskyP, [a], { symmetrize_input: symmetrizeInput });
}
