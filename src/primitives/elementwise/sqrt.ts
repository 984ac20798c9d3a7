// sqrt: square root.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { div } from "./div.js";
import { mul } from "./mul.js";

export const sqrtP = definePrimitive<NoParams>({
  name: "sqrt",
  abstractEval: elementwise("sqrt", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sqrt),
  ad: formula((t, _, out) => div(mul(t, fullLike(out, 0.5)), out)), // d √x = dx / (2√x)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.sqrt(${x})`, wasm: simdOp("f32x4.sqrt") },
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const sqrt = (x: Tensor): Tensor => bind1(sqrtP, [x], {});
