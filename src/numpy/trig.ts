// np inverse trigonometric and hyperbolic functions, cbrt and isfinite: integers and bools become float32 (as
// jax.numpy), two-array functions broadcast and promote.
import { isFloat } from "../core/dtype.js";
import * as lax from "../primitives/index.js";
import { asTensor } from "./convert.js";
import { type Binary, binary, toFloat, type Unary, unary, unaryFloat } from "./elementwise.js";

/** Hyperbolic sine. @example np.sinh([0, 1]) // Tensor([0, 1.1752012], dtype=float32) */
export const sinh = unaryFloat("np.sinh", lax.sinh);
/** Hyperbolic cosine. @example np.cosh([0, 1]) // Tensor([1, 1.5430807], dtype=float32) */
export const cosh = unaryFloat("np.cosh", lax.cosh);
/**
 * Inverse sine in [−π/2, π/2]; NaN outside [−1, 1].
 * @example np.arcsin([0, 1]) // Tensor([0, 1.5707964], dtype=float32)
 */
export const arcsin = unaryFloat("np.arcsin", lax.asin);
/**
 * Inverse cosine in [0, π]; NaN outside [−1, 1].
 * @example np.arccos([1, 0]) // Tensor([0, 1.5707964], dtype=float32)
 */
export const arccos = unaryFloat("np.arccos", lax.acos);
/** Inverse tangent in (−π/2, π/2). @example np.arctan([0, 1]) // Tensor([0, 0.7853982], dtype=float32) */
export const arctan = unaryFloat("np.arctan", lax.atan);
/**
 * The four-quadrant arctangent of x1/x2 in [−π, π] (the angle of the point (x2, x1)), broadcasting; the signs of zeros
 * pick the quadrant, as NumPy.
 * @example np.arctan2([1, 0, -0], [0, -1, -1]) // Tensor([1.5707964, 3.1415927, -3.1415927], dtype=float32)
 */
export const arctan2: Binary = binary("np.arctan2", lax.atan2, toFloat);
/** Inverse hyperbolic sine. @example np.arcsinh([0, 1]) // Tensor([0, 0.8813736], dtype=float32) */
export const arcsinh = unaryFloat("np.arcsinh", lax.asinh);
/** Inverse hyperbolic cosine; NaN below 1. @example np.arccosh([1, 2]) // Tensor([0, 1.316958], dtype=float32) */
export const arccosh = unaryFloat("np.arccosh", lax.acosh);
/** Inverse hyperbolic tangent; ±∞ at ±1. @example np.arctanh([0, 0.5]) // Tensor([0, 0.54930615], dtype=float32) */
export const arctanh = unaryFloat("np.arctanh", lax.atanh);
/** The real cube root. @example np.cbrt([8, -27]) // Tensor([2, -3], dtype=float32) */
export const cbrt = unaryFloat("np.cbrt", lax.cbrt);
/**
 * Whether each element is neither ±∞ nor NaN (bool; integers and bools are always finite).
 * @example np.isfinite([1, Infinity, NaN]) // Tensor([true, false, false], dtype=bool)
 */
export const isfinite: Unary = unary("np.isfinite", (x) => {
  const t = asTensor(x);
  return isFloat(t.dtype) ? lax.isFinite(t) : lax.full(t.shape, true, "bool");
});

// NumPy 2's names for the same functions
export const asin = unaryFloat("np.asin", lax.asin);
export const acos = unaryFloat("np.acos", lax.acos);
export const atan = unaryFloat("np.atan", lax.atan);
export const atan2: Binary = binary("np.atan2", lax.atan2, toFloat);
export const asinh = unaryFloat("np.asinh", lax.asinh);
export const acosh = unaryFloat("np.acosh", lax.acosh);
export const atanh = unaryFloat("np.atanh", lax.atanh);
