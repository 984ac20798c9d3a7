// Fused loops of jit against independent references: plain JS loops (float64, or float32 rounded where the mode
// says: "exact" after every operation, "fast" only where a value is stored) and hand-computed numbers; eager only
// where the claim is "same as eager". Also buffer planning across calls and the eager fast path's cache behaviour.

import { type DType, grad, jit, np, type Tensor, tree } from "tracegrad";
import { describe, expect, it } from "vitest";

const F = Math.fround;
type Arr = ArrayLike<number>;
type Data = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;
const CTOR = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
} as const;

/** A tensor of `dtype` and `shape` from row-major values (float32 values are rounded on the way in). */
const tensor = (values: Arr, shape: readonly number[], dtype: DType = "float64"): Tensor =>
  np.array(CTOR[dtype].from(values), { dtype }).reshape([...shape]);

/** Deterministic values in [lo, hi) (an LCG: no dependence on the library or on Math.random). */
function values(n: number, seed: number, lo = -2, hi = 2): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

/** Same shape (and dtype if given) and the same bits per element (NaN equals NaN, 0 and −0 differ). */
function expectBits(t: Tensor, expected: Arr, shape: readonly number[], dtype?: DType): void {
  expect([...t.shape], "shape").toEqual([...shape]);
  if (dtype) expect(t.dtype, "dtype").toBe(dtype);
  const got = Array.from(t.toTypedArray(), Number);
  const want = Array.from(expected, Number);
  expect(got.length, "size").toBe(want.length);
  const bad = got.flatMap((g, i) => (Object.is(g, want[i]) ? [] : [`[${i}] ${g} ≠ ${want[i]}`]));
  expect(bad, "elements that differ").toEqual([]);
}
const expectSameAs = (t: Tensor, want: Tensor) => expectBits(t, want.toTypedArray(), want.shape, want.dtype);
const dataOf = (t: Tensor): Data => t._data as Data;

// the generated program's structure, from lower().source
const fusedFns = (src: string) => (src.match(/^function F\d+\(/gm) ?? []).length;
const accumulators = (src: string) => (src.match(/\blet acc\d+ =/g) ?? []).length;
/** The primitives called as kernels (each kernel call line ends with a comment naming it). */
const kernels = (src: string) => [...src.matchAll(/K\[\d+\]\(.*\); \/\/ (\w+)/g)].map((m) => m[1]);
/** Lines where a fused loop's output takes over a dead intermediate's buffer: `const d7 = d3;` (not reshape views). */
const reuses = (src: string) => (src.match(/const d\d+ = d\d+;$/gm) ?? []).length;
/** Buffers taken from the executable's arena (kept across calls for values that never leave the call). */
const arenaSlots = (src: string) => (src.match(/const d\d+ = P\[\d+\];$/gm) ?? []).length;

describe("elementwise runs: odd sizes, 0-d, empty arrays, broadcasts", () => {
  const f = (x: Tensor, y: Tensor) => x.mul(y).add(x.sin()).div(y.mul(y).add(1));

  it.each([1, 3, 7, 1001])("n = %i: float64 in both modes, float32 rounded per op (exact) or once (fast)", (n) => {
    const [xv, yv] = [values(n, n), values(n, n + 100)];
    const want64 = xv.map((x, i) => {
      const y = yv[i]!;
      return (x * y + Math.sin(x)) / (y * y + 1);
    });
    const [x64, y64] = [tensor(xv, [n]), tensor(yv, [n])];
    expectBits(jit(f)(x64, y64), want64, [n], "float64");
    expectBits(jit(f, { float32: "exact" })(x64, y64), want64, [n], "float64");

    const [x32, y32] = [tensor(xv, [n], "float32"), tensor(yv, [n], "float32")];
    const [xf, yf] = [Float32Array.from(xv), Float32Array.from(yv)];
    const exact = xf.map((x, i) => {
      const y = yf[i]!;
      return F(F(F(x * y) + F(Math.sin(x))) / F(F(y * y) + 1));
    });
    const fast = xf.map((x, i) => {
      const y = yf[i]!;
      return F((x * y + Math.sin(x)) / (y * y + 1));
    });
    expectBits(jit(f, { float32: "exact" })(x32, y32), exact, [n], "float32");
    expectBits(jit(f)(x32, y32), fast, [n], "float32");
    expectBits(f(x32, y32), exact, [n], "float32"); // eager rounds per op too

    const src = jit(f).lower(x32, y32).source;
    expect([fusedFns(src), kernels(src)], "one loop, no kernels").toEqual([1, []]);
  });

  it("0-d arguments: one loop over a single element, float64 and float32 fast", () => {
    const g = (a: Tensor, b: Tensor) => a.mul(b).add(a.exp()).sub(b.tanh());
    expectBits(jit(g)(tensor([1.5], []), tensor([-2], [])), [1.5 * -2 + Math.exp(1.5) - Math.tanh(-2)], [], "float64");
    expectBits(
      jit(g)(tensor([0.1], [], "float32"), tensor([-2], [], "float32")),
      [F(F(0.1) * -2 + Math.exp(F(0.1)) - Math.tanh(-2))],
      [],
      "float32",
    );
    expect(fusedFns(jit(g).lower(tensor([1.5], []), tensor([-2], [])).source)).toBe(1);
  });

  it("size-0 arrays: empty results of the right shape; sums over an empty axis are 0", () => {
    expectBits(jit((x: Tensor) => x.sin().mul(2).add(1))(tensor([], [0])), [], [0], "float64");
    const e = tensor([], [2, 0]);
    const [ew, rowSums, total, kept, colMax] = jit((x: Tensor) => {
      const y = x.exp().mul(3);
      return [y, y.sum({ axis: -1 }), y.sum(), x.sum({ axis: -1, keepdims: true }), y.max({ axis: 0 })];
    })(e) as Tensor[];
    expectBits(ew!, [], [2, 0]);
    expectBits(rowSums!, [0, 0], [2]);
    expectBits(total!, [0], []);
    expectBits(kept!, [0, 0], [2, 1]);
    expectBits(colMax!, [], [0]);
    // no rows: a reduction over a non-empty last axis with nothing to produce
    expectBits(jit((x: Tensor) => x.exp().max({ axis: -1 }))(tensor([], [0, 3])), [], [0]);
  });

  it("a scalar, a [1] and a [1, 1] tensor broadcast inside the run: one loop; work on them is hoisted but unrounded in fast mode", () => {
    // sin and exp of broadcast size-1 values do not depend on the loop index: computed once, before the loop
    const g = (x: Tensor, s: Tensor, t: Tensor, u: Tensor) =>
      x.mul(s).add(t).sub(np.broadcastTo(u, x.shape).exp()).mul(2.5).add(np.broadcastTo(s, x.shape).sin());
    const xv = values(6, 7);
    const [s, t, u] = [0.3, -1.25, 0.7];
    const want = xv.map((x) => (x * s + t - Math.exp(u)) * 2.5 + Math.sin(s));
    const args64 = [tensor(xv, [2, 3]), tensor([s], []), tensor([t], [1]), tensor([u], [1, 1])] as const;
    expectBits(jit(g)(...args64), want, [2, 3], "float64");
    const src = jit(g).lower(...args64).source;
    expect([fusedFns(src), kernels(src)], "broadcasts of size-1 values fuse").toEqual([1, []]);

    const args32 = [
      tensor(xv, [2, 3], "float32"),
      tensor([s], [], "float32"),
      tensor([t], [1], "float32"),
      tensor([u], [1, 1], "float32"),
    ] as const;
    const [xf, sf, tf, uf] = [Float32Array.from(xv), F(s), F(t), F(u)];
    expectBits(
      jit(g)(...args32),
      xf.map((x) => F((x * sf + tf - Math.exp(uf)) * 2.5 + Math.sin(sf))),
      [2, 3],
      "float32",
    );
    expectBits(
      jit(g, { float32: "exact" })(...args32),
      xf.map((x) => F(F(F(F(F(x * sf) + tf) - F(Math.exp(uf))) * 2.5) + F(Math.sin(sf)))),
      [2, 3],
      "float32",
    );
    // the same values when the size-1 operands are transformed before broadcasting (then they are loops of their own)
    const h = (x: Tensor, s: Tensor, t: Tensor, u: Tensor) => x.mul(s).add(t).sub(u.exp()).mul(2.5).add(s.sin());
    expectBits(jit(h)(...args64), want, [2, 3], "float64");
  });
});

describe("fused reductions", () => {
  /** Row-wise folds of a row-major [rows, cols] array. */
  const rows = (v: Arr, cols: number, init: number, step: (acc: number, x: number) => number) =>
    Array.from({ length: v.length / cols }, (_, r) =>
      Array.from(v)
        .slice(r * cols, (r + 1) * cols)
        .reduce(step, init),
    );
  const max = (a: number, x: number) => (x > a || x !== x ? x : a);
  const min = (a: number, x: number) => (x < a || x !== x ? x : a);

  it("sum, max and min over the last axis share one loop with the producer (float64; float32 exact and fast)", () => {
    const g = (x: Tensor) => {
      const y = x.sin().mul(2).add(1);
      return [y.sum({ axis: -1 }), y.max({ axis: -1 }), y.min({ axis: -1 })];
    };
    const xv = values(21, 3);
    const y64 = xv.map((x) => Math.sin(x) * 2 + 1);
    const outs = jit(g)(tensor(xv, [3, 7])) as Tensor[];
    expectBits(
      outs[0]!,
      rows(y64, 7, 0, (a, b) => a + b),
      [3],
    );
    expectBits(outs[1]!, rows(y64, 7, -Infinity, max), [3]);
    expectBits(outs[2]!, rows(y64, 7, Infinity, min), [3]);
    const src = jit(g).lower(tensor(xv, [3, 7])).source;
    expect([fusedFns(src), accumulators(src), kernels(src)]).toEqual([1, 3, []]);

    const xf = Float32Array.from(xv);
    const yFast = Array.from(xf, (x) => Math.sin(x) * 2 + 1); // unrounded
    const yExact = Array.from(xf, (x) => F(F(F(Math.sin(x)) * 2) + 1));
    const fast = jit(g)(tensor(xv, [3, 7], "float32")) as Tensor[];
    expectBits(fast[0]!, rows(yFast, 7, 0, (a, b) => a + b).map(F), [3], "float32");
    expectBits(fast[1]!, rows(yFast, 7, -Infinity, max).map(F), [3]);
    const exact = jit(g, { float32: "exact" })(tensor(xv, [3, 7], "float32")) as Tensor[];
    expectBits(
      exact[0]!,
      rows(yExact, 7, 0, (a, b) => F(a + b)),
      [3],
      "float32",
    );
    expectBits(exact[2]!, rows(yExact, 7, Infinity, min), [3]);
  });

  it("over the last two axes (keepdims: a reshape after the loop) and over all axes", () => {
    const xv = values(30, 11);
    const y = xv.map((x) => x * x - 0.5);
    const [s, m, all, lo] = jit((x: Tensor) => {
      const t = x.mul(x).sub(0.5);
      return [
        np.sum(t, { axis: [-2, -1], keepdims: true }),
        t.max({ axis: [1, 2] }),
        t.sum(),
        t.min({ keepdims: true }),
      ];
    })(tensor(xv, [2, 3, 5])) as Tensor[];
    expectBits(
      s!,
      rows(y, 15, 0, (a, b) => a + b),
      [2, 1, 1],
    );
    expectBits(m!, rows(y, 15, -Infinity, max), [2]);
    expectBits(all!, [y.reduce((a, b) => a + b, 0)], []);
    expectBits(lo!, [y.reduce(min, Infinity)], [1, 1, 1]);
    const src = jit((x: Tensor) => [np.sum(x.mul(x), { axis: [-2, -1], keepdims: true }), x.mul(x).sum()]).lower(
      tensor(xv, [2, 3, 5]),
    ).source;
    expect(accumulators(src)).toBe(2);
    expect(
      kernels(src).filter((k) => k!.startsWith("reduce")),
      "no reduction kernel",
    ).toEqual([]);
  });

  it("over leading axes: one accumulator per column, in the output, fused with the producer; a middle axis is a kernel call", () => {
    const xv = values(20, 5);
    const g = (x: Tensor) => x.sin().sum({ axis: 0 });
    const s = xv.map(Math.sin);
    const cols = Array.from({ length: 5 }, (_, j) => [0, 1, 2, 3].reduce((a, r) => a + s[r * 5 + j]!, 0));
    expectBits(jit(g)(tensor(xv, [4, 5])), cols, [5]);
    const src = jit(g).lower(tensor(xv, [4, 5])).source;
    expect([fusedFns(src), kernels(src)]).toEqual([1, []]);
    expect(src).toContain("out0[j] = out0[j] + t");
    // float32: accumulated in the output array, so the sum is rounded after every step as eager's kernel does;
    // "exact" also rounds each sine first, "fast" adds the double-precision sine
    const x32 = tensor(xv, [4, 5], "float32");
    const xs32 = Float32Array.from(xv);
    const colsOf = (sin: (v: number) => number) =>
      Array.from({ length: 5 }, (_, j) => [0, 1, 2, 3].reduce((a, r) => F(a + sin(xs32[r * 5 + j]!)), 0));
    expectBits(
      jit(g, { float32: "exact" })(x32),
      colsOf((v) => F(Math.sin(v))),
      [5],
      "float32",
    );
    expectBits(jit(g, { float32: "fast" })(x32), colsOf(Math.sin), [5], "float32");
    // axes (0, 1) of a 3-D array are a leading block too; axis 1 of a 3-D array and axes (0, 2) are neither
    expect(
      kernels(jit((x: Tensor) => x.exp().max({ axis: [0, 1] })).lower(tensor(values(24, 1), [2, 3, 4])).source),
    ).toEqual([]);
    expect(
      kernels(jit((x: Tensor) => x.exp().sum({ axis: 1 })).lower(tensor(values(24, 1), [2, 3, 4])).source),
    ).toEqual(["reduce_sum"]);
    expect(
      kernels(jit((x: Tensor) => x.exp().max({ axis: [0, 2] })).lower(tensor(values(24, 1), [2, 3, 4])).source),
    ).toEqual(["reduce_max"]);
  });

  it("a column accumulator never takes the buffer of an input its loop reads (it is written before and during the loop)", () => {
    // sum over no axes after a loop that made b: the column accumulator must not reuse b's buffer
    const f = (x: Tensor) => {
      const b = np.sum(x, { axis: [1, 2] });
      return [np.sum(np.add(b, 1), { axis: [] }), np.sum(np.greater(b, 1), { axis: [0] })];
    };
    const x = np.full([2, 2, 2], -1, { dtype: "int32" });
    const [sums, count] = jit(f)(x) as Tensor[];
    expectBits(sums!, [-3, -3], [2], "int32");
    expectBits(count!, [0], [], "int32");
  });

  it("NaN anywhere in a row makes its fused max and min NaN (first, middle and last positions), in every mode", () => {
    const xv = [1, NaN, 3, NaN, 0, -1, 2, 5, 4, -1, -2, NaN, -Infinity, -Infinity, -Infinity];
    const g = (x: Tensor) => {
      const y = x.mul(1.5);
      return [y.max({ axis: -1 }), y.min({ axis: -1 }), y.max(), x.abs().min()];
    };
    for (const dtype of ["float64", "float32"] as const) {
      for (const float32 of ["fast", "exact"] as const) {
        const [mx, mn, all, allMin] = jit(g, { float32 })(tensor(xv, [5, 3], dtype)) as Tensor[];
        expectBits(mx!, [NaN, NaN, 7.5, NaN, -Infinity], [5], dtype);
        expectBits(mn!, [NaN, NaN, 3, NaN, -Infinity], [5], dtype);
        expectBits(all!, [NaN], []);
        expectBits(allMin!, [NaN], []);
      }
    }
    expect(accumulators(jit(g).lower(tensor(xv, [5, 3])).source), "all four fused").toBe(4);
  });

  it("int32 sums wrap modulo 2^32 exactly as eager (values near 2^31, add and mul wrapping per element too)", () => {
    const xv = [2147483647, 2147483647, 5, -3, 2147483000, -2147483648];
    const wrap = (v: bigint) => Number(BigInt.asIntN(32, v));
    const plus1 = xv.map((v) => wrap(BigInt(v) + 1n));
    const times3 = xv.map((v) => wrap(BigInt(v) * 3n));
    const g = (x: Tensor) => [x.add(1).sum(), x.mul(3).sum(), x.add(1).max(), x.add(1).min()];
    const x = tensor(xv, [6], "int32");
    const outs = jit(g)(x) as Tensor[];
    expectBits(outs[0]!, [wrap(plus1.reduce((a, b) => a + BigInt(b), 0n))], [], "int32");
    expectBits(outs[1]!, [wrap(times3.reduce((a, b) => a + BigInt(b), 0n))], [], "int32");
    expectBits(outs[2]!, [Math.max(...plus1)], []);
    expectBits(outs[3]!, [-2147483648], []); // 2^31 − 1 + 1 wrapped
    (g(x) as Tensor[]).forEach((want, i) => expectSameAs(outs[i]!, want));
    expect(accumulators(jit(g).lower(x).source)).toBe(4);
  });

  it("bool inputs: select, casts, comparisons and a count", () => {
    const bv = [1, 0, 1, 1, 0, 0, 1];
    const xv = values(7, 9);
    const [sel, gt, cast, count] = jit((b: Tensor, x: Tensor) => [
      np.where(b, x.sin(), x.cos()).sum(),
      np.greater(x.mul(2), 1),
      b.astype("float64").mul(x).add(1),
      b.sum(),
    ])(tensor(bv, [7], "bool"), tensor(xv, [7])) as Tensor[];
    expectBits(sel!, [xv.reduce((a, x, i) => a + (bv[i] ? Math.sin(x) : Math.cos(x)), 0)], [], "float64");
    expectBits(
      gt!,
      xv.map((x) => (x * 2 > 1 ? 1 : 0)),
      [7],
      "bool",
    );
    expectBits(
      cast!,
      xv.map((x, i) => bv[i]! * x + 1),
      [7],
      "float64",
    );
    expectBits(count!, [4], [], "int32");
  });
});

describe("work on size-1 values joins the loop it feeds", () => {
  const f = (x: Tensor, s: Tensor, t: Tensor, u: Tensor) => x.mul(s).add(t).sub(u.exp()).mul(2.5).add(s.sin());
  const args = (n: number) =>
    [tensor(values(n * 4, 3), [n, 4]), tensor([0.5], []), tensor([1.5], [1]), tensor([0.25], [1, 1])] as const;

  it("a scalar's exp and sin, and a [1]-shaped input, do not split the run: one loop, bit for bit eager in exact mode", () => {
    const src = jit(f).lower(...args(3)).source;
    expect([fusedFns(src), kernels(src)]).toEqual([1, []]);
    for (const n of [0, 1, 3]) {
      const want = f(...args(n));
      expectBits(jit(f, { float32: "exact" })(...args(n)), want.toTypedArray(), want.shape);
    }
  });

  it("a size-1 value the caller also gets is stored once, before the loop, even when the loop is empty", () => {
    const g = (x: Tensor, s: Tensor) => {
      const k = s.exp();
      return [x.mul(k), k];
    };
    for (const n of [0, 1, 5]) {
      const [y, k] = jit(g)(tensor(values(n, 1), [n]), tensor([0.1], [])) as Tensor[];
      expectBits(k!, [Math.exp(0.1)], []);
      expectBits(
        y!,
        Array.from(values(n, 1), (v) => v * Math.exp(0.1)),
        [n],
      );
    }
  });

  it("a scalar computed from a reduction of the same loop waits for the loop to end", () => {
    const h = (x: Tensor) => x.mul(x.sum().exp().neg());
    const xv = values(6, 9, -0.5, 0.5);
    const total = xv.reduce((a, v) => a + v, 0);
    expectBits(
      jit(h)(tensor(xv, [6])),
      Array.from(xv, (v) => v * -Math.exp(total)),
      [6],
    );
  });
});

describe("float32 fast mode at discontinuities: casts, comparisons and sign see the float32 value eager sees", () => {
  // 0.7f·10 is 6.99999988… in double precision but exactly 7 in float32
  const x = np.array([0.7, 0.1], { dtype: "float32" });
  it("a cast to int32 truncates the float32 product, not the more precise double (eager and both modes give 7)", () => {
    const f = (t: Tensor) => t.mul(10).astype("int32");
    for (const g of [f, jit(f), jit(f, { float32: "exact" })]) expectBits(g(x), [7, 1], [2], "int32");
  });
  it("a cast to float64 widens the float32 value (fast and exact agree with eager)", () => {
    const f = (t: Tensor) => t.mul(t).astype("float64");
    const want = [F(F(0.7) * F(0.7)), F(F(0.1) * F(0.1))];
    for (const g of [f, jit(f), jit(f, { float32: "exact" })]) expectBits(g(x), want, [2], "float64");
  });
  it("comparisons and sign decide on float32 values: 0.7f·10 == 7, and a product that underflows has sign 0", () => {
    const eq = (t: Tensor) => np.equal(t.mul(10), 7);
    for (const g of [eq, jit(eq)]) expectBits(g(x), [1, 0], [2], "bool");
    const tiny = np.array([1e-30], { dtype: "float32" });
    const sg = (t: Tensor) => np.sign(t.mul(t));
    for (const g of [sg, jit(sg)]) expectBits(g(tiny), [0], [1], "float32");
  });
});

describe("broadcasts read by the loop's outer or inner index", () => {
  const rowsOf = (v: Arr, cols: number) =>
    Array.from({ length: v.length / cols }, (_, r) => Array.from(v).slice(r * cols, (r + 1) * cols));
  const nonView = (src: string) => kernels(src).filter((k) => k !== "reshape");

  it("a bias along the last axis and a scale per row join the elementwise loop (float64; float32 fast rounds once)", () => {
    const g = (x: Tensor, b: Tensor, c: Tensor) => x.add(b).tanh().mul(c);
    const [xv, bv, cv] = [values(20, 31), values(5, 32), values(4, 33)];
    const want = xv.map((x, i) => Math.tanh(x + bv[i % 5]!) * cv[Math.floor(i / 5)]!);
    const args = [tensor(xv, [4, 5]), tensor(bv, [5]), tensor(cv, [4, 1])] as const;
    expectBits(jit(g)(...args), want, [4, 5], "float64");
    const src = jit(g).lower(...args).source;
    expect([fusedFns(src), nonView(src)]).toEqual([1, []]);
    const [xf, bf, cf] = [Float32Array.from(xv), Float32Array.from(bv), Float32Array.from(cv)];
    const args32 = [tensor(xv, [4, 5], "float32"), tensor(bv, [5], "float32"), tensor(cv, [4, 1], "float32")] as const;
    expectBits(
      jit(g)(...args32),
      Array.from(xf, (x, i) => F(Math.tanh(x + bf[i % 5]!) * cf[Math.floor(i / 5)]!)),
      [4, 5],
      "float32",
    );
    expectBits(
      jit(g, { float32: "exact" })(...args32),
      Array.from(xf, (x, i) => F(F(Math.tanh(F(x + bf[i % 5]!))) * cf[Math.floor(i / 5)]!)),
      [4, 5],
      "float32",
    );
  });

  it("softmax over the last axis (row max and row sum broadcast back): float64 bit for bit, no kernels", () => {
    const softmax = (x: Tensor) => {
      const e = x.sub(x.max({ axis: -1, keepdims: true })).exp();
      return e.div(e.sum({ axis: -1, keepdims: true }));
    };
    const xv = values(28, 41, -5, 5);
    const want = rowsOf(xv, 7).flatMap((row) => {
      const m = row.reduce((a, v) => (v > a ? v : a), -Infinity);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      return e.map((v) => v / s);
    });
    expectBits(jit(softmax)(tensor(xv, [4, 7])), want, [4, 7], "float64");
    expect(nonView(jit(softmax).lower(tensor(xv, [4, 7])).source)).toEqual([]);
  });

  it("an operand read by the inner index in every row keeps its buffer when a same-sized result is written per row", () => {
    // s = sin x dies in the second loop, which writes a row sum (3 values, like s) after each row; had that result
    // taken s's buffer, rows 1 and 2 would read overwritten values of s
    const g = (x: Tensor, m: Tensor) => m.mul(x.sin()).sum({ axis: -1 });
    const [xv, mv] = [values(3, 51), values(9, 52)];
    const s = xv.map(Math.sin);
    const want = [0, 1, 2].map((o) => [0, 1, 2].reduce((a, j) => a + mv[3 * o + j]! * s[j]!, 0));
    expectBits(jit(g)(tensor(xv, [3]), tensor(mv, [3, 3])), want, [3]);
    expect(fusedFns(jit(g).lower(tensor(xv, [3]), tensor(mv, [3, 3])).source)).toBe(2);
  });

  it("one operand read by both indices (an outer product) and reduced", () => {
    const g = (v: Tensor) => {
      const p = v.reshape([3, 1]).mul(v);
      return [p, p.sum({ axis: -1 })];
    };
    const vv = [1.5, -2, 0.25];
    const [p, rowSum] = jit(g)(tensor(vv, [3])) as Tensor[];
    expectBits(
      p!,
      vv.flatMap((a) => vv.map((b) => a * b)),
      [3, 3],
    );
    expectBits(
      rowSum!,
      vv.map((a) => vv.reduce((acc, b) => acc + a * b, 0)),
      [3],
    );
  });
});

describe("buffer planning", () => {
  /** C = A·B for row-major n×n float64 arrays, summing over k in order (as the matmul kernel does). */
  const matmul = (a: Float64Array, b: Float64Array, n: number) =>
    Float64Array.from({ length: n * n }, (_, ij) => {
      let s = 0;
      for (let l = 0; l < n; l++) s += a[Math.floor(ij / n) * n + l]! * b[l * n + (ij % n)]!;
      return s;
    });

  it("a long chain whose dead intermediates' buffers are reused: float64 equals eager and a plain JS reference bit for bit", () => {
    const n = 6;
    const chain = (x: Tensor, w: Tensor) => {
      let h = x;
      for (let k = 0; k < 3; k++) {
        h = h.mul(1.5).tanh().add(h.exp().mul(0.25));
        h = h.matmul(w);
        h = h.sub(h.max({ axis: -1, keepdims: true })).mul(h.cos());
      }
      return [h, h.sin().sum({ axis: -1 }), h.sum()];
    };
    const [xv, wv] = [values(n * n, 21, -1, 1), values(n * n, 22, -0.5, 0.5)];
    let h = xv;
    for (let k = 0; k < 3; k++) {
      h = h.map((v) => Math.tanh(v * 1.5) + Math.exp(v) * 0.25);
      h = matmul(h, wv, n);
      const rowMax = Array.from({ length: n }, (_, r) => Math.max(...h.slice(r * n, (r + 1) * n)));
      h = h.map((v, i) => (v - rowMax[Math.floor(i / n)]!) * Math.cos(v));
    }
    const sinRows = Array.from({ length: n }, (_, r) =>
      h.slice(r * n, (r + 1) * n).reduce((a, v) => a + Math.sin(v), 0),
    );
    const want = [h, sinRows, [h.reduce((a, v) => a + v, 0)]];

    const [x, w] = [tensor(xv, [n, n]), tensor(wv, [n, n])];
    const jf = jit(chain);
    const src = jf.lower(x, w).source;
    expect(
      reuses(src) + arenaSlots(src),
      "the program reuses at least one buffer (in the call, or the arena's across calls)",
    ).toBeGreaterThan(0);
    const eager = chain(x, w) as Tensor[];
    for (const outs of [jf(x, w), jf(x, w), jit(chain, { float32: "exact" })(x, w)] as Tensor[][]) {
      outs.forEach((t, i) => {
        expectSameAs(t, eager[i]!);
        expectBits(t, want[i]!, eager[i]!.shape);
      });
    }
  });

  it("two calls return distinct arrays: the first result is unchanged by the second call and shares no memory with it", () => {
    const g = (x: Tensor) => {
      const a = x.sin().mul(2);
      return [a, a.sum({ axis: -1 }), x.matmul(x).add(a), a.exp()];
    };
    const jf = jit(g);
    const [x1, x2] = [tensor(values(9, 1), [3, 3]), tensor(values(9, 2), [3, 3])];
    const want1 = (g(x1) as Tensor[]).map((t) => t.toTypedArray());
    const r1 = jf(x1) as Tensor[];
    const r2 = jf(x2) as Tensor[];
    const r3 = jf(x1) as Tensor[]; // same input again
    r1.forEach((t, i) => expectBits(t, want1[i]!, t.shape));
    r3.forEach((t, i) => expectBits(t, want1[i]!, t.shape));
    (g(x2) as Tensor[]).forEach((want, i) => expectSameAs(r2[i]!, want));
    const buffers = [...r1, ...r2, ...r3].map((t) => dataOf(t).buffer);
    expect(new Set(buffers).size, "every output of every call has its own buffer").toBe(buffers.length);

    // a single flat argument and output: from the second call on, the eager fast path
    const h = jit((x: Tensor) => x.exp().mul(2));
    const [a, b, c] = [h(x1), h(x1), h(x2)];
    expect(new Set([a, b, c].map((t) => dataOf(t).buffer)).size).toBe(3);
    for (const t of [a, b])
      expectBits(
        t,
        values(9, 1).map((v) => Math.exp(v) * 2),
        [3, 3],
      );
    expectBits(
      c,
      values(9, 2).map((v) => Math.exp(v) * 2),
      [3, 3],
    );
  });

  it("arena buffers (fused loops' and matmuls' values that stay in the call) carry nothing from one call to the next", () => {
    // a dense layer's forward and backward: masks, products and column sums all stay inside the call
    const layer = (x: Tensor, w: Tensor, b: Tensor) =>
      np.sum(np.maximum(np.add(np.matmul(x, w), b), 0).mul(x.sum({ axis: 1, keepdims: true })));
    const g = grad(layer, { argnums: [1, 2] });
    for (const dtype of ["float32", "float64"] as const) {
      const jg = jit(g);
      const args = (seed: number) =>
        [
          tensor(values(8 * 12, seed), [8, 12], dtype),
          tensor(values(12 * 16, seed + 1), [12, 16], dtype),
          tensor(values(16, seed + 2), [16], dtype),
        ] as const;
      const [a1, a2] = [args(31), args(41)];
      expect(arenaSlots(jg.lower(...a1).source), "the program uses the arena").toBeGreaterThan(0);
      const first = jg(...a1) as Tensor[];
      const kept = first.map((t) => t.toTypedArray().slice());
      const eager1 = g(...a1) as Tensor[];
      const eager2 = g(...a2) as Tensor[];
      const close = (got: Tensor[], want: Tensor[]) =>
        got.forEach((t, i) => {
          const [p, q] = [t.toTypedArray(), want[i]!.toTypedArray()];
          for (let k = 0; k < p.length; k++)
            expect(Math.abs(p[k]! - q[k]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(q[k]!)));
        });
      for (let r = 0; r < 3; r++) {
        close(jg(...a2) as Tensor[], eager2);
        close(jg(...a1) as Tensor[], eager1);
      }
      first.forEach((t, i) => expect(t.toTypedArray()).toEqual(kept[i]));
    }
  });

  it("an output that a later loop also reads keeps its values (its buffer is not handed to that loop)", () => {
    const both = (x: Tensor, w: Tensor) => {
      const a = x.sin().mul(2);
      const c = x.matmul(w).add(a).exp(); // the loop after the kernel reads a for the last time
      return [a, c];
    };
    const [xv, wv] = [values(9, 4), values(9, 5)];
    const [x, w] = [tensor(xv, [3, 3]), tensor(wv, [3, 3])];
    const aWant = xv.map((v) => Math.sin(v) * 2);
    const m = matmul(xv, wv, 3);
    const [a, c] = jit(both)(x, w) as Tensor[];
    expectBits(a!, aWant, [3, 3]);
    expectBits(
      c!,
      m.map((v, i) => Math.exp(v + aWant[i]!)),
      [3, 3],
    );
    // the matmul's product, which only the loop after it reads, is written into the arena
    const src = jit(both).lower(x, w).source;
    expect(reuses(src), "a is returned: never reused").toBe(0);
    expect(arenaSlots(src), "a is returned: not in the arena").toBe(1);
    // the same program returning only c keeps a in the arena too, and c (returned) never takes a's buffer
    const onlyC = jit((x: Tensor, w: Tensor) => both(x, w)[1]!);
    const src2 = onlyC.lower(x, w).source;
    expect(arenaSlots(src2)).toBe(2);
    expect(reuses(src2)).toBe(0);
    const c1 = onlyC(x, w) as Tensor;
    const c2 = onlyC(x, w) as Tensor;
    expect(c1._data).not.toBe(c2._data);
    for (const t of [c1, c2])
      expectBits(
        t,
        m.map((v, i) => Math.exp(v + aWant[i]!)),
        [3, 3],
      );
  });

  it("lower().source of x ↦ Σ 2·sin x: one fused function with one accumulator, called once", () => {
    const src = jit((x: Tensor) => x.sin().mul(2).sum()).lower(np.ones([5])).source;
    expect(fusedFns(src)).toBe(1);
    expect(src).toContain("acc0");
    expect(accumulators(src)).toBe(1);
    expect(src).toMatch(/^function run\(A\)/m);
    expect((src.match(/F\[0\]\(/g) ?? []).length).toBe(1);
    expect(kernels(src)).toEqual([]);
  });
});

describe("the eager fast path (flat tensor arguments at top level)", () => {
  it("retraces on new shapes and dtypes, still takes pytrees and numbers, and counts signatures", () => {
    let traces = 0;
    const jf = jit((x: Tensor | { a: Tensor; b: Tensor[] }) => {
      traces++;
      return tree
        .leaves(x)
        .map((t) => (t as Tensor).mul(2).add(1).sum())
        .reduce((p, q) => p.add(q));
    });
    const sum2x1 = (v: number[]) => v.reduce((a, x) => a + 2 * x + 1, 0);
    const x3 = tensor([1, 2, 3], [3], "float32");
    const calls: [unknown, number, DType, number, number][] = [
      // argument, expected value, dtype, traces and cache size after the call
      [x3, sum2x1([1, 2, 3]), "float32", 1, 1],
      [tensor([4, 5, 6], [3], "float32"), sum2x1([4, 5, 6]), "float32", 1, 1], // fast path: same signature
      [tensor([1, 2, 3], [3]), sum2x1([1, 2, 3]), "float64", 2, 2],
      [tensor([1, 2, 3, 4], [4], "float32"), sum2x1([1, 2, 3, 4]), "float32", 3, 3],
      [x3, sum2x1([1, 2, 3]), "float32", 3, 3], // an older signature: cached
      [{ a: x3, b: [tensor([0.5, -1], [2])] }, sum2x1([1, 2, 3, 0.5, -1]), "float64", 4, 4],
      [{ a: tensor([7, 8, 9], [3], "float32"), b: [tensor([0, 0], [2])] }, sum2x1([7, 8, 9, 0, 0]), "float64", 4, 4],
      [x3, sum2x1([1, 2, 3]), "float32", 4, 4], // after a pytree call
      [2, sum2x1([2]), "float32", 5, 5], // a JS number: a 0-d float32 signature
      [tensor([2], [], "float32"), sum2x1([2]), "float32", 5, 5], // the same signature as a tensor
    ];
    for (const [arg, value, dtype, t, size] of calls) {
      const out = jf(arg as Tensor);
      expectBits(out, [value], [], dtype);
      expect({ traces, cacheSize: jf.cacheSize }).toEqual({ traces: t, cacheSize: size });
    }
    // transforms of it go through bind, not the fast path, and reuse the trace
    expectBits(grad((x: Tensor) => jf(x))(x3), [2, 2, 2], [3], "float32");
  });

  it("a signature evicted by a pytree call is traced again on its next flat call, as without the fast path", () => {
    let traces = 0;
    const jf = jit((x: Tensor | Tensor[]) => (traces++, (Array.isArray(x) ? x[0]! : x).sin()), { cacheSize: 1 });
    const a = tensor([1, 2, 3], [3]);
    jf(a);
    jf(a); // fast path
    jf([a]); // evicts a's signature
    expectBits(jf(a), [1, 2, 3].map(Math.sin), [3]);
    expect({ traces, cacheSize: jf.cacheSize }).toEqual({ traces: 3, cacheSize: 1 });
  });
});
