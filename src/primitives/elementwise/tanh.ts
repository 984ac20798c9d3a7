// tanh: hyperbolic tangent.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { simdFn } from "../../wasm/vecops.js";
import { vtanh } from "../../wasm/vecmath.js";
import { fullLike, mul, sub } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const tanhP = definePrimitive<object>({
  name: "tanh",
  abstractEval: elementwise("tanh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.tanh),
  jvp: ([t], _, out) => mul(t!, sub(fullLike(out, 1), mul(out, out))), // d tanh x = (1 − tanh² x)·dx
  emit: ([x]) => `Math.tanh(${x})`,
  emitWasm: simdFn(vtanh),
  batch: vectorized,
  testing: elementwiseTesting(1),
});

export const tanh = (x: Tensor): Tensor => bind1(tanhP, [x], {});
