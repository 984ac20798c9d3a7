// pow: xʸ for floats.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { eq } from "./compare.js";
import { log } from "./log.js";
import { mul } from "./mul.js";
import { select } from "./select.js";
import { sub } from "./sub.js";

export const powP = definePrimitive<NoParams>({
  name: "pow",
  abstractEval: elementwise("pow", "float"),
  // 1ʸ = 1 even for NaN y, as C and XLA (JS Math.pow says NaN).
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (a === 1 ? 1 : Math.pow(a, b))),
  // d xʸ = y·xʸ⁻¹·dx + log(x)·xʸ·dy, with JAX's conventions at 0: the dx term is 0 where y = 0,
  // and the dy term uses log(1) where x = 0 (so 0ʸ has a finite y-derivative).
  ad: formula(
    (tx, [x, y]) =>
      mul(tx, select(eq(y!, fullLike(y!, 0)), fullLike(y!, 0), mul(y!, pow(x!, sub(y!, fullLike(y!, 1)))))),
    (ty, [x], out) => mul(ty, mul(log(select(eq(x!, fullLike(x!, 0)), fullLike(x!, 1), x!)), out)),
  ),
  batch: vectorized,
  lowering: { emit: ([x, y]) => `(${x} === 1 ? 1 : Math.pow(${x}, ${y}))` },
  testing: elementwiseTesting(2, {
    domain: [
      [0.3, 2],
      [-2, 2],
    ],
  }),
});

export const pow = (x: Tensor, y: Tensor): Tensor => bind1(powP, [x, y], {});
