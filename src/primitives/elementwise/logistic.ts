// logistic: the sigmoid 1 / (1 + e⁻ˣ), evaluated without overflow.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { simdFn } from "../../wasm/vecops.js";
import { vlogistic } from "../../wasm/vecmath.js";
import { fullLike, mul, sub } from "../lax.js";
import { vectorized } from "../batching.js";

export const logisticP = definePrimitive<object>({
  name: "logistic",
  abstractEval: elementwise("logistic", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  // d σ(x) = σ(x)(1 − σ(x))·dx
  jvp: ([t], _, out) => mul(t!, mul(out, sub(fullLike(out, 1), out))),
  emit: ([x]) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
  emitWasm: simdFn(vlogistic),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-4, 4] }),
});

export const logistic = (x: Tensor): Tensor => bind1(logisticP, [x], {});
