// Scalar toy z(x, y) = x·y + x/y at (5, 2) (examples/01): value and both partials per call, or the partials only.
import { grad, jit, np, type Tensor, valueAndGrad } from "tracegrad";
import type { Case, Suite } from "../harness.js";
import { jax, loadJax, loadTf, type TfBackend, tf, useTf } from "./libs.js";

const X = 5;
const Y = 2;
/** z, ∂z/∂x = y + 1/y, ∂z/∂y = x − x/y² */
const want = [X * Y + X / Y, Y + 1 / Y, X - X / (Y * Y)];

const close = (got: ArrayLike<number>, exp: readonly number[]) =>
  got.length === exp.length && exp.every((e, i) => Math.abs(got[i]! - e) <= 1e-6 * Math.max(1, Math.abs(e)));

export const toy: Suite = {
  name: "toy",
  title: "Scalar toy z(x, y) = x·y + x/y: value and gradient per call",
  description:
    "z and both partials (∂z/∂x, ∂z/∂y) at (x, y) = (5, 2), float32 scalars, one call at a time (examples/01). " +
    "Every case returns the three numbers (or, for the `grad` rows, the two partials) computed by its library; " +
    "jax-js and TensorFlow.js results are read back with `dataSync()` and disposed inside the timed call (jax-js is lazy, " +
    "so reading is what runs it). Before timing, each case's values are checked against the hand-written float64 formulas (relative 1e-6). " +
    "Each timed sample runs the case many times in a loop and is divided by that count.",
  options: { warmup: 5, reps: 40 },
  display: { unit: "µs", per: "call" },
  async setup() {
    await loadJax();
    await loadTf();

    // tracegrad
    const z = (x: Tensor, y: Tensor) => x.mul(y).add(x.div(y));
    const x = np.array(X);
    const y = np.array(Y);
    const vg = valueAndGrad(z, { argnums: [0, 1] });
    const jvg = jit(vg);
    const jg = jit(grad(z, { argnums: [0, 1] }));

    // jax-js: every use of an array consumes a reference, so x is used as x.ref once and then as x
    const jnp = jax.numpy;
    const jz = (a: jax.numpy.Array, b: jax.numpy.Array) => a.ref.mul(b.ref).add(a.div(b));
    const jx = jnp.array(X);
    const jy = jnp.array(Y);
    const jaxVg = jax.jit(jax.valueAndGrad(jz, { argnums: [0, 1] }));
    const jaxG = jax.jit(jax.grad(jz, { argnums: [0, 1] }));
    const runJaxVg = () => {
      const [v, [gx, gy]] = jaxVg(jx.ref, jy.ref);
      return [v.dataSync()[0]!, gx.dataSync()[0]!, gy.dataSync()[0]!]; // dataSync reads and disposes
    };
    const runJaxG = () => {
      const [gx, gy] = jaxG(jx.ref, jy.ref);
      return [gx.dataSync()[0]!, gy.dataSync()[0]!];
    };

    // TensorFlow.js: one pair of input scalars per backend (a tensor lives on the backend that made it)
    const tfz = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(a, b), tf.div(a, b)) as tf.Scalar;
    const tfVg = tf.valueAndGrads(tfz);
    const tfInputs = new Map<TfBackend, [tf.Tensor, tf.Tensor]>();
    for (const b of ["wasm", "cpu"] as const) {
      await useTf(b);
      tfInputs.set(b, [tf.scalar(X), tf.scalar(Y)]);
    }
    const runTf = (b: TfBackend) => () => {
      const [a, c] = tfInputs.get(b)!;
      const { value, grads } = tfVg([a, c]);
      const out = [value.dataSync()[0]!, grads[0]!.dataSync()[0]!, grads[1]!.dataSync()[0]!];
      value.dispose();
      tf.dispose(grads);
      return out;
    };

    // hand-written JS (float64), the same three numbers
    const hand = (a: number, b: number) => [a * b + a / b, b + 1 / b, a - a / (b * b)];
    const handX = Float64Array.of(X, X);

    const num = (t: Tensor) => Number(t.item());
    const checks: [string, () => number[] | Promise<number[]>, readonly number[]][] = [
      ["hand-written JS", () => hand(X, Y), want],
      [
        "tracegrad eager",
        () => {
          const [v, [gx, gy]] = vg(x, y);
          return [num(v), num(gx), num(gy)];
        },
        want,
      ],
      [
        "tracegrad jit(valueAndGrad)",
        () => {
          const [v, [gx, gy]] = jvg(x, y);
          return [num(v), num(gx), num(gy)];
        },
        want,
      ],
      ["tracegrad jit(grad)", () => jg(x, y).map(num), want.slice(1)],
      ["jax-js jit(valueAndGrad)", runJaxVg, want],
      ["jax-js jit(grad)", runJaxG, want.slice(1)],
      [
        "tfjs-wasm",
        async () => {
          await useTf("wasm");
          return runTf("wasm")();
        },
        want,
      ],
      [
        "tfjs-cpu",
        async () => {
          await useTf("cpu");
          return runTf("cpu")();
        },
        want,
      ],
    ];
    for (const [name, run, exp] of checks) {
      const got = await run();
      if (!close(got, exp)) throw new Error(`toy: ${name} computed [${got.join(", ")}], expected [${exp.join(", ")}]`);
    }

    /** A case that calls `one` `count` times per timed sample. */
    const loop = (name: string, count: number, one: () => unknown, before?: () => unknown): Case => {
      const c: Case = {
        name,
        count,
        fn: () => {
          let r: unknown;
          for (let i = 0; i < count; i++) r = one();
          return r;
        },
      };
      if (before) c.before = before;
      return c;
    };
    const cases: Case[] = [
      {
        // inputs read from an array and results summed, so that V8 can neither fold nor drop the calls
        name: "hand-written JS (value + both partials, float64)",
        count: 100_000,
        fn: () => {
          let acc = 0;
          for (let i = 0; i < 100_000; i++) {
            const r = hand(handX[i & 1]!, Y);
            acc += r[0]! + r[1]! + r[2]!;
          }
          return acc;
        },
      },
      loop("tracegrad eager valueAndGrad", 200, () => vg(x, y)),
      loop("tracegrad jit(valueAndGrad)", 2_000, () => jvg(x, y)),
      loop("tracegrad jit(grad)", 2_000, () => jg(x, y)),
      loop("jax-js jit(valueAndGrad)", 200, runJaxVg),
      loop("jax-js jit(grad)", 200, runJaxG),
      loop("tfjs-wasm tf.valueAndGrads", 100, runTf("wasm"), () => useTf("wasm")),
      loop("tfjs-cpu tf.valueAndGrads", 200, runTf("cpu"), () => useTf("cpu")),
    ];
    return {
      cases,
      baseline: "tracegrad jit(grad)",
      targets: [
        {
          label: "jit(grad(toy)) ≤ 1 µs per call",
          kind: "time",
          case: "tracegrad jit(grad)",
          limit: 0.001,
          reference: "jax-js jit(grad)",
        },
      ],
    };
  },
};
