// The bind wrappers of every primitive, plus the small helpers derivative rules are written with.
import type { DType } from "../core/dtype.js";
import { allocate } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import { broadcastInDim } from "./structure/broadcast_in_dim.js";
import { eq } from "./elementwise/compare.js";
import { select } from "./elementwise/select.js";
import { add } from "./elementwise/add.js";
import { installBatchingOps } from "./batching.js";
import { transpose } from "./structure/transpose.js";

export { add } from "./elementwise/add.js";
export { sub } from "./elementwise/sub.js";
export { mul } from "./elementwise/mul.js";
export { div } from "./elementwise/div.js";
export { neg } from "./elementwise/neg.js";
export { exp } from "./elementwise/exp.js";
export { log } from "./elementwise/log.js";
export { sin } from "./elementwise/sin.js";
export { cos } from "./elementwise/cos.js";
export { tanh } from "./elementwise/tanh.js";
export { sqrt } from "./elementwise/sqrt.js";
export { pow } from "./elementwise/pow.js";
export { max } from "./elementwise/max.js";
export { min } from "./elementwise/min.js";
export { eq, ne, lt, le, gt, ge } from "./elementwise/compare.js";
export { select } from "./elementwise/select.js";
export { stopGradient } from "./elementwise/stop_gradient.js";
export { convertElementType } from "./elementwise/convert_element_type.js";
export { reduceSum } from "./reduce/reduce_sum.js";
export { reduceMax } from "./reduce/reduce_max.js";
export { reduceMin } from "./reduce/reduce_min.js";
export { broadcastInDim } from "./structure/broadcast_in_dim.js";
export { reshape } from "./structure/reshape.js";
export { transpose } from "./structure/transpose.js";
export { concatenate } from "./structure/concatenate.js";
export { slice } from "./structure/slice.js";
export { dotGeneral, type DimensionNumbers } from "./linalg/dot_general.js";
export { log1p } from "./elementwise/log1p.js";
export { expm1 } from "./elementwise/expm1.js";
export { tan } from "./elementwise/tan.js";
export { logistic } from "./elementwise/logistic.js";
export { erf } from "./elementwise/erf.js";
export { abs } from "./elementwise/abs.js";
export { sign } from "./elementwise/sign.js";
export { reduceProd } from "./reduce/reduce_prod.js";
export { argmax } from "./reduce/argmax.js";
export { argmin } from "./reduce/argmin.js";
export { rev } from "./structure/rev.js";
export { pad } from "./structure/pad.js";
export { gather } from "./structure/gather.js";
export { scatterAdd } from "./structure/scatter_add.js";
export { iota } from "./structure/iota.js";

installBatchingOps({ transpose, broadcastInDim });

/** A concrete 0-d tensor. */
export function scalar(v: number | boolean, dtype: DType): Tensor {
  const d = allocate(dtype, 1);
  d[0] = Number(v);
  return Tensor._of(d, [], dtype);
}

/** `v` broadcast to a shape (in IR: one broadcast of a literal). */
export const full = (shape: readonly number[], v: number | boolean, dtype: DType): Tensor =>
  broadcastInDim(scalar(v, dtype), shape, []);
export const zeros = (shape: readonly number[], dtype: DType): Tensor => full(shape, 0, dtype);
export const fullLike = (x: Tensor, v: number | boolean): Tensor => full(x.shape, v, x.dtype);
export const zerosLike = (x: Tensor): Tensor => fullLike(x, 0);

/** Sum of tangents where null is a symbolic zero. */
export const addTangents = (a: Tensor | null, b: Tensor | null): Tensor | null =>
  a === null ? b : b === null ? a : add(a, b);

/** 1 where x = z and y ≠ z, ½ where all three meet, else 0: how max/min split a derivative at ties. */
export function balancedEq(x: Tensor, z: Tensor, y: Tensor): Tensor {
  const one = fullLike(x, 1);
  return select(eq(x, z), select(eq(y, z), fullLike(x, 0.5), one), fullLike(x, 0));
}
