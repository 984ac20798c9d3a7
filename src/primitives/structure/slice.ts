// slice: elements start, start + stride, … below limit on each axis (linear; transposes to zero-padding).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { strided } from "../kernels.js";
import { randomShape } from "../rules.js";
import { pad, scalar } from "../lax.js";
import { moveAxis } from "../batching.js";

export interface SliceParams {
  start_indices: readonly number[];
  limit_indices: readonly number[];
  /** Step per axis; null means 1 everywhere (JAX prints `strides=None`). */
  strides: readonly number[] | null;
}

const stepOf = (p: SliceParams, i: number) => p.strides?.[i] ?? 1;
const lengthOf = (p: SliceParams, i: number) =>
  Math.max(0, Math.ceil((p.limit_indices[i]! - p.start_indices[i]!) / stepOf(p, i)));

export const sliceP = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval: ([x], p) => {
    const s = x!.shape;
    const { start_indices: lo, limit_indices: hi, strides: st } = p;
    const okBox =
      lo.length === s.length &&
      hi.length === s.length &&
      (st === null || (st.length === s.length && st.every((k) => Number.isInteger(k) && k >= 1))) &&
      s.every(
        (n, i) => Number.isInteger(lo[i]) && Number.isInteger(hi[i]) && 0 <= lo[i]! && lo[i]! <= hi[i]! && hi[i]! <= n,
      );
    return okBox
      ? E.right(
          new ShapedArray(
            s.map((_, i) => lengthOf(p, i)),
            x!.dtype,
          ),
        )
      : E.left(
          new ShapeError(
            `slice: start (${lo.join(", ")}), limit (${hi.join(", ")}) and strides (${st?.join(", ") ?? "1"}) do not describe a box inside shape ${fmtShape(s)}`,
          ),
        );
  },
  impl: ([x], p, out) => {
    const st = stridesOf(x!.shape);
    return strided(
      x!,
      st.map((s, i) => s * stepOf(p, i)),
      p.start_indices.reduce((o, l, i) => o + l * st[i]!, 0),
      out,
    );
  },
  jvp: ([t], _, __, p) => slice(t!, p.start_indices, p.limit_indices, p.strides), // linear
  // put the cotangent back where it came from, zeros around and between
  transpose: (ct, [x], p) => [pad(ct, scalar(0, ct.dtype), slicePadding(x!.aval.shape, p))],
  batch: ([x], [d], p) => {
    const b = moveAxis(x!, d!, 0);
    return [slice(b, [0, ...p.start_indices], [b.shape[0]!, ...p.limit_indices], p.strides && [1, ...p.strides]), 0];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const lo = shape.map((n) => choose(n));
      const hi = shape.map((n, i) => lo[i]! + choose(n - lo[i]! + 1));
      return {
        avals: [new ShapedArray(shape, "float64")],
        params: { start_indices: lo, limit_indices: hi, strides: choose(2) ? shape.map(() => 1 + choose(2)) : null },
      };
    },
  },
});

/** The pad config that puts a slice's result back in place inside `shape` (the slice's transpose). */
export function slicePadding(shape: readonly number[], p: SliceParams): [number, number, number][] {
  return shape.map((dim, i) => {
    const [lo, m, k] = [p.start_indices[i]!, lengthOf(p, i), stepOf(p, i)];
    return [lo, dim - lo - m - Math.max(0, m - 1) * (k - 1), k - 1];
  });
}

/** Skips the identity slice (the whole box, unit strides). */
export function slice(
  x: Tensor,
  start: readonly number[],
  limit: readonly number[],
  strides: readonly number[] | null = null,
): Tensor {
  const st = strides && strides.some((k) => k !== 1) ? [...strides] : null;
  if (!st && start.every((s) => s === 0) && limit.length === x.ndim && limit.every((l, i) => l === x.shape[i]))
    return x;
  return bind1(sliceP, [x], { start_indices: [...start], limit_indices: [...limit], strides: st });
}
