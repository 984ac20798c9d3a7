// Searching with NumPy's (jax.numpy's) semantics, composed from lax primitives: searchsorted (a binary search, so it
// works under jit and vmap), lexsort, and the functions whose output size depends on the values — nonzero, argwhere,
// flatnonzero, one-argument where and unique. Those take `{ size, fillValue }` as JAX: without `size` they read the
// values (so they run eagerly, and under grad), and under jit/vmap they throw a ConcretizationError asking for `size`.

import { isFloat } from "../core/dtype.js";
import { ConcretizationError, DTypeError, fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array as arrayParam, axis as axisParam, bool, choice, count, int, number } from "../core/params.js";
import { normalizeAxis, shapeEq } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { guard, isPlainObject, optional, options, type Param } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, promoted } from "./convert.js";
import { where as where3 } from "./elementwise.js";
import { indexTensor } from "./manipulation.js";

/** `{ size, fillValue }` of the functions whose output size depends on the values. */
export interface SizeOpts {
  /** The output length: padded with `fillValue`, or truncated. Required under jit and vmap. */
  size?: number;
  /** What pads the output past the true count (default 0). */
  fillValue?: number;
}
const sizeOptions = options({ size: count("size"), fillValue: int("fillValue") });

const i32 = (v: number, shape: readonly number[] = []): Tensor => lax.full(shape, v, "int32");
const isnan = (t: Tensor): Tensor => lax.ne(t, t);

/** The JS number behind a scalar tensor; under jit/vmap a ConcretizationError that says to pass `size`. */
function concreteCount(op: string, n: Tensor, fix: string): number {
  try {
    return Number(n._concrete(op).item());
  } catch (e) {
    if (e instanceof ConcretizationError)
      throw new ConcretizationError(
        `${op}: the size of the result depends on the values of its input, which are abstract here (under jit, ` +
          `vmap or another tracing transform); ${fix}.`,
      );
    throw e;
  }
}

/** `t != 0` (bool stays bool). */
const truthy = (t: Tensor): Tensor => (t.dtype === "bool" ? t : lax.ne(t, lax.zerosLike(t)));

/**
 * The flat int32 positions of the true entries of the 1-D bool `mask`, in order, as `size` entries: entries past the
 * true count hold `fill`. Also returns the count (an int32 scalar).
 */
function trueIndices(mask: Tensor, size: number, fill: number): [Tensor, Tensor] {
  const n = mask.shape[0]!;
  const cnt = lax.reduceSum(lax.convertElementType(mask, "int32"), [0]);
  let idx: Tensor;
  if (n === 0) idx = i32(fill, [size]);
  else {
    // a stable sort of "false first" keys brings the true positions to the front, in order
    const [, perm] = lax.sort([lax.not(mask), lax.iota("int32", [n], 0)], 0, true, 1);
    idx = size <= n ? lax.slice(perm!, [0], [size]) : lax.pad(perm!, i32(fill), [[0, size - n, 0]]);
  }
  const valid = lax.lt(lax.iota("int32", [size], 0), lax.broadcastInDim(cnt, [size], []));
  return [lax.select(valid, idx, i32(fill, [size])), cnt];
}

const SIZE_FIX = "pass { size } (the output length; fillValue pads it) to fix the output size";

/** The size: `size` when given, else the true count read from the values. */
function sizeOf(op: string, mask: Tensor, size: number | undefined): number {
  if (size !== undefined) return size;
  return concreteCount(op, lax.reduceSum(lax.convertElementType(mask, "int32"), [0]), SIZE_FIX);
}

/** The per-axis indices of the nonzero entries of `t` (at least 1-D). */
function nonzeroOf(op: string, t: Tensor, o: SizeOpts): Tensor[] {
  if (t.ndim === 0)
    throw new ShapeError(`${op}: a 0-d array has no axes to index; use np.atleast1d(x) first (as jax.numpy)`);
  const flatMask = lax.reshape(truthy(t), [t.size]);
  const size = sizeOf(op, flatMask, o.size);
  const fill = o.fillValue ?? 0;
  const [flat, cnt] = trueIndices(flatMask, size, 0);
  const valid = lax.lt(lax.iota("int32", [size], 0), lax.broadcastInDim(cnt, [size], []));
  const out: Tensor[] = [];
  let stride = t.size;
  for (const d of t.shape) {
    stride = d === 0 ? 0 : stride / d;
    const coord = d === 0 ? i32(0, [size]) : lax.rem(lax.div(flat, i32(stride, [size])), i32(d, [size]));
    out.push(lax.select(valid, coord, i32(fill, [size])));
  }
  return out;
}

/**
 * The indices of the nonzero entries of `a`, one int32 array per axis (NumPy's tuple). Without `size` the count is
 * read from the values (not possible under jit/vmap: pass `size`); with it the arrays are padded with `fillValue`
 * (default 0) or truncated.
 * @example np.nonzero([[0, 1], [2, 0]]).map((t) => t.toArray()) // [[0, 1], [1, 0]]
 * np.nonzero([0, 3, 0], { size: 2, fillValue: -1 })[0] // Tensor([1, -1], dtype=int32)
 */
export const nonzero: (a: ArrayLike, opts?: SizeOpts) => Tensor[] = guard(
  "np.nonzero",
  [arrayParam("a"), sizeOptions],
  (a: ArrayLike, o: SizeOpts) => nonzeroOf("np.nonzero", asTensor(a), o),
);

/**
 * The indices of the nonzero entries of `a` as rows of an int32 [count, ndim] array; `{ size, fillValue }` as
 * np.nonzero.
 * @example np.argwhere([[0, 1], [2, 0]]).toArray() // [[0, 1], [1, 0]]
 */
export const argwhere: (a: ArrayLike, opts?: SizeOpts) => Tensor = guard(
  "np.argwhere",
  [arrayParam("a"), sizeOptions],
  (a: ArrayLike, o: SizeOpts) => {
    const t = asTensor(a);
    const cols = nonzeroOf("np.argwhere", t.ndim === 0 ? lax.reshape(t, [1]) : t, o);
    const rows = cols[0]!.shape[0]!;
    if (t.ndim === 0) return lax.full([rows, 0], 0, "int32");
    return lax.concatenate(
      cols.map((c) => lax.reshape(c, [rows, 1])),
      1,
    );
  },
);

/**
 * The indices of the nonzero entries of the flattened `a` (int32); `{ size, fillValue }` as np.nonzero.
 * @example np.flatnonzero([[0, 1], [2, 0]]) // Tensor([1, 2], dtype=int32)
 */
export const flatnonzero: (a: ArrayLike, opts?: SizeOpts) => Tensor = guard(
  "np.flatnonzero",
  [arrayParam("a"), sizeOptions],
  (a: ArrayLike, o: SizeOpts) => {
    const t = asTensor(a);
    return nonzeroOf("np.flatnonzero", lax.reshape(t, [t.size]), o)[0]!;
  },
);

/** np.where's second slot: `x` (an array), or the options of the one-argument form. */
const xOrOptions: Param<unknown> = {
  ...arrayParam("x"),
  check: (v, at) => (isPlainObject(v) ? sizeOptions.check(v, at) : arrayParam("x").check(v, at)),
};

/** np.where: three arguments choose elementwise; one argument (with options) is np.nonzero. */
export interface WhereFn {
  (cond: ArrayLike, x: ArrayLike, y: ArrayLike): Tensor;
  (cond: ArrayLike, opts?: SizeOpts): Tensor[];
}

/**
 * `where(cond, x, y)`: `cond ? x : y` elementwise, broadcasting all three (see the three-argument form);
 * `where(cond, { size, fillValue })`: np.nonzero(cond), as NumPy's one-argument where.
 * @example np.where([0, 2, 3])[0] // Tensor([1, 2], dtype=int32)
 * np.where(np.greater([-1, 2], 0), [-1, 2], 0) // Tensor([0, 2], dtype=float32)
 */
export const where: WhereFn = guard(
  "np.where",
  [arrayParam("cond"), optional(xOrOptions), optional(arrayParam("y"))],
  (cond: ArrayLike, x: unknown, y: ArrayLike | undefined) => {
    if (y === undefined && (x === undefined || isPlainObject(x)))
      return nonzeroOf("np.where", asTensor(cond), (x ?? {}) as SizeOpts);
    if (y === undefined || isPlainObject(x))
      throw new TracegradError(
        "np.where: pass both x and y (where(cond, x, y)), or neither (where(cond, { size, fillValue }) is np.nonzero)",
      );
    return where3(cond, x as ArrayLike, y);
  },
);

/** x < y in sort order: NaN after everything (and equal to NaN), −0 equal to +0. */
function lessTotal(x: Tensor, y: Tensor): Tensor {
  if (!isFloat(x.dtype)) return lax.lt(x, y);
  return lax.or(lax.lt(x, y), lax.and(lax.not(isnan(x)), isnan(y)));
}

/** Options of np.searchsorted. */
export interface SearchsortedOpts {
  /** "left": the first position where `v` fits (a[i-1] < v ≤ a[i]); "right": the last (a[i-1] ≤ v < a[i]). */
  side?: "left" | "right";
  /** int indices that sort `a` (as np.argsort(a)), when `a` itself is not sorted. */
  sorter?: ArrayLike;
  /**
   * How, as JAX's (the results are the same): `"scan"` (the default) and `"scan_unrolled"` a binary search of
   * ⌈log₂(n + 1)⌉ gathers; `"compare_all"` counts the elements of `a` below each value (n·m comparisons, the fastest
   * for short `a`); `"sort"` sorts `a` and `v` together (n + m log(n + m), for many values).
   */
  method?: "scan" | "scan_unrolled" | "sort" | "compare_all";
}

/** Binary search: lo ends at the first position whose element is not left of v. */
function binarySearch(sa: Tensor, sv: Tensor, side: "left" | "right"): Tensor {
  const n = sa.shape[0]!;
  const shape = sv.shape;
  let lo = i32(0, shape);
  if (n === 0) return lo;
  let hi = i32(n, shape);
  const one = i32(1, shape);
  const last = i32(n - 1, shape);
  for (let k = n; k > 0; k >>= 1) {
    const mid = lax.div(lax.add(lo, hi), i32(2, shape));
    const x = lax.gather(sa, lax.min(mid, last), 0);
    // right of mid when a[mid] < v ("left"), or a[mid] ≤ v, i.e. not v < a[mid] ("right")
    const right = side === "right" ? lax.not(lessTotal(sv, x)) : lessTotal(x, sv);
    const active = lax.lt(lo, hi);
    lo = lax.select(lax.and(active, right), lax.add(mid, one), lo);
    hi = lax.select(lax.and(active, lax.not(right)), mid, hi);
  }
  return lo;
}

/** The count of elements of `a` left of each value: a comparison of every pair, summed. */
function compareAll(sa: Tensor, sv: Tensor, side: "left" | "right"): Tensor {
  const n = sa.shape[0]!;
  const m = sv.shape.length;
  const shape = [...sv.shape, n];
  const A = lax.broadcastInDim(sa, shape, [m]);
  const V = lax.broadcastInDim(
    sv,
    shape,
    Array.from({ length: m }, (_, i) => i),
  );
  const left = side === "right" ? lax.not(lessTotal(V, A)) : lessTotal(A, V);
  return lax.reduceSum(lax.convertElementType(left, "int32"), [m]);
}

/**
 * Sorts `a` and `v` together, values before equal elements of `a` ("left") or after them ("right"); a value's
 * position is then the count of elements of `a` sorted before it.
 */
function viaSort(sa: Tensor, sv: Tensor, side: "left" | "right"): Tensor {
  const n = sa.shape[0]!;
  const m = sv.size;
  const flat = lax.reshape(sv, [m]);
  const keys = lax.concatenate([flat, sa], 0);
  // the tie-break key: 0 goes first
  const isA = lax.concatenate([lax.full([m], 0, "int32"), lax.full([n], 1, "int32")], 0);
  const tie = side === "left" ? isA : lax.sub(lax.full([m + n], 1, "int32"), isA);
  const [, , sortedIsA, from] = lax.sort([keys, tie, isA, lax.iota("int32", [m + n], 0)], 0, true, 2);
  const before = lax.sub(lax.cumsum(sortedIsA!, 0), sortedIsA!);
  // where each original element went: the inverse permutation of `from`
  const [, inv] = lax.sort([from!, lax.iota("int32", [m + n], 0)], 0, true, 1);
  return lax.reshape(lax.gather(before, lax.slice(inv!, [0], [m]), 0), sv.shape);
}

/**
 * Where each element of `v` would be inserted into the sorted 1-D `a` to keep it sorted (int32, the shape of `v`);
 * NaN sorts last, as NumPy. By default a binary search of ⌈log₂(n + 1)⌉ steps (see `method`); under jit and vmap.
 * @example np.searchsorted([1, 2, 2, 3], [2, 5]) // Tensor([1, 4], dtype=int32)
 * np.searchsorted([1, 2, 2, 3], 2, { side: "right" }) // Tensor(3, dtype=int32)
 */
export const searchsorted: (a: ArrayLike, v: ArrayLike, opts?: SearchsortedOpts) => Tensor = guard(
  "np.searchsorted",
  [
    arrayParam("a"),
    arrayParam("v"),
    options({
      side: choice("side", ["left", "right"] as const),
      sorter: arrayParam("sorter"),
      method: choice("method", ["scan", "scan_unrolled", "sort", "compare_all"] as const),
    }),
  ],
  (a: ArrayLike, v: ArrayLike, o: SearchsortedOpts) => {
    let [sa, sv] = promoted([a, v], "np.searchsorted");
    if (sa!.ndim !== 1) throw new ShapeError(`np.searchsorted: a must be 1-D, got shape ${fmtShape(sa!.shape)}`);
    const n = sa!.shape[0]!;
    if (o.sorter !== undefined) {
      const s = o.sorter instanceof Tensor ? o.sorter : indexTensor("np.searchsorted", o.sorter);
      if (isFloat(s.dtype) || s.dtype === "bool")
        throw new DTypeError(`np.searchsorted: sorter must be integer indices, got ${s.dtype}`);
      if (!shapeEq(s.shape, [n]))
        throw new ShapeError(`np.searchsorted: sorter has shape ${fmtShape(s.shape)}; it must match a's [${n}]`);
      if (n > 0) sa = lax.gather(sa!, lax.convertElementType(s, "int32"), 0);
    }
    if (sa!.dtype === "bool") [sa, sv] = [lax.convertElementType(sa!, "int32"), lax.convertElementType(sv!, "int32")];
    const side = o.side ?? "left";
    if (n === 0 || sv!.size === 0) return i32(0, sv!.shape);
    if (o.method === "compare_all") return compareAll(sa!, sv!, side);
    if (o.method === "sort") return viaSort(sa!, sv!, side);
    return binarySearch(sa!, sv!, side);
  },
);

/**
 * The int32 indices that sort by several keys: the last key is the primary one, ties broken by the one before, and
 * so on (stable). `keys` is a list of arrays of one shape, or an array whose first axis runs over the keys (a 1-D
 * array is one key); `axis` (default −1) is the axis sorted along.
 * @example np.lexsort([[1, 0, 1], [0, 0, 1]]) // Tensor([1, 0, 2], dtype=int32)
 */
export const lexsort: (keys: ArrayLike | readonly ArrayLike[], axis?: number | { axis?: number }) => Tensor = guard(
  "np.lexsort",
  [arrayParam("keys"), options({ axis: axisParam() }, "axis")],
  (keys: ArrayLike | readonly ArrayLike[], o: { axis?: number }) => {
    let ks: Tensor[];
    if (Array.isArray(keys) && keys.some((k) => k instanceof Tensor)) ks = keys.map((k) => asTensor(k));
    else {
      const t = asTensor(keys as ArrayLike);
      if (t.ndim === 0) throw new ShapeError("np.lexsort: keys must be at least 1-D");
      ks =
        t.ndim === 1
          ? [t]
          : Array.from({ length: t.shape[0]! }, (_, i) =>
              lax.reshape(
                lax.slice(
                  t,
                  t.shape.map((_, j) => (j === 0 ? i : 0)),
                  t.shape.map((s, j) => (j === 0 ? i + 1 : s)),
                ),
                t.shape.slice(1),
              ),
            );
    }
    if (ks.length === 0) throw new TracegradError("np.lexsort: needs at least one key");
    const shape = ks[0]!.shape;
    for (const k of ks)
      if (!shapeEq(k.shape, shape))
        throw new ShapeError(
          `np.lexsort: all keys must have one shape, got ${ks.map((u) => fmtShape(u.shape)).join(", ")}`,
        );
    const axis = normalizeAxis("np.lexsort", o.axis ?? -1, shape.length);
    const sorted = lax.sort([...ks.reverse(), lax.iota("int32", shape, axis)], axis, true, ks.length);
    return sorted[sorted.length - 1]!;
  },
);

/** Options of np.unique. */
export interface UniqueOpts {
  returnIndex?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  /** The unique slices along this axis (default: the unique elements of the flattened array). */
  axis?: number;
  /** NaNs count as one value (default true, as NumPy ≥ 1.24 and JAX). */
  equalNan?: boolean;
  /** The output length (required under jit/vmap): padded with `fillValue`, or truncated. */
  size?: number;
  /** Pads the values past the true count; default: the smallest value (as JAX). */
  fillValue?: number;
}

/**
 * The sorted distinct values of the flattened `ar` (NaN last; NaNs one value unless `equalNan: false`), or with
 * `axis` its distinct slices along that axis, in lexicographic order. With `returnIndex`, `returnInverse` or
 * `returnCounts` an array [values, index?, inverse?, counts?] as NumPy's tuple: first occurrences, the positions of
 * each input element (each slice, with `axis`) among the values (the shape of `ar`; `[ar.shape[axis]]` with `axis`),
 * and counts. With `size`, values are padded with `fillValue` (default: the smallest value), indices with that of
 * the smallest value, counts with 0.
 * @example np.unique([3, 1, 3, 2]) // Tensor([1, 2, 3], dtype=float32)
 * np.unique([3, 1, 3], { returnCounts: true })[1] // Tensor([1, 2], dtype=int32)
 * np.unique([[1, 2], [0, 5], [1, 2]], { axis: 0 }) // Tensor([[0, 5], [1, 2]], dtype=float32)
 */
export const unique: (ar: ArrayLike, opts?: UniqueOpts) => Tensor | Tensor[] = guard(
  "np.unique",
  [
    arrayParam("ar"),
    options({
      returnIndex: bool("returnIndex"),
      returnInverse: bool("returnInverse"),
      returnCounts: bool("returnCounts"),
      axis: axisParam(),
      equalNan: bool("equalNan"),
      size: count("size"),
      fillValue: number("fillValue"),
    }),
  ],
  (ar: ArrayLike, o: UniqueOpts) => {
    const t0 = asTensor(ar);
    // rows [n, m]: the elements (m = 1), or the slices along `axis` flattened
    let axis = 0;
    let rows: Tensor;
    let sliceShape: number[] = [];
    if (o.axis === undefined) rows = lax.reshape(t0, [t0.size, 1]);
    else {
      if (t0.ndim === 0) throw new ShapeError("np.unique: a 0-d array has no axis; leave out axis");
      axis = normalizeAxis("np.unique", o.axis, t0.ndim);
      const perm = [axis, ...t0.shape.map((_, i) => i).filter((i) => i !== axis)];
      const moved = lax.transpose(t0, perm);
      sliceShape = moved.shape.slice(1);
      rows = lax.reshape(moved, [moved.shape[0]!, sliceShape.reduce((p, d) => p * d, 1)]);
    }
    const [n, m] = rows.shape as [number, number];
    const iota = lax.iota("int32", [n], 0);
    // sort the rows lexicographically (the first column the primary key), stably
    const cols = Array.from({ length: m }, (_, j) => lax.reshape(lax.slice(rows, [0, j], [n, j + 1]), [n]));
    const sorted = m === 0 ? [iota] : lax.sort([...cols, iota], 0, true, m);
    const perm = sorted[sorted.length - 1]!;
    const aux = m === 0 ? rows : lax.gather(rows, perm, 0);
    let mask: Tensor;
    if (n === 0) mask = lax.full([0], false, "bool");
    else {
      const prev = lax.slice(aux, [0, 0], [n - 1, m]);
      const next = lax.slice(aux, [1, 0], [n, m]);
      let differs = lax.ne(next, prev);
      if (isFloat(aux.dtype) && (o.equalNan ?? true))
        differs = lax.and(differs, lax.not(lax.and(isnan(next), isnan(prev))));
      const any = lax.gt(lax.reduceSum(lax.convertElementType(differs, "int32"), [1]), i32(0, [n - 1]));
      mask = lax.concatenate([lax.full([1], true, "bool"), any], 0);
    }
    const size = sizeOf("np.unique", mask, o.size);
    const [ind, cnt] = trueIndices(mask, size, 0);
    const valid = lax.lt(lax.iota("int32", [size], 0), lax.broadcastInDim(cnt, [size], []));
    let values = n === 0 ? lax.full([size, m], o.fillValue ?? 0, aux.dtype) : lax.gather(aux, ind, 0);
    if (o.fillValue !== undefined && n > 0)
      values = lax.select(
        lax.broadcastInDim(valid, [size, m], [0]),
        values,
        lax.full([size, m], o.fillValue, aux.dtype),
      );
    if (o.axis === undefined) values = lax.reshape(values, [size]);
    else {
      values = lax.reshape(values, [size, ...sliceShape]);
      // the unique axis back in its place
      const back = t0.shape.map((_, i) => (i === axis ? 0 : i < axis ? i + 1 : i));
      values = lax.transpose(values, back);
    }
    if (!(o.returnIndex || o.returnInverse || o.returnCounts)) return values;
    const out = [values];
    if (o.returnIndex) out.push(n === 0 ? i32(0, [size]) : lax.gather(perm, ind, 0));
    if (o.returnInverse) {
      const shape = o.axis === undefined ? t0.shape : [n];
      if (n === 0) out.push(lax.full(shape, 0, "int32"));
      else {
        const group = lax.sub(lax.cumsum(lax.convertElementType(mask, "int32"), 0), i32(1, [n]));
        // the inverse permutation of perm, by sorting it
        const [, inv] = lax.sort([perm, iota], 0, true, 1);
        out.push(lax.reshape(lax.gather(group, inv!, 0), shape));
      }
    }
    if (o.returnCounts) {
      const [starts] = trueIndices(mask, size + 1, n);
      out.push(lax.sub(lax.slice(starts, [1], [size + 1]), lax.slice(starts, [0], [size])));
    }
    return out;
  },
);
