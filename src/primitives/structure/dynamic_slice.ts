// dynamic_slice and dynamic_update_slice, each the other's transpose (so they live together). Both take their start
// indices as int32 scalar operands (one per axis, possibly traced), and clamp each start so the window fits:
// start = clamp(start, 0, dim − size), as XLA. dynamic_slice reads a window of static `slice_sizes` (linear in the
// operand); dynamic_update_slice writes `update` over a copy of the operand (linear in both).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Choose } from "../../ir/rule_types.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { full, scalar, zeros } from "../constants.js";
import { definePrimitive, linear } from "../define.js";
import { add } from "../elementwise/add.js";
import { ge, lt } from "../elementwise/compare.js";
import { max } from "../elementwise/max.js";
import { min } from "../elementwise/min.js";
import { select } from "../elementwise/select.js";
import { sub } from "../elementwise/sub.js";
import { data, strided, stridedMove } from "../kernels.js";
import { type NoParams, randomShape } from "../shape_rules.js";
import { broadcastInDim } from "./broadcast_and_sum.js";
import { gather } from "./gather_and_scatter.js";
import { iota } from "./iota.js";
import { moveAxis } from "./transpose.js";

/** Why the start index operands do not suit an operand of type `x`: one int32 scalar per axis. */
function badIndices(op: string, x: ShapedArray, idx: readonly ShapedArray[]): TracegradError | undefined {
  if (idx.length !== x.ndim)
    return new ShapeError(
      `${op}: got ${idx.length} start indices for an operand of shape ${fmtShape(x.shape)}; needs one per axis ` +
        `(${x.ndim})`,
    );
  for (let k = 0; k < idx.length; k++) {
    const a = idx[k]!;
    if (a.dtype !== "int32") return new DTypeError(`${op}: start index ${k} must be int32, got ${a.dtype}`);
    if (a.ndim !== 0)
      return new ShapeError(`${op}: start index ${k} must be a scalar (shape []), got shape ${fmtShape(a.shape)}`);
  }
  return undefined;
}

/** Where a window of `size` starting at `s` begins on an axis of `dim`: clamped so that it fits. */
const clampStart = (s: number, dim: number, size: number): number => Math.min(Math.max(s, 0), dim - size);

/** The clamped starts of concrete index operands, and the window's offset in a row-major array of `shape`. */
function windowOffset(idx: readonly Tensor[], shape: readonly number[], sizes: readonly number[]): number {
  const st = stridesOf(shape);
  return idx.reduce((o, t, k) => o + clampStart(data(t)[0]!, shape[k]!, sizes[k]!) * st[k]!, 0);
}

/**
 * Per example of a batch, the clamped start of a window of `size` on an axis of `dim`: an int32 [B] from an index
 * operand batched at `d` (or shared, d = null).
 */
function batchedStart(s: Tensor, d: number | null, b: number, dim: number, size: number): Tensor {
  const sb = batchedAt(s, d, 0, b);
  return min(max(sb, full([b], 0, "int32")), full([b], dim - size, "int32"));
}

/** [B, size] int32: the positions a window of `size` covers on an axis of `dim`, per example (starts clamped). */
function windowPositions(s: Tensor, d: number | null, b: number, dim: number, size: number): Tensor {
  const start = broadcastInDim(batchedStart(s, d, b, dim, size), [b, size], [0]);
  return add(start, iota("int32", [b, size], 1));
}

/** A random operand shape, window sizes inside it, and index domains reaching past both ends (clamping is tested). */
function windowCase(choose: Choose): { shape: number[]; sizes: number[]; domains: [number, number][] } {
  const shape = randomShape(choose);
  const sizes = shape.map((n) => choose(n + 1));
  return { shape, sizes, domains: shape.map((n) => [-2, n + 1]) };
}

const int32Scalar = new ShapedArray([], "int32");

export interface DynamicSliceParams {
  slice_sizes: readonly number[];
}

export const dynamicSliceP = definePrimitive<DynamicSliceParams>({
  name: "dynamic_slice",
  abstractEval: ([x, ...idx], { slice_sizes: sizes }) => {
    const bad = badIndices("dynamic_slice", x!, idx);
    if (bad) return E.left(bad);
    const s = x!.shape;
    if (sizes.length !== s.length)
      return E.left(
        new ShapeError(
          `dynamic_slice: got ${sizes.length} slice sizes for an operand of shape ${fmtShape(s)}; needs one per ` +
            `axis (${s.length})`,
        ),
      );
    const fits = sizes.every((n, k) => Number.isInteger(n) && n >= 0 && n <= s[k]!);
    return fits
      ? E.right(new ShapedArray(sizes, x!.dtype))
      : E.left(
          new ShapeError(
            `dynamic_slice: slice sizes (${sizes.join(", ")}) do not fit inside operand shape ${fmtShape(s)}; ` +
              `needs one size per axis, each 0 … the axis' length`,
          ),
        );
  },
  impl: ([x, ...idx], { slice_sizes: sizes }, out) =>
    strided(x!, stridesOf(x!.shape), windowOffset(idx, x!.shape, sizes), out),
  // the cotangent written back where the window was, zeros elsewhere
  ad: linear(
    (ct, [x, ...idx]) => [
      dynamicUpdateSlice(zeros(x!.aval.shape, ct.dtype), ct, idx as Tensor[]),
      ...idx.map(() => null),
    ],
    { linearIn: [0] },
  ),
  // Shared starts: one more axis, sliced whole. Batched starts: the shared ones sliced first (batched axes whole),
  // then a gather per batched axis of the positions each example's window covers (clamped starts, so in range).
  batch: (args, dims, { slice_sizes: sizes }) => {
    const [x, ...idx] = args;
    const [dx, ...di] = dims;
    const zero = scalar(0, "int32");
    if (di.every((d) => d === null)) {
      const xb = moveAxis(x!, dx!, 0);
      return [dynamicSlice(xb, [zero, ...idx], [xb.shape[0]!, ...sizes]), 0];
    }
    const b = batchSize(args, dims);
    const shape = dx === null ? x!.shape : x!.shape.filter((_, k) => k !== dx);
    let y = dx === null ? x! : moveAxis(x!, dx, 0);
    let batched = dx !== null;
    const lead = batched ? [zero] : [];
    if (shape.some((n, k) => di[k] === null && sizes[k]! < n)) {
      y = dynamicSlice(
        y,
        [...lead, ...idx.map((s, k) => (di[k] === null ? s : zero))],
        [...(batched ? [b] : []), ...shape.map((n, k) => (di[k] === null ? sizes[k]! : n))],
      );
    }
    shape.forEach((n, k) => {
      if (di[k] === null) return;
      const at = windowPositions(idx[k]!, di[k]!, b, n, sizes[k]!);
      // an unbatched operand gathers with the [B, size] positions, which puts the batch axis at k
      y = batched ? gather(y, at, k + 1, 1) : moveAxis(gather(y, at, k, 0), k, 0);
      batched = true;
    });
    return [y, 0];
  },
  testing: {
    sample: (choose) => {
      const { shape, sizes, domains } = windowCase(choose);
      return {
        avals: [new ShapedArray(shape, "float64"), ...shape.map(() => int32Scalar)],
        params: { slice_sizes: sizes },
        domains: [undefined, ...domains],
      };
    },
  },
});

/** The window of `sliceSizes` at `startIndices` (int32 scalars, one per axis; clamped so the window fits). */
export const dynamicSlice = (x: Tensor, startIndices: readonly Tensor[], sliceSizes: readonly number[]): Tensor =>
  bind1(dynamicSliceP, [x, ...startIndices], { slice_sizes: [...sliceSizes] });

export const dynamicUpdateSliceP = definePrimitive<NoParams>({
  name: "dynamic_update_slice",
  abstractEval: ([x, u, ...idx]) => {
    if (!x || !u) return E.left(new ShapeError("dynamic_update_slice: takes an operand, an update and start indices"));
    if (u.dtype !== x.dtype)
      return E.left(
        new DTypeError(`dynamic_update_slice: update dtype ${u.dtype} differs from operand dtype ${x.dtype}`),
      );
    if (u.ndim !== x.ndim || u.shape.some((n, k) => n > x.shape[k]!))
      return E.left(
        new ShapeError(
          `dynamic_update_slice: update of shape ${fmtShape(u.shape)} does not fit inside operand shape ` +
            `${fmtShape(x.shape)}; needs the same rank and no larger axes`,
        ),
      );
    const bad = badIndices("dynamic_update_slice", x, idx);
    return bad ? E.left(bad) : E.right(x);
  },
  impl: ([x, u, ...idx], _, out) => {
    const dst = allocate(out.dtype, out.size);
    dst.set(data(x!));
    const shape = x!.shape;
    stridedMove(data(u!), stridesOf(u!.shape), 0, dst, stridesOf(shape), windowOffset(idx, shape, u!.shape), u!.shape);
    return Tensor._of(dst, out.shape, out.dtype);
  },
  // the operand's cotangent is ct with the window zeroed; the update's is the window of ct
  ad: linear(
    (ct, [x, u, ...idx]) => {
      const is = idx as Tensor[];
      return [
        isUndefined(x!) ? dynamicUpdateSlice(ct, zeros(u!.aval.shape, ct.dtype), is) : null,
        isUndefined(u!) ? dynamicSlice(ct, is, u!.aval.shape) : null,
        ...idx.map(() => null),
      ];
    },
    { linearIn: [0, 1] },
  ),
  // Shared starts: one more axis, updated whole. Batched starts: per axis the update is gathered out to the operand's
  // length (each position reads the update element it would receive, clamped), and a mask of the windows selects it.
  batch: (args, dims) => {
    const [x, u, ...idx] = args;
    const [dx, du, ...di] = dims;
    const b = batchSize(args, dims);
    const xb = batchedAt(x!, dx!, 0, b);
    const ub = batchedAt(u!, du!, 0, b);
    if (di.every((d) => d === null)) return [dynamicUpdateSlice(xb, ub, [scalar(0, "int32"), ...idx]), 0];
    const shape = xb.shape.slice(1);
    const sizes = ub.shape.slice(1);
    if (sizes.some((m) => m === 0)) return [xb, 0]; // an empty update leaves the operand as it was
    let placed = ub;
    let mask: Tensor | null = null;
    for (let k = 0; k < shape.length; k++) {
      const [n, m] = [shape[k]!, sizes[k]!];
      if (m === n) continue; // the window is the whole axis
      const at = (v: number | boolean, dtype: "int32" | "bool" = "int32") => full([b, n], v, dtype);
      const start = broadcastInDim(batchedStart(idx[k]!, di[k]!, b, n, m), [b, n], [0]);
      const offset = sub(iota("int32", [b, n], 1), start);
      placed = gather(placed, min(max(offset, at(0)), at(m - 1)), k + 1, 1);
      const inside = select(ge(offset, at(0)), lt(offset, at(m)), at(false, "bool"));
      const wide = broadcastInDim(inside, [b, ...shape], [0, k + 1]);
      mask = mask ? select(mask, wide, full(wide.shape, false, "bool")) : wide;
    }
    return [mask ? select(mask, placed, xb) : ub, 0];
  },
  testing: {
    sample: (choose) => {
      const { shape, sizes, domains } = windowCase(choose);
      return {
        avals: [new ShapedArray(shape, "float64"), new ShapedArray(sizes, "float64"), ...shape.map(() => int32Scalar)],
        params: {},
        domains: [undefined, undefined, ...domains],
      };
    },
  },
});

/** `x` with `update` written over the window at `startIndices` (int32 scalars, one per axis; clamped to fit). */
export const dynamicUpdateSlice = (x: Tensor, update: Tensor, startIndices: readonly Tensor[]): Tensor =>
  bind1(dynamicUpdateSliceP, [x, update, ...startIndices], {});
