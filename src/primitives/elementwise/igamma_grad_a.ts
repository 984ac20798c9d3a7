// igamma_grad_a: ∂P/∂a (a, x), the derivative of the regularized lower incomplete gamma function in a (JAX's
// lax.igamma_grad_a), computed by carrying Taylor series in a through P's series and Q's continued fraction, so it
// agrees with finite differences of igamma to ~1e-13. Its params carry the order of the derivative in a (1 for
// igamma_grad_a proper, printed without it), so it is differentiable to any order, unlike JAX's.
import { ShapedArray } from "../../core/aval.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, randomShape } from "../shape_rules.js";
import { add } from "./add.js";
import { digamma } from "./digamma.js";
import { exp } from "./exp.js";
import { lgamma } from "./lgamma.js";
import { log } from "./log.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { polygamma } from "./polygamma.js";
import { igammaDerivAKernel } from "./special_math.js";
import { sub } from "./sub.js";

export interface IgammaGradAParams {
  /** Which derivative in a: ∂ᵒʳᵈᵉʳP/∂aᵒʳᵈᵉʳ (≥ 1). */
  order: number;
}

/** log ∂P/∂x (a, x) = (a − 1)·log x − x − lgamma(a), the log density of Gamma(a, 1). */
export const gammaLogDensity = (a: Tensor, x: Tensor): Tensor =>
  sub(sub(mul(sub(a, fullLike(a, 1)), log(x)), x), lgamma(a));

const binomial = (n: number, k: number): number => {
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return b;
};

/**
 * ∂ᵏ/∂aᵏ of the density e^g, g = (a − 1)·log x − x − lgamma(a): e^g times the complete Bell polynomial Yₖ of g's
 * derivatives g′ = log x − ψ(a), g⁽ʲ⁾ = −ψ⁽ʲ⁻¹⁾(a), by Yₙ₊₁ = Σᵢ C(n, i)·Yₙ₋ᵢ·g⁽ⁱ⁺¹⁾ (Y₀ = 1).
 */
export function gammaDensityDerivA(a: Tensor, x: Tensor, k: number): Tensor {
  const g: Tensor[] = [];
  g[1] = sub(log(x), digamma(a));
  for (let j = 2; j <= k; j++) g[j] = neg(polygamma(j - 1, a));
  const y: Tensor[] = [];
  for (let n = 0; n < k; n++) {
    let s = g[n + 1]!;
    for (let i = 0; i < n; i++) {
      const term = mul(y[n - i]!, g[i + 1]!);
      const c = binomial(n, i);
      s = add(s, c === 1 ? term : mul(fullLike(term, c), term));
    }
    y[n + 1] = s;
  }
  return mul(exp(gammaLogDensity(a, x)), y[k]!);
}

export const igammaGradAP = definePrimitive<IgammaGradAParams>({
  name: "igamma_grad_a",
  abstractEval: (avals) => elementwise("igamma_grad_a", "float")(avals),
  impl: ([a, x], { order }, out) => mapBinary(a!, x!, out, (u, v) => igammaDerivAKernel(u, v, order)),
  ad: formula(
    (t, [a, x], _, { order }) => mul(t, igammaGradA(a!, x!, order + 1)),
    (t, [a, x], _, { order }) => mul(t, gammaDensityDerivA(a!, x!, order)),
  ),
  batch: vectorized,
  formatParams: ({ order }) => (order === 1 ? "" : `[order=${order}]`),
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const avals = [new ShapedArray(shape, "float64"), new ShapedArray(shape, "float64")];
      return { avals, params: { order: 1 + choose(2) } };
    },
    domain: [
      [0.5, 4],
      [0.3, 5],
    ],
  },
});

/** ∂ᵒʳᵈᵉʳP/∂aᵒʳᵈᵉʳ (a, x); order 1 is lax.igamma_grad_a. */
export const igammaGradA = (a: Tensor, x: Tensor, order = 1): Tensor => bind1(igammaGradAP, [a, x], { order });
