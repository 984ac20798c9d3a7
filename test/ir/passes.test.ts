// IR passes, tested on printed jaxprs: DCE, CSE, constant folding, exact algebraic simplification.

import { evalJaxpr, grad, Jaxpr, jit, makeJaxpr, np, type Tensor, Var } from "tracegrad";
import { describe, expect, it } from "vitest";
import type { Program } from "../../src/ir/passes/index.js";
import { cse, dce, fold, optimize, simplify } from "../../src/ir/passes/index.js";

const traced = (f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): Program => {
  const c = makeJaxpr(f)(...xs);
  return { jaxpr: c.jaxpr, consts: c.consts };
};
const bits = (t: Tensor) => Array.from(t.toTypedArray(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
const run = (p: Program, xs: Tensor[]) => evalJaxpr(p.jaxpr, p.consts, xs).map(bits);

describe("each pass on its own", () => {
  it("dce drops equations nothing uses, and unused constants", () => {
    // tracing already drops dead code, so append a dead `exp` of a constant by hand
    const c = np.array([1, 2, 3]);
    const base = traced((x) => x.mul(c).add(x.sin()), np.ones([3]));
    const [cv] = base.jaxpr.constvars;
    const expP = makeJaxpr((x: Tensor) => x.exp())(np.ones([3])).jaxpr.eqns[0]!.prim;
    const dead = { prim: expP, inputs: [cv!], params: {}, outs: [new Var(cv!.aval)] };
    const sinOnly = traced((x) => x.sin(), np.ones([3]));
    const p: Program = {
      jaxpr: new Jaxpr(base.jaxpr.constvars, sinOnly.jaxpr.invars, [...sinOnly.jaxpr.eqns, dead], sinOnly.jaxpr.outs),
      consts: base.consts,
    };
    expect(String(p.jaxpr)).toContain("exp");
    const d = dce(p);
    expect(String(d.jaxpr)).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }");
    expect(d.consts).toEqual([]);
  });

  it("cse reuses an identical earlier equation (same primitive, params and inputs)", () => {
    const p = traced((x) => x.sin().add(x.sin()).add(x.cos()), np.ones([2]));
    expect(String(dce(cse(p)).jaxpr)).toBe(
      "{ lambda ; a:f32[2]. let\n    b:f32[2] = sin a\n    c:f32[2] = add b b\n    d:f32[2] = cos a\n    e:f32[2] = add c d\n  in (e) }",
    );
  });

  it("cse treats commutative operations as equal in either operand order", () => {
    const p = traced((x) => x.mul(x.sin()).add(x.sin().mul(x)), np.ones([2]));
    expect(dce(cse(p)).jaxpr.eqns.map((e) => e.prim.name)).toEqual(["sin", "mul", "add"]);
  });

  it("inlineCalls splices nested jit bodies, so CSE sees across calls", () => {
    const inner = jit((x: Tensor) => x.sin());
    const p = traced((x) => inner(x).add(inner(x)), np.ones([2]));
    expect(p.jaxpr.eqns.map((e) => e.prim.name)).toEqual(["jit", "jit", "add"]);
    expect(String(optimize(p).jaxpr)).toBe("{ lambda ; a:f32[2]. let b:f32[2] = sin a; c:f32[2] = add b b in (c) }");
  });

  it("cse keeps equations apart whose params differ (sums over different axes)", () => {
    const p = traced((x) => x.sum({ axis: 0 }).add(x.sum({ axis: 1 })), np.ones([2, 2]));
    const x = np.array([
      [1, 2],
      [3, 4],
    ]);
    expect(dce(cse(p)).jaxpr.eqns.filter((e) => e.prim.name === "reduce_sum")).toHaveLength(2);
    expect(run(dce(cse(p)), [x])).toEqual(run(p, [x]));
  });

  it("cse keeps literals that differ only in the sign of zero apart", () => {
    const p = traced((x) => x.mul(np.array(0)).add(x.mul(np.array(-0))), np.ones([]));
    expect(dce(cse(p)).jaxpr.eqns.filter((e) => e.prim.name === "mul")).toHaveLength(2);
  });

  it("fold evaluates single-element equations on literals", () => {
    const p = traced((x) => x.mul(np.array(2).mul(3)), np.ones([]));
    expect(String(p.jaxpr)).toBe(
      "{ lambda ; a:f32[]. let b:f32[] = mul 2.0:f32[] 3.0:f32[]; c:f32[] = mul a b in (c) }",
    );
    expect(String(dce(fold(p)).jaxpr)).toBe("{ lambda ; a:f32[]. let b:f32[] = mul a 6.0:f32[] in (b) }");
  });

  it("fold does not bake large broadcasts into constants", () => {
    const p = traced((x) => x.add(1), np.ones([1000]));
    expect(dce(fold(p)).jaxpr.eqns.map((e) => e.prim.name)).toEqual(["broadcast_in_dim", "add"]);
  });

  it("simplify: x·1, x/1, −(−x), reshape∘reshape, transpose∘transpose, broadcast∘broadcast", () => {
    const p = traced(
      (x) => x.mul(1).div(1).neg().neg().reshape([6]).reshape([3, 2]).transpose().transpose().transpose(),
      np.ones([2, 3]),
    );
    expect(String(dce(simplify(p)).jaxpr)).toBe(
      "{ lambda ; a:f32[2,3]. let\n    b:f32[3,2] = reshape[new_sizes=(3, 2)] a\n    c:f32[2,3] = transpose[permutation=(1, 0)] b\n  in (c) }",
    );
    const b = traced((x) => np.broadcastTo(np.broadcastTo(x, [2, 3]), [4, 2, 3]), np.ones([3]));
    expect(String(dce(simplify(b)).jaxpr)).toBe(
      "{ lambda ; a:f32[3]. let\n    b:f32[4,2,3] = broadcast_in_dim[broadcast_dimensions=(2,) shape=(4, 2, 3)] a\n  in (b) }",
    );
  });

  it("simplify keeps the rewrites that are not exact: x·0, x + (+0), x − (−0)", () => {
    const p = traced(
      (x) =>
        x
          .mul(0)
          .add(x.add(0))
          .add(x.sub(np.array(-0))),
      np.ones([]),
    );
    expect(dce(simplify(p)).jaxpr.eqns.map((e) => e.prim.name)).toEqual(["mul", "add", "add", "sub", "add"]);
    // and does the exact ones: x + (−0) → x, x − (+0) → x
    const q = traced((x) => x.add(np.array(-0)).sub(0), np.ones([]));
    expect(dce(simplify(q)).jaxpr.eqns).toEqual([]);
  });
});

describe("optimize (all passes to a fixed point)", () => {
  it("reduces the gradient of sum(sin(x)·x) to sin a + a·cos a", () => {
    const p = traced(
      grad((x: Tensor) => x.sin().mul(x).sum()),
      np.ones([3]),
    );
    expect(p.jaxpr.eqns.length).toBe(7);
    expect(String(optimize(p).jaxpr)).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = sin a
          c:f32[3] = cos a
          d:f32[3] = mul a c
          e:f32[3] = add b d
        in (e) }"
    `);
  });

  it("folds and simplifies grad(grad(sin)) to −1·sin a", () => {
    const p = traced(grad(grad((x: Tensor) => x.sin())), np.ones([]));
    expect(String(optimize(p).jaxpr)).toBe(
      "{ lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = mul -1.0:f32[] b in (c) }",
    );
  });

  it("changes no result bit, NaN, ±∞ and −0 included", () => {
    const specials = np.array([NaN, Infinity, -Infinity, -0, 0, 1.5], { dtype: "float64" });
    const fs: ((x: Tensor) => Tensor)[] = [
      (x) => x.mul(0).add(x.add(0)).div(1).neg().neg(),
      (x) => np.divide(1, x.add(np.array(-0, { dtype: "float64" }))),
      (x) => np.where(np.greater(x, 0), x.mul(1), x.sub(0)),
      grad((x: Tensor) => x.mul(x).sin().sum()),
    ];
    for (const f of fs) {
      const p = traced(f, specials);
      expect(run(optimize(p), [specials])).toEqual(run(p, [specials]));
    }
  });
});
