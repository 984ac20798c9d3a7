// The driver every pass shares: walk equations in order, renaming uses, letting a rule keep, replace or drop each.
import type { Tensor } from "../../core/tensor.js";
import { type Atom, type Eqn, Jaxpr, Lit, type Var } from "../jaxpr.js";

/** What a rule sees: the equation (inputs already renamed) and what is known about atoms. */
export interface RewriteCtx {
  /** The equation that produced a variable, if it is kept in the output. */
  producer(v: Atom): Eqn | undefined;
  /** A compile-time value for a literal or a constvar. */
  value(a: Atom): Tensor | undefined;
}

/** Keep `eqn` (possibly new), or replace its outputs by existing atoms. */
export type RuleResult = { eqn: Eqn } | { replace: Atom[] };
export type Rule = (e: Eqn, ctx: RewriteCtx) => RuleResult;

/** A jaxpr together with the values of its constvars. */
export interface Program {
  jaxpr: Jaxpr;
  consts: readonly Tensor[];
}

/** Applies `rule` to every equation in order; outputs and later inputs follow the replacements. */
export function rewrite(p: Program, rule: Rule): Program {
  const subst = new Map<Var, Atom>();
  const producers = new Map<Var, Eqn>();
  const constVals = new Map<Var, Tensor>();
  p.jaxpr.constvars.forEach((v, i) => constVals.set(v, p.consts[i]!));
  const rename = (a: Atom): Atom => (a._tag === "Var" ? (subst.get(a) ?? a) : a);
  const ctx: RewriteCtx = {
    producer: (a) => (a._tag === "Var" ? producers.get(a) : undefined),
    value: (a) => (a._tag === "Lit" ? a.value : constVals.get(a)),
  };
  const eqns: Eqn[] = [];
  for (const e0 of p.jaxpr.eqns) {
    const e: Eqn = { ...e0, inputs: e0.inputs.map(rename) };
    const r = rule(e, ctx);
    if ("replace" in r) {
      e0.outs.forEach((v, i) => subst.set(v, r.replace[i]!));
    } else {
      eqns.push(r.eqn);
      r.eqn.outs.forEach((v, i) => {
        producers.set(v, r.eqn);
        if (v !== e0.outs[i]) subst.set(e0.outs[i]!, v);
      });
    }
  }
  return { jaxpr: new Jaxpr(p.jaxpr.constvars, p.jaxpr.invars, eqns, p.jaxpr.outs.map(rename)), consts: p.consts };
}

/** Drops constvars nothing uses any more, and inlines 0-d constants as literals. */
export function pruneConsts(p: Program): Program {
  const used = new Set<Var>();
  for (const e of p.jaxpr.eqns) for (const a of e.inputs) if (a._tag === "Var") used.add(a);
  for (const a of p.jaxpr.outs) if (a._tag === "Var") used.add(a);
  const lits = new Map<Var, Atom>();
  const keep: Var[] = [];
  const vals: Tensor[] = [];
  p.jaxpr.constvars.forEach((v, i) => {
    const val = p.consts[i]!;
    if (!used.has(v)) return;
    if (val.ndim === 0 && val._data) lits.set(v, new Lit(val));
    else keep.push(v), vals.push(val);
  });
  if (lits.size === 0 && keep.length === p.jaxpr.constvars.length) return p;
  const sub = (a: Atom) => (a._tag === "Var" ? (lits.get(a) ?? a) : a);
  const eqns = p.jaxpr.eqns.map((e) => ({ ...e, inputs: e.inputs.map(sub) }));
  return { jaxpr: new Jaxpr(keep, p.jaxpr.invars, eqns, p.jaxpr.outs.map(sub)), consts: vals };
}
