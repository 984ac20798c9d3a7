// Constant folding: an equation whose inputs are all known and whose result is a single element becomes a literal.
import { Lit } from "../jaxpr.js";
import { type Program, rewrite } from "./rewrite.js";

/** Only single-element results become literals: folding a broadcast would bake a big constant in, and an empty result is no literal. */

export function fold(p: Program): Program {
  return rewrite(p, (e, ctx) => {
    const vals = e.inputs.map((a) => ctx.value(a));
    if (vals.some((v) => v === undefined || !v._data) || e.outs.some((v) => v.aval.size !== 1)) return { eqn: e };
    const outs = e.prim.impl(
      vals as never[],
      e.params,
      e.outs.map((v) => v.aval),
    );
    return { replace: outs.map((t) => new Lit(t)) };
  });
}
