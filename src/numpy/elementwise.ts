// Elementwise np functions: broadcasting, promotion, and int → float where the math needs floats.
import { isFloat } from "../core/dtype.js";
import { array } from "../core/params.js";
import { broadcastShapes } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, broadcastTo, operands } from "./convert.js";

/** `t` as a float (integers and bools become float32). */
export const toFloat = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : lax.convertElementType(t, "float32"));
const numeric = (t: Tensor): Tensor => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

/** A one-array np or nn function. */
export type Unary = (x: ArrayLike) => Tensor;
export type Binary = (x: ArrayLike, y: ArrayLike) => Tensor;
/** `f` checked as the public one-array function `op`. */
export const unary = (op: string, f: (x: ArrayLike) => Tensor): Unary => guard(op, [array("x")], f);
/** A one-array np function of floats: integers and bools become float32 first. */
export const unaryFloat = (op: string, f: (t: Tensor) => Tensor): Unary => unary(op, (x) => f(toFloat(asTensor(x))));
/** A two-array np function: broadcasting and promotion, then `prep` on each operand (default: bool → int32). */
export const binary = (
  op: string,
  f: (a: Tensor, b: Tensor) => Tensor,
  prep: (t: Tensor) => Tensor = numeric,
): Binary =>
  guard(op, [array("x"), array("y")], (x: ArrayLike, y: ArrayLike): Tensor => {
    const [a, b] = operands(op, [x, y]);
    return f(prep(a!), prep(b!));
  });

/**
 * x + y, broadcasting; a JS number is weakly typed, as in JAX (int32 + 1 stays int32, int32 + 0.5 is float32).
 * @example np.add(np.arange(2), 1) // Tensor([1, 2], dtype=int32)
 */
export const add = binary("np.add", lax.add);
/** x − y, broadcasting. @example np.subtract([5, 5], [1, 2]) // Tensor([4, 3], dtype=float32) */
export const subtract = binary("np.subtract", lax.sub);
/** x · y, broadcasting. @example np.multiply(np.arange(3), 2.5) // Tensor([0, 2.5, 5], dtype=float32) */
export const multiply = binary("np.multiply", lax.mul);
/**
 * True division x / y, broadcasting (integers give float32).
 * @example np.divide(np.arange(3), 2) // Tensor([0, 0.5, 1], dtype=float32)
 */
export const divide = binary("np.divide", lax.div, toFloat);
/**
 * xʸ in floating point, broadcasting; a JS integer y is an integer power (repeated squaring, as jnp.power's
 * lax.integer_pow), any other y goes through pow.
 * @example np.power(2, np.arange(4)) // Tensor([1, 2, 4, 8], dtype=float32)
 */
export const power: Binary = guard("np.power", [array("x"), array("y")], (x: ArrayLike, y: ArrayLike): Tensor => {
  if (typeof y === "number" && Number.isInteger(y) && typeof x !== "number") {
    const [a] = operands("np.power", [x, y]);
    return lax.integerPow(toFloat(a!), y);
  }
  const [a, b] = operands("np.power", [x, y]);
  return lax.pow(toFloat(a!), toFloat(b!));
});
/**
 * Elementwise maximum, broadcasting; at ties each side gets half the gradient (JAX).
 * @example np.maximum([1, 5], [3, 2]) // Tensor([3, 5], dtype=float32)
 */
export const maximum = binary("np.maximum", lax.max);
/**
 * Elementwise minimum, broadcasting; at ties each side gets half the gradient (JAX).
 * @example np.minimum([1, 5], 3) // Tensor([1, 3], dtype=float32)
 */
export const minimum = binary("np.minimum", lax.min);

/** −x. @example np.negative([1, -2]) // Tensor([-1, 2], dtype=float32) */
export const negative = unary("np.negative", (x) => lax.neg(numeric(asTensor(x))));
/** eˣ (integers give float32). @example np.exp([0, 1]) // Tensor([1, 2.7182817], dtype=float32) */
export const exp = unaryFloat("np.exp", lax.exp);
/** Natural logarithm. @example np.log([1, 0]) // Tensor([0, -Infinity], dtype=float32) */
export const log = unaryFloat("np.log", lax.log);
/** Square root. @example np.sqrt([4, 2]) // Tensor([2, 1.4142135], dtype=float32) */
export const sqrt = unaryFloat("np.sqrt", lax.sqrt);
/** Sine. @example np.sin([0, Math.PI / 2]) // Tensor([0, 1], dtype=float32) */
export const sin = unaryFloat("np.sin", lax.sin);
/** Cosine. @example np.cos([0, Math.PI]) // Tensor([1, -1], dtype=float32) */
export const cos = unaryFloat("np.cos", lax.cos);
/** Hyperbolic tangent. @example np.tanh([0, 1]) // Tensor([0, 0.7615942], dtype=float32) */
export const tanh = unaryFloat("np.tanh", lax.tanh);
/** x² (integers stay integers). @example np.square(np.arange(3)) // Tensor([0, 1, 4], dtype=int32) */
export const square = unary("np.square", (x) => {
  const t = numeric(asTensor(x));
  return lax.mul(t, t);
});
/** |x|; the derivative is sign(x), so 0 at 0. @example np.abs([-1.5, 2]) // Tensor([1.5, 2], dtype=float32) */
export const abs = unary("np.abs", (x) => lax.abs(numeric(asTensor(x))));
/** −1, 0 or 1 by sign (derivative zero). @example np.sign([-3, 0, 2]) // Tensor([-1, 0, 1], dtype=float32) */
export const sign = unary("np.sign", (x) => lax.sign(numeric(asTensor(x))));
/** log(1 + x), accurate for small x. @example np.log1p(1e-8) // Tensor(1e-8, dtype=float32) */
export const log1p = unaryFloat("np.log1p", lax.log1p);
/** eˣ − 1, accurate for small x. @example np.expm1(1e-8) // Tensor(1e-8, dtype=float32) */
export const expm1 = unaryFloat("np.expm1", lax.expm1);
/** Tangent. @example np.tan([0, Math.PI / 4]) // Tensor([0, 1], dtype=float32) */
export const tan = unaryFloat("np.tan", lax.tan);
/**
 * Clamps x to [lo, hi] (`minimum(maximum(x, lo), hi)`, broadcasting).
 * @example np.clip([-2, 0.5, 3], 0, 1) // Tensor([0, 0.5, 1], dtype=float32)
 */
export const clip: (x: ArrayLike, lo: ArrayLike, hi: ArrayLike) => Tensor = guard(
  "np.clip",
  [array("x"), array("lo"), array("hi")],
  (x: ArrayLike, lo: ArrayLike, hi: ArrayLike) => {
    const [t, l, h] = operands("np.clip", [x, lo, hi]).map(numeric);
    return lax.min(lax.max(t!, l!), h!);
  },
);

const compare = (op: string, f: (a: Tensor, b: Tensor) => Tensor) => binary(op, f, (t) => t);
/** x == y elementwise (bool; zero gradient). @example np.equal([1, 2], [1, 3]) // Tensor([true, false], dtype=bool) */
export const equal = compare("np.equal", lax.eq);
/** x != y elementwise (bool). @example np.notEqual([1, 2], 2) // Tensor([true, false], dtype=bool) */
export const notEqual = compare("np.notEqual", lax.ne);
/** x < y elementwise (bool). @example np.less([1, 2], 2) // Tensor([true, false], dtype=bool) */
export const less = compare("np.less", lax.lt);
/** x <= y elementwise (bool). @example np.lessEqual([1, 3], 2) // Tensor([true, false], dtype=bool) */
export const lessEqual = compare("np.lessEqual", lax.le);
/** x > y elementwise (bool). @example np.greater([1, 2], 1) // Tensor([false, true], dtype=bool) */
export const greater = compare("np.greater", lax.gt);
/** x >= y elementwise (bool). @example np.greaterEqual([1, 2], 2) // Tensor([false, true], dtype=bool) */
export const greaterEqual = compare("np.greaterEqual", lax.ge);

/**
 * `cond ? x : y` elementwise, broadcasting all three (non-bool `cond` means `cond != 0`); the traceable replacement for
 * JS control flow.
 * @example const x = np.array([-1, 2]); np.where(np.greater(x, 0), x, 0) // Tensor([0, 2], dtype=float32)
 */
export const where: (cond: ArrayLike, x: ArrayLike, y: ArrayLike) => Tensor = guard(
  "np.where",
  [array("cond"), array("x"), array("y")],
  (cond: ArrayLike, x: ArrayLike, y: ArrayLike) => {
    const c0 = asTensor(cond);
    const c = c0.dtype === "bool" ? c0 : lax.ne(c0, lax.zerosLike(c0));
    const [a, b] = operands("np.where", [x, y]);
    const shape = broadcastShapes("np.where", c.shape, a!.shape);
    return lax.select(broadcastTo(c, shape), broadcastTo(a!, shape), broadcastTo(b!, shape));
  },
);
