// optim's building blocks against optax's formulas reimplemented here in plain float64 JS, step by step on a small
// pytree { w: [2, 3], b: [3] }: the moments (scaleByAdam with epsRoot and nesterov, trace, ema), clipping, masks,
// schedules, the guards (zeroNans, applyIfFinite), gradient accumulation (multiSteps), injected hyperparameters,
// jit agreeing with eager and compiling once, and the errors at the boundary.
import { type GradientTransformation, jit, np, optim, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { f64, valuesOf } from "../helpers.js";

type Flat = { w: number[]; b: number[] };
type Tree = { w: Tensor; b: Tensor };

const P0: Flat = { w: [0.5, -1.2, 0.3, 2.0, -0.7, 1.1], b: [0.1, -0.4, 0.9] };
/** The gradients of step k: varied signs and sizes. */
const gradAt = (k: number): Flat => ({
  w: P0.w.map((_, i) => Math.sin(1.3 * k + 0.7 * i + 0.2) * (1 + 0.3 * k)),
  b: P0.b.map((_, i) => Math.cos(0.9 * k + 1.1 * i) * 0.8),
});
const toTree = (f: Flat): Tree => ({ w: f64([f.w.slice(0, 3), f.w.slice(3)]), b: f64(f.b) });
const fromTree = (t: Tree): Flat => ({ w: valuesOf(t.w), b: valuesOf(t.b) });
const zeros = (): Flat => ({ w: P0.w.map(() => 0), b: P0.b.map(() => 0) });
/** f elementwise over flat trees. */
const mapFlat = (f: (...xs: number[]) => number, ...ts: Flat[]): Flat => ({
  w: ts[0]!.w.map((_, i) => f(...ts.map((t) => t.w[i]!))),
  b: ts[0]!.b.map((_, i) => f(...ts.map((t) => t.b[i]!))),
});

function expectFlat(actual: unknown, expected: Flat, rtol = 1e-10): void {
  const a = fromTree(actual as Tree);
  expect(a.w.length).toBe(expected.w.length);
  expect(a.b.length).toBe(expected.b.length);
  for (const k of ["w", "b"] as const)
    a[k].forEach((v, i) => {
      const e = expected[k][i]!;
      expect(Math.abs(v - e), `${k}[${i}]: ${v} vs ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e)));
    });
}

/** Runs `opt` eagerly for the gradients of steps 0 … n−1 (params updated by applyUpdates); the updates and state. */
function run<S>(
  opt: GradientTransformation<S>,
  n: number,
  grads: (k: number) => Flat = gradAt,
): { updates: Tree[]; params: Tree[]; state: S } {
  let params = toTree(P0);
  let state = opt.init(params);
  const updates: Tree[] = [];
  const ps: Tree[] = [];
  for (let k = 0; k < n; k++) {
    const [u, s] = opt.update(toTree(grads(k)), state, params);
    updates.push(u);
    params = optim.applyUpdates(params, u);
    ps.push(params);
    state = s;
  }
  return { updates, params: ps, state };
}

/** Adam's updates (before the learning rate), per optax's scale_by_adam. */
function adamRef(gs: Flat[], { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false } = {}): Flat[] {
  let m = zeros();
  let v = zeros();
  return gs.map((g, k) => {
    const t = k + 1;
    m = mapFlat((m, g) => b1 * m + (1 - b1) * g, m, g);
    v = mapFlat((v, g) => b2 * v + (1 - b2) * g * g, v, g);
    const mh = nesterov
      ? mapFlat((m, g) => (b1 * m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t), m, g)
      : mapFlat((m) => m / (1 - b1 ** t), m);
    return mapFlat((mh, v) => mh / (Math.sqrt(v / (1 - b2 ** t) + epsRoot) + eps), mh, v);
  });
}

const steps = (n: number) => Array.from({ length: n }, (_, k) => gradAt(k));

describe("scaleByAdam", () => {
  for (const opts of [{}, { b1: 0.8, b2: 0.99, eps: 1e-3 }, { epsRoot: 1e-2 }, { nesterov: true, b1: 0.7 }])
    it(`follows optax's formulas ${JSON.stringify(opts)}`, () => {
      const { updates, state } = run(optim.scaleByAdam(opts), 5);
      const want = adamRef(steps(5), opts);
      updates.forEach((u, k) => expectFlat(u, want[k]!));
      expect(state.count.dtype).toBe("int32");
      expect(state.count.item()).toBe(5);
      const b1 = (opts as { b1?: number }).b1 ?? 0.9;
      let m = zeros();
      for (const g of steps(5)) m = mapFlat((m, g) => b1 * m + (1 - b1) * g, m, g);
      expectFlat(state.mu, m);
    });
});

describe("trace and ema", () => {
  for (const nesterov of [false, true])
    it(`trace(0.9, { nesterov: ${nesterov} })`, () => {
      const { updates, state } = run(optim.trace(0.9, { nesterov }), 4);
      let t = zeros();
      steps(4).forEach((g, k) => {
        t = mapFlat((g, t) => g + 0.9 * t, g, t);
        expectFlat(updates[k], nesterov ? mapFlat((g, t) => g + 0.9 * t, g, t) : t);
      });
      expectFlat(state.trace, t);
    });

  for (const debias of [true, false])
    it(`ema(0.8, { debias: ${debias} }) keeps the raw average in the state`, () => {
      const { updates, state } = run(optim.ema(0.8, { debias }), 4);
      let e = zeros();
      steps(4).forEach((g, k) => {
        e = mapFlat((g, e) => 0.2 * g + 0.8 * e, g, e);
        expectFlat(updates[k], debias ? mapFlat((e) => e / (1 - 0.8 ** (k + 1)), e) : e);
      });
      expectFlat(state.ema, e);
      expect(state.count.item()).toBe(4);
    });
});

describe("clipping and scaling", () => {
  const g = gradAt(2);
  const norm = Math.sqrt([...g.w, ...g.b].reduce((s, x) => s + x * x, 0));

  it("globalNorm is the norm of all leaves", () => {
    expect(optim.globalNorm(toTree(g)).item()).toBeCloseTo(norm, 12);
  });

  it("clipByGlobalNorm leaves updates under the norm alone and rescales those above", () => {
    const below = optim.clipByGlobalNorm(norm * 1.5);
    expectFlat(below.update(toTree(g), below.init(toTree(P0)))[0], g);
    const above = optim.clipByGlobalNorm(0.5);
    const [u] = above.update(toTree(g), above.init(toTree(P0)));
    expectFlat(
      u,
      mapFlat((x) => (x / norm) * 0.5, g),
    );
    expect(optim.globalNorm(u).item()).toBeCloseTo(0.5, 12);
  });

  it("clip bounds each element", () => {
    const t = optim.clip(0.3);
    expectFlat(
      t.update(toTree(g), t.init(toTree(P0)))[0],
      mapFlat((x) => Math.min(0.3, Math.max(-0.3, x)), g),
    );
  });

  it("scale, scaleByLearningRate and scaleBySchedule", () => {
    expectFlat(
      run(optim.scale(-2), 1).updates[0],
      mapFlat((x) => -2 * x, gradAt(0)),
    );
    expectFlat(
      run(optim.scaleByLearningRate(0.1), 1).updates[0],
      mapFlat((x) => -0.1 * x, gradAt(0)),
    );
    const sched = (c: Tensor) => np.divide(f64(1), np.add(c, 1));
    const { updates, state } = run(optim.scaleByLearningRate(sched), 3);
    updates.forEach((u, k) =>
      expectFlat(
        u,
        mapFlat((x) => -x / (k + 1), gradAt(k)),
      ),
    );
    expect((state as { count: Tensor }).count.item()).toBe(3);
  });

  it("chain applies in order", () => {
    const { updates } = run(optim.chain(optim.clip(0.5), optim.scale(3)), 2);
    updates.forEach((u, k) =>
      expectFlat(
        u,
        mapFlat((x) => 3 * Math.min(0.5, Math.max(-0.5, x)), gradAt(k)),
      ),
    );
  });
});

describe("masks", () => {
  const decayed = (maskB: boolean, maskW: boolean) => {
    const g = gradAt(0);
    return {
      w: g.w.map((x, i) => x + (maskW ? 0.1 * P0.w[i]! : 0)),
      b: g.b.map((x, i) => x + (maskB ? 0.1 * P0.b[i]! : 0)),
    };
  };
  it("addDecayedWeights with a pytree mask and a function mask", () => {
    expectFlat(run(optim.addDecayedWeights(0.1), 1).updates[0], decayed(true, true));
    expectFlat(run(optim.addDecayedWeights(0.1, { w: true, b: false }), 1).updates[0], decayed(false, true));
    const byRank = (p: Tree) => ({ w: p.w.ndim > 1, b: p.b.ndim > 1 });
    expectFlat(run(optim.addDecayedWeights(0.1, byRank), 1).updates[0], decayed(false, true));
  });

  it("maskedTransform keeps the state of the masked-in leaves only", () => {
    const { updates, state } = run(optim.maskedTransform(optim.trace(0.5), { w: false, b: true }), 3);
    let t = zeros();
    steps(3).forEach((g, k) => {
      t = mapFlat((g, t) => g + 0.5 * t, g, t);
      expectFlat(updates[k], { w: g.w, b: t.b });
    });
    expect((state.innerState.trace as { w: unknown }).w).toBeNull();
    expect(valuesOf((state.innerState.trace as Tree).b)).toEqual(t.b);
  });
});

describe("zeroNans and applyIfFinite", () => {
  const withNan = (k: number): Flat => {
    const g = gradAt(k);
    return k === 1 || k === 3 || k === 4 ? { w: g.w.map((x, i) => (i === 2 ? Number.NaN : x)), b: g.b } : g;
  };

  it("zeroNans zeroes NaNs and records where they were", () => {
    const t = optim.zeroNans();
    const [u, s] = t.update(toTree(withNan(1)), t.init(toTree(P0)));
    expectFlat(u, { w: withNan(1).w.map((x) => (Number.isNaN(x) ? 0 : x)), b: gradAt(1).b });
    expect((s.foundNan as { w: Tensor }).w.item()).toBe(true);
    expect((s.foundNan as { b: Tensor }).b.item()).toBe(false);
  });

  it("applyIfFinite skips a step with a NaN, and applies after more than maxConsecutiveErrors in a row", () => {
    const { updates, state } = run(optim.applyIfFinite(optim.trace(0.5), 1), 6, withNan);
    // steps 0, 2 and 5 finite; step 1 skipped; steps 3 then 4 not finite: 4 is the second in a row (> 1), applied
    let t = zeros();
    for (let k = 0; k < 6; k++) {
      if (k === 1 || k === 3) {
        expectFlat(updates[k], zeros());
        continue;
      }
      t = mapFlat((g, t) => g + 0.5 * t, withNan(k), t);
      if (k === 4) {
        expect(Number.isNaN(valuesOf(updates[k]!.w)[2]!)).toBe(true);
        expect(valuesOf(updates[k]!.b)).toEqual(t.b);
        break;
      }
      expectFlat(updates[k], t);
    }
    expect(state.totalNotfinite.item()).toBe(3);
    expect(state.notfiniteCount.item()).toBe(0);
    expect(state.lastFinite.item()).toBe(true);
  });
});

describe("multiSteps", () => {
  it("applies the inner transformation to the mean of every 3 gradients, zeros between", () => {
    const { updates, state } = run(optim.multiSteps(optim.scaleByAdam(), 3), 7);
    const means: Flat[] = [];
    for (let j = 0; j + 3 <= 7; j += 3)
      means.push(mapFlat((a, b, c) => (a + b + c) / 3, gradAt(j), gradAt(j + 1), gradAt(j + 2)));
    const want = adamRef(means);
    updates.forEach((u, k) => expectFlat(u, k % 3 === 2 ? want[(k - 2) / 3]! : zeros(), 1e-9));
    expect(state.miniStep.item()).toBe(1);
    expect(state.gradientStep.item()).toBe(2);
    expectFlat(state.accGrads, gradAt(6));
  });

  it("sums with useGradMean: false", () => {
    const { updates } = run(optim.multiSteps(optim.scale(1), 2, { useGradMean: false }), 2);
    expectFlat(
      updates[1],
      mapFlat((a, b) => a + b, gradAt(0), gradAt(1)),
    );
  });
});

describe("injectHyperparams", () => {
  it("keeps the hyperparameters in the state, where a new learning rate takes effect", () => {
    const opt = optim.injectHyperparams(optim.sgd)({ learningRate: 0.1, momentum: 0.9 });
    let params = toTree(P0);
    let state = opt.init(params);
    expect(state.hyperparams.learningRate!.dtype).toBe("float64");
    expect(state.hyperparams.momentum!.item()).toBeCloseTo(0.9, 15);
    let t = zeros();
    let p = P0;
    for (let k = 0; k < 4; k++) {
      const lr = k < 2 ? 0.1 : 0.02;
      if (k === 2) state = { ...state, hyperparams: { ...state.hyperparams, learningRate: f64(0.02) } };
      const [u, s] = opt.update(toTree(gradAt(k)), state, params);
      params = optim.applyUpdates(params, u);
      state = s;
      t = mapFlat((g, t) => g + 0.9 * t, gradAt(k), t);
      p = mapFlat((p, t) => p - lr * t, p, t);
      expectFlat(params, p);
    }
    expect(state.count.item()).toBe(4);
  });

  it("evaluates schedules at the count and stores their values", () => {
    const opt = optim.injectHyperparams(optim.adam)({
      learningRate: (c: Tensor) => np.multiply(f64(0.1), np.add(c, 1)),
    });
    const { updates, state } = run(opt, 3);
    const want = adamRef(steps(3));
    updates.forEach((u, k) =>
      expectFlat(
        u,
        mapFlat((x) => -0.1 * (k + 1) * x, want[k]!),
      ),
    );
    expect(state.hyperparams.learningRate!.item()).toBeCloseTo(0.3, 12);
  });

  it("takes a factory of an options object", () => {
    const opt = optim.injectHyperparams((h: { decay: Tensor }) => optim.trace(h.decay))({ decay: 0.5 });
    const { updates } = run(opt, 2);
    expectFlat(
      updates[1],
      mapFlat((a, b) => b + 0.5 * a, gradAt(0), gradAt(1)),
    );
  });
});

describe("jit", () => {
  const cases: [string, () => GradientTransformation<unknown>][] = [
    [
      "adamw, masked, nesterov",
      () => optim.adamw(1e-2, { weightDecay: 0.1, mask: { w: true, b: false }, nesterov: true }),
    ],
    ["sgd with a schedule", () => optim.sgd((c: Tensor) => np.divide(0.1, np.add(c, 1)), { momentum: 0.9 })],
    ["applyIfFinite(multiSteps(adam))", () => optim.applyIfFinite(optim.multiSteps(optim.adam(0.1), 3), 2)],
    ["injectHyperparams(adam)", () => optim.injectHyperparams(optim.adam)({ learningRate: 0.05, b1: 0.8 }) as never],
    ["clipByGlobalNorm, zeroNans, ema", () => optim.chain(optim.clipByGlobalNorm(1), optim.zeroNans(), optim.ema(0.9))],
  ];
  for (const [name, make] of cases)
    it(`${name}: jit(step) equals eager and traces once`, () => {
      const opt = make();
      let traces = 0;
      const step = (params: Tree, state: unknown, grads: Tree): [Tree, unknown] => {
        traces++;
        const [u, s] = opt.update(grads, state, params);
        return [optim.applyUpdates(params, u), s];
      };
      const jitted = jit(step);
      let [pe, se] = [toTree(P0), opt.init(toTree(P0))];
      let [pj, sj] = [pe, se];
      for (let k = 0; k < 5; k++) {
        [pe, se] = step(pe, se, toTree(gradAt(k)));
        [pj, sj] = jitted(pj, sj, toTree(gradAt(k))) as [Tree, unknown];
        expectFlat(pj, fromTree(pe), 1e-12);
      }
      expect(traces).toBe(5 + 1);
    });
});

describe("applyUpdates", () => {
  it("casts to the params' dtypes", () => {
    const out = optim.applyUpdates({ a: np.array([1, 2], { dtype: "float32" }) }, { a: f64([0.5, 0.25]) });
    expect(out.a.dtype).toBe("float32");
    expect(valuesOf(out.a)).toEqual([1.5, 2.25]);
  });
});

describe("errors name the function and the argument", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["clipByGlobalNorm", () => optim.clipByGlobalNorm("1" as never), /optim\.clipByGlobalNorm: maxNorm must be/],
    [
      "scaleByAdam option",
      () => optim.scaleByAdam({ beta1: 0.9 } as never),
      /optim\.scaleByAdam: unknown option "beta1"/,
    ],
    ["trace decay", () => optim.trace(undefined as never), /optim\.trace: argument decay is missing/],
    ["multiSteps everyK", () => optim.multiSteps(optim.scale(1), 0), /optim\.multiSteps: everyK must be at least 1/],
    ["applyIfFinite inner", () => optim.applyIfFinite({} as never, 1), /optim\.applyIfFinite: inner must be/],
    ["chain", () => optim.chain(optim.scale(1), 3 as never), /optim\.chain: transforms\[1\] must be/],
    ["injectHyperparams", () => optim.injectHyperparams(3 as never), /optim\.injectHyperparams: factory must be/],
    ["applyUpdates structure", () => optim.applyUpdates(toTree(P0), { w: f64(1) }), /optim\.applyUpdates/],
  ];
  for (const [name, f, re] of cases)
    it(name, () => {
      expect(f).toThrow(TracegradError);
      expect(f).toThrow(re);
    });
});
