// population_count: the number of set bits of each int32/uint32 element's 32-bit pattern, in the input's dtype.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, type NoParams } from "../shape_rules.js";
import { bitsTesting } from "./bitwise.js";

/** Set bits of a 32-bit pattern by summing adjacent fields (no loop over bits). */
export function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export const populationCountP = definePrimitive<NoParams>({
  name: "population_count",
  abstractEval: elementwise("population_count", "integer"),
  impl: ([x], _, out) => mapUnary(x!, out, popcount32),
  ad: zeroDerivative(),
  batch: vectorized,
  testing: bitsTesting(1, ["int32", "uint32"]),
});

/** The number of set bits of each element. */
export const populationCount = (x: Tensor): Tensor => bind1(populationCountP, [x], {});
