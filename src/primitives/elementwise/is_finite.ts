// is_finite: whether x is neither ±∞ nor NaN (floats in, bool out); derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const isFiniteP = definePrimitive<NoParams>({
  name: "is_finite",
  abstractEval: elementwise("is_finite", "float", "bool"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => (Number.isFinite(v) ? 1 : 0)),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  lowering: { emit: ([x]) => `(Number.isFinite(${x}) ? 1 : 0)`, discontinuous: true },
  testing: elementwiseTesting(1),
});

/** Whether each element is neither ±∞ nor NaN (re-exported as `isFinite`; the name here would shadow the global). */
export const isFiniteOf = (x: Tensor): Tensor => bind1(isFiniteP, [x], {});
