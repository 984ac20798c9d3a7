// Constants in programs: a concrete scalar, and values broadcast from one (one broadcast of a literal in the IR).
import { allocate, type DType } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import { broadcastInDim } from "./structure/broadcast_and_sum.js";

/** A concrete 0-d tensor. */
export function scalar(v: number | boolean, dtype: DType): Tensor {
  const d = allocate(dtype, 1);
  d[0] = Number(v);
  return Tensor._of(d, [], dtype);
}

/** `v` broadcast to a shape. */
export const full = (shape: readonly number[], v: number | boolean, dtype: DType): Tensor =>
  broadcastInDim(scalar(v, dtype), shape, []);
export const zeros = (shape: readonly number[], dtype: DType): Tensor => full(shape, 0, dtype);
export const fullLike = (x: Tensor, v: number | boolean): Tensor => full(x.shape, v, x.dtype);
export const zerosLike = (x: Tensor): Tensor => fullLike(x, 0);
