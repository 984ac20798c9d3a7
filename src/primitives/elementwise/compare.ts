// The comparisons eq ne lt le gt ge: bool results, zero derivative.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import type { SimdOp } from "../../lowering/encode.js";
import { simdCompare } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

/** `symmetric`: operand order does not matter (eq, ne; NaN compares the same either way). */
function comparison(name: string, f: (a: number, b: number) => boolean, op: string, simd: SimdOp, symmetric = false) {
  return definePrimitive<NoParams>({
    name,
    abstractEval: elementwise(name, "any", "bool"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (f(a, b) ? 1 : 0)),
    ad: zeroDerivative(), // piecewise constant
    batch: vectorized,
    commutative: symmetric,
    lowering: { emit: ([x, y]) => `(${x} ${op} ${y} ? 1 : 0)`, discontinuous: true, wasm: simdCompare(simd) },
    testing: elementwiseTesting(2),
  });
}

export const eqP = comparison("eq", (a, b) => a === b, "===", "f32x4.eq", true);
export const neP = comparison("ne", (a, b) => a !== b, "!==", "f32x4.ne", true);
export const ltP = comparison("lt", (a, b) => a < b, "<", "f32x4.lt");
export const leP = comparison("le", (a, b) => a <= b, "<=", "f32x4.le");
export const gtP = comparison("gt", (a, b) => a > b, ">", "f32x4.gt");
export const geP = comparison("ge", (a, b) => a >= b, ">=", "f32x4.ge");

export const eq = (x: Tensor, y: Tensor): Tensor => bind1(eqP, [x, y], {});
export const ne = (x: Tensor, y: Tensor): Tensor => bind1(neP, [x, y], {});
export const lt = (x: Tensor, y: Tensor): Tensor => bind1(ltP, [x, y], {});
export const le = (x: Tensor, y: Tensor): Tensor => bind1(leP, [x, y], {});
export const gt = (x: Tensor, y: Tensor): Tensor => bind1(gtP, [x, y], {});
export const ge = (x: Tensor, y: Tensor): Tensor => bind1(geP, [x, y], {});
