// The pipeline run before code generation: inline calls, then fold, simplify, CSE, DCE to a fixed point; then the
// same pipeline inside every jaxpr an equation still carries.
import type { ClosedJaxpr } from "../jaxpr.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { fold } from "./fold.js";
import { inlineCalls } from "./inline.js";
import { onSubjaxprs, type Program, rewrite } from "./rewrite.js";
import { simplify } from "./simplify.js";

export type { Program } from "./rewrite.js";
export { cse, dce, fold, inlineCalls, simplify };

/** Leaves the jaxprs equations carry as they are (optimize handles them once, at the end). */
const outside = (j: ClosedJaxpr) => j;

/** All passes until nothing changes (bounded: each round only removes or shrinks equations). */
export function optimize(p: Program, maxRounds = 8): Program {
  let cur = inlineCalls(p);
  for (let i = 0; i < maxRounds; i++) {
    const next = dce(cse(simplify(fold(cur, outside), outside), outside), outside);
    const same =
      next.jaxpr.eqns.length === cur.jaxpr.eqns.length && next.jaxpr.constvars.length === cur.jaxpr.constvars.length;
    cur = next;
    if (same) break;
  }
  return rewrite(
    cur,
    (e) => ({ eqn: e }),
    onSubjaxprs((q) => optimize(q, maxRounds)),
  );
}
