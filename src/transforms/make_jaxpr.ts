// makeJaxpr: traces a function, for the shapes and dtypes passed, into a printable closed jaxpr.

import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import { anything, argList, fn } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import type { LooseArgs } from "../core/tree.js";
import { type At, fail, guard, type Param } from "../core/validate.js";
import { StagingTrace } from "../ir/build.js";
import { evalJaxpr as evaluate } from "../ir/eval.js";
import { ClosedJaxpr, Jaxpr } from "../ir/jaxpr.js";
import { fullRaise, withMain } from "../ir/trace.js";
import { typecheckJaxpr as typecheck } from "../ir/typecheck.js";
import { flatFunction, flattenTensors, fnName, leafTensor, tracing } from "./flat.js";

/**
 * Traces `f` for the shapes and dtypes of these arguments into its IR; `String(jaxpr)` prints it JAX-style.
 * @example String(makeJaxpr((x: Tensor) => x.sin().sum())(np.ones([3])))
 * // "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }"
 */
export const makeJaxpr: <A extends unknown[]>(f: (...args: A) => unknown) => (...args: LooseArgs<A>) => ClosedJaxpr =
  guard("makeJaxpr", [fn()], makeJaxprImpl);
function makeJaxprImpl<A extends unknown[]>(f: (...args: A) => unknown): (...args: LooseArgs<A>) => ClosedJaxpr {
  return (...args: LooseArgs<A>) => {
    const [xs, inTree] = flattenTensors("makeJaxpr", args, "the arguments");
    const { g, box } = flatFunction("makeJaxpr", f as (...a: never[]) => unknown, inTree);
    return tracing("makeJaxpr", fnName(f), () =>
      withMain(
        "makeJaxpr",
        fnName(f),
        (m) => new StagingTrace(m),
        (t) => {
          const trace = t as StagingTrace;
          const ins = xs.map((x) => trace.newArg(new ShapedArray(x.shape, x.dtype)));
          const outs = g(...ins).map((o) => fullRaise(trace, o));
          const { jaxpr, consts } = trace.builder.build(ins, outs);
          return new ClosedJaxpr(jaxpr, consts, inTree, box.outTree);
        },
        { dynamic: true },
      ),
    );
  };
}

/** A Jaxpr (from `makeJaxpr(f)(...).jaxpr`). */
const jaxprParam = (name: string): Param<Jaxpr> => ({
  ...anything(name, "jaxpr"),
  check: (v: unknown, at: At) => (v instanceof Jaxpr ? E.right(v) : fail(at, "a Jaxpr (makeJaxpr(f)(...).jaxpr)", v)),
});

/** `xs` as tensors of the avals `vars` declare, or a typed error naming the position. */
function matching(what: string, xs: readonly unknown[], vars: readonly { aval: ShapedArray }[]): Tensor[] {
  if (xs.length !== vars.length)
    throw new TracegradError(
      `evalJaxpr: the jaxpr takes ${vars.length} ${vars.length === 1 ? what.slice(0, -1) : what}, got ${xs.length}`,
    );
  return xs.map((x, i) => {
    const want = vars[i]!.aval;
    const t = x instanceof Tensor ? x : leafTensor("evalJaxpr", x, `${what}[${i}]`);
    if (!t.aval.equals(want)) {
      const cls = t.dtype === want.dtype ? ShapeError : DTypeError;
      throw new cls(`evalJaxpr: ${what}[${i}] is ${t.aval.toString()}, but the jaxpr declares ${want.toString()}`);
    }
    return t;
  });
}

/**
 * Evaluates `jaxpr` on constants and arguments of the types it declares; works under any transform since it binds
 * primitives.
 * @example const { jaxpr, consts } = makeJaxpr((x: Tensor) => x.mul(x))(np.ones([2]));
 * evalJaxpr(jaxpr, consts, [np.array([2, 3])]) // [Tensor([4, 9], dtype=float32)]
 */
export const evalJaxpr: (jaxpr: Jaxpr, consts: readonly Tensor[], args: readonly Tensor[]) => Tensor[] = guard(
  "evalJaxpr",
  [jaxprParam("jaxpr"), argList("consts"), argList("args")],
  (j: Jaxpr, consts: unknown[], args: unknown[]) =>
    evaluate(j, matching("constants", consts, j.constvars), matching("arguments", args, j.invars)),
);

/**
 * Checks `jaxpr`; Right with its output types, or Left with the first inconsistency found (an fp-ts Either).
 * @example typecheckJaxpr(makeJaxpr((x: Tensor) => x.sin())(np.ones([2])).jaxpr) // { _tag: "Right", right: [f32[2]] }
 */
export const typecheckJaxpr: (jaxpr: Jaxpr) => E.Either<TracegradError, ShapedArray[]> = guard(
  "typecheckJaxpr",
  [jaxprParam("jaxpr")],
  typecheck,
);
