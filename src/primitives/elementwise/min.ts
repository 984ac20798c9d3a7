// min: elementwise minimum (rules shared with max in minmax.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { minmax } from "./minmax.js";

export const minP = minmax("min", (a, b) => a < b, "<");
export const min = (x: Tensor, y: Tensor): Tensor => bind1(minP, [x, y], {});
