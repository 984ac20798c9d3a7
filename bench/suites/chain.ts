// An elementwise chain on 1e6 float32: f(x) = tanh(x·1.5 + 0.5)·x − exp(−x·x), forward and the gradient of its sum.
import { grad, jit, type Tensor } from "tracegrad";
import type { Case, Suite } from "../harness.js";
import { maxRelDiff, normal } from "./data.js";
import { jax, loadJax, loadTf, tf, toJax, toTf, useTf } from "./libs.js";

const n = 1_000_000;

// The hand-fused JS loops: module-level functions of their input, allocating their output.
function handForwardLoop(xs: Float32Array): Float32Array {
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    out[i] = Math.tanh(v * 1.5 + 0.5) * v - Math.exp(-v * v);
  }
  return out;
}

/** The same loop with tracegrad's semantics: every operation's result rounded to float32. */
function handForwardF32Loop(xs: Float32Array): Float32Array {
  const fr = Math.fround;
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    const t = fr(Math.tanh(fr(fr(v * 1.5) + 0.5)));
    out[i] = fr(fr(t * v) - fr(Math.exp(fr(-fr(v * v)))));
  }
  return out;
}

/** f′(x) = (1 − tanh²(u))·1.5·x + tanh(u) + 2x·exp(−x²), u = 1.5x + 0.5 */
function handGradLoop(xs: Float32Array): Float32Array {
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    const t = Math.tanh(v * 1.5 + 0.5);
    out[i] = (1 - t * t) * 1.5 * v + t + 2 * v * Math.exp(-v * v);
  }
  return out;
}

export const chain: Suite = {
  name: "chain",
  title: "Elementwise chain tanh(x·1.5 + 0.5)·x − exp(−x·x) on 1e6 float32: forward, and the gradient of its sum",
  description:
    "x: 1e6 float32 samples of N(0, 1). Forward returns f(x) (1e6 values); gradient returns d/dx sum(f(x)) = f′(x) (1e6 values). " +
    "The hand-fused JS loops allocate a new Float32Array per call (as every library does); the plain ones compute in float64 with one rounding per element; " +
    'tracegrad jit (default `float32: "fast"`) runs the fused loop as WebAssembly SIMD over f32x4 lanes, with vectorised exp and tanh ' +
    '(within 4 ulp); with `float32: "exact"` it is a JS loop rounding to float32 after every operation (bitwise equal to its eager mode); ' +
    "the second hand-written loop does the same `Math.fround` roundings, and is checked bitwise equal to it. jax-js calls are awaited with `blockUntilReady()` " +
    "(jax-js is lazy) and their outputs disposed; TensorFlow.js runs synchronously inside `tf.tidy` and its output is disposed. " +
    "Before timing, every forward and every gradient is checked against the hand-fused loop (max |Δ| / max(1, |ref|) ≤ 1e-5).",
  options: { warmup: 5, reps: 30 },
  async setup() {
    await loadJax();
    await loadTf();
    const x = normal(11, [n]);
    const xs = x.toTypedArray() as Float32Array;

    // hand-fused JS loops
    const handForward = () => handForwardLoop(xs);
    const handForwardF32 = () => handForwardF32Loop(xs);
    const handGrad = () => handGradLoop(xs);

    // tracegrad
    const f = (t: Tensor) => t.mul(1.5).add(0.5).tanh().mul(t).sub(t.mul(t).neg().exp());
    const df = grad((t: Tensor) => f(t).sum());
    const jf = jit(f);
    const jfExact = jit(f, { float32: "exact" });
    const jdf = jit(df);

    // jax-js (x is used four times: three references, then consumed)
    const jnp = jax.numpy;
    const jaxF = (t: jax.numpy.Array) =>
      jnp
        .tanh(t.ref.mul(1.5).add(0.5))
        .mul(t.ref)
        .sub(jnp.exp(t.ref.mul(t).neg()));
    const jaxJf = jax.jit(jaxF);
    const jaxJdf = jax.jit(jax.grad((t: jax.numpy.Array) => jaxF(t).sum()));
    const jx = toJax(x);
    const runJax = (g: (t: jax.numpy.Array) => jax.numpy.Array) => async () => {
      const y = g(jx.ref);
      await y.blockUntilReady();
      y.dispose();
    };

    // TensorFlow.js on wasm
    await useTf("wasm");
    const tx = toTf(x);
    const tfF = (t: tf.Tensor) => tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(t, 1.5), 0.5)), t), tf.exp(tf.neg(tf.mul(t, t))));
    const tfDf = tf.grad((t: tf.Tensor) => tf.sum(tfF(t)));
    const runTfF = () => tf.tidy(() => tfF(tx));
    const runTfDf = () => tf.tidy(() => tfDf(tx));
    const onWasm = () => useTf("wasm");

    // the same values everywhere
    const refF = handForward();
    const refDf = handGrad();
    const got: [string, ArrayLike<number>, Float32Array][] = [
      ["tracegrad eager forward", f(x).toTypedArray() as Float32Array, refF],
      ["tracegrad jit forward", jf(x).toTypedArray() as Float32Array, refF],
      ["jax-js jit forward", jaxJf(jx.ref).dataSync(), refF],
      [
        "tfjs-wasm forward",
        (() => {
          const r = runTfF();
          const d = r.dataSync();
          r.dispose();
          return d;
        })(),
        refF,
      ],
      ["tracegrad eager gradient", df(x).toTypedArray() as Float32Array, refDf],
      ["tracegrad jit gradient", jdf(x).toTypedArray() as Float32Array, refDf],
      ["jax-js jit gradient", jaxJdf(jx.ref).dataSync(), refDf],
      [
        "tfjs-wasm gradient",
        (() => {
          const r = runTfDf();
          const d = r.dataSync();
          r.dispose();
          return d;
        })(),
        refDf,
      ],
    ];
    for (const [name, a, b] of got) {
      const d = maxRelDiff(a, b);
      if (!(d <= 1e-5)) throw new Error(`chain: ${name} differs from the hand-fused loop by ${d} (relative)`);
    }
    // with the same roundings, the hand-written loops and tracegrad's generated ones agree bit for bit
    const sameBits = (what: string, a: ArrayLike<number>, b: ArrayLike<number>) => {
      for (let i = 0; i < n; i++)
        if (!Object.is(a[i], b[i])) throw new Error(`chain: ${what} at ${i}: ${a[i]} vs ${b[i]}`);
    };
    sameBits(
      "tracegrad jit (float32: exact) forward differs from the float32-rounded hand loop",
      jfExact(x).toTypedArray(),
      handForwardF32(),
    );

    const cases: Case[] = [
      { name: "forward: hand-fused JS loop", fn: handForward },
      { name: "forward: hand-fused JS loop, float32 rounding after each op", fn: handForwardF32 },
      { name: "forward: tracegrad jit", fn: () => jf(x) },
      { name: "forward: tracegrad jit, float32: exact", fn: () => jfExact(x) },
      { name: "forward: tracegrad eager", fn: () => f(x) },
      { name: "forward: jax-js jit", fn: runJax(jaxJf) },
      { name: "forward: tfjs-wasm", fn: () => runTfF().dispose(), before: onWasm },
      { name: "gradient: hand-fused JS loop", fn: handGrad },
      { name: "gradient: tracegrad jit(grad)", fn: () => jdf(x) },
      { name: "gradient: tracegrad eager grad", fn: () => df(x) },
      { name: "gradient: jax-js jit(grad)", fn: runJax(jaxJdf) },
      { name: "gradient: tfjs-wasm tf.grad", fn: () => runTfDf().dispose(), before: onWasm },
    ];
    return {
      cases,
      baseline: "forward: hand-fused JS loop",
      targets: [
        {
          label: "jit chain forward ≤ 1.1× the hand-fused JS loop",
          kind: "ratio",
          case: "forward: tracegrad jit",
          vs: "forward: hand-fused JS loop",
          limit: 1.1,
          reference: "forward: jax-js jit",
        },
        {
          label: "jit chain gradient ≤ 1.5× jit chain forward",
          kind: "ratio",
          case: "gradient: tracegrad jit(grad)",
          vs: "forward: tracegrad jit",
          limit: 1.5,
          reference: "gradient: jax-js jit(grad)",
        },
        {
          label: "jit chain forward ≤ 13 ms (issue 6)",
          kind: "time",
          case: "forward: tracegrad jit",
          limit: 13,
          reference: "forward: jax-js jit",
        },
        {
          label: "jit chain forward ≤ 0.5× jax-js jit (issue 6)",
          kind: "ratio",
          case: "forward: tracegrad jit",
          vs: "forward: jax-js jit",
          limit: 0.5,
          reference: "forward: jax-js jit",
        },
      ],
    };
  },
};
