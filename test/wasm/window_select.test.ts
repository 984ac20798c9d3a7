// The SIMD window selection of max/min pooling (src/wasm/window_select.ts) against reduce/window.ts's JS loop: the
// same chosen indices for ties, NaN, −0, padding-only windows, strides, dilations and layouts; and pooling results
// and gradients the same with WebAssembly on and off.
import { grad, nn, np } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { type WindowParams, windowExtremaInto, windowPlan, windowSelect } from "../../src/primitives/reduce/window.js";
import { setWasmDisabled } from "../../src/wasm/runtime.js";
import { windowSelect32, windowSelectModule } from "../../src/wasm/window_select.js";

afterEach(() => setWasmDisabled(false));

const params = (
  window: number[],
  strides: number[],
  padding: [number, number][],
  dilation = window.map(() => 1),
  base = window.map(() => 1),
): WindowParams =>
  ({
    window_dimensions: window,
    window_strides: strides,
    padding,
    base_dilation: base,
    window_dilation: dilation,
  }) as WindowParams;

/** Values with many ties (a few levels), some NaN and −0. */
function data(seed: number, n: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = r();
    if (u < 0.02) return Number.NaN;
    if (u < 0.05) return -0;
    return Math.floor(r() * 5) - 2;
  });
}

describe("windowSelect32", () => {
  it("validates", () => expect(WebAssembly.validate(windowSelectModule())).toBe(true));

  const cases: [number[], WindowParams][] = [
    [
      [8, 12, 12, 16],
      params(
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ),
    ],
    [
      [4, 13, 11, 8],
      params(
        [1, 3, 3, 1],
        [1, 2, 1, 1],
        [
          [0, 0],
          [1, 1],
          [2, 0],
          [0, 0],
        ],
      ),
    ],
    [
      [8, 10, 10, 12],
      params(
        [1, 2, 2, 1],
        [1, 1, 3, 1],
        [
          [0, 0],
          [3, 3],
          [0, 4],
          [0, 0],
        ],
        [1, 2, 1, 1],
      ),
    ],
    [
      [12, 9, 40],
      params(
        [1, 4, 1],
        [1, 3, 1],
        [
          [0, 0],
          [5, 2],
          [0, 0],
        ],
      ),
    ],
    [
      [24, 7, 7, 4],
      params(
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [
          [0, 0],
          [0, 1],
          [1, 0],
          [0, 0],
        ],
        [1, 1, 1, 1],
        [1, 2, 1, 1],
      ),
    ],
  ];
  for (const [shape, p] of cases)
    it(`[${shape}] window [${p.window_dimensions}] strides [${p.window_strides}]: the JS loop's indices`, () => {
      const x = data(
        shape.reduce((a, b) => a * b, 1),
        shape.reduce((a, b) => a * b, 1),
      );
      const plan = windowPlan(shape, p);
      for (const select of ["ge", "le"] as const) {
        const values = new Float32Array(plan.outSize).fill(7);
        const fast = windowSelect32(x, plan, select === "ge", values);
        expect(fast, "the kernel runs on this plan").toBeDefined();
        setWasmDisabled(true);
        const js = windowSelect(x, plan, select);
        setWasmDisabled(false);
        expect(Array.from(fast!)).toEqual(Array.from(js));
        // the chosen elements themselves (−0 and NaN as they are), and the extrema with `none` for empty windows
        const bad = Array.from(js).findIndex((k, i) => k >= 0 && !Object.is(values[i], x[k]));
        expect(bad, `value ${bad}`).toBe(-1);
        const dest = new Float32Array(plan.outSize);
        expect(windowExtremaInto(x, plan, select, dest, -99)).toBe(true);
        const want = Array.from(js, (k) => (k >= 0 ? x[k]! : -99));
        expect(Array.from(dest).every((v, i) => Object.is(v, want[i]))).toBe(true);
      }
    });

  it("declines inner blocks that are not a multiple of four", () => {
    const shape = [8, 12, 12, 3];
    const plan = windowPlan(
      shape,
      params(
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ),
    );
    expect(windowSelect32(data(1, 8 * 12 * 12 * 3), plan, true)).toBeUndefined();
  });

  it("nn.maxPool and its gradient: the same bits with WebAssembly on and off", () => {
    const x = np.reshape(np.array(data(7, 16 * 14 * 14 * 8).map((v) => (Number.isNaN(v) ? 1 : v))), [16, 14, 14, 8]);
    const w = np.array(data(8, 16 * 7 * 7 * 8).map((v) => (Number.isNaN(v) ? 0.5 : v + 0.25)));
    const f = (t: typeof x) => np.sum(np.multiply(np.reshape(nn.maxPool(t, [2, 2], { strides: [2, 2] }), [-1]), w));
    const y = nn.maxPool(x, [3, 3], { strides: [2, 2], padding: "SAME" }).toTypedArray();
    const g = grad(f)(x).toTypedArray();
    setWasmDisabled(true);
    expect(Array.from(nn.maxPool(x, [3, 3], { strides: [2, 2], padding: "SAME" }).toTypedArray())).toEqual(
      Array.from(y),
    );
    expect(Array.from(grad(f)(x).toTypedArray())).toEqual(Array.from(g));
  });
});
