// Constant folding: an equation whose inputs are all known and whose result is a single element becomes a literal.
// Only single-element results: folding a broadcast would bake a big constant in, and an empty result is no literal.
// An equation that carries jaxprs is never folded (it may run a loop at compile time); its jaxprs are folded inside.
import { type ClosedJaxpr, Lit } from "../jaxpr.js";
import { onSubjaxprs, type Program, rewrite } from "./rewrite.js";

export function fold(p: Program, inner: (j: ClosedJaxpr) => ClosedJaxpr = onSubjaxprs(fold)): Program {
  return rewrite(
    p,
    (e, ctx) => {
      if (e.prim.jaxprs || e.outs.some((v) => v.aval.size !== 1)) return { eqn: e };
      const vals = e.inputs.map((a) => ctx.value(a));
      if (vals.some((v) => v === undefined || !v._data)) return { eqn: e };
      const outs = e.prim.impl(
        vals as never[],
        e.params,
        e.outs.map((v) => v.aval),
      );
      return { replace: outs.map((t) => new Lit(t)) };
    },
    inner,
  );
}
