// Executables for jit: a closed jaxpr optimised (ir/passes), scheduled into fused loops and kernel calls with its
// buffers planned (plan.ts), and linked into one generated function (link.ts); cached per jaxpr and float32 mode.

import type { Float32Mode } from "../higher_order/jit_call.js";
import { evalJaxpr } from "../ir/eval.js";
import type { ClosedJaxpr } from "../ir/jaxpr.js";
import { optimize, type Program } from "../ir/passes/index.js";
import { type Executable, link } from "./link.js";
import { planBuffers, schedule } from "./plan.js";

export type { Executable } from "./link.js";

interface Linked {
  run: Executable;
  source: string;
}
interface Compiled {
  program: Program;
  linked: Partial<Record<Float32Mode, Linked>>;
}
const cache = new WeakMap<ClosedJaxpr, Compiled>();

function compiled(closed: ClosedJaxpr): Compiled {
  let c = cache.get(closed);
  if (!c) {
    c = { program: optimize({ jaxpr: closed.jaxpr, consts: closed.consts }), linked: {} };
    cache.set(closed, c);
  }
  return c;
}

function linked(closed: ClosedJaxpr, mode: Float32Mode): Linked {
  const c = compiled(closed);
  return (c.linked[mode] ??= compile(c.program, mode));
}

/** The program as generated code, or interpreted where code generation is unavailable. */
function compile({ jaxpr, consts }: Program, mode: Float32Mode): Linked {
  const s = schedule(jaxpr, mode);
  const code = s && link(jaxpr, consts, s, planBuffers(jaxpr, s));
  return (
    code ?? {
      run: (args) => evalJaxpr(jaxpr, consts, [...args]),
      source: "// interpreted: code generation is unavailable here",
    }
  );
}

/** The optimised program of a closed jaxpr (computed once per jaxpr). */
export const optimized = (closed: ClosedJaxpr): Program => compiled(closed).program;
/** The executable of a closed jaxpr (compiled once per jaxpr and float32 mode). */
export const executable = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): Executable => linked(closed, mode).run;
/** The generated source of a closed jaxpr's executable: its fused loops and the function that calls them. */
export const compiledSource = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): string => linked(closed, mode).source;
