// tan: tangent.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { mul } from "./mul.js";

export const tanP = definePrimitive<NoParams>({
  name: "tan",
  abstractEval: elementwise("tan", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.tan),
  ad: formula((t, _, out) => mul(t, add(fullLike(out, 1), mul(out, out)))), // d tan x = (1 + tan² x)·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.tan(${x})` },
  testing: elementwiseTesting(1, { domain: [-1.2, 1.2] }),
});

export const tan = (x: Tensor): Tensor => bind1(tanP, [x], {});
