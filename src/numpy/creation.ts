// Creating tensors: zeros, ones, full, arange, linspace, eye, and the *Like forms.
import { type DType, allocate, checkDType } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { asTensor } from "./convert.js";

/** The `{ dtype }` option of creation functions. */
export interface DTypeOpt {
  dtype?: DType;
}
const dt = (op: string, o: DTypeOpt, dflt: DType): DType => (o.dtype === undefined ? dflt : checkDType(op, o.dtype));

function filled(op: string, shape: readonly number[], value: number | boolean, opts: DTypeOpt): Tensor {
  const s = checkShape(op, shape);
  if (typeof value !== "number" && typeof value !== "boolean") throw new TracegradError(`${op}: the fill value must be a number or boolean, got ${typeof value} ${JSON.stringify(value)}`);
  const d = dt(op, opts, typeof value === "boolean" ? "bool" : "float32");
  return Tensor._of(allocate(d, sizeOf(s)).fill(Number(value)), s, d);
}
/** A tensor of `shape` filled with `value`. */
export const full = (shape: readonly number[], value: number | boolean, opts: DTypeOpt = {}): Tensor => filled("np.full", shape, value, opts);
/** Zeros of `shape` (float32 by default). */
export const zeros = (shape: readonly number[], opts: DTypeOpt = {}): Tensor => filled("np.zeros", shape, 0, opts);
/** Ones of `shape` (float32 by default). */
export const ones = (shape: readonly number[], opts: DTypeOpt = {}): Tensor => filled("np.ones", shape, 1, opts);
/** Zeros with the shape and dtype of `x`. */
export const zerosLike = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return full(t.shape, 0, { dtype: t.dtype });
};
/** Ones with the shape and dtype of `x`. */
export const onesLike = (x: ArrayLike): Tensor => {
  const t = asTensor(x);
  return full(t.shape, 1, { dtype: t.dtype });
};

/**
 * Evenly spaced values in [start, stop); int32 when every argument is an integer, as NumPy. The options
 * object may follow any argument: `arange(5, { dtype: "float64" })`.
 */
export function arange(start: number, ...rest: (number | DTypeOpt | undefined)[]): Tensor {
  const opts = (typeof rest[rest.length - 1] === "object" ? rest.pop() : {}) as DTypeOpt;
  const [stop, step] = rest as (number | undefined)[];
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  const st = step ?? 1;
  for (const [k, v] of [["start", lo], ["stop", hi], ["step", st]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TracegradError(`np.arange: ${k} must be a finite number, got ${String(v)}`);
  }
  if (st === 0) throw new TracegradError("np.arange: step must not be zero");
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const d = dt("np.arange", opts, [lo, hi, st].every(Number.isInteger) ? "int32" : "float32");
  const out = allocate(d, n);
  for (let i = 0; i < n; i++) out[i] = lo + i * st;
  return Tensor._of(out, [n], d);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num = 50, opts: DTypeOpt = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new TracegradError(`np.linspace: num must be a whole number ≥ 0, got ${num}`);
  const d = dt("np.linspace", opts, "float32");
  const out = allocate(d, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return Tensor._of(out, [num], d);
}

/** The n×m identity (m = n by default). */
export function eye(n: number, m: number = n, opts: DTypeOpt = {}): Tensor {
  checkShape("np.eye", [n, m]);
  const d = dt("np.eye", opts, "float32");
  const out = allocate(d, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return Tensor._of(out, [n, m], d);
}
