// Partial evaluation that saves only what a policy allows (for checkpoint; JAX's partial_eval_jaxpr_custom): the
// ordinary split (every equation, nested loops and calls included, by its own partial-evaluation rule) gives a known
// part and residuals; residuals the policy does not save are recomputed in the unknown part, which reruns the known
// part (only as much of it as they need) from the known inputs.
import type { Tensor } from "../core/tensor.js";
import { evalJaxpr } from "../ir/eval.js";
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, type Var } from "../ir/jaxpr.js";
import { dceJaxpr, pruneInputs } from "../ir/passes/dce.js";
import { asFunction, partialEvalJaxpr, traceClosed } from "../transforms/jaxpr_rules.js";
import { range } from "./bodies.js";

export interface RematSplit {
  /** Known inputs → known outputs, then the saved residuals. */
  known: ClosedJaxpr;
  /** The saved residuals, then the known inputs it reads (`knownInputs`), then the unknown inputs → unknown outputs. */
  unknown: ClosedJaxpr;
  nKnownOuts: number;
  /** Positions (among all the source's inputs) of the known inputs the unknown part reads. */
  knownInputs: number[];
  outUnknown: boolean[];
}

export function rematSplit(
  kind: string,
  name: string,
  j: ClosedJaxpr,
  unknownIn: readonly boolean[],
  saveable: (e: Eqn) => boolean,
): RematSplit {
  const s = partialEvalJaxpr(kind, name, j, unknownIn);
  const kj = s.known.jaxpr;
  const producer = new Map<Var, Eqn>();
  for (const e of kj.eqns) for (const v of e.outs) producer.set(v, e);
  // walk back from the residuals: an equation the policy allows is saved (its outputs pass to the unknown part),
  // any other is recomputed there from what it reads; inputs and constants are there already
  const saved: Var[] = [];
  const recomputed = new Set<Eqn>();
  const seen = new Set<Atom>();
  const need = (a: Atom) => {
    if (a._tag === "Lit" || seen.has(a)) return;
    seen.add(a);
    const e = producer.get(a);
    if (!e) return;
    if (saveable(e)) saved.push(a);
    else {
      recomputed.add(e);
      e.inputs.forEach(need);
    }
  };
  const residuals = kj.outs.slice(s.nKnownOuts);
  residuals.forEach(need);
  const known = dceJaxpr(
    new ClosedJaxpr(
      new Jaxpr(kj.constvars, kj.invars, kj.eqns, [...kj.outs.slice(0, s.nKnownOuts), ...saved]),
      s.known.consts,
    ),
    [...range(0, s.nKnownOuts), ...saved].map(() => true),
  ).jaxpr;
  const recompute = new Jaxpr(
    kj.constvars,
    [...saved, ...kj.invars],
    kj.eqns.filter((e) => recomputed.has(e)),
    residuals,
  );
  const nKnownIn = kj.invars.length;
  const unknownAvals = j.inAvals.filter((_, i) => unknownIn[i]);
  // the unknown part: the residuals recomputed from the saved values and the known inputs, then the unknown outputs
  const traced = traceClosed(
    kind,
    name,
    (...xs: Tensor[]) => {
      const res = evalJaxpr(recompute, s.known.consts, xs.slice(0, saved.length + nKnownIn));
      return asFunction(s.unknown)(...res, ...xs.slice(saved.length + nKnownIn));
    },
    [...saved.map((v) => v.aval), ...s.known.inAvals, ...unknownAvals],
  );
  // only the known inputs the recomputation reads stay inputs
  const { jaxpr: live, usedIns } = dceJaxpr(
    traced,
    traced.outAvals.map(() => true),
  );
  const keep = usedIns.map((u, i) => u || i < saved.length || i >= saved.length + nKnownIn);
  const knownPositions = j.inAvals.flatMap((_, i) => (unknownIn[i] ? [] : [i]));
  return {
    known,
    unknown: pruneInputs(live, keep),
    nKnownOuts: s.nKnownOuts,
    knownInputs: knownPositions.filter((_, k) => keep[saved.length + k]),
    outUnknown: s.outUnknown,
  };
}
