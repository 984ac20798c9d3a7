// Partial evaluation: known values are computed now, unknown ones (tangents) are recorded into a jaxpr.
import type { ShapedArray } from "../core/aval.js";
import type { Tensor } from "../core/tensor.js";
import { JaxprBuilder } from "../ir/build.js";
import type { Primitive, StageUnknown } from "../ir/jaxpr.js";
import { bind, Trace, Tracer } from "../ir/trace.js";

export class PETracer extends Tracer {
  constructor(
    trace: Trace,
    aval: ShapedArray,
    /** The value, when known at trace time. */
    readonly value: Tensor | undefined,
  ) {
    super(trace, aval);
  }
  known(): Tensor | undefined {
    return this.value;
  }
  primalValue(): Tensor | undefined {
    return this.value;
  }
}

export class PETrace extends Trace {
  readonly builder = new JaxprBuilder();
  private consts = new Map<Tensor, PETracer>();

  lift(x: Tensor): Tensor {
    return new PETracer(this, x.aval, x);
  }
  unknown(aval: ShapedArray): PETracer {
    return new PETracer(this, aval, undefined);
  }
  /** An unknown tracer standing for `t`: `t` itself, or a new constant of the jaxpr. */
  instantiate(t: PETracer): PETracer {
    if (t.value === undefined) return t;
    let c = this.consts.get(t.value);
    if (!c) {
      c = this.unknown(t.aval);
      this.consts.set(t.value, c);
      this.builder.addConst(c, t.value);
    }
    return c;
  }
  processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[] {
    const ins = args as PETracer[];
    if (ins.every((t) => t.value !== undefined))
      return bind(
        prim,
        ins.map((t) => t.value!),
        params,
      );
    if (prim.partialEval) {
      const stage: StageUnknown = (q, inputs, qParams, avals) => {
        const tracers = inputs.map((x) =>
          "unknown" in x ? ins[x.unknown]! : this.instantiate(this.lift(x) as PETracer),
        );
        const outs = avals.map((a) => this.unknown(a));
        this.builder.addEqn(q, tracers, qParams, outs);
        return outs;
      };
      return prim.partialEval(
        ins.map((t) => t.value),
        outAvals,
        params,
        stage,
      );
    }
    const staged = ins.map((t) => this.instantiate(t));
    const outs = outAvals.map((a) => this.unknown(a));
    this.builder.addEqn(prim, staged, params, outs);
    return outs;
  }
}
