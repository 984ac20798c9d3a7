// floor: the largest integer ≤ x (floats only, as lax.floor); derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const floorP = definePrimitive<NoParams>({
  name: "floor",
  abstractEval: elementwise("floor", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.floor),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.floor(${x})`, discontinuous: true, wasm: simdOp("f32x4.floor") },
  testing: elementwiseTesting(1, { domain: [-3, 3] }),
});

export const floor = (x: Tensor): Tensor => bind1(floorP, [x], {});
