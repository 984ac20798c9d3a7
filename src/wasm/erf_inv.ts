// float32 erf⁻¹ in WebAssembly SIMD: the eager backend's kernel behind float32 erf_inv (the hot loop of
// random.normal), bit for bit as primitives/elementwise/special_math.ts's erfInv32: the same operations in the same
// order, its float32 steps on f32x4 lanes and its float64 ones (w = −log1p(−x²)) on f64x2 lanes, each half of the
// f32x4 vector in turn. Both branches of Giles' fit run in every lane, their coefficients chosen per lane (bitselect),
// and the special values (±∞ at ±1, NaN beyond and for NaN) are chosen at the end. Several vectors are computed per
// iteration, step by step, so their independent chains of dependent operations interleave.
// Like threefry.ts: built on first use where runtime.ts's kernels are (WebAssembly SIMD, not turned off), with a
// small memory of its own that never grows; arrays pass through it in blocks, computed in place.
import { assemble, Code } from "../lowering/encode.js";
import { ERF_INV32_CONSTANTS } from "../primitives/elementwise/special_math.js";
import { wasmKernels } from "./runtime.js";

// special_math.ts's constants: fdlibm's log (ln 2 in two parts, the fit of log(1 + f) in s = f/(2 + f)) and Giles'
// single-precision fits (highest power first)
const {
  ln2Hi: LN2_HI,
  ln2Lo: LN2_LO,
  lg: [LG1, LG2, LG3, LG4, LG5, LG6, LG7],
  gilesSmall: GILES_SMALL,
  gilesLarge: GILES_LARGE,
} = ERF_INV32_CONSTANTS;

/** f32x4 vectors an iteration computes (independent chains in flight). */
const VECTORS = 2;
/** Elements an iteration computes: the kernel runs over whole iterations, past the end of the block. */
const STEP = 4 * VECTORS;
/** Elements per block passed through the module's memory (256 KiB). */
const BLOCK = 1 << 16;
/**
 * From this many elements the kernel is faster than the JS loop (measured on x86-64: about even at 2 to 4, ~3× at 8,
 * ~8× from a few hundred).
 */
export const ERF_INV_MIN_ELEMENTS = 8;

const PAGES = Math.ceil((4 * (BLOCK + STEP)) / 65536);

/** v128.const of two f64 lanes `v`. */
function f64x2(c: Code, v: number): Code {
  const [lo, hi] = new Int32Array(new Float64Array([v]).buffer);
  return c.i32x4(lo!, hi!, lo!, hi!);
}

/** Lanes 2 and 3 of an f32x4 (the top stack vector, pushed twice) as lanes 0 and 1. */
const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lanes 0 and 1 of the first vector, then lanes 0 and 1 of the second. */
const LOWS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * erfInv(at, count): erfInv32 of the float32 values at byte address `at`, in place, over `count` elements (a whole
 * number of iterations). special_math.ts's float32 steps on f32x4 lanes, its float64 steps (negLog1p32) on f64x2
 * lanes, each half of the f32x4 vectors in turn.
 */
function erfInvFunction(): Code {
  const c = new Code(["i32", "i32"]);
  const [AT, COUNT] = [0, 1];
  const [i, end] = [c.local("i32"), c.local("i32")];
  const v128 = () => c.local("v128");
  const half = () => ({ f: v128(), c: v128(), u: v128(), e: v128(), s: v128(), z: v128(), w: v128(), h: v128() });
  const vecs = Array.from({ length: VECTORS }, () => ({
    x: v128(),
    t: v128(),
    u: v128(),
    c: v128(),
    f: v128(),
    e: v128(),
    w: v128(),
    p: v128(),
    mask: v128(),
    halves: [half(), half()] as const,
  }));
  type V = (typeof vecs)[number];
  type H = V["halves"][0];
  const f = (o: Parameters<Code["simd"]>[0]) => c.simd(o);
  /** The float64 steps on half `hi` of vector v. */
  const log: ((v: V, h: H, hi: boolean) => void)[] = [
    // f, c, u, e as float64
    (v, h, hi) => {
      for (const [from, to] of [
        [v.f, h.f],
        [v.c, h.c],
        [v.u, h.u],
        [v.e, h.e],
      ] as const) {
        c.get(from);
        if (hi) c.get(from).shuffle(HIGH);
        f("f64x2.promote_low_f32x4").set(to);
      }
    },
    // s = f/(2 + f); z = s²; w = z²
    (_, h) => {
      c.get(h.f);
      f64x2(c, 2).get(h.f);
      f("f64x2.add");
      f("f64x2.div").tee(h.s).get(h.s);
      f("f64x2.mul").tee(h.z).get(h.z);
      f("f64x2.mul").set(h.w);
    },
    // r = z·(LG1 + w·(LG3 + w·(LG5 + w·LG7))) + w·(LG2 + w·(LG4 + w·LG6)), in z
    (_, h) => {
      c.get(h.z);
      f64x2(c, LG1).get(h.w);
      f64x2(c, LG3).get(h.w);
      f64x2(c, LG5).get(h.w);
      f64x2(c, LG7);
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.mul");
      c.get(h.w);
      f64x2(c, LG2).get(h.w);
      f64x2(c, LG4).get(h.w);
      f64x2(c, LG6);
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.mul");
      f("f64x2.add").set(h.z);
    },
    // hfsq = (0.5·f)·f; log1p(f) = f − (hfsq − s·(hfsq + r)), in w
    (_, h) => {
      f64x2(c, 0.5).get(h.f);
      f("f64x2.mul").get(h.f);
      f("f64x2.mul").set(h.h);
      c.get(h.f).get(h.h).get(h.s).get(h.h).get(h.z);
      f("f64x2.add");
      f("f64x2.mul");
      f("f64x2.sub");
      f("f64x2.sub").set(h.w);
    },
    // g = c/u; log(1 − t) = e·LN2_HI + ((log1p(f) + e·LN2_LO) − (g + (g·g)·0.5)), in f
    (_, h) => {
      c.get(h.c).get(h.u);
      f("f64x2.div").set(h.c);
      c.get(h.e);
      f64x2(c, LN2_HI);
      f("f64x2.mul").get(h.w).get(h.e);
      f64x2(c, LN2_LO);
      f("f64x2.mul");
      f("f64x2.add").get(h.c).get(h.c).get(h.c);
      f("f64x2.mul");
      f64x2(c, 0.5);
      f("f64x2.mul");
      f("f64x2.add");
      f("f64x2.sub");
      f("f64x2.add");
      f("f32x4.demote_f64x2_zero").set(h.f);
    },
  ];
  /** Each step for every vector in turn, then the next step. */
  const steps: ((v: V, m: number) => void)[] = [
    // x; t = x²; u = 1 − t; c = (u − 1) + t
    (v, m) => {
      c.get(AT)
        .get(i)
        .op("i32.add")
        .simdMem("v128.load", 16 * m)
        .tee(v.x)
        .get(v.x);
      f("f32x4.mul").set(v.t);
      c.f32x4(1).get(v.t);
      f("f32x4.sub").tee(v.u).f32x4(1);
      f("f32x4.sub").get(v.t);
      f("f32x4.add").set(v.c);
    },
    // u = m·2ᵉ with m ∈ [½, 1) (u's bits)
    (v) => {
      c.get(v.u).i32(23);
      f("i32x4.shr_u").i32x4(126);
      f("i32x4.sub");
      f("f32x4.convert_i32x4_s").set(v.e);
      c.get(v.u).i32x4(0x807fffff);
      f("v128.and").i32x4(0x3f000000);
      f("v128.or").set(v.f);
    },
    // m < √½: f = (m + m) − 1, e ← e − 1; else f = (m + 0) − 1
    (v) => {
      c.get(v.f).f32x4(Math.SQRT1_2);
      f("f32x4.lt").set(v.mask);
      c.get(v.f).get(v.f).get(v.mask);
      f("v128.and");
      f("f32x4.add").f32x4(1);
      f("f32x4.sub").set(v.f);
      c.get(v.e).f32x4(1).get(v.mask);
      f("v128.and");
      f("f32x4.sub").set(v.e);
    },
    ...log.flatMap((step) => [(v: V) => step(v, v.halves[0], false), (v: V) => step(v, v.halves[1], true)]),
    // w = −(the two halves' float32 logs)
    (v) => {
      c.get(v.halves[0].f).get(v.halves[1].f).shuffle(LOWS);
      f("f32x4.neg").set(v.w);
    },
    // w < 5: w − 2.5 and the small fit, else √w − 3 and the large one
    (v) => {
      c.get(v.w).f32x4(5);
      f("f32x4.lt").set(v.mask);
      c.get(v.w).f32x4(2.5);
      f("f32x4.sub").get(v.w);
      f("f32x4.sqrt").f32x4(3);
      f("f32x4.sub").get(v.mask);
      f("v128.bitselect").set(v.w);
      coefficient(c, 0, v.mask).set(v.p);
    },
    ...GILES_SMALL.slice(1).map((_, j) => (v: V) => {
      coefficient(c, j + 1, v.mask)
        .get(v.p)
        .get(v.w);
      f("f32x4.mul");
      f("f32x4.add").set(v.p);
    }),
    // p·x; x·∞ where t = 1; NaN where t > 1 or is NaN
    (v, m) => {
      c.get(AT).get(i).op("i32.add");
      c.get(v.x).f32x4(Infinity);
      f("f32x4.mul").get(v.p).get(v.x);
      f("f32x4.mul").get(v.t).f32x4(1);
      f("f32x4.eq");
      f("v128.bitselect").f32x4(NaN).get(v.t).f32x4(1);
      f("f32x4.le");
      f("v128.bitselect").simdMem("v128.store", 16 * m);
    },
  ];
  c.get(COUNT).i32(2).op("i32.shl").set(end);
  c.for(
    i,
    (x) => x.i32(0),
    (x) => x.get(end),
    16 * VECTORS,
    () => {
      for (const step of steps) vecs.forEach((v, m) => step(v, m));
    },
  );
  return c;
}

/** Pushes Giles' coefficient j of the small fit where `mask` is set, of the large one elsewhere. */
const coefficient = (c: Code, j: number, mask: number) =>
  c.f32x4(GILES_SMALL[j]!).f32x4(GILES_LARGE[j]!).get(mask).simd("v128.bitselect");

/** The module's bytes. */
export function erfInvModule(): Uint8Array<ArrayBuffer> {
  return assemble({
    memory: { initial: PAGES, maximum: PAGES, shared: false },
    functions: [{ name: "erfInv", code: erfInvFunction() }],
  });
}

interface Kernel {
  run: (at: number, count: number) => void;
  f32: Float32Array;
}

/** Built on first use; undefined where WebAssembly SIMD is unavailable or turned off (runtime.ts decides). */
let built: Kernel | null | undefined;
function kernel(): Kernel | undefined {
  if (!wasmKernels()) return undefined;
  if (built === undefined) built = instantiate();
  return built ?? undefined;
}

function instantiate(): Kernel | null {
  try {
    const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
    const e = new WebAssembly.Instance(new WebAssembly.Module(erfInvModule()), { env: { memory } }).exports;
    return { run: e.erfInv as Kernel["run"], f32: new Float32Array(memory.buffer) };
  } catch {
    return null;
  }
}

/**
 * special_math.ts's erfInv32Array (the same bits) for `src` into `dst` (of its length); false where the kernel is
 * absent or the array too short to pay (the caller runs the JS loop).
 */
export function erfInv32Wasm(src: Float32Array, dst: Float32Array): boolean {
  const n = src.length;
  if (n < ERF_INV_MIN_ELEMENTS) return false;
  const k = kernel();
  if (!k) return false;
  const { f32, run } = k;
  for (let s = 0; s < n; s += BLOCK) {
    const len = Math.min(BLOCK, n - s);
    f32.set(s === 0 && len === n ? src : src.subarray(s, s + len));
    run(0, Math.ceil(len / STEP) * STEP);
    dst.set(f32.subarray(0, len), s);
  }
  return true;
}
