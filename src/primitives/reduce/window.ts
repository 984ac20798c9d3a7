// Shared by the windowed reductions (reduce_window_sum/max/min/prod, select_and_gather_add, select_and_scatter_add):
// their params, shape rule, padding types, the batching rule (the vmapped axis as a window dimension of size 1), test
// sampling, and the window plan their kernels iterate.
// Semantics as XLA's ReduceWindow (StableHLO's reduce_window): the operand is dilated by `base_dilation` (holes
// between elements), padded by `padding` [lo, hi] per axis, and each output element reduces the window of
// `window_dimensions` elements (spread by `window_dilation`) starting at `out · window_strides`. Holes and padding
// take the reduction's identity in the primitives; lax.reduceWindow accounts for other init values.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import type { TypedArray } from "../../core/dtype.js";
import { fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { Choose } from "../../ir/rule_types.js";
import { scalar } from "../constants.js";
import { eagerBackend, type WindowSelectPlan } from "../eager_backend.js";
import { pad, slice } from "../structure/slice_and_pad.js";
import { moveAxis } from "../structure/transpose.js";

export interface WindowParams {
  window_dimensions: readonly number[];
  window_strides: readonly number[];
  /** [lo, hi] per axis; may be negative (elements cut off), as XLA. */
  padding: readonly (readonly [number, number])[];
  base_dilation: readonly number[];
  window_dilation: readonly number[];
}

/** Which element a max (ge) or min (le) window chooses: the first extremal one in row-major window order. */
export type SelectPrim = "ge" | "le";

/** (n − 1)·d + 1, 0 for n = 0: the length of n elements with d − 1 holes between neighbours. */
export const dilateDim = (n: number, d: number): number => (n === 0 ? 0 : (n - 1) * d + 1);

const isPosInts = (v: readonly number[], n: number) =>
  Array.isArray(v) && v.length === n && v.every((k) => Number.isInteger(k) && k >= 1);

/** The output shape of a windowed reduction of `shape`, or a ShapeError naming `name` and what is wrong. */
export function windowShape(
  name: string,
  shape: readonly number[],
  p: WindowParams,
): E.Either<TracegradError, number[]> {
  const r = shape.length;
  const bad = (what: string) =>
    E.left(new ShapeError(`${name}: ${what} for an operand of shape ${fmtShape(shape)} (rank ${r})`));
  if (!isPosInts(p.window_dimensions, r))
    return bad(`window_dimensions (${String(p.window_dimensions)}) must be ${r} integers ≥ 1, one per axis`);
  if (!isPosInts(p.window_strides, r))
    return bad(`window_strides (${String(p.window_strides)}) must be ${r} integers ≥ 1, one per axis`);
  if (!isPosInts(p.base_dilation, r))
    return bad(`base_dilation (${String(p.base_dilation)}) must be ${r} integers ≥ 1, one per axis`);
  if (!isPosInts(p.window_dilation, r))
    return bad(`window_dilation (${String(p.window_dilation)}) must be ${r} integers ≥ 1, one per axis`);
  const pairOk = (q: unknown) => Array.isArray(q) && q.length === 2 && q.every(Number.isInteger);
  if (!Array.isArray(p.padding) || p.padding.length !== r || !p.padding.every(pairOk))
    return bad(`padding ${JSON.stringify(p.padding)} must be ${r} integer pairs [lo, hi], one per axis`);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const padded = dilateDim(shape[i]!, p.base_dilation[i]!) + p.padding[i]![0] + p.padding[i]![1];
    const w = dilateDim(p.window_dimensions[i]!, p.window_dilation[i]!);
    if (padded < 0) return bad(`padding ${JSON.stringify(p.padding[i])} on axis ${i} cuts off more than the axis`);
    out.push(padded < w ? 0 : Math.floor((padded - w) / p.window_strides[i]!) + 1);
  }
  return E.right(out);
}

/** The shape rule of a one-operand windowed reduction (float or integer operand). */
export function windowAval(name: string, x: ShapedArray, p: WindowParams): E.Either<TracegradError, ShapedArray> {
  if (x.dtype === "bool")
    return E.left(new ShapeError(`${name}: does not accept bool operands; convert with astype("int32") first`));
  return E.map((s: number[]) => new ShapedArray(s, x.dtype))(windowShape(name, x.shape, p));
}

/**
 * JAX's padtype_to_pads: [lo, hi] per axis for "VALID" (none), "SAME" (output ⌈n / stride⌉, the extra on the high
 * side) or "SAME_LOWER" (the extra on the low side), for `window` already dilated.
 */
export function padtypeToPads(
  shape: readonly number[],
  window: readonly number[],
  strides: readonly number[],
  padding: "VALID" | "SAME" | "SAME_LOWER",
): [number, number][] {
  if (padding === "VALID") return shape.map(() => [0, 0]);
  return shape.map((n, i) => {
    const out = Math.ceil(n / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + window[i]! - n, 0);
    const half = Math.floor(total / 2);
    return padding === "SAME" ? [half, total - half] : [total - half, half];
  });
}

/** Params with one more leading axis of window 1, stride 1, no padding or dilation (a batch axis). */
export const withLeadingAxis = <P extends WindowParams>(p: P): P => ({
  ...p,
  window_dimensions: [1, ...p.window_dimensions],
  window_strides: [1, ...p.window_strides],
  padding: [[0, 0] as const, ...p.padding],
  base_dilation: [1, ...p.base_dilation],
  window_dilation: [1, ...p.window_dilation],
});

/** The batching rule of a one-operand windowed primitive: the batch axis first, as a window axis of size 1. */
export const batchAsWindowAxis =
  <P extends WindowParams>(apply: (x: Tensor, p: P) => Tensor) =>
  ([x]: Tensor[], [d]: (number | null)[], p: P): [Tensor, number | null] => [
    apply(moveAxis(x!, d!, 0), withLeadingAxis(p)),
    0,
  ];

/** `x` padded by [lo, hi, interior] per axis, where lo and hi may be negative (cutting elements off), as lax.pad. */
export function padSigned(x: Tensor, value: number, cfg: readonly (readonly [number, number, number])[]): Tensor {
  const padded = pad(
    x,
    scalar(value, x.dtype),
    cfg.map(([lo, hi, interior]) => [Math.max(lo, 0), Math.max(hi, 0), interior] as const),
  );
  if (cfg.every(([lo, hi]) => lo >= 0 && hi >= 0)) return padded;
  return slice(
    padded,
    cfg.map(([lo]) => Math.max(-lo, 0)),
    cfg.map(([, hi], i) => padded.shape[i]! - Math.max(-hi, 0)),
  );
}

/** The number of window elements. */
export const windowSize = (p: WindowParams): number => p.window_dimensions.reduce((a, b) => a * b, 1);

/**
 * Random params over `shape` for property tests. `covered`: every window holds at least one operand element (max and
 * min of an all-padding window are ±∞, where finite differences mean nothing).
 */
export function sampleWindow(choose: Choose, covered: boolean): { shape: number[]; params: WindowParams } {
  const rank = 1 + choose(3);
  const shape = Array.from({ length: rank }, () => 1 + choose(4));
  const dims: number[] = [];
  const strides: number[] = [];
  const padding: [number, number][] = [];
  const base: number[] = [];
  const wdil: number[] = [];
  for (const n of shape) {
    const bd = 1 + choose(2);
    const wd = 1 + choose(2);
    const lo = choose(3) - (covered ? 0 : choose(2));
    const hi = choose(3);
    const span = dilateDim(n, bd) + lo + hi;
    const maxW = Math.max(1, Math.floor((span - 1) / wd) + 1);
    dims.push(1 + choose(Math.min(3, maxW)));
    strides.push(1 + choose(2));
    padding.push([lo, hi]);
    base.push(bd);
    wdil.push(wd);
  }
  const params: WindowParams = {
    window_dimensions: dims,
    window_strides: strides,
    padding,
    base_dilation: base,
    window_dilation: wdil,
  };
  const valid = E.isRight(windowShape("sample", shape, params));
  const plan = valid ? windowPlan(shape, params) : null;
  if (!plan || plan.outSize === 0 || (covered && !plan.covered)) {
    const ones = shape.map(() => 1);
    return {
      shape,
      params: {
        window_dimensions: shape.map((n) => 1 + choose(n)),
        window_strides: shape.map(() => 1 + choose(2)),
        padding: shape.map(() => [0, 0] as const),
        base_dilation: ones,
        window_dilation: ones,
      },
    };
  }
  return { shape, params };
}

/**
 * How a kernel walks the windows: the axes split into leading ones the window does not touch (window 1, stride 1, no
 * padding or dilation; `lead` blocks), the middle ones, and trailing untouched ones (`vec` contiguous elements, which
 * the kernels treat as a vector: channels-last pooling reads whole channel rows). For each middle output position p,
 * `entries[rowStart[p] … rowStart[p + 1])` are the offsets (in units of `vec`) of the operand elements of its window
 * inside one leading block, in row-major window order; padding and holes are left out. `mid` counts the middle
 * output positions per leading block; `inBlock` and `outBlock` are the elements per leading block of the operand and
 * of the output.
 */
export interface WindowPlan extends WindowSelectPlan {
  /** Every window holds at least one operand element. */
  covered: boolean;
}

const plans = new Map<string, WindowPlan>();

/** The plan of windows of `p` over `shape` (cached; shapes and params must already be valid). */
export function windowPlan(shape: readonly number[], p: WindowParams): WindowPlan {
  const key = `${shape.join(",")}|${p.window_dimensions.join(",")}|${p.window_strides.join(",")}|${p.padding.join(
    ";",
  )}|${p.base_dilation.join(",")}|${p.window_dilation.join(",")}`;
  let plan = plans.get(key);
  if (!plan) {
    if (plans.size > 256) plans.clear();
    plan = makePlan(shape, p);
    // small plans are kept (a model's few pooling layers); huge ones are rebuilt, not held
    if (plan.entries.length < 1 << 20) plans.set(key, plan);
  }
  return plan;
}

function makePlan(shape: readonly number[], p: WindowParams): WindowPlan {
  const r = shape.length;
  const outShape = E.getOrElse((): number[] => shape.map(() => 0))(windowShape("plan", shape, p));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const untouched = (i: number) =>
    p.window_dimensions[i] === 1 &&
    p.window_strides[i] === 1 &&
    p.padding[i]![0] === 0 &&
    p.padding[i]![1] === 0 &&
    p.base_dilation[i] === 1;
  let a = 0;
  while (a < r && untouched(a)) a++;
  let b = r;
  while (b > a && untouched(b - 1)) b--;
  const prod = (xs: readonly number[]) => xs.reduce((s, n) => s * n, 1);
  const lead = prod(shape.slice(0, a));
  const vec = prod(shape.slice(b));
  const midIn = shape.slice(a, b);
  const midOut = outShape.slice(a, b);
  const mid = prod(midOut);
  const m = b - a;
  // per middle axis and output coordinate: the operand indices its window reaches (−1 for padding and holes)
  const inStride: number[] = new Array(m).fill(1);
  for (let i = m - 2; i >= 0; i--) inStride[i] = inStride[i + 1]! * midIn[i + 1]!;
  const reach = midOut.map((no, i) => {
    const ax = a + i;
    const wdim = p.window_dimensions[ax]!;
    const t = new Int32Array(no * wdim);
    for (let o = 0; o < no; o++) {
      for (let w = 0; w < wdim; w++) {
        const pos = o * p.window_strides[ax]! + w * p.window_dilation[ax]! - p.padding[ax]![0];
        const bd = p.base_dilation[ax]!;
        const idx = pos / bd;
        t[o * wdim + w] = pos >= 0 && pos % bd === 0 && idx < midIn[i]! ? idx * inStride[i]! : -1;
      }
    }
    return t;
  });
  const wdims = p.window_dimensions.slice(a, b);
  const rowStart = new Int32Array(mid + 1);
  const list: number[] = [];
  let covered = true;
  const o = new Array<number>(m).fill(0);
  const w = new Array<number>(m).fill(0);
  for (let q = 0; q < mid; q++) {
    rowStart[q] = list.length;
    // every window position of output q, row-major; keep those inside the operand
    w.fill(0);
    for (;;) {
      let off = 0;
      for (let i = 0; i < m; i++) {
        const v = reach[i]![o[i]! * wdims[i]! + w[i]!]!;
        if (v < 0) {
          off = -1;
          break;
        }
        off += v;
      }
      if (off >= 0) list.push(off);
      let i = m - 1;
      while (i >= 0 && ++w[i]! === wdims[i]) w[i--] = 0;
      if (i < 0) break;
    }
    if (list.length === rowStart[q]) covered = false;
    let i = m - 1;
    while (i >= 0 && ++o[i]! === midOut[i]) o[i--] = 0;
  }
  rowStart[mid] = list.length;
  return {
    lead,
    vec,
    mid,
    inBlock: prod(midIn) * vec,
    outBlock: mid * vec,
    rowStart,
    entries: Int32Array.from(list),
    outSize,
    covered: covered || outSize === 0,
  };
}

/** Window sums of `x` into `dest` (the output's size), accumulated in float64; holes and padding add nothing. */
export function windowSumInto(x: TypedArray, plan: WindowPlan, dest: TypedArray): void {
  const { lead, vec, mid, inBlock, outBlock, rowStart, entries } = plan;
  const acc = new Float64Array(vec);
  for (let l = 0; l < lead; l++) {
    const inBase = l * inBlock;
    for (let q = 0; q < mid; q++) {
      const out = l * outBlock + q * vec;
      const e1 = rowStart[q + 1]!;
      if (vec === 1) {
        let s = 0;
        for (let e = rowStart[q]!; e < e1; e++) s += x[inBase + entries[e]!]!;
        dest[out] = s;
        continue;
      }
      acc.fill(0);
      for (let e = rowStart[q]!; e < e1; e++) {
        const off = inBase + entries[e]! * vec;
        for (let v = 0; v < vec; v++) acc[v]! += x[off + v]!;
      }
      for (let v = 0; v < vec; v++) dest[out + v] = acc[v]!;
    }
  }
}

/** Window products of `x` into `dest`, in float64 for floats (exact int32/uint32 products wrap as the dtype). */
export function windowProdInto(x: TypedArray, plan: WindowPlan, dest: TypedArray, integer: boolean): void {
  const { lead, vec, mid, inBlock, outBlock, rowStart, entries } = plan;
  for (let l = 0; l < lead; l++) {
    const inBase = l * inBlock;
    for (let q = 0; q < mid; q++) {
      const out = l * outBlock + q * vec;
      const e1 = rowStart[q + 1]!;
      for (let v = 0; v < vec; v++) {
        let s = 1;
        for (let e = rowStart[q]!; e < e1; e++) {
          const xv = x[inBase + entries[e]! * vec + v]!;
          s = integer ? Math.imul(s, xv) : s * xv;
        }
        dest[out + v] = s;
      }
    }
  }
}

/**
 * The window extrema of float32 `x` into `dest` (`none` for windows holding no operand element) by the backend's
 * SIMD selection, which yields the chosen values with their indices; false where it does not run.
 */
export function windowExtremaInto(
  x: Float32Array,
  plan: WindowPlan,
  select: SelectPrim,
  dest: Float32Array,
  none: number,
): boolean {
  const simd = eagerBackend();
  const chosen = simd?.ready() ? simd.windowSelect32?.(x, plan, select === "ge", dest) : undefined;
  if (!chosen) return false;
  if (!plan.covered) for (let i = 0; i < chosen.length; i++) if (chosen[i]! < 0) dest[i] = none;
  return true;
}

/**
 * The flat operand index each window chooses (−1: the window holds no operand element): the first maximal ("ge") or
 * minimal ("le") element in row-major window order; a NaN is chosen over any number (the first NaN).
 */
export function windowSelect(x: TypedArray, plan: WindowPlan, select: SelectPrim): Int32Array {
  const { lead, vec, mid, inBlock, outBlock, rowStart, entries, outSize } = plan;
  const max = select === "ge";
  // float32 in the backend's SIMD kernel where it runs (the same indices)
  const simd = x instanceof Float32Array ? eagerBackend() : undefined;
  const fast = simd?.ready() ? simd.windowSelect32?.(x as Float32Array, plan, max) : undefined;
  if (fast) return fast;
  const chosen = new Int32Array(outSize).fill(-1);
  if (vec === 1) {
    selectScalar(x, plan, max, chosen);
    return chosen;
  }
  const best = new Float64Array(vec);
  for (let l = 0; l < lead; l++) {
    const inBase = l * inBlock;
    for (let q = 0; q < mid; q++) {
      const out = l * outBlock + q * vec;
      const e0 = rowStart[q]!;
      const e1 = rowStart[q + 1]!;
      if (e0 === e1) continue;
      const first = inBase + entries[e0]! * vec;
      for (let v = 0; v < vec; v++) {
        best[v] = x[first + v]!;
        chosen[out + v] = first + v;
      }
      for (let e = e0 + 1; e < e1; e++) {
        const off = inBase + entries[e]! * vec;
        for (let v = 0; v < vec; v++) {
          const xv = x[off + v]!;
          const b = best[v]!;
          if (max ? xv > b : xv < b) {
            best[v] = xv;
            chosen[out + v] = off + v;
          } else if (xv !== xv && b === b) {
            best[v] = xv;
            chosen[out + v] = off + v;
          }
        }
      }
    }
  }
  return chosen;
}

/** windowSelect for windows of single elements (vec = 1): the running best kept in registers. */
function selectScalar(x: TypedArray, plan: WindowPlan, max: boolean, chosen: Int32Array): void {
  const { lead, mid, inBlock, outBlock, rowStart, entries } = plan;
  for (let l = 0; l < lead; l++) {
    const inBase = l * inBlock;
    for (let q = 0; q < mid; q++) {
      const e0 = rowStart[q]!;
      const e1 = rowStart[q + 1]!;
      if (e0 === e1) continue;
      let at = inBase + entries[e0]!;
      let best = x[at]!;
      for (let e = e0 + 1; e < e1; e++) {
        const k = inBase + entries[e]!;
        const v = x[k]!;
        if ((max ? v > best : v < best) || (v !== v && best === best)) {
          best = v;
          at = k;
        }
      }
      chosen[l * outBlock + q] = at;
    }
  }
}
