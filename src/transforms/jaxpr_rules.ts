// What primitives that carry jaxprs share (jit today; cond, scan, customJvp next): each transform applied to a closed
// jaxpr, giving a closed jaxpr. Derived jaxprs depend only on the source jaxpr and on which inputs are nonzero, known,
// linear or batched where, so each is traced once per source and variant and reused: repeated calls (grad(jit f) in a
// loop) neither retrace nor recompile. Derived jaxprs hold no tracers.
import type { ShapedArray } from "../core/aval.js";
import type { Tensor } from "../core/tensor.js";
import { stageFlat } from "../ir/build.js";
import { evalJaxpr } from "../ir/eval.js";
import { ClosedJaxpr, Jaxpr } from "../ir/jaxpr.js";
import { fullRaise, withMain } from "../ir/trace.js";
import { zeros, zerosLike } from "../primitives/index.js";
import { backwardPass } from "./backward.js";
import { jvpFlat } from "./jvp_trace.js";
import { PETrace, type PETracer } from "./partial_eval.js";
import { vmapFlat } from "./vmap.js";

/** A closed jaxpr as a function of flat tensors, binding its primitives at whatever trace is current. */
export const asFunction =
  (j: ClosedJaxpr) =>
  (...xs: Tensor[]): Tensor[] =>
    evalJaxpr(j.jaxpr, j.consts, xs);

/** `f` traced on `avals` into a closed jaxpr (while `kind` traces `name`, as error messages say). */
export const traceClosed = (
  kind: string,
  name: string,
  f: (...xs: Tensor[]) => Tensor[],
  avals: readonly ShapedArray[],
): ClosedJaxpr => {
  const { jaxpr, consts } = stageFlat(kind, name, f, avals);
  return new ClosedJaxpr(jaxpr, consts);
};

const derived = new WeakMap<ClosedJaxpr, Map<string, unknown>>();
/** `make()` once per source jaxpr and key. */
export function memo<T>(j: ClosedJaxpr, key: string, make: () => T): T {
  let m = derived.get(j);
  if (!m) derived.set(j, (m = new Map()));
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}
export const bits = (xs: readonly boolean[]) => xs.map((x) => (x ? 1 : 0)).join("");

/** A derived jaxpr, and which of its optional outputs it has (nonzero tangents, batched outputs). */
export interface Derived {
  jaxpr: ClosedJaxpr;
  /** Per output of the source: whether the derived jaxpr has the optional output for it. */
  has: boolean[];
}

/**
 * JVP of `j`: inputs are its primals, then the tangents of the inputs marked `nonzero`; outputs are its primal
 * outputs, then the tangents of the outputs in `has`: those that are not symbolically zero, and those marked
 * `instantiate` (as zeros). Loops find their carries' tangents by a fixpoint over `has`.
 */
export function jvpJaxpr(
  kind: string,
  name: string,
  j: ClosedJaxpr,
  nonzero: readonly boolean[],
  instantiate: readonly boolean[] = j.outAvals.map(() => true),
): Derived {
  const n = j.inAvals.length;
  return memo(j, `jvp:${bits(nonzero)}:${bits(instantiate)}`, () => {
    let has: boolean[] = [];
    const jaxpr = traceClosed(
      kind,
      name,
      (...xs) => {
        let k = n;
        const ts = nonzero.map((nz) => (nz ? xs[k++]! : null));
        const [po, to] = jvpFlat("jvp", name, asFunction(j), xs.slice(0, n), ts);
        has = to.map((t, i) => t !== null || instantiate[i] === true);
        return [...po, ...to.flatMap((t, i) => (has[i] ? [t ?? zerosLike(po[i]!)] : []))];
      },
      [...j.inAvals, ...j.inAvals.filter((_, i) => nonzero[i])],
    );
    return { jaxpr, has };
  });
}

/** `j` split by which inputs are unknown (partial evaluation). */
export interface PartialJaxprs {
  /** Known inputs → known outputs, then residuals. */
  known: ClosedJaxpr;
  /** Residuals, then unknown inputs → unknown outputs. */
  unknown: ClosedJaxpr;
  /** Which of `j`'s outputs are unknown. */
  outUnknown: boolean[];
  /** How many of `known`'s outputs are outputs of `j` (the rest are residuals). */
  nKnownOuts: number;
}

/** `j` split by which inputs are unknown; outputs marked `instantiate` are unknown even when known (as residuals). */
export function partialEvalJaxpr(
  kind: string,
  name: string,
  j: ClosedJaxpr,
  unknownIn: readonly boolean[],
  instantiate: readonly boolean[] = [],
): PartialJaxprs {
  return memo(j, `pe:${bits(unknownIn)}:${bits(instantiate)}`, () => {
    let outUnknown: boolean[] = [];
    let unknown!: Jaxpr;
    let nKnownOuts = 0;
    const known = traceClosed(
      kind,
      name,
      (...knownArgs) =>
        withMain(
          kind,
          name,
          (m) => new PETrace(m),
          (t) => {
            const pe = t as PETrace;
            let k = 0;
            const ins = j.inAvals.map((a, i) =>
              unknownIn[i] ? pe.unknown(a) : (pe.lift(knownArgs[k++]!) as PETracer),
            );
            const outs = asFunction(j)(...ins).map((o, i) => {
              const t = fullRaise(pe, o) as PETracer;
              return instantiate[i] ? pe.instantiate(t) : t;
            });
            outUnknown = outs.map((o) => o.value === undefined);
            const built = pe.builder.build(
              ins.filter((_, i) => unknownIn[i]),
              outs.filter((o) => o.value === undefined),
            );
            // the unknown part's constants (residuals) become its leading inputs
            unknown = new Jaxpr(
              [],
              [...built.jaxpr.constvars, ...built.jaxpr.invars],
              built.jaxpr.eqns,
              built.jaxpr.outs,
            );
            const knownOuts = outs.filter((o) => o.value !== undefined).map((o) => o.value!);
            nKnownOuts = knownOuts.length;
            return [...knownOuts, ...built.consts];
          },
        ),
      j.inAvals.filter((_, i) => !unknownIn[i]),
    );
    return { known, unknown: new ClosedJaxpr(unknown, []), outUnknown, nKnownOuts };
  });
}

/**
 * Transpose of `j`, linear in the inputs marked `linear`: inputs are its other inputs (as given), then the
 * cotangents of the outputs marked `ctLive`; outputs are the cotangents of the linear inputs (zeros where none).
 */
export function transposeJaxpr(
  kind: string,
  name: string,
  j: ClosedJaxpr,
  linear: readonly boolean[],
  ctLive: readonly boolean[],
): ClosedJaxpr {
  const nDefined = linear.filter((l) => !l).length;
  return memo(j, `t:${bits(linear)}:${bits(ctLive)}`, () =>
    traceClosed(
      kind,
      name,
      (...xs) => {
        let [d, c] = [0, nDefined];
        const defined = linear.map((l) => (l ? undefined : xs[d++]!));
        const cts = ctLive.map((live) => (live ? xs[c++]! : null));
        const res = backwardPass(j.jaxpr, j.consts, cts, defined);
        return res.flatMap((r, i) => (linear[i] ? [r ?? zeros(j.inAvals[i]!.shape, j.inAvals[i]!.dtype)] : []));
      },
      [...j.inAvals.filter((_, i) => !linear[i]), ...j.outAvals.filter((_, i) => ctLive[i])],
    ),
  );
}

/**
 * `j` batched over `size` examples: inputs of these avals batched at `dims` (null: not batched, possibly all); outputs
 * in `has` (batched, or marked `force`) come out batched at axis 0, the others unbatched. Loops find their batched
 * carries by a fixpoint over it.
 */
export function batchJaxpr(
  kind: string,
  name: string,
  j: ClosedJaxpr,
  dims: readonly (number | null)[],
  avals: readonly ShapedArray[],
  size: number,
  force: readonly boolean[] = j.outAvals.map(() => true),
): Derived {
  return memo(j, `b:${dims.join(",")}:${avals.map(String).join(",")}:${size}:${bits(force)}`, () => {
    let has: boolean[] = [];
    const jaxpr = traceClosed(
      kind,
      name,
      (...xs) => {
        const r = vmapFlat(name, asFunction(j), xs, dims, force, size);
        has = r.batched;
        return r.outs;
      },
      avals,
    );
    return { jaxpr, has };
  });
}
