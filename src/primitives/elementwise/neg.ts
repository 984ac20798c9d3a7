// neg: −x (linear).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

export const negP = definePrimitive<NoParams>({
  name: "neg",
  abstractEval: elementwise("neg", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, (v) => -v),
  ad: linear((ct) => [neg(ct)]),
  batch: vectorized,
  // −(−x) = x
  simplify: (e, ctx) => ctx.producerOf(e.inputs[0]!, e.prim)?.inputs[0],
  lowering: { emit: ([x]) => `(-${x})`, wasm: simdOp("f32x4.neg") },
  testing: elementwiseTesting(1),
});

export const neg = (x: Tensor): Tensor => bind1(negP, [x], {});
