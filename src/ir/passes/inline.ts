// Inlining: calls (equations whose primitive declares its one jaxpr a call, as jit's) inside a jaxpr being compiled
// are replaced by their bodies, so the other passes and fusion see across call boundaries (recursively, for nested
// calls).
import type { Tensor } from "../../core/tensor.js";
import { type Atom, type ClosedJaxpr, type Eqn, Jaxpr, Var } from "../jaxpr.js";
import type { Program } from "./rewrite.js";

const isCall = (e: Eqn) => e.prim.jaxprs?.call === true;

export function inlineCalls(p: Program): Program {
  if (!p.jaxpr.eqns.some(isCall)) return p;
  const constvars = [...p.jaxpr.constvars];
  const consts: Tensor[] = [...p.consts];
  const eqns: Eqn[] = [];
  /** Appends `e` (its body, if a call) with these inputs; returns the atoms of its outputs. */
  const place = (e: Eqn, inputs: Atom[]): Atom[] => {
    if (!isCall(e)) {
      eqns.push({ ...e, inputs });
      return [...e.outs];
    }
    const inner: ClosedJaxpr = e.prim.jaxprs!.get(e.params)[0]!;
    const env = new Map<Var, Atom>();
    inner.jaxpr.constvars.forEach((v, i) => {
      const nv = new Var(v.aval);
      constvars.push(nv);
      consts.push(inner.consts[i]!);
      env.set(v, nv);
    });
    inner.jaxpr.invars.forEach((v, i) => env.set(v, inputs[i]!));
    const read = (a: Atom) => (a._tag === "Var" ? env.get(a)! : a);
    for (const ie of inner.jaxpr.eqns) {
      // fresh output variables: one body may be inlined more than once
      const fresh = { ...ie, outs: ie.outs.map((v) => new Var(v.aval)) };
      const outs = place(fresh, ie.inputs.map(read));
      ie.outs.forEach((v, i) => env.set(v, outs[i]!));
    }
    return inner.jaxpr.outs.map(read);
  };
  const outer = new Map<Var, Atom>();
  const read = (a: Atom) => (a._tag === "Var" ? (outer.get(a) ?? a) : a);
  for (const e of p.jaxpr.eqns) {
    const outs = place(e, e.inputs.map(read));
    e.outs.forEach((v, i) => outs[i] !== v && outer.set(v, outs[i]!));
  }
  return { jaxpr: new Jaxpr(constvars, p.jaxpr.invars, eqns, p.jaxpr.outs.map(read)), consts };
}
