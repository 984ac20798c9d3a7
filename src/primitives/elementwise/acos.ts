// acos: the inverse cosine, in [0, π] (NaN outside [−1, 1]).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { rsqrt } from "./rsqrt.js";
import { sub } from "./sub.js";

export const acosP = definePrimitive<NoParams>({
  name: "acos",
  abstractEval: elementwise("acos", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.acos),
  ad: formula((t, [x]) => neg(mul(t, rsqrt(sub(fullLike(x!, 1), mul(x!, x!)))))), // d acos x = −dx / √(1 − x²)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.acos(${x})` },
  testing: elementwiseTesting(1, { domain: [-0.9, 0.9] }),
});

export const acos = (x: Tensor): Tensor => bind1(acosP, [x], {});
