// Dead-code elimination: every primitive is pure, so equations whose outputs nothing uses are dropped.
import type { Atom, Eqn, Var } from "../jaxpr.js";
import { Jaxpr } from "../jaxpr.js";
import { type Program, pruneConsts } from "./rewrite.js";

export function dce(p: Program): Program {
  const live = new Set<Atom>(p.jaxpr.outs);
  const kept: Eqn[] = [];
  for (let i = p.jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = p.jaxpr.eqns[i]!;
    if (!e.outs.some((v: Var) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) live.add(a);
  }
  kept.reverse();
  return pruneConsts({ jaxpr: new Jaxpr(p.jaxpr.constvars, p.jaxpr.invars, kept, p.jaxpr.outs), consts: p.consts });
}
