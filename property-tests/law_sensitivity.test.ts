// The laws can fail: deliberately broken copies of real primitives (mutants) are caught by the law meant for them, and pass the others listed.
import fc from "fast-check";
import { ShapedArray, Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { primitives } from "../src/higher_order/registry.js";
import { isUndefined } from "../src/ir/rule_types.js";
import { bind1 } from "../src/ir/trace.js";
import { addTangents, cos, fullLike, mul, neg, sin, stopGradient, sub } from "../src/primitives/index.js";
import { lawProperty, PRIMITIVE_LAWS, type Prim, type PrimLaw, SEED } from "./laws.js";

const prim = (name: string): Prim => {
  const p = primitives.find((q) => q.name === name);
  if (!p) throw new Error(`no primitive '${name}' in the registry`);
  return p;
};
/** A copy of a registered primitive with some rules replaced. */
const mutant = (name: string, base: string, patch: Partial<Prim>): Prim => ({ ...prim(base), name, ...patch });

type LawId = PrimLaw["id"];

/** mul whose transpose with respect to its second operand has the wrong sign; its JVP emits itself, so the bug reaches linear jaxprs. */
const mulBadRight: Prim = mutant("mul_bad_right_transpose", "mul", {
  jvp: ([tx, ty], [x, y]) => [
    addTangents(tx ? bind1(mulBadRight, [tx, y!], {}) : null, ty ? bind1(mulBadRight, [x!, ty], {}) : null),
  ],
  transpose: (cts, args, params) => {
    const r = prim("mul").transpose!(cts, args, params);
    return isUndefined(args[1]!) && r[1] ? [r[0] ?? null, neg(r[1])] : r;
  },
});
/** neg whose transpose forgets the sign; its JVP emits itself (the real rule emits the real neg). */
const negBadTranspose: Prim = mutant("neg_bad_transpose", "neg", {
  jvp: ([t]) => [bind1(negBadTranspose, [t!], {})],
  transpose: (cts) => [cts[0] ?? null],
});

let calls = 0;
/** Perturbs every other result by one ulp. */
const flaky = (t: Tensor): Tensor => {
  const d = t.toTypedArray();
  if (calls++ % 2) d.forEach((x, i) => (d[i] = x * (1 + 2 ** -52)));
  return Tensor._of(d, t.shape, t.dtype);
};

const MUTANTS: { prim: Prim; fails: LawId[]; holds: LawId[] }[] = [
  // wrong first derivative: d sin = sin·dx (self-consistent: the derivative of that JVP map is right, and VJP matches JVP)
  {
    prim: mutant("sin_bad_jvp", "sin", { jvp: ([t], [x]) => [mul(t!, sin(x!))] }),
    fails: ["jvp"],
    holds: ["abstractEval", "jaxpr", "vjp", "secondOrderFd", "secondOrderModes"],
  },
  // right first derivative, wrong second: d tanh = (1 − tanh²)·dx with tanh held constant
  {
    prim: mutant("tanh_bad_second", "tanh", {
      jvp: ([t], _, [out]) => [mul(t!, sub(fullLike(out!, 1), mul(stopGradient(out!), stopGradient(out!))))],
    }),
    fails: ["secondOrderFd"],
    holds: ["jvp", "vjp", "secondOrderModes"],
  },
  // right JVP, wrong transpose
  { prim: negBadTranspose, fails: ["vjp"], holds: ["jvp", "secondOrderFd"] },
  // first order right everywhere; only the second-order linearization transposes mul in its second operand
  {
    prim: mutant("sin_via_bad_mul", "sin", { jvp: ([t], [x]) => [bind1(mulBadRight, [t!, cos(x!)], {})] }),
    fails: ["secondOrderModes"],
    holds: ["jvp", "vjp", "secondOrderFd"],
  },
  // shape rule with an extra axis the kernel does not produce
  {
    prim: mutant("exp_bad_shape_rule", "exp", { check: ([a]) => [new ShapedArray([...a!.shape, 2], a!.dtype)] }),
    fails: ["abstractEval"],
    holds: [],
  },
  // a derivative declared zero that is not
  {
    prim: mutant("stop_gradient_leaky", "stop_gradient", { jvp: ([t]) => [t!] }),
    fails: ["zero"],
    holds: ["abstractEval", "jaxpr"],
  },
  // a kernel that is not deterministic in its last bit
  {
    prim: mutant("cos_flaky_kernel", "cos", {
      impl: (args, params, outs) => prim("cos").impl(args, params, outs).map(flaky),
    }),
    fails: ["jaxpr"],
    holds: ["abstractEval"],
  },
];

describe("law sensitivity: mutants of registered primitives", () => {
  for (const { prim: m, fails, holds } of MUTANTS) {
    for (const law of PRIMITIVE_LAWS) {
      if (!fails.includes(law.id) && !holds.includes(law.id)) continue;
      const shouldFail = fails.includes(law.id);
      it(`${m.name}: "${law.name}" ${shouldFail ? "fails" : "holds"}`, () => {
        const r = fc.check(lawProperty(law, m), { seed: SEED, numRuns: 15, endOnFailure: true });
        expect(r.failed, r.failed ? String(r.errorInstance) : "no counterexample found").toBe(shouldFail);
      });
    }
  }
});
