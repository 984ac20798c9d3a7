// reduce_window_sum: the sum over each window (jax.lax's reduce_window_sum_p); holes and padding add nothing. Linear:
// its transpose pads and dilates the cotangent (the output's strides become holes) and sums its windows with the
// operand's dilation as strides, as JAX's _reduce_window_sum_transpose_rule.
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { zeros } from "../constants.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import {
  batchAsWindowAxis,
  dilateDim,
  padSigned,
  sampleWindow,
  type WindowParams,
  windowAval,
  windowPlan,
  windowSumInto,
} from "./window.js";

/** The padding that puts the cotangent of a window sum over an operand of `shape` back in the operand's frame. */
function transposePadding(shape: readonly number[], ctShape: readonly number[], p: WindowParams) {
  return shape.map((n, i) => {
    const w = dilateDim(p.window_dimensions[i]!, p.window_dilation[i]!);
    const before = w - 1 - p.padding[i]![0];
    const after = dilateDim(n, p.base_dilation[i]!) + w - 1 - dilateDim(ctShape[i]!, p.window_strides[i]!) - before;
    return [before, after, p.window_strides[i]! - 1] as const;
  });
}

export const reduceWindowSumP = definePrimitive<WindowParams>({
  name: "reduce_window_sum",
  abstractEval: ([x], p) => windowAval("reduce_window_sum", x!, p),
  impl: ([x], p, out) => {
    const dest = allocateFilledLater(out.dtype, out.size);
    windowSumInto(data(x!), windowPlan(x!.shape, p), dest);
    return Tensor._of(dest, out.shape, out.dtype);
  },
  freshOutputs: true,
  ad: linear((ct, [x], p) => {
    const shape = x!.aval.shape;
    if (ct.size === 0 || x!.aval.size === 0) return [zeros(shape, ct.dtype)];
    const padded = padSigned(ct, 0, transposePadding(shape, ct.shape, p));
    const ones = shape.map(() => 1);
    return [
      reduceWindowSum(padded, {
        window_dimensions: p.window_dimensions,
        window_strides: p.base_dilation,
        padding: shape.map(() => [0, 0] as const),
        base_dilation: ones,
        window_dilation: p.window_dilation,
      }),
    ];
  }),
  batch: batchAsWindowAxis((x, p) => reduceWindowSum(x, p)),
  testing: {
    sample: (choose) => {
      const { shape, params } = sampleWindow(choose, false);
      return { avals: [new ShapedArray(shape, "float64")], params };
    },
  },
});

/** Window sums of `x` (see WindowParams). */
export const reduceWindowSum = (x: Tensor, p: WindowParams): Tensor => bind1(reduceWindowSumP, [x], p);
