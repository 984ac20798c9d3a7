// The reduce_max / reduce_min family: kernel and tie-splitting derivative shared by both.
import type { ShapedArray } from "../../core/aval.js";
import { definePrimitive, rule } from "../define.js";
import { eq } from "../elementwise/compare.js";
import { convertElementType } from "../elementwise/convert_element_type.js";
import { div } from "../elementwise/div.js";
import { mul } from "../elementwise/mul.js";
import { reduce } from "../kernels.js";
import { broadcastInDim, reduceSum } from "../structure/broadcast_and_sum.js";
import { type AxesParams, keptDims, reduceBatch, reducedAval, reduceTesting } from "./axes.js";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const identity = (dtype: ShapedArray["dtype"], sign: 1 | -1) => {
  switch (dtype) {
    case "int32":
      return sign > 0 ? INT_MIN : INT_MAX;
    case "uint32":
      return sign > 0 ? 0 : UINT_MAX;
    case "bool":
      return sign > 0 ? 0 : 1;
    default:
      return -sign * Infinity;
  }
};

/** reduce_max (sign 1) or reduce_min (sign −1); NaN propagates; ties share the derivative equally, as in JAX. */
export function extremum(name: string, sign: 1 | -1) {
  const better = sign > 0 ? (v: number, a: number) => v > a || v !== v : (v: number, a: number) => v < a || v !== v;
  return definePrimitive<AxesParams>({
    name,
    abstractEval: ([x], { axes }) => reducedAval(name, x!, axes),
    impl: ([x], { axes }, out) => reduce(x!, axes, out, identity(out.dtype, sign), (a, v) => (better(v, a) ? v : a)),
    // d max = mean of dx over the positions that attain the extremum
    ad: rule(([t], [x], out, { axes }) => {
      const at = convertElementType(eq(x!, broadcastInDim(out, x!.shape, keptDims(x!.ndim, axes))), x!.dtype);
      return div(reduceSum(mul(t!, at), axes), reduceSum(at, axes));
    }),
    batch: reduceBatch,
    lowering: {
      reduce: {
        axes: (p) => p.axes,
        init: (dtype) => identity(dtype, sign),
        step: (acc, v) => `(${v} ${sign > 0 ? ">" : "<"} ${acc} || ${v} !== ${v} ? ${v} : ${acc})`,
      },
    },
    testing: reduceTesting({ distinct: true }),
  });
}
