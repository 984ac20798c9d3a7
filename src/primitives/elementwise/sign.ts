// sign: −1, 0 or 1 (NaN stays NaN); derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const signP = definePrimitive<NoParams>({
  name: "sign",
  abstractEval: elementwise("sign", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sign),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.sign(${x})`, discontinuous: true },
  testing: elementwiseTesting(1),
});

export const sign = (x: Tensor): Tensor => bind1(signP, [x], {});
