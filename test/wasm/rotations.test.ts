// The SIMD rotation kernel (src/wasm/rotations.ts) against linalg/orthogonal.ts's JS loop: the same bits for every
// row count (the four-pair, one-pair and odd-row paths), stride, range and special value; and svd's results the same
// with the kernel as without it.
import { np } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { rotateForward } from "../../src/primitives/linalg/orthogonal.js";
import { rotateForwardWasm, rotationScratch, rotationsModule } from "../../src/wasm/rotations.js";
import { setWasmDisabled } from "../../src/wasm/runtime.js";

afterEach(() => setWasmDisabled(false));

const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
  x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));

describe("rotation kernel", () => {
  it("validates", () => expect(WebAssembly.validate(rotationsModule())).toBe(true));

  it("every row count 1…19, strides wider than the range, partial ranges: the JS loop's bits", () => {
    const r = rng(1);
    for (let rows = 1; rows <= 19; rows++)
      for (const [stride, lo, hi] of [
        [7, 0, 6],
        [12, 3, 9],
        [5, 2, 3],
        [9, 4, 4],
      ] as const) {
        const scratch = rotationScratch(rows * stride + 2 * stride)!;
        const z = scratch.subarray(0, rows * stride);
        const c = scratch.subarray(rows * stride, rows * stride + stride);
        const s = scratch.subarray(rows * stride + stride, rows * stride + 2 * stride);
        for (let i = 0; i < z.length; i++) z[i] = r() * 2 - 1;
        for (let k = 0; k < stride; k++) {
          const t = r() * Math.PI;
          [c[k], s[k]] = [Math.cos(t), Math.sin(t)];
        }
        if (rows > 3) z[2 * stride + lo] = Number.NaN;
        if (rows > 5) z[5 * stride + hi] = Number.POSITIVE_INFINITY;
        const want = z.slice();
        // the JS loop on copies outside the kernel's memory
        rotateForward(want, rows, stride, lo, hi, c.slice(), s.slice());
        expect(rotateForwardWasm(z, rows, stride, lo, hi, c, s)).toBe(true);
        expect(same(z, want), `rows ${rows} stride ${stride} range ${lo}…${hi}`).toBe(true);
      }
  });

  it("declines arrays outside its memory", () => {
    const z = new Float64Array(8);
    expect(rotateForwardWasm(z, 2, 4, 0, 3, new Float64Array(4), new Float64Array(4))).toBe(false);
  });

  it("np.linalg.svd (70 × 50 and 50 × 70, full and reduced): the same bits with the kernel and without WebAssembly", () => {
    const r = rng(2);
    for (const [m, n] of [
      [70, 50],
      [50, 70],
    ])
      for (const fullMatrices of [false, true]) {
        const a = np.reshape(
          np.array(
            Float64Array.from({ length: m * n }, () => r() - 0.5),
            { dtype: "float64" },
          ),
          [m, n],
        );
        const wasm = np.linalg.svd(a, { fullMatrices }).map((t) => t.toTypedArray());
        setWasmDisabled(true);
        const js = np.linalg.svd(a, { fullMatrices }).map((t) => t.toTypedArray());
        setWasmDisabled(false);
        for (const i of [0, 1, 2]) expect(same(wasm[i]!, js[i]!), `${m}×${n} output ${i}`).toBe(true);
      }
  });
});
