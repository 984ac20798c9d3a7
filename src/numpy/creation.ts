// Creating tensors: zeros, ones, full, arange, linspace, eye, and the *Like forms.
import { allocate, type DType } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { array, bool, count, dtype, int, number, scalar, shape as shapeParam } from "../core/params.js";
import type { ShapeLike } from "../core/shape.js";
import { sizeOf } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { isPlainObject } from "../core/tree.js";
import { guard, optional, options, unwrap } from "../core/validate.js";
import { asTensor, type DTypeOpt, dtypeOption } from "./convert.js";

export type { DTypeOpt } from "./convert.js";

/** A creation function's trailing argument: `{ dtype }` or the dtype itself. */
export type DTypeArg = DType | DTypeOpt;

const filled = (shape: readonly number[], value: number | boolean, opts: DTypeOpt): Tensor => {
  const d = opts.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  return Tensor._of(allocate(d, sizeOf(shape)).fill(Number(value)), shape, d);
};
/**
 * A tensor of `shape` filled with `value` (float32 for a number, bool for a boolean, unless `dtype` says otherwise).
 * @example np.full([2], 7) // Tensor([7, 7], dtype=float32)
 */
export const full: (shape: ShapeLike, value: number | boolean, dtype?: DTypeArg) => Tensor = guard(
  "np.full",
  [shapeParam(), scalar("value"), dtypeOption],
  filled,
);
/** Zeros of `shape` (float32 by default). @example np.zeros([2, 3], "int32").dtype // "int32" */
export const zeros: (shape: ShapeLike, dtype?: DTypeArg) => Tensor = guard(
  "np.zeros",
  [shapeParam(), dtypeOption],
  (s: number[], o: DTypeOpt) => filled(s, 0, o),
);
/** Ones of `shape` (float32 by default). @example np.ones([2]) // Tensor([1, 1], dtype=float32) */
export const ones: (shape: ShapeLike, dtype?: DTypeArg) => Tensor = guard(
  "np.ones",
  [shapeParam(), dtypeOption],
  (s: number[], o: DTypeOpt) => filled(s, 1, o),
);
const like = (v: number) => (x: ArrayLike, o: DTypeOpt) => {
  const t = asTensor(x);
  return filled(t.shape, v, { dtype: o.dtype ?? t.dtype });
};
/** Zeros with the shape and dtype of `x`. @example np.zerosLike(np.arange(3)) // Tensor([0, 0, 0], dtype=int32) */
export const zerosLike: (x: ArrayLike, dtype?: DTypeArg) => Tensor = guard(
  "np.zerosLike",
  [array("x"), dtypeOption],
  like(0),
);
/** Ones with the shape and dtype of `x`. @example np.onesLike([1.5, 2]) // Tensor([1, 1], dtype=float32) */
export const onesLike: (x: ArrayLike, dtype?: DTypeArg) => Tensor = guard(
  "np.onesLike",
  [array("x"), dtypeOption],
  like(1),
);

/** A trailing dtype or options object moves to arange's options slot (`arange(5, "float64")`). */
const optionsLast = (args: unknown[]): unknown[] => {
  const last = args[args.length - 1];
  if (args.length > 0 && args.length < 4 && (typeof last === "string" || isPlainObject(last)))
    return [...args.slice(0, -1), ...new Array(4 - args.length).fill(undefined), last];
  return args;
};

/**
 * Evenly spaced values in [start, stop); int32 when every argument is an integer, as NumPy. The dtype (or an
 * options object) may follow any argument: `arange(5, "float64")`.
 * @example np.arange(3) // Tensor([0, 1, 2], dtype=int32)
 * np.arange(1, 2, 0.25) // Tensor([1, 1.25, 1.5, 1.75], dtype=float32)
 */
export const arange: (start: number, ...rest: (number | DTypeArg | undefined)[]) => Tensor = guard(
  "np.arange",
  [number("start", true), optional(number("stop", true)), optional(number("step", true)), dtypeOption],
  (start: number, stop: number | undefined, step: number | undefined, opts: DTypeOpt) => {
    const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
    const st = step ?? 1;
    if (st === 0) throw new TracegradError("np.arange: step must not be zero");
    const n = Math.max(0, Math.ceil((hi - lo) / st));
    unwrap(count("").check(n, { fn: "np.arange", arg: "the number of values" }));
    const d = opts.dtype ?? ([lo, hi, st].every(Number.isInteger) ? "int32" : "float32");
    const out = allocate(d, n);
    for (let i = 0; i < n; i++) out[i] = lo + i * st;
    return Tensor._of(out, [n], d);
  },
  optionsLast,
);

/** Options of `linspace`: whether `stop` is included (the positional form), and the dtype. */
export interface LinspaceOpts {
  endpoint?: boolean;
  /** Also return the spacing: `[values, step]` (NaN when there is no spacing, as NumPy). */
  retstep?: boolean;
  dtype?: DType;
}
/** `linspace`'s overloads: the values, or `[values, step]` with `retstep: true`. */
export interface Linspace {
  (start: number, stop: number, num?: number, endpoint?: boolean | (LinspaceOpts & { retstep?: false })): Tensor;
  (start: number, stop: number, num: number | undefined, opts: LinspaceOpts & { retstep: true }): [Tensor, number];
}
/**
 * `num` (default 50) evenly spaced values from start to stop (inclusive unless `endpoint` is false), float32 by
 * default.
 * @example np.linspace(0, 1, 5) // Tensor([0, 0.25, 0.5, 0.75, 1], dtype=float32)
 * np.linspace(0, 1, 4, false) // Tensor([0, 0.25, 0.5, 0.75], dtype=float32)
 * np.linspace(0, 1, 5, { retstep: true })[1] // 0.25
 */
export const linspace: Linspace = guard(
  "np.linspace",
  [
    number("start"),
    number("stop"),
    optional(count("num"), 50),
    options({ endpoint: bool("endpoint"), retstep: bool("retstep"), dtype: dtype() }, "endpoint"),
  ],
  (start: number, stop: number, num: number, opts: LinspaceOpts) => {
    const endpoint = opts.endpoint ?? true;
    const d = opts.dtype ?? "float32";
    const out = allocate(d, num);
    const div = endpoint ? num - 1 : num;
    const step = div > 0 ? (stop - start) / div : 0;
    for (let i = 0; i < num; i++) out[i] = endpoint && i === num - 1 && num > 1 ? stop : start + i * step;
    const t = Tensor._of(out, [num], d);
    return opts.retstep ? [t, div > 0 ? step : Number.NaN] : t;
  },
);

/** Options of `eye`: the diagonal `k` (the positional form; above the main one when positive), and the dtype. */
export interface EyeOpts {
  k?: number;
  dtype?: DType;
}
/**
 * The n×m matrix with ones on diagonal `k` (m = n and k = 0 by default), float32 by default.
 * @example np.eye(2, 3).toArray() // [[1, 0, 0], [0, 1, 0]]
 * np.eye(3, 3, 1).toArray() // [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
 */
export const eye: (n: number, m?: number, k?: number | EyeOpts) => Tensor = guard(
  "np.eye",
  [count("n"), optional(count("m")), options({ k: int("k"), dtype: dtype() }, "k")],
  (n: number, m: number | undefined, opts: EyeOpts) => {
    const cols = m ?? n;
    const k = opts.k ?? 0;
    unwrap(shapeParam().check([n, cols], { fn: "np.eye", arg: "the shape [n, m]" }));
    const d = opts.dtype ?? "float32";
    const out = allocate(d, n * cols);
    for (let i = Math.max(0, -k); i < n && i + k < cols; i++) out[i * cols + i + k] = 1;
    return Tensor._of(out, [n, cols], d);
  },
);
