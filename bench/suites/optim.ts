// optim against hand-written JS, and the transformer step of example 10 (issue 17's performance items):
//   optim-adam         one jitted optim.adam update (and applyUpdates) over a 1M-parameter pytree, against a
//                      hand-fused float32 JS loop doing the same update (in place, and into fresh arrays)
//   optim-transformer  example 10's jitted training step (forward, backward, clipping, AdamW, schedule): steps/s,
//                      and the first call's time (trace + compile + run)
import { jit, np, optim, random, type Tensor } from "tracegrad";
import { readmeText, windowsFrom } from "../../examples/lib/text.js";
import { config, initParams, makeOptimizer, makeStep } from "../../examples/lib/transformer.js";
import { ratioLine, type Suite } from "../harness.js";
import { maxRelDiff, normal } from "./data.js";

const shapes = { w1: [784, 1024], b1: [1024], w2: [1024, 192], b2: [192] } as const;
type Tree = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const names = Object.keys(shapes) as (keyof Tree)[];
const [lr, b1, b2, eps] = [1e-3, 0.9, 0.999, 1e-8];

const adamCases = {
  jit: "tracegrad jit(adam update + applyUpdates)",
  inPlace: "JS loop, float32, in place (baseline)",
  fresh: "JS loop, float32, into fresh arrays",
} as const;

/** Float32 data of a tree's leaves, in `names` order. */
const dataOf = (t: Tree): Float32Array[] => names.map((k) => t[k].toTypedArray() as Float32Array);

/**
 * Adam step `t` fused into one pass per leaf, as a user would write it: moments updated, bias-corrected, the
 * parameter moved (the same formula as optax: p − lr·m̂/(√v̂ + ε)). Writes into `out` (the inputs themselves for an
 * in-place update).
 */
function adamLoop(
  p: Float32Array[],
  m: Float32Array[],
  v: Float32Array[],
  g: Float32Array[],
  t: number,
  out: { p: Float32Array[]; m: Float32Array[]; v: Float32Array[] },
): void {
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  for (let k = 0; k < p.length; k++) {
    const [pk, mk, vk, gk] = [p[k]!, m[k]!, v[k]!, g[k]!];
    const [po, mo, vo] = [out.p[k]!, out.m[k]!, out.v[k]!];
    for (let i = 0; i < pk.length; i++) {
      const gi = gk[i]!;
      const mi = b1 * mk[i]! + (1 - b1) * gi;
      const vi = b2 * vk[i]! + (1 - b2) * gi * gi;
      mo[i] = mi;
      vo[i] = vi;
      po[i] = pk[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}

const adamSuite: Suite = {
  name: "optim-adam",
  title: "One optim.adam update over a 1M-parameter pytree",
  description:
    `Params { w1: [784, 1024], b1: [1024], w2: [1024, 192], b2: [192] } (1,000,640 float32 values) and gradients of ` +
    "the same shapes, samples of N(0, 1) (seeded). tracegrad: `jit((p, s, g) => { const [u, s2] = adam.update(g, s, " +
    "p); return [optim.applyUpdates(p, u), s2]; })` with `optim.adam(1e-3)`, its state an argument (one compile). " +
    "Baseline: the same update fused by hand into one float32 loop per leaf, in place; and the loop writing fresh " +
    "arrays, as a functional update must. Before timing, after one step from the same state tracegrad's params and " +
    "moments are checked against the loop's (max |Δ| / max(1, |ref|) ≤ 1e-6).",
  options: { warmup: 5, reps: 40 },
  setup() {
    const params = Object.fromEntries(names.map((k, i) => [k, normal(40 + i, [...shapes[k]])])) as Tree;
    const grads = Object.fromEntries(names.map((k, i) => [k, normal(50 + i, [...shapes[k]])])) as Tree;
    const adam = optim.adam(lr, { b1, b2, eps });
    const state0 = adam.init(params);
    const step = jit((p: Tree, s: typeof state0, g: Tree) => {
      const [u, s2] = adam.update(g, s, p);
      return [optim.applyUpdates(p, u), s2] as const;
    });
    // the state after one step, so the timed calls are at step 2 (bias corrections not trivial)
    const [p1, s1] = step(params, state0, grads);

    // the loop from the same state
    const [pd, gd] = [dataOf(params), dataOf(grads)];
    const zeros = () => pd.map((a) => new Float32Array(a.length));
    const mine = { p: pd.map((a) => a.slice()), m: zeros(), v: zeros() };
    adamLoop(mine.p, mine.m, mine.v, gd, 1, mine);
    const got = dataOf(p1 as Tree);
    for (let k = 0; k < names.length; k++) {
      const d = maxRelDiff(got[k]!, mine.p[k]!);
      if (!(d <= 1e-6)) throw new Error(`optim-adam: params.${names[k]} differ from the JS loop by ${d} (relative)`);
    }
    // adam is chain(scaleByAdam, scaleByLearningRate): the moments are in the first link's state
    const mu = dataOf((s1 as unknown as [{ mu: Tree }, unknown])[0].mu);
    for (let k = 0; k < names.length; k++) {
      const d = maxRelDiff(mu[k]!, mine.m[k]!);
      if (!(d <= 1e-6)) throw new Error(`optim-adam: mu.${names[k]} differs from the JS loop by ${d} (relative)`);
    }

    let t = 2;
    return {
      cases: [
        { name: adamCases.jit, fn: () => step(p1 as Tree, s1, grads) },
        { name: adamCases.inPlace, fn: () => adamLoop(mine.p, mine.m, mine.v, gd, t++, mine) },
        {
          name: adamCases.fresh,
          fn: () => {
            const out = { p: zeros(), m: zeros(), v: zeros() };
            adamLoop(mine.p, mine.m, mine.v, gd, t++, out);
            return out;
          },
        },
      ],
      baseline: adamCases.inPlace,
      notes: ["check: params and first moments after one step equal the JS loop's within 1e-6 (relative)"],
      summary: (m) => [
        ratioLine(m, "tracegrad jit / JS loop in place", adamCases.jit, adamCases.inPlace),
        ratioLine(m, "tracegrad jit / JS loop into fresh arrays", adamCases.jit, adamCases.fresh),
      ],
      targets: [
        {
          label: "adam update, 1M parameters, jit ≤ 1.5× a hand-fused float32 JS loop",
          kind: "ratio",
          case: adamCases.jit,
          vs: adamCases.inPlace,
          limit: 1.5,
        },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------

const stepCase = "example 10's jit(step): forward, backward, clip, AdamW";

const transformerSuite: Suite = {
  name: "optim-transformer",
  title: "The transformer training step of example 10",
  description:
    `examples/lib/transformer.ts: D ${config.D}, ${config.N} heads, ${config.L} blocks, context ${config.T}, batch ` +
    `${config.B}, dropout ${config.dropRate}; one jitted step (valueAndGrad of the loss, clipByGlobalNorm, adamw on ` +
    "a warmup-cosine schedule, applyUpdates) on a batch of README windows. The first call (trace + compile + run) " +
    "is timed once, in setup; the table is the steady state, one sample per step.",
  options: { warmup: 5, reps: 30 },
  setup() {
    const { train } = readmeText();
    const text = np.array(train);
    const optimizer = makeOptimizer(1000);
    let params = initParams(random.key(0));
    let state = optimizer.init(params);
    const step = jit(makeStep(optimizer));
    const windows = windowsFrom(random.key(1), text, config.T + 1, config.B);
    const key = random.key(2);
    const t0 = performance.now();
    const first = step(params, state, windows, key);
    const firstMs = performance.now() - t0;
    const loss0 = Number(first.loss);
    if (!Number.isFinite(loss0)) throw new Error(`optim-transformer: the first loss is ${loss0}`);
    ({ params, state } = first);
    return {
      cases: [
        {
          name: stepCase,
          fn: () => {
            const r = step(params, state, windows, key);
            ({ params, state } = r);
            return r.loss;
          },
        },
      ],
      baseline: stepCase,
      notes: [`first call (trace + compile + run): ${firstMs.toFixed(0)} ms; first loss ${loss0.toFixed(3)}`],
      summary: (m) => [`steps/s: ${(1000 / m(stepCase)).toFixed(1)} (median ${m(stepCase).toFixed(1)} ms per step)`],
    };
  },
};

export const optimSuites: Suite[] = [adamSuite, transformerSuite];
