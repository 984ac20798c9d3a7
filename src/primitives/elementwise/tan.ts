// tan: tangent.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { add, fullLike, mul } from "../lax.js";
import { vectorized } from "../batching.js";

export const tanP = definePrimitive<object>({
  name: "tan",
  abstractEval: elementwise("tan", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.tan),
  // d tan x = (1 + tan² x)·dx
  jvp: ([t], _, out) => mul(t!, add(fullLike(out, 1), mul(out, out))),
  emit: ([x]) => `Math.tan(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-1.2, 1.2] }),
});

export const tan = (x: Tensor): Tensor => bind1(tanP, [x], {});
