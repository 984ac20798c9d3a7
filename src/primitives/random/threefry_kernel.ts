// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the block
// function of JAX's PRNG: two 32-bit counter words encrypted under a two-word key. The kernel of the threefry2x32
// primitive (issue 15) in plain JS: every operation is modulo 2³² (`>>> 0` keeps words unsigned).

/** Rotation amounts of the four rounds of each group, alternating between the two rows. */
const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;
/** The key-schedule parity constant of Threefry. */
const PARITY = 0x1bd11bda;

/**
 * `out0[i], out1[i]` = Threefry-2x32(key (k0, k1), counter (x0[i], x1[i])), for every i; the outputs may be the
 * inputs (computed in place).
 */
export function threefry2x32(
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
  out0: Uint32Array,
  out1: Uint32Array,
): void {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ PARITY) >>> 0];
  for (let i = 0; i < x0.length; i++) {
    let a = (x0[i]! + ks[0]!) >>> 0;
    let b = (x1[i]! + ks[1]!) >>> 0;
    // five groups of four rounds, each followed by a key injection
    for (let g = 0; g < 5; g++) {
      for (const r of ROTATIONS[g & 1]!) {
        a = (a + b) >>> 0;
        b = ((b << r) | (b >>> (32 - r))) >>> 0;
        b = (b ^ a) >>> 0;
      }
      a = (a + ks[(g + 1) % 3]!) >>> 0;
      b = (b + ks[(g + 2) % 3]! + g + 1) >>> 0;
    }
    out0[i] = a;
    out1[i] = b;
  }
}
