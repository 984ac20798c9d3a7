// select_and_gather_add and select_and_scatter_add, each the other's transpose (so they live together, as slice and
// pad), as jax.lax's. Each window of `operand` chooses one element: the first maximal ("ge") or minimal ("le") in
// row-major window order (windowSelect); reduce_window_max/min's tangent gathers the tangent at that position
// (select_and_gather_add(tangents, operand) has the output's shape), and its transpose scatters each window's
// cotangent onto the chosen position (select_and_scatter_add(cotangent, operand) has the operand's shape). Both are
// linear in their first input; the operand only chooses, so no derivative flows into it (zero almost everywhere).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate, isFloat } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import {
  type SelectPrim,
  sampleWindow,
  type WindowParams,
  windowPlan,
  windowSelect,
  windowShape,
  withLeadingAxis,
} from "./window.js";

export interface SelectParams extends WindowParams {
  select_prim: SelectPrim;
}

/** Float values and operand of one dtype; `values` of the operand's shape (gather) or the window output's (scatter). */
function selectType(
  name: string,
  [v, x]: ShapedArray[],
  p: SelectParams,
  gather: boolean,
): E.Either<TracegradError, ShapedArray> {
  if (!v || !x) return E.left(new ShapeError(`${name}: takes two operands (values, operand)`));
  if (p.select_prim !== "ge" && p.select_prim !== "le")
    return E.left(new ShapeError(`${name}: select_prim must be "ge" or "le", got ${String(p.select_prim)}`));
  if (!isFloat(v.dtype) || v.dtype !== x.dtype)
    return E.left(new DTypeError(`${name}: values (${v.dtype}) and operand (${x.dtype}) must share one float dtype`));
  return E.chain((out: number[]) => {
    const want = gather ? x.shape : out;
    return want.length === v.ndim && want.every((n, i) => n === v.shape[i])
      ? E.right(new ShapedArray(gather ? out : x.shape, x.dtype))
      : E.left(
          new ShapeError(
            `${name}: values of shape ${fmtShape(v.shape)} for an operand of shape ${fmtShape(x.shape)}; they must ` +
              `have the ${gather ? "operand's" : "window output's"} shape ${fmtShape(want)}`,
          ),
        );
  })(windowShape(name, x.shape, p));
}

/** Both batched at axis 0, the batch axis a window axis of size 1. */
function batchPair(
  apply: (v: Tensor, x: Tensor, p: SelectParams) => Tensor,
): (args: Tensor[], dims: (number | null)[], p: SelectParams) => [Tensor, number] {
  return ([v, x], [dv, dx], p) => {
    const n = batchSize([v!, x!], [dv!, dx!]);
    return [apply(batchedAt(v!, dv!, 0, n), batchedAt(x!, dx!, 0, n), withLeadingAxis(p)), 0];
  };
}

function sample(gather: boolean) {
  return {
    sample: (choose: (n: number) => number) => {
      const { shape, params } = sampleWindow(choose, true);
      const out = E.getOrElse((): number[] => [])(windowShape("sample", shape, params));
      const p: SelectParams = { ...params, select_prim: choose(2) ? "ge" : "le" };
      return {
        avals: [new ShapedArray(gather ? shape : out, "float64"), new ShapedArray(shape, "float64")],
        params: p,
      };
    },
    distinct: true,
    nondiff: [1],
  };
}

export const selectAndGatherAddP = definePrimitive<SelectParams>({
  name: "select_and_gather_add",
  abstractEval: (avals, p) => selectType("select_and_gather_add", avals, p, true),
  impl: ([t, x], p, out) => {
    const chosen = windowSelect(data(x!), windowPlan(x!.shape, p), p.select_prim);
    const td = data(t!);
    const dest = allocate(out.dtype, out.size);
    for (let i = 0; i < chosen.length; i++) {
      const k = chosen[i]!;
      if (k >= 0) dest[i] = td[k]!;
    }
    return Tensor._of(dest, out.shape, out.dtype);
  },
  freshOutputs: true,
  ad: linear((ct, [, x], p) => [selectAndScatterAdd(ct, x as Tensor, p), null], { linearIn: [0] }),
  batch: batchPair((v, x, p) => selectAndGatherAdd(v, x, p)),
  testing: sample(true),
});

export const selectAndScatterAddP = definePrimitive<SelectParams>({
  name: "select_and_scatter_add",
  abstractEval: (avals, p) => selectType("select_and_scatter_add", avals, p, false),
  impl: ([ct, x], p, out) => {
    const chosen = windowSelect(data(x!), windowPlan(x!.shape, p), p.select_prim);
    const cd = data(ct!);
    const dest = allocate(out.dtype, out.size);
    for (let i = 0; i < chosen.length; i++) {
      const k = chosen[i]!;
      if (k >= 0) dest[k]! += cd[i]!;
    }
    return Tensor._of(dest, out.shape, out.dtype);
  },
  freshOutputs: true,
  ad: linear((ct, [, x], p) => [selectAndGatherAdd(ct, x as Tensor, p), null], { linearIn: [0] }),
  batch: batchPair((v, x, p) => selectAndScatterAdd(v, x, p)),
  testing: sample(false),
});

/** The value of `tangents` at the element each window of `operand` chooses (0 where it chooses none). */
export const selectAndGatherAdd = (tangents: Tensor, operand: Tensor, p: SelectParams): Tensor =>
  bind1(selectAndGatherAddP, [tangents, operand], p);

/** Each window's `cotangent` added onto the element of `operand` the window chooses. */
export const selectAndScatterAdd = (cotangent: Tensor, operand: Tensor, p: SelectParams): Tensor =>
  bind1(selectAndScatterAddP, [cotangent, operand], p);
