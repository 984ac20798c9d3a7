// The MLP training step shared by the mlp-step and first-call suites: 784-256-256-10 (ReLU), batch 128,
// softmax cross-entropy averaged over the batch, value + gradient + one SGD step, in tracegrad, jax-js and TensorFlow.js.
import { nn, np, type Tensor, tree, valueAndGrad } from "tracegrad";
import { maxAbsDiff, normal } from "./data.js";
import { jax, tf, toJax, toTf } from "./libs.js";

export const dims = [784, 256, 256, 10] as const;
export const batch = 128;
export const lr = 0.1;
export const paramCount = dims[0] * dims[1] + dims[1] + dims[1] * dims[2] + dims[2] + dims[2] * dims[3] + dims[3];

export type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; w3: Tensor; b3: Tensor };
const keys = ["w1", "b1", "w2", "b2", "w3", "b3"] as const;

/** Seeded parameters (Glorot-scaled normal weights, small biases), inputs N(0, 1) and one-hot labels. */
export function mlpData(): { params: Params; x: Tensor; y: Tensor } {
  const [d0, d1, d2, d3] = dims;
  const glorot = (seed: number, i: number, o: number) => normal(seed, [i, o], Math.sqrt(2 / (i + o)));
  const params: Params = {
    w1: glorot(21, d0, d1),
    b1: normal(22, [d1], 0.1),
    w2: glorot(23, d1, d2),
    b2: normal(24, [d2], 0.1),
    w3: glorot(25, d2, d3),
    b3: normal(26, [d3], 0.1),
  };
  const x = normal(27, [batch, d0]);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % d3);
  return { params, x, y: nn.oneHot(np.array(labels), d3) };
}

// tracegrad
const logits = (p: Params, x: Tensor): Tensor => {
  const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
  const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
  return np.matmul(h2, p.w3).add(p.b3);
};
export const loss = (p: Params, x: Tensor, y: Tensor): Tensor =>
  np
    .sum(y.mul(nn.logSoftmax(logits(p, x))), { axis: -1 })
    .mean()
    .neg();
/** One SGD step: [loss, new parameters]. */
export const step = (p: Params, x: Tensor, y: Tensor): [Tensor, Params] => {
  const [l, g] = valueAndGrad(loss)(p, x, y);
  return [l, tree.map((w: Tensor, dw: Tensor) => w.sub(dw.mul(lr)), p, g) as Params];
};

// jax-js: every use of an array consumes a reference (.ref adds one)
type JArray = jax.numpy.Array;
type JParams = { w1: JArray; b1: JArray; w2: JArray; b2: JArray; w3: JArray; b3: JArray };
const jnp = jax.numpy;
const jaxLogits = (p: JParams, x: JArray): JArray => {
  const h1 = jax.nn.relu(jnp.matmul(x, p.w1).add(p.b1));
  const h2 = jax.nn.relu(jnp.matmul(h1, p.w2).add(p.b2));
  return jnp.matmul(h2, p.w3).add(p.b3);
};
export const jaxLoss = (p: JParams, x: JArray, y: JArray): JArray =>
  jnp
    .sum(y.mul(jax.nn.logSoftmax(jaxLogits(p, x), -1)), -1)
    .mean()
    .neg();
export const jaxStep = (p: JParams, x: JArray, y: JArray): [JArray, JParams] => {
  const [l, g] = jax.valueAndGrad(jaxLoss)(jax.tree.ref(p), x, y);
  return [l, jax.tree.map((w: JArray, dw: JArray) => w.sub(dw.mul(lr)), p, g) as JParams];
};
export const toJaxParams = (p: Params): JParams => Object.fromEntries(keys.map((k) => [k, toJax(p[k])])) as JParams;

// TensorFlow.js: a loss over the 6 parameters for fixed x, y (tensors of the backend active when this is called)
export function tfStepFor(
  p: Params,
  xT: Tensor,
  yT: Tensor,
): { params: tf.Tensor[]; step: () => tf.Tensor[]; grads: () => tf.Tensor[] } {
  const params = keys.map((k) => toTf(p[k]));
  const x = toTf(xT);
  const y = toTf(yT);
  const f = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, w3: tf.Tensor, b3: tf.Tensor): tf.Scalar => {
    const h1 = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2));
    const z = tf.add(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D), b3);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), -1))) as tf.Scalar;
  };
  const vg = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar);
  /** [loss, ...new parameters] */
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = vg(params);
      return [value, ...params.map((w, i) => tf.sub(w, tf.mul(grads[i]!, lr)))];
    });
  const grads = () => tf.tidy(() => vg(params).grads);
  return { params, step, grads };
}

/** [loss, new params] as f32 arrays, from each library's step output, for comparisons. */
export const stepArrays = {
  tracegrad: ([l, p]: [Tensor, Params]) => [l, ...keys.map((k) => p[k])].map((t) => np.array(t.toTypedArray())),
  jax: ([l, p]: [JArray, JParams]) =>
    [l, ...keys.map((k) => p[k])].map((t) => np.array(new Float32Array(t.dataSync()))),
  tf: (out: tf.Tensor[]) => {
    const r = out.map((t) => np.array(new Float32Array(t.dataSync())));
    tf.dispose(out);
    return r;
  },
};

/** max |a − b| between two lists of arrays (flattened). */
export const maxDiff = (a: Tensor[], b: Tensor[]): number => maxAbsDiff(a, b);
