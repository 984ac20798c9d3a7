// Creating tensors: zeros, ones, full, arange, linspace, eye, and the *Like forms.
import { allocate, checkDType, type DType } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { asTensor } from "./convert.js";

/**
 * The `{ dtype }` option of creation functions.
 * @example np.zeros([2], { dtype: "int32" }) // Tensor([0, 0], dtype=int32)
 */
export interface DTypeOpt {
  dtype?: DType;
}
const dt = (op: string, o: DTypeOpt, dflt: DType): DType => (o.dtype === undefined ? dflt : checkDType(op, o.dtype));

function filled(op: string, shape: readonly number[], value: number | boolean, opts: DTypeOpt): Tensor {
  const s = checkShape(op, shape);
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new TracegradError(
      `${op}: the fill value must be a number or boolean, got ${typeof value} ${JSON.stringify(value)}`,
    );
  const d = dt(op, opts, typeof value === "boolean" ? "bool" : "float32");
  return Tensor._of(allocate(d, sizeOf(s)).fill(Number(value)), s, d);
}
/**
 * A tensor of `shape` filled with `value` (float32 for a number, bool for a boolean, unless `dtype` says otherwise).
 * @example np.full([2], 7) // Tensor([7, 7], dtype=float32)
 */
export const full = (shape: readonly number[], value: number | boolean, opts: DTypeOpt = {}): Tensor =>
  filled("np.full", shape, value, opts);
/** Zeros of `shape` (float32 by default). @example np.zeros([2, 3]).shape // [2, 3] */
export const zeros = (shape: readonly number[], opts: DTypeOpt = {}): Tensor => filled("np.zeros", shape, 0, opts);
/** Ones of `shape` (float32 by default). @example np.ones([2]) // Tensor([1, 1], dtype=float32) */
export const ones = (shape: readonly number[], opts: DTypeOpt = {}): Tensor => filled("np.ones", shape, 1, opts);
/** Zeros with the shape and dtype of `x`. @example np.zerosLike(np.arange(3)) // Tensor([0, 0, 0], dtype=int32) */
export const zerosLike = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return full(t.shape, 0, { dtype: t.dtype });
};
/** Ones with the shape and dtype of `x`. @example np.onesLike([1.5, 2]) // Tensor([1, 1], dtype=float32) */
export const onesLike = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return full(t.shape, 1, { dtype: t.dtype });
};

/**
 * Evenly spaced values in [start, stop); int32 when every argument is an integer, as NumPy. The options
 * object may follow any argument: `arange(5, { dtype: "float64" })`.
 * @example np.arange(3) // Tensor([0, 1, 2], dtype=int32)
 * np.arange(1, 2, 0.25) // Tensor([1, 1.25, 1.5, 1.75], dtype=float32)
 */
export function arange(start: number, ...rest: (number | DTypeOpt | undefined)[]): Tensor {
  const opts = (typeof rest[rest.length - 1] === "object" ? rest.pop() : {}) as DTypeOpt;
  const [stop, step] = rest as (number | undefined)[];
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  const st = step ?? 1;
  for (const [k, v] of [
    ["start", lo],
    ["stop", hi],
    ["step", st],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new TracegradError(`np.arange: ${k} must be a finite number, got ${String(v)}`);
  }
  if (st === 0) throw new TracegradError("np.arange: step must not be zero");
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const d = dt("np.arange", opts, [lo, hi, st].every(Number.isInteger) ? "int32" : "float32");
  const out = allocate(d, n);
  for (let i = 0; i < n; i++) out[i] = lo + i * st;
  return Tensor._of(out, [n], d);
}

/**
 * `num` (default 50) evenly spaced values from start to stop inclusive, float32 by default.
 * @example np.linspace(0, 1, 5) // Tensor([0, 0.25, 0.5, 0.75, 1], dtype=float32)
 */
export function linspace(start: number, stop: number, num = 50, opts: DTypeOpt = {}): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new TracegradError(`np.linspace: num must be a whole number ≥ 0, got ${num}`);
  const d = dt("np.linspace", opts, "float32");
  const out = allocate(d, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return Tensor._of(out, [num], d);
}

/**
 * The n×m identity (m = n by default), float32 by default.
 * @example np.eye(2, 3).toArray() // [[1, 0, 0], [0, 1, 0]]
 */
export function eye(n: number, m: number = n, opts: DTypeOpt = {}): Tensor {
  checkShape("np.eye", [n, m]);
  const d = dt("np.eye", opts, "float32");
  const out = allocate(d, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return Tensor._of(out, [n, m], d);
}
