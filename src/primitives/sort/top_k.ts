// top_k: the `k` largest elements along the last axis, largest first, and their int32 indices, as JAX's top_k_p. The
// order is XLA's total order (NaN above +∞, −0 below +0); equal elements come in index order. The values' tangent is
// the operand's tangent gathered at the indices.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, isFloat, type TypedArray } from "../../core/dtype.js";
import { fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { formatParamsDefault } from "../../ir/pprint.js";
import { bind } from "../../ir/trace.js";
import { definePrimitiveN } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { gather } from "../structure/gather_and_scatter.js";
import { moveAxis } from "../structure/transpose.js";
import { keyView, LaneSorter, wordsOf } from "./kernel.js";

export interface TopKParams {
  k: number;
}

function topKTypes([x, ...rest]: ShapedArray[], { k }: TopKParams): E.Either<TracegradError, ShapedArray[]> {
  if (!x || rest.length > 0)
    return E.left(new ShapeError(`top_k: takes one operand, got ${rest.length + (x ? 1 : 0)}`));
  const n = x.shape[x.ndim - 1];
  if (n === undefined) return E.left(new ShapeError("top_k: the operand must have at least one axis, got shape []"));
  if (!(Number.isInteger(k) && k >= 0 && k <= n))
    return E.left(
      new ShapeError(
        `top_k: k = ${k} must be a whole number from 0 to the last axis' size ${n} (operand shape ` +
          `${fmtShape(x.shape)})`,
      ),
    );
  const shape = [...x.shape.slice(0, -1), k];
  return E.right([new ShapedArray(shape, x.dtype), new ShapedArray(shape, "int32")]);
}

function topKInto(x: Tensor, k: number, values: TypedArray, indices: TypedArray): void {
  const n = x.shape[x.ndim - 1]!;
  if (k === 0) return;
  const rows = sizeOf(x.shape) / n;
  const src = data(x);
  const view = keyView(x.dtype, src);
  const sorter = new LaneSorter(n, wordsOf(x.dtype));
  for (let r = 0; r < rows; r++) {
    sorter.encode(x.dtype, view, r * n, 1, 0, "topK");
    const perm = sorter.sort();
    for (let j = 0; j < k; j++) {
      values[r * k + j] = src[r * n + perm[j]!]!;
      indices[r * k + j] = perm[j]!;
    }
  }
}

export const topKP: Primitive<TopKParams> = definePrimitiveN<TopKParams>({
  name: "top_k",
  abstractEval: topKTypes,
  impl: ([x], { k }, outAvals) => {
    const [v, i] = outAvals.map((a) => allocateFilledLater(a.dtype, a.size));
    topKInto(x!, k, v!, i!);
    return [Tensor._of(v!, outAvals[0]!.shape, outAvals[0]!.dtype), Tensor._of(i!, outAvals[1]!.shape, "int32")];
  },
  implInto: ([x], { k }, _outAvals, [v, i]) => topKInto(x!, k, v!, i!),
  freshOutputs: true,
  adFamily: "rule",
  jvp: ([t], [x], [, indices]) => {
    if (!t || !isFloat(x!.dtype)) return [null, null];
    const last = x!.ndim - 1;
    return [gather(t, indices!, last, last), null];
  },
  formatParams: formatParamsDefault,
  // the batch axis first: the last axis stays last
  batch: ([x], [d], params) => [bind(topKP, [moveAxis(x!, d!, 0)], params), [0, 0]],
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      if (shape.length === 0) shape.push(1 + choose(3));
      const n = shape[shape.length - 1]!;
      return { avals: [new ShapedArray(shape, "float64")], params: { k: n - choose(n + 1) } };
    },
    distinct: true,
  },
});

/** The `k` largest elements along the last axis (largest first, ties in index order) and their int32 indices. */
export const topK = (x: Tensor, k: number): [Tensor, Tensor] => {
  const [values, indices] = bind(topKP, [x], { k });
  return [values!, indices!];
};
