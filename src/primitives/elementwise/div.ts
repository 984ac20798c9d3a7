// div: x / y (linear in x); integer division truncates toward zero, as lax.div.
import { isInteger } from "../../core/dtype.js";
import { TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { dropUnit } from "../../ir/passes/simplify.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

export const divP = definePrimitive<NoParams>({
  name: "div",
  abstractEval: elementwise("div", "numeric"),
  impl: ([x, y], _, out) =>
    mapBinary(x!, y!, out, isInteger(out.dtype) ? (a, b) => Math.trunc(a / b) : (a, b) => a / b),
  ad: {
    // d(x/y) = dx/y − (x/y)·dy/y
    ...formula<NoParams>(
      (tx, [, y]) => div(tx, y!),
      (ty, [, y], out) => neg(div(mul(ty, out), y!)),
    ),
    transpose: (ct, [x, y]) => {
      if (!isUndefined(x!) || isUndefined(y!))
        throw new TracegradError("div: only linear in its numerator; cannot transpose with respect to the denominator");
      return [div(ct, y), null];
    },
  },
  batch: vectorized,
  // x/1 = x
  simplify: dropUnit((v) => v === 1, "right"),
  lowering: {
    emit: ([x, y], _, [a]) => (isInteger(a!.dtype) ? `Math.trunc(${x} / ${y})` : `(${x} / ${y})`),
    wasm: simdOp("f32x4.div"),
  },
  testing: elementwiseTesting(2, {
    domain: [
      [-2, 2],
      [0.5, 2],
    ],
  }),
});

export const div = (x: Tensor, y: Tensor): Tensor => bind1(divP, [x, y], {});
