// Rounding, nextafter and the special functions (erfInv, lgamma, digamma, polygamma, igamma, igammac, igammaGradA,
// randomGammaGrad): values against closed forms and independent references (mpmath at 40 digits, quoted), derivatives
// against central differences, and jit/vmap against eager.

import { type ArrayLike, DTypeError, grad, jit, jvp, lax, np, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, valuesOf } from "../helpers.js";

const f64 = (v: ArrayLike) => np.array(v, { dtype: "float64" });
const f32 = (v: ArrayLike) => np.array(v, { dtype: "float32" });
const EULER = 0.5772156649015329;

/** |actual − expected| ≤ rtol·|expected| (+ atol) elementwise; NaN matches NaN, ±∞ match exactly. */
function expectRel(actual: Tensor | number[], expected: readonly number[], rtol: number, atol = 0): void {
  const got = Array.isArray(actual) ? actual : valuesOf(actual);
  expect(got.length).toBe(expected.length);
  got.forEach((g, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(g, `element ${i}`).toBe(e);
      return;
    }
    const err = Math.abs(g - e);
    if (!(err <= rtol * Math.abs(e) + atol))
      throw new Error(`element ${i}: got ${g}, expected ${e} (relative error ${err / Math.abs(e)})`);
  });
}

/** Units in the last place of float32 between two float32 values. */
function ulps32(a: number, b: number): number {
  const buf = new Float32Array([a, b]);
  const [ia, ib] = new Int32Array(buf.buffer);
  const key = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(key(ia!) - key(ib!));
}

/** Fourth-order central difference of a scalar function in float64. */
function fd(f: (v: number) => number, v: number, h = 1e-3): number {
  return (-f(v + 2 * h) + 8 * f(v + h) - 8 * f(v - h) + f(v - 2 * h)) / (12 * h);
}
const scalar64 = (g: (t: Tensor) => Tensor) => (v: number) => g(f64(v)).item() as number;

describe("floor, ceil, round", () => {
  const xs = [-2.5, -1.5, -0.5, -0.3, 0.5, 1.5, 2.5, 2.7, -2.7];
  it("round halfway cases away from zero by default, to even on request", () => {
    expectTensor(lax.floor(f64(xs)), [-3, -2, -1, -1, 0, 1, 2, 2, -3]);
    expectTensor(lax.ceil(f64(xs)), [-2, -1, -0, -0, 1, 2, 3, 3, -2]);
    expectTensor(lax.round(f64(xs)), [-3, -2, -1, -0, 1, 2, 3, 3, -3]);
    expectTensor(lax.round(f64(xs), "toNearestEven"), [-2, -2, -0, -0, 0, 2, 2, 3, -3]);
    expectTensor(lax.round(f32(xs), { roundingMethod: 1 }), [-2, -2, -0, -0, 0, 2, 2, 3, -3], "float32");
    // the float just below ½ rounds down (floor(x + ½) would not)
    expectTensor(lax.round(f64([0.49999999999999994, -0.49999999999999994])), [0, -0]);
    // the sign of zero, NaN and ±∞ pass through
    expect(Object.is(lax.round(f64(-0.3)).item(), -0)).toBe(true);
    expect(Object.is(lax.round(f64(-0.5), "toNearestEven").item(), -0)).toBe(true);
    expectTensor(lax.floor(f64([Number.NaN, Infinity, -Infinity])), [Number.NaN, Infinity, -Infinity]);
  });

  it("jit computes the same as eager, and the derivative is zero", () => {
    const f = (x: Tensor) => lax.round(x.mul(3), 1).add(lax.floor(x)).add(lax.ceil(x)).add(lax.round(x));
    for (const x of [f64(xs), f32(xs)]) expect(valuesOf(jit(f)(x))).toEqual(valuesOf(f(x)));
    expect(grad((x: Tensor) => f(x).sum())(f64(xs)).toArray()).toEqual(xs.map(() => 0));
    expect(jit(lax.floor).lower(f64(xs)).source).toContain("Math.floor");
  });

  it("refuse integers (lax), while np passes whole numbers through", () => {
    catchError(() => lax.floor(np.array([1], { dtype: "int32" })), DTypeError);
    catchError(() => lax.round(f64(1), "up" as never), TracegradError);
    expectTensor(np.floor(np.array([3, -2], { dtype: "int32" })), [3, -2], "int32");
    expectTensor(np.ceil([-1.5, 1.2]), [-1, 2], "float32");
  });

  it("np.round rounds halfway to even, with decimals", () => {
    expectTensor(np.round([0.5, 1.5, 2.5, -0.5, -1.5]), [0, 2, 2, -0, -2], "float32");
    expectTensor(np.around(f64([2.5, 3.5])), [2, 4], "float64");
    expectClose(np.round(f64([1.234, 5.678, -0.25]), 1), [1.2, 5.7, -0.2]);
    expectClose(np.round(f64([1234.5, 1250]), { decimals: -2 }), [1200, 1200]);
    expectTensor(np.round(np.array([1250, 1350, -1250, 17], { dtype: "int32" }), -2), [1200, 1400, -1200, 0], "int32");
    expectTensor(np.round(np.array([7], { dtype: "int32" }), 2), [7], "int32");
  });
});

const expectClose = (t: Tensor, want: number[]) => expectRel(t, want, 1e-12, 1e-15);

describe("nextafter", () => {
  it("steps by one ulp of the operands' own precision", () => {
    expect(lax.nextafter(f32(1), f32(2)).item()).toBe(1 + 2 ** -23);
    expect(lax.nextafter(f64(1), f64(2)).item()).toBe(1 + 2 ** -52);
    expect(lax.nextafter(f32(1), f32(0)).item()).toBe(1 - 2 ** -24);
    expect(lax.nextafter(f64(1), f64(0)).item()).toBe(1 - 2 ** -53);
    expect(lax.nextafter(f32(-1), f32(-2)).item()).toBe(-(1 + 2 ** -23));
    expect(lax.nextafter(f32(0), f32(1)).item()).toBe(2 ** -149);
    expect(lax.nextafter(f64(0), f64(-1)).item()).toBe(-Number.MIN_VALUE);
    expect(lax.nextafter(f32(2 ** -149), f32(-1)).item()).toBe(0);
    expect(lax.nextafter(f32(Infinity), f32(0)).item()).toBe(3.4028234663852886e38);
    expect(lax.nextafter(f64(Number.MAX_VALUE), f64(Infinity)).item()).toBe(Infinity);
    // across a power of two, the float64 carry between the two words
    expect(lax.nextafter(f64(2), f64(0)).item()).toBe(2 - 2 ** -52);
    expect(lax.nextafter(f64(2 ** 32 - 2 ** -20), f64(2 ** 33)).item()).toBe(2 ** 32 - 2 ** -21);
  });

  it("returns x2 when equal (so the sign of zero follows x2) and NaN for NaN", () => {
    expect(Object.is(lax.nextafter(f64(0), f64(-0)).item(), -0)).toBe(true);
    expect(lax.nextafter(f32(3), f32(3)).item()).toBe(3);
    expectTensor(lax.nextafter(f64([Number.NaN, 1]), f64([1, Number.NaN])), [Number.NaN, Number.NaN]);
  });

  it("np.nextafter broadcasts and makes integers float32; jit and vmap agree; derivative zero", () => {
    expectTensor(np.nextafter([1, 2], 3), [1 + 2 ** -23, 2 + 2 ** -22], "float32");
    const x = f32([1, -2, 0, 1e-30]);
    const y = f32([2, 0, -1, 5]);
    expect(valuesOf(jit(lax.nextafter)(x, y))).toEqual(valuesOf(lax.nextafter(x, y)));
    expect(valuesOf(vmap(lax.nextafter)(x, y))).toEqual(valuesOf(lax.nextafter(x, y)));
    expect(grad((a: Tensor) => lax.nextafter(a, f64(5)))(f64(1)).item()).toBe(0);
  });
});

describe("erfInv", () => {
  it("float64 agrees with mpmath to ~1e-15 and inverts erf", () => {
    const xs = [0.5, 0.999, 1 - 1e-12, -0.25, 1e-20];
    const want = [0.4769362762044699, 2.3267537655135246, 5.042031898572696, -0.2253120550121781, 8.86226925452758e-21];
    expectRel(lax.erfInv(f64(xs)), want, 2e-15);
    const ys = [-2.5, -1, -0.1, 0, 0.3, 1.7, 2.9];
    expectRel(lax.erfInv(lax.erf(f64(ys))), ys, 1e-12, 1e-15);
  });

  it("float32 is within 2 ulp of the correctly rounded value (XLA's float32 evaluation)", () => {
    const xs = [0.1, 0.5, 0.9, 0.99, -0.7, 0.3];
    // fround(erfinv(fround(x))), by mpmath
    const want = [0.08885598927736282, 0.4769362807273865, 1.1630871295928955, 1.8213865756988525, -0.7328690886497498];
    want.push(0.27246272563934326);
    const got = valuesOf(lax.erfInv(f32(xs)));
    got.forEach((g, i) => expect(ulps32(g, want[i]!), `x = ${xs[i]}`).toBeLessThanOrEqual(2));
  });

  it("is ±∞ at ±1 and NaN beyond", () => {
    for (const t of [f64, f32]) expectTensor(lax.erfInv(t([1, -1, 1.5, -2])), [Infinity, -Infinity, NaN, NaN]);
  });

  it("d erfInv = √π/2·e^(erfInv²)", () => {
    for (const v of [-0.8, 0.1, 0.6]) {
      expectRel([grad(lax.erfInv)(f64(v)).item() as number], [fd(scalar64(lax.erfInv), v, 1e-4)], 1e-9);
    }
  });
});

describe("lgamma, digamma, polygamma", () => {
  it("lgamma: log((n − 1)!), half-integers, negative arguments, near its zeros", () => {
    const ns = [1, 2, 3, 4, 5, 10, 20, 30];
    let fact = 1;
    const logFact = ns.map((n) => {
      fact = 1;
      for (let k = 2; k < n; k++) fact *= k;
      return Math.log(fact);
    });
    expectRel(lax.lgamma(f64(ns)), logFact, 1e-15, 1e-300);
    const xs = [1e-8, 0.5, 1.000001, 2.5, -0.5, -2.5, 100.5, 1.001];
    const want = [
      18.42068073818021, 0.5723649429247001, -5.772148423874147e-7, 0.2846828704729192, 1.2655121234846454,
      -0.056243716497674054, 361.4355404677776, -0.0005763935982833062,
    ];
    expectRel(lax.lgamma(f64(xs)), want, 3e-15);
    expectTensor(lax.lgamma(f64([0, -1, -2, Infinity, -Infinity, Number.NaN])), [
      Infinity,
      Infinity,
      Infinity,
      Infinity,
      Infinity,
      Number.NaN,
    ]);
  });

  it("digamma: −γ at 1, the recurrence ψ(n + 1) = ψ(n) + 1/n, reflection, near its zero", () => {
    expectRel(lax.digamma(f64([1, 0.5])), [-EULER, -EULER - 2 * Math.LN2], 1e-15);
    const xs = [0.3, 1.2, 2.5, 7.25, 12.5];
    const next = valuesOf(lax.digamma(f64(xs.map((x) => x + 1))));
    const here = valuesOf(lax.digamma(f64(xs)));
    expectRel(
      next,
      here.map((h, i) => h + 1 / xs[i]!),
      1e-14,
    );
    const ys = [-0.5, 1.46, 1.4616, 30.25, 1e-6, -3.3];
    const want = [
      0.03648997397857652, -0.0015805619870834522, -3.110625123034165e-5, 3.392876200343285, -1000000.5772140201,
      3.620353460592126,
    ];
    expectRel(lax.digamma(f64(ys)), want, 1e-14);
    expectTensor(lax.digamma(f64([0, -3, Infinity])), [NaN, NaN, Infinity]);
  });

  it("polygamma: ζ values at 1 and ½, reflection for negative x, poles", () => {
    const pi2 = Math.PI ** 2;
    expectRel(lax.polygamma(1, f64([1, 0.5])), [pi2 / 6, pi2 / 2], 1e-15);
    expectRel(lax.polygamma(2, f64(1)), [-2 * 1.2020569031595942], 1e-15);
    expectRel(lax.polygamma(3, f64(1)), [pi2 ** 2 / 15], 1e-15);
    expectRel(lax.polygamma(0, f64([1, 2.5])), valuesOf(lax.digamma(f64([1, 2.5]))), 0);
    const cases: [number, number, number][] = [
      [1, -0.5, 8.934802200544679],
      [2, 0.3, -75.27253658872604],
      [3, 7.5, 0.005772436656578694],
      [4, -1.25, 24481.063714184584],
      [1, 1e-3, 1000001.6425331958],
    ];
    for (const [m, x, want] of cases) expectRel(lax.polygamma(m, f64(x)), [want], 1e-13);
    expectTensor(lax.polygamma(1, f64([0, -2])), [Infinity, Infinity]);
    expectTensor(lax.polygamma(2, f64([0, -2])), [NaN, NaN]);
    catchError(() => lax.polygamma(-1, f64(1)), TracegradError);
    catchError(() => lax.polygamma(1.5, f64(1)), TracegradError);
  });

  it("derivatives chain lgamma → digamma → polygamma(1) → polygamma(2) … and match central differences", () => {
    for (const v of [0.7, 2.3, 5.1]) {
      const x = f64(v);
      expect(grad(lax.lgamma)(x).item()).toBe(lax.digamma(x).item());
      expect(grad(lax.digamma)(x).item()).toBe(lax.polygamma(1, x).item());
      expect(grad(grad(lax.digamma))(x).item()).toBe(lax.polygamma(2, x).item());
      expectRel([grad(lax.lgamma)(x).item() as number], [fd(scalar64(lax.lgamma), v)], 1e-9);
      expectRel([grad(lax.digamma)(x).item() as number], [fd(scalar64(lax.digamma), v)], 1e-9);
      const pg3 = (t: Tensor) => lax.polygamma(3, t);
      expectRel([grad(pg3)(x).item() as number], [fd(scalar64(pg3), v, 1e-4)], 1e-7);
    }
  });

  it("float32 results round the float64 ones", () => {
    const xs = [0.3, 1.7, 4.2, -0.6];
    for (const f of [lax.lgamma, lax.digamma, (t: Tensor) => lax.polygamma(2, t)]) {
      expect(valuesOf(f(f32(xs)))).toEqual(valuesOf(f(f64(valuesOf(f32(xs))))).map(Math.fround));
    }
  });
});

describe("igamma, igammac, igammaGradA, randomGammaGrad", () => {
  it("closed forms: P(1, x) = 1 − e⁻ˣ, P(½, x) = erf √x, P(n, x) = 1 − e⁻ˣ Σₖ<ₙ xᵏ/k!", () => {
    const xs = [0.01, 0.5, 1, 2.5, 7, 20];
    expectRel(
      lax.igamma(f64(xs.map(() => 1)), f64(xs)),
      xs.map((x) => -Math.expm1(-x)),
      1e-14,
    );
    expectRel(
      lax.igammac(f64(xs.map(() => 1)), f64(xs)),
      xs.map((x) => Math.exp(-x)),
      1e-14,
    );
    expectRel(lax.igamma(f64(xs.map(() => 0.5)), f64(xs)), valuesOf(lax.erf(lax.sqrt(f64(xs)))), 1e-13);
    const n = 4;
    const poisson = (x: number) => {
      let s = 0;
      let term = 1;
      for (let k = 0; k < n; k++) {
        s += term;
        term *= x / (k + 1);
      }
      return Math.exp(-x) * s;
    };
    expectRel(lax.igammac(f64(xs.map(() => n)), f64(xs)), xs.map(poisson), 1e-13);
  });

  it("agree with mpmath, including tails where Q is tiny", () => {
    const p: [number, number, number][] = [
      [0.3, 0.2, 0.6575067242697218],
      [2.5, 3, 0.6937810815867216],
      [10, 4, 0.008132242796933864],
      [50, 60, 0.9155933189063081],
    ];
    for (const [a, x, want] of p) expectRel(lax.igamma(f64(a), f64(x)), [want], 1e-13);
    const q: [number, number, number][] = [
      [0.5, 30, 9.485737571073848e-15],
      [3, 40, 3.572865928700226e-15],
      [2.5, 3, 0.3062189184132784],
    ];
    for (const [a, x, want] of q) expectRel(lax.igammac(f64(a), f64(x)), [want], 1e-13);
  });

  it("edges: P(a, 0) = 0, P(a, ∞) = 1, NaN for a ≤ 0 or x < 0", () => {
    expectTensor(lax.igamma(f64([2, 2, 0, -1, 2]), f64([0, Infinity, 1, 1, -1])), [0, 1, NaN, NaN, NaN]);
    expectTensor(lax.igammac(f64([2, 2]), f64([0, Infinity])), [1, 0]);
    expectTensor(lax.randomGammaGrad(f64([2, -1]), f64([0, 1])), [0, NaN]);
  });

  it("igammaGradA agrees with central differences of igamma in a; igamma's JVP in x is the density", () => {
    const pts: [number, number][] = [
      [0.5, 0.3],
      [0.8, 2],
      [2.5, 1.5],
      [3, 6],
      [7, 7.5],
    ];
    for (const [a, x] of pts) {
      const byA = fd((u) => lax.igamma(f64(u), f64(x)).item() as number, a);
      expectRel(lax.igammaGradA(f64(a), f64(x)), [byA], 1e-9);
      const byX = fd((u) => lax.igamma(f64(a), f64(u)).item() as number, x);
      const [, dx] = jvp((u: Tensor) => lax.igamma(f64(a), u), [f64(x)], [f64(1)]);
      expectRel(dx, [byX], 1e-9);
      // igammac's derivatives are the negatives
      const [ga, gx] = grad((u: Tensor, v: Tensor) => lax.igammac(u, v), { argnums: [0, 1] })(f64(a), f64(x));
      expectRel(ga!, [-byA], 1e-9);
      expectRel(gx!, [-byX], 1e-9);
    }
  });

  it("is differentiable to second order in both arguments", () => {
    const [a, x] = [1.7, 2.2];
    const da = (u: Tensor, v: Tensor) => grad((s: Tensor) => lax.igamma(s, v))(u);
    const dx = (u: Tensor, v: Tensor) => grad((s: Tensor) => lax.igamma(u, s))(v);
    const daa = grad((u: Tensor) => da(u, f64(x)))(f64(a)).item() as number;
    expectRel([daa], [fd((u) => da(f64(u), f64(x)).item() as number, a)], 1e-8);
    const dax = grad((v: Tensor) => da(f64(a), v))(f64(x)).item() as number;
    const dxa = grad((u: Tensor) => dx(u, f64(x)))(f64(a)).item() as number;
    expectRel([dax], [fd((v) => da(f64(a), f64(v)).item() as number, x)], 1e-8);
    expectRel([dxa], [dax], 1e-12);
  });

  it("randomGammaGrad = −(∂P/∂a)/(∂P/∂x): the sample's derivative at a fixed CDF value", () => {
    for (const [a, x] of [
      [0.3, 0.05],
      [1, 0.7],
      [2.5, 4],
      [8, 6.5],
    ] as const) {
      const r = lax.randomGammaGrad(f64(a), f64(x)).item() as number;
      const pA = lax.igammaGradA(f64(a), f64(x)).item() as number;
      const pX = Math.exp((a - 1) * Math.log(x) - x - (lax.lgamma(f64(a)).item() as number));
      expectRel([r], [-pA / pX], 1e-12);
      // implicit: P(a + h, x + r·h) = P(a, x) to second order
      const h = 1e-4;
      const drift =
        (lax.igamma(f64(a + h), f64(x + r * h)).item() as number) - (lax.igamma(f64(a), f64(x)).item() as number);
      expect(Math.abs(drift)).toBeLessThan(1e-7);
    }
    // exp(−x)·xᵃ⁻¹ underflows far in the tail; the ratio does not
    expect(Number.isFinite(lax.randomGammaGrad(f64(2), f64(800)).item())).toBe(true);
    const [a, x] = [1.3, 2.1];
    const [ga, gx] = grad((u: Tensor, v: Tensor) => lax.randomGammaGrad(u, v), { argnums: [0, 1] })(f64(a), f64(x));
    expectRel(ga!, [fd((u) => lax.randomGammaGrad(f64(u), f64(x)).item() as number, a)], 1e-8);
    expectRel(gx!, [fd((v) => lax.randomGammaGrad(f64(a), f64(v)).item() as number, x)], 1e-8);
  });

  it("jit and vmap agree with eager", () => {
    const a = f64([0.5, 1.5, 3, 9]);
    const x = f64([0.2, 2.5, 1, 12]);
    for (const f of [lax.igamma, lax.igammac, lax.igammaGradA, lax.randomGammaGrad]) {
      expect(valuesOf(jit(f)(a, x))).toEqual(valuesOf(f(a, x)));
      expect(valuesOf(vmap(f)(a, x))).toEqual(valuesOf(f(a, x)));
      expect(valuesOf(vmap(f, { inAxes: [0, null] })(a, f64(2)))).toEqual(valuesOf(f(a, f64([2, 2, 2, 2]))));
    }
    const g = jit(grad((u: Tensor) => lax.igamma(u, x).sum()));
    expect(valuesOf(g(a))).toEqual(valuesOf(lax.igammaGradA(a, x)));
  });
});

describe("jit and vmap of the unary special functions", () => {
  it("agree with eager bit for bit", () => {
    const xs = f64([0.3, 0.9, 1.7, 4.2]);
    const fs = [lax.lgamma, lax.digamma, (t: Tensor) => lax.polygamma(2, t), (t: Tensor) => lax.erfInv(t.mul(0.2))];
    for (const f of fs) {
      expect(valuesOf(jit(f)(xs))).toEqual(valuesOf(f(xs)));
      expect(valuesOf(vmap(f)(xs))).toEqual(valuesOf(f(xs)));
      const d = grad((t: Tensor) => f(t).sum());
      expect(valuesOf(jit(d)(xs))).toEqual(valuesOf(d(xs)));
    }
  });
});
