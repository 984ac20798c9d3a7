// np's statistics: cumulative sums and products, var/std, ptp, average, median/quantile/percentile, countNonzero, the
// NaN-ignoring reductions, diff, ediff1d and trapezoid. Values against plain-JS float64 references with NumPy's
// conventions (NaN, ±Inf, empty and 0-d inputs, negative axes, dtypes), gradients against central finite differences,
// and agreement under jit and vmap.

import { grad, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, f64, i32, rng, valuesOf } from "../helpers.js";

const randoms = (n: number, seed: number, lo = -2, hi = 2) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};

// ---------------------------------------------------------------- references (float64, one 1-D slice at a time)
const refMean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const refVar = (xs: number[], ddof = 0) => {
  const m = refMean(xs);
  return xs.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(xs.length - ddof, 0);
};
/** NumPy's default ("linear") quantile, NaN if any element is NaN. */
const refQuantile = (xs: number[], q: number) => {
  if (xs.length === 0 || xs.some(Number.isNaN)) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(Math.ceil(pos), s.length - 1);
  const t = pos - lo;
  const d = s[hi]! - s[lo]!;
  return t >= 0.5 ? s[hi]! - d * (1 - t) : s[lo]! + d * t;
};
/** Rows (axis 1) and columns (axis 0) of a row-major [r, c] matrix. */
const rows = (x: number[], r: number, c: number) => Array.from({ length: r }, (_, i) => x.slice(i * c, (i + 1) * c));
const cols = (x: number[], r: number, c: number) =>
  Array.from({ length: c }, (_, j) => Array.from({ length: r }, (_, i) => x[i * c + j]!));

function expectNear(got: Tensor, want: number[], tol = 1e-10) {
  const g = valuesOf(got);
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) expect(v).toBeNaN();
    else if (!Number.isFinite(w)) expect(v).toBe(w);
    else expect(Math.abs(v - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
}

/** Central-difference gradient of a scalar function of a float64 array of `shape`. */
function fdGrad(f: (x: Tensor) => Tensor, x: number[], shape: number[], eps = 1e-6): number[] {
  return x.map((_, i) => {
    const at = (d: number) => valuesOf(f(f64(x.map((v, j) => (j === i ? v + d : v))).reshape(shape)))[0]!;
    return (at(eps) - at(-eps)) / (2 * eps);
  });
}
function expectGradFD(f: (x: Tensor) => Tensor, x: number[], shape: number[]) {
  const g = valuesOf(grad(f)(f64(x).reshape(shape)));
  const want = fdGrad(f, x, shape);
  g.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!))));
}

const X = randoms(12, 1);
const M = () => f64(X).reshape([3, 4]);

describe("cumsum / cumprod / nancumsum / cumulativeSum / cumulativeProd", () => {
  it("flatten without an axis; along an axis (negative too); bool counts as int32", () => {
    const running = (xs: number[], op: (a: number, b: number) => number) => {
      const out: number[] = [];
      xs.forEach((v, i) => out.push(i === 0 ? v : op(out[i - 1]!, v)));
      return out;
    };
    expectNear(
      np.cumsum(M()),
      running(X, (a, b) => a + b),
    );
    expectNear(
      np.cumprod(M()),
      running(X, (a, b) => a * b),
    );
    const byRow = rows(X, 3, 4).flatMap((r) => running(r, (a, b) => a + b));
    expectNear(np.cumsum(M(), -1), byRow);
    expectNear(np.cumsum(M(), { axis: 1 }), byRow);
    const c = np.cumsum(np.array([true, false, true]));
    expect(c.dtype).toBe("int32");
    expect(valuesOf(c)).toEqual([1, 1, 2]);
    expect(np.cumsum(i32([1, 2]), { dtype: "float64" }).dtype).toBe("float64");
    expect(np.cumsum(np.zeros([0])).shape).toEqual([0]);
    expect(valuesOf(np.cumsum(f64(5)))).toEqual([5]);
  });
  it("nancumsum treats NaN as zero", () => {
    expect(valuesOf(np.nancumsum(f64([1, NaN, 2, NaN])))).toEqual([1, 1, 3, 3]);
  });
  it("cumulativeSum / cumulativeProd: axis required beyond 1-D, includeInitial", () => {
    expect(valuesOf(np.cumulativeSum(f64([1, 2, 3]), { includeInitial: true }))).toEqual([0, 1, 3, 6]);
    expect(valuesOf(np.cumulativeProd(f64([1, 2, 3]), { includeInitial: true }))).toEqual([1, 1, 2, 6]);
    expect(np.cumulativeSum(M(), { axis: 0, includeInitial: true }).shape).toEqual([4, 4]);
    catchError(() => np.cumulativeSum(M()), ShapeError);
  });
  it("gradients vs finite differences; jit and vmap agree", () => {
    const w = f64(randoms(12, 9)).reshape([3, 4]);
    expectGradFD((t) => np.sum(np.multiply(np.cumprod(t, 1), w)), X, [3, 4]);
    expectGradFD((t) => np.sum(np.multiply(np.cumsum(t, 0), w)), X, [3, 4]);
    expect(valuesOf(jit((t: Tensor) => np.cumsum(t, 1))(M()))).toEqual(valuesOf(np.cumsum(M(), 1)));
    expect(valuesOf(vmap((t: Tensor) => np.cumsum(t))(M()))).toEqual(valuesOf(np.cumsum(M(), 1)));
  });
});

describe("var / std / nanvar / nanstd", () => {
  it("over all axes, each axis, ddof, keepdims", () => {
    expectNear(np.var(M()), [refVar(X)]);
    expectNear(np.std(M(), { ddof: 1 }), [Math.sqrt(refVar(X, 1))]);
    expectNear(
      np.var(M(), 0),
      cols(X, 3, 4).map((c) => refVar(c)),
    );
    expectNear(
      np.std(M(), { axis: -1, ddof: 1 }),
      rows(X, 3, 4).map((r) => Math.sqrt(refVar(r, 1))),
    );
    expect(np.var(M(), { axis: 1, keepdims: true }).shape).toEqual([3, 1]);
  });
  it("integers give float32; ddof ≥ n gives NaN or Inf as NumPy", () => {
    const v = np.var(i32([1, 2, 3, 4]));
    expect(v.dtype).toBe("float32");
    expect(valuesOf(v)[0]).toBeCloseTo(1.25, 6);
    expect(valuesOf(np.var(f64([1]), { ddof: 1 }))[0]).toBeNaN();
    expect(valuesOf(np.var(f64([1, 2]), { ddof: 2 }))[0]).toBe(Infinity);
    expect(valuesOf(np.var(np.zeros([0])))[0]).toBeNaN();
  });
  it("nanvar / nanstd ignore NaN", () => {
    const xs = [1, NaN, 3, 7];
    expectNear(np.nanvar(f64(xs)), [refVar([1, 3, 7])]);
    expectNear(np.nanstd(f64(xs), { ddof: 1 }), [Math.sqrt(refVar([1, 3, 7], 1))]);
    expectNear(
      np.nanvar(
        f64([
          [1, NaN],
          [NaN, NaN],
        ]),
        1,
      ),
      [0, NaN],
    );
  });
  it("gradients vs finite differences; jit and vmap agree", () => {
    expectGradFD((t) => np.sum(np.std(t, { axis: 0, ddof: 1 })), X, [3, 4]);
    expectGradFD((t) => np.var(t), X, [3, 4]);
    expectNear(jit((t: Tensor) => np.var(t, 1))(M()), valuesOf(np.var(M(), 1)), 1e-14);
    expectNear(vmap((t: Tensor) => np.std(t))(M()), valuesOf(np.std(M(), 1)), 1e-14);
  });
});

describe("ptp / average / countNonzero", () => {
  it("ptp", () => {
    expectNear(
      np.ptp(M(), 1),
      rows(X, 3, 4).map((r) => Math.max(...r) - Math.min(...r)),
    );
    expect(valuesOf(np.ptp(i32([3, -2, 9])))).toEqual([11]);
  });
  it("average: plain, weighted (full and 1-D weights), returned", () => {
    expectNear(np.average(M()) as Tensor, [refMean(X)]);
    const w = [1, 2, 3, 4];
    const want = rows(X, 3, 4).map((r) => r.reduce((a, v, i) => a + v * w[i]!, 0) / 10);
    expectNear(np.average(M(), { axis: 1, weights: f64(w) }) as Tensor, want);
    const full = f64([...w, ...w, ...w]).reshape([3, 4]);
    expectNear(np.average(M(), { axis: -1, weights: full }) as Tensor, want);
    const [avg, wsum] = np.average(M(), { axis: 1, weights: f64(w), returned: true }) as [Tensor, Tensor];
    expectNear(avg, want);
    expect(valuesOf(wsum)).toEqual([10, 10, 10]);
    expect((np.average(i32([1, 2])) as Tensor).dtype).toBe("float32");
    catchError(() => np.average(M(), { weights: f64(w) }), ShapeError);
    expectGradFD((t) => np.sum(np.average(t, { axis: 1, weights: f64(w) }) as Tensor), X, [3, 4]);
  });
  it("countNonzero", () => {
    const c = np.countNonzero(
      f64([
        [0, 1, NaN],
        [2, 0, 0],
      ]),
      0,
    );
    expect(c.dtype).toBe("int32");
    expect(valuesOf(c)).toEqual([1, 1, 1]);
    expect(valuesOf(np.countNonzero(np.array([true, false, true])))).toEqual([2]);
  });
});

describe("median / quantile / percentile", () => {
  it("against NumPy's linear interpolation, every axis, scalar and array q", () => {
    const qs = [0, 0.1, 0.25, 0.5, 0.7, 1];
    for (const q of qs) {
      expectNear(np.quantile(M(), q), [refQuantile(X, q)]);
      expectNear(
        np.quantile(M(), q, { axis: 0 }),
        cols(X, 3, 4).map((c) => refQuantile(c, q)),
      );
      expectNear(
        np.percentile(M(), q * 100, -1),
        rows(X, 3, 4).map((r) => refQuantile(r, q)),
      );
    }
    const multi = np.quantile(M(), f64([0.2, 0.9]), { axis: 1 });
    expect(multi.shape).toEqual([2, 3]);
    expectNear(
      multi,
      [0.2, 0.9].flatMap((q) => rows(X, 3, 4).map((r) => refQuantile(r, q))),
    );
    expectNear(np.median(M()), [refQuantile(X, 0.5)]);
    expectNear(
      np.median(M(), 0),
      cols(X, 3, 4).map((c) => refQuantile(c, 0.5)),
    );
    expect(np.median(M(), { axis: 1, keepdims: true }).shape).toEqual([3, 1]);
    expect(np.quantile(M(), f64([0.5, 0.6]), { axis: [0, 1], keepdims: true }).shape).toEqual([2, 1, 1]);
  });
  it("NaN in a slice gives NaN; empty gives NaN; integers give float32", () => {
    expectNear(
      np.median(
        f64([
          [1, NaN, 3],
          [4, 5, 6],
        ]),
        1,
      ),
      [NaN, 5],
    );
    expect(valuesOf(np.median(np.zeros([0])))[0]).toBeNaN();
    const m = np.median(i32([1, 2, 3, 4]));
    expect(m.dtype).toBe("float32");
    expect(valuesOf(m)).toEqual([2.5]);
    catchError(() => np.quantile(f64([1, 2]), 1.5), TracegradError);
    catchError(() => np.percentile(f64([1, 2]), -1), TracegradError);
  });
  it("gradients vs finite differences; jit and vmap agree", () => {
    expectGradFD((t) => np.sum(np.quantile(t, 0.3, { axis: 1 })), X, [3, 4]);
    expectGradFD((t) => np.median(t), X, [3, 4]);
    expectNear(jit((t: Tensor) => np.median(t, 0))(M()), valuesOf(np.median(M(), 0)), 0);
    expectNear(vmap((t: Tensor) => np.quantile(t, 0.3))(M()), valuesOf(np.quantile(M(), 0.3, 1)), 0);
  });
});

describe("nansum / nanmean / nanmax / nanmin / nanargmax / nanargmin", () => {
  const A = () =>
    f64([
      [1, NaN, 3],
      [NaN, NaN, NaN],
      [-2, 5, NaN],
    ]);
  it("ignore NaN; all-NaN slices as NumPy (sum 0, mean/max/min NaN; argmax −1 as jax.numpy)", () => {
    expectNear(np.nansum(A(), 1), [4, 0, 3]);
    expectNear(np.nansum(A()), [7]);
    expectNear(np.nanmean(A(), 1), [2, NaN, 1.5]);
    expectNear(np.nanmax(A(), 1), [3, NaN, 5]);
    expectNear(np.nanmin(A(), -1), [1, NaN, -2]);
    expectNear(np.nanmax(A()), [5]);
    expect(valuesOf(np.nanargmax(A(), 1))).toEqual([2, -1, 1]);
    expect(valuesOf(np.nanargmin(A(), 1))).toEqual([0, -1, 0]);
    expect(valuesOf(np.nanargmax(A()))).toEqual([7]);
    expect(valuesOf(np.nanargmin(A(), 0))).toEqual([2, 2, 0]);
    expect(np.nanmean(i32([1, 2])).dtype).toBe("float32");
    expect(valuesOf(np.nanmax(i32([1, 7, 2])))).toEqual([7]);
    expect(np.nansum(A(), { axis: 0, keepdims: true }).shape).toEqual([1, 3]);
  });
  it("gradients flow only to the elements that count; jit and vmap agree", () => {
    const g = valuesOf(grad((t: Tensor) => np.nanmean(t))(f64([1, NaN, 3])));
    expect(g[0]).toBeCloseTo(0.5, 12);
    expect(g[1]).toBe(0);
    expectGradFD((t) => np.nansum(np.multiply(t, t)), X, [3, 4]);
    expectNear(jit((t: Tensor) => np.nanmax(t, 1))(A()), [3, NaN, 5], 0);
    expectNear(vmap((t: Tensor) => np.nanmean(t))(A()), [2, NaN, 1.5], 0);
  });
});

describe("diff / ediff1d / trapezoid", () => {
  it("diff: n, axis, prepend, append, bool", () => {
    expectNear(np.diff(f64([1, 4, 9, 16])), [3, 5, 7]);
    expectNear(np.diff(f64([1, 4, 9, 16]), 2), [2, 2]);
    expectNear(np.diff(f64([1, 4, 9, 16]), { n: 5 }), []);
    expect(np.diff(f64([1, 4, 9, 16]), { n: 0 }).shape).toEqual([4]);
    const d0 = np.diff(M(), { axis: 0 });
    expect(d0.shape).toEqual([2, 4]);
    expectNear(
      d0,
      X.slice(4).map((v, i) => v - X[i]!),
    );
    expectNear(np.diff(f64([1, 2, 4]), { prepend: 0, append: f64([10]) }), [1, 1, 2, 6]);
    expect(valuesOf(np.diff(np.array([true, true, false])))).toEqual([0, 1]);
    expect(np.diff(np.array([true, true, false])).dtype).toBe("bool");
    catchError(() => np.diff(f64(3)), ShapeError);
    expectGradFD((t) => np.sum(np.multiply(np.diff(t, { n: 2, axis: 1 }), np.diff(t, { n: 2, axis: 1 }))), X, [3, 4]);
  });
  it("ediff1d", () => {
    expectNear(
      np.ediff1d(
        f64([
          [1, 2],
          [4, 7],
        ]),
      ),
      [1, 2, 3],
    );
    expectNear(np.ediff1d(f64([1, 2, 4]), { toBegin: -99, toEnd: f64([8, 9]) }), [-99, 1, 2, 8, 9]);
    expect(np.ediff1d(np.zeros([0])).shape).toEqual([0]);
  });
  it("trapezoid: dx, x (1-D and full), axis", () => {
    expectNear(np.trapezoid(f64([1, 2, 3])), [4]);
    expectNear(np.trapezoid(f64([1, 2, 3]), { dx: 0.5 }), [2]);
    expectNear(np.trapezoid(f64([1, 2, 3]), { x: f64([0, 1, 3]) }), [6.5]);
    const byRow = rows(X, 3, 4).map((r) => r.slice(1).reduce((a, v, i) => a + (v + r[i]!) / 2, 0));
    expectNear(np.trapezoid(M()), byRow);
    const byCol = cols(X, 3, 4).map((c) => c.slice(1).reduce((a, v, i) => a + (v + c[i]!) / 2, 0));
    expectNear(np.trapezoid(M(), { axis: 0 }), byCol);
    expectNear(np.trapezoid(M(), { axis: 0, x: f64([0, 1, 2]) }), byCol);
    expectNear(np.trapezoid(f64([5])), [0]);
    expect(np.trapezoid(i32([1, 2])).dtype).toBe("float32");
    expectGradFD((t) => np.sum(np.trapezoid(t, { x: f64([0, 0.5, 2, 3]) })), X, [3, 4]);
  });
});
