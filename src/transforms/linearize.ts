// linearize = JVP + partial evaluation: primal outputs now, and the tangent map as a linear jaxpr.
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { evalJaxpr } from "../ir/eval.js";
import type { Jaxpr } from "../ir/jaxpr.js";
import { fullLower, Tracer, withMain } from "../ir/trace.js";
import { zeros } from "../primitives/index.js";
import { backwardPass } from "./backward.js";
import { jvpFlat } from "./jvp_trace.js";
import { PETrace, type PETracer } from "./partial_eval.js";

/** The linear tangent map of a function at a point, as a jaxpr over the float inputs and outputs with tangents. */
export class LinearMap {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Tensor[],
    readonly inAvals: readonly ShapedArray[],
    readonly outAvals: readonly ShapedArray[],
    /** Which inputs carry tangents (floats), which outputs have non-zero tangents. */
    readonly inMask: readonly boolean[],
    readonly outMask: readonly boolean[],
  ) {}

  /** Forward: output tangents for input tangents (null: zero). */
  apply(tangents: readonly (Tensor | null)[]): (Tensor | null)[] {
    const ins = this.inAvals.flatMap((a, i) => (this.inMask[i] ? [tangents[i] ?? zeroOf(a)] : []));
    const outs = evalJaxpr(this.jaxpr, this.consts, ins);
    let k = 0;
    return this.outMask.map((m) => (m ? outs[k++]! : null));
  }

  /** Reverse: input cotangents for output cotangents (null: zero, also for non-float inputs). */
  transpose(cts: readonly (Tensor | null)[]): (Tensor | null)[] {
    const res = backwardPass(
      this.jaxpr,
      this.consts,
      cts.filter((_, i) => this.outMask[i]),
    );
    let k = 0;
    return this.inMask.map((m) => (m ? (res[k++] ?? null) : null));
  }
}

const zeroOf = (a: ShapedArray): Tensor => zeros(a.shape, a.dtype);

export function linearizeFlat(
  kind: string,
  name: string,
  f: (...xs: Tensor[]) => Tensor[],
  primals: readonly Tensor[],
): { primalsOut: Tensor[]; linear: LinearMap } {
  return withMain(
    kind,
    name,
    (m) => new PETrace(m),
    (t) => {
      const trace = t as PETrace;
      const inMask = primals.map((p) => isFloat(p.dtype));
      const tanIn = primals.map((p, i) => (inMask[i] ? trace.unknown(p.aval) : null));
      const [pOut, tOut] = jvpFlat(kind, name, f, primals, tanIn);
      const primalsOut = pOut.map((p) => {
        const v = fullLower(p);
        if (v instanceof Tracer && v._trace === trace)
          throw new TracegradError(`internal: ${kind} produced a primal output that depends on tangents`);
        return v;
      });
      const outMask = tOut.map((x) => x !== null);
      const outs = tOut.flatMap((x) =>
        x === null
          ? []
          : [
              trace.instantiate(
                x instanceof Tracer && x._trace === trace ? (x as PETracer) : (trace.lift(x) as PETracer),
              ),
            ],
      );
      const { jaxpr, consts } = trace.builder.build(
        tanIn.filter((x): x is PETracer => x !== null),
        outs,
      );
      return {
        primalsOut,
        linear: new LinearMap(
          jaxpr,
          consts,
          primals.map((p) => p.aval),
          primalsOut.map((p) => p.aval),
          inMask,
          outMask,
        ),
      };
    },
  );
}
