// typecheckJaxpr (Right with output avals / Left on hand-built bad jaxprs) and evalJaxpr (reproduces eager results).
import * as E from "fp-ts/Either";
import {
  type Eqn,
  evalJaxpr,
  grad,
  Jaxpr,
  makeJaxpr,
  np,
  ShapedArray,
  type Tensor,
  TracegradError,
  typecheckJaxpr,
  Var,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { Lit } from "../../src/ir/jaxpr.js";
import { addP } from "../../src/primitives/elementwise/add.js";
import { sinP } from "../../src/primitives/elementwise/sin_cos.js";
import { reduceSumP } from "../../src/primitives/structure/broadcast_and_sum.js";
import { catchError, expectClose } from "../helpers.js";

const f32 = (...shape: number[]) => new ShapedArray(shape, "float32");
const eqn = (prim: Eqn["prim"], inputs: Eqn["inputs"], params: unknown, outs: Var[]): Eqn => ({
  prim,
  inputs,
  params,
  outs,
});

/** The Left's message, or fails the test. */
function leftMessage(r: E.Either<TracegradError, ShapedArray[]>): string {
  if (E.isRight(r)) throw new Error(`expected Left, got Right ${r.right.map(String).join(", ")}`);
  expect(r.left).toBeInstanceOf(TracegradError);
  return r.left.message;
}

describe("typecheckJaxpr", () => {
  it("accepts traced jaxprs and returns their output types", () => {
    const r = typecheckJaxpr(makeJaxpr((x: Tensor) => x.sin().sum())(np.ones([3])).jaxpr);
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) expect(r.right.map(String)).toEqual(["f32[]"]);
  });

  it("accepts gradient jaxprs with constvars, multiple outputs and literals", () => {
    const W = np.array(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64" },
    );
    const g = grad((x: Tensor) => W.matmul(x).tanh().sum());
    const j = makeJaxpr((x: Tensor) => [g(x), x.mul(2), np.array(1, { dtype: "int32" })])(
      np.ones([2], { dtype: "float64" }),
    );
    const r = typecheckJaxpr(j.jaxpr);
    expect(E.isRight(r) && r.right.map(String)).toEqual(["f64[2]", "f64[2]", "i32[]"]);
  });

  it("a hand-built good jaxpr typechecks", () => {
    const a = new Var(f32(3));
    const b = new Var(f32(3));
    const c = new Var(f32());
    const j = new Jaxpr([], [a], [eqn(sinP, [a], {}, [b]), eqn(reduceSumP, [b], { axes: [0] }, [c])], [c]);
    expect(String(j)).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }");
    const r = typecheckJaxpr(j);
    expect(E.isRight(r) && r.right.map(String)).toEqual(["f32[]"]);
  });

  it("Left: a variable used before it is bound", () => {
    const a = new Var(f32(3));
    const unbound = new Var(f32(3));
    const out = new Var(f32(3));
    const msg = leftMessage(typecheckJaxpr(new Jaxpr([], [a], [eqn(sinP, [unbound], {}, [out])], [out])));
    expect(msg).toMatch(/equation 0 \(sin\) uses a variable of type f32\[3\] before it is bound/);
  });

  it("Left: a variable used before the equation that binds it", () => {
    const a = new Var(f32(2));
    const b = new Var(f32(2));
    const c = new Var(f32(2));
    const msg = leftMessage(
      typecheckJaxpr(new Jaxpr([], [a], [eqn(addP, [a, c], {}, [b]), eqn(sinP, [a], {}, [c])], [b])),
    );
    expect(msg).toMatch(/equation 0 \(add\)/);
  });

  it("Left: an equation whose declared output type is wrong", () => {
    const a = new Var(f32(3));
    const bad = new Var(f32(2));
    const msg = leftMessage(typecheckJaxpr(new Jaxpr([], [a], [eqn(sinP, [a], {}, [bad])], [bad])));
    expect(msg).toMatch(/equation 0 \(sin\) declares outputs f32\[2\] but its inputs give f32\[3\]/);
    const wrongDtype = new Var(new ShapedArray([3], "float64"));
    expect(leftMessage(typecheckJaxpr(new Jaxpr([], [a], [eqn(sinP, [a], {}, [wrongDtype])], [wrongDtype])))).toMatch(
      /f64\[3\].*f32\[3\]/,
    );
  });

  it("Left: the primitive's own shape rule fails (add of [2] and [3])", () => {
    const a = new Var(f32(2));
    const b = new Var(f32(3));
    const c = new Var(f32(2));
    const msg = leftMessage(typecheckJaxpr(new Jaxpr([], [a, b], [eqn(addP, [a, b], {}, [c])], [c])));
    expect(msg).toMatch(/add.*\[2\].*\[3\]/);
  });

  it("Left: a variable bound twice", () => {
    const a = new Var(f32(2));
    const msg = leftMessage(typecheckJaxpr(new Jaxpr([], [a], [eqn(sinP, [a], {}, [a])], [a])));
    expect(msg).toMatch(/bound twice/);
    expect(leftMessage(typecheckJaxpr(new Jaxpr([a], [a], [], [a])))).toMatch(/bound twice/);
  });

  it("Left: an output that is never bound", () => {
    const a = new Var(f32(2));
    expect(leftMessage(typecheckJaxpr(new Jaxpr([], [a], [], [new Var(f32(2))])))).toMatch(
      /the output uses a variable/,
    );
  });

  it("literals need no binding", () => {
    const a = new Var(f32());
    const b = new Var(f32());
    const r = typecheckJaxpr(new Jaxpr([], [a], [eqn(addP, [a, new Lit(np.array(2))], {}, [b])], [b]));
    expect(E.isRight(r)).toBe(true);
  });
});

describe("evalJaxpr", () => {
  it("reproduces the eager result, also on inputs other than the traced ones", () => {
    const fn = (x: Tensor) => x.sin().mul(x).sum();
    const j = makeJaxpr(fn)(np.ones([3]));
    for (const v of [
      [0, 1, 2],
      [-1.5, 0.25, 3],
    ]) {
      const x = np.array(v);
      const [out] = evalJaxpr(j.jaxpr, j.consts, [x]);
      expectClose(out, fn(x).item() as number);
      expectClose(
        out,
        v.reduce((s, a) => s + Math.sin(a) * a, 0),
        { rtol: 1e-6 },
      );
    }
  });

  it("uses the captured constants and returns every output", () => {
    const W = np.array([
      [1, 2],
      [3, 4],
    ]);
    const fn = (x: Tensor) => [W.matmul(x), x.exp()];
    const j = makeJaxpr(fn)(np.ones([2]));
    const outs = evalJaxpr(j.jaxpr, j.consts, [np.array([1, -1])]);
    expectClose(outs[0], [-1, -1]);
    expectClose(outs[1], [Math.E, Math.exp(-1)]);
  });

  it("evaluates a gradient jaxpr to the gradient", () => {
    const j = makeJaxpr(grad((x: Tensor) => x.mul(x).mul(x).sum()))(np.ones([2]));
    expectClose(evalJaxpr(j.jaxpr, j.consts, [np.array([2, -3])])[0], [12, 27]);
  });

  it("is differentiable (it binds primitives at the current trace)", () => {
    const j = makeJaxpr((x: Tensor) => x.sin().sum())(np.ones([2]));
    const g = grad((x: Tensor) => evalJaxpr(j.jaxpr, j.consts, [x])[0]!)(np.array([0, 1]));
    expectClose(g, [1, Math.cos(1)]);
  });

  it("for a variety of functions, makeJaxpr(grad(f)) typechecks and evaluates to the eager gradient", () => {
    const W = np.array(
      [
        [0.5, -1],
        [2, 0.25],
        [1, 1],
      ],
      { dtype: "float64" },
    );
    const fns: ((x: Tensor) => Tensor)[] = [
      (x) => x.sin().mul(x.cos()).sum(),
      (x) => x.exp().div(x.exp().sum()).max(),
      (x) => W.matmul(x).tanh().sum(),
      (x) => np.maximum(x, 0.5).pow(2).mean(),
      (x) => np.concatenate([x, x.sqrt()]).reshape([2, 2]).transpose().sum({ axis: 0 }).log().sum(),
      (x) => np.where(np.greater(x, 1), x.mul(3), x.neg()).sum(),
      (x) => np.outer(x, x).sum({ axis: -1, keepdims: true }).min(),
    ];
    const x = np.array([0.7, 1.3], { dtype: "float64" });
    for (const fn of fns) {
      const j = makeJaxpr(grad(fn))(x);
      const r = typecheckJaxpr(j.jaxpr);
      expect(E.isRight(r) && r.right.map(String), String(j)).toEqual(["f64[2]"]);
      expect(evalJaxpr(j.jaxpr, j.consts, [x])[0]!.toArray()).toEqual(grad(fn)(x).toArray());
    }
  });

  it("throws when the number of constants or arguments is wrong", () => {
    const j = makeJaxpr((x: Tensor) => x.neg())(np.ones([2]));
    const e = catchError(() => evalJaxpr(j.jaxpr, j.consts, []), TracegradError);
    expect(e.message).toMatch(/evalJaxpr: the jaxpr takes 1 argument, got 0/);
  });
});
