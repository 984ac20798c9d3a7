// Executables for jit: a closed jaxpr optimised (ir/passes), scheduled into fused loops and kernel calls with its
// buffers planned (plan.ts), and linked into one generated function (link.ts); cached per jaxpr and float32 mode.
// Loop bodies link into functions that write into buffers their loop gives them.
import { Tensor } from "../core/tensor.js";
import type { Float32Mode } from "../higher_order/jit_call.js";
import { evalJaxpr } from "../ir/eval.js";
import type { BodyCompiler, ClosedJaxpr } from "../ir/jaxpr.js";
import { optimize, type Program } from "../ir/passes/index.js";
import { type Executable, type IntoExecutable, link, linkInto } from "./link.js";
import { planBuffers, schedule } from "./plan.js";

export type { Executable, IntoExecutable } from "./link.js";

interface Linked<F> {
  run: F;
  source: string;
}
interface Compiled {
  program: Program;
  linked: Partial<Record<Float32Mode, Linked<Executable>>>;
  into: Partial<Record<Float32Mode, Linked<IntoExecutable>>>;
}
const cache = new WeakMap<ClosedJaxpr, Compiled>();

function compiled(closed: ClosedJaxpr): Compiled {
  let c = cache.get(closed);
  if (!c) {
    c = { program: optimize({ jaxpr: closed.jaxpr, consts: closed.consts }), linked: {}, into: {} };
    cache.set(closed, c);
  }
  return c;
}

const INTERPRETED = "// interpreted: code generation is unavailable here";

/** The program as generated code, or interpreted where code generation is unavailable. */
function compile({ jaxpr, consts }: Program, mode: Float32Mode): Linked<Executable> {
  const s = schedule(jaxpr, mode);
  const code = s && link(jaxpr, consts, s, planBuffers(jaxpr, s), compilers[mode]);
  return code ?? { run: (args) => evalJaxpr(jaxpr, consts, [...args]), source: INTERPRETED };
}

/** As `compile`, for a body writing into its caller's buffers. */
function compileInto({ jaxpr, consts }: Program, mode: Float32Mode): Linked<IntoExecutable> {
  const s = schedule(jaxpr, mode);
  const code = s && linkInto(jaxpr, consts, s, planBuffers(jaxpr, s, true), compilers[mode]);
  if (code) return code;
  const avals = jaxpr.invars.map((v) => v.aval);
  return {
    run: (ins, outs) => {
      const args = ins.map((d, i) => Tensor._of(d, avals[i]!.shape, avals[i]!.dtype));
      evalJaxpr(jaxpr, consts, args).forEach((r, k) => outs[k]!.set(r._data!));
    },
    source: INTERPRETED,
  };
}

const linked = (closed: ClosedJaxpr, mode: Float32Mode): Linked<Executable> =>
  (compiled(closed).linked[mode] ??= compile(compiled(closed).program, mode));
const linkedInto = (closed: ClosedJaxpr, mode: Float32Mode): Linked<IntoExecutable> =>
  (compiled(closed).into[mode] ??= compileInto(compiled(closed).program, mode));

/** The compiled forms of bodies, per float32 mode: what loops and branches run inside compiled code and eagerly. */
export const compilers: Record<Float32Mode, BodyCompiler> = {
  fast: compilerFor("fast"),
  exact: compilerFor("exact"),
  sampled: compilerFor("sampled"),
};
function compilerFor(mode: Float32Mode): BodyCompiler {
  return {
    call: (j) => linked(j, mode).run,
    into: (j) => linkedInto(j, mode).run,
    source: (j) => linkedInto(j, mode).source,
  };
}

/** The optimised program of a closed jaxpr (computed once per jaxpr). */
export const optimized = (closed: ClosedJaxpr): Program => compiled(closed).program;
/** The executable of a closed jaxpr (compiled once per jaxpr and float32 mode). */
export const executable = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): Executable => linked(closed, mode).run;
/** The generated source of a closed jaxpr's executable: its fused loops and the function that calls them. */
export const compiledSource = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): string => linked(closed, mode).source;
