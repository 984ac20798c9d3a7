// transpose: permutes axes; result axis i is operand axis permutation[i] (linear). Also moveAxis, the step batching
// rules are written with.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { remade } from "../../ir/passes/simplify.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, linear } from "../define.js";
import { strided } from "../kernels.js";
import { randomShape } from "../shape_rules.js";

export interface TransposeParams {
  permutation: readonly number[];
}

const isPermutation = (p: readonly number[], n: number) =>
  p.length === n && [...p].sort((a, b) => a - b).every((v, i) => v === i);
const inverse = (p: readonly number[]) => p.map((_, i) => p.indexOf(i));
const isIdentity = (p: readonly number[]) => p.every((v, i) => v === i);

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
  ad: linear((ct, _, { permutation }) => [transpose(ct, inverse(permutation))]),
  batch: ([x], [d], { permutation }) => [transpose(moveAxis(x!, d!, 0), [0, ...permutation.map((p) => p + 1)]), 0],
  // transpose∘transpose is one transpose, or none where the permutations cancel
  simplify: (e, ctx) => {
    const q = e.params.permutation;
    const inner = ctx.producerOf(e.inputs[0]!, e.prim);
    if (!inner) return isIdentity(q) ? e.inputs[0] : undefined;
    const r = q.map((i) => inner.params.permutation[i]!);
    return isIdentity(r) ? inner.inputs[0] : remade(e, [inner.inputs[0]!], { permutation: r });
  },
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
  permutation.length === x.ndim && isIdentity(permutation)
    ? x
    : bind1(transposeP, [x], { permutation: [...permutation] });

/** `x` with axis `from` moved to position `to`. */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const order = x.shape.map((_, i) => i).filter((i) => i !== from);
  order.splice(to, 0, from);
  return transpose(x, order);
}
