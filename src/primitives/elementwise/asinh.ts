// asinh: the inverse hyperbolic sine.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { mul } from "./mul.js";
import { rsqrt } from "./rsqrt.js";

export const asinhP = definePrimitive<NoParams>({
  name: "asinh",
  abstractEval: elementwise("asinh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.asinh),
  ad: formula((t, [x]) => mul(t, rsqrt(add(mul(x!, x!), fullLike(x!, 1))))), // d asinh x = dx / √(x² + 1)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.asinh(${x})` },
  testing: elementwiseTesting(1),
});

export const asinh = (x: Tensor): Tensor => bind1(asinhP, [x], {});
