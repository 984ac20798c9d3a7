// sin: sine.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { cos, mul } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const sinP = definePrimitive<object>({
  name: "sin",
  abstractEval: elementwise("sin", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sin),
  jvp: ([t], [x]) => mul(t!, cos(x!)), // d sin x = cos x·dx
  emit: ([x]) => `Math.sin(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const sin = (x: Tensor): Tensor => bind1(sinP, [x], {});
