// cbrt: the real cube root (negative for negative x).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { div } from "./div.js";
import { mul } from "./mul.js";

export const cbrtP = definePrimitive<NoParams>({
  name: "cbrt",
  abstractEval: elementwise("cbrt", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.cbrt),
  ad: formula((t, _, out) => div(t, mul(fullLike(out, 3), mul(out, out)))), // d ∛x = dx / (3·∛x²)
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.cbrt(${x})` },
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const cbrt = (x: Tensor): Tensor => bind1(cbrtP, [x], {});
