// The bitwise primitives and, or, xor (binary) and not, on bool, int32 and uint32, as lax's: integer outputs, so no
// derivative. JS's bit operators work on the 32-bit pattern; the store (or jit's rounding) reads it back as the dtype.
import { ShapedArray } from "../../core/aval.js";
import type { DType } from "../../core/dtype.js";
import type { Tensor } from "../../core/tensor.js";
import type { Choose, TestSpec } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapBinary, mapUnary } from "../kernels.js";
import { elementwise, type NoParams, randomShape } from "../shape_rules.js";

const BIT_DTYPES: readonly DType[] = ["bool", "int32", "uint32"];

/** Cases over one shape and one of bool, int32, uint32 for `arity` inputs. */
export function bitsTesting(arity: number, dtypes: readonly DType[] = BIT_DTYPES): TestSpec<NoParams> {
  return {
    sample: (choose: Choose) => {
      const shape = randomShape(choose);
      const dtype = dtypes[choose(dtypes.length)]!;
      return { avals: Array.from({ length: arity }, () => new ShapedArray(shape, dtype)), params: {} };
    },
  };
}

function binary(name: string, f: (a: number, b: number) => number, op: string) {
  return definePrimitive<NoParams>({
    name,
    abstractEval: elementwise(name, "bits"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, f),
    ad: zeroDerivative(),
    batch: vectorized,
    commutative: true,
    lowering: { emit: ([x, y]) => `(${x} ${op} ${y})`, discontinuous: true },
    testing: bitsTesting(2),
  });
}

export const andP = binary("and", (a, b) => a & b, "&");
export const orP = binary("or", (a, b) => a | b, "|");
export const xorP = binary("xor", (a, b) => a ^ b, "^");

export const notP = definePrimitive<NoParams>({
  name: "not",
  abstractEval: elementwise("not", "bits"),
  impl: ([x], _, out) => mapUnary(x!, out, out.dtype === "bool" ? (a) => (a ? 0 : 1) : (a) => ~a),
  ad: zeroDerivative(),
  batch: vectorized,
  lowering: { emit: ([x], _, [a]) => (a!.dtype === "bool" ? `(${x} ? 0 : 1)` : `(~${x})`), discontinuous: true },
  testing: bitsTesting(1),
});

/** Bitwise (logical, for bool) and of equal-shaped operands of one dtype. */
export const and = (x: Tensor, y: Tensor): Tensor => bind1(andP, [x, y], {});
/** Bitwise (logical, for bool) or. */
export const or = (x: Tensor, y: Tensor): Tensor => bind1(orP, [x, y], {});
/** Bitwise (logical, for bool) exclusive or. */
export const xor = (x: Tensor, y: Tensor): Tensor => bind1(xorP, [x, y], {});
/** Bitwise complement (logical not, for bool). */
export const not = (x: Tensor): Tensor => bind1(notP, [x], {});
