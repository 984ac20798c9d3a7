// igamma: P(a, x) = γ(a, x)/Γ(a), the regularized lower incomplete gamma function (a > 0, x ≥ 0; NaN outside), by
// its series for x ≤ max(1, a) and 1 − Q by Q's continued fraction beyond (relative error ~1e-14 for moderate a).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { exp } from "./exp.js";
import { gammaLogDensity, igammaGradA } from "./igamma_grad_a.js";
import { mul } from "./mul.js";
import { igammaKernel } from "./special_math.js";

export const igammaP = definePrimitive<NoParams>({
  name: "igamma",
  abstractEval: elementwise("igamma", "float"),
  impl: ([a, x], _, out) => mapBinary(a!, x!, out, igammaKernel),
  // dP = ∂P/∂a·da + x^(a−1)·e^(−x)/Γ(a)·dx
  ad: formula(
    (t, [a, x]) => mul(t, igammaGradA(a!, x!)),
    (t, [a, x]) => mul(t, exp(gammaLogDensity(a!, x!))),
  ),
  batch: vectorized,
  testing: elementwiseTesting(2, {
    domain: [
      [0.5, 4],
      [0.3, 5],
    ],
  }),
});

export const igamma = (a: Tensor, x: Tensor): Tensor => bind1(igammaP, [a, x], {});
