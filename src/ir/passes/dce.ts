// Dead-code elimination: every primitive is pure, so equations whose outputs nothing uses are dropped, also inside
// the jaxprs equations carry. A primitive with a dce rule (loops, cond) also drops the outputs of a live equation
// that nothing uses, shrinking its jaxprs; the others keep their interface.
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, type Var } from "../jaxpr.js";
import { onSubjaxprs, type Program, pruneConsts, withSubjaxprs } from "./rewrite.js";

export function dce(p: Program, inner: (j: ClosedJaxpr) => ClosedJaxpr = onSubjaxprs(dce)): Program {
  const live = new Set<Atom>(p.jaxpr.outs);
  const kept: Eqn[] = [];
  for (let i = p.jaxpr.eqns.length - 1; i >= 0; i--) {
    let e = p.jaxpr.eqns[i]!;
    const used = e.outs.map((v: Var) => live.has(v));
    if (!used.some((u) => u)) continue;
    if (e.prim.dce && !used.every((u) => u)) e = e.prim.dce(e, used);
    kept.push(withSubjaxprs(e, inner));
    for (const a of e.inputs) live.add(a);
  }
  kept.reverse();
  return pruneConsts({ jaxpr: new Jaxpr(p.jaxpr.constvars, p.jaxpr.invars, kept, p.jaxpr.outs), consts: p.consts });
}

/**
 * `j` computing only the outputs marked `usedOuts` (the others dropped), and which of its inputs that needs; its
 * inputs stay as they are (see `pruneInputs`).
 */
export function dceJaxpr(j: ClosedJaxpr, usedOuts: readonly boolean[]): { jaxpr: ClosedJaxpr; usedIns: boolean[] } {
  const outs = j.jaxpr.outs.filter((_, i) => usedOuts[i]);
  const p = dce({ jaxpr: new Jaxpr(j.jaxpr.constvars, j.jaxpr.invars, j.jaxpr.eqns, outs), consts: j.consts });
  const read = new Set<Atom>(p.jaxpr.outs);
  for (const e of p.jaxpr.eqns) for (const a of e.inputs) read.add(a);
  return { jaxpr: new ClosedJaxpr(p.jaxpr, p.consts), usedIns: p.jaxpr.invars.map((v) => read.has(v)) };
}

/** `j` without the inputs not marked `keep` (which it must not read). */
export function pruneInputs(j: ClosedJaxpr, keep: readonly boolean[]): ClosedJaxpr {
  if (keep.every((k) => k)) return j;
  const { jaxpr } = j;
  return new ClosedJaxpr(
    new Jaxpr(
      jaxpr.constvars,
      jaxpr.invars.filter((_, i) => keep[i]),
      jaxpr.eqns,
      jaxpr.outs,
    ),
    j.consts,
  );
}
