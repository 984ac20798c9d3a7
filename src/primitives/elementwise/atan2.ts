// atan2: the four-quadrant arctangent of x/y in [−π, π], as lax.atan2(x, y) and Math.atan2(x, y) (x the numerator);
// the signs of zeros pick the quadrant (atan2(±0, −0) = ±π).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { div } from "./div.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

const r2 = (x: Tensor, y: Tensor) => add(mul(x, x), mul(y, y));

export const atan2P = definePrimitive<NoParams>({
  name: "atan2",
  abstractEval: elementwise("atan2", "float"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, Math.atan2),
  // ∂/∂x = y/(x² + y²), ∂/∂y = −x/(x² + y²)
  ad: formula(
    (tx, [x, y]) => mul(tx, div(y!, r2(x!, y!))),
    (ty, [x, y]) => div(mul(ty, neg(x!)), r2(x!, y!)),
  ),
  batch: vectorized,
  lowering: { emit: ([x, y]) => `Math.atan2(${x}, ${y})` },
  // the upper half plane, away from the origin and the branch cut along x = 0, y < 0
  testing: elementwiseTesting(2, {
    domain: [
      [0.2, 2],
      [-2, 2],
    ],
  }),
});

export const atan2 = (x: Tensor, y: Tensor): Tensor => bind1(atan2P, [x, y], {});
