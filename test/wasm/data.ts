// float32 test data shared by the WebAssembly tests (values with IEEE specials, well-conditioned ranges) and the
// bit-for-bit comparison they use.
import { mulberry32 as rng } from "../../src/core/random.js";

export const MIN_SUB = 2 ** -149;
export const MIN_NORMAL = 2 ** -126;
export const MAX_F32 = 3.4028234663852886e38;
export const SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  MIN_SUB,
  -MIN_SUB,
  MIN_NORMAL,
  -MIN_NORMAL,
  MAX_F32,
  -MAX_F32,
  1,
  -1,
];

/**
 * float32 values: mostly moderate magnitudes (2^−10..2^10, either sign), and some specials (NaN, ±Inf, ±0, subnormal
 * and max magnitudes), random subnormals and huge values (products overflow, quotients underflow). With `repeats`,
 * one in seven is drawn from a small set, so that equal operands (eq, ne, ties in max) come up. `seed` may be a
 * generator to continue.
 */
export function values(n: number, seed: number | (() => number), repeats = false): Float32Array {
  const r = typeof seed === "number" ? rng(seed) : seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = r();
    const sign = r() < 0.5 ? -1 : 1;
    if (c < 0.06) out[i] = SPECIALS[Math.floor(r() * SPECIALS.length)]!;
    else if (c < 0.1) out[i] = sign * r() * MIN_NORMAL;
    else if (c < 0.14) out[i] = sign * (1 + r()) * 2 ** (100 + Math.floor(r() * 27));
    else if (repeats && c < 0.28) out[i] = [0.5, -1.5, 2, 1.5, -2][Math.floor(r() * 5)]!;
    else out[i] = sign * (1 + r()) * 2 ** (Math.floor(r() * 21) - 10);
  }
  return out;
}

/** float32 values in [lo, hi) (well-conditioned inputs: transcendental chains, matmul layers). */
export function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** A value as the failure messages print it (−0 kept apart from +0). */
export const show = (v: number): string => (Object.is(v, -0) ? "-0" : String(v));

/** Bit-for-bit equality (any NaN matches any NaN; −0 ≠ +0); the differences. */
export function bitwise(got: ArrayLike<number>, want: ArrayLike<number>): string[] {
  if (got.length !== want.length) return [`length ${got.length} ≠ ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    const ok = Number.isNaN(g) || Number.isNaN(w) ? Number.isNaN(g) && Number.isNaN(w) : Object.is(g, w);
    if (!ok) bad.push(`[${i}] got ${show(g)}, want ${show(w)}`);
  }
  return bad;
}
