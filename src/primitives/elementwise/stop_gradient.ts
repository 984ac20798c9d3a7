// stop_gradient: the identity, with derivative zero.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const stopGradientP = definePrimitive<object>({
  name: "stop_gradient",
  abstractEval: elementwise("stop_gradient", "any"),
  impl: ([x]) => x!,
  jvp: () => null,
  emit: ([x]) => x!,
  batch: vectorized,
  testing: elementwiseTesting(1, { zeroDerivative: true }),
});

/**
 * The identity, whose derivative is zero (JAX's `lax.stop_gradient`); also `lax.stopGradient`.
 * @example grad((x: Tensor) => stopGradient(x).mul(x))(3) // Tensor(3, dtype=float32)
 */
export const stopGradient = (x: Tensor): Tensor => bind1(stopGradientP, [x], {});
