// logistic: the sigmoid 1 / (1 + e⁻ˣ), evaluated without overflow.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdFn } from "../../lowering/simd.js";
import { vlogistic } from "../../lowering/simd_math.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

export const logisticP = definePrimitive<NoParams>({
  name: "logistic",
  abstractEval: elementwise("logistic", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  ad: formula((t, _, out) => mul(t, mul(out, sub(fullLike(out, 1), out)))), // d σ(x) = σ(x)(1 − σ(x))·dx
  batch: vectorized,
  lowering: {
    emit: ([x]) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
    wasm: simdFn(vlogistic),
  },
  testing: elementwiseTesting(1, { domain: [-4, 4] }),
});

export const logistic = (x: Tensor): Tensor => bind1(logisticP, [x], {});
