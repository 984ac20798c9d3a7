// sub: x − y (linear in both).
import { definePrimitive, isUndefined } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { simdOp } from "../../wasm/vecops.js";
import { neg } from "../lax.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";

export const subP = definePrimitive<object>({
  name: "sub",
  abstractEval: elementwise("sub", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => a - b),
  // d(x − y) = dx − dy
  jvp: ([tx, ty]) => (tx && ty ? sub(tx, ty) : (tx ?? neg(ty!))),
  transpose: (ct, [x, y]) => [isUndefined(x!) ? ct : null, isUndefined(y!) ? neg(ct) : null],
  emit: ([x, y]) => `(${x} - ${y})`,
  emitWasm: simdOp("f32x4.sub"),
  batch: vectorized,
  testing: elementwiseTesting(2),
});

export const sub = (x: Tensor, y: Tensor): Tensor => bind1(subP, [x, y], {});
