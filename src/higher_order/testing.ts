// Random closed jaxprs for the test cases of primitives that carry jaxprs: one registered first-order primitive on a
// case of its own, traced. Only smooth ones (no zero derivative, no kinks where values meet), since the registry laws
// compare derivatives with finite differences.
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { stageFlat } from "../ir/build.js";
import { ClosedJaxpr } from "../ir/jaxpr.js";
import type { Choose } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { firstOrderPrimitives } from "../primitives/first_order.js";

// primitives whose derivative laws hold some inputs fixed (testing.nondiff) cannot be differentiated in every input
const bodies = () =>
  firstOrderPrimitives.filter((p) => p.adFamily !== "zero" && p.testing && !p.testing.distinct && !p.testing.nondiff);

/** A body jaxpr with the input types it takes and, per input, the interval its values are drawn from. */
export interface SampledJaxpr {
  jaxpr: ClosedJaxpr;
  avals: ShapedArray[];
  domains: (readonly [number, number] | undefined)[];
}

export function sampleJaxpr(choose: Choose): SampledJaxpr {
  const candidates = bodies();
  const p = candidates[choose(candidates.length)]!;
  const spec = p.testing!;
  const { avals, params, domains } = spec.sample(choose);
  const { jaxpr, consts } = stageFlat("jit", p.name, (...xs) => bind(p, xs, params), avals);
  const d = spec.domain;
  const own = (i: number) => (d === undefined || typeof d[0] === "number" ? d : d[i]) as readonly [number, number];
  return { jaxpr: new ClosedJaxpr(jaxpr, consts), avals, domains: avals.map((_, i) => domains?.[i] ?? own(i)) };
}

/** A sampled body whose first output is float (a carry the loop laws can differentiate). */
export function sampleFloatJaxpr(choose: Choose): SampledJaxpr {
  for (;;) {
    const s = sampleJaxpr(choose);
    if (isFloat(s.jaxpr.outAvals[0]!.dtype)) return s;
  }
}
