// reduce_min: minimum over axes (rules shared with reduce_max in extremum.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { extremum } from "./extremum.js";

export const reduceMinP = extremum("reduce_min", -1);
export const reduceMin = (x: Tensor, axes: readonly number[]): Tensor => bind1(reduceMinP, [x], { axes });
