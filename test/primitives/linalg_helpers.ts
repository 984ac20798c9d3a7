// For the linear-algebra tests: plain-JS matrices (row arrays: products, transposes, the matrices of a batched
// tensor, comparisons) and the derivative checks they share.
import { type DType, jvp, np, type Tensor, vjp } from "tracegrad";
import { expect } from "vitest";
import { f64, valuesOf } from "../helpers.js";

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

// Derivative checks in float64: JVP vs central differences (inputs shifted in JS), VJP vs JVP by the inner product,
// and (unless `second` is false) the second derivative, forward over forward vs central differences of the JVP and
// reverse over forward by the inner product.

export const EPS = 1e-6;
const shifted = (x: Tensor, v: Tensor, s: number): Tensor => {
  const [xv, vv] = [valuesOf(x), valuesOf(v)];
  return np.reshape(f64(xv.map((a, i) => a + s * EPS * vv[i]!)), x.shape);
};
export const centralDiff = (f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): number[] => {
  const [p, m] = [valuesOf(f(shifted(x, v, 1))), valuesOf(f(shifted(x, v, -1)))];
  return p.map((a, i) => (a - m[i]!) / (2 * EPS));
};
export const dotV = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
export function expectAllClose(what: string, got: number[], want: number[], tol: number): void {
  const scale = Math.max(1, ...want.map(Math.abs));
  const worst = Math.max(0, ...got.map((g, i) => Math.abs(g - want[i]!)));
  expect(worst, `${what}: max |difference| (scale ${scale})`).toBeLessThanOrEqual(tol * scale);
}
export const randomLike = (next: () => number, x: Tensor): Tensor =>
  np.reshape(f64(valuesOf(x).map(() => 2 * next() - 1)), x.shape);

export function checkDerivatives(f: (x: Tensor) => Tensor, x: Tensor, next: () => number, second = true): void {
  const [v, w] = [randomLike(next, x), randomLike(next, x)];
  const [y, t] = jvp(f, [x], [v]);
  expectAllClose("JVP vs central differences", valuesOf(t), centralDiff(f, x, v), 1e-6);
  const u = randomLike(next, y);
  const [ct] = vjp(f, x)[1](u);
  const lhs = dotV(valuesOf(u), valuesOf(t));
  expect(Math.abs(lhs - dotV(valuesOf(ct!), valuesOf(v))), "<u, jvp(v)> − <vjp(u), v>").toBeLessThan(
    1e-10 * Math.max(1, Math.abs(lhs)),
  );
  if (!second) return;
  const h = (z: Tensor) => jvp(f, [z], [v])[1];
  const [, hw] = jvp(h, [x], [w]);
  expectAllClose("forward over forward vs central differences of the JVP", valuesOf(hw), centralDiff(h, x, w), 1e-5);
  const [ctH] = vjp(h, x)[1](u);
  const ref = dotV(valuesOf(u), valuesOf(hw));
  expect(Math.abs(dotV(valuesOf(ctH!), valuesOf(w)) - ref), "reverse over forward").toBeLessThan(
    1e-9 * Math.max(1, Math.abs(ref)),
  );
}
