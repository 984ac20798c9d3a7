// div: x / y (linear in x); int32 division truncates toward zero, as lax.div.
import { TracegradError } from "../../core/errors.js";
import { definePrimitive, isUndefined } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { simdOp } from "../../wasm/vecops.js";
import { addTangents, mul, neg } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const divP = definePrimitive<object>({
  name: "div",
  abstractEval: elementwise("div", "numeric"),
  impl: ([x, y], _, out) =>
    mapBinary(x!, y!, out, out.dtype === "int32" ? (a, b) => Math.trunc(a / b) : (a, b) => a / b),
  // d(x/y) = dx/y − (x/y)·dy/y
  jvp: ([tx, ty], [, y], out) => addTangents(tx ? div(tx, y!) : null, ty ? neg(div(mul(ty, out), y!)) : null),
  transpose: (ct, [x, y]) => {
    if (!isUndefined(x) || isUndefined(y))
      throw new TracegradError("div: only linear in its numerator; cannot transpose with respect to the denominator");
    return [div(ct, y), null];
  },
  emit: ([x, y], _, [a]) => (a!.dtype === "int32" ? `Math.trunc(${x} / ${y})` : `(${x} / ${y})`),
  emitWasm: simdOp("f32x4.div"),
  batch: vectorized,
  testing: elementwiseTesting(2, {
    domain: [
      [-2, 2],
      [0.5, 2],
    ],
  }),
});

export const div = (x: Tensor, y: Tensor): Tensor => bind1(divP, [x, y], {});
