// Typed errors of the control-flow functions (class and message: which function, which leaf, both types, what to
// do), ConcretizationError naming the loop, the user's own errors passing through unchanged, a clean trace stack after
// each error; and weak typing of JS-number initial carries, as JAX.

import { afterEach, describe, expect, it } from "vitest";
import {
  ConcretizationError,
  DTypeError,
  GradientError,
  grad,
  jit,
  lax,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "../../src/index.js";
import { traceDepth } from "../../src/ir/trace.js";
import { catchError, expectClose, expectTensor, thrownBy } from "../helpers.js";
import { F64_TOL, f64, i32 } from "./util.js";

afterEach(() => {
  // nothing left on the trace stack, and the library still computes (a scan and its grad)
  expect(traceDepth()).toBe(0);
  const f = (x: Tensor) => lax.scan((c: Tensor, v: Tensor) => [c.mul(v), null] as const, x, f64([2, 3]))[0];
  expectTensor(f(f64(1)), 6);
  expectTensor(grad(f)(f64(1)), 6);
});

/** Asserts `f` throws exactly class `cls` (not a subclass, not a parent), returning the message. */
function errorOf(f: () => unknown, cls: typeof TracegradError): string {
  const e = catchError(f, cls);
  expect(e.constructor).toBe(cls);
  return e.message;
}

const id = (x: Tensor) => x;

describe("carry mismatches", () => {
  it("structure: a TracegradError naming both structures", () => {
    const m = errorOf(
      () =>
        lax.scan(
          (c: { h: Tensor }, x: Tensor) => [[c.h] as unknown as { h: Tensor }, x] as const,
          { h: f64([1, 2]) },
          f64([1, 2]),
        ),
      TracegradError,
    );
    expect(m).toMatch(/^lax\.scan:/);
    expect(m).toMatch(/structure/);
    expect(m).toMatch(/\[\*\]/);
    expect(m).toMatch(/\{h: \*\}/);
    expect(m).toMatch(/initial carry/);
  });

  it("shape: a ShapeError naming the leaf path .h and both shapes (f32[3] vs f32[4])", () => {
    const m = errorOf(
      () =>
        lax.scan(
          (_c: { h: Tensor }, x: Tensor) => [{ h: np.zeros([3]) }, x] as const,
          { h: np.zeros([4]) },
          f64([1, 2]),
        ),
      ShapeError,
    );
    expect(m).toMatch(/^lax\.scan:/);
    expect(m).toMatch(/\.h\b/);
    expect(m).toMatch(/f32\[3\]/);
    expect(m).toMatch(/f32\[4\]/);
  });

  it("dtype: a DTypeError naming a nested leaf path and both dtypes, and suggesting astype", () => {
    const m = errorOf(
      () =>
        lax.scan(
          (c: { a: [Tensor, Tensor] }, x: Tensor) =>
            [{ a: [c.a[0], c.a[1].astype("int32")] as [Tensor, Tensor] }, x] as const,
          { a: [f64(1), f64(2)] as [Tensor, Tensor] },
          f64([1, 2]),
        ),
      DTypeError,
    );
    expect(m).toMatch(/\.a\[1\]/);
    expect(m).toMatch(/i32\[\]/);
    expect(m).toMatch(/f64\[\]/);
    expect(m).toMatch(/astype/);
  });

  it("a float32 tensor init with a float64 body is a DTypeError (only JS numbers are weakly typed)", () => {
    const m = errorOf(
      () => lax.scan((c: Tensor, x: Tensor) => [c.add(x), null] as const, np.array(0), f64([1, 2])),
      DTypeError,
    );
    expect(m).toMatch(/f64\[\]/);
    expect(m).toMatch(/f32\[\]/);
  });

  it("whileLoop and foriLoop check their carries the same way", () => {
    const m = errorOf(
      () =>
        lax.whileLoop(
          (c: { h: Tensor }) => np.less(c.h.sum(), 1),
          (c: { h: Tensor }) => ({ h: c.h.reshape([1, 2]) }),
          { h: f64([0, 0]) },
        ),
      ShapeError,
    );
    expect(m).toMatch(/^lax\.whileLoop:/);
    expect(m).toMatch(/\.h\b/);
    expect(m).toMatch(/f64\[1,2\]/);
    expect(m).toMatch(/f64\[2\]/);
    const m2 = errorOf(() => lax.foriLoop(0, 3, (_i: Tensor, c: Tensor) => c.astype("float32"), f64(1)), DTypeError);
    expect(m2).toMatch(/^lax\.foriLoop:/);
    expect(m2).toMatch(/f32\[\]/);
    const m3 = errorOf(
      () =>
        lax.whileLoop(
          (c: Tensor) => np.less(c, 1),
          (c: Tensor) => [c] as never,
          f64(0),
        ),
      TracegradError,
    );
    expect(m3).toMatch(/structure/);
  });

  it("the same errors under jit, grad and vmap", () => {
    const bad = (x: Tensor) =>
      lax.scan((_c: { h: Tensor }, v: Tensor) => [{ h: v.reshape([1]) }, null] as const, { h: x }, f64([1, 2]));
    expect(errorOf(() => jit(bad)(f64(1)), ShapeError)).toMatch(/\.h/);
    expect(errorOf(() => grad((x: Tensor) => bad(x)[0].h.sum())(f64(1)), ShapeError)).toMatch(/\.h/);
    expect(errorOf(() => vmap(bad)(f64([1, 2])), ShapeError)).toMatch(/\.h/);
  });
});

describe("branches that disagree", () => {
  it("shapes: a ShapeError naming both branches and both types", () => {
    const m = errorOf(() => lax.cond(true, id, (x: Tensor) => x.reshape([1]), f64(1)), ShapeError);
    expect(m).toMatch(/^lax\.cond:/);
    expect(m).toMatch(/trueFn/);
    expect(m).toMatch(/falseFn/);
    expect(m).toMatch(/f64\[\]/);
    expect(m).toMatch(/f64\[1\]/);
  });

  it("dtypes: a DTypeError", () => {
    const m = errorOf(() => lax.cond(false, id, (x: Tensor) => x.astype("float32"), f64(1)), DTypeError);
    expect(m).toMatch(/f64\[\]/);
    expect(m).toMatch(/f32\[\]/);
  });

  it("structures: a TracegradError; in a pytree, the leaf is named", () => {
    const m = errorOf(
      () =>
        lax.cond(
          true,
          (x: Tensor) => [x, x],
          (x: Tensor) => ({ a: x }) as unknown as Tensor[],
          f64(1),
        ),
      TracegradError,
    );
    expect(m).toMatch(/structure/);
    const m2 = errorOf(
      () =>
        lax.cond(
          true,
          (x: Tensor) => ({ a: x, b: [x, x] }),
          (x: Tensor) => ({ a: x, b: [x, x.mul(np.ones([2], { dtype: "float64" }))] }),
          f64(1),
        ),
      ShapeError,
    );
    expect(m2).toMatch(/\.b\[1\]/);
  });

  it("switch names the branch that disagrees", () => {
    const m = errorOf(() => lax.switch(0, [id, id, (x: Tensor) => [x] as never], f64(1)), TracegradError);
    expect(m).toMatch(/^lax\.switch:/);
    expect(m).toMatch(/branch 2/);
    const m2 = errorOf(() => lax.switch(0, [id, (x: Tensor) => x.astype("int32")], f64(1)), DTypeError);
    expect(m2).toMatch(/branch 1/);
  });
});

describe("bad arguments", () => {
  it("cond with a non-scalar predicate: a ShapeError suggesting np.where", () => {
    const m = errorOf(() => lax.cond(np.array([true, false]), id, id, f64(1)), ShapeError);
    expect(m).toMatch(/^lax\.cond:/);
    expect(m).toMatch(/\[2\]/);
    expect(m).toMatch(/np\.where/);
    // also under vmap: the per-example predicate must be a scalar
    expect(() => vmap((p: Tensor) => lax.cond(p, id, id, f64(1)))(np.array([[true, false]]))).toThrow(ShapeError);
  });

  it("whileLoop condFn returning a non-bool, a non-scalar or a pytree: a DTypeError", () => {
    const float = errorOf(() => lax.whileLoop((c: Tensor) => c, id, f64(1)), DTypeError);
    expect(float).toMatch(/^lax\.whileLoop:/);
    expect(float).toMatch(/bool scalar/);
    expect(float).toMatch(/f64\[\]/);
    const vec = errorOf(() => lax.whileLoop((c: Tensor) => np.less(c, 1), id, f64([1, 2])), DTypeError);
    expect(vec).toMatch(/bool\[2\]/);
    const tree = errorOf(() => lax.whileLoop(((c: Tensor) => [np.less(c, 1)]) as never, id, f64(1)), DTypeError);
    expect(tree).toMatch(/pytree/);
    const int = errorOf(() => lax.whileLoop((c: Tensor) => np.less(c, 1).astype("int32"), id, f64(1)), DTypeError);
    expect(int).toMatch(/i32\[\]/);
  });

  it("xs leaves with different leading sizes: a ShapeError naming each leaf and size", () => {
    const m = errorOf(
      () => lax.scan((c: Tensor, _x: unknown) => [c, null] as const, f64(0), { a: f64([1, 2, 3]), b: [f64([1, 2])] }),
      ShapeError,
    );
    expect(m).toMatch(/^lax\.scan:/);
    expect(m).toMatch(/xs\.a: 3/);
    expect(m).toMatch(/xs\.b\[0\]: 2/);
  });

  it("a scalar xs leaf, a length disagreeing with xs, no xs and no length, a negative length", () => {
    const body = (c: Tensor, _x: unknown) => [c, null] as const;
    expect(errorOf(() => lax.scan(body, f64(0), { a: f64(1) }), ShapeError)).toMatch(/xs\.a.*scalar|scalar.*xs\.a/);
    expect(errorOf(() => lax.scan(body, f64(0), f64([1, 2]), { length: 5 }), ShapeError)).toMatch(/5.*2|2.*5/);
    expect(errorOf(() => lax.scan(body, f64(0), null), TracegradError)).toMatch(/length/);
    expect(() => lax.scan(body, f64(0), null, { length: -1 })).toThrow(TracegradError);
    expect(() => lax.scan(body, f64(0), null, { length: 2.5 })).toThrow(TracegradError);
  });

  it("an unknown scan option is named", () => {
    const m = catchError(
      () => lax.scan((c: Tensor, x: Tensor) => [c, x] as const, f64(0), f64([1]), { revers: true } as never),
      TracegradError,
    ).message;
    expect(m).toMatch(/revers/);
  });

  it("a scan body not returning a pair [carry, y]", () => {
    const one = errorOf(
      () => lax.scan((c: Tensor, x: Tensor) => c.add(x) as never, f64(0), f64([1, 2])),
      TracegradError,
    );
    expect(one).toMatch(/^lax\.scan:/);
    expect(one).toMatch(/pair/);
    expect(one).toMatch(/one value/);
    const three = errorOf(
      () => lax.scan((c: Tensor, x: Tensor) => [c, x, x] as never, f64(0), f64([1, 2])),
      TracegradError,
    );
    expect(three).toMatch(/length 3/);
    const obj = errorOf(
      () => lax.scan((c: Tensor, x: Tensor) => ({ c, x }) as never, f64(0), f64([1, 2])),
      TracegradError,
    );
    expect(obj).toMatch(/pair/);
  });

  it("foriLoop with non-integer bounds: a DTypeError naming the bound", () => {
    const body = (_i: Tensor, c: Tensor) => c;
    expect(errorOf(() => lax.foriLoop(0, 2.5, body, f64(0)), DTypeError)).toMatch(/upper.*2\.5/);
    expect(errorOf(() => lax.foriLoop(0.5, 2, body, f64(0)), DTypeError)).toMatch(/lower/);
    expect(errorOf(() => lax.foriLoop(0, np.array(2), body, f64(0)), DTypeError)).toMatch(/upper.*f32\[\]/);
    expect(errorOf(() => lax.foriLoop(i32([0, 1]), 2, body, f64(0)), DTypeError)).toMatch(/lower/);
    // traced float bounds too
    expect(() => jit((hi: Tensor) => lax.foriLoop(0, hi, body, f64(0)))(f64(3))).toThrow(DTypeError);
  });

  it("switch with empty branches, non-function branches, or a non-integer index", () => {
    expect(errorOf(() => lax.switch(0, [], f64(0)), TracegradError)).toMatch(/non-empty/);
    expect(() => lax.switch(0, [id, 3 as never], f64(0))).toThrow(TracegradError);
    expect(errorOf(() => lax.switch(1.5, [id], f64(0)), DTypeError)).toMatch(/1\.5/);
    expect(errorOf(() => lax.switch(np.array(1), [id], f64(0)), DTypeError)).toMatch(/int32/);
    expect(errorOf(() => lax.switch(i32([0, 1]), [id], f64(0)), DTypeError)).toMatch(/i32\[2\]/);
  });

  it("functions where functions are needed", () => {
    expect(() => lax.scan(null as never, f64(0), f64([1]))).toThrow(TracegradError);
    expect(() => lax.cond(true, id, "no" as never, f64(0))).toThrow(TracegradError);
    expect(() => lax.whileLoop(3 as never, id, f64(0))).toThrow(TracegradError);
    expect(() => lax.foriLoop(0, 1, undefined as never, f64(0))).toThrow(TracegradError);
  });
});

describe("a JS value read from a traced value inside a body: ConcretizationError naming the loop", () => {
  const branchy = (v: Tensor) => (Number(v) > 0 ? v.mul(2) : v);
  it.each([
    ["lax.scan", () => lax.scan((c: Tensor, x: Tensor) => [branchy(c.add(x)), null] as const, f64(0), f64([1, 2]))],
    [
      "lax.whileLoop",
      () =>
        lax.whileLoop(
          (c: Tensor) => np.less(c, 3),
          (c: Tensor) => branchy(c).add(1),
          f64(0),
        ),
    ],
    [
      "lax.whileLoop",
      () =>
        lax.whileLoop(
          (c: Tensor) => Number(c) < 3,
          (c: Tensor) => c.add(1),
          f64(0),
        ),
    ],
    ["lax.cond", () => lax.cond(true, branchy, id, f64(1))],
    ["lax.switch", () => lax.switch(0, [branchy, id], f64(1))],
    ["lax.foriLoop", () => lax.foriLoop(0, 3, (i: Tensor, c: Tensor) => c.add(Number(i)), f64(0))],
    ["lax.map", () => lax.map(branchy, f64([1, 2]))],
  ])("%s", (loop, run) => {
    const m = errorOf(run, ConcretizationError);
    expect(m).toContain(loop);
    expect(m).toMatch(/np\.where|lax\.cond/);
  });

  it("even under grad, where the outer value is concrete (the body is traced abstractly, as JAX)", () => {
    const f = (x: Tensor) => lax.scan((c: Tensor, v: Tensor) => [branchy(c.mul(v)), null] as const, x, f64([1, 2]))[0];
    expect(errorOf(() => grad(f)(f64(1)), ConcretizationError)).toContain("lax.scan");
  });

  it("toArray() and item() inside a body too", () => {
    expect(() =>
      lax.scan((c: Tensor, x: Tensor) => [c.add(x.item() as number), null] as const, f64(0), f64([1])),
    ).toThrow(ConcretizationError);
    expect(() => lax.cond(false, id, (x: Tensor) => f64(x.toArray() as number), f64(1))).toThrow(ConcretizationError);
  });
});

describe("the user's own errors pass through unchanged", () => {
  class Mine extends Error {}
  const boom = new Mine("from the user's body");
  // takes whatever the library passes, and never returns
  const thrower = (..._: unknown[]): never => {
    throw boom;
  };

  it.each([
    ["scan", () => lax.scan(thrower, f64(0), f64([1]))],
    ["scan under jit", () => jit((x: Tensor) => lax.scan(thrower, x, f64([1])))(f64(0))],
    ["scan under grad", () => grad((x: Tensor) => lax.scan(thrower, x, f64([1]))[0] as Tensor)(f64(0))],
    ["scan under vmap", () => vmap((x: Tensor) => lax.scan(thrower, x, f64([1])))(f64([0, 1]))],
    ["cond true branch", () => lax.cond(false, thrower, id, f64(1))],
    ["cond false branch", () => lax.cond(true, id, thrower, f64(1))],
    ["switch", () => lax.switch(0, [id, thrower], f64(1))],
    ["whileLoop body", () => lax.whileLoop((c: Tensor) => np.less(c, 1), thrower, f64(0))],
    ["whileLoop cond", () => lax.whileLoop(thrower, id, f64(0))],
    ["foriLoop", () => lax.foriLoop(0, 2, thrower, f64(0))],
    ["map", () => lax.map(thrower, f64([1]))],
    [
      "a nested scan",
      () => lax.scan((c: Tensor) => [lax.scan(thrower, c, f64([1]))[0] as Tensor, null] as const, f64(0), f64([1])),
    ],
  ])("%s", (_name, run) => {
    expect(thrownBy(run)).toBe(boom);
  });

  it("a RangeError thrown by the user is not turned into a TracegradError", () => {
    const e = new RangeError("user range");
    const thrower = () => {
      throw e;
    };
    expect(thrownBy(() => lax.scan(thrower, f64(0), f64([1])))).toBe(e);
  });

  it("reverse mode through whileLoop is not a user error: GradientError", () => {
    expect(() =>
      grad((x: Tensor) =>
        lax.whileLoop(
          (c: Tensor) => np.less(c, 3),
          (c: Tensor) => c.add(1),
          x,
        ),
      )(f64(0)),
    ).toThrow(GradientError);
  });
});

describe("weak typing: a JS-number initial carry takes the body's float dtype, as JAX", () => {
  it("scan: init 0 with a float64 body gives a float64 carry (no error), and the right values", () => {
    const [c, ys] = lax.scan(
      (c: Tensor, x: Tensor) => [c.add(x), c] as const,
      0 as unknown as Tensor,
      f64([1.5, 2.25, 3]),
    );
    expect(c.dtype).toBe("float64");
    expect(ys.dtype).toBe("float64");
    expectClose(c, 6.75, F64_TOL);
    expectClose(ys, [0, 1.5, 3.75], F64_TOL);
  });

  it("a float32 body keeps float32; a JS-number leaf inside a pytree carry is promoted alone", () => {
    const [c32] = lax.scan(
      (c: Tensor, x: Tensor) => [c.add(x), null] as const,
      0 as unknown as Tensor,
      np.array([1, 2]),
    );
    expect(c32.dtype).toBe("float32");
    const [c] = lax.scan(
      (c: { a: Tensor; b: Tensor }, x: Tensor) => [{ a: c.a.add(x), b: c.b.mul(2) }, null] as const,
      { a: 0, b: np.array(1) } as unknown as { a: Tensor; b: Tensor },
      f64([1, 2]),
    );
    expect(c.a.dtype).toBe("float64");
    expect(c.b.dtype).toBe("float32");
    expectTensor(c.a, 3);
    expectTensor(c.b, 4);
  });

  it("whileLoop and foriLoop (JS and traced bounds) promote a JS-number initial value too", () => {
    const w = lax.whileLoop(
      (c: Tensor) => np.less(c, 3),
      (c: Tensor) => c.add(f64(1)),
      0 as unknown as Tensor,
    );
    expect(w.dtype).toBe("float64");
    expectTensor(w, 3);
    const f = lax.foriLoop(0, 4, (i: Tensor, c: Tensor) => c.add(i.astype("float64")), 0 as unknown as Tensor);
    expect(f.dtype).toBe("float64");
    expectTensor(f, 6);
    const g = jit((hi: Tensor) =>
      lax.foriLoop(0, hi, (i: Tensor, c: Tensor) => c.add(i.astype("float64")), 0 as unknown as Tensor),
    );
    const out = g(i32(5));
    expect(out.dtype).toBe("float64");
    expectTensor(out, 10);
  });

  it("a promoted carry is differentiable (grad w.r.t. the xs) and batchable", () => {
    const f = (xs: Tensor) =>
      lax.scan((c: Tensor, x: Tensor) => [c.mul(0.5).add(x.mul(x)), null] as const, 0 as unknown as Tensor, xs)[0];
    const g = grad(f)(f64([1, 2, 3]));
    expect(g.dtype).toBe("float64");
    // c = ((0·½ + 1)·½ + 4)·½ + 9 → ∂c/∂x = [2·1·¼, 2·2·½, 2·3]
    expectClose(g, [0.5, 2, 6], F64_TOL);
    const v = vmap(f)(
      f64([
        [1, 2, 3],
        [0, 0, 1],
      ]),
    );
    expect(v.dtype).toBe("float64");
    expectClose(v, [11.25, 1], F64_TOL);
  });
});
