// tanh: hyperbolic tangent.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { simdFn } from "../../lowering/simd.js";
import { vtanh } from "../../lowering/simd_math.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

export const tanhP = definePrimitive<NoParams>({
  name: "tanh",
  abstractEval: elementwise("tanh", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.tanh),
  ad: formula((t, _, out) => mul(t, sub(fullLike(out, 1), mul(out, out)))), // d tanh x = (1 − tanh² x)·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.tanh(${x})`, wasm: simdFn(vtanh) },
  testing: elementwiseTesting(1),
});

export const tanh = (x: Tensor): Tensor => bind1(tanhP, [x], {});
