// np rounding: floor, ceil, round/around (NumPy's halfway-to-even rule, with `decimals`) and nextafter. Integers and
// bools are whole already and come back unchanged, as in jax.numpy.
import { isFloat } from "../core/dtype.js";
import { array, int } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, options } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, operands } from "./convert.js";
import { type Unary, unary } from "./elementwise.js";

const whole = (op: string, f: (t: Tensor) => Tensor): Unary =>
  unary(op, (x) => {
    const t = asTensor(x);
    return isFloat(t.dtype) ? f(t) : t;
  });

/** ⌊x⌋ (derivative zero). @example np.floor([-1.5, 1.5]) // Tensor([-2, 1], dtype=float32) */
export const floor = whole("np.floor", lax.floor);
/** ⌈x⌉ (derivative zero). @example np.ceil([-1.5, 1.5]) // Tensor([-1, 2], dtype=float32) */
export const ceil = whole("np.ceil", lax.ceil);

/** x rounded to `decimals` places, halfway cases to even (for floats x·10ᵈ rounded, then divided, as jax.numpy). */
function roundTo(t: Tensor, decimals: number): Tensor {
  if (!isFloat(t.dtype)) {
    if (decimals >= 0 || t.dtype === "bool") return t;
    // whole multiples of 10⁻ᵈ: exact in float64, where x/10⁻ᵈ is exactly halfway when it should be
    const f = lax.convertElementType(t, "float64");
    const factor = lax.fullLike(f, 10 ** -decimals);
    return lax.convertElementType(lax.mul(lax.round(lax.div(f, factor), 1), factor), t.dtype);
  }
  if (decimals === 0) return lax.round(t, 1);
  const factor = lax.fullLike(t, 10 ** decimals);
  return lax.div(lax.round(lax.mul(t, factor), 1), factor);
}

export type Round = (x: ArrayLike, decimals?: number | { decimals?: number }) => Tensor;
const rounding = (op: string): Round =>
  guard(
    op,
    [array("x"), options({ decimals: int("decimals") }, "decimals")],
    (x: ArrayLike, o: { decimals?: number }) => roundTo(asTensor(x), o.decimals ?? 0),
  );
/**
 * Rounds to `decimals` places (default 0), halfway cases to the even neighbour as NumPy (not away from zero).
 * @example np.round([0.5, 1.5, 2.5, -0.5]) // Tensor([0, 2, 2, -0], dtype=float32)
 * np.round([1.234, 5.678], 1) // Tensor([1.2, 5.7], dtype=float32)
 */
export const round = rounding("np.round");
/** np.round under its other name. @example np.around([2.5]) // Tensor([2], dtype=float32) */
export const around = rounding("np.around");

/**
 * The next float after x1 toward x2, broadcasting, in the promoted float dtype (integers become float32).
 * @example np.nextafter(1, 2) // Tensor(1.0000001, dtype=float32)
 */
export const nextafter: (x1: ArrayLike, x2: ArrayLike) => Tensor = guard(
  "np.nextafter",
  [array("x1"), array("x2")],
  (x1: ArrayLike, x2: ArrayLike) => {
    const [a, b] = operands("np.nextafter", [x1, x2]).map((t) =>
      isFloat(t.dtype) ? t : lax.convertElementType(t, "float32"),
    );
    return lax.nextafter(a!, b!);
  },
);
