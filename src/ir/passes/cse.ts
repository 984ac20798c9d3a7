// Common-subexpression elimination: an equation identical to an earlier one (primitive, params, inputs) reuses it.
import type { Atom } from "../jaxpr.js";
import { type Program, rewrite } from "./rewrite.js";

/** Text that identifies an atom: variables by identity, literals by dtype and exact bits (−0 ≠ 0, NaN = NaN). */
function atomKey(a: Atom, ids: Map<object, number>): string {
  if (a._tag === "Lit") {
    const v = Number(a.value._data![0]);
    return `${a.aval.dtype}:${Object.is(v, -0) ? "-0" : String(v)}`;
  }
  let id = ids.get(a);
  if (id === undefined) ids.set(a, (id = ids.size));
  return `v${id}`;
}

/** Params as stable text; objects that are not plain data (e.g. nested jaxprs) by identity. */
function paramsKey(params: unknown, ids: Map<object, number>): string {
  return JSON.stringify(params, (_, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = ids.size));
      return `#${id}`;
    }
    return v;
  });
}

/** Operand order does not change these results, bit for bit (NaN handling is symmetric too). */
// not max / min: max(+0, −0) is −0 but max(−0, +0) is +0 (x when x > y, else y), as eager computes them
const COMMUTATIVE = new Set(["add", "mul", "eq", "ne"]);

export function cse(p: Program): Program {
  const ids = new Map<object, number>();
  const seen = new Map<string, Atom[]>();
  return rewrite(p, (e) => {
    const args = e.inputs.map((a) => atomKey(a, ids));
    if (COMMUTATIVE.has(e.prim.name)) args.sort();
    const key = `${e.prim.name}|${paramsKey(e.params, ids)}|${args.join(",")}`;
    const prev = seen.get(key);
    if (prev) return { replace: prev };
    seen.set(key, [...e.outs]);
    return { eqn: e };
  });
}
