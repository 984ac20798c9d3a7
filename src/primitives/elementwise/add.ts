// add: x + y (linear in both).
import type { Tensor } from "../../core/tensor.js";
import { dropUnit } from "../../ir/passes/simplify.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const addP = definePrimitive<NoParams>({
  name: "add",
  abstractEval: elementwise("add", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => a + b),
  // d(x + y) = dx + dy, an absent term skipped rather than added as zeros
  ad: linear((ct, [x, y]) => [isUndefined(x!) ? ct : null, isUndefined(y!) ? ct : null], {
    jvp: ([tx, ty], t) => t.add(tx, ty),
  }),
  batch: vectorized,
  commutative: true,
  // x + (−0) = x (not x + 0: −0 + 0 = +0)
  simplify: dropUnit((v) => Object.is(v, -0), "either"),
  lowering: { emit: ([x, y]) => `(${x} + ${y})`, wasm: simdOp("f32x4.add") },
  testing: elementwiseTesting(2),
});

export const add = (x: Tensor, y: Tensor): Tensor => bind1(addP, [x, y], {});

/** Sum of tangents where null is a symbolic zero. */
export const addTangents = (a: Tensor | null, b: Tensor | null): Tensor | null =>
  a === null ? b : b === null ? a : add(a, b);
