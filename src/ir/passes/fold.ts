// Constant folding: an equation whose inputs are all known and whose result is a single element becomes a literal.
import { Lit } from "../jaxpr.js";
import { type Program, rewrite } from "./rewrite.js";

/** Larger results stay as computation: folding a broadcast of a scalar would bake a big constant in. */
const MAX_FOLDED_SIZE = 1;

export function fold(p: Program): Program {
  return rewrite(p, (e, ctx) => {
    const vals = e.inputs.map((a) => ctx.value(a));
    if (vals.some((v) => v === undefined || !v._data) || e.outs.some((v) => v.aval.size > MAX_FOLDED_SIZE)) return { eqn: e };
    const outs = e.prim.impl(vals as never[], e.params, e.outs.map((v) => v.aval));
    return { replace: outs.map((t) => new Lit(t)) };
  });
}
