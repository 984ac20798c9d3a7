// lax.cond and lax.switch: values (bool, numeric and traced predicates, pytrees, no operands), that only the taken
// branch runs (a branch that would fail at run time is never run) while both are traced once, derivatives of both
// branches against closed forms and central differences, index clamping, vmap with batched and unbatched predicates,
// grad of vmap, cond inside scan, and jit.

import { describe, expect, it } from "vitest";
import {
  grad,
  hessian,
  jit,
  jvp,
  lax,
  linearize,
  np,
  type Tensor,
  TracegradError,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";
import { catchError, expectClose, expectTensor, valuesOf } from "../helpers.js";
import { data, F64_TOL, FD_TOL, f64, fdGrad, i32 } from "./util.js";

const double = (x: Tensor) => x.mul(2);
const negate = (x: Tensor) => x.neg();

/** x³ for x > 0, x·sin x otherwise (both branches differentiable, with distinct derivatives). */
const piecewise = (x: Tensor) =>
  lax.cond(
    np.greater(x, 0),
    (y: Tensor) => y.mul(y).mul(y),
    (y: Tensor) => np.sin(y).mul(y),
    x,
  );
const piecewiseRef = (x: number) => (x > 0 ? x ** 3 : Math.sin(x) * x);
const piecewiseD = (x: number) => (x > 0 ? 3 * x * x : Math.cos(x) * x + Math.sin(x));
const piecewiseD2 = (x: number) => (x > 0 ? 6 * x : 2 * Math.cos(x) - x * Math.sin(x));

describe("values", () => {
  it("a JS boolean, a bool tensor and a traced bool pick the branch", () => {
    expectTensor(lax.cond(true, double, negate, f64(3)), 6, "float64");
    expectTensor(lax.cond(false, double, negate, f64(3)), -3, "float64");
    expectTensor(lax.cond(np.array(true), double, negate, f64(3)), 6);
    expectTensor(lax.cond(np.array(false), double, negate, f64(3)), -3);
    expectTensor(lax.cond(np.less(f64(1), f64(2)), double, negate, f64(5)), 10);
  });

  it("a numeric predicate: nonzero is true, zero is false (int32, float32, float64, JS numbers, NaN)", () => {
    const cases: [Tensor | number | boolean, number][] = [
      [i32(0), -3],
      [i32(3), 6],
      [i32(-1), 6],
      [np.array(0), -3],
      [np.array(-0.5), 6],
      [f64(1e-300), 6],
      [f64(-0), -3],
      [0, -3],
      [2, 6],
      [f64(Number.NaN), 6],
    ];
    for (const [pred, want] of cases) expectTensor(lax.cond(pred, double, negate, f64(3)), want);
  });

  it("several operands, a pytree of operands and a pytree of outputs", () => {
    type P = { w: Tensor; b: [Tensor, Tensor] };
    const p: P = { w: f64([1, 2, 3]), b: [f64(10), i32(4)] };
    const fa = (q: P, s: Tensor) => ({ out: q.w.mul(s).add(q.b[0]), n: [q.b[1].add(1)] });
    const fb = (q: P, s: Tensor) => ({ out: q.w.sub(s), n: [q.b[1].mul(2)] });
    const t = lax.cond(true, fa, fb, p, f64(2));
    expectTensor(t.out, [12, 14, 16], "float64");
    expectTensor(t.n[0], 5, "int32");
    const f = lax.cond(false, fa, fb, p, f64(2));
    expectTensor(f.out, [-1, 0, 1], "float64");
    expectTensor(f.n[0], 8, "int32");
  });

  it("no operands: branches close over their values", () => {
    const a = f64([1, 2]);
    expectTensor(
      lax.cond(
        true,
        () => a.mul(3),
        () => a.neg(),
      ),
      [3, 6],
    );
    expectTensor(
      lax.cond(
        false,
        () => a.mul(3),
        () => a.neg(),
      ),
      [-1, -2],
    );
  });

  it("branches may return constants that ignore the operand, and null leaves", () => {
    const [x, n] = lax.cond(
      false,
      (_: Tensor) => [f64(1), null] as const,
      (v: Tensor) => [v.add(1), null] as const,
      f64(4),
    );
    expectTensor(x, 5);
    expect(n).toBeNull();
  });
});

describe("only the taken branch runs", () => {
  // the trap: indexing with an out-of-bounds index fails when it runs, but traces fine (the index is abstract then)
  const x = f64([1, 2, 3]);
  const bad = i32(5);
  const safe = (v: Tensor, _i: Tensor) => v.sum();
  const trap = (v: Tensor, i: Tensor) => v.slice(i);

  it("the trap fires when it runs (eagerly and under jit)", () => {
    catchError(() => trap(x, bad), TracegradError);
    catchError(() => jit(trap)(x, bad), TracegradError);
  });

  it("eagerly and under jit, the untaken trap branch never runs", () => {
    expectTensor(lax.cond(true, safe, trap, x, bad), 6);
    expectTensor(lax.cond(false, trap, safe, x, bad), 6);
    expectTensor(lax.switch(1, [trap, safe, trap], x, bad), 6);
    const j = jit((p: Tensor, v: Tensor, i: Tensor) => lax.cond(p, safe, trap, v, i));
    expectTensor(j(np.array(true), x, bad), 6);
    catchError(() => j(np.array(false), x, bad), TracegradError); // the trap branch taken: it runs, and fails
    expectTensor(j(np.array(true), x, i32(1)), 6);
    expectTensor(j(np.array(false), x, i32(1)), 2);
    const s = jit((k: Tensor, v: Tensor, i: Tensor) => lax.switch(k, [trap, safe, trap], v, i));
    expectTensor(s(i32(1), x, bad), 6);
  });

  it("under grad and jvp of a concrete predicate too (the derivative of the untaken branch is not evaluated)", () => {
    const g = grad((v: Tensor, i: Tensor) => lax.cond(true, safe, trap, v, i));
    expectTensor(g(x, bad), [1, 1, 1]);
    const [, t] = jvp((v: Tensor) => lax.cond(false, trap, safe, v, bad), [x], [f64([1, 2, 3])]);
    expectTensor(t, 6);
  });

  it("under vmap with an unbatched predicate, the untaken trap branch does not run either", () => {
    const X = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectTensor(vmap((v: Tensor) => lax.cond(true, safe, trap, v, bad))(X), [6, 15]);
    const j = jit(vmap((p: Tensor, v: Tensor) => lax.cond(p, safe, trap, v, bad), { inAxes: [null, 0] }));
    expectTensor(j(np.array(true), X), [6, 15]);
  });

  // A batched predicate runs both branches on every example and selects per example (as JAX). JAX's gather clamps
  // out-of-bounds indices; here they throw, so a branch must be safe on the examples that take the other one (the
  // README says so: clamp the index, e.g. with np.clip). This checks the documented behaviour and its remedy.
  it("a batched predicate guarding an index: the unguarded index throws, a clamped one gives per-example results", () => {
    const guarded = (k: Tensor) =>
      lax.cond(
        np.less(k, 3),
        (i: Tensor) => x.slice(i),
        (_i: Tensor) => f64(0),
        k,
      );
    expectTensor(guarded(i32(1)), 2);
    expectTensor(guarded(i32(7)), 0);
    expect(() => vmap(guarded)(i32([1, 7]))).toThrow(/out of bounds/);
    const clamped = (k: Tensor) =>
      lax.cond(
        np.less(k, 3),
        (i: Tensor) => x.slice(np.clip(i, 0, 2)),
        (_i: Tensor) => f64(0),
        k,
      );
    expectTensor(vmap(clamped)(i32([1, 7])), [2, 0]);
  });

  it("both branches are traced (each once) whichever is taken; under jit once per signature, then never", () => {
    const calls = { t: 0, f: 0 };
    const t = (v: Tensor) => {
      calls.t++;
      return v.mul(2);
    };
    const f = (v: Tensor) => {
      calls.f++;
      return v.neg();
    };
    expectTensor(lax.cond(true, t, f, f64(3)), 6);
    expect(calls).toEqual({ t: 1, f: 1 });
    // a second eager call may trace again (this library) or reuse a cache (JAX): never one branch alone
    expectTensor(lax.cond(false, t, f, f64(3)), -3);
    expect(calls.t).toBe(calls.f);
    expect(calls.t).toBeLessThanOrEqual(2);
    const before = calls.t;
    const j = jit((p: Tensor, v: Tensor) => lax.cond(p, t, f, v));
    expectTensor(j(np.array(true), f64(3)), 6);
    expect(calls).toEqual({ t: before + 1, f: before + 1 });
    expectTensor(j(np.array(false), f64(3)), -3);
    expectTensor(j(np.array(true), f64(7)), 14);
    expect(calls).toEqual({ t: before + 1, f: before + 1 }); // cached: no JS runs
    expectTensor(j(np.array(true), f64([1, 2])), [2, 4]); // a new signature: traced again
    expect(calls).toEqual({ t: before + 2, f: before + 2 });
  });
});

describe("derivatives", () => {
  it("grad of both branches against closed forms (eager, jit(grad), grad(jit))", () => {
    for (const x of [1.5, 0.3, -0.7, -2.2]) {
      expectClose(piecewise(f64(x)), piecewiseRef(x), F64_TOL);
      expectClose(grad(piecewise)(f64(x)), piecewiseD(x), F64_TOL);
      expectClose(jit(grad(piecewise))(f64(x)), piecewiseD(x), F64_TOL);
      expectClose(grad(jit(piecewise))(f64(x)), piecewiseD(x), F64_TOL);
    }
  });

  it("second derivatives of both branches: grad(grad) and hessian", () => {
    for (const x of [1.5, -0.7]) {
      expectClose(grad(grad(piecewise))(f64(x)), piecewiseD2(x), F64_TOL);
      expectClose(hessian(piecewise)(f64(x)), piecewiseD2(x), F64_TOL);
    }
  });

  it("jvp, linearize and vjp through cond", () => {
    for (const x of [1.5, -0.7]) {
      const [y, t] = jvp(piecewise, [f64(x)], [f64(2)]);
      expectClose(y, piecewiseRef(x), F64_TOL);
      expectClose(t, 2 * piecewiseD(x), F64_TOL);
      const [y2, fJvp] = linearize(piecewise, f64(x));
      expectClose(y2, piecewiseRef(x), F64_TOL);
      expectClose(fJvp(f64(-3)), -3 * piecewiseD(x), F64_TOL);
      const [, back] = vjp(piecewise, f64(x));
      expectClose(back(f64(0.5))[0], 0.5 * piecewiseD(x), F64_TOL);
    }
  });

  it("grad w.r.t. operands, a pytree operand and a captured value; an ignored operand gets 0", () => {
    const w = f64(1.7);
    const f = (p: Tensor, q: { a: Tensor; b: Tensor }, s: Tensor) =>
      lax.cond(
        p,
        (v: { a: Tensor; b: Tensor }, t: Tensor) => v.a.mul(v.b).mul(w).add(t.mul(t)),
        (v: { a: Tensor; b: Tensor }, _t: Tensor) => np.exp(v.a).sub(v.b.mul(w)),
        q,
        s,
      );
    const q = { a: f64(0.4), b: f64(-1.1) };
    const [gt, gts] = grad(f, { argnums: [1, 2] })(np.array(true), q, f64(3));
    expectClose(gt.a, -1.1 * 1.7, F64_TOL);
    expectClose(gt.b, 0.4 * 1.7, F64_TOL);
    expectClose(gts, 6, F64_TOL);
    const [gf, gfs] = grad(f, { argnums: [1, 2] })(np.array(false), q, f64(3));
    expectClose(gf.a, Math.exp(0.4), F64_TOL);
    expectClose(gf.b, -1.7, F64_TOL);
    expectTensor(gfs, 0);
    // w.r.t. the captured w
    const gw = (p: boolean) =>
      grad((wv: Tensor) =>
        lax.cond(
          p,
          (v: Tensor) => v.mul(wv).mul(wv),
          (v: Tensor) => np.sin(wv.mul(v)),
          f64(0.4),
        ),
      )(f64(1.7));
    expectClose(gw(true), 2 * 0.4 * 1.7, F64_TOL);
    expectClose(gw(false), 0.4 * Math.cos(1.7 * 0.4), F64_TOL);
  });

  it("grad under jit with a traced predicate (the predicate an argument)", () => {
    const f = jit(
      grad(
        (x: Tensor, p: Tensor) =>
          lax.cond(
            p,
            (v: Tensor) => np.exp(v),
            (v: Tensor) => v.mul(v),
            x,
          ),
        { argnums: 0 },
      ),
    );
    expectClose(f(f64(0.5), np.array(true)), Math.exp(0.5), F64_TOL);
    expectClose(f(f64(0.5), np.array(false)), 1, F64_TOL);
  });

  it("valueAndGrad of a loss with an integer output beside the float one", () => {
    const [[v, n], g] = valueAndGrad(
      (x: Tensor) => {
        const [y, k] = lax.cond(
          np.greater(x, 0),
          (t: Tensor) => [t.mul(t), i32(1)] as const,
          (t: Tensor) => [t.neg(), i32(-1)] as const,
          x,
        );
        return [y, k] as [Tensor, Tensor];
      },
      { hasAux: true },
    )(f64(-2));
    expectTensor(v, 2);
    expectTensor(n, -1, "int32");
    expectTensor(g, -1);
  });
});

describe("lax.switch", () => {
  const branches = [(x: Tensor) => x.add(100), (x: Tensor) => x.mul(10), (x: Tensor) => np.sin(x)];
  const ref = (k: number, x: number) => {
    const i = Math.min(Math.max(k, 0), 2);
    return i === 0 ? x + 100 : i === 1 ? x * 10 : Math.sin(x);
  };

  it("every index, as a JS integer and as an int32 tensor; out-of-range indices are clamped", () => {
    for (const k of [-5, -1, 0, 1, 2, 3, 1000]) {
      expectClose(lax.switch(k, branches, f64(0.5)), ref(k, 0.5), F64_TOL);
      expectClose(lax.switch(i32(k), branches, f64(0.5)), ref(k, 0.5), F64_TOL);
    }
  });

  it("a traced index under jit is clamped at run time", () => {
    const j = jit((k: Tensor, x: Tensor) => lax.switch(k, branches, x));
    for (const k of [-3, 0, 1, 2, 7]) expectClose(j(i32(k), f64(0.5)), ref(k, 0.5), F64_TOL);
  });

  it("one branch: always taken", () => {
    for (const k of [-1, 0, 5]) expectTensor(lax.switch(k, [(x: Tensor) => x.mul(3)], f64(2)), 6);
  });

  it("grad of each branch, including clamped indices", () => {
    const d = (k: number, x: number) => {
      const i = Math.min(Math.max(k, 0), 2);
      return i === 0 ? 1 : i === 1 ? 10 : Math.cos(x);
    };
    for (const k of [-1, 0, 1, 2, 9]) {
      const g = grad((x: Tensor) => lax.switch(i32(k), branches, x))(f64(0.5));
      expectClose(g, d(k, 0.5), F64_TOL);
    }
  });

  it("vmap with a batched index (clamped per example) and a batched operand", () => {
    const ks = [-2, 0, 1, 2, 5];
    const xs = data(5, 80);
    const out = vmap((k: Tensor, x: Tensor) => lax.switch(k, branches, x))(i32(ks), f64(xs));
    expectClose(
      out,
      ks.map((k, b) => ref(k, xs[b]!)),
      F64_TOL,
    );
    // batched index, unbatched operand
    const out2 = vmap((k: Tensor) => lax.switch(k, branches, f64(0.5)))(i32(ks));
    expectClose(
      out2,
      ks.map((k) => ref(k, 0.5)),
      F64_TOL,
    );
  });
});

describe("vmap", () => {
  it("a batched predicate selects per example (the law: equals the per-example results stacked)", () => {
    const xs = [1.5, -0.7, 0.3, -2.2, 0];
    const out = vmap(piecewise)(f64(xs));
    expectClose(out, xs.map(piecewiseRef), F64_TOL);
    expect(valuesOf(out)).toEqual(valuesOf(np.stack(xs.map((x) => piecewise(f64(x))))));
    // predicate and operand separate batched arguments
    const preds = [true, false, false, true];
    const vs = data(4, 81);
    const out2 = vmap((p: Tensor, x: Tensor) => lax.cond(p, double, negate, x))(np.array(preds), f64(vs));
    expectClose(
      out2,
      vs.map((v, b) => (preds[b] ? 2 * v : -v)),
      F64_TOL,
    );
  });

  it("a batched predicate with an unbatched operand, and pytree outputs of mixed dtypes", () => {
    const preds = [true, false, true];
    const out = vmap((p: Tensor) =>
      lax.cond(
        p,
        (x: Tensor) => ({ v: x.mul(2), k: i32(1) }),
        (x: Tensor) => ({ v: x.neg(), k: i32(2) }),
        f64([1, 2]),
      ),
    )(np.array(preds));
    expectTensor(
      out.v,
      [
        [2, 4],
        [-1, -2],
        [2, 4],
      ],
      "float64",
    );
    expectTensor(out.k, [1, 2, 1], "int32");
  });

  it("an unbatched predicate with a batched operand (inAxes null for the predicate; and a closed-over one)", () => {
    const vs = data(4, 82);
    for (const p of [true, false]) {
      const out = vmap((q: Tensor, x: Tensor) => lax.cond(q, double, negate, x), { inAxes: [null, 0] })(
        np.array(p),
        f64(vs),
      );
      expectClose(
        out,
        vs.map((v) => (p ? 2 * v : -v)),
        F64_TOL,
      );
      const out2 = vmap((x: Tensor) => lax.cond(p, double, negate, x))(f64(vs));
      expectClose(
        out2,
        vs.map((v) => (p ? 2 * v : -v)),
        F64_TOL,
      );
    }
  });

  it("a batched operand only one branch reads; the other branch returns a constant", () => {
    const vs = data(3, 83);
    for (const p of [true, false]) {
      const out = vmap((x: Tensor) =>
        lax.cond(
          p,
          (v: Tensor) => v.mul(v),
          (_v: Tensor) => f64(7),
          x,
        ),
      )(f64(vs));
      expectClose(
        out,
        vs.map((v) => (p ? v * v : 7)),
        F64_TOL,
      );
    }
  });

  it("grad of vmap of cond (the predicate batched): per-example derivatives of whichever branch each took", () => {
    const xs = [1.5, -0.7, 0.3, -2.2];
    const g = grad((v: Tensor) => vmap(piecewise)(v).sum())(f64(xs));
    expectClose(g, xs.map(piecewiseD), F64_TOL);
    expectClose(jit(grad((v: Tensor) => vmap(piecewise)(v).sum()))(f64(xs)), xs.map(piecewiseD), F64_TOL);
  });

  it("vmap of grad of cond, and vmap of jvp", () => {
    const xs = [1.5, -0.7, 0.3, -2.2];
    expectClose(vmap(grad(piecewise))(f64(xs)), xs.map(piecewiseD), F64_TOL);
    expectClose(jit(vmap(grad(piecewise)))(f64(xs)), xs.map(piecewiseD), F64_TOL);
    const t = vmap((x: Tensor) => jvp(piecewise, [x], [f64(1)])[1])(f64(xs));
    expectClose(t, xs.map(piecewiseD), F64_TOL);
    expectClose(vmap(grad(grad(piecewise)))(f64(xs)), xs.map(piecewiseD2), F64_TOL);
  });

  it("vmap of vmap of cond (a predicate batched on both levels)", () => {
    const X = [
      [1, -1, 2],
      [-3, 4, -0.5],
    ];
    const out = vmap(vmap(piecewise))(f64(X));
    expectClose(
      out,
      X.map((r) => r.map(piecewiseRef)),
      F64_TOL,
    );
  });
});

describe("cond inside scan", () => {
  // c ← c > 1 ? c/2 + x : 3c·x (a piecewise recurrence; no test point sits on the boundary)
  const step = (c: Tensor, x: Tensor) => {
    const next = lax.cond(
      np.greater(c, 1),
      (a: Tensor, b: Tensor) => a.mul(0.5).add(b),
      (a: Tensor, b: Tensor) => a.mul(3).mul(b),
      c,
      x,
    );
    return [next, next] as const;
  };
  const ref = (c0: number, xs: readonly number[]) => {
    let c = c0;
    const ys = xs.map((x) => {
      c = c > 1 ? c / 2 + x : 3 * c * x;
      return c;
    });
    return { c, ys };
  };
  const xs = [0.9, 1.3, 0.2, 0.8, 1.7, 0.4, 1.1];

  it("values, eager and jit", () => {
    const [c, ys] = lax.scan(step, f64(0.7), f64(xs));
    expectClose(c, ref(0.7, xs).c, F64_TOL);
    expectClose(ys, ref(0.7, xs).ys, F64_TOL);
    const [cj, yj] = jit((v: Tensor) => lax.scan(step, f64(0.7), v))(f64(xs));
    expect(valuesOf(cj)).toEqual(valuesOf(c));
    expect(valuesOf(yj)).toEqual(valuesOf(ys));
  });

  it("grad w.r.t. the xs and the initial carry against central differences", () => {
    const loss = (c0: Tensor, v: Tensor) => {
      const [c, ys] = lax.scan(step, c0, v);
      return ys.sum().add(c);
    };
    const L = (c0: number, v: number[]) => {
      const r = ref(c0, v);
      return r.ys.reduce((a, b) => a + b, 0) + r.c;
    };
    const [gc, gx] = grad(loss, { argnums: [0, 1] })(f64(0.7), f64(xs));
    expectClose(gc, fdGrad((v) => L(v[0]!, xs), [0.7])[0]!, FD_TOL);
    expectClose(
      gx,
      fdGrad((v) => L(0.7, v), xs),
      FD_TOL,
    );
  });

  it("vmap over the initial carry: each example follows its own branches", () => {
    const c0s = [0.7, 1.4, 2.5];
    const [c] = vmap((c0: Tensor) => lax.scan(step, c0, f64(xs)))(f64(c0s));
    expectClose(
      c,
      c0s.map((c0) => ref(c0, xs).c),
      F64_TOL,
    );
  });
});
