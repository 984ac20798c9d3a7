// Pooling over the spatial axes of channels-last input [...batch, ...spatial, C], as Flax's flax.linen.max_pool and
// avg_pool: lax.reduceWindow with a window of `windowShape` over the spatial axes, 1 over the batch and channel axes.

import * as E from "fp-ts/Either";
import { ShapeError, TracegradError } from "../core/errors.js";
import { array, bool, ints } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { type At, fail, guard, options, type Param } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import * as lax from "../primitives/index.js";

/** A pooling window's padding: "VALID", "SAME" or one [lo, hi] pair per spatial axis. */
export type PoolPadding = "VALID" | "SAME" | readonly (readonly [number, number])[];
type Padding = PoolPadding;

/** nn.maxPool's options (strides default to 1 per spatial axis, padding to "VALID"). */
export interface PoolOptions {
  strides?: readonly number[];
  padding?: Padding;
}

/** nn.avgPool's options: countIncludePad (default true) divides by the window size, else by its real elements. */
export interface AvgPoolOptions extends PoolOptions {
  countIncludePad?: boolean;
}

/** "VALID", "SAME" or one [lo, hi] pair per spatial axis. */
const paddingParam: Param<Padding> = {
  ...ints("padding"),
  kind: "padConfig",
  check: (v: unknown, at: At) => {
    const pair = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every(Number.isInteger);
    const named = typeof v === "string" && ["VALID", "SAME"].includes(v.toUpperCase());
    return named || (Array.isArray(v) && v.every(pair))
      ? E.right(v as Padding)
      : fail(at, '"VALID", "SAME" or an array of [lo, hi] integer pairs, one per spatial axis', v);
  },
};

/** lax.reduceWindow over the spatial axes of `x` (Flax's `pool`): window, strides and padding lifted to every axis. */
function pool(op: string, x: Tensor, init: number, computation: "add" | "max", window: number[], o: PoolOptions) {
  const k = window.length;
  const batch = x.ndim - k - 1;
  if (batch < 0)
    throw new ShapeError(
      `${op}: input of shape [${x.shape.join(", ")}] has too few axes for a window of ${k} spatial axes; it takes ` +
        `[...batch, ${Array.from({ length: k }, (_, i) => `s${i}`).join(", ")}, channels] (channels last, as Flax)`,
    );
  if (!window.every((w) => w >= 1))
    throw new ShapeError(`${op}: windowShape [${window.join(", ")}] must hold integers ≥ 1`);
  const strides = o.strides ?? window.map(() => 1);
  if (strides.length !== k || !strides.every((s) => Number.isInteger(s) && s >= 1))
    throw new ShapeError(
      `${op}: strides [${strides.join(", ")}] must hold one integer ≥ 1 per spatial axis of the window (${k})`,
    );
  const padding = o.padding ?? "VALID";
  if (typeof padding !== "string" && padding.length !== k)
    throw new ShapeError(
      `${op}: padding ${JSON.stringify(padding)} must hold one [lo, hi] pair per spatial axis (${k})`,
    );
  const lift = (vs: readonly number[], fill: number) => [...Array(batch).fill(fill), ...vs, fill];
  const params = lax.windowParams(op, x, lift(window, 1), {
    windowStrides: lift(strides, 1),
    padding:
      typeof padding === "string"
        ? padding
        : [...Array(batch).fill([0, 0]), ...padding.map(([lo, hi]) => [lo, hi] as [number, number]), [0, 0]],
  });
  return { y: lax.reduceWindowOf(op, x, init, computation, params), params };
}

/**
 * The maximum over each window of `windowShape` on the spatial axes of channels-last `x` ([...batch, ...spatial, C],
 * as Flax's max_pool); `strides` default to 1, `padding` "VALID" (default), "SAME" or [lo, hi] per spatial axis
 * (padding never wins). The gradient flows to the first maximal element of each window.
 * @example nn.maxPool(np.array([[[1], [3], [2], [5]]]), [2], { strides: [2] }) // Tensor([[[3], [5]]], dtype=float32)
 */
export const maxPool: (x: ArrayLike, windowShape: readonly number[], opts?: PoolOptions) => Tensor = guard(
  "nn.maxPool",
  [array("x"), ints("windowShape"), options({ strides: ints("strides"), padding: paddingParam })],
  (x: ArrayLike, window: number[], o: PoolOptions) => {
    const t = asTensor(x);
    if (t.dtype === "bool") throw new TracegradError(`nn.maxPool: does not accept bool input; convert it first`);
    const init = t.dtype === "int32" ? -2147483648 : t.dtype === "uint32" ? 0 : -Infinity;
    return pool("nn.maxPool", t, init, "max", window, o).y;
  },
);

/**
 * The mean over each window of `windowShape` on the spatial axes of channels-last `x`, as Flax's avg_pool: the window
 * sum divided by the window size, or with `countIncludePad: false` by the number of input (non-padding) elements in
 * each window. Integers become float32.
 * @example nn.avgPool(np.array([[[1], [3], [2]]]), [2], { padding: "SAME" }) // Tensor([[[2], [2.5], [1]]], …)
 * nn.avgPool(np.array([[[1], [3], [2]]]), [2], { padding: "SAME", countIncludePad: false }) // [[[2], [2.5], [2]]]
 */
export const avgPool: (x: ArrayLike, windowShape: readonly number[], opts?: AvgPoolOptions) => Tensor = guard(
  "nn.avgPool",
  [
    array("x"),
    ints("windowShape"),
    options({ strides: ints("strides"), padding: paddingParam, countIncludePad: bool("countIncludePad") }),
  ],
  (x: ArrayLike, window: number[], o: AvgPoolOptions) => {
    const t0 = asTensor(x);
    const t = t0.dtype === "float32" || t0.dtype === "float64" ? t0 : lax.convertElementType(t0, "float32");
    const { y, params } = pool("nn.avgPool", t, 0, "add", window, o);
    if (o.countIncludePad ?? true)
      return np.divide(
        y,
        window.reduce((a, b) => a * b, 1),
      );
    // the window sums of ones over one example's spatial axes (a constant): how many input elements each window holds
    const k = window.length;
    const r = t.ndim;
    const spatial = (v: readonly number[]) => v.slice(r - k - 1, r - 1);
    const ones = lax.full([...spatial(t.shape), 1], 1, t.dtype);
    const counts = lax.reduceWindowSum(ones, {
      window_dimensions: [...spatial(params.window_dimensions), 1],
      window_strides: [...spatial(params.window_strides), 1],
      padding: [...params.padding.slice(r - k - 1, r - 1), [0, 0]],
      base_dilation: ones.shape.map(() => 1),
      window_dilation: ones.shape.map(() => 1),
    });
    return np.divide(y, counts);
  },
);
