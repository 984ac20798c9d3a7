// The WebAssembly SIMD exp, log, tanh and logistic (src/lowering/simd_math.ts), reached the way users reach them: jit of
// the function on a float32 tensor of ≥ 256 elements in the default float32 "fast" mode, which compiles the flat
// fused run to one wasm loop over f32x4 lanes. Inputs are arbitrary float32 BIT PATTERNS (the whole range: ±0,
// subnormals, normals, ±Inf, NaNs with any payload and sign). Claim checked: each result is within 4 ulp of the
// float64 Math result rounded to float32 (ulp distance on the ordered integer representation of float32, so the
// step from the largest subnormal to the smallest normal is one ulp, and +0/−0 are the same point); a non-finite
// value on either side must match exactly (NaN where the reference is NaN, the same infinity), so "MAX_VALUE
// instead of Inf" is not one ulp. An explicit list adds the IEEE special values (bit for bit, sign of zero
// included) and the edges of each approximation (overflow / underflow thresholds, branch switch points).
//
// Max ulp distance seen:
//   - in this suite's seeded runs (~0.5M bit patterns per function plus the edge list):
//       exp 1, log 1, tanh 1, logistic 2
//   - in an exhaustive sweep of all 2^32 bit patterns, run once while writing this suite (x86-64, Node 20;
//     ordered-integer distance, NaN vs NaN = 0, plus a strict finite-vs-infinite scan of every float in
//     [88, 89.5], [−89.5, −86], [−106, −100], ±[3e38, 3.5e38], ±[0.5, 0.75], [0.9, 1.1]):
//       exp 1, log 1, tanh 1, logistic 2 (no NaN mismatch, no finite-vs-infinite mismatch)
// The suite prints its own per-function maxima ("max ulp seen") when it finishes.
// The ulp criterion treats ±0 as one point, so the sign of zero is checked by the special values (tanh(−0) = −0).
import fc from "fast-check";
import { jit, lax, np, type Tensor } from "tracegrad";
import { afterAll, describe, expect, it } from "vitest";
import { wasmKernels } from "../src/wasm/runtime.js";
import { runs, seed } from "./config.js";

const SEED = seed(0x7e_c3_a7);
/** Values per property run: a multiple of 4 plus 3, so the last f32x4 vector is part padding (tail lanes). */
const BATCH = 4099;
const TOL_ULP = 4;

// ───────────────────────────── float32 bits and ulp distance ─────────────────────────────

const f1 = new Float32Array(1);
const u1 = new Uint32Array(f1.buffer);
/** The float32 bit pattern of a (float32-representable) number. */
const bitsOf = (v: number): number => ((f1[0] = v), u1[0]!);
/** The float32 whose bit pattern is `b`. */
const fromBits = (b: number): number => ((u1[0] = b >>> 0), f1[0]!);
/** The ordered integer representation: monotone in the float's value, −0 and +0 both 0, consecutive floats differ by 1. */
const ordered = (v: number): number => {
  const b = bitsOf(v);
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
};
/** The float `k` ulps away from `v` (k may be negative), along the ordered representation. */
const stepUlps = (v: number, k: number): number => {
  const o = ordered(v) + k;
  return o < 0 ? fromBits((0x80000000 | -o) >>> 0) : fromBits(o);
};

/**
 * ulp distance of two float32 values: 0 for NaN vs NaN, Infinity when exactly one is NaN or when either is
 * infinite and they differ (a finite result is never "close" to an infinite one), else |ord(a) − ord(b)|.
 */
function ulpDistance(got: number, want: number): number {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : Infinity;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return got === want ? 0 : Infinity;
  return Math.abs(ordered(got) - ordered(want));
}

const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
const hex = (v: number) => `0x${bitsOf(v).toString(16).padStart(8, "0")}`;

/** Elements whose result is more than `tol` ulp from the rounded reference; also returns the largest distance. */
function check(
  xs: Float32Array,
  got: Float32Array,
  ref: (x: number) => number,
  tol = TOL_ULP,
): { bad: string[]; max: number } {
  const bad: string[] = [];
  let max = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = Math.fround(ref(xs[i]!));
    const d = ulpDistance(got[i]!, want);
    if (d > tol)
      bad.push(`[${i}] x = ${show(xs[i]!)} (${hex(xs[i]!)}): got ${show(got[i]!)}, want ${show(want)} (${d} ulp)`);
    else if (d > max) max = d;
  }
  return { bad, max };
}

// ───────────────────────────── the functions ─────────────────────────────

interface Fn {
  name: "exp" | "log" | "tanh" | "logistic";
  op: (t: Tensor) => Tensor;
  /** The float64 reference (rounded to float32 by the checks). */
  ref: (x: number) => number;
}
const FNS: Fn[] = [
  { name: "exp", op: (t) => np.exp(t), ref: Math.exp },
  { name: "log", op: (t) => np.log(t), ref: Math.log },
  { name: "tanh", op: (t) => np.tanh(t), ref: Math.tanh },
  {
    name: "logistic",
    op: (t) => lax.logistic(t),
    ref: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  },
];

/** One jitted function per primitive (default float32 mode "fast"): compiled once per input length. */
const jitted = new Map(FNS.map((f) => [f.name, jit(f.op)]));
const maxSeen: Record<string, number> = { exp: 0, log: 0, tanh: 0, logistic: 0 };

/** Runs `f` through jit on `xs` (≥ 256 elements), checking that the lowered program is the WebAssembly loop. */
function viaWasm(f: Fn, xs: Float32Array): Float32Array {
  expect(xs.length).toBeGreaterThanOrEqual(256);
  const j = jitted.get(f.name)!;
  const x = np.array(xs, { dtype: "float32" });
  const lowered = j.lower(x).source;
  expect(lowered, `${f.name}: lowered source`).toContain("WebAssembly SIMD loop");
  expect(lowered).toContain(`= ${f.name} %in0`);
  const out = j(x);
  expect(out.dtype).toBe("float32");
  return out.toTypedArray() as Float32Array;
}

const fail = (what: string, bad: string[], n: number) => {
  if (bad.length)
    throw new Error(`${what}: ${bad.length} of ${n} elements beyond ${TOL_ULP} ulp\n  ${bad.slice(0, 8).join("\n  ")}`);
};

// ───────────────────────────── edge cases ─────────────────────────────

const MIN_SUB = 2 ** -149;
const MAX_SUB = 2 ** -126 - 2 ** -149;
const MIN_NORMAL = 2 ** -126;
const MAX_FLOAT = fromBits(0x7f7fffff);

/** Points worth testing, each with its neighbours 1 and 2 ulps either side. */
const EDGE_CENTRES: number[] = [
  0,
  MIN_SUB,
  MAX_SUB,
  MIN_NORMAL,
  MAX_FLOAT,
  1,
  0.5,
  2,
  Math.E,
  10,
  100,
  1e10,
  1e30,
  // exp: overflow (ln MAX_FLOAT ≈ 88.7228), normal-result (ln 2^−126 ≈ −87.3365) and underflow (ln 2^−150 ≈ −103.972)
  // thresholds, the input clamp at −104 / 89, and the points where e^x·log2(e) rounds to the next n
  88.72,
  88.7228,
  88.72283935546875,
  88.73,
  89,
  90,
  -87.33,
  -87.3365,
  -87.34,
  -103.27,
  -103.28,
  -103.97,
  -103.972,
  -103.98,
  -104,
  -105,
  -150,
  0.34657359,
  1.03972077,
  -0.34657359,
  // tanh: the polynomial / exp switch at |x| = 0.625, saturation (~9.01), and tiny x (x³ underflows)
  0.625,
  0.6249999,
  9,
  9.1,
  1e-4,
  1e-20,
  1e-30,
  // logistic: e^{−|x|} underflows around |x| ≈ 88.7 (normal) … 103.97 (zero); results near 1 for moderate x
  88.7,
  88.8,
  16.6,
  17.33,
  30,
  // log near 1 (cancellation in m − 1) and near 0
  1.0000001,
  0.9999999,
  1.5,
  Math.SQRT1_2,
  0.70710677,
  1e-38,
  1e-40,
  1e-44,
].map(Math.fround);

/** The edge list: ± each centre and its ±1, ±2 ulp neighbours, ±Inf, and NaNs of both signs and two payloads. */
function edgeValues(): number[] {
  const out: number[] = [];
  for (const c of EDGE_CENTRES) {
    for (const k of [-2, -1, 0, 1, 2]) {
      const v = stepUlps(c, k);
      out.push(v, -v);
    }
  }
  out.push(Infinity, -Infinity, NaN, fromBits(0xffc00000), fromBits(0x7f800001), fromBits(0xff812345));
  // the very ends of the ordered range: MAX_FLOAT and its neighbours towards 0 were added above; Inf is added here
  return out;
}

/** IEEE special values, checked bit for bit (Object.is; NaN for NaN). */
const SPECIAL: Record<Fn["name"], [number, number][]> = {
  exp: [
    [0, 1],
    [-0, 1],
    [Infinity, Infinity],
    [-Infinity, 0],
    [NaN, NaN],
    [MIN_SUB, 1],
    [-MIN_SUB, 1],
    [88.73, Infinity],
    [-104, 0],
    [1000, Infinity],
    [-1000, 0],
  ],
  log: [
    [0, -Infinity],
    [-0, -Infinity],
    [-1, NaN],
    [-MIN_SUB, NaN],
    [-Infinity, NaN],
    [Infinity, Infinity],
    [1, 0],
    [NaN, NaN],
  ],
  tanh: [
    [0, 0],
    [-0, -0],
    [Infinity, 1],
    [-Infinity, -1],
    [NaN, NaN],
    [MIN_SUB, MIN_SUB],
    [-MIN_SUB, -MIN_SUB],
    [20, 1],
    [-20, -1],
  ],
  logistic: [
    [Infinity, 1],
    [-Infinity, 0],
    [NaN, NaN],
    [0, 0.5],
    [-0, 0.5],
    [200, 1],
    [-200, 0],
  ],
};

/** `values` repeated to `n` elements, so each value lands in several lane positions (and in the tail vector). */
const cycled = (values: number[], n: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => values[i % values.length]!);

// ───────────────────────────── properties ─────────────────────────────

describe("wasm f32x4 exp / log / tanh / logistic vs float64 Math rounded to float32", () => {
  it("the WebAssembly kernels are available (this suite tests them)", () => {
    expect(wasmKernels()).toBeDefined();
  });

  /**
   * Arbitrary float32 bit patterns: the full signed 32-bit integer range, reinterpreted (every class of float32:
   * uniform bits put ~0.4% each on NaN and subnormals). Half of the draws instead come from magnitudes 2^−27..2^8
   * (either sign), where the approximations do non-trivial work (range reduction, polynomial branches).
   */
  const anyBits = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const busyBits = fc
    .tuple(fc.integer({ min: 0x32000000, max: 0x43800000 }), fc.boolean())
    .map(([b, neg]) => (neg ? b | 0x80000000 : b) | 0);
  const patterns = fc.array(fc.oneof(anyBits, busyBits), { minLength: BATCH, maxLength: BATCH });

  for (const [k, f] of FNS.entries()) {
    it(`${f.name}: within ${TOL_ULP} ulp on arbitrary float32 bit patterns (${BATCH} per run), NaN exactly where the reference is NaN`, () => {
      const seen = { nan: 0, subnormal: 0, inf: 0, normal: 0 };
      fc.assert(
        fc.property(patterns, (ints) => {
          const xs = new Float32Array(Int32Array.from(ints).buffer);
          const got = viaWasm(f, xs);
          const { bad, max } = check(xs, got, f.ref);
          fail(`${f.name}`, bad, xs.length);
          maxSeen[f.name] = Math.max(maxSeen[f.name]!, max);
          for (const v of xs) {
            if (Number.isNaN(v)) seen.nan++;
            else if (!Number.isFinite(v)) seen.inf++;
            else if (v !== 0 && Math.abs(v) < MIN_NORMAL) seen.subnormal++;
            else seen.normal++;
          }
        }),
        { seed: SEED + k, numRuns: runs(125) },
      );
      // the generator reached NaNs, subnormals and normals (uniform bits: ~0.4% each of NaN and subnormal)
      expect(seen.nan).toBeGreaterThan(0);
      expect(seen.subnormal).toBeGreaterThan(0);
      expect(seen.normal).toBeGreaterThan(0);
    });
  }

  for (const f of FNS) {
    it(`${f.name}: edge values (thresholds, switch points, ±0, subnormals, max float, ±Inf, NaN, neighbours) within ${TOL_ULP} ulp`, () => {
      const values = edgeValues();
      // two lengths: a multiple of 4 and one with 3 tail lanes, so every value is seen in several lane positions
      for (const n of [values.length * 4, values.length * 4 + 3]) {
        const xs = cycled(values, n);
        const got = viaWasm(f, xs);
        const { bad, max } = check(xs, got, f.ref);
        fail(`${f.name} (edge values, n = ${n})`, bad, n);
        maxSeen[f.name] = Math.max(maxSeen[f.name]!, max);
      }
    });

    it(`${f.name}: IEEE special values exactly (sign of zero included)`, () => {
      const cases = SPECIAL[f.name];
      const xs = cycled(
        cases.map(([x]) => x),
        259,
      );
      const got = viaWasm(f, xs);
      const bad: string[] = [];
      for (let i = 0; i < xs.length; i++) {
        const want = cases[i % cases.length]![1];
        const ok = Number.isNaN(want) ? Number.isNaN(got[i]!) : Object.is(got[i], want);
        if (!ok) bad.push(`[${i}] ${f.name}(${show(xs[i]!)}) = ${show(got[i]!)}, want ${show(want)}`);
      }
      expect(bad).toEqual([]);
      // the references agree with the table (so the table itself is right)
      for (const [x, want] of cases) {
        const r = Math.fround(f.ref(x));
        expect(Number.isNaN(want) ? Number.isNaN(r) : Object.is(r, want), `reference ${f.name}(${show(x)})`).toBe(true);
      }
    });
  }

  it("the criterion can fail: 5 ulp, a wrong NaN, MAX_VALUE for Inf and a finite for NaN are rejected; 4 ulp is accepted", () => {
    const f = FNS[0]!; // exp
    const xs = cycled([-3, -0.5, 0.1, 1, 2.5, 10, 50, -50, 88.73, NaN, 0, -Infinity], 300);
    const got = viaWasm(f, xs);
    expect(check(xs, got, f.ref).bad).toEqual([]);
    const want = (i: number) => Math.fround(f.ref(xs[i]!));
    // perturbations of the reference itself, so the distance is exactly what is put in
    for (const [k, rejected] of [
      [4, false],
      [-4, false],
      [5, true],
      [-5, true],
      [40, true],
    ] as const) {
      const p = got.slice();
      p[4] = stepUlps(want(4), k); // exp(2.5)
      p[7] = stepUlps(want(7), k); // exp(−50): small normal
      expect(check(xs, p, f.ref).bad.length, `perturbed by ${k} ulp`).toBe(rejected ? 2 : 0);
    }
    // across the subnormal/normal boundary and across zero the distance still counts ulps
    expect(ulpDistance(MIN_NORMAL, MAX_SUB)).toBe(1);
    expect(ulpDistance(MIN_SUB, -MIN_SUB)).toBe(2);
    expect(ulpDistance(0, -0)).toBe(0);
    expect(ulpDistance(stepUlps(1, 5), 1)).toBe(5);
    // non-finite values: exact or rejected
    const q = got.slice();
    q[8] = MAX_FLOAT; // exp(88.73) must be Inf
    q[9] = 0; // exp(NaN) must be NaN
    q[0] = NaN; // exp(−3) must not be NaN
    expect(check(xs, q, f.ref).bad).toHaveLength(3);
    expect(ulpDistance(Infinity, -Infinity)).toBe(Infinity);
    expect(ulpDistance(NaN, NaN)).toBe(0);
    // and the wasm path is really what was checked: a JS loop below 256 elements
    expect(jit(f.op).lower(np.array(xs.slice(0, 255), { dtype: "float32" })).source).not.toContain("WebAssembly");
  });
});

afterAll(() => {
  // reported in the test output: the largest ulp distance seen per function over all checks above
  console.log(
    `wasm vecmath — max ulp seen: ${Object.entries(maxSeen)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
});
