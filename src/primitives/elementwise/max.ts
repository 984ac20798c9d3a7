// max: elementwise maximum; ties split the derivative equally between the operands, as in JAX.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { balancedEq, mul } from "../lax.js";
import { addTangents, elementwise, elementwiseTesting } from "../rules.js";

export const maxP = definePrimitive<object>({
  name: "max",
  abstractEval: elementwise("max", "numeric"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b)),
  // d max(x, y) = dx where x wins, dy where y wins, (dx + dy)/2 at ties
  jvp: ([tx, ty], [x, y], out) => addTangents(tx && mul(tx, balancedEq(x!, out, y!)), ty && mul(ty, balancedEq(y!, out, x!))),
  testing: elementwiseTesting(2, { distinct: true }),
});

export const max = (x: Tensor, y: Tensor): Tensor => bind1(maxP, [x, y], {});
