// Uniform floats from random words by JAX's mantissa trick, and the samplers that transform one uniform draw per
// element (normal through erfInv, truncated normal, bernoulli, gumbel, exponential, laplace, logistic, cauchy), each
// with JAX's constants and operation order so the floats agree with JAX's to an ulp or two.
import { type DType, isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError } from "../core/errors.js";
import { array, dtype, shape } from "../core/params.js";
import { broadcastShapes, shapeEq } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, optional, options } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import * as p from "../primitives/index.js";
import { counterBlocks, keyParam } from "./key.js";

/** The float dtype a sampler draws in: float32 unless asked; anything else is a DTypeError. */
export function floatDType(fn: string, d: DType | undefined): DType {
  if (d === undefined) return "float32";
  if (!isFloat(d)) throw new DTypeError(`${fn}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/** finfo constants of the float dtypes (tiny: the smallest normal; eps: the step above 1; epsneg: below 1). */
export const FINFO = {
  float32: { tiny: 2 ** -126, eps: 2 ** -23, epsneg: 2 ** -24 },
  float64: { tiny: 2 ** -1022, eps: 2 ** -52, epsneg: 2 ** -53 },
} as const;
export const finfo = (d: DType) => FINFO[d as "float32" | "float64"];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** A constant of dtype `d` (rounded to it). */
export const constant = (v: number, d: DType): Tensor => p.scalar(v, d);

/**
 * Floats in [0, 1) of `shape`: random mantissa bits under the exponent of 1.0, minus 1 (JAX's construction, computed
 * as the exactly equal integer times 2⁻ᵐ). float32 takes a 32-bit word per element (the top 23 bits); float64 the two
 * threefry words as one 64-bit word (the top 52 bits), as JAX with 64-bit types on.
 */
export function unitFloats(key: Tensor, s: readonly number[], d: DType): Tensor {
  if (d === "float32") {
    // JAX's bitcast((w >>> 9) | bits(1.0)) − 1 is exactly (w >>> 9)·2⁻²³: this form fuses into one jit loop
    const mantissa = p.shiftRightLogical(p.randomBits(key, s), p.full(s, 9, "uint32"));
    return p.mul(p.convertElementType(mantissa, "float32"), p.full(s, 2 ** -23, "float32"));
  }
  const n = size(s);
  const blocks = counterBlocks(key, n);
  const word = (i: number) => p.reshape(p.slice(blocks, [0, i], [n, i + 1], [1, 1]), [...s]);
  // (hi·2²⁰ + lo >>> 12)·2⁻⁵²: each step exact in float64, so this is the bitcast of the 52 mantissa bits, minus 1
  const hi = p.convertElementType(word(0), "float64");
  const lo = p.convertElementType(p.shiftRightLogical(word(1), p.full(s, 12, "uint32")), "float64");
  return p.mul(p.add(p.mul(hi, p.full(s, 2 ** 20, "float64")), lo), p.full(s, 2 ** -52, "float64"));
}

/** `x` of a sampler's parameter, as dtype `d`; its shape must broadcast into `s` (checked by the caller). */
const paramOf = (x: ArrayLike, d: DType): Tensor => p.convertElementType(asTensor(x, d), d);

/** Uniform in [minval, maxval) of shape `s` and float dtype `d`, as JAX: u·(max − min) + min, at least min. */
export function uniformIn(key: Tensor, s: readonly number[], d: DType, minval: Tensor, maxval: Tensor): Tensor {
  const u = unitFloats(key, s, d);
  return np.maximum(minval, np.add(np.multiply(u, np.subtract(maxval, minval)), minval));
}

/** Throws unless the parameters' shapes broadcast into `s` exactly (JAX's _check_shape). */
export function checkShape(fn: string, s: readonly number[], ...params: Tensor[]): void {
  const b = broadcastShapes(fn, s, ...params.map((t) => t.shape));
  if (!shapeEq(b, s))
    throw new ShapeError(
      `${fn}: parameter shapes ${params.map((t) => `[${t.shape.join(", ")}]`).join(", ")} must broadcast to the ` +
        `shape argument [${s.join(", ")}], but broadcast to [${b.join(", ")}]`,
    );
}

export interface UniformOpts {
  minval?: ArrayLike;
  maxval?: ArrayLike;
  dtype?: DType;
}
/**
 * Uniform floats in [minval, maxval) (default [0, 1)), JAX's `random.uniform`; differentiable in minval and maxval.
 * @example random.uniform(random.key(0), [2], { minval: -1, maxval: 1 }).shape // [2]
 */
export const uniform: (key: Tensor, shape?: readonly number[], opts?: UniformOpts) => Tensor = guard(
  "random.uniform",
  [keyParam(), optional(shape(), []), options({ minval: array("minval"), maxval: array("maxval"), dtype: dtype() })],
  (k: Tensor, s: number[], o: UniformOpts) => {
    const d = floatDType("random.uniform", o.dtype);
    const [lo, hi] = [paramOf(o.minval ?? 0, d), paramOf(o.maxval ?? 1, d)];
    checkShape("random.uniform", s, lo, hi);
    return uniformIn(k, s, d, lo, hi);
  },
);

export interface DTypeOpts {
  dtype?: DType;
}
const dtypeOpts = options({ dtype: dtype() }, "dtype");

/** A sampler `(key, shape = [], { dtype })` from a float transform of its draws. */
function shaped(name: string, draw: (key: Tensor, s: number[], d: DType) => Tensor) {
  return guard<(key: Tensor, shape?: readonly number[], opts?: DTypeOpts | DType) => Tensor>(
    `random.${name}`,
    [keyParam(), optional(shape(), []), dtypeOpts],
    (k: Tensor, s: number[], o: DTypeOpts) => draw(k, s, floatDType(`random.${name}`, o.dtype)),
  );
}

/** Standard normal: √2·erfInv(u) for u uniform in (−1, 1), as JAX. */
export function normalDraw(key: Tensor, s: readonly number[], d: DType): Tensor {
  const lo = d === "float32" ? -1 + 2 ** -24 : -1 + 2 ** -53;
  const u = uniformIn(key, s, d, constant(lo, d), constant(1, d));
  return np.multiply(constant(Math.SQRT2, d), p.erfInv(u));
}

/**
 * Standard normal samples (JAX's: √2·erfInv of a uniform in (−1, 1)).
 * @example random.normal(random.key(0), [1000]).mean() // ≈ 0
 */
export const normal = shaped("normal", normalDraw);

/**
 * −log(−log u), u uniform in [tiny, 1): the standard Gumbel distribution (JAX's default "low" mode).
 * @example random.gumbel(random.key(0), [3]).shape // [3]
 */
export const gumbel = shaped("gumbel", (k, s, d) => gumbelDraw(k, s, d));

/** Standard Gumbel draws: −log(−log u), u uniform in [tiny, 1). */
export function gumbelDraw(key: Tensor, s: readonly number[], d: DType): Tensor {
  return np.negative(np.log(np.negative(np.log(uniformIn(key, s, d, constant(finfo(d).tiny, d), constant(1, d))))));
}

/** Exponential with rate 1: −log1p(−u). @example random.exponential(random.key(0), [3]).shape // [3] */
export const exponential = shaped("exponential", (k, s, d) =>
  np.negative(np.log1p(np.negative(uniformIn(k, s, d, constant(0, d), constant(1, d))))),
);

/** Laplace (double exponential) with scale 1. @example random.laplace(random.key(0), [3]).shape // [3] */
export const laplace = shaped("laplace", (k, s, d) => {
  const u = uniformIn(k, s, d, constant(-1 + finfo(d).epsneg, d), constant(1, d));
  return np.multiply(np.sign(u), np.log1p(np.negative(np.abs(u))));
});

/** Standard logistic: log u − log1p(−u). @example random.logistic(random.key(0), [3]).shape // [3] */
export const logistic = shaped("logistic", (k, s, d) => {
  const u = uniformIn(k, s, d, constant(finfo(d).tiny, d), constant(1, d));
  return np.subtract(np.log(u), np.log1p(np.negative(u)));
});

/** Standard Cauchy: tan(π(u − ½)). @example random.cauchy(random.key(0), [3]).shape // [3] */
export const cauchy = shaped("cauchy", (k, s, d) => {
  const u = uniformIn(k, s, d, constant(finfo(d).eps, d), constant(1, d));
  return np.tan(np.multiply(constant(Math.PI, d), np.subtract(u, constant(0.5, d))));
});

/** The shape of a sampler whose parameters give it unless `shape` is passed (null or undefined: theirs). */
export function paramShape(fn: string, s: readonly number[] | null | undefined, ...params: Tensor[]): number[] {
  if (s === null || s === undefined) return broadcastShapes(fn, ...params.map((t) => t.shape));
  checkShape(fn, s, ...params);
  return [...s];
}

/**
 * Normal samples truncated to (lower, upper), by inverting the normal CDF (JAX's algorithm); differentiable in the
 * bounds. The shape defaults to the bounds' broadcast shape.
 * @example random.truncatedNormal(random.key(0), -1, 1, [3]).shape // [3]
 */
export const truncatedNormal: (
  key: Tensor,
  lower: ArrayLike,
  upper: ArrayLike,
  shape?: readonly number[] | null,
  opts?: DTypeOpts | DType,
) => Tensor = guard(
  "random.truncatedNormal",
  [keyParam(), array("lower"), array("upper"), optional(nullable(shape())), dtypeOpts],
  (k: Tensor, lower: ArrayLike, upper: ArrayLike, s0: number[] | null | undefined, o: DTypeOpts) => {
    const d = floatDType("random.truncatedNormal", o.dtype);
    const [lo, hi] = [paramOf(lower, d), paramOf(upper, d)];
    const s = paramShape("random.truncatedNormal", s0, lo, hi);
    const sqrt2 = constant(Math.SQRT2, d);
    const a = p.erf(np.divide(lo, sqrt2));
    const b = p.erf(np.divide(hi, sqrt2));
    const out = np.multiply(sqrt2, p.erfInv(uniformIn(k, s, d, a, b)));
    // rounding (or u = a) could land on a bound: clamp into the open interval
    const inf = constant(Infinity, d);
    const floor = p.nextafter(p.stopGradient(lo), p.broadcastInDim(inf, lo.shape, []));
    const ceil = p.nextafter(p.stopGradient(hi), p.broadcastInDim(np.negative(inf), hi.shape, []));
    return np.minimum(np.maximum(out, floor), ceil);
  },
);

/**
 * true with probability p (default 0.5): u < p for u uniform in [0, 1) in p's float dtype.
 * @example random.bernoulli(random.key(0), 0.3, [4]).dtype // "bool"
 */
export const bernoulli: (key: Tensor, p?: ArrayLike, shape?: readonly number[] | null) => Tensor = guard(
  "random.bernoulli",
  [keyParam(), optional(array("p")), optional(nullable(shape()))],
  (k: Tensor, prob: ArrayLike | undefined, s0: number[] | null | undefined) => {
    const t = asTensor(prob ?? 0.5);
    const pr = isFloat(t.dtype) ? t : p.convertElementType(t, "float32");
    const s = paramShape("random.bernoulli", s0, pr);
    return np.less(uniformIn(k, s, pr.dtype, constant(0, pr.dtype), constant(1, pr.dtype)), pr);
  },
);
