// Threefry-2x32 (20 rounds) against the known-answer vectors of the Random123 reference implementation
// (examples/kat_vectors, lines "threefry2x32 20 ctr0 ctr1 key0 key1 out0 out1"), which JAX's own tests also use
// (tests/random_test.py, testThreefry2x32); and the fast kernels (unrolled JS, WebAssembly SIMD) against a slow
// reference, the independent oracle of test/random/oracle.ts (Threefry-2x32 written plainly from the paper), for one
// key and a key per counter, in place, at lengths that are not whole vectors, and with the WebAssembly kernels on and
// off (they must agree bit for bit).
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mulberry32 } from "../../src/core/random.js";
import { install } from "../../src/install.js";
import { eagerBackend } from "../../src/primitives/eager_backend.js";
import { threefry2x32, threefryBits } from "../../src/primitives/random/threefry_kernel.js";
import { wasmEagerBackend } from "../../src/wasm/eager.js";
import { setWasmDisabled, wasmKernels } from "../../src/wasm/runtime.js";
import { THREEFRY_MIN_ELEMENTS, threefry2x32Wasm, threefryBitsWasm } from "../../src/wasm/threefry.js";
import { bitsOf, threefry as reference } from "../random/oracle.js";

beforeAll(() => install());
afterEach(() => {
  setWasmDisabled(false);
  vi.restoreAllMocks();
});

const KAT: readonly { counter: [number, number]; key: [number, number]; want: [number, number] }[] = [
  { counter: [0x00000000, 0x00000000], key: [0x00000000, 0x00000000], want: [0x6b200159, 0x99ba4efe] },
  { counter: [0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], want: [0x1cb996fc, 0xbb002be7] },
  { counter: [0x243f6a88, 0x85a308d3], key: [0x13198a2e, 0x03707344], want: [0xc4923a9c, 0x483df7a0] },
];

/** JAX's random bits, directly: key k's word i is y0 ^ y1 of counter (⌊i / 2³²⌋, i mod 2³²) (the oracle's bitsOf). */
function referenceBits(keys: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array((keys.length / 2) * n);
  for (let k = 0; k < keys.length / 2; k++) out.set(bitsOf([keys[2 * k]!, keys[2 * k + 1]!], n), k * n);
  return out;
}

const words = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Uint32Array.from({ length: n }, () => (r() * 2 ** 32) >>> 0);
};

/** The first index where two word arrays differ, with both words, or "" where they are equal. */
const diff = (got: Uint32Array, want: Uint32Array): string => {
  if (got.length !== want.length) return `lengths ${got.length} and ${want.length}`;
  const i = got.findIndex((v, k) => v !== want[k]);
  return i < 0 ? "" : `word ${i}: got ${got[i]!.toString(16)}, want ${want[i]!.toString(16)}`;
};

/** Both words of the reference for keys (one, or one per counter) and counters. */
function referenceBlocks(k0: Uint32Array, k1: Uint32Array, x0: Uint32Array, x1: Uint32Array) {
  const [y0, y1] = [new Uint32Array(x0.length), new Uint32Array(x0.length)];
  x0.forEach((_, i) => {
    const j = k0.length === 1 ? 0 : i;
    [y0[i], y1[i]] = reference(k0[j]!, k1[j]!, x0[i]!, x1[i]!);
  });
  return [y0, y1] as const;
}

/** The kernels' ways to run: the public functions with the WebAssembly kernels on and off. */
const MODES = ["wasm", "js"] as const;
const withMode = <T>(mode: (typeof MODES)[number], f: () => T): T => {
  setWasmDisabled(mode === "js");
  try {
    return f();
  } finally {
    setWasmDisabled(false);
  }
};

/** Lengths around whole iterations (4, 8), the threshold, and blocks of the WebAssembly kernels (2¹⁴). */
const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 100, 1000, 16383, 16384, 16385, 40_001];

describe("the oracle", () => {
  it.each(KAT)("matches Random123's known answer for counter $counter, key $key", ({ counter, key, want }) => {
    expect(reference(key[0], key[1], counter[0], counter[1])).toEqual(want);
  });
});

describe("threefry2x32 (kernel)", () => {
  it("the WebAssembly kernels are available here, and threefry2x32 uses them from the threshold", () => {
    expect(wasmKernels()).toBeDefined();
    expect(eagerBackend()?.threefry2x32).toBeDefined();
    const spy = vi.spyOn(wasmEagerBackend, "threefry2x32");
    const n = THREEFRY_MIN_ELEMENTS;
    const x = new Uint32Array(n);
    threefry2x32(Uint32Array.of(1), Uint32Array.of(2), x, x.slice(), new Uint32Array(n), new Uint32Array(n));
    expect(spy).toHaveReturnedWith(true);
    spy.mockClear();
    threefry2x32(Uint32Array.of(1), Uint32Array.of(2), x.subarray(1), x.subarray(1), x.slice(1), x.slice(1));
    expect(spy).not.toHaveBeenCalled();
  });

  describe.each(MODES)("%s", (mode) => {
    it.each(KAT)("matches Random123's known answer for counter $counter, key $key", ({ counter, key, want }) => {
      const [o0, o1] = [new Uint32Array(1), new Uint32Array(1)];
      withMode(mode, () =>
        threefry2x32(
          Uint32Array.of(key[0]),
          Uint32Array.of(key[1]),
          Uint32Array.of(counter[0]),
          Uint32Array.of(counter[1]),
          o0,
          o1,
        ),
      );
      expect([o0[0], o1[0]]).toEqual(want);
    });

    it("gives every known answer over a long array with a key per counter, in place", () => {
      // the vectors in turn, 1001 counters: long enough for the WebAssembly kernels, not a whole number of vectors
      const n = 1001;
      const at = (i: number) => KAT[i % KAT.length]!;
      const k0 = Uint32Array.from({ length: n }, (_, i) => at(i).key[0]);
      const k1 = Uint32Array.from({ length: n }, (_, i) => at(i).key[1]);
      const x0 = Uint32Array.from({ length: n }, (_, i) => at(i).counter[0]);
      const x1 = Uint32Array.from({ length: n }, (_, i) => at(i).counter[1]);
      withMode(mode, () => threefry2x32(k0, k1, x0, x1, x0, x1));
      expect(
        diff(
          x0,
          Uint32Array.from({ length: n }, (_, i) => at(i).want[0]),
        ),
      ).toBe("");
      expect(
        diff(
          x1,
          Uint32Array.from({ length: n }, (_, i) => at(i).want[1]),
        ),
      ).toBe("");
    });

    it.each(LENGTHS)("agrees with the reference over %i counters, one key and a key per counter", (n) => {
      const [x0, x1] = [words(n, 1), words(n, 2)];
      for (const [k0, k1] of [
        [Uint32Array.of(0x13198a2e), Uint32Array.of(0xfe707344)],
        [words(n, 3), words(n, 4)],
      ] as const) {
        const [o0, o1] = [new Uint32Array(n), new Uint32Array(n)];
        withMode(mode, () => threefry2x32(k0, k1, x0, x1, o0, o1));
        const [w0, w1] = referenceBlocks(k0, k1, x0, x1);
        expect(diff(o0, w0), `keys of ${k0.length}`).toBe("");
        expect(diff(o1, w1), `keys of ${k0.length}`).toBe("");
      }
    });

    it("computes in place, and with the outputs swapped onto the inputs", () => {
      const n = 20_000;
      const [x0, x1, k0, k1] = [words(n, 5), words(n, 6), words(n, 7), words(n, 8)];
      const [w0, w1] = referenceBlocks(k0, k1, x0, x1);
      const [a0, a1] = [x0.slice(), x1.slice()];
      withMode(mode, () => threefry2x32(k0, k1, a0, a1, a0, a1));
      expect([diff(a0, w0), diff(a1, w1)]).toEqual(["", ""]);
      const [b0, b1] = [x0.slice(), x1.slice()];
      withMode(mode, () => threefry2x32(k0, k1, b0, b1, b1, b0));
      expect([diff(b1, w0), diff(b0, w1)]).toEqual(["", ""]);
      // the keys as outputs too
      const [c0, c1] = [k0.slice(), k1.slice()];
      withMode(mode, () => threefry2x32(c0, c1, x0, x1, c0, c1));
      expect([diff(c0, w0), diff(c1, w1)]).toEqual(["", ""]);
    });
  });

  it("reads and writes views into larger buffers", () => {
    const n = 5000;
    const buffer = words(4 * n + 7, 17);
    const [x0, x1, k0, k1] = [0, 1, 2, 3].map((q) => buffer.subarray(q * n + 3, (q + 1) * n + 3)) as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    const [w0, w1] = referenceBlocks(k0, k1, x0, x1);
    const out = new Uint32Array(2 * n + 1);
    const [o0, o1] = [out.subarray(1, n + 1), out.subarray(n + 1)];
    threefry2x32(k0, k1, x0, x1, o0, o1);
    expect([diff(o0, w0), diff(o1, w1)]).toEqual(["", ""]);
    expect(out[0]).toBe(0);
    const bits = new Uint32Array(n + 2);
    threefryBits(k0.subarray(0, 2), n, bits.subarray(1, n + 1));
    expect(diff(bits.subarray(1, n + 1), referenceBits(k0.subarray(0, 2), n))).toBe("");
    expect([bits[0], bits[n + 1]]).toEqual([0, 0]);
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17])("the WebAssembly kernel alone agrees at %i counters", (n) => {
    const [x0, x1, k0, k1] = [words(n, 9), words(n, 10), words(n, 11), words(n, 12)];
    for (const [kk0, kk1] of [
      [k0.subarray(0, 1), k1.subarray(0, 1)],
      [k0, k1],
    ] as const) {
      const [o0, o1] = [new Uint32Array(n), new Uint32Array(n)];
      expect(threefry2x32Wasm(kk0, kk1, x0, x1, o0, o1)).toBe(true);
      const [w0, w1] = referenceBlocks(kk0, kk1, x0, x1);
      expect([diff(o0, w0), diff(o1, w1)]).toEqual(["", ""]);
    }
  });

  it("the WebAssembly and JS kernels agree bit for bit on long arrays", () => {
    for (const n of [THREEFRY_MIN_ELEMENTS, 4097, 50_003]) {
      const [x0, x1, k0, k1] = [words(n, 13), words(n, 14), words(n, 15), words(n, 16)];
      for (const keys of [
        [k0.subarray(0, 1), k1.subarray(0, 1)],
        [k0, k1],
      ] as const) {
        const run = (mode: (typeof MODES)[number]) => {
          const o = [new Uint32Array(n), new Uint32Array(n)] as const;
          withMode(mode, () => threefry2x32(keys[0], keys[1], x0, x1, o[0], o[1]));
          return o;
        };
        const [w, j] = [run("wasm"), run("js")];
        expect([diff(w[0], j[0]), diff(w[1], j[1])]).toEqual(["", ""]);
      }
    }
  });

  it("rejects keys and arrays of other lengths", () => {
    const a = new Uint32Array(4);
    expect(() => threefry2x32(new Uint32Array(2), new Uint32Array(2), a, a, a, a)).toThrow(RangeError);
    expect(() => threefry2x32(new Uint32Array(1), new Uint32Array(4), a, a, a, a)).toThrow(RangeError);
    expect(() => threefry2x32(new Uint32Array(1), new Uint32Array(1), a, new Uint32Array(3), a, a)).toThrow(RangeError);
    expect(() => threefry2x32(new Uint32Array(1), new Uint32Array(1), a, a, new Uint32Array(5), a)).toThrow(RangeError);
  });
});

describe("threefryBits (kernel)", () => {
  it("the WebAssembly kernels are available here, and threefryBits uses them from the threshold", () => {
    expect(eagerBackend()?.threefryBits).toBeDefined();
    const spy = vi.spyOn(wasmEagerBackend, "threefryBits");
    threefryBits(Uint32Array.of(1, 2), THREEFRY_MIN_ELEMENTS, new Uint32Array(THREEFRY_MIN_ELEMENTS));
    expect(spy).toHaveReturnedWith(true);
    spy.mockClear();
    threefryBits(Uint32Array.of(1, 2), THREEFRY_MIN_ELEMENTS - 1, new Uint32Array(THREEFRY_MIN_ELEMENTS - 1));
    expect(spy).not.toHaveBeenCalled();
    // five keys of seven words: whole iterations along or across keys would be mostly unused lanes, so JS runs
    const keys = words(10, 1);
    const out = new Uint32Array(35);
    threefryBits(keys, 7, out);
    expect(spy).toHaveReturnedWith(false);
    expect(diff(out, referenceBits(keys, 7))).toBe("");
  });

  describe.each(MODES)("%s", (mode) => {
    it("gives the known answer of counter 0 (key 0): the xor of the two words", () => {
      const out = new Uint32Array(1000);
      withMode(mode, () => threefryBits(new Uint32Array(2), 1000, out));
      expect(out[0]).toBe((0x6b200159 ^ 0x99ba4efe) >>> 0);
      // and counter i is threefry2x32's counter (0, i)
      const [y0, y1] = [new Uint32Array(1000), new Uint32Array(1000)];
      const iota = Uint32Array.from({ length: 1000 }, (_, i) => i);
      withMode(mode, () => threefry2x32(new Uint32Array(1), new Uint32Array(1), new Uint32Array(1000), iota, y0, y1));
      expect(
        diff(
          out,
          y0.map((v, i) => v ^ y1[i]!),
        ),
      ).toBe("");
    });

    it.each(LENGTHS)("agrees with the reference over %i words, for one key and for three", (n) => {
      for (const keys of [Uint32Array.of(0x13198a2e, 0x03707344), words(6, n + 100)]) {
        const out = new Uint32Array((keys.length / 2) * n);
        withMode(mode, () => threefryBits(keys, n, out));
        expect(diff(out, referenceBits(keys, n)), `${keys.length / 2} keys`).toBe("");
      }
    });

    it.each([
      [5000, 1],
      [3000, 3],
      [700, 13],
      [40, 999],
      [20_000, 2],
      [2, 16_385],
    ])("agrees with the reference for %i keys of %i words", (nKeys, n) => {
      // many keys of few words pass through the WebAssembly kernels' memory several keys a block
      const keys = words(2 * nKeys, nKeys + n);
      const out = new Uint32Array(nKeys * n);
      withMode(mode, () => threefryBits(keys, n, out));
      expect(diff(out, referenceBits(keys, n))).toBe("");
    });
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 25, 100])(
    "the WebAssembly kernels alone (along keys' words, across keys) agree at %i words",
    (n) => {
      for (const how of ["along", "across"] as const) {
        for (const nKeys of [1, 2, 5, 17, 33]) {
          const keys = words(2 * nKeys, n);
          const out = new Uint32Array(nKeys * n);
          expect(threefryBitsWasm(keys, n, out, how)).toBe(true);
          expect(diff(out, referenceBits(keys, n)), `${how}, ${nKeys} keys`).toBe("");
        }
      }
    },
  );

  it("the WebAssembly and JS kernels agree bit for bit on long arrays", () => {
    for (const [nKeys, n] of [
      [1, THREEFRY_MIN_ELEMENTS],
      [1, 1_000_003],
      [17, 3001],
      [20_000, 5],
    ] as const) {
      const keys = words(2 * nKeys, n);
      const run = (mode: (typeof MODES)[number]) => {
        const out = new Uint32Array(nKeys * n);
        withMode(mode, () => threefryBits(keys, n, out));
        return out;
      };
      expect(diff(run("wasm"), run("js"))).toBe("");
    }
  });

  it("rejects keys that are not pairs and outputs of another length", () => {
    expect(() => threefryBits(new Uint32Array(3), 2, new Uint32Array(2))).toThrow(RangeError);
    expect(() => threefryBits(new Uint32Array(4), 2, new Uint32Array(3))).toThrow(RangeError);
    expect(() => threefryBits(new Uint32Array(4), 1.5, new Uint32Array(3))).toThrow(RangeError);
  });
});
