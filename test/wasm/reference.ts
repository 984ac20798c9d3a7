// A plain-JS reference for float32 dot_general, shared by test/wasm/sgemm.test.ts, dgemm.test.ts and
// property-tests/wasm_sgemm.test.ts: each output element summed over the flattened contraction index in
// dimension-number order, both in float32 (acc = fround(acc + fround(a·b)) from +0) and in float64, with Σ|a·b|
// for error bounds; and a bitwise comparison of float32 results.

import { sizeOf, stridesOf } from "../../property-tests/np_reference.js";
import type { Strides3 } from "../../src/wasm/runtime.js";
import { show } from "./data.js";

export type DN = readonly [
  readonly [readonly number[], readonly number[]],
  readonly [readonly number[], readonly number[]],
];
export type Data = Float32Array | Float64Array;

/** The float32 unit roundoff. */
export const U = 2 ** -24;

export { sizeOf };

/** Element offsets of every index of the axes `axes` (flattened row-major in the given order). */
export function offsets(shape: readonly number[], axes: readonly number[]): number[] {
  const st = stridesOf(shape);
  let offs = [0];
  for (const a of axes) {
    const next: number[] = [];
    for (const o of offs) for (let i = 0; i < shape[a]!; i++) next.push(o + i * st[a]!);
    offs = next;
  }
  return offs;
}

export interface Ref {
  shape: number[];
  /** float32-sequential sums. */
  f32: Float64Array;
  /** float64-sequential sums. */
  f64: Float64Array;
  /** Σ|a||b| per element (for error bounds). */
  absSum: Float64Array;
  k: number;
}

/**
 * dot_general by definition, float32-sequential and float64-sequential, and Σ|a·b| per element: result axes batch,
 * lhs free, rhs free; contraction flattened in the `lc` order.
 */
export function reference(
  a: Data,
  as: readonly number[],
  b: Data,
  bs: readonly number[],
  [[lc, rc], [lb, rb]]: DN,
): Ref {
  const free = (n: number, ...used: (readonly number[])[]) =>
    Array.from({ length: n }, (_, i) => i).filter((i) => !used.some((u) => u.includes(i)));
  const lf = free(as.length, lc, lb);
  const rf = free(bs.length, rc, rb);
  const [aB, aF, aC] = [offsets(as, lb), offsets(as, lf), offsets(as, lc)];
  const [bB, bF, bC] = [offsets(bs, rb), offsets(bs, rf), offsets(bs, rc)];
  const shape = [...lb.map((d) => as[d]!), ...lf.map((d) => as[d]!), ...rf.map((d) => bs[d]!)];
  const n = sizeOf(shape);
  const [f32, f64, absSum] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const f = Math.fround;
  let o = 0;
  for (let q = 0; q < aB.length; q++)
    for (const ai of aF)
      for (const bj of bF) {
        let s = 0;
        let d = 0;
        let t = 0;
        for (let p = 0; p < aC.length; p++) {
          const xy = a[aB[q]! + ai + aC[p]!]! * b[bB[q]! + bj + bC[p]!]!;
          s = f(s + f(xy));
          d += xy;
          t += Math.abs(xy);
        }
        f32[o] = s;
        f64[o] = d;
        absSum[o++] = t;
      }
  return { shape, f32, f64, absSum, k: aC.length };
}

/** Bit-for-bit equality of float32 results (any NaN matches any NaN); returns the mismatches. */
export function bitwiseDiff(got: Float32Array, want: ArrayLike<number>): string[] {
  const wf = Float32Array.from(want);
  const [gb, wb] = [new Uint32Array(got.buffer, got.byteOffset, got.length), new Uint32Array(wf.buffer)];
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const ok =
      Number.isNaN(got[i]) || Number.isNaN(wf[i]) ? Number.isNaN(got[i]) && Number.isNaN(wf[i]) : gb[i] === wb[i];
    if (!ok) bad.push(`[${i}] got ${show(got[i]!)}, want ${show(wf[i]!)}`);
  }
  return bad;
}

/** Values of assorted magnitudes 2^−4…2^3 (so that the order of rounding matters). */
export function randData(r: () => number, n: number, dtype: "float32" | "float64" = "float32"): Data {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * 2 ** (Math.floor(r() * 8) - 4);
  return out;
}

/**
 * The reference for the kernels' own view, A [nb, m, k] and B [nb, k, n] through element strides: the float32 sum,
 * the float64 one (s += a·b from +0, unfused: what the float64 kernel must match bit for bit) and Σ|a·b|.
 */
export function refStrided(
  a: Data,
  [sab, sm, sk]: Strides3,
  b: Data,
  [sbb, sk2, sn]: Strides3,
  nb: number,
  m: number,
  k: number,
  n: number,
): Ref {
  const [f32, f64, absSum] = [new Float64Array(nb * m * n), new Float64Array(nb * m * n), new Float64Array(nb * m * n)];
  const f = Math.fround;
  for (let q = 0; q < nb; q++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let d = 0;
        let t = 0;
        for (let p = 0; p < k; p++) {
          const xy = a[q * sab + i * sm + p * sk]! * b[q * sbb + p * sk2 + j * sn]!;
          s = f(s + f(xy));
          d += xy;
          t += Math.abs(xy);
        }
        f32[(q * m + i) * n + j] = s;
        f64[(q * m + i) * n + j] = d;
        absSum[(q * m + i) * n + j] = t;
      }
  return { shape: [nb, m, n], f32, f64, absSum, k };
}
