// threefry2x32: the block function of JAX's PRNG as a primitive: keys (k0, k1) and counters (x0, x1), four uint32
// arrays of one shape, give the two encrypted words as one uint32 array of that shape with a trailing axis of 2
// (JAX's threefry2x32_p returns them as two results; one result keeps the rules of a single-output primitive).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate, allocateFilledLater } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { shapeEq } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { data } from "../kernels.js";
import { type NoParams, randomShape } from "../shape_rules.js";
import { threefry2x32 as kernel } from "./threefry_kernel.js";

const ROLES = ["k0", "k1", "x0", "x1"];

export const threefry2x32P = definePrimitive<NoParams>({
  name: "threefry2x32",
  abstractEval: (avals) => {
    const bad = avals.findIndex((a) => a.dtype !== "uint32");
    if (avals.length !== 4) return E.left(new ShapeError(`threefry2x32: takes 4 operands, got ${avals.length}`));
    if (bad >= 0)
      return E.left(new DTypeError(`threefry2x32: ${ROLES[bad]} must be uint32, got ${avals[bad]!.toString()}`));
    if (!avals.every((a) => shapeEq(a.shape, avals[0]!.shape)))
      return E.left(
        new ShapeError(
          `threefry2x32: keys and counters must share one shape, got ${avals.map((a) => fmtShape(a.shape)).join(", ")}`,
        ),
      );
    return E.right(new ShapedArray([...avals[0]!.shape, 2], "uint32"));
  },
  impl: ([k0, k1, x0, x1], _, out) => {
    const n = x0!.size;
    const [y0, y1] = [allocate("uint32", n) as Uint32Array, allocate("uint32", n) as Uint32Array];
    const u = (t: Tensor) => data(t) as Uint32Array;
    kernel(u(k0!), u(k1!), u(x0!), u(x1!), y0, y1);
    const d = allocateFilledLater("uint32", 2 * n);
    for (let i = 0; i < n; i++) {
      d[2 * i] = y0[i]!;
      d[2 * i + 1] = y1[i]!;
    }
    return Tensor._of(d, out.shape, "uint32");
  },
  ad: zeroDerivative(),
  // elementwise in its operands; the word axis is last, after any batch axis
  batch: vectorized,
  exactFloat32: true,
  testing: {
    sample: (choose) => {
      const a = new ShapedArray(randomShape(choose, 2), "uint32");
      return { avals: [a, a, a, a], params: {} };
    },
  },
});

/** Threefry-2x32 of keys (k0, k1) and counters (x0, x1), all uint32 of one shape: the words along a new last axis. */
export const threefry2x32 = (k0: Tensor, k1: Tensor, x0: Tensor, x1: Tensor): Tensor =>
  bind1(threefry2x32P, [k0, k1, x0, x1], {});
