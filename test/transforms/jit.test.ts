// jit: one trace per input signature (cache, LRU eviction, staticArgnums), lower(), composition with the other
// transforms (nested jit, closures over outer tracers, grad/vmap through jit), pytrees, and its typed errors.

import {
  ConcretizationError,
  evalJaxpr,
  grad,
  jit,
  jvp,
  makeJaxpr,
  np,
  type Tensor,
  TracegradError,
  UnexpectedTracerError,
  vjp,
  vmap,
} from "tracegrad";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { traceDepth } from "../../src/ir/trace.js";
import { catchError, expectClose, expectTensor } from "../helpers.js";

afterEach(() => {
  expect(traceDepth(), "nothing left on the trace stack").toBe(0);
});

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });

/** `f` jitted, with a counter of how often jit traced it (the side effect only tracing performs). */
function counted<A extends unknown[], R>(f: (...args: A) => R, opts?: Parameters<typeof jit>[1]) {
  const log = { traces: 0 };
  const tracing = (...args: A): R => {
    log.traces++;
    return f(...args);
  };
  Object.defineProperty(tracing, "name", { value: f.name }); // jit names equations and errors after f
  return { jf: jit(tracing, opts), log };
}

describe("cache: one trace per signature", () => {
  it("nothing is traced until the first call; then one trace serves every call with the same signature", () => {
    const { jf, log } = counted((x: Tensor) => x.sin().mul(2));
    expect([log.traces, jf.cacheSize]).toEqual([0, 0]);
    expectClose(jf(f64([0, 1])), [0, 2 * Math.sin(1)], { rtol: 1e-15 });
    expectClose(jf(f64([2, 3])), [2 * Math.sin(2), 2 * Math.sin(3)], { rtol: 1e-15 });
    expectClose(jf(f64([4, 5])), [2 * Math.sin(4), 2 * Math.sin(5)], { rtol: 1e-15 });
    expect([log.traces, jf.cacheSize]).toEqual([1, 1]);
  });

  it("side effects run while tracing only, and cached calls still compute from their own inputs", () => {
    const seen: string[] = [];
    const jf = jit((x: Tensor) => {
      seen.push(`traced ${x.dtype}[${x.shape.join(",")}]`);
      return x.add(1);
    });
    expectTensor(jf(np.array([1, 2])), [2, 3]);
    expectTensor(jf(np.array([5, 6])), [6, 7]);
    expectTensor(jf(np.array([7, 8, 9])), [8, 9, 10]);
    expectTensor(jf(np.array([0, 0, 0])), [1, 1, 1]);
    expect(seen).toEqual(["traced float32[2]", "traced float32[3]"]);
  });

  it("retraces for a new shape, dtype, rank, pytree structure or number of arguments — never fails on them", () => {
    const { jf, log } = counted((...args: unknown[]) => np.array(args.length));
    const calls: [string, unknown[]][] = [
      ["f32[3]", [np.ones([3])]],
      ["f32[4] (shape)", [np.ones([4])]],
      ["f32[2,2] (rank)", [np.ones([2, 2])]],
      ["f64[3] (dtype)", [np.ones([3], { dtype: "float64" })]],
      ["i32[3] (dtype)", [np.arange(3)]],
      ["bool[3] (dtype)", [np.array([true, false, true])]],
      ["[f32[3]] (array)", [[np.ones([3])]]],
      ["{a: f32[3]} (object)", [{ a: np.ones([3]) }]],
      ["{b: f32[3]} (key)", [{ b: np.ones([3]) }]],
      ["[f32[3], null]", [[np.ones([3]), null]]],
      ["[f32[3], undefined]", [[np.ones([3]), undefined]]],
      ["two arguments", [np.ones([3]), np.ones([3])]],
      ["no arguments", []],
    ];
    calls.forEach(([what, args], i) => {
      jf(...args);
      expect(log.traces, `a new trace for ${what}`).toBe(i + 1);
    });
    // all of them again: every one is cached
    for (const [, args] of calls) jf(...args);
    expect([log.traces, jf.cacheSize]).toEqual([calls.length, calls.length]);
  });

  it("a wrong-dtype or wrong-shape call retraces (computing in that dtype) rather than failing", () => {
    const { jf, log } = counted((x: Tensor) => x.mul(x).sum());
    expectTensor(jf(np.array([1.5, 2])), 6.25, "float32");
    expectTensor(jf(np.arange(4)), 14, "int32");
    expectTensor(
      jf(
        f64([
          [1, 2],
          [3, 4],
        ]),
      ),
      30,
      "float64",
    );
    expect(log.traces).toBe(3);
  });

  it("JS numbers are float32 0-d arguments: the same signature as a 0-d float32 tensor", () => {
    const { jf, log } = counted((a: Tensor, b: Tensor) => a.mul(b));
    expectTensor(jf(2, 3), 6, "float32");
    expectTensor(jf(np.array(4), 0.5), 2, "float32");
    expect(log.traces).toBe(1);
    expectTensor(jf(f64(4), 0.5), 2, "float64"); // float64 × weak number: a new signature
    expect(log.traces).toBe(2);
  });

  it("LRU eviction with the cacheSize option: the least recently used signature is dropped and retraced", () => {
    const { jf, log } = counted((x: Tensor) => x.neg(), { cacheSize: 2 });
    const [a, b, c] = [np.ones([1]), np.ones([2]), np.ones([3])];
    const traced = (x: Tensor): boolean => {
      const before = log.traces;
      jf(x);
      return log.traces > before;
    };
    expect([traced(a), traced(b), jf.cacheSize]).toEqual([true, true, 2]);
    expect(traced(a), "a is cached").toBe(false); // a becomes the most recently used
    expect(traced(c), "c evicts b, the least recently used").toBe(true);
    expect(jf.cacheSize).toBe(2);
    expect(traced(a), "a survived").toBe(false);
    expect(traced(c), "c is cached").toBe(false);
    expect(traced(b), "b was evicted: retraced (evicting a)").toBe(true);
    expect(traced(a), "a was evicted in turn").toBe(true);
    expect(jf.cacheSize).toBe(2);
  });

  it("LRU order stays exact when flat tensor calls (the fast path) alternate with pytree calls", () => {
    const { jf, log } = counted((x: Tensor | { v: Tensor }) => ("v" in x ? x.v : x).neg(), { cacheSize: 2 });
    const a = np.ones([1]);
    const p = { v: np.ones([2]) };
    const traced = (x: Tensor | { v: Tensor }): boolean => {
      const before = log.traces;
      jf(x);
      return log.traces > before;
    };
    expect([traced(a), traced(a), traced(p)]).toEqual([true, false, true]);
    expect(traced(a), "a, called through the fast path, becomes the most recently used").toBe(false);
    expect(traced(np.ones([3])), "a new signature evicts p, not a").toBe(true);
    expect(traced(a), "a survived").toBe(false);
    expect(traced(p), "p was evicted").toBe(true);
    expect(traced(np.ones([3])), "[3] was evicted by p").toBe(true);
    expect(traced(a), "and a by [3]: the fast path does not keep an evicted signature").toBe(true);
    expect(log.traces).toBe(6);
  });

  it("the default cache keeps 64 signatures", () => {
    const { jf, log } = counted((x: Tensor) => x.sum());
    for (let n = 1; n <= 65; n++) jf(np.zeros([n]));
    expect([log.traces, jf.cacheSize]).toEqual([65, 64]);
    jf(np.zeros([65]));
    expect(log.traces, "the newest is cached").toBe(65);
    jf(np.zeros([1]));
    expect(log.traces, "the oldest was evicted").toBe(66);
  });

  it("cacheSize: 0 keeps nothing: every call traces", () => {
    const { jf, log } = counted((x: Tensor) => x.mul(2), { cacheSize: 0 });
    expectTensor(jf(np.array([1, 2])), [2, 4]);
    expectTensor(jf(np.array([1, 2])), [2, 4]);
    expect([log.traces, jf.cacheSize]).toEqual([2, 0]);
  });

  it("the cacheSize property counts signatures per jitted function and is read-only in its type", () => {
    const { jf } = counted((x: Tensor) => x.exp());
    const other = jit((x: Tensor) => x.exp());
    jf(np.ones([2]));
    jf(np.ones([3]));
    expect([jf.cacheSize, other.cacheSize]).toEqual([2, 0]);
    expectTypeOf(jf.cacheSize).toEqualTypeOf<number>();
    // @ts-expect-error cacheSize is readonly
    const assign = () => (jf.cacheSize = 0);
    void assign;
  });

  it("a failed trace caches nothing: the next call traces again, and the trace stack is clean", () => {
    let fail = true;
    const { jf, log } = counted((x: Tensor) => {
      if (fail) throw new Error("boom");
      return x.mul(2);
    });
    expect(() => jf(np.ones([2]))).toThrow("boom");
    expect([log.traces, jf.cacheSize]).toEqual([1, 0]);
    fail = false;
    expectTensor(jf(np.ones([2])), [2, 2]);
    expect([log.traces, jf.cacheSize]).toEqual([2, 1]);
  });

  it("grad, jvp, vjp, vmap, makeJaxpr and an outer jit of a jitted function reuse its trace for the same per-example signature", () => {
    const { jf, log } = counted(function f(x: Tensor) {
      return x.sin().mul(x).sum();
    });
    const x = f64([0.5, 1, 2]);
    jf(x);
    grad(jf)(x);
    jvp(jf, [x], [x]);
    vjp(jf, x)[1](f64(1));
    expectClose(
      vmap(jf)(
        f64([
          [0.5, 1, 2],
          [0, 0, 0],
        ]),
      ),
      [0.5 * Math.sin(0.5) + Math.sin(1) + 2 * Math.sin(2), 0],
      { rtol: 1e-15 },
    );
    makeJaxpr(jf)(x);
    jit((y: Tensor) => jf(y).mul(2))(x);
    expect(log.traces).toBe(1);
  });
});

describe("staticArgnums", () => {
  it("a static argument is a plain JS value inside f, baked into the trace; each value is its own signature", () => {
    const kinds: string[] = [];
    const { jf, log } = counted(
      (x: Tensor, k: number) => {
        kinds.push(typeof k);
        return x.mul(k);
      },
      { staticArgnums: 1 },
    );
    expectTensor(jf(np.array([1, 2]), 3), [3, 6]);
    expectTensor(jf(np.array([4, 5]), 3), [12, 15]);
    expectTensor(jf(np.array([1, 2]), 10), [10, 20]);
    expect([log.traces, jf.cacheSize]).toEqual([2, 2]);
    expect(kinds).toEqual(["number", "number"]);
    expect(String(jf.lower(np.array([1, 2]), 3).jaxpr)).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2]. let
          b:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 3.0:f32[]
          c:f32[2] = mul a b
        in (c) }"
    `);
  });

  it("an array of indices, negative indices, and strings, booleans, null and nested plain data as static values", () => {
    type Cfg = { op: "sin" | "cos"; scale: number[] };
    const { jf, log } = counted(
      (flag: boolean, x: Tensor, cfg: Cfg, none: null) => {
        expect(none).toBeNull();
        const y = cfg.op === "sin" ? x.sin() : x.cos();
        return (flag ? y.neg() : y).mul(cfg.scale[0]!);
      },
      { staticArgnums: [0, -2, -1] },
    );
    const x = f64([0.25]);
    expectClose(jf(true, x, { op: "sin", scale: [2] }, null), [-2 * Math.sin(0.25)], { rtol: 1e-15 });
    expectClose(jf(true, x, { op: "sin", scale: [2] }, null), [-2 * Math.sin(0.25)], { rtol: 1e-15 });
    expect(log.traces).toBe(1);
    expectClose(jf(false, x, { op: "sin", scale: [2] }, null), [2 * Math.sin(0.25)], { rtol: 1e-15 });
    expectClose(jf(false, x, { op: "cos", scale: [2] }, null), [2 * Math.cos(0.25)], { rtol: 1e-15 });
    expectClose(jf(false, x, { op: "cos", scale: [3] }, null), [3 * Math.cos(0.25)], { rtol: 1e-15 });
    expect(log.traces).toBe(4);
  });

  it("NaN, Infinity, -Infinity and null as static values are different signatures", () => {
    const jf = jit((x: Tensor, s: number | null) => (s === null ? x : x.mul(s)), { staticArgnums: 1 });
    const x = np.array([1, -1]);
    expectTensor(jf(x, Infinity), [Infinity, -Infinity]);
    expectTensor(jf(x, NaN), [NaN, NaN]);
    expectTensor(jf(x, -Infinity), [-Infinity, Infinity]);
    expectTensor(jf(x, null), [1, -1]);
  });

  it("static arguments work under grad of the jitted function", () => {
    const jf = jit((x: Tensor, k: number) => x.mul(k).sin().sum(), { staticArgnums: 1 });
    expectClose(grad(jf)(f64([0.5, 1]), 3), [3 * Math.cos(1.5), 3 * Math.cos(3)], { rtol: 1e-15 });
  });

  it("an index out of range (positive, negative, not an integer) is a TracegradError naming it and the argument count", () => {
    const body = (x: Tensor, k: number) => x.mul(k);
    for (const [nums, shown] of [
      [2, "2"],
      [-3, "-3"],
      [[0, 5], "5"],
      [0.5, "0.5"],
    ] as const) {
      const e = catchError(() => jit(body, { staticArgnums: nums })(np.ones([2]), 3), TracegradError);
      expect(e.message).toContain(`staticArgnums ${shown} is out of range for a call with 2 arguments`);
      expect(e.message).toMatch(/^jit\(body\)/);
    }
  });

  it("a static value that cannot be compared by value (tensor, function, class instance) is a TracegradError saying what to do", () => {
    class Config {
      scale = 2;
    }
    const cases: [unknown, string | null][] = [
      [np.array(2), "Tensor"],
      [(t: Tensor) => t.sin(), "function"],
      [new Config(), "Config"],
      // inside plain data too
      [[1, np.array(2)], null],
      [{ nested: new Map() }, null],
    ];
    for (const [value, kind] of cases) {
      const { jf, log } = counted((x: Tensor, _v: unknown) => x, { staticArgnums: 1 });
      const e = catchError(() => jf(np.ones([2]), value), TracegradError);
      expect(e.message, String(kind)).toMatch(/static argument 1 is not hashable/);
      if (kind) expect(e.message, kind).toContain(`(${kind})`);
      expect(e.message, String(kind)).toMatch(/pass tensors as ordinary arguments/);
      expect([log.traces, jf.cacheSize], "rejected before tracing").toEqual([0, 0]);
    }
  });
});

describe("lower", () => {
  it("jit(grad(x ↦ Σ x·sin x)).lower(x) is the optimised jaxpr: sin, cos, mul, add", () => {
    const lowered = jit(grad((x: Tensor) => x.sin().mul(x).sum())).lower(np.array([1, 2, 3]));
    expect(String(lowered.jaxpr)).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = sin a
          c:f32[3] = cos a
          d:f32[3] = mul a c
          e:f32[3] = add b d
        in (e) }"
    `);
    expect(lowered.source).toBeTypeOf("string");
    expect(lowered.source.length).toBeGreaterThan(0);
  });

  it("drops x·1, x − 0 and duplicate work, and traces only once with the calls that follow", () => {
    const { jf, log } = counted((x: Tensor) => x.mul(1).add(x.sin()).add(x.sin()).sub(0));
    const x = np.array([1, 2, 3]);
    expect(String(jf.lower(x).jaxpr)).toMatchInlineSnapshot(
      `"{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = add a b; d:f32[3] = add c b in (d) }"`,
    );
    expect(jf.lower(x).jaxpr.jaxpr.eqns.length).toBe(3);
    jf(x);
    expect([log.traces, jf.cacheSize]).toEqual([1, 1]);
  });

  it("the lowered jaxpr computes what the function computes", () => {
    const f = (x: Tensor, y: Tensor) => x.matmul(y).tanh().sum({ axis: 0 });
    const [x, y] = [
      f64([
        [1, 2],
        [3, 4],
      ]),
      f64([
        [0.1, -0.2],
        [0.3, 0.05],
      ]),
    ];
    const { jaxpr } = jit(f).lower(x, y);
    expectTensor(evalJaxpr(jaxpr.jaxpr, jaxpr.consts, [x, y])[0], f(x, y).toArray() as number[]);
  });
});

describe("composition", () => {
  it("nested jit: the inner jit is an equation of the outer one, and inner and outer are traced once", () => {
    const inner = counted(function inner(y: Tensor) {
      return y.sin();
    });
    const outer = counted(function outer(y: Tensor) {
      return inner.jf(y).mul(2);
    });
    const x = f64([0.5, 1]);
    expectClose(outer.jf(x), [2 * Math.sin(0.5), 2 * Math.sin(1)], { rtol: 1e-15 });
    expectClose(outer.jf(f64([2, 3])), [2 * Math.sin(2), 2 * Math.sin(3)], { rtol: 1e-15 });
    expect([inner.log.traces, outer.log.traces]).toEqual([1, 1]);
    expect(String(makeJaxpr(outer.jf)(x))).toMatchInlineSnapshot(`
      "{ lambda ; a:f64[2]. let
          b:f64[2] = jit[name=outer jaxpr={ lambda ; a:f64[2]. let
              b:f64[2] = jit[name=inner jaxpr={ lambda ; a:f64[2]. let b:f64[2] = sin a in (b) }] a
              c:f64[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 2.0:f64[]
              d:f64[2] = mul b c
            in (d) }] a
        in (b) }"
    `);
    // lower() may inline the inner call; the program it gives computes the same
    const { jaxpr } = outer.jf.lower(x);
    expectTensor(evalJaxpr(jaxpr.jaxpr, jaxpr.consts, [x])[0], outer.jf(x).toArray() as number[]);
    expectClose(grad((y: Tensor) => outer.jf(y).sum())(x), [2 * Math.cos(0.5), 2 * Math.cos(1)], { rtol: 1e-15 });
  });

  it("jit of a function closing over an outer tracer: d/dx jit(y ↦ x·y)(3) = 3, with x an input of the jit call", () => {
    const jitted: { cacheSize: number }[] = [];
    const f = (x: Tensor) => {
      const jf = jit((y: Tensor) => x.mul(y));
      jitted.push(jf);
      return jf(3);
    };
    expectTensor(grad(f)(np.array(2)), 3, "float32");
    expectTensor(grad(f)(np.array(5)), 3, "float32");
    expect(
      jitted.map((j) => j.cacheSize),
      "traces holding tracers of the caller are not cached",
    ).toEqual([0, 0]);
    expect(String(makeJaxpr(f)(np.array(2)))).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[]. let
          b:f32[] = jit[name=<anonymous> jaxpr={ lambda ; a:f32[] b:f32[]. let c:f32[] = mul a b in (c) }] a 3.0:f32[]
        in (b) }"
    `);
    // a nonlinear closure, under grad, jvp and vmap
    const g = (x: Tensor) => jit((y: Tensor) => x.sin().mul(y).mul(x))(3);
    const dg = (x: number) => 3 * (Math.cos(x) * x + Math.sin(x));
    expectClose(grad(g)(f64(2)), dg(2), { rtol: 1e-15 });
    expectClose(jvp(g, [f64(2)], [f64(1)])[1], dg(2), { rtol: 1e-15 });
    expectClose(vmap(g)(f64([1, 2])), [3 * Math.sin(1), 6 * Math.sin(2)], { rtol: 1e-15 });
    expectClose(vmap(grad(g))(f64([1, 2])), [dg(1), dg(2)], { rtol: 1e-15 });
  });

  it("makeJaxpr(grad(jit f)) holds two jit equations: the known part (primal and residuals) and the transposed part", () => {
    const f = jit(function f(x: Tensor) {
      return x.sin().mul(x).sum();
    });
    const x = np.array([1, 2, 3]);
    const closed = makeJaxpr(grad(f))(x);
    expect(closed.jaxpr.eqns.map((e) => [e.prim.name, (e.params as { name: string }).name])).toEqual([
      ["jit", "jvp(f)"],
      ["jit", "transpose(jvp(f))"],
    ]);
    const printed = String(closed);
    expect(printed).toContain("= jit[name=jvp(f) jaxpr={ lambda ; a:f32[3]. let");
    expect(printed).toContain("= jit[name=transpose(jvp(f)) jaxpr={ lambda ;");
    // the known part computes sin and cos; the transposed part consumes the residuals and the cotangent
    const [known, transposed] = closed.jaxpr.eqns;
    expect(String((known!.params as { jaxpr: unknown }).jaxpr)).toMatch(/sin a[\s\S]*cos a/);
    expect(transposed!.inputs[transposed!.inputs.length - 1]!._tag).toBe("Lit"); // the cotangent 1.0
    expectTensor(evalJaxpr(closed.jaxpr, closed.consts, [x])[0], grad(f)(x).toArray() as number[]);
  });

  it("grad of a jitted loss over a pytree of parameters, JS numbers among the arguments", () => {
    type P = { w: Tensor; b: Tensor[] };
    const loss = jit((p: P, x: Tensor, scale: Tensor) => p.w.mul(x).add(p.b[0]!).mul(scale).sum());
    const gp = grad(loss)({ w: f64([1, 2]), b: [f64(0.5)] }, f64([3, 4]), 2);
    expectTypeOf(gp).toEqualTypeOf<{ w: Tensor; b: Tensor[] }>();
    expectTensor(gp.w, [6, 8], "float64");
    expectTensor(gp.b[0], 4, "float64");
  });
});

describe("pytrees in and out", () => {
  it("object and array arguments and results keep their structure; null is an empty subtree; numbers become tensors", () => {
    const { jf, log } = counted((p: { w: Tensor; extra: null; rest: Tensor[] }, k: Tensor) => ({
      y: p.w.mul(p.rest[0]!),
      parts: [p.w.add(k), null, 7],
    }));
    const out = jf({ w: np.array([1, 2]), extra: null, rest: [np.array([3, 4])] }, 10);
    expectTypeOf(out.y).toEqualTypeOf<Tensor>();
    expect(Object.keys(out).sort()).toEqual(["parts", "y"]);
    expectTensor(out.y, [3, 8]);
    expect(out.parts).toHaveLength(3);
    expectTensor(out.parts[0], [11, 12]);
    expect(out.parts[1]).toBeNull();
    expectTensor(out.parts[2], 7, "float32");
    jf({ w: np.array([5, 6]), extra: null, rest: [np.array([1, 1])] }, 0);
    expect(log.traces).toBe(1);
  });

  it("an output that is an input, the same tensor twice, and a constant", () => {
    const x = np.array([1, 2]);
    const [a, b, c, d] = jit((y: Tensor) => [y, y.exp(), y.exp(), np.array([9, 9])])(x) as Tensor[];
    expectTensor(a, [1, 2]);
    expectTensor(b, c!.toArray() as number[]);
    expectTensor(d, [9, 9]);
  });

  it("a leaf that is not a tensor, number or boolean is a TracegradError naming the jitted function", () => {
    const e = catchError(
      () =>
        jit(function f(x: unknown) {
          return x;
        })("text"),
      TracegradError,
    );
    expect(e.message).toMatch(/^jit\(f\):/);
    expect(e.message).toContain("string");
  });
});

describe("errors while tracing", () => {
  it("JS control flow on a traced value: ConcretizationError naming the function and np.where", () => {
    function clipNegative(x: Tensor) {
      return +x.sum() > 0 ? x : x.neg();
    }
    const e = catchError(() => jit(clipNegative)(np.array([1, 2])), ConcretizationError);
    expect(e.message).toContain("jit traces function 'clipNegative'");
    expect(e.message).toContain("np.where");
    expect(catchError(() => jit((x: Tensor) => x.item())(np.array(1)), ConcretizationError).message).toContain(
      "item()",
    );
    // also when the jitted function is differentiated (jit abstracts its arguments even under grad)
    expect(catchError(() => grad(jit(clipNegative))(np.array(1)), ConcretizationError).message).toContain(
      "'clipNegative'",
    );
  });

  it("a tracer leaked from a jitted function: UnexpectedTracerError when it is used later", () => {
    let leaked: Tensor | undefined;
    const out = jit((x: Tensor) => {
      leaked = x;
      return x.mul(2);
    })(np.array([1, 2]));
    expectTensor(out, [2, 4]);
    const e = catchError(() => leaked!.add(1), UnexpectedTracerError);
    expect(e.message).toMatch(/created by jit/);
    expect(
      catchError(() => jit((y: Tensor) => y.add(leaked!))(np.array([1, 2])), UnexpectedTracerError),
    ).toBeInstanceOf(TracegradError);
    expect(
      catchError(() => grad((y: Tensor) => y.add(leaked!).sum())(np.array([1, 2])), UnexpectedTracerError),
    ).toBeInstanceOf(TracegradError);
  });

  it("an index out of bounds inside jit is a TracegradError naming the index and the axis size", () => {
    const e = catchError(
      () => jit((x: Tensor, i: Tensor) => np.take(x, i))(np.array([1, 2, 3]), np.array([5], { dtype: "int32" })),
      TracegradError,
    );
    expect(e.message).toMatch(/index 5 is out of bounds for axis 0 with size 3/);
  });
});

describe("jit cache keys and option validation", () => {
  it("object keys that print alike do not share a trace", () => {
    const f = jit((p: Record<string, unknown>) => Object.keys(p).length);
    const t = np.ones([1]);
    expect(Number(f({ "a: null, b": [t] }))).toBe(1);
    expect(Number(f({ a: null, b: [t] }))).toBe(2);
  });

  it("duplicate staticArgnums and a bad cacheSize are TracegradErrors", () => {
    const g = jit((x: Tensor, s: number) => x.mul(s), { staticArgnums: [1, -1] });
    expect(() => g(np.ones([1]), 2)).toThrow(/staticArgnums names an argument twice/);
    expect(() => jit((x: Tensor) => x, { cacheSize: -1 })).toThrow(/cacheSize must be a whole number ≥ 0/);
    expect(() => jit((x: Tensor) => x, { cacheSize: NaN })).toThrow(TracegradError);
  });
});
