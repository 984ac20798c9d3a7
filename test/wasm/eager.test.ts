// Eager execution's WebAssembly SIMD kernels (src/wasm/eager.ts eagerWasmLoop, used by primitives/define.ts):
// long float32 operands of arithmetic, comparisons and selects run as wasm loops. These operations round exactly as
// eager's JS kernels do, so results must be bitwise equal with the kernels on and off (setWasmDisabled), specials
// included; the approximate vectorised functions (exp, log, tanh, logistic) never replace eager's own kernels.

import { type DType, lax, np, type Tensor } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { addP } from "../../src/primitives/elementwise/add.js";
import { expP } from "../../src/primitives/elementwise/exp.js";
import { selectP } from "../../src/primitives/elementwise/select.js";
import { eagerWasmLoop } from "../../src/wasm/eager.js";
import { setWasmDisabled, wasmKernels } from "../../src/wasm/runtime.js";

afterEach(() => setWasmDisabled(false));

const SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  2 ** -149,
  -(2 ** -149),
  2 ** -126,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1,
  -1,
];

/** float32 values of either sign over many magnitudes, one in twelve a special value. */
function values(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () =>
    r() < 0.08
      ? SPECIALS[Math.floor(r() * SPECIALS.length)]!
      : (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** (Math.floor(r() * 40) - 20),
  );
}

const sameBits = (got: Tensor, want: Tensor) => {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  const [g, w] = [got.toTypedArray(), want.toTypedArray()];
  const bad = Array.from(g).findIndex((v, i) => !Object.is(v, w[i]));
  expect(bad, bad >= 0 ? `element ${bad}: got ${g[bad]}, want ${w[bad]}` : "").toBe(-1);
};

/** The op with the wasm kernels on, and again with them off (the JS kernels). */
const onAndOff = (f: () => Tensor): [Tensor, Tensor] => {
  const on = f();
  setWasmDisabled(true);
  const off = f();
  setWasmDisabled(false);
  return [on, off];
};

describe("eager float32 elementwise kernels in WebAssembly", () => {
  it("the kernels are available here", () => {
    expect(wasmKernels()).toBeDefined();
  });

  it("which operations and sizes take the wasm loop", () => {
    /** A kernel for these operands when they have `size` elements (eager's choice in primitives/define.ts). */
    const eagerWasmKernel = (
      prim: Parameters<typeof eagerWasmLoop>[0],
      _params: object,
      dtypes: DType[],
      out: DType,
      size: number,
    ) => {
      const w = eagerWasmLoop(prim, dtypes, out);
      return w && size >= w.minSize ? w.run : undefined;
    };
    expect(eagerWasmKernel(addP, {}, ["float32", "float32"], "float32", 4096)).toBeDefined();
    expect(
      eagerWasmKernel(addP, {}, ["float32", "float32"], "float32", 4095),
      "plain arithmetic below 4096 elements",
    ).toBeUndefined();
    expect(
      eagerWasmKernel(selectP, {}, ["bool", "float32", "float32"], "float32", 256),
      "a select from 256",
    ).toBeDefined();
    expect(eagerWasmKernel(selectP, {}, ["bool", "float32", "float32"], "float32", 255)).toBeUndefined();
    expect(
      eagerWasmKernel(addP, {}, ["float64", "float64"], "float64", 1 << 16),
      "float64 stays in JS",
    ).toBeUndefined();
    expect(
      eagerWasmKernel(expP, {}, ["float32"], "float32", 1 << 16),
      "exp is approximate in wasm: eager keeps Math.exp",
    ).toBeUndefined();
  });

  for (const n of [4096, 4099, 5003, 1 << 17]) {
    it(`n = ${n}: arithmetic, comparisons and where are bitwise equal to the JS kernels`, () => {
      // y equals x at every 7th element, and is −x (so ±0 against ∓0 too) at every 11th: comparisons see ties
      const xs = values(n, n);
      const ys = values(n, n + 1).map((v, i) => (i % 7 === 0 ? xs[i]! : i % 11 === 0 ? -xs[i]! : v));
      const [x, y] = [np.array(xs, { dtype: "float32" }), np.array(ys, { dtype: "float32" })];
      const ops: [string, () => Tensor][] = [
        ["add", () => np.add(x, y)],
        ["subtract", () => np.subtract(x, y)],
        ["multiply", () => np.multiply(x, y)],
        ["divide", () => np.divide(x, y)],
        ["maximum", () => np.maximum(x, y)],
        ["minimum", () => np.minimum(y, x)],
        ["negative", () => np.negative(x)],
        ["abs", () => np.abs(y)],
        ["sqrt", () => np.sqrt(x)],
        ["greater", () => np.greater(x, y)],
        ["lessEqual", () => np.lessEqual(x, 0)],
        ["equal", () => np.equal(x, x)],
        ["where", () => np.where(np.greater(x, y), x, y)],
        ["select on a bool tensor", () => lax.select(np.notEqual(y, y), y, x)],
      ];
      for (const [what, f] of ops) {
        const [on, off] = onAndOff(f);
        expect(on.dtype, what).toBe(off.dtype);
        sameBits(on, off);
      }
    });
  }

  it("a 2-d operand keeps its shape; exp of long operands is eager's own kernel (Math.exp, rounded once)", () => {
    const x = np.reshape(np.array(values(64 * 80, 7), { dtype: "float32" }), [64, 80]);
    const [on, off] = onAndOff(() => np.add(x, x));
    expect(on.shape).toEqual([64, 80]);
    sameBits(on, off);
    const xs = values(5000, 8).map((v) => Math.max(-80, Math.min(80, v)));
    const e = np.exp(np.array(xs, { dtype: "float32" })).toTypedArray();
    expect(Array.from(e)).toEqual(Array.from(xs, (v) => Math.fround(Math.exp(v))));
  });
});
