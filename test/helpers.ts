// Shared test helpers: tolerant comparison of tensors against plain-JS expectations.

import { type ArrayLike, np, Tensor } from "tracegrad";
import { expect } from "vitest";

export type Nested = number | boolean | Nested[];

/** A float64 tensor of `v`. */
export const f64 = (v: ArrayLike): Tensor => np.array(v, { dtype: "float64" });
/** An int32 tensor of `v`. */
export const i32 = (v: ArrayLike): Tensor => np.array(v, { dtype: "int32" });

/** Shape of a nested JS array (rectangular). */
export function shapeOfNested(x: Nested): number[] {
  const s: number[] = [];
  for (let v: Nested = x; Array.isArray(v); v = v[0]!) s.push(v.length);
  return s;
}

/** Row-major flattening of a nested JS array. */
export function flatNested(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flatNested) : [Number(x)];
}

/** The tensor's values as plain numbers (row-major). */
export function valuesOf(t: Tensor): number[] {
  return Array.from(t.toTypedArray(), Number);
}

export interface Tol {
  rtol?: number;
  atol?: number;
}

/** Asserts `actual` is a Tensor of `expected`'s shape whose values match within |a − e| ≤ atol + rtol·|e|. */
export function expectClose(actual: unknown, expected: Nested, { rtol = 1e-5, atol = 1e-6 }: Tol = {}): void {
  expect(actual).toBeInstanceOf(Tensor);
  const t = actual as Tensor;
  expect(t.shape).toEqual(shapeOfNested(expected));
  const a = valuesOf(t);
  const e = flatNested(expected);
  const bad = a.flatMap((v, i) => {
    const w = e[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(v) : Math.abs(v - w) <= atol + rtol * Math.abs(w);
    return ok ? [] : [`[${i}] got ${v}, expected ${w}`];
  });
  expect(bad, `values differ:\n${bad.slice(0, 8).join("\n")}`).toEqual([]);
}

/** Asserts exact equality of values, shape and dtype. */
export function expectTensor(actual: unknown, expected: Nested, dtype?: Tensor["dtype"]): void {
  expect(actual).toBeInstanceOf(Tensor);
  const t = actual as Tensor;
  if (dtype) expect(t.dtype).toBe(dtype);
  expect(t.shape).toEqual(shapeOfNested(expected));
  expect(noNegativeZero(t.toArray() as Nested)).toEqual(noNegativeZero(expected));
}

/** −0 → 0 throughout (toEqual tells them apart; the tests do not care). */
function noNegativeZero(x: Nested): Nested {
  return Array.isArray(x) ? x.map(noNegativeZero) : typeof x === "number" ? x + 0 : x;
}

/** Runs `f`, expecting it to throw an instance of `cls`; returns the error for message checks. */
/** What calling `f` throws (the very value), or undefined when it returns. */
export function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

export function catchError<E extends Error>(f: () => unknown, cls: abstract new (...args: never[]) => E): E {
  const caught = thrownBy(f);
  expect(caught, "expected an error to be thrown").toBeInstanceOf(cls);
  return caught as E;
}

// element counts, row-major strides and multi-indices: the independent references' own
export { sizeOf as size, stridesOf as strides, unravel } from "../property-tests/np_reference.js";
/** A small deterministic PRNG (mulberry32), so random cases are reproducible. */
export { mulberry32 as rng } from "../src/core/random.js";

/** Central differences of scalar `f` at flat float64 data `x` of `shape`, as a flat list (an independent gradient). */
export function numGrad(f: (x: Tensor) => Tensor, x: number[], shape: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const at = (d: number) =>
      f(
        np.reshape(
          np.array(
            x.map((v, k) => (k === i ? v + d : v)),
            { dtype: "float64" },
          ),
          shape,
        ),
      ).item() as number;
    return (at(h) - at(-h)) / (2 * h);
  });
}
