// Independent numerical helpers: tensors from plain data, float64 central differences, inner products, tolerant compares.

import { type DType, np, type Tensor } from "tracegrad";
import { expect } from "vitest";

/** Tolerances of a compare: |actual − expected| ≤ atol·max(1, ‖expected‖∞) + rtol·|expected|. */
export interface Tol {
  atol: number;
  rtol: number;
}

/** Forward derivatives against float64 central differences (step 1e-6): truncation ~1e-12, round-off ~1e-10·|f|. */
export const FD_TOL: Tol = { atol: 1e-6, rtol: 1e-5 };
/** Two analytic float64 computations of one quantity (different operation orders). */
export const EXACT_TOL: Tol = { atol: 1e-10, rtol: 1e-9 };
/** A float32 computation against float64 on the same float32-representable inputs (accumulated rounding). */
export const FLOAT32_TOL: Tol = { atol: 1e-5, rtol: 1e-5 };
export const FD_EPS = 1e-6;

/** A tensor of `shape` and `dtype` from row-major plain values. */
export function tensorOf(
  values: readonly (number | boolean)[] | Float64Array,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  const nums = Array.from(values, Number);
  const data =
    dtype === "bool"
      ? Uint8Array.from(nums)
      : dtype === "int32"
        ? Int32Array.from(nums)
        : dtype === "float32"
          ? Float32Array.from(nums)
          : Float64Array.from(nums);
  return np.reshape(np.array(data, { dtype }), shape);
}

/** The values of a concrete tensor as float64, row-major. */
export const valuesOf = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());

export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/**
 * (f(x + εv) − f(x − εv)) / 2ε, with the shifted inputs computed in JS float64 (not with library ops).
 * Inputs whose direction is null are held fixed.
 */
export function centralDifference(
  f: (xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  vs: readonly (Float64Array | null)[],
  eps = FD_EPS,
): Float64Array {
  const shifted = (sign: number) =>
    xs.map((x, i) => {
      const v = vs[i];
      if (!v) return x;
      const base = valuesOf(x);
      return tensorOf(
        base.map((b, k) => b + sign * eps * v[k]!),
        x.shape,
        x.dtype,
      );
    });
  const plus = valuesOf(f(shifted(1)));
  const minus = valuesOf(f(shifted(-1)));
  return plus.map((p, k) => (p - minus[k]!) / (2 * eps));
}

/** Σ a·b over several arrays, and Σ |a·b| (the scale its round-off error is relative to). */
export function innerProduct(
  as: readonly ArrayLike<number>[],
  bs: readonly ArrayLike<number>[],
): { value: number; scale: number } {
  if (as.length !== bs.length) throw new Error(`innerProduct: ${as.length} arrays vs ${bs.length}`);
  let value = 0;
  let scale = 0;
  as.forEach((a, i) => {
    const b = bs[i]!;
    if (a.length !== b.length) throw new Error(`innerProduct: array ${i} has ${a.length} vs ${b.length} elements`);
    for (let k = 0; k < a.length; k++) {
      value += a[k]! * b[k]!;
      scale += Math.abs(a[k]! * b[k]!);
    }
  });
  return { value, scale };
}

const fmt = (a: ArrayLike<number>): string => {
  const xs = Array.from(a)
    .slice(0, 12)
    .map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(10)));
  return `[${xs.join(", ")}${a.length > 12 ? `, … (${a.length} values)` : ""}]`;
};

/** Throws a readable error unless `actual` ≈ `expected` elementwise (both finite). */
export function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  const atol = tol.atol * Math.max(1, maxAbs(expected));
  for (let k = 0; k < actual.length; k++) {
    const [a, e] = [actual[k]!, expected[k]!];
    const err = Math.abs(a - e);
    if (!(Number.isFinite(a) && Number.isFinite(e) && err <= atol + tol.rtol * Math.abs(e))) {
      throw new Error(
        `${what}: element ${k} is ${a}, expected ${e} (|diff| ${err.toExponential(2)} > ${(atol + tol.rtol * Math.abs(e)).toExponential(2)})\n` +
          `  actual   ${fmt(actual)}\n  expected ${fmt(expected)}`,
      );
    }
  }
}

/** Throws unless both sides of an identity agree relative to the size of the terms summed. */
export function expectIdentity(
  what: string,
  lhs: { value: number; scale: number },
  rhs: { value: number; scale: number },
  rtol = 1e-9,
): void {
  const bound = rtol * (1 + lhs.scale + rhs.scale);
  const err = Math.abs(lhs.value - rhs.value);
  if (!(err <= bound))
    throw new Error(
      `${what}: ${lhs.value} vs ${rhs.value} (|diff| ${err.toExponential(2)} > ${bound.toExponential(2)})`,
    );
}

/** Throws unless two typed arrays hold the same bits (Object.is per element: NaN = NaN, 0 ≠ −0). */
export function expectBitwise(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], expected[k]))
      throw new Error(
        `${what}: element ${k} is ${actual[k]}, expected ${expected[k]} bit for bit\n  actual   ${fmt(actual)}\n  expected ${fmt(expected)}`,
      );
  }
}

/** Same shape, dtype and bits. */
export function expectSame(what: string, got: Tensor, want: Tensor): void {
  expect({ shape: [...got.shape], dtype: got.dtype }, `${what}: shape and dtype`).toEqual({
    shape: [...want.shape],
    dtype: want.dtype,
  });
  expectBitwise(what, got.toTypedArray(), want.toTypedArray());
}

/** The same number of outputs, each with the same shape, dtype and bits. */
export const expectAllSame = (what: string, got: readonly Tensor[], want: readonly Tensor[]): void => {
  expect(got.length, `${what}: number of outputs`).toBe(want.length);
  got.forEach((g, i) => expectSame(`${what} [${i}]`, g, want[i]!));
};

/** Throws unless every value is exactly zero (either sign). */
export function expectZero(what: string, actual: ArrayLike<number>): void {
  for (let k = 0; k < actual.length; k++) {
    if (actual[k] !== 0)
      throw new Error(`${what}: element ${k} is ${actual[k]}, expected exactly 0; values ${fmt(actual)}`);
  }
}
