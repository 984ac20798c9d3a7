// Elementwise np functions: broadcasting, promotion, and int → float where the math needs floats.
import { isFloat } from "../core/dtype.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import * as lax from "../primitives/lax.js";
import { broadcastShapes } from "../core/shape.js";
import { asTensor, broadcastTo, operands } from "./convert.js";

const toFloat = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : lax.convertElementType(t, "float32"));
const numeric = (t: Tensor): Tensor => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

const unaryFloat = (f: (t: Tensor) => Tensor) => (x: ArrayLike): Tensor => f(toFloat(asTensor(x)));
const binary = (op: string, f: (a: Tensor, b: Tensor) => Tensor, prep: (t: Tensor) => Tensor = numeric) =>
  (x: ArrayLike, y: ArrayLike): Tensor => {
    const [a, b] = operands(op, [x, y]);
    return f(prep(a!), prep(b!));
  };

/** x + y, broadcasting. @example np.add([1, 2], 1) // [2, 3] */
export const add = binary("np.add", lax.add);
/** x − y, broadcasting. */
export const subtract = binary("np.subtract", lax.sub);
/** x · y, broadcasting. */
export const multiply = binary("np.multiply", lax.mul);
/** True division x / y (integers give float32). */
export const divide = binary("np.divide", lax.div, toFloat);
/** xʸ in floating point. */
export const power = binary("np.power", lax.pow, toFloat);
/** Elementwise maximum; ties share the gradient. */
export const maximum = binary("np.maximum", lax.max);
/** Elementwise minimum; ties share the gradient. */
export const minimum = binary("np.minimum", lax.min);

/** −x. */
export const negative = (x: ArrayLike): Tensor => lax.neg(numeric(asTensor(x)));
/** eˣ. */
export const exp = unaryFloat(lax.exp);
/** Natural logarithm. */
export const log = unaryFloat(lax.log);
/** Square root. */
export const sqrt = unaryFloat(lax.sqrt);
/** Sine. */
export const sin = unaryFloat(lax.sin);
/** Cosine. */
export const cos = unaryFloat(lax.cos);
/** Hyperbolic tangent. */
export const tanh = unaryFloat(lax.tanh);
/** x². */
export const square = (x: ArrayLike): Tensor => {
  const t = numeric(asTensor(x));
  return lax.mul(t, t);
};
/** |x|; the derivative is sign(x), so 0 at 0. */
export const abs = (x: ArrayLike): Tensor => lax.abs(numeric(asTensor(x)));
/** −1, 0 or 1 by sign (derivative zero). */
export const sign = (x: ArrayLike): Tensor => lax.sign(numeric(asTensor(x)));
/** log(1 + x), accurate for small x. */
export const log1p = unaryFloat(lax.log1p);
/** eˣ − 1, accurate for small x. */
export const expm1 = unaryFloat(lax.expm1);
/** Tangent. */
export const tan = unaryFloat(lax.tan);
/** Clamps x to [lo, hi]. */
export const clip = (x: ArrayLike, lo: ArrayLike, hi: ArrayLike): Tensor => {
  const [t, l, h] = operands("np.clip", [x, lo, hi]).map(numeric);
  return lax.min(lax.max(t!, l!), h!);
};

const compare = (op: string, f: (a: Tensor, b: Tensor) => Tensor) => binary(op, f, (t) => t);
/** x == y (bool). */
export const equal = compare("np.equal", lax.eq);
/** x != y (bool). */
export const notEqual = compare("np.notEqual", lax.ne);
/** x < y (bool). */
export const less = compare("np.less", lax.lt);
/** x <= y (bool). */
export const lessEqual = compare("np.lessEqual", lax.le);
/** x > y (bool). */
export const greater = compare("np.greater", lax.gt);
/** x >= y (bool). */
export const greaterEqual = compare("np.greaterEqual", lax.ge);

/**
 * `cond ? x : y` elementwise, broadcasting all three.
 * @example np.where(np.greater(x, 0), x, 0) // relu
 */
export function where(cond: ArrayLike, x: ArrayLike, y: ArrayLike): Tensor {
  const c0 = asTensor(cond);
  const c = c0.dtype === "bool" ? c0 : lax.ne(c0, lax.zerosLike(c0));
  const [a, b] = operands("np.where", [x, y]);
  const shape = broadcastShapes("np.where", c.shape, a!.shape);
  return lax.select(broadcastTo(c, shape), broadcastTo(a!, shape), broadcastTo(b!, shape));
}
