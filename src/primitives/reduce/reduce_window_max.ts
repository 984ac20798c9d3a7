// reduce_window_max and reduce_window_min: the extremum over each window (jax.lax's reduce_window_max_p/min_p); holes
// and padding hold the identity (−∞/+∞, or the integer dtype's bound), so a window of no operand element gives it.
// Their tangent is the input tangent at the element the window chooses (the first extremal one in row-major window
// order; NaN wins): select_and_gather_add, as JAX's _reduce_window_chooser_jvp_rule, whose transpose scatters.
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, type DType, isFloat } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, rule } from "../define.js";
import { data } from "../kernels.js";
import { selectAndGatherAdd } from "./select_and_gather_add.js";
import {
  batchAsWindowAxis,
  sampleWindow,
  type WindowParams,
  windowAval,
  windowExtremaInto,
  windowPlan,
  windowSelect,
} from "./window.js";

/** The identity of max (sign 1) or min (sign −1) in `dtype`. */
export function extremumIdentity(dtype: DType, sign: 1 | -1): number {
  switch (dtype) {
    case "int32":
      return sign > 0 ? -2147483648 : 2147483647;
    case "uint32":
      return sign > 0 ? 0 : 4294967295;
    default:
      return -sign * Infinity;
  }
}

function windowExtremum(name: "reduce_window_max" | "reduce_window_min") {
  const sign = name === "reduce_window_max" ? 1 : -1;
  const select = sign > 0 ? "ge" : "le";
  const self: Primitive<WindowParams> = definePrimitive<WindowParams>({
    name,
    abstractEval: ([x], p) => windowAval(name, x!, p),
    impl: ([x], p, out) => {
      const xd = data(x!);
      const plan = windowPlan(x!.shape, p);
      const dest = allocateFilledLater(out.dtype, out.size);
      const none = extremumIdentity(out.dtype, sign);
      // float32: the SIMD selection gives the values too
      if (xd instanceof Float32Array && windowExtremaInto(xd, plan, select, dest as Float32Array, none))
        return Tensor._of(dest, out.shape, out.dtype);
      const chosen = windowSelect(xd, plan, select);
      for (let i = 0; i < chosen.length; i++) {
        const k = chosen[i]!;
        dest[i] = k >= 0 ? xd[k]! : none;
      }
      return Tensor._of(dest, out.shape, out.dtype);
    },
    freshOutputs: true,
    ad: rule(([t], [x], _out, p) =>
      t && isFloat(x!.dtype) ? selectAndGatherAdd(t, x!, { ...p, select_prim: select }) : null,
    ),
    batch: batchAsWindowAxis((x, p) => bind1(self, [x], p)),
    testing: {
      sample: (choose) => {
        const { shape, params } = sampleWindow(choose, true);
        return { avals: [new ShapedArray(shape, "float64")], params };
      },
      distinct: true,
    },
  });
  return self;
}

export const reduceWindowMaxP = windowExtremum("reduce_window_max");
export const reduceWindowMinP = windowExtremum("reduce_window_min");

/** Window maxima of `x` (see WindowParams). */
export const reduceWindowMax = (x: Tensor, p: WindowParams): Tensor => bind1(reduceWindowMaxP, [x], p);
/** Window minima of `x`. */
export const reduceWindowMin = (x: Tensor, p: WindowParams): Tensor => bind1(reduceWindowMinP, [x], p);
