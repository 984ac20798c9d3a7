// nn activations: hand-checked values, dtypes, derivatives at kinks as JAX defines them, and stability at |x| = 1000.

import { type DType, grad, jvp, nn, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, expectTensor, valuesOf } from "../helpers.js";

const f64 = (v: number | number[]) => np.array(v, { dtype: "float64" });
/** Elementwise derivative of `f` at each entry of `x` (grad of the sum). */
const d = (f: (t: Tensor) => Tensor, x: Tensor) => grad((t: Tensor) => f(t).sum())(x);
const d2 = (f: (t: Tensor) => Tensor, x: number) => grad(grad((t: Tensor) => f(t)))(f64(x)).item() as number;

const LN2 = Math.log(2);
const LN3 = Math.log(3);

describe("hand-checked values", () => {
  it("relu", () => {
    expectTensor(nn.relu([-2, -0.5, 0, 0.5, 3]), [0, 0, 0, 0.5, 3], "float32");
    expectTensor(nn.relu(np.array([-3, 0, 4], { dtype: "int32" })), [0, 0, 4], "int32");
    expectTensor(nn.relu(f64([-1, 2])), [0, 2], "float64");
    expect(nn.relu(NaN).item()).toBeNaN();
  });

  it("sigmoid: σ(0) = 1/2, σ(±ln 3) = 3/4 and 1/4", () => {
    expectClose(nn.sigmoid(f64([0, LN3, -LN3])), [0.5, 0.75, 0.25], { rtol: 1e-15, atol: 0 });
    expect(nn.sigmoid(np.array([1], { dtype: "int32" })).dtype).toBe("float32");
  });

  it("softplus: log(1 + eˣ) — ln 2 at 0, ln 4 at ln 3, ln(4/3) at −ln 3", () => {
    expectClose(nn.softplus(f64([0, LN3, -LN3])), [LN2, Math.log(4), Math.log(4 / 3)], { rtol: 1e-15, atol: 0 });
  });

  it("logSigmoid: log σ(x) — −ln 2 at 0, ln(3/4) at ln 3, ln(1/4) at −ln 3", () => {
    expectClose(nn.logSigmoid(f64([0, LN3, -LN3])), [-LN2, Math.log(0.75), Math.log(0.25)], { rtol: 1e-15, atol: 0 });
  });

  it("gelu is the tanh approximation by default (jax.nn.gelu(1.0) = 0.841192)", () => {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const ref = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectClose(nn.gelu(f64([1, -1, 0, 2.5])), [ref(1), ref(-1), 0, ref(2.5)], { rtol: 1e-14, atol: 0 });
    expectClose(nn.gelu(f64([1, -1])), [0.8411919906082768, -0.15880800939172324], { rtol: 1e-14, atol: 0 });
    expect(nn.gelu(np.array([1])).dtype).toBe("float32");
  });

  it("gelu({ approximate: false }) is x·Φ(x) with erf: Φ(1) = 0.8413447460685429", () => {
    expectClose(
      nn.gelu(f64([1, -1, 2, 0]), { approximate: false }),
      [0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 0],
      { rtol: 1e-13, atol: 0 },
    );
    // the two forms differ (by < 2e-3 on [−4, 4]), so the option is not ignored
    const x = f64([1]);
    expect(
      Math.abs((nn.gelu(x).item() as number) - (nn.gelu(x, { approximate: false }).item() as number)),
    ).toBeGreaterThan(1e-4);
  });

  it("tanh is np.tanh", () => {
    expectClose(nn.tanh(f64([0.5, -2])), [Math.tanh(0.5), Math.tanh(-2)], { rtol: 1e-15, atol: 0 });
  });
});

describe("derivatives at kinks and at 0, as JAX defines them", () => {
  it("relu′(0) = 0, relu′ is 0 below and 1 above (grad and jvp agree)", () => {
    expectTensor(d(nn.relu, f64([-1, 0, 2])), [0, 0, 1]);
    const [, t] = jvp(nn.relu, [f64([-1, 0, 2])], [f64([1, 1, 1])]);
    expectTensor(t, [0, 0, 1]);
    expect(d2(nn.relu, 0)).toBe(0);
  });

  it("softplus′(0) = σ(0) = 1/2 (not the 0 or 1 of a one-sided kink in max(x, 0))", () => {
    expectClose(d(nn.softplus, f64([0])), [0.5], { rtol: 1e-15, atol: 0 });
    expectClose(d(nn.softplus, f64([LN3, -LN3])), [0.75, 0.25], { rtol: 1e-14, atol: 0 });
    expect(d2(nn.softplus, 1e-9)).toBeCloseTo(0.25, 12);
  });

  it("softplus″(0) = σ′(0) = 1/4 and logSigmoid″(0) = −1/4, as in JAX (softplus is smooth at 0)", () => {
    expect(d2(nn.softplus, 0)).toBeCloseTo(0.25, 14);
    expect(d2(nn.logSigmoid, 0)).toBeCloseTo(-0.25, 14);
  });

  it("logSigmoid′(0) = 1/2, sigmoid′(0) = 1/4, gelu′(0) = 1/2 in both forms", () => {
    expectClose(d(nn.logSigmoid, f64([0])), [0.5], { rtol: 1e-15, atol: 0 });
    expectClose(d(nn.sigmoid, f64([0])), [0.25], { rtol: 1e-15, atol: 0 });
    expectClose(d(nn.gelu, f64([0])), [0.5], { rtol: 1e-15, atol: 0 });
    expectClose(
      d((t) => nn.gelu(t, { approximate: false }), f64([0])),
      [0.5],
      { rtol: 1e-15, atol: 0 },
    );
  });
});

describe("stability at |x| = 1000: finite values and gradients, and the right ones", () => {
  const xs = [-1000, 1000];
  const cases: [string, (t: Tensor) => Tensor, number[], number[]][] = [
    // name, f, f(±1000), f′(±1000)
    ["relu", nn.relu, [0, 1000], [0, 1]],
    ["sigmoid", nn.sigmoid, [0, 1], [0, 0]],
    ["softplus", nn.softplus, [0, 1000], [0, 1]],
    ["logSigmoid", nn.logSigmoid, [-1000, 0], [1, 0]],
    ["tanh", nn.tanh, [-1, 1], [0, 0]],
    ["gelu", (t) => nn.gelu(t), [0, 1000], [0, 1]],
    ["gelu (exact)", (t) => nn.gelu(t, { approximate: false }), [0, 1000], [0, 1]],
  ];
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [name, f, value, slope] of cases) {
      it(`${name} (${dtype})`, () => {
        const x = np.array(xs, { dtype });
        const y = f(x);
        expect(y.dtype).toBe(dtype);
        expect(valuesOf(y).every(Number.isFinite), `values ${valuesOf(y)}`).toBe(true);
        expectClose(y, value, { rtol: 1e-6, atol: 0 });
        const g = d(f, x);
        expect(g.dtype).toBe(dtype);
        expect(valuesOf(g).every(Number.isFinite), `gradient ${valuesOf(g)}`).toBe(true);
        expectClose(g, slope, { rtol: 1e-6, atol: 0 });
      });
    }
  }

  it("softplus′(1000) = 1 exactly, where the naive log(1 + eˣ) gives a NaN gradient", () => {
    expect(d(nn.softplus, f64([1000])).item()).toBe(1);
    const naive = (t: Tensor) => np.log(np.add(1, np.exp(t)));
    expect(d(naive, f64([1000])).item()).toBeNaN(); // ∞/∞: why the stable form exists
  });

  it("second derivatives stay finite (softplus″ = σ(1 − σ) → 0)", () => {
    const zero = (v: number) => expect(Math.abs(v)).toBe(0); // either sign
    for (const x of [-1000, 1000]) {
      zero(d2(nn.softplus, x));
      zero(d2(nn.logSigmoid, x));
      zero(d2((t) => nn.gelu(t), x));
      zero(d2((t) => nn.gelu(t, { approximate: false }), x));
    }
  });

  it("softplus and logSigmoid at ±∞: 0/∞ and −∞/0, with slopes 0 and 1", () => {
    expectTensor(nn.softplus(f64([-Infinity, Infinity])), [0, Infinity]);
    expectTensor(d(nn.softplus, f64([-Infinity, Infinity])), [0, 1]);
    expectTensor(nn.logSigmoid(f64([-Infinity, Infinity])), [-Infinity, 0]);
    expectTensor(d(nn.logSigmoid, f64([-Infinity, Infinity])), [1, 0]);
  });
});
