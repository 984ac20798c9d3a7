// jit's WebAssembly SIMD loops beyond flat arithmetic (src/wasm/loops.ts, chosen in src/compile/fusion.ts), in
// float32 "fast" mode: loops split into outer × inner (inner a multiple of 4) that read broadcast operands by the inner
// index j (a bias row), by the outer index o (a per-row value [rows, 1]) or by the flat index; column sums (reduce_sum
// over leading axes, accumulated per column in row order); bool lane masks from comparisons (eq ne lt le gt ge),
// select (np.where, lax.select, nn.relu) by v128.bitselect, bool values stored as bytes 0/1 and read from bytes
// (nonzero: true), a size-1 bool read once.
//
// Claim checked: every op in these loops is IEEE float32 per operation, which is what eager computes, so for programs
// made only of add sub mul div neg abs sqrt max min, comparisons, selects, broadcasts and column sums, the fast-mode
// jit result is BITWISE equal to eager (NaN, ±Inf, ±0, subnormals included; any NaN matches any NaN) and to
// jit(f, { float32: "exact" }); bool results are exactly eager's 0/1. Eager's reduce_sum over axis 0 accumulates each
// column in row order in float32 from +0 (src/primitives/kernels.ts `reduce`), which these tests also check against a
// plain-JS reference, so the column sums are bitwise comparable.
//
// Routing checked through jit(f).lower(...).source: a wasm loop's source starts with WASM below, a JS loop does not.
// A run with a select goes to wasm from 256 elements, plain arithmetic (comparisons included) from 4096; rows whose
// width is not a multiple of 4, and row sums, stay in JS. Where a test claims wasm it asserts the source, so it cannot
// pass vacuously on the JS path (where fast mode computes in double precision and need not be bitwise equal to eager).
import os from "node:os";
import { grad, jit, lax, nn, np, type Tensor } from "tracegrad";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { setThreads, threadsReady, wasmKernels } from "../../src/wasm/runtime.js";
import { bitwise, MAX_F32, MIN_NORMAL, MIN_SUB, show, uniform, values } from "./data.js";

afterEach(() => setThreads(undefined));
afterAll(() => setThreads(undefined));

// ───────────────────────────── data ─────────────────────────────

const f32 = (d: ArrayLike<number>, shape: number[]): Tensor =>
  np.reshape(np.array(Float32Array.from(d), { dtype: "float32" }), shape);
const rand = (shape: number[], seed: number): Tensor =>
  f32(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
/** A bool tensor, true with probability `p`. */
const bools = (shape: number[], seed: number, p = 0.5): Tensor => {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return np.reshape(np.array(Array.from({ length: n }, () => r() < p)), shape);
};
const data = (t: Tensor) => t.toTypedArray();

// ───────────────────────────── comparisons ─────────────────────────────

function expectBitwise(what: string, got: Tensor, want: Tensor): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.shape, what).toEqual(want.shape);
  const bad = bitwise(data(got), data(want));
  expect(bad.length, `${what}: ${bad.length} of ${got.size} elements differ\n  ${bad.slice(0, 8).join("\n  ")}`).toBe(
    0,
  );
}
const outputs = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
function expectAllBitwise(what: string, got: Tensor | Tensor[], want: Tensor | Tensor[]): void {
  const [g, w] = [outputs(got), outputs(want)];
  expect(g.length, what).toBe(w.length);
  g.forEach((t, k) => expectBitwise(`${what}, output ${k}`, t, w[k]!));
}

describe("the comparisons themselves", () => {
  it("bitwise rejects one ulp, −0 for +0, NaN for a number; accepts NaN for NaN", () => {
    expect(bitwise([1], [Math.fround(1 + 2 ** -23)])).toHaveLength(1);
    expect(bitwise([-0], [0])).toHaveLength(1);
    expect(bitwise([NaN, 1], [1, NaN])).toHaveLength(2);
    expect(bitwise([NaN, -0, Infinity], [NaN, -0, Infinity])).toEqual([]);
  });
  it("the data has every kind of special value", () => {
    const xs = values(4096, 1);
    expect(xs.some(Number.isNaN) && xs.includes(Infinity) && xs.includes(-Infinity)).toBe(true);
    expect(xs.some((v) => Object.is(v, -0)) && xs.some((v) => Object.is(v, 0))).toBe(true);
    expect(xs.some((v) => v !== 0 && Math.abs(v) < MIN_NORMAL)).toBe(true);
    expect(xs.some((v) => Math.abs(v) > 2 ** 100 && Number.isFinite(v))).toBe(true);
  });
});

// ───────────────────────────── what the compiled program is ─────────────────────────────

const WASM = "// WebAssembly SIMD loop over f32x4 lanes";
const count = (s: string, sub: string) => s.split(sub).length - 1;
/** The fused loops of a lowered program: all of them, and those compiled to WebAssembly. */
function loops(src: string): { all: number; wasm: number; js: number } {
  const all = (src.match(/^function F\d+\(/gm) ?? []).length;
  const wasm = count(src, WASM);
  return { all, wasm, js: all - wasm };
}

/**
 * Lowers `f` in fast mode, asserts how many of its fused loops are wasm and JS, and (where every fused loop is wasm,
 * or `fastIsEager`) that fast mode equals eager bitwise, on two calls; exact mode equals eager bitwise always.
 * Returns the fast-mode source.
 */
function check(
  what: string,
  f: (...a: Tensor[]) => Tensor | Tensor[],
  args: Tensor[],
  want: { wasm: number; js?: number },
): string {
  const fast = jit(f);
  const src = fast.lower(...args).source;
  const l = loops(src);
  expect(l.wasm, `${what}: wasm loops in\n${src}`).toBe(want.wasm);
  expect(l.js, `${what}: JS loops in\n${src}`).toBe(want.js ?? 0);
  const eager = f(...args);
  if (l.js === 0) {
    expectAllBitwise(`${what}: fast vs eager`, fast(...args), eager);
    expectAllBitwise(`${what}: fast vs eager, second call`, fast(...args), eager);
  }
  expectAllBitwise(`${what}: exact vs eager`, jit(f, { float32: "exact" })(...args), eager);
  return src;
}

/** Column sums by definition: for each column, acc = fround(acc + x[r][c]) over rows r in order, from +0. */
function columnSums(x: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols); // +0
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] = Math.fround(out[c]! + x[r * cols + c]!);
  return out;
}

const R = 128;
const C = 256;

describe("WebAssembly SIMD is available (else every wasm claim below fails, not passes)", () => {
  it("wasmKernels() is defined", () => {
    expect(wasmKernels()).toBeDefined();
  });
});

// ───────────────────────────── broadcasts ─────────────────────────────

describe("broadcast operands in split loops: bitwise equal to eager", () => {
  it("a bias row [256] added to [128, 256] is read by the inner index j (and sub, mul, div, max, min with it on either side)", () => {
    const x = rand([R, C], 1);
    const b = rand([C], 2);
    const src = check("x + b", (x, b) => np.add(x, b), [x, b], { wasm: 1 });
    expect(src).toContain(`${R} rows × ${C}`);
    expect(src).toMatch(/in\d: float32, read by j/);
    const ops = [np.subtract, np.multiply, np.divide, np.maximum, np.minimum];
    check("bias, every op both ways", (x, b) => ops.flatMap((op) => [op(x, b), op(b, x)]), [x, b], { wasm: 1 });
    // the j-read values are the row: every row of x + b − x is b where x is a moderate value
    const got = data(
      jit((x: Tensor, b: Tensor) => np.add(np.multiply(x, 0), b))(f32(new Float32Array(R * C).fill(1), [R, C]), b),
    );
    for (let r = 0; r < R; r += 37)
      expect(
        bitwise(
          got.subarray(r * C, (r + 1) * C),
          data(b).map((v) => v + 0),
        ),
        `row ${r}`,
      ).toEqual([]);
  });

  it("a per-row value [128, 1] is read by the outer index o", () => {
    const x = rand([R, C], 3);
    const col = rand([R, 1], 4);
    const src = check(
      "x · col, col − x, x / col",
      (x, c) => [np.multiply(x, c), np.subtract(c, x), np.divide(x, c)],
      [x, col],
      { wasm: 1 },
    );
    expect(src).toMatch(/in\d: float32, read by o/);
    // row r of 0·x + col is col[r] throughout
    const ones = f32(new Float32Array(R * C).fill(1), [R, C]);
    const got = data(jit((x: Tensor, c: Tensor) => np.add(np.multiply(x, 0), c))(ones, col));
    const cv = data(col);
    for (let r = 0; r < R; r++)
      expect(bitwise(got.subarray(r * C, (r + 1) * C), new Float32Array(C).fill(cv[r]! + 0)), `row ${r}`).toEqual([]);
  });

  it("bias by j, per-row by o, a full operand by i and a size-1 input read once, in one loop", () => {
    const args = [rand([R, C], 5), rand([R, C], 6), rand([C], 7), rand([R, 1], 8), f32([1.75], [])];
    const f = (x: Tensor, y: Tensor, b: Tensor, c: Tensor, s: Tensor) =>
      np.divide(np.add(np.multiply(x, c), b), np.add(np.sqrt(np.abs(y)), s));
    const src = check("(x·c + b) / (√|y| + s)", f, args, { wasm: 1 });
    for (const read of ["read by j", "read by o", "read by i", "read once"]) expect(src).toContain(read);
  });

  it("a bias over the trailing two axes of a 3-d value ([4, 32, 256] + [32, 256]) and a [4, 1, 1] value by o", () => {
    const args = [rand([4, 32, C], 9), rand([32, C], 10), rand([4, 1, 1], 11)];
    const src = check("x + b, x · c", (x, b, c) => [np.add(x, b), np.multiply(np.subtract(x, b), c)], args, {
      wasm: 1,
    });
    expect(src).toMatch(/4 rows × 8192/);
  });

  it("broadcast values stored as outputs: the bias rows, the per-row columns, a size-1 bool as bytes 0/1", () => {
    const [x, b, c] = [rand([R, C], 90), rand([C], 91), rand([R, 1], 92)];
    const src = check(
      "stored broadcasts",
      (x, b, c) => [np.broadcastTo(b, [R, C]), np.broadcastTo(c, [R, C]), np.where(np.greater(x, b), x, c)],
      [x, b, c],
      { wasm: 1 },
    );
    expect(src).toMatch(/stores %\d+ %\d+ %\d+/);
    for (const v of [true, false]) {
      const got = check(
        `stored bool ${v}`,
        (m, x) => [np.broadcastTo(m, [R, C]), np.where(m, x, 1)],
        [np.array(v), x],
        { wasm: 1 },
      );
      expect(got).toMatch(/in\d: bool, read once/);
      const [mask] = jit((m: Tensor, x: Tensor) => [np.broadcastTo(m, [R, C]), np.where(m, x, 1)])(
        np.array(v),
        x,
      ) as Tensor[];
      expect(mask!.dtype).toBe("bool");
      expect([...data(mask!)].every((k) => k === (v ? 1 : 0))).toBe(true);
    }
  });

  it("a comparison of a size-1 input (done once, splat) as the condition of a select over full arrays", () => {
    const [x, y] = [rand([R, C], 93), rand([R, C], 94)];
    for (const s of [0.25, -0, NaN]) {
      const src = check(
        `where(s > 0, x, y), s = ${show(s)}`,
        (s, x, y) => np.where(np.greater(s, 0), x, y),
        [f32([s], []), x, y],
        { wasm: 1 },
      );
      expect(src).toMatch(/in\d: float32, read once/);
    }
  });

  it("a bool operand broadcast along rows or columns stays in JS (only flat-index bool reads are wasm) and equals eager", () => {
    const [x, y] = [rand([R, C], 12), rand([R, C], 13)];
    check("where(mask row, x, y)", (m, x, y) => np.where(m, x, y), [bools([C], 14), x, y], { wasm: 0, js: 1 });
    check("where(mask column, x, y)", (m, x, y) => np.where(m, x, y), [bools([R, 1], 15), x, y], { wasm: 0, js: 1 });
  });
});

// ───────────────────────────── comparisons, selects, ReLU ─────────────────────────────

describe("comparisons and selects as lane masks", () => {
  const CMP = {
    equal: np.equal,
    notEqual: np.notEqual,
    less: np.less,
    lessEqual: np.lessEqual,
    greater: np.greater,
    greaterEqual: np.greaterEqual,
  } as const;

  it("every comparison, returned as a bool output and used by a select: eager's 0/1 and values, specials included", () => {
    // pairs of specials in every lane position, then random values (with specials); x and y share many values
    const S = [NaN, -Infinity, -MAX_F32, -1, -MIN_SUB, -0, 0, MIN_SUB, 1, MAX_F32, Infinity];
    const pairs = S.flatMap((a) => S.map((b) => [a, b] as const));
    const n = R * C;
    const xr = values(n, 16);
    const yr = values(n, 17);
    for (let i = 0; i < n; i++) {
      if (i < 4 * pairs.length) [xr[i], yr[i]] = pairs[i % pairs.length]!;
      else if (i % 5 === 0) yr[i] = xr[i]!;
    }
    const [x, y] = [f32(xr, [R, C]), f32(yr, [R, C])];
    for (const [name, cmp] of Object.entries(CMP)) {
      const f = (x: Tensor, y: Tensor) => [cmp(x, y), np.where(cmp(x, y), x, np.negative(y))];
      const src = check(name, f, [x, y], { wasm: 1 });
      expect(src).toContain("select");
      const [mask] = jit(f)(x, y) as Tensor[];
      expect(mask!.dtype).toBe("bool");
      const m = data(mask!);
      const ref = {
        equal: (a: number, b: number) => a === b,
        notEqual: (a: number, b: number) => a !== b,
        less: (a: number, b: number) => a < b,
        lessEqual: (a: number, b: number) => a <= b,
        greater: (a: number, b: number) => a > b,
        greaterEqual: (a: number, b: number) => a >= b,
      }[name]!;
      const bad: string[] = [];
      for (let i = 0; i < n; i++)
        if (m[i] !== (ref(xr[i]!, yr[i]!) ? 1 : 0))
          bad.push(`[${i}] ${name}(${show(xr[i]!)}, ${show(yr[i]!)}) = ${m[i]}`);
      expect(bad.slice(0, 8)).toEqual([]);
      expect(new Set(m)).toEqual(new Set([0, 1]));
    }
  });

  it("a comparison alone, returned as bool: ≥ 4096 elements in wasm, stored as bytes 0/1 (tail lengths too)", () => {
    for (const n of [4096, 4099, 8191]) {
      const x = rand([n], 18 + n);
      const src = check(`x > 0, n = ${n}`, (x) => np.greater(x, 0), [x], { wasm: 1 });
      expect(src).toContain("= gt");
      const got = data(jit((x: Tensor) => np.greater(x, 0))(x));
      expect([...got].every((v, i) => v === (data(x)[i]! > 0 ? 1 : 0))).toBe(true);
    }
  });

  it("nn.relu (compare ≤ 0 and select, not np.maximum): relu(−0) = +0, relu(NaN) = NaN, relu(−Inf) = +0, bitwise as eager", () => {
    const x = rand([R, C], 19);
    const b = rand([C], 20);
    const src = check("relu(x + b)", (x, b) => nn.relu(np.add(x, b)), [x, b], { wasm: 1 });
    expect(src).toContain("= le ");
    expect(src).toContain("= select ");
    expect(src).not.toContain("= max");
    const specials = f32(
      Array.from({ length: 256 }, (_, i) => [-0, 0, NaN, -Infinity, Infinity, -MIN_SUB, MIN_SUB, -1][i % 8]!),
      [4, 64],
    );
    const zero = f32(new Float32Array(64), [64]);
    const got = data(jit((x: Tensor, b: Tensor) => nn.relu(np.add(x, b)))(specials, zero));
    const want = [0, 0, NaN, 0, Infinity, 0, MIN_SUB, 0];
    expect(
      bitwise(
        got,
        Array.from({ length: 256 }, (_, i) => want[i % 8]!),
      ),
    ).toEqual([]);
    // np.maximum(x, 0) is a different function at −0 (maximum(−0, 0) = +0 too, but maximum(NaN, 0) = NaN): both as eager
    check("maximum(x + b, 0)", (x, b) => np.maximum(np.add(x, b), 0), [x, b], { wasm: 1 });
  });

  it("a ReLU layer nn.relu(x @ w + b): the matmul is a kernel, bias add + ReLU one wasm loop; bitwise equal to eager", () => {
    const x = f32(uniform(R * 64, 21, -1, 1), [R, 64]);
    const w = f32(uniform(64 * C, 22, -0.5, 0.5), [64, C]);
    const b = f32(uniform(C, 23, -0.5, 0.5), [C]);
    const src = check("relu(x @ w + b)", (x, w, b) => nn.relu(np.add(np.matmul(x, w), b)), [x, w, b], { wasm: 1 });
    expect(src).toContain("dot_general");
  });

  it("np.where and lax.select with a literal on either side, a literal NaN threshold, and nested selects", () => {
    const [x, y] = [rand([R, C], 24), rand([R, C], 25)];
    const f = (x: Tensor, y: Tensor) => [
      np.where(np.greater(x, 0.1), x, -0),
      np.where(np.less(x, y), 2.5, y),
      lax.select(np.greaterEqual(y, x), np.multiply(x, 1e-40), np.divide(y, 3)),
      np.where(np.greater(x, NaN), 1, 2), // never true
      np.where(np.notEqual(y, NaN), x, Infinity), // always true
      np.where(np.less(x, 0), np.where(np.less(y, 0), x, y), np.where(np.equal(x, y), -Infinity, NaN)),
    ];
    const src = check("literal operands", f, [x, y], { wasm: 1 });
    for (const lit of ["splat 0.1", "splat 2.5", "splat NaN", "splat Infinity", "splat -Infinity"])
      expect(src).toContain(lit);
    const [, , , never, always] = jit(f)(x, y) as Tensor[];
    expect([...data(never!)].every((v) => v === 2)).toBe(true);
    expect(bitwise(data(always!), data(x))).toEqual([]);
  });

  it("np.where with a JS boolean literal as the condition", () => {
    const [x, y] = [rand([R, C], 26), rand([R, C], 27)];
    check("where(true, x·y, y)", (x, y) => np.where(true as unknown as Tensor, np.multiply(x, y), y), [x, y], {
      wasm: 1,
    });
  });
});

// ───────────────────────────── bool inputs ─────────────────────────────

describe("bool inputs passed by the caller: read from bytes", () => {
  it("a [128, 256] bool tensor as np.where's condition, with comparisons on the other operands", () => {
    const [m, x, y] = [bools([R, C], 28), rand([R, C], 29), rand([R, C], 30)];
    const f = (m: Tensor, x: Tensor, y: Tensor) => [
      np.where(m, x, y),
      np.where(m, np.where(np.greater(x, y), x, 0), np.multiply(y, -1)),
    ];
    const src = check("where(m, …)", f, [m, x, y], { wasm: 1 });
    expect(src).toMatch(/in\d: bool, read by i/);
    // and the mask selects what it says
    const got = data((jit(f)(m, x, y) as Tensor[])[0]!);
    const [md, xd, yd] = [data(m), data(x), data(y)];
    expect(
      bitwise(
        got,
        Array.from(md, (v, i) => (v ? xd[i]! : yd[i]!)),
      ),
    ).toEqual([]);
  });

  it("a bool input of a flat length that is not a multiple of 4 (tail bytes), all-true and all-false masks", () => {
    for (const n of [257, 1001, 4099]) {
      const [x, y] = [rand([n], 31 + n), rand([n], 32 + n)];
      for (const p of [0.5, 0, 1])
        check(`n = ${n}, p = ${p}`, (m, x, y) => np.where(m, x, y), [bools([n], 33 + n, p), x, y], { wasm: 1 });
    }
  });

  it("a select between bool operands has no wasm rule (float32 lanes only): the loop stays in JS, equal to eager", () => {
    const [m, x] = [bools([R, C], 34), rand([R, C], 35)];
    check("where(m, x > 0, x < 0)", (m, x) => np.where(m, np.greater(x, 0), np.less(x, 0)), [m, x], { wasm: 0, js: 1 });
  });

  for (const shape of [[], [1], [1, 1]]) {
    for (const v of [true, false]) {
      it(`a size-1 bool input (shape [${shape}], ${v}) is read once: np.where(m, x, y) is x or y throughout`, () => {
        const m = np.reshape(np.array([v]), shape);
        const [x, y] = [rand([R, C], 36), rand([R, C], 37)];
        const src = check("where(m, x, y)", (m, x, y) => np.where(m, np.multiply(x, 2), y), [m, x, y], { wasm: 1 });
        expect(src).toMatch(/in\d: bool, read once/);
        const got = data(jit((m: Tensor, x: Tensor, y: Tensor) => np.where(m, x, y))(m, x, y));
        expect(bitwise(got, data(v ? x : y))).toEqual([]);
      });
    }
  }
});

// ───────────────────────────── column sums ─────────────────────────────

describe("column sums (reduce_sum over leading axes) fused with their producer", () => {
  it("eager's np.sum over axis 0 is the row-order float32 sum (the reference order), and order matters on this data", () => {
    // per column: 2^24, then 1s, then −2^24: in row order the 1s vanish (2^24 + 1 = 2^24 in float32)
    const rows = 64;
    const xr = new Float32Array(rows * 8);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < 8; c++) xr[r * 8 + c] = r === 0 ? 2 ** 24 : r === rows - 1 ? -(2 ** 24) : c < 4 ? 1 : -0;
    const x = f32(xr, [rows, 8]);
    const eager = data(np.sum(x, { axis: 0 }));
    expect(bitwise(eager, columnSums(xr, rows, 8))).toEqual([]);
    expect(eager[0]).toBe(0); // not 62: the order is visible
    const random = values(R * C, 38);
    expect(bitwise(data(np.sum(f32(random, [R, C]), { axis: 0 })), columnSums(random, R, C))).toEqual([]);
  });

  it("Σ over axis 0 of an elementwise product: one wasm loop; bitwise equal to the row-order reference and to eager", () => {
    const x = rand([R, C], 39);
    const f = (x: Tensor) => np.sum(np.multiply(x, 3), { axis: 0 });
    const src = check("Σ_0 3x", f, [x], { wasm: 1 });
    expect(src).toContain("column reduce_sum");
    const three = Float32Array.from(data(x), (v) => v * 3);
    expect(bitwise(data(jit(f)(x)), columnSums(three, R, C))).toEqual([]);
  });

  it("order-sensitive columns (2^24 + 1s − 2^24), cancelling infinities, overflow to Inf, all −0 columns (+0 sum)", () => {
    const rows = 64;
    const xr = new Float32Array(rows * C);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < C; c++) {
        const k = c % 8;
        xr[r * C + c] = [
          r === 0 ? 2 ** 24 : r === rows - 1 ? -(2 ** 24) : 1, // 0: the 1s are absorbed
          r === 0 ? 2 ** 24 : r === 1 ? -(2 ** 24) : r === 2 ? 1 : 0, // 1: 1 (the same values in another order)
          r === 3 ? Infinity : r === 9 ? -Infinity : 1, // 2: NaN
          MAX_F32 / 4, // 3: overflows to +Inf part way
          -0, // 4: +0 (the sum starts at +0)
          r % 2 ? MIN_SUB : -MIN_SUB, // 5: subnormal steps
          r === 5 ? NaN : -1, // 6: NaN
          (r - 31.5) * 0.1, // 7: rounding in every step
        ][k]!;
      }
    const x = f32(xr, [rows, C]);
    const f = (x: Tensor) => np.sum(np.add(x, -0), { axis: 0 }); // x + (−0) is x, bit for bit
    check("Σ_0 (x + −0)", f, [x], { wasm: 1 });
    const got = data(jit(f)(x));
    expect(bitwise(got, columnSums(xr, rows, C))).toEqual([]);
    expect([got[0], got[1], got[2], got[3], got[4], got[5], got[6]]).toEqual([0, 1, NaN, Infinity, 0, 0, NaN]);
    expect(Object.is(got[4], 0)).toBe(true);
  });

  it("Σ over axes [0, 1] of a [4, 32, 256] value (128 rows × 256), and Σ over axis 0 of [4, 32, 256] (4 rows × 8192)", () => {
    const x = rand([4, 32, C], 40);
    const b = rand([C], 41);
    check("Σ_{0,1} (x + b)", (x, b) => np.sum(np.add(x, b), { axis: [0, 1] }), [x, b], { wasm: 1 });
    check("Σ_0 (x · 2)", (x) => np.sum(np.multiply(x, 2), { axis: 0 }), [x], { wasm: 1 });
    const xd = data(x);
    const got = data(jit((x: Tensor) => np.sum(np.multiply(x, 1), { axis: [0, 1] }))(x));
    expect(bitwise(got, columnSums(xd, 128, C))).toEqual([]);
  });

  it("two column sums and a stored value from one loop; a column sum of an input read directly", () => {
    const [x, b] = [rand([R, C], 42), rand([C], 43)];
    const f = (x: Tensor, b: Tensor) => {
      const h = np.add(x, b);
      return [np.sum(h, { axis: 0 }), np.sum(np.where(np.less(h, 0), h, 0), { axis: 0 }), h];
    };
    const src = check("two Σ_0 and h", f, [x, b], { wasm: 1 });
    expect(src).toMatch(/stores %\d+; column sums %\d+ %\d+/);
    check("Σ_0 x, 2x", (x) => [np.sum(x, { axis: 0 }), np.multiply(x, 2)], [x], { wasm: 1 });
    check("Σ_0 x alone", (x) => np.sum(x, { axis: 0 }), [x], { wasm: 1 });
  });

  it("a row sum (over the trailing axis) stays in JS", () => {
    const [x, b] = [rand([R, C], 44), rand([C], 45)];
    const src = check("Σ_1 relu(x + b)", (x, b) => np.sum(nn.relu(np.add(x, b)), { axis: 1 }), [x, b], {
      wasm: 0,
      js: 1,
    });
    expect(src).toContain("for (let");
  });
});

// ───────────────────────────── MLP backward ─────────────────────────────

describe("the MLP backward pattern: select(mask, 0, g) then a column sum", () => {
  it("by hand: Σ_0 where(h ≤ 0, 0, g) — one wasm loop, bitwise equal to eager and to the row-order reference", () => {
    const [h, g] = [rand([R, C], 46), rand([R, C], 47)];
    const f = (h: Tensor, g: Tensor) => {
      const gm = np.where(np.lessEqual(h, 0), 0, g);
      return [np.sum(gm, { axis: 0 }), gm];
    };
    const src = check("Σ_0 where(h ≤ 0, 0, g)", f, [h, g], { wasm: 1 });
    expect(src).toContain("select");
    expect(src).toContain("column reduce_sum");
    const [hd, gd] = [data(h), data(g)];
    const masked = Float32Array.from(gd, (v, i) => (hd[i]! <= 0 ? 0 : v));
    expect(bitwise(data((jit(f)(h, g) as Tensor[])[0]!), columnSums(masked, R, C))).toEqual([]);
  });

  /** ½ Σ (relu(x @ w + b) − t)². */
  const loss = (w: Tensor, b: Tensor, x: Tensor, t: Tensor): Tensor =>
    np.multiply(np.sum(np.square(np.subtract(nn.relu(np.add(np.matmul(x, w), b)), t))), 0.5);

  it("jit(grad) of a dense + ReLU layer's loss: the bias gradient is a fused column sum; (dW, db) bitwise equal to eager grad", () => {
    const x = f32(uniform(64 * 32, 48, -1, 1), [64, 32]);
    const w = f32(uniform(32 * 128, 49, -0.5, 0.5), [32, 128]);
    const b = f32(uniform(128, 50, -0.5, 0.5), [128]);
    const t = f32(uniform(64 * 128, 51, -1, 1), [64, 128]);
    const g = grad(loss, { argnums: [0, 1] }) as unknown as (...a: Tensor[]) => Tensor[];
    // the backward program: matmul kernels, and one loop (bias + ReLU + (h − t) + mask + column sum); every float op of
    // the loop is one IEEE float32 operation in eager too, and the matmuls are the same kernels, so bitwise is the claim
    const src = check("jit(grad(loss))", g, [w, b, x, t], { wasm: 1 });
    expect(src).toContain("column reduce_sum");
    expect(count(src, "= select")).toBeGreaterThanOrEqual(2);
    const [dw, db] = jit(g)(w, b, x, t);
    expect(dw!.shape).toEqual([32, 128]);
    expect(db!.shape).toEqual([128]);
    expect([...data(db!)].some((v) => v !== 0)).toBe(true);
  });

  it("the same layer with a batch whose pre-activations hit exactly 0 (the kink: relu′(0) = 0) and −0", () => {
    const x = f32(
      uniform(64 * 32, 52, -1, 1).map((v, i) => (i % 3 === 0 ? 0 : v)),
      [64, 32],
    );
    const w = f32(
      uniform(32 * 128, 53, -0.5, 0.5).map((v, i) => (i % 5 === 0 ? 0 : v)),
      [32, 128],
    );
    const b = f32(
      Array.from({ length: 128 }, (_, j) => (j % 4 === 0 ? 0 : j % 4 === 1 ? -0 : (j - 64) / 64)),
      [128],
    );
    const t = f32(uniform(64 * 128, 54, -1, 1), [64, 128]);
    const g = grad(loss, { argnums: [0, 1] }) as unknown as (...a: Tensor[]) => Tensor[];
    check("jit(grad(loss)) at the kink", g, [w, b, x, t], { wasm: 1 });
  });
});

// ───────────────────────────── routing ─────────────────────────────

describe("which loops go to wasm", () => {
  const sel = (x: Tensor, y: Tensor) => np.where(np.greater(x, y), np.subtract(x, y), np.multiply(y, 0.5));

  it("a run with a select: wasm from 256 elements (flat or split), JS below", () => {
    for (const shape of [[256], [8, 32], [2, 128], [257]])
      check(`select, [${shape}]`, sel, [rand(shape, 55), rand(shape, 56)], { wasm: 1 });
    for (const shape of [[255], [7, 36], [63, 4], [1]])
      check(`select, [${shape}]`, sel, [rand(shape, 57), rand(shape, 58)], { wasm: 0, js: 1 });
    // a bias row makes the loop split: still wasm from 256, JS below
    const bias = (x: Tensor, b: Tensor) => nn.relu(np.add(x, b));
    check("relu(x + b), [64, 4]", bias, [rand([64, 4], 59), rand([4], 60)], { wasm: 1 });
    check("relu(x + b), [63, 4]", bias, [rand([63, 4], 61), rand([4], 62)], { wasm: 0, js: 1 });
  });

  it("plain arithmetic (no select, no transcendental): wasm from 4096 elements, JS below", () => {
    const arith = (x: Tensor, y: Tensor) =>
      np.divide(np.add(np.multiply(x, y), np.sqrt(np.abs(x))), np.maximum(y, -0.5));
    for (const shape of [[4096], [4099], [64, 64], [16, 256]])
      check(`arithmetic, [${shape}]`, arith, [rand(shape, 63), rand(shape, 64)], { wasm: 1 });
    for (const shape of [[4095], [4092], [63, 64], [15, 256]])
      check(`arithmetic, [${shape}]`, arith, [rand(shape, 65), rand(shape, 66)], { wasm: 0, js: 1 });
    const withBias = (x: Tensor, b: Tensor) => np.multiply(np.add(x, b), b);
    check("(x + b)·b, [16, 256]", withBias, [rand([16, 256], 67), rand([256], 68)], { wasm: 1 });
    check("(x + b)·b, [15, 256]", withBias, [rand([15, 256], 69), rand([256], 70)], { wasm: 0, js: 1 });
    // a comparison is arithmetic too (only select or a transcendental make a short loop pay)
    check("x > y as bool, [4092]", (x, y) => np.greater(x, y), [rand([4092], 71), rand([4092], 72)], {
      wasm: 0,
      js: 1,
    });
  });

  it("rows whose width is not a multiple of 4 stay in JS (bias add, per-row value, column sum, select), equal to eager in exact mode", () => {
    for (const cols of [255, 258, 3, 6]) {
      const rows = Math.ceil(4096 / cols) + 1;
      const [x, b, c] = [rand([rows, cols], 73 + cols), rand([cols], 74 + cols), rand([rows, 1], 75 + cols)];
      const f = (x: Tensor, b: Tensor, c: Tensor) => [
        nn.relu(np.add(x, b)),
        np.multiply(np.where(np.less(x, c), x, c), 2),
      ];
      check(`[${rows}, ${cols}] relu(x + b), where(x < c, x, c)`, f, [x, b, c], { wasm: 0, js: 1 });
      check(
        `[${rows}, ${cols}] Σ_0 where(x ≤ 0, 0, x·b)`,
        (x, b) => np.sum(np.where(np.lessEqual(x, 0), 0, np.multiply(x, b)), { axis: 0 }),
        [x, b],
        { wasm: 0, js: 1 },
      );
    }
  });

  it("exact mode never uses wasm", () => {
    const [x, b] = [rand([R, C], 76), rand([C], 77)];
    const src = jit((x: Tensor, b: Tensor) => np.sum(nn.relu(np.add(x, b)), { axis: 0 }), { float32: "exact" }).lower(
      x,
      b,
    ).source;
    expect(src).not.toContain("WebAssembly");
    expect(src).toContain("Math.fround");
  });
});

// ───────────────────────────── buffers ─────────────────────────────

describe("buffers", () => {
  /** Four wasm loops (and a JS one), two column sums: the second loop writes into the first's dead output, a mask is stored as bytes. */
  const chain = (x: Tensor) => {
    const h = np.where(np.greater(x, 0), x, np.multiply(x, 0.25));
    const c1 = np.sum(h, { axis: 0 });
    const g = np.subtract(np.multiply(h, 2), c1); // c1 is a reduction result: a new loop
    const c2 = np.sum(g, { axis: 0 });
    const o = np.where(np.greater(g, c2), g, np.divide(c2, 64));
    return [o, c1];
  };

  it("a dead buffer reused by a later wasm loop, a mask stored for a later loop: results equal eager, call after call", () => {
    const x = f32(uniform(64 * C, 78, -2, 2), [64, C]);
    const src = check("chain", chain, [x], { wasm: 4, js: 1 });
    // the second loop writes g into h's buffer (h is dead after it: it is the second loop's last read)
    const reuse = src.match(/^\s*const (d\d+) = (d\d+);\n\s*(?:const d\d+ = [^;]+;\n\s*)?F\[1\]\((.*)\);$/m);
    expect(reuse, src).not.toBeNull();
    expect(reuse![3]!.split(", "), "F1 reads the reused buffer and writes into it").toEqual(
      expect.arrayContaining([reuse![1], reuse![2]]),
    );
    // a comparison is stored by one loop and read as bool bytes by a later one
    expect(src).toMatch(/in\d: bool, read by i/);
    const j = jit(chain);
    const first = j(x) as Tensor[];
    const before = first.map((t) => data(t).slice());
    const y = f32(uniform(64 * C, 79, -3, 1), [64, C]);
    expectAllBitwise("second call", j(y), chain(y));
    first.forEach((t, k) =>
      expect(bitwise(data(t), before[k]!), `first call's output ${k} after a second call`).toEqual([]),
    );
  });

  it("buffers kept across calls (a matmul written into one, loop outputs into dead ones): calls with other values equal eager", () => {
    // m = x @ w and a = relu(m + b) stay inside the call: their buffers are kept for the next call; a takes m's
    const f = (x: Tensor, w: Tensor, b: Tensor) => {
      const a = nn.relu(np.add(np.matmul(x, w), b));
      const c = np.sum(a, { axis: 0 });
      return [np.multiply(a, c), c];
    };
    const mk = (seed: number, k: number): [Tensor, Tensor, Tensor] => [
      f32(uniform(R * k, seed, -1, 1), [R, k]),
      f32(uniform(k * C, seed + 1, -0.5, 0.5), [k, C]),
      f32(uniform(C, seed + 2, -0.5, 0.5), [C]),
    ];
    for (const k of [64, 0]) {
      const [a1, a2] = [mk(95, k), mk(96, k)];
      const src = check(`k = ${k}`, f, a1, { wasm: 2 });
      expect(src, src).toMatch(/K\[\d+\]\(\[v\d+, v\d+\], \[d\d+\]\); \/\/ dot_general/);
      expect(src, src).toMatch(/^\s*const d\d+ = d\d+;$/m);
      const j = jit(f);
      const r1 = j(...a1) as Tensor[];
      const before = r1.map((t) => data(t).slice());
      expectAllBitwise(`k = ${k}, other values`, j(...a2), f(...a2));
      expectAllBitwise(`k = ${k}, first values again`, j(...a1), f(...a1));
      r1.forEach((t, q) =>
        expect(bitwise(data(t), before[q]!), `k = ${k}: first call's output ${q} after later calls`).toEqual([]),
      );
    }
  });
});

// ───────────────────────────── threads ─────────────────────────────

describe("threads: a long split loop without column sums is split by rows", () => {
  const cores = os.availableParallelism();
  const RT = 256;
  const CT = 1024; // 256 × 1024 = 2^18 elements = 2^16 vectors ≥ 2 × 8192

  const f = (x: Tensor, y: Tensor, b: Tensor, c: Tensor, m: Tensor, s: Tensor) => {
    const h = np.add(np.multiply(x, c), b); // by o and j
    const k = np.where(m, h, np.negative(y)); // bool bytes by i
    const z = np.where(s, k, y); // size-1 bool
    return [nn.relu(z), np.greater(z, y), np.divide(z, c)];
  };
  const args = (): [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor] => [
    rand([RT, CT], 83),
    rand([RT, CT], 84),
    rand([CT], 85),
    rand([RT, 1], 86),
    bools([RT, CT], 87),
    np.array(true),
  ];

  /** Runs jit(g) with `threads` threads; how many jobs went to workers (Atomics.notify calls hand them out). */
  async function run(
    threads: number,
    g: (...a: Tensor[]) => Tensor[],
    a: Tensor[],
  ): Promise<{ out: Tensor[]; handedOut: number; ready: number }> {
    setThreads(threads);
    const ready = await threadsReady();
    const j = jit(g);
    j(...a); // compiled, and the module registered with the workers
    const notify = vi.spyOn(Atomics, "notify");
    try {
      const out = j(...a) as Tensor[];
      return { out, handedOut: notify.mock.calls.length, ready };
    } finally {
      notify.mockRestore();
    }
  }

  it("setThreads(1) and setThreads(2): the same bits, equal to eager (and the 2-thread run used a worker)", async () => {
    const a = args();
    const src = jit(f).lower(...a).source;
    expect(loops(src)).toEqual({ all: 1, wasm: 1, js: 0 });
    expect(src).toContain(`${RT} rows × ${CT}`);
    const eager = f(...a) as Tensor[];
    const one = await run(1, f, a);
    expect(one.handedOut, "setThreads(1): no jobs for workers").toBe(0);
    expectAllBitwise("1 thread vs eager", one.out, eager);
    if (cores < 2) return; // no second thread on this machine
    const two = await run(2, f, a);
    expect(two.ready, "a worker is ready").toBeGreaterThanOrEqual(1);
    expect(two.handedOut, "setThreads(2): a job for a worker").toBeGreaterThan(0);
    expectAllBitwise("2 threads vs eager", two.out, eager);
    expectAllBitwise("2 threads vs 1 thread", two.out, one.out);
  });

  it("a flat loop of 2^18 + 3 elements (tail lanes in the last thread's share): 1 and 2 threads equal eager", async () => {
    const n = 2 ** 18 + 3;
    const a: [Tensor, Tensor, Tensor] = [rand([n], 88), rand([n], 89), bools([n], 90)];
    const g = (x: Tensor, y: Tensor, m: Tensor) => [np.where(m, np.maximum(x, y), np.sqrt(y)), np.lessEqual(x, y)];
    expect(loops(jit(g).lower(...a).source)).toEqual({ all: 1, wasm: 1, js: 0 });
    const eager = g(...a) as Tensor[];
    const one = await run(1, g, a);
    expectAllBitwise("1 thread vs eager", one.out, eager);
    if (cores < 2) return;
    const two = await run(2, g, a);
    expect(two.handedOut).toBeGreaterThan(0);
    expectAllBitwise("2 threads vs eager", two.out, eager);
  });

  it("a loop with a column sum stays on one thread (no jobs for workers) and equals eager", async () => {
    const a = args();
    const g = (x: Tensor, b: Tensor) => [np.sum(nn.relu(np.add(x, b)), { axis: 0 })];
    const src = jit(g).lower(a[0]!, a[2]!).source;
    expect(src).toContain("column reduce_sum");
    const two = await run(Math.min(2, cores), g, [a[0]!, a[2]!]);
    expect(two.handedOut).toBe(0);
    expectAllBitwise("column sum vs eager", two.out, g(a[0]!, a[2]!));
  });
});

// ───────────────────────────── bugs found ─────────────────────────────
// both are regression tests now

describe("one vector broadcast both by o and by j in the same loop", () => {
  // lax.broadcastInDim(v, [n, n], [0]) (v[o]) and lax.broadcastInDim(v, [n, n], [1]) (v[j]) of the SAME v: the
  // loop must read v twice, per row and per column. Found failing in the working tree before commit 067a32f (lanes
  // were kept per variable, so both broadcasts read v[j] and the outer product came out as v[j]²); fixed there (lanes
  // per input and read). A regression test.
  it("the outer product v[o] · v[j] + x, [128, 128]: bitwise equal to eager", () => {
    const n = 128;
    const v = f32(
      Array.from({ length: n }, (_, i) => i + 1),
      [n],
    );
    const x = f32(new Float32Array(n * n), [n, n]);
    const f = (x: Tensor, v: Tensor) =>
      np.add(x, np.multiply(lax.broadcastInDim(v, [n, n], [0]), lax.broadcastInDim(v, [n, n], [1])));
    const src = jit(f).lower(x, v).source;
    expect(loops(src).wasm, src).toBe(1);
    // row 2 is 3 · [1, 2, 3, …]
    expect(Array.from(data(f(x, v)).subarray(2 * n, 2 * n + 4))).toEqual([3, 6, 9, 12]);
    expect(Array.from(data(jit(f, { float32: "exact" })(x, v)).subarray(2 * n, 2 * n + 4))).toEqual([3, 6, 9, 12]);
    expectBitwise("fast vs eager", jit(f)(x, v), f(x, v));
  });
});

describe("np.minimum / np.maximum with their operands swapped are different functions at (+0, −0)", () => {
  // eager min(a, b) is a when a < b, else b (likewise max with >; src/primitives/elementwise/minmax.ts), and so is the
  // wasm loop (simdExtremum): min(+0, −0) = −0 but min(−0, +0) = +0. Found failing, in exact mode too: jit's CSE
  // (src/ir/passes/cse.ts) listed max and min as commutative and merged min(y, x) into an earlier min(x, y). Fixed.
  const f = (x: Tensor, y: Tensor) => [np.minimum(x, y), np.minimum(y, x), np.maximum(x, y), np.maximum(y, x)];
  for (const n of [1, 256]) {
    it(`n = ${n}: jit (exact and fast) equals eager bitwise`, () => {
      const x = f32(
        Array.from({ length: n }, (_, i) => [0, -0, 1, NaN][i % 4]!),
        [n],
      );
      const y = f32(
        Array.from({ length: n }, (_, i) => [-0, 0, 1, 2][i % 4]!),
        [n],
      );
      const eager = f(x, y);
      // eager: min(+0, −0) = −0, min(−0, +0) = +0 (and max the other way round)
      expect([0, 1, 2, 3].map((k) => show(data(eager[k]!)[0]!))).toEqual(["-0", "0", "-0", "0"]);
      expectAllBitwise("exact vs eager", jit(f, { float32: "exact" })(x, y), eager);
      expectAllBitwise("fast vs eager", jit(f)(x, y), eager);
    });
  }
});
