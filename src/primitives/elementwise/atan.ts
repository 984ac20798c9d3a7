// atan: the inverse tangent, in (−π/2, π/2).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { div } from "./div.js";
import { mul } from "./mul.js";

export const atanP = definePrimitive<NoParams>({
  name: "atan",
  abstractEval: elementwise("atan", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.atan),
  ad: formula((t, [x]) => div(t, add(fullLike(x!, 1), mul(x!, x!)))), // d atan x = dx / (1 + x²)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.atan(${x})` },
  testing: elementwiseTesting(1),
});

export const atan = (x: Tensor): Tensor => bind1(atanP, [x], {});
