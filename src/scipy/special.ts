// scipy.special, as jax.scipy.special: error functions, gamma family, logs of products, logsumexp/softmax, the
// normal distribution's functions and the exponentially scaled Bessel functions, composed from primitives.
import { array, axes, bool } from "../core/params.js";
import { normalizeAxes } from "../core/shape.js";
import type { ArrayLike, AxisArg, Tensor } from "../core/tensor.js";
import { guard, options, orNull } from "../core/validate.js";
import { customJvp } from "../higher_order/custom_jvp.js";
import * as nn from "../nn/index.js";
import { asTensor, operands } from "../numpy/convert.js";
import { toFloat } from "../numpy/elementwise.js";
import * as lax from "../primitives/index.js";

/** A constant like `t`. */
export const c = (t: Tensor, v: number): Tensor => lax.fullLike(t, v);
/** `x` as a float tensor (integers and bool become float32). */
export const fl = (x: ArrayLike): Tensor => toFloat(asTensor(x));
/** The arguments broadcast to one shape and promoted to one float dtype. */
export const floats = (op: string, xs: readonly ArrayLike[]): Tensor[] => {
  const ts = operands(op, xs).map(toFloat);
  const d = ts.map((t) => t.dtype).includes("float64") ? "float64" : "float32";
  return ts.map((t) => (t.dtype === d ? t : lax.convertElementType(t, d)));
};
const sel = (cond: Tensor, a: Tensor, b: Tensor): Tensor => lax.select(cond, a, b);

const unaryFn = (name: string, f: (t: Tensor) => Tensor): ((x: ArrayLike) => Tensor) =>
  guard(name, [array("x")], (x: ArrayLike) => f(fl(x)));
const binaryFn = (
  name: string,
  a: string,
  b: string,
  f: (x: Tensor, y: Tensor) => Tensor,
): ((x: ArrayLike, y: ArrayLike) => Tensor) =>
  guard(name, [array(a), array(b)], (x: ArrayLike, y: ArrayLike) => {
    const [s, t] = floats(name, [x, y]);
    return f(s!, t!);
  });

// ───────────────────────────── error functions and the normal distribution ─────────────────────────────

/** erfc(x): 1 − erf(x) below ½, the regularized upper incomplete gamma Q(½, x²) above (accurate far right). */
export function erfcT(x: Tensor): Tensor {
  const small = lax.lt(x, c(x, 0.5));
  const xs = sel(small, x, c(x, 0));
  const xb = sel(small, c(x, 0.5), x);
  return sel(small, lax.sub(c(x, 1), lax.erf(xs)), lax.igammac(c(x, 0.5), lax.mul(xb, xb)));
}
/** Φ(x) = erfc(−x/√2)/2. */
export const ndtrT = (x: Tensor): Tensor => lax.mul(c(x, 0.5), erfcT(lax.mul(x, c(x, -Math.SQRT1_2))));

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** (−1)ⁿ(2n−1)!! for n = 1…12: the asymptotic series of log Φ in 1/x². */
const ASYM = Array.from({ length: 12 }, (_, i) => {
  let v = 1;
  for (let j = 1; j <= i + 1; j++) v *= 2 * j - 1;
  return (i % 2 === 0 ? -1 : 1) * v;
});
/** Σ coeffs[k]·zᵏ by Horner's rule. */
const horner = (z: Tensor, coeffs: readonly number[]): Tensor => {
  let acc = c(z, coeffs[coeffs.length - 1]!);
  for (let k = coeffs.length - 2; k >= 0; k--) acc = lax.add(lax.mul(acc, z), c(z, coeffs[k]!));
  return acc;
};
/**
 * log Φ(x): log1p(−Φ(−x)) for x > 0, log Φ(x) down to −20 (−10 in float32), and the asymptotic series
 * −x²/2 − log(−x) − log√(2π) + log(1 + Σ (−1)ⁿ(2n−1)!!/x²ⁿ) on the far left (as JAX, with more terms).
 */
export function logNdtrT(x: Tensor): Tensor {
  const lo = x.dtype === "float64" ? -20 : -10;
  const left = lax.lt(x, c(x, lo));
  const right = lax.gt(x, c(x, 0));
  const xm = lax.min(lax.max(x, c(x, lo)), c(x, 0));
  const xr = lax.max(x, c(x, 0));
  const xl = lax.min(x, c(x, lo));
  const mid = lax.log(ndtrT(xm));
  const r = lax.log1p(lax.neg(ndtrT(lax.neg(xr))));
  const z = lax.div(c(xl, 1), lax.mul(xl, xl));
  const series = lax.log1p(lax.mul(z, horner(z, ASYM)));
  const l = lax.sub(
    lax.sub(lax.mul(lax.mul(xl, xl), c(xl, -0.5)), lax.log(lax.neg(xl))),
    lax.sub(c(xl, LOG_SQRT_2PI), series),
  );
  return sel(left, l, sel(right, r, mid));
}

/** log φ(x), the standard normal log density. */
export const logPhi = (x: Tensor): Tensor => lax.sub(lax.mul(lax.mul(x, x), c(x, -0.5)), c(x, LOG_SQRT_2PI));

/**
 * Φ⁻¹(p): a start from erf⁻¹ (or the tail asymptotics below 1e-4) on min(p, 1 − p), three Newton steps on
 * log Φ(x) = log q, and the sign flipped above ½. The derivative is 1/φ(Φ⁻¹(p)) (a custom JVP).
 */
function ndtriRaw(p: Tensor): Tensor {
  const upper = lax.gt(p, c(p, 0.5));
  const q = sel(upper, lax.sub(c(p, 1), p), p);
  const tail = lax.lt(q, c(q, 1e-4));
  const qt = sel(tail, q, c(q, 1e-4));
  const qm = sel(tail, c(q, 0.25), q);
  const t = lax.mul(c(qt, -2), lax.log(qt));
  const x0t = lax.neg(lax.sqrt(lax.sub(t, lax.log(lax.mul(t, c(t, 2 * Math.PI))))));
  const x0m = lax.mul(c(qm, Math.SQRT2), lax.erfInv(lax.sub(lax.mul(qm, c(qm, 2)), c(qm, 1))));
  const ok = lax.gt(q, c(q, 0));
  const qs = sel(ok, q, c(q, 0.25));
  const logq = lax.log(qs);
  let x = sel(ok, sel(tail, x0t, x0m), c(q, -1));
  for (let i = 0; i < 3; i++) {
    const lc = logNdtrT(x);
    x = lax.sub(x, lax.mul(lax.sub(lc, logq), lax.exp(lax.sub(lc, logPhi(x)))));
  }
  // q = 0 is ∓∞; q < 0 (p outside [0, 1]) and NaN are NaN
  x = sel(ok, x, sel(lax.eq(q, c(q, 0)), c(q, Number.NEGATIVE_INFINITY), c(q, Number.NaN)));
  return sel(upper, lax.neg(x), x);
}
const ndtriJ = customJvp(function ndtri(p: Tensor): Tensor {
  return ndtriRaw(p);
});
ndtriJ.defjvp(([p]: Tensor[], [tp]: Tensor[]) => {
  const y = ndtriJ(p!) as Tensor;
  return [y, lax.mul(tp!, lax.exp(lax.neg(logPhi(y))))];
});
export const ndtriT = (p: Tensor): Tensor => ndtriJ(p) as Tensor;

/** The error function. @example scipy.special.erf(0.5) // Tensor(0.5204999, dtype=float32) */
export const erf = unaryFn("scipy.special.erf", lax.erf);
/**
 * 1 − erf(x), accurate where it is tiny (through the upper incomplete gamma function).
 * @example scipy.special.erfc(np.array(10, "float64")).item() // 2.088487583762545e-45
 */
export const erfc = unaryFn("scipy.special.erfc", erfcT);
/** The inverse error function. @example scipy.special.erfinv(0) // Tensor(0, dtype=float32) */
export const erfinv = unaryFn("scipy.special.erfinv", lax.erfInv);
/** The standard normal CDF Φ(x). @example scipy.special.ndtr(0) // Tensor(0.5, dtype=float32) */
export const ndtr = unaryFn("scipy.special.ndtr", ndtrT);
/**
 * The standard normal quantile Φ⁻¹(p); ±∞ at 1 and 0, NaN outside [0, 1].
 * @example scipy.special.ndtri(np.array(0.975, "float64")).item() // 1.959963984540054
 */
export const ndtri = unaryFn("scipy.special.ndtri", ndtriT);
/**
 * log Φ(x), accurate far into the left tail. @example scipy.special.logNdtr(-40) // Tensor(-804.6084, dtype=float32)
 */
export const logNdtr = unaryFn("scipy.special.logNdtr", logNdtrT);

// ───────────────────────────── logistic ─────────────────────────────

/** log(x / (1 − x)). @example scipy.special.logit(0.5) // Tensor(0, dtype=float32) */
export const logit = unaryFn("scipy.special.logit", (x) => lax.log(lax.div(x, lax.sub(c(x, 1), x))));
/** 1 / (1 + e⁻ˣ). @example scipy.special.expit(0) // Tensor(0.5, dtype=float32) */
export const expit = unaryFn("scipy.special.expit", lax.logistic);

// ───────────────────────────── gamma family ─────────────────────────────

/** log |Γ(x)|. @example scipy.special.gammaln(5) // Tensor(3.1780539, dtype=float32) */
export const gammaln = unaryFn("scipy.special.gammaln", lax.lgamma);
/** log |Γ(x)| (the same as gammaln). @example scipy.special.lgamma(5) // Tensor(3.1780539, dtype=float32) */
export const lgamma = unaryFn("scipy.special.lgamma", lax.lgamma);
/** ψ(x) = Γ′(x)/Γ(x). @example scipy.special.digamma(1) // Tensor(-0.5772157, dtype=float32) */
export const digamma = unaryFn("scipy.special.digamma", lax.digamma);
/** The regularized lower incomplete gamma P(a, x). @example scipy.special.gammainc(1, 1) // Tensor(0.6321206) */
export const gammainc = binaryFn("scipy.special.gammainc", "a", "x", lax.igamma);
/** The regularized upper incomplete gamma Q(a, x). @example scipy.special.gammaincc(1, 1) // Tensor(0.3678794) */
export const gammaincc = binaryFn("scipy.special.gammaincc", "a", "x", lax.igammac);
/**
 * I_x(a, b), the regularized incomplete beta function (NaN for a ≤ 0 or b ≤ 0; 0 for x ≤ 0, 1 for x ≥ 1), broadcast
 * and promoted; differentiable in x only, as JAX's.
 * @example scipy.special.betainc(2, 2, 0.5) // Tensor(0.5, dtype=float32)
 */
export const betainc: (a: ArrayLike, b: ArrayLike, x: ArrayLike) => Tensor = guard(
  "scipy.special.betainc",
  [array("a"), array("b"), array("x")],
  (a: ArrayLike, b: ArrayLike, x: ArrayLike) => {
    const [s, t, u] = floats("scipy.special.betainc", [a, b, x]);
    return lax.betainc(s!, t!, u!);
  },
);
/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export const betalnT = (a: Tensor, b: Tensor): Tensor =>
  lax.sub(lax.add(lax.lgamma(a), lax.lgamma(b)), lax.lgamma(lax.add(a, b)));
/** log |B(a, b)|. @example scipy.special.betaln(1, 1) // Tensor(0, dtype=float32) */
export const betaln = binaryFn("scipy.special.betaln", "a", "b", betalnT);

// ───────────────────────────── x·log y and entropy ─────────────────────────────

/** x·g(y), 0 where x = 0, with JAX's derivative tx·g(y) + ty·x·g′(y) (a custom JVP). */
function xlogFn(name: string, g: (y: Tensor) => Tensor, dg: (x: Tensor, y: Tensor) => Tensor) {
  const f = customJvp(
    {
      [name]: (x: Tensor, y: Tensor): Tensor => sel(lax.ne(x, c(x, 0)), lax.mul(x, g(y)), c(x, 0)),
    }[name]!,
  );
  f.defjvp(([x, y]: Tensor[], [tx, ty]: Tensor[]) => {
    const out = f(x!, y!) as Tensor;
    return [out, lax.add(lax.mul(tx!, g(y!)), lax.mul(ty!, dg(x!, y!)))];
  });
  return (x: Tensor, y: Tensor) => f(x, y) as Tensor;
}
export const xlogyT = xlogFn("xlogy", lax.log, (x, y) => lax.div(x, y));
export const xlog1pyT = xlogFn("xlog1py", lax.log1p, (x, y) => lax.div(x, lax.add(c(y, 1), y)));
/**
 * x·log(y), 0 where x = 0 (even at y = 0), with JAX's derivative.
 * @example scipy.special.xlogy(0, 0) // Tensor(0, dtype=float32)
 */
export const xlogy = binaryFn("scipy.special.xlogy", "x", "y", xlogyT);
/** x·log(1 + y), 0 where x = 0. @example scipy.special.xlog1py(0, -1) // Tensor(0, dtype=float32) */
export const xlog1py = binaryFn("scipy.special.xlog1py", "x", "y", xlog1pyT);

const xlogxJ = customJvp(function xlogx(x: Tensor): Tensor {
  return xlogyT(x, x);
});
xlogxJ.defjvp(([x]: Tensor[], [tx]: Tensor[]) => [xlogxJ(x!) as Tensor, lax.mul(tx!, lax.add(lax.log(x!), c(x!, 1)))]);
/**
 * −x·log x for x > 0, 0 at 0, −∞ for x < 0 (as JAX).
 * @example scipy.special.entr([0, 0.5, -1]) // Tensor([0, 0.3465736, -Infinity], dtype=float32)
 */
export const entr = unaryFn("scipy.special.entr", (x) =>
  sel(lax.lt(x, c(x, 0)), c(x, Number.NEGATIVE_INFINITY), lax.neg(xlogxJ(x) as Tensor)),
);

// ───────────────────────────── logsumexp and softmax ─────────────────────────────

/** Options of `logsumexp`: the axes (the positional form), weights `b`, `keepdims` and `returnSign`. */
export interface LogsumexpOpts {
  axis?: number | readonly number[] | null;
  b?: ArrayLike;
  keepdims?: boolean;
  returnSign?: boolean;
}
/**
 * log Σ b·eᵃ over `axis` (all axes by default), stable for large |a|, as jax.scipy.special.logsumexp; with
 * `returnSign` it returns `[log |Σ b·eᵃ|, sign]` (otherwise a negative sum gives NaN).
 * @example scipy.special.logsumexp([1000, 1000]) // Tensor(1000.6932, dtype=float32)
 */
export const logsumexp: (a: ArrayLike, axis?: AxisArg | LogsumexpOpts) => Tensor | [Tensor, Tensor] = guard(
  "scipy.special.logsumexp",
  [
    array("a"),
    options(
      { axis: orNull(axes()), b: array("b"), keepdims: bool("keepdims"), returnSign: bool("returnSign") },
      "axis",
    ),
  ],
  (a: ArrayLike, o: LogsumexpOpts) => {
    const [t, w] = o.b === undefined ? [fl(a)] : floats("scipy.special.logsumexp", [a, o.b]);
    const ax = normalizeAxes("scipy.special.logsumexp", o.axis ?? undefined, t!.ndim);
    const kept = t!.shape.map((s, i) => (ax.includes(i) ? 1 : s));
    const m0 = lax.reshape(lax.stopGradient(lax.reduceMax(t!, ax)), kept);
    const m = sel(lax.lt(lax.abs(m0), c(m0, Number.POSITIVE_INFINITY)), m0, c(m0, 0));
    const mb = lax.broadcastInDim(
      m,
      t!.shape,
      t!.shape.map((_, i) => i),
    );
    let e = lax.exp(lax.sub(t!, mb));
    if (w) e = lax.mul(e, w);
    const s = lax.reshape(lax.reduceSum(e, ax), kept);
    const sign = lax.sign(s);
    const mag = o.returnSign ? lax.abs(s) : s;
    const r0 = lax.add(lax.log(mag), m);
    const shapeOut = o.keepdims ? kept : t!.shape.filter((_, i) => !ax.includes(i));
    const r = lax.reshape(r0, shapeOut);
    return o.returnSign ? [r, lax.reshape(sign, shapeOut)] : r;
  },
);

export interface AxisOpts {
  axis?: number | readonly number[] | null;
}
const axisOption = options({ axis: orNull(axes()) }, "axis");
/** eˣ / Σ eˣ along `axis` (default −1). @example scipy.special.softmax([0, 0]) // Tensor([0.5, 0.5]) */
export const softmax: (x: ArrayLike, axis?: number | readonly number[] | null | AxisOpts) => Tensor = guard(
  "scipy.special.softmax",
  [array("x"), axisOption],
  (x: ArrayLike, o: AxisOpts) => nn.softmax(x, o),
);
/** x − logsumexp(x) along `axis` (default −1). @example scipy.special.logSoftmax([0, 0]) // Tensor([-0.6931472, …]) */
export const logSoftmax: (x: ArrayLike, axis?: number | readonly number[] | null | AxisOpts) => Tensor = guard(
  "scipy.special.logSoftmax",
  [array("x"), axisOption],
  (x: ArrayLike, o: AxisOpts) => nn.logSoftmax(x, o),
);

// ───────────────────────────── exponentially scaled Bessel functions ─────────────────────────────

/** Below this |x| the power series, above it the asymptotic expansion. */
const BESSEL_CUT = 20;
const factorial = (k: number) => {
  let v = 1;
  for (let j = 2; j <= k; j++) v *= j;
  return v;
};
/** I₀(x) = Σ yᵏ/(k!)², I₁(x) = (x/2)·Σ yᵏ/(k!(k+1)!), y = x²/4. */
const I0_SERIES = Array.from({ length: 50 }, (_, k) => 1 / (factorial(k) * factorial(k)));
const I1_SERIES = Array.from({ length: 50 }, (_, k) => 1 / (factorial(k) * factorial(k + 1)));
/** Iᵥ(x)·e⁻ˣ·√(2πx) ≈ Σ (−1)ᵏ Π_{j≤k}(4ν² − (2j−1)²) / (k!·8ᵏ·xᵏ). */
const asymptotic = (nu: number) => {
  const out = [1];
  for (let k = 1; k < 36; k++) out.push((-out[k - 1]! * (4 * nu * nu - (2 * k - 1) ** 2)) / (k * 8));
  return out;
};
const I0_ASYM = asymptotic(0);
const I1_ASYM = asymptotic(1);

/** e^−|x|·I₀(x): the series (|x| ≤ 20) and the asymptotic expansion (|x| > 20), each on a clamped input. */
function i0eT(x: Tensor): Tensor {
  const ax = lax.abs(x);
  const small = lax.le(ax, c(ax, BESSEL_CUT));
  const xs = lax.min(ax, c(ax, BESSEL_CUT));
  const y = lax.mul(lax.mul(xs, xs), c(xs, 0.25));
  const smallV = lax.mul(horner(y, I0_SERIES), lax.exp(lax.neg(xs)));
  const xb = lax.max(ax, c(ax, BESSEL_CUT));
  const bigV = lax.div(horner(lax.div(c(xb, 1), xb), I0_ASYM), lax.sqrt(lax.mul(xb, c(xb, 2 * Math.PI))));
  return sel(small, smallV, bigV);
}
/** e^−|x|·I₀(x). @example scipy.special.i0e(0) // Tensor(1, dtype=float32) */
export const i0e = unaryFn("scipy.special.i0e", i0eT);
/** e^−|x|·I₁(x). @example scipy.special.i1e(0) // Tensor(0, dtype=float32) */
export const i1e = unaryFn("scipy.special.i1e", (x) => {
  // I₁ is odd: the series on |x|, times sign(x); the sign's derivative is zero, and (x/2)·Σ carries the slope at 0
  const ax = lax.abs(x);
  const small = lax.le(ax, c(ax, BESSEL_CUT));
  const xs = sel(small, x, c(x, 0));
  const y = lax.mul(lax.mul(xs, xs), c(xs, 0.25));
  const smallV = lax.mul(lax.mul(horner(y, I1_SERIES), lax.mul(xs, c(xs, 0.5))), lax.exp(lax.neg(lax.abs(xs))));
  const xb = lax.max(ax, c(ax, BESSEL_CUT));
  const bigV = lax.div(horner(lax.div(c(xb, 1), xb), I1_ASYM), lax.sqrt(lax.mul(xb, c(xb, 2 * Math.PI))));
  return sel(small, smallV, lax.mul(bigV, lax.sign(x)));
});

/** jax.scipy.special, by name. */
export const special = {
  erf,
  erfc,
  erfinv,
  logit,
  expit,
  gammaln,
  lgamma,
  digamma,
  gammainc,
  gammaincc,
  betainc,
  betaln,
  xlogy,
  xlog1py,
  entr,
  logsumexp,
  softmax,
  logSoftmax,
  ndtr,
  ndtri,
  logNdtr,
  i0e,
  i1e,
};
