// float32 matrix multiply n×n·n×n, plain and with a transposed operand (the backward pass of a dense layer
// needs Aᵀ·B and A·Bᵀ): tracegrad (WebAssembly SIMD, 1 and 2 threads) against TensorFlow.js wasm and jax-js.
import { lax, type Tensor } from "tracegrad";
import { setThreads, threadsReady } from "../../src/wasm/runtime.js";
import type { Case, Suite } from "../harness.js";
import { normal } from "./data.js";
import { jax, loadJax, loadTf, tf, toJax, toTf, useTf } from "./libs.js";

type Layout = "A·B" | "Aᵀ·B" | "A·Bᵀ";
/** dot_general contracting dimensions of each layout (operands stored n×n either way). */
const DN: Record<Layout, [[number[], number[]], [number[], number[]]]> = {
  A·B: [
    [[1], [0]],
    [[], []],
  ],
  Aᵀ·B: [
    [[0], [0]],
    [[], []],
  ],
  A·Bᵀ: [
    [[1], [1]],
    [[], []],
  ],
};

export function matmul(n: number): Suite {
  const gflop = (2 * n ** 3) / 1e9;
  return {
    name: `matmul-${n}`,
    title: `float32 matmul ${n}×${n}·${n}×${n}: plain and with a transposed operand`,
    description:
      `Two ${n}×${n} float32 matrices of N(0, 1) samples. "A·B" multiplies them as stored; "Aᵀ·B" and "A·Bᵀ" contract over the first ` +
      "axis of A or the second of B (`lax.dotGeneral` dimension numbers; tf.matMul's transposeA / transposeB; jax-js `jnp.matmul` of a `.transpose()` view). " +
      "tracegrad runs its WebAssembly SIMD kernel on 1 thread or on 2 (the calling thread and one worker; `setThreads`), the same bits either way " +
      "(checked). tfjs-wasm runs its XNNPACK kernels on one thread (no threads in Node); jax-js its wasm device on one thread. " +
      "Every result is checked against tracegrad's JS kernel (float64 accumulation) within 1e-3·√n absolute before timing.",
    options: { warmup: 3, reps: n >= 1024 ? 10 : 25 },
    display: { work: { amount: gflop, unit: "GFLOP/s" } },
    async setup() {
      await loadJax();
      await loadTf();
      const a = normal(41, [n, n]);
      const b = normal(42, [n, n]);
      const ours = (l: Layout) => () => lax.dotGeneral(a, b, DN[l]);
      setThreads(2);
      const ready = await threadsReady();
      if (ready < 1) throw new Error("matmul: no worker thread started");

      // TensorFlow.js (wasm) and jax-js
      await useTf("wasm");
      const [ta, tb] = [toTf(a), toTf(b)];
      const tfCase = (l: Layout) => () => tf.tidy(() => tf.matMul(ta, tb, l === "Aᵀ·B", l === "A·Bᵀ")).dataSync();
      const [ja, jb] = [toJax(a), toJax(b)];
      const jaxMm = jax.jit((x: jax.numpy.Array, y: jax.numpy.Array) => jax.numpy.matmul(x, y));
      const runJax = async () => {
        const y = jaxMm(ja.ref, jb.ref);
        await y.blockUntilReady();
        y.dispose();
      };

      // the same values everywhere (reference: the JS kernel with float64 accumulation, via float64 operands)
      const a64 = a.astype("float64");
      const b64 = b.astype("float64");
      const tol = 1e-3 * Math.sqrt(n);
      const check = (name: string, got: ArrayLike<number>, l: Layout) => {
        const want = (lax.dotGeneral(a64, b64, DN[l]) as Tensor).toTypedArray();
        let d = got.length === want.length ? 0 : Infinity;
        for (let i = 0; i < want.length && d <= tol; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
        if (!(d <= tol)) throw new Error(`matmul-${n}: ${name} ${l} differs from the float64 reference by ${d}`);
      };
      for (const l of Object.keys(DN) as Layout[]) {
        setThreads(1);
        const one = ours(l)().toTypedArray();
        setThreads(2);
        const two = ours(l)().toTypedArray();
        for (let i = 0; i < one.length; i++)
          if (!Object.is(one[i], two[i])) throw new Error(`matmul-${n}: ${l} differs between 1 and 2 threads at ${i}`);
        check("tracegrad", two, l);
        check("tfjs-wasm", tfCase(l)(), l);
      }
      const jy = jaxMm(ja.ref, jb.ref);
      check("jax-js", jy.dataSync(), "A·B");

      const threads = (k: number) => () => setThreads(k);
      const cases: Case[] = [
        { name: "tracegrad A·B, 2 threads", fn: ours("A·B"), before: threads(2) },
        { name: "tracegrad A·B, 1 thread", fn: ours("A·B"), before: threads(1) },
        { name: "tracegrad Aᵀ·B, 2 threads", fn: ours("Aᵀ·B"), before: threads(2) },
        { name: "tracegrad A·Bᵀ, 2 threads", fn: ours("A·Bᵀ"), before: threads(2) },
        { name: "tfjs-wasm A·B", fn: tfCase("A·B"), before: () => useTf("wasm") },
        { name: "tfjs-wasm Aᵀ·B", fn: tfCase("Aᵀ·B"), before: () => useTf("wasm") },
        { name: "tfjs-wasm A·Bᵀ", fn: tfCase("A·Bᵀ"), before: () => useTf("wasm") },
        { name: "jax-js jit A·B", fn: runJax },
      ];
      const time = (gflops: number) => (1000 * gflop) / gflops; // ms at that rate
      return {
        cases,
        baseline: "tracegrad A·B, 2 threads",
        targets:
          n === 512
            ? [
                {
                  label: "matmul 512² ≥ 40 GFLOP/s with 2 threads",
                  kind: "time",
                  case: "tracegrad A·B, 2 threads",
                  limit: time(40),
                  reference: "tfjs-wasm A·B",
                },
                {
                  label: "matmul 512² ≥ 2× tfjs-wasm (same run)",
                  kind: "ratio",
                  case: "tracegrad A·B, 2 threads",
                  vs: "tfjs-wasm A·B",
                  limit: 0.5,
                  reference: "tfjs-wasm A·B",
                },
                {
                  label: "matmul 512² Aᵀ·B ≥ 30 GFLOP/s",
                  kind: "time",
                  case: "tracegrad Aᵀ·B, 2 threads",
                  limit: time(30),
                  reference: "tfjs-wasm Aᵀ·B",
                },
                {
                  label: "matmul 512² A·Bᵀ ≥ 30 GFLOP/s",
                  kind: "time",
                  case: "tracegrad A·Bᵀ, 2 threads",
                  limit: time(30),
                  reference: "tfjs-wasm A·Bᵀ",
                },
              ]
            : [],
      };
    },
  };
}
