// 06 — per-example gradients with vmap, DP-SGD clipping, and Jacobians with jacrev.
//
// Part 1, DP-SGD (Abadi et al., 2016). For a batch of B examples, differential privacy needs the
// gradient of the loss on EACH example, not only their mean:
//   g_i = ∇θ ℓ(θ; x_i, y_i)                         vmap(grad(loss), { inAxes: [null, 0, 0] })
//   ĝ_i = g_i · min(1, C / ‖g_i‖)                   clip each example's global L2 norm (over the pytree) to C
//   g̃  = (Σ_i ĝ_i + N(0, σ²C²·I)) / B              sum, add Gaussian noise, average
//   θ  ← θ − η·g̃
// `vmap` batches the whole backward pass: every primitive runs once on the batch (no loop over
// examples), and `inAxes: [null, 0, 0]` says the parameters are shared and x, y are mapped on axis 0.
//
// Randomness is JAX's: explicit keys from `random` (threefry). One seed key is split into a key per
// use (`random.split`); a function that draws numbers takes a key argument (the DP-SGD step below),
// so under `jit` it draws new numbers whenever it gets a new key, and the same numbers for the same
// key. The examples' noise is `vmap` of a single-example sampler over a batch of split keys, and
// each epoch visits the examples in the order of `random.permutation`, in lots of L.
//
// The script checks that
//   - vmap over B keys draws what B single-key draws do (per-example randomness, batched),
//   - the per-example gradients equal a JS loop of B `grad` calls on single examples,
//   - their mean equals `grad` of the mean loss (a separately written batched loss),
//   - every clipped gradient has norm ≤ C, and gradients already within C are left unchanged,
//   - a DP-SGD step is a function of its key: the same key gives the same step (also under jit),
//     another key other noise,
// then takes DP-SGD steps on a synthetic 4-class problem.
//
// Part 2, Jacobians. For f(x) = [x0·x1, sin x2, x0 + x2], `jacrev(f)` (reverse mode: vmap of the
// VJP over the output basis) must equal the analytic Jacobian and `jacfwd(f)`; `vmap(jacrev(f))`
// gives a batch of Jacobians in one call.
//
// It exits with code 1 if any check fails.
//
// Run: npx tsx examples/06-per-example-gradients.ts
import { grad, jacfwd, jacrev, jit, nn, np, optim, random, type Tensor, tree, vmap } from "tracegrad";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

// ── Keys: one seed, split into a key per use ───────────────────────────────────────────────────
const [meansKey, noiseKey, initKey, dpKey, jacobianKey] = random.split(random.key(20240611), 5);

/** max |a − b| over every leaf of two pytrees of the same structure. */
const maxAbsDiff = (a: unknown, b: unknown): number => {
  const la = tree.leaves(a) as Tensor[];
  const lb = tree.leaves(b) as Tensor[];
  return Math.max(...la.map((t, i) => Number(np.max(np.abs(t.sub(lb[i]!))))));
};
/** max |x| over every leaf (to turn absolute differences into relative ones). */
const maxAbs = (a: unknown): number => Math.max(...(tree.leaves(a) as Tensor[]).map((t) => Number(np.max(np.abs(t)))));

// ── Data: 4 Gaussian classes in 16 dimensions, a few labels flipped ────────────────────────────
// The flipped labels are the examples the model disagrees with most; their gradients are large,
// which is what clipping is for.
const dims = [16, 32, 32, 4] as const; // input, hidden, hidden, classes
const [inDim, h1, h2, numClasses] = dims;
const B = 64;
const means = random.normal(meansKey, [numClasses, inDim]).mul(1.5);
const labels = Int32Array.from({ length: B }, (_, i) => i % numClasses);
// Each example's noise from its own key: a sampler for ONE example, vmapped over B split keys.
const exampleNoise = (key: Tensor): Tensor => random.normal(key, [inDim]);
const exampleKeys = random.split(noiseKey, B); // u32[B, 2]: a batch of keys
const X = means.slice(np.array(labels)).add(vmap(exampleNoise)(exampleKeys)); // f32[B, 16]
const flipped = [3, 17, 42];
for (const i of flipped) labels[i] = (labels[i]! + 2) % numClasses;
const y = np.array(labels); // i32[B]

// ── Model: MLP 16-32-32-4 (tanh), params as a pytree ───────────────────────────────────────────
type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; w3: Tensor; b3: Tensor };
// Glorot-scaled normal weights (variance 2 / (fanIn + fanOut)), from nn.initializers
const glorot = nn.initializers.varianceScaling(1, "fan_avg", "normal");
const [k1, k2, k3] = random.split(initKey, 3);
let params: Params = {
  w1: glorot(k1!, [inDim, h1]),
  b1: np.zeros([h1]),
  w2: glorot(k2!, [h1, h2]),
  b2: np.zeros([h2]),
  w3: glorot(k3!, [h2, numClasses]),
  b3: np.zeros([numClasses]),
};
const numParams = (tree.leaves(params) as Tensor[]).reduce((s, t) => s + t.size, 0);

/** Logits for one example x: f32[16] (or a batch f32[n, 16]: matmul broadcasts). */
const logits = (p: Params, x: Tensor): Tensor => {
  const a1 = nn.tanh(np.matmul(x, p.w1).add(p.b1));
  const a2 = nn.tanh(np.matmul(a1, p.w2).add(p.b2));
  return np.matmul(a2, p.w3).add(p.b3);
};
/** Cross-entropy of ONE example: x f32[16], label i32[] — written with no batch axis at all. */
const loss = (p: Params, x: Tensor, label: Tensor): Tensor =>
  np.sum(nn.oneHot(label, numClasses).mul(nn.logSoftmax(logits(p, x)))).neg();
/** The mean loss over a batch, written separately with explicit batch axes (the reference). */
const batchLoss = (p: Params, xs: Tensor, ls: Tensor): Tensor =>
  np
    .sum(nn.oneHot(ls, numClasses).mul(nn.logSoftmax(logits(p, xs))), { axis: -1 })
    .mean()
    .neg();

/** Scale one example's gradient so its global L2 norm (over every leaf, `optim.globalNorm`) is at most C. */
const clip = (g: Params, C: number): Params => {
  const scale = np.minimum(1, np.divide(C, np.maximum(optim.globalNorm(g), 1e-12)));
  return tree.map((t: Tensor) => t.mul(scale), g);
};

console.log(
  `MLP ${dims.join("-")} (tanh), ${numParams} parameters; batch of ${B} examples, ${numClasses} classes, labels of examples ${flipped.join(", ")} flipped`,
);

// vmap over keys is per-example randomness, batched: the same numbers as one draw per key.
{
  const looped = np.stack(Array.from(exampleKeys, exampleNoise));
  const d = maxAbsDiff(vmap(exampleNoise)(exampleKeys), looped);
  check(d === 0, `vmap(sampler) over ${B} split keys = ${B} single-key draws`, `max |Δ| = ${d}`);
}

// ── Part 1: per-example gradients ──────────────────────────────────────────────────────────────
const perExampleGrads = vmap(grad(loss), { inAxes: [null, 0, 0] });

let t0 = performance.now();
const G = perExampleGrads(params, X, y); // same pytree as params, each leaf with a leading batch axis
const vmapMs = performance.now() - t0;
console.log(`\nper-example gradients, vmap(grad(loss), { inAxes: [null, 0, 0] }): ${vmapMs.toFixed(1)} ms`);
for (const k of Object.keys(params) as (keyof Params)[]) {
  console.log(`  ${k}: params [${params[k].shape.join(", ")}] → per-example [${G[k].shape.join(", ")}]`);
}

t0 = performance.now();
const single = Array.from({ length: B }, (_, i) => grad(loss)(params, X.slice(i), y.slice(i)));
const loopMs = performance.now() - t0;
const looped = tree.map((...leaves: Tensor[]) => np.stack(leaves), single[0]!, ...single.slice(1)) as Params;
const loopDiff = maxAbsDiff(G, looped);
console.log(`the same with a JS loop of ${B} grad calls: ${loopMs.toFixed(1)} ms`);
console.log("  (single cold runs, first-call costs included; `npm run bench` has warmed-up medians)");
check(
  loopDiff <= 1e-5 * Math.max(1, maxAbs(looped)),
  "vmap(grad(loss)) = loop of grad(loss) on single examples",
  `max |Δ| = ${loopDiff.toExponential(2)}`,
);

const meanOfPerExample = tree.map((t: Tensor) => np.mean(t, { axis: 0 }), G);
const gradOfMean = grad(batchLoss)(params, X, y);
const meanDiff = maxAbsDiff(meanOfPerExample, gradOfMean);
check(
  meanDiff <= 1e-5 * Math.max(1, maxAbs(gradOfMean)),
  "mean of per-example gradients = grad of the mean loss",
  `max |Δ| = ${meanDiff.toExponential(2)}`,
);

// ── Part 1b: norms, clipping, one DP-SGD step ──────────────────────────────────────────────────
const C = 4.0; // clipping norm (below most per-example norms at initialisation: most are clipped)
const sigma = 1.0; // noise multiplier: noise std is σ·C on the sum of B clipped gradients
const lr = 0.5;

const norms = vmap(optim.globalNorm)(G); // f32[B], one global norm per example
const normList = Array.from(norms.toTypedArray());
const sorted = [...normList].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(B - 1, Math.floor(p * B))]!;
console.log(`\nper-example gradient norms ‖g_i‖ (global L2 over all ${numParams} parameters):`);
console.log(
  `  min ${sorted[0]!.toFixed(3)}  median ${q(0.5).toFixed(3)}  p90 ${q(0.9).toFixed(3)}  max ${sorted[B - 1]!.toFixed(3)}`,
);
const largest = normList
  .map((v, i) => [v, i] as const)
  .sort((a, b) => b[0] - a[0])
  .slice(0, 5);
console.log(
  `  largest: ${largest.map(([v, i]) => `#${i} ${v.toFixed(3)}${flipped.includes(i) ? " (flipped)" : ""}`).join(", ")}`,
);

const clipped = vmap((g: Params) => clip(g, C))(G);
const clippedNorms = Array.from(vmap(optim.globalNorm)(clipped).toTypedArray());
const numClipped = normList.filter((v) => v > C).length;
console.log(
  `clip to C = ${C}: ${numClipped} of ${B} examples clipped; norms after clipping: max ${Math.max(...clippedNorms).toFixed(6)}`,
);
check(
  clippedNorms.every((v) => v <= C * (1 + 1e-5)),
  "every clipped per-example norm ≤ C",
  "",
);
const within = normList.flatMap((v, i) => (v <= C ? [i] : []));
const unchanged = within.every(
  (i) =>
    maxAbsDiff(
      tree.map((t: Tensor) => t.slice(i), clipped),
      tree.map((t: Tensor) => t.slice(i), G),
    ) === 0,
);
check(
  unchanged && numClipped > 0 && within.length > 0,
  "gradients with norm ≤ C are unchanged, the others scaled to norm C",
  `${within.length} unchanged, ${numClipped} scaled`,
);

/**
 * One DP-SGD step on a lot (xs, ls): per-example gradients, clipped, summed, plus N(0, σ²C²) noise drawn
 * from `key` (split into one key per parameter leaf), averaged, then a gradient step. A pure function of
 * its arguments: the randomness comes in as the key.
 */
const sgd = optim.sgd(lr);
const dpStep = (p: Params, key: Tensor, xs: Tensor, ls: Tensor): Params => {
  const perEx = vmap((g: Params) => clip(g, C))(perExampleGrads(p, xs, ls));
  const [leaves, def] = tree.flatten(perEx);
  const leafKeys = tree.unflatten(def, [...random.split(key, leaves.length)]) as Params;
  const noisy = tree.map(
    (t: Tensor, k: Tensor) =>
      np
        .sum(t, { axis: 0 })
        .add(random.normal(k, t.shape.slice(1)).mul(sigma * C))
        .div(xs.shape[0]!),
    perEx,
    leafKeys,
  ) as Params;
  const [updates] = sgd.update(noisy, sgd.init(p), p); // plain SGD: −lr·g̃
  return optim.applyUpdates(p, updates);
};
const dpStepJit = jit(dpStep); // the key is an argument: a new key, new noise, no retracing
const lot = 32; // examples per step; an epoch is B / lot steps over a random permutation of the examples
{
  const [ka, kb] = random.split(dpKey);
  const [xs, ls] = [X.slice([0, lot]), y.slice([0, lot])];
  const [a, again, viaJit, other] = [
    dpStep(params, ka, xs, ls),
    dpStep(params, ka, xs, ls),
    dpStepJit(params, ka, xs, ls),
    dpStep(params, kb, xs, ls),
  ];
  const [dSame, dJit, dOther] = [maxAbsDiff(a, again), maxAbsDiff(a, viaJit), maxAbsDiff(a, other)];
  check(
    dSame === 0 && dJit <= 1e-5 * maxAbs(a) && dOther > 1e-3,
    "a DP-SGD step is a function of its key: same key, same step (jit too); another key, other noise",
    `max |Δ| same key ${dSame}, jit ${dJit.toExponential(2)}, other key ${dOther.toFixed(4)}`,
  );
}
const accuracy = (p: Params) => Number(np.mean(np.equal(np.argmax(logits(p, X), { axis: -1 }), y)));
const before = Number(batchLoss(params, X, y));
console.log(`\nDP-SGD (C = ${C}, σ = ${sigma}, learning rate ${lr}, lots of ${lot} in a random order per epoch):`);
console.log(`  step  0  loss ${before.toFixed(4)}  accuracy ${(100 * accuracy(params)).toFixed(1)} %`);
const steps = 20;
const lotsPerEpoch = B / lot;
let key = dpKey;
let order = np.arange(B);
t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  // JAX's idiom: split the running key, use the new subkey once
  if ((s - 1) % lotsPerEpoch === 0) {
    const [next, shuffleKey] = random.split(key);
    [key, order] = [next, random.permutation(shuffleKey, B)];
  }
  const [next, stepKey] = random.split(key);
  key = next;
  const first = ((s - 1) % lotsPerEpoch) * lot;
  const idx = order.slice([first, first + lot]);
  params = dpStepJit(params, stepKey, X.slice(idx), y.slice(idx));
  if (s === 1 || s % 5 === 0)
    console.log(
      `  step ${String(s).padStart(2)}  loss ${Number(batchLoss(params, X, y)).toFixed(4)}  accuracy ${(100 * accuracy(params)).toFixed(1)} %`,
    );
}
const stepMs = (performance.now() - t0) / steps;
const after = Number(batchLoss(params, X, y));
console.log(`  ${stepMs.toFixed(1)} ms per step (per-example grads, clipping, noise, update)`);
const wrong = Array.from(np.notEqual(np.argmax(logits(params, X), { axis: -1 }), y).toTypedArray()).flatMap((v, i) =>
  v ? [i] : [],
);
console.log(
  `  misclassified after training: ${wrong.length ? wrong.map((i) => `#${i}${flipped.includes(i) ? " (flipped)" : ""}`).join(", ") : "none"}`,
);
check(
  Number.isFinite(after) && after < before,
  `loss decreases over ${steps} DP-SGD steps`,
  `${before.toFixed(4)} → ${after.toFixed(4)}`,
);

// ── Part 2: Jacobians ──────────────────────────────────────────────────────────────────────────
// f: R³ → R³, f(x) = [x0·x1, sin x2, x0 + x2];  J(x) = [[x1, x0, 0], [0, 0, cos x2], [1, 0, 1]].
const f = (x: Tensor): Tensor => np.stack([x.slice(0).mul(x.slice(1)), np.sin(x.slice(2)), x.slice(0).add(x.slice(2))]);
const analytic = (x0: number, x1: number, x2: number) => [
  [x1, x0, 0],
  [0, 0, Math.cos(x2)],
  [1, 0, 1],
];
const x = np.array([1.5, -2, 0.7]);
const Jrev = jacrev(f)(x);
const Jfwd = jacfwd(f)(x);
console.log(`\nf(x) = [x0·x1, sin x2, x0 + x2] at x = ${x}`);
console.log(`jacrev(f)(x) = ${Jrev}`);
const Jtrue = np.array(analytic(1.5, -2, 0.7));
check(
  maxAbsDiff(Jrev, Jtrue) <= 1e-6,
  "jacrev(f) = analytic Jacobian",
  `max |Δ| = ${maxAbsDiff(Jrev, Jtrue).toExponential(2)}`,
);
check(maxAbsDiff(Jrev, Jfwd) <= 1e-6, "jacrev(f) = jacfwd(f)", `max |Δ| = ${maxAbsDiff(Jrev, Jfwd).toExponential(2)}`);

// A batch of Jacobians: vmap(jacrev(f)) over 8 points, one call.
const pts = random.normal(jacobianKey, [8, 3]);
const Js = vmap(jacrev(f))(pts); // f32[8, 3, 3]
const rows = pts.toArray() as number[][];
const JsTrue = np.array(rows.map(([a, b, c]) => analytic(a!, b!, c!)));
check(
  Js.shape.join() === "8,3,3" && maxAbsDiff(Js, JsTrue) <= 1e-6,
  "vmap(jacrev(f)) over 8 points = analytic Jacobians, shape [8, 3, 3]",
  `max |Δ| = ${maxAbsDiff(Js, JsTrue).toExponential(2)}`,
);

if (failures > 0) {
  console.error(`06-per-example-gradients: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("\nall checks passed");
