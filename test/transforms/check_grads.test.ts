// checkGrads: passes for correct derivatives (orders 1–2, pytrees, float32), throws GradientCheckError with both values otherwise.

import { checkGrads, GradientCheckError, np, stopGradient, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { traceDepth } from "../../src/ir/trace.js";
import { catchError } from "../helpers.js";

const f64 = (v: number[]) => np.array(v, { dtype: "float64" });

describe("checkGrads", () => {
  it("accepts correct derivatives up to order 2", () => {
    expect(() => checkGrads((x: Tensor) => x.sin().mul(x).sum(), [f64([0.5, 1, -0.3])])).not.toThrow();
    expect(() =>
      checkGrads(
        (x: Tensor, y: Tensor) => x.matmul(y).tanh(),
        [np.ones([2, 3], { dtype: "float64" }).mul(0.3), f64([0.1, -0.2, 0.4])],
        { order: 2 },
      ),
    ).not.toThrow();
  });

  it("accepts pytree arguments and outputs, and integer arguments", () => {
    const fn = (p: { w: Tensor; b: Tensor }, n: Tensor) => ({
      y: p.w.mul(p.b).exp(),
      s: [p.w.sum().mul(n.astype("float64"))],
    });
    expect(() =>
      checkGrads(fn, [{ w: f64([0.1, 0.2]), b: f64([0.3, -0.4]) }, np.array(2, { dtype: "int32" })]),
    ).not.toThrow();
  });

  it("uses float32 tolerances for float32 inputs", () => {
    expect(() => checkGrads((x: Tensor) => x.exp().sum(), [np.array([0.1, 0.5])], { order: 1 })).not.toThrow();
  });

  it("a derivative that is wrong (zero through stopGradient) fails in forward mode, with both values", () => {
    const wrong = (x: Tensor) => stopGradient(x.sin()).sum();
    const e = catchError(() => checkGrads(wrong, [f64([0.5, 1])], { order: 1 }), GradientCheckError);
    expect(e.message).toMatch(/checkGrads: forward mode \(JVP\) of 'wrong'/);
    expect(e.message).toMatch(/analytic 0 vs numerical/);
    expect(traceDepth()).toBe(0);
  });

  it("reverse mode alone detects it too, by the inner-product test", () => {
    const wrong = (x: Tensor) => stopGradient(x.sin()).sum();
    const e = catchError(() => checkGrads(wrong, [f64([0.5, 1])], { order: 1, modes: ["rev"] }), GradientCheckError);
    expect(e.message).toMatch(/reverse mode \(VJP/);
  });

  it("a wrong second derivative is caught at order 2 but not at order 1", () => {
    // g = 2x·sg(x) − sg(x)² equals x², and its traced derivative 2·sg(x) has the right value 2x everywhere,
    // but differentiating that again gives 0 instead of 2.
    const g = (x: Tensor) => {
      const s = stopGradient(x);
      return x.mul(s).mul(2).sub(s.mul(s)).sum();
    };
    expect(() => checkGrads(g, [f64([0.7, -0.2])], { order: 1 })).not.toThrow();
    const e = catchError(() => checkGrads(g, [f64([0.7, -0.2])], { order: 2 }), GradientCheckError);
    expect(e.message).toMatch(/of the (JVP|VJP) of 'g'/);
  });

  it("args must be an array of positional arguments", () => {
    expect(catchError(() => checkGrads((x: Tensor) => x, f64([1]) as never), TracegradError).message).toMatch(
      /args must be an array/,
    );
  });
});
