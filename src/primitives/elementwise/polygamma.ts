// polygamma: ψ⁽ᵐ⁾(x), the m-th derivative of the digamma function, for a static whole order m (m = 0 is ψ itself;
// JAX's lax.polygamma takes m as an array): (−1)ᵐ⁺¹ m! ζ(m + 1, x), by the reflection formula for x < 0. At the
// poles 0, −1, …: +∞ for odd m, NaN for even m, as XLA.
import { ShapedArray } from "../../core/aval.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, randomShape } from "../shape_rules.js";
import { mul } from "./mul.js";
import { polygammaKernel } from "./special_math.js";

export interface PolygammaParams {
  m: number;
}

export const polygammaP = definePrimitive<PolygammaParams>({
  name: "polygamma",
  abstractEval: ([x]) => elementwise("polygamma", "float")([x!]),
  impl: ([x], { m }, out) => mapUnary(x!, out, (v) => polygammaKernel(m, v)),
  ad: formula((t, [x], _, { m }) => mul(t, polygamma(m + 1, x!))), // d ψ⁽ᵐ⁾(x) = ψ⁽ᵐ⁺¹⁾(x)·dx
  batch: vectorized,
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      return { avals: [new ShapedArray(shape, "float64")], params: { m: choose(4) } };
    },
    domain: [0.4, 5],
  },
});

export const polygamma = (m: number, x: Tensor): Tensor => bind1(polygammaP, [x], { m });
