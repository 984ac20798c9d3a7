// Statistics and cumulative functions with NumPy's semantics: cumulative sums and products, variance, quantiles, the
// NaN-ignoring reductions, differences and the trapezoid rule. Composed from primitives (the cumulative ones are
// primitives of their own, in primitives/reduce/cumulative.ts).
import { type DType, isFloat } from "../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array, axes, axis, bool, choice, count, dtype, number } from "../core/params.js";
import { normalizeAxes, normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, options, orNull } from "../core/validate.js";
import * as p from "../primitives/index.js";
import { asTensor, broadcastTo, promoted } from "./convert.js";
import { add, divide, multiply, notEqual, subtract, where } from "./elementwise.js";
import { argmax, argmin, max, min, sum } from "./reductions.js";

export type Axes = number | readonly number[] | null;

const toFloat = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : p.convertElementType(t, "float32"));
const isnan = (t: Tensor): Tensor => (isFloat(t.dtype) ? p.ne(t, t) : p.full(t.shape, false, "bool"));
const boolToInt = (t: Tensor) => (t.dtype === "bool" ? p.convertElementType(t, "int32") : t);
/** Elements `start … limit − 1` along `ax`. */
const along = (t: Tensor, ax: number, start: number, limit: number) =>
  p.slice(
    t,
    t.shape.map((_, i) => (i === ax ? start : 0)),
    t.shape.map((d, i) => (i === ax ? limit : d)),
  );
const countOf = (shape: readonly number[], ax: readonly number[]) => ax.reduce((n, a) => n * shape[a]!, 1);

// ---------------------------------------------------------------- cumulative sums and products

export interface CumOpts {
  axis?: number | null;
  dtype?: DType;
}
const cumOptions = options({ axis: orNull(axis()), dtype: dtype() }, "axis");
export type CumFn = (a: ArrayLike, axisOrOpts?: number | null | CumOpts) => Tensor;

function cumulate(op: string, f: (t: Tensor, axis: number) => Tensor, a: ArrayLike, o: CumOpts, nan = false): Tensor {
  let t = asTensor(a);
  if (o.dtype) t = p.convertElementType(t, o.dtype);
  else t = boolToInt(t);
  if (nan && isFloat(t.dtype)) t = p.select(isnan(t), p.zerosLike(t), t);
  if (o.axis === undefined || o.axis === null) return f(p.reshape(t, [t.size]), 0);
  return f(t, normalizeAxis(op, o.axis, t.ndim));
}

/**
 * Running sums along `axis` (of the flattened array when no axis is given); bool counts as int32.
 * @example np.cumsum([[1, 2], [3, 4]], 1) // Tensor([[1, 3], [3, 7]], dtype=float32)
 */
export const cumsum: CumFn = guard("np.cumsum", [array("a"), cumOptions], (a: ArrayLike, o: CumOpts) =>
  cumulate("np.cumsum", p.cumsum, a, o),
);
/**
 * Running products along `axis` (of the flattened array when no axis is given).
 * @example np.cumprod([1, 2, 3]) // Tensor([1, 2, 6], dtype=float32)
 */
export const cumprod: CumFn = guard("np.cumprod", [array("a"), cumOptions], (a: ArrayLike, o: CumOpts) =>
  cumulate("np.cumprod", p.cumprod, a, o),
);
/**
 * Running sums treating NaN as zero.
 * @example np.nancumsum([1, NaN, 2]) // Tensor([1, 1, 3], dtype=float32)
 */
export const nancumsum: CumFn = guard("np.nancumsum", [array("a"), cumOptions], (a: ArrayLike, o: CumOpts) =>
  cumulate("np.nancumsum", p.cumsum, a, o, true),
);

export interface CumulativeOpts {
  axis?: number;
  dtype?: DType;
  includeInitial?: boolean;
}
const cumulativeOptions = options({ axis: axis(), dtype: dtype(), includeInitial: bool("includeInitial") }, "axis");
export type CumulativeFn = (x: ArrayLike, axisOrOpts?: number | CumulativeOpts) => Tensor;

function cumulative(op: string, f: (t: Tensor, axis: number) => Tensor, identity: number) {
  return guard<CumulativeFn>(op, [array("x"), cumulativeOptions], (x: ArrayLike, o: CumulativeOpts) => {
    const t0 = asTensor(x);
    if (t0.ndim === 0) throw new ShapeError(`${op}: the input must have at least one axis, got a 0-d array`);
    if (o.axis === undefined && t0.ndim > 1)
      throw new ShapeError(`${op}: axis is required for arrays of more than one axis (shape ${fmtShape(t0.shape)})`);
    const ax = normalizeAxis(op, o.axis ?? 0, t0.ndim);
    const t = o.dtype ? p.convertElementType(t0, o.dtype) : boolToInt(t0);
    const r = f(t, ax);
    if (!o.includeInitial) return r;
    const init = p.full(
      t.shape.map((s, i) => (i === ax ? 1 : s)),
      identity,
      t.dtype,
    );
    return p.concatenate([init, r], ax);
  });
}
/**
 * The Array API's cumulative sum: axis required beyond one axis; `includeInitial` puts the 0 first.
 * @example np.cumulativeSum([1, 2, 3], { includeInitial: true }) // Tensor([0, 1, 3, 6], dtype=float32)
 */
export const cumulativeSum = cumulative("np.cumulativeSum", p.cumsum, 0);
/**
 * The Array API's cumulative product: axis required beyond one axis; `includeInitial` puts the 1 first.
 * @example np.cumulativeProd([1, 2, 3]) // Tensor([1, 2, 6], dtype=float32)
 */
export const cumulativeProd = cumulative("np.cumulativeProd", p.cumprod, 1);

// ---------------------------------------------------------------- variance and friends

export interface StatOpts {
  axis?: Axes;
  keepdims?: boolean;
  ddof?: number;
}
const statOptions = options({ axis: orNull(axes()), keepdims: bool("keepdims"), ddof: number("ddof", true) }, "axis");
export type StatFn = (a: ArrayLike, axisOrOpts?: Axes | StatOpts) => Tensor;

/** Σ(x − mean)² / max(n − ddof, 0) over `ax`, ignoring NaN when `nan`; integers as float32. */
function variance(op: string, a: ArrayLike, o: StatOpts, nan: boolean): Tensor {
  const t = toFloat(boolToInt(asTensor(a)));
  const ax = normalizeAxes(op, o.axis, t.ndim);
  const ddof = o.ddof ?? 0;
  let centered: Tensor;
  let n: Tensor | number;
  if (nan) {
    const bad = isnan(t);
    const x = p.select(bad, p.zerosLike(t), t);
    const cnt = sum(p.convertElementType(p.not(bad), t.dtype), { axis: ax, keepdims: true });
    const m = divide(sum(x, { axis: ax, keepdims: true }), cnt);
    const d = subtract(x, m);
    centered = p.select(bad, p.zerosLike(t), d);
    n = o.keepdims
      ? cnt
      : p.reshape(
          cnt,
          t.shape.filter((_, i) => !ax.includes(i)),
        );
  } else {
    const c = countOf(t.shape, ax);
    const m = divide(sum(t, { axis: ax, keepdims: true }), c);
    centered = subtract(t, m);
    n = c;
  }
  const s = sum(multiply(centered, centered), { axis: ax, keepdims: o.keepdims ?? false });
  const dof = typeof n === "number" ? Math.max(n - ddof, 0) : p.max(subtract(n, ddof), p.zerosLike(n));
  return divide(s, dof);
}
/**
 * Variance over `axis` (all by default), dividing by n − ddof; integers give float32.
 * @example np.var([1, 2, 3, 4]) // Tensor(1.25, dtype=float32)
 * np.var([1, 2, 3, 4], { ddof: 1 }) // Tensor(1.6666666, dtype=float32)
 */
export const var_: StatFn = guard("np.var", [array("a"), statOptions], (a: ArrayLike, o: StatOpts) =>
  variance("np.var", a, o, false),
);
/**
 * Standard deviation: the square root of `var`.
 * @example np.std([1, 2, 3, 4]) // Tensor(1.118034, dtype=float32)
 */
export const std: StatFn = guard("np.std", [array("a"), statOptions], (a: ArrayLike, o: StatOpts) =>
  p.sqrt(variance("np.std", a, o, false)),
);
/**
 * Variance ignoring NaN.
 * @example np.nanvar([1, NaN, 3]) // Tensor(1, dtype=float32)
 */
export const nanvar: StatFn = guard("np.nanvar", [array("a"), statOptions], (a: ArrayLike, o: StatOpts) =>
  variance("np.nanvar", a, o, true),
);
/**
 * Standard deviation ignoring NaN.
 * @example np.nanstd([1, NaN, 3]) // Tensor(1, dtype=float32)
 */
export const nanstd: StatFn = guard("np.nanstd", [array("a"), statOptions], (a: ArrayLike, o: StatOpts) =>
  p.sqrt(variance("np.nanstd", a, o, true)),
);

export interface ReduceOpts {
  axis?: Axes;
  keepdims?: boolean;
}
const reduceOpts = options({ axis: orNull(axes()), keepdims: bool("keepdims") }, "axis");
export type ReduceFn = (a: ArrayLike, axisOrOpts?: Axes | ReduceOpts) => Tensor;

/**
 * Maximum minus minimum ("peak to peak") over `axis`.
 * @example np.ptp([[1, 5], [2, 3]], 1) // Tensor([4, 1], dtype=float32)
 */
export const ptp: ReduceFn = guard("np.ptp", [array("a"), reduceOpts], (a: ArrayLike, o: ReduceOpts) => {
  const t = asTensor(a);
  return p.sub(max(t, o), min(t, o));
});

/**
 * How many elements are nonzero (true), as int32.
 * @example np.countNonzero([[0, 1], [2, 0]], 0) // Tensor([1, 1], dtype=int32)
 */
export const countNonzero: ReduceFn = guard(
  "np.countNonzero",
  [array("a"), reduceOpts],
  (a: ArrayLike, o: ReduceOpts) => {
    const t = asTensor(a);
    const nz = t.dtype === "bool" ? t : p.ne(t, p.zerosLike(t));
    return sum(p.convertElementType(nz, "int32"), o);
  },
);

/**
 * Sum treating NaN as zero.
 * @example np.nansum([1, NaN, 2]) // Tensor(3, dtype=float32)
 */
export const nansum: ReduceFn = guard("np.nansum", [array("a"), reduceOpts], (a: ArrayLike, o: ReduceOpts) => {
  const t = boolToInt(asTensor(a));
  return sum(p.select(isnan(t), p.zerosLike(t), t), o);
});
/**
 * Mean of the elements that are not NaN (NaN where all are); integers give float32.
 * @example np.nanmean([1, NaN, 3]) // Tensor(2, dtype=float32)
 */
export const nanmean: ReduceFn = guard("np.nanmean", [array("a"), reduceOpts], (a: ArrayLike, o: ReduceOpts) => {
  const t = toFloat(boolToInt(asTensor(a)));
  const bad = isnan(t);
  const s = sum(p.select(bad, p.zerosLike(t), t), o);
  return p.div(s, sum(p.convertElementType(p.not(bad), t.dtype), o));
});

function nanExtremum(op: string, f: typeof max, fill: number) {
  return guard<ReduceFn>(op, [array("a"), reduceOpts], (a: ArrayLike, o: ReduceOpts) => {
    const t = asTensor(a);
    if (!isFloat(t.dtype)) return f(t, o);
    const bad = isnan(t);
    const r = f(p.select(bad, p.fullLike(t, fill), t), o);
    const good = sum(p.convertElementType(p.not(bad), "int32"), o);
    return p.select(p.eq(good, p.zerosLike(good)), p.fullLike(r, NaN), r);
  });
}
/**
 * Maximum ignoring NaN (NaN where every element is NaN).
 * @example np.nanmax([1, NaN, 3]) // Tensor(3, dtype=float32)
 */
export const nanmax = nanExtremum("np.nanmax", max, -Infinity);
/**
 * Minimum ignoring NaN (NaN where every element is NaN).
 * @example np.nanmin([1, NaN, 3]) // Tensor(1, dtype=float32)
 */
export const nanmin = nanExtremum("np.nanmin", min, Infinity);

export interface ArgOpts {
  axis?: number | null;
  keepdims?: boolean;
}
const argOptions = options({ axis: orNull(axis()), keepdims: bool("keepdims") }, "axis");
export type ArgFn = (a: ArrayLike, axisOrOpts?: number | null | ArgOpts) => Tensor;

function nanArg(op: string, f: typeof argmax, fill: number) {
  return guard<ArgFn>(op, [array("a"), argOptions], (a: ArrayLike, o: ArgOpts) => {
    const t = asTensor(a);
    const flatAxis = o.axis === null || o.axis === undefined;
    const opts = flatAxis ? { keepdims: o.keepdims } : { axis: o.axis!, keepdims: o.keepdims };
    if (!isFloat(t.dtype)) return f(t, opts);
    const bad = isnan(t);
    const r = f(p.select(bad, p.fullLike(t, fill), t), opts);
    // a slice of only NaN has no answer: −1, as jax.numpy (NumPy raises)
    const good = sum(p.convertElementType(p.not(bad), "int32"), opts);
    return p.select(p.eq(good, p.zerosLike(good)), p.fullLike(r, -1), r);
  });
}
/**
 * Index of the first maximum ignoring NaN (−1 where every element is NaN, as jax.numpy).
 * @example np.nanargmax([1, NaN, 3]) // Tensor(2, dtype=int32)
 */
export const nanargmax = nanArg("np.nanargmax", argmax, -Infinity);
/**
 * Index of the first minimum ignoring NaN (−1 where every element is NaN, as jax.numpy).
 * @example np.nanargmin([4, NaN, 3]) // Tensor(2, dtype=int32)
 */
export const nanargmin = nanArg("np.nanargmin", argmin, Infinity);

// ---------------------------------------------------------------- average

export interface AverageOpts {
  axis?: Axes;
  weights?: ArrayLike;
  returned?: boolean;
  keepdims?: boolean;
}
const averageOptions = options(
  { axis: orNull(axes()), weights: array("weights"), returned: bool("returned"), keepdims: bool("keepdims") },
  "axis",
);

/**
 * The (weighted) mean over `axis`; with `returned`, `[average, sumOfWeights]`. 1-D weights go along a single axis.
 * @example np.average([1, 2, 3], { weights: [3, 1, 0] }) // Tensor(1.25, dtype=float32)
 */
export const average: (a: ArrayLike, axisOrOpts?: Axes | AverageOpts) => Tensor | [Tensor, Tensor] = guard(
  "np.average",
  [array("a"), averageOptions],
  (a: ArrayLike, o: AverageOpts) => {
    const op = "np.average";
    const t = toFloat(boolToInt(asTensor(a)));
    const ax = normalizeAxes(op, o.axis, t.ndim);
    const kd = { axis: ax, keepdims: o.keepdims ?? false };
    if (o.weights === undefined) {
      const avg = divide(sum(t, kd), countOf(t.shape, ax));
      return o.returned ? [avg, p.fullLike(avg, countOf(t.shape, ax))] : avg;
    }
    let [x, w] = promoted([t, toFloat(boolToInt(asTensor(o.weights)))], op);
    if (w!.ndim !== x!.ndim || w!.shape.some((d, i) => d !== x!.shape[i])) {
      if (o.axis === undefined || o.axis === null)
        throw new ShapeError(
          `${op}: axis must be given when the weights' shape ${fmtShape(w!.shape)} differs from a's ` +
            fmtShape(x!.shape),
        );
      if (w!.ndim !== 1 || ax.length !== 1 || w!.shape[0] !== x!.shape[ax[0]!])
        throw new ShapeError(
          `${op}: 1-D weights of length ${w!.shape[0]} must match a's axis ${ax.join(", ")} ` +
            `(shape ${fmtShape(x!.shape)})`,
        );
      w = p.broadcastInDim(w!, x!.shape, [ax[0]!]);
    }
    const wsum = sum(w!, kd);
    const avg = divide(sum(multiply(x!, w!), kd), wsum);
    return o.returned ? [avg, broadcastTo(wsum, avg.shape)] : avg;
  },
);

// ---------------------------------------------------------------- quantiles

export interface QuantileOpts {
  axis?: Axes;
  keepdims?: boolean;
  method?: "linear";
}
const quantileOptions = options(
  {
    axis: orNull(axes()),
    keepdims: bool("keepdims"),
    method: choice("method", ["linear"] as const),
  },
  "axis",
);

/** q-th quantiles (q in [0, 1]) over `axis`, interpolating linearly between the sorted elements (NumPy's default). */
function quantileOf(op: string, a: ArrayLike, q: ArrayLike, o: QuantileOpts, scale: number): Tensor {
  const t = toFloat(boolToInt(asTensor(a)));
  if (typeof q === "number" && !(q / scale >= 0 && q / scale <= 1))
    throw new TracegradError(`${op}: q must be in [0, ${scale}], got ${q}`);
  let qt = asTensor(q, t.dtype);
  qt = p.convertElementType(toFloat(qt), t.dtype);
  if (scale !== 1) qt = p.div(qt, p.fullLike(qt, scale));
  const ax = normalizeAxes(op, o.axis, t.ndim);
  const kept = t.shape.map((_, i) => i).filter((i) => !ax.includes(i));
  const lead = kept.map((i) => t.shape[i]!);
  const n = countOf(t.shape, ax);
  const outShape = [...qt.shape, ...(o.keepdims ? t.shape.map((s, i) => (ax.includes(i) ? 1 : s)) : lead)];
  if (n === 0) return p.full(outShape, NaN, t.dtype);
  // the reduced axes first, merged: [n, ...lead], sorted along 0
  const flat = p.reshape(p.transpose(t, [...ax, ...kept]), [n, ...lead]);
  const sorted = p.sort([flat], 0)[0]!;
  const pos = p.mul(qt, p.fullLike(qt, n - 1));
  const lo = p.floor(pos);
  const hi = p.min(p.ceil(pos), p.fullLike(pos, n - 1));
  const idx = (v: Tensor) => p.convertElementType(v, "int32");
  const below = p.gather(sorted, idx(lo), 0); // [...q.shape, ...lead]
  const above = p.gather(sorted, idx(hi), 0);
  const w = p.reshape(p.sub(pos, lo), [...qt.shape, ...lead.map(() => 1)]);
  const diff = subtract(above, below);
  // NumPy's lerp: from the nearer end, so the endpoints are exact
  const fromLo = add(below, multiply(diff, w));
  const fromHi = subtract(above, multiply(diff, subtract(1, w)));
  let r = where(p.ge(w, p.fullLike(w, 0.5)), fromHi, fromLo);
  // NaN anywhere in a slice makes its quantiles NaN
  const anyNan = p.reduceMax(p.convertElementType(isnan(flat), "int32"), [0]);
  r = where(p.ne(anyNan, p.zerosLike(anyNan)), NaN, r);
  return p.reshape(r, outShape);
}

export type QuantileFn = (a: ArrayLike, q: ArrayLike, axisOrOpts?: Axes | QuantileOpts) => Tensor;
/**
 * The q-th quantiles (q in [0, 1], a number or an array) over `axis` (all by default), by linear interpolation; the
 * result's leading axes are q's. NaN in a slice gives NaN. Integers give float32.
 * @example np.quantile([1, 2, 3, 4], 0.5) // Tensor(2.5, dtype=float32)
 */
export const quantile: QuantileFn = guard(
  "np.quantile",
  [array("a"), array("q"), quantileOptions],
  (a: ArrayLike, q: ArrayLike, o: QuantileOpts) => quantileOf("np.quantile", a, q, o, 1),
);
/**
 * The q-th percentiles (q in [0, 100]).
 * @example np.percentile([1, 2, 3, 4], 25) // Tensor(1.75, dtype=float32)
 */
export const percentile: QuantileFn = guard(
  "np.percentile",
  [array("a"), array("q"), quantileOptions],
  (a: ArrayLike, q: ArrayLike, o: QuantileOpts) => quantileOf("np.percentile", a, q, o, 100),
);
/**
 * The median over `axis` (all by default): the mean of the middle two for an even count.
 * @example np.median([[1, 3], [2, 8]], 0) // Tensor([1.5, 5.5], dtype=float32)
 */
export const median: ReduceFn = guard("np.median", [array("a"), reduceOpts], (a: ArrayLike, o: ReduceOpts) =>
  quantileOf("np.median", a, 0.5, o, 1),
);

// ---------------------------------------------------------------- differences and integration

export interface DiffOpts {
  n?: number;
  axis?: number;
  prepend?: ArrayLike;
  append?: ArrayLike;
}
const diffOptions = options({ n: count("n"), axis: axis(), prepend: array("prepend"), append: array("append") }, "n");

/** `v` as a block to put at the start or end of `t` along `ax`: a scalar broadcast to size 1 there. */
function block(v: ArrayLike, t: Tensor, ax: number): Tensor {
  const b = asTensor(v, t.dtype);
  return b.ndim === 0
    ? broadcastTo(
        b,
        t.shape.map((s, i) => (i === ax ? 1 : s)),
      )
    : b;
}

/** n-th differences along `ax` (bool: not-equal, as NumPy). */
function differences(t0: Tensor, n: number, ax: number): Tensor {
  let t = t0;
  for (let k = 0; k < n && t.shape[ax]! > 0; k++) {
    const m = t.shape[ax]!;
    const hi = along(t, ax, 1, m);
    const lo = along(t, ax, 0, m - 1);
    t = t.dtype === "bool" ? notEqual(hi, lo) : p.sub(hi, lo);
  }
  return t;
}

/**
 * The n-th discrete difference along `axis` (default the last), after putting `prepend`/`append` at the ends.
 * @example np.diff([1, 4, 9, 16]) // Tensor([3, 5, 7], dtype=float32)
 * np.diff([1, 4, 9, 16], { n: 2 }) // Tensor([2, 2], dtype=float32)
 */
export const diff: (a: ArrayLike, nOrOpts?: number | DiffOpts) => Tensor = guard(
  "np.diff",
  [array("a"), diffOptions],
  (a: ArrayLike, o: DiffOpts) => {
    let t = asTensor(a);
    if (t.ndim === 0) throw new ShapeError("np.diff: the input must have at least one axis, got a 0-d array");
    const ax = normalizeAxis("np.diff", o.axis ?? -1, t.ndim);
    const parts: Tensor[] = [];
    if (o.prepend !== undefined) parts.push(block(o.prepend, t, ax));
    parts.push(t);
    if (o.append !== undefined) parts.push(block(o.append, t, ax));
    if (parts.length > 1) {
      const ps = promoted(parts, "np.diff");
      t = p.concatenate(ps, ax);
    }
    return differences(t, o.n ?? 1, ax);
  },
);

export interface Ediff1dOpts {
  toEnd?: ArrayLike;
  toBegin?: ArrayLike;
}
/**
 * Differences between consecutive elements of the flattened array, with `toBegin`/`toEnd` put at the ends.
 * @example np.ediff1d([1, 2, 4, 7], { toBegin: -99 }) // Tensor([-99, 1, 2, 3], dtype=float32)
 */
export const ediff1d: (a: ArrayLike, opts?: Ediff1dOpts) => Tensor = guard(
  "np.ediff1d",
  [array("ary"), options({ toEnd: array("toEnd"), toBegin: array("toBegin") })],
  (a: ArrayLike, o: Ediff1dOpts) => {
    const t = asTensor(a);
    const flat = p.reshape(t, [t.size]);
    const d = flat.size === 0 ? flat : differences(flat, 1, 0);
    const flatOf = (v: ArrayLike) => {
      const b = p.convertElementType(asTensor(v, d.dtype), d.dtype);
      return p.reshape(b, [b.size]);
    };
    const parts = [
      ...(o.toBegin !== undefined ? [flatOf(o.toBegin)] : []),
      d,
      ...(o.toEnd !== undefined ? [flatOf(o.toEnd)] : []),
    ];
    return parts.length === 1 ? d : p.concatenate(parts, 0);
  },
);

export interface TrapezoidOpts {
  x?: ArrayLike;
  dx?: number;
  axis?: number;
}
/**
 * The integral of `y` along `axis` (default the last) by the trapezoid rule, at sample points `x` (1-D along the
 * axis, or y's shape) or spaced `dx` (default 1) apart.
 * @example np.trapezoid([1, 2, 3]) // Tensor(4, dtype=float32)
 * np.trapezoid([1, 2, 3], { x: [0, 1, 3] }) // Tensor(6.5, dtype=float32)
 */
export const trapezoid: (y: ArrayLike, opts?: TrapezoidOpts) => Tensor = guard(
  "np.trapezoid",
  [array("y"), options({ x: array("x"), dx: number("dx"), axis: axis() })],
  (y: ArrayLike, o: TrapezoidOpts) => {
    const t = toFloat(boolToInt(asTensor(y)));
    if (t.ndim === 0) throw new ShapeError("np.trapezoid: y must have at least one axis, got a 0-d array");
    const ax = normalizeAxis("np.trapezoid", o.axis ?? -1, t.ndim);
    const m = t.shape[ax]!;
    if (m < 2)
      return p.zeros(
        t.shape.filter((_, i) => i !== ax),
        t.dtype,
      );
    let d: Tensor | number = o.dx ?? 1;
    if (o.x !== undefined) {
      const xt = toFloat(boolToInt(asTensor(o.x)));
      if (xt.ndim === 1) {
        if (xt.shape[0] !== m)
          throw new ShapeError(`np.trapezoid: x has ${xt.shape[0]} points but y has ${m} along axis ${ax}`);
        d = p.reshape(
          differences(xt, 1, 0),
          t.shape.map((_, i) => (i === ax ? m - 1 : 1)),
        );
      } else d = differences(xt, 1, normalizeAxis("np.trapezoid", o.axis ?? -1, xt.ndim));
    }
    const mid = divide(add(along(t, ax, 1, m), along(t, ax, 0, m - 1)), 2);
    return sum(multiply(d, mid), ax);
  },
);
