// The training step of examples/12-cnn-mnist.ts (issue 19), with plain SGD so that every library does the same work:
// conv 3×3 1 → 16 (SAME) → relu → maxPool 2×2 → conv 3×3 16 → 32 → relu → maxPool 2×2 → flatten (7·7·32) → dense 128
// → relu → dense 10, mean softmax cross-entropy with integer labels over a batch of 64; value, gradient and one SGD
// step (lr 0.05) from the same parameters every call. tracegrad jit (NHWC/HWIO, as the example) vs jax-js jit
// (NCHW/OIHW, its only convolution layout; pooling by lax.reduceWindow) and TensorFlow.js on its cpu backend (its
// wasm backend has no Conv2DBackpropFilter kernel).
import { jit, np, random, type Tensor, tree, valueAndGrad } from "tracegrad";
import { type CnnParams, cnnLoss, initCnnParams } from "../../examples/lib/cnn.js";
import { type Case, fmtAuto, ratioLine, type Suite } from "../harness.js";
import { normal } from "./data.js";
import { jax, loadJax, loadTf, tf, toJax, toTf, useTf } from "./libs.js";

const BATCH = 64;
const LR = 0.05;
const keys = ["c1", "b1", "c2", "b2", "w3", "b3", "w4", "b4"] as const;
type Key = (typeof keys)[number];
type Params = CnnParams;

/** The example's initialisation, with small nonzero biases so that their gradients and updates are compared too. */
function initParams(): Params {
  const p = initCnnParams(random.key(0));
  return {
    ...p,
    b1: normal(31, [16], 0.01),
    b2: normal(32, [32], 0.01),
    b3: normal(33, [128], 0.01),
    b4: normal(34, [10], 0.01),
  };
}
const loss = cnnLoss;
const step = (p: Params, x: Tensor, y: Tensor): [Tensor, Params] => {
  const [l, g] = valueAndGrad(loss)(p, x, y);
  return [l, tree.map((w: Tensor, dw: Tensor) => w.sub(dw.mul(LR)), p, g) as Params];
};

// jax-js: NCHW activations, OIHW kernels; every use of an array consumes a reference (.ref adds one)
type JA = jax.numpy.Array;
type JParams = Record<Key, JA>;
const jnp = jax.numpy;
const jaxPool = (t: JA): JA => jax.lax.reduceWindow(t, (v: JA) => jnp.max(v), [2, 2], [2, 2]);
const jaxConvRelu = (x: JA, w: JA, b: JA): JA =>
  jax.nn.relu(jax.lax.convGeneralDilated(x, w, [1, 1], "SAME").add(b.reshape([-1, 1, 1])));
function jaxLogits(p: JParams, x: JA): JA {
  let h = jaxPool(jaxConvRelu(x, p.c1, p.b1));
  h = jaxPool(jaxConvRelu(h, p.c2, p.b2));
  // flatten in tracegrad's (h, w, c) order, so that w3 is the same matrix
  h = jnp.transpose(h, [0, 2, 3, 1]).reshape([BATCH, 7 * 7 * 32]);
  h = jax.nn.relu(jnp.matmul(h, p.w3).add(p.b3));
  return jnp.matmul(h, p.w4).add(p.b4);
}
const jaxLoss = (p: JParams, x: JA, y: JA): JA =>
  jnp
    .sum(jax.nn.oneHot(y, 10).mul(jax.nn.logSoftmax(jaxLogits(p, x), -1)), -1)
    .mean()
    .neg();
const jaxStep = (p: JParams, x: JA, y: JA): [JA, JParams] => {
  const [l, g] = jax.valueAndGrad(jaxLoss)(jax.tree.ref(p), x, y);
  return [l, jax.tree.map((w: JA, dw: JA) => w.sub(dw.mul(LR)), p, g) as JParams];
};
/** tracegrad layout → jax-js layout (HWIO kernels → OIHW). */
const toJaxLayout = (k: Key, t: Tensor): Tensor => (k === "c1" || k === "c2" ? np.transpose(t, [3, 2, 0, 1]) : t);

// TensorFlow.js: NHWC/HWIO like tracegrad; a step over the 8 parameters for fixed x, y
function tfStepFor(p: Params, xT: Tensor, labels: Int32Array): () => tf.Tensor[] {
  const params = keys.map((k) => toTf(p[k]));
  const x = toTf(xT) as tf.Tensor4D;
  const y = tf.tensor1d(labels, "int32");
  const f = (...w: tf.Tensor[]): tf.Scalar => {
    type T = tf.Tensor;
    const [c1, b1, c2, b2, w3, b3, w4, b4] = w as [tf.Tensor4D, T, tf.Tensor4D, T, tf.Tensor2D, T, tf.Tensor2D, T];
    const cr = (h: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor) => tf.relu(tf.add(tf.conv2d(h, k, 1, "same"), b));
    let h = tf.maxPool(cr(x, c1, b1) as tf.Tensor4D, 2, 2, "valid");
    h = tf.maxPool(cr(h, c2, b2) as tf.Tensor4D, 2, 2, "valid");
    const h3 = tf.relu(tf.add(tf.matMul(tf.reshape(h, [BATCH, 7 * 7 * 32]), w3), b3)) as tf.Tensor2D;
    const z = tf.add(tf.matMul(h3, w4), b4);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, 10), tf.logSoftmax(z)), -1))) as tf.Scalar;
  };
  const vg = tf.valueAndGrads(f);
  /** [loss, ...new parameters] */
  return () =>
    tf.tidy(() => {
      const { value, grads } = vg(params);
      return [value, ...params.map((w, i) => tf.sub(w, tf.mul(grads[i]!, LR)))];
    });
}

/** max |a − b| / max(1, max |b|) over flat float arrays. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 1;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    d = e > d || Number.isNaN(e) ? (Number.isNaN(e) ? Infinity : e) : d;
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

const cases = {
  tg: "tracegrad jit(step), NHWC/HWIO",
  jax: "jax-js jit(step), NCHW/OIHW",
  tf: "tfjs-cpu step, NHWC/HWIO",
};

export const cnnStep: Suite = {
  name: "cnn-step",
  title: `CNN (examples/12-cnn-mnist.ts) training step, batch ${BATCH}, float32`,
  description:
    "conv 3×3 1 → 16 (SAME), relu, maxPool 2×2, conv 3×3 16 → 32, relu, maxPool 2×2, flatten 7·7·32, dense 128, relu, " +
    "dense 10; mean softmax cross-entropy with integer labels. One plain SGD step (lr 0.05) from the same parameters " +
    "every call: loss, gradient of all 206,922 parameters and the updated parameters (new arrays; nothing in place). " +
    "tracegrad `jit(step)` in NHWC/HWIO as the example; jax-js `jit(step)` in NCHW/OIHW (its convGeneralDilated's only " +
    "layout), max pooling by `lax.reduceWindow(h, max, [2, 2], [2, 2])`, the pooled activations transposed to (h, w, c) " +
    "before flattening so that the dense weights are the same, awaited with `blockUntilReady`, outputs disposed; " +
    "TensorFlow.js `tf.valueAndGrads` + update in `tf.tidy` on its cpu backend (its wasm backend has no " +
    "Conv2DBackpropFilter kernel), NHWC/HWIO; about 10 s a step there, hence few warm-up calls. Before timing, each " +
    "library's " +
    "loss and updated parameters are checked against tracegrad's (max |Δ| ≤ 1e-4 · max(1, max |ref|) per array).",
  // tfjs-cpu takes about 10 s a step: 2 warm-up calls (every case is compiled in setup already)
  options: { warmup: 2, reps: 10 },
  display: { per: "step", rate: "steps/s" },
  async setup() {
    await loadJax();
    await loadTf();
    const params = initParams();
    // inputs in [0, 1) like MNIST pixels (|N(0, 1)| clipped), seeded integer labels
    const x = np.minimum(np.abs(normal(35, [BATCH, 28, 28, 1])), 1);
    const labels = Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + 3) % 10);
    const y = np.array(labels);

    // tracegrad
    const jstep = jit(step);
    const flatOut = ([l, p]: [Tensor, Params]) => [l, ...keys.map((k) => p[k])];
    const ref = flatOut(jstep(params, x, y)).map((t) => t.toTypedArray() as Float32Array);
    const eager = flatOut(step(params, x, y)).map((t) => t.toTypedArray() as Float32Array);
    // reference outputs in jax-js's layout
    const refJax = flatOut(jstep(params, x, y)).map(
      (t, i) => (i === 0 ? t : toJaxLayout(keys[i - 1]!, t)).toTypedArray() as Float32Array,
    );

    // jax-js
    const jp = Object.fromEntries(keys.map((k) => [k, toJax(toJaxLayout(k, params[k]))])) as JParams;
    const jx = toJax(np.transpose(x, [0, 3, 1, 2]));
    const jy = jnp.array(labels, { dtype: jnp.int32 });
    const jaxJstep = jax.jit(jaxStep);
    const runJax = async () => {
      const out = jaxJstep(jax.tree.ref(jp), jx.ref, jy.ref);
      await jax.blockUntilReady(out);
      jax.tree.dispose(out);
    };
    const [jl, jnew] = jaxJstep(jax.tree.ref(jp), jx.ref, jy.ref);
    const jaxOut = [jl, ...keys.map((k) => jnew[k])].map((t) => new Float32Array(t.dataSync()));

    // TensorFlow.js on cpu
    await useTf("cpu");
    const tfStep = tfStepFor(params, x, labels);
    const t0 = performance.now();
    const tOut = tfStep();
    const tfFirst = performance.now() - t0;
    const tfOut = tOut.map((t) => new Float32Array(t.dataSync()));
    tf.dispose(tOut);

    const names = ["loss", ...keys];
    const checks: [string, number][] = [];
    for (const [lib, out, r] of [
      ["tracegrad eager", eager, ref],
      ["jax-js", jaxOut, refJax],
      ["tfjs-cpu", tfOut, ref],
    ] as const)
      out.forEach((a, i) => checks.push([`${lib} ${names[i]}`, relDiff(a, r[i]!)]));
    const bad = checks.filter(([, e]) => !(e <= 1e-4));
    if (bad.length) throw new Error(`cnn-step: differs from tracegrad jit: ${bad.map(([n, e]) => `${n} ${e}`)}`);
    const worst = checks.reduce((a, b) => (b[1] > a[1] ? b : a));

    const list: Case[] = [
      { name: cases.tg, fn: () => jstep(params, x, y) },
      { name: cases.jax, fn: runJax },
      {
        name: cases.tf,
        fn: () => tf.dispose(tfStep()),
        before: () => useTf("cpu"),
        note: `first call (untimed, in setup) ${fmtAuto(tfFirst)}`,
      },
    ];
    return {
      cases: list,
      baseline: cases.tg,
      notes: [
        `checks before timing: loss and all ${keys.length} updated parameter arrays of tracegrad eager, jax-js and ` +
          `tfjs-cpu against tracegrad jit; largest relative difference ${worst[1].toExponential(1)} (${worst[0]}); ` +
          `loss ${ref[0]![0]!.toFixed(5)}`,
      ],
      summary: (median) => [ratioLine(median, "tracegrad / jax-js", cases.tg, cases.jax)],
      targets: [
        {
          label: "CNN step ≥ 2× jax-js jit (issue 19)",
          kind: "ratio",
          case: cases.tg,
          vs: cases.jax,
          limit: 0.5,
          reference: cases.jax,
        },
      ],
    };
  },
};
