// Shape functions: reshape (with −1), transpose, expandDims, squeeze, concatenate, stack, astype.
import type { DType } from "../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import {
  array as arrayParam,
  arrays,
  axes,
  axis as axisParam,
  dtype as dtypeParam,
  ints,
  newShape,
} from "../core/params.js";
import type { ShapeLike } from "../core/shape.js";
import { normalizeAxes, normalizeAxis, sizeOf } from "../core/shape.js";
import type { ArrayLike } from "../core/tensor.js";
import { Tensor } from "../core/tensor.js";
import { guard, nullable, options, orNull } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { array, asTensor, promoted } from "./convert.js";

import { index } from "./indexing.js";

/** An optional axis option. */
export interface AxisOpt {
  axis?: number | readonly number[];
}

/**
 * The same elements (row-major) under a new shape; one entry may be −1 (inferred).
 * @example np.reshape(np.arange(6), [3, -1]).shape // [3, 2]
 */
export const reshape: (x: ArrayLike, shape: ShapeLike) => Tensor = guard(
  "np.reshape",
  [arrayParam("x"), newShape()],
  (x: ArrayLike, shape: number[]) => reshapeTo(x, shape),
);
function reshapeTo(x: ArrayLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new ShapeError(`np.reshape: only one dimension may be −1, got ${fmtShape(shape)}`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (holes === 1 && known === 0)
    throw new ShapeError(
      `np.reshape: cannot infer the −1 in ${fmtShape(shape)}: the other dimensions multiply to 0; give every ` +
        `dimension explicitly`,
    );
  const filled = shape.map((d) => (d === -1 ? t.size / known : d));
  if (sizeOf(filled) !== t.size || filled.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(
      `np.reshape: cannot reshape an array of shape ${fmtShape(t.shape)} (${t.size} elements) into shape ` +
        `${fmtShape(shape)}; the new dimensions must multiply to ${t.size} (one may be −1 to infer it)`,
    );
  }
  return lax.reshape(t, filled);
}

/**
 * Permutes axes: result axis i is axis `axes[i]` (reverses them by default).
 * @example np.transpose(np.zeros([2, 3, 4]), [1, 0, 2]).shape // [3, 2, 4]
 */
export const transpose: (
  x: ArrayLike,
  axes?: readonly number[] | null | { axes?: readonly number[] | null },
) => Tensor = guard(
  "np.transpose",
  [arrayParam("x"), options({ axes: orNull(ints("axes")) }, "axes")],
  (x: ArrayLike, o: { axes?: number[] }) => permute(x, o.axes),
);
function permute(x: ArrayLike, axes?: readonly number[]): Tensor {
  const t = asTensor(x);
  const perm = axes ? axes.map((a) => normalizeAxis("np.transpose", a, t.ndim)) : t.shape.map((_, i) => t.ndim - 1 - i);
  if (perm.length !== t.ndim || new Set(perm).size !== perm.length) {
    throw new ShapeError(
      `np.transpose: axes (${axes?.join(", ")}) are not a permutation of the ${t.ndim} axes of shape ` +
        `${fmtShape(t.shape)}`,
    );
  }
  return lax.transpose(t, perm);
}

/**
 * Inserts an axis of size 1 at `axis` (negative counts from the end of the result).
 * @example np.expandDims([1, 2], -1).shape // [2, 1]
 */
export const expandDims: (x: ArrayLike, axis: number) => Tensor = guard(
  "np.expandDims",
  [arrayParam("x"), axisParam()],
  (x: ArrayLike, axis: number) => {
    const t = asTensor(x);
    const a = normalizeAxis("np.expandDims", axis, t.ndim + 1);
    return lax.reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)]);
  },
);

/**
 * Removes axes of size 1 (all of them, or those named; naming a larger axis is a ShapeError).
 * @example np.squeeze(np.zeros([1, 2, 1]), 0).shape // [2, 1]
 */
export const squeeze: (x: ArrayLike, axis?: number | readonly number[] | null | AxisOpt) => Tensor = guard(
  "np.squeeze",
  [arrayParam("x"), options({ axis: orNull(axes()) }, "axis")],
  (x: ArrayLike, o: AxisOpt) => squeezeAxes(x, o.axis),
);
function squeezeAxes(x: ArrayLike, axis?: number | readonly number[]): Tensor {
  const t = asTensor(x);
  const axes =
    axis === undefined ? t.shape.flatMap((s, i) => (s === 1 ? [i] : [])) : normalizeAxes("np.squeeze", axis, t.ndim);
  for (const a of axes) {
    if (t.shape[a] !== 1)
      throw new ShapeError(`np.squeeze: axis ${a} of shape ${fmtShape(t.shape)} has size ${t.shape[a]}, not 1`);
  }
  return lax.reshape(
    t,
    t.shape.filter((_, i) => !axes.includes(i)),
  );
}

/**
 * Joins tensors along an existing axis (default 0), promoting dtypes.
 * @example np.concatenate([[1, 2], [3]]) // Tensor([1, 2, 3], dtype=float32)
 */
export const concatenate: (xs: readonly ArrayLike[], axis?: number | null | { axis?: number | null }) => Tensor = guard(
  "np.concatenate",
  [arrays("xs"), options({ axis: nullable(axisParam()) }, "axis")],
  (xs: ArrayLike[], o: { axis?: number | null }) => join(xs, o.axis === undefined ? 0 : o.axis),
);
/** Joins along `axis`; null joins the flattened arrays, as NumPy. */
function join(xs: readonly ArrayLike[], axis: number | null): Tensor {
  if (axis === null)
    return join(
      promoted(xs).map((t) => lax.reshape(t, [t.size])),
      0,
    );
  const ts = promoted(xs);
  const nd = ts[0]!.ndim;
  if (nd === 0) throw new ShapeError("np.concatenate: zero-dimensional arrays cannot be concatenated; use np.stack");
  const a = normalizeAxis("np.concatenate", axis, nd);
  for (const t of ts) {
    if (t.ndim !== nd || t.shape.some((s, i) => i !== a && s !== ts[0]!.shape[i])) {
      throw new ShapeError(
        `np.concatenate: shapes ${ts.map((u) => fmtShape(u.shape)).join(", ")} must match except along axis ${a}`,
      );
    }
  }
  return lax.concatenate(ts, a);
}

/**
 * Joins tensors of one shape along a new axis (default 0).
 * @example np.stack([[1, 2], [3, 4]], 1).toArray() // [[1, 3], [2, 4]]
 */
export const stack: (xs: readonly ArrayLike[], axis?: number | { axis?: number }) => Tensor = guard(
  "np.stack",
  [arrays("xs"), options({ axis: axisParam() }, "axis")],
  (xs: ArrayLike[], o: { axis?: number }) => stackAlong(xs, o.axis ?? 0),
);
function stackAlong(xs: readonly ArrayLike[], axis: number): Tensor {
  const ts = promoted(xs);
  const s = ts[0]!.shape;
  for (const t of ts) {
    if (t.ndim !== s.length || t.shape.some((d, i) => d !== s[i]))
      throw new ShapeError(
        `np.stack: all arrays must have one shape, got ${ts.map((u) => fmtShape(u.shape)).join(", ")}`,
      );
  }
  const a = normalizeAxis("np.stack", axis, s.length + 1);
  return lax.concatenate(
    ts.map((t) => expandDims(t, a)),
    a,
  );
}

/**
 * Elements at `indices` along `axis` (of the flattened array when no axis is given); negative indices
 * count from the end, and an index out of range throws naming it and the axis size.
 * @example np.take(np.array([10, 20, 30]), [2, 0]) // Tensor([30, 10], dtype=float32)
 * np.take([[1, 2], [3, 4]], [-1], { axis: 1 }).toArray() // [[2], [4]]
 */
export const take: (x: ArrayLike, indices: ArrayLike, axis?: number | null | { axis?: number | null }) => Tensor =
  guard(
    "np.take",
    [arrayParam("x"), arrayParam("indices"), options({ axis: orNull(axisParam()) }, "axis")],
    (x: ArrayLike, indices: ArrayLike, opts: { axis?: number }) => takeAlong(x, indices, opts),
  );
function takeAlong(x: ArrayLike, indices: ArrayLike, opts: { axis?: number }): Tensor {
  const t = asTensor(x);
  const idx = indexTensor("np.take", indices);
  if (opts.axis === undefined) return lax.gather(lax.reshape(t, [t.size]), idx, 0);
  return lax.gather(t, idx, normalizeAxis("np.take", opts.axis, t.ndim));
}

/** Integer indices as int32: JS numbers must be whole; tensors must already be int32. */
export function indexTensor(op: string, indices: ArrayLike): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== "int32")
      throw new TracegradError(`${op}: indices must be int32, got ${indices.dtype}; convert with astype("int32")`);
    return indices;
  }
  const f = array(indices, { dtype: "float64" });
  for (const v of f.toTypedArray()) {
    if (!Number.isInteger(v)) throw new TracegradError(`${op}: index ${v} is not a whole number`);
    if (Math.abs(v) > 2147483647)
      throw new TracegradError(`${op}: index ${v} is out of bounds (beyond the int32 range of any axis)`);
  }
  return lax.convertElementType(f, "int32");
}

/**
 * The box `starts` ≤ i < `ends` per axis (Python conventions: negative counts from the end, out-of-range
 * bounds clamp; missing trailing axes are whole).
 * @example np.slice(np.arange(10).reshape([2, 5]), [0, 1], [1, -1]).toArray() // [[1, 2, 3]]
 */
export const slice: (x: ArrayLike, starts: readonly number[], ends: readonly number[]) => Tensor = guard(
  "np.slice",
  [arrayParam("x"), ints("starts"), ints("ends")],
  (x: ArrayLike, starts: number[], ends: number[]) => box(x, starts, ends),
);
function box(x: ArrayLike, starts: readonly number[], ends: readonly number[]): Tensor {
  const t = asTensor(x);
  if (starts.length !== ends.length || starts.length > t.ndim) {
    throw new ShapeError(
      `np.slice: starts (${starts.length}) and ends (${ends.length}) need one entry per leading axis of shape ` +
        `${fmtShape(t.shape)}`,
    );
  }
  return index(t, ...starts.map((s, i) => [s, ends[i]!]));
}

/**
 * Converts dtype (float → int32 truncates toward zero; float → float is differentiable).
 * @example np.astype([1.9, -1.9], "int32") // Tensor([1, -1], dtype=int32)
 */
export const astype: (x: ArrayLike, dtype: DType) => Tensor = guard(
  "np.astype",
  [arrayParam("x"), dtypeParam()],
  (x: ArrayLike, dtype: DType) => lax.convertElementType(asTensor(x), dtype),
);
