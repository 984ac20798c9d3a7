// transpose: permutes axes; result axis i is operand axis permutation[i] (linear).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { strided } from "../kernels.js";
import { randomShape } from "../rules.js";
import { moveAxis } from "../batching.js";

export interface TransposeParams {
  permutation: readonly number[];
}

const isPermutation = (p: readonly number[], n: number) =>
  p.length === n && [...p].sort((a, b) => a - b).every((v, i) => v === i);
const inverse = (p: readonly number[]) => p.map((_, i) => p.indexOf(i));

export const transposeP = definePrimitive<TransposeParams>({
  name: "transpose",
  abstractEval: ([x], { permutation: p }) =>
    isPermutation(p, x!.ndim)
      ? E.right(
          new ShapedArray(
            p.map((a) => x!.shape[a]!),
            x!.dtype,
          ),
        )
      : E.left(
          new ShapeError(
            `transpose: (${p.join(", ")}) is not a permutation of the axes of shape ${fmtShape(x!.shape)}`,
          ),
        ),
  impl: ([x], { permutation: p }, out) => {
    const s = stridesOf(x!.shape);
    return strided(
      x!,
      p.map((a) => s[a]!),
      0,
      out,
    );
  },
  jvp: ([t], _, __, { permutation }) => transpose(t!, permutation), // linear
  transpose: (ct, _, { permutation }) => [transpose(ct, inverse(permutation))],
  batch: ([x], [d], { permutation }) => [transpose(moveAxis(x!, d!, 0), [0, ...permutation.map((p) => p + 1)]), 0],
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const rest = shape.map((_, i) => i);
      const permutation = shape.map(() => rest.splice(choose(rest.length), 1)[0]!);
      return { avals: [new ShapedArray(shape, "float64")], params: { permutation } };
    },
  },
});

/** Skips the identity permutation. */
export const transpose = (x: Tensor, permutation: readonly number[]): Tensor =>
  permutation.length === x.ndim && permutation.every((p, i) => p === i)
    ? x
    : bind1(transposeP, [x], { permutation: [...permutation] });
