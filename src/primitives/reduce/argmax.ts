// argmax: index of the first maximum along an axis (rules shared with argmin in arg_extremum.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { argExtremum } from "./arg_extremum.js";

export const argmaxP = argExtremum("argmax", (v, best) => v > best || v !== v);
export const argmax = (x: Tensor, axis: number): Tensor => bind1(argmaxP, [x], { axes: [axis], index_dtype: "int32" });
