// More creation functions, as NumPy's: identity, logspace, geomspace, fullLike, empty, emptyLike, and the constants.
import { allocate, type DType } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { array, bool, count, dtype, number, scalar, shape as shapeParam } from "../core/params.js";
import type { ShapeLike } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { guard, optional, options } from "../core/validate.js";
import { asTensor, type DTypeOpt, dtypeOption } from "./convert.js";
import { eye, full, zeros } from "./creation.js";

/** A creation function's trailing argument: `{ dtype }` or the dtype itself. */
export type DTypeArg = DType | DTypeOpt;

/**
 * The n×n identity matrix (float32 by default).
 * @example np.identity(2).toArray() // [[1, 0], [0, 1]]
 */
export const identity: (n: number, dtype?: DTypeArg) => Tensor = guard(
  "np.identity",
  [count("n"), dtypeOption],
  (n: number, o: DTypeOpt) => eye(n, n, { dtype: o.dtype ?? "float32" }),
);

/** A tensor of `shape` (NumPy leaves it uninitialised; here it is zeros). @example np.empty([2]).shape // [2] */
export const empty: (shape: ShapeLike, dtype?: DTypeArg) => Tensor = guard(
  "np.empty",
  [shapeParam(), dtypeOption],
  (s: number[], o: DTypeOpt) => zeros(s, o),
);

/** A tensor with the shape and dtype of `x` (zeros, as jax.numpy). @example np.emptyLike([1, 2]).shape // [2] */
export const emptyLike: (x: ArrayLike, dtype?: DTypeArg) => Tensor = guard(
  "np.emptyLike",
  [array("x"), dtypeOption],
  (x: ArrayLike, o: DTypeOpt) => {
    const t = asTensor(x);
    return zeros(t.shape, { dtype: o.dtype ?? t.dtype });
  },
);

/**
 * A tensor with the shape and dtype of `x` (unless `dtype` says otherwise) filled with `fillValue`.
 * @example np.fullLike(np.arange(3), 7) // Tensor([7, 7, 7], dtype=int32)
 */
export const fullLike: (x: ArrayLike, fillValue: number | boolean, dtype?: DTypeArg) => Tensor = guard(
  "np.fullLike",
  [array("x"), scalar("fillValue"), dtypeOption],
  (x: ArrayLike, v: number | boolean, o: DTypeOpt) => {
    const t = asTensor(x);
    return full(t.shape, v, { dtype: o.dtype ?? t.dtype });
  },
);

/** Options of `logspace`: whether `stop` is included (the positional form), the base (10) and the dtype. */
export interface LogspaceOpts {
  endpoint?: boolean;
  base?: number;
  dtype?: DType;
}
/** The exponents (or log-magnitudes) of logspace/geomspace, in float64: NumPy's linspace spacing. */
function spaced(start: number, stop: number, num: number, endpoint: boolean): Float64Array {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = endpoint && i === num - 1 && num > 1 ? stop : start + i * step;
  return out;
}
const of = (values: Float64Array, d: DType): Tensor => {
  const out = allocate(d, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return Tensor._of(out, [values.length], d);
};

/**
 * `num` (default 50) values base^t for t evenly spaced from start to stop (inclusive unless `endpoint` is false), as
 * NumPy's logspace; base 10 and float32 by default.
 * @example np.logspace(0, 2, 3) // Tensor([1, 10, 100], dtype=float32)
 */
export const logspace: (start: number, stop: number, num?: number, endpoint?: boolean | LogspaceOpts) => Tensor = guard(
  "np.logspace",
  [
    number("start"),
    number("stop"),
    optional(count("num"), 50),
    options({ endpoint: bool("endpoint"), base: number("base"), dtype: dtype() }, "endpoint"),
  ],
  (start: number, stop: number, num: number, o: LogspaceOpts) => {
    const base = o.base ?? 10;
    const t = spaced(start, stop, num, o.endpoint ?? true).map((e) => base ** e);
    return of(t, o.dtype ?? "float32");
  },
);

/** Options of `geomspace`: whether `stop` is included (the positional form), and the dtype. */
export interface GeomspaceOpts {
  endpoint?: boolean;
  dtype?: DType;
}
/**
 * `num` (default 50) values in geometric progression from start to stop (inclusive unless `endpoint` is false), as
 * NumPy: both nonzero and of one sign (negative ones give the negated progression); the ends are exact.
 * @example np.geomspace(1, 1000, 4) // Tensor([1, 10, 100, 1000], dtype=float32)
 */
export const geomspace: (start: number, stop: number, num?: number, endpoint?: boolean | GeomspaceOpts) => Tensor =
  guard(
    "np.geomspace",
    [
      number("start", true),
      number("stop", true),
      optional(count("num"), 50),
      options({ endpoint: bool("endpoint"), dtype: dtype() }, "endpoint"),
    ],
    (start: number, stop: number, num: number, o: GeomspaceOpts) => {
      if (start === 0 || stop === 0) throw new TracegradError("np.geomspace: start and stop must be nonzero");
      if (Math.sign(start) !== Math.sign(stop))
        throw new TracegradError("np.geomspace: start and stop must have the same sign");
      const sign = Math.sign(start);
      const endpoint = o.endpoint ?? true;
      const t = spaced(Math.log10(Math.abs(start)), Math.log10(Math.abs(stop)), num, endpoint).map(
        (e) => sign * 10 ** e,
      );
      if (num > 0) t[0] = start;
      if (num > 1 && endpoint) t[num - 1] = stop;
      return of(t, o.dtype ?? "float32");
    },
  );

/** NumPy's constants: π, e, ∞, NaN, and `newaxis` (null, as an index it inserts an axis). */
export const constants = {
  pi: Math.PI,
  e: Math.E,
  inf: Number.POSITIVE_INFINITY,
  nan: Number.NaN,
  newaxis: null,
} as const;
