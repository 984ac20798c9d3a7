// bitcast_convert_type: the same bits read as another dtype, as lax's. Between dtypes of one width (float32, int32,
// uint32) the shape stays; float64 to a 32-bit dtype adds a trailing axis of 2 (low word first, the little-endian
// order every JS engine uses) and the reverse takes it away. No derivative: bits are not differentiable.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate, BYTES, type DType } from "../../core/dtype.js";
import { DTypeError, ShapeError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "../structure/transpose.js";

export interface BitcastParams {
  new_dtype: DType;
}

function bitcastAval(x: ShapedArray, to: DType): E.Either<DTypeError | ShapeError, ShapedArray> {
  if (x.dtype === "bool" || to === "bool")
    return E.left(new DTypeError(`bitcast_convert_type: cannot bitcast ${x.dtype} to ${to}; bool has no bit layout`));
  const [from, into] = [BYTES[x.dtype], BYTES[to]];
  if (from === into) return E.right(new ShapedArray(x.shape, to));
  if (from > into) return E.right(new ShapedArray([...x.shape, from / into], to));
  if (x.shape.at(-1) !== into / from)
    return E.left(
      new ShapeError(
        `bitcast_convert_type: ${x.toString()} to ${to} needs a last axis of ${into / from} (the words of one ` +
          `element), got shape [${x.shape.join(", ")}]`,
      ),
    );
  return E.right(new ShapedArray(x.shape.slice(0, -1), to));
}

export const bitcastConvertTypeP = definePrimitive<BitcastParams>({
  name: "bitcast_convert_type",
  abstractEval: ([x], { new_dtype }) => bitcastAval(x!, new_dtype),
  impl: ([x], { new_dtype }, out) => {
    const src = data(x!);
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const dst = allocate(new_dtype, out.size);
    new Uint8Array(dst.buffer).set(bytes);
    return Tensor._of(dst, out.shape, new_dtype);
  },
  ad: zeroDerivative(),
  // the word axis is last, so the batch axis goes first
  batch: ([x], [d], { new_dtype }) => [bitcastConvertType(moveAxis(x!, d!, 0), new_dtype), 0],
  testing: {
    sample: (choose) => {
      const pairs = [
        ["float64", "uint32"],
        ["float64", "int32"],
        ["float32", "uint32"],
        ["uint32", "int32"],
        ["int32", "float32"],
        ["uint32", "float64"],
      ] as const;
      const [from, to] = pairs[choose(pairs.length)]!;
      const shape = randomShape(choose, 2);
      if (BYTES[from] < BYTES[to]) shape.push(BYTES[to] / BYTES[from]);
      return { avals: [new ShapedArray(shape, from)], params: { new_dtype: to } };
    },
  },
});

/** `x`'s bits as `newDtype` (see the file comment for the shapes). */
export const bitcastConvertType = (x: Tensor, newDtype: DType): Tensor =>
  x.dtype === newDtype ? x : bind1(bitcastConvertTypeP, [x], { new_dtype: newDtype });
