// The public entry point: every export API.md lists (todo where not implemented yet).

import * as tg from "tracegrad";
import { describe, expect, it } from "vitest";

describe("exports", () => {
  it("the transforms present so far are functions", () => {
    for (const name of [
      "grad",
      "valueAndGrad",
      "vjp",
      "jvp",
      "jacfwd",
      "jacrev",
      "hessian",
      "vmap",
      "makeJaxpr",
      "stopGradient",
      "checkGrads",
    ] as const) {
      expect(tg[name], name).toBeTypeOf("function");
    }
  });

  it("the namespaces np, lax and tree, and the class Tensor", () => {
    expect(tg.np).toBeTypeOf("object");
    expect(tg.lax).toBeTypeOf("object");
    expect(tg.tree).toBeTypeOf("object");
    expect(tg.Tensor).toBeTypeOf("function");
  });

  it("stopGradient is also lax.stopGradient", () => {
    expect(tg.lax.stopGradient).toBe(tg.stopGradient);
  });

  it("every error class", () => {
    for (const name of [
      "TracegradError",
      "ShapeError",
      "DTypeError",
      "ConcretizationError",
      "UnexpectedTracerError",
      "GradientError",
      "GradientCheckError",
    ] as const) {
      expect(tg[name], name).toBeTypeOf("function");
      expect(new tg[name]("m")).toBeInstanceOf(Error);
    }
  });

  it("np has the functions API.md lists and the library has implemented", () => {
    const present = [
      "array",
      "zeros",
      "ones",
      "full",
      "zerosLike",
      "onesLike",
      "arange",
      "linspace",
      "eye",
      "add",
      "subtract",
      "multiply",
      "divide",
      "power",
      "negative",
      "exp",
      "log",
      "sqrt",
      "square",
      "sin",
      "cos",
      "tanh",
      "abs",
      "maximum",
      "minimum",
      "clip",
      "where",
      "equal",
      "notEqual",
      "less",
      "lessEqual",
      "greater",
      "greaterEqual",
      "sum",
      "mean",
      "max",
      "min",
      "dot",
      "matmul",
      "outer",
      "reshape",
      "transpose",
      "expandDims",
      "squeeze",
      "broadcastTo",
      "concatenate",
      "stack",
      "astype",
    ];
    for (const name of present) expect((tg.np as Record<string, unknown>)[name], `np.${name}`).toBeTypeOf("function");
  });

  it("jit is a function whose results have lower() and a cacheSize", () => {
    expect(tg.jit).toBeTypeOf("function");
    const f = tg.jit((x: tg.Tensor) => x.mul(2));
    expect(f.lower).toBeTypeOf("function");
    expect(f.cacheSize).toBe(0);
    expect(f(3).item()).toBe(6);
    expect(f.cacheSize).toBe(1);
    const { jaxpr, source } = f.lower(3);
    expect(jaxpr).toBeInstanceOf(tg.ClosedJaxpr);
    expect(source).toBeTypeOf("string");
  });

  it("the nn namespace has every function API.md lists", () => {
    expect(tg.nn).toBeTypeOf("object");
    for (const name of [
      "relu",
      "sigmoid",
      "softplus",
      "logSigmoid",
      "gelu",
      "tanh",
      "softmax",
      "logSoftmax",
      "logsumexp",
      "oneHot",
    ] as const) {
      expect(tg.nn[name], `nn.${name}`).toBeTypeOf("function");
    }
  });

  it("np has log1p expm1 tan sign prod argmax argmin take slice", () => {
    for (const name of ["log1p", "expm1", "tan", "sign", "prod", "argmax", "argmin", "take", "slice"] as const) {
      expect(tg.np[name], `np.${name}`).toBeTypeOf("function");
    }
  });

  it("Tensor has slice and at, and at(...) returns set/add/mul", () => {
    const x = tg.np.array([1, 2, 3]);
    expect(x.slice).toBeTypeOf("function");
    expect(x.at).toBeTypeOf("function");
    const u = x.at(0);
    for (const m of ["set", "add", "mul"] as const) expect(u[m], `at(...).${m}`).toBeTypeOf("function");
    expect(x.slice(-1).item()).toBe(3);
    expect(u.set(7).toArray()).toEqual([7, 2, 3]);
  });
});
