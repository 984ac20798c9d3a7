// float32 dot_general on the WebAssembly SIMD kernel (src/wasm/gemm.ts, runtime.ts, threads.ts) against a plain-JS
// reference that sums each output element over the flattened contraction index in order, in float32
// (acc = fround(acc + fround(a·b)) from +0). Without relaxed-SIMD FMA the kernel must match it bit for bit, for any
// shape, layout, block boundary or thread count (float64: dgemm.test.ts).
import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { jit, lax, np, type Tensor } from "tracegrad";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { KC, MC_PANELS, MR, NR } from "../../src/wasm/gemm.js";
import {
  type Strides3,
  setThreads,
  setWasmDisabled,
  sgemm,
  threadsReady,
  wasmKernels,
} from "../../src/wasm/runtime.js";
import { bitwiseDiff, type Data, type DN, type Ref, randData, reference, refStrided, sizeOf, U } from "./reference.js";

afterEach(() => {
  setThreads(undefined);
  setWasmDisabled(false);
});
afterAll(() => {
  setThreads(undefined);
  setWasmDisabled(false);
});

// ───────────────────────────── data and references ─────────────────────────────

const tensor = (d: Data, shape: readonly number[]): Tensor =>
  np.reshape(np.array(d, { dtype: d instanceof Float32Array ? "float32" : "float64" }), [...shape]);

/** Which comparison ran: exact (no FMA, the case on Node 20 without flags) or tolerant (relaxed-SIMD FMA). */
const branch = { exact: 0, tolerant: 0 };

/** The messages of the elements 0..n−1 that `check` rejects (one expect per array, not per element). */
function mismatches(n: number, check: (i: number) => string | null): string[] {
  const bad: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = check(i);
    if (m !== null) bad.push(m);
  }
  return bad;
}

/** A float32 result against the float32-sequential reference: bitwise without FMA, within rounding with it. */
function expectF32(what: string, got: Tensor | Float32Array, ref: Ref): void {
  const w = wasmKernels();
  if (!w) throw new Error("the WebAssembly kernels are unavailable here; these tests need them");
  const g = got instanceof Float32Array ? got : (got.toTypedArray() as Float32Array);
  if (!(got instanceof Float32Array)) {
    expect(got.dtype, `${what}: dtype`).toBe("float32");
    expect([...got.shape], `${what}: shape`).toEqual(ref.shape);
  }
  expect(g.length, `${what}: size`).toBe(ref.f32.length);
  if (w.fma === false) {
    branch.exact++;
    const bad = bitwiseDiff(g, ref.f32);
    expect(
      bad.length,
      `${what}: ${bad.length} of ${g.length} differ from the float32-sequential sum\n${bad.slice(0, 8).join("\n")}`,
    ).toBe(0);
  } else if (w.fma === true) {
    branch.tolerant++;
    const bad = mismatches(g.length, (i) => {
      const e = ref.f32[i]!;
      // Inf and NaN come from the inputs, not from rounding: they must match
      if (!Number.isFinite(e))
        return (Number.isNaN(e) ? Number.isNaN(g[i]) : g[i] === e) ? null : `[${i}] got ${g[i]}, want ${e}`;
      const tol = (ref.k + 2) * U * ref.absSum[i]! + 2 ** -140;
      return Math.abs(g[i]! - e) <= tol ? null : `[${i}] got ${g[i]}, want ${e} ± ${tol}`;
    });
    expect(
      bad.length,
      `${what}: ${bad.length} of ${g.length} outside the FMA bound\n${bad.slice(0, 8).join("\n")}`,
    ).toBe(0);
  } else throw new Error(`wasmKernels().fma is neither true nor false: ${String(w.fma)}`);
}

/** lax.dotGeneral of random float32 operands of these shapes against the reference. */
function checkDot(what: string, as: number[], bs: number[], dn: DN, seed = 1): Float32Array {
  const r = rng(seed);
  const a = randData(r, sizeOf(as));
  const b = randData(r, sizeOf(bs));
  const got = lax.dotGeneral(tensor(a, as), tensor(b, bs), dn);
  expectF32(what, got, reference(a, as, b, bs, dn));
  return got.toTypedArray() as Float32Array;
}

const MM: DN = [
  [[1], [0]],
  [[], []],
];
const kernels = () => {
  const w = wasmKernels();
  if (!w) throw new Error("the WebAssembly kernels are unavailable here; these tests need them");
  return w;
};

// ───────────────────────────── shapes ─────────────────────────────

describe("float32 dot_general on the wasm kernel vs the float32-sequential reference", () => {
  it("the kernels are available and (Node 20, no flags) use mul + add, not FMA", () => {
    const w = kernels();
    expect(typeof w.fma).toBe("boolean");
    const flagged =
      process.execArgv.some((a) => a.includes("relaxed-simd")) ||
      (process.env.NODE_OPTIONS ?? "").includes("relaxed-simd");
    if (Number(process.versions.node.split(".")[0]) === 20 && !flagged) expect(w.fma).toBe(false);
  });

  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [5, 1, 9],
    [13, 17, 11],
    [1, 100, 1],
    [7, 9, 15],
    [2, 31, 17],
    [33, 3, 65],
    [4, 8, 8],
    [MR, 1, NR],
    [MR + 1, 2, NR + 1],
    [MR - 1, 19, NR - 1],
    [17, 64, 9],
    [1, 13, 40],
    [40, 13, 1],
  ])("odd sizes: m=%i k=%i n=%i", (m, k, n) => {
    checkDot(`${m}×${k}·${k}×${n}`, [m, k], [k, n], MM, m * 1000 + k * 10 + n);
  });

  it("k = 0: zeros (+0, not −0), of the right shape", () => {
    for (const [m, n] of [
      [3, 5],
      [1, 1],
      [9, 17],
    ] as const) {
      const got = lax.dotGeneral(tensor(new Float32Array(0), [m, 0]), tensor(new Float32Array(0), [0, n]), MM);
      expectF32(`${m}×0·0×${n}`, got, reference(new Float32Array(0), [m, 0], new Float32Array(0), [0, n], MM));
      expect([...got.toTypedArray()].every((v) => Object.is(v, 0))).toBe(true);
    }
    // batched k = 0, and the direct call overwrites whatever `out` held
    const w = kernels();
    const out = new Float32Array(2 * 3 * 4).fill(7);
    sgemm(w, new Float32Array(0), [0, 0, 1], new Float32Array(0), [0, 4, 1], 2, 3, 0, 4, out);
    expect([...out]).toEqual(new Array(24).fill(0));
  });

  it("m = 0 or n = 0 (and an empty batch): empty results of the right shape", () => {
    for (const [as, bs, dn] of [
      [[0, 5], [5, 3], MM],
      [[3, 5], [5, 0], MM],
      [[0, 0], [0, 0], MM],
      [
        [5, 0],
        [5, 3],
        [
          [[0], [0]],
          [[], []],
        ],
      ],
      [
        [0, 2, 3],
        [0, 3, 4],
        [
          [[2], [1]],
          [[0], [0]],
        ],
      ],
    ] as [number[], number[], DN][]) {
      checkDot(`${as}·${bs}`, as, bs, dn);
    }
  });

  it("−0 products sum to +0 from a +0 start, and ±0 inputs keep their sign where the reference does", () => {
    const a = Float32Array.from([-0, -0, 0, -0, 1, -0]);
    const b = Float32Array.from([1, -1, 1, 2, -0, 3]);
    const dn = MM;
    const got = lax.dotGeneral(tensor(a, [3, 2]), tensor(b, [2, 3]), dn);
    expectF32("signed zeros", got, reference(a, [3, 2], b, [2, 3], dn));
    expect(Object.is(got.toTypedArray()[0], 0)).toBe(true);
    // k = 1 (outer products): 0 + fround(a·b), so a −0 product gives +0
    const x = Float32Array.from([-0, 1, -2, 0]);
    const y = Float32Array.from([0, -0, 3, -1e-30, 1e30]);
    const outer = lax.dotGeneral(tensor(x, [4, 1]), tensor(y, [1, 5]), MM);
    expectF32("k = 1 signed zeros", outer, reference(x, [4, 1], y, [1, 5], MM));
    expect([...outer.toTypedArray()].some((v) => Object.is(v, -0))).toBe(false);
    // and transposed, batched with a broadcast (stride-0) rhs, through sgemm directly
    const w = kernels();
    const out = new Float32Array(2 * 4 * 5);
    sgemm(w, Float32Array.from([...x, ...x].map((v) => -v)), [4, 1, 8], y, [0, 5, 1], 2, 4, 1, 5, out);
    expectF32(
      "k = 1 direct",
      out,
      refStrided(Float32Array.from([...x, ...x].map((v) => -v)), [4, 1, 8], y, [0, 5, 1], 2, 4, 1, 5),
    );
  });

  it("outer products (k = 1) over many batch entries: computed in blocks of 16384 floats, each copied out (every size of block)", () => {
    const BATCHED: DN = [
      [[2], [1]],
      [[0], [0]],
    ];
    // per entry m·n = 1500 (10 entries a block, 4 blocks); 16400 (more than a block: one entry at a time); 21 (the rest)
    for (const [nb, m, n] of [
      [40, 30, 50],
      [3, 164, 100],
      [1000, 3, 7],
      [9, 1, 1],
    ] as const) {
      checkDot(`[${nb},${m},1]·[${nb},1,${n}]`, [nb, m, 1], [nb, 1, n], BATCHED, nb + m + n);
    }
  });

  it(`k > KC (${KC}): several k blocks accumulate through C exactly`, () => {
    for (const k of [KC - 1, KC, KC + 1, 2 * KC, 2 * KC + 1, 600, 3 * KC + 7])
      checkDot(`9×${k}·${k}×13`, [9, k], [k, 13], MM, k);
  });

  it(`m > MC (${MC_PANELS * MR} rows): several A blocks`, () => {
    const MC = MC_PANELS * MR;
    for (const m of [MC - 1, MC, MC + 1, 2 * MC + 3, 300]) checkDot(`${m}×40·40×20`, [m, 40], [40, 20], MM, m);
    checkDot("150×600·600×37 (several MC and KC blocks)", [150, 600], [600, 37], MM, 4242);
  });

  it("n spanning many column panels (ldc ≠ n) and a single panel", () => {
    for (const n of [NR * 5 + 3, NR * 16, 1, NR]) checkDot(`11×21·21×${n}`, [11, 21], [21, n], MM, n);
  });

  it("all four transpose combinations of a 2-D matmul via lax.dotGeneral, and np.matmul", () => {
    const [m, k, n] = [13, 37, 19];
    const r = rng(99);
    const A = randData(r, m * k); // A[i, p] at i·k + p
    const B = randData(r, k * n); // B[p, j] at p·n + j
    const At = new Float32Array(k * m);
    const Bt = new Float32Array(n * k);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) At[p * m + i] = A[i * k + p]!;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) Bt[j * k + p] = B[p * n + j]!;
    const want = reference(A, [m, k], B, [k, n], MM);
    const cases: [string, Data, number[], Data, number[], DN][] = [
      [
        "A·B   [[1],[0]]",
        A,
        [m, k],
        B,
        [k, n],
        [
          [[1], [0]],
          [[], []],
        ],
      ],
      [
        "Aᵀ·B  [[0],[0]]",
        At,
        [k, m],
        B,
        [k, n],
        [
          [[0], [0]],
          [[], []],
        ],
      ],
      [
        "A·Bᵀ  [[1],[1]]",
        A,
        [m, k],
        Bt,
        [n, k],
        [
          [[1], [1]],
          [[], []],
        ],
      ],
      [
        "Aᵀ·Bᵀ [[0],[1]]",
        At,
        [k, m],
        Bt,
        [n, k],
        [
          [[0], [1]],
          [[], []],
        ],
      ],
    ];
    for (const [what, a, as, b, bs, dn] of cases) {
      const got = lax.dotGeneral(tensor(a, as), tensor(b, bs), dn);
      expectF32(what, got, reference(a, as, b, bs, dn));
      // the same logical product, so the same bits whatever the layout
      expectF32(`${what} = A·B`, got, want);
    }
    expectF32("np.matmul", np.matmul(tensor(A, [m, k]), tensor(B, [k, n])), want);
    expectF32("np.dot", np.dot(tensor(A, [m, k]), tensor(B, [k, n])), want);
    // np.matmul of a transposed copy gives the same bits too
    expectF32("np.matmul(Aᵀᵀ)", np.matmul(np.transpose(tensor(At, [k, m])), tensor(B, [k, n])), want);
  });

  it("batch dimensions: leading, not leading, two of them, and np.matmul with broadcasting", () => {
    checkDot(
      "[4,3,5]·[4,5,2]",
      [4, 3, 5],
      [4, 5, 2],
      [
        [[2], [1]],
        [[0], [0]],
      ],
    );
    // batch axis in the middle of lhs and last in rhs: lhs [m=3, b=4, k=5], rhs [k=5, n=2, b=4] → [4, 3, 2]
    checkDot(
      "batch not leading",
      [3, 4, 5],
      [5, 2, 4],
      [
        [[2], [0]],
        [[1], [2]],
      ],
      2,
    );
    // batch last in lhs, contraction first: lhs [k=6, m=7, b=3], rhs [b=3, n=9, k=6]
    checkDot(
      "batch last, contraction first",
      [6, 7, 3],
      [3, 9, 6],
      [
        [[0], [2]],
        [[2], [0]],
      ],
      3,
    );
    // two batch axes, given in the reverse of memory order (a copy), and in order (strided)
    checkDot(
      "two batch axes, reversed",
      [2, 3, 4, 5],
      [2, 3, 5, 6],
      [
        [[3], [2]],
        [
          [1, 0],
          [1, 0],
        ],
      ],
      4,
    );
    checkDot(
      "two batch axes",
      [2, 3, 4, 5],
      [2, 3, 5, 6],
      [
        [[3], [2]],
        [
          [0, 1],
          [0, 1],
        ],
      ],
      5,
    );
    // np.matmul broadcasting a 2-D rhs over the batch
    const r = rng(6);
    const a = randData(r, 4 * 3 * 5);
    const b = randData(r, 5 * 7);
    const bb = new Float32Array(4 * 5 * 7);
    for (let q = 0; q < 4; q++) bb.set(b, q * 35);
    expectF32(
      "np.matmul broadcast",
      np.matmul(tensor(a, [4, 3, 5]), tensor(b, [5, 7])),
      reference(
        a,
        [4, 3, 5],
        bb,
        [4, 5, 7],
        [
          [[2], [1]],
          [[0], [0]],
        ],
      ),
    );
  });

  it("operands whose axis groups do not merge (copied first) are still exact, in the dimension-number order", () => {
    // lhs [m, k1, k2] contracted over (k2, k1): not memory order → copy; rhs [k2, k1, n] over (0, 1): strided
    checkDot(
      "lhs contraction reversed",
      [5, 3, 4],
      [4, 3, 6],
      [
        [
          [2, 1],
          [0, 1],
        ],
        [[], []],
      ],
      11,
    );
    // both need a copy: rhs [k1, n, k2] contracted over (k2, k1)
    checkDot(
      "both copied",
      [5, 3, 4],
      [3, 6, 4],
      [
        [
          [2, 1],
          [2, 0],
        ],
        [[], []],
      ],
      12,
    );
    // lhs free axes split by the contraction: lhs [m1, k, m2]
    checkDot(
      "free axes not adjacent",
      [3, 7, 5],
      [7, 4],
      [
        [[1], [0]],
        [[], []],
      ],
      13,
    );
    // rhs free axes split by the contraction and the batch
    checkDot(
      "rhs free axes split",
      [2, 6, 5],
      [3, 2, 5, 4],
      [
        [[2], [2]],
        [[0], [1]],
      ],
      14,
    );
    // contraction in memory order over two axes: merges (no copy) — the same as one axis of k1·k2
    const r = rng(15);
    const a = randData(r, 5 * 3 * 4);
    const b = randData(r, 3 * 4 * 6);
    const two = lax.dotGeneral(tensor(a, [5, 3, 4]), tensor(b, [3, 4, 6]), [
      [
        [1, 2],
        [0, 1],
      ],
      [[], []],
    ]);
    const one = lax.dotGeneral(tensor(a, [5, 12]), tensor(b, [12, 6]), MM);
    expect(bitwiseDiff(two.toTypedArray() as Float32Array, one.toTypedArray())).toEqual([]);
    // size-1 axes anywhere do not stop a merge
    checkDot(
      "size-1 axes",
      [1, 5, 1, 7],
      [7, 1, 3],
      [
        [[3], [0]],
        [[], []],
      ],
      16,
    );
    checkDot("size-1 contraction", [4, 1], [1, 6], MM, 17);
  });

  it("sgemm directly: arbitrary strides (transposed, padded rows, a stride-0 broadcast batch)", () => {
    const w = kernels();
    const r = rng(21);
    const [nb, m, k, n] = [3, 10, 19, 13];
    // A stored as [nb][k][m + 2] (transposed, padded); B shared by every batch (batch stride 0), stored [n][k]
    const a = randData(r, nb * k * (m + 2)) as Float32Array;
    const b = randData(r, n * k) as Float32Array;
    const as: Strides3 = [k * (m + 2), 1, m + 2];
    const bs: Strides3 = [0, 1, k];
    const out = new Float32Array(nb * m * n).fill(NaN);
    sgemm(w, a, as, b, bs, nb, m, k, n, out);
    expectF32("direct", out, refStrided(a, as, b, bs, nb, m, k, n));
    // the same product through contiguous copies
    const out2 = new Float32Array(nb * m * n);
    const ac = new Float32Array(nb * m * k);
    const bc = new Float32Array(nb * k * n);
    for (let q = 0; q < nb; q++)
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) ac[(q * m + i) * k + p] = a[q * as[0] + i * as[1] + p * as[2]]!;
    for (let q = 0; q < nb; q++)
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bc[(q * k + p) * n + j] = b[p * bs[1] + j * bs[2]]!;
    sgemm(w, ac, [m * k, k, 1], bc, [k * n, n, 1], nb, m, k, n, out2);
    expect(bitwiseDiff(out2, out)).toEqual([]);
  });

  it("Inf and NaN propagate where the reference puts them", () => {
    const a = Float32Array.from([Infinity, 1, 0, 2, -Infinity, 1, NaN, 1, 3]);
    const b = Float32Array.from([1, 0, 2, 1, 1, 1, 2, -1, 0]);
    const got = lax.dotGeneral(tensor(a, [3, 3]), tensor(b, [3, 3]), MM);
    const ref = reference(a, [3, 3], b, [3, 3], MM);
    expectF32("inf/nan", got, ref);
    expect(Number.isNaN(ref.f32[1])).toBe(true); // Inf·0
    expect(ref.f32[0]).toBe(Infinity);
  });

  it("jit(dotGeneral) gives the eager bits", () => {
    const r = rng(31);
    const a = tensor(randData(r, 2 * 17 * 33), [2, 17, 33]);
    const b = tensor(randData(r, 2 * 33 * 9), [2, 33, 9]);
    const f = (x: Tensor, y: Tensor) => np.matmul(x, y);
    const eager = f(a, b).toTypedArray() as Float32Array;
    for (const float32 of ["fast", "exact"] as const)
      expect(bitwiseDiff(jit(f, { float32 })(a, b).toTypedArray() as Float32Array, eager), float32).toEqual([]);
  });
});

// ───────────────────────────── the JS kernels ─────────────────────────────

describe("the JS kernels", () => {
  it("setWasmDisabled(true) runs the JS kernel (float64 accumulation): within one float32 rounding of the exact sum, and not the wasm bits", () => {
    const r = rng(41);
    const [m, k, n] = [23, 301, 19];
    const a = randData(r, m * k);
    const b = randData(r, k * n);
    const wasm = lax.dotGeneral(tensor(a, [m, k]), tensor(b, [k, n]), MM).toTypedArray() as Float32Array;
    setWasmDisabled(true);
    expect(wasmKernels()).toBeUndefined();
    const js = lax.dotGeneral(tensor(a, [m, k]), tensor(b, [k, n]), MM).toTypedArray() as Float32Array;
    setWasmDisabled(false);
    expect(wasmKernels()).toBeDefined();
    const ref64 = reference(a, [m, k], b, [k, n], MM);
    const bad = mismatches(js.length, (i) => {
      const [g, e] = [js[i]!, ref64.f64[i]!];
      return Math.abs(g - e) <= U * Math.abs(e) + k * 2 ** -52 * ref64.absSum[i]!
        ? null
        : `[${i}] got ${g}, exact ${e}`;
    });
    expect(bad).toEqual([]);
    // the float32-sequential reference tells the two kernels apart (so the exact comparisons above mean something)
    expect(bitwiseDiff(js, reference(a, [m, k], b, [k, n], MM).f32).length).toBeGreaterThan(0);
    expect(bitwiseDiff(wasm, js).length).toBeGreaterThan(0);
  });

  it("float64 dot_general: within 1e-12 relative of a float64 reference", () => {
    const r = rng(51);
    const cases: [number[], number[], DN][] = [
      [[13, 300], [300, 17], MM],
      [
        [300, 13],
        [17, 300],
        [
          [[0], [1]],
          [[], []],
        ],
      ],
      [
        [4, 3, 5],
        [4, 5, 2],
        [
          [[2], [1]],
          [[0], [0]],
        ],
      ],
      [
        [5, 3, 4],
        [4, 3, 6],
        [
          [
            [2, 1],
            [0, 1],
          ],
          [[], []],
        ],
      ],
      [[200, 64], [64, 300], MM], // large enough to take the threaded path were it float32
    ];
    for (const [as, bs, dn] of cases) {
      const a = randData(r, sizeOf(as), "float64");
      const b = randData(r, sizeOf(bs), "float64");
      const got = lax.dotGeneral(tensor(a, as), tensor(b, bs), dn);
      expect(got.dtype).toBe("float64");
      const ref = reference(a, as, b, bs, dn);
      expect([...got.shape]).toEqual(ref.shape);
      const g = got.toTypedArray();
      const bad = mismatches(g.length, (i) =>
        Math.abs(g[i]! - ref.f64[i]!) <= 1e-12 * ref.absSum[i]! ? null : `[${i}] got ${g[i]}, want ${ref.f64[i]}`,
      );
      expect(bad, `${as}·${bs}`).toEqual([]);
      const notF32 = g.filter((v) => Math.fround(v) !== v).length;
      expect(notF32, "float64 results carry float64 precision").toBeGreaterThan(g.length / 2);
    }
  });
});

// ───────────────────────────── threads ─────────────────────────────

describe("threads", () => {
  const cores = os.availableParallelism();

  /**
   * lax.dotGeneral with `threads`, after a one-thread product of the same shapes and other values has filled the
   * kernels' scratch C: a column panel that nobody computes would keep those values and fail the comparison.
   */
  async function withThreads(
    threads: number,
    as: number[],
    bs: number[],
    dn: DN,
    a: Data,
    b: Data,
  ): Promise<{ out: Float32Array; ready: number }> {
    setThreads(1);
    const poison = (x: Data) => Float32Array.from(x, (v) => -2 * v + 1);
    lax.dotGeneral(tensor(poison(a), as), tensor(poison(b), bs), dn);
    setThreads(threads);
    const ready = await threadsReady();
    if (threads >= 2 && cores >= 2)
      expect(ready, `workers ready with setThreads(${threads})`).toBeGreaterThanOrEqual(1);
    // jobs are handed to workers with Atomics.notify on the calling thread: count them to see who did the work
    const notify = vi.spyOn(Atomics, "notify");
    let out: Float32Array;
    let handedOut: number;
    try {
      out = lax.dotGeneral(tensor(a, as), tensor(b, bs), dn).toTypedArray() as Float32Array;
      handedOut = notify.mock.calls.length;
    } finally {
      notify.mockRestore();
    }
    if (threads === 1) expect(handedOut, "setThreads(1): no jobs for workers").toBe(0);
    else if (ready >= 1)
      expect(handedOut, `setThreads(${threads}) with ${ready} workers ready: jobs for workers`).toBeGreaterThan(0);
    return { out, ready };
  }

  it("200×300×256 (and its transposes): 1, 2 and 3 threads give the same bits, equal to the reference", async () => {
    const r = rng(61);
    const [m, k, n] = [200, 256, 300];
    for (const [as, bs, dn] of [
      [[m, k], [k, n], MM],
      [
        [k, m],
        [n, k],
        [
          [[0], [1]],
          [[], []],
        ],
      ],
    ] as [number[], number[], DN][]) {
      const a = randData(r, m * k);
      const b = randData(r, k * n);
      const ref = reference(a, as, b, bs, dn);
      const one = await withThreads(1, as, bs, dn, a, b);
      expectF32(`${dn} 1 thread`, one.out, ref);
      for (const t of [2, 3]) {
        const many = await withThreads(t, as, bs, dn, a, b);
        expect(bitwiseDiff(many.out, one.out), `${t} threads (${many.ready} workers) vs 1`).toEqual([]);
      }
    }
  });

  it("512×512×512: 2 threads bitwise equal to 1, spot-checked against the reference", async () => {
    const N = 512;
    const r = rng(71);
    const a = randData(r, N * N);
    const b = randData(r, N * N);
    const one = await withThreads(1, [N, N], [N, N], MM, a, b);
    const two = await withThreads(2, [N, N], [N, N], MM, a, b);
    expect(bitwiseDiff(two.out, one.out)).toEqual([]);
    const f = Math.fround;
    const spots = [0, N - 1, N * N - 1, N * (N - 1), 7 * N + 300, 256 * N + 255, 300 * N + 511, 511 * N + 8];
    for (let s = 0; s < 40; s++) spots.push(Math.floor(r() * N * N));
    const w = kernels();
    for (const o of spots) {
      const [i, j] = [Math.floor(o / N), o % N];
      let acc = 0;
      let abs = 0;
      for (let p = 0; p < N; p++) {
        acc = f(acc + f(a[i * N + p]! * b[p * N + j]!));
        abs += Math.abs(a[i * N + p]! * b[p * N + j]!);
      }
      if (w.fma) expect(Math.abs(two.out[o]! - acc)).toBeLessThanOrEqual((N + 2) * U * abs);
      else expect(Object.is(two.out[o], acc), `[${i}, ${j}] got ${two.out[o]}, want ${acc}`).toBe(true);
    }
  });

  it("batched large problems split per batch: 1 vs 2 threads bitwise", async () => {
    const r = rng(81);
    const [as, bs, dn]: [number[], number[], DN] = [
      [3, 128, 200],
      [3, 200, 100],
      [
        [[2], [1]],
        [[0], [0]],
      ],
    ];
    const a = randData(r, sizeOf(as));
    const b = randData(r, sizeOf(bs));
    const one = await withThreads(1, as, bs, dn, a, b);
    expectF32("batched 1 thread", one.out, reference(a, as, b, bs, dn));
    const two = await withThreads(2, as, bs, dn, a, b);
    expect(bitwiseDiff(two.out, one.out)).toEqual([]);
  });

  it("setThreads(undefined): threadsReady reports one worker per further hardware thread (at most 7)", async () => {
    setThreads(undefined);
    expect(await threadsReady()).toBe(Math.min(cores, 8) - 1);
  });

  it("a process that ran a threaded matmul exits promptly (the pool does not keep it alive)", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const fixture = fileURLToPath(new URL("./fixtures/threaded_exit.ts", import.meta.url));
    const t0 = Date.now();
    const res = spawnSync(process.execPath, ["--import", "tsx", fixture], {
      cwd: root,
      timeout: 20_000,
      encoding: "utf8",
    });
    const ms = Date.now() - t0;
    const info = `status ${res.status}, signal ${res.signal}, error ${res.error?.message}, ${ms} ms\nstdout: ${res.stdout}\nstderr: ${res.stderr}`;
    expect(res.error, info).toBeUndefined();
    expect(res.status, info).toBe(0);
    expect(res.stdout, info).toMatch(/^done$/m);
    const line = JSON.parse(res.stdout.split("\n").find((l) => l.startsWith("{"))!) as {
      wasm: boolean;
      ready: number;
      first: number;
      last: number;
      tanh: number;
    };
    expect(
      Math.abs(line.tanh - Math.tanh(-4)),
      "tanh(((N²−1) mod 9) − 4) = tanh(−4), within a few float32 ulp",
    ).toBeLessThan(1e-6);
    expect(line.wasm).toBe(true);
    if (cores >= 2) expect(line.ready, info).toBe(1);
    // the values: integers, exact in float32
    const N = 512;
    const v = (i: number) => (i % 7) - 3;
    let first = 0;
    let last = 0;
    for (let p = 0; p < N; p++) {
      first += v(p) * v(p * N);
      last += v((N - 1) * N + p) * v(p * N + N - 1);
    }
    expect([line.first, line.last]).toEqual([first, last]);
    expect(ms, info).toBeLessThan(10_000);
  });
});

describe("comparison bookkeeping", () => {
  it("every float32 comparison took the branch the kernel's fma flag selects", () => {
    const w = kernels();
    const total = branch.exact + branch.tolerant;
    expect(total).toBeGreaterThan(20);
    if (w.fma === false) expect(branch).toEqual({ exact: total, tolerant: 0 });
    else if (w.fma === true) expect(branch.exact).toBe(0);
    else throw new Error(`fma flag is ${String(w.fma)}`);
  });
});
