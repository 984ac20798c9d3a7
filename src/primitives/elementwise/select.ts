// select: pred ? onTrue : onFalse elementwise (linear in the two branches).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { shapeEq } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { simdSelect } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { zerosLike } from "../constants.js";
import { definePrimitive, linear } from "../define.js";
import { data } from "../kernels.js";
import { elementwise, type NoParams, randomShape } from "../shape_rules.js";

export const selectP = definePrimitive<NoParams>({
  name: "select",
  abstractEval: ([p, x, y]) => {
    if (!p || !x || !y) return E.left(new ShapeError("select: takes a predicate and two branches"));
    if (p.dtype !== "bool") return E.left(new DTypeError(`select: the predicate must be bool, got ${p.dtype}`));
    if (!shapeEq(p.shape, x.shape))
      return E.left(
        new ShapeError(`select: predicate shape ${fmtShape(p.shape)} differs from branch shape ${fmtShape(x.shape)}`),
      );
    return elementwise("select", "any")([x, y]);
  },
  impl: ([p, x, y], _, out) => {
    const [pd, xd, yd] = [data(p!), data(x!), data(y!)];
    const d = allocate(out.dtype, out.size);
    for (let i = 0; i < d.length; i++) d[i] = pd[i] ? xd[i]! : yd[i]!;
    return Tensor._of(d, out.shape, out.dtype);
  },
  // d select(p, x, y) = select(p, dx, dy)
  ad: linear(
    (ct, [p, x, y]) => {
      const z = zerosLike(ct);
      return [
        null,
        isUndefined(x!) ? select(p as Tensor, ct, z) : null,
        isUndefined(y!) ? select(p as Tensor, z, ct) : null,
      ];
    },
    { linearIn: [1, 2] },
  ),
  batch: vectorized,
  // select(p, x, x) = x
  simplify: (e) => (e.inputs[1] === e.inputs[2] ? e.inputs[1] : undefined),
  lowering: { emit: ([p, x, y]) => `(${p} ? ${x} : ${y})`, wasm: simdSelect },
  testing: {
    sample: (choose) => {
      const s = randomShape(choose);
      return {
        avals: [new ShapedArray(s, "bool"), new ShapedArray(s, "float64"), new ShapedArray(s, "float64")],
        params: {},
      };
    },
  },
});

export const select = (pred: Tensor, onTrue: Tensor, onFalse: Tensor): Tensor =>
  bind1(selectP, [pred, onTrue, onFalse], {});
