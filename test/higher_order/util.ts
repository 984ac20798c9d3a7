// Shared by the control-flow tests: float64 constructors, reproducible data, central finite differences of plain-JS
// references (the independent side of every derivative check), a recursive equation count of a jaxpr, and a check
// of an exact error class.

import { expect } from "vitest";
import { type ClosedJaxpr, type Jaxpr, np, type Tensor, type TracegradError } from "../../src/index.js";
import { catchError, rng } from "../helpers.js";

type Nest = number | Nest[];

/** A float64 tensor of nested JS numbers. */
export const f64 = (v: Nest): Tensor => np.array(v as number[], { dtype: "float64" });
/** An int32 tensor of nested JS numbers. */
export const i32 = (v: Nest): Tensor => np.array(v as number[], { dtype: "int32" });

/** Tolerance of float64 finite-difference checks (step 1e-6: truncation ~1e-12, rounding ~1e-10). */
export const FD_TOL = { rtol: 1e-6, atol: 1e-8 };
/** Tolerance of float64 value checks against JS float64 loops (same operations, maybe reassociated). */
export const F64_TOL = { rtol: 1e-12, atol: 1e-12 };

/** `n` reproducible values in [lo, hi). */
export function data(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** An `rows × cols` matrix of reproducible values in [lo, hi). */
export function matrix(rows: number, cols: number, seed: number, lo = -1, hi = 1): number[][] {
  const d = data(rows * cols, seed, lo, hi);
  return Array.from({ length: rows }, (_, i) => d.slice(i * cols, (i + 1) * cols));
}

/** Central differences of a scalar JS function of a flat vector: ∂f/∂x_i for every i. */
export function fdGrad(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += h;
    minus[i]! -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Central differences of a vector JS function: the Jacobian J[o][i] = ∂f_o/∂x_i. */
export function fdJac(f: (x: number[]) => number[], x: readonly number[], h = 1e-6): number[][] {
  const cols = x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += h;
    minus[i]! -= h;
    const [a, b] = [f(plus), f(minus)];
    return a.map((v, o) => (v - b[o]!) / (2 * h));
  });
  return cols[0]!.map((_, o) => cols.map((c) => c[o]!));
}

/** Second derivative of a scalar JS function of one number, by central differences. */
export const fd2 = (f: (x: number) => number, x: number, h = 1e-4): number =>
  (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);

/** Reshapes a flat array into rows of `cols`. */
export const rows = (flat: readonly number[], cols: number): number[][] =>
  Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));

/** Plain-JS matrix-vector product. */
export const matvec = (m: readonly (readonly number[])[], v: readonly number[]): number[] =>
  m.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));

function subJaxprs(params: unknown): Jaxpr[] {
  const out: Jaxpr[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object" && "jaxpr" in v && "consts" in v) out.push((v as ClosedJaxpr).jaxpr);
  };
  if (params && typeof params === "object") Object.values(params).forEach(visit);
  return out;
}

/** Equations of a jaxpr, counting those of the jaxprs nested in its equations' params (scan bodies, branches, …). */
export function countEqns(j: Jaxpr): number {
  return j.eqns.reduce((n, e) => n + 1 + subJaxprs(e.params).reduce((m, s) => m + countEqns(s), 0), 0);
}

/** The names of the primitives a jaxpr binds, recursively, in order. */
export function primitivesOf(j: Jaxpr): string[] {
  return j.eqns.flatMap((e) => [e.prim.name, ...subJaxprs(e.params).flatMap(primitivesOf)]);
}

/** Tolerance of second derivatives against second central differences (h = 1e-4: error ~1e-8). */
export const FD2_TOL = { rtol: 1e-5, atol: 1e-6 };

/** Mixed second partial ∂²f/∂x_i∂x_j of a JS function, by central differences. */
export function fdHess(f: (x: number[]) => number, x: readonly number[], h = 1e-4): number[][] {
  const at = (i: number, di: number, j: number, dj: number) => {
    const y = [...x];
    y[i]! += di;
    y[j]! += dj;
    return f(y);
  };
  return x.map((_, i) =>
    x.map((_, j) => (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h)),
  );
}

/** A diagonal matrix. */
export const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));

/** Asserts `f` throws exactly class `cls` (not a subclass), returning the message. */
export function errorOf(f: () => unknown, cls: typeof TracegradError): string {
  const e = catchError(f, cls);
  expect(e.constructor).toBe(cls);
  return e.message;
}
