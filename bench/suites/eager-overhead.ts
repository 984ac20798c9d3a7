// Eager per-operation overhead: one elementwise add of two float32 vectors of n elements, per library, against
// the plain JS loop that does the same work (allocate the output, add).
import type { Case, Suite } from "../harness.js";
import { normal } from "./data.js";
import { jax, loadJax, loadTf, type TfBackend, tf, toJax, toTf, useTf } from "./libs.js";

/** Operations per timed sample, per case, so that a sample takes a few milliseconds. */
function counts(n: number): { js: number; tracegrad: number; jax: number; tf: number } {
  if (n <= 10) return { js: 20_000, tracegrad: 1_000, jax: 30, tf: 200 };
  if (n <= 10_000) return { js: 5_000, tracegrad: 500, jax: 30, tf: 100 };
  return { js: 20, tracegrad: 20, jax: 10, tf: 20 };
}

/** The plain JS loop: allocate the output, add (a module-level function of its arrays, as one would write it). */
function addLoop(a: Float32Array, b: Float32Array): Float32Array {
  const n = a.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
  return out;
}

const label = (n: number) => (n >= 100_000 ? `1e${Math.round(Math.log10(n))}` : String(n));

export function eagerOverhead(n: number): Suite {
  return {
    name: `eager-overhead-n${n}`,
    title: `Eager per-operation overhead: add of two float32 vectors, n = ${label(n)}`,
    description:
      `One \`add\` of two float32 vectors of ${label(n)} element${n === 1 ? "" : "s"}, called repeatedly on the same inputs; ` +
      "each sample runs many operations and is divided by their number. The hand-written JS loop allocates the output " +
      'Float32Array and adds; the column "median − baseline" is what each library spends per operation beyond that work. ' +
      "tracegrad: `x.add(y)` outside any transform. jax-js: `np.add(x.ref, y.ref)`, awaited with `blockUntilReady()` " +
      "(jax-js is lazy: realising is what runs the operation) and disposed. TensorFlow.js: `tf.add(x, y)`, disposed. " +
      "Before timing, every result is checked against the JS loop.",
    options: { warmup: 5, reps: 40 },
    display: { unit: "µs", per: "op", overBaseline: true },
    async setup() {
      await loadJax();
      await loadTf();
      const c = counts(n);
      const x = normal(31, [n]);
      const y = normal(32, [n]);
      const xs = x.toTypedArray() as Float32Array;
      const ys = y.toTypedArray() as Float32Array;
      const jsAdd = () => addLoop(xs, ys);
      const jx = toJax(x);
      const jy = toJax(y);
      const tfIn = new Map<TfBackend, [tf.Tensor, tf.Tensor]>();
      for (const b of ["wasm", "cpu"] as const) {
        await useTf(b);
        tfIn.set(b, [toTf(x), toTf(y)]);
      }

      const ref = jsAdd();
      const same = (name: string, got: ArrayLike<number>) => {
        for (let i = 0; i < n; i++)
          if (got[i] !== ref[i]) throw new Error(`eager-overhead: ${name} gives ${got[i]} at ${i}, expected ${ref[i]}`);
      };
      same("tracegrad", x.add(y).toTypedArray() as Float32Array);
      same("jax-js", jax.numpy.add(jx.ref, jy.ref).dataSync());
      for (const b of ["wasm", "cpu"] as const) {
        await useTf(b);
        const r = tf.add(...tfIn.get(b)!);
        same(`tfjs-${b}`, r.dataSync());
        r.dispose();
      }

      const repeat = (k: number, one: () => unknown) => () => {
        let r: unknown;
        for (let i = 0; i < k; i++) r = one();
        return r;
      };
      const tfCase = (b: TfBackend): Case => {
        const [a, bb] = tfIn.get(b)!;
        return {
          name: `tfjs-${b} tf.add`,
          count: c.tf,
          fn: repeat(c.tf, () => tf.add(a, bb).dispose()),
          before: () => useTf(b),
        };
      };
      const cases: Case[] = [
        { name: "hand-written JS loop", count: c.js, fn: repeat(c.js, jsAdd) },
        { name: "tracegrad eager x.add(y)", count: c.tracegrad, fn: repeat(c.tracegrad, () => x.add(y)) },
        {
          name: "jax-js eager np.add (realised)",
          count: c.jax,
          fn: async () => {
            for (let i = 0; i < c.jax; i++) {
              const z = jax.numpy.add(jx.ref, jy.ref);
              await z.blockUntilReady();
              z.dispose();
            }
          },
        },
        tfCase("wasm"),
        tfCase("cpu"),
      ];
      return {
        cases,
        baseline: "hand-written JS loop",
        targets:
          n === 1000
            ? [
                {
                  label: "eager overhead ≤ 5 µs per op at n = 1000",
                  kind: "overhead",
                  case: "tracegrad eager x.add(y)",
                  vs: "hand-written JS loop",
                  limit: 0.005,
                  reference: "jax-js eager np.add (realised)",
                },
              ]
            : [],
      };
    },
  };
}
