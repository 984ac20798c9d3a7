// Dead-code elimination: every primitive is pure, so equations whose outputs nothing uses are dropped, also inside
// the jaxprs equations carry (their inputs and outputs stay: the equation's interface does not change).
import { type Atom, type ClosedJaxpr, type Eqn, Jaxpr, type Var } from "../jaxpr.js";
import { onSubjaxprs, type Program, pruneConsts, withSubjaxprs } from "./rewrite.js";

export function dce(p: Program, inner: (j: ClosedJaxpr) => ClosedJaxpr = onSubjaxprs(dce)): Program {
  const live = new Set<Atom>(p.jaxpr.outs);
  const kept: Eqn[] = [];
  for (let i = p.jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = p.jaxpr.eqns[i]!;
    if (!e.outs.some((v: Var) => live.has(v))) continue;
    kept.push(withSubjaxprs(e, inner));
    for (const a of e.inputs) live.add(a);
  }
  kept.reverse();
  return pruneConsts({ jaxpr: new Jaxpr(p.jaxpr.constvars, p.jaxpr.invars, kept, p.jaxpr.outs), consts: p.consts });
}
