// Forward mode: JVP tracers carry a primal and a tangent (null is a symbolic zero).
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";
import type { Primitive } from "../ir/jaxpr.js";
import type { Tangents } from "../ir/rule_types.js";
import { bind, fullRaise, Trace, Tracer, withMain } from "../ir/trace.js";
import { addTangents, zerosLike } from "../primitives/index.js";

/** The symbolic-zero arithmetic this trace hands to derivative rules. */
const tangentOps: Tangents = { zerosLike, add: addTangents };

export class JVPTracer extends Tracer {
  constructor(
    trace: Trace,
    readonly primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super(trace, primal.aval);
  }
  known(): undefined {
    return undefined;
  }
  primalValue(): Tensor {
    return this.primal;
  }
}

export class JVPTrace extends Trace {
  lift(x: Tensor): Tensor {
    return new JVPTracer(this, x, null);
  }
  processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, _outAvals: ShapedArray[]): Tensor[] {
    const ins = args as JVPTracer[];
    const primals = ins.map((t) => t.primal);
    const tangents = ins.map((t) => t.tangent);
    if (prim.jvpFull && tangents.some((t) => t !== null)) {
      const [outs, touts] = prim.jvpFull(primals, tangents, params);
      return outs.map((o, i) => new JVPTracer(this, o, isFloat(o.dtype) ? (touts[i] ?? null) : null));
    }
    const outs = bind(prim, primals, params);
    if (tangents.every((t) => t === null)) return outs.map((o) => new JVPTracer(this, o, null));
    const touts = prim.jvp(tangents, primals, outs, params, tangentOps);
    return outs.map((o, i) => new JVPTracer(this, o, isFloat(o.dtype) ? (touts[i] ?? null) : null));
  }
}

/** Pushes (primals, tangents) through `f`; null tangents are zeros, and come back null where the output has none. */
export function jvpFlat(
  kind: string,
  name: string,
  f: (...xs: Tensor[]) => Tensor[],
  primals: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): [Tensor[], (Tensor | null)[]] {
  return withMain(
    kind,
    name,
    (m) => new JVPTrace(m),
    (trace) => {
      // integers have no tangent space: their tangents are dropped rather than propagated
      const outs = f(
        ...primals.map((p, i) => new JVPTracer(trace, p, isFloat(p.dtype) ? (tangents[i] ?? null) : null)),
      ).map((o) => fullRaise(trace, o) as JVPTracer);
      return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
    },
  );
}
