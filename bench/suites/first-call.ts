// First-call latency of jit(MLP step): trace + optimise + compile (+ the first run), tracegrad vs jax-js.
import { jit } from "tracegrad";
import type { Case, Suite } from "../harness.js";
import { fmtMs } from "../harness.js";
import { jax, loadJax, toJax } from "./libs.js";
import { batch, dims, jaxStep, maxDiff, mlpData, step, stepArrays, toJaxParams } from "./mlp.js";

export const firstCall: Suite = {
  name: "first-call",
  title: `First call of jit(step) (trace + compile + first run), MLP ${dims.join("-")}, batch ${batch}`,
  description:
    "The training step of the mlp-step suite. Each timed call creates a NEW `jit(step)` and calls it once, so it traces, optimises, " +
    "compiles and runs; `lower()` does the same without running it (tracegrad only); the warm call of an already compiled " +
    "`jit(step)` is what running costs. These medians are taken in a warm process: V8 has already optimised the libraries' own code, and " +
    "jax-js keeps compiled wasm kernels in a process-wide cache keyed by kernel, so its later first calls skip most of its compilation. " +
    "The cold numbers (the very first `jit(step)` call of each library in this process, before any other suite ran) are listed below the table.",
  options: { warmup: 3, reps: 20 },
  async setup() {
    const { params, x, y } = mlpData();
    // Cold: the first jit(step) call in this process (this suite runs first in `npm run bench`).
    // lower() traces, optimises and compiles; the call after it only runs (a cache hit), so the two add up to the first call
    const coldJit = jit(step);
    let t0 = performance.now();
    coldJit.lower(params, x, y);
    const coldCompile = performance.now() - t0;
    t0 = performance.now();
    const coldOut = coldJit(params, x, y);
    const coldRun = performance.now() - t0;
    const coldTracegrad = coldCompile + coldRun;
    t0 = performance.now();
    coldJit(params, x, y); // the second call: compiled already, V8 still warming up
    const secondTracegrad = performance.now() - t0;

    await loadJax();
    const jp = toJaxParams(params);
    const jx = toJax(x);
    const jy = toJax(y);
    t0 = performance.now();
    const jaxCold = jax.jit(jaxStep);
    const jaxColdOut = jaxCold(jax.tree.ref(jp), jx.ref, jy.ref);
    await jax.blockUntilReady(jaxColdOut);
    const coldJax = performance.now() - t0;
    t0 = performance.now();
    const jaxSecondOut = jaxCold(jax.tree.ref(jp), jx.ref, jy.ref);
    await jax.blockUntilReady(jaxSecondOut);
    const secondJax = performance.now() - t0;
    jax.tree.dispose(jaxSecondOut);

    // the cold calls computed the step (checked against tracegrad eager)
    const ref = stepArrays.tracegrad(step(params, x, y));
    for (const [name, got] of [
      ["tracegrad", stepArrays.tracegrad(coldOut)],
      ["jax-js", stepArrays.jax(jaxColdOut)],
    ] as const) {
      const d = maxDiff(got, ref);
      if (!(d <= 1e-5)) throw new Error(`first-call: ${name} jit(step) differs from tracegrad eager by ${d}`);
    }
    jaxCold.dispose();

    const warm = jit(step);
    const jaxWarm = jax.jit(jaxStep);
    const cases: Case[] = [
      { name: "tracegrad: new jit(step), first call", fn: () => jit(step)(params, x, y) },
      { name: "tracegrad: new jit(step).lower() (no run)", fn: () => jit(step).lower(params, x, y) },
      { name: "tracegrad: compiled jit(step), warm call", fn: () => warm(params, x, y) },
      {
        name: "jax-js: new jit(step), first call",
        fn: async () => {
          const f = jax.jit(jaxStep);
          const out = f(jax.tree.ref(jp), jx.ref, jy.ref);
          await jax.blockUntilReady(out);
          jax.tree.dispose(out);
          f.dispose();
        },
      },
      {
        name: "jax-js: compiled jit(step), warm call",
        fn: async () => {
          const out = jaxWarm(jax.tree.ref(jp), jx.ref, jy.ref);
          await jax.blockUntilReady(out);
          jax.tree.dispose(out);
        },
      },
    ];
    return {
      cases,
      baseline: "tracegrad: new jit(step), first call",
      notes: [
        `cold, the first jit(step) call in this process: tracegrad ${fmtMs(coldTracegrad)} ms (trace + optimise + compile ${fmtMs(coldCompile)} ms, ` +
          `then the first run ${fmtMs(coldRun)} ms, while V8 still compiles tracegrad's own JS on first use), jax-js ${fmtMs(coldJax)} ms (one sample each); ` +
          `the second call of the same jitted function (compiled, V8 still warming up): tracegrad ${fmtMs(secondTracegrad)} ms, jax-js ${fmtMs(secondJax)} ms`,
      ],
      targets: [
        {
          label: "trace + compile of jit(MLP step) ≤ 50 ms (cold, first in process)",
          kind: "value",
          value: coldCompile,
          limit: 50,
          referenceValue: `${fmtMs(coldJax)} ms (jax-js first call, cold)`,
        },
        {
          label: "first call of jit(MLP step), including its first run, ≤ 50 ms (cold, first in process)",
          kind: "value",
          value: coldTracegrad,
          limit: 50,
          referenceValue: `${fmtMs(coldJax)} ms (jax-js, cold)`,
        },
        {
          label: "first call of jit(MLP step) ≤ 50 ms (new jit, warm process)",
          kind: "time",
          case: "tracegrad: new jit(step), first call",
          limit: 50,
          reference: "jax-js: new jit(step), first call",
        },
        {
          label: "trace + compile of jit(MLP step) (lower(), warm process), against the same 50 ms",
          kind: "time",
          case: "tracegrad: new jit(step).lower() (no run)",
          limit: 50,
        },
      ],
    };
  },
};
