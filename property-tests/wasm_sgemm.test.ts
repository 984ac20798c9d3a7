// float32 dot_general on the WebAssembly kernel over random shapes (m, k, n up to 40, k sometimes up to 300,
// batches, axes split in two), random storage orders of both operands and random float32 values (±0, sometimes
// ±Inf and NaN), against (a) a plain-JS float32-sequential reference, bit for bit (mul then add, each rounded,
// from +0, over the flattened contraction in dimension-number order), (b) the JS kernel (float64 accumulation)
// within the float32 error bound (k + 2)·u·Σ|a·b|, and (c) jit of the same function, bit for bit.
import fc from "fast-check";
import { jit, lax, np, type Tensor } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../src/core/random.js";
import { setWasmDisabled, wasmKernels } from "../src/wasm/runtime.js";
import { bitwiseDiff, type Ref, reference, U } from "../test/wasm/reference.js";
import { runs, seed } from "./config.js";

const SEED = seed(0x5_9e_3d);

afterEach(() => setWasmDisabled(false));

type DN = [[number[], number[]], [number[], number[]]];

// ───────────────────────────── cases ─────────────────────────────

interface Case {
  batch: number[];
  contract: number[];
  lfree: number[];
  rfree: number[];
  /** Storage order of the lhs (logical axes: batch, lhs free, contracting) and rhs (batch, contracting, rhs free): null = that order. */
  lperm: number[] | null;
  rperm: number[] | null;
  values: { seed: number; zeros: number; specials: "none" | "inf" | "nan" | "both" };
}

const small = (max: number) => fc.integer({ min: 0, max });
const axes = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: small(max).map((x) => [x]) },
    { weight: 1, arbitrary: fc.constant([] as number[]) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), small(7)).map(([a, b]) => [a, b]) },
  );
const contraction = fc.oneof(
  { weight: 6, arbitrary: small(40).map((x) => [x]) },
  { weight: 1, arbitrary: fc.integer({ min: 41, max: 300 }).map((x) => [x]) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), small(40)).map(([a, b]) => [a, b]) },
);
const batchArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as number[]) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((x) => [x]) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })).map(([a, b]) => [a, b]),
  },
);
/** A permutation of 0..n−1 from sort keys (or null: keep the logical order). */
const permArb = (n: number) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.nat(1000), { minLength: n, maxLength: n })
        .map((keys) => keys.map((_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y)),
    },
  );

const caseArb: fc.Arbitrary<Case> = fc
  .record({ batch: batchArb, contract: contraction, lfree: axes(40), rfree: axes(40) })
  .chain((s) =>
    fc.record({
      batch: fc.constant(s.batch),
      contract: fc.constant(s.contract),
      lfree: fc.constant(s.lfree),
      rfree: fc.constant(s.rfree),
      lperm: permArb(s.batch.length + s.lfree.length + s.contract.length),
      rperm: permArb(s.batch.length + s.contract.length + s.rfree.length),
      values: fc.record({
        seed: fc.integer(),
        zeros: fc.constantFrom(0, 0, 0.1, 0.5, 1),
        specials: fc.constantFrom("none", "none", "none", "none", "inf", "nan", "both") as fc.Arbitrary<
          Case["values"]["specials"]
        >,
      }),
    }),
  );

/** float32 values over 2^−6..2^6, a fraction ±0, and perhaps a few ±Inf / NaN. */
function values(n: number, { seed: s, zeros, specials }: Case["values"], salt: number): Float32Array {
  const r = rng(s ^ salt);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = r() < zeros ? (r() < 0.5 ? -0 : 0) : (r() * 2 - 1) * 2 ** (Math.floor(r() * 12) - 6);
  if (n > 0 && specials !== "none") {
    const pool = specials === "inf" ? [Infinity, -Infinity] : specials === "nan" ? [NaN] : [Infinity, -Infinity, NaN];
    for (let t = 0, c = 1 + Math.floor(r() * 2); t < c; t++)
      out[Math.floor(r() * n)] = pool[Math.floor(r() * pool.length)]!;
  }
  return out;
}

interface Built {
  a: Float32Array;
  as: number[];
  b: Float32Array;
  bs: number[];
  dn: DN;
  /** Whether the operands are in np.matmul's layout ([…batch, m, k] · […batch, k, n], one axis each). */
  matmulLayout: boolean;
}

function build(c: Case): Built {
  const nb = c.batch.length;
  const lLogical = [...c.batch, ...c.lfree, ...c.contract];
  const rLogical = [...c.batch, ...c.contract, ...c.rfree];
  const lp = c.lperm ?? lLogical.map((_, i) => i);
  const rp = c.rperm ?? rLogical.map((_, i) => i);
  const where = (p: number[], i: number) => p.indexOf(i);
  const lc = c.contract.map((_, i) => where(lp, nb + c.lfree.length + i));
  const rc = c.contract.map((_, i) => where(rp, nb + i));
  const dn: DN = [
    [lc, rc],
    [c.batch.map((_, i) => where(lp, i)), c.batch.map((_, i) => where(rp, i))],
  ];
  const as = lp.map((i) => lLogical[i]!);
  const bs = rp.map((i) => rLogical[i]!);
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const matmulLayout =
    c.lperm === null && c.rperm === null && c.lfree.length === 1 && c.rfree.length === 1 && c.contract.length === 1;
  return { a: values(size(as), c.values, 0x1111), as, b: values(size(bs), c.values, 0x2222), bs, dn, matmulLayout };
}

// ───────────────────────────── references and checks ─────────────────────────────

/**
 * Within the float32 error bound of two results of one product: non-finite values (set by the inputs' Inf/NaN,
 * not by rounding) must match exactly; finite ones within (k + 2)·u·Σ|a·b| (plus subnormal slack).
 */
function withinBound(got: ArrayLike<number>, other: ArrayLike<number>, ref: Ref): string[] {
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const [g, o, e] = [got[i]!, other[i]!, ref.f64[i]!];
    if (!Number.isFinite(e)) {
      if (!(Object.is(g, o) || (Number.isNaN(g) && Number.isNaN(o))) || !(Number.isNaN(e) ? Number.isNaN(g) : g === e))
        bad.push(`[${i}] got ${g} and ${o}, exact ${e}`);
      continue;
    }
    const tol = (ref.k + 2) * U * ref.absSum[i]! * 1.000001 + (ref.k + 1) * 2 ** -149;
    if (!(Math.abs(g - o) <= tol)) bad.push(`[${i}] ${g} vs ${o}: |Δ| = ${Math.abs(g - o)} > ${tol}`);
  }
  return bad;
}

const tensor = (d: Float32Array, shape: number[]): Tensor => np.reshape(np.array(d, { dtype: "float32" }), shape);
const fail = (what: string, bad: string[], n: number) => {
  if (bad.length) throw new Error(`${what}: ${bad.length} of ${n} elements\n  ${bad.slice(0, 6).join("\n  ")}`);
};

const branch = { exact: 0, tolerant: 0 };

/** The wasm result against the float32-sequential reference: bitwise without FMA, within the bound with it. */
function checkAgainstF32(what: string, got: Float32Array, ref: Ref): void {
  const w = wasmKernels();
  if (!w) throw new Error("WebAssembly kernels unavailable: this suite needs them");
  if (w.fma === false) {
    branch.exact++;
    fail(`${what} ≠ float32-sequential reference (bitwise)`, bitwiseDiff(got, ref.f32), got.length);
  } else if (w.fma === true) {
    branch.tolerant++;
    fail(`${what} vs float32-sequential reference (FMA: within bound)`, withinBound(got, ref.f32, ref), got.length);
  } else throw new Error(`wasmKernels().fma is ${String(w.fma)}`);
}

// ───────────────────────────── properties ─────────────────────────────

describe("float32 dot_general on the wasm kernel (random shapes, layouts, values)", () => {
  it("= float32-sequential reference (bitwise), ≈ JS kernel within (k+2)·u·Σ|a·b|, jit ≡ eager, np.matmul ≡ lax", () => {
    let cases = 0;
    let withNaN = 0;
    let bigK = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const x = build(c);
        const ref = reference(x.a, x.as, x.b, x.bs, x.dn);
        const A = tensor(x.a, x.as);
        const B = tensor(x.b, x.bs);
        const f = (l: Tensor, r: Tensor) => lax.dotGeneral(l, r, x.dn);
        const got = f(A, B);
        expect([...got.shape]).toEqual(ref.shape);
        expect(got.dtype).toBe("float32");
        const g = got.toTypedArray() as Float32Array;
        // (a) the float32-sequential reference
        checkAgainstF32("wasm", g, ref);
        // (b) the JS kernel, float64 accumulation
        setWasmDisabled(true);
        let js: Float32Array;
        try {
          js = f(A, B).toTypedArray() as Float32Array;
        } finally {
          setWasmDisabled(false);
        }
        fail("wasm vs JS kernel", withinBound(g, js, ref), g.length);
        // (c) jit gives the eager bits
        fail("jit vs eager", bitwiseDiff(jit(f)(A, B).toTypedArray() as Float32Array, g), g.length);
        if (x.matmulLayout)
          fail("np.matmul vs lax.dotGeneral", bitwiseDiff(np.matmul(A, B).toTypedArray() as Float32Array, g), g.length);
        cases++;
        if (ref.f32.some(Number.isNaN)) withNaN++;
        if (ref.k > 40) bigK++;
      }),
      { seed: SEED, numRuns: runs(400) },
    );
    // the generator reached what it is meant to
    expect(withNaN).toBeGreaterThan(0);
    expect(bigK).toBeGreaterThan(0);
    expect(cases).toBeGreaterThan(0);
    const w = wasmKernels()!;
    expect(
      w.fma ? branch.tolerant : branch.exact,
      `comparisons on the ${w.fma ? "FMA" : "exact"} branch`,
    ).toBeGreaterThanOrEqual(cases);
    expect(w.fma ? branch.exact : branch.tolerant).toBe(0);
  });

  it("the checks can fail: a 1e-3 relative perturbation, a one-ulp change, a NaN or an Inf sign are rejected", () => {
    const c: Case = {
      batch: [2],
      contract: [37],
      lfree: [5],
      rfree: [6],
      lperm: [2, 0, 1],
      rperm: null,
      values: { seed: 7, zeros: 0, specials: "none" },
    };
    const x = build(c);
    const ref = reference(x.a, x.as, x.b, x.bs, x.dn);
    const g = lax.dotGeneral(tensor(x.a, x.as), tensor(x.b, x.bs), x.dn).toTypedArray() as Float32Array;
    expect(withinBound(g, ref.f64, ref)).toEqual([]);
    // the element whose bound is smallest relative to its value
    let at = 0;
    for (let i = 1; i < g.length; i++)
      if (ref.absSum[i]! / Math.abs(ref.f64[i]!) < ref.absSum[at]! / Math.abs(ref.f64[at]!)) at = i;
    const perturbed = g.slice();
    perturbed[at] = g[at]! * (1 + 1e-3);
    expect(withinBound(perturbed, ref.f64, ref).length, "1e-3 relative perturbation").toBe(1);
    // a perturbation of all elements by 1e-3·Σ|a·b| is rejected everywhere
    const all = g.map((v, i) => v + 1e-3 * ref.absSum[i]!);
    expect(withinBound(all, ref.f64, ref).length).toBe(g.length);
    // bitwise: one ulp, −0 for +0, NaN for a number
    const ulp = g.slice();
    const bits = new Uint32Array(ulp.buffer);
    bits[3]! ^= 1;
    expect(bitwiseDiff(ulp, g)).toHaveLength(1);
    expect(bitwiseDiff(Float32Array.from([-0]), [0])).toHaveLength(1);
    expect(bitwiseDiff(Float32Array.from([NaN, 1]), [NaN, NaN])).toHaveLength(1);
    // non-finite values must agree exactly
    const inf: Ref = {
      shape: [2],
      f32: Float64Array.from([Infinity, NaN]),
      f64: Float64Array.from([Infinity, NaN]),
      absSum: Float64Array.from([Infinity, NaN]),
      k: 3,
    };
    expect(withinBound([Infinity, NaN], [Infinity, NaN], inf)).toEqual([]);
    expect(withinBound([-Infinity, NaN], [-Infinity, NaN], inf)).toHaveLength(1);
    expect(withinBound([Infinity, 0], [Infinity, NaN], inf)).toHaveLength(1);
  });
});
