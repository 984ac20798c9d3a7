// The max / min family: NaN-propagating kernel and JAX's tie-splitting derivative, shared by both.
import type { Tensor } from "../../core/tensor.js";
import { simdExtremum } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { eq } from "./compare.js";
import { mul } from "./mul.js";
import { select } from "./select.js";

/** 1 where x = z and y ≠ z, ½ where all three meet, else 0: how max/min split a derivative at ties. */
function balancedEq(x: Tensor, z: Tensor, y: Tensor): Tensor {
  const one = fullLike(x, 1);
  return select(eq(x, z), select(eq(y, z), fullLike(x, 0.5), one), fullLike(x, 0));
}

/**
 * Elementwise max (`wins(a, b)` = a > b) or min (a < b). Not commutative: max(+0, −0) is −0 but max(−0, +0) is +0
 * (x when x > y, else y), as the kernels compute them.
 */
export function minmax(name: string, wins: (a: number, b: number) => boolean, op: ">" | "<") {
  return definePrimitive<NoParams>({
    name,
    abstractEval: elementwise(name, "numeric"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (a !== a || b !== b ? NaN : wins(a, b) ? a : b)),
    // d max(x, y) = dx where x wins, dy where y wins, (dx + dy)/2 at ties
    ad: formula(
      (tx, [x, y], out) => mul(tx, balancedEq(x!, out, y!)),
      (ty, [x, y], out) => mul(ty, balancedEq(y!, out, x!)),
    ),
    batch: vectorized,
    lowering: {
      emit: ([x, y]) => `(${x} !== ${x} || ${y} !== ${y} ? NaN : ${x} ${op} ${y} ? ${x} : ${y})`,
      wasm: simdExtremum(op === ">" ? 1 : -1),
    },
    testing: elementwiseTesting(2, { distinct: true }),
  });
}
