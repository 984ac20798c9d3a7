// Passes and typechecking inside the jaxprs equations carry (jit's today): each pass walks into them, asking the
// primitive where they are (Primitive.jaxprs), never its name.
import * as E from "fp-ts/Either";
import {
  ClosedJaxpr,
  type Eqn,
  grad,
  Jaxpr,
  jit,
  makeJaxpr,
  np,
  ShapedArray,
  type Tensor,
  typecheckJaxpr,
  Var,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { jitP } from "../../src/higher_order/jit_call.js";
import type { Primitive } from "../../src/ir/jaxpr.js";
import { cse, dce, fold, inlineCalls, optimize, type Program, simplify } from "../../src/ir/passes/index.js";

const program = (c: ClosedJaxpr): Program => ({ jaxpr: c.jaxpr, consts: c.consts });
/** The jaxprs equation `e` carries. */
const inner = (e: Eqn): ClosedJaxpr[] => [...(e.prim.jaxprs?.get(e.params) ?? [])];
/** Every equation of `j` and, depth first, of the jaxprs its equations carry. */
const allEqns = (j: Jaxpr): Eqn[] => j.eqns.flatMap((e) => [e, ...inner(e).flatMap((c) => allEqns(c.jaxpr))]);
const names = (j: Jaxpr) => allEqns(j).map((e) => e.prim.name);
/** `e` with its one jaxpr replaced by `f(jaxpr)`. */
const withInner = (e: Eqn, f: (j: Jaxpr) => Jaxpr): Eqn => {
  const [c] = inner(e);
  const j = f(c!.jaxpr);
  return { ...e, params: e.prim.jaxprs!.set(e.params, [new ClosedJaxpr(j, c!.consts)]) };
};
/** `p` with the equation at `path` (indices into nested jit bodies) rewritten by `f`. */
function rewriteAt(j: Jaxpr, path: number[], f: (j: Jaxpr) => Jaxpr): Jaxpr {
  if (path.length === 0) return f(j);
  const [k, ...rest] = path;
  const eqns = j.eqns.map((e, i) => (i === k ? withInner(e, (b) => rewriteAt(b, rest, f)) : e));
  return new Jaxpr(j.constvars, j.invars, eqns, j.outs);
}
/** The path to the first equation that carries a jaxpr, at each depth down to `depth`. */
function callPath(j: Jaxpr, depth: number): number[] {
  const k = j.eqns.findIndex((e) => e.prim.jaxprs);
  expect(k, `a call at depth ${depth}`).toBeGreaterThanOrEqual(0);
  return depth === 1 ? [k] : [k, ...callPath(inner(j.eqns[k]!)[0]!.jaxpr, depth - 1)];
}
const bodyAt = (j: Jaxpr, path: number[]): Jaxpr => path.reduce((b, k) => inner(b.eqns[k]!)[0]!.jaxpr, j);

// a jit nested in a jit, differentiated: the jaxpr holds jit calls (JVP, known and unknown parts, transposes) whose
// bodies hold jit calls of their own
const f = jit(function outer(x: Tensor) {
  const g = jit(function inner(y: Tensor) {
    return y.sin().mul(y);
  });
  return g(x.mul(2)).sum();
});
const traced = () => makeJaxpr(grad(f))(np.array([0.5, -1, 2]));

describe("DCE and typecheck inside a jit nested in a jit under grad", () => {
  it("the traced program nests calls two deep and typechecks at every depth", () => {
    const j = traced().jaxpr;
    const path = callPath(j, 2);
    expect(path).toHaveLength(2);
    expect(E.isRight(typecheckJaxpr(j))).toBe(true);
    // DCE leaves a program with no dead code as it is, at every depth
    expect(names(dce(program(traced())).jaxpr)).toEqual(names(j));
  });

  it("DCE drops an equation nothing uses two calls deep, and leaves the rest", () => {
    const j = traced().jaxpr;
    const path = callPath(j, 2);
    const withDead = rewriteAt(j, path, (b) => {
      const x = b.invars[0]!;
      const expP = makeJaxpr((t: Tensor) => t.exp())(np.ones([1])).jaxpr.eqns[0]!.prim;
      const dead: Eqn = { prim: expP, inputs: [x], params: {}, outs: [new Var(x.aval)] };
      return new Jaxpr(b.constvars, b.invars, [...b.eqns, dead], b.outs);
    });
    expect(names(withDead)).toContain("exp");
    expect(bodyAt(withDead, path).eqns.at(-1)!.prim.name).toBe("exp");
    const cleaned = dce({ jaxpr: withDead, consts: traced().consts }).jaxpr;
    expect(names(cleaned)).toEqual(names(j));
    expect(String(cleaned)).toBe(String(j));
    expect(E.isRight(typecheckJaxpr(cleaned))).toBe(true);
  });

  it("typecheck finds a wrong type two calls deep and says where", () => {
    const j = traced().jaxpr;
    const path = callPath(j, 2);
    // the deepest body's first equation declares an output of the wrong shape
    const broken = rewriteAt(j, path, (b) => {
      const [e0, ...rest] = b.eqns;
      const wrong = new Var(new ShapedArray([7], e0!.outs[0]!.aval.dtype));
      const eqns = [{ ...e0!, outs: [wrong] }, ...rest];
      return new Jaxpr(b.constvars, b.invars, eqns, b.outs);
    });
    const r = typecheckJaxpr(broken);
    expect(E.isLeft(r)).toBe(true);
    const msg = E.isLeft(r) ? r.left.message : "";
    expect(msg).toMatch(new RegExp(`equation ${path[0]} \\(jit\\), jaxpr 0: equation ${path[1]} \\(jit\\), jaxpr 0: `));
    expect(msg).toMatch(/declares outputs f32\[7\]/);
  });
});

describe("the other passes walk into the jaxprs equations carry", () => {
  const x = np.array(0.25); // 0-d, so scalars need no broadcast
  const callOf = (h: (x: Tensor) => Tensor) => program(makeJaxpr((y: Tensor) => jit(h)(y).add(1))(x));
  const body = (p: Program) => inner(p.jaxpr.eqns.find((e) => e.prim.jaxprs)!)[0]!.jaxpr;
  /** `p` with its calls made equations of `prim` instead. */
  const withCallsAs = (p: Program, prim: Primitive<unknown>): Program => ({
    jaxpr: new Jaxpr(
      p.jaxpr.constvars,
      p.jaxpr.invars,
      p.jaxpr.eqns.map((e) => (e.prim.jaxprs ? { ...e, prim } : e)),
      p.jaxpr.outs,
    ),
    consts: p.consts,
  });

  it("CSE inside a call: sin x computed once", () => {
    const p = callOf((y) => y.sin().add(y.sin()));
    expect(body(p).eqns.filter((e) => e.prim.name === "sin")).toHaveLength(2);
    expect(body(dce(cse(p))).eqns.filter((e) => e.prim.name === "sin")).toHaveLength(1);
  });

  it("CSE across calls: the same body called on the same input is one call", () => {
    const h = jit((y: Tensor) => y.exp());
    const p = program(makeJaxpr((y: Tensor) => h(y).add(h(y)))(x));
    expect(p.jaxpr.eqns.filter((e) => e.prim.jaxprs)).toHaveLength(2);
    expect(dce(cse(p)).jaxpr.eqns.filter((e) => e.prim.jaxprs)).toHaveLength(1);
  });

  it("simplify inside a call: y·1 is y", () => {
    const p = callOf((y) => y.mul(1).sin());
    expect(body(p).eqns.map((e) => e.prim.name)).toEqual(["mul", "sin"]);
    expect(body(dce(simplify(p))).eqns.map((e) => e.prim.name)).toEqual(["sin"]);
  });

  it("fold inside a call, but never the call: a constant's exp becomes a literal, the call stays", () => {
    const p = callOf((y) => y.add(np.array(3).exp()));
    expect(body(p).eqns.map((e) => e.prim.name)).toEqual(["exp", "add"]);
    expect(body(dce(fold(p))).eqns.map((e) => e.prim.name)).toEqual(["add"]);
    // a call whose inputs are all known and whose result is one element is not run at compile time
    const known = program(makeJaxpr((y: Tensor) => jit((z: Tensor) => z.sin())(np.array(2)).add(y))(np.array(1)));
    const folded = fold(known);
    expect(folded.jaxpr.eqns.map((e) => e.prim.name)).toEqual(["jit", "add"]);
  });

  it("optimize runs its whole pipeline inside a call that stays (not a call, so not inlined)", () => {
    // a copy of jit that is not declared a call: inlining leaves it, optimize still cleans its body
    const opaque: Primitive<unknown> = {
      ...(jitP as Primitive<unknown>),
      name: "opaque_call",
      jaxprs: { ...jitP.jaxprs!, call: false } as NonNullable<Primitive<unknown>["jaxprs"]>,
    };
    const retagged = withCallsAs(
      callOf((y) => y.mul(1).sin().add(y.mul(1).sin())),
      opaque,
    );
    expect(inlineCalls(retagged)).toBe(retagged);
    const o = optimize(retagged);
    expect(o.jaxpr.eqns.map((e) => e.prim.name)).toEqual(["opaque_call", "add"]);
    expect(body(o).eqns.map((e) => e.prim.name)).toEqual(["sin", "add"]);
  });

  it("inlining asks the primitive: any primitive that declares its jaxpr a call is inlined, whatever its name", () => {
    const renamed: Primitive<unknown> = { ...(jitP as Primitive<unknown>), name: "my_call" };
    const retagged = withCallsAs(
      callOf((y) => y.sin()),
      renamed,
    );
    expect(inlineCalls(retagged).jaxpr.eqns.map((e) => e.prim.name)).toEqual(["sin", "add"]);
  });
});
