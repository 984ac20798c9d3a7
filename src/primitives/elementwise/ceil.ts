// ceil: the smallest integer ≥ x (floats only, as lax.ceil); derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const ceilP = definePrimitive<NoParams>({
  name: "ceil",
  abstractEval: elementwise("ceil", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.ceil),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.ceil(${x})`, discontinuous: true, wasm: simdOp("f32x4.ceil") },
  testing: elementwiseTesting(1, { domain: [-3, 3] }),
});

export const ceil = (x: Tensor): Tensor => bind1(ceilP, [x], {});
