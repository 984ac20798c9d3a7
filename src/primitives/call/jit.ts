// jit: a call of a closed jaxpr, run by its compiled executable. Its rules transform the inner jaxpr and
// bind jit again, so differentiated and batched programs stay compiled.
import * as E from "fp-ts/Either";
import type { ShapedArray } from "../../core/aval.js";
import { TracegradError } from "../../core/errors.js";
import { type Primitive, definePrimitiveN, isUndefined } from "../../core/primitive.js";
import type { Tensor } from "../../core/tensor.js";
import { bind, fullRaise, withMain } from "../../core/trace.js";
import { stageFlat } from "../../ir/build.js";
import { evalJaxpr } from "../../ir/eval.js";
import { ClosedJaxpr, Jaxpr } from "../../ir/jaxpr.js";
import { type Float32Mode, executable } from "../../compile/executable.js";
import { backwardPass } from "../../transforms/backward.js";
import { jvpFlat } from "../../transforms/jvp_trace.js";
import { PETrace, type PETracer } from "../../transforms/partial_eval.js";
import { vmapFlat } from "../../transforms/vmap.js";
import { zeros, zerosLike } from "../lax.js";

export interface JitParams {
  name: string;
  jaxpr: ClosedJaxpr;
  /** How fused loops round float32 intermediates (derived calls inherit it). */
  float32: Float32Mode;
}

const closedOf = ({ jaxpr, consts }: { jaxpr: Jaxpr; consts: Tensor[] }) => new ClosedJaxpr(jaxpr, consts);

/**
 * Derived programs (JVP, partial-evaluation split, transpose, batched body) depend only on the source jaxpr
 * and on which inputs are live, known, linear or batched where: traced once per combination and reused, so
 * repeated calls (grad(jit f) in a loop) neither retrace nor recompile. Derived jaxprs hold no tracers.
 */
const derived = new WeakMap<ClosedJaxpr, Map<string, unknown>>();
function memo<T>(j: ClosedJaxpr, key: string, make: () => T): T {
  let m = derived.get(j);
  if (!m) derived.set(j, (m = new Map()));
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}
const bits = (xs: readonly boolean[]) => xs.map((x) => (x ? 1 : 0)).join("");
const call =
  (j: ClosedJaxpr) =>
  (...xs: Tensor[]) =>
    evalJaxpr(j.jaxpr, j.consts, xs);

/** Splits a jaxpr by which inputs are known: `known` maps known inputs to known outputs + residuals, `unknown` maps residuals + unknown inputs to the rest. */
function partialEvalJaxpr(name: string, j: ClosedJaxpr, unknownIn: boolean[]) {
  let outUnknown: boolean[] = [];
  let unknown!: Jaxpr;
  let nKnownOuts = 0;
  const known = stageFlat(
    "jit",
    name,
    (...knownArgs) =>
      withMain(
        "jit",
        name,
        (m) => new PETrace(m),
        (t) => {
          const pe = t as PETrace;
          let k = 0;
          const ins = j.inAvals.map((a, i) => (unknownIn[i] ? pe.unknown(a) : (pe.lift(knownArgs[k++]!) as PETracer)));
          const outs = call(j)(...ins).map((o) => fullRaise(pe, o) as PETracer);
          outUnknown = outs.map((o) => o.value === undefined);
          const built = pe.builder.build(
            ins.filter((_, i) => unknownIn[i]),
            outs.filter((o) => o.value === undefined),
          );
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
  return { known: closedOf(known), unknown: new ClosedJaxpr(unknown, []), outUnknown, nKnownOuts };
}

export const jitP: Primitive<JitParams> = definePrimitiveN<JitParams>({
  name: "jit",
  abstractEval: (avals, { jaxpr, name }) =>
    avals.length === jaxpr.inAvals.length && avals.every((a, i) => a.equals(jaxpr.inAvals[i]!))
      ? E.right(jaxpr.outAvals)
      : E.left(
          new TracegradError(
            `jit(${name}): called with ${avals.map(String).join(", ")}, but it was traced for ${jaxpr.inAvals.map(String).join(", ")}`,
          ),
        ),
  impl: (args, { jaxpr, float32 }) => executable(jaxpr, float32)(args),
  jvp: (tangents, primals, _outs, params): (Tensor | null)[] => jitP.jvpFull!(primals, tangents, params)[1],
  // primal and tangent in one compiled call; zero tangents are specialised away
  jvpFull: (primals, tangents, { jaxpr, name, float32 }) => {
    const live = tangents.map((t) => t !== null);
    const n = primals.length;
    const jvpJ = memo(jaxpr, `jvp:${bits(live)}`, () =>
      closedOf(
        stageFlat(
          "jit",
          name,
          (...xs) => {
            let k = n;
            const ts = primals.map((_, i) => (live[i] ? xs[k++]! : null));
            const [po, to] = jvpFlat("jvp", name, call(jaxpr), xs.slice(0, n), ts);
            return [...po, ...to.map((t, i) => t ?? zerosLike(po[i]!))];
          },
          [...jaxpr.inAvals, ...jaxpr.inAvals.filter((_, i) => live[i])],
        ),
      ),
    );
    const outs = bind(jitP, [...primals, ...(tangents.filter((t) => t !== null) as Tensor[])], {
      name: `jvp(${name})`,
      jaxpr: jvpJ,
      float32,
    });
    const m = jaxpr.outAvals.length;
    return [outs.slice(0, m), outs.slice(m)];
  },
  // known inputs: run the known part now; stage the part that needs the unknown ones, fed by residuals
  partialEval: (known, _avals: ShapedArray[], { jaxpr, name, float32 }, stage) => {
    const unknownIn = known.map((k) => k === undefined);
    const split = memo(jaxpr, `pe:${bits(unknownIn)}`, () => partialEvalJaxpr(name, jaxpr, unknownIn));
    const kOuts = bind(
      jitP,
      known.filter((k): k is Tensor => k !== undefined),
      { name, jaxpr: split.known, float32 },
    );
    const residuals = kOuts.slice(split.nKnownOuts);
    const uIns = [...residuals, ...unknownIn.flatMap((u, i) => (u ? [{ unknown: i }] : []))];
    const uOuts = stage(jitP, uIns, { name, jaxpr: split.unknown, float32 }, split.unknown.outAvals);
    let [a, b] = [0, 0];
    return split.outUnknown.map((u) => (u ? uOuts[b++]! : kOuts[a++]!));
  },
  // linear in the inputs that are undefined; the transposed body becomes a jit call of its own
  transpose: (cts, args, { jaxpr, name, float32 }) => {
    const lin = args.map(isUndefined);
    const defined = args.filter((_, i) => !lin[i]) as Tensor[];
    const liveCts = cts.filter((c): c is Tensor => c !== null);
    const tJ = memo(jaxpr, `t:${bits(lin)}:${bits(cts.map((c) => c !== null))}`, () =>
      closedOf(
        stageFlat(
          "jit",
          name,
          (...xs) => {
            let [d, c] = [0, defined.length];
            const def = args.map((_, i) => (lin[i] ? undefined : xs[d++]!));
            const ct = cts.map((x) => (x === null ? null : xs[c++]!));
            const res = backwardPass(jaxpr.jaxpr, jaxpr.consts, ct, def);
            return res.flatMap((r, i) =>
              lin[i] ? [r ?? zeros(jaxpr.inAvals[i]!.shape, jaxpr.inAvals[i]!.dtype)] : [],
            );
          },
          [...defined.map((a) => a.aval), ...liveCts.map((c) => c.aval)],
        ),
      ),
    );
    const outs = bind(jitP, [...defined, ...liveCts], { name: `transpose(${name})`, jaxpr: tJ, float32 });
    let k = 0;
    return lin.map((l) => (l ? outs[k++]! : null));
  },
  // the batched body is traced once into a new jaxpr; outputs come back batched at axis 0
  batch: (args, dims, { jaxpr, name, float32 }) => {
    // the batch size is part of the batched avals, so it is part of the key
    const bJ = memo(jaxpr, `b:${dims.join(",")}:${args.map((a) => a.aval.toString()).join(",")}`, () =>
      closedOf(
        stageFlat(
          "jit",
          name,
          (...xs) => vmapFlat(name, call(jaxpr), xs, dims),
          args.map((a) => a.aval),
        ),
      ),
    );
    const outs = bind(jitP, args, { name: `vmap(${name})`, jaxpr: bJ, float32 });
    return [outs, outs.map(() => 0)];
  },
  formatParams: ({ name, jaxpr }) => `[name=${name} jaxpr=${String(jaxpr.jaxpr)}]`,
  testing: undefined,
});
