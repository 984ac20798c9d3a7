// 07 — a character-level recurrent network trained with `lax.scan`, on this repository's README.
//
// Data: README.md as it was at commit f5808d6 (a frozen snapshot, examples/data/readme-prose.txt, so that editing
// the README does not move the results; examples/lib/text.ts). Code blocks and table rows are skipped, the prose is
// lowercased, apostrophes, backticks and asterisks are dropped, every character outside
// " abcdefghijklmnopqrstuvwxyz.," becomes a space and runs of spaces collapse to one: a vocabulary
// of V = 29 characters. Every tenth block of 1000 characters is validation text, the rest training text.
//
// Model: an Elman RNN with tanh, hidden size H, run over a window of T characters:
//   h_t = tanh(x_t·Wx + h_{t−1}·Wh + b),   logits_t = h_t·Wy + by,   h_0 = 0
// where x_t is the one-hot of character t. The recurrence is ONE `lax.scan` over the time axis:
// the carry is h, the per-step output h_t is stacked into ys [T, B, H]. The parts that do not
// depend on h are batched outside the loop: x·Wx + b for every step before it (one matmul), the
// output layer and the softmax after it (one matmul over all T·B hidden states).
// Loss: mean cross-entropy of the next-character prediction over all steps and windows,
//   L = −mean_{t,b} log softmax(logits_t)[c_{t+1}]
// whose value at initialisation is about ln V = 3.37 (a uniform guess).
//
// Training: `optim.adam` (optax's Adam) on the parameter pytree { wx, wh, b, wy, by }:
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
// The whole step — forward scan, reverse-mode gradient through the scan (which stores the
// per-step residuals and runs a reverse scan), and the Adam update — is one `jit` function,
// called on random windows. Randomness comes from tracegrad's `random` (JAX's threefry PRNG): a
// seed key split into a key per use; each training step's windows are drawn from a fresh subkey
// (`random.randint` offsets, gathered from the text as one tensor).
//
// What it demonstrates about structured control flow:
//   - the jaxpr of the loss has the same number of equations for T = 8 and T = 64: the body is
//     traced once, so trace and compile time do not grow with the sequence length (unlike a JS
//     loop, which jit would unroll into T copies of the body); the script prints the first call's
//     time (trace + optimise + compile) and the steady steps per second;
//   - the gradient through `lax.scan` equals the gradient of the same RNN written as a JS loop;
//   - sampling is a second scan whose carry feeds each sampled character back in, drawing each
//     character with `random.categorical` at temperature τ (Gumbel-max: argmax(logits/τ + Gumbel
//     noise)); the scan runs over a batch of keys from `random.split`, one key per character.
//
// It checks the above, that the validation loss starts near ln V and ends below 0.6·ln V
// (exit code 1 if not), and writes the loss curve to examples/out/07-loss.svg.
//
// Run: npx tsx examples/07-rnn-scan.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { grad, jit, lax, makeJaxpr, nn, np, optim, random, type Tensor, tree } from "tracegrad";
import { trainingCurveSvg } from "./lib/svg.js";
import { alphabet, knownWordShare, readmeText, windowsFrom } from "./lib/text.js";
import { trainStep } from "./lib/train.js";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

// ── Keys: one seed, split into a key per use ───────────────────────────────────────────────────
const [initKey, checkKey, validKey, trainKey, sampleKey] = random.split(random.key(20240707), 5);

// ── Text: README.md's prose, on a 29-character alphabet ────────────────────────────────────────
const here = dirname(fileURLToPath(import.meta.url));
const V = alphabet.length;
const { text, ids, train: trainIds, valid: validIds } = readmeText();
console.log(
  `text: README.md prose (snapshot), ${ids.length} characters (${trainIds.length} train, ${validIds.length} validation)`,
);
console.log(`  "${text.slice(0, 96)}…"`);

// ── Model ──────────────────────────────────────────────────────────────────────────────────────
type Params = { wx: Tensor; wh: Tensor; b: Tensor; wy: Tensor; by: Tensor };
const H = 96; // hidden units
const T = 64; // window length (characters predicted per window)
const B = 32; // windows per batch

// One-hot inputs select one row of wx, so its rows get unit-order entries; wh and wy are 1/√H.
const [kx, kh, ky] = random.split(initKey, 3);
let params: Params = {
  wx: random.normal(kx, [V, H]).mul(0.5),
  wh: random.normal(kh, [H, H]).mul(1 / Math.sqrt(H)),
  b: np.zeros([H]),
  wy: random.normal(ky, [H, V]).mul(1 / Math.sqrt(H)),
  by: np.zeros([V]),
};

/** One step of the recurrence, on pre-projected inputs xw = x·Wx + b: f32[B, H]. */
const cell = (p: Params, h: Tensor, xw: Tensor): Tensor => nn.tanh(xw.add(np.matmul(h, p.wh)));

/** Hidden states h_1 … h_T, f32[T, B, H], for one-hot inputs x: f32[T, B, V]; one scan over time. */
const hiddenStates = (p: Params, x: Tensor): Tensor => {
  const xw = np.matmul(x, p.wx).add(p.b); // every step's input projection, before the loop
  const h0 = np.zeros([x.shape[1]!, H]);
  const [, hs] = lax.scan(
    (h: Tensor, xwt: Tensor) => {
      const h2 = cell(p, h, xwt);
      return [h2, h2];
    },
    h0,
    xw,
  );
  return hs;
};

/** Mean cross-entropy of logits f32[T, B, V] against target characters i32[T, B]. */
const crossEntropy = (logits: Tensor, targets: Tensor): Tensor =>
  np
    .sum(nn.oneHot(targets, V).mul(nn.logSoftmax(logits)), { axis: -1 })
    .mean()
    .neg();
/** The loss of a batch of windows, i32[T + 1, B] (time-major): inputs are steps 0…T−1, targets 1…T. */
const loss = (p: Params, windows: Tensor): Tensor => {
  const n = windows.shape[0]! - 1;
  const hs = hiddenStates(p, nn.oneHot(windows.slice([0, n]), V));
  return crossEntropy(np.matmul(hs, p.wy).add(p.by), windows.slice([1, n + 1]));
};
/** The same loss with the recurrence as a JS loop (traced step by step: T copies of the body). */
const lossUnrolled = (p: Params, windows: Tensor): Tensor => {
  const n = windows.shape[0]! - 1;
  const xw = np.matmul(nn.oneHot(windows.slice([0, n]), V), p.wx).add(p.b);
  let h = np.zeros([windows.shape[1]!, H]);
  const hs: Tensor[] = [];
  for (let t = 0; t < n; t++) hs.push((h = cell(p, h, xw.slice(t))));
  return crossEntropy(np.matmul(np.stack(hs), p.wy).add(p.by), windows.slice([1, n + 1]));
};

const [trainText, validText] = [np.array(trainIds), np.array(validIds)];

// ── Checks on the scan before training ─────────────────────────────────────────────────────────
// The loss's jaxpr holds one `scan` equation whatever the window length: same size for T = 8 and 64.
const eqnCount = (len: number) =>
  makeJaxpr(loss)(params, windowsFrom(checkKey, trainText, len + 1, 2)).jaxpr.eqns.length;
const [eqns8, eqns64] = [eqnCount(8), eqnCount(64)];
check(eqns8 === eqns64, "the loss's jaxpr does not grow with T", `${eqns8} equations for T = 8, ${eqns64} for T = 64`);
// Reverse mode through the scan equals reverse mode through the JS loop.
{
  const w = windowsFrom(checkKey, trainText, 13, 4);
  const [gScan, gLoop] = [grad(loss)(params, w), grad(lossUnrolled)(params, w)];
  const diffs = (tree.leaves(tree.map((a: Tensor, b: Tensor) => np.max(np.abs(a.sub(b))), gScan, gLoop)) as Tensor[])
    .map(Number)
    .reduce((a, b) => Math.max(a, b));
  const scale = (tree.leaves(tree.map((a: Tensor) => np.max(np.abs(a)), gScan)) as Tensor[])
    .map(Number)
    .reduce((a, b) => Math.max(a, b));
  check(diffs <= 1e-4 * scale, "grad through lax.scan = grad through a JS loop", `max |Δ| ${diffs.toExponential(2)}`);
}

// ── Training: Adam, one jitted step ────────────────────────────────────────────────────────────
const steps = 400;
const learningRate = 0.01;
const optimizer = optim.adam(learningRate);
const step = jit(trainStep(optimizer, loss));
const evalLoss = jit(loss);
// A fixed validation batch: 64 windows of the held-out text.
const validWindows = windowsFrom(validKey, validText, T + 1, 64);

let state = optimizer.init(params);
const trainLosses: number[] = [];
const validLosses: [number, number][] = [];
const lnV = Math.log(V);
const nParams = (tree.leaves(params) as Tensor[]).reduce((s, t) => s + t.size, 0);
console.log(`Elman RNN: vocabulary ${V}, hidden ${H}, ${nParams} parameters; windows of ${T}, batch ${B}`);
console.log(`optim.adam, learning rate ${learningRate}, ${steps} steps; ln V = ${lnV.toFixed(4)}`);
const initialValid = Number(evalLoss(params, validWindows));
validLosses.push([0, initialValid]);
console.log(`step    0  validation loss ${initialValid.toFixed(4)}`);

let firstMs = 0;
let restMs = 0;
for (let i = 1; i <= steps; i++) {
  const windows = windowsFrom(random.foldIn(trainKey, i), trainText, T + 1, B); // step i's own key
  const t0 = performance.now();
  const r = step(params, state, windows);
  [params, state] = [r.params, r.state];
  const l = Number(r.loss);
  if (i === 1) firstMs = performance.now() - t0;
  else restMs += performance.now() - t0;
  trainLosses.push(l);
  if (i % 50 === 0) {
    const vl = Number(evalLoss(params, validWindows));
    validLosses.push([i, vl]);
    const recent = trainLosses.slice(-50).reduce((a, b) => a + b) / 50;
    console.log(
      `step ${String(i).padStart(4)}  train loss ${recent.toFixed(4)} (mean of last 50)  validation loss ${vl.toFixed(4)}`,
    );
  }
}
console.log(
  `first step (trace + compile + run) ${firstMs.toFixed(0)} ms; then ${((steps - 1) / (restMs / 1000)).toFixed(1)} steps/s (${(restMs / (steps - 1)).toFixed(1)} ms/step)`,
);

const finalValid = validLosses.at(-1)![1];
check(
  Math.abs(initialValid - lnV) < 0.25,
  "initial validation loss ≈ ln V",
  `${initialValid.toFixed(3)} vs ${lnV.toFixed(3)}`,
);
check(
  Number.isFinite(finalValid) && finalValid < 0.6 * lnV,
  "final validation loss < 0.6·ln V",
  `${finalValid.toFixed(3)} < ${(0.6 * lnV).toFixed(3)}`,
);

// ── Sampling: a scan that feeds each sampled character back in ─────────────────────────────────
// random.categorical(key, logits/τ) draws from softmax(logits/τ) (Gumbel-max: argmax(logits/τ + g),
// g = −log(−log u)). The scan's xs are sampleLength keys split from one: one fresh key per character.
const temperature = 0.6;
const sampleLength = 240;
const sample = jit((p: Params, primeIds: Tensor, keys: Tensor) => {
  // Run the prime through the network (a scan over its characters), then sample.
  const hs = hiddenStates(p, nn.oneHot(primeIds.reshape([-1, 1]), V)); // batch of one
  const h0 = hs.slice(-1); // f32[1, H]
  const last = primeIds.slice(-1).reshape([1]);
  const [, out] = lax.scan(
    ([h, c]: [Tensor, Tensor], key: Tensor): [[Tensor, Tensor], Tensor] => {
      const h2 = cell(p, h, np.matmul(nn.oneHot(c, V), p.wx).add(p.b));
      const logits = np.matmul(h2, p.wy).add(p.by); // f32[1, V]
      const next = random.categorical(key, logits.div(temperature)); // i32[1]
      return [[h2, next], next];
    },
    [h0, last],
    keys,
  );
  return out.reshape([-1]);
});
const prime = "the ";
const sampleKeys = random.split(sampleKey, sampleLength); // u32[sampleLength, 2]
const sampledIds = sample(params, np.array(Int32Array.from(prime, (c) => alphabet.indexOf(c))), sampleKeys);
const sampled = prime + Array.from(sampledIds.toTypedArray(), (k) => alphabet[k]).join("");
console.log(`sample (temperature ${temperature}, primed with "${prime}"):`);
console.log(`  "${sampled}"`);
// A trained model writes mostly words of the text: check that most sampled words occur in it.
const [known, nWords] = knownWordShare(sampled, text);
check(known > 0.5, "most sampled words are words of the README", `${(100 * known).toFixed(0)} % of ${nWords}`);

// ── SVG output ─────────────────────────────────────────────────────────────────────────────────
const outDir = join(here, "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, "07-loss.svg"),
  trainingCurveSvg(
    "Character-level RNN on README.md: cross-entropy per character",
    trainLosses,
    validLosses,
    { value: lnV, label: "ln V (uniform guess)" },
    "nats per character",
  ),
);
console.log(`wrote ${join("examples", "out", "07-loss.svg")}`);

if (failures > 0) {
  console.error(`07-rnn-scan: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
