// What reductions over a set of axes share: the shape rule, the batching rule and test cases.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import type { Choose, TestSpec } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "../structure/transpose.js";

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

/** Primitives over `axes` of one operand (reductions, argmax): batch axis first, axes shifted past it. */
export function reduceBatch<P extends { axes: readonly number[] }>(
  args: Tensor[],
  dims: (number | null)[],
  params: P,
  self: Primitive<P>,
): [Tensor, number | null] {
  const x = moveAxis(args[0]!, dims[0]!, 0);
  return [bind1(self, [x], { ...params, axes: params.axes.map((a) => a + 1) }), 0];
}

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
