// Eager kernels shared by sort and top_k. Each lane's keys become unsigned 32-bit words whose order is the keys' order
// (floats by their bits, so the order is total: NaN is canonicalised to +NaN, above +∞), and the lane's index
// permutation is sorted stably by them: insertion sort for short lanes, merge sort for medium ones, LSD radix sort
// (three 11-bit digits per word) for long ones. No allocation per element or per lane.
import { allocateFilledLater, type DType, type TypedArray } from "../../core/dtype.js";

/** Where the high and low words of a float64 are in its Uint32Array view (the platform's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

/** The data of a key operand as `LaneSorter.encode` reads it: floats as the 32-bit words of their bits. */
export function keyView(d: DType, x: TypedArray): TypedArray {
  if (d === "float32") return new Uint32Array(x.buffer, x.byteOffset, x.length);
  if (d === "float64") return new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
  return x;
}

/** How many 32-bit words a key of dtype `d` takes. */
export const wordsOf = (d: DType): number => (d === "float64" ? 2 : 1);

/**
 * How keys are ordered. "sort" is lax.sort's ascending order: −0 equals +0 and every NaN equals every other, after +∞
 * (JAX canonicalises both before comparing). "topK" is descending in the total order XLA's TopK uses: NaN first, then
 * +∞ … +0, −0 … −∞ (−0 below +0).
 */
export type KeyOrder = "sort" | "topK";

const INSERTION_MAX = 16;
const RADIX_MIN = 256;
const RADIX_BITS = 11;
const BUCKETS = 1 << RADIX_BITS;
const DIGIT = BUCKETS - 1;

/** Sorts the index permutation of lanes of `n` elements by keys of `nWords` words; its buffers are reused per lane. */
export class LaneSorter {
  /** Word `w` of element k's key is at `words[w·n + k]`; word 0 is the most significant. */
  private readonly words: Uint32Array;
  private readonly perm: Int32Array;
  private readonly tmpPerm: Int32Array;
  private cur: Uint32Array | undefined;
  private tmpCur: Uint32Array | undefined;
  private count: Int32Array | undefined;

  constructor(
    private readonly n: number,
    private readonly nWords: number,
  ) {
    // every buffer is written before it is read
    this.words = allocateFilledLater("uint32", nWords * n) as Uint32Array;
    this.perm = allocateFilledLater("int32", n) as Int32Array;
    this.tmpPerm = allocateFilledLater("int32", n) as Int32Array;
  }

  /** Whether element a's key is greater than element b's (strictly). */
  private gt(a: number, b: number): boolean {
    const words = this.words;
    if (this.nWords === 1) return words[a]! > words[b]!;
    const end = this.nWords * this.n;
    for (let o = 0; o < end; o += this.n) {
      const x = words[o + a]!;
      const y = words[o + b]!;
      if (x !== y) return x > y;
    }
    return false;
  }

  /**
   * Writes the keys `x[base + k·stride]` (k < n) of dtype `d` as words `w` (and `w + 1` for float64); `src` is
   * `keyView(d, x)`.
   */
  encode(d: DType, src: TypedArray, base: number, stride: number, w: number, order: KeyOrder): void {
    const { n, words } = this;
    const off = w * n;
    const flip = order === "topK" ? 0xffffffff : 0;
    const signed = order === "topK";
    if (d === "float32") {
      for (let k = 0, p = base; k < n; k++, p += stride) {
        let b = src[p]!;
        if ((b & 0x7fffffff) > 0x7f800000) b = 0x7fc00000;
        else if (b === 0x80000000 && !signed) b = 0;
        words[off + k] = (b & 0x80000000 ? ~b : b | 0x80000000) ^ flip;
      }
    } else if (d === "float64") {
      for (let k = 0, p = 2 * base; k < n; k++, p += 2 * stride) {
        let hi = src[p + HI]!;
        let lo = src[p + LO]!;
        if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
          hi = 0x7ff80000;
          lo = 0;
        } else if (hi === 0x80000000 && lo === 0 && !signed) hi = 0;
        const neg = hi & 0x80000000;
        words[off + k] = (neg ? ~hi : hi | 0x80000000) ^ flip;
        words[off + n + k] = (neg ? ~lo : lo) ^ flip;
      }
    } else {
      // int32 with its sign bit flipped; uint32 and bool (0/1) are their own words
      const bias = d === "int32" ? 0x80000000 ^ flip : flip;
      for (let k = 0, p = base; k < n; k++, p += stride) words[off + k] = src[p]! ^ bias;
    }
  }

  /** The lane's indices 0 … n−1 sorted stably by the words written (a buffer of this sorter, valid until next call). */
  sort(): Int32Array {
    const { n, perm } = this;
    for (let i = 0; i < n; i++) perm[i] = i;
    if (n < 2) return perm;
    if (n <= INSERTION_MAX) {
      this.insertion(perm, 0, n);
      return perm;
    }
    return n < RADIX_MIN ? this.merge() : this.radix();
  }

  private insertion(p: Int32Array, lo: number, hi: number): void {
    for (let i = lo + 1; i < hi; i++) {
      const v = p[i]!;
      let j = i - 1;
      for (; j >= lo && this.gt(p[j]!, v); j--) p[j + 1] = p[j]!;
      p[j + 1] = v;
    }
  }

  /** Bottom-up merge sort of insertion-sorted runs; a tie takes the left element (stable). */
  private merge(): Int32Array {
    const n = this.n;
    let src = this.perm;
    let dst = this.tmpPerm;
    for (let lo = 0; lo < n; lo += INSERTION_MAX) this.insertion(src, lo, Math.min(lo + INSERTION_MAX, n));
    for (let width = INSERTION_MAX; width < n; width *= 2) {
      for (let lo = 0; lo < n; lo += 2 * width) {
        const mid = Math.min(lo + width, n);
        const hi = Math.min(lo + 2 * width, n);
        if (mid < hi && !this.gt(src[mid - 1]!, src[mid]!)) {
          dst.set(src.subarray(lo, hi), lo); // already in order
          continue;
        }
        let i = lo;
        let j = mid;
        let k = lo;
        while (i < mid && j < hi) dst[k++] = this.gt(src[i]!, src[j]!) ? src[j++]! : src[i++]!;
        while (i < mid) dst[k++] = src[i++]!;
        while (j < hi) dst[k++] = src[j++]!;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    return src;
  }

  /** LSD radix sort, least significant word first: each word's three digits in stable counting passes. */
  private radix(): Int32Array {
    const { n, words } = this;
    this.count ??= new Int32Array(3 * BUCKETS);
    this.cur ??= allocateFilledLater("uint32", n) as Uint32Array;
    this.tmpCur ??= allocateFilledLater("uint32", n) as Uint32Array;
    const count = this.count;
    let p = this.perm;
    let tp = this.tmpPerm;
    let c = this.cur;
    let tc = this.tmpCur;
    for (let w = this.nWords - 1; w >= 0; w--) {
      const off = w * n;
      count.fill(0);
      for (let i = 0; i < n; i++) {
        const x = words[off + p[i]!]!;
        c[i] = x;
        count[x & DIGIT]!++;
        count[BUCKETS + ((x >>> RADIX_BITS) & DIGIT)]!++;
        count[2 * BUCKETS + (x >>> (2 * RADIX_BITS))]!++;
      }
      for (let pass = 0; pass < 3; pass++) {
        const shift = pass * RADIX_BITS;
        const base = pass * BUCKETS;
        if (count[base + ((c[0]! >>> shift) & DIGIT)] === n) continue; // one digit everywhere: nothing moves
        for (let d = 0, sum = 0; d < BUCKETS; d++) {
          const t = count[base + d]!;
          count[base + d] = sum;
          sum += t;
        }
        for (let i = 0; i < n; i++) {
          const x = c[i]!;
          const j = count[base + ((x >>> shift) & DIGIT)]!++;
          tc[j] = x;
          tp[j] = p[i]!;
        }
        const tpp = p;
        p = tp;
        tp = tpp;
        const tcc = c;
        c = tc;
        tc = tcc;
      }
    }
    return p;
  }
}

/** dst[base + k·stride] = src[base + perm[k]·stride] for k < perm's lane length `n`. */
export function permuteLane(
  src: TypedArray,
  dst: TypedArray,
  base: number,
  stride: number,
  perm: Int32Array,
  n: number,
): void {
  if (stride === 1) for (let k = 0; k < n; k++) dst[base + k] = src[base + perm[k]!]!;
  else for (let k = 0; k < n; k++) dst[base + k * stride] = src[base + perm[k]! * stride]!;
}
