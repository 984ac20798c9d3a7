// abs: |x|; its derivative is sign(x), so 0 at 0.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { sign } from "./sign.js";

export const absP = definePrimitive<NoParams>({
  name: "abs",
  abstractEval: elementwise("abs", "numeric"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.abs),
  ad: formula((t, [x]) => mul(t, sign(x!))), // d|x| = sign(x)·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.abs(${x})`, wasm: simdOp("f32x4.abs") },
  testing: elementwiseTesting(1),
});

export const abs = (x: Tensor): Tensor => bind1(absP, [x], {});
