// Samplers built on lax.linalg, as JAX's: multivariate normal draws (normal draws times a factor of the covariance,
// plus the mean), uniform orthogonal matrices (QR of a normal matrix, signs fixed by R's diagonal) and uniform draws
// from the unit Lp ball (generalized-normal draws over their p-norm, with an exponential draw added, as JAX's ball).
import type { DType } from "../core/dtype.js";
import { isFloat, promote } from "../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array, choice, count, dtype, number, shape } from "../core/params.js";
import { broadcastShapes, shapeEq } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, optional, options } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as p from "../primitives/index.js";
import { gamma } from "./gamma.js";
import { rademacher, splitTwo } from "./integers.js";
import { keyParam } from "./key.js";
import { exponential, floatDType, normalDraw } from "./uniform.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** A float tensor of `x` (integers and bool become float32, as JAX's promote_dtypes_inexact). */
const inexact = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return isFloat(t.dtype) ? t : p.convertElementType(t, "float32");
};
const as = (t: Tensor, d: DType): Tensor => (t.dtype === d ? t : p.convertElementType(t, d));

/** The diagonal of each matrix of a batch [..., k, k], as [..., k]. */
function diagonal(x: Tensor): Tensor {
  const nd = x.ndim;
  const eye = p.eq(p.iota("int32", x.shape, nd - 2), p.iota("int32", x.shape, nd - 1));
  return p.reduceSum(p.select(eye, x, p.zerosLike(x)), [nd - 1]);
}

/** The multivariate normal's methods: how the covariance is factored. */
export type MvnMethod = "cholesky" | "eigh" | "svd";
const METHODS: readonly MvnMethod[] = ["cholesky", "eigh", "svd"];
/** The methods this build can factor with (no SVD in lax.linalg yet). */
const AVAILABLE: readonly MvnMethod[] = ["cholesky", "eigh"];

export interface MvnOpts {
  dtype?: DType;
  method?: MvnMethod;
}

/** F with F·Fᵀ = cov for each matrix of the batch. */
function factorOf(fn: string, cov: Tensor, method: MvnMethod): Tensor {
  if (!AVAILABLE.includes(method))
    throw new TracegradError(
      `${fn}: method "${method}" is not available (lax.linalg has no SVD yet); the available methods are ` +
        `${AVAILABLE.map((m) => `"${m}"`).join(" and ")} ("eigh" also handles singular covariances)`,
    );
  if (method === "cholesky") return p.cholesky(cov);
  // V·diag(√w): eigenvectors scaled by the square roots of their eigenvalues
  const [v, w] = p.eigh(cov);
  const nd = cov.ndim;
  return p.mul(v, p.broadcastInDim(p.sqrt(w), v.shape, [...range(nd - 2), nd - 1]));
}

/**
 * Multivariate normal samples with mean `mean` [..., n] and covariance `cov` [..., n, n] (positive definite; with
 * method "eigh", positive semi-definite), as JAX: standard normal draws of shape `[...shape, n]` times the
 * covariance's factor (Cholesky by default), plus the mean. `shape` (the batch shape) defaults to the broadcast of
 * mean's and cov's batch shapes; the dtype defaults to theirs. Differentiable in `mean` and `cov`.
 * @example random.multivariateNormal(random.key(0), [0, 0], [[1, 0.5], [0.5, 1]], [1000]).shape // [1000, 2]
 */
export const multivariateNormal: (
  key: Tensor,
  mean: ArrayLike,
  cov: ArrayLike,
  shape?: readonly number[] | null,
  opts?: MvnOpts | DType,
) => Tensor = guard(
  "random.multivariateNormal",
  [
    keyParam(),
    array("mean"),
    array("cov"),
    optional(nullable(shape())),
    options({ dtype: dtype(), method: choice("method", METHODS) }, "dtype"),
  ],
  (k: Tensor, mean0: ArrayLike, cov0: ArrayLike, s0: number[] | null | undefined, o: MvnOpts) => {
    const fn = "random.multivariateNormal";
    let [mean, cov] = [inexact(mean0), inexact(cov0)];
    const pd = promote(mean.dtype, cov.dtype);
    [mean, cov] = [as(mean, pd), as(cov, pd)];
    const d = o.dtype === undefined ? pd : floatDType(fn, o.dtype);
    if (mean.ndim < 1)
      throw new ShapeError(`${fn}: mean must have at least one axis [..., n], got shape ${fmtShape(mean.shape)}`);
    const n = mean.shape[mean.ndim - 1]!;
    if (cov.ndim < 2 || cov.shape[cov.ndim - 1] !== n || cov.shape[cov.ndim - 2] !== n)
      throw new ShapeError(
        `${fn}: cov must have shape [..., n, n] with n = ${n} (mean's last axis, mean ${fmtShape(mean.shape)}), got ` +
          fmtShape(cov.shape),
      );
    const [mb, cb] = [mean.shape.slice(0, -1), cov.shape.slice(0, -2)];
    let batch: number[];
    if (s0 === null || s0 === undefined) batch = broadcastShapes(fn, mb, cb);
    else {
      const b = broadcastShapes(fn, s0, mb, cb);
      if (!shapeEq(b, s0))
        throw new ShapeError(
          `${fn}: the batch shapes of mean ${fmtShape(mb)} and cov ${fmtShape(cb)} must broadcast to the shape ` +
            `argument ${fmtShape(s0)}, but broadcast to ${fmtShape(b)}`,
        );
      batch = s0;
    }
    const out = promote(pd, d);
    const factor = as(factorOf(fn, cov, o.method ?? "cholesky"), out);
    const z = as(normalDraw(k, [...batch, n], d), out);
    const nb = batch.length;
    // Σ_j factor[..., i, j]·z[..., j]: one product with the factor when it has no batch axes, else batched
    const fz =
      cb.length === 0
        ? p.dotGeneral(z, factor, [
            [[nb], [1]],
            [[], []],
          ])
        : p.dotGeneral(
            p.broadcastInDim(
              factor,
              [...batch, n, n],
              range(cov.ndim).map((i) => i + nb - cb.length),
            ),
            z,
            [
              [[nb + 1], [nb]],
              [range(nb), range(nb)],
            ],
          );
    const m = p.broadcastInDim(
      as(mean, out),
      [...batch, n],
      range(mean.ndim).map((i) => i + nb + 1 - mean.ndim),
    );
    return p.add(m, fz);
  },
);

export interface OrthogonalOpts {
  dtype?: DType;
  m?: number;
}

/**
 * Matrices drawn uniformly from the orthogonal group O(n) (Haar measure), of shape `[...shape, n, m]` (m defaults to
 * n; with m ≠ n, orthonormal rows or columns, whichever are fewer), as JAX: QR of a standard normal matrix, each column
 * of Q multiplied by the sign of R's diagonal entry.
 * @example const q = random.orthogonal(random.key(0), 3); np.matmul(q.transpose(), q) // ≈ eye(3)
 */
export const orthogonal: (key: Tensor, n: number, shape?: readonly number[], opts?: OrthogonalOpts | DType) => Tensor =
  guard(
    "random.orthogonal",
    [keyParam(), count("n"), optional(shape(), []), options({ dtype: dtype(), m: count("m") }, "dtype")],
    (k: Tensor, n: number, s: number[], o: OrthogonalOpts) => {
      const d = floatDType("random.orthogonal", o.dtype);
      const m = o.m ?? n;
      const z = normalDraw(k, [...s, Math.max(n, m), Math.min(n, m)], d);
      const [q, r] = p.qr(z, false);
      const nd = q.ndim;
      const signs = p.broadcastInDim(p.sign(diagonal(r)), q.shape, [...range(nd - 2), nd - 1]);
      const x = p.mul(q, signs);
      return n < m ? p.transpose(x, [...range(nd - 2), nd - 1, nd - 2]) : x;
    },
  );

/** Generalized normal draws (density ∝ exp(−|x|^p)), JAX's: a Rademacher sign times Gamma(1/p)^(1/p). */
function generalizedNormal(key: Tensor, pw: number, s: readonly number[], d: DType): Tensor {
  const [k1, k2] = splitTwo(key);
  const g = gamma(k1, 1 / pw, [...s], d);
  const r = rademacher(k2, [...s], d);
  return p.mul(r, p.pow(g, p.full(s, 1 / pw, d)));
}

/**
 * Points drawn uniformly from the unit Lp ball in `d` dimensions, of shape `[...shape, d]`, as JAX's ball: generalized
 * normal draws g divided by (Σ|g|^p + e)^(1/p) with e an exponential draw (Barthe et al. 2005). `p` is a JS number > 0.
 * @example random.ball(random.key(0), 3, 2, [100]).shape // [100, 3]
 */
export const ball: (
  key: Tensor,
  d: number,
  p?: number,
  shape?: readonly number[],
  opts?: { dtype?: DType } | DType,
) => Tensor = guard(
  "random.ball",
  [keyParam(), count("d"), optional(number("p", true), 2), optional(shape(), []), options({ dtype: dtype() }, "dtype")],
  (k: Tensor, dim: number, pw: number, s: number[], o: { dtype?: DType }) => {
    const fn = "random.ball";
    if (!(pw > 0)) throw new TracegradError(`${fn}: p must be a finite number > 0, got ${pw}`);
    const dt = floatDType(fn, o.dtype);
    const [k1, k2] = splitTwo(k);
    const full = [...s, dim];
    const g = generalizedNormal(k1, pw, full, dt);
    const e = exponential(k2, s, dt);
    const absG = p.abs(g);
    const powered = pw === 2 ? p.mul(absG, absG) : p.pow(absG, p.full(full, pw, dt));
    const norm = p.pow(p.add(p.reduceSum(powered, [s.length]), e), p.full(s, 1 / pw, dt));
    return p.div(g, p.broadcastInDim(norm, full, range(s.length)));
  },
);
