// Sorting with NumPy's (jax.numpy's) semantics: sort and argsort along an axis (null: the flattened array), stable,
// ascending or descending. NaN sorts last, as NumPy.
import { array as arrayParam, axis as axisParam, bool } from "../core/params.js";
import { normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, nullable, options } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor } from "./convert.js";

/** Options of np.sort and np.argsort; `axis: null` sorts the flattened array. */
export interface SortOpts {
  axis?: number | null;
  stable?: boolean;
  descending?: boolean;
}
const sortOptions = options(
  { axis: nullable(axisParam()), stable: bool("stable"), descending: bool("descending") },
  "axis",
);
export type SortFn = (a: ArrayLike, axisOrOpts?: number | null | SortOpts) => Tensor;

/** The array to sort and the axis: the flattened array on axis 0 when `axis` is null. */
function prepared(op: string, a: ArrayLike, axis: number | null | undefined): [Tensor, number] {
  const t = asTensor(a);
  if (axis === null) return [lax.reshape(t, [t.size]), 0];
  return [t, normalizeAxis(op, axis ?? -1, t.ndim)];
}

/**
 * A sorted copy along `axis` (default −1; null: the flattened array), ascending unless `descending`; differentiable
 * (the gradient flows back to where each element came from).
 * @example np.sort([[3, 1, 2], [0, 5, 4]]).toArray() // [[1, 2, 3], [0, 4, 5]]
 * np.sort([3, 1, 2], { descending: true }) // Tensor([3, 2, 1], dtype=float32)
 */
export const sort: SortFn = guard("np.sort", [arrayParam("a"), sortOptions], (a: ArrayLike, o: SortOpts) => {
  const [t, axis] = prepared("np.sort", a, o.axis);
  const [sorted] = lax.sort([t], axis, o.stable ?? true);
  return o.descending ? lax.rev(sorted!, [axis]) : sorted!;
});

/**
 * The int32 indices that sort `a` along `axis` (default −1; null: the flattened array); stable, so equal elements keep
 * their order (also when `descending`).
 * @example np.argsort([3, 1, 2]) // Tensor([1, 2, 0], dtype=int32)
 * np.argsort([1, 3, 1], { descending: true }) // Tensor([1, 0, 2], dtype=int32)
 */
export const argsort: SortFn = guard("np.argsort", [arrayParam("a"), sortOptions], (a: ArrayLike, o: SortOpts) => {
  let [t, axis] = prepared("np.argsort", a, o.axis);
  const stable = o.stable ?? true;
  let iota = lax.iota("int32", t.shape, axis);
  // as jax.numpy: reversed first, so that after the final reversal equal elements are still in index order
  if (o.descending && stable) [t, iota] = [lax.rev(t, [axis]), lax.rev(iota, [axis])];
  const [, indices] = lax.sort([t, iota], axis, stable, 1);
  return o.descending ? lax.rev(indices!, [axis]) : indices!;
});
