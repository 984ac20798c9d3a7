// Poisson samples by JAX's exact algorithm: Knuth's product of uniforms for rates below 10 and Hörmann's transformed
// rejection (PTRS) for the rest, both run over the whole array in a whileLoop (every element draws each round from the
// round's key, until all are done) and selected per element, with JAX's constants and float32 arithmetic.
import { type DType, isInteger } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { array, dtype, shape } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, optional, options } from "../core/validate.js";
import { whileLoop } from "../higher_order/control_flow.js";
import { asTensor, broadcastTo } from "../numpy/convert.js";
import * as p from "../primitives/index.js";
import { splitTwo } from "./integers.js";
import { counterBlocks, keyParam } from "./key.js";
import { paramShape, uniformIn } from "./uniform.js";

const F = "float32";
const INT32_MAX = 2 ** 31 - 1;

/** A float32 constant of shape `s`. */
const fill = (s: readonly number[], v: number): Tensor => p.full(s, v, F);
/** Uniform float32 in [0, 1) of shape `s`. */
const unit = (key: Tensor, s: readonly number[]): Tensor => uniformIn(key, s, F, p.scalar(0, F), p.scalar(1, F));
/** Whether any element of a bool tensor is true, as a bool scalar. */
const any = (b: Tensor): Tensor =>
  b.ndim === 0
    ? b
    : p.reduceMax(
        b,
        b.shape.map((_, i) => i),
      );
const counter = (i: Tensor) => p.lt(i, p.scalar(INT32_MAX, "int32"));
const step = (i: Tensor) => p.add(i, p.scalar(1, "int32"));

/** Knuth: count uniforms multiplied (as a sum of logs) until the product falls to e^−lam; the count less one. */
function knuth(key: Tensor, lam: Tensor, d: DType): Tensor {
  const s = lam.shape;
  const negLam = p.neg(lam);
  type C = [Tensor, Tensor, Tensor, Tensor];
  const [, k] = whileLoop(
    ([i, , , logProd]: C) => p.and(any(p.gt(logProd, negLam)), counter(i)),
    ([i, k, rng, logProd]: C): C => {
      const [next, sub] = splitTwo(rng);
      const more = p.gt(logProd, negLam);
      const k2 = p.select(more, p.add(k, p.full(s, 1, d)), k);
      return [step(i), k2, next, p.add(logProd, p.log(unit(sub, s)))];
    },
    [p.scalar(0, "int32"), p.zeros(s, d), key, p.zeros(s, F)],
  ) as C;
  return p.sub(k, p.full(s, 1, d));
}

/** Hörmann's PTRS: a candidate k from two uniforms, accepted by a quick box test or the exact log-density test. */
function rejection(key: Tensor, lam: Tensor, d: DType): Tensor {
  const s = lam.shape;
  const logLam = p.log(lam);
  const b = p.add(fill(s, 0.931), p.mul(fill(s, 2.53), p.sqrt(lam)));
  const a = p.add(fill(s, -0.059), p.mul(fill(s, 0.02483), b));
  const invAlpha = p.add(fill(s, 1.1239), p.div(fill(s, 1.1328), p.sub(b, fill(s, 3.4))));
  const vR = p.sub(fill(s, 0.9277), p.div(fill(s, 3.6224), p.sub(b, fill(s, 2))));
  type C = [Tensor, Tensor, Tensor, Tensor];
  const [, kOut] = whileLoop(
    ([i, , accepted]: C) => p.and(any(p.not(accepted)), counter(i)),
    ([i, kOut, accepted, rng]: C): C => {
      const keys = counterBlocks(rng, 3);
      const row = (r: number) => p.reshape(p.slice(keys, [r, 0], [r + 1, 2], [1, 1]), [2]);
      const u = p.sub(unit(row(1), s), fill(s, 0.5));
      const v = unit(row(2), s);
      const us = p.sub(fill(s, 0.5), p.abs(u));
      const k = p.floor(p.add(p.add(p.mul(p.add(p.div(p.mul(fill(s, 2), a), us), b), u), lam), fill(s, 0.43)));
      const lhs = p.log(p.div(p.mul(v, invAlpha), p.add(p.div(a, p.mul(us, us)), b)));
      const rhs = p.sub(p.add(p.neg(lam), p.mul(k, logLam)), p.lgamma(p.add(k, fill(s, 1))));
      const quick = p.and(p.ge(us, fill(s, 0.07)), p.le(v, vR));
      const reject = p.or(p.lt(k, fill(s, 0)), p.and(p.lt(us, fill(s, 0.013)), p.gt(v, us)));
      const accept = p.or(quick, p.and(p.not(reject), p.le(lhs, rhs)));
      // as JAX, a later acceptance replaces an earlier one (each is a valid draw)
      return [step(i), p.select(accept, k, kOut), p.or(accepted, accept), row(0)];
    },
    [p.scalar(0, "int32"), fill(s, -1), p.full(s, false, "bool"), key],
  ) as C;
  return p.convertElementType(kOut, d);
}

export interface PoissonOpts {
  dtype?: DType;
}
/**
 * Poisson(lam) counts (int32 unless `dtype` says uint32), by JAX's exact sampler: Knuth's method where lam < 10 (or
 * NaN, which gives −1), transformed rejection elsewhere, 0 where lam = 0. The rate is taken in float32, as JAX.
 * @example random.poisson(random.key(0), 3, [4]).dtype // "int32"
 */
export const poisson: (
  key: Tensor,
  lam: ArrayLike,
  shape?: readonly number[] | null,
  opts?: PoissonOpts | DType,
) => Tensor = guard(
  "random.poisson",
  [keyParam(), array("lam"), optional(nullable(shape())), options({ dtype: dtype() }, "dtype")],
  (k: Tensor, lam0: ArrayLike, s0: number[] | null | undefined, o: PoissonOpts) => {
    const fn = "random.poisson";
    const d = o.dtype ?? "int32";
    if (!isInteger(d)) throw new DTypeError(`${fn}: dtype must be int32 or uint32, got ${d}`);
    const t = asTensor(lam0, F);
    const lam = p.convertElementType(t, F);
    const s = paramShape(fn, s0, lam);
    const l = broadcastTo(lam, s);
    if (l.size === 0) return p.zeros(s, d);
    const useKnuth = p.or(p.ne(l, l), p.lt(l, fill(s, 10)));
    const lamKnuth = p.select(useKnuth, l, fill(s, 0));
    // the rejection sampler's acceptance peaks near 89% for large rates: any large one will do where unused
    const lamRejection = p.select(useKnuth, fill(s, 1e5), l);
    const out = p.select(useKnuth, knuth(k, lamKnuth, d), rejection(k, lamRejection, d));
    return p.select(p.eq(l, fill(s, 0)), p.zeros(s, d), out);
  },
);
