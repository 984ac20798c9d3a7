// float32 erf_inv: the JS kernel (special_math.ts's erfInv32 / erfInv32Array, float32 steps with Math.fround) and
// the WebAssembly SIMD kernel (wasm/erf_inv.ts) agree bit for bit, over random bit patterns, the uniform draws of
// random.normal, the tails near ±1, ±1, |x| > 1, NaN, ±0 and subnormals, at lengths that are not whole vectors or
// cross the kernel's blocks; and both stay within 1 ulp of XLA's ErfInv32 (JAX's float32 erf_inv, with its correctly
// rounded log1p, emulated in test/random/oracle.ts) for |x| ≤ 1 − 2⁻²⁴ (measured: equal to it over
// every float32 there; their w = −log1p(−x²) is float64-accurate before its rounding to float32).
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mulberry32 } from "../../src/core/random.js";
import { lax, np } from "../../src/index.js";
import { install } from "../../src/install.js";
import { eagerBackend } from "../../src/primitives/eager_backend.js";
import { erfInv32, erfInv32Array, erfInv64 } from "../../src/primitives/elementwise/special_math.js";
import { wasmEagerBackend } from "../../src/wasm/eager.js";
import { ERF_INV_MIN_ELEMENTS, erfInv32Wasm } from "../../src/wasm/erf_inv.js";
import { setWasmDisabled, wasmKernels } from "../../src/wasm/runtime.js";
import { valuesOf } from "../helpers.js";
import { erfInvXla32, GILES_SMALL } from "../random/oracle.js";

beforeAll(() => install());
afterEach(() => {
  setWasmDisabled(false);
  vi.restoreAllMocks();
});

const f32 = Math.fround;

// float32 values by their bits, and ulps between them
const bitsBuf = new Int32Array(1);
const floatBuf = new Float32Array(bitsBuf.buffer);
const fromBits = (b: number): number => {
  bitsBuf[0] = b;
  return floatBuf[0]!;
};
const ordered = (x: number): number => {
  floatBuf[0] = x;
  const i = bitsBuf[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
};
const ulps = (a: number, b: number): number => Math.abs(ordered(a) - ordered(b));

const ONE_BELOW = 0x3f7fffff; // the bits of 1 − 2⁻²⁴
const SPECIAL = [1, -1, 0, -0, NaN, Infinity, -Infinity, 1 - 2 ** -24, -(1 - 2 ** -24), 1 + 2 ** -23, -1 - 2 ** -23];
SPECIAL.push(1.5, -2, 2 ** -149, -(2 ** -149), 2 ** -126, 1e-30, 2 ** -12, 0.5, -0.5, Math.SQRT1_2, 3.4e38);

/** n float32 inputs of every kind: random bits, uniforms in (−1, 1), the tails near ±1 and the special values. */
function inputs(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(n);
  const bits = new Int32Array(x.buffer);
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    if (kind === 0) bits[i] = (rand() * 2 ** 32) | 0;
    else if (kind === 1) x[i] = 2 * rand() - 1;
    else if (kind === 2) x[i] = (rand() < 0.5 ? -1 : 1) * (1 - 2 ** -24 * Math.floor(rand() * 4096));
    else x[i] = (rand() < 0.5 ? -1 : 1) * fromBits(Math.floor(rand() * ONE_BELOW));
  }
  x.set(SPECIAL.slice(0, Math.min(n, SPECIAL.length)));
  return x;
}

/** Bit for bit, NaN as NaN. */
function expectSameBits(got: Float32Array, want: Float32Array, x: Float32Array): void {
  const g = new Int32Array(got.buffer, got.byteOffset, got.length);
  const w = new Int32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < x.length; i++) {
    if (g[i] !== w[i] && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!)))
      expect.fail(`x = ${x[i]} (index ${i}): ${got[i]} ≠ ${want[i]}`);
  }
}

describe("float32 erf_inv: JS and WebAssembly SIMD kernels", () => {
  it("the WebAssembly kernel is available here, and erf_inv uses it from its threshold", () => {
    expect(wasmKernels()).toBeDefined();
    expect(eagerBackend()?.erfInv32).toBeDefined();
    const spy = vi.spyOn(wasmEagerBackend, "erfInv32");
    lax.erfInv(np.array(inputs(1000, 1)));
    expect(spy).toHaveBeenCalled();
    expect(spy.mock.results.at(-1)?.value).toBe(true);
    expect(erfInv32Wasm(new Float32Array(ERF_INV_MIN_ELEMENTS - 1), new Float32Array(ERF_INV_MIN_ELEMENTS - 1))).toBe(
      false,
    );
  });

  it.each([ERF_INV_MIN_ELEMENTS, ERF_INV_MIN_ELEMENTS + 1, ERF_INV_MIN_ELEMENTS + 3, 1001, 65536 + 7, 200_003])(
    "the kernels agree bit for bit on %d elements",
    (n) => {
      const x = inputs(n, n);
      const js = new Float32Array(n);
      erfInv32Array(x, js);
      const wasm = new Float32Array(n);
      expect(erfInv32Wasm(x, wasm)).toBe(true);
      expectSameBits(wasm, js, x);
      // the scalar kernel too
      for (let i = 0; i < n; i += 97)
        expectSameBits(new Float32Array([erfInv32(x[i]!)]), js.subarray(i, i + 1), x.subarray(i, i + 1));
    },
  );

  it("the kernels agree bit for bit on a view into a larger buffer, and through lax.erfInv with wasm on and off", () => {
    const big = inputs(70_000, 3);
    const x = big.subarray(5, 69_998);
    const wasm = new Float32Array(x.length);
    expect(erfInv32Wasm(x, wasm)).toBe(true);
    const js = new Float32Array(x.length);
    erfInv32Array(x, js);
    expectSameBits(wasm, js, x);
    const on = new Float32Array(valuesOf(lax.erfInv(np.array(x))));
    setWasmDisabled(true);
    const off = new Float32Array(valuesOf(lax.erfInv(np.array(x))));
    expectSameBits(on, js, x);
    expectSameBits(off, js, x);
  });

  it("agree bit for bit over every float32 in the last 2¹⁶ below 1 and a sweep of (−1, 1), both signs", () => {
    const n = 2 * 65536 + 2 * 65536;
    const x = new Float32Array(n);
    for (let i = 0; i < 65536; i++) {
      x[4 * i] = fromBits(ONE_BELOW - i);
      x[4 * i + 1] = -x[4 * i]!;
      x[4 * i + 2] = fromBits(Math.floor((i / 65536) * ONE_BELOW));
      x[4 * i + 3] = -x[4 * i + 2]!;
    }
    const js = new Float32Array(n);
    erfInv32Array(x, js);
    const wasm = new Float32Array(n);
    expect(erfInv32Wasm(x, wasm)).toBe(true);
    expectSameBits(wasm, js, x);
  });

  it("±∞ at ±1, NaN beyond and for NaN, ±0 at ±0, x·2/√π for subnormal x, on both kernels", () => {
    const x = new Float32Array([
      1,
      -1,
      1.5,
      -2,
      1 + 2 ** -23,
      Infinity,
      -Infinity,
      NaN,
      0,
      -0,
      2 ** -149,
      -(2 ** -140),
    ]);
    const want = [Infinity, -Infinity, NaN, NaN, NaN, NaN, NaN, NaN, 0, -0];
    want.push(f32(f32(GILES_SMALL_AT_ZERO) * 2 ** -149), -f32(f32(GILES_SMALL_AT_ZERO) * 2 ** -140));
    const padded = new Float32Array(Math.max(ERF_INV_MIN_ELEMENTS, x.length));
    padded.set(x);
    const wasm = new Float32Array(padded.length);
    expect(erfInv32Wasm(padded, wasm)).toBe(true);
    const js = new Float32Array(x.length);
    erfInv32Array(x, js);
    for (const got of [js, wasm.subarray(0, x.length)])
      want.forEach((w, i) => expect(Object.is(got[i], w), `x = ${x[i]}: ${got[i]} vs ${w}`).toBe(true));
  });
});

/** Giles' small fit at w = 0 (the polynomial in w − 2.5 = −2.5): erf⁻¹(x) ≈ that·x for tiny x. */
const GILES_SMALL_AT_ZERO = (() => {
  let p = GILES_SMALL[0]!;
  for (let i = 1; i < GILES_SMALL.length; i++) p = f32(GILES_SMALL[i]! + f32(p * -2.5));
  return p;
})();

describe("float32 erf_inv: accuracy", () => {
  /** Every 2^k-th float32 in [0, 1 − 2⁻²⁴] (denser toward 1), and all of the last 2¹⁷ below 1. */
  function sweep(): number[] {
    const xs: number[] = [];
    for (let b = 0; b <= ONE_BELOW; b += b < 0x3f000000 ? 4099 : 257) xs.push(fromBits(b));
    for (let i = 0; i < 2 ** 17; i++) xs.push(fromBits(ONE_BELOW - i));
    return xs;
  }

  it("within 1 ulp of XLA's ErfInv32 (correctly rounded log1p) for |x| ≤ 1 − 2⁻²⁴, and odd", () => {
    const xs = sweep();
    const x = new Float32Array(xs);
    const got = new Float32Array(x.length);
    erfInv32Array(x, got);
    const neg = new Float32Array(x.length);
    erfInv32Array(
      x.map((v) => -v),
      neg,
    );
    let worst = 0;
    let at = 0;
    for (let i = 0; i < x.length; i++) {
      const d = ulps(got[i]!, erfInvXla32(x[i]!));
      if (d > worst) [worst, at] = [d, x[i]!];
      if (!Object.is(neg[i], -got[i]!)) expect.fail(`erfInv(−${x[i]}) = ${neg[i]}, not −${got[i]}`);
    }
    expect(worst, `at x = ${at}`).toBeLessThanOrEqual(1);
  });

  it("within 10⁻⁵ (relative) of erf⁻¹ itself, as XLA's own float32 erf_inv is", () => {
    const xs = sweep().filter((v) => v > 2 ** -120);
    const got = new Float32Array(xs.length);
    erfInv32Array(xs, got);
    let worst = 0;
    xs.forEach((v, i) => {
      const want = erfInv64(v);
      worst = Math.max(worst, Math.abs(got[i]! - want) / want);
    });
    expect(worst).toBeLessThan(1e-5);
  });
});
