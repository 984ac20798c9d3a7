// log1p: log(1 + x), accurate near 0.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { add, div, fullLike } from "../lax.js";
import { vectorized } from "../batching.js";

export const log1pP = definePrimitive<object>({
  name: "log1p",
  abstractEval: elementwise("log1p", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.log1p),
  // d log(1 + x) = dx / (1 + x)
  jvp: ([t], [x]) => div(t!, add(x!, fullLike(x!, 1))),
  emit: ([x]) => `Math.log1p(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-0.5, 2] }),
});

export const log1p = (x: Tensor): Tensor => bind1(log1pP, [x], {});
