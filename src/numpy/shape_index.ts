// NumPy's triangle and diagonal functions, grids, along-axis indexing, and insert/delete/append, composed of the
// structural primitives (gather, scatter_add, select, slice, concatenate, transpose, broadcast_in_dim).
import type { DType } from "../core/dtype.js";
import { fmtShape, ShapeError } from "../core/errors.js";
import { array as arrayParam, axis as axisParam, bool, choice, count, dtype, int, shape } from "../core/params.js";
import { broadcastShapes, normalizeAxis, shapeEq } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, isPlainObject, nullable, optional, options, orNull, rest } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { checkedIndex } from "../primitives/structure/gather_and_scatter.js";
import { moveAxis } from "../primitives/structure/transpose.js";
import { asTensor } from "./convert.js";
import { indexTensor } from "./manipulation.js";
import { checkSize, gatherAt, intOrInts, joinAlong, sliceAxis } from "./shape.js";

// ───────────────────────────── triangles and diagonals ─────────────────────────────

/** [rows, cols] booleans: whether col − row `cmp` k. */
function diagMask(rows: number, cols: number, k: number, cmp: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const d = lax.sub(lax.iota("int32", [rows, cols], 1), lax.iota("int32", [rows, cols], 0));
  return cmp(d, lax.full([rows, cols], k, "int32"));
}

/** Keeps the elements of the last two axes where the mask holds, zeros elsewhere. */
function masked(op: string, m: ArrayLike, k: number, cmp: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const t = asTensor(m);
  if (t.ndim < 2) throw new ShapeError(`${op}: needs an array of at least 2 dimensions, got ${fmtShape(t.shape)}`);
  const nd = t.ndim;
  const mask = lax.broadcastInDim(diagMask(t.shape[nd - 2]!, t.shape[nd - 1]!, k, cmp), t.shape, [nd - 2, nd - 1]);
  return lax.select(mask, t, lax.zerosLike(t));
}

const kOption = options({ k: int("k") }, "k");
/**
 * The upper triangle of the last two axes: elements on and above diagonal `k` (others zero).
 * @example np.triu([[1, 2], [3, 4]]).toArray() // [[1, 2], [0, 4]]
 */
export const triu: (m: ArrayLike, k?: number | { k?: number }) => Tensor = guard(
  "np.triu",
  [arrayParam("m"), kOption],
  (m: ArrayLike, o: { k?: number }) => masked("np.triu", m, o.k ?? 0, lax.ge),
);
/**
 * The lower triangle of the last two axes: elements on and below diagonal `k` (others zero).
 * @example np.tril([[1, 2], [3, 4]]).toArray() // [[1, 0], [3, 4]]
 */
export const tril: (m: ArrayLike, k?: number | { k?: number }) => Tensor = guard(
  "np.tril",
  [arrayParam("m"), kOption],
  (m: ArrayLike, o: { k?: number }) => masked("np.tril", m, o.k ?? 0, lax.le),
);

/**
 * An [N, M] array (M = N by default) of ones on and below diagonal `k`, zeros above.
 * @example np.tri(2, 3, 1).toArray() // [[1, 1, 0], [1, 1, 1]]
 */
export const tri: (N: number, M?: number | null, k?: number, dtype?: DType | { dtype?: DType }) => Tensor = guard(
  "np.tri",
  [count("N"), optional(orNull(count("M"))), optional(int("k")), options({ dtype: dtype() }, "dtype")],
  (N: number, M: number | undefined, k: number | undefined, o: { dtype?: DType }) => {
    const cols = M ?? N;
    checkSize("np.tri", [N, cols]);
    return lax.convertElementType(diagMask(N, cols, k ?? 0, lax.le), o.dtype ?? "float32");
  },
);

export interface DiagonalOpts {
  offset?: number;
  axis1?: number;
  axis2?: number;
}
function diagonalOf(op: string, x: ArrayLike, o: DiagonalOpts): Tensor {
  const t = asTensor(x);
  if (t.ndim < 2) throw new ShapeError(`${op}: needs an array of at least 2 dimensions, got ${fmtShape(t.shape)}`);
  const a1 = normalizeAxis(op, o.axis1 ?? 0, t.ndim);
  const a2 = normalizeAxis(op, o.axis2 ?? 1, t.ndim);
  if (a1 === a2) throw new ShapeError(`${op}: axis1 and axis2 must differ, both are ${a1}`);
  const off = o.offset ?? 0;
  const others = t.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
  const [n1, n2] = [t.shape[a1]!, t.shape[a2]!];
  const len = Math.max(0, off >= 0 ? Math.min(n1, n2 - off) : Math.min(n1 + off, n2));
  const flat = lax.reshape(lax.transpose(t, [...others, a1, a2]), [...others.map((i) => t.shape[i]!), n1 * n2]);
  const idx = Array.from({ length: len }, (_, i) => (off >= 0 ? i * n2 + i + off : (i - off) * n2 + i));
  return gatherAt(flat, idx, others.length);
}
const diagonalOptions = options(
  { offset: int("offset"), axis1: axisParam("axis1"), axis2: axisParam("axis2") },
  "offset",
);

/**
 * The diagonal `offset` of the plane (axis1, axis2) (defaults 0, 0, 1), as the last axis of the result.
 * @example np.diagonal([[1, 2], [3, 4]]) // Tensor([1, 4], dtype=float32)
 */
export const diagonal: (a: ArrayLike, offset?: number | DiagonalOpts) => Tensor = guard(
  "np.diagonal",
  [arrayParam("a"), diagonalOptions],
  (a: ArrayLike, o: DiagonalOpts) => diagonalOf("np.diagonal", a, o),
);
/**
 * The sum along a diagonal (`diagonal`'s options); bool counts as int32.
 * @example np.trace([[1, 2], [3, 4]]) // Tensor(5, dtype=float32)
 */
export const trace: (a: ArrayLike, offset?: number | DiagonalOpts) => Tensor = guard(
  "np.trace",
  [arrayParam("a"), diagonalOptions],
  (a: ArrayLike, o: DiagonalOpts) => {
    let d = diagonalOf("np.trace", a, o);
    if (d.dtype === "bool") d = lax.convertElementType(d, "int32");
    return lax.reduceSum(d, [d.ndim - 1]);
  },
);

function diagOf(op: string, v: Tensor, k: number): Tensor {
  if (v.ndim === 2) return diagonalOf(op, v, { offset: k });
  if (v.ndim !== 1) throw new ShapeError(`${op}: needs a 1-D or 2-D array, got ${fmtShape(v.shape)}`);
  const n = v.shape[0]!;
  const N = n + Math.abs(k);
  checkSize(op, [N, N]);
  const vp = lax.pad(v, lax.scalar(0, v.dtype), [[0, N - n, 0]]);
  const b = lax.broadcastInDim(vp, [N, N], [k >= 0 ? 0 : 1]);
  return lax.select(diagMask(N, N, k, lax.eq), b, lax.zerosLike(b));
}
/**
 * A 1-D array: the 2-D array with it on diagonal `k`; a 2-D array: its diagonal `k`.
 * @example np.diag([1, 2]).toArray() // [[1, 0], [0, 2]]
 */
export const diag: (v: ArrayLike, k?: number | { k?: number }) => Tensor = guard(
  "np.diag",
  [arrayParam("v"), kOption],
  (v: ArrayLike, o: { k?: number }) => diagOf("np.diag", asTensor(v), o.k ?? 0),
);
/**
 * The flattened input on diagonal `k` of a 2-D array.
 * @example np.diagflat([[1, 2]]).shape // [2, 2]
 */
export const diagflat: (v: ArrayLike, k?: number | { k?: number }) => Tensor = guard(
  "np.diagflat",
  [arrayParam("v"), kOption],
  (v: ArrayLike, o: { k?: number }) => {
    const t = asTensor(v);
    return diagOf("np.diagflat", lax.reshape(t, [t.size]), o.k ?? 0);
  },
);

/**
 * Swaps the last two axes (needs at least 2 dimensions).
 * @example np.matrixTranspose(np.zeros([5, 2, 3])).shape // [5, 3, 2]
 */
export const matrixTranspose: (x: ArrayLike) => Tensor = guard(
  "np.matrixTranspose",
  [arrayParam("x")],
  (x: ArrayLike) => {
    const t = asTensor(x);
    if (t.ndim < 2)
      throw new ShapeError(`np.matrixTranspose: needs an array of at least 2 dimensions, got ${fmtShape(t.shape)}`);
    const perm = t.shape.map((_, i) => i);
    perm[t.ndim - 2] = t.ndim - 1;
    perm[t.ndim - 1] = t.ndim - 2;
    return lax.transpose(t, perm);
  },
);

// ───────────────────────────── grids ─────────────────────────────

export interface MeshgridOpts {
  indexing?: "xy" | "ij";
  sparse?: boolean;
}
/**
 * Coordinate arrays from 1-D coordinate vectors (flattened if not 1-D). `indexing` "xy" (default) swaps the first two
 * output axes (Cartesian), "ij" does not; `sparse` keeps size-1 axes instead of broadcasting. Options come last.
 * @example np.meshgrid([1, 2, 3], [4, 5]).map((t) => t.shape) // [[2, 3], [2, 3]]
 */
export const meshgrid: (...args: (ArrayLike | MeshgridOpts)[]) => Tensor[] = guard(
  "np.meshgrid",
  [options({ indexing: choice("indexing", ["xy", "ij"] as const), sparse: bool("sparse") }), rest(arrayParam("xi"))],
  (o: MeshgridOpts, ...xi: ArrayLike[]) => {
    const ts = xi.map((x) => {
      const t = asTensor(x);
      return lax.reshape(t, [t.size]);
    });
    const swap = (o.indexing ?? "xy") === "xy" && ts.length >= 2;
    const dimOf = (i: number) => (swap && i < 2 ? 1 - i : i);
    const out = ts.map((_, i) => ts[dimOf(i)]!.size);
    checkSize("np.meshgrid", out);
    return ts.map((t, i) =>
      o.sparse
        ? lax.reshape(
            t,
            out.map((s, d) => (d === dimOf(i) ? s : 1)),
          )
        : lax.broadcastInDim(t, out, [dimOf(i)]),
    );
  },
  // the options object comes last, as NumPy's keyword arguments; the signature has it first
  (args) =>
    args.length > 0 && isPlainObject(args[args.length - 1])
      ? [args[args.length - 1], ...args.slice(0, -1)]
      : [undefined, ...args],
);

export interface IndicesOpts {
  dtype?: DType;
  sparse?: boolean;
}
/** Dense: one array [n, ...dimensions]; sparse: a list of n arrays, each varying along one axis. */
export interface IndicesFn {
  (dimensions: readonly number[], opts?: DType | { dtype?: DType; sparse?: false }): Tensor;
  (dimensions: readonly number[], opts: { dtype?: DType; sparse: true }): Tensor[];
}
/**
 * The grid of indices of an array of `dimensions` (int32 by default): result[i] varies along axis i.
 * @example np.indices([2, 3]).shape // [2, 2, 3]
 */
export const indices: IndicesFn = guard(
  "np.indices",
  [shape("dimensions"), options({ dtype: dtype(), sparse: bool("sparse") }, "dtype")],
  (dims: number[], o: IndicesOpts) => {
    const dt = o.dtype ?? "int32";
    if (o.sparse)
      return dims.map((n, i) =>
        lax.reshape(
          lax.iota(dt, [n], 0),
          dims.map((d, j) => (j === i ? d : 1)),
        ),
      );
    checkSize("np.indices", [dims.length, ...dims]);
    if (dims.length === 0) return lax.zeros([0], dt);
    return lax.concatenate(
      dims.map((_, i) => lax.reshape(lax.iota(dt, dims, i), [1, ...dims])),
      0,
    );
  },
);

/**
 * The arrays broadcast to their common shape (dtypes kept).
 * @example np.broadcastArrays([1, 2], [[3], [4]]).map((t) => t.shape) // [[2, 2], [2, 2]]
 */
export const broadcastArrays: (...args: ArrayLike[]) => Tensor[] = guard(
  "np.broadcastArrays",
  [rest(arrayParam("args"))],
  (...args: ArrayLike[]) => {
    const ts = args.map((x) => asTensor(x));
    const out = broadcastShapes("np.broadcastArrays", ...ts.map((t) => t.shape));
    return ts.map((t) => broadcastTo(t, out));
  },
);

/** `t` broadcast (NumPy rules) to `out`, which the caller has checked. */
function broadcastTo(t: Tensor, out: readonly number[]): Tensor {
  if (shapeEq(t.shape, out)) return t;
  return lax.broadcastInDim(
    t,
    out,
    t.shape.map((_, i) => out.length - t.ndim + i),
  );
}

// ───────────────────────────── along an axis ─────────────────────────────

/** arr and indices with `axis` moved last and the other axes broadcast to `lead` (shared by take/put). */
function alongAxis(op: string, arr: Tensor, idx: Tensor, axis: number, leadFixed: boolean) {
  if (idx.ndim !== arr.ndim)
    throw new ShapeError(
      `${op}: indices ${fmtShape(idx.shape)} must have the rank of the array ${fmtShape(arr.shape)}`,
    );
  const a = normalizeAxis(op, axis, arr.ndim);
  const x = moveAxis(arr, a, arr.ndim - 1);
  const i = moveAxis(idx, a, arr.ndim - 1);
  const lead = broadcastShapes(op, x.shape.slice(0, -1), i.shape.slice(0, -1));
  if (leadFixed && !shapeEq(lead, x.shape.slice(0, -1)))
    throw new ShapeError(`${op}: indices ${fmtShape(idx.shape)} do not fit the array ${fmtShape(arr.shape)}`);
  const n = x.shape[x.ndim - 1]!;
  const m = i.shape[i.ndim - 1]!;
  return { a, lead, x: broadcastTo(x, [...lead, n]), i: broadcastTo(i, [...lead, m]), n, m };
}

/**
 * `arr`'s elements at `indices` along `axis` (indices of the same rank; other axes broadcast); with a null axis,
 * of the flattened array (1-D indices). Negative indices count from the end.
 * @example np.takeAlongAxis([[10, 30], [40, 20]], np.array([[1], [0]], "int32"), 1).toArray() // [[30], [40]]
 */
export const takeAlongAxis: (arr: ArrayLike, indices: ArrayLike, axis: number | null) => Tensor = guard(
  "np.takeAlongAxis",
  [arrayParam("arr"), arrayParam("indices"), nullable(axisParam())],
  (arr: ArrayLike, indices: ArrayLike, axis: number | null) => {
    const op = "np.takeAlongAxis";
    const t = asTensor(arr);
    const idx = indexTensor(op, indices);
    if (axis === null) {
      if (idx.ndim !== 1)
        throw new ShapeError(`${op}: with axis null the indices must be 1-D, got ${fmtShape(idx.shape)}`);
      return lax.gather(lax.reshape(t, [t.size]), idx, 0);
    }
    const { a, x, i, lead } = alongAxis(op, t, idx, axis, false);
    return moveAxis(lax.gather(x, i, lead.length, lead.length), lead.length, a);
  },
);

/**
 * `arr` with `values` (broadcast to the indices' shape) put at `indices` along `axis` (null: the flattened array);
 * where indices repeat, the last value wins. A new array, as JAX's `put_along_axis(..., inplace=False)`.
 * @example np.putAlongAxis([[1, 2], [3, 4]], np.array([[0], [1]], "int32"), 9, 1).toArray() // [[9, 2], [3, 9]]
 */
export const putAlongAxis: (arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: number | null) => Tensor =
  guard(
    "np.putAlongAxis",
    [arrayParam("arr"), arrayParam("indices"), arrayParam("values"), nullable(axisParam())],
    (arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: number | null) => {
      const op = "np.putAlongAxis";
      const t0 = asTensor(arr);
      let idx = indexTensor(op, indices);
      let t = t0.dtype === "bool" ? lax.convertElementType(t0, "int32") : t0;
      if (axis === null) {
        if (idx.ndim !== 1)
          throw new ShapeError(`${op}: with axis null the indices must be 1-D, got ${fmtShape(idx.shape)}`);
        t = lax.reshape(t, [t.size]);
      } else if (idx.ndim !== t.ndim) {
        throw new ShapeError(
          `${op}: indices ${fmtShape(idx.shape)} must have the rank of the array ${fmtShape(t.shape)}`,
        );
      }
      const { a, x, i, lead, n, m } = alongAxis(op, t, idx, axis ?? 0, true);
      const nb = lead.length;
      const vt = lax.convertElementType(asTensor(values, t0.dtype), t.dtype);
      const target = [...lead, m];
      const vshape = broadcastShapes(op, vt.shape, target);
      if (!shapeEq(vshape, target))
        throw new ShapeError(
          `${op}: values ${fmtShape(vt.shape)} do not broadcast to the indices' shape ${fmtShape(target)}`,
        );
      const v = broadcastTo(vt, target);
      // negative indices from the end; only the last position naming a target writes it
      idx = lax.select(lax.lt(i, lax.zerosLike(i)), lax.add(i, lax.fullLike(i, n)), i);
      const big = [...lead, m, m];
      const leadDims = lead.map((_, d) => d);
      const same = lax.eq(
        lax.broadcastInDim(idx, big, [...leadDims, nb]),
        lax.broadcastInDim(idx, big, [...leadDims, nb + 1]),
      );
      const after = lax.broadcastInDim(lax.gt(lax.iota("int32", [m, m], 1), lax.iota("int32", [m, m], 0)), big, [
        nb,
        nb + 1,
      ]);
      const later = lax.convertElementType(lax.select(after, same, lax.full(big, false, "bool")), "int32");
      const keep = lax.eq(lax.reduceSum(later, [nb + 1]), lax.zeros(target, "int32"));
      const vals = lax.scatterAdd(lax.select(keep, v, lax.zerosLike(v)), idx, nb, x.shape, nb);
      const ones = lax.select(keep, lax.full(target, 1, "int32"), lax.zeros(target, "int32"));
      const hit = lax.gt(lax.scatterAdd(ones, idx, nb, x.shape, nb), lax.zeros(x.shape, "int32"));
      let r = moveAxis(lax.select(hit, vals, x), nb, a);
      if (axis === null) r = lax.reshape(r, t0.shape);
      return lax.convertElementType(r, t0.dtype);
    },
  );

// ───────────────────────────── append, insert, delete ─────────────────────────────

/**
 * `values` joined after `arr` along `axis`; without an axis, both are flattened.
 * @example np.append([1, 2], [[3, 4]]) // Tensor([1, 2, 3, 4], dtype=float32)
 */
export const append: (arr: ArrayLike, values: ArrayLike, axis?: number | null | { axis?: number | null }) => Tensor =
  guard(
    "np.append",
    [arrayParam("arr"), arrayParam("values"), options({ axis: orNull(axisParam()) }, "axis")],
    (arr: ArrayLike, values: ArrayLike, o: { axis?: number }) => {
      const ts = [asTensor(arr), asTensor(values)];
      if (o.axis === undefined)
        return joinAlong(
          "np.append",
          ts.map((t) => lax.reshape(t, [t.size])),
          0,
        );
      if (ts[0]!.ndim !== ts[1]!.ndim)
        throw new ShapeError(
          `np.append: arr ${fmtShape(ts[0]!.shape)} and values ${fmtShape(ts[1]!.shape)} must have one rank ` +
            `along an axis`,
        );
      return joinAlong("np.append", ts, o.axis);
    },
  );

/** With no axis: the flattened array along axis 0. */
function onAxis(op: string, arr: ArrayLike, axis: number | undefined): [Tensor, number] {
  const t = asTensor(arr);
  if (axis === undefined) return [lax.reshape(t, [t.size]), 0];
  return [t, normalizeAxis(op, axis, t.ndim)];
}

/**
 * `values` inserted before index `obj` (a number: one block; a list: one slice per index) along `axis`; without an
 * axis, into the flattened array. Values take arr's dtype.
 * @example np.insert([1, 2, 3], 1, 9) // Tensor([1, 9, 2, 3], dtype=float32)
 * np.insert([1, 2, 3], [0, 3], [7, 8]) // Tensor([7, 1, 2, 3, 8], dtype=float32)
 */
export const insert: (
  arr: ArrayLike,
  obj: number | readonly number[],
  values: ArrayLike,
  axis?: number | null | { axis?: number | null },
) => Tensor = guard(
  "np.insert",
  [arrayParam("arr"), intOrInts("obj"), arrayParam("values"), options({ axis: orNull(axisParam()) }, "axis")],
  (arr: ArrayLike, obj: number | number[], values: ArrayLike, o: { axis?: number }) => {
    const op = "np.insert";
    const [t, a] = onAxis(op, arr, o.axis);
    const n = t.shape[a]!;
    const where = (j: number) => {
      if (j < -n || j > n)
        throw new ShapeError(`${op}: index ${j} is out of bounds for axis ${a} with size ${n} (valid: ${-n} … ${n})`);
      return j < 0 ? j + n : j;
    };
    let v = lax.convertElementType(asTensor(values, t.dtype), t.dtype);
    const list = typeof obj === "number" ? [obj] : obj;
    if (list.length === 1) {
      // one block: values get at least arr's rank (leading axes), and a number `obj` moves their first axis to `axis`
      if (v.ndim > t.ndim)
        throw new ShapeError(`${op}: values ${fmtShape(v.shape)} have more axes than arr ${fmtShape(t.shape)}`);
      v = lax.reshape(v, [...Array<number>(t.ndim - v.ndim).fill(1), ...v.shape]);
      if (typeof obj === "number") v = moveAxis(v, 0, a);
    }
    const numnew = list.length === 1 ? v.shape[a]! : list.length;
    const target = t.shape.map((s, i) => (i === a ? numnew : s));
    if (!shapeEq(broadcastShapes(op, v.shape, target), target))
      throw new ShapeError(`${op}: values ${fmtShape(v.shape)} do not broadcast to ${fmtShape(target)}`);
    v = broadcastTo(v, target);
    checkSize(op, [n + numnew]);
    // positions in the result: each inserted slice before its index (stable among equal ones), arr's in order
    const starts = list.length === 1 ? Array.from({ length: numnew }, () => where(list[0]!)) : list.map(where);
    const order = starts.map((_, k) => k).sort((p, q) => starts[p]! - starts[q]! || p - q);
    const src = new Array<number>(n + numnew).fill(-1);
    order.forEach((k, rank) => {
      src[starts[k]! + rank] = n + k;
    });
    let next = 0;
    for (let j = 0; j < src.length; j++) if (src[j] === -1) src[j] = next++;
    return gatherAt(lax.concatenate([t, v], a), src, a);
  },
);

/**
 * `arr` without the elements (or slices) at `obj` along `axis`; without an axis, of the flattened array.
 * @example np.delete([1, 2, 3, 4], [0, -1]) // Tensor([2, 3], dtype=float32)
 */
export const delete_: (
  arr: ArrayLike,
  obj: number | readonly number[],
  axis?: number | null | { axis?: number | null },
) => Tensor = guard(
  "np.delete",
  [arrayParam("arr"), intOrInts("obj"), options({ axis: orNull(axisParam()) }, "axis")],
  (arr: ArrayLike, obj: number | number[], o: { axis?: number }) => {
    const [t, a] = onAxis("np.delete", arr, o.axis);
    const n = t.shape[a]!;
    const gone = new Set((typeof obj === "number" ? [obj] : obj).map((j) => checkedIndex("np.delete", j, n, a)));
    const keep = Array.from({ length: n }, (_, j) => j).filter((j) => !gone.has(j));
    return keep.length === n ? t : keep.length === 0 ? sliceAxis(t, a, 0, 0) : gatherAt(t, keep, a);
  },
);
