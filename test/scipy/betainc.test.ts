// lax.betainc / scipy.special.betainc (the regularized incomplete beta I_x(a, b)) and the CDFs built on it
// (scipy.stats.beta.cdf, scipy.stats.t.cdf), against independent plain-JS float64 references: closed forms, and the
// hypergeometric series B_x(a, b) = x^a·Σ (1 − b)_n x^n / (n!·(a + n)) with a Lanczos Γ (not the library's lgamma, not
// its continued fraction). Edge cases, float32, derivatives in x (first and second), the GradientError in a and b,
// and jit/vmap agreement.
import { GradientError, grad, jit, lax, np, scipy, Tensor, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, f64, valuesOf } from "../helpers.js";

const sp = scipy.special;

/** |actual − expected| ≤ rtol·|expected| + atol elementwise (a tensor, a list or a number against a list or a number). */
function expectClose(
  actual: Tensor | number | number[],
  expected: number | number[],
  { rtol = 1e-5, atol = 1e-6 }: { rtol?: number; atol?: number } = {},
): void {
  const got = actual instanceof Tensor ? valuesOf(actual) : typeof actual === "number" ? [actual] : actual;
  const want = typeof expected === "number" ? [expected] : expected;
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => {
    const w = want[i]!;
    expect(Math.abs(v - w), `element ${i}: ${v} vs ${w}`).toBeLessThanOrEqual(rtol * Math.abs(w) + atol);
  });
}
const st = scipy.stats;

// ───────────── references ─────────────

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];
/** log Γ(x) for x > 0 by Lanczos (g = 7), ~1e-15 relative. */
function refLgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - refLgamma(1 - x);
  const y = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}
const refLogBeta = (a: number, b: number) => refLgamma(a) + refLgamma(b) - refLgamma(a + b);

/** I_x(a, b) by the hypergeometric series for x ≤ ½, by the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) above. */
function refBetainc(a: number, b: number, x: number): number {
  if (x > 0.5) return 1 - refBetainc(b, a, 1 - x);
  let sum = 0;
  let term = 1; // (1 − b)_n x^n / n!
  for (let n = 0; n < 2000; n++) {
    const add = term / (a + n);
    sum += add;
    if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
    term *= ((n + 1 - b) * x) / (n + 1);
  }
  return Math.exp(a * Math.log(x) - refLogBeta(a, b)) * sum;
}
const density = (a: number, b: number, x: number) =>
  Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - refLogBeta(a, b));

const AS = [0.5, 1, 1.5, 2.5, 4.2];
const XS = [0.02, 0.3, 0.5, 0.77, 0.98];
/** Every (a, b, x) combination, flattened. */
const grid = (() => {
  const [a, b, x]: number[][] = [[], [], []];
  for (const p of AS) for (const q of AS) for (const v of XS) a.push(p), b.push(q), x.push(v);
  return { a, b, x };
})();

// ───────────── values ─────────────

describe("betainc values", () => {
  it("matches closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 − (1−x)^b, I_x(2,2) = 3x² − 2x³", () => {
    const xs = [0.001, 0.1, 0.25, 0.5, 0.6, 0.9, 0.999];
    const tol = { rtol: 1e-13, atol: 1e-15 };
    expectClose(sp.betainc(1, 1, f64(xs)), xs, tol);
    expectClose(
      sp.betainc(3.5, 1, f64(xs)),
      xs.map((x) => x ** 3.5),
      tol,
    );
    expectClose(
      sp.betainc(1, 2.5, f64(xs)),
      xs.map((x) => -Math.expm1(2.5 * Math.log1p(-x))),
      tol,
    );
    expectClose(
      sp.betainc(2, 2, f64(xs)),
      xs.map((x) => 3 * x * x - 2 * x ** 3),
      tol,
    );
    // I_x(½, ½) = (2/π)·asin(√x), the arcsine distribution
    expectClose(
      sp.betainc(0.5, 0.5, f64(xs)),
      xs.map((x) => (2 / Math.PI) * Math.asin(Math.sqrt(x))),
      tol,
    );
  });

  it("matches the hypergeometric series over a grid of a, b, x (float64)", () => {
    const got = valuesOf(sp.betainc(f64(grid.a), f64(grid.b), f64(grid.x)));
    const want = grid.a.map((a, i) => refBetainc(a, grid.b[i]!, grid.x[i]!));
    expectClose(got, want, { rtol: 1e-12, atol: 1e-14 });
  });

  it("is accurate for large parameters and tiny results", () => {
    // far in the left tail the result keeps its relative accuracy
    const v = sp.betainc(f64(5), f64(3), f64(1e-3)).item() as number;
    expectClose(v, refBetainc(5, 3, 1e-3), { rtol: 1e-12, atol: 0 });
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1e-12);
    // a, b in the hundreds: the symmetric case is ½ at the centre
    expectClose(sp.betainc(f64(300), f64(300), f64(0.5)), 0.5, { rtol: 1e-12, atol: 0 });
    // (the series cancels badly for b this large: mpmath.betainc(50, 20, 0, 0.7, regularized=True) at 50 digits)
    expectClose(sp.betainc(f64(50), f64(20), f64(0.7)), 0.382509248381233, { rtol: 1e-12, atol: 0 });
  });

  it("satisfies the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)", () => {
    const l = valuesOf(sp.betainc(f64(grid.a), f64(grid.b), f64(grid.x)));
    const r = valuesOf(sp.betainc(f64(grid.b), f64(grid.a), f64(grid.x.map((x) => 1 - x))));
    expectClose(
      l,
      r.map((v) => 1 - v),
      { rtol: 1e-12, atol: 1e-14 },
    );
  });

  it("edge cases: x ≤ 0 → 0, x ≥ 1 → 1, a or b ≤ 0 or NaN anywhere → NaN", () => {
    expect(valuesOf(sp.betainc(2, 3, f64([0, -0.5, -Infinity, 1, 1.5, Infinity])))).toEqual([0, 0, 0, 1, 1, 1]);
    const nan = valuesOf(
      sp.betainc(
        f64([0, -1, 2, 2, Number.NaN, 2, 2]),
        f64([2, 2, 0, -3, 2, Number.NaN, 2]),
        f64([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, Number.NaN]),
      ),
    );
    expect(nan.every(Number.isNaN)).toBe(true);
    // invalid a or b is NaN even at the ends
    expect(Number.isNaN(sp.betainc(f64(-1), f64(2), f64(0)).item() as number)).toBe(true);
  });

  it("float32 in, float32 out, rounded from the float64 value", () => {
    const a32 = np.array(grid.a, { dtype: "float32" });
    const b32 = np.array(grid.b, { dtype: "float32" });
    const x32 = np.array(grid.x, { dtype: "float32" });
    const y = sp.betainc(a32, b32, x32);
    expect(y.dtype).toBe("float32");
    const want = grid.a.map((a, i) =>
      Math.fround(refBetainc(Math.fround(a), Math.fround(grid.b[i]!), Math.fround(grid.x[i]!))),
    );
    expectClose(valuesOf(y), want, { rtol: 1e-6, atol: 1e-7 });
    // JS numbers are weakly typed: float32 by default, promoted with float64 tensors
    expect(sp.betainc(2, 2, 0.5).dtype).toBe("float32");
    expect(sp.betainc(2, 2, f64(0.5)).dtype).toBe("float64");
    expect(lax.betainc(a32, b32, x32).dtype).toBe("float32");
  });

  it("broadcasts in scipy.special, not in lax", () => {
    expect(sp.betainc(f64([1, 2]), f64([[1], [2]]), f64(0.5)).shape).toEqual([2, 2]);
    expect(() => lax.betainc(f64([1, 2]), f64([1]), f64([0.5, 0.5]))).toThrow(/betainc/);
  });
});

// ───────────── derivatives ─────────────

describe("betainc derivatives", () => {
  const pts: [number, number, number][] = [
    [0.7, 1.3, 0.2],
    [2.5, 1.5, 0.6],
    [4.2, 3, 0.9],
    [1, 1, 0.4],
  ];

  it("d/dx is the beta density, and agrees with central differences", () => {
    for (const [a, b, x] of pts) {
      const f = (xt: Tensor) => sp.betainc(f64(a), f64(b), xt);
      const g = grad(f)(f64(x)).item() as number;
      expectClose(g, density(a, b, x), { rtol: 1e-12, atol: 1e-14 });
      const h = 1e-6;
      const fd = ((f(f64(x + h)).item() as number) - (f(f64(x - h)).item() as number)) / (2 * h);
      expectClose(g, fd, { rtol: 1e-7, atol: 1e-9 });
    }
  });

  it("second derivative in x: density·((a − 1)/x − (b − 1)/(1 − x))", () => {
    for (const [a, b, x] of pts) {
      const d2 = grad(grad((xt: Tensor) => sp.betainc(f64(a), f64(b), xt)))(f64(x)).item() as number;
      expectClose(d2, density(a, b, x) * ((a - 1) / x - (b - 1) / (1 - x)), { rtol: 1e-11, atol: 1e-12 });
    }
  });

  it("gradients in a or b are a GradientError naming betainc, as in JAX", () => {
    const ea = catchError(() => grad((a: Tensor) => sp.betainc(a, f64(2), f64(0.5)))(f64(1.5)), GradientError);
    expect(ea.message).toMatch(/betainc/);
    expect(ea.message).toMatch(/not implemented/);
    const eb = catchError(() => grad((b: Tensor) => sp.betainc(f64(2), b, f64(0.5)))(f64(1.5)), GradientError);
    expect(eb.message).toMatch(/betainc/);
    // x-only gradients still work when a and b are traced-free constants in the same function
    expect(grad((x: Tensor) => lax.betainc(f64(2), f64(2), x))(f64(0.5)).item()).toBeCloseTo(1.5, 12);
  });
});

// ───────────── transforms ─────────────

describe("betainc under jit and vmap", () => {
  it("jit equals eager bit for bit", () => {
    const f = (a: Tensor, b: Tensor, x: Tensor) => lax.betainc(a, b, x);
    const args = [f64(grid.a), f64(grid.b), f64(grid.x)] as const;
    expect(valuesOf(jit(f)(...args))).toEqual(valuesOf(f(...args)));
    const g = (x: Tensor) => grad((y: Tensor) => lax.betainc(f64(2.5), f64(1.5), y))(x);
    expect(jit(g)(f64(0.3)).item()).toBe(g(f64(0.3)).item());
  });

  it("vmap equals eager", () => {
    const a = f64([0.5, 1.5, 3]);
    const b = f64([2, 1, 4]);
    const xs = f64([
      [0.1, 0.5, 0.9],
      [0.2, 0.4, 0.8],
    ]);
    const f = (x: Tensor) => sp.betainc(a, b, x);
    const batched = vmap(f)(xs);
    expect(batched.shape).toEqual([2, 3]);
    expect(valuesOf(batched)).toEqual(valuesOf(sp.betainc(np.broadcastTo(a, [2, 3]), np.broadcastTo(b, [2, 3]), xs)));
    // all three batched
    const ab = f64([
      [1, 2, 3],
      [0.5, 2.5, 4],
    ]);
    const vm = vmap((p: Tensor, q: Tensor, x: Tensor) => lax.betainc(p, q, x))(ab, ab, xs);
    expect(valuesOf(vm)).toEqual(valuesOf(lax.betainc(ab, ab, xs)));
  });
});

// ───────────── scipy.stats ─────────────

describe("scipy.stats CDFs from betainc", () => {
  it("beta.cdf / logcdf with loc and scale, clamped outside the support", () => {
    const [a, b, loc, scale] = [2.5, 1.5, -1, 3];
    const xs = [-2, -1, -0.4, 0.5, 1.6, 2, 3];
    const want = xs.map((x) => {
      const y = (x - loc) / scale;
      return y <= 0 ? 0 : y >= 1 ? 1 : refBetainc(a, b, y);
    });
    expectClose(st.beta.cdf(f64(xs), a, b, loc, scale), want, { rtol: 1e-12, atol: 1e-15 });
    const lc = valuesOf(st.beta.logcdf(f64(xs), a, b, loc, scale));
    lc.forEach((v, i) =>
      want[i] === 0 ? expect(v).toBe(-Infinity) : expectClose(v, Math.log(want[i]!), { rtol: 1e-12, atol: 1e-15 }),
    );
    expectClose(st.beta.cdf(0.5, 2, 2), 0.5);
    expect(Number.isNaN(st.beta.cdf(f64(0.5), f64(NaN), 2).item() as number)).toBe(true);
    expect(Number.isNaN(st.beta.cdf(f64(NaN), 2, 2).item() as number)).toBe(true);
  });

  it("grad of beta.cdf in x is beta.pdf, finite outside the support", () => {
    const xs = [0.1, 0.45, 0.9];
    const g = vmap(grad((x: Tensor) => st.beta.cdf(x, 0.7, 2.2)))(f64(xs));
    expectClose(g, valuesOf(st.beta.pdf(f64(xs), 0.7, 2.2)), { rtol: 1e-12, atol: 1e-14 });
    expect(grad((x: Tensor) => st.beta.cdf(x, 0.7, 2.2))(f64(-0.5)).item()).toBe(0);
    expect(grad((x: Tensor) => st.beta.cdf(x, 0.7, 2.2))(f64(1.5)).item()).toBe(0);
  });

  it("t.cdf: df = 1 is the Cauchy CDF, df = 2 is ½ + z/(2·√(2 + z²)), with loc and scale", () => {
    const xs = [-1e3, -30, -2.5, -0.3, -1e-12, 0, 1e-10, 0.7, 4, 50];
    const [loc, scale] = [0.5, 2];
    const zs = xs.map((x) => (x - loc) / scale);
    const cauchy = zs.map((z) => Math.atan2(1, -z) / Math.PI);
    expectClose(st.t.cdf(f64(xs), 1, loc, scale), cauchy, { rtol: 1e-12, atol: 1e-15 });
    const t2 = (z: number) => (z < 0 ? 0.5 * (1 - -z / Math.sqrt(2 + z * z)) : 0.5 + z / (2 * Math.sqrt(2 + z * z)));
    // the left tail of df = 2 as 1/(2·√(2+z²)·(√(2+z²) + |z|))·... computed stably: ½(1 − |z|/s) = 1/(s·(s + |z|))
    const t2stable = (z: number) => {
      const s = Math.sqrt(2 + z * z);
      return z < 0 ? 1 / (s * (s - z)) : t2(z);
    };
    expectClose(st.t.cdf(f64(xs), 2, loc, scale), zs.map(t2stable), { rtol: 1e-12, atol: 1e-15 });
    // logcdf keeps the far left tail
    expectClose(st.t.logcdf(f64(-1e6), 1), Math.log(Math.atan2(1, 1e6) / Math.PI), { rtol: 1e-12, atol: 0 });
    expectClose(st.t.logcdf(f64(xs), 1, loc, scale), cauchy.map(Math.log), { rtol: 1e-12, atol: 1e-15 });
    // a large df approaches the normal CDF
    expectClose(st.t.cdf(f64([-1.5, 0.2, 1]), 1e6), valuesOf(st.norm.cdf(f64([-1.5, 0.2, 1]))), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it("t.cdf at non-integer df agrees with the series, and float32 keeps float32", () => {
    const df = 3.7;
    const xs = [-6, -1.2, 0.4, 2.9];
    const want = xs.map((z) => {
      const tail = 0.5 * refBetainc(df / 2, 0.5, df / (df + z * z));
      return z < 0 ? tail : 1 - tail;
    });
    expectClose(st.t.cdf(f64(xs), df), want, { rtol: 1e-12, atol: 1e-15 });
    const y32 = st.t.cdf(np.array(xs, { dtype: "float32" }), df);
    expect(y32.dtype).toBe("float32");
    expectClose(y32, want, { rtol: 1e-6, atol: 1e-7 });
  });

  it("grad of t.cdf in x is t.pdf everywhere, including z = 0 and tiny z; twice differentiable", () => {
    const xs = [-40, -3, -0.5, -1e-9, 0, 1e-12, 0.8, 2.5, 12];
    for (const df of [1, 2.5, 7]) {
      const g = vmap(grad((x: Tensor) => st.t.cdf(x, df, 0.25, 1.5)))(f64(xs));
      expectClose(g, valuesOf(st.t.pdf(f64(xs), df, 0.25, 1.5)), { rtol: 1e-10, atol: 1e-15 });
      const g2 = vmap(grad(grad((x: Tensor) => st.t.cdf(x, df))))(f64([-2, -0.3, 0.6, 5]));
      const dpdf = vmap(grad((x: Tensor) => st.t.pdf(x, df)))(f64([-2, -0.3, 0.6, 5]));
      expectClose(g2, valuesOf(dpdf), { rtol: 1e-9, atol: 1e-14 });
    }
    // in df: a GradientError from betainc
    catchError(() => grad((df: Tensor) => st.t.cdf(f64(1), df))(f64(3)), GradientError);
  });

  it("jit and vmap of the CDFs equal eager", () => {
    const xs = f64([-3, -0.2, 0, 0.4, 5]);
    const tc = (x: Tensor) => st.t.cdf(x, 3.5, 0.1, 1.2);
    expect(valuesOf(jit(tc)(xs))).toEqual(valuesOf(tc(xs)));
    const bc = (x: Tensor) => st.beta.cdf(x, 1.5, 2.5);
    expect(valuesOf(jit(bc)(xs))).toEqual(valuesOf(bc(xs)));
    expect(valuesOf(vmap(bc)(xs))).toEqual(valuesOf(bc(xs)));
  });
});
