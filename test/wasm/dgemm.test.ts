// float64 matmul on the WebAssembly SIMD kernel (src/wasm/gemm.ts's f64x2 path) against a plain-JS reference that sums
// each output element over k in order from +0 (s += a·b, unfused): the kernel must match it bit for bit for any
// shape, stride, block boundary and thread count, and so must np.matmul and lax.dotGeneral, eager and under jit.
import { jit, lax, np } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { KC, MC_PANELS, MR, NR64 } from "../../src/wasm/gemm.js";
import {
  dgemm,
  type Strides3,
  setThreads,
  setWasmDisabled,
  threadsReady,
  wasmKernels,
} from "../../src/wasm/runtime.js";
import { randData, refStrided } from "./reference.js";

afterEach(() => {
  setThreads(undefined);
  setWasmDisabled(false);
});

const randF64 = (r: () => number, n: number) => randData(r, n, "float64") as Float64Array;
const reference = (...args: Parameters<typeof refStrided>) => refStrided(...args).f64;

/** Indices where x and y differ as bits (NaN equals NaN; +0 differs from −0), with the values. */
function bitDiff(x: ArrayLike<number>, y: ArrayLike<number>): string[] {
  const bad: string[] = [];
  if (x.length !== y.length) return [`lengths ${x.length} and ${y.length}`];
  for (let i = 0; i < x.length && bad.length < 5; i++)
    if (!Object.is(x[i], y[i])) bad.push(`[${i}] ${x[i]} vs ${y[i]}`);
  return bad;
}

/** dgemm on contiguous (or `layout`-strided) operands, checked against the reference. */
function check(r: () => number, nb: number, m: number, k: number, n: number, transA = false, transB = false): void {
  const a = randF64(r, nb * m * k);
  const b = randF64(r, nb * k * n);
  const as: Strides3 = transA ? [m * k, 1, m] : [m * k, k, 1];
  const bs: Strides3 = transB ? [k * n, 1, k] : [k * n, n, 1];
  const out = new Float64Array(nb * m * n).fill(Number.NaN);
  dgemm(wasmKernels()!, a, as, b, bs, nb, m, k, n, out);
  expect(bitDiff(out, reference(a, as, b, bs, nb, m, k, n)), `${nb}×${m}×${k}×${n} ${transA} ${transB}`).toEqual([]);
}

describe("dgemm (f64x2)", () => {
  it("small and ragged shapes, every transpose: bit for bit", () => {
    const r = rng(1);
    for (const [nb, m, k, n] of [
      [1, 1, 2, 1],
      [1, 3, 5, 7],
      [2, MR + 1, 9, NR64 + 1],
      [3, 17, 33, 13],
      [1, 64, 64, 64],
    ] as const)
      for (const ta of [false, true]) for (const tb of [false, true]) check(r, nb, m, k, n, ta, tb);
  });

  it(`k > KC (${KC}), m > MC (${MC_PANELS * MR} rows), n over many panels`, () => {
    const r = rng(2);
    check(r, 1, 9, 2 * KC + 7, 11);
    check(r, 1, MC_PANELS * MR + 5, 20, 9);
    check(r, 1, 7, 30, 41 * NR64 + 3, false, true);
  });

  it("k = 0 gives +0 and k = 1 the single products; a stride-0 batch broadcast", () => {
    const out = new Float64Array(6).fill(Number.NaN);
    dgemm(wasmKernels()!, new Float64Array(0), [0, 0, 1], new Float64Array(0), [0, 3, 1], 1, 2, 0, 3, out);
    expect(bitDiff(out, new Float64Array(6))).toEqual([]);
    const r = rng(3);
    const a = randF64(r, 2 * 5 * 4);
    const b = randF64(r, 4 * 6);
    const o = new Float64Array(2 * 5 * 6);
    dgemm(wasmKernels()!, a, [20, 4, 1], b, [0, 6, 1], 2, 5, 4, 6, o);
    expect(bitDiff(o, reference(a, [20, 4, 1], b, [0, 6, 1], 2, 5, 4, 6))).toEqual([]);
    check(r, 4, 5, 1, 6);
  });

  it("NaN, ±Inf and −0 land where the reference puts them", () => {
    const r = rng(4);
    const a = randF64(r, 8 * 8);
    const b = randF64(r, 8 * 8);
    a[3] = Number.NaN;
    a[20] = Number.POSITIVE_INFINITY;
    b[40] = Number.NEGATIVE_INFINITY;
    a[30] = -0;
    const s: Strides3 = [64, 8, 1];
    const out = new Float64Array(64);
    dgemm(wasmKernels()!, a, s, b, s, 1, 8, 8, 8, out);
    expect(bitDiff(out, reference(a, s, b, s, 1, 8, 8, 8))).toEqual([]);
  });

  it("np.matmul and lax.dotGeneral in float64: the JS kernel's bits, eager and under jit", () => {
    const r = rng(5);
    const x = np.reshape(np.array(randF64(r, 3 * 40 * 50), { dtype: "float64" }), [3, 40, 50]);
    const y = np.reshape(np.array(randF64(r, 50 * 30), { dtype: "float64" }), [50, 30]);
    const f = (p: typeof x, q: typeof y) =>
      lax.dotGeneral(p, q, [
        [[1], [0]],
        [[], []],
      ]);
    const wasm = np.matmul(x, y).toTypedArray();
    const viaJit = jit(np.matmul)(x, y).toTypedArray();
    const transposed = f(np.transpose(x, [0, 2, 1]), y).toTypedArray();
    setWasmDisabled(true);
    const js = np.matmul(x, y).toTypedArray();
    const jsT = f(np.transpose(x, [0, 2, 1]), y).toTypedArray();
    expect(bitDiff(wasm, js)).toEqual([]);
    expect(bitDiff(viaJit, js)).toEqual([]);
    expect(bitDiff(transposed, jsT)).toEqual([]);
  });

  it("300×300×300 on 1 and 2 threads: the same bits, equal to the reference", async () => {
    const r = rng(6);
    const n = 300;
    const a = randF64(r, n * n);
    const b = randF64(r, n * n);
    const s: Strides3 = [0, n, 1];
    const outs = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      await threadsReady();
      const out = new Float64Array(n * n);
      dgemm(wasmKernels()!, a, s, b, s, 1, n, n, n, out);
      outs.push(out);
    }
    expect(bitDiff(outs[1]!, outs[0]!)).toEqual([]);
    expect(bitDiff(outs[0]!, reference(a, s, b, s, 1, n, n, n))).toEqual([]);
  });
});
