// add: x + y (linear in both).
import { definePrimitive, isUndefined } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { simdOp } from "../../wasm/vecops.js";
import { addTangents } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const addP = definePrimitive<object>({
  name: "add",
  abstractEval: elementwise("add", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => a + b),
  jvp: ([tx, ty]) => addTangents(tx!, ty!), // d(x + y) = dx + dy
  transpose: (ct, [x, y]) => [isUndefined(x!) ? ct : null, isUndefined(y!) ? ct : null],
  emit: ([x, y]) => `(${x} + ${y})`,
  emitWasm: simdOp("f32x4.add"),
  batch: vectorized,
  testing: elementwiseTesting(2),
});

export const add = (x: Tensor, y: Tensor): Tensor => bind1(addP, [x, y], {});
