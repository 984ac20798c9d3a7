// Graph scale: a 100,000-op chain does not overflow the stack; a diamond DAG's gradient IR grows linearly, not 2^n.

import { grad, makeJaxpr, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";

const f64 = (v: number) => np.array(v, { dtype: "float64" });

describe("long chains", () => {
  it("grad through 100,000 elementwise operations (affine chain) matches the JS reference", () => {
    const n = 50_000; // two ops per step: 100,000 operations
    const chain = (x: Tensor) => {
      let y = x;
      for (let i = 0; i < n; i++) y = y.mul(1.00001).add(1e-4);
      return y;
    };
    // y = a^n x + c  ⇒  dy/dx = a^n, accumulated in float64 step by step
    let ref = 1;
    for (let i = 0; i < n; i++) ref *= 1.00001;
    const g = grad(chain)(f64(0.5)).item() as number;
    expect(Math.abs(g - ref) / ref).toBeLessThan(1e-12);
  });

  it("grad through 100,000 nonlinear operations matches the chain rule in JS", () => {
    const n = 100_000;
    const chain = (x: Tensor) => {
      let y = x;
      for (let i = 0; i < n; i++) y = y.sin();
      return y;
    };
    let y = 1;
    let d = 1;
    for (let i = 0; i < n; i++) {
      d *= Math.cos(y);
      y = Math.sin(y);
    }
    const g = grad(chain)(f64(1)).item() as number;
    expect(Math.abs(g - d) / d).toBeLessThan(1e-9);
  });
});

describe("diamond DAG (each level uses the previous value twice)", () => {
  // y_{k+1} = y_k · cos(y_k): the naive recursive backward pass would visit 2^n paths.
  const diamond = (n: number) => (x: Tensor) => {
    let y = x;
    for (let i = 0; i < n; i++) y = y.mul(y.cos());
    return y;
  };
  /** Forward-mode reference with dual numbers in plain JS. */
  const reference = (n: number, x: number) => {
    let y = x;
    let d = 1;
    for (let i = 0; i < n; i++) {
      d = d * Math.cos(y) - y * Math.sin(y) * d;
      y = y * Math.cos(y);
    }
    return d;
  };
  const eqnCount = (n: number) => makeJaxpr(grad(diamond(n)))(f64(0.5)).jaxpr.eqns.length;

  it("the gradient IR grows linearly in depth (n = 25, 50, 100)", () => {
    const [c25, c50, c100] = [25, 50, 100].map(eqnCount) as [number, number, number];
    // constant work per level: equal increments from 25 → 50 and 50 → 75 → 100
    expect(c100 - c50).toBe(2 * (c50 - c25));
    const perLevel = (c50 - c25) / 25;
    expect(Number.isInteger(perLevel)).toBe(true);
    expect(perLevel).toBeLessThanOrEqual(12);
    expect(c100).toBeLessThan(1500);
  });

  it("the gradient of a 100-level diamond matches the JS dual-number reference", () => {
    for (const x of [0.5, 1.2]) {
      const g = grad(diamond(100))(f64(x)).item() as number;
      const ref = reference(100, x);
      expect(Math.abs(g - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
    }
  });

  it("y ← y + y over 100 levels: gradient 2^100 exactly, IR linear in n", () => {
    const doubling = (n: number) => (x: Tensor) => {
      let y = x;
      for (let i = 0; i < n; i++) y = y.add(y);
      return y;
    };
    expect(grad(doubling(100))(f64(3)).item()).toBe(2 ** 100);
    const counts = [25, 50, 100].map((n) => makeJaxpr(grad(doubling(n)))(f64(3)).jaxpr.eqns.length);
    expect(counts[2]! - counts[1]!).toBe(2 * (counts[1]! - counts[0]!));
  });

  it("second-order through the diamond also stays linear", () => {
    const counts = [10, 20, 40].map((n) => makeJaxpr(grad(grad(diamond(n))))(f64(0.5)).jaxpr.eqns.length);
    expect(counts[2]! - counts[1]!).toBe(2 * (counts[1]! - counts[0]!));
  });
});
