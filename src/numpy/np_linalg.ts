// np.linalg, as jax.numpy.linalg: decompositions (cholesky, qr, eigh, svd), solves and inverses from LU (solve, inv,
// det, slogdet, tensorsolve, tensorinv), the SVD-based pseudo-inverse, least squares, rank and norms, and the small
// helpers (matrixPower, multiDot, cross, outer, trace). Composed from lax primitives, so every function batches over
// leading axes [..., M, N] and is differentiable wherever its primitives are. Singular or non-positive-definite input
// gives NaN or ±Inf, as JAX; a non-square or mismatched input is a ShapeError.
import * as E from "fp-ts/Either";
import { type DType, isFloat } from "../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import {
  array,
  arrays,
  axes,
  axis as axisParam,
  bool,
  choice,
  dtype,
  int,
  ints,
  number,
  param,
} from "../core/params.js";
import { broadcastShapes, normalizeAxes, normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { fail, guard, options, orNull } from "../core/validate.js";
import { customJvp } from "../higher_order/custom_jvp.js";
import * as lax from "../primitives/index.js";
import { asTensor, broadcastTo, promoted } from "./convert.js";
import {
  abs,
  add,
  divide,
  equal,
  greater,
  greaterEqual,
  less,
  multiply,
  power,
  sqrt,
  subtract,
} from "./elementwise.js";
import { matmul, outer as npOuter } from "./linalg.js";
import { any, logicalAnd, logicalNot } from "./logic.js";
import { isnan } from "./math.js";
import { max, min, sum } from "./reductions.js";
import { where } from "./searching.js";
import { trace as npTrace, takeAlongAxis } from "./shape_index.js";

// ---------------------------------------------------------------- helpers

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const toFloat = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : lax.convertElementType(t, "float32"));
const floatOf = (x: ArrayLike, op: string): Tensor => toFloat(asTensor(x, undefined, op));
const eps = (dt: DType) => (dt === "float64" ? 2 ** -52 : 2 ** -23);
const last2 = (t: Tensor): [number, number] => [t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!];
const batchOf = (t: Tensor) => t.shape.slice(0, -2);

/** Axis `from` moved to position `to`. */
function moveAxis(t: Tensor, from: number, to: number): Tensor {
  const perm = range(t.ndim).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(t, perm);
}

/** Swaps the last two axes. */
const mT = (t: Tensor): Tensor => lax.transpose(t, [...range(t.ndim - 2), t.ndim - 1, t.ndim - 2]);

/** The input as floating-point matrices [..., M, N] (square ones when `square`); a ShapeError otherwise. */
function matrices(op: string, x: ArrayLike, square = false, name = "a"): Tensor {
  const t = floatOf(x, op);
  if (t.ndim < 2)
    throw new ShapeError(`${op}: ${name} must be an array of matrices [..., M, N], got shape ${fmtShape(t.shape)}`);
  const [m, n] = last2(t);
  if (square && m !== n)
    throw new ShapeError(`${op}: ${name} must be square matrices [..., N, N], got shape ${fmtShape(t.shape)}`);
  return t;
}

/** Identity matrices of `shape` [..., N, N]. */
function identity(shape: readonly number[], dt: DType): Tensor {
  const n = shape[shape.length - 1]!;
  const e = lax.convertElementType(lax.eq(lax.iota("int32", [n, n], 0), lax.iota("int32", [n, n], 1)), dt);
  return lax.broadcastInDim(e, shape, [shape.length - 2, shape.length - 1]);
}

/** The main diagonal of each matrix [..., M, N] → [..., min(M, N)] (a strided slice: differentiable, no gather). */
function diagPart(t: Tensor): Tensor {
  const [m, n] = last2(t);
  const b = batchOf(t);
  const k = Math.min(m, n);
  if (k === 0) return lax.zeros([...b, 0], t.dtype);
  const flat = lax.reshape(t, [...b, m * n]);
  return lax.slice(flat, [...b.map(() => 0), 0], [...b, (k - 1) * (n + 1) + 1], [...b.map(() => 1), n + 1]);
}

/** Elements lo … hi − 1 of the last axis. */
const lastSlice = (t: Tensor, lo: number, hi: number): Tensor =>
  lax.slice(
    t,
    t.shape.map((_, i) => (i === t.ndim - 1 ? lo : 0)),
    t.shape.map((d, i) => (i === t.ndim - 1 ? hi : d)),
  );
/** Element i of the last axis, that axis dropped. */
const lastAt = (t: Tensor, i: number): Tensor => lax.reshape(lastSlice(t, i, i + 1), t.shape.slice(0, -1));

/** An array that also carries its entries under JAX's field names (JAX's named tuples). */
function named<T extends readonly Tensor[], N extends string>(xs: T, names: readonly N[]): T & { [K in N]: Tensor } {
  const out = [...xs] as unknown as T & { [K in N]: Tensor };
  names.forEach((nm, i) => {
    (out as Record<string, Tensor>)[nm] = xs[i]!;
  });
  return out;
}

const solveParams = (lower: boolean, unit: boolean) => ({
  left_side: true,
  lower,
  transpose_a: false,
  conjugate_a: false,
  unit_diagonal: unit,
});

/** x's rows (axis −2) in the order perm (x[..., perm, :]) for perm [..., m] and x [..., m, k], by a gather. */
export function permuteRows(x: Tensor, perm: Tensor): Tensor {
  const nd = x.ndim;
  return takeAlongAxis(x, lax.broadcastInDim(perm, x.shape, range(nd - 1)), nd - 2);
}

/** X with a·X = b for square a [..., m, m] and b [..., m, k] of the same batch: LU, then two triangular solves. */
function luSolve(a: Tensor, b: Tensor): Tensor {
  if (a.shape[a.ndim - 1] === 0) return b;
  const [lu, , perm] = lax.lu(a) as [Tensor, Tensor, Tensor];
  // a gather: a permutation matrix would cost an m × m product
  const pb = permuteRows(b, perm);
  const y = lax.triangularSolve(lu, pb, solveParams(true, true));
  return lax.triangularSolve(lu, y, solveParams(false, false));
}

/** (−1)^(number of row swaps) from LU's pivots, in dtype `dt`. */
function paritySign(pivots: Tensor, dt: DType): Tensor {
  const nd = pivots.ndim;
  const swapped = lax.convertElementType(lax.ne(pivots, lax.iota("int32", pivots.shape, nd - 1)), "int32");
  const count = lax.reduceSum(swapped, [nd - 1]);
  const odd = lax.convertElementType(lax.rem(count, lax.full(count.shape, 2, "int32")), dt);
  return subtract(lax.full(odd.shape, 1, dt), multiply(odd, 2));
}

// ---------------------------------------------------------------- decompositions

export interface CholeskyOpts {
  /** Return the upper factor Lᵀ instead of L (default false). */
  upper?: boolean;
  /** Factor (a + aᵀ)/2 (default true), as JAX. */
  symmetrizeInput?: boolean;
}
/**
 * The Cholesky factor of each symmetric positive-definite matrix: lower L with a = L·Lᵀ (or upper U = Lᵀ with
 * `upper`); NaN where a matrix is not positive definite.
 * @example np.linalg.cholesky([[4, 2], [2, 5]]) // Tensor([[2, 0], [1, 2]], dtype=float32)
 */
export const cholesky: (a: ArrayLike, opts?: CholeskyOpts) => Tensor = guard(
  "np.linalg.cholesky",
  [array("a"), options({ upper: bool("upper"), symmetrizeInput: bool("symmetrizeInput") })],
  (a: ArrayLike, o: CholeskyOpts) => {
    const t = matrices("np.linalg.cholesky", a, true);
    const l = lax.cholesky(t, o.symmetrizeInput ?? true);
    return o.upper ? mT(l) : l;
  },
);

export type QrMode = "reduced" | "complete" | "r";
export interface QrOpts {
  /** "reduced" (default): Q [..., M, K], R [..., K, N]; "complete": Q [..., M, M], R [..., M, N]; "r": R alone. */
  mode?: QrMode;
}
/** Q and R, also as `.Q` and `.R`. */
export type QrResult = [Tensor, Tensor] & { Q: Tensor; R: Tensor };
export interface QrFn {
  (a: ArrayLike, mode: "r" | { mode: "r" }): Tensor;
  (a: ArrayLike, mode?: "reduced" | "complete" | QrOpts): QrResult;
}
/**
 * The QR decomposition a = Q·R of each matrix (Q orthonormal columns, R upper triangular).
 * @example const [q, r] = np.linalg.qr(np.array([[1, 2], [3, 4]])); // also .Q, .R
 */
export const qr: QrFn = guard(
  "np.linalg.qr",
  [array("a"), options({ mode: choice("mode", ["reduced", "complete", "r"] as const) }, "mode")],
  (a: ArrayLike, o: QrOpts) => {
    const t = matrices("np.linalg.qr", a);
    const [q, r] = lax.qr(t, o.mode === "complete");
    if (o.mode === "r") return r;
    return named([q, r] as const, ["Q", "R"]);
  },
);

export interface EighOpts {
  /** Which triangle describes the matrix when symmetrizeInput is false: "L" (default) or "U". */
  UPLO?: "L" | "U";
  /** Use (a + aᵀ)/2 (default true), as JAX. */
  symmetrizeInput?: boolean;
}
/** Eigenvalues (ascending) and eigenvectors (columns), also as `.eigenvalues` and `.eigenvectors`. */
export type EighResult = [Tensor, Tensor] & { eigenvalues: Tensor; eigenvectors: Tensor };
const eighOptions = options(
  { UPLO: choice("UPLO", ["L", "U"] as const), symmetrizeInput: bool("symmetrizeInput") },
  "UPLO",
);
function eighOf(op: string, a: ArrayLike, o: EighOpts): [Tensor, Tensor] {
  const t = matrices(op, a, true);
  const [v, w] = lax.eigh(t, (o.UPLO ?? "L") === "L", true, o.symmetrizeInput ?? true);
  return [w, v];
}
/**
 * Eigenvalues (ascending) and eigenvectors of each symmetric matrix; derivatives assume distinct eigenvalues.
 * @example const { eigenvalues, eigenvectors } = np.linalg.eigh([[2, 1], [1, 2]]); // eigenvalues [1, 3]
 */
export const eigh: (a: ArrayLike, UPLO?: "L" | "U" | EighOpts) => EighResult = guard(
  "np.linalg.eigh",
  [array("a"), eighOptions],
  (a: ArrayLike, o: EighOpts) => named(eighOf("np.linalg.eigh", a, o), ["eigenvalues", "eigenvectors"]),
);
/**
 * Eigenvalues (ascending) of each symmetric matrix.
 * @example np.linalg.eigvalsh([[2, 1], [1, 2]]) // Tensor([1, 3], dtype=float32)
 */
export const eigvalsh: (a: ArrayLike, UPLO?: "L" | "U" | EighOpts) => Tensor = guard(
  "np.linalg.eigvalsh",
  [array("a"), eighOptions],
  (a: ArrayLike, o: EighOpts) => eighOf("np.linalg.eigvalsh", a, o)[0],
);

export interface SvdOpts {
  /** U [..., M, M] and Vh [..., N, N] (default true), or U [..., M, K] and Vh [..., K, N]. */
  fullMatrices?: boolean;
  /** Return U, S, Vh (default true), or S alone. */
  computeUv?: boolean;
}
/** U, S (descending) and Vh with a = U·diag(S)·Vh, also as `.U`, `.S`, `.Vh`. */
export type SvdResult = [Tensor, Tensor, Tensor] & { U: Tensor; S: Tensor; Vh: Tensor };
export interface SvdFn {
  (a: ArrayLike, opts: { fullMatrices?: boolean; computeUv: false }): Tensor;
  (a: ArrayLike, fullMatrices?: boolean | SvdOpts): SvdResult;
}
/**
 * The singular value decomposition of each matrix; derivatives assume distinct singular values, as JAX.
 * @example const { U, S, Vh } = np.linalg.svd(np.array([[3, 0], [0, 4]])); // S [4, 3]
 */
export const svd: SvdFn = guard(
  "np.linalg.svd",
  [array("a"), options({ fullMatrices: bool("fullMatrices"), computeUv: bool("computeUv") }, "fullMatrices")],
  (a: ArrayLike, o: SvdOpts) => {
    const t = matrices("np.linalg.svd", a);
    const computeUv = o.computeUv ?? true;
    const out = lax.svd(t, o.fullMatrices ?? true, computeUv);
    if (!computeUv) return out[0]!;
    return named([out[0]!, out[1]!, out[2]!] as const, ["U", "S", "Vh"]);
  },
);
const singularValues = (t: Tensor): Tensor => lax.svd(t, false, false)[0]!;
/**
 * The singular values (descending) of each matrix.
 * @example np.linalg.svdvals([[3, 0], [0, -4]]) // Tensor([4, 3], dtype=float32)
 */
export const svdvals: (a: ArrayLike) => Tensor = guard("np.linalg.svdvals", [array("a")], (a: ArrayLike) =>
  singularValues(matrices("np.linalg.svdvals", a)),
);

// ---------------------------------------------------------------- solves, inverses, determinants

function solveOf(op: string, a: ArrayLike, b: ArrayLike): Tensor {
  const [a0, b0] = promoted([a, b], op) as [Tensor, Tensor];
  const at = matrices(op, a0, true);
  const bt = toFloat(b0);
  const m = at.shape[at.ndim - 1]!;
  const vec = bt.ndim === 1;
  if (bt.ndim === 0 || bt.shape[vec ? 0 : bt.ndim - 2] !== m)
    throw new ShapeError(
      `${op}: b must be [${m}] or [..., ${m}, K] for a of shape ${fmtShape(at.shape)}, got shape ` +
        `${fmtShape(bt.shape)}`,
    );
  const bm = vec ? lax.reshape(bt, [m, 1]) : bt;
  const batch = broadcastShapes(
    `${op} of ${fmtShape(at.shape)} and ${fmtShape(bt.shape)} (batch dimensions)`,
    batchOf(at),
    batchOf(bm),
  );
  const k = bm.shape[bm.ndim - 1]!;
  const x = luSolve(broadcastTo(at, [...batch, m, m]), broadcastTo(bm, [...batch, m, k]));
  return vec ? lax.reshape(x, [...batch, m]) : x;
}
/**
 * x with a·x = b for each square a [..., N, N]; b is [N] or [..., N, K] (batch axes broadcast). LU with partial
 * pivoting; a singular a gives ±Inf or NaN.
 * @example np.linalg.solve([[2, 0], [0, 4]], [2, 8]) // Tensor([1, 2], dtype=float32)
 */
export const solve: (a: ArrayLike, b: ArrayLike) => Tensor = guard(
  "np.linalg.solve",
  [array("a"), array("b")],
  (a: ArrayLike, b: ArrayLike) => solveOf("np.linalg.solve", a, b),
);

function invOf(op: string, a: ArrayLike): Tensor {
  const t = matrices(op, a, true);
  return luSolve(t, identity(t.shape, t.dtype));
}
/**
 * The inverse of each square matrix (solve(a, I)); a singular matrix gives ±Inf or NaN.
 * @example np.linalg.inv([[2, 0], [0, 4]]) // Tensor([[0.5, 0], [0, 0.25]], dtype=float32)
 */
export const inv: (a: ArrayLike) => Tensor = guard("np.linalg.inv", [array("a")], (a: ArrayLike) =>
  invOf("np.linalg.inv", a),
);

function detRaw(t: Tensor): Tensor {
  if (t.shape[t.ndim - 1] === 0) return lax.full(batchOf(t), 1, t.dtype);
  const [lu, pivots] = lax.lu(t) as [Tensor, Tensor, Tensor];
  const d = diagPart(lu);
  return multiply(paritySign(pivots, t.dtype), lax.reduceProd(d, [d.ndim - 1]));
}

/**
 * adj(a)·g, finite for singular a too (JAX's cofactor solve): with P·a = L·U, U's last pivot is replaced by
 * 1/(the determinant without it), so the solves give det(a)·a⁻¹·g where a is invertible and the cofactors where it
 * has rank n − 1; below that adj(a) = 0 (those matrices are filtered out, in both directions).
 */
function cofactorSolve(a: Tensor, g: Tensor): Tensor {
  const n = a.shape[a.ndim - 1]!;
  const [lu0, pivots, perm] = lax.lu(a) as [Tensor, Tensor, Tensor];
  const diag = diagPart(lu0);
  const nb = a.ndim - 2;
  const sign = paritySign(pivots, a.dtype);
  const partial = multiply(lax.cumprod(diag, nb), lax.reshape(sign, [...sign.shape, 1]));
  const full = lastAt(partial, n - 1);
  const withoutLast = lastAt(partial, n - 2);
  const corner = lax.broadcastInDim(
    lax.and(
      lax.eq(lax.iota("int32", [n, n], 0), lax.full([n, n], n - 1, "int32")),
      lax.eq(lax.iota("int32", [n, n], 1), lax.full([n, n], n - 1, "int32")),
    ),
    a.shape,
    [nb, nb + 1],
  );
  const lu = where(corner, lax.reshape(divide(1, withoutLast), [...withoutLast.shape, 1, 1]), lu0);
  // matrices of rank below n − 1: U with its replaced pivot is singular
  const probe = lax.triangularSolve(lu, lax.full([...a.shape.slice(0, -1), 1], 1, a.dtype), solveParams(false, false));
  const low = any(logicalNot(lax.isFinite(probe)), { axis: [nb, nb + 1], keepdims: true });
  let x = where(low, 0, g);
  x = permuteRows(x, perm);
  x = lax.triangularSolve(lu, x, solveParams(true, true));
  const scale = lax.concatenate(
    [lax.broadcastInDim(full, [...full.shape, n - 1, 1], range(nb)), lax.full([...full.shape, 1, 1], 1, a.dtype)],
    nb,
  );
  x = multiply(x, scale);
  x = lax.triangularSolve(lu, x, solveParams(false, false));
  return where(low, 0, x);
}

const detJ = customJvp(function det(a: Tensor): Tensor {
  return detRaw(a);
});
detJ.defjvp(([a]: Tensor[], [g]: Tensor[]) => {
  const y = detJ(a!) as Tensor;
  const n = a!.shape[a!.ndim - 1]!;
  if (n <= 1) return [y, n === 0 ? lax.zerosLike(y) : lax.reshape(g!, y.shape)];
  const z = cofactorSolve(a!, g!);
  return [y, lax.reduceSum(diagPart(z), [z.ndim - 2])];
});

/**
 * The determinant of each square matrix: the product of U's diagonal (LU with partial pivoting) times the
 * permutation's parity. Its derivative is JAX's, tr(adj(a)·ȧ) by a cofactor solve: finite for singular a too.
 * @example np.linalg.det([[1, 2], [3, 4]]) // Tensor(-2, dtype=float32)
 */
export const det: (a: ArrayLike) => Tensor = guard("np.linalg.det", [array("a")], (a: ArrayLike) => {
  const t = matrices("np.linalg.det", a, true);
  return detJ(t) as Tensor;
});

/** The sign and the log of the absolute value of the determinant, also as `.sign` and `.logabsdet`. */
export type SlogdetResult = [Tensor, Tensor] & { sign: Tensor; logabsdet: Tensor };
/**
 * sign(det a) and log|det a| of each square matrix, without overflow; a singular matrix gives sign 0 and −Inf.
 * @example const { sign, logabsdet } = np.linalg.slogdet([[1, 2], [3, 4]]); // -1, log 2
 */
export const slogdet: (a: ArrayLike) => SlogdetResult = guard("np.linalg.slogdet", [array("a")], (a: ArrayLike) => {
  const t = matrices("np.linalg.slogdet", a, true);
  const b = batchOf(t);
  if (t.shape[t.ndim - 1] === 0)
    return named([lax.full(b, 1, t.dtype), lax.full(b, 0, t.dtype)] as const, ["sign", "logabsdet"]);
  const [lu, pivots] = lax.lu(t) as [Tensor, Tensor, Tensor];
  const d = diagPart(lu);
  const ax = d.ndim - 1;
  const isZero = any(equal(d, 0), ax);
  const negatives = lax.reduceSum(lax.convertElementType(less(d, 0), t.dtype), [ax]);
  const negSign = subtract(1, multiply(2, lax.rem(negatives, lax.full(negatives.shape, 2, t.dtype))));
  const sign = where(isZero, 0, multiply(paritySign(pivots, t.dtype), negSign));
  const logabsdet = where(isZero, -Infinity, lax.reduceSum(lax.log(lax.abs(d)), [ax]));
  return named([sign, logabsdet] as const, ["sign", "logabsdet"]);
});

/** ∂ of the pseudo-inverse p of a (Golub & Pereyra), as JAX's pinv JVP. */
function pinvTangent(a: Tensor, p: Tensor, da: Tensor): Tensor {
  const [m, n] = last2(a);
  const pH = mT(p);
  const daH = mT(da);
  if (m >= n) {
    const s = matmul(matmul(p, pH), daH);
    const t = matmul(matmul(daH, pH), p);
    const first = subtract(s, add(matmul(matmul(p, da), p), matmul(matmul(s, a), p)));
    return add(first, subtract(t, matmul(matmul(p, a), t)));
  }
  const s = matmul(p, matmul(pH, daH));
  const t = matmul(daH, matmul(pH, p));
  return add(subtract(s, add(matmul(p, matmul(da, p)), matmul(s, matmul(a, p)))), subtract(t, matmul(p, matmul(a, t))));
}

function pinvRaw(t: Tensor, rtol: number | undefined): Tensor {
  const [m, n] = last2(t);
  if (m === 0 || n === 0) return lax.zeros([...batchOf(t), n, m], t.dtype);
  const r = rtol ?? 10 * Math.max(m, n) * eps(t.dtype);
  const [u, s0, vh] = lax.svd(t, false, true) as [Tensor, Tensor, Tensor];
  const cutoff = multiply(lastSlice(s0, 0, 1), r);
  const s = where(greater(s0, cutoff), s0, Infinity);
  const ss = lax.reshape(s, [...s.shape, 1]);
  return matmul(mT(vh), divide(mT(u), ss));
}

export interface PinvOpts {
  /** Singular values ≤ rtol·(the largest) count as zero; default 10·max(M, N)·eps, as JAX. */
  rtol?: number | null;
}
/**
 * The Moore–Penrose pseudo-inverse of each matrix [..., M, N] → [..., N, M], from the SVD; its derivative is JAX's
 * (Golub & Pereyra), valid also for repeated singular values.
 * @example np.linalg.pinv([[1, 0], [0, 0]]) // Tensor([[1, 0], [0, 0]], dtype=float32)
 */
export const pinv: (a: ArrayLike, rtol?: number | null | PinvOpts) => Tensor = guard(
  "np.linalg.pinv",
  [array("a"), options({ rtol: orNull(number("rtol")) }, "rtol")],
  (a: ArrayLike, o: PinvOpts) => {
    const t = matrices("np.linalg.pinv", a);
    const rtol = o.rtol ?? undefined;
    const f = customJvp((x: Tensor): Tensor => pinvRaw(x, rtol));
    f.defjvp(([x]: Tensor[], [dx]: Tensor[]) => {
      const p = f(x!) as Tensor;
      return [p, pinvTangent(x!, p, dx!)];
    });
    return f(t) as Tensor;
  },
);

export interface LstsqOpts {
  /** Singular values < rcond·(the largest) count as zero; default eps·max(M, N); negative means eps. */
  rcond?: number | null;
}
/** x, the residuals, the rank and the singular values, also as `.x`, `.residuals`, `.rank`, `.s`. */
export type LstsqResult = [Tensor, Tensor, Tensor, Tensor] & { x: Tensor; residuals: Tensor; rank: Tensor; s: Tensor };
/**
 * The least-squares solution x minimizing ‖a·x − b‖ from the SVD, with the squared residual norms (always computed,
 * as JAX), the rank (int32) and the singular values. a is [..., M, N]; b is vectors ([M], or one axis fewer than a)
 * or matrices [..., M, K]; batch axes broadcast.
 * @example const [x] = np.linalg.lstsq([[1, 0], [1, 1], [1, 2]], [1, 2, 3]); // [1, 1]
 */
export const lstsq: (a: ArrayLike, b: ArrayLike, rcond?: number | null | LstsqOpts) => LstsqResult = guard(
  "np.linalg.lstsq",
  [array("a"), array("b"), options({ rcond: orNull(number("rcond")) }, "rcond")],
  (a: ArrayLike, b: ArrayLike, o: LstsqOpts) => {
    const op = "np.linalg.lstsq";
    const [a0, b0] = promoted([a, b], op) as [Tensor, Tensor];
    const at = matrices(op, a0);
    const bt = toFloat(b0);
    const [m, n] = last2(at);
    const vec = bt.ndim === 1 || bt.ndim === at.ndim - 1;
    if (bt.ndim === 0 || !(vec || bt.ndim >= 2) || bt.shape[vec ? bt.ndim - 1 : bt.ndim - 2] !== m)
      throw new ShapeError(
        `${op}: b must be [..., ${m}] or [..., ${m}, K] for a of shape ${fmtShape(at.shape)}, got shape ` +
          `${fmtShape(bt.shape)}`,
      );
    const bm = vec ? lax.reshape(bt, [...bt.shape, 1]) : bt;
    const batch = broadcastShapes(`${op} (batch dimensions)`, batchOf(at), batchOf(bm));
    const k = bm.shape[bm.ndim - 1]!;
    const A = broadcastTo(at, [...batch, m, n]);
    const B = broadcastTo(bm, [...batch, m, k]);
    let x: Tensor;
    let s: Tensor;
    let rank: Tensor;
    if (m === 0 || n === 0) {
      s = lax.zeros([...batch, 0], at.dtype);
      rank = lax.zeros(batch, "int32");
      x = lax.zeros([...batch, n, k], at.dtype);
    } else {
      const rc = o.rcond === undefined || o.rcond === null ? eps(at.dtype) * Math.max(m, n) : o.rcond;
      const rcond = rc < 0 ? eps(at.dtype) : rc;
      const [u, s0, vh] = lax.svd(A, false, true) as [Tensor, Tensor, Tensor];
      s = s0;
      const mask = greaterEqual(s, multiply(lastSlice(s, 0, 1), rcond));
      rank = lax.reduceSum(lax.convertElementType(mask, "int32"), [s.ndim - 1]);
      const safe = where(mask, s, 1);
      const sInv = where(mask, divide(1, safe), 0);
      const uTb = matmul(mT(u), B);
      x = matmul(mT(vh), multiply(lax.reshape(sInv, [...sInv.shape, 1]), uTb));
    }
    const r = subtract(B, matmul(A, x));
    const residuals = lax.reduceSum(multiply(r, r), [r.ndim - 2]);
    const xo = vec ? lax.reshape(x, [...batch, n]) : x;
    const ro = vec ? lax.reshape(residuals, batch) : residuals;
    return named([xo, ro, rank, s] as const, ["x", "residuals", "rank", "s"]);
  },
);

export interface MatrixRankOpts {
  /** Relative tolerance: singular values ≤ rtol·(the largest) count as zero; default max(M, N)·eps. */
  rtol?: number | null;
  /** Absolute tolerance (overrides rtol). */
  tol?: number | null;
}
/**
 * The number of singular values above the tolerance, per matrix (int32); for 0-d or 1-d input, whether any
 * element is nonzero.
 * @example np.linalg.matrixRank([[1, 2], [2, 4]]) // Tensor(1, dtype=int32)
 */
export const matrixRank: (a: ArrayLike, rtol?: number | null | MatrixRankOpts) => Tensor = guard(
  "np.linalg.matrixRank",
  [array("a"), options({ rtol: orNull(number("rtol")), tol: orNull(number("tol")) }, "rtol")],
  (a: ArrayLike, o: MatrixRankOpts) => {
    const t = floatOf(a, "np.linalg.matrixRank");
    if (t.ndim < 2) return lax.convertElementType(any(lax.ne(t, lax.zerosLike(t))), "int32");
    const [m, n] = last2(t);
    if (m === 0 || n === 0) return lax.zeros(batchOf(t), "int32");
    const s = singularValues(t);
    let tol: Tensor | number;
    if (o.tol !== undefined && o.tol !== null) tol = o.tol;
    else {
      const rtol = o.rtol ?? Math.max(m, n) * eps(t.dtype);
      tol = multiply(lastSlice(s, 0, 1), rtol);
    }
    return lax.reduceSum(lax.convertElementType(greater(s, tol), "int32"), [s.ndim - 1]);
  },
);

/**
 * a raised to the integer power n for each square matrix, by repeated squaring: n = 0 gives the identity, negative
 * n powers the inverse. Integer matrices stay integer for n ≥ 0, as JAX.
 * @example np.linalg.matrixPower([[1, 1], [0, 1]], 3) // Tensor([[1, 3], [0, 1]], dtype=float32)
 */
export const matrixPower: (a: ArrayLike, n: number) => Tensor = guard(
  "np.linalg.matrixPower",
  [array("a"), int("n")],
  (a: ArrayLike, n: number) => {
    const op = "np.linalg.matrixPower";
    let t = asTensor(a, undefined, op);
    if (t.dtype === "bool") t = lax.convertElementType(t, "int32");
    if (t.ndim < 2 || t.shape[t.ndim - 1] !== t.shape[t.ndim - 2])
      throw new ShapeError(`${op}: a must be square matrices [..., N, N], got shape ${fmtShape(t.shape)}`);
    if (n === 0) return identity(t.shape, t.dtype);
    if (n < 0) {
      t = invOf(op, t);
      n = -n;
    }
    let result: Tensor | undefined;
    let z: Tensor | undefined;
    while (n > 0) {
      z = z === undefined ? t : matmul(z, z);
      if (n & 1) result = result === undefined ? z : matmul(result, z);
      n = Math.floor(n / 2);
    }
    return result!;
  },
);

/**
 * The product of a chain of matrices, multiplied in the cheapest order (NumPy's dynamic program); the first may be
 * 1-D (a row) and the last 1-D (a column), the others are 2-D.
 * @example np.linalg.multiDot([np.ones([10, 100]), np.ones([100, 5]), np.ones([5, 50])]).shape // [10, 50]
 */
export const multiDot: (arrays: readonly ArrayLike[]) => Tensor = guard(
  "np.linalg.multiDot",
  [arrays("arrays")],
  (xs: ArrayLike[]) => {
    const op = "np.linalg.multiDot";
    if (xs.length < 2) throw new TracegradError(`${op}: needs at least two arrays, got ${xs.length}`);
    let ts = promoted(xs, op).map((t) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t));
    const n = ts.length;
    const firstVec = ts[0]!.ndim === 1;
    const lastVec = ts[n - 1]!.ndim === 1;
    ts = ts.map((t, i) => {
      if (i === 0 && firstVec) return lax.reshape(t, [1, t.shape[0]!]);
      if (i === n - 1 && lastVec) return lax.reshape(t, [t.shape[0]!, 1]);
      if (t.ndim !== 2)
        throw new ShapeError(
          `${op}: arrays[${i}] must be 2-D${i === 0 || i === n - 1 ? " (or 1-D)" : ""}, got shape ${fmtShape(t.shape)}`,
        );
      return t;
    });
    for (let i = 0; i + 1 < n; i++)
      if (ts[i]!.shape[1] !== ts[i + 1]!.shape[0])
        throw new ShapeError(
          `${op}: shapes ${fmtShape(ts[i]!.shape)} (arrays[${i}]) and ${fmtShape(ts[i + 1]!.shape)} ` +
            `(arrays[${i + 1}]) are not aligned`,
        );
    const p = [...ts.map((t) => t.shape[0]!), ts[n - 1]!.shape[1]!];
    // cost[i][j]: the fewest multiplications for ts[i..j]; split[i][j]: where its last product splits
    const cost = ts.map(() => new Array<number>(n).fill(0));
    const split = ts.map(() => new Array<number>(n).fill(0));
    for (let len = 1; len < n; len++)
      for (let i = 0; i + len < n; i++) {
        const j = i + len;
        cost[i]![j] = Infinity;
        for (let k = i; k < j; k++) {
          const c = cost[i]![k]! + cost[k + 1]![j]! + p[i]! * p[k + 1]! * p[j + 1]!;
          if (c < cost[i]![j]!) {
            cost[i]![j] = c;
            split[i]![j] = k;
          }
        }
      }
    const chain = (i: number, j: number): Tensor =>
      i === j ? ts[i]! : matmul(chain(i, split[i]![j]!), chain(split[i]![j]! + 1, j));
    let r = chain(0, n - 1);
    if (firstVec || lastVec)
      r = lax.reshape(r, [...(firstVec ? [] : [r.shape[0]!]), ...(lastVec ? [] : [r.shape[1]!])]);
    return r;
  },
);

// ---------------------------------------------------------------- norms

/** A norm's order: a number (±Infinity included), "fro" or "nuc". */
export type NormOrd = number | "fro" | "nuc";
const ordParam = (name = "ord") =>
  param<NormOrd>(name, "number", (v, at) =>
    typeof v === "number" || v === "fro" || v === "nuc" ? E.right(v) : fail(at, 'a number, "fro" or "nuc"', v),
  );

function vectorNormOf(op: string, x: Tensor, ord: NormOrd, ax: number[], keepdims: boolean): Tensor {
  if (typeof ord !== "number")
    throw new TracegradError(`${op}: invalid order ${JSON.stringify(ord)} for a vector norm`);
  const o = { axis: ax, keepdims };
  if (ord === Infinity) return max(abs(x), o);
  if (ord === -Infinity) return min(abs(x), o);
  if (ord === 0) return lax.convertElementType(sum(lax.ne(x, lax.zerosLike(x)), o), x.dtype);
  if (ord === 1) return sum(abs(x), o);
  if (ord === 2) return sqrt(sum(multiply(x, x), o));
  return power(sum(power(abs(x), ord), o), 1 / ord);
}

function matrixNormOf(op: string, x: Tensor, ord: NormOrd, row: number, col: number, keepdims: boolean): Tensor {
  if (row === col) throw new ShapeError(`${op}: the two axes of a matrix norm must differ, got ${row} and ${col}`);
  const sumKeep = (t: Tensor, a: number) => sum(t, { axis: a, keepdims });
  if (ord === "fro") return sqrt(sum(multiply(x, x), { axis: [row, col], keepdims }));
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: the largest column sum (sum over rows); Infinity: the largest row sum (sum over columns)
    const [inner, outer0] = ord === 1 || ord === -1 ? [row, col] : [col, row];
    const outer = !keepdims && outer0 > inner ? outer0 - 1 : outer0;
    const sums = sumKeep(abs(x), inner);
    return ord > 0 ? max(sums, { axis: outer, keepdims }) : min(sums, { axis: outer, keepdims });
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const rest = range(x.ndim).filter((i) => i !== row && i !== col);
    const s = singularValues(lax.transpose(x, [...rest, row, col]));
    const ax = s.ndim - 1;
    let y = ord === 2 ? max(s, ax) : ord === -2 ? min(s, ax) : sum(s, ax);
    if (keepdims)
      y = lax.reshape(
        y,
        x.shape.map((d, i) => (i === row || i === col ? 1 : d)),
      );
    return y;
  }
  throw new TracegradError(
    `${op}: invalid order ${JSON.stringify(ord)} for a matrix norm; use "fro", "nuc", 1, -1, 2, -2, Infinity ` +
      `or -Infinity`,
  );
}

export interface NormOpts {
  /** The order (NumPy's table); default: 2 for vectors, "fro" for matrices. */
  ord?: NormOrd | null;
  /** One axis (a vector norm), two (a matrix norm), or all when absent. */
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
}
/**
 * A vector norm (one axis) or matrix norm (two axes) with NumPy's orders: vectors 2 (default), ±Infinity, 0, 1 or
 * any p; matrices "fro" (default), "nuc", ±1, ±2, ±Infinity. Without axis and ord: the 2-norm of all elements.
 * @example np.linalg.norm([3, 4]) // Tensor(5, dtype=float32)
 * np.linalg.norm([[1, 2], [3, 4]], 1) // Tensor(6, dtype=float32)
 */
export const norm: (x: ArrayLike, ord?: NormOrd | null | NormOpts) => Tensor = guard(
  "np.linalg.norm",
  [array("x"), options({ ord: orNull(ordParam()), axis: orNull(axes()), keepdims: bool("keepdims") }, "ord")],
  (x: ArrayLike, o: NormOpts) => {
    const op = "np.linalg.norm";
    const t = floatOf(x, op);
    const keepdims = o.keepdims ?? false;
    const ord = o.ord ?? undefined;
    if ((o.axis === undefined || o.axis === null) && ord === undefined) return sqrt(sum(multiply(t, t), { keepdims }));
    if ((o.axis === undefined || o.axis === null) && t.ndim !== 1 && t.ndim !== 2)
      throw new ShapeError(
        `${op}: with an ord and no axis, x must be 1-D or 2-D, got shape ${fmtShape(t.shape)}; pass axis`,
      );
    // each axis in its own place (normalizeAxes sorts; a matrix norm's row and column axes are ordered)
    const ax =
      o.axis === undefined || o.axis === null
        ? range(t.ndim)
        : typeof o.axis === "number"
          ? [normalizeAxis(op, o.axis, t.ndim)]
          : o.axis.map((k) => normalizeAxis(op, k, t.ndim));
    if (ax.length === 1) return vectorNormOf(op, t, ord ?? 2, ax, keepdims);
    if (ax.length === 2) return matrixNormOf(op, t, ord ?? "fro", ax[0]!, ax[1]!, keepdims);
    throw new ShapeError(`${op}: axis must name one or two axes, got ${JSON.stringify(o.axis)}`);
  },
);

export interface MatrixNormOpts {
  /** "fro" (default), "nuc", ±1, ±2, ±Infinity. */
  ord?: NormOrd;
  keepdims?: boolean;
}
/**
 * The matrix norm over the last two axes.
 * @example np.linalg.matrixNorm([[1, 2], [3, 4]], "nuc") // Tensor(5.8309517, dtype=float32)
 */
export const matrixNorm: (x: ArrayLike, ord?: NormOrd | MatrixNormOpts) => Tensor = guard(
  "np.linalg.matrixNorm",
  [array("x"), options({ ord: ordParam(), keepdims: bool("keepdims") }, "ord")],
  (x: ArrayLike, o: MatrixNormOpts) => {
    const t = matrices("np.linalg.matrixNorm", x, false, "x");
    return matrixNormOf("np.linalg.matrixNorm", t, o.ord ?? "fro", t.ndim - 2, t.ndim - 1, o.keepdims ?? false);
  },
);

export interface VectorNormOpts {
  /** 2 (default), ±Infinity, 0, 1 or any p. */
  ord?: number;
  /** The axis or axes reduced; all (the flattened array) when absent. */
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
}
/**
 * The vector norm over `axis` (all elements by default).
 * @example np.linalg.vectorNorm([3, -4], Infinity) // Tensor(4, dtype=float32)
 */
export const vectorNorm: (x: ArrayLike, ord?: number | VectorNormOpts) => Tensor = guard(
  "np.linalg.vectorNorm",
  [array("x"), options({ ord: number("ord"), axis: orNull(axes()), keepdims: bool("keepdims") }, "ord")],
  (x: ArrayLike, o: VectorNormOpts) => {
    const op = "np.linalg.vectorNorm";
    const t = floatOf(x, op);
    const ax = normalizeAxes(op, o.axis as number | number[] | null | undefined, t.ndim);
    return vectorNormOf(op, t, o.ord ?? 2, ax, o.keepdims ?? false);
  },
);

export interface CondOpts {
  /** The norm's order: 2 (default) or -2 from the singular values; "fro", "nuc", ±1, ±Infinity for square input. */
  p?: NormOrd | null;
}
/**
 * The condition number of each matrix, ‖a‖·‖a⁻¹‖ in the norm `p`; Inf for a singular matrix (NaN only for NaN
 * input).
 * @example np.linalg.cond([[1, 0], [0, 4]]) // Tensor(4, dtype=float32)
 */
export const cond: (x: ArrayLike, p?: NormOrd | null | CondOpts) => Tensor = guard(
  "np.linalg.cond",
  [array("x"), options({ p: orNull(ordParam("p")) }, "p")],
  (x: ArrayLike, o: CondOpts) => {
    const op = "np.linalg.cond";
    const p = o.p ?? undefined;
    const t = matrices(op, x, p !== undefined && p !== 2 && p !== -2, "x");
    let r: Tensor;
    if (p === undefined || p === 2 || p === -2) {
      const s = singularValues(t);
      const k = s.shape[s.ndim - 1]!;
      const hi = lastAt(s, 0);
      const lo = lastAt(s, k - 1);
      r = p === -2 ? divide(lo, hi) : divide(hi, lo);
    } else {
      const nd = t.ndim;
      r = multiply(
        matrixNormOf(op, t, p, nd - 2, nd - 1, false),
        matrixNormOf(op, invOf(op, t), p, nd - 2, nd - 1, false),
      );
    }
    const xNan = any(isnan(t), { axis: [t.ndim - 2, t.ndim - 1] });
    return where(logicalAnd(isnan(r), logicalNot(xNan)), Infinity, r);
  },
);

// ---------------------------------------------------------------- products and tensor solves

export interface CrossOpts {
  /** The axis holding the 3-vectors, in both inputs and the result (default −1). */
  axis?: number;
}
/**
 * The cross product of 3-vectors along `axis` (the other axes broadcast).
 * @example np.linalg.cross([1, 0, 0], [0, 1, 0]) // Tensor([0, 0, 1], dtype=float32)
 */
export const cross: (x1: ArrayLike, x2: ArrayLike, axis?: number | CrossOpts) => Tensor = guard(
  "np.linalg.cross",
  [array("x1"), array("x2"), options({ axis: axisParam() }, "axis")],
  (x1: ArrayLike, x2: ArrayLike, o: CrossOpts) => {
    const op = "np.linalg.cross";
    let [a, b] = promoted([x1, x2], op) as [Tensor, Tensor];
    if (a.dtype === "bool") [a, b] = [a, b].map((t) => lax.convertElementType(t, "int32")) as [Tensor, Tensor];
    const axis = o.axis ?? -1;
    const check = (t: Tensor, name: string) => {
      if (t.ndim === 0) throw new ShapeError(`${op}: ${name} must have a vector axis of size 3, got a 0-d array`);
      const k = normalizeAxis(op, axis, t.ndim);
      if (t.shape[k] !== 3)
        throw new ShapeError(
          `${op}: ${name} must have size 3 along axis ${axis}, got shape ${fmtShape(t.shape)} (for 2-vectors pad ` +
            `with a zero)`,
        );
      return moveAxis(t, k, t.ndim - 1);
    };
    const am = check(a, "x1");
    const bm = check(b, "x2");
    const batch = broadcastShapes(
      `${op} of ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      am.shape.slice(0, -1),
      bm.shape.slice(0, -1),
    );
    const A = broadcastTo(am, [...batch, 3]);
    const B = broadcastTo(bm, [...batch, 3]);
    const [a0, a1, a2] = [0, 1, 2].map((i) => lastAt(A, i)) as [Tensor, Tensor, Tensor];
    const [b0, b1, b2] = [0, 1, 2].map((i) => lastAt(B, i)) as [Tensor, Tensor, Tensor];
    const parts = [
      subtract(multiply(a1, b2), multiply(a2, b1)),
      subtract(multiply(a2, b0), multiply(a0, b2)),
      subtract(multiply(a0, b1), multiply(a1, b0)),
    ].map((c) => lax.reshape(c, [...batch, 1]));
    const r = lax.concatenate(parts, batch.length);
    return moveAxis(r, r.ndim - 1, normalizeAxis(op, axis, r.ndim));
  },
);

/**
 * The outer product of two 1-D arrays.
 * @example np.linalg.outer([1, 2], [1, 10]) // Tensor([[1, 10], [2, 20]], dtype=float32)
 */
export const outer: (x1: ArrayLike, x2: ArrayLike) => Tensor = guard(
  "np.linalg.outer",
  [array("x1"), array("x2")],
  (x1: ArrayLike, x2: ArrayLike) => {
    const [a, b] = promoted([x1, x2], "np.linalg.outer") as [Tensor, Tensor];
    if (a.ndim !== 1 || b.ndim !== 1)
      throw new ShapeError(
        `np.linalg.outer: both inputs must be 1-D, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    return npOuter(a, b);
  },
);

export interface TraceOpts {
  /** The diagonal: 0 (default) the main one, > 0 above, < 0 below. */
  offset?: number;
  /** The dtype of the sum. */
  dtype?: DType;
}
/**
 * The sum of each matrix's diagonal `offset`, over the last two axes.
 * @example np.linalg.trace([[1, 2], [3, 4]]) // Tensor(5, dtype=float32)
 */
export const trace: (x: ArrayLike, offset?: number | TraceOpts) => Tensor = guard(
  "np.linalg.trace",
  [array("x"), options({ offset: int("offset"), dtype: dtype() }, "offset")],
  (x: ArrayLike, o: TraceOpts) => {
    let t = asTensor(x, undefined, "np.linalg.trace");
    if (t.ndim < 2)
      throw new ShapeError(
        `np.linalg.trace: x must be an array of matrices [..., M, N], got shape ${fmtShape(t.shape)}`,
      );
    if (o.dtype) t = lax.convertElementType(t, o.dtype);
    return npTrace(t, { offset: o.offset ?? 0, axis1: -2, axis2: -1 });
  },
);

export interface TensorsolveOpts {
  /** Axes of a moved to the end (in this order) before solving. */
  axes?: readonly number[] | null;
}
/**
 * x with tensordot(a, x, x.ndim) = b: a's leading axes match b's shape, its remaining ones give x's shape.
 * @example np.linalg.tensorsolve(np.eye(6).reshape([2, 3, 6]), np.ones([2, 3])).shape // [6]
 */
export const tensorsolve: (a: ArrayLike, b: ArrayLike, axes?: readonly number[] | null | TensorsolveOpts) => Tensor =
  guard(
    "np.linalg.tensorsolve",
    [array("a"), array("b"), options({ axes: orNull(ints("axes")) }, "axes")],
    (a: ArrayLike, b: ArrayLike, o: TensorsolveOpts) => {
      const op = "np.linalg.tensorsolve";
      let [at, bt] = promoted([a, b], op).map(toFloat) as [Tensor, Tensor];
      if (o.axes) {
        const moved = o.axes.map((k) => normalizeAxis(op, k, at.ndim));
        const keep = range(at.ndim).filter((i) => !moved.includes(i));
        at = lax.transpose(at, [...keep, ...moved]);
      }
      const q = at.shape.slice(bt.ndim);
      const nq = q.reduce((x, y) => x * y, 1);
      const nb = bt.size;
      if (at.ndim < bt.ndim || nq !== nb || at.shape.slice(0, bt.ndim).some((d, i) => d !== bt.shape[i]))
        throw new ShapeError(
          `${op}: a of shape ${fmtShape(at.shape)} must be b's shape ${fmtShape(bt.shape)} followed by axes with ` +
            `as many elements (${nb})`,
        );
      const x = solveOf(op, lax.reshape(at, [nb, nq]), lax.reshape(bt, [nb]));
      return lax.reshape(x, q);
    },
  );

export interface TensorinvOpts {
  /** How many leading axes are the "rows" (default 2). */
  ind?: number;
}
/**
 * The inverse of a with respect to tensordot over `ind` axes: result shape a.shape[ind:] + a.shape[:ind].
 * @example np.linalg.tensorinv(np.eye(4).reshape([4, 2, 2]), 1).shape // [2, 2, 4]
 */
export const tensorinv: (a: ArrayLike, ind?: number | TensorinvOpts) => Tensor = guard(
  "np.linalg.tensorinv",
  [array("a"), options({ ind: int("ind") }, "ind")],
  (a: ArrayLike, o: TensorinvOpts) => {
    const op = "np.linalg.tensorinv";
    const t = floatOf(a, op);
    const ind = o.ind ?? 2;
    if (ind <= 0) throw new TracegradError(`${op}: ind must be a positive integer, got ${ind}`);
    if (ind > t.ndim) throw new ShapeError(`${op}: ind ${ind} exceeds the rank of a of shape ${fmtShape(t.shape)}`);
    const rows = t.shape.slice(0, ind).reduce((x, y) => x * y, 1);
    const cols = t.shape.slice(ind).reduce((x, y) => x * y, 1);
    if (rows !== cols)
      throw new ShapeError(
        `${op}: a of shape ${fmtShape(t.shape)} is not "square": its first ${ind} axes have ${rows} elements, the ` +
          `rest ${cols}`,
      );
    const r = invOf(op, lax.reshape(t, [rows, cols]));
    return lax.reshape(r, [...t.shape.slice(ind), ...t.shape.slice(0, ind)]);
  },
);

/**
 * Linear algebra as `jax.numpy.linalg`: every function takes batches [..., M, N]; results JAX returns as named
 * tuples are arrays that also carry the names (`np.linalg.eigh(a).eigenvalues`).
 * @example np.linalg.det([[1, 2], [3, 4]]) // Tensor(-2, dtype=float32)
 */
export const linalg = {
  cholesky,
  qr,
  eigh,
  eigvalsh,
  svd,
  svdvals,
  inv,
  solve,
  det,
  slogdet,
  pinv,
  lstsq,
  matrixRank,
  matrixPower,
  multiDot,
  norm,
  matrixNorm,
  vectorNorm,
  cond,
  cross,
  outer,
  trace,
  tensorsolve,
  tensorinv,
};
