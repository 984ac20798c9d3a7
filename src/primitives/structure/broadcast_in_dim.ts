// broadcast_in_dim: places the operand's axes at `broadcast_dimensions` of `shape`, repeating size-1 axes (linear).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { shapeEq, stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { strided } from "../kernels.js";
import { reduceSum, reshape } from "../lax.js";
import { randomShape } from "../rules.js";
import { moveAxis } from "../batching.js";

export interface BroadcastParams {
  shape: readonly number[];
  broadcast_dimensions: readonly number[];
}

export const broadcastInDimP = definePrimitive<BroadcastParams>({
  name: "broadcast_in_dim",
  abstractEval: ([x], { shape, broadcast_dimensions: dims }) => {
    const bad = (why: string) =>
      E.left(
        new ShapeError(
          `broadcast_in_dim: cannot broadcast shape ${fmtShape(x!.shape)} to ${fmtShape(shape)} with broadcast_dimensions (${dims.join(", ")}): ${why}`,
        ),
      );
    if (dims.length !== x!.ndim) return bad("one dimension is needed per operand axis");
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i]!;
      if (!(d >= 0 && d < shape.length) || (i > 0 && d <= dims[i - 1]!))
        return bad("dimensions must be increasing and within the result's rank");
      if (x!.shape[i] !== 1 && x!.shape[i] !== shape[d])
        return bad(`operand axis ${i} has size ${x!.shape[i]}, the result's axis ${d} has ${shape[d]}`);
    }
    return E.right(new ShapedArray(shape, x!.dtype));
  },
  impl: ([x], { shape, broadcast_dimensions: dims }, out) => {
    const inStrides = stridesOf(x!.shape);
    const strides = shape.map(() => 0);
    dims.forEach((d, i) => (strides[d] = x!.shape[i] === 1 ? 0 : inStrides[i]!));
    return strided(x!, strides, 0, out);
  },
  jvp: ([t], _, __, params) => broadcastInDim(t!, params.shape, params.broadcast_dimensions), // linear
  // sum the cotangent over every axis the broadcast created or stretched
  transpose: (ct, [x], { shape, broadcast_dimensions: dims }) => {
    const xs = x!.aval.shape;
    const axes = shape
      .map((_, d) => d)
      .filter((d) => !dims.includes(d) || (xs[dims.indexOf(d)] === 1 && shape[d] !== 1));
    return [reshape(reduceSum(ct, axes), xs)];
  },
  batch: ([x], [d], { shape, broadcast_dimensions: dims }) => {
    const b = moveAxis(x!, d!, 0);
    return [broadcastInDim(b, [b.shape[0]!, ...shape], [0, ...dims.map((k) => k + 1)]), 0];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const dims = shape.map((_, i) => i).filter(() => choose(2) === 1);
      const xs = dims.map((d) => (choose(3) === 0 ? 1 : shape[d]!));
      return { avals: [new ShapedArray(xs, "float64")], params: { shape, broadcast_dimensions: dims } };
    },
  },
});

/** Skips the identity broadcast (same shape, axes in place), so IR stays free of no-ops. */
export const broadcastInDim = (x: Tensor, shape: readonly number[], dims: readonly number[]): Tensor =>
  x.ndim === shape.length && shapeEq(x.shape, shape) && dims.every((d, i) => d === i)
    ? x
    : bind1(broadcastInDimP, [x], { shape: [...shape], broadcast_dimensions: [...dims] });
