// IR printing: makeJaxpr output for plain, differentiated, closed-over and multi-output functions (inline snapshots).

import { grad, jvp, makeJaxpr, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { varName } from "../../src/ir/pprint.js";

const f = (x: Tensor) => x.sin().sum();

describe("makeJaxpr printing", () => {
  it("prints API.md's example exactly", () => {
    const j = makeJaxpr(f)(np.ones([3]));
    expect(String(j)).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }");
    expect(String(j)).toMatchInlineSnapshot(
      `"{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }"`,
    );
  });

  it("grad(f): d/dx Σ sin x = cos x, as broadcast 1 · cos a", () => {
    expect(String(makeJaxpr(grad(f))(np.ones([3])))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = cos a
          c:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 1.0:f32[]
          d:f32[3] = mul c b
        in (d) }"
    `);
  });

  it("grad(grad(sin)) = −sin, with the unsimplified seed products", () => {
    const sin = (x: Tensor) => x.sin();
    expect(String(makeJaxpr(grad(grad(sin)))(np.array(1)))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[]. let
          b:f32[] = sin a
          c:f32[] = mul 1.0:f32[] 1.0:f32[]
          d:f32[] = neg c
          e:f32[] = mul d b
        in (e) }"
    `);
  });

  it("grad of tanh keeps the primal and uses 1 − tanh²", () => {
    expect(String(makeJaxpr(grad((x: Tensor) => x.tanh()))(np.array(1)))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[]. let
          b:f32[] = tanh a
          c:f32[] = mul b b
          d:f32[] = sub 1.0:f32[] c
          e:f32[] = mul 1.0:f32[] d
        in (e) }"
    `);
  });

  it("a captured tensor becomes a constvar", () => {
    const c = np.array([1, 2, 3]);
    const j = makeJaxpr((x: Tensor) => x.mul(c))(np.ones([3]));
    expect(String(j)).toMatchInlineSnapshot(`"{ lambda a:f32[3] ; b:f32[3]. let c:f32[3] = mul b a in (c) }"`);
    expect(j.consts).toHaveLength(1);
    expect(j.consts[0]).toBe(c);
  });

  it("a captured matrix under grad: the transpose of dot_general against the constant", () => {
    const W = np.array([
      [1, 2],
      [3, 4],
    ]);
    const j = makeJaxpr(grad((x: Tensor) => W.matmul(x).sum()))(np.ones([2]));
    expect(String(j)).toMatchInlineSnapshot(`
      "{ lambda a:f32[2,2] ; b:f32[2]. let
          c:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 1.0:f32[]
          d:f32[2,1] = reshape[new_sizes=(2, 1)] c
          e:f32[2,1] = dot_general[dimension_numbers=(([0], [0]), ([], []))] a d
          f:f32[2] = reshape[new_sizes=(2,)] e
        in (f) }"
    `);
    expect(j.consts[0]).toBe(W);
  });

  it("multiple outputs, and outputs that are literals", () => {
    expect(String(makeJaxpr((x: Tensor) => [x.exp(), x.mul(2)])(np.ones([3])))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = exp a
          c:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 2.0:f32[]
          d:f32[3] = mul a c
        in (b, d) }"
    `);
    expect(String(makeJaxpr((x: Tensor) => [x.sin(), np.array(2), 3])(np.ones([2])))).toMatchInlineSnapshot(
      `"{ lambda ; a:f32[2]. let b:f32[2] = sin a in (b, 2.0:f32[], 3.0:f32[]) }"`,
    );
  });

  it("scalar literals print inline with their dtype (float64, negative, int32)", () => {
    expect(
      String(makeJaxpr((x: Tensor) => x.mul(-0.5).add(2))(np.array(1, { dtype: "float64" }))),
    ).toMatchInlineSnapshot(`"{ lambda ; a:f64[]. let b:f64[] = mul a -0.5:f64[]; c:f64[] = add b 2.0:f64[] in (c) }"`);
    expect(String(makeJaxpr((x: Tensor) => x.mul(2).add(1))(np.array(1, { dtype: "int32" })))).toMatchInlineSnapshot(
      `"{ lambda ; a:i32[]. let b:i32[] = mul a 2:i32[]; c:i32[] = add b 1:i32[] in (c) }"`,
    );
  });

  it("float32 literals print at float32 precision, as JAX", () => {
    expect(String(makeJaxpr((x: Tensor) => x.mul(0.1))(np.array(1)))).toBe(
      "{ lambda ; a:f32[]. let b:f32[] = mul a 0.1:f32[] in (b) }",
    );
  });

  it("pytree arguments flatten to invars in leaf order; JS numbers are f32[] inputs", () => {
    const j = makeJaxpr((p: { b: Tensor; a: Tensor }, n: number) => p.a.mul(p.b).add(n))(
      { a: np.ones([2]), b: np.ones([2]) },
      3,
    );
    expect(String(j)).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2] b:f32[2] c:f32[]. let
          d:f32[2] = mul a b
          e:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] c
          f:f32[2] = add d e
        in (f) }"
    `);
    expect(j.inAvals.map(String)).toEqual(["f32[2]", "f32[2]", "f32[]"]);
    expect(j.outAvals.map(String)).toEqual(["f32[2]"]);
  });

  it("comparisons and select print bool types", () => {
    expect(String(makeJaxpr((x: Tensor) => np.where(np.greater(x, 0), x, 0))(np.ones([2])))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2]. let
          b:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 0.0:f32[]
          c:bool[2] = gt a b
          d:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 0.0:f32[]
          e:f32[2] = select c a d
        in (e) }"
    `);
  });

  it("matmul is one dot_general", () => {
    expect(
      String(makeJaxpr((a: Tensor, b: Tensor) => a.matmul(b))(np.ones([2, 3]), np.ones([3, 4]))),
    ).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2,3] b:f32[3,4]. let
          c:f32[2,4] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a b
        in (c) }"
    `);
  });

  it("jvp inside makeJaxpr: primal and tangent outputs", () => {
    const j = makeJaxpr((x: Tensor, t: Tensor) => jvp((y: Tensor) => y.sin(), [x], [t]))(np.array(1), np.array(1));
    expect(String(j)).toMatchInlineSnapshot(
      `"{ lambda ; a:f32[] b:f32[]. let c:f32[] = sin a; d:f32[] = cos a; e:f32[] = mul b d in (c, e) }"`,
    );
  });

  it("a closure over the outer tracer: grad in y of x·y is x", () => {
    const j = makeJaxpr((x: Tensor) => grad((y: Tensor) => x.mul(y))(np.array(3)))(np.array(2));
    expect(String(j)).toMatchInlineSnapshot(`"{ lambda ; a:f32[]. let b:f32[] = mul a 1.0:f32[] in (b) }"`);
  });

  it("the identity has no equations", () => {
    expect(String(makeJaxpr((x: Tensor) => x)(np.ones([2])))).toBe("{ lambda ; a:f32[2]. let in (a) }");
  });

  it("names variables a … z, then ba, bb …, as JAX", () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(varName)).toEqual(["a", "b", "z", "ba", "bb", "bz", "ca"]);
    const j = makeJaxpr((x: Tensor) => {
      let y = x;
      for (let i = 0; i < 30; i++) y = y.sin();
      return y;
    })(np.ones([]));
    const lines = String(j).split("\n");
    expect(lines.at(-2)).toBe("    be:f32[] = sin bd");
    expect(lines.at(-1)).toBe("  in (be) }");
  });

  it("records the pytree structure of inputs and outputs", () => {
    const j = makeJaxpr((p: { a: Tensor }) => ({ y: [p.a, p.a.neg()] }))({ a: np.ones([1]) });
    expect(j.inTree).toEqual({
      kind: "array",
      children: [{ kind: "object", keys: ["a"], children: [{ kind: "leaf" }] }],
    });
    expect(j.outTree).toEqual({
      kind: "object",
      keys: ["y"],
      children: [{ kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] }],
    });
  });
});
