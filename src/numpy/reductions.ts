// Reductions with NumPy's axis/keepdims semantics.
import { isFloat } from "../core/dtype.js";
import { fmtShape, ShapeError } from "../core/errors.js";
import { array, axes, axis, bool } from "../core/params.js";
import { normalizeAxes, normalizeAxis } from "../core/shape.js";
import type { ArrayLike, AxisArg, ReduceOpts, Tensor } from "../core/tensor.js";
import { guard, options, orNull } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor } from "./convert.js";

/** A reduction's options: `{ axis, keepdims }`, or the axis (a number, an array, or null for all) positionally. */
export const reduceOptions = options({ axis: orNull(axes()), keepdims: bool("keepdims") }, "axis");
/** A reduction's public form: the options object, or its axis positionally (`np.sum(x, 0)`, `np.sum(x, [0, 1])`). */
export type Reduction = (x: ArrayLike, axisOrOpts?: AxisArg) => Tensor;

function reduction(op: string, f: (x: Tensor, axes: readonly number[]) => Tensor, prep: (t: Tensor) => Tensor) {
  return guard<Reduction>(op, [array("x"), reduceOptions], (x: ArrayLike, opts: ReduceOpts): Tensor => {
    const t = prep(asTensor(x));
    const axes = normalizeAxes(op, opts.axis, t.ndim);
    const r = f(t, axes);
    return opts.keepdims
      ? lax.reshape(
          r,
          t.shape.map((s, i) => (axes.includes(i) ? 1 : s)),
        )
      : r;
  });
}
const boolToInt = (t: Tensor) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

/**
 * Sum over `axis` (all axes by default); bool counts as int32.
 * @example np.sum([[1, 2], [3, 4]], { axis: 0 }) // Tensor([4, 6], dtype=float32)
 */
export const sum = reduction("np.sum", lax.reduceSum, boolToInt);
/**
 * Product over `axis`; the gradient is exact where elements are zero.
 * @example np.prod([[1, 2], [3, 4]], { axis: -1 }) // Tensor([2, 12], dtype=float32)
 */
export const prod = reduction("np.prod", lax.reduceProd, boolToInt);

/** max/min have no identity: reducing an empty axis is an error, as in NumPy and JAX. */
const nonEmpty =
  (op: string, f: (x: Tensor, axes: readonly number[]) => Tensor) => (x: Tensor, axes: readonly number[]) => {
    const empty = axes.filter((a) => x.shape[a] === 0);
    if (empty.length)
      throw new ShapeError(
        `${op}: cannot reduce the empty axis ${empty[0]} of shape ${fmtShape(x.shape)} (no identity); reduce a ` +
          `non-empty axis or use np.where with a default`,
      );
    return f(x, axes);
  };
/**
 * Maximum over `axis` (all by default); tied maxima share the gradient equally (JAX).
 * @example np.max([[1, 5], [3, 2]]) // Tensor(5, dtype=float32)
 */
export const max = reduction("np.max", nonEmpty("np.max", lax.reduceMax), (t) => t);
/**
 * Minimum over `axis` (all by default); tied minima share the gradient equally (JAX).
 * @example np.min([[1, 5], [3, 2]], { axis: 1 }) // Tensor([1, 2], dtype=float32)
 */
export const min = reduction("np.min", nonEmpty("np.min", lax.reduceMin), (t) => t);

/**
 * Options of argmax/argmin: one axis (NumPy), or none for the flattened array.
 * @example np.argmax([[1, 5]], { axis: 1, keepdims: true }).shape // [1, 1]
 */
export interface ArgOpts {
  axis?: number;
  keepdims?: boolean;
}
const argOptions = options({ axis: orNull(axis()), keepdims: bool("keepdims") }, "axis");
/** argmax/argmin's public form: the options object, or the axis positionally (`np.argmax(x, -1)`). */
export type ArgReduction = (x: ArrayLike, axisOrOpts?: number | null | ArgOpts) => Tensor;

/**
 * Index (int32) of the first maximum along `axis`, or in the flattened array when no axis is given.
 * @example np.argmax([[1, 5], [7, 2]]) // Tensor(2, dtype=int32)
 * np.argmax([[1, 5], [7, 2]], { axis: 1 }) // Tensor([1, 0], dtype=int32)
 */
export const argmax: ArgReduction = guard("np.argmax", [array("x"), argOptions], (x: ArrayLike, o: ArgOpts) =>
  argReduce("np.argmax", lax.argmax, x, o),
);
/**
 * Index (int32) of the first minimum along `axis`, or in the flattened array when no axis is given.
 * @example np.argmin([3, 1, 1]) // Tensor(1, dtype=int32)
 */
export const argmin: ArgReduction = guard("np.argmin", [array("x"), argOptions], (x: ArrayLike, o: ArgOpts) =>
  argReduce("np.argmin", lax.argmin, x, o),
);

function argReduce(op: string, f: (x: Tensor, axis: number) => Tensor, x: ArrayLike, opts: ArgOpts): Tensor {
  const t = asTensor(x);
  const flat = opts.axis === undefined;
  const src = flat ? lax.reshape(t, [t.size]) : t;
  const axis = flat ? 0 : normalizeAxis(op, opts.axis!, t.ndim);
  if (src.shape[axis] === 0)
    throw new ShapeError(`${op}: attempt to get the ${op.slice(6)} of an empty axis (shape ${fmtShape(t.shape)})`);
  const r = f(src, axis);
  if (!opts.keepdims) return r;
  return lax.reshape(r, flat ? t.shape.map(() => 1) : t.shape.map((s, i) => (i === axis ? 1 : s)));
}

/**
 * Arithmetic mean over `axis` (all by default); integers give float32.
 * @example np.mean([[1, 2], [3, 4]], { axis: 1 }) // Tensor([1.5, 3.5], dtype=float32)
 */
export const mean: Reduction = guard("np.mean", [array("x"), reduceOptions], (x: ArrayLike, opts: ReduceOpts) => {
  const t0 = asTensor(x);
  const t = isFloat(t0.dtype) ? t0 : lax.convertElementType(t0, "float32");
  const axes = normalizeAxes("np.mean", opts.axis, t.ndim);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  const s = sum(t, opts);
  return lax.div(s, lax.fullLike(s, count));
});
