// max: elementwise maximum (rules shared with min in minmax.ts).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { minmax } from "./minmax.js";

export const maxP = minmax("max", (a, b) => a > b, ">");
export const max = (x: Tensor, y: Tensor): Tensor => bind1(maxP, [x, y], {});
