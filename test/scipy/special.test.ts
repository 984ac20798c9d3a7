// scipy.special against plain-JS float64 references (Mills-ratio continued fractions, quadrature, closed forms) and
// known values; gradients against central differences and closed forms; jit and vmap agreement.
import { grad, jit, np, scipy, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, valuesOf } from "../helpers.js";

const sp = scipy.special;
const TIGHT = { rtol: 1e-13, atol: 0 };

// ── plain-JS references ──
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
/** Mills ratio R(t) = (1 − Φ(t))/φ(t) for t ≥ 2, by its continued fraction 1/(t + 1/(t + 2/(t + …))). */
const mills = (t: number) => {
  let f = t;
  for (let k = 600; k >= 1; k--) f = t + k / f;
  return 1 / f;
};
/** ∫ₐᵇ φ by composite Simpson (4000 panels): exact to ~1e-16 on short intervals. */
const simpson = (g: (x: number) => number, a: number, b: number, n = 4000) => {
  const h = (b - a) / n;
  let s = g(a) + g(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * g(a + i * h);
  return (s * h) / 3;
};
/** Φ(x): the Mills ratio in the tails, 1/2 + ∫₀ˣ φ in the middle. */
const refNdtr = (x: number) =>
  x <= -2 ? phi(x) * mills(-x) : x >= 2 ? 1 - phi(x) * mills(x) : 0.5 + simpson(phi, 0, x);
const refLogNdtr = (x: number) =>
  x <= -2
    ? -0.5 * x * x - 0.5 * Math.log(2 * Math.PI) + Math.log(mills(-x))
    : x <= 0
      ? Math.log(refNdtr(x))
      : Math.log1p(-refNdtr(-x));
/** erfc(x) = 2·Φ(−x√2). */
const refErfc = (x: number) => 2 * refNdtr(-x * Math.SQRT2);
/** e^−|x|·Iᵥ(x) by the power series (for |x| ≤ 2), else (1/π)∫₀^π e^{|x|(cos θ − 1)} cos(νθ) dθ (trapezoid: exponentially accurate for periodic integrands). */
const refIve = (nu: number, x: number) => {
  if (Math.abs(x) <= 2) {
    let term = nu === 1 ? x / 2 : 1;
    let sum = term;
    for (let k = 1; k < 40; k++) {
      term *= (x * x) / 4 / (k * (k + nu));
      sum += term;
    }
    return sum * Math.exp(-Math.abs(x));
  }
  const n = 4000;
  const a = Math.abs(x);
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const th = (Math.PI * i) / n;
    s += (i === 0 || i === n ? 0.5 : 1) * Math.exp(a * (Math.cos(th) - 1)) * Math.cos(nu * th);
  }
  return (nu === 1 ? Math.sign(x) : 1) * (s / n);
};
/** Relative-and-absolute comparison of every element with `ref`. */
const against = (t: Tensor, xs: number[], ref: (x: number) => number, rtol: number, atol = 0) =>
  expectClose(t, xs.map(ref), { rtol, atol });
/** The same values (infinities and NaN included), to 1e-13. */
const agree = (a: Tensor, b: Tensor) =>
  valuesOf(a).forEach((v, i) => {
    const w = valuesOf(b)[i]!;
    if (Number.isFinite(w)) expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-13 * Math.abs(w));
    else expect(v).toBe(w);
  });
/** A central difference of a scalar function of one float64 number. */
const fd = (f: (x: Tensor) => Tensor, x: number, h = 1e-6) =>
  ((f(f64(x + h)).item() as number) - (f(f64(x - h)).item() as number)) / (2 * h);

describe("error functions and the normal distribution", () => {
  const XS = [-3, -1, -0.3, 0, 0.2, 0.49, 0.51, 1, 2.5, 5, 10, 20];
  it("erf, erfc (accurate where tiny), erfinv", () => {
    expectClose(sp.erf(f64([0, 0.5, -1])), [0, 0.5204998778130465, -0.8427007929497149], TIGHT);
    against(sp.erfc(f64(XS)), XS, refErfc, 1e-12, 1e-300);
    expectClose(sp.erfc(f64(10)), 2.088487583762545e-45, { rtol: 1e-12 });
    expectClose(sp.erfinv(sp.erf(f64([-0.9, 0.1, 0.7]))), [-0.9, 0.1, 0.7], TIGHT);
  });
  it("ndtr matches Φ everywhere, including the far tails", () => {
    const xs = [-37, -20, -8, -3, -1, 0, 0.5, 1.5, 3, 8];
    against(sp.ndtr(f64(xs)), xs, refNdtr, 1e-12, 1e-300);
  });
  it("logNdtr is accurate in the far left tail and on the right", () => {
    const xs = [-1e5, -300, -40, -25, -20.5, -19.5, -10, -5, -2, -0.5, 0, 1, 3, 7.9, 8.1, 12];
    against(sp.logNdtr(f64(xs)), xs, refLogNdtr, 1e-13, 1e-300);
    expectClose(sp.logNdtr(f64(9)), Math.log1p(-phi(9) * mills(9)), { rtol: 1e-10 });
    expect(valuesOf(sp.logNdtr(f64([-Infinity, Infinity]))).map((v) => v + 0)).toEqual([-Infinity, 0]);
    // float32 switches at −10 and 5
    const x32 = [-30, -11, -9, 0, 4, 6];
    against(sp.logNdtr(x32), x32, refLogNdtr, 2e-6);
  });
  it("ndtri: the known value, round trips through Φ, ends and out-of-range", () => {
    expectClose(sp.ndtri(f64(0.975)), 1.959963984540054, { rtol: 2e-15 });
    const ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 1e-4, 0.001, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1 - 1e-12];
    const xs = valuesOf(sp.ndtri(f64(ps)));
    xs.forEach((x, i) => {
      const p = ps[i]!;
      // the residual in log space (the lower tail) or in 1 − p (the upper)
      if (p <= 0.5) expect(Math.abs(refLogNdtr(x) - Math.log(p))).toBeLessThan(1e-14 * Math.max(1, -Math.log(p)));
      else expect(Math.abs(refNdtr(-x) - (1 - p)) / (1 - p)).toBeLessThan(1e-12);
    });
    expect(valuesOf(sp.ndtri(f64([0, 1, -0.5, 1.5, Number.NaN])))).toEqual([
      -Infinity,
      Infinity,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    expectClose(sp.ndtri(0.975), 1.959963984540054, { rtol: 1e-6 });
  });
  it("derivatives: erfc, ndtr, logNdtr (far left), ndtri", () => {
    expectClose(grad((x: Tensor) => sp.erfc(x))(f64(0.7)), (-2 / Math.sqrt(Math.PI)) * Math.exp(-0.49), TIGHT);
    expectClose(grad((x: Tensor) => sp.erfc(x))(f64(3)), (-2 / Math.sqrt(Math.PI)) * Math.exp(-9), TIGHT);
    expectClose(grad((x: Tensor) => sp.ndtr(x))(f64(-1.3)), phi(-1.3), TIGHT);
    for (const x of [-30, -5, 0.4, 9])
      expectClose(
        grad((t: Tensor) => sp.logNdtr(t))(f64(x)),
        fd((t) => sp.logNdtr(t), x, 1e-5),
        { rtol: 1e-7 },
      );
    for (const p of [1e-8, 0.2, 0.6, 0.99])
      expectClose(grad((t: Tensor) => sp.ndtri(t))(f64(p)), 1 / phi(sp.ndtri(f64(p)).item() as number), TIGHT);
    // the second derivative of ndtri: x/φ(x)²
    const x = sp.ndtri(f64(0.3)).item() as number;
    expectClose(grad(grad((t: Tensor) => sp.ndtri(t)))(f64(0.3)), x / phi(x) ** 2, { rtol: 1e-12 });
  });
});

describe("logistic and gamma family", () => {
  it("logit, expit", () => {
    expectClose(sp.logit(f64([0.5, 0.9])), [0, Math.log(9)], TIGHT);
    expectClose(sp.expit(f64([0, 2, -800])), [0.5, 1 / (1 + Math.exp(-2)), 0], TIGHT);
  });
  it("gammaln, lgamma, digamma, gammainc, gammaincc, betaln", () => {
    expectClose(sp.gammaln(f64([5, 0.5])), [Math.log(24), 0.5 * Math.log(Math.PI)], TIGHT);
    expectClose(sp.lgamma(f64(5)), Math.log(24), TIGHT);
    expectClose(sp.digamma(f64([1, 2])), [-0.5772156649015329, 1 - 0.5772156649015329], TIGHT);
    const xs = [0.1, 1, 3, 10];
    expectClose(
      sp.gammainc(1, f64(xs)),
      xs.map((x) => -Math.expm1(-x)),
      { rtol: 1e-12 },
    );
    expectClose(
      sp.gammaincc(f64(1), f64(xs)),
      xs.map((x) => Math.exp(-x)),
      { rtol: 1e-12 },
    );
    expectClose(sp.betaln(f64([2, 1]), f64([3, 1])), [Math.log(1 / 12), 0], { rtol: 1e-13, atol: 1e-15 });
  });
});

describe("xlogy, xlog1py, entr", () => {
  it("values, 0 where x = 0", () => {
    expectClose(sp.xlogy(f64([0, 0, 2]), f64([0, 3, 3])), [0, 0, 2 * Math.log(3)], TIGHT);
    expectClose(sp.xlog1py(f64([0, 3]), f64([-1, 0.5])), [0, 3 * Math.log1p(0.5)], TIGHT);
    const e = valuesOf(sp.entr(f64([0, 0.5, 2, -1])));
    expect(e.map((v) => v + 0)).toEqual([0, -0.5 * Math.log(0.5), -2 * Math.log(2), -Infinity]);
  });
  it("JAX's derivatives", () => {
    // ∂x xlogy = log y, ∂y xlogy = x/y, also at x = 0
    expect(grad((x: Tensor) => sp.xlogy(x, 0))(f64(0)).item()).toBe(-Infinity);
    expectClose(grad((x: Tensor) => sp.xlogy(x, 3))(f64(0)), Math.log(3), TIGHT);
    expect(grad((y: Tensor) => sp.xlogy(0, y))(f64(2)).item()).toBe(0);
    expectClose(grad((y: Tensor) => sp.xlogy(2, y))(f64(4)), 0.5, TIGHT);
    expectClose(grad((y: Tensor) => sp.xlog1py(2, y))(f64(3)), 0.5, TIGHT);
    expectClose(grad((x: Tensor) => sp.entr(x))(f64(0.5)), -(Math.log(0.5) + 1), TIGHT);
  });
});

describe("logsumexp, softmax, logSoftmax", () => {
  it("logsumexp with axis, keepdims, b and returnSign", () => {
    const a = f64([
      [1, 2],
      [3, 1000],
    ]);
    expectClose(sp.logsumexp(a) as Tensor, 1000, TIGHT);
    expectClose(sp.logsumexp(a, 1) as Tensor, [2 + Math.log1p(Math.exp(-1)), 1000], TIGHT);
    expect((sp.logsumexp(a, { axis: 0, keepdims: true }) as Tensor).shape).toEqual([1, 2]);
    const b = f64([1, -0.5]);
    const [v, s] = sp.logsumexp(f64([1, 2]), { b: [1, -0.5], returnSign: true }) as [Tensor, Tensor];
    const sum = Math.exp(1) - 0.5 * Math.exp(2);
    expectClose(v, Math.log(Math.abs(sum)), TIGHT);
    expect(s.item()).toBe(-1);
    expect((sp.logsumexp(f64([1, 2]), { b }) as Tensor).item()).toBeNaN();
  });
  it("softmax and logSoftmax as nn's", () => {
    expectClose(sp.softmax(f64([0, Math.log(3)])), [0.25, 0.75], TIGHT);
    expectClose(sp.logSoftmax(f64([[0, 0]]), 1), [[-Math.LN2, -Math.LN2]], TIGHT);
  });
});

describe("i0e, i1e", () => {
  const XS = [0, 1e-3, 0.5, 1, 2.5, 5, 10, 15, 19.9, 20, 20.1, 25, 40, 100, 1e4, -0.7, -12, -30];
  it("match the integral representation to ~1e-13", () => {
    against(sp.i0e(f64(XS)), XS, (x) => refIve(0, x), 1e-13, 1e-300);
    against(sp.i1e(f64(XS)), XS, (x) => refIve(1, x), 1e-13, 1e-17);
    against(sp.i0e(XS), XS, (x) => refIve(0, x), 2e-6);
  });
  it("derivatives: i0e′ = i1e − sign·i0e, i1e′(0) = ½", () => {
    for (const x of [0.3, 3, 25, -4])
      expectClose(grad((t: Tensor) => sp.i0e(t))(f64(x)), refIve(1, x) - Math.sign(x) * refIve(0, x), {
        rtol: 1e-11,
      });
    expectClose(grad((t: Tensor) => sp.i1e(t))(f64(0)), 0.5, TIGHT);
    for (const x of [2, 30])
      expectClose(
        grad((t: Tensor) => sp.i1e(t))(f64(x)),
        fd((t) => sp.i1e(t), x),
        { rtol: 1e-7 },
      );
  });
});

describe("under jit and vmap; argument errors", () => {
  const x = f64([-25, -3, 0.2, 4, 22]);
  for (const name of ["erfc", "ndtr", "logNdtr", "i0e", "i1e", "entr", "expit"] as const)
    it(`${name} agrees under jit and vmap`, () => {
      const f = sp[name] as (t: Tensor) => Tensor;
      agree(jit(f)(x), f(x));
      agree(vmap(f)(x), f(x));
    });
  it("ndtri and xlogy agree under jit and vmap", () => {
    const p = f64([1e-12, 0.2, 0.5, 0.9]);
    agree(jit(sp.ndtri)(p), sp.ndtri(p));
    agree(vmap(sp.ndtri)(p), sp.ndtri(p));
    const y = f64([0, 1, 2, 3]);
    agree(jit((a: Tensor, b: Tensor) => sp.xlogy(a, b))(p, y), sp.xlogy(p, y));
    agree(vmap((a: Tensor, b: Tensor) => sp.xlogy(a, b))(p, y), sp.xlogy(p, y));
  });
  it("bad arguments are TracegradErrors naming the function", () => {
    const e = catchError(() => sp.erf("a" as never), TracegradError);
    expect(e.message).toContain("scipy.special.erf");
    catchError(() => sp.logsumexp([1], { keepDims: true } as never), TracegradError);
    catchError(() => sp.xlogy([1, 2], [1, 2, 3]), TracegradError);
    expect(np.array(1).dtype).toBe("float32");
  });
});
