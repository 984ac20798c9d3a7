// rem: the remainder of truncating division, x − y·trunc(x/y), with the sign of x (C's fmod), as lax.rem. For
// integers x rem 0 is x, as XLA; uint32 remainders are of the unsigned values.
import { isInteger } from "../../core/dtype.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { div } from "./div.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { sub } from "./sub.js";

export const remP = definePrimitive<NoParams>({
  name: "rem",
  abstractEval: elementwise("rem", "numeric"),
  impl: ([x, y], _, out) =>
    mapBinary(x!, y!, out, isInteger(out.dtype) ? (a, b) => (b === 0 ? a : a % b) : (a, b) => a % b),
  // d rem = dx − trunc(x/y)·dy; trunc(x/y) = (x − rem)/y, whose own derivatives vanish as they should
  ad: formula(
    (tx) => tx,
    (ty, [x, y], out) => neg(mul(ty, div(sub(x!, out), y!))),
  ),
  batch: vectorized,
  lowering: {
    emit: ([x, y], _, [a]) => (isInteger(a!.dtype) ? `(${y} === 0 ? ${x} : ${x} % ${y})` : `(${x} % ${y})`),
    discontinuous: true,
  },
  // x/y stays within (1, 2): one branch of the sawtooth, where finite differences hold
  testing: elementwiseTesting(2, {
    domain: [
      [2.2, 2.8],
      [1.5, 2],
    ],
  }),
});

/** x − y·trunc(x/y), the sign of x (for integers, x rem 0 = x). */
export const rem = (x: Tensor, y: Tensor): Tensor => bind1(remP, [x, y], {});
