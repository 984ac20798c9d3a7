// Transposition of linear jaxprs: one reverse sweep over the equations, accumulating cotangents.
import { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { Atom, Jaxpr, Var } from "../ir/jaxpr.js";
import { type LinearArg, UndefinedPrimal } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { add } from "../primitives/index.js";

/**
 * Cotangents of the jaxpr's inputs given cotangents of its outputs (null: zero). The jaxpr must be
 * linear in its inputs that are not `defined`; constvars and defined inputs are residuals, and equations
 * on residuals alone are evaluated first. Iterative and linear in the equation count.
 */
export function backwardPass(
  jaxpr: Jaxpr,
  consts: readonly Tensor[],
  cts: readonly (Tensor | null)[],
  defined: readonly (Tensor | undefined)[] = [],
): (Tensor | null)[] {
  const residual = new Map<Var, Tensor>();
  jaxpr.constvars.forEach((v, i) => residual.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => defined[i] !== undefined && residual.set(v, defined[i]!));
  const known = (a: Atom) => a._tag === "Lit" || residual.has(a);
  for (const e of jaxpr.eqns) {
    if (!e.inputs.every(known)) continue;
    const outs = bind(
      e.prim,
      e.inputs.map((a) => (a._tag === "Lit" ? a.value : residual.get(a)!)),
      e.params,
    );
    e.outs.forEach((v, i) => residual.set(v, outs[i]!));
  }
  const ctEnv = new Map<Var, Tensor>();
  const accumulate = (a: Atom, ct: Tensor | null) => {
    if (ct === null || a._tag === "Lit" || residual.has(a)) return;
    const prev = ctEnv.get(a);
    ctEnv.set(a, prev ? add(prev, ct) : ct);
  };
  jaxpr.outs.forEach((o, i) => accumulate(o, cts[i] ?? null));
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!;
    if (e.outs.every((v) => residual.has(v))) continue; // evaluated forward: not linear
    const outCts = e.outs.map((v) => {
      const c = ctEnv.get(v) ?? null;
      ctEnv.delete(v);
      return c;
    });
    if (outCts.every((c) => c === null)) continue;
    if (!e.prim.transpose) {
      throw new TracegradError(
        `reverse-mode differentiation: primitive '${e.prim.name}' has no transpose rule, yet it appears linearly in ` +
          `a tangent computation`,
      );
    }
    const args: LinearArg[] = e.inputs.map((a) =>
      a._tag === "Lit" ? a.value : (residual.get(a) ?? new UndefinedPrimal(a.aval)),
    );
    const inCts = e.prim.transpose(outCts, args, e.params);
    e.inputs.forEach((a, j) => accumulate(a, inCts[j] ?? null));
  }
  return jaxpr.invars.map((v, i) => (defined[i] !== undefined ? null : (ctEnv.get(v) ?? null)));
}
