// optax's losses (optax/losses/_classification.py, _regression.py): each elementwise or per example, never averaged
// over the batch; the numerically stable forms optax uses (log-softmax, log-sigmoid, logaddexp for log cosh), so
// gradients come out right at extreme inputs.
import { isFloat, isInteger } from "../core/dtype.js";
import { DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import { array, axes, axis as axisParam, number } from "../core/params.js";
import { normalizeAxes, normalizeAxis, shapeEq } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { describe, guard, optional, options } from "../core/validate.js";
import { logSigmoid, logSoftmax, logsumexp } from "../nn/index.js";
import { asTensor, broadcastTo } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { any, logicalAnd } from "../numpy/logic.js";
import { expandDims } from "../numpy/manipulation.js";
import { logaddexp } from "../numpy/math.js";
import { max, sum } from "../numpy/reductions.js";
import { isfinite } from "../numpy/trig.js";
import * as lax from "../primitives/index.js";

type Axes = number | readonly number[];

/** `x` as a float tensor: JS data becomes float32; a tensor of integers or bools is a DTypeError (optax's check). */
function floating(fn: string, arg: string, x: ArrayLike): Tensor {
  const t = asTensor(x);
  if (isFloat(t.dtype)) return t;
  if (x instanceof Tensor)
    throw new DTypeError(`optim.losses.${fn}: ${arg} must be a float32 or float64 tensor, got ${describe(x)}`);
  return lax.convertElementType(t, "float32");
}

/** `y` in the dtype of `like` (optax casts labels to the logits' dtype). */
const castTo = (y: Tensor, like: Tensor): Tensor =>
  y.dtype === like.dtype ? y : lax.convertElementType(y, like.dtype);

/**
 * The `where` mask as bools broadcast to `x`'s shape; a mask of lower rank than `x` gets the reduced axis inserted
 * first (optax expands it at `axis`).
 */
function maskOf(fn: string, where: ArrayLike, x: Tensor, ax: Axes): Tensor {
  let w = asTensor(where);
  if (w.ndim !== x.ndim) {
    if (typeof ax !== "number")
      throw new ShapeError(`optim.losses.${fn}: with several axes, where must have the rank of the input (${x.ndim})`);
    w = expandDims(w, ax);
  }
  const b = w.dtype === "bool" ? w : np.notEqual(w, 0);
  return broadcastTo(b, x.shape);
}

/** Σ over `ax` of the entries the mask keeps (all of them without a mask). */
const maskedSum = (x: Tensor, ax: number[], w: Tensor | undefined, keepdims = false): Tensor =>
  sum(w ? np.where(w, x, 0) : x, { axis: ax, keepdims });

/**
 * log Σ exp over `ax` of the entries the mask keeps, keepdims; a row the mask empties gives 0 (not −∞) so no NaN
 * reaches the gradient; its loss is replaced by the caller. The shift by the max has no gradient, as JAX's.
 */
function maskedLogsumexp(x: Tensor, ax: number[], w: Tensor): Tensor {
  const xs = np.where(w, x, -Infinity);
  const m0 = lax.stopGradient(max(xs, { axis: ax, keepdims: true }));
  const m = np.where(isfinite(m0), m0, 0);
  const s = sum(np.exp(np.subtract(xs, m)), { axis: ax, keepdims: true });
  const some = any(w, { axis: ax, keepdims: true });
  return np.add(np.log(np.where(some, s, 1)), m);
}

export interface AxisWhereOpts {
  axis?: Axes;
  where?: ArrayLike;
}
const axisWhere = () => options({ axis: axes(), where: array("where") }, "axis");

/**
 * −Σ labels·log softmax(logits) over `axis` (default −1): the cross entropy per example, shape of logits without
 * `axis`. `where` (the logits' shape, or that without `axis`) leaves entries out of both the normalizer and the sum.
 * Labels are probabilities (e.g. one-hot); a −∞ logit with a 0 label gives NaN, as optax's (its
 * `safe_softmax_cross_entropy` handles that). d/dlogits = softmax·Σlabels − labels.
 * @example optim.losses.softmaxCrossEntropy([[1.2, -0.8, -0.5]], [[1, 0, 0]]) // Tensor([0.2761], dtype=float32)
 */
const softmaxCrossEntropy: (logits: ArrayLike, labels: ArrayLike, opts?: Axes | AxisWhereOpts) => Tensor = guard(
  "optim.losses.softmaxCrossEntropy",
  [array("logits"), array("labels"), axisWhere()],
  (logits: ArrayLike, labels: ArrayLike, o: AxisWhereOpts) => {
    const fn = "softmaxCrossEntropy";
    const x = floating(fn, "logits", logits);
    const y = castTo(asTensor(labels), x);
    const axis = o.axis ?? -1;
    const ax = normalizeAxes(`optim.losses.${fn}`, axis, x.ndim);
    if (o.where === undefined) return np.negative(sum(np.multiply(y, logSoftmax(x, { axis: ax })), { axis: ax }));
    const w = maskOf(fn, o.where, x, axis);
    const logp = np.subtract(x, maskedLogsumexp(x, ax, w));
    return np.negative(maskedSum(np.multiply(y, logp), ax, w));
  },
);

export interface IntAxisWhereOpts {
  axis?: number;
  where?: ArrayLike;
}

/** Integer class labels: a tensor of integers, or JS data of whole numbers (as int32). */
function integerLabels(fn: string, labels: ArrayLike): Tensor {
  if (labels instanceof Tensor) {
    if (!isInteger(labels.dtype))
      throw new DTypeError(`optim.losses.${fn}: labels must be an integer tensor, got ${describe(labels)}`);
    return labels.dtype === "int32" ? labels : lax.convertElementType(labels, "int32");
  }
  const t = asTensor(labels);
  const v = t.toTypedArray();
  for (let i = 0; i < v.length; i++)
    if (!Number.isInteger(Number(v[i])))
      throw new TracegradError(`optim.losses.${fn}: labels must be whole numbers, got ${Number(v[i])}`);
  return lax.convertElementType(t, "int32");
}

/**
 * logsumexp(logits) − logits[label] along `axis` (default −1, one axis): the cross entropy against integer labels
 * (shape of logits without `axis`), computed without normalizing every logit, as optax. d/dlogits = softmax −
 * onehot(label). Labels index as JAX's take_along_axis: −n ≤ label < 0 counts from the end, and a label outside
 * [−n, n) gives NaN (its gradient is the softmax alone). `where` leaves classes out of the normalizer; an example with
 * none left has loss 0.
 * @example optim.losses.softmaxCrossEntropyWithIntegerLabels([[1.2, -0.8, -0.5]], [0]) // Tensor([0.2761])
 */
const softmaxCrossEntropyWithIntegerLabels: (
  logits: ArrayLike,
  labels: ArrayLike,
  opts?: number | IntAxisWhereOpts,
) => Tensor = guard(
  "optim.losses.softmaxCrossEntropyWithIntegerLabels",
  [array("logits"), array("labels"), options({ axis: axisParam(), where: array("where") }, "axis")],
  (logits: ArrayLike, labels: ArrayLike, o: IntAxisWhereOpts) => {
    const fn = "softmaxCrossEntropyWithIntegerLabels";
    const x = floating(fn, "logits", logits);
    const l = integerLabels(fn, labels);
    const a = normalizeAxis(`optim.losses.${fn}`, o.axis ?? -1, x.ndim);
    const batch = x.shape.filter((_, i) => i !== a);
    if (!shapeEq(l.shape, batch))
      throw new ShapeError(
        `optim.losses.${fn}: labels must have the logits' shape without axis ${a}, [${batch.join(", ")}], got ` +
          `[${l.shape.join(", ")}]`,
      );
    const n = x.shape[a]!;
    const wrapped = np.where(np.less(l, 0), np.add(l, n), l);
    const valid = logicalAnd(np.greaterEqual(wrapped, 0), np.less(wrapped, n));
    const classShape = x.shape.map((d, i) => (i === a ? d : 1));
    const hit = np.equal(expandDims(wrapped, a), lax.iota("int32", classShape, a));
    // the label's logit: a masked sum, so its gradient is the one-hot of the label
    const picked = sum(np.where(hit, x, 0), { axis: a });
    const labelLogit = np.where(valid, picked, NaN);
    if (o.where === undefined) return np.subtract(logsumexp(x, { axis: a }), labelLogit);
    const w = maskOf(fn, o.where, x, a);
    const lse = lax.reshape(maskedLogsumexp(x, [a], w), batch);
    return np.where(any(w, { axis: a }), np.subtract(lse, labelLogit), 0);
  },
);

/**
 * −labels·log σ(logits) − (1 − labels)·log σ(−logits), elementwise (labels in {0, 1} or probabilities, broadcast,
 * cast to the logits' dtype); finite for any finite logits. d/dlogits = σ(logits) − labels.
 * @example optim.losses.sigmoidBinaryCrossEntropy([0, 1000], [1, 1]) // Tensor([0.6931472, 0], dtype=float32)
 */
const sigmoidBinaryCrossEntropy: (logits: ArrayLike, labels: ArrayLike) => Tensor = guard(
  "optim.losses.sigmoidBinaryCrossEntropy",
  [array("logits"), array("labels")],
  (logits: ArrayLike, labels: ArrayLike) => {
    const x = floating("sigmoidBinaryCrossEntropy", "logits", logits);
    const y = castTo(asTensor(labels), x);
    return np.subtract(
      np.multiply(np.negative(y), logSigmoid(x)),
      np.multiply(np.subtract(1, y), logSigmoid(np.negative(x))),
    );
  },
);

/** predictions − targets (predictions alone without targets). */
function errorsOf(fn: string, predictions: ArrayLike, targets: ArrayLike | undefined, sameShape: boolean): Tensor {
  const p = floating(fn, "predictions", predictions);
  if (targets === undefined) return p;
  const t = asTensor(targets);
  // optax's squared_error checks the shapes equal (no broadcasting); huber and log cosh broadcast
  if (sameShape && !shapeEq(p.shape, t.shape))
    throw new ShapeError(
      `optim.losses.${fn}: targets must have the predictions' shape [${p.shape.join(", ")}], got ` +
        `[${t.shape.join(", ")}]`,
    );
  return np.subtract(p, t);
}

/**
 * (predictions − targets)², elementwise (targets default to 0 and must have the predictions' shape, as optax's).
 * The mean squared error is `squaredError(p, t).mean()`.
 * @example optim.losses.squaredError([1, 3], [0, 1]) // Tensor([1, 4], dtype=float32)
 */
const squaredError: (predictions: ArrayLike, targets?: ArrayLike) => Tensor = guard(
  "optim.losses.squaredError",
  [array("predictions"), optional(array("targets"))],
  (p: ArrayLike, t: ArrayLike | undefined) => np.square(errorsOf("squaredError", p, t, true)),
);

/**
 * ½(predictions − targets)², elementwise (half the squared error, as optax's).
 * @example optim.losses.l2Loss([1, 3], [0, 1]) // Tensor([0.5, 2], dtype=float32)
 */
const l2Loss: (predictions: ArrayLike, targets?: ArrayLike) => Tensor = guard(
  "optim.losses.l2Loss",
  [array("predictions"), optional(array("targets"))],
  (p: ArrayLike, t: ArrayLike | undefined) => np.multiply(0.5, np.square(errorsOf("l2Loss", p, t, true))),
);

/**
 * ½e² for |e| ≤ delta, delta·(|e| − ½delta) beyond, e = predictions − targets (broadcast), elementwise; written as
 * optax's ½·min(|e|, δ)² + δ·(|e| − min(|e|, δ)), whose gradient is e clipped to [−δ, δ]. `delta` (default 1) may
 * be given positionally or as `{ delta }`.
 * @example optim.losses.huberLoss([0.5, 3]) // Tensor([0.125, 2.5], dtype=float32)
 */
const huberLoss: (predictions: ArrayLike, targets?: ArrayLike, delta?: number | { delta?: number }) => Tensor = guard(
  "optim.losses.huberLoss",
  [array("predictions"), optional(array("targets")), options({ delta: number("delta", true) }, "delta")],
  (p: ArrayLike, t: ArrayLike | undefined, o: { delta?: number }) => {
    const delta = o.delta ?? 1;
    const abs = np.abs(errorsOf("huberLoss", p, t, false));
    const quadratic = np.minimum(abs, delta);
    const linear = np.subtract(abs, quadratic);
    return np.add(np.multiply(0.5, np.square(quadratic)), np.multiply(delta, linear));
  },
);

/**
 * log cosh(predictions − targets), elementwise, as logaddexp(e, −e) − log 2: no overflow for large |e| (where it
 * is |e| − log 2), and the gradient is tanh(e).
 * @example optim.losses.logCosh([0, 1000]) // Tensor([0, 999.3069], dtype=float32)
 */
const logCosh: (predictions: ArrayLike, targets?: ArrayLike) => Tensor = guard(
  "optim.losses.logCosh",
  [array("predictions"), optional(array("targets"))],
  (p: ArrayLike, t: ArrayLike | undefined) => {
    const e = errorsOf("logCosh", p, t, false);
    return np.subtract(logaddexp(e, np.negative(e)), lax.full([], Math.LN2, e.dtype));
  },
);

export interface CosineOpts {
  epsilon?: number;
  axis?: Axes;
  where?: ArrayLike;
}
const cosineOptions = () => options({ epsilon: number("epsilon", true), axis: axes(), where: array("where") });

function cosineImpl(fn: string, predictions: ArrayLike, targets: ArrayLike, o: CosineOpts): Tensor {
  const a = floating(fn, "predictions", predictions);
  const b = floating(fn, "targets", targets);
  const axis = o.axis ?? -1;
  const ax = normalizeAxes(`optim.losses.${fn}`, axis, Math.max(a.ndim, b.ndim));
  const w = o.where === undefined ? undefined : maskOf(fn, o.where, a.ndim >= b.ndim ? a : b, axis);
  const eps = o.epsilon ?? 0;
  // the squared norms (not the norms) are clipped below at epsilon, as optax's
  const unit = (v: Tensor) => np.divide(v, np.sqrt(np.maximum(maskedSum(np.square(v), ax, w, true), eps)));
  return maskedSum(np.multiply(unit(a), unit(b)), ax, w);
}

/**
 * The cosine of the angle between predictions and targets along `axis` (default −1): Σ â·b̂ with each vector over
 * its norm, the squared norms clipped below at `epsilon` (default 0, so a zero vector gives NaN, as optax's).
 * Shape of the inputs without `axis`; `where` leaves entries out.
 * @example optim.losses.cosineSimilarity([[1, 0]], [[1, 1]]) // Tensor([0.70710677], dtype=float32)
 */
const cosineSimilarity: (predictions: ArrayLike, targets: ArrayLike, opts?: CosineOpts) => Tensor = guard(
  "optim.losses.cosineSimilarity",
  [array("predictions"), array("targets"), cosineOptions()],
  (p: ArrayLike, t: ArrayLike, o: CosineOpts) => cosineImpl("cosineSimilarity", p, t, o),
);

/**
 * 1 − cosineSimilarity(predictions, targets, opts).
 * @example optim.losses.cosineDistance([[1, 0]], [[0, 1]]) // Tensor([1], dtype=float32)
 */
const cosineDistance: (predictions: ArrayLike, targets: ArrayLike, opts?: CosineOpts) => Tensor = guard(
  "optim.losses.cosineDistance",
  [array("predictions"), array("targets"), cosineOptions()],
  (p: ArrayLike, t: ArrayLike, o: CosineOpts) => np.subtract(1, cosineImpl("cosineDistance", p, t, o)),
);

/**
 * max(0, 1 − predictorOutputs·targets), elementwise (targets in {−1, 1}); at the kink the gradient is half, as
 * JAX's maximum.
 * @example optim.losses.hingeLoss([0.5, 2], [1, 1]) // Tensor([0.5, 0], dtype=float32)
 */
const hingeLoss: (predictorOutputs: ArrayLike, targets: ArrayLike) => Tensor = guard(
  "optim.losses.hingeLoss",
  [array("predictorOutputs"), array("targets")],
  (p: ArrayLike, t: ArrayLike) => np.maximum(0, np.subtract(1, np.multiply(p, t))),
);

/**
 * Σ targets·(log targets − logPredictions) over `axis` (default −1), with 0·log 0 taken as 0: the KL divergence of
 * the predictions from the targets, per example. `logPredictions` are log-probabilities; `where` leaves entries out.
 * @example optim.losses.klDivergence(np.log([[0.5, 0.5]]), [[1, 0]]) // Tensor([0.6931472], dtype=float32)
 */
const klDivergence: (logPredictions: ArrayLike, targets: ArrayLike, opts?: Axes | AxisWhereOpts) => Tensor = guard(
  "optim.losses.klDivergence",
  [array("logPredictions"), array("targets"), axisWhere()],
  (logPredictions: ArrayLike, targets: ArrayLike, o: AxisWhereOpts) => {
    const lp = floating("klDivergence", "logPredictions", logPredictions);
    const t = floating("klDivergence", "targets", targets);
    const axis = o.axis ?? -1;
    const ax = normalizeAxes("optim.losses.klDivergence", axis, Math.max(lp.ndim, t.ndim));
    const logT = np.where(np.equal(t, 0), 0, np.log(t));
    const loss = np.multiply(t, np.subtract(logT, lp));
    const w = o.where === undefined ? undefined : maskOf("klDivergence", o.where, loss, axis);
    return maskedSum(loss, ax, w);
  },
);

/**
 * optax's losses, each per element or per example (reduce with `.mean()` or `.sum()` yourself).
 * @example optim.losses.softmaxCrossEntropyWithIntegerLabels(logits, labels).mean()
 */
export const losses = {
  softmaxCrossEntropy,
  softmaxCrossEntropyWithIntegerLabels,
  sigmoidBinaryCrossEntropy,
  l2Loss,
  squaredError,
  huberLoss,
  logCosh,
  cosineSimilarity,
  cosineDistance,
  hingeLoss,
  klDivergence,
};
