// The float64 eigh kernel (Householder tridiagonalization + implicit QL) on its own: residual and orthonormality for
// random, structured and badly scaled symmetric matrices, repeated eigenvalues, order (sorted or not), NaN input.
import { describe, expect, it } from "vitest";
import { symmetricEigh } from "../../src/primitives/linalg/eigh.js";
import { rng } from "../helpers.js";

function solve(a: number[][], sort = true): { v: Float64Array; w: Float64Array } {
  const n = a.length;
  const s = Float64Array.from(a.flat());
  const v = new Float64Array(n * n);
  const w = new Float64Array(n);
  symmetricEigh(s, n, v, w, sort);
  return { v, w };
}

/** max |A·V − V·diag(w)| / max|A| (computed on A / max|A|, so subnormal inputs keep their digits) and max |VᵀV − I|. */
function errors(a: number[][], v: Float64Array, w: Float64Array): [number, number] {
  const n = a.length;
  const amax = Math.max(Number.MIN_VALUE, ...a.flat().map(Math.abs));
  let [res, orth] = [0, 0];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let [av, vv] = [0, 0];
      for (let k = 0; k < n; k++) {
        av += (a[i]![k]! / amax) * v[k * n + j]!;
        vv += v[k * n + i]! * v[k * n + j]!;
      }
      res = Math.max(res, Math.abs(av - v[i * n + j]! * (w[j]! / amax)));
      orth = Math.max(orth, Math.abs(vv - (i === j ? 1 : 0)));
    }
  return [res, orth];
}

/** The symmetric matrix with lower triangle f(i, j), i ≥ j (each entry computed once, so f may draw randoms). */
function symmetric(n: number, f: (i: number, j: number) => number): number[][] {
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i]![j] = a[j]![i] = f(i, j);
  return a;
}

function expectGood(name: string, a: number[][], sort = true, resTol = 1e-14): Float64Array {
  const { v, w } = solve(a, sort);
  const [res, orth] = errors(a, v, w);
  const n = a.length;
  expect(res, `${name}: residual`).toBeLessThan(resTol * Math.max(n, 4));
  expect(orth, `${name}: orthonormality`).toBeLessThan(1e-14 * Math.max(n, 4));
  if (sort)
    expect(
      w.every((x, j) => j === 0 || x >= w[j - 1]!),
      `${name}: ascending`,
    ).toBe(true);
  return w;
}

describe("symmetricEigh kernel", () => {
  it("random matrices of many sizes, sorted and unsorted (same eigenvalues as a set)", () => {
    const next = rng(7);
    for (const n of [0, 1, 2, 3, 4, 5, 8, 13, 32, 34, 50, 70]) {
      const a = symmetric(n, () => next() * 4 - 2);
      const sorted = expectGood(`random ${n}`, a);
      const unsorted = expectGood(`random ${n}, unsorted`, a, false);
      const resorted = [...unsorted].sort((x, y) => x - y);
      resorted.forEach((x, i) => expect(Math.abs(x - sorted[i]!)).toBeLessThan(1e-13 * Math.max(n, 1)));
    }
  });

  it("structured: zero, identity, diagonal, all ones (repeated eigenvalues), tridiagonal, block diagonal", () => {
    expect([
      ...expectGood(
        "zero",
        symmetric(4, () => 0),
      ),
    ]).toEqual([0, 0, 0, 0]);
    expect([
      ...expectGood(
        "identity",
        symmetric(5, (i, j) => +(i === j)),
      ),
    ]).toEqual([1, 1, 1, 1, 1]);
    expect([
      ...expectGood(
        "diagonal",
        symmetric(4, (i, j) => (i === j ? [3, -1, 2, 0][i]! : 0)),
      ),
    ]).toEqual([-1, 0, 2, 3]);
    const ones = expectGood(
      "ones",
      symmetric(6, () => 1),
    );
    ones.slice(0, 5).forEach((x) => expect(Math.abs(x)).toBeLessThan(1e-14));
    expect(ones[5]).toBeCloseTo(6, 13);
    // Wilkinson's W21+: close pairs of eigenvalues
    const wilk = expectGood(
      "W21+",
      symmetric(21, (i, j) => (i === j ? Math.abs(10 - i) : i - j === 1 ? 1 : 0)),
    );
    expect(wilk[20]).toBeCloseTo(10.746194182903393, 12);
    // second difference matrix: eigenvalues 2 − 2cos(kπ/(n+1))
    const n = 30;
    const lap = expectGood(
      "laplacian",
      symmetric(n, (i, j) => (i === j ? 2 : i - j === 1 ? -1 : 0)),
    );
    lap.forEach((x, k) => expect(x).toBeCloseTo(2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)), 13));
    const next = rng(8);
    expectGood(
      "block diagonal",
      symmetric(10, (i, j) => (i < 5 === j < 5 ? next() : 0)),
    );
  });

  it("badly scaled: entries near the overflow and underflow limits, and graded", () => {
    const next = rng(9);
    const base = symmetric(12, () => next() - 0.5);
    const ref = solve(base).w;
    for (const scale of [1e300, 1e-300, 2 ** -1060, 1e-150, 1e150]) {
      // subnormal: the input and the eigenvalues themselves carry only a few digits (ulp 2⁻¹⁰⁷⁴ ≈ 6e-5 relative here)
      const tol = scale < 1e-305 ? 1e-3 : 1e-13;
      const w = expectGood(
        `scale ${scale}`,
        base.map((r) => r.map((x) => x * scale)),
        true,
        scale < 1e-305 ? 1e-3 : 1e-14,
      );
      w.forEach((x, i) => expect(Math.abs(x / scale - ref[i]!)).toBeLessThan(tol));
    }
    // graded: the small eigenvalue keeps its relative accuracy well enough for a residual test
    expectGood(
      "graded",
      symmetric(6, (i, j) => 10 ** (-2 * (i + j)) * (i === j ? 1 : 0.3)),
    );
  });

  it("non-finite input gives NaN everywhere", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const { v, w } = solve(symmetric(3, (i, j) => (i === 2 && j === 1 ? bad : 1)));
      expect([...v, ...w].every(Number.isNaN)).toBe(true);
    }
  });
});
