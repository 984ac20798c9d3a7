// abs: |x|; its derivative is sign(x), so 0 at 0.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { simdOp } from "../../wasm/vecops.js";
import { mul, sign } from "../lax.js";
import { vectorized } from "../batching.js";

export const absP = definePrimitive<object>({
  name: "abs",
  abstractEval: elementwise("abs", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.abs),
  // d|x| = sign(x)·dx
  jvp: ([t], [x]) => mul(t!, sign(x!)),
  emit: ([x]) => `Math.abs(${x})`,
  emitWasm: simdOp("f32x4.abs"),
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const abs = (x: Tensor): Tensor => bind1(absP, [x], {});
