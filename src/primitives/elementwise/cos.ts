// cos: cosine.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { mul, neg, sin } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const cosP = definePrimitive<object>({
  name: "cos",
  abstractEval: elementwise("cos", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.cos),
  jvp: ([t], [x]) => neg(mul(t!, sin(x!))), // d cos x = −sin x·dx
  emit: ([x]) => `Math.cos(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const cos = (x: Tensor): Tensor => bind1(cosP, [x], {});
