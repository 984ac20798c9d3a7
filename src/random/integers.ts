// Integer samplers: randint (JAX's two-word modulus, biased only as JAX's is), rademacher, and categorical by the
// Gumbel-max trick.
import { type DType, isFloat } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { array, axis, dtype, shape } from "../core/params.js";
import { normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, optional, options } from "../core/validate.js";
import { asTensor, broadcastTo } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import * as p from "../primitives/index.js";
import { counterBlocks, keyParam } from "./key.js";
import { bernoulli, checkShape, floatDType, gumbelDraw, paramShape } from "./uniform.js";

const RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] } as const;

/** The two keys of `split(key)`. */
export function splitTwo(key: Tensor): [Tensor, Tensor] {
  const ks = counterBlocks(key, 2);
  const row = (i: number) => p.reshape(p.slice(ks, [i, 0], [i + 1, 2], [1, 1]), [2]);
  return [row(0), row(1)];
}

/**
 * A bound of randint as dtype `d`, clipped into its range (JAX's _convert_and_clip_integer), and whether it lay above
 * the range (then maxval's span grows by one, as JAX).
 */
function bound(x: ArrayLike, d: "int32" | "uint32"): [Tensor, Tensor] {
  const [lo, hi] = RANGE[d];
  if (typeof x === "number") {
    // as JAX's astype(int): toward zero
    const v = Math.trunc(x);
    return [p.scalar(Math.min(Math.max(v, lo), hi), d), p.scalar(v > hi, "bool")];
  }
  let t = asTensor(x);
  if (t.dtype === "bool") t = p.convertElementType(t, "int32");
  if (isFloat(t.dtype)) t = p.convertElementType(t, "int32");
  const above = p.full(t.shape, false, "bool");
  if (t.dtype === d) return [t, above];
  // int32 → uint32: negatives clip to 0; uint32 → int32: beyond 2³¹ − 1 clips, and counts as above the range
  if (d === "uint32") return [p.convertElementType(np.maximum(t, 0) as Tensor, "uint32"), above];
  const big = p.gt(t, p.full(t.shape, hi, "uint32"));
  return [p.convertElementType(np.minimum(t, hi) as Tensor, "int32"), big];
}

export interface RandintOpts {
  dtype?: DType;
}
/**
 * Integers in [minval, maxval) (JAX's algorithm: two random words reduced modulo the span).
 * @example random.randint(random.key(0), [3], 0, 10).dtype // "int32"
 */
export const randint: (
  key: Tensor,
  shape: readonly number[],
  minval: ArrayLike,
  maxval: ArrayLike,
  opts?: RandintOpts | DType,
) => Tensor = guard(
  "random.randint",
  [keyParam(), shape(), array("minval"), array("maxval"), options({ dtype: dtype() }, "dtype")],
  (k: Tensor, s: number[], minval: ArrayLike, maxval: ArrayLike, o: RandintOpts) => {
    const d = o.dtype ?? "int32";
    if (d !== "int32" && d !== "uint32")
      throw new DTypeError(`random.randint: dtype must be int32 or uint32, got ${d}; use random.uniform for floats`);
    const [lo] = bound(minval, d);
    const [hi, hiAbove] = bound(maxval, d);
    checkShape("random.randint", s, lo, hi);
    const [k1, k2] = splitTwo(k);
    const higher = p.randomBits(k1, s);
    const lower = p.randomBits(k2, s);
    const u = (v: number) => p.full(s, v, "uint32");
    const [lb, hb] = [broadcastTo(lo, s), broadcastTo(hi, s)];
    let span = p.convertElementType(p.sub(hb, lb), "uint32");
    // an empty range gives minval; a maxval beyond the dtype widens the span by one (wrapping to 0 at 2³²)
    span = p.select(p.le(hb, lb), u(1), span);
    const above = p.and(broadcastTo(hiAbove, s), p.gt(hb, lb));
    span = p.select(above, p.add(span, u(1)), span);
    // 2³² mod span, squared mod span, by (a·b) mod n = ((a mod n)(b mod n)) mod n, in wrapping uint32 as JAX
    let multiplier = p.rem(u(2 ** 16), span);
    multiplier = p.rem(p.mul(multiplier, multiplier), span);
    const offset = p.rem(p.add(p.mul(p.rem(higher, span), multiplier), p.rem(lower, span)), span);
    return p.add(lb, p.convertElementType(offset, d));
  },
);

/**
 * ±1 with equal probability (int32 unless `dtype` says otherwise), from bernoulli(½).
 * @example random.rademacher(random.key(0), [4]).dtype // "int32"
 */
export const rademacher: (key: Tensor, shape?: readonly number[], opts?: RandintOpts | DType) => Tensor = guard(
  "random.rademacher",
  [keyParam(), optional(shape(), []), options({ dtype: dtype() }, "dtype")],
  (k: Tensor, s: number[], o: RandintOpts) => {
    const d = o.dtype ?? "int32";
    if (d === "bool" || d === "uint32") throw new DTypeError(`random.rademacher: dtype must be signed, got ${d}`);
    const b = p.convertElementType(bernoulli(k, 0.5, s), d);
    return p.sub(p.mul(p.full(s, 2, d), b), p.full(s, 1, d));
  },
);

export interface CategoricalOpts {
  axis?: number;
  shape?: readonly number[] | null;
}
/**
 * Indices drawn with probabilities softmax(logits) along `axis` (Gumbel-max, as JAX). The result's shape is `shape`
 * (default: logits' shape without `axis`), which must end with that batch shape.
 * @example random.categorical(random.key(0), np.log(np.array([0.2, 0.8])), { shape: [5] }).shape // [5]
 */
export const categorical: (key: Tensor, logits: ArrayLike, opts?: CategoricalOpts) => Tensor = guard(
  "random.categorical",
  [keyParam(), array("logits"), options({ axis: axis(), shape: nullable(shape()) }, "axis")],
  (k: Tensor, logits0: ArrayLike, o: CategoricalOpts) => {
    const t = asTensor(logits0);
    const logits = isFloat(t.dtype) ? t : p.convertElementType(t, "float32");
    if (logits.ndim === 0)
      throw new DTypeError("random.categorical: logits must have at least one axis (the categories)");
    const ax = normalizeAxis("random.categorical", o.axis ?? -1, logits.ndim);
    const batch = logits.shape.filter((_, i) => i !== ax);
    const s = paramShape("random.categorical", o.shape ?? undefined, p.zeros(batch, "float32"));
    const prefix = s.slice(0, s.length - batch.length);
    const drawShape = [...prefix, ...logits.shape];
    const d = floatDType("random.categorical", logits.dtype);
    const g = gumbelDraw(k, drawShape, d);
    const lifted = p.reshape(logits, [...prefix.map(() => 1), ...logits.shape]);
    return p.argmax(np.add(g, lifted) as Tensor, prefix.length + ax);
  },
);
