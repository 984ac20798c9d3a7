// The independent oracle of the `random` tests (and of the threefry kernel tests and the random benchmark's check):
// a plain Threefry-2x32 (20 rounds), written slowly from the paper and independent of src/; JAX's partitionable key
// derivations on top of it (JAX ≥ 0.5's default); and the float32 steps JAX's samplers take, emulated with
// Math.fround. keys.test.ts and test/primitives/threefry.test.ts check it against Random123's known answers and
// against values printed by JAX. No vitest here: bench/suites/random.ts imports it too.
//   key(seed)        = [seed >> 32, seed & 0xffffffff]
//   split(key, n)[i] = threefry(key, (0, i))
//   foldIn(key, d)   = threefry(key, (0, d))
//   bits(key, s)[i]  = y0 ^ y1 where (y0, y1) = threefry(key, (⌊i / 2³²⌋, i mod 2³²)), i the row-major flat index

// ---------------------------------------------------------------------------------------------------------------
// Threefry-2x32 and JAX's key derivations

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

/**
 * Threefry-2x32 with 20 rounds (Salmon et al., SC'11), in plain JS from the paper: rounds of 4 with the rotation
 * table, a key injection from the key schedule array after each.
 */
export function threefry(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]!) >>> 0;
  let b = (x1 + ks[1]!) >>> 0;
  for (let group = 0; group < 5; group++) {
    for (const r of ROTATIONS[group & 1]!) {
      a = (a + b) >>> 0;
      b = ((b << r) | (b >>> (32 - r))) >>> 0;
      b = (b ^ a) >>> 0;
    }
    a = (a + ks[(group + 1) % 3]!) >>> 0;
    b = (b + ks[(group + 2) % 3]! + group + 1) >>> 0;
  }
  return [a, b];
}

/** A key as its two uint32 words. */
export type Key = [number, number];

/** random.key(seed): the seed's high and low 32-bit words (seed a non-negative integer below 2⁶⁴). */
export const keyOf = (seed: number | bigint): Key => {
  const s = BigInt(seed);
  return [Number(s >> 32n), Number(s & 0xffffffffn)];
};
/** random.split(k, n): key i is both words of counter (0, i). */
export const splitOf = (k: Key, n: number): Key[] => Array.from({ length: n }, (_, i) => threefry(k[0], k[1], 0, i));
/** random.foldIn(k, d): both words of counter (0, d) (d as uint32). */
export const foldInOf = (k: Key, d: number): Key => threefry(k[0], k[1], 0, d >>> 0);
/** The first n words of random.bits(k, shape): word i is y0 ^ y1 of counter (⌊i / 2³²⌋, i mod 2³²). */
export const bitsOf = (k: Key, n: number): number[] =>
  Array.from({ length: n }, (_, i) => {
    const [y0, y1] = threefry(k[0], k[1], Math.floor(i / 2 ** 32), i % 2 ** 32);
    return (y0 ^ y1) >>> 0;
  });

// ---------------------------------------------------------------------------------------------------------------
// float32 steps

export const f32 = Math.fround;
const wordBuf = new Uint32Array(1);
const floatBuf = new Float32Array(wordBuf.buffer);
const intBuf = new Int32Array(wordBuf.buffer);

/** JAX's float32 mantissa trick: bitcast((w >>> 9) | 0x3f800000) − 1, exactly (the word's top 23 bits · 2⁻²³). */
export const unit32 = (w: number): number => {
  wordBuf[0] = (w >>> 9) | 0x3f800000;
  return floatBuf[0]! - 1;
};
/** float32 uniforms in [lo, hi) from words, as JAX: max(lo, u·(hi − lo) + lo), rounded to float32 at each step. */
export const uniform32OfWords = (words: readonly number[], lo: number, hi: number): number[] => {
  const [l, h] = [f32(lo), f32(hi)];
  const span = f32(h - l);
  return words.map((w) => Math.max(l, f32(f32(unit32(w) * span) + l)));
};
/** random.uniform(k, [n], { minval: lo, maxval: hi }) in float32. */
export const uniform32 = (k: Key, n: number, lo: number, hi: number): number[] =>
  uniform32OfWords(bitsOf(k, n), lo, hi);

// JAX's float32 erf_inv (lax.erf_inv → chlo.erf_inv → XLA's ErfInv32, openxla/xla xla/hlo/builder/lib/math.cc):
// M. Giles' single-precision fit, w = −log1p(−x²), a degree-8 polynomial in w − 2.5 (w < 5) or √w − 3, times x,
// every step rounded to float32. JAX's own values are that algorithm's, not erfinv's exact ones: its float32 normals
// are up to ~6·10⁻⁶ (relative) from √2·erfinv(u) in the tails (at −0.43359444 JAX is already 2 ulp from the exact
// −0.43359438).
/** Giles' single-precision coefficients of XLA's ErfInv32 (w < 5, in w − 2.5), highest power first. */
export const GILES_SMALL = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164,
  0.246640727, 1.50140941,
].map(f32);
const GILES_LARGE = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
  1.00167406, 2.83297682,
].map(f32);
export function erfInvXla32(x: number): number {
  let w = -f32(Math.log1p(-f32(x * x)));
  const small = w < 5;
  const c = small ? GILES_SMALL : GILES_LARGE;
  w = small ? f32(w - 2.5) : f32(f32(Math.sqrt(w)) - 3);
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = f32(c[i]! + f32(p * w));
  return f32(p * x);
}
/** JAX's float32 normals from words: f32(√2)·erf_inv(u), u uniform in (−1, 1), in float32 arithmetic as XLA. */
export const normal32OfWords = (words: readonly number[]): number[] =>
  uniform32OfWords(words, -1 + 2 ** -24, 1).map((u) => f32(f32(Math.SQRT2) * erfInvXla32(u)));

/** A float32's bits as an integer that orders like the float (−x ↦ −bits(x)), so differences count ulps. */
export const ordered32 = (x: number): number => {
  floatBuf[0] = x;
  const i = intBuf[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
};
/** ulps between float32 values a and b (each rounded to float32). */
export const ulps32 = (a: number, b: number): number => Math.abs(ordered32(a) - ordered32(f32(b)));
