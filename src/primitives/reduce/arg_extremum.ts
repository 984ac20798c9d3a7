// The argmax / argmin family: int32 index of the first extremum along one axis (first NaN wins, as NumPy).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { fmtShape, ShapeError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { data, stridedCopy } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { reduceBatch } from "./axes.js";

export interface ArgParams {
  axes: readonly [number];
  index_dtype: "int32";
}

export function argExtremum(name: string, better: (v: number, best: number) => boolean) {
  return definePrimitive<ArgParams>({
    name,
    abstractEval: ([x], { axes: [axis] }) =>
      axis >= 0 && axis < x!.ndim && x!.shape[axis]! > 0
        ? E.right(
            new ShapedArray(
              x!.shape.filter((_, i) => i !== axis),
              "int32",
            ),
          )
        : E.left(new ShapeError(`${name}: axis ${axis} must name a non-empty axis of shape ${fmtShape(x!.shape)}`)),
    impl: ([x], { axes: [axis] }, out) => {
      // copy with the reduced axis last, then scan rows
      const s = stridesOf(x!.shape);
      const order = [...x!.shape.keys()].filter((i) => i !== axis).concat(axis);
      const rows = allocate(x!.dtype, x!.size);
      stridedCopy(
        data(x!),
        order.map((i) => s[i]!),
        0,
        order.map((i) => x!.shape[i]!),
        rows,
      );
      const n = x!.shape[axis]!;
      const res = allocate("int32", out.size);
      for (let r = 0; r < out.size; r++) {
        let best = 0;
        for (let i = 1; i < n && rows[r * n + best] === rows[r * n + best]; i++)
          if (better(rows[r * n + i]!, rows[r * n + best]!)) best = i;
        res[r] = best;
      }
      return Tensor._of(res, out.shape, "int32");
    },
    ad: zeroDerivative(), // integer-valued
    batch: reduceBatch,
    testing: {
      sample: (choose) => {
        const shape = randomShape(choose);
        if (shape.length === 0) shape.push(1 + choose(3));
        return {
          avals: [new ShapedArray(shape, "float64")],
          params: { axes: [choose(shape.length)], index_dtype: "int32" },
        };
      },
    },
  });
}
