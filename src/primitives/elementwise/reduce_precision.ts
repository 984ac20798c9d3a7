// reduce_precision: rounds each float to the nearest value with `exponentBits` exponent and `mantissaBits` mantissa
// bits, as lax.reduce_precision (XLA's ReducePrecision): round to nearest, ties to even, on the bit pattern (add
// half an ulp of the reduced mantissa less one, plus its last kept bit, then truncate); then, with fewer exponent bits
// than the source, exponents above the reduced maximum become ±∞ and those at or below the reduced minimum ±0 (the
// reduced type's denormals flush to zero). NaN stays the input NaN (+∞ when mantissaBits is 0: no NaN is left to
// represent it). (8, 7) is bfloat16 rounding, (5, 10) float16's. Linear, as JAX treats it: tangents and cotangents
// are reduced the same way.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, randomShape } from "../shape_rules.js";

export interface ReducePrecisionParams {
  exponentBits: number;
  mantissaBits: number;
}

/** Why `exponentBits`/`mantissaBits` are unusable (integers, ≥ 1 and ≥ 0), or undefined when they are fine. */
export function reducePrecisionParamError(
  fn: string,
  exponentBits: unknown,
  mantissaBits: unknown,
): string | undefined {
  const show = (v: unknown) => (typeof v === "number" ? String(v) : typeof v);
  if (!(typeof exponentBits === "number" && Number.isInteger(exponentBits) && exponentBits >= 1))
    return `${fn}: exponentBits must be an integer ≥ 1, got ${show(exponentBits)}`;
  if (!(typeof mantissaBits === "number" && Number.isInteger(mantissaBits) && mantissaBits >= 0))
    return `${fn}: mantissaBits must be an integer ≥ 0, got ${show(mantissaBits)}`;
  return undefined;
}

const f32 = new Float32Array(1);
const w32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const w64 = new Uint32Array(f64.buffer);
f64[0] = 1;
/** Index of the high word of a float64 (sign, exponent, top 20 mantissa bits): 1 on little-endian hosts. */
const HI = w64[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;
const SIGN = 0x80000000;

function reducer32(exponentBits: number, mantissaBits: number): (x: number) => number {
  const s = 23 - mantissaBits; // mantissa bits dropped
  const rb = exponentBits < 8 ? 2 ** (exponentBits - 1) - 1 : 0; // the reduced exponent bias
  const [maxE, minE] = [127 + rb, 127 - rb];
  return (x) => {
    if (x !== x) return mantissaBits > 0 ? x : Infinity;
    f32[0] = x;
    let v = w32[0]!;
    if (s > 0) {
      const lastBit = (v >>> s) & 1;
      v = (v + 2 ** (s - 1) - 1 + lastBit) >>> 0; // wraps as the unsigned add does
      v = (v & (0xffffffff << s)) >>> 0;
    }
    if (exponentBits < 8) {
      const e = (v >>> 23) & 0xff;
      if (e > maxE) v = ((v & SIGN) | 0x7f800000) >>> 0;
      else if (e <= minE) v = (v & SIGN) >>> 0;
    }
    w32[0] = v;
    return f32[0]!;
  };
}

function reducer64(exponentBits: number, mantissaBits: number): (x: number) => number {
  const s = 52 - mantissaBits; // mantissa bits dropped, across both words
  const rb = exponentBits < 11 ? 2 ** (exponentBits - 1) - 1 : 0;
  const [maxE, minE] = [1023 + rb, 1023 - rb];
  // the bias 2^(s−1) − 1 split into words: [high, low]
  const biasHi = s > 32 ? 2 ** (s - 33) - 1 : 0;
  const biasLo = s > 32 ? 0xffffffff : s > 0 ? 2 ** (s - 1) - 1 : 0;
  return (x) => {
    if (x !== x) return mantissaBits > 0 ? x : Infinity;
    f64[0] = x;
    let hi = w64[HI]!;
    let lo = w64[LO]!;
    if (s > 0) {
      const lastBit = s < 32 ? (lo >>> s) & 1 : (hi >>> (s - 32)) & 1;
      const sum = lo + biasLo + lastBit; // < 2^33
      const carry = sum >= 2 ** 32 ? 1 : 0;
      lo = sum - carry * 2 ** 32;
      hi = (hi + biasHi + carry) >>> 0;
      if (s < 32) lo = (lo & (0xffffffff << s)) >>> 0;
      else {
        lo = 0;
        hi = (hi & (0xffffffff << (s - 32))) >>> 0;
      }
    }
    if (exponentBits < 11) {
      const e = (hi >>> 20) & 0x7ff;
      if (e > maxE) [hi, lo] = [((hi & SIGN) | 0x7ff00000) >>> 0, 0];
      else if (e <= minE) [hi, lo] = [(hi & SIGN) >>> 0, 0];
    }
    w64[HI] = hi;
    w64[LO] = lo;
    return f64[0]!;
  };
}

/** The rounding of one element for `dtype`'s bit pattern (float32 or float64). */
export function reducePrecisionScalar(dtype: "float32" | "float64", exponentBits: number, mantissaBits: number) {
  return dtype === "float32" ? reducer32(exponentBits, mantissaBits) : reducer64(exponentBits, mantissaBits);
}

export const reducePrecisionP = definePrimitive<ReducePrecisionParams>({
  name: "reduce_precision",
  abstractEval: ([x], { exponentBits, mantissaBits }) => {
    const bad = reducePrecisionParamError("reduce_precision", exponentBits, mantissaBits);
    return bad ? E.left(new TracegradError(bad)) : elementwise("reduce_precision", "float")([x!]);
  },
  impl: ([x], { exponentBits, mantissaBits }, out) =>
    mapUnary(x!, out, reducePrecisionScalar(out.dtype as "float32" | "float64", exponentBits, mantissaBits)),
  // linear, as JAX's (ad.deflinear): the tangent and the cotangent are reduced alike
  ad: linear((ct, _, { exponentBits, mantissaBits }) => [reducePrecision(ct, exponentBits, mantissaBits)]),
  batch: vectorized,
  testing: {
    // Central differences cannot see through rounding: the cases keep at least float64's exponent and mantissa bits
    // (the identity on float64 and float32), so the derivative laws hold; the unit tests cover the rounding itself.
    sample: (choose) => {
      const shape = randomShape(choose);
      return {
        avals: [new ShapedArray(shape, "float64")],
        params: { exponentBits: [11, 12, 15][choose(3)]!, mantissaBits: [52, 53, 60][choose(3)]! },
      };
    },
  },
});

/** x rounded to `exponentBits` exponent and `mantissaBits` mantissa bits (ties to even), as lax.reduce_precision. */
export const reducePrecision = (x: Tensor, exponentBits: number, mantissaBits: number): Tensor => {
  const bad = reducePrecisionParamError("reducePrecision", exponentBits, mantissaBits);
  if (bad) throw new TracegradError(bad);
  return bind1(reducePrecisionP, [x], { exponentBits, mantissaBits });
};
