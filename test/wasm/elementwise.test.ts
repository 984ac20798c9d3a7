// jit's WebAssembly SIMD loops (src/wasm/loops.ts, chosen in src/compile/fusion.ts): in float32 "fast" mode a
// flat fused run (no reductions, no non-scalar broadcasts) of ≥ 256 float32 elements whose equations all have an
// lowering.wasm rule compiles to one wasm loop over f32x4 lanes. Its arithmetic (add sub mul div neg abs sqrt max min) is
// IEEE float32 per operation, which is what eager computes (each op in float64, rounded to float32: the same
// correctly rounded result for + − × ÷ √), so such programs must be BITWISE equal to eager and to "exact" mode,
// NaN, ±Inf, ±0 and subnormals included, for any length (tail lanes: lengths that are not multiples of 4).
// exp / log / tanh / logistic are approximations (see property-tests/wasm_vecmath.test.ts); here programs using them
// are compared with "exact" mode within a tolerance derived from the chain's conditioning.
//
// Routing note: whether fast mode sends a run of arithmetic ALONE to wasm is a performance policy (the working tree
// this was written against only picks wasm when the run also has a transcendental — "costly" lowering.wasm — since plain
// arithmetic runs as fast in JS as copying operands into wasm memory). So that the arithmetic is checked in wasm
// under either policy, the arithmetic programs here return e^x of their first input as one more output, computed
// in the same fused run (`withExp`); their arithmetic outputs must then be bitwise equal to eager.
import os from "node:os";
import { grad, jit, lax, np, type Tensor } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { setThreads, setWasmDisabled, threadsReady, wasmKernels } from "../../src/wasm/runtime.js";
import { bitwise, MAX_F32, MIN_NORMAL, MIN_SUB, show, uniform, values } from "./data.js";

afterEach(() => setWasmDisabled(false));

// ───────────────────────────── data ─────────────────────────────

const f32 = (d: Float32Array | number[], shape?: number[]): Tensor => {
  const t = np.array(Float32Array.from(d), { dtype: "float32" });
  return shape ? np.reshape(t, shape) : t;
};
const data = (t: Tensor) => t.toTypedArray();

// ───────────────────────────── comparisons ─────────────────────────────

const expectBitwise = (what: string, got: Tensor, want: Tensor) => {
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.shape, what).toEqual(want.shape);
  const bad = bitwise(data(got), data(want));
  expect(bad, `${what}: ${bad.length} of ${got.size} elements differ\n  ${bad.slice(0, 8).join("\n  ")}`).toEqual([]);
};

/** max |a − b| / |b| over the elements (both finite and b ≠ 0 throughout, as the callers' inputs ensure). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i]!) && Number.isFinite(b[i]!) && b[i] !== 0, `element ${i}: ${a[i]} / ${b[i]}`).toBe(
      true,
    );
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
  }
  return m;
}

/** max relative difference where `b` is finite and nonzero; elsewhere the two must be bitwise equal. */
function maxRelDiffFinite(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(b[i]!) && b[i] !== 0) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
    else expect(bitwise([a[i]!], [b[i]!]), `element ${i}`).toEqual([]);
  }
  return m;
}

describe("the comparisons themselves", () => {
  it("bitwise rejects one ulp, −0 for +0 and NaN for a number; accepts NaN for NaN", () => {
    expect(bitwise([1], [Math.fround(1 + 2 ** -23)])).toHaveLength(1);
    expect(bitwise([-0], [0])).toHaveLength(1);
    expect(bitwise([NaN, 1], [1, NaN])).toHaveLength(2);
    expect(bitwise([NaN, -0, Infinity], [NaN, -0, Infinity])).toEqual([]);
  });
  it("the exp check rejects 5 ulp and MAX for Inf, accepts 4 ulp", () => {
    const e = (v: number) => f32([v]);
    const up = (v: number, k: number) => ((f1[0] = v), (u1[0]! += k), f1[0]!);
    expect(() => expectExpClose(e(up(7.5, 5)), e(7.5))).toThrow();
    expect(() => expectExpClose(e(MAX_F32), e(Infinity))).toThrow();
    expectExpClose(e(up(7.5, 4)), e(7.5));
  });
});

// ───────────────────────────── what the compiled program is ─────────────────────────────

const WASM = "// WebAssembly SIMD loop over f32x4 lanes";
const JS_FLAT_LOOP = "for (let i = 0; i < inner; i++)";
const count = (s: string, sub: string) => s.split(sub).length - 1;

// ───────────────────────────── programs ─────────────────────────────

/** Every wasm-capable arithmetic op, scalar constants (one not exactly representable, one subnormal) and size-1 inputs. */
const chainA = (x: Tensor, y: Tensor, s1: Tensor, s0: Tensor): Tensor => {
  const a = np.add(np.multiply(x, 2.5), s1); // s1: shape [1]
  const b = np.divide(np.subtract(a, s0), np.sqrt(np.abs(y))); // s0: shape []
  const c = np.minimum(np.maximum(np.negative(b), -3), a);
  return np.add(np.multiply(c, 0.1), np.multiply(np.maximum(x, y), 1e-40));
};
/** sqrt(x² + y²) against overflow, quotients of huge by tiny, min/max with ±0 and NaN-producing 0/0, ∞ − ∞. */
const chainB = (x: Tensor, y: Tensor, s1: Tensor, s0: Tensor): Tensor => {
  const h = np.sqrt(np.add(np.multiply(x, x), np.multiply(y, y)));
  const q = np.divide(np.subtract(x, y), np.add(x, y));
  const m = np.minimum(np.maximum(q, s0), np.multiply(h, s1));
  return np.subtract(np.divide(m, np.maximum(np.abs(y), 0)), np.minimum(np.negative(x), -0));
};
/** Unary chains only (negation and abs of signed zeros and NaN), then a product with the size-1 input. */
const chainC = (x: Tensor, _y: Tensor, s1: Tensor, _s0: Tensor): Tensor =>
  np.multiply(np.negative(np.sqrt(np.abs(np.negative(np.negative(np.sqrt(x)))))), s1);
// (no equation on the size-1 inputs alone: it would be a loop of its own, splitting the run in two)

const CHAINS = { chainA, chainB, chainC };

const outputs = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
/** `f`'s outputs and then e^(first argument), all from one fused run (its exp puts the run in wasm, see the top). */
const withExp =
  <A extends Tensor[]>(f: (...a: A) => Tensor | Tensor[]) =>
  (...a: A): Tensor[] => [...outputs(f(...a)), np.exp(a[0]!)];

const f1 = new Float32Array(1);
const u1 = new Int32Array(f1.buffer);
const ordered = (v: number) => ((f1[0] = v), u1[0]! < 0 ? -(u1[0]! & 0x7fffffff) : u1[0]!);
/** The exp output of `withExp`: within 4 ulp of eager's (Math.exp rounded), non-finite values exactly. */
function expectExpClose(got: Tensor, want: Tensor): void {
  const [g, w] = [data(got), data(want)];
  const bad: string[] = [];
  for (let i = 0; i < g.length; i++) {
    const ok = Number.isFinite(w[i]!)
      ? Number.isFinite(g[i]!) && Math.abs(ordered(g[i]!) - ordered(w[i]!)) <= 4
      : bitwise([g[i]!], [w[i]!]).length === 0;
    if (!ok) bad.push(`[${i}] exp: got ${g[i]}, want ${w[i]}`);
  }
  expect(bad).toEqual([]);
}
/** All outputs but the last bitwise equal, the last (withExp's e^x) within 4 ulp. */
function expectWithExp(what: string, got: Tensor[], want: Tensor[]): void {
  expect(got.length, what).toBe(want.length);
  got.slice(0, -1).forEach((g, k) => expectBitwise(`${what}, output ${k}`, g, want[k]!));
  expectExpClose(got.at(-1)!, want.at(-1)!);
}
const SIZES = [256, 257, 1001, 4099];

function inputs(n: number, seed: number): [Tensor, Tensor, Tensor, Tensor] {
  return [f32(values(n, seed)), f32(values(n, seed + 1)), f32([1.75]), f32([-0.25], [])];
}

describe("pure-arithmetic float32 chains in wasm: bitwise equal to eager and to exact mode", () => {
  it("the WebAssembly kernels are available", () => {
    expect(wasmKernels()).toBeDefined();
  });

  for (const [name, chain] of Object.entries(CHAINS)) {
    for (const n of SIZES) {
      it(`${name}, n = ${n}`, () => {
        const args = inputs(n, n * 31 + name.length);
        const g = withExp(chain);
        const fast = jit(g);
        const exact = jit(g, { float32: "exact" });
        const src = fast.lower(...args).source;
        expect(count(src, WASM), src).toBe(1);
        expect(src, "one fused loop").not.toContain("function F1");
        const eager = g(...args);
        expectWithExp("fast vs eager", fast(...args) as Tensor[], eager);
        const ex = exact(...args) as Tensor[];
        ex.forEach((t, k) => expectBitwise(`exact vs eager, output ${k}`, t, eager[k]!));
        // a second call (cached executable) gives the same bits
        expectWithExp("fast, second call", fast(...args) as Tensor[], eager);
      });
    }
  }

  it("the inputs reach what they should: NaN, ±Inf, ±0 and subnormals in inputs and outputs", () => {
    const args = inputs(4099, 7);
    const [x] = args;
    const xs = data(x);
    expect(xs.some(Number.isNaN) && xs.includes(Infinity) && xs.includes(-Infinity)).toBe(true);
    expect(xs.some((v) => Object.is(v, -0)) && xs.some((v) => Object.is(v, 0))).toBe(true);
    expect(xs.some((v) => v !== 0 && Math.abs(v) < MIN_NORMAL)).toBe(true);
    const outs = Object.values(CHAINS).flatMap((chain) => [...data((jit(withExp(chain))(...args) as Tensor[])[0]!)]);
    expect(outs.some(Number.isNaN)).toBe(true);
    expect(outs.includes(Infinity) && outs.includes(-Infinity)).toBe(true);
    expect(outs.some((v) => Object.is(v, -0)) && outs.some((v) => Object.is(v, 0))).toBe(true);
    expect(outs.some((v) => v !== 0 && Math.abs(v) < MIN_NORMAL)).toBe(true);
  });

  it("max / min over every pair of special values: NaN if either is NaN, else x if x > y (x < y for min), else y — bitwise", () => {
    const S = [NaN, -Infinity, -MAX_F32, -1, -MIN_SUB, -0, 0, MIN_SUB, 1, MAX_F32, Infinity];
    const pairs = S.flatMap((a) => S.map((b) => [a, b] as const));
    const n = 3 * pairs.length + 3; // ≥ 256; each pair in three lane positions, and a partial last vector
    const xs = Float32Array.from({ length: n }, (_, i) => pairs[i % pairs.length]![0]);
    const ys = Float32Array.from({ length: n }, (_, i) => pairs[i % pairs.length]![1]);
    const [x, y] = [f32(xs), f32(ys)];
    for (const [name, op, wins] of [
      ["max", np.maximum, (a: number, b: number) => a > b],
      ["min", np.minimum, (a: number, b: number) => a < b],
    ] as const) {
      const g = withExp((a: Tensor, b: Tensor) => op(a, b));
      const j = jit(g);
      expect(j.lower(x, y).source).toContain(WASM);
      const got = data((j(x, y) as Tensor[])[0]!);
      const want = Array.from(xs, (a, i) =>
        Number.isNaN(a) || Number.isNaN(ys[i]!) ? NaN : wins(a, ys[i]!) ? a : ys[i]!,
      );
      const bad = bitwise(got, want).map((s) => `${name}: ${s}`);
      expect(bad).toEqual([]);
      expectWithExp(`${name} vs eager`, j(x, y) as Tensor[], g(x, y));
      // with a scalar operand (splat) on either side
      for (const c of [-0, 0, NaN, 1]) {
        const left = withExp((a: Tensor) => op(a, c));
        const right = withExp((a: Tensor) => op(c, a));
        expect(jit(left).lower(x).source).toContain(WASM);
        expectWithExp(`${name}(x, ${show(c)})`, jit(left)(x) as Tensor[], left(x));
        expectWithExp(`${name}(${show(c)}, x)`, jit(right)(x) as Tensor[], right(x));
      }
    }
  });

  it("a large array (2^20 + 3 elements: the kernels' memory grows) is bitwise equal to eager", () => {
    const n = 2 ** 20 + 3;
    const args = inputs(n, 99);
    const g = withExp(chainB);
    const j = jit(g);
    expect(j.lower(...args).source).toContain(WASM);
    expectWithExp("fast vs eager", j(...args) as Tensor[], g(...args));
  });

  it("an arithmetic-only run: in wasm it is bitwise equal to eager; otherwise it is the double-precision JS loop", () => {
    // which of the two fast mode picks is a performance policy (see the top); both are checked for what they promise
    for (const [name, chain] of Object.entries(CHAINS)) {
      const args = inputs(1001, 5 + name.length);
      const src = jit(chain).lower(...args).source;
      if (src.includes(WASM)) expectBitwise(`${name}: fast (wasm) vs eager`, jit(chain)(...args), chain(...args));
      else {
        expect(src).toContain(JS_FLAT_LOOP);
        expect(src).not.toContain("Math.fround");
      }
      expectBitwise(`${name}: exact vs eager`, jit(chain, { float32: "exact" })(...args), chain(...args));
    }
  });
});

describe("when the wasm loop is used", () => {
  const chain = (x: Tensor) => np.maximum(np.add(np.multiply(np.abs(x), 3), 1), np.tanh(x));

  it("fast mode from 256 elements: the WebAssembly loop; exact mode and 255 elements: a JS loop", () => {
    for (const n of [256, 257, 4099]) {
      const x = f32(values(n, n));
      const fast = jit(chain).lower(x).source;
      expect(fast).toContain(WASM);
      expect(fast).not.toContain(JS_FLAT_LOOP);
      const exact = jit(chain, { float32: "exact" }).lower(x).source;
      expect(exact).not.toContain("WebAssembly");
      expect(exact).toContain(JS_FLAT_LOOP);
      expect(exact).toContain("Math.fround");
    }
    for (const n of [1, 4, 100, 255]) {
      const x = f32(values(n, n));
      const src = jit(chain).lower(x).source;
      expect(src, `n = ${n}`).not.toContain("WebAssembly");
      expect(src).toContain(JS_FLAT_LOOP);
      expectBitwise(`exact, n = ${n}`, jit(chain, { float32: "exact" })(x), chain(x));
    }
  });

  it("any 2-d shape of ≥ 256 elements is one flat loop", () => {
    const x = f32(values(3 * 101, 5), [3, 101]);
    const g = withExp((a: Tensor) => np.minimum(np.multiply(np.abs(a), 3), np.divide(a, 7)));
    const j = jit(g);
    expect(count(j.lower(x).source, WASM)).toBe(1);
    const got = j(x) as Tensor[];
    expect(got[0]!.shape).toEqual([3, 101]);
    expectWithExp("fast vs eager", got, g(x));
  });

  it("a run with an op that has no wasm rule (sin), a row reduction or rows of a width not a multiple of 4 stays in JS", () => {
    const x = f32(values(1024, 1));
    const m = f32(values(4 * 256, 3), [4, 256]);
    const odd = f32(values(4 * 255, 4), [4, 255]);
    const oddRow = f32(values(255, 5));
    const cases: [string, () => string][] = [
      // each with a transcendental too, so that only the named obstacle keeps the run out of wasm
      ["sin", () => jit((a: Tensor) => np.multiply(np.sin(a), np.exp(a))).lower(x).source],
      ["sum", () => jit((a: Tensor) => np.sum(np.multiply(np.exp(a), a))).lower(x).source],
      ["row sum", () => jit((a: Tensor) => np.sum(np.exp(a), { axis: 1 })).lower(m).source],
      ["odd rows", () => jit((a: Tensor, r: Tensor) => np.add(np.exp(a), r)).lower(odd, oddRow).source],
    ];
    for (const [what, src] of cases) expect(src(), what).not.toContain("WebAssembly");
  });
});

describe("transcendental chains in wasm vs exact mode", () => {
  /**
   * All terms positive, inputs in [0.1, 2] (exact float32 values) — a well-conditioned chain. Error budget per
   * element, in units of u = 2^−24 relative: exp, log, tanh, logistic ≤ 4 ulp each in wasm (≤ 8u relative: an ulp
   * is ≤ 2u of a normal value) and ≤ 1u in exact mode (Math, rounded once); each + × ÷ √ ≤ 1u (½ ulp) in both.
   * An op's error reaches the result multiplied by the condition numbers of what follows it: log at 1 + eˣ ∈
   * [2.1, 8.4] has e/((1 + e)·ln(1 + e)) ≤ 1/ln 2.1 < 1.35; products, quotients and √ pass relative errors on with
   * factor ≤ 1 (√: ½); sums of positive terms ≤ 1. Over the 14 ops (5 transcendental): ≤ 5·8u·1.35 + 9·1u·1.35
   * < 67u in wasm, < 20u in exact mode, so |fast − exact| / |exact| < 87u ≈ 5.2e−6 < RTOL = 1e−5. Observed on
   * these inputs: ≈ 2e−7 (the approximations are within 2 ulp in practice), with 10–15% of elements differing.
   */
  const chain = (x: Tensor) => {
    const e = np.exp(x);
    const t = np.tanh(x);
    const s = lax.logistic(x);
    const l = np.log(np.add(e, 1));
    return np.add(
      np.add(np.multiply(t, s), np.multiply(l, 0.5)),
      np.divide(np.sqrt(x), np.add(np.exp(np.negative(x)), 1)),
    );
  };
  const RTOL = 1e-5;

  for (const n of [256, 1001, 4099]) {
    it(`exp / log / tanh / logistic chain, n = ${n}: fast (wasm) ≈ exact within ${RTOL} relative, and is different code`, () => {
      const x = f32(uniform(n, n + 17, 0.1, 2));
      const fast = jit(chain);
      const exact = jit(chain, { float32: "exact" });
      const src = fast.lower(x).source;
      expect(count(src, WASM)).toBe(1);
      for (const op of ["exp", "log", "tanh", "logistic"]) expect(src).toContain(`= ${op} `);
      expect(exact.lower(x).source).not.toContain("WebAssembly");
      const [a, b] = [data(fast(x)), data(exact(x))];
      expect(maxRelDiff(a, b)).toBeLessThan(RTOL);
      // exact mode is eager, bit for bit; fast mode is not (the approximations differ from Math in some elements)
      expectBitwise("exact vs eager", exact(x), chain(x));
      expect(bitwise(a, b).length, "elements where wasm and exact mode differ").toBeGreaterThan(0);
    });
  }

  it("each transcendental alone: special values as eager (sign of zero included)", () => {
    const xs = [0, -0, Infinity, -Infinity, NaN, MIN_SUB, -MIN_SUB, 1, -1, 100, -100, 1e-30];
    const x = f32(Array.from({ length: 259 }, (_, i) => xs[i % xs.length]!));
    for (const [name, op] of [
      ["exp", np.exp],
      ["log", np.log],
      ["tanh", np.tanh],
      ["logistic", lax.logistic],
    ] as const) {
      const j = jit((a: Tensor) => op(a));
      expect(j.lower(x).source).toContain(WASM);
      const got = data(j(x));
      const want = data(op(x));
      for (let i = 0; i < x.size; i++) {
        const v = xs[i % xs.length]!;
        if (!Number.isFinite(v) && !Number.isNaN(v))
          expect(bitwise([got[i]!], [want[i]!]), `${name}(${v})`).toEqual([]);
        if (Number.isNaN(v)) expect(Number.isNaN(got[i]!), `${name}(NaN)`).toBe(true);
        if (v === 0) expect(bitwise([got[i]!], [want[i]!]), `${name}(${show(v)})`).toEqual([]);
      }
    }
  });
});

describe("several outputs from one loop", () => {
  const f = (x: Tensor, s: Tensor) => {
    const a = np.add(np.multiply(x, 2), s); // output, and read later
    const b = np.subtract(np.sqrt(np.abs(a)), x); // output, and read later
    const c = np.multiply(np.maximum(b, a), 0.5); // final value
    return [a, c, b, np.minimum(c, a), np.exp(x)]; // exp: see withExp
  };

  for (const n of [256, 1003]) {
    it(`intermediates that are also outputs, n = ${n}: one wasm loop storing five values (four arithmetic + e^x), bitwise equal to eager`, () => {
      const args = [f32(values(n, n + 3)), f32([0.75])] as const;
      const j = jit(f);
      const src = j.lower(...args).source;
      expect(count(src, WASM)).toBe(1);
      expect(src).toMatch(/stores %\d+ %\d+ %\d+ %\d+ %\d+/);
      const got = j(...args) as Tensor[];
      const want = f(...args);
      expect(got).toHaveLength(5);
      expectWithExp("fast vs eager", got, want);
      const exact = jit(f, { float32: "exact" })(...args) as Tensor[];
      expectWithExp("fast vs exact", got, exact);
    });
  }

  it("the same value returned twice, and an input returned as is, next to loop outputs", () => {
    const g = withExp((x: Tensor) => {
      const a = np.multiply(np.add(x, 1), x);
      return [a, x, a, np.negative(a)];
    });
    const x = f32(values(300, 11));
    expect(jit(g).lower(x).source).toContain(WASM);
    const got = jit(g)(x) as Tensor[];
    expectWithExp("fast vs eager", got, g(x));
    expect(data(x)).toEqual(data(f32(values(300, 11)))); // the input is not overwritten
  });

  it("two wasm loops around a matmul (which uses the same wasm memory, with worker threads when large): each loop's outputs survive", async () => {
    await threadsReady(); // so that the 160×160×160 product (≥ 2^21 multiply-adds) runs on worker threads too
    const h = (x: Tensor, w: Tensor) => {
      const e1 = np.exp(x); // (a transcendental in each run: see withExp)
      const a = np.add(np.multiply(x, 2), 1); // first loop, returned
      const b = np.matmul(a, w); // the sgemm kernel works in the same memory from offset 0
      const e2 = np.exp(b);
      return [a, np.subtract(np.multiply(b, 0.5), a), e2, e1]; // second loop reads a again
    };
    for (const d of [64, 160]) {
      const x = f32(uniform(d * d, d + 1, -1, 1), [d, d]);
      const w = f32(uniform(d * d, d + 2, -1, 1), [d, d]);
      const j = jit(h);
      expect(count(j.lower(x, w).source, WASM)).toBe(2);
      const got = j(x, w) as Tensor[];
      const want = h(x, w);
      got.slice(0, 2).forEach((t, k) => expectBitwise(`d = ${d}, output ${k}`, t, want[k]!));
      got.slice(2).forEach((t, k) => expectExpClose(t, want[k + 2]!));
    }
  });
});

describe("gradients under jit in fast mode", () => {
  it("pure arithmetic: grad's program is a wasm loop, bitwise equal to exact mode and to eager grad", () => {
    // (no abs, max or min: their derivatives use sign / comparisons, which have no wasm rule)
    const f = (x: Tensor) =>
      np.sum(
        np.subtract(
          np.divide(np.sqrt(np.add(np.multiply(x, x), 1)), np.add(np.multiply(x, np.multiply(x, 0.5)), 2)),
          np.divide(x, 3),
        ),
      );
    const x = f32(uniform(1001, 5, -3, 3));
    const df = withExp((t: Tensor) => grad(f)(t) as Tensor); // the gradient's loop, with e^x in the same run
    const fast = jit(df);
    const src = fast.lower(x).source;
    expect(count(src, WASM)).toBe(1);
    expect(src).toContain("= div ");
    expect(jit(df, { float32: "exact" }).lower(x).source).not.toContain("WebAssembly");
    const eager = df(x);
    expectWithExp("fast vs eager grad", fast(x) as Tensor[], eager);
    expectWithExp("exact vs eager grad", jit(df, { float32: "exact" })(x) as Tensor[], eager);
  });

  it("with exp / tanh / log / logistic: fast ≈ exact within 2e-5 relative (the wasm loop is used)", () => {
    // The gradient on [0.1, 2] is (1 − t²)·eˣ + t·eˣ + σ(1 − σ)/(1 + σ) + 1/(2√x) (t = tanh x, σ = σ(x)): a sum of
    // positive terms, each a product/quotient of well-conditioned factors (1 − t² ≥ 0.07 and 1 − σ ≥ 0.11 lose at
    // most a factor 1/0.07 < 15 of relative accuracy of t², σ only where they are small parts of the sum). With
    // ~20 ops, ≤ 8u per approximation and ≤ 1u per arithmetic op as in the forward budget above, the relative
    // difference stays well below 2e−5 ≈ 335u; observed ≈ 2.7e−7.
    const f = (x: Tensor) =>
      np.sum(np.add(np.add(np.multiply(np.tanh(x), np.exp(x)), np.log(np.add(lax.logistic(x), 1))), np.sqrt(x)));
    const x = f32(uniform(1001, 6, 0.1, 2));
    const fast = jit(grad(f));
    const exact = jit(grad(f), { float32: "exact" });
    const src = fast.lower(x).source;
    expect(src).toContain(WASM);
    for (const op of ["exp", "tanh", "logistic"]) expect(src).toContain(`= ${op} `);
    expect(exact.lower(x).source).not.toContain("WebAssembly");
    expect(maxRelDiff(data(fast(x) as Tensor), data(exact(x) as Tensor))).toBeLessThan(2e-5);
    expectBitwise("exact vs eager grad", exact(x) as Tensor, grad(f)(x) as Tensor);
  });
});

describe("float64 and int32 programs never use wasm", () => {
  it("float64: the same chains in fast mode are JS loops, bitwise equal to eager", () => {
    for (const n of [256, 1001]) {
      const f64 = (d: Float32Array | number[], shape?: number[]) => {
        const t = np.array(Float64Array.from(d), { dtype: "float64" });
        return shape ? np.reshape(t, shape) : t;
      };
      const args = [f64(values(n, 1)), f64(values(n, 2)), f64([1.75]), f64([-0.25], [])] as const;
      for (const chain of Object.values(CHAINS)) {
        const j = jit(chain);
        const src = j.lower(...args).source;
        expect(src).not.toContain("WebAssembly");
        expect(src).toContain(JS_FLAT_LOOP);
        const got = j(...args);
        expect(got.dtype).toBe("float64");
        expectBitwise(`float64 ${chain.name}`, got, chain(...args));
      }
      const tr = (x: Tensor) => np.add(np.tanh(np.exp(x)), lax.logistic(np.log(np.abs(x))));
      expect(jit(tr).lower(args[0]).source).not.toContain("WebAssembly");
      expectBitwise("float64 transcendental", jit(tr)(args[0]), tr(args[0]));
    }
  });

  it("int32: add sub mul div neg abs max min (with wrap-around, INT_MIN, division by 0) are JS loops, bitwise equal to eager", () => {
    const r = rng(42);
    const edge = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 65536, -65536, 46341, 7, -7];
    const ints = (n: number) =>
      Int32Array.from({ length: n }, () =>
        r() < 0.3 ? edge[Math.floor(r() * edge.length)]! : Math.floor((r() - 0.5) * 2 ** 32),
      );
    const n = 1001;
    const x = np.array(ints(n), { dtype: "int32" });
    const y = np.array(ints(n), { dtype: "int32" });
    const f = (a: Tensor, b: Tensor) => {
      const s = np.add(np.multiply(a, b), np.subtract(a, 3));
      const q = lax.div(s, np.maximum(b, np.negative(np.abs(b)))); // sometimes by 0
      return [np.minimum(np.negative(q), np.abs(s)), np.multiply(s, 65536)];
    };
    for (const mode of ["fast", "exact"] as const) {
      const j = jit(f, { float32: mode });
      const src = j.lower(x, y).source;
      expect(src).not.toContain("WebAssembly");
      const got = j(x, y) as Tensor[];
      const want = f(x, y);
      got.forEach((t, k) => {
        expect(t.dtype).toBe("int32");
        expectBitwise(`int32 output ${k} (${mode})`, t, want[k]!);
      });
    }
  });

  it("a float32 run containing an int32 → float32 cast is a JS loop (the cast has no wasm rule); exact mode = eager", () => {
    const x = np.array(
      Int32Array.from({ length: 512 }, (_, i) => i * 7919 - 100000),
      { dtype: "int32" },
    );
    const f = (a: Tensor) => np.multiply(np.add(np.astype(a, "float32"), 0.5), 3);
    const j = jit(f);
    // the cast has no wasm rule: the whole run is a JS loop (in fast mode, double precision in between)
    expect(j.lower(x).source).not.toContain("WebAssembly");
    expectBitwise("exact vs eager", jit(f, { float32: "exact" })(x), f(x));
  });
});

describe("results are fresh arrays (the loop copies through the shared wasm memory)", () => {
  it("calling twice: new arrays each time, the first result unchanged, inputs unchanged, nothing aliases wasm memory", () => {
    const f = (x: Tensor, y: Tensor) => {
      const a = np.add(np.multiply(x, y), 1);
      return [a, np.sqrt(np.abs(a)), np.tanh(a)];
    };
    const n = 1001;
    const [x1, y1] = [f32(values(n, 1)), f32(values(n, 2))];
    const [x2, y2] = [f32(values(n, 3)), f32(values(n, 4))];
    const j = jit(f);
    expect(j.lower(x1, y1).source).toContain(WASM);
    const r1 = j(x1, y1) as Tensor[];
    const snapshot = r1.map(data);
    const inSnapshot = [x1, y1].map(data);
    const r2 = j(x2, y2) as Tensor[];
    const r3 = j(x1, y1) as Tensor[];
    for (let k = 0; k < 3; k++) {
      expect(bitwise(data(r1[k]!), snapshot[k]!), `first result ${k} changed`).toEqual([]);
      expect(r1[k]!._data).not.toBe(r2[k]!._data);
      expect(r1[k]!._data).not.toBe(r3[k]!._data);
      for (const r of [r1, r2, r3]) expect(r[k]!._data!.buffer).not.toBe(wasmKernels()!.memory.buffer);
      expect(bitwise(data(r3[k]!), snapshot[k]!)).toEqual([]);
      if (k < 2) expectBitwise(`second call output ${k}`, r2[k]!, f(x2, y2)[k]!);
    }
    expect(r1[0]!._data).not.toBe(r1[1]!._data);
    [x1, y1].forEach((t, k) => expect(bitwise(data(t), inSnapshot[k]!)).toEqual([]));
  });

  it("an eager matmul and another call between two calls do not disturb the first result; wasm off: a JS loop", () => {
    const f = (x: Tensor) => np.maximum(np.multiply(np.subtract(x, 0.5), 3), np.tanh(x));
    const x = f32(uniform(2048, 9, -4, 4));
    const j = jit(f);
    expect(j.lower(x).source).toContain(WASM);
    const r1 = j(x);
    const keep = data(r1);
    np.matmul(f32(uniform(128 * 128, 1, -1, 1), [128, 128]), f32(uniform(128 * 128, 2, -1, 1), [128, 128])); // sgemm in the same memory
    j(f32(uniform(2048, 10, -4, 4)));
    expect(bitwise(data(r1), keep)).toEqual([]);
    expect(bitwise(data(j(x)), keep)).toEqual([]);
    // with the wasm kernels turned off, a fresh jit compiles a JS loop in fast mode too
    setWasmDisabled(true);
    const off = jit(f);
    expect(off.lower(x).source).not.toContain("WebAssembly");
    expect(maxRelDiffFinite(data(off(x)), keep)).toBeLessThan(1e-6);
  });
});

describe("threads", () => {
  afterEach(() => setThreads(undefined));
  it("a long loop split over worker threads gives the bits of one thread (n = 2^20 + 3)", async () => {
    const n = 2 ** 20 + 3;
    const x = f32(Array.from({ length: n }, (_, i) => ((i * 7919) % 2001) / 250 - 4));
    const f = jit((a: Tensor) => np.multiply(np.tanh(a), np.exp(np.negative(np.abs(a)))));
    expect(f.lower(x).source).toContain(WASM);
    setThreads(1);
    const one = data(f(x));
    setThreads(2);
    const workers = await threadsReady();
    if (os.availableParallelism() >= 2) expect(workers).toBeGreaterThanOrEqual(1);
    expect(bitwise(data(f(x)), one)).toEqual([]);
  });
});
