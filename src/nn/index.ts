// The `nn` namespace: activations, softmax family and oneHot, composed from np functions and primitives.

import { array, axes, bool, count } from "../core/params.js";
import { normalizeAxes } from "../core/shape.js";
import type { ArrayLike, AxisArg, Tensor } from "../core/tensor.js";
import { guard, options, orNull } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { expandDims } from "../numpy/manipulation.js";
import { sum } from "../numpy/reductions.js";
import * as lax from "../primitives/index.js";
import {
  celu,
  elu,
  glu,
  hardSigmoid,
  hardSilu,
  hardTanh,
  leakyRelu,
  logmeanexp,
  mish,
  relu6,
  selu,
  silu,
  softSign,
  standardize,
} from "./activations_more.js";
import { dotProductAttention } from "./attention.js";
import { dropout } from "./dropout.js";
import { initializers } from "./initializers.js";
import { avgPool, maxPool } from "./pooling.js";

interface AxisOpts {
  axis?: number | readonly number[] | null;
}
/** softmax's and logSoftmax's trailing argument: `{ axis }`, or the axis positionally. */
type AxisOnly = number | readonly number[] | null | AxisOpts;
/** An axis option (positional as NumPy), and the public form of functions taking one. */
const axisOption = options({ axis: orNull(axes()) }, "axis");

const floatTensor = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return t.dtype === "float32" || t.dtype === "float64" ? t : lax.convertElementType(t, "float32");
};

/**
 * max(x, 0) with relu′(0) = 0 as in JAX; NaN stays NaN.
 * @example nn.relu([-1, 0, 2]) // Tensor([0, 0, 2], dtype=float32)
 */
export const relu = np.unary("nn.relu", (x) => np.where(np.lessEqual(x, 0), 0, x));

/**
 * 1 / (1 + e⁻ˣ), without overflow (the `logistic` primitive).
 * @example nn.sigmoid([0, 1000, -1000]) // Tensor([0.5, 1, 0], dtype=float32)
 */
export const sigmoid = np.unary("nn.sigmoid", (x) => lax.logistic(floatTensor(x)));

/**
 * log(1 + eˣ): x + log1p(e⁻ˣ) for x > 0, log1p(eˣ) otherwise. Each branch sees a clamped input, so the
 * untaken one stays finite (no NaN gradient) and every derivative order is smooth (softplus″(0) = ¼).
 * @example nn.softplus([0, 1000, -1000]) // Tensor([0.6931472, 1000, 0], dtype=float32)
 */
export const softplus = np.unary("nn.softplus", (x) => {
  const t = floatTensor(x);
  const pos = np.greater(t, 0);
  const xp = np.where(pos, t, 0);
  const xn = np.where(pos, 0, t);
  return np.where(pos, np.add(xp, np.log1p(np.exp(np.negative(xp)))), np.log1p(np.exp(xn)));
});

/**
 * log σ(x) = −softplus(−x), finite for large |x|.
 * @example nn.logSigmoid([0, -1000]) // Tensor([-0.6931472, -1000], dtype=float32)
 */
export const logSigmoid = np.unary("nn.logSigmoid", (x) => np.negative(softplus(np.negative(x))));

/** Hyperbolic tangent (`np.tanh`). @example nn.tanh([0, 1]) // Tensor([0, 0.7615942], dtype=float32) */
export const tanh = np.unary("nn.tanh", (x) => np.tanh(x));

/**
 * GELU: the tanh approximation by default (as JAX); `approximate: false` is x·Φ(x) with erf.
 * @example nn.gelu([0, 1]) // Tensor([0, 0.841192], dtype=float32)
 * nn.gelu([0, 1], { approximate: false }) // Tensor([0, 0.8413447], dtype=float32)
 */
export const gelu: (x: ArrayLike, approximate?: boolean | { approximate?: boolean }) => Tensor = guard(
  "nn.gelu",
  [array("x"), options({ approximate: bool("approximate") }, "approximate")],
  geluImpl,
);
function geluImpl(x: ArrayLike, opts: { approximate?: boolean }): Tensor {
  const t = floatTensor(x);
  if (opts.approximate === false)
    return np.multiply(np.multiply(t, 0.5), np.add(lax.erf(np.multiply(t, Math.SQRT1_2)), 1));
  const inner = np.multiply(np.add(t, np.multiply(np.power(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return np.multiply(np.multiply(t, 0.5), np.add(np.tanh(inner), 1));
}

/** The max over `axes` (normalised) as a constant shift with kept dims; 0 where not finite (all −∞, or empty). */
function shiftOf(t: Tensor, axes: readonly number[]): Tensor {
  const m = lax.reshape(
    lax.stopGradient(lax.reduceMax(t, axes)),
    t.shape.map((s, i) => (axes.includes(i) ? 1 : s)),
  );
  return np.where(np.less(np.abs(m), Infinity), m, 0);
}

/**
 * log Σ eˣ over `axis` (all axes by default), stable for large |x|; the shift has no gradient (as JAX).
 * @example nn.logsumexp([1000, 1000]) // Tensor(1000.6932, dtype=float32)
 */
export const logsumexp: (x: ArrayLike, axis?: AxisArg) => Tensor = guard(
  "nn.logsumexp",
  [array("x"), options({ axis: orNull(axes()), keepdims: bool("keepdims") }, "axis")],
  logsumexpImpl,
);
function logsumexpImpl(x: ArrayLike, opts: AxisOpts & { keepdims?: boolean }): Tensor {
  const t = floatTensor(x);
  const axes = normalizeAxes("nn.logsumexp", opts.axis, t.ndim);
  const m = shiftOf(t, axes);
  const r = np.add(np.log(sum(np.exp(np.subtract(t, m)), { axis: axes, keepdims: true })), m);
  return opts.keepdims
    ? r
    : lax.reshape(
        r,
        t.shape.filter((_, i) => !axes.includes(i)),
      );
}

/**
 * eˣ / Σ eˣ along `axis` (default −1), shifted by the max so large inputs do not overflow.
 * @example nn.softmax([[0, 0], [1000, 1000]]).toArray() // [[0.5, 0.5], [0.5, 0.5]]
 */
export const softmax: (x: ArrayLike, axis?: AxisOnly) => Tensor = guard(
  "nn.softmax",
  [array("x"), axisOption],
  softmaxImpl,
);
function softmaxImpl(x: ArrayLike, opts: AxisOpts): Tensor {
  const t = floatTensor(x);
  const axis = normalizeAxes("nn.softmax", opts.axis ?? -1, t.ndim);
  const e = np.exp(np.subtract(t, shiftOf(t, axis)));
  return np.divide(e, sum(e, { axis, keepdims: true }));
}

/**
 * x − logsumexp(x) along `axis` (default −1), computed from the max-shifted input.
 * @example nn.logSoftmax([0, 0]) // Tensor([-0.6931472, -0.6931472], dtype=float32)
 */
export const logSoftmax: (x: ArrayLike, axis?: AxisOnly) => Tensor = guard(
  "nn.logSoftmax",
  [array("x"), axisOption],
  logSoftmaxImpl,
);
function logSoftmaxImpl(x: ArrayLike, opts: AxisOpts): Tensor {
  const t = floatTensor(x);
  const axis = normalizeAxes("nn.logSoftmax", opts.axis ?? -1, t.ndim);
  const shifted = np.subtract(t, shiftOf(t, axis));
  return np.subtract(shifted, np.log(sum(np.exp(shifted), { axis, keepdims: true })));
}

/**
 * float32 one-hot vectors along a new last axis; labels outside [0, numClasses) give all zeros (as JAX).
 * @example nn.oneHot([0, 2, 5], 3).toArray() // [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
 */
export const oneHot: (labels: ArrayLike, numClasses: number) => Tensor = guard(
  "nn.oneHot",
  [array("labels"), count("numClasses")],
  oneHotImpl,
);
function oneHotImpl(labels: ArrayLike, numClasses: number): Tensor {
  const l = asTensor(labels);
  const classes = lax.iota(l.dtype === "bool" ? "int32" : l.dtype, [numClasses]);
  return lax.convertElementType(np.equal(expandDims(l, -1), classes), "float32");
}

/**
 * Neural-network functions, as JAX's `jax.nn`; every input may be an ArrayLike, integers become float32.
 * @example grad((x: Tensor) => nn.relu(x).sum())(np.array([-1, 0, 2])) // Tensor([0, 0, 1], dtype=float32)
 */
export const nn = {
  relu,
  sigmoid,
  softplus,
  logSigmoid,
  gelu,
  tanh,
  softmax,
  logSoftmax,
  logsumexp,
  oneHot,
  silu,
  swish: silu,
  elu,
  celu,
  selu,
  leakyRelu,
  relu6,
  hardTanh,
  hardSigmoid,
  hardSilu,
  hardSwish: hardSilu,
  mish,
  softSign,
  glu,
  logmeanexp,
  standardize,
  dotProductAttention,
  dropout,
  initializers,
  maxPool,
  avgPool,
};
