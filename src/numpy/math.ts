// np math composed from primitives, as jax.numpy's ufuncs: rint trunc fix, the floored and truncated remainders and
// divisions, exp2 log2 log10, the stable logaddexp pair (JAX's derivative), hypot copysign signbit, angle units, sinc,
// heaviside, nanToNum, the NaN/∞ tests and the NaN-ignoring fmax/fmin. Integers keep integer dtypes where NumPy does
// (remainder, floorDivide, fmod, trunc) and give float32 where NumPy gives floats.
import { type DType, isFloat } from "../core/dtype.js";
import { array, number } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, options } from "../core/validate.js";
import { customJvp } from "../higher_order/custom_jvp.js";
import * as lax from "../primitives/index.js";
import { asTensor, operands } from "./convert.js";
import { type Unary, unary } from "./elementwise.js";

const toFloat = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : lax.convertElementType(t, "float32"));
const numeric = (t: Tensor): Tensor => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);
const same = (t: Tensor): Tensor => t;
const c = (t: Tensor, v: number | boolean): Tensor => lax.fullLike(t, v);
const falses = (t: Tensor): Tensor => lax.full(t.shape, false, "bool");
const nan = (t: Tensor): Tensor => lax.ne(t, t);

export type Binary = (x1: ArrayLike, x2: ArrayLike) => Tensor;
const unaryOf = (op: string, f: (t: Tensor) => Tensor, prep: (t: Tensor) => Tensor): Unary =>
  unary(op, (x) => f(prep(asTensor(x))));
const binaryOf = (op: string, f: (a: Tensor, b: Tensor) => Tensor, prep: (t: Tensor) => Tensor): Binary =>
  guard(op, [array("x1"), array("x2")], (x1: ArrayLike, x2: ArrayLike): Tensor => {
    const [a, b] = operands(op, [x1, x2]);
    return f(prep(a!), prep(b!));
  });

// ───────────────────────────── rounding toward integers ─────────────────────────────

/**
 * Rounds to the nearest integer, halfway cases to even; integers and bools become float32 (as jax.numpy).
 * @example np.rint([0.5, 1.5, 2.5, -0.5]) // Tensor([0, 2, 2, -0], dtype=float32)
 */
export const rint = unaryOf(
  "np.rint",
  (t) => (isFloat(t.dtype) ? lax.round(t, 1) : lax.convertElementType(t, "float32")),
  same,
);

const towardZero = (t: Tensor): Tensor =>
  isFloat(t.dtype) ? lax.select(lax.lt(t, c(t, 0)), lax.ceil(t), lax.floor(t)) : t;
/**
 * Rounds toward zero (derivative zero); integers unchanged.
 * @example np.trunc([-1.7, 1.7]) // Tensor([-1, 1], dtype=float32)
 */
export const trunc = unaryOf("np.trunc", towardZero, same);
/** Rounds toward zero, as `trunc`. @example np.fix([-2.5, 2.5]) // Tensor([-2, 2], dtype=float32) */
export const fix = unaryOf("np.fix", towardZero, same);

// ───────────────────────────── remainders and floored division ─────────────────────────────

/** An integer divisor with its zeros replaced by ones (what jax.numpy divides by, so x % 0 is 0). */
const safeDivisor = (b: Tensor): Tensor => lax.select(lax.eq(b, c(b, 0)), c(b, 1), b);

/** x1 − x2·⌊x1/x2⌋, the divisor's sign (Python's %), as jax.numpy.remainder. */
function remainderOf(a: Tensor, b0: Tensor): Tensor {
  const b = isFloat(b0.dtype) ? b0 : safeDivisor(b0);
  const r = lax.rem(a, b);
  const zero = c(r, 0);
  const plus = lax.and(lax.ne(lax.lt(r, zero), lax.lt(b, zero)), lax.ne(r, zero));
  return lax.select(plus, lax.add(r, b), r);
}

/** Floored quotient and remainder of floats, as CPython's float_divmod (and jax.numpy's). */
function floatDivmod(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const mod0 = lax.rem(a, b);
  const corrected = lax.select(lax.eq(b, c(b, 0)), a, lax.sub(a, mod0));
  const div0 = lax.div(corrected, b);
  const fix = lax.and(lax.ne(mod0, c(mod0, 0)), lax.ne(lax.sign(b), lax.sign(mod0)));
  const mod = lax.select(fix, lax.add(mod0, b), mod0);
  const div = lax.select(fix, lax.sub(div0, c(div0, 1)), div0);
  return [lax.round(div, 0), mod];
}

/** XLA's integer division: truncating, and x / 0 all bits set (−1 for int32, 2³² − 1 for uint32), as JAX on CPU. */
function xlaDiv(a: Tensor, b: Tensor): Tensor {
  const zero = lax.eq(b, c(b, 0));
  return lax.select(zero, c(a, a.dtype === "uint32" ? 0xffffffff : -1), lax.div(a, safeDivisor(b)));
}

function floorDivideOf(a: Tensor, b: Tensor): Tensor {
  if (isFloat(a.dtype)) return floatDivmod(a, b)[0];
  if (a.dtype === "uint32") return xlaDiv(a, b);
  const q = xlaDiv(a, b);
  const adjust = lax.and(lax.ne(lax.sign(a), lax.sign(b)), lax.ne(lax.rem(a, b), c(a, 0)));
  return lax.select(adjust, lax.sub(q, c(q, 1)), q);
}

/**
 * x1 mod x2 with the divisor's sign, as Python's % (NumPy's mod); integers stay integers and x % 0 is 0 for them.
 * @example np.mod([-3, 3], 2) // Tensor([1, 1], dtype=float32)
 * np.mod(np.array([5, -5], "int32"), -3) // Tensor([-1, -2], dtype=int32)
 */
export const mod = binaryOf("np.mod", remainderOf, numeric);
/** np.mod under its other name. @example np.remainder([-3], 2) // Tensor([1], dtype=float32) */
export const remainder = binaryOf("np.remainder", remainderOf, numeric);
/**
 * The truncated remainder, with the dividend's sign (C's fmod); for integers x fmod 0 is 0.
 * @example np.fmod([-3, 3], 2) // Tensor([-1, 1], dtype=float32)
 */
export const fmod = binaryOf("np.fmod", (a, b) => lax.rem(a, isFloat(b.dtype) ? b : safeDivisor(b)), numeric);
/**
 * ⌊x1 / x2⌋ (Python's //), integers staying integers; integer division by zero gives what jax.numpy gives (XLA's
 * −1 quotient, floored: −2 for a nonzero int32 dividend, −1 for 0; 2³² − 1 for uint32). Derivative zero.
 * @example np.floorDivide([-3, 3], 2) // Tensor([-2, 1], dtype=float32)
 */
export const floorDivide = binaryOf("np.floorDivide", floorDivideOf, numeric);
/**
 * `[floorDivide(x1, x2), mod(x1, x2)]` in one call.
 * @example np.divmod([7, -7], 2) // [Tensor([3, -4], dtype=float32), Tensor([1, 1], dtype=float32)]
 */
export const divmod: (x1: ArrayLike, x2: ArrayLike) => [Tensor, Tensor] = guard(
  "np.divmod",
  [array("x1"), array("x2")],
  (x1: ArrayLike, x2: ArrayLike): [Tensor, Tensor] => {
    const [a, b] = operands("np.divmod", [x1, x2]).map(numeric);
    return isFloat(a!.dtype) ? floatDivmod(a!, b!) : [floorDivideOf(a!, b!), remainderOf(a!, b!)];
  },
);

// ───────────────────────────── powers and logarithms ─────────────────────────────

/** 1/x (integers give float32). @example np.reciprocal([2, 0]) // Tensor([0.5, Infinity], dtype=float32) */
export const reciprocal = unaryOf("np.reciprocal", (t) => lax.div(c(t, 1), t), toFloat);
const exp2Of = (t: Tensor): Tensor => lax.pow(c(t, 2), t);
/** 2ˣ. @example np.exp2([3, -1]) // Tensor([8, 0.5], dtype=float32) */
export const exp2 = unaryOf("np.exp2", exp2Of, toFloat);
/** Base-2 logarithm. @example np.log2([8, 0.5]) // Tensor([3, -1], dtype=float32) */
export const log2 = unaryOf("np.log2", (t) => lax.div(lax.log(t), c(t, Math.LN2)), toFloat);
/** Base-10 logarithm. @example np.log10([100, 0.1]) // Tensor([2, -1], dtype=float32) */
export const log10 = unaryOf("np.log10", (t) => lax.div(lax.log(t), c(t, Math.LN10)), toFloat);

/** +∞ replaced by 0 (JAX's `_replace_inf`, which keeps logaddexp's derivative finite at +∞). */
const replaceInf = (t: Tensor): Tensor => lax.select(lax.eq(t, c(t, Infinity)), c(t, 0), t);

/** log(e^a + e^b) or log₂(2^a + 2^b), stable, with JAX's custom derivative t·base^(x − out). */
function logAddExpFn(name: string, power: (t: Tensor) => Tensor, log1pPow: (t: Tensor) => Tensor) {
  const f = customJvp(
    {
      [name]: (a: Tensor, b: Tensor): Tensor => {
        const delta = lax.sub(a, b);
        const stable = lax.add(lax.max(a, b), log1pPow(lax.neg(lax.abs(delta))));
        // NaNs, or infinities of one sign (whose difference is NaN)
        return lax.select(nan(delta), lax.add(a, b), stable);
      },
    }[name]!,
  );
  f.defjvp(([a, b]: Tensor[], [ta, tb]: Tensor[]) => {
    const out = f(a!, b!) as Tensor;
    const w = (x: Tensor) => power(lax.sub(replaceInf(x), replaceInf(out)));
    return [out, lax.add(lax.mul(ta!, w(a!)), lax.mul(tb!, w(b!)))];
  });
  return (a: Tensor, b: Tensor) => f(a, b) as Tensor;
}
const logAddExp = logAddExpFn("logaddexp", lax.exp, (d) => lax.log1p(lax.exp(d)));
const logAddExp2 = logAddExpFn("logaddexp2", exp2Of, (d) => lax.div(lax.log1p(exp2Of(d)), c(d, Math.LN2)));
/**
 * log(eˣ¹ + eˣ²) without overflow; −∞ is the identity; the derivative is JAX's, e^(x − out) (+∞ treated as 0).
 * @example np.logaddexp(1000, 1000) // Tensor(1000.6932, dtype=float32)
 */
export const logaddexp = binaryOf("np.logaddexp", logAddExp, toFloat);
/** log₂(2ˣ¹ + 2ˣ²) without overflow. @example np.logaddexp2(3, 3) // Tensor(4, dtype=float32) */
export const logaddexp2 = binaryOf("np.logaddexp2", logAddExp2, toFloat);

// ───────────────────────────── signs, lengths, angles ─────────────────────────────

/**
 * √(x1² + x2²) without overflow or underflow; ∞ if either is ±∞ (even with NaN), as NumPy.
 * @example np.hypot(3, 4) // Tensor(5, dtype=float32)
 */
export const hypot = binaryOf(
  "np.hypot",
  (a0, b0) => {
    const [a, b] = [lax.abs(a0), lax.abs(b0)];
    const inf = lax.or(lax.eq(a, c(a, Infinity)), lax.eq(b, c(b, Infinity)));
    const [hi, lo] = [lax.max(a, b), lax.min(a, b)];
    const zero = lax.eq(hi, c(hi, 0));
    const ratio = lax.div(lo, lax.select(zero, c(hi, 1), hi));
    const r = lax.select(zero, hi, lax.mul(hi, lax.sqrt(lax.add(c(hi, 1), lax.mul(ratio, ratio)))));
    return lax.select(inf, c(r, Infinity), r);
  },
  toFloat,
);

function signbitOf(t: Tensor): Tensor {
  if (t.dtype === "bool" || t.dtype === "uint32") return falses(t);
  if (t.dtype === "int32") return lax.lt(t, c(t, 0));
  if (t.dtype === "float32") {
    const bits = lax.bitcastConvertType(t, "int32");
    return lax.lt(bits, c(bits, 0));
  }
  // float64: the high word (the second of the two, little-endian) holds the sign
  const words = lax.bitcastConvertType(t, "uint32");
  const hi = lax.reshape(
    lax.slice(
      words,
      words.shape.map((_, i) => (i === t.ndim ? 1 : 0)),
      words.shape,
    ),
    t.shape,
  );
  return lax.ge(hi, c(hi, 0x80000000));
}
/**
 * Whether the sign bit is set: true for −0, −∞ and negative NaN (bool); integers `x < 0`.
 * @example np.signbit([-0, 0, -2]) // Tensor([true, false, true], dtype=bool)
 */
export const signbit = unaryOf("np.signbit", signbitOf, same);
/**
 * |x1| with the sign (bit) of x2, floats.
 * @example np.copysign([1, 2], [-0, 3]) // Tensor([-1, 2], dtype=float32)
 */
export const copysign = binaryOf(
  "np.copysign",
  (a, b) => lax.select(signbitOf(b), lax.neg(lax.abs(a)), lax.abs(a)),
  toFloat,
);

const scaled = (op: string, k: number) => unaryOf(op, (t) => lax.mul(t, c(t, k)), toFloat);
/** Degrees to radians. @example np.deg2rad(180) // Tensor(3.1415927, dtype=float32) */
export const deg2rad = scaled("np.deg2rad", Math.PI / 180);
/** Degrees to radians, as `deg2rad`. @example np.radians(90) // Tensor(1.5707964, dtype=float32) */
export const radians = scaled("np.radians", Math.PI / 180);
/** Radians to degrees. @example np.rad2deg(Math.PI) // Tensor(180, dtype=float32) */
export const rad2deg = scaled("np.rad2deg", 180 / Math.PI);
/** Radians to degrees, as `rad2deg`. @example np.degrees(Math.PI / 2) // Tensor(90, dtype=float32) */
export const degrees = scaled("np.degrees", 180 / Math.PI);

/**
 * The normalized sinc, sin(πx)/(πx), 1 at 0, where its derivatives (of every order used) are those of the series.
 * @example np.sinc([0, 0.5, 2]) // Tensor([1, 0.63661975, 2.7827534e-8], dtype=float32)
 */
export const sinc = unaryOf(
  "np.sinc",
  (t) => {
    const zero = lax.eq(t, c(t, 0));
    const px = lax.mul(t, c(t, Math.PI));
    const safe = lax.select(zero, c(t, 1), px);
    // at 0: the Maclaurin series 1 − y/6 + y²/120 − y³/5040 (y = (πx)²), exact in value and derivatives up to order 7
    const y = lax.mul(px, px);
    const series = lax.add(
      c(t, 1),
      lax.mul(y, lax.add(c(t, -1 / 6), lax.mul(y, lax.add(c(t, 1 / 120), lax.mul(y, c(t, -1 / 5040)))))),
    );
    return lax.select(zero, series, lax.div(lax.sin(safe), safe));
  },
  toFloat,
);

/**
 * The step function: 0 for x1 < 0, `h0` (x2) at 0, 1 for x1 > 0, NaN for NaN (NumPy's heaviside(x1, x2)).
 * @example np.heaviside([-1, 0, 2], 0.5) // Tensor([0, 0.5, 1], dtype=float32)
 */
export const heaviside = binaryOf(
  "np.heaviside",
  (x, h0) =>
    lax.select(lax.lt(x, c(x, 0)), c(x, 0), lax.select(lax.gt(x, c(x, 0)), c(x, 1), lax.select(nan(x), x, h0))),
  toFloat,
);

/** x itself (NumPy's unary +). @example np.positive([-1, 2]) // Tensor([-1, 2], dtype=float32) */
export const positive = unaryOf("np.positive", same, same);

// ───────────────────────────── NaN and infinity ─────────────────────────────

/** The largest finite value of a float dtype. */
const floatMax = (d: DType): number => (d === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38);

/** nanToNum's options: the replacements for NaN (0), +∞ and −∞ (the dtype's largest and lowest finite values). */
export interface NanToNumOpts {
  nan?: number;
  posinf?: number;
  neginf?: number;
}
/**
 * NaN, +∞ and −∞ replaced by finite numbers (`nan` = 0, `posinf`/`neginf` the dtype's extremes by default); the
 * derivative passes where x is finite. Integers come back unchanged.
 * @example np.nanToNum([NaN, Infinity, 1]) // Tensor([0, 3.4028235e+38, 1], dtype=float32)
 * np.nanToNum([NaN, -Infinity], { nan: -1, neginf: -9 }) // Tensor([-1, -9], dtype=float32)
 */
export const nanToNum: (x: ArrayLike, opts?: NanToNumOpts) => Tensor = guard(
  "np.nanToNum",
  [array("x"), options({ nan: number("nan"), posinf: number("posinf"), neginf: number("neginf") })],
  (x: ArrayLike, o: NanToNumOpts) => {
    const t = asTensor(x);
    if (!isFloat(t.dtype)) return t;
    const big = floatMax(t.dtype);
    const r1 = lax.select(nan(t), c(t, o.nan ?? 0), t);
    const r2 = lax.select(lax.eq(t, c(t, Infinity)), c(t, o.posinf ?? big), r1);
    return lax.select(lax.eq(t, c(t, -Infinity)), c(t, o.neginf ?? -big), r2);
  },
);

const test = (op: string, f: (t: Tensor) => Tensor) => unaryOf(op, (t) => (isFloat(t.dtype) ? f(t) : falses(t)), same);
/** Whether x is NaN (bool; false for integers). @example np.isnan([NaN, 1]) // Tensor([true, false], dtype=bool) */
export const isnan = test("np.isnan", nan);
/** Whether x is ±∞ (bool). @example np.isinf([-Infinity, 1, NaN]) // Tensor([true, false, false], dtype=bool) */
export const isinf = test("np.isinf", (t) => lax.eq(lax.abs(t), c(t, Infinity)));
/** Whether x is +∞ (bool). @example np.isposinf([Infinity, -Infinity]) // Tensor([true, false], dtype=bool) */
export const isposinf = test("np.isposinf", (t) => lax.eq(t, c(t, Infinity)));
/** Whether x is −∞ (bool). @example np.isneginf([Infinity, -Infinity]) // Tensor([false, true], dtype=bool) */
export const isneginf = test("np.isneginf", (t) => lax.eq(t, c(t, -Infinity)));

const nanIgnoring = (op: string, pick: (a: Tensor, b: Tensor) => Tensor) =>
  binaryOf(
    op,
    (a, b) => {
      const bNan = isFloat(b.dtype) ? nan(b) : falses(b);
      return lax.select(lax.or(pick(a, b), bNan), a, b);
    },
    same,
  );
/**
 * Elementwise maximum ignoring NaN (NaN only where both are); at ties the gradient goes to x2, as jax.numpy.
 * @example np.fmax([1, NaN, NaN], [NaN, 2, NaN]) // Tensor([1, 2, NaN], dtype=float32)
 */
export const fmax = nanIgnoring("np.fmax", lax.gt);
/**
 * Elementwise minimum ignoring NaN (NaN only where both are).
 * @example np.fmin([1, NaN], [NaN, 2]) // Tensor([1, 2], dtype=float32)
 */
export const fmin = nanIgnoring("np.fmin", lax.lt);
