// scipy.stats against closed forms in plain-JS float64: every distribution's functions with loc and scale, support
// edges, the multivariate normal (batched, via Cholesky), gradients, and jit/vmap agreement.
import { grad, jit, np, ShapeError, scipy, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, valuesOf } from "../helpers.js";

const st = scipy.stats;
const TIGHT = { rtol: 1e-13, atol: 1e-15 };
const LOG2PI = Math.log(2 * Math.PI);
const XS = [-3, -0.5, 0, 0.7, 2.5];
/** expectClose, with infinities compared exactly. */
const closeInf = (t: Tensor, expected: number[], rtol = 1e-13) =>
  valuesOf(t).forEach((v, i) => {
    const w = expected[i]!;
    if (Number.isFinite(w)) expect(Math.abs(v - w)).toBeLessThanOrEqual(rtol * Math.abs(w) + 1e-15);
    else expect(v).toBe(w);
  });
const lgammaInt = (n: number) => {
  let s = 0;
  for (let k = 2; k < n; k++) s += Math.log(k);
  return s;
};

describe("location-scale families", () => {
  const loc = 0.5;
  const scale = 2;
  const zs = XS.map((x) => (x - loc) / scale);
  it("norm: logpdf, pdf, cdf, logcdf (far tail)", () => {
    const lp = zs.map((z) => -0.5 * z * z - 0.5 * LOG2PI - Math.log(scale));
    expectClose(st.norm.logpdf(f64(XS), loc, scale), lp, TIGHT);
    expectClose(st.norm.pdf(f64(XS), loc, scale), lp.map(Math.exp), TIGHT);
    expectClose(st.norm.logpdf(f64(0)), -0.5 * LOG2PI, TIGHT);
    expectClose(st.norm.cdf(f64([0, 1.959963984540054])), [0.5, 0.975], TIGHT);
    expectClose(st.norm.logcdf(f64(-40)), -804.6084420137538, { rtol: 1e-14 });
    expectClose(st.norm.cdf(f64(1), 1, 3), 0.5, TIGHT);
  });
  it("logistic", () => {
    const lp = zs.map((z) => -z - 2 * Math.log1p(Math.exp(-z)) - Math.log(scale));
    expectClose(st.logistic.logpdf(f64(XS), loc, scale), lp, TIGHT);
    expectClose(st.logistic.pdf(f64(XS), loc, scale), lp.map(Math.exp), TIGHT);
    expectClose(
      st.logistic.cdf(f64(XS), loc, scale),
      zs.map((z) => 1 / (1 + Math.exp(-z))),
      TIGHT,
    );
    expectClose(st.logistic.logcdf(f64([-800, 0, 800])), [-800, -Math.LN2, 0], TIGHT);
  });
  it("laplace", () => {
    const lp = zs.map((z) => -Math.abs(z) - Math.log(2 * scale));
    expectClose(st.laplace.logpdf(f64(XS), loc, scale), lp, TIGHT);
    expectClose(st.laplace.pdf(f64(XS), loc, scale), lp.map(Math.exp), TIGHT);
    const cdf = zs.map((z) => (z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z)));
    expectClose(st.laplace.cdf(f64(XS), loc, scale), cdf, TIGHT);
    expectClose(st.laplace.logcdf(f64(XS), loc, scale), cdf.map(Math.log), TIGHT);
    expectClose(st.laplace.logcdf(f64(-1000)), -1000 - Math.LN2, TIGHT);
  });
  it("cauchy (cdf accurate in the left tail)", () => {
    const lp = zs.map((z) => -Math.log(Math.PI * scale * (1 + z * z)));
    expectClose(st.cauchy.logpdf(f64(XS), loc, scale), lp, TIGHT);
    expectClose(st.cauchy.pdf(f64(XS), loc, scale), lp.map(Math.exp), TIGHT);
    expectClose(
      st.cauchy.cdf(f64(XS), loc, scale),
      zs.map((z) => 0.5 + Math.atan(z) / Math.PI),
      TIGHT,
    );
    expectClose(st.cauchy.cdf(f64(-1e10)), Math.atan(1e-10) / Math.PI, { rtol: 1e-14 });
    expectClose(st.cauchy.logcdf(f64(1)), Math.log(0.75), TIGHT);
  });
  it("uniform on [loc, loc + scale]", () => {
    const inside = XS.map((x) => x >= loc && x <= loc + scale);
    expect(valuesOf(st.uniform.logpdf(f64(XS), loc, scale))).toEqual(
      inside.map((i) => (i ? -Math.log(scale) : -Infinity)),
    );
    expectClose(
      st.uniform.pdf(f64(XS), loc, scale),
      inside.map((i) => (i ? 1 / scale : 0)),
      TIGHT,
    );
    const cdf = zs.map((z) => Math.min(Math.max(z, 0), 1));
    expectClose(st.uniform.cdf(f64(XS), loc, scale), cdf, TIGHT);
    closeInf(st.uniform.logcdf(f64(XS), loc, scale), cdf.map(Math.log));
  });
});

describe("shape-parameter families", () => {
  it("beta: logpdf and pdf, −∞ outside the support", () => {
    const a = 2.5;
    const b = 1.5;
    const lbeta = lgammaHalf(a) + lgammaHalf(b) - lgammaInt(4);
    const xs = [0.1, 0.5, 0.9];
    const lp = xs.map((x) => (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbeta);
    expectClose(st.beta.logpdf(f64(xs), a, b), lp, TIGHT);
    expectClose(st.beta.pdf(f64(0.5), 2, 2), 1.5, TIGHT);
    expect(valuesOf(st.beta.logpdf(f64([-0.1, 1.1]), a, b))).toEqual([-Infinity, -Infinity]);
    // loc and scale: x on [1, 3]
    expectClose(st.beta.logpdf(f64(2), 2, 2, 1, 2), Math.log(1.5 / 2), TIGHT);
  });
  it("gamma: logpdf, pdf, cdf, logcdf", () => {
    const xs = [0.5, 1, 4];
    const lp = xs.map((x) => 2 * Math.log(x) - x - Math.log(2)); // a = 3: x²e⁻ˣ/2
    expectClose(st.gamma.logpdf(f64(xs), 3), lp, TIGHT);
    expectClose(st.gamma.pdf(f64(xs), 3), lp.map(Math.exp), TIGHT);
    const cdf1 = xs.map((x) => -Math.expm1(-x / 2)); // a = 1, scale 2
    expectClose(st.gamma.cdf(f64(xs), 1, 0, 2), cdf1, { rtol: 1e-12 });
    expectClose(st.gamma.logcdf(f64(xs), 1, 0, 2), cdf1.map(Math.log), { rtol: 1e-12 });
    expect(valuesOf(st.gamma.logpdf(f64(-1), 3))).toEqual([-Infinity]);
    expect(st.gamma.cdf(f64(-1), 3).item()).toBe(0);
  });
  it("t: logpdf and pdf", () => {
    // df = 1 is the Cauchy distribution; df = 3: 6√3/(π(3 + x²)²)
    expectClose(
      st.t.pdf(f64(XS), 1),
      XS.map((x) => 1 / (Math.PI * (1 + x * x))),
      TIGHT,
    );
    expectClose(
      st.t.pdf(f64(XS), 3),
      XS.map((x) => (6 * Math.sqrt(3)) / (Math.PI * (3 + x * x) ** 2)),
      TIGHT,
    );
    expectClose(st.t.logpdf(f64(1), 3, 1, 2), Math.log((6 * Math.sqrt(3)) / (Math.PI * 9) / 2), TIGHT);
  });
});

/** log Γ(x) for half-integers x = n + ½ and integers. */
function lgammaHalf(x: number): number {
  if (Number.isInteger(x)) return lgammaInt(x);
  let v = 0.5 * Math.log(Math.PI);
  for (let y = 0.5; y < x; y++) v += Math.log(y);
  return v;
}

describe("discrete distributions", () => {
  it("poisson: logpmf, pmf, cdf", () => {
    const mu = 2.5;
    const ks = [0, 1, 3, 7];
    const lp = ks.map((k) => k * Math.log(mu) - lgammaInt(k + 1) - mu);
    expectClose(st.poisson.logpmf(f64(ks), mu), lp, TIGHT);
    expectClose(st.poisson.pmf(f64(ks), mu), lp.map(Math.exp), TIGHT);
    expect(valuesOf(st.poisson.logpmf(f64([-1, 1.5]), mu))).toEqual([-Infinity, -Infinity]);
    const cum = (k: number) =>
      [...Array(k + 1).keys()].reduce((s, j) => s + Math.exp(j * Math.log(mu) - lgammaInt(j + 1) - mu), 0);
    expectClose(st.poisson.cdf(f64([-1, 0, 3, 3.5]), mu), [0, cum(0), cum(3), cum(3)], { rtol: 1e-12 });
    // loc shifts the support
    expectClose(st.poisson.pmf(f64(2), mu, 2), Math.exp(-mu), TIGHT);
    expectClose(st.poisson.logpmf(f64(0), 0), 0, TIGHT);
  });
  it("bernoulli: logpmf, pmf, cdf", () => {
    expectClose(st.bernoulli.pmf(f64([0, 1]), 0.25), [0.75, 0.25], TIGHT);
    expectClose(st.bernoulli.logpmf(f64([0, 1]), 0.25), [Math.log(0.75), Math.log(0.25)], TIGHT);
    expect(valuesOf(st.bernoulli.logpmf(f64([-1, 2]), 0.25))).toEqual([-Infinity, -Infinity]);
    closeInf(st.bernoulli.logpmf(f64([0, 1]), 0), [0, -Infinity]);
    expectClose(st.bernoulli.cdf(f64([-0.5, 0, 0.5, 1, 3]), 0.25), [0, 0.75, 0.75, 1, 1], TIGHT);
  });
});

describe("multivariateNormal", () => {
  const cov = [
    [2, 0.5],
    [0.5, 1],
  ];
  const det = 1.75;
  const inv = [
    [1 / det, -0.5 / det],
    [-0.5 / det, 2 / det],
  ];
  const ref = (x: number[], m: number[]) => {
    const d = [x[0]! - m[0]!, x[1]! - m[1]!];
    const q = d[0]! * (inv[0]![0]! * d[0]! + inv[0]![1]! * d[1]!) + d[1]! * (inv[1]![0]! * d[0]! + inv[1]![1]! * d[1]!);
    return -0.5 * q - 0.5 * Math.log(det) - LOG2PI;
  };
  it("logpdf and pdf against the closed form, batched x", () => {
    const xs = [
      [0, 0],
      [1, 2],
      [-1, 0.5],
    ];
    const m = [0.2, -0.1];
    expectClose(
      st.multivariateNormal.logpdf(f64(xs), f64(m), f64(cov)),
      xs.map((x) => ref(x, m)),
      TIGHT,
    );
    expectClose(st.multivariateNormal.pdf(f64(xs[1]!), f64(m), f64(cov)), Math.exp(ref(xs[1]!, m)), TIGHT);
    expectClose(st.multivariateNormal.logpdf([0, 0], [0, 0], np.eye(2)), -LOG2PI, { rtol: 1e-6 });
  });
  it("batched covariances, and the univariate case", () => {
    const covs = f64([
      cov,
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    expectClose(
      st.multivariateNormal.logpdf(f64([1, 2]), f64([0, 0]), covs),
      [ref([1, 2], [0, 0]), -2.5 - LOG2PI],
      TIGHT,
    );
    expectClose(
      st.multivariateNormal.logpdf(f64([1, 3]), f64(1), f64(4)),
      [0, -0.5].map((q) => q - 0.5 * Math.log(8 * Math.PI)),
      TIGHT,
    );
  });
  it("gradients: ∂mean = Σ⁻¹(x − mean), ∂cov by central differences", () => {
    const x = [1, 2];
    const m = [0.2, -0.1];
    const g = grad((mm: Tensor) => st.multivariateNormal.logpdf(f64(x), mm, f64(cov)))(f64(m));
    const d = [x[0]! - m[0]!, x[1]! - m[1]!];
    expectClose(g, [inv[0]![0]! * d[0]! + inv[0]![1]! * d[1]!, inv[1]![0]! * d[0]! + inv[1]![1]! * d[1]!], TIGHT);
    const gc = grad((s: Tensor) => st.multivariateNormal.logpdf(f64(x), f64(m), s))(f64(cov));
    // symmetrized input: the derivative along a symmetric perturbation E (E₀₁ = E₁₀ = 1)
    const h = 1e-6;
    const at = (e: number) =>
      st.multivariateNormal
        .logpdf(
          f64(x),
          f64(m),
          f64([
            [2, 0.5 + e],
            [0.5 + e, 1],
          ]),
        )
        .item() as number;
    const fd = (at(h) - at(-h)) / (2 * h);
    const v = valuesOf(gc);
    expect(Math.abs(v[1]! + v[2]! - fd)).toBeLessThan(1e-7);
  });
  it("shape errors", () => {
    catchError(() => st.multivariateNormal.logpdf(f64([1, 2]), f64([0, 0]), f64([[1, 0, 0]])), ShapeError);
  });
});

describe("gradients, jit and vmap; argument errors", () => {
  it("gradients match closed forms", () => {
    // d/dx norm.logpdf = −(x − loc)/scale²; d/dscale = −1/scale + z²/scale
    expectClose(grad((x: Tensor) => st.norm.logpdf(x, 1, 2))(f64(3)), -0.5, TIGHT);
    expectClose(grad((s: Tensor) => st.norm.logpdf(3, 1, s))(f64(2)), -0.5 + 0.5, TIGHT);
    // d/dmu poisson.logpmf = k/mu − 1
    expectClose(grad((mu: Tensor) => st.poisson.logpmf(3, mu))(f64(2)), 0.5, TIGHT);
    // d/da gamma.logpdf = log x − ψ(a)
    expectClose(grad((a: Tensor) => st.gamma.logpdf(2, a))(f64(1)), Math.log(2) + 0.5772156649015329, TIGHT);
    expectClose(grad((x: Tensor) => st.cauchy.cdf(x))(f64(1)), 1 / (2 * Math.PI), TIGHT);
  });
  it("agree under jit and vmap", () => {
    const x = f64([-2, 0.3, 1.5, 4]);
    const fs: ((t: Tensor) => Tensor)[] = [
      (t) => st.norm.logcdf(t, 0.5, 2),
      (t) => st.t.logpdf(t, 3),
      (t) => st.gamma.cdf(t, 2),
      (t) => st.laplace.logcdf(t),
      (t) => st.poisson.logpmf(np.floor(np.abs(t)), 2),
      (t) =>
        st.multivariateNormal.logpdf(
          np.stack([t, np.multiply(t, 2)], -1),
          f64([0, 0]),
          f64([
            [2, 0.5],
            [0.5, 1],
          ]),
        ),
    ];
    for (const f of fs) {
      const eager = valuesOf(f(x));
      expectClose(jit(f)(x), eager, TIGHT);
      const per = (t: Tensor) =>
        t.ndim === 0 && f === fs[5]
          ? st.multivariateNormal.logpdf(
              np.stack([t, np.multiply(t, 2)]),
              f64([0, 0]),
              f64([
                [2, 0.5],
                [0.5, 1],
              ]),
            )
          : f(t);
      expectClose(vmap(per)(x), eager, TIGHT);
    }
  });
  it("bad arguments are TracegradErrors naming the function", () => {
    const e = catchError(() => st.norm.logpdf("x" as never), TracegradError);
    expect(e.message).toContain("scipy.stats.norm.logpdf");
    catchError(() => st.gamma.logpdf(1 as never, undefined as never), TracegradError);
    catchError(() => st.norm.cdf([1, 2], [1, 2, 3]), TracegradError);
  });
});
