// np logic (src/numpy/logic.ts) against plain-JS references with NumPy's conventions: truth of any dtype (NaN is
// true), any/all over every axis subset (negative axes, keepdims, empty axes), isclose/allclose with ±∞ and NaN,
// arrayEqual's shape rule; jit and vmap agreement.

import { type ArrayLike, grad, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, f64, i32, valuesOf } from "../helpers.js";

const truth = (x: number): boolean => x !== 0; // NaN !== 0: true, as NumPy

const VALS = [-2, -0, 0, 0.5, Infinity, -Infinity, NaN];
const a = VALS.flatMap((x) => VALS.map(() => x));
const b = VALS.flatMap(() => VALS);

describe("logicalAnd, logicalOr, logicalXor, logicalNot", () => {
  it("any dtype → bool, nonzero (and NaN) true", () => {
    expectTensor(
      np.logicalAnd(f64(a), f64(b)),
      a.map((x, i) => truth(x) && truth(b[i]!)),
      "bool",
    );
    expectTensor(
      np.logicalOr(f64(a), f64(b)),
      a.map((x, i) => truth(x) || truth(b[i]!)),
      "bool",
    );
    expectTensor(
      np.logicalXor(f64(a), f64(b)),
      a.map((x, i) => truth(x) !== truth(b[i]!)),
      "bool",
    );
    expectTensor(
      np.logicalNot(f64(VALS)),
      VALS.map((x) => !truth(x)),
      "bool",
    );
  });

  it("mix dtypes, broadcast, and take 0-d and empty inputs", () => {
    expectTensor(np.logicalAnd(i32([0, 3, -1]), np.array([true, true, false])), [false, true, false], "bool");
    expectTensor(np.logicalOr(np.array([0, 1], "uint32"), 0), [false, true], "bool");
    expectTensor(np.logicalXor([[1], [0]], [1, 0]), [
      [false, true],
      [true, false],
    ]);
    expectTensor(np.logicalNot(0), true, "bool");
    expect(np.logicalAnd(np.zeros([0, 2]), 1).shape).toEqual([0, 2]);
    expect(() => np.logicalAnd([1, 2], [1, 2, 3])).toThrow(ShapeError);
  });
});

// ───────────────────────────── any, all ─────────────────────────────

/** A reference reduction of truth values over `axes` of a row-major array of `shape`. */
function reduceRef(
  data: number[],
  shape: number[],
  axes: number[],
  any: boolean,
): { data: boolean[]; shape: number[] } {
  const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const size = out.reduce((p, d) => p * d, 1);
  const res = new Array<boolean>(size).fill(!any);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  data.forEach((v, flat) => {
    const idx = strides.map((s, i) => Math.floor(flat / s) % shape[i]!);
    const o = idx.reduce((p, k, i) => p * out[i]! + (axes.includes(i) ? 0 : k), 0);
    res[o] = any ? res[o]! || truth(v) : res[o]! && truth(v);
  });
  return { data: res, shape: out };
}
const subsets = (n: number): number[][] =>
  Array.from({ length: 1 << n }, (_, m) => [...Array(n).keys()].filter((i) => m & (1 << i)));

describe("any, all", () => {
  const shape = [2, 3, 2];
  const data = [0, 1, 0, 0, NaN, 0, 0, 0, 2, -1, 3, 4];
  const x = f64(data).reshape(shape);

  it("every axis subset, positive and negative axes, with and without keepdims", () => {
    for (const [f, isAny] of [
      [np.any, true],
      [np.all, false],
    ] as const) {
      for (const axes of subsets(3)) {
        const ref = reduceRef(data, shape, axes, isAny);
        const kept = f(x, { axis: axes, keepdims: true });
        expect(kept.dtype).toBe("bool");
        expect(kept.shape).toEqual(ref.shape);
        expect(valuesOf(kept).map(Boolean)).toEqual(ref.data);
        const neg = axes.map((ax) => ax - 3);
        const dropped = f(x, { axis: neg });
        expect(dropped.shape).toEqual(shape.filter((_, i) => !axes.includes(i)));
        expect(valuesOf(dropped).map(Boolean)).toEqual(ref.data);
      }
      // no axis: all of them, a 0-d result; an axis given positionally
      expect(f(x).shape).toEqual([]);
      expect(f(x).item()).toBe(isAny);
      expect(valuesOf(f(x, -1)).map(Boolean)).toEqual(reduceRef(data, shape, [2], isAny).data);
      expect(f(x, null).shape).toEqual([]);
    }
  });

  it("empty axes: any is false, all is true; 0-d and int inputs", () => {
    expectTensor(np.any(np.zeros([0])), false, "bool");
    expectTensor(np.all(np.zeros([0])), true, "bool");
    expectTensor(np.any(np.zeros([2, 0]), { axis: 1 }), [false, false]);
    expectTensor(np.all(np.zeros([2, 0]), { axis: -1 }), [true, true]);
    expect(np.all(np.zeros([2, 0]), { axis: 0 }).shape).toEqual([0]);
    expectTensor(np.any(3), true);
    expectTensor(np.all(i32([[1, 2, 0]]), 1), [false]);
    expectTensor(np.all(np.array([true, true])), true);
  });

  it("bad axes are ShapeErrors naming the function", () => {
    expect(() => np.any(x, 3)).toThrow(ShapeError);
    expect(() => np.all(x, { axis: [0, 0] })).toThrow(/np\.all/);
    expect(() => np.any(x, { keepdim: true } as never)).toThrow(/np\.any: unknown option "keepdim"/);
  });
});

// ───────────────────────────── isclose, allclose, arrayEqual ─────────────────────────────

/** NumPy's isclose: |a − b| ≤ atol + rtol·|b|; ∞ close only to the same ∞; NaN to NaN only with equalNan. */
function iscloseRef(p: number, q: number, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
  if (Number.isNaN(p) || Number.isNaN(q)) return equalNan && Number.isNaN(p) && Number.isNaN(q);
  if (!Number.isFinite(p) || !Number.isFinite(q)) return p === q;
  return Math.abs(p - q) <= atol + rtol * Math.abs(q);
}

describe("isclose, allclose", () => {
  const P = [1, 1, 1, 0, 0, 1e-9, 100, -0, Infinity, Infinity, -Infinity, NaN, NaN, 1];
  const Q = [1 + 1e-6, 1.0001, 1 + 2e-5, 1e-8, 2e-8, 0, 100.001, 0, Infinity, -Infinity, 1e300, NaN, 1, NaN];

  it("defaults rtol = 1e-5, atol = 1e-8, equalNan = false (float64)", () => {
    expectTensor(
      np.isclose(f64(P), f64(Q)),
      P.map((p, i) => iscloseRef(p, Q[i]!)),
      "bool",
    );
    expectTensor(
      np.isclose(f64(P), f64(Q), { equalNan: true }),
      P.map((p, i) => iscloseRef(p, Q[i]!, 1e-5, 1e-8, true)),
    );
    expectTensor(
      np.isclose(f64(P), f64(Q), { rtol: 0, atol: 0.01 }),
      P.map((p, i) => iscloseRef(p, Q[i]!, 0, 0.01)),
    );
    // rtol positionally; the tolerance is relative to b (not symmetric), as NumPy
    expectTensor(np.isclose(f64([1]), f64([1.1]), 0.1), [true]);
    expectTensor(np.isclose(f64([1.1]), f64([1]), { rtol: 0.05, atol: 0 }), [false]);
  });

  it("integers compare as floats; broadcasting; empty and 0-d", () => {
    expectTensor(np.isclose(i32([1, 2]), i32([1, 3]), { atol: 1 }), [true, true]);
    expectTensor(np.isclose(i32([1, 2]), 1), [true, false]);
    expectTensor(np.isclose([[1], [2]], [1, 2]), [
      [true, false],
      [false, true],
    ]);
    expect(np.isclose(np.zeros([0]), 1).shape).toEqual([0]);
    expectTensor(np.allclose(np.zeros([0]), 1), true);
    expectTensor(np.isclose(1, 1 + 1e-9), true);
  });

  it("allclose is all(isclose) with the same options", () => {
    expectTensor(np.allclose(f64(P), f64(Q)), false, "bool");
    expectTensor(np.allclose([1, 2], [1, 2 + 1e-6]), true);
    expectTensor(np.allclose([NaN, 1], [NaN, 1]), false);
    expectTensor(np.allclose([NaN, 1], [NaN, 1], { equalNan: true }), true);
    expectTensor(np.allclose([1, Infinity], [1.05, Infinity], 0.1), true);
    expect(() => np.allclose([1], [1], { rtol: "x" } as never)).toThrow(TracegradError);
  });
});

describe("arrayEqual", () => {
  it("one shape and equal elements; shapes that differ are false, not broadcast", () => {
    expectTensor(np.arrayEqual([1, 2], [1, 2]), true, "bool");
    expectTensor(np.arrayEqual([1, 2], [1, 3]), false);
    expectTensor(np.arrayEqual([1, 2], [[1, 2]]), false);
    expectTensor(np.arrayEqual([1, 1], 1), false);
    expectTensor(np.arrayEqual(i32([1, 2]), [1, 2]), true);
    expectTensor(np.arrayEqual([-0], [0]), true);
    expectTensor(np.arrayEqual(np.zeros([0]), np.zeros([0])), true);
    expectTensor(np.arrayEqual(np.zeros([0]), np.zeros([0, 1])), false);
    expectTensor(np.arrayEqual(5, 5), true);
  });

  it("NaN is unequal unless equalNan (option or positional)", () => {
    expectTensor(np.arrayEqual([1, NaN], [1, NaN]), false);
    expectTensor(np.arrayEqual([1, NaN], [1, NaN], { equalNan: true }), true);
    expectTensor(np.arrayEqual([1, NaN], [1, NaN], true), true);
    expectTensor(np.arrayEqual([NaN], [1], true), false);
    expectTensor(np.arrayEqual(f64([Infinity]), [Infinity]), true);
    const e = catchError(() => np.arrayEqual([1], [1], "yes" as never), TracegradError);
    expect(e.message).toMatch(/np\.arrayEqual: equalNan/);
  });
});

describe("under jit and vmap; no gradient", () => {
  it("agree with eager evaluation", () => {
    const x = f64([
      [0, 1, NaN],
      [0, 0, 0],
      [1, 1e-9, 1],
    ]);
    const fns: ((t: Tensor) => Tensor)[] = [
      (t) => np.any(t, -1),
      (t) => np.all(t, { axis: 0, keepdims: true }),
      (t) => np.logicalXor(t, 1),
      np.logicalNot,
      (t) => np.isclose(t, 1e-9, { atol: 0 }),
      (t) => np.allclose(t, 0),
      (t) => np.arrayEqual(t, t, true),
    ];
    for (const f of fns) {
      const eager = valuesOf(f(x));
      expect(valuesOf(jit(f)(x))).toEqual(eager);
    }
    // vmap over rows: the per-row result, stacked
    for (const f of [(t: Tensor) => np.any(t), (t: Tensor) => np.allclose(t, 0), (t: Tensor) => np.arrayEqual(t, t)]) {
      const rows = [0, 1, 2].map((r) => valuesOf(f(x.slice(r)))[0]);
      expect(valuesOf(vmap(f)(x))).toEqual(rows);
    }
  });

  it("used in a differentiable function, contributes zero gradient", () => {
    const g = grad((t: Tensor) => np.where(np.isclose(t, 1), t, np.multiply(t, 2)).sum())(f64([1, 3]));
    expect(valuesOf(g)).toEqual([1, 2]);
    expect(() => np.any("x" as unknown as ArrayLike)).toThrow(/np\.any: x/);
  });
});
