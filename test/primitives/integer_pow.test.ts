// lax.integerPow (JAX's integer_pow) and np.power with a JS integer exponent: values against Math.pow in float64
// (special values too), the same numbers eagerly and under jit, the derivative n·xⁿ⁻¹ to second order against
// central differences, vmap, and that np.power routes integer exponents here (and others to pow).

import { grad, jit, lax, makeJaxpr, np, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, rng, valuesOf } from "../helpers.js";

const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
const EXPONENTS = [-7, -3, -2, -1, 0, 1, 2, 3, 4, 5, 8, 13, 16, 17, 31];

describe("lax.integerPow", () => {
  it("equals Math.pow in float64 within a few ulp, for every exponent, on random and special values", () => {
    const r = rng(3);
    const xs = [...Array.from({ length: 40 }, () => (r() - 0.5) * 6), 0, -0, 1, -1, 2, 0.5, Infinity, -Infinity, NaN];
    for (const n of EXPONENTS) {
      const got = valuesOf(lax.integerPow(f64(xs), n));
      xs.forEach((x, i) => {
        const want = Math.pow(x, n);
        const g = got[i]!;
        if (Number.isNaN(want)) expect(g, `${x}^${n}`).toBeNaN();
        else if (!Number.isFinite(want) || want === 0)
          expect(Object.is(g, want), `${x}^${n}: ${g} vs ${want}`).toBe(true);
        else expect(Math.abs(g - want) / Math.abs(want), `${x}^${n}`).toBeLessThan(8e-16 * Math.abs(n) + 1e-300);
      });
    }
  });
  it("x⁰ is 1 for every x, NaN and ±Inf included (as Math.pow and XLA)", () => {
    expect(valuesOf(lax.integerPow(f64([NaN, Infinity, -Infinity, 0]), 0))).toEqual([1, 1, 1, 1]);
  });
  it("eager and jit agree (float64 exactly; float32 within the rounding of float32 products)", () => {
    const r = rng(5);
    const x64 = f64(Array.from({ length: 5000 }, () => (r() - 0.5) * 4));
    const x32 = np.astype(x64, "float32");
    for (const n of [-3, 2, 3, 5, 17]) {
      const f = (x: Tensor) => lax.integerPow(x, n);
      expect(valuesOf(jit(f)(x64)), `float64 n=${n}`).toEqual(valuesOf(f(x64)));
      const [a, b] = [valuesOf(jit(f)(x32)), valuesOf(f(x32))];
      a.forEach((v, i) => {
        const w = b[i]!;
        // each squaring doubles the relative error of float32 products: about 2|n| roundings at worst
        expect(Math.abs(v - w), `float32 n=${n} at ${i}`).toBeLessThanOrEqual(
          Math.abs(w) * (2 * Math.abs(n) + 4) * 2 ** -24,
        );
      });
    }
  });
  it("derivatives: n·xⁿ⁻¹ and n(n−1)·xⁿ⁻², against central differences", () => {
    for (const n of [-2, 0, 1, 2, 3, 7]) {
      const f = (x: Tensor) => lax.integerPow(x, n);
      for (const x of [0.7, 1.3, -1.1]) {
        const d1 = grad(f)(np.array(x, "float64")).item() as number;
        const d2 = grad(grad(f))(np.array(x, "float64")).item() as number;
        expect(d1, `d/dx x^${n} at ${x}`).toBeCloseTo(n === 0 ? 0 : n * x ** (n - 1), 10);
        expect(d2, `d²/dx² x^${n} at ${x}`).toBeCloseTo(n * (n - 1) * (n <= 1 && n >= 0 ? 0 : x ** (n - 2)), 9);
        const h = 1e-6;
        const fd = ((x + h) ** n - (x - h) ** n) / (2 * h);
        expect(Math.abs(d1 - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });
  it("vmap and a non-integer exponent", () => {
    const x = np.array(
      [
        [1, 2],
        [3, 4],
      ],
      "float64",
    );
    expect(vmap((r: Tensor) => lax.integerPow(r, 3))(x).toArray()).toEqual([
      [1, 8],
      [27, 64],
    ]);
    catchError(() => lax.integerPow(x, 1.5), TracegradError);
  });
});

describe("np.power with a JS integer exponent", () => {
  const prims = (f: () => Tensor) => makeJaxpr(f)().jaxpr.eqns.map((e) => e.prim.name);
  it("is an integer_pow; other exponents stay pow", () => {
    const x = f64([1, 2, 3]);
    expect(prims(() => np.power(x, 3))).toEqual(["integer_pow"]);
    expect(prims(() => np.power(x, 2.5))).toContain("pow");
    expect(prims(() => np.power(x, f64([3])))).toContain("pow");
    expect(valuesOf(np.power(x, 3))).toEqual([1, 8, 27]);
    expect(valuesOf(np.power(x, -1))).toEqual([1, 0.5, 1 / 3]);
    // integers become float32, as np.power's pow path does
    expect(np.power(np.arange(4), 2).dtype).toBe("float32");
    expect(valuesOf(np.power(np.arange(4), 2))).toEqual([0, 1, 4, 9]);
  });
});
