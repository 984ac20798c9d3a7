// igammac: Q(a, x) = 1 − P(a, x), the regularized upper incomplete gamma function, computed directly by its
// continued fraction where x > max(1, a) (so small values keep their relative accuracy), as 1 − P elsewhere.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { exp } from "./exp.js";
import { gammaLogDensity, igammaGradA } from "./igamma_grad_a.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { igammacKernel } from "./special_math.js";

export const igammacP = definePrimitive<NoParams>({
  name: "igammac",
  abstractEval: elementwise("igammac", "float"),
  impl: ([a, x], _, out) => mapBinary(a!, x!, out, igammacKernel),
  // dQ = −dP
  ad: formula(
    (t, [a, x]) => neg(mul(t, igammaGradA(a!, x!))),
    (t, [a, x]) => neg(mul(t, exp(gammaLogDensity(a!, x!)))),
  ),
  batch: vectorized,
  testing: elementwiseTesting(2, {
    domain: [
      [0.5, 4],
      [0.3, 5],
    ],
  }),
});

export const igammac = (a: Tensor, x: Tensor): Tensor => bind1(igammacP, [a, x], {});
