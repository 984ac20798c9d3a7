// exp: eˣ.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { simdFn } from "../../wasm/vecops.js";
import { vexp } from "../../wasm/vecmath.js";
import { mul } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const expP = definePrimitive<object>({
  name: "exp",
  abstractEval: elementwise("exp", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.exp),
  jvp: ([t], _, out) => mul(t!, out), // d eˣ = eˣ·dx
  emit: ([x]) => `Math.exp(${x})`,
  emitWasm: simdFn(vexp),
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const exp = (x: Tensor): Tensor => bind1(expP, [x], {});
