// digamma: ψ(x) = d/dx log Γ(x) (NaN at the poles 0, −1, …, as XLA; relative error ~1e-15 in float64, also near
// its positive zero).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { polygamma } from "./polygamma.js";
import { digammaKernel } from "./special_math.js";

export const digammaP = definePrimitive<NoParams>({
  name: "digamma",
  abstractEval: elementwise("digamma", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, digammaKernel),
  ad: formula((t, [x]) => mul(t, polygamma(1, x!))), // d ψ(x) = ψ′(x)·dx
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [0.3, 6] }),
});

export const digamma = (x: Tensor): Tensor => bind1(digammaP, [x], {});
