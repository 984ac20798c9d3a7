// The decoder-only transformer of example 10 (and of its benchmark, bench/suites/optim.ts): parameters, forward
// pass, loss, optimizer and the jitted training step.
import { nn, np, optim, random, type Tensor, tree } from "tracegrad";
import { alphabet } from "./text.js";
import { trainStep } from "./train.js";

/** Width D, heads N, blocks L, context T, batch B, dropout rate, peak learning rate. */
export const config = { D: 64, N: 4, L: 2, T: 32, B: 32, dropRate: 0.1, lr: 1e-2 } as const;
const { D, N, L, T } = config;
const V = alphabet.length;
const Hd = D / N;

export interface Norm {
  scale: Tensor;
  bias: Tensor;
}
export interface Block {
  ln1: Norm;
  wqkv: Tensor;
  wo: Tensor;
  ln2: Norm;
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}
export interface Params {
  tokens: Tensor;
  positions: Tensor;
  blocks: Block[];
  lnf: Norm;
  wout: Tensor;
}

// GPT-2's initialisation: every weight from normal(0.02), so the first logits are near 0 and the loss near ln V
const weight = nn.initializers.normal(0.02);
const norm = (): Norm => ({ scale: np.ones([D]), bias: np.zeros([D]) });

/** Weights from normal(0.02), norms scale 1 and bias 0, biases 0. */
export function initParams(key: Tensor): Params {
  const [kt, kp, ko, ...kb] = random.split(key, 3 + L);
  return {
    tokens: weight(kt!, [V, D]),
    positions: weight(kp!, [T, D]),
    blocks: kb.map((k) => {
      const [k1, k2, k3, k4] = random.split(k, 4);
      return {
        ln1: norm(),
        wqkv: weight(k1!, [D, 3 * D]),
        wo: weight(k2!, [D, D]),
        ln2: norm(),
        w1: weight(k3!, [D, 4 * D]),
        b1: np.zeros([4 * D]),
        w2: weight(k4!, [4 * D, D]),
        b2: np.zeros([D]),
      };
    }),
    lnf: norm(),
    wout: weight(ko!, [D, V]),
  };
}

/** Layer norm: nn.standardize over the features, then a learned scale and bias. */
const layerNorm = (x: Tensor, p: Norm): Tensor => nn.standardize(x, { axis: -1 }).mul(p.scale).add(p.bias);

/** Logits f32[B, T, V] for characters i32[B, T]; dropout at `rate` with keys from `key`. */
export function forward(p: Params, x: Tensor, key: Tensor, rate: number): Tensor {
  const [b, t] = x.shape as [number, number];
  const keys = [...random.split(key, 2 * L)];
  let h = np.take(p.tokens, x, { axis: 0 }).add(p.positions.slice([0, t])); // f32[B, T, D]
  p.blocks.forEach((blk, i) => {
    const qkv = np.matmul(layerNorm(h, blk.ln1), blk.wqkv).reshape([b, t, 3, N, Hd]);
    const [q, k, v] = [0, 1, 2].map((j) => qkv.slice([], [], j)); // each f32[B, T, N, Hd]
    const att = nn.dotProductAttention(q!, k!, v!, { isCausal: true }).reshape([b, t, D]);
    h = h.add(nn.dropout(keys[2 * i]!, np.matmul(att, blk.wo), rate));
    const m = nn.gelu(np.matmul(layerNorm(h, blk.ln2), blk.w1).add(blk.b1));
    h = h.add(nn.dropout(keys[2 * i + 1]!, np.matmul(m, blk.w2).add(blk.b2), rate));
  });
  return np.matmul(layerNorm(h, p.lnf), p.wout);
}

/** Mean cross-entropy of next-character prediction over windows i32[T + 1, B] (time-major, as windowsFrom). */
export function loss(p: Params, windows: Tensor, key: Tensor, rate: number): Tensor {
  const w = windows.T; // i32[B, T + 1]
  const n = w.shape[1]! - 1;
  const logits = forward(p, w.slice([], [0, n]), key, rate);
  return optim.losses.softmaxCrossEntropyWithIntegerLabels(logits, w.slice([], [1, n + 1])).mean();
}

/** The projection matrices decay; biases, norms and embeddings do not (the usual AdamW mask). */
const decays = (path: (string | number)[]) => path.some((k) => ["wqkv", "wo", "w1", "w2", "wout"].includes(String(k)));

/** Global-norm clipping, then AdamW on a warmup-cosine learning-rate schedule over `steps` steps. */
export function makeOptimizer(steps: number) {
  const schedule = optim.warmupCosineDecaySchedule(0, config.lr, Math.round(steps / 10), steps, {
    endValue: config.lr / 10,
  });
  return optim.chain(
    optim.clipByGlobalNorm(1),
    optim.adamw(schedule, { weightDecay: 0.05, mask: (p: Params) => tree.mapWithPath(decays, p) }),
  );
}

/** One training step (to jit): loss with dropout and its gradient, the optimizer's update, the new params. */
export const makeStep = (optimizer: ReturnType<typeof makeOptimizer>) =>
  trainStep(optimizer, (p: Params, windows: Tensor, key: Tensor) => loss(p, windows, key, config.dropRate));
