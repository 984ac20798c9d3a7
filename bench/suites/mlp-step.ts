// MLP 784-256-256-10 training step (value + gradient + SGD), batch 128: tracegrad jit and eager vs jax-js jit,
// TensorFlow.js on wasm and on cpu.
import { grad, jit, np, type Tensor } from "tracegrad";
import type { Case, Suite } from "../harness.js";
import { jax, loadJax, loadTf, type TfBackend, tf, toJax, useTf } from "./libs.js";
import {
  batch,
  dims,
  jaxLoss,
  jaxStep,
  loss,
  lr,
  maxDiff,
  mlpData,
  paramCount,
  step,
  stepArrays,
  tfStepFor,
  toJaxParams,
} from "./mlp.js";

const keys = ["w1", "b1", "w2", "b2", "w3", "b3"] as const;

export const mlpStep: Suite = {
  name: "mlp-step",
  title: `MLP ${dims.join("-")} (ReLU) training step, batch ${batch}, softmax cross-entropy, float32`,
  description:
    `One SGD step (lr ${lr}) from the same parameters every call: loss, gradient of the batch-mean loss with respect to all ` +
    `${paramCount} parameters, and the updated parameters (new tensors; nothing is updated in place). ` +
    "tracegrad `jit(step)` and eager `step`; jax-js `jit(step)` (awaited with `blockUntilReady`, outputs disposed); " +
    "TensorFlow.js `tf.valueAndGrads` + update inside `tf.tidy` (outputs disposed) on the wasm and the cpu backend. " +
    "Before timing, every library's gradient is checked against tracegrad's (max |Δ| ≤ 1e-4 · max |g| per parameter) and every step's " +
    "loss and new parameters against tracegrad eager (max |Δ| ≤ 1e-5).",
  options: { warmup: 5, reps: 25 },
  display: { per: "step", rate: "steps/s" },
  async setup() {
    await loadJax();
    await loadTf();
    const { params, x, y } = mlpData();

    // tracegrad
    const jstep = jit(step);
    const ref = stepArrays.tracegrad(step(params, x, y));
    const refGrad = grad(loss)(params, x, y);
    const refG = keys.map((k) => np.array(refGrad[k].toTypedArray())); // flat, as the other libraries' arrays below

    // jax-js
    const jp = toJaxParams(params);
    const jx = toJax(x);
    const jy = toJax(y);
    const jaxJstep = jax.jit(jaxStep);
    const runJax = async () => {
      const out = jaxJstep(jax.tree.ref(jp), jx.ref, jy.ref);
      await jax.blockUntilReady(out);
      jax.tree.dispose(out);
    };

    // TensorFlow.js, one copy of the data per backend
    const tfs = new Map<TfBackend, ReturnType<typeof tfStepFor>>();
    for (const b of ["wasm", "cpu"] as const) {
      await useTf(b);
      tfs.set(b, tfStepFor(params, x, y));
    }
    const runTf = (b: TfBackend) => () => tf.dispose(tfs.get(b)!.step());

    // Same gradients and the same step everywhere.
    const gradErr = (gs: Tensor[]) =>
      Math.max(...gs.map((g, i) => maxDiff([g], [refG[i]!]) / Number(np.max(np.abs(refG[i]!)))));
    const jg = jax.grad(jaxLoss)(jax.tree.ref(jp), jx.ref, jy.ref);
    const checks: [string, number, number][] = [
      ["jax-js gradient", gradErr(keys.map((k) => np.array(new Float32Array(jg[k].dataSync())))), 1e-4],
      ["tracegrad jit step", maxDiff(stepArrays.tracegrad(jstep(params, x, y)), ref), 1e-5],
      ["jax-js jit step", maxDiff(stepArrays.jax(jaxJstep(jax.tree.ref(jp), jx.ref, jy.ref)), ref), 1e-5],
    ];
    for (const b of ["wasm", "cpu"] as const) {
      await useTf(b);
      const t = tfs.get(b)!;
      checks.push([`tfjs-${b} gradient`, gradErr(stepArrays.tf(t.grads())), 1e-4]);
      checks.push([`tfjs-${b} step`, maxDiff(stepArrays.tf(t.step()), ref), 1e-5]);
    }
    for (const [name, err, tol] of checks)
      if (!(err <= tol)) throw new Error(`mlp-step: ${name} differs from tracegrad by ${err} (tolerance ${tol})`);

    const cases: Case[] = [
      { name: "tracegrad jit(step)", fn: () => jstep(params, x, y) },
      { name: "tracegrad eager step", fn: () => step(params, x, y) },
      { name: "jax-js jit(step)", fn: runJax },
      { name: "tfjs-wasm", fn: runTf("wasm"), before: () => useTf("wasm") },
      { name: "tfjs-cpu", fn: runTf("cpu"), before: () => useTf("cpu") },
    ];
    return {
      cases,
      baseline: "tracegrad jit(step)",
      targets: [
        {
          label: "MLP step ≥ 150 steps/s (issue 6)",
          kind: "time",
          case: "tracegrad jit(step)",
          limit: 1000 / 150,
          reference: "jax-js jit(step)",
        },
        {
          label: "MLP step ≥ 2.5× jax-js jit (issue 6)",
          kind: "ratio",
          case: "tracegrad jit(step)",
          vs: "jax-js jit(step)",
          limit: 1 / 2.5,
          reference: "jax-js jit(step)",
        },
      ],
    };
  },
};
