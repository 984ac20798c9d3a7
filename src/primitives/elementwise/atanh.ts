// atanh: the inverse hyperbolic tangent (±∞ at ±1, NaN beyond).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { div } from "./div.js";
import { sub } from "./sub.js";

export const atanhP = definePrimitive<NoParams>({
  name: "atanh",
  abstractEval: elementwise("atanh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.atanh),
  // d atanh x = dx / ((1 − x)(1 + x)), as JAX
  ad: formula((t, [x]) => {
    const one = fullLike(x!, 1);
    return div(div(t, sub(one, x!)), add(one, x!));
  }),
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.atanh(${x})` },
  testing: elementwiseTesting(1, { domain: [-0.9, 0.9] }),
});

export const atanh = (x: Tensor): Tensor => bind1(atanhP, [x], {});
