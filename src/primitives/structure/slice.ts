// slice: the box [start_indices, limit_indices) of the operand (linear; transposes to zero-padding).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive } from "../../core/primitive.js";
import { stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { strided } from "../kernels.js";
import { concatenate, zeros } from "../lax.js";
import { randomShape } from "../rules.js";

export interface SliceParams {
  start_indices: readonly number[];
  limit_indices: readonly number[];
}

export const sliceP = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval: ([x], { start_indices: lo, limit_indices: hi }) => {
    const s = x!.shape;
    const okBox = lo.length === s.length && hi.length === s.length && s.every((n, i) => 0 <= lo[i]! && lo[i]! <= hi[i]! && hi[i]! <= n);
    return okBox
      ? E.right(new ShapedArray(s.map((_, i) => hi[i]! - lo[i]!), x!.dtype))
      : E.left(new ShapeError(`slice: start (${lo.join(", ")}) and limit (${hi.join(", ")}) do not describe a box inside shape ${fmtShape(s)}`));
  },
  impl: ([x], { start_indices: lo }, out) => {
    const st = stridesOf(x!.shape);
    return strided(x!, st, lo.reduce((o, l, i) => o + l * st[i]!, 0), out);
  },
  jvp: ([t], _, __, p) => slice(t!, p.start_indices, p.limit_indices), // linear
  // put the cotangent back in place, zeros around it, one axis at a time
  transpose: (ct, [x], { start_indices: lo, limit_indices: hi }) => {
    const s = x!.aval.shape;
    let r = ct;
    for (let d = 0; d < s.length; d++) {
      if (lo[d] === 0 && hi[d] === s[d]) continue;
      const side = (n: number) => zeros(r.shape.map((m, i) => (i === d ? n : m)), ct.dtype);
      r = concatenate([side(lo[d]!), r, side(s[d]! - hi[d]!)], d);
    }
    return [r];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const lo = shape.map((n) => choose(n));
      const hi = shape.map((n, i) => lo[i]! + choose(n - lo[i]! + 1));
      return { avals: [new ShapedArray(shape, "float64")], params: { start_indices: lo, limit_indices: hi } };
    },
  },
});

export const slice = (x: Tensor, start: readonly number[], limit: readonly number[]): Tensor =>
  bind1(sliceP, [x], { start_indices: [...start], limit_indices: [...limit] });
