// Executables for jit: a jaxpr optimised, with runs of elementwise equations fused into generated loops and
// every other equation resolved to its kernel, linked into one closure over numbered slots.
import type { ShapedArray } from "../core/aval.js";
import type { Primitive } from "../core/primitive.js";
import { Tensor } from "../core/tensor.js";
import type { Atom, ClosedJaxpr, Var } from "../ir/jaxpr.js";
import { type Program, optimize } from "../ir/passes/index.js";
import { fuse, fusionRuns } from "./fuse.js";

export type Executable = (args: readonly Tensor[]) => Tensor[];

interface Compiled {
  program: Program;
  run: Executable;
  source: string;
}
const cache = new WeakMap<ClosedJaxpr, Compiled>();

/** The optimised program of a closed jaxpr (computed once per jaxpr). */
export const optimized = (closed: ClosedJaxpr): Program => compiled(closed).program;
/** The executable of a closed jaxpr (compiled once per jaxpr). */
export const executable = (closed: ClosedJaxpr): Executable => compiled(closed).run;
/** The generated source of a closed jaxpr's executable: fused loops and the kernel calls between them. */
export const compiledSource = (closed: ClosedJaxpr): string => compiled(closed).source;

function compiled(closed: ClosedJaxpr): Compiled {
  let c = cache.get(closed);
  if (!c) {
    const program = optimize({ jaxpr: closed.jaxpr, consts: closed.consts });
    c = { program, ...link(program) };
    cache.set(closed, c);
  }
  return c;
}

/** A step reads slots (negative: literals) and writes slots. */
interface Step {
  ins: number[];
  outs: number[];
  exec(ins: Tensor[]): Tensor[];
}

function link({ jaxpr, consts }: Program): { run: Executable; source: string } {
  const slot = new Map<Var, number>();
  const fixed: Tensor[] = [];
  const reserve = (v: Var) => slot.set(v, slot.size);
  jaxpr.constvars.forEach(reserve);
  jaxpr.invars.forEach(reserve);
  /** Literals get negative slots: −1 is fixed[0], −2 fixed[1], … */
  const at = (a: Atom): number => (a._tag === "Lit" ? -fixed.push(a.value) : slot.get(a)!);

  // index of the last equation reading each variable (outputs are read after every equation)
  const lastUse = new Map<Var, number>();
  jaxpr.eqns.forEach((e, k) => e.inputs.forEach((a) => a._tag === "Var" && lastUse.set(a, k)));
  jaxpr.outs.forEach((a) => a._tag === "Var" && lastUse.set(a, Infinity));

  const steps: Step[] = [];
  const sources: string[] = [];
  let k = 0;
  const kernel = (e: (typeof jaxpr.eqns)[number]) => {
    const avals: ShapedArray[] = e.outs.map((v) => v.aval);
    const impl = e.prim.impl as Primitive<unknown>["impl"];
    const step: Step = { ins: e.inputs.map(at), outs: [], exec: (ins) => impl(ins, e.params, avals) };
    e.outs.forEach(reserve);
    step.outs = e.outs.map((v) => slot.get(v)!);
    steps.push(step);
    sources.push(`// ${e.outs.map((v) => `%${slot.get(v)}`).join(" ")} = ${e.prim.name}(${e.inputs.map((a) => (a._tag === "Lit" ? String(a.value.item()) : `%${slot.get(a)}`)).join(", ")})`);
  };
  for (const item of fusionRuns(jaxpr)) {
    if (!Array.isArray(item)) {
      kernel(item);
      k++;
      continue;
    }
    const end = k + item.length - 1;
    const group = fuse(item, (v) => (lastUse.get(v) ?? -1) > end);
    if (!group) {
      item.forEach(kernel);
      k += item.length;
      continue;
    }
    const ins = group.ins.map(at);
    item.forEach((e) => e.outs.forEach(reserve));
    const outs = group.outs.map((v) => slot.get(v)!);
    steps.push({
      ins,
      outs,
      exec: (xs) => group.run(xs.map((x) => x._data!)).map((d, j) => Tensor._of(d, group.outs[j]!.aval.shape, group.outs[j]!.aval.dtype)),
    });
    sources.push(`// ${outs.map((s) => `%${s}`).join(" ")} = fused(${ins.map((s) => `%${s}`).join(", ")})\n${group.source}`);
    k += item.length;
  }
  const outs = jaxpr.outs.map(at);
  const nVars = slot.size;
  const nConsts = consts.length;
  const run: Executable = (args) => {
    const env: Tensor[] = new Array(nVars);
    for (let i = 0; i < nConsts; i++) env[i] = consts[i]!;
    for (let i = 0; i < args.length; i++) env[nConsts + i] = args[i]!;
    const read = (i: number) => (i < 0 ? fixed[-i - 1]! : env[i]!);
    for (const s of steps) {
      const r = s.exec(s.ins.map(read));
      for (let j = 0; j < s.outs.length; j++) env[s.outs[j]!] = r[j]!;
    }
    return outs.map(read);
  };
  return { run, source: sources.join("\n") };
}
