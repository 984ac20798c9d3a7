// float32 exp, log, tanh and logistic on f32x4 lanes, emitted into a wasm function body. Range reduction and
// polynomials follow the classic single-precision (Cephes-style) approximations; measured against float64
// Math rounded to float32 they stay within 4 ulp over the whole float32 range (see the property tests), with
// IEEE results at ±0, ±∞, NaN and subnormals.
import type { Code } from "./encode.js";

/** Each emitter reads lane vector `x` (a v128 local) and leaves the result in a new v128 local, which it returns. */
export type VecFn = (c: Code, x: number) => number;

/** Horner: leaves Σ coef[i]·v^(n−1−i) on the stack (highest power first). */
function horner(c: Code, v: number, coef: readonly number[]): void {
  c.f32x4(coef[0]!);
  for (let i = 1; i < coef.length; i++) c.get(v).simd("f32x4.mul").f32x4(coef[i]!).simd("f32x4.add");
}

/** lane mask ? a : b, all three locals. */
const select = (c: Code, a: number, b: number, mask: number) => c.get(a).get(b).get(mask).simd("v128.bitselect");

const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;

export const vexp: VecFn = (c, x) => {
  const xc = c.local("v128");
  const n = c.local("v128");
  const r = c.local("v128");
  const p = c.local("v128");
  const k1 = c.local("v128");
  const out = c.local("v128");
  // clamp so that 2^n below stays representable in two factors; NaN is restored at the end
  c.get(x).f32x4(-104).simd("f32x4.pmax").f32x4(89).simd("f32x4.pmin").set(xc);
  c.get(xc).f32x4(Math.LOG2E).simd("f32x4.mul").simd("f32x4.nearest").set(n);
  c.get(xc)
    .get(n)
    .f32x4(LN2_HI)
    .simd("f32x4.mul")
    .simd("f32x4.sub")
    .get(n)
    .f32x4(LN2_LO)
    .simd("f32x4.mul")
    .simd("f32x4.sub")
    .set(r);
  // e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2
  horner(c, r, [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  c.get(r).get(r).simd("f32x4.mul").simd("f32x4.mul").get(r).simd("f32x4.add").f32x4(1).simd("f32x4.add").set(p);
  // p·2^n as p·2^(n>>1)·2^(n − n>>1): each factor a normal float, so subnormal and infinite results round once
  c.get(n).simd("i32x4.trunc_sat_f32x4_s").set(n);
  c.get(n).i32(1).simd("i32x4.shr_s").set(k1);
  c.get(p).get(k1).i32x4(127).simd("i32x4.add").i32(23).simd("i32x4.shl").simd("f32x4.mul");
  c.get(n).get(k1).simd("i32x4.sub").i32x4(127).simd("i32x4.add").i32(23).simd("i32x4.shl").simd("f32x4.mul").set(out);
  // NaN in, NaN out
  c.get(x).get(x).simd("f32x4.eq").set(k1);
  select(c, out, x, k1).set(out);
  return out;
};

export const vlog: VecFn = (c, x) => {
  const xs = c.local("v128");
  const e = c.local("v128");
  const m = c.local("v128");
  const z = c.local("v128");
  const y = c.local("v128");
  const mask = c.local("v128");
  const out = c.local("v128");
  // subnormals scaled into the normal range first (2^23), their exponent corrected below
  c.get(x).f32x4(1.1754943508222875e-38).simd("f32x4.lt").set(mask);
  c.get(x).f32x4(8388608).simd("f32x4.mul").get(x).get(mask).simd("v128.bitselect").set(xs);
  // x = m·2^e with m in [0.5, 1)
  c.get(xs)
    .i32(23)
    .simd("i32x4.shr_u")
    .i32x4(126)
    .simd("i32x4.sub")
    .get(mask)
    .i32x4(23)
    .simd("v128.and")
    .simd("i32x4.sub")
    .simd("f32x4.convert_i32x4_s")
    .set(e);
  c.get(xs).i32x4(0x807fffff).simd("v128.and").i32x4(0x3f000000).simd("v128.or").set(m);
  // m < √½: m ← 2m − 1, e ← e − 1; else m ← m − 1
  c.get(m).f32x4(Math.SQRT1_2).simd("f32x4.lt").set(mask);
  c.get(m).get(m).get(mask).simd("v128.and").simd("f32x4.add").f32x4(1).simd("f32x4.sub").set(m);
  c.get(e).f32x4(1).get(mask).simd("v128.and").simd("f32x4.sub").set(e);
  c.get(m).get(m).simd("f32x4.mul").set(z);
  horner(
    c,
    m,
    [
      7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
      2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
    ],
  );
  c.get(m).simd("f32x4.mul").get(z).simd("f32x4.mul").set(y);
  c.get(y)
    .get(e)
    .f32x4(LN2_LO)
    .simd("f32x4.mul")
    .simd("f32x4.add")
    .get(z)
    .f32x4(0.5)
    .simd("f32x4.mul")
    .simd("f32x4.sub")
    .set(y);
  c.get(m).get(y).simd("f32x4.add").get(e).f32x4(LN2_HI).simd("f32x4.mul").simd("f32x4.add").set(out);
  // IEEE special cases: log(±0) = −∞, log(x < 0) = NaN, log(∞) = ∞, NaN stays NaN
  c.f32x4(-Infinity).get(out).get(x).f32x4(0).simd("f32x4.eq").simd("v128.bitselect").set(out);
  c.f32x4(NaN).get(out).get(x).f32x4(0).simd("f32x4.lt").simd("v128.bitselect").set(out);
  c.get(x)
    .get(out)
    .get(x)
    .f32x4(Infinity)
    .simd("f32x4.eq")
    .get(x)
    .get(x)
    .simd("f32x4.ne")
    .simd("v128.or")
    .simd("v128.bitselect")
    .set(out);
  return out;
};

export const vtanh: VecFn = (c, x) => {
  const ax = c.local("v128");
  const z = c.local("v128");
  const small = c.local("v128");
  const mask = c.local("v128");
  // |x| < 0.625: x + x³·P(x²)
  c.get(x).simd("f32x4.abs").set(ax);
  c.get(x).get(x).simd("f32x4.mul").set(z);
  horner(c, z, [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]);
  c.get(z).simd("f32x4.mul").get(x).simd("f32x4.mul").get(x).simd("f32x4.add").set(small);
  // otherwise 1 − 2/(e^{2|x|} + 1), with x's sign
  c.get(ax).get(ax).simd("f32x4.add").set(z);
  const e = vexp(c, z);
  c.f32x4(1).f32x4(2).get(e).f32x4(1).simd("f32x4.add").simd("f32x4.div").simd("f32x4.sub");
  c.get(x).i32x4(-0x80000000).simd("v128.and").simd("v128.or").set(z); // copysign (the magnitude is ≥ 0)
  c.get(ax).f32x4(0.625).simd("f32x4.lt").set(mask);
  select(c, small, z, mask).set(z);
  // tanh is odd: x's sign on the magnitude (the small branch gives +0 for x = −0)
  c.get(z).i32x4(0x7fffffff).simd("v128.and").get(x).i32x4(-0x80000000).simd("v128.and").simd("v128.or").set(z);
  return z;
};

export const vlogistic: VecFn = (c, x) => {
  // e = e^{−|x|} ≤ 1 never overflows: 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0
  const t = c.local("v128");
  c.get(x).simd("f32x4.abs").simd("f32x4.neg").set(t);
  const e = vexp(c, t);
  c.get(e).f32x4(1).simd("f32x4.add").set(t);
  c.f32x4(1)
    .get(t)
    .simd("f32x4.div")
    .get(e)
    .get(t)
    .simd("f32x4.div")
    .get(x)
    .f32x4(0)
    .simd("f32x4.ge")
    .simd("v128.bitselect")
    .set(t);
  return t;
};
