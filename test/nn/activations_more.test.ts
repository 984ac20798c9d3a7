// nn wave-2 activations, logmeanexp and standardize: plain-JS float64 references (with ±1e4, 0, NaN), derivatives
// against central finite differences, JAX's derivatives at the kinks, and no NaN gradients from untaken branches.

import { grad, jit, nn, np, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, valuesOf } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplusRef = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const SELU_A = 1.6732632423543772;
const SELU_L = 1.0507009873554805;
const relu6Ref = (x: number) => (Number.isNaN(x) ? NaN : Math.min(Math.max(x, 0), 6));

type Act = (x: Tensor) => Tensor;
/** name, the function, its float64 reference, kinks (where finite differences are not taken). */
const CASES: [string, Act, (x: number) => number, number[]][] = [
  ["silu", nn.silu, (x) => x * sig(x), []],
  ["swish", nn.swish, (x) => x * sig(x), []],
  ["elu", (x) => nn.elu(x), (x) => (x > 0 ? x : Math.expm1(x)), []],
  ["elu α=2", (x) => nn.elu(x, 2), (x) => (x > 0 ? x : 2 * Math.expm1(x)), [0]],
  ["celu", (x) => nn.celu(x), (x) => Math.max(x, 0) + Math.expm1(Math.min(x, 0)), []],
  ["celu α=0.5", (x) => nn.celu(x, { alpha: 0.5 }), (x) => Math.max(x, 0) + 0.5 * Math.expm1(Math.min(x, 0) / 0.5), []],
  ["selu", nn.selu, (x) => SELU_L * (x > 0 ? x : SELU_A * Math.expm1(x)), [0]],
  ["leakyRelu", (x) => nn.leakyRelu(x), (x) => (x >= 0 ? x : 0.01 * x), [0]],
  ["leakyRelu 0.2", (x) => nn.leakyRelu(x, 0.2), (x) => (x >= 0 ? x : 0.2 * x), [0]],
  ["relu6", nn.relu6, relu6Ref, [0, 6]],
  ["hardTanh", nn.hardTanh, (x) => (x > 1 ? 1 : x < -1 ? -1 : x), [-1, 1]],
  ["hardSigmoid", nn.hardSigmoid, (x) => relu6Ref(x + 3) / 6, [-3, 3]],
  ["hardSilu", nn.hardSilu, (x) => (x * relu6Ref(x + 3)) / 6, [-3, 3]],
  ["hardSwish", nn.hardSwish, (x) => (x * relu6Ref(x + 3)) / 6, [-3, 3]],
  ["mish", nn.mish, (x) => x * Math.tanh(softplusRef(x)), []],
  ["softSign", nn.softSign, (x) => x / (Math.abs(x) + 1), [0]],
];

const POINTS = [-1e4, -50, -6.5, -3.2, -2.9, -1.3, -1, -0.7, -0.1, 0, 0.1, 0.7, 1, 1.3, 2.9, 3.2, 5.9, 6, 6.1, 50, 1e4];

describe("values against float64 references", () => {
  for (const [name, f, ref] of CASES)
    it(name, () => {
      const out = valuesOf(f(f64(POINTS)));
      POINTS.forEach((x, i) => {
        const r = ref(x);
        expect(Math.abs(out[i]! - r)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(r)));
      });
      expect(f(f64([NaN])).item()).toBeNaN();
      // integers become float32; float32 stays float32
      expect(f(np.array([1, -2], { dtype: "int32" })).dtype).toBe("float32");
      expect(f(np.array([1, -2])).dtype).toBe("float32");
    });

  it("hand-checked values (JAX's docs)", () => {
    expectClose(nn.relu6(f64([-1, 3, 7])), [0, 3, 6], { atol: 0, rtol: 0 });
    expectClose(nn.hardSigmoid(f64([-4, 0, 4])), [0, 0.5, 1], { atol: 0, rtol: 0 });
    expectClose(nn.softSign(f64([-1, 3])), [-0.5, 0.75], { atol: 0, rtol: 0 });
    expectClose(nn.selu(f64([1])), [SELU_L], { atol: 0, rtol: 1e-15 });
  });
});

/** Central difference of `ref`-free evaluation of `f` itself at x, in float64. */
const fd = (f: Act, x: number, h = 1e-6) =>
  ((f(f64([x + h])).item() as number) - (f(f64([x - h])).item() as number)) / (2 * h);
const dAt = (f: Act, xs: number[]) => valuesOf(grad((t: Tensor) => f(t).sum())(f64(xs)));

describe("derivatives", () => {
  for (const [name, f, , kinks] of CASES)
    it(`${name}: grad vs central differences away from (and near) kinks; finite for large |x|`, () => {
      const xs = POINTS.filter((x) => Math.abs(x) < 100 && kinks.every((k) => Math.abs(x - k) > 1e-3));
      // near each kink, on both sides
      for (const k of kinks) xs.push(k - 0.01, k + 0.01);
      const g = dAt(f, xs);
      xs.forEach((x, i) => {
        expect(Math.abs(g[i]! - fd(f, x))).toBeLessThan(1e-6);
      });
      const big = dAt(f, [-1e4, -1e3, 1e3, 1e4, -1e30, 1e30]);
      expect(big.every(Number.isFinite)).toBe(true);
      // float32 too
      expect(valuesOf(grad((t: Tensor) => f(t).sum())(np.array([-1e4, 1e4, -100, 100]))).every(Number.isFinite)).toBe(
        true,
      );
    });

  it("at the kinks, as JAX: relu6′(0) = relu6′(6) = 0, hardTanh′(±1) = 1, leakyRelu′(0) = 1, elu′(0) = α", () => {
    expect(dAt(nn.relu6, [0, 6, 3])).toEqual([0, 0, 1]);
    expect(dAt(nn.hardTanh, [-1, 1, 2, -2])).toEqual([1, 1, 0, 0]);
    expect(dAt((x) => nn.leakyRelu(x), [0])).toEqual([1]);
    expect(dAt((x) => nn.elu(x, 2), [0])).toEqual([2]);
    // hardSigmoid(x) = relu6(x + 3)/6: derivative 0 at −3 and 3, hardSilu′(−3) = hardSigmoid(−3) + 0 = 0
    expect(dAt(nn.hardSigmoid, [-3, 3])).toEqual([0, 0]);
    expect(dAt(nn.hardSilu, [-3, 3])).toEqual([0, 1]);
    // softSign′(0) = 1 (|x|′(0) = 0 does not enter: d/dx x/(|x|+1) = 1/(|x|+1) − x·sign(x)/(|x|+1)²)
    expect(dAt(nn.softSign, [0])).toEqual([1]);
    // celu is C¹ at 0: 1 from either side
    expect(dAt((x) => nn.celu(x, 0.5), [0])[0]).toBeCloseTo(1, 14);
  });

  it("second derivatives are finite and right for elu and mish", () => {
    const d2 = (f: Act, x: number) => grad(grad((t: Tensor) => f(t).sum()))(f64(x)).item() as number;
    expect(d2((x) => nn.elu(x), -1)).toBeCloseTo(Math.exp(-1), 14);
    expect(d2((x) => nn.elu(x), 1)).toBe(0);
    expect(Number.isFinite(d2(nn.mish, -1e4))).toBe(true);
    expect(Number.isFinite(d2(nn.mish, 1e4))).toBe(true);
  });
});

describe("glu", () => {
  it("splits along axis (default −1) into a·σ(b)", () => {
    const x = [
      [1, 2, 0.5, -1],
      [-3, 4, 2, 0],
    ];
    const ref = x.map((r) => [r[0]! * sig(r[2]!), r[1]! * sig(r[3]!)]);
    expectClose(nn.glu(f64(x)), ref, { rtol: 1e-15, atol: 0 });
    const ref0 = [x[0]!.map((a, j) => a * sig(x[1]![j]!))];
    expectClose(nn.glu(f64(x), 0), ref0, { rtol: 1e-15, atol: 0 });
    expectClose(nn.glu(f64(x), { axis: -2 }), ref0, { rtol: 1e-15, atol: 0 });
  });

  it("odd sizes are errors", () => {
    expect(() => nn.glu(f64([1, 2, 3]))).toThrow(TracegradError);
  });
});

/** log(mean(exp)) in float64 with a shift. */
const lmeRef = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0) / v.length);
};

describe("logmeanexp", () => {
  it("over all axes by default, over an axis, keepdims; stable for large values", () => {
    const x = [
      [1, 2, 3],
      [-1, 0, 1e4],
    ];
    expectClose(nn.logmeanexp(f64(x)), lmeRef(x.flat()), { rtol: 1e-14, atol: 0 });
    expectClose(nn.logmeanexp(f64(x), 1), [lmeRef(x[0]!), lmeRef(x[1]!)], { rtol: 1e-14, atol: 0 });
    const r = nn.logmeanexp(f64(x), { axis: 0, keepdims: true });
    expect(r.shape).toEqual([1, 3]);
    expectClose(r, [[lmeRef([1, -1]), lmeRef([2, 0]), lmeRef([3, 1e4])]], { rtol: 1e-14, atol: 0 });
    expectClose(nn.logmeanexp([1000, 1000]), 1000, { rtol: 1e-7, atol: 0 });
    expect(nn.logmeanexp(f64([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });

  it("where: the mean over the selected entries only", () => {
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = np.array([
      [true, false, true],
      [false, false, true],
    ]);
    expectClose(nn.logmeanexp(x, { axis: 1, where: w }), [lmeRef([1, 3]), lmeRef([6])], { rtol: 1e-14, atol: 0 });
    // the gradient is the softmax over the selected entries, zero elsewhere
    const g = grad((t: Tensor) => nn.logmeanexp(t, { axis: 1, where: w }).sum())(x);
    const e = Math.exp(1) + Math.exp(3);
    expectClose(
      g,
      [
        [Math.exp(1) / e, 0, Math.exp(3) / e],
        [0, 0, 1],
      ],
      { rtol: 1e-14, atol: 1e-16 },
    );
  });

  it("under jit", () => {
    const f = jit((t: Tensor) => nn.logmeanexp(t, -1));
    expectClose(f(f64([[1, 2, 3]])), [lmeRef([1, 2, 3])], { rtol: 1e-14, atol: 0 });
  });
});

describe("standardize", () => {
  const x = [
    [1, 2, 4, 7],
    [-3, 0.5, 2, 10],
  ];
  const stdRef = (r: number[], eps = 1e-5, mean?: number, variance?: number) => {
    const m = mean ?? r.reduce((a, b) => a + b, 0) / r.length;
    const v = variance ?? r.reduce((a, b) => a + b * b, 0) / r.length - m * m;
    return r.map((a) => (a - m) / Math.sqrt(v + eps));
  };

  it("along the last axis by default, with epsilon 1e-5", () => {
    expectClose(
      nn.standardize(f64(x)),
      x.map((r) => stdRef(r)),
      { rtol: 1e-12, atol: 1e-14 },
    );
    expectClose(
      nn.standardize(f64(x), { epsilon: 0.5 }),
      x.map((r) => stdRef(r, 0.5)),
      { rtol: 1e-12, atol: 1e-14 },
    );
  });

  it("over axis 0, or all axes", () => {
    const cols = [0, 1, 2, 3].map((j) => stdRef([x[0]![j]!, x[1]![j]!]));
    expectClose(nn.standardize(f64(x), 0), [cols.map((c) => c[0]!), cols.map((c) => c[1]!)], {
      rtol: 1e-12,
      atol: 1e-14,
    });
    const all = stdRef(x.flat());
    expectClose(nn.standardize(f64(x), { axis: null }), [all.slice(0, 4), all.slice(4)], { rtol: 1e-12, atol: 1e-14 });
  });

  it("with mean and variance given (kept dims)", () => {
    const mean = f64([[1], [2]]);
    const variance = f64([[4], [9]]);
    expectClose(nn.standardize(f64(x), { mean, variance }), [stdRef(x[0]!, 1e-5, 1, 4), stdRef(x[1]!, 1e-5, 2, 9)], {
      rtol: 1e-14,
      atol: 1e-15,
    });
    // mean only: variance = mean(x²) − mean²
    const r0 = x[0]!;
    const v0 = r0.reduce((a, b) => a + b * b, 0) / 4 - 1;
    expectClose(nn.standardize(f64([r0]), { mean: 1 }), [stdRef(r0, 1e-5, 1, v0)], { rtol: 1e-12, atol: 1e-14 });
  });

  it("where: statistics over the selected entries", () => {
    const w = [
      [true, true, false, true],
      [true, true, true, true],
    ];
    const sel = [1, 2, 7];
    const m = sel.reduce((a, b) => a + b, 0) / 3;
    const v = sel.reduce((a, b) => a + b * b, 0) / 3 - m * m;
    const out = nn.standardize(f64(x), { where: np.array(w) });
    expectClose(out, [stdRef(x[0]!, 1e-5, m, v), stdRef(x[1]!)], { rtol: 1e-12, atol: 1e-14 });
  });

  it("gradient vs central differences", () => {
    const wts = f64([0.3, -1, 2, 0.5]);
    const f = (t: Tensor) => np.sum(np.multiply(nn.standardize(t), wts));
    const x0 = [1, 2, 4, 7];
    const g = valuesOf(grad(f)(f64(x0)));
    x0.forEach((_, i) => {
      const h = 1e-6;
      const p = [...x0];
      const q = [...x0];
      p[i]! += h;
      q[i]! -= h;
      const num = ((f(f64(p)).item() as number) - (f(f64(q)).item() as number)) / (2 * h);
      expect(Math.abs(g[i]! - num)).toBeLessThan(1e-6);
    });
  });
});
