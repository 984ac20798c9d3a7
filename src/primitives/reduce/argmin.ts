// argmin: index of the first minimum along an axis (rules shared with argmax in arg_extremum.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { argExtremum } from "./arg_extremum.js";

export const argminP = argExtremum("argmin", (v, best) => v < best || v !== v);
export const argmin = (x: Tensor, axis: number): Tensor => bind1(argminP, [x], { axes: [axis], index_dtype: "int32" });
