// The shifts shift_left, shift_right_logical and shift_right_arithmetic on int32 and uint32, as lax's: the amount is
// read as unsigned, and an amount of 32 or more shifts every bit out (0; the sign for the arithmetic shift), where
// JS would take it modulo 32. The arithmetic shift extends the top bit of the pattern for uint32 too, as XLA does.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, type NoParams } from "../shape_rules.js";
import { bitsTesting } from "./bitwise.js";

function shift(name: string, f: (a: number, b: number) => number, emit: (x: string, y: string) => string) {
  const testing = bitsTesting(2, ["int32", "uint32"]);
  return definePrimitive<NoParams>({
    name,
    abstractEval: elementwise(name, "integer"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, f),
    ad: zeroDerivative(),
    batch: vectorized,
    lowering: { emit: ([x, y]) => emit(x!, y!), discontinuous: true },
    testing: {
      // amounts around the width, where JS's own shifts would wrap
      sample: (choose) => {
        const c = testing.sample(choose);
        const amounts = c.avals[0]!.dtype === "int32" ? ([-2, 34] as const) : ([0, 34] as const);
        return { ...c, domains: [undefined, amounts] };
      },
    },
  });
}

const inRange = (b: number) => b >>> 0 < 32;
export const shiftLeftP = shift(
  "shift_left",
  (a, b) => (inRange(b) ? a << b : 0),
  (x, y) => `((${y}) >>> 0 < 32 ? (${x}) << (${y}) : 0)`,
);
export const shiftRightLogicalP = shift(
  "shift_right_logical",
  (a, b) => (inRange(b) ? a >>> b : 0),
  (x, y) => `((${y}) >>> 0 < 32 ? (${x}) >>> (${y}) : 0)`,
);
export const shiftRightArithmeticP = shift(
  "shift_right_arithmetic",
  (a, b) => a >> (inRange(b) ? b : 31),
  (x, y) => `((${x}) >> ((${y}) >>> 0 < 32 ? (${y}) : 31))`,
);

/** x shifted left by y bits (zeros in; 0 when y ≥ 32 or negative). */
export const shiftLeft = (x: Tensor, y: Tensor): Tensor => bind1(shiftLeftP, [x, y], {});
/** x shifted right by y bits, zeros in. */
export const shiftRightLogical = (x: Tensor, y: Tensor): Tensor => bind1(shiftRightLogicalP, [x, y], {});
/** x shifted right by y bits, copies of the top bit in. */
export const shiftRightArithmetic = (x: Tensor, y: Tensor): Tensor => bind1(shiftRightArithmeticP, [x, y], {});
