// scipy.stats, as jax.scipy.stats: log densities, densities and CDFs of the common distributions, with JAX's argument
// order and defaults (loc = 0, scale = 1), broadcasting every argument.
import { ShapeError } from "../core/errors.js";
import { array } from "../core/params.js";
import { broadcastShapes } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, optional, type Param } from "../core/validate.js";
import { broadcastTo, promoted } from "../numpy/convert.js";
import { toFloat } from "../numpy/elementwise.js";
import * as lax from "../primitives/index.js";
import { betalnT, c, floats, logNdtrT, ndtrT, xlog1pyT, xlogyT } from "./special.js";

export type Fn = (...args: ArrayLike[]) => Tensor;
const sel = (cond: Tensor, a: Tensor, b: Tensor): Tensor => lax.select(cond, a, b);
const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * A public function `name(x, ...params)`: each parameter is [name] (required) or [name, default]; the arguments are
 * broadcast and promoted to one float dtype before `f` sees them.
 */
function dist(
  name: string,
  first: string,
  params: readonly (readonly [string, number?])[],
  f: (...ts: Tensor[]) => Tensor,
) {
  const slots: Param[] = [
    array(first),
    ...params.map(([n, d]) => (d === undefined ? array(n) : (optional(array(n), d) as Param))),
  ];
  return guard(name, slots, (...args: ArrayLike[]) => f(...floats(name, args))) as Fn;
}
/** The standardized argument (x − loc)/scale. */
const std = (x: Tensor, loc: Tensor, scale: Tensor): Tensor => lax.div(lax.sub(x, loc), scale);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** logpdf, pdf, cdf and logcdf of a location-scale family from the standardized log density, CDF and log CDF. */
function locScale(
  name: string,
  logpdf: (z: Tensor) => Tensor,
  cdf: (z: Tensor) => Tensor,
  logcdf: (z: Tensor) => Tensor,
  extra: Record<string, Fn> = {},
) {
  const ps = [
    ["loc", 0],
    ["scale", 1],
  ] as const;
  const lp = dist(`scipy.stats.${name}.logpdf`, "x", ps, (x, l, s) => lax.sub(logpdf(std(x, l!, s!)), lax.log(s!)));
  return {
    logpdf: lp,
    pdf: dist(`scipy.stats.${name}.pdf`, "x", ps, (x, l, s) => lax.exp(lax.sub(logpdf(std(x, l!, s!)), lax.log(s!)))),
    cdf: dist(`scipy.stats.${name}.cdf`, "x", ps, (x, l, s) => cdf(std(x, l!, s!))),
    logcdf: dist(`scipy.stats.${name}.logcdf`, "x", ps, (x, l, s) => logcdf(std(x, l!, s!))),
    ...extra,
  };
}

/**
 * The normal distribution N(loc, scale²): `logpdf(x, loc = 0, scale = 1)`, `pdf`, `cdf`, `logcdf` (accurate in the far
 * left tail).
 * @example scipy.stats.norm.logpdf(0) // Tensor(-0.9189385, dtype=float32)
 */
export const norm = locScale(
  "norm",
  (z) => lax.sub(lax.mul(lax.mul(z, z), c(z, -0.5)), c(z, LOG_SQRT_2PI)),
  ndtrT,
  logNdtrT,
);

/** log(1 + e^−|z|)·2 + |z|: minus the standard logistic log density. */
const logisticNeg = (z: Tensor): Tensor => {
  const a = lax.abs(z);
  return lax.add(a, lax.mul(c(z, 2), lax.log1p(lax.exp(lax.neg(a)))));
};
/** log σ(z) = −softplus(−z), stable both ways. */
const logSigmoid = (z: Tensor): Tensor => lax.sub(lax.min(z, c(z, 0)), lax.log1p(lax.exp(lax.neg(lax.abs(z)))));
/**
 * The logistic distribution: `logpdf(x, loc = 0, scale = 1)`, `pdf`, `cdf` (the sigmoid), `logcdf`.
 * @example scipy.stats.logistic.cdf(0) // Tensor(0.5, dtype=float32)
 */
export const logistic = locScale("logistic", (z) => lax.neg(logisticNeg(z)), lax.logistic, logSigmoid);

/**
 * The Laplace distribution: `logpdf(x, loc = 0, scale = 1)` = −|z| − log 2·scale, `pdf`, `cdf`, `logcdf`.
 * @example scipy.stats.laplace.logpdf(0) // Tensor(-0.6931472, dtype=float32)
 */
export const laplace = locScale(
  "laplace",
  (z) => lax.sub(lax.neg(lax.abs(z)), c(z, Math.LN2)),
  (z) => {
    const half = lax.mul(c(z, 0.5), lax.exp(lax.neg(lax.abs(z))));
    return sel(lax.lt(z, c(z, 0)), half, lax.sub(c(z, 1), half));
  },
  (z) => {
    const neg = lax.lt(z, c(z, 0));
    const zl = sel(neg, z, c(z, 0));
    const zr = sel(neg, c(z, 0), z);
    return sel(neg, lax.sub(zl, c(z, Math.LN2)), lax.log1p(lax.mul(c(z, -0.5), lax.exp(lax.neg(zr)))));
  },
);

/**
 * The Cauchy distribution: `logpdf(x, loc = 0, scale = 1)` = −log π − log scale − log1p(z²), `pdf`, `cdf`
 * (atan2(1, −z)/π, accurate in both tails), `logcdf`.
 * @example scipy.stats.cauchy.cdf(1) // Tensor(0.75, dtype=float32)
 */
export const cauchy = locScale(
  "cauchy",
  (z) => lax.neg(lax.add(lax.log1p(lax.mul(z, z)), c(z, Math.log(Math.PI)))),
  (z) => lax.div(lax.atan2(c(z, 1), lax.neg(z)), c(z, Math.PI)),
  (z) => lax.log(lax.div(lax.atan2(c(z, 1), lax.neg(z)), c(z, Math.PI))),
);

/** Whether x lies outside [loc, loc + scale]. */
const outside = (x: Tensor, loc: Tensor, scale: Tensor): Tensor =>
  lax.or(lax.lt(x, loc), lax.gt(x, lax.add(loc, scale)));

const uniformCdf = (x: Tensor, l: Tensor, s: Tensor) => lax.min(lax.max(std(x, l, s), c(x, 0)), c(x, 1));
const uniformPs = [
  ["loc", 0],
  ["scale", 1],
] as const;
/**
 * The uniform distribution on [loc, loc + scale]: `logpdf(x, loc = 0, scale = 1)`, `pdf`, `cdf`, `logcdf`.
 * @example scipy.stats.uniform.pdf([0.5, 2]) // Tensor([1, 0], dtype=float32)
 */
export const uniform = {
  logpdf: dist("scipy.stats.uniform.logpdf", "x", uniformPs, (x, l, s) =>
    sel(outside(x, l!, s!), c(x, NEG_INF), lax.neg(lax.log(s!))),
  ),
  pdf: dist("scipy.stats.uniform.pdf", "x", uniformPs, (x, l, s) =>
    sel(outside(x, l!, s!), c(x, 0), lax.div(c(x, 1), s!)),
  ),
  cdf: dist("scipy.stats.uniform.cdf", "x", uniformPs, uniformCdf),
  logcdf: dist("scipy.stats.uniform.logcdf", "x", uniformPs, (x, l, s) => lax.log(uniformCdf(x, l!, s!))),
};

const betaLogpdf = (x: Tensor, a: Tensor, b: Tensor, loc: Tensor, scale: Tensor): Tensor => {
  const y = std(x, loc, scale);
  const lin = lax.add(xlogyT(lax.sub(a, c(a, 1)), y), xlog1pyT(lax.sub(b, c(b, 1)), lax.neg(y)));
  const lp = lax.sub(lax.sub(lin, betalnT(a, b)), lax.log(scale));
  return sel(outside(x, loc, scale), c(x, NEG_INF), lp);
};
const betaPs = [["a"], ["b"], ["loc", 0], ["scale", 1]] as const;
/**
 * I_y(a, b) at y = (x − loc)/scale: 0 below 0 and 1 above 1 (NaN where a or b is invalid, as betainc); the incomplete
 * beta is evaluated only inside (0, 1), so no infinite density leaks into the derivative from outside.
 */
const betaCdf = (x: Tensor, a: Tensor, b: Tensor, loc: Tensor, scale: Tensor): Tensor => {
  const y = std(x, loc, scale);
  const inside = lax.and(lax.gt(y, c(y, 0)), lax.lt(y, c(y, 1)));
  const r = lax.betainc(a, b, sel(inside, y, c(y, 0.5)));
  const zero = lax.sub(r, r); // 0, or NaN for invalid a or b
  return sel(inside, r, sel(lax.le(y, c(y, 0)), zero, sel(lax.ge(y, c(y, 1)), lax.add(zero, c(y, 1)), y)));
};
/**
 * The beta distribution: `logpdf(x, a, b, loc = 0, scale = 1)`, `pdf`, `cdf` (the regularized incomplete beta
 * I_{(x − loc)/scale}(a, b), differentiable in x only, as JAX's betainc), `logcdf`.
 * @example scipy.stats.beta.pdf(0.5, 2, 2) // Tensor(1.5, dtype=float32)
 */
export const beta = {
  logpdf: dist("scipy.stats.beta.logpdf", "x", betaPs, (x, a, b, l, s) => betaLogpdf(x, a!, b!, l!, s!)),
  pdf: dist("scipy.stats.beta.pdf", "x", betaPs, (x, a, b, l, s) => lax.exp(betaLogpdf(x, a!, b!, l!, s!))),
  cdf: dist("scipy.stats.beta.cdf", "x", betaPs, (x, a, b, l, s) => betaCdf(x, a!, b!, l!, s!)),
  logcdf: dist("scipy.stats.beta.logcdf", "x", betaPs, (x, a, b, l, s) => lax.log(betaCdf(x, a!, b!, l!, s!))),
};

const gammaLogpdf = (x: Tensor, a: Tensor, loc: Tensor, scale: Tensor): Tensor => {
  const y = std(x, loc, scale);
  const lin = lax.sub(xlogyT(lax.sub(a, c(a, 1)), y), y);
  const lp = lax.sub(lax.sub(lin, lax.lgamma(a)), lax.log(scale));
  return sel(lax.lt(x, loc), c(x, NEG_INF), lp);
};
const gammaCdf = (x: Tensor, a: Tensor, loc: Tensor, scale: Tensor): Tensor =>
  lax.igamma(a, lax.max(std(x, loc, scale), c(x, 0)));
const gammaPs = [["a"], ["loc", 0], ["scale", 1]] as const;
/**
 * The gamma distribution with shape `a`: `logpdf(x, a, loc = 0, scale = 1)`, `pdf`, `cdf` (P(a, (x − loc)/scale)),
 * `logcdf`.
 * @example scipy.stats.gamma.cdf(1, 1) // Tensor(0.6321206, dtype=float32)
 */
export const gamma = {
  logpdf: dist("scipy.stats.gamma.logpdf", "x", gammaPs, (x, a, l, s) => gammaLogpdf(x, a!, l!, s!)),
  pdf: dist("scipy.stats.gamma.pdf", "x", gammaPs, (x, a, l, s) => lax.exp(gammaLogpdf(x, a!, l!, s!))),
  cdf: dist("scipy.stats.gamma.cdf", "x", gammaPs, (x, a, l, s) => gammaCdf(x, a!, l!, s!)),
  logcdf: dist("scipy.stats.gamma.logcdf", "x", gammaPs, (x, a, l, s) => lax.log(gammaCdf(x, a!, l!, s!))),
};

/** Student's t log density with `df` degrees of freedom. */
const tLogpdf = (x: Tensor, df: Tensor, loc: Tensor, scale: Tensor): Tensor => {
  const z = std(x, loc, scale);
  const half = lax.mul(df, c(df, 0.5));
  const norm0 = lax.add(
    lax.add(lax.mul(c(df, 0.5), lax.log(lax.mul(df, c(df, Math.PI)))), lax.log(scale)),
    lax.sub(lax.lgamma(half), lax.lgamma(lax.add(half, c(df, 0.5)))),
  );
  const quad = lax.mul(lax.add(half, c(df, 0.5)), lax.log1p(lax.div(lax.mul(z, z), df)));
  return lax.neg(lax.add(norm0, quad));
};
/**
 * Student's t CDF at z = (x − loc)/scale. In the tails (z² > df) the tail mass ½·I_w(df/2, ½), w = df/(df + z²), so
 * far-left values keep their relative accuracy; in the centre ½ + ½·sign(z)·I_{z²/(df + z²)}(½, df/2), with
 * ½ + z·pdf(0) for |z| < 1e-8 (exact there to rounding), so the derivative in x is finite everywhere (each incomplete
 * beta sees only arguments away from its singular end points).
 */
const tCdf = (x: Tensor, df: Tensor, loc: Tensor, scale: Tensor): Tensor => {
  const z = std(x, loc, scale);
  const z2 = lax.mul(z, z);
  const half = lax.mul(df, c(df, 0.5));
  const tail = lax.gt(z2, df);
  const w = sel(tail, lax.div(df, lax.add(df, z2)), c(z, 0.25));
  const mass = lax.mul(c(z, 0.5), lax.betainc(half, c(df, 0.5), w));
  const tailCdf = sel(lax.lt(z, c(z, 0)), mass, lax.sub(c(z, 1), mass));
  const tiny = lax.lt(lax.abs(z), c(z, 1e-8));
  const zc = sel(lax.or(tail, tiny), c(z, 1), z);
  const zc2 = lax.mul(zc, zc);
  const centre = lax.betainc(c(df, 0.5), half, lax.div(zc2, lax.add(df, zc2)));
  const centreCdf = lax.add(c(z, 0.5), lax.mul(lax.mul(c(z, 0.5), lax.sign(zc)), centre));
  const pdf0 = lax.exp(
    lax.sub(
      lax.sub(lax.lgamma(lax.add(half, c(df, 0.5))), lax.lgamma(half)),
      lax.mul(c(df, 0.5), lax.log(lax.mul(df, c(df, Math.PI)))),
    ),
  );
  const linear = lax.add(c(z, 0.5), lax.mul(z, pdf0));
  return sel(tail, tailCdf, sel(tiny, linear, centreCdf));
};
const tPs = [["df"], ["loc", 0], ["scale", 1]] as const;
/**
 * Student's t distribution: `logpdf(x, df, loc = 0, scale = 1)`, `pdf`, `cdf` (from the regularized incomplete beta,
 * differentiable in x only, as JAX's betainc), `logcdf`.
 * @example scipy.stats.t.pdf(0, 1) // Tensor(0.3183099, dtype=float32)
 */
export const t = {
  logpdf: dist("scipy.stats.t.logpdf", "x", tPs, (x, df, l, s) => tLogpdf(x, df!, l!, s!)),
  pdf: dist("scipy.stats.t.pdf", "x", tPs, (x, df, l, s) => lax.exp(tLogpdf(x, df!, l!, s!))),
  cdf: dist("scipy.stats.t.cdf", "x", tPs, (x, df, l, s) => tCdf(x, df!, l!, s!)),
  logcdf: dist("scipy.stats.t.logcdf", "x", tPs, (x, df, l, s) => lax.log(tCdf(x, df!, l!, s!))),
};

const notInteger = (k: Tensor): Tensor => lax.ne(lax.round(k, 0), k);
const poissonLogpmf = (k0: Tensor, mu: Tensor, loc: Tensor): Tensor => {
  const k = lax.sub(k0, loc);
  const lp = lax.sub(lax.sub(xlogyT(k, mu), lax.lgamma(lax.add(k, c(k, 1)))), mu);
  return sel(lax.or(lax.lt(k, c(k, 0)), notInteger(k)), c(k, NEG_INF), lp);
};
const poissonPs = [["mu"], ["loc", 0]] as const;
/**
 * The Poisson distribution with mean `mu`: `logpmf(k, mu, loc = 0)`, `pmf`, `cdf` (Q(⌊k − loc⌋ + 1, mu)).
 * @example scipy.stats.poisson.pmf(0, 1) // Tensor(0.36787945, dtype=float32)
 */
export const poisson = {
  logpmf: dist("scipy.stats.poisson.logpmf", "k", poissonPs, (k, mu, l) => poissonLogpmf(k, mu!, l!)),
  pmf: dist("scipy.stats.poisson.pmf", "k", poissonPs, (k, mu, l) => lax.exp(poissonLogpmf(k, mu!, l!))),
  cdf: dist("scipy.stats.poisson.cdf", "k", poissonPs, (k0, mu, l) => {
    const k = lax.floor(lax.sub(k0, l!));
    const neg = lax.lt(k, c(k, 0));
    const q = lax.igammac(lax.add(sel(neg, c(k, 0), k), c(k, 1)), mu!);
    return sel(neg, c(k, 0), q);
  }),
};

const bernoulliLogpmf = (k0: Tensor, p: Tensor, loc: Tensor): Tensor => {
  const k = lax.sub(k0, loc);
  const lp = lax.add(xlogyT(k, p), xlog1pyT(lax.sub(c(k, 1), k), lax.neg(p)));
  return sel(lax.or(lax.lt(k, c(k, 0)), lax.gt(k, c(k, 1))), c(k, NEG_INF), lp);
};
const bernoulliPs = [["p"], ["loc", 0]] as const;
/**
 * The Bernoulli distribution: `logpmf(k, p, loc = 0)`, `pmf`, `cdf`.
 * @example scipy.stats.bernoulli.pmf([0, 1], 0.25) // Tensor([0.75, 0.25], dtype=float32)
 */
export const bernoulli = {
  logpmf: dist("scipy.stats.bernoulli.logpmf", "k", bernoulliPs, (k, p, l) => bernoulliLogpmf(k, p!, l!)),
  pmf: dist("scipy.stats.bernoulli.pmf", "k", bernoulliPs, (k, p, l) => lax.exp(bernoulliLogpmf(k, p!, l!))),
  cdf: dist("scipy.stats.bernoulli.cdf", "k", bernoulliPs, (k0, p, l) => {
    const k = lax.sub(k0, l!);
    return sel(lax.lt(k, c(k, 0)), c(k, 0), sel(lax.lt(k, c(k, 1)), lax.sub(c(k, 1), p!), c(k, 1)));
  }),
};

/** The diagonal of each matrix of a batch [..., n, n], as [..., n]. */
function diagonal(x: Tensor): Tensor {
  const nd = x.ndim;
  const eye = lax.eq(lax.iota("int32", x.shape, nd - 2), lax.iota("int32", x.shape, nd - 1));
  return lax.reduceSum(lax.select(eye, x, lax.zerosLike(x)), [nd - 1]);
}
const MVN = "scipy.stats.multivariateNormal.logpdf";
function mvnLogpdf(op: string, x0: ArrayLike, mean0: ArrayLike, cov0: ArrayLike): Tensor {
  const [x, mean, cov] = promoted([x0, mean0, cov0], op).map(toFloat) as [Tensor, Tensor, Tensor];
  const shape = broadcastShapes(op, x.shape, mean.shape);
  return mvnOf(op, broadcastTo(x, shape), broadcastTo(mean, shape), cov, mean.ndim === 0);
}
function mvnOf(op: string, x: Tensor, mean: Tensor, cov: Tensor, univariate: boolean): Tensor {
  const dlt = lax.sub(x, mean);
  if (univariate) {
    // univariate: cov is the variance
    const v = broadcastTo(cov, dlt.shape);
    return lax.neg(
      lax.add(
        lax.div(lax.mul(c(v, 0.5), lax.mul(dlt, dlt)), v),
        lax.mul(c(v, 0.5), lax.log(lax.mul(v, c(v, 2 * Math.PI)))),
      ),
    );
  }
  const n = dlt.shape[dlt.ndim - 1]!;
  if (cov.ndim < 2 || cov.shape[cov.ndim - 1] !== n || cov.shape[cov.ndim - 2] !== n)
    throw new ShapeError(
      `${op}: cov must have shape [..., ${n}, ${n}] for x − mean of shape [${dlt.shape}], got [${cov.shape}]`,
    );
  const L = lax.cholesky(cov);
  const batch = broadcastShapes(op, dlt.shape.slice(0, -1), cov.shape.slice(0, -2));
  const Lb = broadcastTo(L, [...batch, n, n]);
  const db = lax.reshape(broadcastTo(dlt, [...batch, n]), [...batch, n, 1]);
  const y = lax.triangularSolve(Lb, db, {
    left_side: true,
    lower: true,
    transpose_a: false,
    conjugate_a: false,
    unit_diagonal: false,
  });
  const nb = batch.length;
  const quad = lax.reduceSum(lax.mul(y, y), [nb, nb + 1]);
  const logdet = broadcastTo(lax.reduceSum(lax.log(diagonal(L)), [L.ndim - 2]), batch);
  return lax.neg(lax.add(lax.add(lax.mul(c(quad, 0.5), quad), logdet), c(quad, n * LOG_SQRT_2PI)));
}
/**
 * The multivariate normal: `logpdf(x, mean, cov)` with x, mean [..., n] and cov [..., n, n] positive definite (a
 * Cholesky factor and a triangular solve; a 0-d mean is the univariate case with cov the variance), and `pdf`.
 * @example scipy.stats.multivariateNormal.logpdf([0, 0], [0, 0], [[1, 0], [0, 1]]) // Tensor(-1.837877, dtype=float32)
 */
export const multivariateNormal = {
  logpdf: guard(MVN, [array("x"), array("mean"), array("cov")], (x: ArrayLike, m: ArrayLike, s: ArrayLike) =>
    mvnLogpdf(MVN, x, m, s),
  ) as (x: ArrayLike, mean: ArrayLike, cov: ArrayLike) => Tensor,
  pdf: guard(
    "scipy.stats.multivariateNormal.pdf",
    [array("x"), array("mean"), array("cov")],
    (x: ArrayLike, m: ArrayLike, s: ArrayLike) => lax.exp(mvnLogpdf("scipy.stats.multivariateNormal.pdf", x, m, s)),
  ) as (x: ArrayLike, mean: ArrayLike, cov: ArrayLike) => Tensor,
};

/** jax.scipy.stats, by name. */
export const stats = {
  norm,
  multivariateNormal,
  beta,
  gamma,
  poisson,
  bernoulli,
  uniform,
  laplace,
  t,
  cauchy,
  logistic,
};
