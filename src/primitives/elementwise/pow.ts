// pow: xʸ for floats.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { addTangents, eq, fullLike, log, mul, select, sub } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const powP = definePrimitive<object>({
  name: "pow",
  abstractEval: elementwise("pow", "float"),
  // 1ʸ = 1 even for NaN y, as C and XLA (JS Math.pow says NaN).
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (a === 1 ? 1 : Math.pow(a, b))),
  // d xʸ = y·xʸ⁻¹·dx + log(x)·xʸ·dy, with JAX's conventions at 0: the dx term is 0 where y = 0,
  // and the dy term uses log(1) where x = 0 (so 0ʸ has a finite y-derivative).
  jvp: ([tx, ty], [x, y], out) => {
    const dx =
      tx && mul(tx, select(eq(y!, fullLike(y!, 0)), fullLike(y!, 0), mul(y!, pow(x!, sub(y!, fullLike(y!, 1))))));
    const dy = ty && mul(ty, mul(log(select(eq(x!, fullLike(x!, 0)), fullLike(x!, 1), x!)), out));
    return addTangents(dx, dy);
  },
  emit: ([x, y]) => `(${x} === 1 ? 1 : Math.pow(${x}, ${y}))`,
  batch: vectorized,
  testing: elementwiseTesting(2, {
    domain: [
      [0.3, 2],
      [-2, 2],
    ],
  }),
});

export const pow = (x: Tensor, y: Tensor): Tensor => bind1(powP, [x, y], {});
