// makeJaxpr: traces a function, for the shapes and dtypes passed, into a printable closed jaxpr.

import { ShapedArray } from "../core/aval.js";
import type { LooseArgs } from "../core/tree.js";
import { fn, guard } from "../core/validate.js";
import { StagingTrace } from "../ir/build.js";
import { ClosedJaxpr } from "../ir/jaxpr.js";
import { fullRaise, withMain } from "../ir/trace.js";
import { flatFunction, flattenTensors, fnName, tracing } from "./flat.js";

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
