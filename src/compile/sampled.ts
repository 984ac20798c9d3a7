// Programs that draw random numbers: jit computes the draws as eager does (rounding float32 after every operation),
// so they are JAX's numbers, and everything else in its fast float32 mode. The draws are the values computed from a
// primitive asking for exact float32 (random_bits, threefry2x32), until they become bool (a dropout mask).
import type { Eqn, Jaxpr, Var } from "../ir/jaxpr.js";

/** Whether any equation, in the jaxpr or the jaxprs its equations carry, is of a primitive asking for exact float32. */
export function holdsExactFloat32(jaxpr: Jaxpr): boolean {
  let r = exactness.get(jaxpr);
  if (r === undefined) {
    r = jaxpr.eqns.some((e) => e.prim.exactFloat32 === true || bodiesHoldExact(e));
    exactness.set(jaxpr, r);
  }
  return r;
}
/** holdsExactFloat32 per traced program: asked on every call that is not the cache's fast path, walked once. */
const exactness = new WeakMap<Jaxpr, boolean>();

const bodiesHoldExact = (e: Eqn): boolean =>
  e.prim.jaxprs?.get(e.params).some((c) => holdsExactFloat32(c.jaxpr)) ?? false;

/** The values of `jaxpr` computed from random draws: exact-float32 primitives' outputs and what follows, not bools. */
export function sampledValues(jaxpr: Jaxpr): Set<Var> {
  const sampled = new Set<Var>();
  for (const e of jaxpr.eqns) {
    const from =
      e.prim.exactFloat32 === true || e.inputs.some((a) => a._tag === "Var" && sampled.has(a)) || bodiesHoldExact(e);
    if (from) for (const v of e.outs) if (v.aval.dtype !== "bool") sampled.add(v);
  }
  return sampled;
}

/** Whether an equation computes from draws (so its loop rounds as eager does). */
export const computesFromDraws = (e: Eqn, sampled: Set<Var>): boolean =>
  e.outs.some((v) => sampled.has(v)) || e.inputs.some((a) => a._tag === "Var" && sampled.has(a));
