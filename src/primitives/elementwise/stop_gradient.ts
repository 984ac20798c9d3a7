// stop_gradient: the identity, with derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { identityOnSameType } from "../../ir/passes/simplify.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const stopGradientP = definePrimitive<NoParams>({
  name: "stop_gradient",
  abstractEval: elementwise("stop_gradient", "any"),
  impl: ([x]) => x!,
  ad: zeroDerivative(),
  batch: vectorized,
  // compiled programs are differentiated already: here it is the identity
  simplify: identityOnSameType,
  lowering: { emit: ([x]) => x! },
  testing: elementwiseTesting(1),
});

/**
 * The identity, whose derivative is zero (JAX's `lax.stop_gradient`); also `lax.stopGradient`.
 * @example grad((x: Tensor) => stopGradient(x).mul(x))(3) // Tensor(3, dtype=float32)
 */
export const stopGradient = (x: Tensor): Tensor => bind1(stopGradientP, [x], {});
