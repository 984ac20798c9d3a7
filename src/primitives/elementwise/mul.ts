// mul: x · y (bilinear).
import { isInteger } from "../../core/dtype.js";
import { TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { dropUnit } from "../../ir/passes/simplify.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { bilinear, definePrimitive } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const mulP = definePrimitive<NoParams>({
  name: "mul",
  abstractEval: elementwise("mul", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, isInteger(out.dtype) ? Math.imul : (a, b) => a * b),
  ad: bilinear((ct, [x, y]) => {
    if (isUndefined(x!) && isUndefined(y!))
      throw new TracegradError("mul: cannot transpose a product of two linear values (it is not linear)");
    return [isUndefined(x!) ? mul(ct, y as Tensor) : null, isUndefined(y!) ? mul(x as Tensor, ct) : null];
  }),
  batch: vectorized,
  commutative: true,
  // x·1 = 1·x = x (not x·0: NaN·0 is NaN)
  simplify: dropUnit((v) => v === 1, "either"),
  lowering: {
    emit: ([x, y], _, [a]) => (isInteger(a!.dtype) ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`),
    wasm: simdOp("f32x4.mul"),
  },
  testing: elementwiseTesting(2),
});

export const mul = (x: Tensor, y: Tensor): Tensor => bind1(mulP, [x, y], {});
