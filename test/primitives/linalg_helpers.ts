// Plain-JS matrices (row arrays) for the linear-algebra tests: products, transposes, the matrices of a batched
// tensor, and comparisons.
import { type DType, np, type Tensor } from "tracegrad";
import { expect } from "vitest";
import { valuesOf } from "../helpers.js";

export type Mat = number[][];

export const zerosM = (m: number, n: number): Mat => Array.from({ length: m }, () => new Array<number>(n).fill(0));

export const eyeM = (n: number): Mat => zerosM(n, n).map((r, i) => r.map((_, j) => (i === j ? 1 : 0)));

export const T = (a: Mat): Mat => (a[0] ?? []).map((_, j) => a.map((r) => r[j]!));

export function mm(a: Mat, b: Mat): Mat {
  const [m, k, n] = [a.length, b.length, b[0]?.length ?? 0];
  const c = zerosM(m, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) c[i]![j]! += a[i]![t]! * b[t]![j]!;
  return c;
}

export const arr = (x: unknown, dtype: DType) => np.array(x as number[], { dtype });

export const maxDiff = (a: Mat, b: Mat): number =>
  Math.max(0, ...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i]![j]!))));

export const expectMatClose = (what: string, a: Mat, b: Mat, tol: number) =>
  expect(maxDiff(a, b), `${what}: max |difference|`).toBeLessThanOrEqual(tol);

/** The matrices of a tensor [..., m, n], as plain arrays. */
export function matsOf(t: Tensor): Mat[] {
  const [m, n] = t.shape.slice(-2) as [number, number];
  const v = valuesOf(t);
  const count = v.length / (m * n);
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: m }, (_, i) => v.slice(b * m * n + i * n, b * m * n + (i + 1) * n)),
  );
}
