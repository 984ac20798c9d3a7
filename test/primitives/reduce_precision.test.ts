// lax.reducePrecision (XLA's ReducePrecision): known bfloat16 and float16 roundings, identities, and random float32 and
// float64 bit patterns against an independent arithmetic reference (scaling by powers of two, ties to even); jit,
// vmap and the linear derivative (JAX's deflinear); bad params and dtypes.

import { DTypeError, grad, jit, jvp, lax, np, type Tensor, TracegradError, vjp, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, rng, valuesOf } from "../helpers.js";

const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
const f32 = (v: number[]) => np.array(v, { dtype: "float32" });

/** Exact floor(log2 a) for a finite a > 0. */
function exponentOf(a: number): number {
  let k = Math.floor(Math.log2(a));
  while (2 ** k > a) k--;
  while (2 ** (k + 1) <= a) k++;
  return k;
}

/**
 * The reference: x (a value of a float type with `srcExp` exponent and `srcMant` mantissa bits) rounded to
 * `mant` mantissa bits, ties to even, by scaling with the ulp; then, with fewer exponent bits, |r| ≥ 2^(bias+1) is ∞
 * and |r| < 2^(1−bias) (the reduced type's denormals) is 0.
 */
function reference(x: number, exp: number, mant: number, srcExp: number, srcMant: number): number {
  if (Number.isNaN(x)) return mant > 0 ? x : Infinity;
  if (x === 0 || !Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const srcBias = 2 ** (srcExp - 1) - 1;
  let r = a;
  if (mant < srcMant) {
    // source denormals share the smallest normal exponent
    const ulp = 2 ** (Math.max(exponentOf(a), 1 - srcBias) - mant);
    const q = a / ulp; // exact: a power-of-two scaling
    const n = Math.floor(q);
    const frac = q - n;
    // a tie goes to the even last kept bit: with no mantissa bits that is the lowest bit of the biased exponent
    const odd = mant > 0 ? n % 2 === 1 : a >= 2 ** (1 - srcBias) && (exponentOf(a) + srcBias) % 2 === 1;
    r = (frac > 0.5 || (frac === 0.5 && odd) ? n + 1 : n) * ulp;
    if (r >= 2 ** (srcBias + 1)) r = Infinity; // rounded past the source's largest finite value
  }
  if (exp < srcExp && Number.isFinite(r)) {
    const bias = 2 ** (exp - 1) - 1;
    if (r >= 2 ** (bias + 1)) r = Infinity;
    else if (r < 2 ** (1 - bias)) r = 0;
  }
  return sign * r;
}
const ref32 = (x: number, e: number, m: number) => reference(x, e, m, 8, 23);
const ref64 = (x: number, e: number, m: number) => reference(x, e, m, 11, 52);

/** Same values, −0 told apart from 0 and NaN equal to NaN. */
function expectSame(got: readonly number[], want: readonly number[], what = ""): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (!Object.is(g, want[i])) throw new Error(`${what} element ${i}: got ${g}, expected ${want[i]}`);
  });
}

const bf16 = (v: number[]) => valuesOf(lax.reducePrecision(f32(v), 8, 7));
const half = (v: number[], dtype: "float32" | "float64" = "float32") =>
  valuesOf(lax.reducePrecision(np.array(v, { dtype }), 5, 10));

describe("reducePrecision: known values", () => {
  it("bfloat16 (8, 7): ties to even, carries into the exponent, keeps float32's range", () => {
    expectSame(bf16([1.00390625, 1.01171875, 1.0078125, -1.00390625]), [1, 1.015625, 1.0078125, -1]);
    expectSame(bf16([1.00390625 + 2 ** -23, 1.01171875 - 2 ** -23]), [1.0078125, 1.0078125]); // either side of ties
    expectSame(bf16([2 - 2 ** -9]), [2]); // rounds up into the next binade
    // near the top and among float32's denormals (bfloat16 has the same exponent range: no flush)
    // denormals keep 7 bits below the smallest exponent too: the ulp is 2⁻¹³³
    const edge = [3e38, 1e-38, 2 ** -130, 3 * 2 ** -133, 3 * 2 ** -149, 2 ** -134, 3 * 2 ** -134].map(Math.fround);
    expectSame(bf16(edge), [...edge.slice(0, 2).map((x) => ref32(x, 8, 7)), 2 ** -130, 3 * 2 ** -133, 0, 0, 2 ** -132]);
    expectSame(bf16([3.4028234663852886e38]), [Infinity]); // float32's max rounds past bfloat16's
  });

  it("float16 (5, 10): range limits, flush of its denormals, signed zeros, NaN and infinities", () => {
    expectSame(half([65504, 65519, 65520, -65520, 1e6]), [65504, 65504, Infinity, -Infinity, Infinity]);
    // 2⁻¹⁴ is float16's smallest normal; 6.1e-5 is just below it (a float16 denormal): flushed
    expectSame(half([2 ** -14, -(2 ** -14), 2 ** -15, 1e-8, 6.1e-5]), [2 ** -14, -(2 ** -14), 0, 0, 0]);
    expectSame(half([6.104e-5]), [2 ** -14]);
    expectSame(half([-1e-8, -0, 0]), [-0, -0, 0]);
    expectSame(half([Number.NaN, Infinity, -Infinity]), [Number.NaN, Infinity, -Infinity]);
    expectSame(half([0.1, 1 / 3], "float64"), [0.0999755859375, 0.333251953125]);
    expectSame(half([65520, 2 ** -15, -0], "float64"), [Infinity, 0, -0]);
  });

  it("mantissaBits 0 keeps powers of two (ties to an even biased exponent, as XLA's bits); NaN becomes +∞", () => {
    // 1.5 and −6 have odd biased exponents (1023, 1025): up; 3's is even (1024): down
    expectSame(valuesOf(lax.reducePrecision(f64([1.5, 1.4, 2.5, 3, -6]), 11, 0)), [2, 1, 2, 2, -8]);
    expectSame(valuesOf(lax.reducePrecision(f64([Number.NaN]), 11, 0)), [Infinity]);
    expectSame(valuesOf(lax.reducePrecision(f32([Number.NaN]), 5, 0)), [Infinity]);
  });

  it("at or beyond the source's own bits it is the identity", () => {
    const xs = [1 / 3, -Math.PI, 1e-40, 2 ** -149, 3.4e38, -0, Infinity, Number.NaN].map(Math.fround);
    expectSame(valuesOf(lax.reducePrecision(f32(xs), 8, 23)), xs);
    expectSame(valuesOf(lax.reducePrecision(f32(xs), 11, 52)), xs);
    const ys = [1 / 3, -Math.PI, 1e-310, Number.MIN_VALUE, Number.MAX_VALUE, -0, -Infinity, Number.NaN];
    expectSame(valuesOf(lax.reducePrecision(f64(ys), 11, 52)), ys);
    expectSame(valuesOf(lax.reducePrecision(f64(ys), 15, 60)), ys);
  });

  it("float64 to (8, 23) is Math.fround for normal values in float32's range", () => {
    const r = rng(7);
    const xs = Array.from({ length: 500 }, () => (r() - 0.5) * 2 ** Math.floor(r() * 240 - 120));
    xs.push(1 + 2 ** -24, 1 + 3 * 2 ** -24, 1 + 2 ** -24 + 2 ** -52, 2 ** -126, 3.4028234e38);
    expectSame(valuesOf(lax.reducePrecision(f64(xs), 8, 23)), xs.map(Math.fround));
  });

  it("keeps shape and dtype", () => {
    const y = lax.reducePrecision(np.ones([2, 3], { dtype: "float64" }), 8, 7);
    expect([y.shape, y.dtype]).toEqual([[2, 3], "float64"]);
    expect(lax.reducePrecision(f32([1]), 5, 10).dtype).toBe("float32");
  });
});

describe("reducePrecision: random bit patterns against the reference", () => {
  const PARAMS: [number, number][] = [
    [8, 7],
    [5, 10],
    [4, 3],
    [5, 2],
    [1, 0],
    [2, 1],
    [6, 22],
    [8, 0],
    [11, 30],
    [10, 40],
    [11, 20],
    [3, 51],
    [11, 31],
    [11, 32],
    [11, 33],
  ];

  /** Random patterns: low bits kept, zeroed, or set to exactly a tie below bit `cut`. */
  function patterns(n: number, seed: number, bits: 32 | 64, cut: number): number[] {
    const r = rng(seed);
    const w = () => Math.floor(r() * 2 ** 32) >>> 0;
    const out: number[] = [];
    const f32a = new Float32Array(1);
    const u32 = new Uint32Array(f32a.buffer);
    const f64a = new Float64Array(1);
    const dv = new DataView(f64a.buffer);
    for (let i = 0; i < n; i++) {
      const kind = Math.floor(r() * 3); // 0: as is; 1: a tie at the cut; 2: the tie's neighbours
      if (bits === 32) {
        let v = w();
        if (kind > 0 && cut > 0) {
          v = (v & (0xffffffff << cut)) >>> 0;
          v = (v + 2 ** (cut - 1) + (kind === 2 ? (r() < 0.5 ? -1 : 1) : 0)) >>> 0;
        }
        u32[0] = v;
        out.push(f32a[0]!);
      } else {
        let hi = w();
        let lo = w();
        if (kind > 0 && cut > 0) {
          // clear below the cut, then add half an ulp of it (and ±1 for kind 2): BigInt keeps the carry simple here
          let v = (BigInt(hi) << 32n) | BigInt(lo);
          v = (v >> BigInt(cut)) << BigInt(cut);
          v += 1n << BigInt(cut - 1);
          if (kind === 2) v += r() < 0.5 ? -1n : 1n;
          v &= (1n << 64n) - 1n;
          hi = Number(v >> 32n);
          lo = Number(v & 0xffffffffn);
        }
        dv.setUint32(0, hi);
        dv.setUint32(4, lo);
        out.push(dv.getFloat64(0));
      }
    }
    return out;
  }

  for (const [e, m] of PARAMS) {
    if (m < 23)
      it(`float32 with (${e}, ${m})`, () => {
        const xs = patterns(2000, 17 * e + m, 32, 23 - m);
        expectSame(
          valuesOf(lax.reducePrecision(f32(xs), e, m)),
          xs.map((x) => ref32(x, e, m)),
          `float32 (${e}, ${m})`,
        );
      });
    it(`float64 with (${e}, ${m})`, () => {
      const xs = patterns(2000, 31 * e + m, 64, 52 - m);
      expectSame(
        valuesOf(lax.reducePrecision(f64(xs), e, m)),
        xs.map((x) => ref64(x, e, m)),
        `float64 (${e}, ${m})`,
      );
    });
  }
});

describe("reducePrecision under transformations", () => {
  const xs = [1.00390625, 1.01171875, 65520, 2 ** -15, -3.3, 0.1];

  it("jit agrees with eager, in float32 and float64, also fused between other operations", () => {
    for (const x of [f32(xs), f64(xs)]) {
      const f = (t: Tensor) => lax.reducePrecision(t.mul(2), 5, 10).add(1);
      expectSame(valuesOf(jit(f)(x)), valuesOf(f(x)));
      expectSame(valuesOf(jit((t: Tensor) => lax.reducePrecision(t, 8, 7))(x)), valuesOf(lax.reducePrecision(x, 8, 7)));
    }
  });

  it("vmap agrees with the rows one by one", () => {
    const x = np.array([xs, xs.map((v) => -v / 3)], { dtype: "float32" });
    const got = vmap((row: Tensor) => lax.reducePrecision(row, 5, 10))(x);
    expect(got.shape).toEqual([2, 6]);
    const rows = [0, 1].flatMap((i) => valuesOf(lax.reducePrecision(x.slice(i) as Tensor, 5, 10)));
    expectSame(valuesOf(got), rows);
  });

  it("is linear, as JAX's: the gradient passes through, tangents and cotangents are reduced alike", () => {
    const x = f32(xs);
    expectSame(
      valuesOf(grad((t: Tensor) => lax.reducePrecision(t, 8, 7).sum())(x)),
      xs.map(() => 1),
    );
    expectSame(
      valuesOf(grad((t: Tensor) => lax.reducePrecision(t.mul(3), 5, 10).sum())(f64(xs))),
      xs.map(() => 3),
    );
    const [y, t] = jvp((u: Tensor) => lax.reducePrecision(u, 8, 7), [x], [f32([1.00390625, 1.01171875, 1, 1, 1, 1])]);
    expectSame(valuesOf(y), bf16(xs));
    expectSame(valuesOf(t), [1, 1.015625, 1, 1, 1, 1]);
    const [, back] = vjp((u: Tensor) => lax.reducePrecision(u, 8, 7), x);
    expectSame(valuesOf(back(f32([1.00390625, 1.01171875, 1, 1, 1, 1]))[0]!), [1, 1.015625, 1, 1, 1, 1]);
    expectSame(
      valuesOf(jit(grad((t: Tensor) => lax.reducePrecision(t, 5, 10).sum()))(x)),
      xs.map(() => 1),
    );
  });
});

describe("reducePrecision: errors", () => {
  it("bad exponentBits or mantissaBits: a TracegradError naming the function and the argument", () => {
    const x = f32([1]);
    for (const [e, m, arg] of [
      [0, 7, "exponentBits"],
      [-1, 7, "exponentBits"],
      [1.5, 7, "exponentBits"],
      [Number.NaN, 7, "exponentBits"],
      [8, -1, "mantissaBits"],
      [8, 2.5, "mantissaBits"],
      [8, Infinity, "mantissaBits"],
    ] as const) {
      const err = catchError(() => lax.reducePrecision(x, e, m), TracegradError);
      expect(err.message).toMatch(/reducePrecision/);
      expect(err.message).toContain(arg);
    }
    expect(catchError(() => lax.reducePrecision(x, "8" as never, 7), TracegradError).message).toContain("exponentBits");
  });

  it("integer and bool operands: DTypeError", () => {
    expect(() => lax.reducePrecision(np.array([1, 2], { dtype: "int32" }), 8, 7)).toThrow(DTypeError);
    expect(() => lax.reducePrecision(np.array([true]), 8, 7)).toThrow(DTypeError);
  });
});
