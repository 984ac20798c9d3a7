// A PrimCase made concrete: input tensors, the primitive as a function, and its float-input restriction for autodiff.
import type { Tensor } from "tracegrad";
import type { Primitive } from "../src/ir/jaxpr.js";
import { bind } from "../src/ir/trace.js";
import { isFloatDType, type PrimCase } from "./arbitraries.js";
import { tensorOf } from "./numerics.js";

export interface Concrete {
  /** All inputs as tensors. */
  xs: Tensor[];
  /** The primitive applied to all inputs: (...xs) => bind(prim, xs, params)[0]. */
  f: (...xs: Tensor[]) => Tensor;
  /** Indices of the float inputs (the ones differentiated). */
  floatIdx: number[];
  /** The primitive as a function of its float inputs only; bool/int inputs are fixed constants. */
  g: (...floats: Tensor[]) => Tensor;
  floatXs: Tensor[];
  /** Directions and cotangent as tensors and as float64 arrays, for the float inputs only. */
  v: Tensor[];
  w: Tensor[];
  vArr: Float64Array[];
  wArr: Float64Array[];
  u: Tensor | null;
  uArr: Float64Array | null;
}

export function concrete(prim: Primitive<unknown>, c: PrimCase): Concrete {
  const xs = c.avals.map((a, i) => tensorOf(c.inputs[i]!, a.shape, a.dtype));
  const f = (...args: Tensor[]): Tensor => bind(prim, args, c.params)[0]!;
  const nondiff = prim.testing?.nondiff ?? [];
  const floatIdx = c.avals.flatMap((a, i) => (isFloatDType(a.dtype) && !nondiff.includes(i) ? [i] : []));
  const g = (...floats: Tensor[]): Tensor =>
    f(...xs.map((x, i) => (floatIdx.includes(i) ? floats[floatIdx.indexOf(i)]! : x)));
  const dirs = (d: (number[] | null)[]) => floatIdx.map((i) => Float64Array.from(d[i]!));
  const [vArr, wArr] = [dirs(c.v), dirs(c.w)];
  const asTensors = (arrs: Float64Array[]) =>
    arrs.map((a, k) => tensorOf(a, c.avals[floatIdx[k]!]!.shape, c.avals[floatIdx[k]!]!.dtype));
  const uArr = c.u ? Float64Array.from(c.u) : null;
  return {
    xs,
    f,
    floatIdx,
    g,
    floatXs: floatIdx.map((i) => xs[i]!),
    v: asTensors(vArr),
    w: asTensors(wArr),
    vArr,
    wArr,
    u: uArr ? tensorOf(uArr, c.out.shape, c.out.dtype) : null,
    uArr,
  };
}
