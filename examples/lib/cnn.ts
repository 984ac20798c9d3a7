// Example 12's network (also timed by bench/suites/cnn-step.ts): a LeNet-style CNN on 28 × 28 × 1 digits, channels
// last. conv 3×3, 1 → 16 (SAME) → relu → maxPool 2×2 → conv 3×3, 16 → 32 → relu → maxPool 2×2 → flatten (7·7·32)
// → dense 128 → relu → dense 10, with `lax.convGeneralDilated` in NHWC/HWIO layout and `nn.maxPool`.
import { lax, nn, np, optim, random, type Tensor } from "tracegrad";

export type CnnParams = {
  c1: Tensor;
  b1: Tensor;
  c2: Tensor;
  b2: Tensor;
  w3: Tensor;
  b3: Tensor;
  w4: Tensor;
  b4: Tensor;
};

const DN: [string, string, string] = ["NHWC", "HWIO", "NHWC"];

/** He-normal convolutions and hidden layer, a LeCun-normal output layer, zero biases. */
export function initCnnParams(key: Tensor): CnnParams {
  const [k0, k1, k2, k3] = random.split(key, 4);
  const he = nn.initializers.heNormal();
  return {
    c1: he(k0, [3, 3, 1, 16]),
    b1: np.zeros([16]),
    c2: he(k1, [3, 3, 16, 32]),
    b2: np.zeros([32]),
    w3: he(k2, [7 * 7 * 32, 128]),
    b3: np.zeros([128]),
    w4: nn.initializers.lecunNormal()(k3, [128, 10]),
    b4: np.zeros([10]),
  };
}

const convRelu = (x: Tensor, w: Tensor, b: Tensor): Tensor =>
  nn.relu(lax.convGeneralDilated(x, w, [1, 1], "SAME", { dimensionNumbers: DN }).add(b));

/** Class scores f32[N, 10] of digits f32[N, 28, 28, 1]. */
export function cnnLogits(p: CnnParams, x: Tensor): Tensor {
  let h = nn.maxPool(convRelu(x, p.c1, p.b1), [2, 2], { strides: [2, 2] });
  h = nn.maxPool(convRelu(h, p.c2, p.b2), [2, 2], { strides: [2, 2] });
  h = np.reshape(h, [h.shape[0]!, 7 * 7 * 32]);
  h = nn.relu(np.matmul(h, p.w3).add(p.b3));
  return np.matmul(h, p.w4).add(p.b4);
}

/** Mean softmax cross-entropy over the batch, integer labels i32[N]. */
export const cnnLoss = (p: CnnParams, x: Tensor, y: Tensor): Tensor =>
  np.mean(optim.losses.softmaxCrossEntropyWithIntegerLabels(cnnLogits(p, x), y));
