// Threefry-2x32 (20 rounds) in WebAssembly SIMD: the eager backend's kernels behind random/threefry_kernel.ts's
// threefry2x32 and threefryBits, bit for bit as its JS loops. Each iteration computes several interleaved i32x4
// vectors of counters (independent chains keep the vector units busy); a rotation is i32x4.shl | i32x4.shr_u.
// The module is built on first use, where runtime.ts's kernels are (WebAssembly SIMD, not turned off), with a small
// memory of its own that never grows. Arrays pass through it in blocks of BLOCK counters, each still in cache when it
// is copied out; random bits build their counters in registers (a lane iota plus a running offset), so only keys go
// in and only bits come out. Many keys of few words each run across keys instead (a lane per key).
import { assemble, Code } from "../lowering/encode.js";
import { wasmKernels } from "./runtime.js";

/** Rotation amounts of the four rounds of each group, alternating between the two rows. */
const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;
/** The key-schedule parity constant of Threefry-2x32. */
const PARITY = 0x1bd11bda;
/**
 * i32x4 vectors each iteration of each function computes (measured on x86-64: more vectors keep more independent
 * chains in flight until their registers spill; a key per counter needs three more registers a vector).
 */
const VECTORS = { keyed: 6, perKey: 4, bits: 6, bitsByKey: 4 };
/** Counters an iteration of each function computes: it runs over whole iterations, past the end of its arrays. */
const STEP = {
  keyed: 4 * VECTORS.keyed,
  perKey: 4 * VECTORS.perKey,
  bits: 4 * VECTORS.bits,
  bitsByKey: 4 * VECTORS.bitsByKey,
};
/** Room past the end of each region of the module's memory for the counters of the last iteration. */
const SLACK = Math.max(STEP.keyed, STEP.perKey, STEP.bits);
/** Counters (words) per block passed through the module's memory (64 KiB a region). */
const BLOCK = 1 << 14;
/**
 * From this many counters or words the kernels are faster than the JS loops (measured: about even at 16, faster by a
 * third at 32, two to three times as fast from a few hundred).
 */
export const THREEFRY_MIN_ELEMENTS = 32;

type Fn = (...args: number[]) => void;
interface Kernels {
  /** keyed(k0, k1, x0, x1, out0, out1, count): one key (values) for `count` counters (byte addresses). */
  keyed: Fn;
  /** perKey(k0, k1, x0, x1, out0, out1, count): a key per counter (all byte addresses). */
  perKey: Fn;
  /** bits(keys, nKeys, hi, lo, len, out): see bitsFunction. */
  bits: Fn;
  /** bitsByKey(k0s, k1s, nKeys, n, out): see bitsByKeyFunction. */
  bitsByKey: Fn;
  /** unzip(pairs, firsts, seconds, count): see unzipFunction. */
  unzip: Fn;
  /** The module's memory. */
  u32: Uint32Array;
}

/**
 * The 20 rounds and 5 key injections on the vectors a[m], b[m] (locals); `inject(g, m)` adds group g's key words to
 * a[m] and b[m]. Round by round over the vectors, so their independent chains interleave.
 */
function rounds(c: Code, a: number[], b: number[], inject: (g: number, m: number) => void): void {
  for (let g = 0; g < 5; g++) {
    for (const r of ROTATIONS[g & 1]!) {
      for (let m = 0; m < a.length; m++) {
        // a += b; b = rotl(b, r) ^ a
        c.get(a[m]!).get(b[m]!).simd("i32x4.add").tee(a[m]!);
        c.get(b[m]!)
          .i32(r)
          .simd("i32x4.shl")
          .get(b[m]!)
          .i32(32 - r)
          .simd("i32x4.shr_u")
          .simd("v128.or");
        c.simd("v128.xor").set(b[m]!);
      }
    }
    for (let m = 0; m < a.length; m++) inject(g, m);
  }
}

/** Locals ks[0..2] = the key schedule (k0, k1, k0 ^ k1 ^ PARITY) from the two key vectors `push0`/`push1` push. */
function keySchedule(c: Code, push0: () => void, push1: () => void): number[] {
  const ks = [c.local("v128"), c.local("v128"), c.local("v128")];
  push0();
  c.set(ks[0]!);
  push1();
  c.tee(ks[1]!).get(ks[0]!).simd("v128.xor").i32x4(PARITY).simd("v128.xor").set(ks[2]!);
  return ks;
}

/** a += (key word of group g), b += (the next one) + g + 1: with the second precomputed (`inb`) or computed here. */
function injection(c: Code, a: number, b: number, ks: number[], g: number, inb?: number[]): void {
  c.get(a)
    .get(ks[(g + 1) % 3]!)
    .simd("i32x4.add")
    .set(a);
  c.get(b);
  if (inb) c.get(inb[g]!);
  else
    c.get(ks[(g + 2) % 3]!)
      .i32x4(g + 1)
      .simd("i32x4.add");
  c.simd("i32x4.add").set(b);
}

/** What group g's injection adds to the second word, for each g: ks[(g + 2) % 3] + g + 1. */
function secondWordInjections(c: Code, ks: number[]): number[] {
  return Array.from({ length: 5 }, (_, g) => {
    const l = c.local("v128");
    c.get(ks[(g + 2) % 3]!)
      .i32x4(g + 1)
      .simd("i32x4.add")
      .set(l);
    return l;
  });
}

/**
 * keyed(k0, k1, x0, x1, out0, out1, count) or, `perKey`, the same with k0 and k1 addresses of a key per counter:
 * out0/out1 = Threefry(key, (x0, x1)) over `count` counters (whole iterations), in place where the addresses are.
 */
function blockFunction(perKey: boolean): Code {
  const v = VECTORS[perKey ? "perKey" : "keyed"];
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [K0, K1, X0, X1, O0, O1, COUNT] = [0, 1, 2, 3, 4, 5, 6];
  const i = c.local("i32");
  const end = c.local("i32");
  const a = Array.from({ length: v }, () => c.local("v128"));
  const b = Array.from({ length: v }, () => c.local("v128"));
  const at = (base: number, m: number, op: "v128.load" | "v128.store", value?: number) => {
    c.get(base).get(i).op("i32.add");
    if (value !== undefined) c.get(value);
    c.simdMem(op, 16 * m);
  };
  // one key: its schedule and injections once; a key per counter: per vector, each iteration
  const one = perKey
    ? undefined
    : keySchedule(
        c,
        () => c.get(K0).simd("i32x4.splat"),
        () => c.get(K1).simd("i32x4.splat"),
      );
  const inb = one && secondWordInjections(c, one);
  const kss: number[][] = Array.from({ length: v }, () => one ?? []);
  c.get(COUNT).i32(2).op("i32.shl").set(end);
  c.for(
    i,
    (x) => x.i32(0),
    (x) => x.get(end),
    16 * v,
    () => {
      for (let m = 0; m < v; m++) {
        if (perKey)
          kss[m] = keySchedule(
            c,
            () => at(K0, m, "v128.load"),
            () => at(K1, m, "v128.load"),
          );
        at(X0, m, "v128.load");
        c.get(kss[m]![0]!).simd("i32x4.add").set(a[m]!);
        at(X1, m, "v128.load");
        c.get(kss[m]![1]!).simd("i32x4.add").set(b[m]!);
      }
      rounds(c, a, b, (g, m) => injection(c, a[m]!, b[m]!, kss[m]!, g, inb));
      for (let m = 0; m < v; m++) {
        at(O0, m, "v128.store", a[m]);
        at(O1, m, "v128.store", b[m]);
      }
    },
  );
  return c;
}

/**
 * bits(keys, nKeys, hi, lo, len, out): for each of nKeys keys (pairs of words from `keys`), the words y0 ^ y1 of
 * counters (hi, lo + j), j < len, at out + 4·(key·len + j). Each key writes whole iterations (up to an iteration's
 * counters past its own), and keys go in order, so the next key overwrites those: `out` needs that room at its end.
 */
function bitsFunction(): Code {
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32"]);
  const [KEYS, NKEYS, HI, LO, LEN, OUT] = [0, 1, 2, 3, 4, 5];
  const v = VECTORS.bits;
  const [key, o, j, end] = [c.local("i32"), c.local("i32"), c.local("i32"), c.local("i32")];
  const [a0, next] = [c.local("v128"), c.local("v128")];
  const a = Array.from({ length: v }, () => c.local("v128"));
  const b = Array.from({ length: v }, () => c.local("v128"));
  c.get(LEN).i32(2).op("i32.shl").set(end);
  c.get(OUT).set(o);
  const keyWord = (w: number) =>
    c.get(KEYS).get(key).i32(3).op("i32.shl").op("i32.add").simdMem("v128.load32_splat", w);
  c.for(
    key,
    (x) => x.i32(0),
    (x) => x.get(NKEYS),
    1,
    () => {
      const ks = keySchedule(
        c,
        () => keyWord(0),
        () => keyWord(4),
      );
      const inb = secondWordInjections(c, ks);
      // the first word, the same for all counters; the second word of the next iteration's first vector
      c.get(HI).simd("i32x4.splat").get(ks[0]!).simd("i32x4.add").set(a0);
      c.get(LO).simd("i32x4.splat").i32x4(0, 1, 2, 3).simd("i32x4.add").get(ks[1]!).simd("i32x4.add").set(next);
      c.for(
        j,
        (x) => x.i32(0),
        (x) => x.get(end),
        16 * v,
        () => {
          for (let m = 0; m < v; m++) {
            c.get(a0).set(a[m]!);
            c.get(next);
            if (m > 0) c.i32x4(4 * m).simd("i32x4.add");
            c.set(b[m]!);
          }
          c.get(next)
            .i32x4(4 * v)
            .simd("i32x4.add")
            .set(next);
          rounds(c, a, b, (g, m) => injection(c, a[m]!, b[m]!, ks, g, inb));
          for (let m = 0; m < v; m++) {
            c.get(o)
              .get(j)
              .op("i32.add")
              .get(a[m]!)
              .get(b[m]!)
              .simd("v128.xor")
              .simdMem("v128.store", 16 * m);
          }
        },
      );
      c.get(o).get(end).op("i32.add").set(o);
    },
  );
  return c;
}

/**
 * bitsByKey(k0s, k1s, nKeys, n, out), for many keys of few words each: lanes over keys (their words apart, at k0s and
 * k1s, nKeys a whole number of iterations), counters (0, i) for i < n; word i of key k at out + 4·(k·n + i), each
 * lane stored on its own. Keys past the caller's last (whole iterations) write past its last word.
 */
function bitsByKeyFunction(): Code {
  const c = new Code(["i32", "i32", "i32", "i32", "i32"]);
  const [K0S, K1S, NKEYS, N, OUT] = [0, 1, 2, 3, 4];
  const v = VECTORS.bitsByKey;
  const [i, kb, end, p, row] = [c.local("i32"), c.local("i32"), c.local("i32"), c.local("i32"), c.local("i32")];
  const [iv, y] = [c.local("v128"), c.local("v128")];
  const a = Array.from({ length: v }, () => c.local("v128"));
  const b = Array.from({ length: v }, () => c.local("v128"));
  const kss: number[][] = [];
  c.get(NKEYS).i32(2).op("i32.shl").set(end);
  c.get(N).i32(2).op("i32.shl").set(row);
  c.for(
    i,
    (x) => x.i32(0),
    (x) => x.get(N),
    1,
    () => {
      c.get(i).simd("i32x4.splat").set(iv);
      c.for(
        kb,
        (x) => x.i32(0),
        (x) => x.get(end),
        16 * v,
        () => {
          for (let m = 0; m < v; m++) {
            const load = (at: number) =>
              c
                .get(at)
                .get(kb)
                .op("i32.add")
                .simdMem("v128.load", 16 * m);
            kss[m] = keySchedule(
              c,
              () => load(K0S),
              () => load(K1S),
            );
            // counter (0, i): the first word is the key's
            c.get(kss[m]![0]!).set(a[m]!);
            c.get(iv).get(kss[m]![1]!).simd("i32x4.add").set(b[m]!);
          }
          rounds(c, a, b, (g, m) => injection(c, a[m]!, b[m]!, kss[m]!, g));
          // word i of key kb / 4 and the next ones, n words apart
          c.get(OUT).get(i).i32(2).op("i32.shl").op("i32.add").get(kb).i32(2).op("i32.shr_u").get(row);
          c.op("i32.mul").op("i32.add").set(p);
          for (let m = 0; m < v; m++) {
            c.get(a[m]!).get(b[m]!).simd("v128.xor").set(y);
            for (let lane = 0; lane < 4; lane++) {
              c.get(p).get(y).simdLaneMem("v128.store32_lane", lane);
              c.get(p).get(row).op("i32.add").set(p);
            }
          }
        },
      );
    },
  );
  return c;
}

/**
 * unzip(pairs, firsts, seconds, count): the words of `count` pairs at `pairs`, first words to `firsts`, second ones to
 * `seconds` (a scalar loop: the same loop in JS over the memory's view measured as slow as the kernel itself).
 */
function unzipFunction(): Code {
  const c = new Code(["i32", "i32", "i32", "i32"]);
  const [PAIRS, FIRSTS, SECONDS, COUNT] = [0, 1, 2, 3];
  const [j, end, from] = [c.local("i32"), c.local("i32"), c.local("i32")];
  c.get(COUNT).i32(2).op("i32.shl").set(end);
  c.for(
    j,
    (x) => x.i32(0),
    (x) => x.get(end),
    4,
    () => {
      c.get(PAIRS).get(j).op("i32.add").get(j).op("i32.add").set(from);
      c.get(FIRSTS).get(j).op("i32.add").get(from).mem("i32.load").mem("i32.store");
      c.get(SECONDS).get(j).op("i32.add").get(from).mem("i32.load", 4).mem("i32.store");
    },
  );
  return c;
}

/**
 * Layout of the module's own memory: four regions of BLOCK words and room for a last iteration (x0, x1, k0, k1 of
 * threefry2x32; keys, then output words of random bits). Fixed: it never grows, so its views stay valid.
 */
const REGION = 4 * (BLOCK + SLACK);
const PAGES = Math.ceil((4 * REGION) / 65536);
const [R0, R1, R2, R3] = [0, REGION, 2 * REGION, 3 * REGION];

/** The module's bytes. */
export function threefryModule(): Uint8Array<ArrayBuffer> {
  return assemble({
    memory: { initial: PAGES, maximum: PAGES, shared: false },
    functions: [
      { name: "keyed", code: blockFunction(false) },
      { name: "perKey", code: blockFunction(true) },
      { name: "bits", code: bitsFunction() },
      { name: "bitsByKey", code: bitsByKeyFunction() },
      { name: "unzip", code: unzipFunction() },
    ],
  });
}

/**
 * The kernels, built on first use; undefined where WebAssembly SIMD is unavailable or the kernels are turned off
 * (runtime.ts decides both for all the backend's kernels).
 */
let built: Kernels | null | undefined;
function kernels(): Kernels | undefined {
  if (!wasmKernels()) return undefined;
  if (built === undefined) built = instantiate();
  return built ?? undefined;
}

function instantiate(): Kernels | null {
  try {
    // a memory of its own, not shared: copies into and out of a shared memory measured several times slower
    const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
    const e = new WebAssembly.Instance(new WebAssembly.Module(threefryModule()), { env: { memory } }).exports;
    const fn = (name: string) => e[name] as Fn;
    return {
      keyed: fn("keyed"),
      perKey: fn("perKey"),
      bits: fn("bits"),
      bitsByKey: fn("bitsByKey"),
      unzip: fn("unzip"),
      u32: new Uint32Array(memory.buffer),
    };
  } catch {
    return null;
  }
}

/** A whole number of iterations of `step` counters covering `n`. */
const padded = (n: number, step: number) => Math.ceil(n / step) * step;

/** `x`'s words [s, s + len) (x itself where that is all of it). */
const piece = (x: Uint32Array, s: number, len: number) => (s === 0 && len === x.length ? x : x.subarray(s, s + len));

/** threefry2x32 (random/threefry_kernel.ts) in blocks: lengths already checked; false where the kernels are absent. */
export function threefry2x32Wasm(
  k0: Uint32Array,
  k1: Uint32Array,
  x0: Uint32Array,
  x1: Uint32Array,
  out0: Uint32Array,
  out1: Uint32Array,
): boolean {
  const k = kernels();
  if (!k) return false;
  const { u32 } = k;
  const n = x0.length;
  const perKey = k0.length !== 1;
  // x0 and x1 computed in place in R0 and R1; keys per counter in R2 and R3
  for (let s = 0; s < n; s += BLOCK) {
    const len = Math.min(BLOCK, n - s);
    u32.set(piece(x0, s, len), R0 >> 2);
    u32.set(piece(x1, s, len), R1 >> 2);
    if (perKey) {
      u32.set(piece(k0, s, len), R2 >> 2);
      u32.set(piece(k1, s, len), R3 >> 2);
      k.perKey(R2, R3, R0, R1, R0, R1, padded(len, STEP.perKey));
    } else k.keyed(k0[0]!, k1[0]!, R0, R1, R0, R1, padded(len, STEP.keyed));
    out0.set(u32.subarray(R0 >> 2, (R0 >> 2) + len), s);
    out1.set(u32.subarray(R1 >> 2, (R1 >> 2) + len), s);
  }
  return true;
}

/** Lanes the kernels may compute per word used and still beat the JS loop (measured, with margin). */
const MAX_WASTE = 2;

/**
 * threefryBits (random/threefry_kernel.ts): lengths already checked; false where the kernels are absent or would
 * compute mostly unused lanes (few keys of few words: the JS loop is faster there). `how`: that way, whatever the
 * lanes (for tests; the way "across" needs n < BLOCK / STEP.bitsByKey).
 */
export function threefryBitsWasm(keys: Uint32Array, n: number, out: Uint32Array, how?: "along" | "across"): boolean {
  const k = kernels();
  if (!k) return false;
  const nKeys = keys.length / 2;
  // lanes computed: along each key's words, or across keys
  const along = how === "across" ? Infinity : nKeys * padded(n, STEP.bits);
  const across = n < BLOCK / STEP.bitsByKey && how !== "along" ? n * padded(nKeys, STEP.bitsByKey) : Infinity;
  if (!how && Math.min(along, across) > MAX_WASTE * nKeys * n) return false;
  if (across < along) bitsAcrossKeys(k, keys, n, out);
  else bitsAlongKeys(k, keys, n, out);
  return true;
}

/** Random bits along each key's words: the words of a key (or of several, when short) in blocks. */
function bitsAlongKeys(k: Kernels, keys: Uint32Array, n: number, out: Uint32Array): void {
  const { u32 } = k;
  const nKeys = keys.length / 2;
  // keys (up to BLOCK pairs: R0 and R1), then the block of output words (R2)
  const o = R2 >> 2;
  if (n <= BLOCK) {
    // whole keys per block
    const per = Math.floor(BLOCK / n);
    for (let q = 0; q < nKeys; q += per) {
      const count = Math.min(per, nKeys - q);
      u32.set(keys.subarray(2 * q, 2 * (q + count)), R0 >> 2);
      k.bits(R0, count, 0, 0, n, R2);
      out.set(u32.subarray(o, o + count * n), q * n);
    }
    return;
  }
  // blocks of one key's counters: BLOCK divides 2³², so a block never crosses into the next high word
  for (let q = 0; q < nKeys; q++) {
    u32[R0 >> 2] = keys[2 * q]!;
    u32[(R0 >> 2) + 1] = keys[2 * q + 1]!;
    for (let s = 0; s < n; s += BLOCK) {
      const len = Math.min(BLOCK, n - s);
      k.bits(R0, 1, Math.floor(s / 2 ** 32), (s % 2 ** 32) | 0, len, R2);
      out.set(u32.subarray(o, o + len), q * n + s);
    }
  }
}

/** Random bits across keys (many keys of few words): blocks of keys, their first and second words apart. */
function bitsAcrossKeys(k: Kernels, keys: Uint32Array, n: number, out: Uint32Array): void {
  const { u32 } = k;
  const nKeys = keys.length / 2;
  const step = STEP.bitsByKey;
  // keys per block: whole iterations, their words at most BLOCK (n < BLOCK / step: at least one iteration). The pairs
  // go to R0 (and on into R1), their first words to R2 and second ones to R3; then the output words to R0.
  const per = Math.floor(BLOCK / n / step) * step;
  const o = R0 >> 2;
  for (let q = 0; q < nKeys; q += per) {
    const count = Math.min(per, nKeys - q);
    u32.set(keys.subarray(2 * q, 2 * (q + count)), R0 >> 2);
    k.unzip(R0, R2, R3, count);
    k.bitsByKey(R2, R3, padded(count, step), n, R0);
    out.set(u32.subarray(o, o + count * n), q * n);
  }
}
