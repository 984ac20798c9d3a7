// lgamma: log|Γ(x)| (+∞ at the poles 0, −1, …; relative error ~1e-15 in float64, also near its zeros 1 and 2).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { digamma } from "./digamma.js";
import { mul } from "./mul.js";
import { lgammaKernel } from "./special_math.js";

export const lgammaP = definePrimitive<NoParams>({
  name: "lgamma",
  abstractEval: elementwise("lgamma", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, lgammaKernel),
  ad: formula((t, [x]) => mul(t, digamma(x!))), // d lgamma x = ψ(x)·dx
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [0.2, 6] }),
});

export const lgamma = (x: Tensor): Tensor => bind1(lgammaP, [x], {});
