// nn.softmax / logSoftmax / logsumexp and nn.oneHot: hand-checked values, axes, stability at |x| = 1000, masked
// (−∞) logits, gradients, and errors.

import { type DType, grad, hessian, jacrev, jvp, nn, np, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, valuesOf } from "../helpers.js";

const f64 = (v: number[] | number[][]) => np.array(v, { dtype: "float64" });
const TIGHT = { rtol: 1e-14, atol: 1e-16 };
const allFinite = (t: Tensor) => valuesOf(t).every(Number.isFinite);
/** Row-major values as rows of length n. */
const rows = (v: number[], n: number): number[][] =>
  Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, i * n + n));

describe("hand-checked values", () => {
  // softmax([1, 2, 3]) = e^{x}/Σe^{x}; logsumexp([1, 2, 3]) = 3 + log(1 + e⁻¹ + e⁻²)
  const P = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];
  const LSE = 3.4076059644443806;

  it("softmax, logSoftmax, logsumexp of [1, 2, 3]", () => {
    expectClose(nn.softmax(f64([1, 2, 3])), P, TIGHT);
    expectClose(nn.logSoftmax(f64([1, 2, 3])), [1 - LSE, 2 - LSE, 3 - LSE], TIGHT);
    expectClose(nn.logsumexp(f64([1, 2, 3])), LSE, TIGHT);
  });

  it("softmax is invariant to adding a constant, and rows sum to 1", () => {
    expectClose(nn.softmax(f64([101, 102, 103])), P, { rtol: 1e-13, atol: 0 });
    expectClose(
      np.sum(
        nn.softmax(
          f64([
            [1, 5, -2],
            [0, 0, 0],
          ]),
        ),
        { axis: -1 },
      ),
      [1, 1],
      TIGHT,
    );
  });

  it("softmax/logSoftmax default to the last axis; axis may be negative or a list", () => {
    const x = f64([
      [1, 2, 3],
      [1, 1, 1],
    ]);
    expectClose(nn.softmax(x), [P, [1 / 3, 1 / 3, 1 / 3]], TIGHT);
    expectClose(
      nn.softmax(x, { axis: 0 }),
      [
        [0.5, Math.E / (1 + Math.E), Math.E ** 2 / (1 + Math.E ** 2)],
        [0.5, 1 / (1 + Math.E), 1 / (1 + Math.E ** 2)],
      ],
      TIGHT,
    );
    expectClose(nn.softmax(x, { axis: -2 }), rows(valuesOf(nn.softmax(x, { axis: 0 })), 3), TIGHT);
    const all = nn.softmax(x, { axis: [0, 1] });
    expectClose(np.sum(all), 1, TIGHT);
    expectClose(nn.logSoftmax(x, { axis: [0, 1] }), rows(valuesOf(all).map(Math.log), 3), TIGHT);
  });

  it("logsumexp reduces all axes by default; axis lists and keepdims as NumPy reductions", () => {
    const x = f64([
      [0, 0],
      [Math.LN2, Math.LN2],
    ]);
    expectClose(nn.logsumexp(x), Math.log(6), TIGHT);
    expectClose(nn.logsumexp(x, { axis: 1 }), [Math.LN2, Math.log(4)], TIGHT);
    expectClose(nn.logsumexp(x, { axis: -2, keepdims: true }), [[Math.log(3), Math.log(3)]], TIGHT);
    expect(nn.logsumexp(np.zeros([2, 3, 4]), { axis: [0, -1], keepdims: true }).shape).toEqual([1, 3, 1]);
    expect(nn.logsumexp(np.zeros([2, 3, 4]), { axis: [2, 0] }).shape).toEqual([3]);
  });

  it("integer inputs give float32", () => {
    const i = np.array([1, 1], { dtype: "int32" });
    expectTensor(nn.softmax(i), [0.5, 0.5], "float32");
    expect(nn.logSoftmax(i).dtype).toBe("float32");
    expect(nn.logsumexp(i).dtype).toBe("float32");
  });
});

describe("stability at |x| = 1000", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    it(`values (${dtype}): no overflow to ∞ or NaN`, () => {
      const x = np.array([1000, 0, -1000], { dtype });
      expectClose(nn.softmax(x), [1, 0, 0], { rtol: 1e-6, atol: 1e-30 });
      expectClose(nn.logSoftmax(x), [0, -1000, -2000], { rtol: 1e-6, atol: 1e-30 });
      expectClose(nn.logsumexp(np.array([1000, 1000], { dtype })), 1000 + Math.LN2, { rtol: 1e-6, atol: 0 });
      expectClose(nn.logsumexp(np.array([-1000, -1000], { dtype })), -1000 + Math.LN2, { rtol: 1e-6, atol: 0 });
    });

    it(`gradients (${dtype}): ∇logsumexp = softmax, finite`, () => {
      const x = np.array([1000, 1000, -1000], { dtype });
      const g = grad((t: Tensor) => nn.logsumexp(t))(x);
      expect(g.dtype).toBe(dtype);
      expectClose(g, [0.5, 0.5, 0], { rtol: 1e-6, atol: 1e-30 });
      expectClose(grad((t: Tensor) => nn.logsumexp(t))(np.array([-1000, -1000], { dtype })), [0.5, 0.5], {
        rtol: 1e-6,
        atol: 0,
      });
      const w = np.array([1, 2, 3], { dtype });
      // ∇⟨w, softmax⟩ = y(w − ⟨y, w⟩) with y = [½, ½, 0]: [−¼, ¼, 0]
      expectClose(grad((t: Tensor) => nn.softmax(t).mul(w).sum())(x), [-0.25, 0.25, 0], { rtol: 1e-6, atol: 1e-30 });
      // ∇⟨w, logSoftmax⟩ = w − y·Σw = [1 − 3, 2 − 3, 3]
      expectClose(grad((t: Tensor) => nn.logSoftmax(t).mul(w).sum())(x), [-2, -1, 3], { rtol: 1e-6, atol: 1e-30 });
    });
  }

  it("second derivatives: the logsumexp Hessian diag(y) − yyᵀ at [1000, 1000]", () => {
    expectClose(
      hessian((t: Tensor) => nn.logsumexp(t))(f64([1000, 1000])),
      [
        [0.25, -0.25],
        [-0.25, 0.25],
      ],
      TIGHT,
    );
    const j = jacrev((t: Tensor) => nn.softmax(t))(f64([1000, -1000]));
    expect(allFinite(j)).toBe(true);
    expectClose(
      j,
      [
        [0, 0],
        [0, 0],
      ],
      TIGHT,
    );
  });

  it("the naive formulas overflow where these do not (why the shift by the max exists)", () => {
    const x = f64([1000, 1000]);
    expect(np.log(np.sum(np.exp(x))).item()).toBe(Infinity);
    expect(grad((t: Tensor) => np.log(np.sum(np.exp(t))))(x).toArray()).toEqual([NaN, NaN]);
  });
});

describe("masked (−∞) logits: finite gradients where JAX's are finite", () => {
  const x = f64([0, -Infinity, Math.log(3)]);

  it("values: zero probability, −∞ log-probability", () => {
    expectClose(nn.softmax(x), [0.25, 0, 0.75], TIGHT);
    const ls = valuesOf(nn.logSoftmax(x));
    expect(ls[1]).toBe(-Infinity);
    expect(ls[0]).toBeCloseTo(Math.log(0.25), 14);
    expect(ls[2]).toBeCloseTo(Math.log(0.75), 14);
    expectClose(nn.logsumexp(x), Math.log(4), TIGHT);
  });

  it("gradients are finite and right", () => {
    const w = f64([1, 2, 3]);
    expectClose(grad((t: Tensor) => nn.logsumexp(t))(x), [0.25, 0, 0.75], TIGHT);
    // y(w − ⟨y, w⟩), ⟨y, w⟩ = 2.5
    expectClose(grad((t: Tensor) => nn.softmax(t).mul(w).sum())(x), [0.25 * -1.5, 0, 0.75 * 0.5], TIGHT);
    // w − y·Σw, Σw = 6
    expectClose(grad((t: Tensor) => nn.logSoftmax(t).mul(w).sum())(x), [1 - 1.5, 2, 3 - 4.5], TIGHT);
    const [, tan] = jvp((t: Tensor) => nn.logsumexp(t), [x], [f64([1, 1, 1])]);
    expectClose(tan, 1, TIGHT);
  });

  it("a row that is all −∞: logsumexp is −∞ (as JAX, which shifts by 0 when the max is not finite)", () => {
    expect(
      valuesOf(
        nn.logsumexp(
          f64([
            [-Infinity, -Infinity],
            [0, 0],
          ]),
          { axis: 1 },
        ),
      ),
    ).toEqual([-Infinity, Math.LN2]);
  });
});

describe("nn.oneHot", () => {
  it("float32 rows along a new last axis", () => {
    expectTensor(
      nn.oneHot([0, 2, 1], 3),
      [
        [1, 0, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
      "float32",
    );
    expectTensor(nn.oneHot(np.array([[1], [0]], { dtype: "int32" }), 2), [[[0, 1]], [[1, 0]]], "float32");
    expectTensor(nn.oneHot(np.array(1, { dtype: "int32" }), 2), [0, 1], "float32");
  });

  it("labels outside [0, numClasses), negative or fractional give all-zero rows (as JAX)", () => {
    expectTensor(nn.oneHot([-1, 3, 1.5, 2], 3), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 1],
    ]);
    expect(nn.oneHot([0, 1], 0).shape).toEqual([2, 0]);
  });

  it("is differentiable as a constant (zero gradient through float labels)", () => {
    expectTensor(
      grad((l: Tensor) =>
        nn
          .oneHot(l, 3)
          .mul(np.array([1, 2, 3]))
          .sum(),
      )(np.array([1, 2])),
      [0, 0],
    );
  });
});

describe("errors name the function and the bad value", () => {
  it("nn.logsumexp: axis out of range", () => {
    expect(catchError(() => nn.logsumexp(np.zeros([2, 3]), { axis: 2 }), ShapeError).message).toMatch(
      /nn\.logsumexp: axis 2 is out of range for an array of rank 2 \(valid: -2 … 1\)/,
    );
    expect(catchError(() => nn.logsumexp(np.zeros([2, 3]), { axis: [0, -3] }), ShapeError).message).toMatch(
      /nn\.logsumexp: axis -3 is out of range/,
    );
  });

  it("nn.softmax and nn.logSoftmax: axis out of range names nn.softmax / nn.logSoftmax", () => {
    expect(catchError(() => nn.softmax(np.zeros([2, 3]), { axis: 2 }), ShapeError).message).toMatch(
      /nn\.softmax: axis 2 is out of range for an array of rank 2 \(valid: -2 … 1\)/,
    );
    expect(catchError(() => nn.logSoftmax(np.zeros([2, 3]), { axis: -3 }), ShapeError).message).toMatch(
      /nn\.logSoftmax: axis -3 is out of range/,
    );
  });

  it("nn.softmax and nn.logSoftmax: axis out of range is a ShapeError naming the axis and the valid range", () => {
    expect(catchError(() => nn.softmax(np.zeros([2, 3]), { axis: 2 }), ShapeError).message).toMatch(
      /axis 2 is out of range for an array of rank 2 \(valid: -2 … 1\)/,
    );
    expect(catchError(() => nn.logSoftmax(np.zeros([2, 3]), { axis: -3 }), ShapeError).message).toMatch(
      /axis -3 is out of range/,
    );
    expect(catchError(() => nn.softmax(np.zeros([2, 3]), { axis: 1.5 }), ShapeError).message).toMatch(/axis 1\.5/);
  });

  it("nn.oneHot: numClasses must be a whole number ≥ 0", () => {
    for (const n of [-1, 2.5, NaN]) {
      expect(catchError(() => nn.oneHot([0], n), TracegradError).message).toMatch(
        new RegExp(`nn\\.oneHot: numClasses must be a whole number ≥ 0, got the number ${n}`),
      );
    }
  });
});
