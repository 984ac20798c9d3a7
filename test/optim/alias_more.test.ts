// optax's remaining optimizers against their update rules written out again in plain JS float64, step by step on a
// small pytree { w: [2, 3], b: [3] } whose gradients depend on the params; jit(step) against eager; argument checks.
import { jit, np, type Tensor, TracegradError, tree } from "tracegrad";
import { describe, expect, it } from "vitest";
import {
  adabelief,
  adadelta,
  adafactor,
  adagrad,
  adamax,
  amsgrad,
  lamb,
  lars,
  lion,
  nadam,
  novograd,
  type Optimizer,
  radam,
  rmsprop,
} from "../../src/optim/alias_more.js";

type Leaf = "w" | "b";
type Vals = Record<Leaf, number[]>;
const LEAVES: Leaf[] = ["b", "w"];
const P0: Vals = { w: [0.5, -1.2, 0.8, 0.3, -0.7, 1.1], b: [0.2, -0.4, 0.1] };

/** The gradient at step k (0-based) for params p: mixed signs, changing magnitudes, depending on p. */
const gradOf = (k: number, p: Vals): Vals => ({
  w: p.w.map((x, i) => Math.sin(1.3 * i + 0.7 * k + 0.2) * (1 + 0.4 * k) + 0.3 * x),
  b: p.b.map((x, i) => Math.cos(0.9 * i - 0.5 * k) * (0.5 + 0.2 * k) + 0.3 * x),
});

const toTree = (v: Vals) => ({
  w: np.array([v.w.slice(0, 3), v.w.slice(3, 6)], { dtype: "float64" }),
  b: np.array(v.b, { dtype: "float64" }),
});
const fromTree = (t: { w: Tensor; b: Tensor }): Vals => ({
  w: Array.from(t.w.toTypedArray(), Number),
  b: Array.from(t.b.toTypedArray(), Number),
});

/** A reference optimizer: (grads, params) → updates, its state in a closure. */
type RefStep = (g: Vals, p: Vals) => Vals;

/** Params after each of `steps` steps of the library optimizer (jitted step when `useJit`). */
function runLib(opt: Optimizer, steps: number, useJit = false): Vals[] {
  let params = toTree(P0);
  let state = opt.init(params);
  const step = (p: typeof params, s: unknown[], g: typeof params) => {
    const [u, s2] = opt.update(g, s, p);
    return [tree.map((a: Tensor, b: Tensor) => np.add(a, b), p, u) as typeof params, s2] as const;
  };
  const f = useJit ? jit(step) : step;
  const out: Vals[] = [];
  for (let k = 0; k < steps; k++) {
    const g = toTree(gradOf(k, fromTree(params)));
    [params, state] = f(params, state, g) as [typeof params, unknown[]];
    out.push(fromTree(params));
  }
  return out;
}

/** Params after each of `steps` steps of the reference. */
function runRef(make: () => RefStep, steps: number): Vals[] {
  const ref = make();
  let p: Vals = { w: [...P0.w], b: [...P0.b] };
  const out: Vals[] = [];
  for (let k = 0; k < steps; k++) {
    const u = ref(gradOf(k, p), p);
    p = { w: p.w.map((x, i) => x + u.w[i]!), b: p.b.map((x, i) => x + u.b[i]!) };
    out.push(p);
  }
  return out;
}

function expectSame(got: Vals[], want: Vals[], rtol = 1e-10): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    for (const l of LEAVES)
      g[l].forEach((v, i) => {
        const w = want[k]![l][i]!;
        expect(Number.isFinite(v), `step ${k} ${l}[${i}] finite`).toBe(true);
        expect(Math.abs(v - w), `step ${k} ${l}[${i}]: ${v} vs ${w}`).toBeLessThanOrEqual(1e-12 + rtol * Math.abs(w));
      });
  });
}

// --- helpers of the references -----------------------------------------------------------------------------------
const zeros = (): Vals => ({ w: Array(6).fill(0), b: Array(3).fill(0) });
const fill = (v: number): Vals => ({ w: Array(6).fill(v), b: Array(3).fill(v) });
/** Leafwise, elementwise. */
const emap = (f: (...xs: number[]) => number, ...vs: Vals[]): Vals => ({
  w: vs[0]!.w.map((_, i) => f(...vs.map((v) => v.w[i]!))),
  b: vs[0]!.b.map((_, i) => f(...vs.map((v) => v.b[i]!))),
});
/** Leafwise, whole leaf. */
const lmap = (f: (l: Leaf, ...xs: number[][]) => number[], ...vs: Vals[]): Vals => ({
  w: f("w", ...vs.map((v) => v.w)),
  b: f("b", ...vs.map((v) => v.b)),
});
const l2 = (x: number[]) => Math.sqrt(x.reduce((a, v) => a + v * v, 0));
const rms = (x: number[]) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
const NSTEPS = 4;

describe("adamax", () => {
  const ref =
    (lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8) =>
    (): RefStep => {
      let m = zeros();
      let u = zeros();
      let t = 0;
      return (g) => {
        t++;
        m = emap((m, g) => b1 * m + (1 - b1) * g, m, g);
        u = emap((u, g) => Math.max(b2 * u, Math.abs(g) + eps), u, g);
        return emap((m, u) => (-lr * (m / (1 - b1 ** t))) / u, m, u);
      };
    };
  it("defaults", () => expectSame(runLib(adamax(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options", () =>
    expectSame(runLib(adamax(0.05, { b1: 0.8, b2: 0.9, eps: 0.1 }), NSTEPS), runRef(ref(0.05, 0.8, 0.9, 0.1), NSTEPS)));
  it("state layout: [{ count, mu, nu }, {}]", () => {
    const opt = adamax(0.01);
    const s = opt.init(toTree(P0)) as [{ count: Tensor; mu: unknown; nu: unknown }, unknown];
    expect(Object.keys(s[0]).sort()).toEqual(["count", "mu", "nu"]);
    expect(s[0].count.dtype).toBe("int32");
    expect(s[1]).toEqual({});
    const [, s2] = opt.update(toTree(gradOf(0, P0)), s, toTree(P0));
    expect((s2[0] as { count: Tensor }).count.item()).toBe(1);
  });
});

/** Adam (optionally Nesterov) step m̂/(√(v̂ + epsRoot) + eps), no learning rate. */
function adamRef(b1: number, b2: number, eps: number, epsRoot: number, nesterov: boolean) {
  let m = zeros();
  let v = zeros();
  let t = 0;
  return (g: Vals): Vals => {
    t++;
    m = emap((m, g) => b1 * m + (1 - b1) * g, m, g);
    v = emap((v, g) => b2 * v + (1 - b2) * g * g, v, g);
    const mh = nesterov
      ? emap((m, g) => (b1 * m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t), m, g)
      : emap((m) => m / (1 - b1 ** t), m);
    return emap((m, v) => m / (Math.sqrt(v / (1 - b2 ** t) + epsRoot) + eps), mh, v);
  };
}

describe("nadam", () => {
  const ref =
    (lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0) =>
    (): RefStep => {
      const a = adamRef(b1, b2, eps, epsRoot, true);
      return (g) => emap((x) => -lr * x, a(g));
    };
  it("defaults", () => expectSame(runLib(nadam(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options", () =>
    expectSame(
      runLib(nadam(0.02, { b1: 0.7, b2: 0.95, eps: 1e-3, epsRoot: 1e-4 }), NSTEPS),
      runRef(ref(0.02, 0.7, 0.95, 1e-3, 1e-4), NSTEPS),
    ));
});

describe("radam", () => {
  const ref =
    (lr: number, { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, threshold = 5, nesterov = false } = {}) =>
    (): RefStep => {
      let m = zeros();
      let v = zeros();
      let t = 0;
      const roInf = 2 / (1 - b2) - 1;
      return (g) => {
        t++;
        m = emap((m, g) => b1 * m + (1 - b1) * g, m, g);
        v = emap((v, g) => b2 * v + (1 - b2) * g * g, v, g);
        const mh = nesterov
          ? emap((m, g) => (b1 * m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t), m, g)
          : emap((m) => m / (1 - b1 ** t), m);
        const ro = roInf - (2 * t * b2 ** t) / (1 - b2 ** t);
        if (ro < threshold) return emap((m) => -lr * m, mh);
        const r = Math.sqrt(((ro - 4) * (ro - 2) * roInf) / ((roInf - 4) * (roInf - 2) * ro));
        return emap((m, v) => (-lr * r * m) / (Math.sqrt(v / (1 - b2 ** t) + epsRoot) + eps), mh, v);
      };
    };
  // ρ ≈ t for b2 near 1: the first steps take plain momentum, from step 5 on the rectified step
  it("defaults, across the threshold", () => expectSame(runLib(radam(0.01), 7), runRef(ref(0.01), 7)));
  it("options (threshold, nesterov)", () => {
    const o = { b1: 0.8, b2: 0.99, eps: 1e-4, epsRoot: 1e-6, threshold: 4.5, nesterov: true };
    expectSame(runLib(radam(0.02, o), 6), runRef(ref(0.02, o), 6));
  });
});

describe("amsgrad", () => {
  const ref =
    (
      lr: number,
      { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, biasCorrectionMu = true, biasCorrectionNu = true } = {},
    ) =>
    (): RefStep => {
      let m = zeros();
      let v = zeros();
      let vmax = zeros();
      let t = 0;
      return (g) => {
        t++;
        m = emap((m, g) => b1 * m + (1 - b1) * g, m, g);
        v = emap((v, g) => b2 * v + (1 - b2) * g * g, v, g);
        const vEff = emap((v) => (biasCorrectionNu ? v / (1 - b2 ** t) : v), v);
        vmax = emap(Math.max, vmax, vEff);
        return emap(
          (m, vm) => (-lr * (biasCorrectionMu ? m / (1 - b1 ** t) : m)) / (Math.sqrt(vm + epsRoot) + eps),
          m,
          vmax,
        );
      };
    };
  it("defaults", () => expectSame(runLib(amsgrad(0.01), 5), runRef(ref(0.01), 5)));
  it("options", () => {
    const o = { b1: 0.5, b2: 0.6, eps: 1e-3, epsRoot: 1e-5, biasCorrectionNu: false };
    expectSame(runLib(amsgrad(0.03, o), 5), runRef(ref(0.03, o), 5));
  });
});

describe("adabelief", () => {
  const ref =
    (
      lr: number,
      { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16, weightDecay = undefined as number | undefined } = {},
    ) =>
    (): RefStep => {
      let m = zeros();
      let s = zeros();
      let t = 0;
      return (g, p) => {
        t++;
        m = emap((m, g) => b1 * m + (1 - b1) * g, m, g);
        s = emap((s, g, m) => b2 * s + (1 - b2) * (g - m) ** 2 + epsRoot, s, g, m);
        return emap(
          (m, s, p) => -lr * (m / (1 - b1 ** t) / (Math.sqrt(s / (1 - b2 ** t)) + eps) + (weightDecay ?? 0) * p),
          m,
          s,
          p,
        );
      };
    };
  it("defaults", () => expectSame(runLib(adabelief(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options (weight decay)", () => {
    const o = { b1: 0.8, b2: 0.9, eps: 1e-6, epsRoot: 1e-8, weightDecay: 0.1 };
    expectSame(runLib(adabelief(0.02, o), NSTEPS), runRef(ref(0.02, o), NSTEPS));
  });
});

describe("lion", () => {
  const ref =
    (lr: number, { b1 = 0.9, b2 = 0.99, weightDecay = 1e-3, maskB = true } = {}) =>
    (): RefStep => {
      let m = zeros();
      return (g, p) => {
        const out = lmap(
          (l, m, g, p) =>
            m.map(
              (mi, i) => -lr * (sign((1 - b1) * g[i]! + b1 * mi) + (l === "b" && !maskB ? 0 : weightDecay * p[i]!)),
            ),
          m,
          g,
          p,
        );
        m = emap((m, g) => b2 * m + (1 - b2) * g, m, g);
        return out;
      };
    };
  it("defaults (weight decay 1e-3)", () => expectSame(runLib(lion(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options (mask)", () =>
    expectSame(
      runLib(lion(0.02, { b1: 0.5, b2: 0.8, weightDecay: 0.1, mask: { w: true, b: false } }), NSTEPS),
      runRef(ref(0.02, { b1: 0.5, b2: 0.8, weightDecay: 0.1, maskB: false }), NSTEPS),
    ));
});

describe("rmsprop", () => {
  const ref =
    (
      lr: number,
      {
        decay = 0.9,
        eps = 1e-8,
        initialScale = 0,
        epsInSqrt = true,
        centered = false,
        momentum = undefined as number | undefined,
        nesterov = false,
        biasCorrection = false,
      } = {},
    ) =>
    (): RefStep => {
      let mu = zeros();
      let nu = fill(initialScale);
      let tr = zeros();
      let t = 0;
      return (g) => {
        t++;
        mu = emap((m, g) => decay * m + (1 - decay) * g, mu, g);
        nu = emap((n, g) => decay * n + (1 - decay) * g * g, nu, g);
        const c = biasCorrection ? 1 - decay ** t : 1;
        const u = emap(
          (g, m, n) => {
            const v = n / c - (centered ? (m / c) ** 2 : 0);
            return -lr * g * (epsInSqrt ? 1 / Math.sqrt(v + eps) : 1 / (Math.sqrt(v) + eps));
          },
          g,
          mu,
          nu,
        );
        if (momentum === undefined) return u;
        tr = emap((u, t) => u + momentum * t, u, tr);
        return nesterov ? emap((u, t) => u + momentum * t, u, tr) : tr;
      };
    };
  it("defaults", () => expectSame(runLib(rmsprop(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("momentum", () =>
    expectSame(runLib(rmsprop(0.01, { momentum: 0.9 }), NSTEPS), runRef(ref(0.01, { momentum: 0.9 }), NSTEPS)));
  it("centered, nesterov, bias correction, eps outside the root, initial scale", () => {
    const o = {
      decay: 0.8,
      eps: 1e-3,
      initialScale: 0.1,
      epsInSqrt: false,
      centered: true,
      momentum: 0.5,
      nesterov: true,
      biasCorrection: true,
    };
    expectSame(runLib(rmsprop(0.02, o), NSTEPS), runRef(ref(0.02, o), NSTEPS));
  });
  it("state layout: without momentum [{ nu }, {}, {}]", () => {
    const s = rmsprop(0.01).init(toTree(P0));
    expect(s.length).toBe(3);
    expect(Object.keys(s[0] as object)).toEqual(["nu"]);
    expect(s[2]).toEqual({});
    const c = rmsprop(0.01, { centered: true, biasCorrection: true, momentum: 0.9 }).init(toTree(P0));
    expect(Object.keys(c[0] as object).sort()).toEqual(["count", "mu", "nu"]);
    expect(Object.keys(c[2] as object)).toEqual(["trace"]);
  });
});

describe("adagrad", () => {
  const ref =
    (lr: number | ((k: number) => number), init = 0.1, eps = 1e-7) =>
    (): RefStep => {
      let G = fill(init);
      let k = 0;
      return (g) => {
        const rate = typeof lr === "number" ? lr : lr(k++);
        G = emap((G, g) => G + g * g, G, g);
        return emap((G, g) => (G > 0 ? (-rate * g) / Math.sqrt(G + eps) : 0), G, g);
      };
    };
  it("defaults", () => expectSame(runLib(adagrad(0.1), NSTEPS), runRef(ref(0.1), NSTEPS)));
  it("options", () =>
    expectSame(
      runLib(adagrad(0.2, { initialAccumulatorValue: 0.5, eps: 1e-3 }), NSTEPS),
      runRef(ref(0.2, 0.5, 1e-3), NSTEPS),
    ));
  it("a learning-rate schedule", () =>
    expectSame(
      runLib(
        adagrad((c: Tensor) => np.multiply(0.25, np.power(0.5, c))),
        NSTEPS,
      ),
      runRef(
        ref((k) => 0.25 * 0.5 ** k),
        NSTEPS,
      ),
    ));
});

describe("adadelta", () => {
  const ref =
    (lr: number | undefined, { rho = 0.9, eps = 1e-6, weightDecay = 0 } = {}) =>
    (): RefStep => {
      let eg = zeros();
      let ex = zeros();
      return (g0, p) => {
        const g = emap((g, p) => g + weightDecay * p, g0, p);
        eg = emap((e, g) => rho * e + (1 - rho) * g * g, eg, g);
        const d = emap((g, eg, ex) => (Math.sqrt(ex + eps) / Math.sqrt(eg + eps)) * g, g, eg, ex);
        ex = emap((e, d) => rho * e + (1 - rho) * d * d, ex, d);
        return emap((d) => (lr === undefined ? d : -lr * d), d);
      };
    };
  it("defaults", () => expectSame(runLib(adadelta(1), NSTEPS), runRef(ref(1), NSTEPS)));
  it("options", () => {
    const o = { rho: 0.7, eps: 1e-3, weightDecay: 0.05 };
    expectSame(runLib(adadelta(0.5, o), NSTEPS), runRef(ref(0.5, o), NSTEPS));
  });
  it("no learning rate: the unscaled (ascending) step, as optax's None", () =>
    expectSame(runLib(adadelta(undefined, { eps: 1e-2 }), 3), runRef(ref(undefined, { eps: 1e-2 }), 3)));
});

describe("adafactor", () => {
  interface AfOpts {
    minDimSizeToFactor?: number;
    decayRate?: number;
    decayOffset?: number;
    multiplyByParameterScale?: boolean;
    clippingThreshold?: number | null;
    momentum?: number;
    weightDecayRate?: number;
    eps?: number;
    factored?: boolean;
  }
  const ref =
    (
      lr: number | undefined,
      {
        minDimSizeToFactor = 128,
        decayRate = 0.8,
        decayOffset = 0,
        multiplyByParameterScale = true,
        clippingThreshold = 1 as number | null,
        momentum,
        weightDecayRate,
        eps = 1e-30,
        factored = true,
      }: AfOpts = {},
    ) =>
    (): RefStep => {
      // w is 2×3: its second largest axis (0, size 2) gives rows, its largest (1, size 3) columns
      const factorW = factored && 2 >= minDimSizeToFactor;
      let vRow = [0, 0];
      let vCol = [0, 0, 0];
      const v = zeros();
      let ema = zeros();
      let k = 0;
      return (g, p) => {
        const beta = 1 - (k - decayOffset + 1) ** -decayRate;
        k++;
        const sq = emap((g) => g * g + eps, g);
        const upd = zeros();
        if (factorW) {
          const w = sq.w;
          vRow = vRow.map((r, i) => beta * r + ((1 - beta) * (w[3 * i]! + w[3 * i + 1]! + w[3 * i + 2]!)) / 3);
          vCol = vCol.map((c, j) => beta * c + ((1 - beta) * (w[j]! + w[3 + j]!)) / 2);
          const rowMean = (vRow[0]! + vRow[1]!) / 2;
          upd.w = g.w.map((x, n) => x * (vRow[Math.floor(n / 3)]! / rowMean) ** -0.5 * vCol[n % 3]! ** -0.5);
        } else {
          v.w = v.w.map((x, i) => beta * x + (1 - beta) * sq.w[i]!);
          upd.w = g.w.map((x, i) => x / Math.sqrt(v.w[i]!));
        }
        v.b = v.b.map((x, i) => beta * x + (1 - beta) * sq.b[i]!);
        upd.b = g.b.map((x, i) => x / Math.sqrt(v.b[i]!));
        let u = upd;
        if (clippingThreshold !== null)
          u = lmap((_l, x) => x.map((y) => y / Math.max(1, rms(x) / clippingThreshold)), u);
        if (lr !== undefined) u = emap((x) => lr * x, u);
        if (multiplyByParameterScale) u = lmap((_l, x, p) => x.map((y) => y * Math.max(rms(p), 1e-3)), u, p);
        if (momentum !== undefined) {
          ema = emap((e, x) => momentum * e + (1 - momentum) * x, ema, u);
          u = ema;
        }
        if (weightDecayRate !== undefined) u = emap((x, p) => x + weightDecayRate * p, u, p);
        return emap((x) => -x, u);
      };
    };
  it("defaults (w too small to factor)", () => expectSame(runLib(adafactor(0.1), NSTEPS), runRef(ref(0.1), NSTEPS)));
  it("a factored 2-D leaf and a 1-D leaf", () =>
    expectSame(
      runLib(adafactor(0.1, { minDimSizeToFactor: 2 }), NSTEPS),
      runRef(ref(0.1, { minDimSizeToFactor: 2 }), NSTEPS),
    ));
  it("options: decay rate and offset, clipping, momentum, weight decay, no parameter scale", () => {
    const o = {
      minDimSizeToFactor: 2,
      decayRate: 0.6,
      decayOffset: -1,
      multiplyByParameterScale: false,
      clippingThreshold: 0.5,
      momentum: 0.7,
      dtypeMomentum: "float64" as const,
      weightDecayRate: 0.01,
      eps: 1e-20,
    };
    expectSame(runLib(adafactor(0.05, o), NSTEPS), runRef(ref(0.05, o), NSTEPS));
  });
  it("no learning rate, no clipping, factored: false", () => {
    const o = { minDimSizeToFactor: 2, clippingThreshold: null, factored: false };
    expectSame(runLib(adafactor(undefined, o), 3), runRef(ref(undefined, o), 3));
  });
  it("state layout: factored rows and columns, placeholders of shape [1]", () => {
    const [s] = adafactor(0.1, { minDimSizeToFactor: 2 }).init(toTree(P0)) as [
      { count: Tensor; vRow: Record<Leaf, Tensor>; vCol: Record<Leaf, Tensor>; v: Record<Leaf, Tensor> },
    ];
    expect(s.vRow.w.shape).toEqual([2]);
    expect(s.vCol.w.shape).toEqual([3]);
    expect(s.v.w.shape).toEqual([1]);
    expect(s.v.b.shape).toEqual([3]);
    expect(s.vRow.b.shape).toEqual([1]);
    const [d] = adafactor(0.1).init(toTree(P0)) as [{ v: Record<Leaf, Tensor> }];
    expect(d.v.w.shape).toEqual([2, 3]);
  });
});

/** g·ratio with ratio = coef·‖p‖/(‖g‖ + eps), 1 where either norm is 0. */
const trust = (g: number[], p: number[], coef = 1, eps = 0) => {
  const pn = l2(p);
  const gn = l2(g);
  const r = pn === 0 || gn === 0 ? 1 : (coef * pn) / (gn + eps);
  return g.map((x) => x * r);
};

describe("lamb", () => {
  const ref =
    (lr: number, { b1 = 0.9, b2 = 0.999, eps = 1e-6, epsRoot = 0, weightDecay = 0, decayB = true } = {}) =>
    (): RefStep => {
      const a = adamRef(b1, b2, eps, epsRoot, false);
      return (g, p) => {
        const s = lmap((l, x, p) => x.map((y, i) => y + (l === "b" && !decayB ? 0 : weightDecay * p[i]!)), a(g), p);
        return lmap((_l, x, p) => trust(x, p).map((y) => -lr * y), s, p);
      };
    };
  it("defaults", () => expectSame(runLib(lamb(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options (weight decay with a mask)", () => {
    const lib = lamb(0.02, {
      b1: 0.8,
      b2: 0.9,
      eps: 1e-4,
      epsRoot: 1e-6,
      weightDecay: 0.1,
      mask: { w: true, b: false },
    });
    expectSame(
      runLib(lib, NSTEPS),
      runRef(ref(0.02, { b1: 0.8, b2: 0.9, eps: 1e-4, epsRoot: 1e-6, weightDecay: 0.1, decayB: false }), NSTEPS),
    );
  });
});

describe("lars", () => {
  const ref =
    (
      lr: number,
      {
        weightDecay = 0,
        decayB = true,
        trustCoefficient = 0.001,
        eps = 0,
        trustB = true,
        momentum = 0.9,
        nesterov = false,
      } = {},
    ) =>
    (): RefStep => {
      let tr = zeros();
      return (g, p) => {
        const gd = lmap((l, g, p) => g.map((y, i) => y + (l === "b" && !decayB ? 0 : weightDecay * p[i]!)), g, p);
        const s = lmap((l, g, p) => (l === "b" && !trustB ? g : trust(g, p, trustCoefficient, eps)), gd, p);
        const u = emap((x) => -lr * x, s);
        tr = emap((u, t) => u + momentum * t, u, tr);
        return nesterov ? emap((u, t) => u + momentum * t, u, tr) : tr;
      };
    };
  it("defaults", () => expectSame(runLib(lars(1), NSTEPS), runRef(ref(1), NSTEPS)));
  it("options (masks, nesterov)", () => {
    const lib = lars(0.5, {
      weightDecay: 0.01,
      weightDecayMask: { w: true, b: false },
      trustCoefficient: 0.02,
      eps: 1e-3,
      trustRatioMask: { w: true, b: false },
      momentum: 0.8,
      nesterov: true,
    });
    const o = {
      weightDecay: 0.01,
      decayB: false,
      trustCoefficient: 0.02,
      eps: 1e-3,
      trustB: false,
      momentum: 0.8,
      nesterov: true,
    };
    expectSame(runLib(lib, NSTEPS), runRef(ref(0.5, o), NSTEPS));
  });
});

describe("novograd", () => {
  const ref =
    (lr: number, { b1 = 0.9, b2 = 0.25, eps = 1e-6, epsRoot = 0, weightDecay = 0 } = {}) =>
    (): RefStep => {
      let m = zeros();
      const nu: Record<Leaf, number> = { w: 0, b: 0 };
      let t = 0;
      return (g, p) => {
        t++;
        m = lmap(
          (l, g, p, m) => {
            const n2 = l2(g) ** 2;
            nu[l] = t === 1 ? n2 : b2 * nu[l] + (1 - b2) * n2;
            return g.map((x, i) => {
              const a = x / (Math.sqrt(nu[l] + epsRoot) + eps) + weightDecay * p[i]!;
              return t === 1 ? a : b1 * m[i]! + a;
            });
          },
          g,
          p,
          m,
        );
        return emap((x) => -lr * x, m);
      };
    };
  it("defaults", () => expectSame(runLib(novograd(0.01), NSTEPS), runRef(ref(0.01), NSTEPS)));
  it("options", () => {
    const o = { b1: 0.7, b2: 0.5, eps: 1e-3, epsRoot: 1e-4, weightDecay: 0.05 };
    expectSame(runLib(novograd(0.02, o), NSTEPS), runRef(ref(0.02, o), NSTEPS));
  });
  it("state: one scalar per leaf", () => {
    const [s] = novograd(0.01).init(toTree(P0)) as [{ nu: Record<Leaf, Tensor> }];
    expect(s.nu.w.shape).toEqual([]);
    expect(s.nu.w.dtype).toBe("float64");
  });
});

describe("jit(step) equals eager", () => {
  const cases: [string, () => Optimizer, number][] = [
    ["radam", () => radam(0.01, { threshold: 4.5, b2: 0.99, nesterov: true }), 6],
    ["novograd", () => novograd(0.01, { weightDecay: 0.01 }), 4],
    ["adafactor", () => adafactor(0.1, { minDimSizeToFactor: 2, momentum: 0.5 }), 4],
    ["rmsprop", () => rmsprop(0.01, { centered: true, momentum: 0.9, biasCorrection: true }), 4],
    ["lars", () => lars(0.5, { trustRatioMask: { w: true, b: false } }), 4],
    ["lion", () => lion(0.01), 4],
    ["amsgrad", () => amsgrad(0.01), 4],
  ];
  for (const [name, make, steps] of cases)
    it(name, () => expectSame(runLib(make(), steps, true), runLib(make(), steps), 1e-12));
});

describe("argument checks", () => {
  it("names the function and the argument", () => {
    expect(() => adamax("0.1" as unknown as number)).toThrow(TracegradError);
    expect(() => adamax("0.1" as unknown as number)).toThrow(/optim\.adamax.*learningRate/);
    expect(() => nadam(0.1, { b1: "x" as unknown as number })).toThrow(/optim\.nadam: b1/);
    expect(() => rmsprop(0.1, { centred: true } as never)).toThrow(/optim\.rmsprop: unknown option "centred"/);
    expect(() => lars(0.1, { nesterov: 1 as unknown as boolean })).toThrow(/optim\.lars: nesterov/);
    expect(() => adafactor(0.1, { minDimSizeToFactor: 1.5 })).toThrow(/optim\.adafactor: minDimSizeToFactor/);
    expect(() => lion(0.1, { mask: 3 as never })).toThrow(/optim\.lion: mask/);
  });
  it("optimizers that need the params say so", () => {
    const opt = lamb(0.01);
    const s = opt.init(toTree(P0));
    expect(() => opt.update(toTree(P0), s)).toThrow(/needs the params/);
  });
});

describe("float32 params stay float32", () => {
  const all: [string, Optimizer][] = [
    ["adamax", adamax(0.01)],
    ["nadam", nadam(0.01)],
    ["radam", radam(0.01, { threshold: 0 })],
    ["amsgrad", amsgrad(0.01)],
    ["adabelief", adabelief(0.01, { weightDecay: 0.1 })],
    ["lion", lion(0.01)],
    ["rmsprop", rmsprop(0.01, { centered: true, momentum: 0.9, biasCorrection: true })],
    ["adagrad", adagrad(0.01)],
    ["adadelta", adadelta(1)],
    ["adafactor", adafactor(0.1, { minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.1 })],
    ["lamb", lamb(0.01)],
    ["lars", lars(0.1)],
    ["novograd", novograd(0.01)],
  ];
  for (const [name, opt] of all)
    it(name, () => {
      const p = { w: np.array([P0.w.slice(0, 3), P0.w.slice(3, 6)]), b: np.array(P0.b) };
      const g = {
        w: np.array([
          [0.1, -0.2, 0.3],
          [0.4, -0.5, 0.6],
        ]),
        b: np.array([0.7, -0.8, 0.9]),
      };
      let s = opt.init(p);
      let u: typeof p = g;
      for (let k = 0; k < 2; k++) [u, s] = opt.update(g, s, p);
      for (const l of tree.leaves(u) as Tensor[]) {
        expect(l.dtype).toBe("float32");
        expect(Array.from(l.toTypedArray(), Number).every(Number.isFinite)).toBe(true);
      }
      for (const l of tree.leaves(s) as Tensor[]) expect(["float32", "int32"]).toContain(l.dtype);
    });
});
