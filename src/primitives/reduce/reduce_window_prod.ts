// reduce_window_prod: the product over each window (lax.reduce_window with "mul"); holes and padding hold 1. Its
// tangent is Σₖ dxₖ·∏_{j≠k} xⱼ over the window positions k, built from strided slices of the padded operand (one per
// window position) with prefix and suffix products, so it has no division: exact where elements are zero, and
// differentiable to any order (JAX differentiates its generic reduce_window through the pairs' reducer instead).
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, isFloat, isInteger } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { zeros } from "../constants.js";
import { definePrimitive, rule } from "../define.js";
import { add } from "../elementwise/add.js";
import { mul } from "../elementwise/mul.js";
import { data } from "../kernels.js";
import { slice } from "../structure/slice_and_pad.js";
import {
  batchAsWindowAxis,
  padSigned,
  sampleWindow,
  type WindowParams,
  windowAval,
  windowPlan,
  windowProdInto,
} from "./window.js";

/** The element at window position k of every window, as a tensor of the output's shape, one per position. */
function windowSlices(x: Tensor, fill: number, out: readonly number[], p: WindowParams): Tensor[] {
  const padded = padSigned(
    x,
    fill,
    p.padding.map(([lo, hi], i) => [lo, hi, p.base_dilation[i]! - 1] as const),
  );
  const r = x.ndim;
  const w = new Array<number>(r).fill(0);
  const res: Tensor[] = [];
  for (;;) {
    const start = w.map((k, i) => k * p.window_dilation[i]!);
    res.push(
      slice(
        padded,
        start,
        start.map((s, i) => s + (out[i]! - 1) * p.window_strides[i]! + 1),
        p.window_strides,
      ),
    );
    let i = r - 1;
    while (i >= 0 && ++w[i]! === p.window_dimensions[i]) w[i--] = 0;
    if (i < 0) return res;
  }
}

export const reduceWindowProdP = definePrimitive<WindowParams>({
  name: "reduce_window_prod",
  abstractEval: ([x], p) => windowAval("reduce_window_prod", x!, p),
  impl: ([x], p, out) => {
    const dest = allocateFilledLater(out.dtype, out.size);
    windowProdInto(data(x!), windowPlan(x!.shape, p), dest, isInteger(out.dtype));
    return Tensor._of(dest, out.shape, out.dtype);
  },
  freshOutputs: true,
  ad: rule(([t], [x], out, p) => {
    if (!t || !isFloat(x!.dtype)) return null;
    if (out.size === 0) return zeros(out.shape, out.dtype);
    const xs = windowSlices(x!, 1, out.shape, p);
    const ts = windowSlices(t, 0, out.shape, p);
    const n = xs.length;
    // before[k] = x₀ ⋯ xₖ₋₁, after[k] = xₖ₊₁ ⋯ xₙ₋₁ (null: the empty product)
    const before: (Tensor | null)[] = [null];
    for (let k = 1; k < n; k++) before.push(before[k - 1] ? mul(before[k - 1]!, xs[k - 1]!) : xs[k - 1]!);
    const after: (Tensor | null)[] = new Array(n).fill(null);
    for (let k = n - 2; k >= 0; k--) after[k] = after[k + 1] ? mul(xs[k + 1]!, after[k + 1]!) : xs[k + 1]!;
    let sum: Tensor | null = null;
    for (let k = 0; k < n; k++) {
      let term = ts[k]!;
      if (before[k]) term = mul(term, before[k]!);
      if (after[k]) term = mul(term, after[k]!);
      sum = sum ? add(sum, term) : term;
    }
    return sum;
  }),
  batch: batchAsWindowAxis((x, p) => reduceWindowProd(x, p)),
  testing: {
    sample: (choose) => {
      const { shape, params } = sampleWindow(choose, false);
      return { avals: [new ShapedArray(shape, "float64")], params };
    },
    domain: [-1.5, 1.5],
  },
});

/** Window products of `x` (see WindowParams). */
export const reduceWindowProd = (x: Tensor, p: WindowParams): Tensor => bind1(reduceWindowProdP, [x], p);
