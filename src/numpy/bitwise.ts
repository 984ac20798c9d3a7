// Bitwise np functions on bool, int32 and uint32 (NumPy's bitwise_and … right_shift), broadcasting and promoting as
// the arithmetic ones do; floats are a DTypeError, as NumPy's TypeError.
import { isFloat } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { array } from "../core/params.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { guard } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, operands } from "./convert.js";

/** The operand, checked: integers (and bool where `bools`; else bool counts as int32). */
function bits(op: string, t: Tensor, bools: boolean): Tensor {
  if (isFloat(t.dtype))
    throw new DTypeError(`${op}: takes bool, int32 or uint32, got ${t.dtype}; convert with astype("int32") first`);
  return !bools && t.dtype === "bool" ? lax.convertElementType(t, "int32") : t;
}

/**
 * JS data as NumPy reads Python ints: whole numbers are int32 (a JS number next to a tensor stays weakly typed and
 * takes the tensor's dtype).
 */
function integral(x: ArrayLike, other: ArrayLike): ArrayLike {
  if (x instanceof Tensor || (typeof x === "number" && other instanceof Tensor)) return x;
  const t = asTensor(x);
  return t.dtype === "float32" && t.toTypedArray().every(Number.isInteger) ? lax.convertElementType(t, "int32") : t;
}

export type Binary = (x: ArrayLike, y: ArrayLike) => Tensor;
const binary = (op: string, f: (a: Tensor, b: Tensor) => Tensor, bools: boolean): Binary =>
  guard(op, [array("x"), array("y")], (x: ArrayLike, y: ArrayLike): Tensor => {
    const [a, b] = operands(op, [integral(x, y), integral(y, x)]);
    return f(bits(op, a!, bools), bits(op, b!, bools));
  });

/** x AND y bit by bit (logical for bool). @example np.bitwiseAnd(12, 10) // Tensor(8, dtype=int32) */
export const bitwiseAnd = binary("np.bitwiseAnd", lax.and, true);
/** x OR y bit by bit (logical for bool). @example np.bitwiseOr(12, 10) // Tensor(14, dtype=int32) */
export const bitwiseOr = binary("np.bitwiseOr", lax.or, true);
/** x XOR y bit by bit (logical for bool). @example np.bitwiseXor(12, 10) // Tensor(6, dtype=int32) */
export const bitwiseXor = binary("np.bitwiseXor", lax.xor, true);
/**
 * The complement of every bit (logical not for bool); `invert` is the same function.
 * @example np.bitwiseNot(np.array([0], "uint32")) // Tensor([4294967295], dtype=uint32)
 */
export const bitwiseNot = guard<(x: ArrayLike) => Tensor>("np.bitwiseNot", [array("x")], (x: ArrayLike) =>
  lax.not(bits("np.bitwiseNot", asTensor(integral(x, 0)), true)),
);
/** x·2ʸ in wrapping arithmetic (0 once y ≥ 32). @example np.leftShift(1, 4) // Tensor(16, dtype=int32) */
export const leftShift = binary("np.leftShift", lax.shiftLeft, false);
/**
 * x shifted right by y: arithmetic (sign-filling) for int32, logical for uint32, as NumPy.
 * @example np.rightShift(-16, 2) // Tensor(-4, dtype=int32)
 */
export const rightShift = binary(
  "np.rightShift",
  (a, b) => (a.dtype === "uint32" ? lax.shiftRightLogical(a, b) : lax.shiftRightArithmetic(a, b)),
  false,
);
