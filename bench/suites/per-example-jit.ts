// Per-example gradients under jit: tracegrad jit(vmap(grad(loss))) vs jax-js jit(vmap(grad(loss))), batch 128.
import { grad, jit, np, type Tensor, vmap } from "tracegrad";
import type { Case, Suite } from "../harness.js";
import { jax, loadJax, toJax } from "./libs.js";
import { batch, dims, loss, type Params, perExampleData } from "./per-example-grads.js";

const keys = ["w1", "b1", "w2", "b2", "w3", "b3"] as const;
type JArray = jax.numpy.Array;
type JParams = { [K in (typeof keys)[number]]: JArray };

export const perExampleJit: Suite = {
  name: "per-example-jit",
  title: `Per-example gradients under jit, batch ${batch}, MLP ${dims.join("-")} (ReLU), softmax cross-entropy, float32`,
  description:
    "The model, data and single-example loss of the per-example-grads suite. All 128 per-example gradients per call: " +
    "`jit(vmap(grad(loss), { inAxes: [null, 0, 0] }))` in tracegrad and in jax-js (`jax.jit(jax.vmap(jax.grad(loss), [null, 0, 0]))`, " +
    "awaited with `blockUntilReady`, outputs disposed), and both libraries' `vmap(grad(loss))` without jit. " +
    "Before timing, the jax-js gradients and tracegrad's jitted ones are checked against tracegrad's eager `vmap(grad(loss))` " +
    "(max |Δ| ≤ 1e-5).",
  options: { warmup: 10, reps: 50 },
  async setup() {
    await loadJax();
    const { params, X, Y } = perExampleData();

    // tracegrad
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
    const jPerExample = jit(perExample);

    // jax-js: the loss of one example (x f32[32], y f32[10]); each array is used once, so no .ref is needed
    const jnp = jax.numpy;
    const jaxLoss = (p: JParams, x: JArray, y: JArray): JArray => {
      const h1 = jax.nn.relu(jnp.matmul(x, p.w1).add(p.b1));
      const h2 = jax.nn.relu(jnp.matmul(h1, p.w2).add(p.b2));
      const z = jnp.matmul(h2, p.w3).add(p.b3);
      return jnp.sum(y.mul(jax.nn.logSoftmax(z, -1))).neg();
    };
    const jaxPerExample = jax.vmap(jax.grad(jaxLoss), [null, 0, 0]);
    const jaxJPerExample = jax.jit(jaxPerExample);
    const jp = Object.fromEntries(keys.map((k) => [k, toJax(params[k])])) as JParams;
    const jX = toJax(X);
    const jY = toJax(Y);
    const runJax = (f: (p: JParams, x: JArray, y: JArray) => JParams) => async () => {
      const out = f(jax.tree.ref(jp), jX.ref, jY.ref);
      await jax.blockUntilReady(out);
      jax.tree.dispose(out);
    };

    // the same gradients everywhere
    const ref = perExample(params, X, Y);
    const flat = (g: Params) => keys.map((k) => np.array(g[k].toTypedArray()));
    const maxDiff = (a: Tensor[], b: Tensor[]) => Math.max(...a.map((t, i) => Number(np.max(np.abs(t.sub(b[i]!))))));
    const fromJax = (g: JParams) => keys.map((k) => np.array(new Float32Array(g[k].dataSync())));
    const checks: [string, number][] = [
      ["tracegrad jit(vmap(grad))", maxDiff(flat(jPerExample(params, X, Y)), flat(ref))],
      ["jax-js jit(vmap(grad))", maxDiff(fromJax(jaxJPerExample(jax.tree.ref(jp), jX.ref, jY.ref)), flat(ref))],
      ["jax-js vmap(grad)", maxDiff(fromJax(jaxPerExample(jax.tree.ref(jp), jX.ref, jY.ref)), flat(ref))],
    ];
    for (const [name, d] of checks)
      if (!(d <= 1e-5)) throw new Error(`per-example-jit: ${name} differs from tracegrad vmap(grad) by ${d}`);

    const cases: Case[] = [
      { name: "tracegrad jit(vmap(grad(loss)))", fn: () => jPerExample(params, X, Y) },
      { name: "tracegrad vmap(grad(loss))", fn: () => perExample(params, X, Y) },
      { name: "jax-js jit(vmap(grad(loss)))", fn: runJax(jaxJPerExample) },
      { name: "jax-js vmap(grad(loss))", fn: runJax(jaxPerExample) },
    ];
    return {
      cases,
      baseline: "tracegrad jit(vmap(grad(loss)))",
      perItem: { count: batch, unit: "example" },
      targets: [
        {
          label: "per-example gradients (batch 128) ≤ 1.3 ms (issue 6)",
          kind: "time",
          case: "tracegrad jit(vmap(grad(loss)))",
          limit: 1.3,
          reference: "jax-js jit(vmap(grad(loss)))",
        },
      ],
    };
  },
};
