// reduce_max: maximum over axes (rules shared with reduce_min in extremum.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { extremum } from "./extremum.js";

export const reduceMaxP = extremum("reduce_max", 1);
export const reduceMax = (x: Tensor, axes: readonly number[]): Tensor => bind1(reduceMaxP, [x], { axes });
