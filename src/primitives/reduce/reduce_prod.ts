// reduce_prod: product over axes. Its derivative uses products of all-but-one element, so zeros are exact.
import { isInteger } from "../../core/dtype.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { full, zeros } from "../constants.js";
import { definePrimitive, rule } from "../define.js";
import { mul } from "../elementwise/mul.js";
import { reduce } from "../kernels.js";
import { reduceSum } from "../structure/broadcast_and_sum.js";
import { concatenate } from "../structure/concatenate.js";
import { reshape } from "../structure/reshape.js";
import { rev } from "../structure/rev.js";
import { slice } from "../structure/slice_and_pad.js";
import { transpose } from "../structure/transpose.js";
import { type AxesParams, keptDims, reduceBatch, reducedAval, reduceTesting } from "./axes.js";

/** Along the last axis: the product of the elements before each position (1 for the first), by doubling. */
function exclusivePrefixProduct(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1]!;
  const lead = x.shape.slice(0, -1);
  const ones = (k: number) => full([...lead, k], 1, x.dtype);
  const shift = (p: Tensor, k: number) =>
    concatenate(
      [
        ones(k),
        slice(
          p,
          p.shape.map(() => 0),
          [...lead, n - k],
        ),
      ],
      x.ndim - 1,
    );
  let p = shift(x, 1);
  for (let k = 1; k < n; k *= 2) p = mul(p, shift(p, k));
  return p;
}

export const reduceProdP = definePrimitive<AxesParams>({
  name: "reduce_prod",
  abstractEval: ([x], { axes }) => reducedAval("reduce_prod", x!, axes),
  impl: ([x], { axes }, out) => reduce(x!, axes, out, 1, isInteger(out.dtype) ? Math.imul : (a, v) => a * v),
  // d ∏ xᵢ = Σᵢ dxᵢ · ∏_{j≠i} xⱼ, with ∏_{j≠i} = (product before i)·(product after i)
  ad: rule(([t], [x], out, { axes }) => {
    const kept = keptDims(x!.ndim, axes);
    const lead = kept.map((d) => x!.shape[d]!);
    const n = axes.reduce((a, d) => a * x!.shape[d]!, 1);
    if (n <= 1) return n === 0 ? zeros(out.shape, out.dtype) : reshape(t!, out.shape);
    const flat = (v: Tensor) => reshape(transpose(v, [...kept, ...axes]), [...lead, n]);
    const xs = flat(x!);
    const last = lead.length;
    const others = mul(exclusivePrefixProduct(xs), rev(exclusivePrefixProduct(rev(xs, [last])), [last]));
    return reduceSum(mul(flat(t!), others), [last]);
  }),
  batch: reduceBatch,
  testing: reduceTesting({ domain: [-1.5, 1.5] }),
});

export const reduceProd = (x: Tensor, axes: readonly number[]): Tensor => bind1(reduceProdP, [x], { axes });
