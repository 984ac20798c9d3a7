// NumPy-style indexing (x.slice(...)) and functional updates (x.at(...).set/add/mul), as plans of primitives.
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array, indexEntry } from "../core/params.js";
import { type ArrayLike, type AtUpdate, type Index, Tensor } from "../core/tensor.js";
import { guard, rest } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { checkedIndex } from "../primitives/structure/gather_and_scatter.js";
import { slicePadding } from "../primitives/structure/slice_and_pad.js";
import { asTensor, broadcastTo, promoted } from "./convert.js";

/** How an index maps x to the result: slice → rev → gather → reshape → (transpose). */
export interface Plan {
  start: number[];
  limit: number[];
  strides: number[];
  reversed: number[];
  gather?: { axis: number; indices: Tensor };
  boxShape: number[];
  gatheredShape: number[];
  finalShape: number[];
  /** NumPy moves advanced-index dims first when advanced entries are not adjacent. */
  perm?: number[];
}

/** Python's slice.indices: normalised start, step and element count for an axis of size n. */
function rangeOf(
  op: string,
  r: readonly (number | null | undefined)[],
  n: number,
  axis: number,
): { start: number; step: number; count: number } {
  if (r.length > 3)
    throw new TracegradError(
      `${op}: a range has at most 3 entries [start, stop, step], got ${r.length} on axis ${axis}`,
    );
  const [a, b, c] = r;
  const step = c ?? 1;
  for (const v of [a, b, step]) {
    if (v !== null && v !== undefined && !Number.isInteger(v))
      throw new TracegradError(`${op}: range entries must be whole numbers, got ${JSON.stringify(r)} on axis ${axis}`);
  }
  if (step === 0) throw new TracegradError(`${op}: a range step cannot be 0 (axis ${axis})`);
  const clamp = (v: number | null | undefined, dflt: number, lo: number, hi: number) =>
    v === null || v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const start = step > 0 ? clamp(a, 0, 0, n) : clamp(a, n - 1, -1, n - 1);
  const stop = step > 0 ? clamp(b, n, 0, n) : clamp(b, -1, -1, n - 1);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  return { start, step, count };
}

function plan(op: string, shape: readonly number[], idx: readonly Index[]): Plan {
  const consumed = idx.filter((e) => e !== null).length;
  if (consumed > shape.length)
    throw new ShapeError(`${op}: ${consumed} indices for an array of rank ${shape.length} (shape ${fmtShape(shape)})`);
  if (idx.filter((e) => e instanceof Tensor).length > 1)
    throw new TracegradError(`${op}: at most one tensor index is supported; index one axis at a time`);
  const p: Plan = { start: [], limit: [], strides: [], reversed: [], boxShape: [], gatheredShape: [], finalShape: [] };
  // entry positions of tensor and number indices (NumPy's advanced indices, when a tensor is present)
  const advanced: number[] = [];
  let ax = 0;
  /** One axis of the strided box: elements lo, lo + step, … below hi, `size` of them. */
  const box = (lo: number, hi: number, step: number, size: number) => {
    p.start.push(lo);
    p.limit.push(hi);
    p.strides.push(step);
    p.boxShape.push(size);
  };
  const whole = (n: number) => box(0, n, 1, n);
  idx.forEach((e, k) => {
    if (e === null) return p.finalShape.push(1);
    const n = shape[ax]!;
    if (typeof e === "number") {
      if (!Number.isInteger(e)) throw new TracegradError(`${op}: index ${e} on axis ${ax} is not a whole number`);
      const j = checkedIndex(op, e, n, ax);
      box(j, j + 1, 1, 1);
      advanced.push(k);
    } else if (e instanceof Tensor) {
      if (e.dtype !== "int32")
        throw new TracegradError(`${op}: tensor indices must be int32, got ${e.dtype}; convert with astype("int32")`);
      whole(n);
      p.gather = { axis: ax, indices: e };
      p.finalShape.push(...e.shape);
      advanced.push(k);
    } else if (Array.isArray(e)) {
      const { start, step, count } = rangeOf(op, e, n, ax);
      const lo = step > 0 ? start : count > 0 ? start + (count - 1) * step : 0;
      box(lo, count > 0 ? lo + (count - 1) * Math.abs(step) + 1 : lo, Math.abs(step), count);
      if (step < 0) p.reversed.push(ax);
      p.finalShape.push(count);
    } else {
      throw new TracegradError(
        `${op}: unsupported index ${String(e)} on axis ${ax}; use a number, [start, stop, step], null or an int32 ` +
          `tensor`,
      );
    }
    ax++;
  });
  for (; ax < shape.length; ax++) {
    whole(shape[ax]!);
    p.finalShape.push(shape[ax]!);
  }
  const g = p.gather;
  p.gatheredShape = g
    ? [...p.boxShape.slice(0, g.axis), ...g.indices.shape, ...p.boxShape.slice(g.axis + 1)]
    : p.boxShape;
  if (g && advanced.some((k, i) => i > 0 && k !== advanced[i - 1]! + 1)) {
    // advanced entries apart: their dims go first (NumPy); they sit where the tensor entry was
    const before = idx
      .slice(0, idx.indexOf(g.indices))
      .reduce<number>((n, e) => n + (e === null ? 1 : typeof e === "number" ? 0 : e instanceof Tensor ? 0 : 1), 0);
    const m = g.indices.ndim;
    const rest = p.finalShape.map((_, i) => i).filter((i) => i < before || i >= before + m);
    p.perm = [...Array.from({ length: m }, (_, i) => before + i), ...rest];
  }
  return p;
}

function apply(x: Tensor, p: Plan): Tensor {
  let r = lax.slice(x, p.start, p.limit, p.strides);
  r = lax.rev(r, p.reversed);
  if (p.gather) r = lax.gather(r, p.gather.indices, p.gather.axis);
  r = lax.reshape(r, p.finalShape);
  return p.perm ? lax.transpose(r, p.perm) : r;
}

/** Values in the result's layout → the layout after gather (idx dims at the gathered axis). */
function toGathered(v: Tensor, p: Plan): Tensor {
  return lax.reshape(
    p.perm
      ? lax.transpose(
          v,
          p.perm.map((_, i) => p.perm!.indexOf(i)),
        )
      : v,
    p.gatheredShape,
  );
}

/** Puts gathered-layout values back into a tensor of `shape`, zeros elsewhere (repeats add): apply's transpose. */
function scatterBack(r: Tensor, p: Plan, shape: readonly number[]): Tensor {
  if (p.gather) r = lax.scatterAdd(r, p.gather.indices, p.gather.axis, p.boxShape);
  r = lax.rev(r, p.reversed);
  return lax.pad(
    r,
    lax.scalar(0, r.dtype),
    slicePadding(shape, { start_indices: p.start, limit_indices: p.limit, strides: p.strides }),
  );
}

const place = (v: Tensor, p: Plan, shape: readonly number[]): Tensor => scatterBack(toGathered(v, p), p, shape);

/**
 * Repeated tensor indices, found in the IR (so traced indices work too): `same[k, k']` when positions k and
 * k' name one target, `last[k]` when no later position names k's target.
 */
function repeats(g: NonNullable<Plan["gather"]>, n: number): { same: Tensor; last: Tensor } {
  const m = g.indices.size;
  const flat = lax.reshape(g.indices, [m]);
  const idx = lax.select(lax.lt(flat, lax.zerosLike(flat)), lax.add(flat, lax.fullLike(flat, n)), flat);
  const same = lax.eq(lax.broadcastInDim(idx, [m, m], [0]), lax.broadcastInDim(idx, [m, m], [1]));
  const after = lax.gt(lax.iota("int32", [m, m], 1), lax.iota("int32", [m, m], 0));
  const later = lax.select(after, same, lax.full([m, m], false, "bool"));
  const last = lax.eq(lax.reduceSum(lax.convertElementType(later, "int32"), [1]), lax.zeros([m], "int32"));
  return { same, last };
}

/** A per-index-position mask [m] spread over the gathered layout. */
const overGathered = (mask: Tensor, p: Plan): Tensor => {
  const g = p.gather!;
  return lax.broadcastInDim(
    lax.reshape(mask, g.indices.shape),
    p.gatheredShape,
    g.indices.shape.map((_, i) => g.axis + i),
  );
};

/** In gathered layout, each value replaced by the product of all values aimed at its target. */
function productOfRepeats(r: Tensor, p: Plan, same: Tensor): Tensor {
  const g = p.gather!;
  const m = g.indices.size;
  const pre = p.gatheredShape.slice(0, g.axis).reduce((a, b) => a * b, 1);
  const post = r.size / Math.max(1, pre * m);
  const v = lax.reshape(r, [pre, m, post]);
  const big = [pre, m, m, post];
  const terms = lax.select(
    lax.broadcastInDim(same, big, [1, 2]),
    lax.broadcastInDim(v, big, [0, 2, 3]),
    lax.full(big, 1, r.dtype),
  );
  return lax.reshape(lax.reduceProd(terms, [2]), p.gatheredShape);
}

const resultShape = (p: Plan) => (p.perm ? p.perm.map((i) => p.finalShape[i]!) : p.finalShape);

/** `x.slice(...idx)`: NumPy basic indexing plus one int32 tensor index; differentiable. */
export const index: (x: ArrayLike, ...idx: Index[]) => Tensor = guard(
  "slice",
  [array("x"), rest(indexEntry())],
  (x: ArrayLike, ...idx: Index[]) => {
    const t = asTensor(x);
    return apply(t, plan("slice", t.shape, idx));
  },
);

/** `x.at(...idx)`: the set/add/mul updates of JAX's `.at[]`, as plans of primitives; differentiable. */
export const at: (x: ArrayLike, ...idx: Index[]) => AtUpdate = guard(
  "at",
  [array("x"), rest(indexEntry())],
  (x: ArrayLike, ...idx: Index[]) => updates(x, idx),
);
function updates(x: ArrayLike, idx: readonly Index[]): AtUpdate {
  const t0 = asTensor(x);
  // bool updates run in int32 (so repeated indices cannot overflow a Uint8 lane) and convert back
  const t = t0.dtype === "bool" ? lax.convertElementType(t0, "int32") : t0;
  const back = (r: Tensor) => lax.convertElementType(r, t0.dtype);
  const p = plan("at", t.shape, idx);
  const target = resultShape(p);
  const values = (op: string, v: ArrayLike): Tensor => {
    const [, u] = promoted([t0, v]);
    if (!broadcastable(u!.shape, target))
      throw new ShapeError(
        `at(...).${op}: a value of shape ${fmtShape(u!.shape)} does not broadcast to the indexed shape ` +
          `${fmtShape(target)}`,
      );
    return broadcastTo(lax.convertElementType(u!, t.dtype), target);
  };
  const indexed = (count: Tensor) => lax.gt(count, lax.zerosLike(count));
  const n = p.gather ? t.shape[p.gather.axis]! : 0;
  // with repeated tensor indices only the last position naming a target writes it (NumPy's set; mul gets the product)
  const writers = (
    op: string,
    v: ArrayLike,
    combine: (r: Tensor, same: Tensor) => Tensor,
  ): { vals: Tensor; hit: Tensor } => {
    let vals = toGathered(values(op, v), p);
    let ones = lax.full(p.gatheredShape, 1, "float32");
    if (p.gather) {
      const { same, last } = repeats(p.gather, n);
      vals = lax.select(overGathered(last, p), combine(vals, same), lax.zerosLike(vals));
      ones = lax.select(overGathered(last, p), ones, lax.zerosLike(ones));
    }
    return { vals: scatterBack(vals, p, t.shape), hit: indexed(scatterBack(ones, p, t.shape)) };
  };
  const update = (name: string, f: (v: ArrayLike) => Tensor) =>
    guard<(v: ArrayLike) => Tensor>(`at(...).${name}`, [array("v")], f);
  return {
    add: update("add", (v) => back(lax.add(t, place(values("add", v), p, t.shape)))),
    set: update("set", (v) => {
      const { vals, hit } = writers("set", v, (r) => r);
      return back(lax.select(hit, vals, t));
    }),
    mul: update("mul", (v) => {
      const { vals, hit } = writers("mul", v, (r, same) => productOfRepeats(r, p, same));
      return back(lax.select(hit, lax.mul(t, vals), t));
    }),
  };
}

function broadcastable(from: readonly number[], to: readonly number[]): boolean {
  return from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);
}
