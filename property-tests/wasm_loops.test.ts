// jit's WebAssembly SIMD loops (src/wasm/loops.ts, chosen in src/compile/fusion.ts) on random programs: a DAG of
// 2–8 float32 operations over a [rows, cols] input x (cols a multiple of 4), built from add sub mul div max min neg abs
// sqrt, comparisons (eq ne lt le gt ge) feeding np.where / lax.select, nn.relu, and np.where on a bool input (full
// [rows, cols] or size-1); operands are earlier values, a second full input y, a bias row [cols] (read by the inner
// index j), a per-row column [rows, 1] (read by the outer index o), a size-1 input (read once) or a literal (NaN, ±0,
// ±Inf, a subnormal among them); outputs are the last value, sometimes an earlier value (stored by the loop), the last
// comparison's mask (a bool output) and a trailing column sum (np.sum over axis 0) of one or two values; every value
// no op reads is returned too, so no op is dead code (jit drops dead code, selects included). Input values
// include NaN, ±Inf, ±0, subnormals and huge magnitudes.
//
// Claim: where every fused loop of the program is a wasm loop, jit in float32 "fast" mode (the default) is BITWISE
// equal to eager (any NaN matches any NaN; −0 ≠ +0), on two calls; exact mode is bitwise equal to eager always. Each
// of these operations is one IEEE float32 operation in both, and a column sum accumulates each column in row order
// from +0 in both. Programs are built to reach wasm (≥ 256 elements, a select in most); where one does not (no select
// and < 4096 elements: a JS loop computing in double precision), only exact mode is compared, and the suite asserts
// that most programs did reach wasm, so the property cannot pass vacuously.
//
// Regression found here: jit's CSE once treated max and min as commutative, but eager's min(+0, −0) = −0 and
// min(−0, +0) = +0, so a program computing both min(a, b) and min(b, a) of signed zeros differed from eager
// (PROPERTY_SEED=1 reached it; shrunk: v3 = min(x + x, x · bias), v6 = min(x · bias, x + x)).
import fc from "fast-check";
import { jit, lax, nn, np, type Tensor } from "tracegrad";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../src/core/random.js";
import { wasmKernels } from "../src/wasm/runtime.js";
import { values } from "../test/wasm/data.js";
import { runs, seed } from "./config.js";

const SEED = seed(0x5e1ec7);
const NUM_RUNS = 1000;

// ───────────────────────────── programs as data ─────────────────────────────

const CMPS = ["eq", "ne", "lt", "le", "gt", "ge"] as const;
const BINS = ["add", "sub", "mul", "div", "max", "min"] as const;
const UNS = ["neg", "abs", "sqrt"] as const;
const LITS = [0, -0, 1.5, -2, 0.1, NaN, Infinity, -Infinity, 1e-40, 3e38] as const;
type Cmp = (typeof CMPS)[number];
type Bin = (typeof BINS)[number];
type Un = (typeof UNS)[number];

/** An operand: an earlier value (index mod the count so far), an input, or a literal. */
type Src = { k: "val"; i: number } | { k: "y" } | { k: "bias" } | { k: "col" } | { k: "s" } | { k: "lit"; v: number };

/** Each op's first operand `a` is an earlier value (so every value is [rows, cols]); the others are any Src. */
type Op =
  | { op: "bin"; fn: Bin; a: number; b: Src; swap: boolean }
  | { op: "un"; fn: Un; a: number }
  /** where(cmp(a, b), t, f) — or lax.select. */
  | { op: "sel"; cmp: Cmp; a: number; b: Src; t: Src; f: Src; lax: boolean }
  /** where(m, a, f), m the bool input. */
  | { op: "mask"; a: number; f: Src; swap: boolean }
  | { op: "relu"; a: number };

interface Program {
  rows: number;
  cols: number;
  /** The bool input: [rows, cols] or size-1 ([] or [1]). */
  mask: "full" | "scalar" | "one";
  ops: Op[];
  /** Also return values[extra] (an intermediate the loop must store); the leaves (values no op reads) are always returned. */
  extra: number | null;
  /** Also return the last comparison's mask (a bool output). */
  maskOut: boolean;
  /** Column sums returned: none, of the last value, or of the last value and values[extra ?? 0]. */
  colSums: 0 | 1 | 2;
  valueSeed: number;
}

const srcArb: fc.Arbitrary<Src> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 15 }).map((i): Src => ({ k: "val", i })) },
  { weight: 2, arbitrary: fc.constant<Src>({ k: "y" }) },
  { weight: 2, arbitrary: fc.constant<Src>({ k: "bias" }) },
  { weight: 2, arbitrary: fc.constant<Src>({ k: "col" }) },
  { weight: 1, arbitrary: fc.constant<Src>({ k: "s" }) },
  { weight: 2, arbitrary: fc.constantFrom(...LITS).map((v): Src => ({ k: "lit", v })) },
);
const valArb = fc.nat({ max: 15 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("bin" as const),
      fn: fc.constantFrom(...BINS),
      a: valArb,
      b: srcArb,
      swap: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("un" as const), fn: fc.constantFrom(...UNS), a: valArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("sel" as const),
      cmp: fc.constantFrom(...CMPS),
      a: valArb,
      b: srcArb,
      t: srcArb,
      f: srcArb,
      lax: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("mask" as const), a: valArb, f: srcArb, swap: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("relu" as const), a: valArb }) },
);

/** Shapes: cols = 4k (4..64), rows 1..40; in 9 of 10 programs rows is raised so the loop has ≥ 256 elements (cols ≥ 8). */
const shapeArb = fc
  .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 40 }), fc.nat({ max: 9 }))
  .map(([k, r, small]) => {
    if (small === 0) return { rows: r, cols: 4 * k };
    const cols = 4 * Math.max(k, 2);
    return { rows: Math.min(40, Math.max(r, Math.ceil(256 / cols))), cols };
  });

const programArb: fc.Arbitrary<Program> = fc
  .record({
    shape: shapeArb,
    mask: fc.constantFrom("full" as const, "full" as const, "scalar" as const, "one" as const),
    ops: fc.array(opArb, { minLength: 2, maxLength: 8 }),
    extra: fc.option(fc.nat({ max: 15 }), { freq: 3 }),
    maskOut: fc.boolean(),
    colSums: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const),
    valueSeed: fc.nat(),
  })
  .map(({ shape, ...p }) => ({ ...shape, ...p }));

// ───────────────────────────── interpretation ─────────────────────────────

const CMP_FN = {
  eq: np.equal,
  ne: np.notEqual,
  lt: np.less,
  le: np.lessEqual,
  gt: np.greater,
  ge: np.greaterEqual,
} as const;
const BIN_FN = {
  add: np.add,
  sub: np.subtract,
  mul: np.multiply,
  div: np.divide,
  max: np.maximum,
  min: np.minimum,
} as const;
const UN_FN = { neg: np.negative, abs: np.abs, sqrt: np.sqrt } as const;

/** The program as a function of (x, y, bias, col, s, m); outputs: the leaves, then as listed in Program. */
function programFn(p: Program): (...a: Tensor[]) => Tensor[] {
  return (x, y, bias, col, s, m) => {
    const vals: Tensor[] = [x!];
    /** Values some op reads (the others, leaves, are returned: no op is dead code). */
    const read = new Set<number>();
    const val = (i: number) => (read.add(i % vals.length), vals[i % vals.length]!);
    const src = (q: Src): Tensor | number => {
      switch (q.k) {
        case "val":
          return val(q.i);
        case "y":
          return y!;
        case "bias":
          return bias!;
        case "col":
          return col!;
        case "s":
          return s!;
        case "lit":
          return q.v;
      }
    };
    let lastMask: Tensor | undefined;
    for (const o of p.ops) {
      switch (o.op) {
        case "bin": {
          const [a, b] = [val(o.a), src(o.b)];
          vals.push(o.swap ? BIN_FN[o.fn](b, a) : BIN_FN[o.fn](a, b));
          break;
        }
        case "un":
          vals.push(UN_FN[o.fn](val(o.a)));
          break;
        case "sel": {
          lastMask = CMP_FN[o.cmp](val(o.a), src(o.b));
          const [t, f] = [src(o.t), src(o.f)];
          // lax.select needs operands of the mask's shape and dtype
          const full = (v: Tensor | number) =>
            np.broadcastTo(typeof v === "number" ? np.array(v, { dtype: "float32" }) : v, [p.rows, p.cols]);
          vals.push(o.lax ? lax.select(lastMask, full(t), full(f)) : np.where(lastMask, t, f));
          break;
        }
        case "mask": {
          const [a, f] = [val(o.a), src(o.f)];
          vals.push(o.swap ? np.where(m!, f, a) : np.where(m!, a, f));
          break;
        }
        case "relu":
          vals.push(nn.relu(val(o.a)));
          break;
      }
    }
    const last = vals[vals.length - 1]!;
    const out = vals.filter((_, i) => i > 0 && !read.has(i));
    if (p.extra !== null) out.push(vals[p.extra % vals.length]!);
    if (p.maskOut && lastMask) out.push(lastMask);
    if (p.colSums >= 1) out.push(np.sum(last, { axis: 0 }));
    if (p.colSums === 2) out.push(np.sum(vals[(p.extra ?? 0) % vals.length]!, { axis: 0 }));
    return out;
  };
}

const showSrc = (q: Src): string =>
  q.k === "val" ? `v${q.i}` : q.k === "lit" ? (Object.is(q.v, -0) ? "-0" : String(q.v)) : q.k;
/** The program as text, for failure messages (value indices are taken mod the count so far; v0 is x). */
function show(p: Program): string {
  const lines = p.ops.map((o, k) => {
    const n = k + 1;
    const v = (i: number) => `v${i % n}`;
    const s = (q: Src) => (q.k === "val" ? v(q.i) : showSrc(q));
    switch (o.op) {
      case "bin":
        return `v${n} = ${o.fn}(${o.swap ? `${s(o.b)}, ${v(o.a)}` : `${v(o.a)}, ${s(o.b)}`})`;
      case "un":
        return `v${n} = ${o.fn}(${v(o.a)})`;
      case "sel":
        return `v${n} = ${o.lax ? "lax.select" : "where"}(${o.cmp}(${v(o.a)}, ${s(o.b)}), ${s(o.t)}, ${s(o.f)})`;
      case "mask":
        return `v${n} = where(m, ${o.swap ? `${s(o.f)}, ${v(o.a)}` : `${v(o.a)}, ${s(o.f)}`})`;
      case "relu":
        return `v${n} = relu(${v(o.a)})`;
    }
  });
  const n = p.ops.length + 1;
  const read = new Set<number>();
  p.ops.forEach((o, k) => {
    const m = k + 1;
    read.add(o.a % m);
    for (const q of [(o as { b?: Src }).b, (o as { t?: Src }).t, (o as { f?: Src }).f])
      if (q?.k === "val") read.add(q.i % m);
  });
  const leaves = Array.from({ length: n - 1 }, (_, i) => i + 1).filter((i) => !read.has(i));
  return (
    `x: [${p.rows}, ${p.cols}], mask ${p.mask}; ${lines.join("; ")}; out: ${leaves.map((i) => `v${i}`).join(", ")}` +
    `${p.extra !== null ? `, v${p.extra % n}` : ""}${p.maskOut ? ", last mask" : ""}${p.colSums ? `, ${p.colSums} column sum(s)` : ""}; values seed ${p.valueSeed}`
  );
}

// ───────────────────────────── values ─────────────────────────────

function inputsOf(p: Program): Tensor[] {
  const r = mulberry32(p.valueSeed);
  const f32 = (shape: number[]) =>
    np.reshape(
      np.array(
        values(
          shape.reduce((a, b) => a * b, 1),
          r,
          true,
        ),
        { dtype: "float32" },
      ),
      shape,
    );
  const n = p.rows * p.cols;
  const m =
    p.mask === "full"
      ? np.reshape(np.array(Array.from({ length: n }, () => r() < 0.5)), [p.rows, p.cols])
      : np.reshape(np.array([r() < 0.5]), p.mask === "scalar" ? [] : [1]);
  return [f32([p.rows, p.cols]), f32([p.rows, p.cols]), f32([p.cols]), f32([p.rows, 1]), f32([]), m];
}

// ───────────────────────────── comparison ─────────────────────────────

/** Bit-for-bit equality (any NaN matches any NaN; −0 ≠ +0): the first few differences. */
function differences(what: string, got: Tensor, want: Tensor): string[] {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join())
    return [`${what}: ${got.dtype}[${got.shape}] vs ${want.dtype}[${want.shape}]`];
  const [g, w] = [got.toTypedArray(), want.toTypedArray()];
  const bad: string[] = [];
  for (let i = 0; i < g.length && bad.length < 6; i++) {
    const [a, b] = [g[i]!, w[i]!];
    const ok = Number.isNaN(a) || Number.isNaN(b) ? Number.isNaN(a) && Number.isNaN(b) : Object.is(a, b);
    if (!ok) bad.push(`${what} [${i}]: got ${Object.is(a, -0) ? "-0" : a}, want ${Object.is(b, -0) ? "-0" : b}`);
  }
  return bad;
}
function expectBitwise(what: string, got: Tensor[], want: Tensor[]): void {
  expect(got.length, what).toBe(want.length);
  const bad = got.flatMap((t, k) => differences(`${what}, output ${k}`, t, want[k]!));
  expect(bad, bad.join("\n")).toEqual([]);
}

const WASM = "// WebAssembly SIMD loop over f32x4 lanes";

// ───────────────────────────── the property ─────────────────────────────

describe("random programs of float32 elementwise ops, selects, broadcasts and column sums: fast-mode jit (wasm) = eager, bitwise", () => {
  const tally = { cases: 0, wasm: 0, split: 0, columnSums: 0, boolIn: 0, boolOut: 0, js: 0 };
  afterAll(() => {
    console.log(
      `wasm_loops: ${tally.cases} programs, ${tally.wasm} all-wasm (${tally.split} split loops, ${tally.columnSums} with column sums, ${tally.boolIn} reading bool bytes, ${tally.boolOut} storing bools), ${tally.js} with a JS loop`,
    );
  });

  it("WebAssembly SIMD is available", () => {
    expect(wasmKernels()).toBeDefined();
  });

  it("jit(f) (fast) = f bitwise where every fused loop is wasm; jit(f, exact) = f bitwise always; most programs reach wasm", () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const f = programFn(p);
        const args = inputsOf(p);
        try {
          const fast = jit(f);
          const src = fast.lower(...args).source;
          const fused = (src.match(/^function F\d+\(/gm) ?? []).length;
          const wasm = src.split(WASM).length - 1;
          const eager = f(...args);
          tally.cases++;
          if (wasm > 0 && wasm === fused) {
            tally.wasm++;
            if (/\d+ rows × \d+/.test(src)) tally.split++;
            if (src.includes("column reduce_sum")) tally.columnSums++;
            if (/in\d+: bool/.test(src)) tally.boolIn++;
            if (src.includes('N("bool"')) tally.boolOut++; // a fresh bool array: a mask returned from the loop
            expectBitwise("fast vs eager", fast(...args), eager);
            expectBitwise("fast vs eager, second call", fast(...args), eager);
          } else tally.js++;
          expectBitwise("exact vs eager", jit(f, { float32: "exact" })(...args), eager);
        } catch (e) {
          if (e instanceof Error) e.message = `${e.message}\n  program: ${show(p)}`;
          throw e;
        }
      }),
      { seed: SEED, numRuns: runs(NUM_RUNS) },
    );
    // the property is about wasm loops: most programs must have reached them, of each kind
    expect(tally.wasm / tally.cases, `${tally.wasm} of ${tally.cases} programs all-wasm`).toBeGreaterThanOrEqual(0.7);
    for (const k of ["split", "columnSums", "boolIn", "boolOut"] as const)
      expect(tally[k], `all-wasm programs with ${k}`).toBeGreaterThanOrEqual(Math.ceil(0.1 * tally.wasm));
  });
});
