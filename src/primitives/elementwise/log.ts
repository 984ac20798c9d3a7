// log: natural logarithm.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdFn } from "../../lowering/simd.js";
import { vlog } from "../../lowering/simd_math.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { div } from "./div.js";

export const logP = definePrimitive<NoParams>({
  name: "log",
  abstractEval: elementwise("log", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.log),
  ad: formula((t, [x]) => div(t, x!)), // d log x = dx/x
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.log(${x})`, wasm: simdFn(vlog) },
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const log = (x: Tensor): Tensor => bind1(logP, [x], {});
