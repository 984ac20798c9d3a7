// log: natural logarithm.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapUnary } from "../kernels.js";
import { simdFn } from "../../wasm/vecops.js";
import { vlog } from "../../wasm/vecmath.js";
import { div } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const logP = definePrimitive<object>({
  name: "log",
  abstractEval: elementwise("log", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.log),
  jvp: ([t], [x]) => div(t!, x!), // d log x = dx/x
  emit: ([x]) => `Math.log(${x})`,
  emitWasm: simdFn(vlog),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const log = (x: Tensor): Tensor => bind1(logP, [x], {});
