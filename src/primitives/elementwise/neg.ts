// neg: −x (linear).
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";
import { simdOp } from "../../wasm/vecops.js";

export const negP = definePrimitive<object>({
  name: "neg",
  abstractEval: elementwise("neg", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => -v),
  jvp: ([t]) => neg(t!), // d(−x) = −dx
  transpose: (ct) => [neg(ct)],
  emit: ([x]) => `(-${x})`,
  emitWasm: simdOp("f32x4.neg"),
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const neg = (x: Tensor): Tensor => bind1(negP, [x], {});
