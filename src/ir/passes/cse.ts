// Common-subexpression elimination: an equation identical to an earlier one (primitive, params, inputs) reuses it.
import type { Atom, ClosedJaxpr } from "../jaxpr.js";
import { onSubjaxprs, type Program, rewrite } from "./rewrite.js";

/** Text that identifies an atom: variables by identity, literals by dtype and exact bits (−0 ≠ 0, NaN = NaN). */
function atomKey(a: Atom, ids: Map<object, number>): string {
  if (a._tag === "Lit") {
    const v = Number(a.value._data![0]);
    return `${a.aval.dtype}:${Object.is(v, -0) ? "-0" : String(v)}`;
  }
  return `v${idOf(a, ids)}`;
}

function idOf(x: object, ids: Map<object, number>): number {
  let id = ids.get(x);
  if (id === undefined) ids.set(x, (id = ids.size));
  return id;
}

/** Params as stable text; objects that are not plain data (e.g. nested jaxprs) by identity. */
function paramsKey(params: unknown, ids: Map<object, number>): string {
  return JSON.stringify(params, (_, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      return `#${idOf(v, ids)}`;
    }
    return v;
  });
}

/**
 * Equations are equal when their primitives (by identity), params and inputs are; a commutative primitive's inputs in
 * any order.
 */
export function cse(p: Program, inner: (j: ClosedJaxpr) => ClosedJaxpr = onSubjaxprs(cse)): Program {
  const ids = new Map<object, number>();
  const seen = new Map<string, Atom[]>();
  return rewrite(
    p,
    (e) => {
      const args = e.inputs.map((a) => atomKey(a, ids));
      if (e.prim.commutative) args.sort();
      const key = `${idOf(e.prim, ids)}|${paramsKey(e.params, ids)}|${args.join(",")}`;
      const prev = seen.get(key);
      if (prev) return { replace: prev };
      seen.set(key, [...e.outs]);
      return { eqn: e };
    },
    inner,
  );
}
