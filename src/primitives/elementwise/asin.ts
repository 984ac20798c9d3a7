// asin: the inverse sine, in [−π/2, π/2] (NaN outside [−1, 1]).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { rsqrt } from "./rsqrt.js";
import { sub } from "./sub.js";

export const asinP = definePrimitive<NoParams>({
  name: "asin",
  abstractEval: elementwise("asin", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.asin),
  ad: formula((t, [x]) => mul(t, rsqrt(sub(fullLike(x!, 1), mul(x!, x!))))), // d asin x = dx / √(1 − x²)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.asin(${x})` },
  testing: elementwiseTesting(1, { domain: [-0.9, 0.9] }),
});

export const asin = (x: Tensor): Tensor => bind1(asinP, [x], {});
