// The IR passes change no result bit: optimize(jaxpr) ≡ jaxpr on random programs, their gradients and JVPs.
import fc from "fast-check";
import { evalJaxpr, grad, jvp, makeJaxpr, type Tensor } from "tracegrad";
import { describe, it } from "vitest";
import { optimize } from "../src/ir/passes/index.js";
import { runs, seed } from "./config.js";
import { expectBitwise } from "./numerics.js";
import { KINKED_OPS, programCase, show, smoothFn, tensorsOf } from "./programs.js";

const SEED = seed(0x0971a1);
// `branch` is JS control flow on values, which staging (makeJaxpr) rejects by design
const cases = programCase(
  KINKED_OPS.filter((op) => op !== "branch"),
  { inputs: [1, 2], maxRank: 2, maxSteps: 6, domain: [-2, 2] },
);

/** Every function here is compared bit for bit before and after optimize, on the case's inputs. */
function preserves(
  label: string,
  build: (f: (...xs: Tensor[]) => Tensor, xs: Tensor[]) => (...xs: Tensor[]) => Tensor,
): void {
  it(label, () => {
    fc.assert(
      fc.property(cases, (c) => {
        const xs = tensorsOf(c, "inputs");
        const g = build(smoothFn(c), xs);
        const closed = makeJaxpr(g)(...xs);
        const opt = optimize({ jaxpr: closed.jaxpr, consts: closed.consts });
        const before = evalJaxpr(closed.jaxpr, closed.consts, xs)[0]!.toTypedArray();
        const after = evalJaxpr(opt.jaxpr, opt.consts, xs)[0]!.toTypedArray();
        expectBitwise(`optimize changed ${label} of\n${show(c)}`, after, before);
        return opt.jaxpr.eqns.length <= closed.jaxpr.eqns.length;
      }),
      { seed: SEED, numRuns: runs(40) },
    );
  });
}

describe("optimize preserves results bit for bit", () => {
  preserves("f", (f) => f);
  preserves(
    "grad f",
    (f) =>
      (...xs) =>
        grad((...ys: Tensor[]) => f(...ys).sum())(...xs),
  );
  preserves(
    "jvp f",
    (f, xs) =>
      (...ys) =>
        jvp(
          f,
          ys,
          xs.map((x) => x.mul(0.5)),
        )[1],
  );
});
