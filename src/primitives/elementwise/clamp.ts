// clamp: min(max(x, lo), hi) elementwise, as lax.clamp(lo, x, hi): lo and hi each either x's shape or a scalar, all
// of x's dtype. NaN in any operand gives NaN. The derivative flows to x where lo < x < hi, to lo where x < lo < hi and
// to hi where hi < x, as JAX's.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { shapeEq } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { zerosLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { data } from "../kernels.js";
import { type NoParams, randomShape } from "../shape_rules.js";
import { broadcastInDim } from "../structure/broadcast_and_sum.js";
import { and } from "./bitwise.js";
import { gt, lt } from "./compare.js";
import { select } from "./select.js";

/** `a` (x's shape or a scalar) at x's shape. */
const like = (a: Tensor, x: Tensor) => (a.shape.length === x.shape.length ? a : broadcastInDim(a, x.shape, []));

export const clampP = definePrimitive<NoParams>({
  name: "clamp",
  abstractEval: ([lo, x, hi]) => {
    if (!lo || !x || !hi) return E.left(new ShapeError("clamp: takes lo, x and hi"));
    for (const [name, b] of [
      ["lo", lo],
      ["hi", hi],
    ] as const) {
      if (b.shape.length !== 0 && !shapeEq(b.shape, x.shape))
        return E.left(
          new ShapeError(
            `clamp: ${name} must be a scalar or have x's shape ${fmtShape(x.shape)}, got ${fmtShape(b.shape)}; ` +
              `np.clip broadcasts, lax.clamp does not`,
          ),
        );
      if (b.dtype !== x.dtype)
        return E.left(
          new DTypeError(`clamp: ${name} has dtype ${b.dtype} but x has ${x.dtype}; convert with astype first`),
        );
    }
    return E.right(new ShapedArray(x.shape, x.dtype));
  },
  impl: ([lo, x, hi], _, out) => {
    const [ld, xd, hd] = [data(lo!), data(x!), data(hi!)];
    const [ls, hs] = [ld.length === 1 ? 0 : 1, hd.length === 1 ? 0 : 1];
    const d = allocate(out.dtype, out.size);
    for (let i = 0; i < d.length; i++) d[i] = Math.min(Math.max(xd[i]!, ld[i * ls]!), hd[i * hs]!);
    return Tensor._of(d, out.shape, out.dtype);
  },
  ad: formula(
    (t, [lo, x, hi]) => {
      const l = like(lo!, x!);
      return select(and(gt(l, x!), lt(l, like(hi!, x!))), like(t, x!), zerosLike(x!));
    },
    (t, [lo, x, hi]) => select(and(gt(x!, like(lo!, x!)), lt(x!, like(hi!, x!))), t, zerosLike(x!)),
    (t, [, x, hi]) => select(lt(like(hi!, x!), x!), like(t, x!), zerosLike(x!)),
  ),
  // x batched at 0; an unbatched scalar bound stays a scalar, any other bound becomes x's batched shape
  batch: ([lo, x, hi], [dl, dx, dh], _, self) => {
    const size = batchSize([lo!, x!, hi!], [dl!, dx!, dh!]);
    const bx = batchedAt(x!, dx!, 0, size);
    const bound = (b: Tensor, d: number | null) => {
      if (d === null && b.shape.length === 0) return b;
      const bb = batchedAt(b, d, 0, size);
      return bb.shape.length === bx.shape.length ? bb : broadcastInDim(bb, bx.shape, [0]);
    };
    return [bind1(self, [bound(lo!, dl!), bx, bound(hi!, dh!)], {}), 0];
  },
  testing: {
    sample: (choose) => {
      const s = randomShape(choose);
      const side = () => new ShapedArray(choose(2) === 0 ? [] : s, "float64");
      return { avals: [side(), new ShapedArray(s, "float64"), side()], params: {} };
    },
    // lo < hi always (JAX's derivative assumes it); values kept apart, so no kink lies within a difference step
    domain: [
      [-1.5, -0.5],
      [-2, 2],
      [0.5, 1.5],
    ],
    distinct: true,
  },
});

/** min(max(x, lo), hi); lo and hi may be scalars. */
export const clamp = (lo: Tensor, x: Tensor, hi: Tensor): Tensor => bind1(clampP, [lo, x, hi], {});
