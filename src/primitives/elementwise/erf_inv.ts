// erf_inv: the inverse error function on (−1, 1), ±∞ at ±1, NaN beyond. float32 follows XLA's float32 evaluation of
// Giles' single-precision fit step by step (so it agrees with JAX to an ulp or two); float64 uses Giles'
// double-precision fit with 1 − |x| kept exact (relative error < 1e-15).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { erfInv32, erfInv64 } from "./special_math.js";

export const erfInvP = definePrimitive<NoParams>({
  name: "erf_inv",
  abstractEval: elementwise("erf_inv", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, out.dtype === "float32" ? erfInv32 : erfInv64),
  // d erf⁻¹ x = √π/2 · e^(erf⁻¹(x)²)·dx
  ad: formula((t, _, out) => mul(t, mul(fullLike(out, Math.sqrt(Math.PI) / 2), exp(mul(out, out))))),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-0.9, 0.9] }),
});

export const erfInv = (x: Tensor): Tensor => bind1(erfInvP, [x], {});
