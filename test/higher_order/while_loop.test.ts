// lax.whileLoop and lax.foriLoop: values against plain-JS loops (pytree carries, zero trips, int32 counters), foriLoop
// with JS bounds as a scan (reverse mode against central differences) and with traced bounds as a while (forward
// mode), jvp/linearize/jacfwd through whileLoop (Newton's square root), reverse mode as a GradientError that points to
// scan, vmap with per-example trip counts (finished examples frozen), and cond inside scan inside whileLoop.

import { describe, expect, it } from "vitest";
import {
  GradientError,
  grad,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  np,
  type Tensor,
  vjp,
  vmap,
} from "../../src/index.js";
import { catchError, expectClose, expectTensor, valuesOf } from "../helpers.js";
import { data, F64_TOL, FD_TOL, f64, fdGrad, fdJac, i32, primitivesOf } from "./util.js";

/** Newton's iteration for √a from x₀ = a, until |x² − a| ≤ 1e-13·a. */
const newtonSqrt = (a: Tensor) =>
  lax.whileLoop(
    (x: Tensor) => np.greater(np.abs(x.mul(x).sub(a)), a.mul(1e-13)),
    (x: Tensor) => x.add(a.div(x)).mul(0.5),
    a,
  );
function newtonSqrtRef(a: number): { x: number; steps: number } {
  let x = a;
  let steps = 0;
  while (Math.abs(x * x - a) > 1e-13 * a) {
    x = (x + a / x) * 0.5;
    steps++;
  }
  return { x, steps };
}

/** The "grow until past the bound" loop: x ← 2x + 1 while x < bound, counting steps. */
const grow = (x0: Tensor, bound: Tensor) =>
  lax.whileLoop(
    (c: { x: Tensor; n: Tensor }) => np.less(c.x, bound),
    (c: { x: Tensor; n: Tensor }) => ({ x: c.x.mul(2).add(1), n: c.n.add(1) }),
    { x: x0, n: i32(0) },
  );
function growRef(x0: number, bound: number): { x: number; n: number } {
  let [x, n] = [x0, 0];
  while (x < bound) {
    x = 2 * x + 1;
    n++;
  }
  return { x, n };
}

describe("whileLoop values", () => {
  it("a float loop and its step count against the JS loop, for several trip counts including zero", () => {
    for (const [x0, bound] of [
      [0.5, 100],
      [3, 3.5],
      [10, 5],
      [-0.9, 1e6],
    ] as const) {
      const r = grow(f64(x0), f64(bound));
      const want = growRef(x0, bound);
      expectClose(r.x, want.x, F64_TOL);
      expectTensor(r.n, want.n, "int32");
    }
  });

  it("a pytree carry: int32 Fibonacci with a float accumulator beside it", () => {
    const out = lax.whileLoop(
      (c: { i: Tensor; fib: [Tensor, Tensor]; acc: Tensor }) => np.less(c.i, 20),
      (c: { i: Tensor; fib: [Tensor, Tensor]; acc: Tensor }) => ({
        i: c.i.add(1),
        fib: [c.fib[1], c.fib[0].add(c.fib[1])] as [Tensor, Tensor],
        acc: c.acc.mul(0.5).add(c.fib[0].astype("float64")),
      }),
      { i: i32(0), fib: [i32(0), i32(1)] as [Tensor, Tensor], acc: f64(0) },
    );
    let [a, b, acc] = [0, 1, 0];
    for (let i = 0; i < 20; i++) {
      acc = acc * 0.5 + a;
      [a, b] = [b, a + b];
    }
    expectTensor(out.i, 20, "int32");
    expectTensor(out.fib[0], a, "int32");
    expectTensor(out.fib[1], b, "int32");
    expectClose(out.acc, acc, F64_TOL);
  });

  it("a vector carry with a reduction in the predicate (any element below 10)", () => {
    const x0 = [1, 5, 0.1];
    const out = lax.whileLoop(
      (v: Tensor) => np.less(np.min(v), 10),
      (v: Tensor) => v.mul(1.5),
      f64(x0),
    );
    let v = [...x0];
    while (v.some((e) => e < 10)) v = v.map((e) => e * 1.5);
    expectClose(out, v, F64_TOL);
  });

  it("Newton's square root converges to √a", () => {
    for (const a of [2, 9, 0.25, 1e4]) expectClose(newtonSqrt(f64(a)), Math.sqrt(a), { rtol: 1e-13, atol: 0 });
  });

  it("the loop's functions close over outer values (captured in both condFn and bodyFn)", () => {
    const lim = f64(50);
    const k = f64(3);
    const out = lax.whileLoop(
      (x: Tensor) => np.less(x, lim),
      (x: Tensor) => x.mul(k),
      f64(1),
    );
    expectTensor(out, 81);
  });

  it("the body never runs on the carry that ends the loop (it would index out of bounds there)", () => {
    const x = f64([1, 2, 3]);
    const f = (n: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor]) => np.less(c[0], n),
        (c: [Tensor, Tensor]) => [c[0].add(1), c[1].add(x.slice(c[0]))] as [Tensor, Tensor],
        [i32(0), f64(0)] as [Tensor, Tensor],
      );
    for (const n of [0, 1, 3]) {
      expectTensor(f(i32(n))[1], [0, 1, 3, 6][n]!);
      expectTensor(jit(f)(i32(n))[1], [0, 1, 3, 6][n]!);
    }
  });

  it("jit(whileLoop) equals eager bit for bit, with cached reruns on new inputs", () => {
    const jn = jit(newtonSqrt);
    for (const a of [2, 3, 7.5]) expect(valuesOf(jn(f64(a)))).toEqual(valuesOf(newtonSqrt(f64(a))));
    const jg = jit(grow);
    for (const [x0, b] of [
      [0.5, 100],
      [7, 2],
    ] as const) {
      const r = jg(f64(x0), f64(b));
      expectClose(r.x, growRef(x0, b).x, F64_TOL);
      expectTensor(r.n, growRef(x0, b).n, "int32");
    }
  });
});

describe("foriLoop", () => {
  const body = (i: Tensor, x: Tensor) => np.sin(x).mul(1.1).add(i.astype("float64").mul(0.1));
  const ref = (lo: number, hi: number, x0: number) => {
    let x = x0;
    for (let i = lo; i < hi; i++) x = Math.sin(x) * 1.1 + i * 0.1;
    return x;
  };

  it("JS bounds: values for several ranges, including empty and reversed ones", () => {
    for (const [lo, hi] of [
      [0, 5],
      [3, 9],
      [-2, 2],
      [4, 4],
      [6, 2],
    ] as const)
      expectClose(lax.foriLoop(lo, hi, body, f64(0.3)), ref(lo, hi, 0.3), F64_TOL);
    // an int32 sum of squares
    expectTensor(
      lax.foriLoop(1, 11, (i: Tensor, s: Tensor) => s.add(i.mul(i)), i32(0)),
      385,
      "int32",
    );
  });

  it("JS bounds make a scan (no while), and reverse-mode grad works against central differences", () => {
    const prims = primitivesOf(makeJaxpr((x: Tensor) => lax.foriLoop(0, 6, body, x))(f64(0.3)).jaxpr);
    expect(prims).toContain("scan");
    expect(prims).not.toContain("while");
    for (const x0 of [0.3, -1.2]) {
      expectClose(
        grad((x: Tensor) => lax.foriLoop(2, 8, body, x))(f64(x0)),
        fdGrad((v) => ref(2, 8, v[0]!), [x0])[0]!,
        FD_TOL,
      );
    }
    // a concrete int32 tensor bound is a JS bound too
    const g = grad((x: Tensor) => lax.foriLoop(i32(2), i32(8), body, x))(f64(0.3));
    expectClose(g, fdGrad((v) => ref(2, 8, v[0]!), [0.3])[0]!, FD_TOL);
  });

  it("grad w.r.t. a weight captured by the body, and a pytree carry", () => {
    const f = (w: Tensor) =>
      lax
        .foriLoop(
          0,
          5,
          (i: Tensor, c: { a: Tensor; b: Tensor }) => ({
            a: c.a.mul(w).add(c.b),
            b: np.cos(c.a).add(i.astype("float64")),
          }),
          { a: f64(0.2), b: f64(0.1) },
        )
        .a.mul(1);
    const r = (w: number) => {
      let [a, b] = [0.2, 0.1];
      for (let i = 0; i < 5; i++) [a, b] = [a * w + b, Math.cos(a) + i];
      return a;
    };
    expectClose(f(f64(0.7)), r(0.7), F64_TOL);
    expectClose(grad(f)(f64(0.7)), fdGrad((v) => r(v[0]!), [0.7])[0]!, FD_TOL);
    expectClose(grad(grad(f))(f64(0.7)), (r(0.7 + 1e-4) - 2 * r(0.7) + r(0.7 - 1e-4)) / 1e-8, {
      rtol: 1e-5,
      atol: 1e-5,
    });
  });

  it("indexing with the loop counter: gather, .at().set() and dynamicSlice, with grad and vmap", () => {
    const x = [1.5, -2, 0.5, 3];
    // Σ x[i]² by gather
    const sq = (v: Tensor) =>
      lax.foriLoop(0, 4, (i: Tensor, acc: Tensor) => acc.add(v.slice(i).mul(v.slice(i))), f64(0));
    expectClose(
      sq(f64(x)),
      x.reduce((s, v) => s + v * v, 0),
      F64_TOL,
    );
    expectClose(
      grad(sq)(f64(x)),
      x.map((v) => 2 * v),
      F64_TOL,
    );
    expectClose(vmap(sq)(f64([x, [1, 1, 1, 1]])), [x.reduce((s, v) => s + v * v, 0), 4], F64_TOL);
    // prefix products written in place: out[i] = out[i−1]·x[i]
    const prefix = (v: Tensor) =>
      lax.foriLoop(1, 4, (i: Tensor, out: Tensor) => out.at(i).set(out.slice(i.sub(1)).mul(v.slice(i))), v);
    const pref = x.map((_, i) => x.slice(0, i + 1).reduce((a, b) => a * b, 1));
    expectClose(prefix(f64(x)), pref, F64_TOL);
    expectClose(
      grad((v: Tensor) => prefix(v).sum())(f64(x)),
      fdGrad((v) => v.map((_, i) => v.slice(0, i + 1).reduce((a, b) => a * b, 1)).reduce((a, b) => a + b, 0), x),
      FD_TOL,
    );
    // sliding windows of 2 by dynamicSlice
    const windows = (v: Tensor) =>
      lax.foriLoop(0, 3, (i: Tensor, acc: Tensor) => acc.add(np.sin(lax.dynamicSlice(v, [i], [2])).sum()), f64(0));
    expectClose(
      grad(windows)(f64(x)),
      x.map((v, i) => Math.cos(v) * (i === 0 || i === 3 ? 1 : 2)),
      F64_TOL,
    );
  });

  it("unroll does not change the results", () => {
    const base = lax.foriLoop(0, 11, body, f64(0.3));
    for (const unroll of [2, 3, 11, 20]) {
      expect(valuesOf(lax.foriLoop(0, 11, body, f64(0.3), { unroll }))).toEqual(valuesOf(base));
      expect(valuesOf(jit((x: Tensor) => lax.foriLoop(0, 11, body, x, { unroll }))(f64(0.3)))).toEqual(valuesOf(base));
    }
  });

  it("traced bounds under jit: a while loop, one trace serving every bound", () => {
    let traces = 0;
    const f = jit((lo: Tensor, hi: Tensor, x: Tensor) => {
      traces++;
      return lax.foriLoop(lo, hi, body, x);
    });
    for (const [lo, hi] of [
      [0, 5],
      [3, 9],
      [4, 4],
      [6, 2],
      [0, 40],
    ] as const)
      expectClose(f(i32(lo), i32(hi), f64(0.3)), ref(lo, hi, 0.3), F64_TOL);
    expect(traces).toBe(1);
    const prims = primitivesOf(
      makeJaxpr((lo: Tensor, hi: Tensor, x: Tensor) => lax.foriLoop(lo, hi, body, x))(i32(0), i32(3), f64(1)).jaxpr,
    );
    expect(prims).toContain("while");
    expect(prims).not.toContain("scan");
    // one traced bound with one JS bound
    const g = jit((hi: Tensor, x: Tensor) => lax.foriLoop(2, hi, body, x));
    expectClose(g(i32(7), f64(0.3)), ref(2, 7, 0.3), F64_TOL);
  });

  it("traced bounds: forward mode works; reverse mode is a GradientError", () => {
    const f = (hi: Tensor, x: Tensor) => lax.foriLoop(i32(1), hi, body, x);
    const jf = jit(f);
    const [y, t] = jvp((x: Tensor) => jf(i32(6), x), [f64(0.3)], [f64(1)]);
    expectClose(y, ref(1, 6, 0.3), F64_TOL);
    expectClose(t, fdGrad((v) => ref(1, 6, v[0]!), [0.3])[0]!, FD_TOL);
    const d = jit((hi: Tensor, x: Tensor) => jvp((v: Tensor) => f(hi, v), [x], [f64(1)])[1]);
    expectClose(d(i32(6), f64(0.3)), fdGrad((v) => ref(1, 6, v[0]!), [0.3])[0]!, FD_TOL);
    const e = catchError(() => jit(grad((x: Tensor, hi: Tensor) => f(hi, x)))(f64(0.3), i32(6)), GradientError);
    expect(e.message).toMatch(/scan/);
  });

  it("vmap over traced bounds: a different trip count per example", () => {
    const his = [0, 3, 5, 8];
    const out = vmap((hi: Tensor) => lax.foriLoop(i32(0), hi, body, f64(0.3)))(i32(his));
    expectClose(
      out,
      his.map((h) => ref(0, h, 0.3)),
      F64_TOL,
    );
  });
});

describe("forward-mode derivatives through whileLoop", () => {
  it("jvp of Newton's square root: d√a/da = 1/(2√a)", () => {
    for (const a of [2, 9, 0.25]) {
      const [y, t] = jvp(newtonSqrt, [f64(a)], [f64(1)]);
      expectClose(y, Math.sqrt(a), { rtol: 1e-13, atol: 0 });
      expectClose(t, 1 / (2 * Math.sqrt(a)), { rtol: 1e-10, atol: 0 });
      expect(newtonSqrtRef(a).steps).toBeGreaterThan(0);
    }
    // under jit, and jit of jvp
    const [, tj] = jvp(jit(newtonSqrt), [f64(2)], [f64(3)]);
    expectClose(tj, 3 / (2 * Math.SQRT2), { rtol: 1e-10, atol: 0 });
    const d = jit((a: Tensor) => jvp(newtonSqrt, [a], [f64(1)])[1]);
    expectClose(d(f64(9)), 1 / 6, { rtol: 1e-10, atol: 0 });
  });

  it("jacfwd of Newton's square root, elementwise over a vector (a vector-valued loop)", () => {
    const as = [2, 9, 0.25];
    const vecSqrt = (a: Tensor) =>
      lax.whileLoop(
        (x: Tensor) => np.greater(np.max(np.abs(x.mul(x).sub(a)).sub(a.mul(1e-13))), 0),
        (x: Tensor) => x.add(a.div(x)).mul(0.5),
        a,
      );
    const J = jacfwd(vecSqrt)(f64(as));
    expectClose(
      J,
      as.map((a, i) => as.map((_, j) => (i === j ? 1 / (2 * Math.sqrt(a)) : 0))),
      { rtol: 1e-10, atol: 1e-14 },
    );
  });

  it("jacfwd of a loop with a fixed trip count against the finite-difference Jacobian", () => {
    const x0 = data(3, 90);
    const f = (v: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor]) => np.less(c[0], 4),
        (c: [Tensor, Tensor]) => [c[0].add(1), np.sin(c[1]).mul(1.2).add(c[1].sum().mul(0.1))] as [Tensor, Tensor],
        [i32(0), v] as [Tensor, Tensor],
      )[1];
    const ref = (v: number[]) => {
      let x = v;
      for (let i = 0; i < 4; i++) {
        const s = x.reduce((a, b) => a + b, 0);
        x = x.map((e) => Math.sin(e) * 1.2 + s * 0.1);
      }
      return x;
    };
    expectClose(f(f64(x0)), ref(x0), F64_TOL);
    expectClose(jacfwd(f)(f64(x0)), fdJac(ref, x0), FD_TOL);
  });

  it("linearize of a whileLoop (forward mode and partial evaluation, no transpose)", () => {
    const [y, fJvp] = linearize(newtonSqrt, f64(2));
    expectClose(y, Math.SQRT2, { rtol: 1e-13, atol: 0 });
    expectClose(fJvp(f64(1)), 1 / (2 * Math.SQRT2), { rtol: 1e-10, atol: 0 });
    expectClose(fJvp(f64(-4)), -4 / (2 * Math.SQRT2), { rtol: 1e-10, atol: 0 });
  });

  it("jvp w.r.t. a value captured by the body", () => {
    const f = (w: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor]) => np.less(c[0], 6),
        (c: [Tensor, Tensor]) => [c[0].add(1), np.tanh(c[1].mul(w).add(0.3))] as [Tensor, Tensor],
        [i32(0), f64(0.5)] as [Tensor, Tensor],
      )[1];
    const ref = (w: number) => {
      let x = 0.5;
      for (let i = 0; i < 6; i++) x = Math.tanh(x * w + 0.3);
      return x;
    };
    const [y, t] = jvp(f, [f64(0.8)], [f64(1)]);
    expectClose(y, ref(0.8), F64_TOL);
    expectClose(t, fdGrad((v) => ref(v[0]!), [0.8])[0]!, FD_TOL);
  });
});

describe("linearize and jacfwd when a carry's tangent starts at zero (library bug: while partial evaluation)", () => {
  // c ← c + x from c₀ = 0 while c < 10: at x = 2 five steps, c = 5x, dc/dx = 5. The carry's initial value is a
  // constant, so its tangent starts as a known zero that the body makes unknown; jvp handles this (first test), but
  // partial evaluation of `while` (used by linearize, and so by jacfwd) binds its known loop with every known input,
  // that zero tangent included, while the known cond takes only the carries that stayed known: ShapeError
  // "while: cond takes (f64[]), got (f64[], f64[])". Scan's partial evaluation drops such carries; while's does not.
  const accumulate = (x: Tensor) =>
    lax.whileLoop(
      (c: Tensor) => np.less(c, 10),
      (c: Tensor) => c.add(x),
      f64(0),
    );

  it("jvp works (the reference for the failing cases below)", () => {
    const [y, t] = jvp(accumulate, [f64(2)], [f64(1)]);
    expectTensor(y, 10);
    expectClose(t, 5, F64_TOL);
  });

  it("jacfwd of a loop accumulating a captured weight", () => {
    expectClose(jacfwd(accumulate)(f64(2)), 5, F64_TOL);
  });

  it("linearize of the same loop", () => {
    const [y, fJvp] = linearize(accumulate, f64(2));
    expectTensor(y, 10);
    expectClose(fJvp(f64(3)), 15, F64_TOL);
  });

  it("second-order forward mode: jacfwd(jacfwd(Newton's square root)) = −1/(4a^{3/2})", () => {
    // the inner jvp's tangent carry is such a carry for the outer linearization
    expectClose(jacfwd(jacfwd(newtonSqrt))(f64(2)), -1 / (4 * 2 ** 1.5), { rtol: 1e-8, atol: 0 });
  });

  it("jvp(jvp(...)) of the same Newton loop works: −1/(4a^{3/2})", () => {
    const d2 = jvp((a: Tensor) => jvp(newtonSqrt, [a], [f64(1)])[1], [f64(2)], [f64(1)])[1];
    expectClose(d2, -1 / (4 * 2 ** 1.5), { rtol: 1e-8, atol: 0 });
  });
});

describe("reverse mode through whileLoop is a GradientError pointing to scan", () => {
  it.each([
    ["grad", () => grad(newtonSqrt)(f64(2))],
    ["vjp", () => vjp(newtonSqrt, f64(2))[1](f64(1))],
    ["jacrev", () => jacrev(newtonSqrt)(f64(2))],
    ["jit(grad)", () => jit(grad(newtonSqrt))(f64(2))],
    ["grad(jit)", () => grad(jit(newtonSqrt))(f64(2))],
  ])("%s", (_name, run) => {
    const e = catchError(run, GradientError);
    expect(e.message).toMatch(/whileLoop/);
    expect(e.message).toMatch(/scan/);
    expect(e.message).toMatch(/foriLoop/);
  });

  it("a whileLoop that does not touch the differentiated value does not block grad", () => {
    const f = (x: Tensor) => {
      const n = lax.whileLoop(
        (k: Tensor) => np.less(k, 5),
        (k: Tensor) => k.add(1),
        i32(0),
      );
      return x.mul(x).mul(n.astype("float64"));
    };
    expectClose(grad(f)(f64(3)), 30, F64_TOL);
  });
});

describe("vmap of whileLoop", () => {
  it("a batched predicate: different trip counts per example; finished examples are frozen", () => {
    const x0s = [0.5, 3, 10, -0.9, 0];
    const bounds = [100, 3.5, 5, 1e4, 1];
    const r = vmap(grow)(f64(x0s), f64(bounds));
    const want = x0s.map((x0, b) => growRef(x0, bounds[b]!));
    expectClose(
      r.x,
      want.map((w) => w.x),
      F64_TOL,
    );
    expectTensor(
      r.n,
      want.map((w) => w.n),
      "int32",
    );
    // the trip counts really differ
    expect(new Set(want.map((w) => w.n)).size).toBeGreaterThan(2);
    // the law: the same as the per-example results stacked
    const per = x0s.map((x0, b) => grow(f64(x0), f64(bounds[b]!)));
    expect(valuesOf(r.x)).toEqual(per.flatMap((p) => valuesOf(p.x)));
  });

  it("only the bound batched (a batched value the predicate closes over), the initial carry shared", () => {
    const bounds = [1, 10, 100, 1000];
    const r = vmap((b: Tensor) => grow(f64(0.5), b))(f64(bounds));
    expectTensor(
      r.n,
      bounds.map((b) => growRef(0.5, b).n),
      "int32",
    );
    expectClose(
      r.x,
      bounds.map((b) => growRef(0.5, b).x),
      F64_TOL,
    );
  });

  it("an unbatched predicate (a shared counter) with a batched carry", () => {
    const x0s = data(4, 91);
    const out = vmap((x: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor]) => np.less(c[0], 5),
        (c: [Tensor, Tensor]) => [c[0].add(1), np.sin(c[1]).add(0.5)] as [Tensor, Tensor],
        [i32(0), x] as [Tensor, Tensor],
      ),
    )(f64(x0s));
    expectTensor(out[0], [5, 5, 5, 5], "int32");
    expectClose(
      out[1],
      x0s.map((x) => {
        let v = x;
        for (let i = 0; i < 5; i++) v = Math.sin(v) + 0.5;
        return v;
      }),
      F64_TOL,
    );
  });

  it("vmap of Newton's square root (trip counts differ with a) and of its jvp; jit(vmap) too", () => {
    const as = [2, 9, 0.25, 1e4, 3];
    const steps = as.map((a) => newtonSqrtRef(a).steps);
    expect(new Set(steps).size).toBeGreaterThan(2);
    expectClose(vmap(newtonSqrt)(f64(as)), as.map(Math.sqrt), { rtol: 1e-13, atol: 0 });
    expectClose(jit(vmap(newtonSqrt))(f64(as)), as.map(Math.sqrt), { rtol: 1e-13, atol: 0 });
    const t = vmap((a: Tensor) => jvp(newtonSqrt, [a], [f64(1)])[1])(f64(as));
    expectClose(
      t,
      as.map((a) => 1 / (2 * Math.sqrt(a))),
      { rtol: 1e-10, atol: 0 },
    );
    // jvp of vmap: the tangent batched with the primal
    const [, t2] = jvp(vmap(newtonSqrt), [f64(as)], [f64([1, 1, 1, 1, 1])]);
    expectClose(
      t2,
      as.map((a) => 1 / (2 * Math.sqrt(a))),
      { rtol: 1e-10, atol: 0 },
    );
    // a = 1 takes zero Newton steps (x₀ = a is already √a): its iterate is a itself, whose derivative is 1 — and
    // it stays frozen at that while the other examples iterate
    const [, t3] = jvp(vmap(newtonSqrt), [f64([1, 2])], [f64([1, 1])]);
    expectClose(t3, [1, 1 / (2 * Math.SQRT2)], { rtol: 1e-10, atol: 0 });
  });

  it("vmap over a batch axis 1 of a matrix carry", () => {
    const X = [
      [1, 2, 3],
      [0.5, 60, 7],
    ]; // examples are the columns
    const out = vmap(
      (v: Tensor) =>
        lax.whileLoop(
          (x: Tensor) => np.less(x.sum(), 50),
          (x: Tensor) => x.mul(2),
          v,
        ),
      { inAxes: 1, outAxes: 1 },
    )(f64(X));
    const cols = [0, 1, 2].map((j) => {
      let c = [X[0]![j]!, X[1]![j]!];
      while (c[0]! + c[1]! < 50) c = c.map((e) => e * 2);
      return c;
    });
    expectClose(out, [cols.map((c) => c[0]!), cols.map((c) => c[1]!)], F64_TOL);
  });
});

describe("cond inside scan inside whileLoop", () => {
  // each while iteration runs a scan over xs whose body halves values above 1 and grows others, then adds the
  // scan's total to a running sum; repeat until the sum passes a threshold
  const xs = [0.4, 1.6, 0.9, 2.2];
  const inner = (c: Tensor, x: Tensor) => {
    const v = lax.cond(
      np.greater(x.add(c), 1),
      (a: Tensor) => a.mul(0.5),
      (a: Tensor) => a.mul(1.5).add(0.1),
      x.add(c),
    );
    return [v, v] as const;
  };
  const innerRef = (c0: number) => {
    let c = c0;
    const ys = xs.map((x) => {
      const s = x + c;
      c = s > 1 ? s * 0.5 : s * 1.5 + 0.1;
      return c;
    });
    return { c, ys };
  };
  const f = (s0: Tensor) =>
    lax.whileLoop(
      (st: { sum: Tensor; c: Tensor; k: Tensor }) => np.less(st.sum, 20),
      (st: { sum: Tensor; c: Tensor; k: Tensor }) => {
        const [c, ys] = lax.scan(inner, st.c, f64(xs));
        return { sum: st.sum.add(ys.sum()), c, k: st.k.add(1) };
      },
      { sum: s0, c: f64(0.3), k: i32(0) },
    );
  const ref = (s0: number) => {
    let [sum, c, k] = [s0, 0.3, 0];
    while (sum < 20) {
      const r = innerRef(c);
      sum += r.ys.reduce((a, b) => a + b, 0);
      c = r.c;
      k++;
    }
    return { sum, c, k };
  };

  it("values eager and under jit against the JS loops", () => {
    for (const s0 of [0, 10, 25]) {
      const out = f(f64(s0));
      const want = ref(s0);
      expectClose(out.sum, want.sum, F64_TOL);
      expectClose(out.c, want.c, F64_TOL);
      expectTensor(out.k, want.k, "int32");
      const outJ = jit(f)(f64(s0));
      expect(valuesOf(outJ.sum)).toEqual(valuesOf(out.sum));
    }
    expect(ref(0).k).toBeGreaterThan(2);
  });

  it("vmap over the starting sum (trip counts differ per example)", () => {
    const s0s = [0, 7, 15, 25];
    const out = vmap(f)(f64(s0s));
    expectTensor(
      out.k,
      s0s.map((s) => ref(s).k),
      "int32",
    );
    expectClose(
      out.sum,
      s0s.map((s) => ref(s).sum),
      F64_TOL,
    );
  });

  it("jvp w.r.t. the scanned data (captured by the while body) against central differences", () => {
    const g = (v: Tensor) =>
      lax.whileLoop(
        (st: [Tensor, Tensor]) => np.less(st[0], 3),
        (st: [Tensor, Tensor]) => {
          const [c] = lax.scan(inner, st[1], v);
          return [st[0].add(1), c] as [Tensor, Tensor];
        },
        [i32(0), f64(0.3)] as [Tensor, Tensor],
      )[1];
    const r = (v: number[]) => {
      let c = 0.3;
      for (let k = 0; k < 3; k++)
        for (const x of v) {
          const s = x + c;
          c = s > 1 ? s * 0.5 : s * 1.5 + 0.1;
        }
      return c;
    };
    const dir = [1, -0.5, 0.25, 2];
    const [, t] = jvp(g, [f64(xs)], [f64(dir)]);
    const fd = fdGrad(r, xs);
    expectClose(
      t,
      fd.reduce((s, d, i) => s + d * dir[i]!, 0),
      FD_TOL,
    );
  });
});
