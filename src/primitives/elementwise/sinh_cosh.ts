// sinh and cosh, each the other's derivative (so they live together, as sin and cos).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";

export const sinhP = definePrimitive<NoParams>({
  name: "sinh",
  abstractEval: elementwise("sinh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sinh),
  ad: formula((t, [x]) => mul(t, cosh(x!))), // d sinh x = cosh x·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.sinh(${x})` },
  testing: elementwiseTesting(1),
});

export const coshP = definePrimitive<NoParams>({
  name: "cosh",
  abstractEval: elementwise("cosh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.cosh),
  ad: formula((t, [x]) => mul(t, sinh(x!))), // d cosh x = sinh x·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.cosh(${x})` },
  testing: elementwiseTesting(1),
});

export const sinh = (x: Tensor): Tensor => bind1(sinhP, [x], {});
export const cosh = (x: Tensor): Tensor => bind1(coshP, [x], {});
