// The pipeline run before code generation: inline nested jit calls, then fold, simplify, CSE, DCE to a fixed point.
import type { Program } from "./rewrite.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { fold } from "./fold.js";
import { simplify } from "./simplify.js";
import { inlineCalls } from "./inline.js";

export type { Program } from "./rewrite.js";
export { cse, dce, fold, inlineCalls, simplify };

/** All passes until nothing changes (bounded: each round only removes or shrinks equations). */
export function optimize(p: Program, maxRounds = 8): Program {
  let cur = inlineCalls(p);
  for (let i = 0; i < maxRounds; i++) {
    const next = dce(cse(simplify(fold(cur))));
    if (next.jaxpr.eqns.length === cur.jaxpr.eqns.length && next.jaxpr.constvars.length === cur.jaxpr.constvars.length)
      return next;
    cur = next;
  }
  return cur;
}
