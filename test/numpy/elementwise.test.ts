// Elementwise np functions not covered elsewhere: comparisons, where, clip, abs, square, astype (truncation), NaN handling.

import { DTypeError, grad, jvp, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor } from "../helpers.js";

describe("comparisons", () => {
  it("return bool and broadcast", () => {
    expectTensor(np.greater([1, 2, 3], 2), [false, false, true], "bool");
    expectTensor(np.greaterEqual([1, 2, 3], 2), [false, true, true], "bool");
    expectTensor(np.less([1, 2, 3], 2), [true, false, false], "bool");
    expectTensor(np.lessEqual(1, [0, 1, 2]), [false, true, true], "bool");
    expectTensor(np.equal([1, 2], [1, 3]), [true, false], "bool");
    expectTensor(
      np.notEqual([[1], [2]], [1, 2]),
      [
        [false, true],
        [true, false],
      ],
      "bool",
    );
  });

  it("NaN compares unequal to everything", () => {
    expectTensor(np.equal([NaN], [NaN]), [false]);
    expectTensor(np.notEqual([NaN], [NaN]), [true]);
  });

  it("have zero derivative", () => {
    const [, t] = jvp(
      (x: Tensor) => np.greater(x, 0).astype("float32").mul(x),
      [np.array([2, -2])],
      [np.array([1, 1])],
    );
    expectTensor(t, [1, 0]);
  });
});

describe("np.where", () => {
  it("selects elementwise and promotes the branches", () => {
    const r = np.where([true, false], np.array([1, 2], { dtype: "int32" }), np.array([0.5, 0.5], { dtype: "float64" }));
    expectTensor(r, [1, 0.5], "float64");
  });

  it("a relu via where has the relu gradient, 0 at 0", () => {
    expectTensor(grad((x: Tensor) => np.where(np.greater(x, 0), x, 0).sum())(np.array([-1, 0, 2])), [0, 0, 1]);
  });
});

describe("np.clip", () => {
  it("clamps to [lo, hi], broadcasting bounds", () => {
    expectClose(np.clip([-2, 0.5, 3], 0, 1), [0, 0.5, 1]);
    expectClose(np.clip([[-2, 5]], [-1, 0], [0, 4]), [[-1, 4]]);
  });
});

describe("abs, square, negative", () => {
  it("values and dtypes", () => {
    expectTensor(np.abs(np.array([-3, 0, 2], { dtype: "int32" })), [3, 0, 2], "int32");
    expectTensor(np.square([-3, 0.5]), [9, 0.25], "float32");
    expectTensor(np.negative(np.array([1, -2], { dtype: "int32" })), [-1, 2], "int32");
  });
});

describe("float-only functions", () => {
  it("match Math on float64 inputs", () => {
    const v = [0.25, 1, 2.5];
    const t = np.array(v, { dtype: "float64" });
    const eq = (a: Tensor, f: (x: number) => number) => expectClose(a, v.map(f), { rtol: 1e-15, atol: 0 });
    eq(np.exp(t), Math.exp);
    eq(np.log(t), Math.log);
    eq(np.sqrt(t), Math.sqrt);
    eq(np.sin(t), Math.sin);
    eq(np.cos(t), Math.cos);
    eq(np.tanh(t), Math.tanh);
  });

  it("log and sqrt of negatives give NaN, log(0) −∞", () => {
    expect(np.log(-1).item()).toBeNaN();
    expect(np.sqrt(-1).item()).toBeNaN();
    expect(np.log(0).item()).toBe(-Infinity);
  });

  it("maximum/minimum propagate NaN", () => {
    expect(np.maximum(NaN, 1).item()).toBeNaN();
    expect(np.minimum(1, NaN).item()).toBeNaN();
  });

  it("power is float: an int32 base gives float32", () => {
    expectTensor(np.power(np.array([2, 3], { dtype: "int32" }), 2), [4, 9], "float32");
    expect(np.power(1, NaN).item()).toBe(1);
  });
});

describe("astype", () => {
  it("float → int32 truncates toward zero", () => {
    expectTensor(np.astype([-1.7, -0.5, 0.5, 1.9, 2.5, -2.5], "int32"), [-1, 0, 0, 1, 2, -2], "int32");
    expectTensor(np.array([3.99, -3.99], { dtype: "float64" }).astype("int32"), [3, -3], "int32");
  });

  it("to bool is x ≠ 0", () => {
    expectTensor(np.astype([-1.7, 0, 0.5], "bool"), [true, false, true], "bool");
  });

  it("bool and int32 to float", () => {
    expectTensor(np.astype([true, false], "float32"), [1, 0], "float32");
    expectTensor(np.astype(np.array([-3], { dtype: "int32" }), "float64"), [-3], "float64");
  });

  it("float32 ↔ float64 round-trips through float32 precision", () => {
    const t = np.array([0.1], { dtype: "float64" });
    expect(t.astype("float32").astype("float64").item()).toBe(Math.fround(0.1));
  });

  it("is differentiable between floats, and the gradient comes back in the input dtype", () => {
    const g = grad((x: Tensor) => x.astype("float64").mul(x.astype("float64")).sum())(np.array([3]));
    expectTensor(g, [6], "float32");
  });

  it("unknown dtypes are a DTypeError", () => {
    expect(catchError(() => np.astype([1], "int8" as never), DTypeError).message).toMatch(
      /astype: unknown dtype "int8"/,
    );
  });
});
