// The optimizers sgd, adam and adamw against optax's update rules reimplemented here in plain float64 JS, over several
// steps on a small pytree { w: [2, 3], b: [3] } whose gradients depend on the params (a quadratic loss): defaults,
// momentum and nesterov, epsRoot, schedules as the learning rate, weight-decay masks (pytree and function), the state
// layouts, jit agreeing with eager, and the errors at the boundary.
import { grad, jit, np, optim, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { f64, valuesOf } from "../helpers.js";

type Flat = { w: number[]; b: number[] };
type Tree = { w: Tensor; b: Tensor };

const P0: Flat = { w: [0.5, -1.2, 0.3, 2.0, -0.7, 1.1], b: [0.1, -0.4, 0.9] };
const C: Flat = { w: [1, 2, 3, 4, 5, 6].map((x) => x / 7), b: [0.3, 0.6, 0.9] };
const toTree = (f: Flat): Tree => ({ w: f64([f.w.slice(0, 3), f.w.slice(3)]), b: f64(f.b) });
const fromTree = (t: Tree): Flat => ({ w: valuesOf(t.w), b: valuesOf(t.b) });
const zeros = (): Flat => ({ w: P0.w.map(() => 0), b: P0.b.map(() => 0) });
const mapFlat = (f: (...xs: number[]) => number, ...ts: Flat[]): Flat => ({
  w: ts[0]!.w.map((_, i) => f(...ts.map((t) => t.w[i]!))),
  b: ts[0]!.b.map((_, i) => f(...ts.map((t) => t.b[i]!))),
});

/** loss = Σ c·(p − c)²·(1 + p²)/2 over all elements: gradients that vary with the params. */
const loss = (p: Tree) => {
  const c = toTree(C);
  const term = (x: Tensor, y: Tensor) =>
    np.sum(np.multiply(np.multiply(y, np.square(np.subtract(x, y))), np.add(1, np.square(x))));
  return np.multiply(0.5, np.add(term(p.w, c.w), term(p.b, c.b)));
};
const gradRef = (p: Flat): Flat => mapFlat((x, c) => c * (x - c) * (1 + x * x) + c * (x - c) ** 2 * x, p, C);

function expectFlat(actual: Tree, expected: Flat, rtol = 1e-10): void {
  const a = fromTree(actual);
  for (const k of ["w", "b"] as const)
    a[k].forEach((v, i) => {
      const e = expected[k][i]!;
      expect(Math.abs(v - e), `${k}[${i}]: ${v} vs ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e)));
    });
}

/** `n` training steps of `opt` eagerly; the params after each. */
function train(opt: optim_t, n: number): Tree[] {
  let params = toTree(P0);
  let state = opt.init(params);
  const out: Tree[] = [];
  for (let k = 0; k < n; k++) {
    const [u, s] = opt.update(grad(loss)(params), state, params);
    params = optim.applyUpdates(params, u);
    state = s;
    out.push(params);
  }
  return out;
}
type optim_t = ReturnType<typeof optim.sgd>;

/** The params after each of `n` steps of `rule(p, g, k)` (k from 0), in float64 JS. */
function trainRef(n: number, rule: (p: Flat, g: Flat, k: number) => Flat): Flat[] {
  let p = P0;
  const out: Flat[] = [];
  for (let k = 0; k < n; k++) {
    p = rule(p, gradRef(p), k);
    out.push(p);
  }
  return out;
}

describe("the loss's gradient in the reference", () => {
  it("agrees with grad", () => expectFlat(grad(loss)(toTree(P0)) as Tree, gradRef(P0), 1e-12));
});

describe("sgd", () => {
  it("without momentum: p − lr·g, the state [{}, {}]", () => {
    const got = train(optim.sgd(0.1), 4);
    trainRef(4, (p, g) => mapFlat((p, g) => p - 0.1 * g, p, g)).forEach((w, k) => expectFlat(got[k]!, w));
    expect(optim.sgd(0.1).init(toTree(P0))).toEqual([{}, {}]);
  });

  for (const nesterov of [false, true])
    it(`with momentum 0.9, nesterov ${nesterov}`, () => {
      const got = train(optim.sgd(0.05, { momentum: 0.9, nesterov }), 5);
      let t = zeros();
      const want = trainRef(5, (p, g) => {
        t = mapFlat((g, t) => g + 0.9 * t, g, t);
        const u = nesterov ? mapFlat((g, t) => g + 0.9 * t, g, t) : t;
        return mapFlat((p, u) => p - 0.05 * u, p, u);
      });
      want.forEach((w, k) => expectFlat(got[k]!, w));
    });

  it("with a schedule: lr(count) for count 0, 1, …, and the count in the state", () => {
    const lr = (c: Tensor) => np.divide(f64(0.2), np.add(c, 1));
    const opt = optim.sgd(lr);
    const got = train(opt, 4);
    trainRef(4, (p, g, k) => mapFlat((p, g) => p - (0.2 / (k + 1)) * g, p, g)).forEach((w, k) =>
      expectFlat(got[k]!, w),
    );
    const state = opt.init(toTree(P0)) as [object, { count: Tensor }];
    expect(state[1].count.dtype).toBe("int32");
  });
});

/** Adam's rule on params, per optax: the moments, bias correction, epsRoot inside the root, eps outside. */
function adamRule(
  lr: (k: number) => number,
  { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false, wd = 0, wdMask = { w: true, b: true } } = {},
) {
  let m = zeros();
  let v = zeros();
  return (p: Flat, g: Flat, k: number): Flat => {
    const t = k + 1;
    m = mapFlat((m, g) => b1 * m + (1 - b1) * g, m, g);
    v = mapFlat((v, g) => b2 * v + (1 - b2) * g * g, v, g);
    const mh = nesterov
      ? mapFlat((m, g) => (b1 * m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t), m, g)
      : mapFlat((m) => m / (1 - b1 ** t), m);
    const u = mapFlat((mh, v) => mh / (Math.sqrt(v / (1 - b2 ** t) + epsRoot) + eps), mh, v);
    const decayed = {
      w: u.w.map((x, i) => x + (wdMask.w ? wd * p.w[i]! : 0)),
      b: u.b.map((x, i) => x + (wdMask.b ? wd * p.b[i]! : 0)),
    };
    return mapFlat((p, u) => p - lr(k) * u, p, decayed);
  };
}

describe("adam", () => {
  const cases: [string, Parameters<typeof optim.adam>[1]][] = [
    ["defaults", {}],
    ["b1, b2, eps", { b1: 0.5, b2: 0.9, eps: 1e-2 }],
    ["epsRoot", { epsRoot: 1e-3 }],
    ["nesterov", { nesterov: true }],
  ];
  for (const [name, o] of cases)
    it(name, () => {
      const got = train(optim.adam(0.05, o), 6);
      trainRef(
        6,
        adamRule(() => 0.05, o as never),
      ).forEach((w, k) => expectFlat(got[k]!, w));
    });

  it("with a schedule", () => {
    const got = train(
      optim.adam((c: Tensor) => np.multiply(f64(0.01), np.add(c, 1))),
      4,
    );
    trainRef(
      4,
      adamRule((k) => 0.01 * (k + 1)),
    ).forEach((w, k) => expectFlat(got[k]!, w));
  });

  it("state layout [{ count, mu, nu }, {}]", () => {
    const s = optim.adam(0.1).init(toTree(P0)) as [{ count: Tensor; mu: Tree; nu: Tree }, object];
    expect(s[1]).toEqual({});
    expect(s[0].count.item()).toBe(0);
    expect(s[0].mu.w.shape).toEqual([2, 3]);
    expect(s[0].nu.b.dtype).toBe("float64");
  });
});

describe("adamw", () => {
  it("defaults: weightDecay 1e-4 on every leaf", () => {
    const got = train(optim.adamw(0.05), 4);
    trainRef(
      4,
      adamRule(() => 0.05, { wd: 1e-4 }),
    ).forEach((w, k) => expectFlat(got[k]!, w));
  });

  it("a pytree mask and a function mask exclude the bias", () => {
    const want = trainRef(
      4,
      adamRule(() => 0.05, { wd: 0.3, wdMask: { w: true, b: false }, epsRoot: 1e-4 }),
    );
    const byTree = train(optim.adamw(0.05, { weightDecay: 0.3, mask: { w: true, b: false }, epsRoot: 1e-4 }), 4);
    const byFn = train(
      optim.adamw(0.05, {
        weightDecay: 0.3,
        mask: (p: Tree) => ({ w: p.w.ndim === 2, b: p.b.ndim === 2 }),
        epsRoot: 1e-4,
      }),
      4,
    );
    want.forEach((w, k) => {
      expectFlat(byTree[k]!, w);
      expectFlat(byFn[k]!, w);
    });
  });

  it("nesterov with a schedule, under jit, compiled once", () => {
    const opt = optim.adamw((c: Tensor) => np.divide(f64(0.1), np.add(c, 2)), { weightDecay: 0.01, nesterov: true });
    let traces = 0;
    const step = jit((params: Tree, state: unknown) => {
      traces++;
      const [u, s] = opt.update(grad(loss)(params), state as unknown[], params);
      return [optim.applyUpdates(params, u), s];
    });
    let params = toTree(P0);
    let state: unknown = opt.init(params);
    const want = trainRef(
      5,
      adamRule((k) => 0.1 / (k + 2), { wd: 0.01, nesterov: true }),
    );
    for (let k = 0; k < 5; k++) {
      [params, state] = step(params, state) as [Tree, unknown];
      expectFlat(params, want[k]!);
    }
    expect(traces).toBe(1);
  });
});

describe("injected hyperparameters", () => {
  it("adamw's learning rate and weight decay can change between steps", () => {
    const opt = optim.injectHyperparams(optim.adamw)({ learningRate: 0.05, weightDecay: 0.1 });
    let params = toTree(P0);
    let state = opt.init(params);
    const rule1 = adamRule(() => 0.05, { wd: 0.1 });
    const rule2 = adamRule(() => 0.02, { wd: 0.1 });
    let p = P0;
    for (let k = 0; k < 4; k++) {
      if (k === 2) state = { ...state, hyperparams: { ...state.hyperparams, learningRate: f64(0.02) } };
      const [u, s] = opt.update(grad(loss)(params), state, params);
      [params, state] = [optim.applyUpdates(params, u), s];
      // both rules keep the same moments; the one with this step's rate gives the params
      const g = gradRef(p);
      const a = rule1(p, g, k);
      const b = rule2(p, g, k);
      p = k < 2 ? a : b;
      expectFlat(params, p);
    }
  });
});

describe("errors", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["sgd learningRate", () => optim.sgd("0.1" as never), /optim\.sgd: learningRate must be/],
    ["sgd option", () => optim.sgd(0.1, { momentun: 0.9 } as never), /unknown option "momentun"/],
    ["adam b1", () => optim.adam(0.1, { b1: "x" as never }), /optim\.adam: b1 must be a number/],
    ["adamw mask", () => optim.adamw(0.1, { mask: 3 as never }), /optim\.adamw: mask must be/],
    ["adamw missing lr", () => optim.adamw(undefined as never), /optim\.adamw: argument learningRate is missing/],
    ["adamw bad mask at update", () => train(optim.adamw(0.1, { mask: { w: true } }), 1), /mask does not match/],
  ];
  for (const [name, f, re] of cases)
    it(name, () => {
      expect(f).toThrow(TracegradError);
      expect(f).toThrow(re);
    });

  it("a negative learning rate is allowed, as in optax", () => {
    const got = train(optim.sgd(-0.1), 1);
    expectFlat(
      got[0]!,
      mapFlat((p, g) => p + 0.1 * g, P0, gradRef(P0)),
    );
  });
});
