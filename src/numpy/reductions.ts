// Reductions with NumPy's axis/keepdims semantics.
import { isFloat } from "../core/dtype.js";
import { normalizeAxes } from "../core/shape.js";
import type { ArrayLike, ReduceOpts, Tensor } from "../core/tensor.js";
import * as lax from "../primitives/lax.js";
import { asTensor } from "./convert.js";

function reduction(op: string, f: (x: Tensor, axes: readonly number[]) => Tensor, prep: (t: Tensor) => Tensor) {
  return (x: ArrayLike, opts: ReduceOpts = {}): Tensor => {
    const t = prep(asTensor(x));
    const axes = normalizeAxes(op, opts.axis, t.ndim);
    const r = f(t, axes);
    return opts.keepdims ? lax.reshape(r, t.shape.map((s, i) => (axes.includes(i) ? 1 : s))) : r;
  };
}
const boolToInt = (t: Tensor) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

/** Sum over `axis` (all axes by default). @example np.sum([[1, 2], [3, 4]], { axis: 0 }) // [4, 6] */
export const sum = reduction("np.sum", lax.reduceSum, boolToInt);
/** Maximum over `axis`; ties share the gradient. */
export const max = reduction("np.max", lax.reduceMax, (t) => t);
/** Minimum over `axis`; ties share the gradient. */
export const min = reduction("np.min", lax.reduceMin, (t) => t);

/** Arithmetic mean over `axis`; integers give float32. */
export function mean(x: ArrayLike, opts: ReduceOpts = {}): Tensor {
  const t0 = asTensor(x);
  const t = isFloat(t0.dtype) ? t0 : lax.convertElementType(t0, "float32");
  const axes = normalizeAxes("np.mean", opts.axis, t.ndim);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  const s = sum(t, opts);
  return lax.div(s, lax.fullLike(s, count));
}
