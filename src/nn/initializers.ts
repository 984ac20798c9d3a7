// jax.nn.initializers: functions `(key, shape, dtype = "float32") => Tensor`, and the builders that return them, with
// JAX's fan computations and the same random draws, so the numbers equal JAX's for the same key.

import { type DType, isFloat } from "../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { axes, choice, dtype, number, scalar, shape } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { guard, optional, options } from "../core/validate.js";
import * as np from "../numpy/elementwise.js";
import { moveaxis } from "../numpy/shape.js";
import * as lax from "../primitives/index.js";
import { keyParam } from "../random/key.js";
import { orthogonal as randomOrthogonal } from "../random/multivariate.js";
import {
  normal as randomNormal,
  truncatedNormal as randomTruncatedNormal,
  uniform as randomUniform,
} from "../random/uniform.js";

/** An initializer: draws an array of `shape` and float `dtype` (default float32) from `key`. */
export type Initializer = (key: Tensor, shape: readonly number[], dtype?: DType) => Tensor;

const floatOf = (fn: string, d: DType | undefined): DType => {
  const r = d ?? "float32";
  if (!isFloat(r)) throw new DTypeError(`${fn}: dtype must be float32 or float64, got ${r}`);
  return r;
};

/** A guarded initializer named `fn` from `draw(key, shape, dtype)`. */
const initializer = (fn: string, draw: (key: Tensor, s: number[], d: DType) => Tensor): Initializer =>
  guard(fn, [keyParam(), shape(), optional(dtype())], (key: Tensor, s: number[], d: DType | undefined) =>
    draw(key, s, floatOf(fn, d)),
  );

const c = (v: number, d: DType): Tensor => lax.scalar(v, d);

/**
 * Zeros of `shape`; the key is not used.
 * @example nn.initializers.zeros(random.key(0), [2]) // Tensor([0, 0], dtype=float32)
 */
export const zeros: Initializer = initializer("nn.initializers.zeros", (_k, s, d) => lax.full(s, 0, d));

/**
 * Ones of `shape`; the key is not used.
 * @example nn.initializers.ones(random.key(0), [2]) // Tensor([1, 1], dtype=float32)
 */
export const ones: Initializer = initializer("nn.initializers.ones", (_k, s, d) => lax.full(s, 1, d));

/**
 * An initializer filling `shape` with `value`.
 * @example nn.initializers.constant(3)(random.key(0), [2]) // Tensor([3, 3], dtype=float32)
 */
export const constant: (value: number) => Initializer = guard(
  "nn.initializers.constant",
  [scalar("value")],
  (value: number | boolean) => initializer("nn.initializers.constant", (_k, s, d) => lax.full(s, Number(value), d)),
);

/**
 * Normal draws with mean 0 and standard deviation `stddev` (default 0.01): `random.normal(key, shape)·stddev`.
 * @example nn.initializers.normal(1)(random.key(0), [2, 3]).shape // [2, 3]
 */
export const normal: (stddev?: number) => Initializer = guard(
  "nn.initializers.normal",
  [optional(number("stddev", true), 1e-2)],
  (stddev: number) =>
    initializer("nn.initializers.normal", (k, s, d) => np.multiply(randomNormal(k, s, d), c(stddev, d))),
);

/**
 * Uniform draws in [0, scale) (default 0.01): `random.uniform(key, shape)·scale`.
 * @example nn.initializers.uniform(1)(random.key(0), [2, 3]).shape // [2, 3]
 */
export const uniform: (scale?: number) => Initializer = guard(
  "nn.initializers.uniform",
  [optional(number("scale", true), 1e-2)],
  (scale: number) =>
    initializer("nn.initializers.uniform", (k, s, d) => np.multiply(randomUniform(k, s, { dtype: d }), c(scale, d))),
);

/** Options of `truncatedNormal`: the truncation bounds in units of `stddev`. */
export interface TruncatedNormalOpts {
  lower?: number;
  upper?: number;
}

/**
 * Normal draws truncated to (lower, upper) (default (−2, 2)), times `stddev` (default 0.01; the untruncated
 * standard deviation, without variance scaling's correction, as JAX).
 * @example nn.initializers.truncatedNormal(1)(random.key(0), [2, 3]).shape // [2, 3]
 */
export const truncatedNormal: (stddev?: number, opts?: TruncatedNormalOpts) => Initializer = guard(
  "nn.initializers.truncatedNormal",
  [optional(number("stddev", true), 1e-2), options({ lower: number("lower"), upper: number("upper") })],
  (stddev: number, o: TruncatedNormalOpts) =>
    initializer("nn.initializers.truncatedNormal", (k, s, d) =>
      np.multiply(randomTruncatedNormal(k, o.lower ?? -2, o.upper ?? 2, s, d), c(stddev, d)),
    ),
);

export type FanMode = "fan_in" | "fan_out" | "fan_avg" | "fan_geo_avg";
export type Distribution = "truncated_normal" | "normal" | "uniform";

/** Axes of the weights for the fan computation (each an axis or a list of axes). */
export interface FanAxes {
  inAxis?: number | readonly number[];
  outAxis?: number | readonly number[];
  batchAxis?: number | readonly number[];
}

const fanAxesOptions = options({ inAxis: axes("inAxis"), outAxis: axes("outAxis"), batchAxis: axes("batchAxis") });

/**
 * JAX's `_compute_fans`: fan_in = in·receptive field, fan_out = out·receptive field, where the receptive field is the
 * product of the axes that are neither in, out nor batch axes.
 */
export function computeFans(fn: string, s: readonly number[], o: FanAxes): [number, number] {
  if (s.length <= 1)
    throw new ShapeError(`${fn}: cannot compute fans of a weights shape ${fmtShape(s)}; it must be at least 2-D`);
  const size = (a: number | readonly number[] | undefined, dflt: readonly number[]): number => {
    const list = a === undefined ? dflt : typeof a === "number" ? [a] : a;
    return list.reduce((n, i) => {
      if (i < -s.length || i >= s.length)
        throw new ShapeError(`${fn}: axis ${i} is out of bounds for the weights shape ${fmtShape(s)}`);
      return n * s[i < 0 ? i + s.length : i]!;
    }, 1);
  };
  const total = s.reduce((a, b) => a * b, 1);
  const inSize = size(o.inAxis, [-2]);
  const outSize = size(o.outAxis, [-1]);
  const batchSize = size(o.batchAxis, []);
  const receptive = total / inSize / outSize / batchSize;
  return [inSize * receptive, outSize * receptive];
}

/** Constant of the standard normal's standard deviation when truncated to (−2, 2). */
const TRUNCATED_STDDEV = 0.87962566103423978;

function varianceScalingImpl(scale: number, mode: FanMode, distribution: Distribution, o: FanAxes): Initializer {
  const fn = "nn.initializers.varianceScaling";
  return initializer(fn, (k, s, d) => {
    const [fanIn, fanOut] = computeFans(fn, s, o);
    const denominator =
      mode === "fan_in"
        ? fanIn
        : mode === "fan_out"
          ? fanOut
          : mode === "fan_avg"
            ? (fanIn + fanOut) / 2
            : Math.sqrt(fanIn * fanOut);
    const variance = c(scale / denominator, d);
    if (distribution === "truncated_normal") {
      const stddev = np.divide(lax.sqrt(variance), c(TRUNCATED_STDDEV, d));
      return np.multiply(randomTruncatedNormal(k, -2, 2, s, d), stddev);
    }
    if (distribution === "normal") return np.multiply(randomNormal(k, s, d), lax.sqrt(variance));
    return np.multiply(randomUniform(k, s, { minval: -1, dtype: d }), lax.sqrt(np.multiply(c(3, d), variance)));
  });
}

/**
 * Draws with standard deviation √(scale/n), n the fan of `mode` (`"fan_in"`, `"fan_out"`, `"fan_avg"`: their mean,
 * `"fan_geo_avg"`: their geometric mean), from `distribution`: `"truncated_normal"` (at ±2 standard deviations,
 * rescaled by JAX's constant 0.87962566103423978), `"normal"`, or `"uniform"` (in ±√(3·scale/n)).
 * @example nn.initializers.varianceScaling(2, "fan_in", "normal")(random.key(0), [3, 3, 16, 8]).shape // [3, 3, 16, 8]
 */
export const varianceScaling: (
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  opts?: FanAxes,
) => Initializer = guard(
  "nn.initializers.varianceScaling",
  [
    number("scale", true),
    choice("mode", ["fan_in", "fan_out", "fan_avg", "fan_geo_avg"] as const),
    choice("distribution", ["truncated_normal", "normal", "uniform"] as const),
    fanAxesOptions,
  ],
  varianceScalingImpl,
);

/** A named `varianceScaling` preset taking `{ inAxis, outAxis, batchAxis }`. */
const preset = (name: string, scale: number, mode: FanMode, dist: Distribution): ((opts?: FanAxes) => Initializer) =>
  guard(`nn.initializers.${name}`, [fanAxesOptions], (o: FanAxes) => varianceScalingImpl(scale, mode, dist, o));

/**
 * Glorot (Xavier) uniform: varianceScaling(1, "fan_avg", "uniform").
 * @example nn.initializers.glorotUniform()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const glorotUniform = preset("glorotUniform", 1, "fan_avg", "uniform");
/**
 * Glorot (Xavier) normal: varianceScaling(1, "fan_avg", "truncated_normal").
 * @example nn.initializers.glorotNormal()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const glorotNormal = preset("glorotNormal", 1, "fan_avg", "truncated_normal");
/**
 * LeCun uniform: varianceScaling(1, "fan_in", "uniform").
 * @example nn.initializers.lecunUniform()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const lecunUniform = preset("lecunUniform", 1, "fan_in", "uniform");
/**
 * LeCun normal: varianceScaling(1, "fan_in", "truncated_normal").
 * @example nn.initializers.lecunNormal()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const lecunNormal = preset("lecunNormal", 1, "fan_in", "truncated_normal");
/**
 * He (Kaiming) uniform: varianceScaling(2, "fan_in", "uniform").
 * @example nn.initializers.heUniform()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const heUniform = preset("heUniform", 2, "fan_in", "uniform");
/**
 * He (Kaiming) normal: varianceScaling(2, "fan_in", "truncated_normal").
 * @example nn.initializers.heNormal()(random.key(0), [2, 3]).shape // [2, 3]
 */
export const heNormal = preset("heNormal", 2, "fan_in", "truncated_normal");

/** Options of `orthogonal`: the axis holding the columns that are orthonormal. */
export interface OrthogonalInitOpts {
  columnAxis?: number;
}

/**
 * Uniformly distributed orthogonal matrices times `scale` (default 1), as JAX: the shape is flattened to
 * [rows, columns] with the columns on `columnAxis` (default −1); when not square, the fewer of the rows or columns are
 * orthonormal. The draw is `random.orthogonal(key, rows, [], { m: columns })`.
 * @example const q = nn.initializers.orthogonal()(random.key(0), [3, 3]); np.matmul(q.transpose(), q) // ≈ eye(3)
 */
export const orthogonal: (scale?: number, columnAxis?: number | OrthogonalInitOpts) => Initializer = guard(
  "nn.initializers.orthogonal",
  [optional(number("scale", true), 1), options({ columnAxis: number("columnAxis") }, "columnAxis")],
  (scale: number, o: OrthogonalInitOpts) => {
    const fn = "nn.initializers.orthogonal";
    return initializer(fn, (k, s, d) => {
      if (s.length < 2) throw new ShapeError(`${fn}: needs a shape of at least 2 dimensions, got ${fmtShape(s)}`);
      const ax0 = o.columnAxis ?? -1;
      if (!Number.isInteger(ax0) || ax0 < -s.length || ax0 >= s.length)
        throw new TracegradError(`${fn}: columnAxis ${ax0} is out of bounds for the shape ${fmtShape(s)}`);
      const ax = ax0 < 0 ? ax0 + s.length : ax0;
      const cols = s[ax]!;
      const total = s.reduce((a, b) => a * b, 1);
      const rows = cols === 0 ? 0 : total / cols;
      const q = randomOrthogonal(k, rows, [], { m: cols, dtype: d });
      const flat = lax.reshape(q, [...s.filter((_, i) => i !== ax), cols]);
      return np.multiply(c(scale, d), moveaxis(flat, -1, ax));
    });
  },
);

/**
 * Initializers as `jax.nn.initializers`: each is `(key, shape, dtype = "float32") => Tensor`; the builders return one.
 * @example nn.initializers.heNormal()(random.key(0), [256, 512]).shape // [256, 512]
 */
export const initializers = {
  zeros,
  ones,
  constant,
  normal,
  uniform,
  truncatedNormal,
  varianceScaling,
  glorotUniform,
  glorotNormal,
  lecunUniform,
  lecunNormal,
  heUniform,
  heNormal,
  xavierUniform: glorotUniform,
  xavierNormal: glorotNormal,
  kaimingUniform: heUniform,
  kaimingNormal: heNormal,
  orthogonal,
};
