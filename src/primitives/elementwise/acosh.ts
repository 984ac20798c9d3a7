// acosh: the inverse hyperbolic cosine, ≥ 0 (NaN below 1).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { mul } from "./mul.js";
import { rsqrt } from "./rsqrt.js";
import { sub } from "./sub.js";

export const acoshP = definePrimitive<NoParams>({
  name: "acosh",
  abstractEval: elementwise("acosh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.acosh),
  // d acosh x = dx / √((x − 1)(x + 1)), as JAX (no cancellation in x² − 1 near 1)
  ad: formula((t, [x]) => {
    const one = fullLike(x!, 1);
    return mul(t, rsqrt(mul(sub(x!, one), add(x!, one))));
  }),
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.acosh(${x})` },
  testing: elementwiseTesting(1, { domain: [1.2, 3] }),
});

export const acosh = (x: Tensor): Tensor => bind1(acoshP, [x], {});
