// sign: −1, 0 or 1 (NaN stays NaN); derivative zero.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const signP = definePrimitive<object>({
  name: "sign",
  abstractEval: elementwise("sign", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sign),
  jvp: () => null, // piecewise constant
  emitNeedsRounded: true,
  emit: ([x]) => `Math.sign(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1, { zeroDerivative: true }),
});

export const sign = (x: Tensor): Tensor => bind1(signP, [x], {});
