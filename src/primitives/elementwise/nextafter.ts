// nextafter: the float after x1 in the direction of x2, in x1's own precision (float32 steps by float32 ulps), as
// lax.nextafter (XLA's NextAfter: x2 itself when they are equal, the smallest subnormal signed like x2 from ±0, NaN if
// either is NaN); derivative zero.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { definePrimitive, zeroDerivative } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";

const f64 = new Float64Array(1);
const w64 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const w32 = new Uint32Array(f32.buffer);
f64[0] = 1;
/** Index of the high word of a float64 (its sign and exponent): 1 on little-endian hosts. */
const HI = w64[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** Whether the step from x (non-zero) toward `toward` grows |x|: then its bits count up, else down. */
const growsMagnitude = (x: number, toward: number) => x < toward === x > 0;

function nextafter64(x: number, y: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  if (growsMagnitude(x, y)) {
    w64[LO] = (w64[LO]! + 1) >>> 0;
    if (w64[LO] === 0) w64[HI] = w64[HI]! + 1;
  } else {
    if (w64[LO] === 0) w64[HI] = w64[HI]! - 1;
    w64[LO] = (w64[LO]! - 1) >>> 0;
  }
  return f64[0]!;
}

function nextafter32(x: number, y: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = x;
  w32[0] = growsMagnitude(x, y) ? w32[0]! + 1 : w32[0]! - 1;
  return f32[0]!;
}

export const nextafterP = definePrimitive<NoParams>({
  name: "nextafter",
  abstractEval: elementwise("nextafter", "float"),
  impl: ([x, y], _, out) => mapBinary(x!, y!, out, out.dtype === "float32" ? nextafter32 : nextafter64),
  ad: zeroDerivative(), // piecewise constant
  batch: vectorized,
  testing: elementwiseTesting(2),
});

export const nextafter = (x1: Tensor, x2: Tensor): Tensor => bind1(nextafterP, [x1, x2], {});
