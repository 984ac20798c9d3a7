// concatenate: joins operands along `dimension` (linear; transposes to slices of the cotangent).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { slice } from "./slice_and_pad.js";

export interface ConcatenateParams {
  dimension: number;
}

export const concatenateP = definePrimitive<ConcatenateParams>({
  name: "concatenate",
  abstractEval: (xs, { dimension: d }) => {
    const [a] = xs;
    const shapes = () => xs.map((x) => fmtShape(x.shape)).join(", ");
    if (!a) return E.left(new ShapeError("concatenate: needs at least one operand"));
    if (!(d >= 0 && d < a.ndim))
      return E.left(new ShapeError(`concatenate: dimension ${d} is out of range for operands of rank ${a.ndim}`));
    for (const x of xs) {
      if (x.dtype !== a.dtype)
        return E.left(
          new DTypeError(`concatenate: operands have different dtypes (${xs.map((y) => y.dtype).join(", ")})`),
        );
      if (x.ndim !== a.ndim || x.shape.some((s, i) => i !== d && s !== a.shape[i])) {
        return E.left(new ShapeError(`concatenate: shapes ${shapes()} must agree except along dimension ${d}`));
      }
    }
    const shape = a.shape.map((s, i) => (i === d ? xs.reduce((n, x) => n + x.shape[d]!, 0) : s));
    return E.right(new ShapedArray(shape, a.dtype));
  },
  impl: (xs, { dimension: d }, out) => {
    const outer = sizeOf(out.shape.slice(0, d));
    const inner = sizeOf(out.shape.slice(d + 1));
    const dst = allocate(out.dtype, out.size);
    const row = out.shape[d]! * inner;
    let off = 0;
    for (const x of xs) {
      const src = data(x);
      const w = x.shape[d]! * inner;
      for (let o = 0; o < outer; o++) dst.set(src.subarray(o * w, o * w + w), o * row + off);
      off += w;
    }
    return Tensor._of(dst, out.shape, out.dtype);
  },
  // each operand receives its own stretch of the cotangent
  ad: linear((ct, xs, { dimension: d }) => {
    let start = 0;
    return xs.map((x) => {
      const s = x.aval.shape;
      const lo = s.map((_, i) => (i === d ? start : 0));
      const hi = s.map((n, i) => (i === d ? start + n : ct.shape[i]!));
      start += s[d]!;
      return isUndefined(x) ? slice(ct, lo, hi) : null;
    });
  }),
  batch: (xs, dims, { dimension }) => {
    const size = batchSize(xs, dims);
    return [
      concatenate(
        xs.map((x, i) => batchedAt(x, dims[i]!, 0, size)),
        dimension + 1,
      ),
      0,
    ];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(2);
      const d = choose(shape.length);
      const avals = Array.from(
        { length: 1 + choose(3) },
        () =>
          new ShapedArray(
            shape.map((s, i) => (i === d ? choose(3) : s)),
            "float64",
          ),
      );
      return { avals, params: { dimension: d } };
    },
  },
});

export const concatenate = (xs: readonly Tensor[], dimension: number): Tensor =>
  bind1(concatenateP, [...xs], { dimension });
