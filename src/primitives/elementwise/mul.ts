// mul: x · y (bilinear).
import { TracegradError } from "../../core/errors.js";
import { definePrimitive, isUndefined } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { simdOp } from "../../wasm/vecops.js";
import { addTangents } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const mulP = definePrimitive<object>({
  name: "mul",
  abstractEval: elementwise("mul", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, out.dtype === "int32" ? Math.imul : (a, b) => a * b),
  // d(x·y) = dx·y + x·dy
  jvp: ([tx, ty], [x, y]) => addTangents(tx ? mul(tx, y!) : null, ty ? mul(x!, ty) : null),
  transpose: (ct, [x, y]) => {
    if (isUndefined(x) && isUndefined(y))
      throw new TracegradError("mul: cannot transpose a product of two linear values (it is not linear)");
    return [isUndefined(x) ? mul(ct, y as Tensor) : null, isUndefined(y) ? mul(x as Tensor, ct) : null];
  },
  emit: ([x, y], _, [a]) => (a!.dtype === "int32" ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`),
  emitWasm: simdOp("f32x4.mul"),
  batch: vectorized,
  testing: elementwiseTesting(2),
});

export const mul = (x: Tensor, y: Tensor): Tensor => bind1(mulP, [x, y], {});
