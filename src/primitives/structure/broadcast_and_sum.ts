// broadcast_in_dim and reduce_sum, each the other's transpose (so they live together). broadcast_in_dim places the
// operand's axes at `broadcast_dimensions` of `shape`, repeating size-1 axes; reduce_sum sums over `axes`. Both linear.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError } from "../../core/errors.js";
import { shapeEq, stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { remade } from "../../ir/passes/simplify.js";
import { bind1 } from "../../ir/trace.js";
import { simdOp } from "../../lowering/simd.js";
import { definePrimitive, linear } from "../define.js";
import { reduce, strided } from "../kernels.js";
import { type AxesParams, keptDims, reduceBatch, reducedAval, reduceTesting } from "../reduce/axes.js";
import { randomShape } from "../shape_rules.js";
import { reshape } from "./reshape.js";
import { moveAxis } from "./transpose.js";

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
          `broadcast_in_dim: cannot broadcast shape ${fmtShape(x!.shape)} to ${fmtShape(shape)} with ` +
            `broadcast_dimensions (${dims.join(", ")}): ${why}`,
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
  // the cotangent summed over every axis the broadcast created or stretched
  ad: linear((ct, [x], { shape, broadcast_dimensions: dims }) => {
    const xs = x!.aval.shape;
    const axes = shape
      .map((_, d) => d)
      .filter((d) => !dims.includes(d) || (xs[dims.indexOf(d)] === 1 && shape[d] !== 1));
    return [reshape(reduceSum(ct, axes), xs)];
  }),
  batch: ([x], [d], { shape, broadcast_dimensions: dims }) => {
    const b = moveAxis(x!, d!, 0);
    return [broadcastInDim(b, [b.shape[0]!, ...shape], [0, ...dims.map((k) => k + 1)]), 0];
  },
  repeats: true,
  // broadcast∘broadcast is one broadcast
  simplify: (e, ctx) => {
    const inner = ctx.producerOf(e.inputs[0]!, e.prim);
    if (!inner) return undefined;
    const { shape, broadcast_dimensions: outer } = e.params;
    const dims = inner.params.broadcast_dimensions.map((d) => outer[d]!);
    return remade(e, [inner.inputs[0]!], { shape, broadcast_dimensions: dims });
  },
  lowering: { broadcast: { dims: (p) => p.broadcast_dimensions } },
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

export const reduceSumP = definePrimitive<AxesParams>({
  name: "reduce_sum",
  abstractEval: ([x], { axes }) => reducedAval("reduce_sum", x!, axes),
  impl: ([x], { axes }, out) => reduce(x!, axes, out, 0, (a, v) => a + v),
  // the sum's cotangent is copied back to every summed position
  ad: linear((ct, [x], { axes }) => [broadcastInDim(ct, x!.aval.shape, keptDims(x!.aval.ndim, axes))]),
  batch: reduceBatch,
  lowering: {
    reduce: { axes: (p) => p.axes, init: () => 0, step: (acc, v) => `${acc} + ${v}`, wasm: simdOp("f32x4.add") },
  },
  testing: reduceTesting(),
});

export const reduceSum = (x: Tensor, axes: readonly number[]): Tensor => bind1(reduceSumP, [x], { axes });
