// Partial evaluation that saves only what a policy allows (JAX's partial_eval_jaxpr_custom, for checkpoint): the
// known part computes the known outputs and the residuals the policy saves; the unknown part recomputes every other
// value it needs from the known inputs, then computes the unknown outputs. Equation by equation, on the jaxpr.
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, type Var } from "../ir/jaxpr.js";

export interface RematSplit {
  /** Known inputs → known outputs, then saved residuals. */
  known: ClosedJaxpr;
  /** Saved residuals, then the known inputs it reads (`knownInputs`), then the unknown inputs → unknown outputs. */
  unknown: ClosedJaxpr;
  /** How many of `known`'s outputs are outputs of the source (the rest are saved residuals). */
  nKnownOuts: number;
  /** Positions (among all the source's inputs) of the known inputs the unknown part reads. */
  knownInputs: number[];
  /** Which of the source's outputs are unknown. */
  outUnknown: boolean[];
}

export function rematSplit(j: ClosedJaxpr, unknownIn: readonly boolean[], saveable: (e: Eqn) => boolean): RematSplit {
  const { jaxpr } = j;
  const known = new Set<Atom>(jaxpr.constvars);
  jaxpr.invars.forEach((v, i) => !unknownIn[i] && known.add(v));
  const isKnown = (a: Atom) => a._tag === "Lit" || known.has(a);
  const producer = new Map<Var, Eqn>();
  const knownEqns: Eqn[] = [];
  const unknownEqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    if (e.inputs.every(isKnown)) {
      knownEqns.push(e);
      for (const v of e.outs) {
        known.add(v);
        producer.set(v, e);
      }
    } else unknownEqns.push(e);
  }
  const outUnknown = jaxpr.outs.map((a) => !isKnown(a));
  // the known values the unknown part reads: saved when the policy allows it (or an input), else recomputed there
  const saved: Var[] = [];
  const recomputed = new Set<Eqn>();
  const inputsRead = new Set<Var>();
  const seen = new Set<Var>();
  const need = (a: Atom) => {
    if (a._tag === "Lit" || !known.has(a) || seen.has(a)) return;
    seen.add(a);
    const e = producer.get(a);
    if (!e) {
      if (jaxpr.invars.includes(a)) inputsRead.add(a);
      return; // a constvar: the unknown part has the constants too
    }
    if (saveable(e)) saved.push(a);
    else {
      recomputed.add(e);
      e.inputs.forEach(need);
    }
  };
  for (const e of unknownEqns) e.inputs.forEach(need);
  jaxpr.outs.forEach((a, i) => outUnknown[i] && need(a));
  const knownInputs = jaxpr.invars.flatMap((v, i) => (inputsRead.has(v) ? [i] : []));
  const knownOuts = jaxpr.outs.filter((_, i) => !outUnknown[i]);
  const knownJaxpr = new Jaxpr(
    jaxpr.constvars,
    jaxpr.invars.filter((_, i) => !unknownIn[i]),
    knownEqns,
    [...knownOuts, ...saved],
  );
  const unknownJaxpr = new Jaxpr(
    jaxpr.constvars,
    [...saved, ...knownInputs.map((i) => jaxpr.invars[i]!), ...jaxpr.invars.filter((_, i) => unknownIn[i])],
    [...jaxpr.eqns.filter((e) => recomputed.has(e)), ...unknownEqns],
    jaxpr.outs.filter((_, i) => outUnknown[i]),
  );
  return {
    known: new ClosedJaxpr(knownJaxpr, j.consts),
    unknown: new ClosedJaxpr(unknownJaxpr, j.consts),
    nKnownOuts: knownOuts.length,
    knownInputs,
    outUnknown,
  };
}
