// The comparisons eq ne lt le gt ge: bool results, zero derivative.
import { definePrimitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";
import type { SimdOp } from "../../wasm/encode.js";
import { simdCompare } from "../../wasm/vecops.js";

function comparison(name: string, f: (a: number, b: number) => boolean, op: string, simd: SimdOp) {
  return definePrimitive<object>({
    name,
    abstractEval: elementwise(name, "any", "bool"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (f(a, b) ? 1 : 0)),
    jvp: () => null, // piecewise constant
    emitNeedsRounded: true,
    emit: ([x, y]) => `(${x} ${op} ${y} ? 1 : 0)`,
    emitWasm: simdCompare(simd),
    batch: vectorized,
    testing: elementwiseTesting(2, { zeroDerivative: true }),
  });
}

export const eqP = comparison("eq", (a, b) => a === b, "===", "f32x4.eq");
export const neP = comparison("ne", (a, b) => a !== b, "!==", "f32x4.ne");
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
