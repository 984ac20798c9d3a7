// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the block
// function of JAX's PRNG: two 32-bit counter words encrypted under a two-word key. The kernels of the threefry2x32
// primitive and of random bits (issue 15): long arrays run in the eager backend's WebAssembly SIMD kernels where it
// is ready (wasm/threefry.ts), everything else in the plain-JS loops below, which give the same bits.
//
// The JS loops are unrolled by hand: the key schedule lives in locals, every addition wraps with `| 0` (int32 holds
// the same 32 bits as uint32; the stores into Uint32Array make them unsigned), and a rotation is
// `(b << r) | (b >>> 32 - r)`, which V8 compiles to one rotate instruction. `>>> 0` instead of `| 0` measures the
// same. Loop invariants are computed in the function that runs the loop, from typed-array loads: V8's optimized
// code then holds them as int32, where invariants passed in as arguments (or live across an on-stack replacement
// of a long first call) stay tagged and are untagged at every use, which measured up to twice as slow.
import { type EagerBackend, eagerBackend } from "../eager_backend.js";

/** The key-schedule parity constant of Threefry-2x32. */
const PARITY = 0x1bd11bda;
/** 2³²: counters of random bits are a 64-bit iota split into a high and a low word. */
const WORD = 2 ** 32;

/** The backend, where it is ready and its Threefry kernels pay for `size` elements. */
function fast(size: number): EagerBackend | undefined {
  const b = eagerBackend();
  return b && size >= (b.threefryMinElements ?? Infinity) && b.ready() ? b : undefined;
}

/**
 * `out0[i], out1[i]` = Threefry-2x32(key, counter (x0[i], x1[i])) for every i, where the key is (k0[0], k1[0]) for
 * all when `k0` and `k1` have one element, else (k0[i], k1[i]) (keys of x0's length). x0 is the counter's high word,
 * x1 its low one (JAX's order). The outputs may be the inputs (computed in place, `out0 === x0`, `out1 === x1`).
 */
export function threefry2x32(
  k0: Uint32Array,
  k1: Uint32Array,
  x0: Uint32Array,
  x1: Uint32Array,
  out0: Uint32Array,
  out1: Uint32Array,
): void {
  const n = x0.length;
  if (x1.length !== n || out0.length !== n || out1.length !== n)
    throw new RangeError(`threefry2x32: counters and outputs of lengths ${[x0, x1, out0, out1].map((a) => a.length)}`);
  if (k0.length !== k1.length || (k0.length !== 1 && k0.length !== n))
    throw new RangeError(`threefry2x32: keys of lengths ${k0.length}, ${k1.length} for ${n} counters (want 1 or ${n})`);
  if (n === 0) return;
  if (fast(n)?.threefry2x32?.(k0, k1, x0, x1, out0, out1)) return;
  jsThreefry(k0, k1, x0, x1, out0, out1);
}

/**
 * JAX's partitionable `random_bits` for 32-bit words, for K keys at once: `keys` holds them as pairs (k0 at 2k, k1 at
 * 2k + 1); out[k·n + i] = y0 ^ y1 where (y0, y1) = Threefry-2x32(key k, counter (⌊i / 2³²⌋, i mod 2³²)). The counters
 * are never materialized.
 */
export function threefryBits(keys: Uint32Array, n: number, out: Uint32Array): void {
  if (keys.length % 2 !== 0) throw new RangeError(`threefryBits: ${keys.length} key words are not pairs`);
  if (!Number.isInteger(n) || n < 0 || out.length !== (keys.length / 2) * n)
    throw new RangeError(`threefryBits: ${out.length} outputs for ${keys.length / 2} keys of ${n} words`);
  if (out.length === 0) return;
  if (fast(out.length)?.threefryBits?.(keys, n, out)) return;
  jsBits(keys, n, out);
}

/**
 * The JS loop of threefry2x32. Each counter reads its key (index 0 for one key for all) and derives the schedule:
 * those few operations keep the key words int32 in every compiled form of the loop; a schedule hoisted out of the
 * loop ran at half speed in the code V8 compiles for a long first call (on-stack replacement) and stayed there.
 */
function jsThreefry(
  k0: Uint32Array,
  k1: Uint32Array,
  x0: Uint32Array,
  x1: Uint32Array,
  out0: Uint32Array,
  out1: Uint32Array,
): void {
  const perKey = k0.length === 1 ? 0 : -1;
  for (let i = 0, n = x0.length; i < n; i++) {
    const ks0 = k0[i & perKey]! | 0;
    const ks1 = k1[i & perKey]! | 0;
    const ks2 = ks0 ^ ks1 ^ PARITY;
    let a = (x0[i]! + ks0) | 0;
    let b = (x1[i]! + ks1) | 0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    // key injection 1 (after rounds 1–4)
    a = (a + ks1) | 0;
    b = (b + ks2 + 1) | 0;
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    // key injection 2 (after rounds 5–8)
    a = (a + ks2) | 0;
    b = (b + ks0 + 2) | 0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    // key injection 3 (after rounds 9–12)
    a = (a + ks0) | 0;
    b = (b + ks1 + 3) | 0;
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    // key injection 4 (after rounds 13–16)
    a = (a + ks1) | 0;
    b = (b + ks2 + 4) | 0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    // key injection 5 (after rounds 17–20)
    a = (a + ks2) | 0;
    b = (b + ks0 + 5) | 0;
    out0[i] = a;
    out1[i] = b;
  }
}

/** The JS loop of threefryBits: per key and run of 2³² low words, the schedule in locals, then the words. */
function jsBits(keys: Uint32Array, n: number, out: Uint32Array): void {
  for (let k = 0; k < keys.length; k += 2) {
    for (let s = 0; s < n; s += WORD) {
      const ks0 = keys[k]! | 0;
      const ks1 = keys[k + 1]! | 0;
      const ks2 = ks0 ^ ks1 ^ PARITY;
      // what each key injection adds to the second word: a key word plus the injection's number
      const c1 = (ks2 + 1) | 0;
      const c2 = (ks0 + 2) | 0;
      const c3 = (ks1 + 3) | 0;
      const c4 = (ks2 + 4) | 0;
      const c5 = (ks0 + 5) | 0;
      // the counter's high word is the same for the whole run
      const a0 = (s / WORD + ks0) | 0;
      const at = (k / 2) * n + s;
      for (let i = 0, count = Math.min(n - s, WORD); i < count; i++) {
        let a = a0;
        let b = (i + ks1) | 0;
        a = (a + b) | 0;
        b = ((b << 13) | (b >>> 19)) ^ a;
        a = (a + b) | 0;
        b = ((b << 15) | (b >>> 17)) ^ a;
        a = (a + b) | 0;
        b = ((b << 26) | (b >>> 6)) ^ a;
        a = (a + b) | 0;
        b = ((b << 6) | (b >>> 26)) ^ a;
        // key injection 1 (after rounds 1–4)
        a = (a + ks1) | 0;
        b = (b + c1) | 0;
        a = (a + b) | 0;
        b = ((b << 17) | (b >>> 15)) ^ a;
        a = (a + b) | 0;
        b = ((b << 29) | (b >>> 3)) ^ a;
        a = (a + b) | 0;
        b = ((b << 16) | (b >>> 16)) ^ a;
        a = (a + b) | 0;
        b = ((b << 24) | (b >>> 8)) ^ a;
        // key injection 2 (after rounds 5–8)
        a = (a + ks2) | 0;
        b = (b + c2) | 0;
        a = (a + b) | 0;
        b = ((b << 13) | (b >>> 19)) ^ a;
        a = (a + b) | 0;
        b = ((b << 15) | (b >>> 17)) ^ a;
        a = (a + b) | 0;
        b = ((b << 26) | (b >>> 6)) ^ a;
        a = (a + b) | 0;
        b = ((b << 6) | (b >>> 26)) ^ a;
        // key injection 3 (after rounds 9–12)
        a = (a + ks0) | 0;
        b = (b + c3) | 0;
        a = (a + b) | 0;
        b = ((b << 17) | (b >>> 15)) ^ a;
        a = (a + b) | 0;
        b = ((b << 29) | (b >>> 3)) ^ a;
        a = (a + b) | 0;
        b = ((b << 16) | (b >>> 16)) ^ a;
        a = (a + b) | 0;
        b = ((b << 24) | (b >>> 8)) ^ a;
        // key injection 4 (after rounds 13–16)
        a = (a + ks1) | 0;
        b = (b + c4) | 0;
        a = (a + b) | 0;
        b = ((b << 13) | (b >>> 19)) ^ a;
        a = (a + b) | 0;
        b = ((b << 15) | (b >>> 17)) ^ a;
        a = (a + b) | 0;
        b = ((b << 26) | (b >>> 6)) ^ a;
        a = (a + b) | 0;
        b = ((b << 6) | (b >>> 26)) ^ a;
        // key injection 5 (after rounds 17–20)
        a = (a + ks2) | 0;
        b = (b + c5) | 0;
        out[at + i] = a ^ b;
      }
    }
  }
}
