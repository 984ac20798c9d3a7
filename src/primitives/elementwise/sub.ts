// sub: x − y (linear in both).
import type { Tensor } from "../../core/tensor.js";
import { dropUnit } from "../../ir/passes/simplify.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { neg } from "./neg.js";

export const subP = definePrimitive<NoParams>({
  name: "sub",
  abstractEval: elementwise("sub", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => a - b),
  // d(x − y) = dx − dy, an absent term skipped rather than subtracted as zeros
  ad: linear((ct, [x, y]) => [isUndefined(x!) ? ct : null, isUndefined(y!) ? neg(ct) : null], {
    jvp: ([tx, ty]) => (tx && ty ? sub(tx, ty) : (tx ?? neg(ty!))),
  }),
  batch: vectorized,
  // x − 0 = x (not x − (−0): −0 − (−0) = +0)
  simplify: dropUnit((v) => Object.is(v, 0), "right"),
  lowering: { emit: ([x, y]) => `(${x} - ${y})`, wasm: simdOp("f32x4.sub") },
  testing: elementwiseTesting(2),
});

export const sub = (x: Tensor, y: Tensor): Tensor => bind1(subP, [x, y], {});
