// Where a Content-Security-Policy forbids code generation (`new Function` throws EvalError), jit interprets its
// optimised program and says so once per process; eager elementwise kernels fall back silently. Each test loads a
// fresh copy of the library (module state: the warned-once flag, kernel caches) with Function replaced.

import { grad, jit, np, type Tensor } from "tracegrad";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

type Lib = typeof import("../../src/index.js");

const RealFunction = globalThis.Function;
/** Function as under a CSP without 'unsafe-eval': constructing or calling it throws; instanceof still works. */
const NoEval = new Proxy(RealFunction, {
  construct: () => {
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source");
  },
  apply: () => {
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source");
  },
});

let lib: Lib;
let warn: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.stubGlobal("Function", NoEval);
  vi.resetModules();
  lib = await import("../../src/index.js");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The programs, written against whichever copy of the library `m` is. */
const programs = (m: Lib) => ({
  chain: (x: Tensor) => x.mul(1.5).sin().add(x.exp().mul(0.25)).tanh(),
  reduce: (x: Tensor) => [x.sin().sum({ axis: -1 }), x.cos().max(), x.mul(x).sum({ axis: 0 })],
  loss: (x: Tensor) => x.sin().mul(x).sum(),
  matmul: (x: Tensor, w: Tensor) => m.np.tanh(x.matmul(w).add(1)),
});

/** Bits and shape of every output, as plain data (the two library copies have different Tensor classes). */
const bits = (out: unknown): { shape: number[]; dtype: string; data: number[] }[] =>
  (Array.isArray(out) ? out : [out]).map((t: Tensor) => ({
    shape: [...t.shape],
    dtype: t.dtype,
    data: Array.from(t.toTypedArray(), Number),
  }));

const xs = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 1.3);
const ws = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.9) * 0.5);

describe("jit without code generation", () => {
  it("new Function really throws in these tests (and nothing else needed it to load the library)", () => {
    expect(() => new Function("return 1")).toThrow(EvalError);
    expect(jit instanceof Function, "instanceof still works").toBe(true);
  });

  it("gives eager's values bit for bit (fused chain, reductions, grad(jit f), jit(grad f), matmul) and warns exactly once", () => {
    const { jit: cspJit, grad: cspGrad, np: cspNp } = lib;
    const [x, w] = [cspNp.array(xs).reshape([3, 4]), cspNp.array(ws).reshape([4, 4])];
    const [x0, w0] = [np.array(xs).reshape([3, 4]), np.array(ws).reshape([4, 4])];
    const csp = programs(lib);
    const ref = programs({ np } as Lib);
    // the reference: the library loaded normally (generated eager kernels), un-jitted
    const want = {
      chain: bits(ref.chain(x0)),
      reduce: bits(ref.reduce(x0)),
      grad: bits(grad(ref.loss)(x0)),
      matmul: bits(ref.matmul(x0, w0)),
    };
    for (const float32 of ["fast", "exact"] as const) {
      expect(bits(cspJit(csp.chain, { float32 })(x)), `chain, ${float32}`).toEqual(want.chain);
      expect(bits(cspJit(csp.reduce, { float32 })(x)), `reductions, ${float32}`).toEqual(want.reduce);
      expect(bits(cspGrad(cspJit(csp.loss, { float32 }))(x)), `grad(jit f), ${float32}`).toEqual(want.grad);
      expect(bits(cspJit(cspGrad(csp.loss), { float32 })(x)), `jit(grad f), ${float32}`).toEqual(want.grad);
      expect(bits(cspJit(csp.matmul, { float32 })(x, w)), `matmul, ${float32}`).toEqual(want.matmul);
    }
    // un-jitted, in the CSP copy: the eager kernels' own fallback gives the same bits
    expect(bits(csp.chain(x))).toEqual(want.chain);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("falling back to the interpreter");
  });

  it("lower().source says the program is interpreted; the jaxpr is still the optimised one", () => {
    const { jit: cspJit, np: cspNp } = lib;
    const lowered = cspJit((x: Tensor) => x.sin().mul(2).sum()).lower(cspNp.ones([5]));
    expect(lowered.source).toMatch(/interpreted/);
    expect(lowered.source).not.toMatch(/function F\d/);
    expect(String(lowered.jaxpr)).toContain("reduce_sum");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("cached calls and new signatures do not warn again", () => {
    const { jit: cspJit, np: cspNp } = lib;
    const jf = cspJit((x: Tensor) => x.exp().sum());
    expect(jf(cspNp.array([0, 0, 0])).item()).toBe(3);
    expect(jf(cspNp.array([0, 0, 0])).item()).toBe(3);
    expect(jf(cspNp.array([0, 0], { dtype: "float64" })).item()).toBe(2);
    expect(cspJit((x: Tensor) => x.neg())(cspNp.array([1])).item()).toBe(-1);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe("after the globals are restored", () => {
  it("a fresh copy of the library generates code again", async () => {
    vi.unstubAllGlobals();
    vi.resetModules();
    const fresh: Lib = await import("../../src/index.js");
    const src = fresh.jit((x: Tensor) => x.sin().mul(2).sum()).lower(fresh.np.ones([5])).source;
    expect(src).toMatch(/function F0/);
    expect(warn).not.toHaveBeenCalled();
  });
});
