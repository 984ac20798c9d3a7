// scipy.linalg, as jax.scipy.linalg: triangular and factored solves, LU/QR/Cholesky/eigh/SVD with SciPy's
// conventions, the matrix exponential (scaling and squaring with Padé approximants, Higham 2005), block_diag, det, inv
// and solve, composed from the linalg primitives. Every function takes leading batch dimensions; a singular or
// non-positive-definite input gives NaN or ±Inf, not an exception, as JAX.
import * as E from "fp-ts/Either";
import type { DType } from "../core/dtype.js";
import { fmtShape, ShapeError } from "../core/errors.js";
import { array, bool, choice, int, param } from "../core/params.js";
import { broadcastShapes } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { describe, fail, guard, options, rest } from "../core/validate.js";
import { customJvp } from "../higher_order/custom_jvp.js";
import { asTensor, promoted } from "../numpy/convert.js";
import { toFloat } from "../numpy/elementwise.js";
import { permuteRows } from "../numpy/np_linalg.js";
import { argsort } from "../numpy/sorting.js";
import * as lax from "../primitives/index.js";

// ───────────────────────────── helpers ─────────────────────────────

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** `x` as a float tensor (integers and bool become float32). */
const fl = (x: ArrayLike): Tensor => toFloat(asTensor(x));
/** The arguments promoted to one float dtype (shapes untouched). */
const floats = (name: string, xs: readonly ArrayLike[]): Tensor[] => {
  const ts = promoted(xs, name).map(toFloat);
  const d = ts.some((t) => t.dtype === "float64") ? "float64" : ts[0]!.dtype;
  return ts.map((t) => (t.dtype === d ? t : lax.convertElementType(t, d)));
};
/** A scalar constant of x's dtype broadcast to `shape` (x's shape by default). */
const cst = (x: Tensor, v: number, shape: readonly number[] = x.shape): Tensor => lax.full(shape, v, x.dtype);

function squareCheck(name: string, what: string, t: Tensor): void {
  if (t.ndim < 2 || t.shape[t.ndim - 1] !== t.shape[t.ndim - 2])
    throw new ShapeError(
      `${name}: ${what} must be a square matrix or a batch of them [..., n, n], got shape ${fmtShape(t.shape)}`,
    );
}
function matrixCheck(name: string, what: string, t: Tensor): void {
  if (t.ndim < 2)
    throw new ShapeError(
      `${name}: ${what} must be a matrix or a batch of them [..., m, n], got shape ${fmtShape(t.shape)}`,
    );
}

/** x broadcast (NumPy's trailing alignment) to `shape`. */
function bcast(x: Tensor, shape: readonly number[]): Tensor {
  if (x.ndim === shape.length && x.shape.every((s, i) => s === shape[i])) return x;
  const lead = shape.length - x.ndim;
  const kept = x.shape.map((s, i) => s === shape[lead + i]);
  // size-1 axes broadcast: drop them first, then place the rest
  const dims = range(x.ndim)
    .filter((i) => kept[i])
    .map((i) => lead + i);
  return lax.broadcastInDim(
    lax.reshape(
      x,
      x.shape.filter((_, i) => kept[i]),
    ),
    shape,
    dims,
  );
}

/** The last two axes swapped. */
const mT = (x: Tensor): Tensor => {
  const p = range(x.ndim);
  [p[x.ndim - 2], p[x.ndim - 1]] = [p[x.ndim - 1]!, p[x.ndim - 2]!];
  return lax.transpose(x, p);
};
/** Batched matrix product of operands with equal batch shapes. */
const mm = (x: Tensor, y: Tensor): Tensor => {
  const nb = x.ndim - 2;
  return lax.dotGeneral(x, y, [
    [[nb + 1], [nb]],
    [range(nb), range(nb)],
  ]);
};
/** The row and column index of every element of a [..., m, n] shape (int32). */
const rowCol = (shape: readonly number[]): [Tensor, Tensor] => [
  lax.iota("int32", shape, shape.length - 2),
  lax.iota("int32", shape, shape.length - 1),
];
/** Elements with col − row ≤ k (lower) or ≥ k (upper) kept, the rest zero. */
function tri(x: Tensor, k: number, lower: boolean): Tensor {
  const [r, c] = rowCol(x.shape);
  const d = lax.sub(c, r);
  const keep = lower ? lax.le(d, lax.full(x.shape, k, "int32")) : lax.ge(d, lax.full(x.shape, k, "int32"));
  return lax.select(keep, x, cst(x, 0));
}
/** The identity-like [..., m, n] matrix (ones where row = col). */
function eyeOf(shape: readonly number[], dtype: DType): Tensor {
  const [r, c] = rowCol(shape);
  return lax.convertElementType(lax.eq(r, c), dtype);
}
/** The diagonal [..., k] of [..., m, n]. */
function diagonal(x: Tensor): Tensor {
  const [m, n] = x.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const sq = lax.slice(x, [...x.shape.slice(0, -2).map(() => 0), 0, 0], [...x.shape.slice(0, -2), k, k]);
  const [r, c] = rowCol(sq.shape);
  return lax.reduceSum(lax.select(lax.eq(r, c), sq, cst(sq, 0)), [sq.ndim - 1]);
}
/** A named tuple: the array in JAX's order, with JAX's field names as properties. */
function named<T extends unknown[], K extends string>(values: T, keys: readonly K[]): T & Record<K, T[number]> {
  const out = [...values] as T & Record<K, T[number]>;
  keys.forEach((k, i) => {
    (out as Record<string, unknown>)[k] = values[i];
  });
  return out;
}

/** a and b (vector [..., m] or matrix [..., m, k]) with their batch dimensions broadcast; b as a matrix. */
function solveOperands(
  name: string,
  a: Tensor,
  b: Tensor,
  isVector: boolean,
): { a: Tensor; b: Tensor; unvec: (x: Tensor) => Tensor } {
  squareCheck(name, "a", a);
  const n = a.shape[a.ndim - 1]!;
  const what = `(a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)})`;
  if (b.ndim < 1 || (!isVector && b.ndim < 2))
    throw new ShapeError(`${name}: b must be a vector [..., n] or a matrix [..., n, k] ${what}`);
  const bm = isVector ? lax.reshape(b, [...b.shape, 1]) : b;
  if (bm.shape[bm.ndim - 2] !== n)
    throw new ShapeError(
      `${name}: b's ${isVector ? "length" : "rows"} (${bm.shape[bm.ndim - 2]}) must match a's size (${n}) ${what}`,
    );
  const batch = broadcastShapes(`${name}: batch dimensions ${what}`, a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const k = bm.shape[bm.ndim - 1]!;
  return {
    a: bcast(a, [...batch, n, n]),
    b: bcast(bm, [...batch, n, k]),
    unvec: (x) => (isVector ? lax.reshape(x, x.shape.slice(0, -1)) : x),
  };
}

const tsolve = (a: Tensor, b: Tensor, lower: boolean, transposeA: boolean, unitDiagonal = false): Tensor =>
  lax.triangularSolve(a, b, {
    left_side: true,
    lower,
    transpose_a: transposeA,
    conjugate_a: false,
    unit_diagonal: unitDiagonal,
  });

/** The permutation [..., m] (int32) that LAPACK-style row swaps `pivots` [..., k] apply to 0…m−1. */
function pivotsToPermutation(pivots: Tensor, m: number): Tensor {
  const batch = pivots.shape.slice(0, -1);
  const k = pivots.shape[pivots.ndim - 1]!;
  const shape = [...batch, m];
  const ids = lax.iota("int32", shape, batch.length);
  const nb = batch.length;
  const spread = (v: Tensor) => lax.broadcastInDim(v, shape, range(nb)); // [...batch] → [...batch, m]
  const at = (x: Tensor, i: number) => lax.reshape(lax.slice(x, [...batch.map(() => 0), i], [...batch, i + 1]), batch);
  let perm = ids;
  const zero = lax.full(shape, 0, "int32");
  for (let i = 0; i < k; i++) {
    const j = spread(at(pivots, i));
    const isJ = lax.eq(ids, j);
    const pi = spread(at(perm, i));
    const pj = spread(lax.reduceSum(lax.select(isJ, perm, zero), [nb]));
    perm = lax.select(lax.eq(ids, lax.full(shape, i, "int32")), pj, lax.select(isJ, pi, perm));
  }
  return perm;
}
/** P [..., m, m] (dtype) with P[r, c] = (perm[r] = c): P·x takes x's rows in the order perm. */
function permutationMatrix(perm: Tensor, dtype: DType): Tensor {
  const m = perm.shape[perm.ndim - 1]!;
  const shape = [...perm.shape, m];
  const p = lax.broadcastInDim(perm, shape, range(perm.ndim));
  return lax.convertElementType(lax.eq(p, lax.iota("int32", shape, perm.ndim)), dtype);
}

/** Solves with packed LU factors and a permutation (a[perm] = L·U): a·x = b (trans 0) or aᵀ·x = b (1, 2). */
function luSolveCore(lu: Tensor, perm: Tensor, b: Tensor, trans: number): Tensor {
  if (trans === 0) {
    const y = tsolve(lu, permuteRows(b, perm), true, false, true);
    return tsolve(lu, y, false, false);
  }
  const y = tsolve(lu, b, false, true);
  // Pᵀ·z: z's rows in the inverse permutation's order
  return permuteRows(tsolve(lu, y, true, true, true), argsort(perm, -1));
}

const valuesAreInts = (t: Tensor): boolean => Array.from(t.toTypedArray(), Number).every(Number.isInteger);

/** A linear solve a·x = b (a [..., n, n], b [..., n, k], one batch shape) with JAX's custom_linear_solve derivative. */
function linearSolver(name: string, raw: (a: Tensor, b: Tensor) => Tensor): (a: Tensor, b: Tensor) => Tensor {
  const f = customJvp({ [name]: (a: Tensor, b: Tensor): Tensor => raw(lax.stopGradient(a), b) }[name]!);
  f.defjvp(([a, b]: Tensor[], [ta, tb]: Tensor[]) => {
    const x = f(a!, b!) as Tensor;
    // ẋ = a⁻¹·(ḃ − ȧ·x), by the composed solve (linear in the right-hand side, so reverse mode transposes it, and
    // differentiable in a for higher orders)
    return [x, raw(a!, lax.sub(tb!, mm(ta!, x)))];
  });
  return (a, b) => f(a, b) as Tensor;
}
const luSolveRaw = (a: Tensor, b: Tensor): Tensor => {
  const [lu, , perm] = lax.lu(a);
  return luSolveCore(lu, perm, b, 0);
};
const genSolve = linearSolver("solve", luSolveRaw);
const posSolvers = [false, true].map((lower) =>
  linearSolver(lower ? "solve_pos_lower" : "solve_pos_upper", (a, b) =>
    choSolveCore(choFactorCore(a, lower), b, lower),
  ),
);

function choFactorCore(a: Tensor, lower: boolean): Tensor {
  const l = lax.cholesky(lower ? a : mT(a), false);
  return lower ? l : mT(l);
}
function choSolveCore(c: Tensor, b: Tensor, lower: boolean): Tensor {
  const y = tsolve(c, b, lower, !lower);
  return tsolve(c, y, lower, lower);
}

/** det through LU: the product of U's diagonal, negated for an odd number of row swaps. */
function detRaw(a: Tensor): Tensor {
  const [lu, pivots] = lax.lu(a);
  const nb = a.ndim - 2;
  const swapped = lax.ne(pivots, lax.iota("int32", pivots.shape, nb));
  const odd = lax.rem(
    lax.reduceSum(lax.convertElementType(swapped, "int32"), [nb]),
    lax.full(a.shape.slice(0, -2), 2, "int32"),
  );
  const sign = lax.sub(cst(a, 1, odd.shape), lax.mul(cst(a, 2, odd.shape), lax.convertElementType(odd, a.dtype)));
  return lax.mul(sign, lax.reduceProd(diagonal(lu), [nb]));
}
const detJ = customJvp(function det(a: Tensor): Tensor {
  return detRaw(a);
});
detJ.defjvp(([a]: Tensor[], [ta]: Tensor[]) => {
  const y = detJ(a!) as Tensor;
  // ẏ = det(a)·tr(a⁻¹·ȧ)
  const tr = lax.reduceSum(diagonal(luSolveRaw(a!, ta!)), [a!.ndim - 2]);
  return [y, lax.mul(y, tr)];
});

// ───────────────────────────── public functions ─────────────────────────────

export type Trans = 0 | 1 | 2 | "N" | "T" | "C";
const TRANS: readonly Trans[] = [0, 1, 2, "N", "T", "C"];
const transposed = (t: Trans | undefined) => t !== undefined && t !== 0 && t !== "N";

/** Options of `solveTriangular`: op(a) = a (trans 0/"N") or aᵀ (1/"T", 2/"C"); which triangle; unit diagonal. */
export interface SolveTriangularOpts {
  trans?: Trans;
  lower?: boolean;
  unitDiagonal?: boolean;
}
/**
 * x with op(a)·x = b for triangular a [..., n, n] (only the `lower` or upper triangle is read) and b [..., n] (when
 * a.ndim = b.ndim + 1) or [..., n, k], as jax.scipy.linalg.solve_triangular.
 * @example scipy.linalg.solveTriangular([[2, 0], [1, 1]], [2, 3], { lower: true }) // Tensor([1, 2], dtype=float32)
 */
export const solveTriangular: (a: ArrayLike, b: ArrayLike, opts?: SolveTriangularOpts) => Tensor = guard(
  "scipy.linalg.solveTriangular",
  [
    array("a"),
    array("b"),
    options({ trans: choice("trans", TRANS), lower: bool("lower"), unitDiagonal: bool("unitDiagonal") }),
  ],
  (a0: ArrayLike, b0: ArrayLike, o: SolveTriangularOpts) => {
    const name = "scipy.linalg.solveTriangular";
    const [a, b] = floats(name, [a0, b0]);
    const s = solveOperands(name, a!, b!, a!.ndim === b!.ndim + 1);
    return s.unvec(tsolve(s.a, s.b, o.lower ?? false, transposed(o.trans), o.unitDiagonal ?? false));
  },
);

export interface LowerOpts {
  lower?: boolean;
}
/** `[c, lower]` (also `.c`, `.lower`): choFactor's result, choSolve's first argument. */
export type ChoFactor = [Tensor, boolean] & { c: Tensor; lower: boolean };
/**
 * The Cholesky factor of a [..., n, n] for `choSolve`: lower L (a = L·Lᵀ, from a's lower triangle) or upper U
 * (a = Uᵀ·U, from the upper one, the default); the other triangle is zero. NaN if a is not positive definite.
 * @example const [c, lower] = scipy.linalg.choFactor([[4, 2], [2, 3]])
 */
export const choFactor: (a: ArrayLike, opts?: LowerOpts) => ChoFactor = guard(
  "scipy.linalg.choFactor",
  [array("a"), options({ lower: bool("lower") })],
  (a0: ArrayLike, o: LowerOpts) => {
    const a = fl(a0);
    squareCheck("scipy.linalg.choFactor", "a", a);
    const lower = o.lower ?? false;
    return named([choFactorCore(a, lower), lower] as [Tensor, boolean], ["c", "lower"] as const);
  },
);

/** A `[tensor, extra]` pair (choFactor's or luFactor's result). */
const pair = (name: string, second: "boolean" | "array") =>
  param(name, "args", (v, at) => {
    const okSecond = (w: unknown) =>
      second === "boolean" ? typeof w === "boolean" : w instanceof Tensor || Array.isArray(w) || ArrayBuffer.isView(w);
    if (Array.isArray(v) && v.length === 2 && (v[0] instanceof Tensor || Array.isArray(v[0])) && okSecond(v[1]))
      return E.right(v as [ArrayLike, unknown]);
    return fail(at, second === "boolean" ? "a pair [c, lower] from choFactor" : "a pair [lu, piv] from luFactor", v);
  });

/**
 * x with a·x = b from `choFactor(a)`'s `[c, lower]`; b [..., n] (when c.ndim = b.ndim + 1) or [..., n, k].
 * @example scipy.linalg.choSolve(scipy.linalg.choFactor([[4, 2], [2, 3]]), [6, 5]) // Tensor([1, 1], dtype=float32)
 */
export const choSolve: (cAndLower: readonly [ArrayLike, boolean], b: ArrayLike) => Tensor = guard(
  "scipy.linalg.choSolve",
  [pair("cAndLower", "boolean"), array("b")],
  ([c0, lower]: [ArrayLike, boolean], b0: ArrayLike) => {
    const name = "scipy.linalg.choSolve";
    const [c, b] = floats(name, [c0, b0]);
    const s = solveOperands(name, c!, b!, c!.ndim === b!.ndim + 1);
    return s.unvec(choSolveCore(s.a, s.b, lower));
  },
);

/** `[lu, piv]` (also `.lu`, `.piv`): luFactor's result, luSolve's first argument. */
export type LuFactor = [Tensor, Tensor] & { lu: Tensor; piv: Tensor };
/**
 * LU factorization with partial pivoting of a [..., m, n]: the packed factors (L below the diagonal, unit diagonal not
 * stored; U on and above it) and the pivots (int32 [..., min(m, n)]: row i was swapped with row piv[i]).
 * @example const [lu, piv] = scipy.linalg.luFactor([[1, 2], [3, 4]]) // piv: [1, 1]
 */
export const luFactor: (a: ArrayLike) => LuFactor = guard("scipy.linalg.luFactor", [array("a")], (a0: ArrayLike) => {
  const a = fl(a0);
  matrixCheck("scipy.linalg.luFactor", "a", a);
  const [lu, piv] = lax.lu(a);
  return named([lu, piv] as [Tensor, Tensor], ["lu", "piv"] as const);
});

export interface TransOpts {
  trans?: 0 | 1 | 2;
}
/**
 * x with a·x = b (trans 0) or aᵀ·x = b (1, 2) from `luFactor(a)`'s `[lu, piv]`; b [..., n] (when lu.ndim = b.ndim + 1)
 * or [..., n, k].
 * @example scipy.linalg.luSolve(scipy.linalg.luFactor([[2, 1], [1, 2]]), [3, 3]) // Tensor([1, 1], dtype=float32)
 */
export const luSolve: (
  luAndPiv: readonly [ArrayLike, ArrayLike],
  b: ArrayLike,
  opts?: TransOpts | 0 | 1 | 2,
) => Tensor = guard(
  "scipy.linalg.luSolve",
  [pair("luAndPiv", "array"), array("b"), options({ trans: choice("trans", [0, 1, 2] as const) }, "trans")],
  ([lu0, piv0]: [ArrayLike, ArrayLike], b0: ArrayLike, o: TransOpts) => {
    const name = "scipy.linalg.luSolve";
    const [lu, b] = floats(name, [lu0, b0]);
    let piv = asTensor(piv0);
    // JS arrays of whole numbers are pivots too (they would otherwise be float32)
    if (!(piv0 instanceof Tensor) && !piv.dtype.startsWith("int") && valuesAreInts(piv))
      piv = lax.convertElementType(piv, "int32");
    squareCheck(name, "lu", lu!);
    const n = lu!.shape[lu!.ndim - 1]!;
    if (piv.ndim < 1 || piv.shape[piv.ndim - 1] !== n || !piv.dtype.startsWith("int"))
      throw new ShapeError(
        `${name}: piv must be integer pivots [..., ${n}] matching lu ${fmtShape(lu!.shape)}, got ${describe(piv)}`,
      );
    const s = solveOperands(name, lu!, b!, lu!.ndim === b!.ndim + 1);
    const batch = s.a.shape.slice(0, -2);
    const perm = pivotsToPermutation(bcast(lax.convertElementType(piv, "int32"), [...batch, n]), n);
    return s.unvec(luSolveCore(s.a, perm, s.b, o.trans ?? 0));
  },
);

export interface LuOpts {
  permuteL?: boolean;
}
/**
 * LU decomposition a = P·L·U of a [..., m, n] (k = min(m, n)): `[p, l, u]` with P [..., m, m] a permutation matrix,
 * L [..., m, k] unit lower triangular and U [..., k, n] upper triangular; `[p·l, u]` with `permuteL`.
 * @example const [p, l, u] = scipy.linalg.lu([[1, 2], [3, 4]])
 */
export const lu: (a: ArrayLike, opts?: LuOpts | boolean) => Tensor[] = guard(
  "scipy.linalg.lu",
  [array("a"), options({ permuteL: bool("permuteL") }, "permuteL")],
  (a0: ArrayLike, o: LuOpts) => {
    const a = fl(a0);
    matrixCheck("scipy.linalg.lu", "a", a);
    const [m, n] = a.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const batch = a.shape.slice(0, -2);
    const [packed, , perm] = lax.lu(a);
    const p = mT(permutationMatrix(perm, a.dtype)); // p[i, j] = (perm[j] = i)
    const zeros = batch.map(() => 0);
    const l = lax.add(
      lax.slice(tri(packed, -1, true), [...zeros, 0, 0], [...batch, m, k]),
      eyeOf([...batch, m, k], a.dtype),
    );
    const u = lax.slice(tri(packed, 0, false), [...zeros, 0, 0], [...batch, k, n]);
    return o.permuteL ? [mm(p, l), u] : [p, l, u];
  },
);

export interface QrOpts {
  mode?: "full" | "r" | "economic";
  pivoting?: false;
}
/**
 * QR decomposition a = Q·R of a [..., m, n]: `[q, r]` (mode "full": Q [..., m, m]; "economic": Q [..., m, k], R
 * [..., k, n], k = min(m, n)) or `[r]` (mode "r"). Column pivoting is not supported.
 * @example const [q, r] = scipy.linalg.qr([[1, 2], [3, 4]])
 */
export const qr: (a: ArrayLike, opts?: QrOpts) => Tensor[] = guard(
  "scipy.linalg.qr",
  [
    array("a"),
    options({
      mode: choice("mode", ["full", "r", "economic"] as const),
      pivoting: choice("pivoting", [false] as never),
    }),
  ],
  (a0: ArrayLike, o: QrOpts) => {
    const a = fl(a0);
    matrixCheck("scipy.linalg.qr", "a", a);
    const mode = o.mode ?? "full";
    const [q, r] = lax.qr(a, mode !== "economic");
    return mode === "r" ? [r] : [q, r];
  },
);

/**
 * The Cholesky factor of a symmetric positive-definite a [..., n, n]: upper U with a = Uᵀ·U (read from a's upper
 * triangle; the default) or lower L with a = L·Lᵀ (from the lower one). NaN if a is not positive definite.
 * @example scipy.linalg.cholesky([[4, 2], [2, 3]]) // Tensor([[2, 1], [0, 1.4142135]], dtype=float32)
 */
export const cholesky: (a: ArrayLike, opts?: LowerOpts | boolean) => Tensor = guard(
  "scipy.linalg.cholesky",
  [array("a"), options({ lower: bool("lower") }, "lower")],
  (a0: ArrayLike, o: LowerOpts) => {
    const a = fl(a0);
    squareCheck("scipy.linalg.cholesky", "a", a);
    return choFactorCore(a, o.lower ?? false);
  },
);

// Padé coefficients b_0 … b_m of the [m/m] approximant of eˣ (Higham 2005, Table 2.3)
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
    670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};
/** Per dtype: the Padé degrees, the 1-norm thresholds between them (θ_m), and the largest norm after scaling. */
const EXPM = {
  float64: {
    degrees: [3, 5, 7, 9, 13],
    conds: [1.495585217958292e-2, 2.53939833006323e-1, 9.504178996162932e-1, 2.097847961257068],
    maxnorm: 5.371920351148152,
  },
  float32: { degrees: [3, 5, 7], conds: [4.258730016922831e-1, 1.880152677804762], maxnorm: 3.92572478313866 },
};

export interface ExpmOpts {
  upperTriangular?: boolean;
  maxSquarings?: number;
}
/**
 * The matrix exponential e^a of a [..., n, n], as jax.scipy.linalg.expm: scaling by 2⁻ˢ so the 1-norm is below θ,
 * a Padé approximant of the degree that norm needs, then s squarings (NaN when s would exceed `maxSquarings`, 16).
 * `upperTriangular` solves the Padé system by back substitution. Differentiable by composition.
 * @example scipy.linalg.expm([[0, 1], [0, 0]]) // Tensor([[1, 1], [0, 1]], dtype=float32)
 */
export const expm: (a: ArrayLike, opts?: ExpmOpts) => Tensor = guard(
  "scipy.linalg.expm",
  [array("a"), options({ upperTriangular: bool("upperTriangular"), maxSquarings: int("maxSquarings") })],
  (a0: ArrayLike, o: ExpmOpts) => {
    const a = fl(a0);
    squareCheck("scipy.linalg.expm", "a", a);
    const maxSquarings = Math.max(0, o.maxSquarings ?? 16);
    return expmImpl(a, o.upperTriangular ?? false, maxSquarings);
  },
);

function expmImpl(a: Tensor, upper: boolean, maxSquarings: number): Tensor {
  const nb = a.ndim - 2;
  const n = a.shape[a.ndim - 1]!;
  const batch = a.shape.slice(0, -2);
  const spec = a.dtype === "float64" ? EXPM.float64 : EXPM.float32;
  const perMatrix = (v: Tensor) => lax.broadcastInDim(v, a.shape, range(nb));
  // the 1-norm (largest column sum of |a|) of each matrix; the scaling and the degree do not depend on a's tangent
  const norm = lax.stopGradient(lax.reduceMax(lax.reduceSum(lax.abs(a), [nb]), [nb]));
  const maxnorm = cst(norm, spec.maxnorm);
  let s = lax.max(cst(norm, 0), lax.floor(lax.div(lax.log(lax.div(norm, maxnorm)), cst(norm, Math.LN2))));
  // log/ln 2 may round below an integer: one more squaring when the scaled norm is still above θ
  const two = cst(norm, 2);
  s = lax.select(lax.gt(lax.div(norm, lax.pow(two, s)), maxnorm), lax.add(s, cst(s, 1)), s);
  const x = lax.div(a, perMatrix(lax.pow(two, s)));
  // the powers and every Padé approximant's U (odd part) and V (even part); the degree is chosen per matrix
  const I = eyeOf(a.shape, a.dtype);
  const x2 = mm(x, x);
  const x4 = mm(x2, x2);
  const x6 = mm(x4, x2);
  const x8 = spec.degrees.includes(9) ? mm(x6, x2) : x6;
  const pows = [I, x2, x4, x6, x8];
  const lin = (terms: [number, Tensor][]) =>
    terms.reduce<Tensor | null>((acc, [c, t]) => {
      const term = lax.mul(cst(t, c), t);
      return acc ? lax.add(acc, term) : term;
    }, null)!;
  const pade = (m: number): [Tensor, Tensor] => {
    const b = PADE[m]!;
    if (m === 13) {
      const u = mm(
        x,
        lax.add(
          mm(
            x6,
            lin([
              [b[13]!, x6],
              [b[11]!, x4],
              [b[9]!, x2],
            ]),
          ),
          lin([
            [b[7]!, x6],
            [b[5]!, x4],
            [b[3]!, x2],
            [b[1]!, I],
          ]),
        ),
      );
      const v = lax.add(
        mm(
          x6,
          lin([
            [b[12]!, x6],
            [b[10]!, x4],
            [b[8]!, x2],
          ]),
        ),
        lin([
          [b[6]!, x6],
          [b[4]!, x4],
          [b[2]!, x2],
          [b[0]!, I],
        ]),
      );
      return [u, v];
    }
    const half = (m - 1) / 2;
    const u = mm(x, lin(range(half + 1).map((j) => [b[2 * j + 1]!, pows[j]!] as [number, Tensor])));
    const v = lin(range(half + 1).map((j) => [b[2 * j]!, pows[j]!] as [number, Tensor]));
    return [u, v];
  };
  // degree index: how many thresholds the (unscaled) norm reaches, as jnp.digitize
  let idx = lax.full(batch, 0, "int32");
  for (const c of spec.conds) idx = lax.add(idx, lax.convertElementType(lax.ge(norm, cst(norm, c)), "int32"));
  const idxM = perMatrix(idx);
  let u: Tensor | null = null;
  let v: Tensor | null = null;
  spec.degrees.forEach((m, i) => {
    const [ui, vi] = pade(m);
    if (!u || !v) [u, v] = [ui, vi];
    else {
      const pick = lax.eq(idxM, lax.full(a.shape, i, "int32"));
      u = lax.select(pick, ui, u);
      v = lax.select(pick, vi, v);
    }
  });
  const p = lax.add(v!, u!);
  const q = lax.sub(v!, u!);
  let r = upper ? tsolve(q, p, false, false) : genSolve(q, p);
  // undo the scaling: s squarings (each matrix its own s), NaN beyond maxSquarings
  const sM = perMatrix(s);
  for (let i = 0; i < maxSquarings; i++) r = lax.select(lax.lt(cst(sM, i), sM), mm(r, r), r);
  r = lax.select(lax.gt(sM, cst(sM, maxSquarings)), cst(r, Number.NaN), r);
  return n === 0 ? a : r;
}

/**
 * The block-diagonal matrix of the arguments (scalars are 1×1, vectors 1×n), zeros elsewhere, promoted to one dtype.
 * @example scipy.linalg.blockDiag([[1, 2]], 3).shape // [2, 3]
 */
export const blockDiag: (...arrays: ArrayLike[]) => Tensor = guard(
  "scipy.linalg.blockDiag",
  [rest(array("arrays"))],
  (...xs: ArrayLike[]) => {
    if (xs.length === 0) return lax.full([1, 0], 0, "float32");
    const ts = promoted(xs, "scipy.linalg.blockDiag").map((t, i) => {
      if (t.ndim > 2)
        throw new ShapeError(
          `scipy.linalg.blockDiag: arguments must have at most 2 dimensions, got arrays[${i}] of shape ` +
            fmtShape(t.shape),
        );
      return t.ndim === 2 ? t : lax.reshape(t, [1, t.ndim === 0 ? 1 : t.shape[0]!]);
    });
    const cols = ts.reduce((s, t) => s + t.shape[1]!, 0);
    let left = 0;
    const rows = ts.map((t) => {
      const w = t.shape[1]!;
      const out = lax.pad(t, lax.scalar(0, t.dtype), [
        [0, 0, 0],
        [left, cols - left - w, 0],
      ]);
      left += w;
      return out;
    });
    return rows.length === 1 ? rows[0]! : lax.concatenate(rows, 0);
  },
);

export interface EighOpts {
  lower?: boolean;
  eigvalsOnly?: boolean;
}
/**
 * Eigenvalues (ascending) and eigenvectors (columns) of each symmetric a [..., n, n] described by its `lower` (default)
 * or upper triangle: `[w, v]` (SciPy's order), or w alone with `eigvalsOnly`.
 * @example const [w, v] = scipy.linalg.eigh([[2, 1], [1, 2]]) // w: [1, 3]
 */
export const eigh: (a: ArrayLike, opts?: EighOpts) => Tensor | [Tensor, Tensor] = guard(
  "scipy.linalg.eigh",
  [array("a"), options({ lower: bool("lower"), eigvalsOnly: bool("eigvalsOnly") })],
  (a0: ArrayLike, o: EighOpts) => {
    const a = fl(a0);
    squareCheck("scipy.linalg.eigh", "a", a);
    const [v, w] = lax.eigh(a, o.lower ?? true, true, true);
    return o.eigvalsOnly ? w : [w, v];
  },
);

export interface SvdOpts {
  fullMatrices?: boolean;
  computeUv?: boolean;
}
/**
 * Singular value decomposition a = U·diag(s)·Vh of a [..., m, n]: `[U, s, Vh]` (U [..., m, m] and Vh [..., n, n], or
 * [..., m, k] and [..., k, n] without `fullMatrices`), or s alone (descending) without `computeUv`.
 * @example scipy.linalg.svd([[3, 0], [0, 4]], { computeUv: false }) // Tensor([4, 3], dtype=float32)
 */
export const svd: (a: ArrayLike, opts?: SvdOpts) => Tensor | Tensor[] = guard(
  "scipy.linalg.svd",
  [array("a"), options({ fullMatrices: bool("fullMatrices"), computeUv: bool("computeUv") })],
  (a0: ArrayLike, o: SvdOpts) => {
    const a = fl(a0);
    matrixCheck("scipy.linalg.svd", "a", a);
    const computeUv = o.computeUv ?? true;
    const out = lax.svd(a, o.fullMatrices ?? true, computeUv);
    return computeUv ? out : out[0]!;
  },
);

/**
 * The determinant of each a [..., n, n] (through LU; derivative det(a)·tr(a⁻¹·ȧ)).
 * @example scipy.linalg.det([[1, 2], [3, 4]]) // Tensor(-2, dtype=float32)
 */
export const det: (a: ArrayLike) => Tensor = guard("scipy.linalg.det", [array("a")], (a0: ArrayLike) => {
  const a = fl(a0);
  squareCheck("scipy.linalg.det", "a", a);
  return detJ(a) as Tensor;
});

/**
 * The inverse of each a [..., n, n] (a solve against the identity; ±Inf or NaN if singular).
 * @example scipy.linalg.inv([[2, 0], [0, 4]]) // Tensor([[0.5, 0], [0, 0.25]], dtype=float32)
 */
export const inv: (a: ArrayLike) => Tensor = guard("scipy.linalg.inv", [array("a")], (a0: ArrayLike) => {
  const a = fl(a0);
  squareCheck("scipy.linalg.inv", "a", a);
  return genSolve(a, eyeOf(a.shape, a.dtype));
});

export interface SolveOpts {
  assumeA?: "gen" | "sym" | "her" | "pos";
  lower?: boolean;
}
/**
 * x with a·x = b for a [..., n, n]: by LU ("gen", "sym", "her"; b [n] a vector, else [..., n, k] with batch
 * dimensions broadcast, as jnp.linalg.solve) or by Cholesky of the `lower` (or upper, the default) triangle ("pos";
 * b a vector when a.ndim = b.ndim + 1). The derivative is JAX's custom_linear_solve one: ẋ = a⁻¹·(ḃ − ȧ·x).
 * @example scipy.linalg.solve([[3, 1], [1, 2]], [9, 8]) // Tensor([2, 3], dtype=float32)
 */
export const solve: (a: ArrayLike, b: ArrayLike, opts?: SolveOpts) => Tensor = guard(
  "scipy.linalg.solve",
  [
    array("a"),
    array("b"),
    options({ assumeA: choice("assumeA", ["gen", "sym", "her", "pos"] as const), lower: bool("lower") }),
  ],
  (a0: ArrayLike, b0: ArrayLike, o: SolveOpts) => {
    const name = "scipy.linalg.solve";
    const [a, b] = floats(name, [a0, b0]);
    const pos = o.assumeA === "pos";
    const s = solveOperands(name, a!, b!, pos ? a!.ndim === b!.ndim + 1 : b!.ndim === 1);
    const f = pos ? posSolvers[o.lower ? 1 : 0]! : genSolve;
    return s.unvec(f(s.a, s.b));
  },
);

/**
 * jax.scipy.linalg: solves (triangular, Cholesky, LU, general), factorizations (LU, QR, Cholesky, eigh, SVD), expm,
 * blockDiag, det and inv.
 */
export const linalg = {
  solveTriangular,
  choFactor,
  choSolve,
  luFactor,
  luSolve,
  lu,
  qr,
  cholesky,
  expm,
  blockDiag,
  eigh,
  svd,
  det,
  inv,
  solve,
};
