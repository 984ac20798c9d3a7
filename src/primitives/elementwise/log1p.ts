// log1p: log(1 + x), accurate near 0.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { div } from "./div.js";

export const log1pP = definePrimitive<NoParams>({
  name: "log1p",
  abstractEval: elementwise("log1p", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.log1p),
  ad: formula((t, [x]) => div(t, add(x!, fullLike(x!, 1)))), // d log(1 + x) = dx / (1 + x)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.log1p(${x})` },
  testing: elementwiseTesting(1, { domain: [-0.5, 2] }),
});

export const log1p = (x: Tensor): Tensor => bind1(log1pP, [x], {});
