// lax.reduceWindow's dispatch onto the windowed primitives, as JAX's lax.reduce_window: "add" → reduce_window_sum,
// "max"/"min" → reduce_window_max/min, "mul" → reduce_window_prod. Padding given as "VALID"/"SAME"/"SAME_LOWER"
// becomes pairs as JAX's padtype_to_pads. An init value other than the computation's identity is applied as XLA
// (StableHLO's reduce_window): every hole and padding element of a window holds it, and the reduction starts from it,
// so the result is init ⊕ (the window's operand elements) ⊕ init for each hole or padding element.
import { type DType, isFloat } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { full } from "../constants.js";
import { add } from "../elementwise/add.js";
import { max } from "../elementwise/max.js";
import { min } from "../elementwise/min.js";
import { mul } from "../elementwise/mul.js";
import { pow } from "../elementwise/pow.js";
import { broadcastInDim } from "../structure/broadcast_and_sum.js";
import { extremumIdentity, reduceWindowMax, reduceWindowMin } from "./reduce_window_max.js";
import { reduceWindowProd } from "./reduce_window_prod.js";
import { reduceWindowSum } from "./reduce_window_sum.js";
import { dilateDim, padtypeToPads, type WindowParams, windowPlan, windowSize } from "./window.js";

export type WindowComputation = "add" | "max" | "min" | "mul";
export type WindowPadding = "VALID" | "SAME" | "SAME_LOWER" | readonly (readonly [number, number])[];
export const WINDOW_COMPUTATIONS: readonly WindowComputation[] = ["add", "max", "min", "mul"];

export interface ReduceWindowOptions {
  windowStrides?: readonly number[] | undefined;
  padding?: WindowPadding | undefined;
  baseDilation?: readonly number[] | undefined;
  windowDilation?: readonly number[] | undefined;
}

/** Checks one per-axis list of integers ≥ `least` (default: `fill` on every axis). */
function perAxis(op: string, arg: string, v: readonly number[] | undefined, x: Tensor, fill: number, least = 1) {
  if (v === undefined) return x.shape.map(() => fill);
  if (!Array.isArray(v) || v.length !== x.ndim || !v.every((k) => Number.isInteger(k) && k >= least))
    throw new ShapeError(
      `${op}: ${arg} ${JSON.stringify(v)} must hold one integer ≥ ${least} per axis of the operand of shape ` +
        `${fmtShape(x.shape)} (${x.ndim} of them)`,
    );
  return [...v];
}

/** Params of a windowed reduction of `x`, checked, with padding resolved to [lo, hi] pairs. */
export function windowParams(
  op: string,
  x: Tensor,
  windowDimensions: readonly number[],
  o: ReduceWindowOptions,
): WindowParams {
  const dims = perAxis(op, "windowDimensions", windowDimensions, x, 1);
  const strides = perAxis(op, "windowStrides", o.windowStrides, x, 1);
  const base = perAxis(op, "baseDilation", o.baseDilation, x, 1);
  const wdil = perAxis(op, "windowDilation", o.windowDilation, x, 1);
  // padding names in any case, as JAX's padtype_to_pads
  const padding = typeof o.padding === "string" ? (o.padding.toUpperCase() as WindowPadding) : (o.padding ?? "VALID");
  let pads: [number, number][];
  if (typeof padding === "string") {
    if (padding !== "VALID" && padding !== "SAME" && padding !== "SAME_LOWER")
      throw new TracegradError(
        `${op}: padding "${padding}" is not one of "VALID", "SAME", "SAME_LOWER"; or pass [lo, hi] per axis`,
      );
    const dilated = dims.map((w, i) => dilateDim(w, wdil[i]!));
    pads = padtypeToPads(x.shape, dilated, strides, padding);
  } else {
    const pair = (q: unknown) => Array.isArray(q) && q.length === 2 && q.every(Number.isInteger);
    if (!Array.isArray(padding) || padding.length !== x.ndim || !padding.every(pair))
      throw new ShapeError(
        `${op}: padding ${JSON.stringify(padding)} must be "VALID", "SAME", "SAME_LOWER" or one integer pair ` +
          `[lo, hi] per axis of the operand of shape ${fmtShape(x.shape)} (${x.ndim} of them)`,
      );
    pads = padding.map(([lo, hi]) => [lo, hi]);
  }
  pads.forEach(([lo, hi], i) => {
    if (dilateDim(x.shape[i]!, base[i]!) + lo + hi < 0)
      throw new ShapeError(
        `${op}: padding [${lo}, ${hi}] on axis ${i} cuts off more than the axis' ${x.shape[i]} elements ` +
          `(operand shape ${fmtShape(x.shape)})`,
      );
  });
  return {
    window_dimensions: dims,
    window_strides: strides,
    padding: pads,
    base_dilation: base,
    window_dilation: wdil,
  };
}

/** Per output element: how many of its window's elements are holes or padding. */
function fillCounts(x: Tensor, p: WindowParams): Float64Array {
  const plan = windowPlan(x.shape, p);
  const w = windowSize(p);
  const counts = new Float64Array(plan.outSize);
  for (let l = 0; l < plan.lead; l++)
    for (let q = 0; q < plan.mid; q++) {
      const c = w - (plan.rowStart[q + 1]! - plan.rowStart[q]!);
      counts.fill(c, l * plan.outBlock + q * plan.vec, l * plan.outBlock + (q + 1) * plan.vec);
    }
  return counts;
}

const toDtype = (a: Float64Array, dtype: DType) =>
  dtype === "float64"
    ? a
    : dtype === "float32"
      ? Float32Array.from(a)
      : dtype === "int32"
        ? Int32Array.from(a)
        : Uint32Array.from(a);

const IDENTITY: Record<WindowComputation, (d: DType) => number> = {
  add: () => 0,
  mul: () => 1,
  max: (d) => extremumIdentity(d, 1),
  min: (d) => extremumIdentity(d, -1),
};

/**
 * lax.reduceWindow on tensors: `init` a JS number (weakly typed: x's dtype) or a scalar tensor of x's dtype, the
 * params checked and resolved by windowParams.
 */
export function reduceWindowOf(
  op: string,
  x: Tensor,
  init: number | Tensor,
  computation: WindowComputation,
  p: WindowParams,
): Tensor {
  if (x.dtype === "bool")
    throw new DTypeError(`${op}: does not accept a bool operand; convert it with astype("int32") first`);
  if (init instanceof Tensor && (init.ndim !== 0 || init.dtype !== x.dtype))
    throw new ShapeError(
      `${op}: initValue must be a scalar of the operand's dtype ${x.dtype}, got shape ${fmtShape(init.shape)} and ` +
        `dtype ${init.dtype}; pass a JS number`,
    );
  const reduced =
    computation === "add"
      ? reduceWindowSum(x, p)
      : computation === "max"
        ? reduceWindowMax(x, p)
        : computation === "min"
          ? reduceWindowMin(x, p)
          : reduceWindowProd(x, p);
  const identity = IDENTITY[computation](x.dtype);
  // ∓∞ is max's and min's identity in every dtype (the integer bounds for integers)
  const isIdentity =
    init === identity || (computation === "max" && init === -Infinity) || (computation === "min" && init === Infinity);
  if (typeof init === "number" && isIdentity) return reduced;
  const out = reduced.shape;
  const v = typeof init === "number" ? full(out, init, x.dtype) : broadcastInDim(init, out, []);
  if (computation === "max") return max(reduced, v);
  if (computation === "min") return min(reduced, v);
  // how many times each window's result takes the init value: once, and once per hole or padding element
  const counts = fillCounts(x, p).map((k) => k + 1);
  const times = Tensor._of(toDtype(counts, x.dtype), out, x.dtype);
  if (computation === "add") return add(reduced, mul(v, times));
  if (typeof init === "number") {
    // integer powers wrap as the dtype does, one product at a time
    const ipow = (k: number) => {
      let r = 1;
      for (let i = 0; i < k; i++) r = Math.imul(r, init);
      return r;
    };
    const powers = counts.map((k) => (isFloat(x.dtype) ? init ** k : ipow(k)));
    return mul(reduced, Tensor._of(toDtype(powers, x.dtype), out, x.dtype));
  }
  if (!isFloat(x.dtype))
    throw new DTypeError(`${op}: "mul" of an ${x.dtype} operand takes its initValue as a JS number, not a tensor`);
  return mul(reduced, pow(v, times));
}
