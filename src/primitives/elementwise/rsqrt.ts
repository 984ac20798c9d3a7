// rsqrt: the reciprocal square root 1/√x.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { div } from "./div.js";
import { mul } from "./mul.js";

export const rsqrtP = definePrimitive<NoParams>({
  name: "rsqrt",
  abstractEval: elementwise("rsqrt", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => 1 / Math.sqrt(v)),
  ad: formula((t, [x], out) => mul(t, mul(fullLike(out, -0.5), div(out, x!)))), // d x^(−½) = −½·x^(−½)/x·dx, as JAX
  batch: vectorized,
  lowering: { emit: ([x]) => `(1 / Math.sqrt(${x}))` },
  testing: elementwiseTesting(1, { domain: [0.2, 3] }),
});

export const rsqrt = (x: Tensor): Tensor => bind1(rsqrtP, [x], {});
