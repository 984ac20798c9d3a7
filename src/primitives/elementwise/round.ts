// round: to the nearest integer, halfway cases away from zero (rounding_method 0, lax.round's default) or to the
// even neighbour (1, NumPy's rule), as JAX's RoundingMethod; derivative zero.
import { ShapedArray } from "../../core/aval.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, randomShape } from "../shape_rules.js";

/** JAX's RoundingMethod: AWAY_FROM_ZERO = 0, TO_NEAREST_EVEN = 1. */
export interface RoundParams {
  rounding_method: 0 | 1;
}

/** Halfway cases away from zero (Math.round sends them up; −0 stays −0). */
const awayFromZero = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));
/** Halfway cases to the even neighbour: where Math.round went up by exactly ½, 2·round(x/2) is the even one. */
const toNearestEven = (x: number): number => {
  const r = Math.round(x);
  return r - x === 0.5 ? 2 * Math.round(x / 2) : r;
};

export const roundP = definePrimitive<RoundParams>({
  name: "round",
  abstractEval: ([x]) => elementwise("round", "float")([x!]),
  impl: ([x], { rounding_method }, out) => mapUnary(x!, out, rounding_method === 1 ? toNearestEven : awayFromZero),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  lowering: {
    emit: ([x], { rounding_method }) =>
      rounding_method === 1
        ? `(Math.round(${x}) - ${x} === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`
        : `(Math.sign(${x}) * Math.round(Math.abs(${x})))`,
    discontinuous: true,
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      return { avals: [new ShapedArray(shape, "float64")], params: { rounding_method: choose(2) as 0 | 1 } };
    },
    domain: [-3, 3],
  },
});

export type RoundingMethod = 0 | 1 | "awayFromZero" | "toNearestEven";

/** Rounds to the nearest integer; ties away from zero unless `method` is 1 or "toNearestEven". */
export const round = (x: Tensor, method: RoundingMethod = 0): Tensor =>
  bind1(roundP, [x], { rounding_method: method === 1 || method === "toNearestEven" ? 1 : 0 });
