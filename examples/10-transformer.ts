// 10 — a small decoder-only transformer trained on this repository's README, one `jit` step.
//
// Data: the same frozen README prose as example 07 (examples/lib/text.ts): a 29-character alphabet, every tenth block of
// 1000 characters for validation and the rest for training; each batch is B random windows of T + 1 characters (inputs 0…T−1, targets
// 1…T).
//
// Model (examples/lib/transformer.ts, GPT-style, pre-norm), with D = 64, N = 4 heads of H = 16, L = 2 blocks,
// context T = 32:
//   h = tokenEmbedding[x] + positionEmbedding
//   per block:  h += Wo · attention(split heads of LN(h)·Wqkv)      (nn.dotProductAttention, causal mask)
//               h += W2 · gelu(W1 · LN(h) + b1) + b2                  (dropout on both residual branches)
//   logits = LN(h) · Wout
// LN is `nn.standardize` (mean 0, variance 1 over the features) times a learned scale plus a bias; the attention is
// `nn.dotProductAttention(q, k, v, { isCausal: true })` on [B, T, N, H]; `nn.dropout(key, x, rate)` is inverted
// dropout from a `random` key (rate 0.1 in training, 0 at evaluation). Weights come from `nn.initializers.normal(0.02)`
// as in GPT-2.
//
// Training: `optim.chain(optim.clipByGlobalNorm(1), optim.adamw(schedule, { weightDecay, mask }))` where the schedule
// is `optim.warmupCosineDecaySchedule` (peak 1e-2 after 30 steps, down to 1e-3) and the mask — built with
// `tree.mapWithPath` — exempts biases, norms and embeddings from weight decay, as is usual. The loss is `optim.losses.softmaxCrossEntropyWithIntegerLabels` averaged over all positions. The whole step
// — forward, reverse mode, clipping, AdamW and the schedule — is ONE `jit` function whose optimizer state is an
// argument, so it is traced and compiled once.
//
// It prints the loss, the first step's time (trace + compile) and the steady steps/s, samples text, checks that the
// validation loss ends below 0.65·ln V and that most sampled words are the README's (exit code 1 if not), and writes
// examples/out/10-loss.svg. (A transformer this small needs more steps than example 07's RNN to learn from a context:
// its loss sits near the bigram level for a hundred steps before attention pays.)
//
// Run: npx tsx examples/10-transformer.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jit, np, random, type Tensor, tree } from "tracegrad";
import { trainingCurveSvg } from "./lib/svg.js";
import { alphabet, knownWordShare, readmeText, windowsFrom } from "./lib/text.js";
import { config, forward, initParams, loss, makeOptimizer, makeStep, type Params } from "./lib/transformer.js";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

const [initKey, validKey, trainKey, dropKey, sampleKey] = random.split(random.key(20241207), 5);

// ── Text ───────────────────────────────────────────────────────────────────────────────────────
const V = alphabet.length;
const { text, ids, train, valid } = readmeText();
const [trainText, validText] = [np.array(train), np.array(valid)];
console.log(
  `text: README.md prose (snapshot), ${ids.length} characters (${train.length} train, ${valid.length} validation)`,
);

// ── Model, loss and optimizer: examples/lib/transformer.ts ─────────────────────────────────────
const { D, N, L, T, B } = config;
const steps = 300;
const optimizer = makeOptimizer(steps);

let params = initParams(initKey);
let state = optimizer.init(params);
const nParams = (tree.leaves(params) as Tensor[]).reduce((s, t) => s + t.size, 0);
console.log(`transformer: D ${D}, ${N} heads, ${L} blocks, context ${T}, ${nParams} parameters; batch ${B}`);

const step = jit(makeStep(optimizer));
const evalLoss = jit((p: Params, windows: Tensor, key: Tensor) => loss(p, windows, key, 0));
const validWindows = windowsFrom(validKey, validText, T + 1, 64);

const lnV = Math.log(V);
const trainLosses: number[] = [];
const validLosses: [number, number][] = [];
const initialValid = Number(evalLoss(params, validWindows, dropKey));
validLosses.push([0, initialValid]);
console.log(`step    0  validation loss ${initialValid.toFixed(4)} (ln V = ${lnV.toFixed(4)})`);

let firstMs = 0;
let restMs = 0;
for (let i = 1; i <= steps; i++) {
  const windows = windowsFrom(random.foldIn(trainKey, i), trainText, T + 1, B);
  const t0 = performance.now();
  const r = step(params, state, windows, random.foldIn(dropKey, i));
  ({ params, state } = r);
  const l = Number(r.loss);
  if (i === 1) firstMs = performance.now() - t0;
  else restMs += performance.now() - t0;
  trainLosses.push(l);
  if (i % 50 === 0) {
    const vl = Number(evalLoss(params, validWindows, dropKey));
    validLosses.push([i, vl]);
    const recent = trainLosses.slice(-50).reduce((a, b) => a + b) / 50;
    console.log(
      `step ${String(i).padStart(4)}  train loss ${recent.toFixed(4)} (mean of last 50)  validation loss ${vl.toFixed(4)}`,
    );
  }
}
const stepsPerSecond = (steps - 1) / (restMs / 1000);
console.log(
  `first step (trace + compile + run) ${firstMs.toFixed(0)} ms; then ${stepsPerSecond.toFixed(1)} steps/s ` +
    `(${(restMs / (steps - 1)).toFixed(1)} ms/step)`,
);

const finalValid = validLosses.at(-1)![1];
check(
  Math.abs(initialValid - lnV) < 0.3,
  "initial validation loss ≈ ln V",
  `${initialValid.toFixed(3)} vs ${lnV.toFixed(3)}`,
);
check(
  Number.isFinite(finalValid) && finalValid < 0.65 * lnV,
  "final validation loss < 0.65·ln V",
  `${finalValid.toFixed(3)} < ${(0.65 * lnV).toFixed(3)}`,
);

// ── Sampling: the last T characters in, one character out, temperature τ; four streams at once ──────────────
const temperature = 0.6;
const STREAMS = 4;
const nextChar = jit((p: Params, context: Tensor, pos: Tensor, key: Tensor) => {
  const logits = forward(p, context, key, 0); // f32[S, T, V]; causal, so positions after `pos` do not matter
  const at = np.take(logits, pos, { axis: 1 }); // f32[S, V]
  return random.categorical(key, at.div(temperature)); // i32[S]
});
const prime = "the ";
const outs = Array.from({ length: STREAMS }, () => Array.from(prime, (c) => alphabet.indexOf(c)));
const sampleKeys = random.split(sampleKey, 240);
for (const key of sampleKeys) {
  const ctxs = outs.map((o) => o.slice(-T));
  const pos = ctxs[0]!.length - 1;
  for (const ctx of ctxs) while (ctx.length < T) ctx.push(0);
  const next = nextChar(
    params,
    np.array(Int32Array.from(ctxs.flat())).reshape([STREAMS, T]),
    np.array(pos, "int32"),
    key,
  );
  const chars = next.toTypedArray();
  outs.forEach((o, i) => o.push(Number(chars[i])));
}
const samples = outs.map((o) => o.map((k) => alphabet[k]).join(""));
console.log(`samples (temperature ${temperature}, primed with "${prime}"):`);
for (const sample of samples) console.log(`  "${sample}"`);
// the share over all streams' words: one 240-character sample holds only about 45 words
const counts = samples.map((sample) => knownWordShare(sample, text));
const nWords = counts.reduce((n, [, w]) => n + w, 0);
const known = counts.reduce((n, [share, w]) => n + share * w, 0) / Math.max(1, nWords);
check(known > 0.4, "many sampled words are words of the README", `${(100 * known).toFixed(0)} % of ${nWords}`);

// ── SVG output ─────────────────────────────────────────────────────────────────────────────────
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, "10-loss.svg"),
  trainingCurveSvg(
    "Decoder-only transformer on README.md: cross-entropy per character",
    trainLosses,
    validLosses,
    { value: lnV, label: "ln V (uniform guess)" },
    "nats per character",
  ),
);
console.log(`wrote ${join("examples", "out", "10-loss.svg")}`);

if (failures > 0) {
  console.error(`10-transformer: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
