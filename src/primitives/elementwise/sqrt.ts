// sqrt: square root.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { simdOp } from "../../wasm/vecops.js";
import { div, fullLike, mul } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const sqrtP = definePrimitive<object>({
  name: "sqrt",
  abstractEval: elementwise("sqrt", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sqrt),
  jvp: ([t], _, out) => div(mul(t!, fullLike(out, 0.5)), out), // d √x = dx / (2√x)
  emit: ([x]) => `Math.sqrt(${x})`,
  emitWasm: simdOp("f32x4.sqrt"),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const sqrt = (x: Tensor): Tensor => bind1(sqrtP, [x], {});
