// reduce_sum: sum over axes (linear).
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { reduce } from "../kernels.js";
import { broadcastInDim } from "../lax.js";
import { type AxesParams, keptDims, reduceTesting, reducedAval } from "./axes.js";
import { reduceBatch } from "../batching.js";
import { simdOp } from "../../wasm/vecops.js";

export const reduceSumP = definePrimitive<AxesParams>({
  name: "reduce_sum",
  abstractEval: ([x], { axes }) => reducedAval("reduce_sum", x!, axes),
  impl: ([x], { axes }, out) => reduce(x!, axes, out, 0, (a, v) => a + v),
  jvp: ([t], _, __, params) => reduceSum(t!, params.axes), // linear
  // the sum's cotangent is copied back to every summed position
  transpose: (ct, [x], { axes }) => [broadcastInDim(ct, x!.aval.shape, keptDims(x!.aval.ndim, axes))],
  batch: reduceBatch,
  emitReduce: { init: () => 0, step: (acc, v) => `${acc} + ${v}`, wasm: simdOp("f32x4.add") },
  testing: reduceTesting(),
});

export const reduceSum = (x: Tensor, axes: readonly number[]): Tensor => bind1(reduceSumP, [x], { axes });
