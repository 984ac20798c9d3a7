// reshape: the same elements in row-major order under a new shape (linear; a view: eagerly and under jit it shares
// the operand's data).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { identityOnSameType, remade } from "../../ir/passes/simplify.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "./transpose.js";

export interface ReshapeParams {
  new_sizes: readonly number[];
}

export const reshapeP = definePrimitive<ReshapeParams>({
  name: "reshape",
  abstractEval: ([x], { new_sizes }) =>
    sizeOf(new_sizes) === x!.size
      ? E.right(new ShapedArray(new_sizes, x!.dtype))
      : E.left(
          new ShapeError(
            `reshape: cannot reshape shape ${fmtShape(x!.shape)} (${x!.size} elements) to ${fmtShape(new_sizes)} ` +
              `(${sizeOf(new_sizes)} elements)`,
          ),
        ),
  impl: ([x], _, out) => Tensor._of(data(x!), out.shape, out.dtype),
  view: true,
  ad: linear((ct, [x]) => [reshape(ct, x!.aval.shape)]),
  batch: ([x], [d], { new_sizes }) => {
    const b = moveAxis(x!, d!, 0);
    return [reshape(b, [b.shape[0]!, ...new_sizes]), 0];
  },
  // a reshape to the same shape is none; reshape∘reshape is one reshape
  simplify: (e, ctx) => {
    const inner = ctx.producerOf(e.inputs[0]!, e.prim);
    return identityOnSameType(e, ctx) ?? (inner && remade(e, [inner.inputs[0]!], e.params));
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const n = sizeOf(shape);
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const a = divisors[choose(divisors.length)]!;
      return {
        avals: [new ShapedArray(shape, "float64")],
        params: { new_sizes: choose(2) ? [a, n / a] : [n / a, 1, a] },
      };
    },
  },
});

/** Skips the identity reshape. */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor =>
  shape.length === x.ndim && shape.every((d, i) => d === x.shape[i])
    ? x
    : bind1(reshapeP, [x], { new_sizes: [...shape] });
