// More of jax.nn's activations (silu, elu family, hard variants, mish, softSign, glu) and logmeanexp, standardize.
// Branches a `where` does not take see clamped inputs, so their derivatives stay finite (no NaN gradients).

import { array, axes, axis, bool } from "../core/params.js";
import { normalizeAxes, normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, options, orNull } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { logicalAnd } from "../numpy/logic.js";
import { sum } from "../numpy/reductions.js";
import { split } from "../numpy/shape.js";
import * as lax from "../primitives/index.js";

const floatTensor = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return t.dtype === "float32" || t.dtype === "float64" ? t : lax.convertElementType(t, "float32");
};

/** log(1 + eˣ) with each branch on a clamped input (as nn.softplus). */
function softplusOf(t: Tensor): Tensor {
  const pos = np.greater(t, 0);
  const xp = np.where(pos, t, 0);
  const xn = np.where(pos, 0, t);
  return np.where(pos, np.add(xp, np.log1p(np.exp(np.negative(xp)))), np.log1p(np.exp(xn)));
}

/**
 * SiLU (swish): x·σ(x).
 * @example nn.silu([0, 1]) // Tensor([0, 0.7310586], dtype=float32)
 */
export const silu = np.unary("nn.silu", (x) => {
  const t = floatTensor(x);
  return np.multiply(t, lax.logistic(t));
});

/** α·(eˣ − 1) below 0 (expm1 of the input clamped to ≤ 0), x above, with α an array or number. */
function eluOf(t: Tensor, alpha: ArrayLike): Tensor {
  const pos = np.greater(t, 0);
  return np.where(pos, t, np.multiply(alpha, np.expm1(np.where(pos, 0, t))));
}

const alphaOption = options({ alpha: array("alpha") }, "alpha");

/**
 * ELU: x for x > 0, α(eˣ − 1) otherwise (α default 1); elu′(0) = α as JAX.
 * @example nn.elu([-1, 0, 2]) // Tensor([-0.6321206, 0, 2], dtype=float32)
 */
export const elu: (x: ArrayLike, alpha?: ArrayLike | { alpha?: ArrayLike }) => Tensor = guard(
  "nn.elu",
  [array("x"), alphaOption],
  (x: ArrayLike, o: { alpha?: ArrayLike }) => eluOf(floatTensor(x), o.alpha ?? 1),
);

/**
 * CELU: max(x, 0) + α·expm1(min(x, 0)/α) (α default 1).
 * @example nn.celu([-1, 0, 2]) // Tensor([-0.6321206, 0, 2], dtype=float32)
 */
export const celu: (x: ArrayLike, alpha?: ArrayLike | { alpha?: ArrayLike }) => Tensor = guard(
  "nn.celu",
  [array("x"), alphaOption],
  (x: ArrayLike, o: { alpha?: ArrayLike }) => {
    const t = floatTensor(x);
    const a = o.alpha ?? 1;
    return np.add(np.maximum(t, 0), np.multiply(a, np.expm1(np.divide(np.minimum(t, 0), a))));
  },
);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * SELU: λ·elu(x, α) with λ ≈ 1.0507 and α ≈ 1.6733 (self-normalizing networks).
 * @example nn.selu([0, 1]) // Tensor([0, 1.050701], dtype=float32)
 */
export const selu = np.unary("nn.selu", (x) => np.multiply(SELU_SCALE, eluOf(floatTensor(x), SELU_ALPHA)));

/**
 * Leaky ReLU: x for x ≥ 0, negativeSlope·x otherwise (default 0.01); the derivative at 0 is 1 as JAX.
 * @example nn.leakyRelu([-2, 3]) // Tensor([-0.02, 3], dtype=float32)
 */
export const leakyRelu: (x: ArrayLike, negativeSlope?: ArrayLike | { negativeSlope?: ArrayLike }) => Tensor = guard(
  "nn.leakyRelu",
  [array("x"), options({ negativeSlope: array("negativeSlope") }, "negativeSlope")],
  (x: ArrayLike, o: { negativeSlope?: ArrayLike }) => {
    const t = floatTensor(x);
    return np.where(np.greaterEqual(t, 0), t, np.multiply(o.negativeSlope ?? 0.01, t));
  },
);

/** min(max(x, 0), 6) with derivative 0 at 0 and at 6 (JAX's custom rule); NaN stays NaN. */
function relu6Of(t: Tensor): Tensor {
  return np.where(np.lessEqual(t, 0), 0, np.where(np.greaterEqual(t, 6), 6, t));
}

/**
 * min(max(x, 0), 6); relu6′(0) = relu6′(6) = 0 as JAX.
 * @example nn.relu6([-1, 3, 7]) // Tensor([0, 3, 6], dtype=float32)
 */
export const relu6 = np.unary("nn.relu6", (x) => relu6Of(floatTensor(x)));

/**
 * Hard tanh: x clipped to [−1, 1] (derivative 1 at ±1, as JAX's nested where).
 * @example nn.hardTanh([-2, 0.5, 2]) // Tensor([-1, 0.5, 1], dtype=float32)
 */
export const hardTanh = np.unary("nn.hardTanh", (x) => {
  const t = floatTensor(x);
  return np.where(np.greater(t, 1), 1, np.where(np.less(t, -1), -1, t));
});

const hardSigmoidOf = (t: Tensor): Tensor => np.divide(relu6Of(np.add(t, 3)), 6);

/**
 * Hard sigmoid: relu6(x + 3)/6.
 * @example nn.hardSigmoid([-4, 0, 4]) // Tensor([0, 0.5, 1], dtype=float32)
 */
export const hardSigmoid = np.unary("nn.hardSigmoid", (x) => hardSigmoidOf(floatTensor(x)));

/**
 * Hard SiLU (hard swish): x·hardSigmoid(x).
 * @example nn.hardSilu([-4, 1, 4]) // Tensor([-0, 0.6666667, 4], dtype=float32)
 */
export const hardSilu = np.unary("nn.hardSilu", (x) => {
  const t = floatTensor(x);
  return np.multiply(t, hardSigmoidOf(t));
});

/**
 * Mish: x·tanh(softplus(x)).
 * @example nn.mish([0, 1]) // Tensor([0, 0.8650984], dtype=float32)
 */
export const mish = np.unary("nn.mish", (x) => {
  const t = floatTensor(x);
  return np.multiply(t, np.tanh(softplusOf(t)));
});

/**
 * Soft sign: x / (|x| + 1).
 * @example nn.softSign([-1, 3]) // Tensor([-0.5, 0.75], dtype=float32)
 */
export const softSign = np.unary("nn.softSign", (x) => {
  const t = floatTensor(x);
  return np.divide(t, np.add(np.abs(t), 1));
});

/**
 * Gated linear unit: split `x` in two halves along `axis` (default −1; its size must be even), a·σ(b).
 * @example nn.glu([1, 2, 0, 0]) // Tensor([0.5, 1], dtype=float32)
 */
export const glu: (x: ArrayLike, axis?: number | { axis?: number }) => Tensor = guard(
  "nn.glu",
  [array("x"), options({ axis: axis() }, "axis")],
  (x: ArrayLike, o: { axis?: number }) => {
    const t = floatTensor(x);
    const ax = normalizeAxis("nn.glu", o.axis ?? -1, t.ndim);
    const [a, b] = split(t, 2, ax) as [Tensor, Tensor];
    return np.multiply(a, lax.logistic(b));
  },
);

export interface ReduceWhereOpts {
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
  where?: ArrayLike;
}

/** `t`'s shape without `axes` (or with them as 1 when `keepdims`). */
const reducedShape = (t: Tensor, ax: readonly number[], keepdims: boolean | undefined) =>
  keepdims ? t.shape.map((s, i) => (ax.includes(i) ? 1 : s)) : t.shape.filter((_, i) => !ax.includes(i));

/** `w` (a bool array) broadcast to `shape`. */
const maskTo = (w: ArrayLike, shape: readonly number[]): Tensor =>
  logicalAnd(np.notEqual(w, false), lax.full(shape, true, "bool"));

/**
 * log(mean(eˣ)) over `axis` (all axes by default), stable for large |x|: logsumexp minus the log of the count of
 * entries (those where `where` is true, when given), as JAX's `logmeanexp`.
 * @example nn.logmeanexp([1000, 1000]) // Tensor(1000, dtype=float32)
 */
export const logmeanexp: (x: ArrayLike, axis?: number | readonly number[] | null | ReduceWhereOpts) => Tensor = guard(
  "nn.logmeanexp",
  [array("x"), options({ axis: orNull(axes()), keepdims: bool("keepdims"), where: array("where") }, "axis")],
  (x: ArrayLike, o: ReduceWhereOpts) => {
    const t = floatTensor(x);
    const ax = normalizeAxes("nn.logmeanexp", o.axis, t.ndim);
    const w = o.where === undefined ? null : maskTo(o.where, t.shape);
    const safe = w === null ? t : np.where(w, t, -Infinity);
    const kept = t.shape.map((s, i) => (ax.includes(i) ? 1 : s));
    const m0 = lax.stopGradient(lax.reshape(lax.reduceMax(safe, ax), kept));
    const m = np.where(np.less(np.abs(m0), Infinity), m0, 0);
    const e = np.exp(np.subtract(safe, m));
    const s = sum(w === null ? e : np.where(w, e, 0), { axis: ax, keepdims: true });
    const count =
      w === null
        ? lax.full(
            kept,
            ax.reduce((n, a) => n * t.shape[a]!, 1),
            t.dtype,
          )
        : lax.convertElementType(sum(w, { axis: ax, keepdims: true }), t.dtype);
    const r = np.subtract(np.add(np.log(s), m), np.log(count));
    return lax.reshape(r, reducedShape(t, ax, o.keepdims));
  },
);

export interface StandardizeOpts {
  axis?: number | readonly number[] | null;
  mean?: ArrayLike;
  variance?: ArrayLike;
  epsilon?: ArrayLike;
  where?: ArrayLike;
}

/**
 * (x − mean)·rsqrt(variance + epsilon) over `axis` (default −1; null for all), as JAX: mean and variance (mean(x²) −
 * mean²) are computed with kept dims unless given, over the entries where `where` is true when it is given.
 * @example nn.standardize([1, 2, 3], { epsilon: 0 }) // Tensor([-1.224745, 0, 1.224745], dtype=float32)
 */
export const standardize: (x: ArrayLike, axis?: number | readonly number[] | null | StandardizeOpts) => Tensor = guard(
  "nn.standardize",
  [
    array("x"),
    options(
      {
        axis: nullable(axes()),
        mean: array("mean"),
        variance: array("variance"),
        epsilon: array("epsilon"),
        where: array("where"),
      },
      "axis",
    ),
  ],
  (x: ArrayLike, o: StandardizeOpts) => {
    const t = floatTensor(x);
    const ax = normalizeAxes("nn.standardize", o.axis === undefined ? -1 : o.axis, t.ndim);
    const w = o.where === undefined ? null : maskTo(o.where, t.shape);
    const meanOf = (v: Tensor): Tensor => {
      if (w === null) {
        const n = ax.reduce((k, a) => k * t.shape[a]!, 1);
        return np.divide(sum(v, { axis: ax, keepdims: true }), n);
      }
      const n = lax.convertElementType(sum(w, { axis: ax, keepdims: true }), v.dtype);
      return np.divide(sum(np.where(w, v, 0), { axis: ax, keepdims: true }), n);
    };
    const mean = o.mean === undefined ? meanOf(t) : asTensor(o.mean);
    const variance =
      o.variance === undefined ? np.subtract(meanOf(np.multiply(t, t)), np.multiply(mean, mean)) : asTensor(o.variance);
    const v = np.add(variance, o.epsilon ?? 1e-5);
    return np.multiply(
      np.subtract(t, mean),
      lax.rsqrt(v.dtype === "float32" || v.dtype === "float64" ? v : floatTensor(v)),
    );
  },
);
