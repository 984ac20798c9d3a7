// exp: eˣ.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdFn } from "../../lowering/simd.js";
import { vexp } from "../../lowering/simd_math.js";
import { vectorized } from "../batching.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";

export const expP = definePrimitive<NoParams>({
  name: "exp",
  abstractEval: elementwise("exp", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.exp),
  ad: formula((t, _, out) => mul(t, out)), // d eˣ = eˣ·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.exp(${x})`, wasm: simdFn(vexp) },
  testing: elementwiseTesting(1),
});

export const exp = (x: Tensor): Tensor => bind1(expP, [x], {});
