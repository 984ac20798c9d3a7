// expm1: eˣ − 1, accurate near 0.
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { mul } from "./mul.js";

export const expm1P = definePrimitive<NoParams>({
  name: "expm1",
  abstractEval: elementwise("expm1", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, Math.expm1),
  ad: formula((t, _, out) => mul(t, add(out, fullLike(out, 1)))), // d (eˣ − 1) = eˣ·dx
  batch: vectorized,
  lowering: { emit: ([x]) => `Math.expm1(${x})` },
  testing: elementwiseTesting(1),
});

export const expm1 = (x: Tensor): Tensor => bind1(expm1P, [x], {});
