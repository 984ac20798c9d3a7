// Gamma samples by JAX's algorithm (Marsaglia and Tsang's squeeze-and-reject, boosting shapes below 1 by a uniform
// power), one key per element from split(key, size) and a rejection loop per element (a whileLoop under vmap, as JAX
// vmaps its per-element sampler), so the floats follow JAX's. The derivative in the shape is JAX's implicit one:
// dx/da = random_gamma_grad(a, x), given through customJvp. loggamma, beta and dirichlet compose from the log-space
// draws as JAX does.
import type { DType } from "../core/dtype.js";
import { ShapeError } from "../core/errors.js";
import { array, dtype, shape } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, optional, options } from "../core/validate.js";
import { whileLoop } from "../higher_order/control_flow.js";
import { customJvp } from "../higher_order/custom_jvp.js";
import { asTensor, broadcastTo } from "../numpy/convert.js";
import * as p from "../primitives/index.js";
import { vmap } from "../transforms/vmap.js";
import { splitTwo } from "./integers.js";
import { counterBlocks, keyParam } from "./key.js";
import { constant, finfo, floatDType, normalDraw, paramShape, uniformIn } from "./uniform.js";

/** Row `i` of a [n, 2] block of keys, as a key. */
const row = (keys: Tensor, i: number): Tensor => p.reshape(p.slice(keys, [i, 0], [i + 1, 2], [1, 1]), [2]);

type State = [Tensor, Tensor, Tensor, Tensor];

/**
 * One Gamma(alpha, 1) draw (its log when `logSpace`) from one key; alpha is a float scalar. A shape below 1 is boosted
 * to alpha + 1 and the draw scaled by u^(1/alpha) (in log space: plus log(u)/alpha), with u = 1 − uniform as JAX.
 */
function gammaOne(key: Tensor, alpha: Tensor, logSpace: boolean): Tensor {
  const dt = alpha.dtype;
  const c = (v: number) => constant(v, dt);
  const [zero, one] = [c(0), c(1)];
  const boost = p.ge(alpha, one);
  const shifted = p.select(boost, alpha, p.add(alpha, one));
  const d = p.sub(shifted, c(1 / 3));
  const scale = p.div(c(1 / 3), p.sqrt(d));

  // keep drawing while the candidate fails both the squeeze and the log test (X holds x², V the cube (1 + c·x)³)
  const rejected = ([, X, V, U]: State) =>
    p.and(
      p.ge(U, p.sub(one, p.mul(c(0.0331), p.mul(X, X)))),
      p.ge(p.log(U), p.add(p.mul(X, c(0.5)), p.mul(d, p.add(p.sub(one, V), p.log(V))))),
    );
  const candidate = ([k]: State): State => {
    const keys = counterBlocks(k, 3);
    // a normal x with 1 + c·x > 0
    const [, x, v] = whileLoop(
      ([, , v]: [Tensor, Tensor, Tensor]) => p.le(v, zero),
      ([k2]: [Tensor, Tensor, Tensor]): [Tensor, Tensor, Tensor] => {
        const [next, sub] = splitTwo(k2);
        const x = normalDraw(sub, [], dt);
        return [next, x, p.add(one, p.mul(x, scale))];
      },
      [row(keys, 1), zero, c(-1)],
    ) as [Tensor, Tensor, Tensor];
    const u = uniformIn(row(keys, 2), [], dt, zero, one);
    return [row(keys, 0), p.mul(x, x), p.mul(p.mul(v, v), v), u];
  };
  const [loopKey, boostKey] = splitTwo(key);
  // the initial state fails the test, so at least one candidate is drawn
  const V = (whileLoop(rejected, candidate, [loopKey, zero, one, c(2)]) as State)[2];
  const alphaInv = p.div(one, alpha);
  if (logSpace) {
    // log u = −exponential, from log1p(−uniform) so that it agrees with the linear-space draw's u
    const logU = p.log1p(p.neg(uniformIn(boostKey, [], dt, zero, one)));
    const logBoost = p.select(p.or(boost, p.eq(logU, zero)), zero, p.mul(logU, alphaInv));
    return p.add(p.add(p.log(d), p.log(V)), logBoost);
  }
  const u = p.sub(one, uniformIn(boostKey, [], dt, zero, one));
  return p.mul(p.mul(d, V), p.select(boost, one, p.pow(u, alphaInv)));
}

/** Draws for every element of `a` (float, any shape): element i from key i of split(key, a.size). */
function gammaDraws(key: Tensor, a: Tensor, logSpace: boolean): Tensor {
  const n = a.size;
  if (n === 0) return p.zeros(a.shape, a.dtype);
  const one = vmap((k: Tensor, alpha: Tensor) => gammaOne(k, alpha, logSpace));
  return p.reshape(one(counterBlocks(key, n), p.reshape(a, [n])) as Tensor, a.shape);
}

/** dx/da of draws `x` (or of log x) at shapes `a`, JAX's implicit gradient; a log draw that underflows uses tiny. */
function gammaGrad(x: Tensor, a: Tensor, logSpace: boolean): Tensor {
  if (!logSpace) return p.randomGammaGrad(a, x);
  const e = p.exp(x);
  const safe = p.select(p.eq(e, p.zerosLike(e)), p.fullLike(e, finfo(e.dtype).tiny), e);
  return p.div(p.randomGammaGrad(a, safe), safe);
}

/** The sampler for draws or log draws, differentiable in `a` by the implicit gradient (the key has none). */
function differentiable(logSpace: boolean) {
  const f = customJvp(function gammaSample(key: Tensor, a: Tensor) {
    return gammaDraws(key, a, logSpace);
  });
  f.defjvp(([key, a]: Tensor[], [, ta]: Tensor[]) => {
    const x = f(key!, a!) as Tensor;
    return [x, p.mul(ta!, gammaGrad(x, a!, logSpace))];
  });
  return (key: Tensor, a: Tensor) => f(key, a) as Tensor;
}
const gammaSample = differentiable(false);
const loggammaSample = differentiable(true);

/** `x` as a float tensor of dtype `d` (JAX converts parameters to the sampler's dtype). */
const paramOf = (x: ArrayLike, d: DType): Tensor => p.convertElementType(asTensor(x, d), d);

export interface DTypeOpts {
  dtype?: DType;
}
const dtypeOpts = options({ dtype: dtype() }, "dtype");

type Sampler1 = (key: Tensor, a: ArrayLike, shape?: readonly number[] | null, opts?: DTypeOpts | DType) => Tensor;

/** A one-parameter gamma sampler: `a` broadcast to `shape` (default a's shape) in the float dtype asked for. */
function gammaLike(name: string, sample: (key: Tensor, a: Tensor) => Tensor): Sampler1 {
  const fn = `random.${name}`;
  return guard<Sampler1>(
    fn,
    [keyParam(), array("a"), optional(nullable(shape())), dtypeOpts],
    (k: Tensor, a0: ArrayLike, s0: number[] | null | undefined, o: DTypeOpts) => {
      const a = paramOf(a0, floatDType(fn, o.dtype));
      const s = paramShape(fn, s0, a);
      return sample(k, broadcastTo(a, s));
    },
  );
}

/**
 * Gamma(a, 1) samples (JAX's rejection sampler, so the same numbers as JAX for the same key); differentiable in `a`
 * by the implicit reparameterization gradient. Divide by a rate (or multiply by a scale) for other scales.
 * @example random.gamma(random.key(0), 2, [3]).shape // [3]
 */
export const gamma: Sampler1 = gammaLike("gamma", gammaSample);

/**
 * log of Gamma(a, 1) samples, computed in log space (accurate where a ≪ 1 makes the draws underflow); exp of it agrees
 * with `gamma` for the same key, as JAX's loggamma.
 * @example random.loggamma(random.key(0), 0.01, [3]).shape // [3]
 */
export const loggamma: Sampler1 = gammaLike("loggamma", loggammaSample);

/**
 * Beta(a, b) samples: Ga / (Ga + Gb) from two log-space gamma draws (keys split(key)), scaled by their max as JAX;
 * differentiable in `a` and `b`. The shape defaults to the parameters' broadcast shape.
 * @example random.beta(random.key(0), 2, 3, [4]).shape // [4]
 */
export const beta: (
  key: Tensor,
  a: ArrayLike,
  b: ArrayLike,
  shape?: readonly number[] | null,
  opts?: DTypeOpts | DType,
) => Tensor = guard(
  "random.beta",
  [keyParam(), array("a"), array("b"), optional(nullable(shape())), dtypeOpts],
  (k: Tensor, a0: ArrayLike, b0: ArrayLike, s0: number[] | null | undefined, o: DTypeOpts) => {
    const dt = floatDType("random.beta", o.dtype);
    const [a, b] = [paramOf(a0, dt), paramOf(b0, dt)];
    const s = paramShape("random.beta", s0, a, b);
    const [ka, kb] = splitTwo(k);
    const la = loggammaSample(ka, broadcastTo(a, s));
    const lb = loggammaSample(kb, broadcastTo(b, s));
    const top = p.max(la, lb);
    const ga = p.exp(p.sub(la, top));
    const gb = p.exp(p.sub(lb, top));
    return p.div(ga, p.add(ga, gb));
  },
);

/**
 * Dirichlet(alpha) samples over alpha's last axis: a softmax of log-space gamma draws, as JAX. `shape` is the batch
 * shape (default alpha's without its last axis); the result is `[...shape, alpha.shape.at(-1)]`.
 * @example random.dirichlet(random.key(0), [1, 2, 3], [5]).shape // [5, 3]
 */
export const dirichlet: (
  key: Tensor,
  alpha: ArrayLike,
  shape?: readonly number[] | null,
  opts?: DTypeOpts | DType,
) => Tensor = guard(
  "random.dirichlet",
  [keyParam(), array("alpha"), optional(nullable(shape())), dtypeOpts],
  (k: Tensor, alpha0: ArrayLike, s0: number[] | null | undefined, o: DTypeOpts) => {
    const fn = "random.dirichlet";
    const alpha = paramOf(alpha0, floatDType(fn, o.dtype));
    if (alpha.ndim === 0)
      throw new ShapeError(`${fn}: alpha must have at least one axis (the categories), got a scalar`);
    const n = alpha.shape[alpha.ndim - 1]!;
    const batch = paramShape(fn, s0, p.zeros(alpha.shape.slice(0, -1), alpha.dtype));
    const full = [...batch, n];
    const logs = loggammaSample(k, broadcastTo(alpha, full));
    const last = full.length - 1;
    // softmax along the last axis, shifted by the (constant) max as jax.nn.softmax
    const top = p.stopGradient(p.reduceMax(logs, [last]));
    const e = p.exp(
      p.sub(
        logs,
        p.broadcastInDim(
          top,
          full,
          full.slice(0, -1).map((_, i) => i),
        ),
      ),
    );
    const total = p.reduceSum(e, [last]);
    return p.div(
      e,
      p.broadcastInDim(
        total,
        full,
        full.slice(0, -1).map((_, i) => i),
      ),
    );
  },
);
