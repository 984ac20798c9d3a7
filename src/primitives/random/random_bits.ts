// random_bits: JAX's partitionable 32-bit random bits. Each key (uint32 [..., 2]) encrypts the counters 0, 1, 2, …
// (a 64-bit iota over `shape`, split into high and low words) and the two words are xored. Batches of keys give one
// stream each, so vmap over keys is the same primitive on a stack of keys.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis } from "../structure/transpose.js";
import { threefryBits } from "./threefry_kernel.js";

export interface RandomBitsParams {
  shape: readonly number[];
}

export const randomBitsP = definePrimitive<RandomBitsParams>({
  name: "random_bits",
  abstractEval: ([k], { shape }) => {
    if (k!.dtype !== "uint32" || k!.shape.at(-1) !== 2)
      return E.left(new DTypeError(`random_bits: keys must be uint32 [..., 2], got ${k!.toString()}`));
    if (!shape.every((d) => Number.isInteger(d) && d >= 0))
      return E.left(new ShapeError(`random_bits: bad shape ${fmtShape(shape)}`));
    return E.right(new ShapedArray([...k!.shape.slice(0, -1), ...shape], "uint32"));
  },
  impl: ([k], { shape }, out) => {
    const d = allocateFilledLater("uint32", out.size) as Uint32Array;
    threefryBits(
      data(k!) as Uint32Array,
      shape.reduce((a, b) => a * b, 1),
      d,
    );
    return Tensor._of(d, out.shape, "uint32");
  },
  ad: zeroDerivative(),
  // the key's batch axis leads its stack of keys, so it leads the result
  batch: ([k], [d], params) => [randomBits(moveAxis(k!, d!, 0), params.shape), 0],
  freshOutputs: true,
  exactFloat32: true,
  testing: {
    sample: (choose) => ({
      avals: [new ShapedArray([...randomShape(choose, 1), 2], "uint32")],
      params: { shape: randomShape(choose, 2) },
    }),
  },
});

/** 32-bit random words of `shape` per key of `keys` (uint32 [..., 2]): shape [...keys.shape[:-1], ...shape]. */
export const randomBits = (keys: Tensor, shape: readonly number[]): Tensor =>
  bind1(randomBitsP, [keys], { shape: [...shape] });
