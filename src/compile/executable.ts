// Executables for jit: a jaxpr optimised and resolved into a closure over slots, with no per-operation dispatch.
import type { ShapedArray } from "../core/aval.js";
import type { Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tensor.js";
import type { ClosedJaxpr, Var } from "../ir/jaxpr.js";
import { type Program, optimize } from "../ir/passes/index.js";

export type Executable = (args: readonly Tensor[]) => Tensor[];

const cache = new WeakMap<ClosedJaxpr, { program: Program; run: Executable }>();

/** The optimised program of a closed jaxpr (computed once per jaxpr). */
export const optimized = (closed: ClosedJaxpr): Program => compiled(closed).program;

/** The executable of a closed jaxpr (compiled once per jaxpr). */
export const executable = (closed: ClosedJaxpr): Executable => compiled(closed).run;

function compiled(closed: ClosedJaxpr) {
  let c = cache.get(closed);
  if (!c) {
    const program = optimize({ jaxpr: closed.jaxpr, consts: closed.consts });
    c = { program, run: link(program) };
    cache.set(closed, c);
  }
  return c;
}

interface Step {
  impl: Primitive<unknown>["impl"];
  params: unknown;
  ins: number[];
  outs: number[];
  avals: ShapedArray[];
}

/** Numbers every variable, pre-resolves each equation's kernel, and returns the loop over them. */
function link({ jaxpr, consts }: Program): Executable {
  const slot = new Map<Var, number>();
  const fixed: Tensor[] = [];
  const at = (v: Var) => slot.get(v)!;
  const reserve = (v: Var) => slot.set(v, slot.size);
  jaxpr.constvars.forEach(reserve);
  jaxpr.invars.forEach(reserve);
  /** Literals get negative slots: −1 is fixed[0], −2 fixed[1], … */
  const litSlot = (t: Tensor) => -fixed.push(t);
  const steps: Step[] = jaxpr.eqns.map((e) => {
    const ins = e.inputs.map((a) => (a._tag === "Lit" ? litSlot(a.value) : at(a)));
    e.outs.forEach(reserve);
    return { impl: e.prim.impl, params: e.params, ins, outs: e.outs.map(at), avals: e.outs.map((v) => v.aval) };
  });
  const outs = jaxpr.outs.map((a) => (a._tag === "Lit" ? litSlot(a.value) : at(a)));
  const nVars = slot.size;
  const nConsts = consts.length;
  return (args) => {
    const env: Tensor[] = new Array(nVars);
    for (let i = 0; i < nConsts; i++) env[i] = consts[i]!;
    for (let i = 0; i < args.length; i++) env[nConsts + i] = args[i]!;
    const read = (i: number) => (i < 0 ? fixed[-i - 1]! : env[i]!);
    for (const s of steps) {
      const r = s.impl(s.ins.map(read), s.params, s.avals);
      for (let k = 0; k < s.outs.length; k++) env[s.outs[k]!] = r[k]!;
    }
    return outs.map(read);
  };
}
