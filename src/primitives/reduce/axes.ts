// Shared shape rule and test cases for reductions over a set of axes.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { ShapeError, type TracegradError, fmtShape } from "../../core/errors.js";
import type { Choose, TestSpec } from "../../core/primitive.js";
import { randomShape } from "../rules.js";

export interface AxesParams {
  axes: readonly number[];
}

export function reducedAval(
  name: string,
  x: ShapedArray,
  axes: readonly number[],
): E.Either<TracegradError, ShapedArray> {
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= x.ndim || axes.indexOf(a) !== axes.lastIndexOf(a)) {
      return E.left(
        new ShapeError(`${name}: invalid axes (${axes.join(", ")}) for an operand of shape ${fmtShape(x.shape)}`),
      );
    }
  }
  return E.right(
    new ShapedArray(
      x.shape.filter((_, i) => !axes.includes(i)),
      x.dtype,
    ),
  );
}

/** The dims of the operand that survive the reduction, for broadcasting results back. */
export const keptDims = (ndim: number, axes: readonly number[]): number[] =>
  Array.from({ length: ndim }, (_, i) => i).filter((i) => !axes.includes(i));

export function reduceTesting(extra: Omit<TestSpec<AxesParams>, "sample"> = {}): TestSpec<AxesParams> {
  return {
    sample: (choose: Choose) => {
      const shape = randomShape(choose);
      const axes = shape.map((_, i) => i).filter(() => choose(2) === 1);
      return { avals: [new ShapedArray(shape, "float64")], params: { axes } };
    },
    ...extra,
  };
}
