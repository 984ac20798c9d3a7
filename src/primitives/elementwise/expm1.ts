// expm1: eˣ − 1, accurate near 0.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { add, fullLike, mul } from "../lax.js";
import { vectorized } from "../batching.js";

export const expm1P = definePrimitive<object>({
  name: "expm1",
  abstractEval: elementwise("expm1", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.expm1),
  // d (eˣ − 1) = eˣ·dx
  jvp: ([t], _, out) => mul(t!, add(out, fullLike(out, 1))),
  emit: ([x]) => `Math.expm1(${x})`,
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const expm1 = (x: Tensor): Tensor => bind1(expm1P, [x], {});
