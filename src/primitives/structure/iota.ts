// iota: 0, 1, 2, … along `dimension` of `shape`, built in the IR instead of captured as a constant.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate, type DType } from "../../core/dtype.js";
import { fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { randomShape } from "../shape_rules.js";

export interface IotaParams {
  dtype: DType;
  shape: readonly number[];
  dimension: number;
}

export const iotaP = definePrimitive<IotaParams>({
  name: "iota",
  abstractEval: (_, { dtype, shape, dimension }) =>
    dimension >= 0 && dimension < shape.length
      ? E.right(new ShapedArray(shape, dtype))
      : E.left(new ShapeError(`iota: dimension ${dimension} is out of range for shape ${fmtShape(shape)}`)),
  impl: (_, { shape, dimension }, out) => {
    const d = allocate(out.dtype, out.size);
    const [stride, n] = [stridesOf(shape)[dimension]!, shape[dimension]!];
    for (let i = 0; i < d.length; i++) d[i] = Math.floor(i / stride) % n;
    return Tensor._of(d, out.shape, out.dtype);
  },
  ad: zeroDerivative(), // no inputs
  batch: () => {
    throw new TracegradError("iota: has no operands, so vmap never batches it");
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(1 + choose(3));
      return { avals: [], params: { dtype: "float64", shape, dimension: choose(shape.length) } };
    },
  },
});

export const iota = (dtype: DType, shape: readonly number[], dimension = 0): Tensor =>
  bind1(iotaP, [], { dtype, shape: [...shape], dimension });
