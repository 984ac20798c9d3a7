// rev: reverses the order of elements along the given dimensions (linear; its own transpose).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, linear } from "../define.js";
import { strided } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "./transpose.js";

export interface RevParams {
  dimensions: readonly number[];
}

export const revP = definePrimitive<RevParams>({
  name: "rev",
  abstractEval: ([x], { dimensions: ds }) =>
    ds.every((d) => Number.isInteger(d) && d >= 0 && d < x!.ndim) && new Set(ds).size === ds.length
      ? E.right(new ShapedArray(x!.shape, x!.dtype))
      : E.left(
          new ShapeError(`rev: dimensions (${ds.join(", ")}) are not distinct axes of shape ${fmtShape(x!.shape)}`),
        ),
  impl: ([x], { dimensions: ds }, out) => {
    const s = stridesOf(x!.shape);
    const offset = ds.reduce((o, d) => o + Math.max(0, x!.shape[d]! - 1) * s[d]!, 0);
    return strided(
      x!,
      s.map((st, d) => (ds.includes(d) ? -st : st)),
      offset,
      out,
    );
  },
  ad: linear((ct, _, { dimensions }) => [rev(ct, dimensions)]),
  batch: ([x], [d], { dimensions }) => [
    rev(
      moveAxis(x!, d!, 0),
      dimensions.map((k) => k + 1),
    ),
    0,
  ],
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      return {
        avals: [new ShapedArray(shape, "float64")],
        params: { dimensions: shape.map((_, i) => i).filter(() => choose(2) === 1) },
      };
    },
  },
});

export const rev = (x: Tensor, dimensions: readonly number[]): Tensor =>
  dimensions.length ? bind1(revP, [x], { dimensions: [...dimensions] }) : x;
