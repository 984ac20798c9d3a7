// Per-example gradients of an MLP loss: vmap(grad) vs a JS loop of grad, and one batched grad.
import { grad, nn, np, type Tensor, tree, vmap } from "tracegrad";
import type { Suite } from "../harness.js";
import { maxAbsDiff, normal } from "./data.js";

export const batch = 128;
export const dims = [32, 64, 64, 10] as const;

export type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; w3: Tensor; b3: Tensor };

const logits = (p: Params, x: Tensor): Tensor => {
  const a1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
  const a2 = nn.relu(np.matmul(a1, p.w2).add(p.b2));
  return np.matmul(a2, p.w3).add(p.b3);
};
/** Softmax cross-entropy of one example: x f32[32], y one-hot f32[10]. */
export const loss = (p: Params, x: Tensor, y: Tensor): Tensor => np.sum(y.mul(nn.logSoftmax(logits(p, x)))).neg();
/** The same loss averaged over a batch: xs f32[B, 32], ys f32[B, 10]. */
const meanLoss = (p: Params, xs: Tensor, ys: Tensor): Tensor =>
  np
    .sum(ys.mul(nn.logSoftmax(logits(p, xs))), { axis: -1 })
    .mean()
    .neg();

/** Seeded parameters, inputs X f32[batch, 32] and one-hot labels Y f32[batch, 10]. */
export function perExampleData(): { params: Params; X: Tensor; Y: Tensor } {
  const [d0, d1, d2, d3] = dims;
  const glorot = (i: number, o: number) => normal(1, [i, o], Math.sqrt(2 / (i + o)));
  const params: Params = {
    w1: glorot(d0, d1),
    b1: normal(2, [d1], 0.1),
    w2: glorot(d1, d2),
    b2: normal(3, [d2], 0.1),
    w3: glorot(d2, d3),
    b3: normal(4, [d3], 0.1),
  };
  const X = normal(5, [batch, d0]);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % d3);
  return { params, X, Y: nn.oneHot(np.array(labels), d3) };
}

export const perExampleGrads: Suite = {
  name: "per-example-grads",
  title: `Per-example gradients, batch ${batch}, MLP ${dims.join("-")} (ReLU), softmax cross-entropy, float32`,
  description:
    `All ${batch} gradients of the single-example loss with respect to the parameters (a pytree of 6 tensors, ` +
    `${dims[0] * dims[1] + dims[1] + dims[1] * dims[2] + dims[2] + dims[2] * dims[3] + dims[3]} parameters). ` +
    "`vmap(grad(loss))` batches the backward pass; the loop calls `grad(loss)` once per example " +
    "(examples sliced beforehand, results not stacked); `grad(meanLoss)` is one backward pass of the batch-mean loss, " +
    "which gives only the mean gradient: the reference for what one batched backward pass costs. " +
    "Before timing, the suite checks that vmap and the loop agree and that their mean equals grad(meanLoss).",
  options: { warmup: 10, reps: 50 },
  setup() {
    const { params, X, Y } = perExampleData();
    const xs = Array.from({ length: batch }, (_, i) => X.slice(i));
    const ys = Array.from({ length: batch }, (_, i) => Y.slice(i));

    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
    const gradLoss = grad(loss);
    const gradMean = grad(meanLoss);
    const runVmap = () => perExample(params, X, Y);
    const runLoop = () => xs.map((x, i) => gradLoss(params, x, ys[i]!));
    const runMean = () => gradMean(params, X, Y);

    // Same work: vmap ≡ loop (stacked), and mean over examples ≡ grad of the mean loss.
    const v = runVmap();
    const l = runLoop();
    const stacked = tree.map((...leaves: Tensor[]) => np.stack(leaves), l[0]!, ...l.slice(1));
    const dLoop = maxAbsDiff(v, stacked);
    const dMean = maxAbsDiff(
      tree.map((t: Tensor) => np.mean(t, { axis: 0 }), v),
      runMean(),
    );
    if (!(dLoop <= 1e-5 && dMean <= 1e-5))
      throw new Error(`per-example-grads: results disagree (vmap vs loop ${dLoop}, mean vs grad(meanLoss) ${dMean})`);

    return {
      baseline: "vmap(grad(loss))",
      perItem: { count: batch, unit: "example" },
      cases: [
        { name: "vmap(grad(loss))", fn: runVmap },
        { name: `JS loop of ${batch} × grad(loss)`, fn: runLoop },
        { name: "grad(meanLoss) (mean gradient only)", fn: runMean },
      ],
    };
  },
};
