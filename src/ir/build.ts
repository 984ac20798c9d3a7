// Turning traced programs into jaxprs: the equation recorder shared by staging and partial evaluation.
import type { ShapedArray } from "../core/aval.js";
import { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { Primitive } from "./jaxpr.js";
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, Lit, Var } from "./jaxpr.js";
import { fullRaise, Trace, Tracer, withMain } from "./trace.js";

interface Recorded {
  prim: Primitive<unknown>;
  inputs: Tensor[];
  params: unknown;
  outs: Tracer[];
}

/** Records equations on tracers in creation order (a topological order), then builds a jaxpr. */
export class JaxprBuilder {
  private eqns: Recorded[] = [];
  private consts = new Map<Tracer, Tensor>();

  addEqn<P>(prim: Primitive<P>, inputs: Tensor[], params: P, outs: Tracer[]): void {
    this.eqns.push({ prim, inputs, params, outs });
  }
  addConst(t: Tracer, value: Tensor): void {
    this.consts.set(t, value);
  }

  /** The jaxpr computing `outs` from `ins`: unused equations dropped, scalar constants inlined. */
  build(ins: readonly Tracer[], outs: readonly Tensor[]): { jaxpr: Jaxpr; consts: Tensor[] } {
    const needed = new Set<Tensor>(outs);
    const kept: Recorded[] = [];
    for (let i = this.eqns.length - 1; i >= 0; i--) {
      const e = this.eqns[i]!;
      if (e.outs.some((o) => needed.has(o))) {
        kept.push(e);
        for (const x of e.inputs) needed.add(x);
      }
    }
    kept.reverse();
    const atoms = new Map<Tensor, Atom>();
    const invars = ins.map((t) => {
      const v = new Var(t.aval);
      atoms.set(t, v);
      return v;
    });
    const constvars: Var[] = [];
    const constVals: Tensor[] = [];
    const byValue = new Map<Tensor, Var>();
    for (const [t, value] of this.consts) {
      if (!needed.has(t) || atoms.has(t)) continue;
      if (!(value instanceof Tracer) && value.ndim === 0) {
        atoms.set(t, new Lit(value));
        continue;
      }
      let v = byValue.get(value);
      if (!v) {
        v = new Var(t.aval);
        byValue.set(value, v);
        constvars.push(v);
        constVals.push(value);
      }
      atoms.set(t, v);
    }
    const atomOf = (t: Tensor): Atom => {
      const a = atoms.get(t);
      if (!a)
        throw new TracegradError(
          `internal: a traced value (${t.aval.toString()}) is not bound in the jaxpr being built`,
        );
      return a;
    };
    const eqns: Eqn[] = kept.map((e) => {
      const inputs = e.inputs.map(atomOf);
      const outVars = e.outs.map((o) => {
        const v = new Var(o.aval);
        atoms.set(o, v);
        return v;
      });
      return { prim: e.prim, inputs, params: e.params, outs: outVars };
    });
    return { jaxpr: new Jaxpr(constvars, invars, eqns, outs.map(atomOf)), consts: constVals };
  }
}

/** A tracer that only has a type: everything done to it is recorded. */
export class StagedTracer extends Tracer {
  known(): undefined {
    return undefined;
  }
  primalValue(): undefined {
    return undefined;
  }
}

/** The trace of makeJaxpr (and later jit): records every operation, even on constants. */
export class StagingTrace extends Trace {
  readonly builder = new JaxprBuilder();
  private lifted = new Map<Tensor, StagedTracer>();

  lift(x: Tensor): Tensor {
    let t = this.lifted.get(x);
    if (!t) {
      t = new StagedTracer(this, x.aval);
      this.lifted.set(x, t);
      this.builder.addConst(t, x);
    }
    return t;
  }
  newArg(aval: ShapedArray): StagedTracer {
    return new StagedTracer(this, aval);
  }
  processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[] {
    const outs = outAvals.map((a) => new StagedTracer(this, a));
    this.builder.addEqn(prim, args, params, outs);
    return outs;
  }
}

/** Traces `f` on abstract inputs of `avals` into a closed jaxpr (every operation recorded, as makeJaxpr). */
export function stageFlat(
  kind: string,
  name: string,
  f: (...xs: Tensor[]) => Tensor[],
  avals: readonly ShapedArray[],
): { jaxpr: Jaxpr; consts: Tensor[] } {
  return withMain(
    kind,
    name,
    (m) => new StagingTrace(m),
    (t) => {
      const trace = t as StagingTrace;
      const ins = avals.map((a) => trace.newArg(a));
      const outs = f(...ins).map((o) => fullRaise(trace, o));
      return trace.builder.build(ins, outs);
    },
    { dynamic: true },
  );
}

/**
 * A staged program as a closed jaxpr whose captured tracers (values of enclosing transforms) are its leading inputs
 * instead of constants: `hoisted` are those tracers, which the caller passes as operands (jit, loop bodies).
 */
export function hoistTracers(traced: { jaxpr: Jaxpr; consts: Tensor[] }): { closed: ClosedJaxpr; hoisted: Tensor[] } {
  const isTracer = traced.consts.map((c) => c instanceof Tracer);
  const j = traced.jaxpr;
  const closed = new ClosedJaxpr(
    new Jaxpr(
      j.constvars.filter((_, i) => !isTracer[i]),
      [...j.constvars.filter((_, i) => isTracer[i]), ...j.invars],
      j.eqns,
      j.outs,
    ),
    traced.consts.filter((_, i) => !isTracer[i]),
  );
  return { closed, hoisted: traced.consts.filter((_, i) => isTracer[i]) };
}
