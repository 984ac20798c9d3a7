// The interpreter: runs a jaxpr equation by equation, binding each primitive at the current trace.

import { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { Atom, Jaxpr, Var } from "./jaxpr.js";
import { bind } from "./trace.js";

/**
 * Evaluates `jaxpr` on constants and arguments; works under any transform since it binds primitives.
 * @example const { jaxpr, consts } = makeJaxpr((x: Tensor) => x.mul(x))(np.ones([2]));
 * evalJaxpr(jaxpr, consts, [np.array([2, 3])]) // [Tensor([4, 9], dtype=float32)]
 */
export function evalJaxpr(jaxpr: Jaxpr, consts: readonly Tensor[], args: readonly Tensor[]): Tensor[] {
  if (consts.length !== jaxpr.constvars.length || args.length !== jaxpr.invars.length) {
    throw new TracegradError(
      `evalJaxpr: the jaxpr takes ${jaxpr.constvars.length} constants and ${jaxpr.invars.length} arguments, ` +
        `got ${consts.length} and ${args.length}`,
    );
  }
  const env = new Map<Var, Tensor>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Tensor => (a._tag === "Lit" ? a.value : env.get(a)!);
  for (const e of jaxpr.eqns) {
    const outs = bind(e.prim, e.inputs.map(read), e.params);
    e.outs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}
