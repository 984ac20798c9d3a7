// What every pass shares: programs, the driver that walks equations in order (renaming uses, letting a rule keep,
// replace or drop each), and the walk into the jaxprs that equations carry.
import type { Tensor } from "../../core/tensor.js";
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, Lit, type Primitive, type Var } from "../jaxpr.js";

/** A jaxpr together with the values of its constvars. */
export interface Program {
  jaxpr: Jaxpr;
  consts: readonly Tensor[];
}

/** What a rule sees: the equation (inputs already renamed) and what is known about atoms. */
export interface RewriteCtx {
  /** The kept equation that produced a variable. */
  producer(v: Atom): Eqn | undefined;
  /** The kept equation that produced a variable, when it is `prim`'s (so its params have `prim`'s type). */
  producerOf<Q>(v: Atom, prim: Primitive<Q>): Eqn<Q> | undefined;
  /** A compile-time value for a literal or a constvar. */
  value(a: Atom): Tensor | undefined;
}

/** Keep `eqn` (the same, or a new one binding the same outputs), or replace its outputs by existing atoms. */
export type RuleResult = { eqn: Eqn } | { replace: Atom[] };
export type Rule = (e: Eqn, ctx: RewriteCtx) => RuleResult;

/**
 * Applies `rule` to every equation in order; outputs and later inputs follow the replacements. The jaxprs an
 * equation carries go through `inner` first (the pass itself, for passes that walk into them).
 */
export function rewrite(p: Program, rule: Rule, inner?: (j: ClosedJaxpr) => ClosedJaxpr): Program {
  const subst = new Map<Var, Atom>();
  const producers = new Map<Var, Eqn>();
  const constVals = new Map<Var, Tensor>();
  p.jaxpr.constvars.forEach((v, i) => constVals.set(v, p.consts[i]!));
  const rename = (a: Atom): Atom => (a._tag === "Var" ? (subst.get(a) ?? a) : a);
  const producer = (a: Atom) => (a._tag === "Var" ? producers.get(a) : undefined);
  const ctx: RewriteCtx = {
    producer,
    // the one place an equation's params are given their primitive's type: its primitive is the one asked for
    producerOf: <Q>(a: Atom, prim: Primitive<Q>) => {
      const e = producer(a);
      return e?.prim === prim ? (e as Eqn<Q>) : undefined;
    },
    value: (a) => (a._tag === "Lit" ? a.value : constVals.get(a)),
  };
  const eqns: Eqn[] = [];
  for (const e0 of p.jaxpr.eqns) {
    const inputs = e0.inputs.map(rename);
    const renamed = inputs.every((a, i) => a === e0.inputs[i]) ? e0 : { ...e0, inputs };
    const r = rule(inner ? withSubjaxprs(renamed, inner) : renamed, ctx);
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

/** `e` with each jaxpr it carries passed through `f` (`e` itself when none changes). */
export function withSubjaxprs<P>(e: Eqn<P>, f: (j: ClosedJaxpr) => ClosedJaxpr): Eqn<P> {
  const sub = e.prim.jaxprs;
  if (!sub) return e;
  const before = sub.get(e.params);
  const after = before.map(f);
  return after.every((j, i) => j === before[i]) ? e : { ...e, params: sub.set(e.params, after) };
}

/**
 * A pass over programs as a pass over the closed jaxprs equations carry: each jaxpr is transformed once (a jaxpr
 * carried twice maps to one result, so equal calls stay equal), and one the pass leaves alone keeps its identity.
 */
export function onSubjaxprs(pass: (p: Program) => Program): (j: ClosedJaxpr) => ClosedJaxpr {
  const done = new WeakMap<ClosedJaxpr, ClosedJaxpr>();
  return (j) => {
    let r = done.get(j);
    if (!r) {
      const p = pass({ jaxpr: j.jaxpr, consts: j.consts });
      r = sameProgram(p, j) ? j : new ClosedJaxpr(p.jaxpr, p.consts, j.inTree, j.outTree);
      done.set(j, r);
    }
    return r;
  };
}

const sameProgram = (p: Program, j: ClosedJaxpr) =>
  p.jaxpr.eqns.length === j.jaxpr.eqns.length &&
  p.jaxpr.eqns.every((e, i) => e === j.jaxpr.eqns[i]) &&
  p.jaxpr.outs.every((a, i) => a === j.jaxpr.outs[i]) &&
  p.jaxpr.constvars.length === j.jaxpr.constvars.length &&
  p.jaxpr.constvars.every((v, i) => v === j.jaxpr.constvars[i]) &&
  p.consts.every((c, i) => c === j.consts[i]);

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
    else {
      keep.push(v);
      vals.push(val);
    }
  });
  if (lits.size === 0 && keep.length === p.jaxpr.constvars.length) return p;
  const sub = (a: Atom) => (a._tag === "Var" ? (lits.get(a) ?? a) : a);
  const eqns = p.jaxpr.eqns.map((e) =>
    e.inputs.some((a) => lits.has(a as Var)) ? { ...e, inputs: e.inputs.map(sub) } : e,
  );
  return { jaxpr: new Jaxpr(keep, p.jaxpr.invars, eqns, p.jaxpr.outs.map(sub)), consts: vals };
}
