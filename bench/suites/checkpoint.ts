// checkpoint (remat): a deep tanh MLP's gradient with and without `checkpoint` around each layer, under jit — the
// time per gradient step side by side, and the bytes of residuals reverse mode keeps between the forward and the
// backward pass, measured on the IR (the constants of the linear map that linearize builds, which grad transposes).
import { checkpoint, grad, jit, np, type Tensor, tree } from "tracegrad";
import { peakLiveBytes } from "../../src/compile/plan.js";
import { linearizeFlat } from "../../src/transforms/linearize.js";
import { type Case, fmtAuto, fmtRatio, type Suite } from "../harness.js";
import { normal } from "./data.js";

const LAYERS = 64;
const WIDTH = 512;
const BATCH = 64;
/** Layers per checkpoint in the extra "blocks" case (√64: the classic memory/time trade-off). */
const BLOCK = 8;

type Params = { w: Tensor[]; b: Tensor[] };

/** Seeded weights N(0, 1/width) (variance-preserving for tanh), biases N(0, 0.1²), inputs N(0, 1). */
function mlpData(): { params: Params; x: Tensor } {
  const params: Params = {
    w: Array.from({ length: LAYERS }, (_, i) => normal(1000 + i, [WIDTH, WIDTH], 1 / Math.sqrt(WIDTH))),
    b: Array.from({ length: LAYERS }, (_, i) => normal(2000 + i, [WIDTH], 0.1)),
  };
  return { params, x: normal(3000, [BATCH, WIDTH]) };
}

const layer = (w: Tensor, b: Tensor, h: Tensor): Tensor => np.tanh(np.matmul(h, w).add(b));
const ckptLayer = checkpoint(layer);
/** BLOCK layers as one checkpoint: reverse mode keeps only the block's input (and its parameters). */
const ckptBlock = checkpoint((ws: Tensor[], bs: Tensor[], h: Tensor): Tensor => {
  let y = h;
  for (let i = 0; i < ws.length; i++) y = layer(ws[i]!, bs[i]!, y);
  return y;
});

/** loss = mean of the last layer's output. */
const plainLoss = (p: Params, x: Tensor): Tensor => {
  let h = x;
  for (let i = 0; i < LAYERS; i++) h = layer(p.w[i]!, p.b[i]!, h);
  return h.mean();
};
const ckptLoss = (p: Params, x: Tensor): Tensor => {
  let h = x;
  for (let i = 0; i < LAYERS; i++) h = ckptLayer(p.w[i]!, p.b[i]!, h);
  return h.mean();
};
const blockLoss = (p: Params, x: Tensor): Tensor => {
  let h = x;
  for (let i = 0; i < LAYERS; i += BLOCK) h = ckptBlock(p.w.slice(i, i + BLOCK), p.b.slice(i, i + BLOCK), h);
  return h.mean();
};

const itemBytes = (t: Tensor): number => (t.dtype === "float64" ? 8 : t.dtype === "bool" ? 1 : 4);
const bytesOf = (t: Tensor): number => t.size * itemBytes(t);
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 2)} MiB`;

interface Residuals {
  /** Bytes of all the linear map's constants. */
  total: number;
  /** Bytes of those that are not inputs of the loss (weights, biases, x): values computed by the forward pass. */
  computed: number;
  count: number;
  /** "n × shape" groups, inputs and computed values apart. */
  breakdown: string;
}

/**
 * The residuals of reverse mode: grad = linearize + transpose, and the linear map linearize builds holds, as its
 * constants, every forward value the backward pass reads (each tensor once). Counted here: their bytes, all of them and
 * those that are not the loss's own inputs.
 */
function residuals(loss: (p: Params, x: Tensor) => Tensor, params: Params, x: Tensor): Residuals {
  const [leaves, def] = tree.flatten({ params, x }) as [Tensor[], ReturnType<typeof tree.structure>];
  const flat = (...xs: Tensor[]): Tensor[] => {
    const { params: p, x: xx } = tree.unflatten(def, xs) as { params: Params; x: Tensor };
    return [loss(p, xx)];
  };
  const { linear } = linearizeFlat("bench", "loss", flat, leaves);
  const inputs = new Set(leaves);
  const groups = new Map<string, number>();
  let total = 0;
  let computed = 0;
  for (const c of linear.consts) {
    total += bytesOf(c);
    const isInput = inputs.has(c);
    if (!isInput) computed += bytesOf(c);
    const key = `${c.dtype}[${c.shape.join(",")}]${isInput ? " (input)" : ""}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const breakdown = [...groups].map(([k, n]) => `${n} × ${k}`).join(", ");
  return { total, computed, count: linear.consts.length, breakdown };
}

/** max over leaves of max |a − b| / max |b|. */
function relDiff(a: Params, b: Params): number {
  const la = tree.leaves(a) as Tensor[];
  const lb = tree.leaves(b) as Tensor[];
  let worst = 0;
  la.forEach((t, i) => {
    const r = lb[i]!;
    const d = Number(np.max(np.abs(t.sub(r))));
    const m = Number(np.max(np.abs(r)));
    worst = Math.max(worst, m === 0 ? (d === 0 ? 0 : Infinity) : d / m);
  });
  return worst;
}

const NAMES = {
  plain: "jit(grad(loss)), no checkpoint",
  layer: "jit(grad(loss)), checkpoint per layer",
  block: `jit(grad(loss)), checkpoint per ${BLOCK} layers`,
  forward: "jit(loss), forward only (no gradient)",
} as const;

export const checkpointSuite: Suite = {
  name: "checkpoint",
  title: `checkpoint (remat): ${LAYERS}-layer tanh MLP (width ${WIDTH}, batch ${BATCH}, float32), gradient with and without checkpoint`,
  description:
    `h_{i+1} = tanh(h_i W_i + b_i) for ${LAYERS} layers, loss = mean of h_${LAYERS}; \`jit(grad(loss))\` with respect to ` +
    `all ${LAYERS} weight matrices and biases ({ w: Tensor[], b: Tensor[] }). "no checkpoint": the plain loss; ` +
    '"checkpoint per layer": each layer wrapped in `checkpoint` (policy "nothingSaveable": reverse mode keeps the ' +
    `layer's inputs and recomputes x·W + b and tanh in the backward pass); "checkpoint per ${BLOCK} layers" (extra): ` +
    `${BLOCK} layers per checkpoint, so only every ${BLOCK}th activation is kept; "forward only" (extra): \`jit(loss)\`, ` +
    "the cost of the pass that checkpoint recomputes. Before timing, each gradient is " +
    "checked against the plain one (≤ 1e-4 relative: max |Δ| / max |g| per parameter), and the residual bytes of each " +
    "loss are measured (definition below).",
  options: { warmup: 2, reps: 20 },
  setup() {
    const { params, x } = mlpData();
    const losses = { plain: plainLoss, layer: ckptLoss, block: blockLoss };
    const fns = { plain: jit(grad(plainLoss)), layer: jit(grad(ckptLoss)), block: jit(grad(blockLoss)) };

    // first calls (trace + compile + run), then the same gradients everywhere
    const first: Record<string, number> = {};
    const grads = {} as Record<keyof typeof fns, Params>;
    for (const k of ["plain", "layer", "block"] as const) {
      const t0 = performance.now();
      grads[k] = fns[k](params, x) as Params;
      first[k] = performance.now() - t0;
    }
    const scale = Math.min(...(tree.leaves(grads.plain) as Tensor[]).map((g) => Number(np.max(np.abs(g)))));
    if (!(scale > 0)) throw new Error(`checkpoint: a plain gradient is zero or not finite (smallest max |g| ${scale})`);
    const errs = { layer: relDiff(grads.layer, grads.plain), block: relDiff(grads.block, grads.plain) };
    for (const [k, e] of Object.entries(errs))
      if (!(e <= 1e-4)) throw new Error(`checkpoint: the ${k} gradient differs from the plain one by ${e} (relative)`);

    // residuals
    const res = {
      plain: residuals(losses.plain, params, x),
      layer: residuals(losses.layer, params, x),
      block: residuals(losses.block, params, x),
    };
    const ratio = (k: "layer" | "block", what: "total" | "computed") => res[k][what] / res.plain[what];
    // the compiled programs' own account: the most bytes their computed values hold at once, as planned
    const peak = Object.fromEntries(
      (["plain", "layer", "block"] as const).map((k) => {
        const lowered = fns[k].lower(params, x).jaxpr;
        return [k, peakLiveBytes(lowered.jaxpr, "fast") ?? Number.NaN];
      }),
    ) as Record<"plain" | "layer" | "block", number>;
    const verdict = (r: number) => (r <= 1 / 8 ? "met" : "NOT met");

    const forward = jit(plainLoss);
    forward(params, x);
    const cases: Case[] = [
      ...(["plain", "layer", "block"] as const).map((k) => ({ name: NAMES[k], fn: () => fns[k](params, x) })),
      { name: NAMES.forward, fn: () => forward(params, x) },
    ];
    const activation = BATCH * WIDTH * 4;
    return {
      cases,
      baseline: NAMES.plain,
      notes: [
        `gradient checks (relative to the plain gradient): checkpoint per layer ${errs.layer.toExponential(1)}, ` +
          `per ${BLOCK} layers ${errs.block.toExponential(1)}; smallest max |g| over the parameters ${scale.toExponential(1)}`,
        `first call (new jit: trace, differentiate, optimise, compile, run; one sample each): no checkpoint ` +
          `${fmtAuto(first.plain!)}, per layer ${fmtAuto(first.layer!)}, per ${BLOCK} layers ${fmtAuto(first.block!)}`,
        "residuals, definition: grad is linearize + transpose; the linear map linearize builds (the library's " +
          "`linearizeFlat` from src/transforms/linearize.ts, run eagerly on the same loss, parameters and input) holds " +
          "as constants exactly the forward-pass values the backward pass reads, each tensor once. Residual bytes = " +
          'Σ size × 4 (float32) over those constants. "all" counts every constant; "computed" leaves out those ' +
          "that are the loss's own inputs (the weights, biases and x, which the caller holds anyway): the activations " +
          `and derivatives the forward pass computes (one ${BATCH}×${WIDTH} activation is ${mib(activation)}; ` +
          `the ${LAYERS} weight matrices are ${mib(LAYERS * WIDTH * WIDTH * 4)})`,
        ...(["plain", "layer", "block"] as const).map(
          (k) =>
            `residuals, ${NAMES[k]}: all ${mib(res[k].total)} (${res[k].count} tensors), computed ` +
            `${mib(res[k].computed)}; ${res[k].breakdown}`,
        ),
        `residual bytes, checkpoint per layer / no checkpoint: all ${fmtRatio(ratio("layer", "total"))}×, computed ` +
          `${fmtRatio(ratio("layer", "computed"))}× (target ≤ 1/8 = 0.125: ${verdict(ratio("layer", "computed"))} ` +
          "on computed values)",
        `planned buffers of jit(grad(loss)) (the most bytes its intermediate values, not its results, hold at once, as its ` +
          `schedule keeps each from the step that makes it to the last that reads it): no checkpoint ` +
          `${mib(peak.plain)}, per layer ${mib(peak.layer)} (${fmtRatio(peak.layer / peak.plain)}×), per ${BLOCK} ` +
          `layers ${mib(peak.block)} (${fmtRatio(peak.block / peak.plain)}×)`,
        `residual bytes, checkpoint per ${BLOCK} layers / no checkpoint: all ${fmtRatio(ratio("block", "total"))}×, ` +
          `computed ${fmtRatio(ratio("block", "computed"))}× (target ≤ 1/8: ${verdict(ratio("block", "computed"))} ` +
          "on computed values)",
      ],
      summary: (m) => [
        `time per gradient step, checkpoint per layer / no checkpoint: ${fmtRatio(m(NAMES.layer) / m(NAMES.plain))}× ` +
          `(${fmtAuto(m(NAMES.layer))} / ${fmtAuto(m(NAMES.plain))}); per ${BLOCK} layers / no checkpoint: ` +
          `${fmtRatio(m(NAMES.block) / m(NAMES.plain))}× (${fmtAuto(m(NAMES.block))})`,
        // recomputing costs about one more forward pass (63 of the 64 layers: the last layer's output is not needed)
        `extra time of checkpoint per layer over no checkpoint, in forward passes: ` +
          `${fmtRatio((m(NAMES.layer) - m(NAMES.plain)) / m(NAMES.forward))} (expected ≈ 1: the backward pass ` +
          `recomputes each layer's forward once; forward only ${fmtAuto(m(NAMES.forward))})`,
      ],
      targets: [
        {
          label: "checkpoint per layer: gradient step ≤ 1.5× without checkpoint (64-layer tanh MLP, jit)",
          kind: "ratio",
          case: NAMES.layer,
          vs: NAMES.plain,
          limit: 1.5,
        },
      ],
    };
  },
};
