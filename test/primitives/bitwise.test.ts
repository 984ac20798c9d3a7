// The uint32 dtype and the bit-level primitives (and or xor not, the shifts, population_count, bitcast_convert_type,
// rem): values against plain-JS 32-bit arithmetic written here, eager and under jit and vmap.

import { DTypeError, jit, lax, makeJaxpr, np, ShapeError, type Tensor, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, valuesOf } from "../helpers.js";

const u32 = (v: number[]) => np.array(Uint32Array.from(v));
const i32 = (v: number[]) => np.array(Int32Array.from(v));
/** Edge words: zero, one, the sign bit, all ones, and a few in between. */
const WORDS = [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef, 3000000000];
const SIGNED = [0, 1, -1, 2147483647, -2147483648, -16, 123456789, -987654321];
const wrapU = (v: number) => v >>> 0;

/** The same function eagerly, under jit, and under vmap (a batch of one axis). */
function threeWays(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): number[][] {
  return [f(...xs), jit(f)(...xs), vmap(f)(...xs)].map(valuesOf);
}

describe("uint32", () => {
  it("holds every 32-bit word and gives a Uint32Array", () => {
    const t = u32(WORDS);
    expect(t.dtype).toBe("uint32");
    expect(t.toTypedArray()).toBeInstanceOf(Uint32Array);
    expect(valuesOf(t)).toEqual(WORDS);
    expect(String(u32([4294967295]))).toBe("Tensor([4294967295], dtype=uint32)");
  });

  it("add, sub, mul and neg wrap modulo 2³², eagerly, fused under jit, and under vmap", () => {
    const a = u32(WORDS);
    const b = u32([...WORDS].reverse());
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(x).sub(y.mul(7)).neg();
    const want = WORDS.map((x, i) => {
      const y = WORDS[WORDS.length - 1 - i]!;
      return wrapU(-(Math.imul(x, y) + x - Math.imul(y, 7)));
    });
    for (const got of threeWays(f, a, b)) expect(got).toEqual(want);
  });

  it("sums and products wrap; max and min compare unsigned values", () => {
    const a = u32(WORDS);
    const sum = WORDS.reduce((s, v) => wrapU(s + v), 0);
    const prod = WORDS.slice(1).reduce((s, v) => wrapU(Math.imul(s, v)), 1);
    expect(np.sum(a).item()).toBe(sum);
    expect(jit((x: Tensor) => np.sum(x))(a).item()).toBe(sum);
    expect(np.prod(u32(WORDS.slice(1))).item()).toBe(prod);
    expect(np.max(a).item()).toBe(0xffffffff);
    expect(np.min(a).item()).toBe(0);
    expect(jit((x: Tensor) => np.max(x))(a).item()).toBe(0xffffffff);
  });

  it("promotes as JAX with 64-bit types off: with int32 to int32, with a float to that float", () => {
    expect(np.add(u32([1]), i32([1])).dtype).toBe("int32");
    expect(np.add(u32([1]), np.array([1], "float64")).dtype).toBe("float64");
    expect(np.add(u32([1]), 2).dtype).toBe("uint32");
    expect(np.add(u32([1]), 0.5).dtype).toBe("float32");
    // the wrap happens on conversion, as astype: 3e9 − 1 as int32
    expect(valuesOf(np.add(u32([3000000000]), i32([-1])))).toEqual([3000000000 - 1 - 2 ** 32]);
  });

  it("converts: floats truncate then wrap, int32 keeps the bits, uint32 → float is exact in float64", () => {
    expect(valuesOf(np.array([1.9, -1.5, 3e9], "float64").astype("uint32"))).toEqual([1, 2 ** 32 - 1, 3e9]);
    expect(valuesOf(i32([-1, -2147483648]).astype("uint32"))).toEqual([4294967295, 2147483648]);
    expect(valuesOf(u32([4294967295, 2147483648]).astype("int32"))).toEqual([-1, -2147483648]);
    expect(valuesOf(u32([4294967295]).astype("float64"))).toEqual([4294967295]);
    const f = jit((x: Tensor) => x.astype("float64").mul(0.5).astype("uint32"));
    expect(valuesOf(f(u32([7, 4294967295])))).toEqual([3, 2147483647]);
  });

  it("prints as u32 in jaxprs", () => {
    expect(String(makeJaxpr((x: Tensor) => x.add(1))(u32([1, 2])))).toMatch(/u32\[2\]/);
  });

  it("is not differentiable: no tangent flows through it", () => {
    const f = (x: Tensor) => x.astype("uint32").astype("float32").mul(x);
    expect(valuesOf(f(np.array([2.5])))).toEqual([5]);
  });
});

describe("bitwise and, or, xor, not", () => {
  const ys = WORDS.map((_v, i) => WORDS[(i * 3 + 1) % WORDS.length]!);
  for (const [name, js] of [
    ["and", (a: number, b: number) => a & b],
    ["or", (a: number, b: number) => a | b],
    ["xor", (a: number, b: number) => a ^ b],
  ] as const) {
    it(`${name} on uint32, int32 and bool`, () => {
      const f = (x: Tensor, y: Tensor) => lax[name](x, y);
      for (const got of threeWays(f, u32(WORDS), u32(ys)))
        expect(got).toEqual(WORDS.map((a, i) => wrapU(js(a, ys[i]!))));
      const sy = SIGNED.map((v) => ~v);
      for (const got of threeWays(f, i32(SIGNED), i32(sy)))
        expect(got).toEqual(SIGNED.map((a, i) => js(a, sy[i]!) | 0));
      const bools = [true, true, false, false];
      const other = [true, false, true, false];
      expect(f(np.array(bools), np.array(other)).toArray()).toEqual(bools.map((a, i) => Boolean(js(+a, +other[i]!))));
    });
  }

  it("not complements every bit (logical for bool)", () => {
    for (const got of threeWays(lax.not, u32(WORDS))) expect(got).toEqual(WORDS.map((v) => wrapU(~v)));
    for (const got of threeWays(lax.not, i32(SIGNED))) expect(got).toEqual(SIGNED.map((v) => ~v));
    expect(lax.not(np.array([true, false])).toArray()).toEqual([false, true]);
  });

  it("floats are refused with a DTypeError naming the primitive", () => {
    expect(catchError(() => lax.and(np.ones([2]), np.ones([2])), DTypeError).message).toMatch(
      /^and: got dtype float32.*bool, int32 or uint32/,
    );
  });

  it("np forms broadcast, read JS integers as int32, and shift right as NumPy (arithmetic for int32)", () => {
    expect(np.bitwiseAnd(12, 10).toArray()).toEqual(8);
    expect(np.bitwiseOr([12, 3], 10).toArray()).toEqual([14, 11]);
    expect(np.bitwiseXor(u32([12]), 10).dtype).toBe("uint32");
    expect(np.invert(u32([0])).toArray()).toEqual([4294967295]);
    expect(np.bitwiseNot([true, false]).toArray()).toEqual([false, true]);
    expect(np.leftShift(1, [0, 4, 31, 32]).toArray()).toEqual([1, 16, -2147483648, 0]);
    expect(np.rightShift(-16, 2).toArray()).toEqual(-4);
    expect(np.rightShift(u32([0x80000000]), 4).toArray()).toEqual([0x08000000]);
    catchError(() => np.bitwiseAnd([1.5], 1), DTypeError);
  });
});

describe("shifts", () => {
  const amounts = [0, 1, 5, 16, 31, 32, 33, 100];
  const xs = amounts.map((_, i) => WORDS[i % WORDS.length]!);
  /** lax semantics: amounts are unsigned; 32 or more shifts everything out. */
  const refs = {
    shiftLeft: (a: number, b: number) => (b < 32 ? wrapU(a << b) : 0),
    shiftRightLogical: (a: number, b: number) => (b < 32 ? a >>> b : 0),
    shiftRightArithmetic: (a: number, b: number) => wrapU(a >> Math.min(b, 31)),
  };
  for (const [name, ref] of Object.entries(refs) as [keyof typeof refs, (a: number, b: number) => number][]) {
    it(`${name} on uint32, amounts at and past the width`, () => {
      const f = (x: Tensor, y: Tensor) => lax[name](x, y);
      for (const got of threeWays(f, u32(xs), u32(amounts))) expect(got).toEqual(xs.map((a, i) => ref(a, amounts[i]!)));
    });
  }

  it("int32 amounts that are negative count as huge (everything shifted out)", () => {
    const x = i32([-8, 8, -8]);
    const y = i32([-1, -1, 40]);
    expect(valuesOf(lax.shiftLeft(x, y))).toEqual([0, 0, 0]);
    expect(valuesOf(lax.shiftRightLogical(x, y))).toEqual([0, 0, 0]);
    expect(valuesOf(lax.shiftRightArithmetic(x, y))).toEqual([-1, 0, -1]);
    expect(valuesOf(jit(lax.shiftRightArithmetic)(x, y))).toEqual([-1, 0, -1]);
  });
});

describe("population_count", () => {
  it("counts set bits", () => {
    const ref = (v: number) => [...(v >>> 0).toString(2)].filter((c) => c === "1").length;
    for (const got of threeWays(lax.populationCount, u32(WORDS))) expect(got).toEqual(WORDS.map(ref));
    expect(valuesOf(lax.populationCount(i32(SIGNED)))).toEqual(SIGNED.map(ref));
  });
});

describe("bitcast_convert_type", () => {
  it("reads float32 bits as uint32 and back", () => {
    const f = [1, -2, 0.5, Number.POSITIVE_INFINITY];
    const bitsOf = new Uint32Array(Float32Array.from(f).buffer);
    expect(valuesOf(lax.bitcastConvertType(np.array(f), "uint32"))).toEqual([...bitsOf]);
    expect(valuesOf(jit((x: Tensor) => lax.bitcastConvertType(x, "uint32"))(np.array(f)))).toEqual([...bitsOf]);
    expect(valuesOf(lax.bitcastConvertType(u32([...bitsOf]), "float32"))).toEqual(f);
    expect(valuesOf(lax.bitcastConvertType(u32([0xffffffff]), "int32"))).toEqual([-1]);
  });

  it("float64 gives two words, low first, and takes them back", () => {
    const x = np.array([1, -2.5], "float64");
    const words = new Uint32Array(Float64Array.from([1, -2.5]).buffer);
    const w = lax.bitcastConvertType(x, "uint32");
    expect(w.shape).toEqual([2, 2]);
    expect(valuesOf(w)).toEqual([...words]);
    expect(valuesOf(lax.bitcastConvertType(w, "float64"))).toEqual([1, -2.5]);
    expect(valuesOf(vmap((r: Tensor) => lax.bitcastConvertType(r, "float64"))(w))).toEqual([1, -2.5]);
  });

  it("refuses bool and a missing word axis", () => {
    catchError(() => lax.bitcastConvertType(np.array([true]), "int32"), DTypeError);
    expect(catchError(() => lax.bitcastConvertType(u32([1, 2, 3]), "float64"), ShapeError).message).toMatch(
      /needs a last axis of 2/,
    );
  });
});

describe("rem", () => {
  it("has the sign of the dividend (C's fmod) for floats and int32; x rem 0 = x for integers", () => {
    const xs = [5.5, -5.5, 5.5, -5.5, 7, 0];
    const ys = [2, 2, -2, -2, 7, 3];
    expect(valuesOf(lax.rem(np.array(xs, "float64"), np.array(ys, "float64")))).toEqual(xs.map((x, i) => x % ys[i]!));
    expect(valuesOf(lax.rem(i32([7, -7, 7, -7, 5]), i32([3, 3, -3, -3, 0])))).toEqual([1, -1, 1, -1, 5]);
    expect(valuesOf(jit(lax.rem)(i32([7, -7, 5]), i32([3, 3, 0])))).toEqual([1, -1, 5]);
    expect(valuesOf(lax.rem(u32([4294967295, 10]), u32([10, 0])))).toEqual([4294967295 % 10, 10]);
  });
});
