// sin and cos, each the other's derivative (so they live together).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

export const sinP = definePrimitive<NoParams>({
  name: "sin",
  abstractEval: elementwise("sin", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.sin),
  ad: formula((t, [x]) => mul(t, cos(x!))), // d sin x = cos x·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.sin(${x})` },
  testing: elementwiseTesting(1),
});

export const cosP = definePrimitive<NoParams>({
  name: "cos",
  abstractEval: elementwise("cos", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.cos),
  ad: formula((t, [x]) => neg(mul(t, sin(x!)))), // d cos x = −sin x·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.cos(${x})` },
  testing: elementwiseTesting(1),
});

export const sin = (x: Tensor): Tensor => bind1(sinP, [x], {});
export const cos = (x: Tensor): Tensor => bind1(cosP, [x], {});
