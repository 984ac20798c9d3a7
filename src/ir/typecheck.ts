// Typechecking a jaxpr: every variable bound once before use, every equation's types re-derived, and the same for
// the jaxprs equations carry (each checked on its own; the equation's shape rule checks how it is called).
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import type { ShapedArray } from "../core/aval.js";
import { TracegradError } from "../core/errors.js";
import type { Atom, Jaxpr, Var } from "./jaxpr.js";

/**
 * Checks `jaxpr`; Right with its output types, or Left with the first inconsistency found (an fp-ts Either).
 * @example typecheckJaxpr(makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).jaxpr)._tag // "Right"
 * typecheckJaxpr(new Jaxpr([], [], [], [new Var(new ShapedArray([], "float32"))]))._tag // "Left"
 */
export function typecheckJaxpr(jaxpr: Jaxpr): E.Either<TracegradError, ShapedArray[]> {
  return check(jaxpr, "typecheckJaxpr: ");
}

function check(jaxpr: Jaxpr, at: string): E.Either<TracegradError, ShapedArray[]> {
  const bound = new Set<Var>();
  const fail = (why: string) => E.left(new TracegradError(`${at}${why}`));
  const bindVar = (v: Var, where: string): E.Either<TracegradError, Var> => {
    if (bound.has(v)) return fail(`variable of type ${v.aval.toString()} bound twice (${where})`);
    bound.add(v);
    return E.right(v);
  };
  const use = (a: Atom, where: string): E.Either<TracegradError, ShapedArray> =>
    a._tag === "Lit" || bound.has(a)
      ? E.right(a.aval)
      : fail(`${where} uses a variable of type ${a.aval.toString()} before it is bound`);

  const binders = [...jaxpr.constvars, ...jaxpr.invars];
  const init = pipe(
    binders.map((v) => bindVar(v, "inputs")),
    E.sequenceArray,
  );
  return pipe(
    init,
    E.chain(() => {
      for (const [i, e] of jaxpr.eqns.entries()) {
        const where = `equation ${i} (${e.prim.name})`;
        const ins = E.sequenceArray(e.inputs.map((a) => use(a, where)));
        if (E.isLeft(ins)) return ins;
        const inner = (e.prim.jaxprs?.get(e.params) ?? []).map((j, k) => check(j.jaxpr, `${at}${where}, jaxpr ${k}: `));
        const bad = inner.find(E.isLeft);
        if (bad) return bad;
        const outs = e.prim.abstractEval([...ins.right], e.params);
        if (E.isLeft(outs)) return outs;
        if (outs.right.length !== e.outs.length || outs.right.some((a, j) => !a.equals(e.outs[j]!.aval))) {
          return fail(
            `${where} declares outputs ${e.outs.map((v) => v.aval.toString()).join(", ")} ` +
              `but its inputs give ${outs.right.map(String).join(", ")}`,
          );
        }
        for (const v of e.outs) {
          const b = bindVar(v, where);
          if (E.isLeft(b)) return b;
        }
      }
      return E.sequenceArray(jaxpr.outs.map((a) => use(a, "the output")));
    }),
    E.map((a) => [...a]),
  );
}
