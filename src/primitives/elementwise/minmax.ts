// The max / min family: NaN-propagating kernel and JAX's tie-splitting derivative, shared by both.
import { definePrimitive } from "../../core/primitive.js";
// Helpers called while this module initialises come before lax.js, whose import may re-enter this family.
import { mapBinary } from "../kernels.js";
import { elementwise, elementwiseTesting } from "../rules.js";
import { vectorized } from "../batching.js";
import { simdExtremum } from "../../wasm/vecops.js";
import { addTangents, balancedEq, mul } from "../lax.js";

/** Elementwise max (`wins(a, b)` = a > b) or min (a < b). */
export function minmax(name: string, wins: (a: number, b: number) => boolean, op: ">" | "<") {
  return definePrimitive<object>({
    name,
    abstractEval: elementwise(name, "numeric"),
    impl: ([x, y], _, out) => mapBinary(x!, y!, out, (a, b) => (a !== a || b !== b ? NaN : wins(a, b) ? a : b)),
    // d max(x, y) = dx where x wins, dy where y wins, (dx + dy)/2 at ties
    jvp: ([tx, ty], [x, y], out) =>
      addTangents(tx && mul(tx, balancedEq(x!, out, y!)), ty && mul(ty, balancedEq(y!, out, x!))),
    emit: ([x, y]) => `(${x} !== ${x} || ${y} !== ${y} ? NaN : ${x} ${op} ${y} ? ${x} : ${y})`,
    emitWasm: simdExtremum(op === ">" ? 1 : -1),
    batch: vectorized,
    testing: elementwiseTesting(2, { distinct: true }),
  });
}
