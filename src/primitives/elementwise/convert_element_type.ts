// convert_element_type: changes dtype (float → int32/uint32 truncates toward zero, then wraps); linear between floats.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { convertData, type DType, isInteger } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import { identityOnSameType } from "../../ir/passes/simplify.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";

export interface ConvertParams {
  new_dtype: DType;
}

export const convertElementTypeP = definePrimitive<ConvertParams>({
  name: "convert_element_type",
  abstractEval: ([x], { new_dtype }) => E.right(new ShapedArray(x!.shape, new_dtype)),
  impl: ([x], { new_dtype }, out) =>
    x!.dtype === new_dtype ? x! : Tensor._of(convertData(data(x!), new_dtype), out.shape, new_dtype),
  // linear between float dtypes; no tangent flows into or out of integers
  ad: linear((ct, [x]) => [convertElementType(ct, x!.aval.dtype)]),
  batch: vectorized,
  simplify: identityOnSameType,
  lowering: {
    // float → integer truncates toward zero; → bool is "non-zero and not NaN" (jit rounds to the target after)
    emit: ([x], { new_dtype }) =>
      isInteger(new_dtype) ? `Math.trunc(${x})` : new_dtype === "bool" ? `(${x} !== 0 && ${x} === ${x} ? 1 : 0)` : x!,
    discontinuous: true,
    cast: true,
  },
  testing: {
    // float64 → float64 exercises the derivative laws; the others the conversion kernels (zero derivative).
    sample: (choose) => {
      const [from, to] = (
        [
          ["float64", "float64"],
          ["int32", "float64"],
          ["float64", "int32"],
          ["float64", "bool"],
          ["float64", "uint32"],
          ["uint32", "float64"],
          ["int32", "uint32"],
        ] as const
      )[choose(7)]!;
      return { avals: [new ShapedArray(randomShape(choose), from)], params: { new_dtype: to } };
    },
  },
});

export const convertElementType = (x: Tensor, newDtype: DType): Tensor =>
  x.dtype === newDtype ? x : bind1(convertElementTypeP, [x], { new_dtype: newDtype });
