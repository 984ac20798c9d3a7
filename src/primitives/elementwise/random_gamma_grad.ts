// random_gamma_grad: dx/da of a Gamma(a, 1) sample x at a fixed value of its CDF (the implicit reparameterization
// gradient of random.gamma, JAX's lax.random_gamma_grad): −(∂P/∂a)/(∂P/∂x), from the same Taylor series in a as
// igamma_grad_a but without forming the density, which may underflow where the ratio does not. 0 at x = 0.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { digamma } from "./digamma.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { gammaLogDensity, igammaGradA } from "./igamma_grad_a.js";
import { log } from "./log.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { randomGammaGradKernel } from "./special_math.js";
import { sub } from "./sub.js";

// With r = −P_a/P_x, ∂_a log P_x = log x − ψ(a) and ∂_x log P_x = (a − 1)/x − 1:
//   ∂r/∂a = −P_aa/P_x − r·(log x − ψ(a)),   ∂r/∂x = −(log x − ψ(a)) − r·((a − 1)/x − 1)
const dLogDensityDa = (a: Tensor, x: Tensor) => sub(log(x), digamma(a));

export const randomGammaGradP = definePrimitive<NoParams>({
  name: "random_gamma_grad",
  abstractEval: elementwise("random_gamma_grad", "float"),
  impl: ([a, x], _, out) => mapBinary(a!, x!, out, randomGammaGradKernel),
  ad: formula(
    (t, [a, x], r) => {
      const pAaOverPx = div(igammaGradA(a!, x!, 2), exp(gammaLogDensity(a!, x!)));
      return neg(mul(t, add(pAaOverPx, mul(r, dLogDensityDa(a!, x!)))));
    },
    (t, [a, x], r) => {
      const dLogDensityDx = sub(div(sub(a!, fullLike(a!, 1)), x!), fullLike(x!, 1));
      return neg(mul(t, add(dLogDensityDa(a!, x!), mul(r, dLogDensityDx))));
    },
  ),
  batch: vectorized,
  testing: elementwiseTesting(2, {
    domain: [
      [0.5, 4],
      [0.3, 5],
    ],
  }),
});

/** dx/da of a Gamma(a, 1) sample x with its CDF held fixed. */
export const randomGammaGrad = (a: Tensor, x: Tensor): Tensor => bind1(randomGammaGradP, [a, x], {});
