// Control flow composed with the transforms and with itself, deeper than the per-primitive files: vmap of vmap, jit
// of vmap and vmap of jit, per-example Hessians, forward-over-reverse, switch driven by scanned indices, scans inside
// branches, Newton loops inside scans, mixed-dtype pytree xs, and reverse mode past a whileLoop that carries no
// tangent. Every value is checked against plain-JS loops or central differences.

import { describe, expect, it } from "vitest";
import {
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  np,
  type Tensor,
  vjp,
  vmap,
} from "../../src/index.js";
import { expectClose, expectTensor, valuesOf } from "../helpers.js";
import { data, F64_TOL, FD_TOL, f64, fd2, fdGrad, fdJac, i32, matrix, rows } from "./util.js";

/** c ← tanh(w·c + x), y = c·x; the loss Σy + c_T. */
const step = (w: Tensor) => (c: Tensor, x: Tensor) => {
  const next = np.tanh(w.mul(c).add(x));
  return [next, next.mul(x)] as const;
};
const loss = (w: Tensor, c0: Tensor, xs: Tensor) => {
  const [c, ys] = lax.scan(step(w), c0, xs);
  return ys.sum().add(c);
};
const lossRef = (w: number, c0: number, xs: readonly number[]) => {
  let c = c0;
  let s = 0;
  for (const x of xs) {
    c = Math.tanh(w * c + x);
    s += c * x;
  }
  return s + c;
};

describe("vmap with jit and with itself", () => {
  const X = [matrix(3, 5, 100), matrix(3, 5, 101)]; // [2, 3, 5]: two batch levels over sequences of 5

  it("vmap(vmap(scan)) against per-sequence JS loops", () => {
    const out = vmap(vmap((xs: Tensor) => loss(f64(0.7), f64(0.1), xs)))(f64(X));
    expectClose(
      out,
      X.map((m) => m.map((xs) => lossRef(0.7, 0.1, xs))),
      F64_TOL,
    );
  });

  it("vmap(jit(scan)) and jit(vmap(scan)) equal vmap(scan) bit for bit (float64)", () => {
    const f = (xs: Tensor) => loss(f64(0.7), f64(0.1), xs);
    const base = vmap(f)(f64(X[0]!));
    expect(valuesOf(vmap(jit(f))(f64(X[0]!)))).toEqual(valuesOf(base));
    expect(valuesOf(jit(vmap(f))(f64(X[0]!)))).toEqual(valuesOf(base));
    expectClose(
      base,
      X[0]!.map((xs) => lossRef(0.7, 0.1, xs)),
      F64_TOL,
    );
  });

  it("vmap over the weight, the initial carry and the xs at once, with in_axes per argument", () => {
    const ws = [0.3, 0.9, -0.5];
    const c0s = [0.1, -0.2, 0.4];
    const xsT = X[0]![0]!.map((_, t) => X[0]!.map((r) => r[t]!)); // [5, 3]: the batch on axis 1
    const out = vmap(loss, { inAxes: [0, 0, 1] })(f64(ws), f64(c0s), f64(xsT));
    expectClose(
      out,
      ws.map((w, b) => lossRef(w, c0s[b]!, X[0]![b]!)),
      F64_TOL,
    );
  });

  it("vmap of cond whose branch closes over a batched value, with an unbatched predicate", () => {
    const ws = [1, 2, 3];
    for (const p of [true, false]) {
      const out = vmap((w: Tensor) =>
        lax.cond(
          p,
          (x: Tensor) => x.mul(w),
          (x: Tensor) => x.add(1),
          f64(5),
        ),
      )(f64(ws));
      expectTensor(
        out,
        ws.map((w) => (p ? 5 * w : 6)),
      );
    }
  });
});

describe("higher order", () => {
  const xs = data(6, 102);

  it("per-example Hessians: vmap(hessian(scan loss)) against second differences", () => {
    const ws = [0.4, -0.9, 1.3];
    const h = vmap(hessian((w: Tensor) => loss(w, f64(0.2), f64(xs))))(f64(ws));
    expectClose(
      h,
      ws.map((w) => fd2((v) => lossRef(v, 0.2, xs), w)),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  it("forward-over-reverse: jvp(grad(scan)) is a Hessian-vector product", () => {
    const f = (p: Tensor) => loss(p.slice(0), p.slice(1), f64(xs));
    const p0 = [0.6, 0.3];
    const v = [1, -2];
    const [g, hv] = jvp(grad(f), [f64(p0)], [f64(v)]);
    const ref = (p: number[]) => lossRef(p[0]!, p[1]!, xs);
    expectClose(g, fdGrad(ref, p0), FD_TOL);
    const H = fdJac((p) => fdGrad(ref, p, 1e-4), p0, 1e-4);
    expectClose(
      hv,
      H.map((r) => r[0]! * v[0]! + r[1]! * v[1]!),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  it("jacfwd(jacrev) and jacrev(jacfwd) of a scan with a cond inside agree with each other", () => {
    const f = (x: Tensor) =>
      lax.scan(
        (c: Tensor, v: Tensor) => {
          const n = lax.cond(
            np.greater(v, 0),
            (a: Tensor) => np.sin(a.mul(v)),
            (a: Tensor) => a.mul(a).mul(v),
            c,
          );
          return [n, null] as const;
        },
        f64(0.8),
        x,
      )[0];
    const x0 = [0.5, -0.3, 1.2];
    const ref = (x: number[]) => {
      let c = 0.8;
      for (const v of x) c = v > 0 ? Math.sin(c * v) : c * c * v;
      return c;
    };
    const H1 = jacfwd(jacrev(f))(f64(x0));
    const H2 = jacrev(jacfwd(f))(f64(x0));
    expect(H1.shape).toEqual([3, 3]);
    expectClose(H2, rows(valuesOf(H1), 3), { rtol: 1e-10, atol: 1e-12 });
    expectClose(
      H1,
      fdJac((x) => fdGrad(ref, x, 1e-4), x0, 1e-4),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  it("linearize(jit(scan)) and vjp(jit(scan))", () => {
    const f = jit((x: Tensor) => loss(f64(0.7), f64(0.1), x));
    const g = fdGrad((x) => lossRef(0.7, 0.1, x), xs);
    const [y, fJvp] = linearize(f, f64(xs));
    expectClose(y, lossRef(0.7, 0.1, xs), F64_TOL);
    const v = data(6, 103);
    expectClose(
      fJvp(f64(v)),
      g.reduce((s, d, i) => s + d * v[i]!, 0),
      FD_TOL,
    );
    const [, back] = vjp(f, f64(xs));
    expectClose(
      back(f64(2))[0],
      g.map((d) => 2 * d),
      FD_TOL,
    );
  });
});

describe("control flow inside control flow", () => {
  it("switch driven by int32 xs inside a scan: values, grad w.r.t. the float xs, and vmap over the indices", () => {
    const ks = [0, 2, 1, 5, -1, 1];
    const vs = data(6, 104);
    const f = (k: Tensor, v: Tensor) =>
      lax.scan(
        (c: Tensor, x: { k: Tensor; v: Tensor }) => {
          const n = lax.switch(
            x.k,
            [
              (a: Tensor, b: Tensor) => a.add(b),
              (a: Tensor, b: Tensor) => a.mul(b),
              (a: Tensor, b: Tensor) => np.sin(a).sub(b),
            ],
            c,
            x.v,
          );
          return [n, n] as const;
        },
        f64(0.5),
        { k, v },
      );
    const ref = (k: number[], v: number[]) => {
      let c = 0.5;
      const ys = k.map((kk, t) => {
        const i = Math.min(Math.max(kk, 0), 2);
        c = i === 0 ? c + v[t]! : i === 1 ? c * v[t]! : Math.sin(c) - v[t]!;
        return c;
      });
      return { c, ys };
    };
    const [c, ys] = f(i32(ks), f64(vs));
    expectClose(c, ref(ks, vs).c, F64_TOL);
    expectClose(ys, ref(ks, vs).ys, F64_TOL);
    const g = grad((v: Tensor) => f(i32(ks), v)[0])(f64(vs));
    expectClose(
      g,
      fdGrad((v) => ref(ks, v).c, vs),
      FD_TOL,
    );
    const K = [ks, [1, 1, 1, 1, 1, 1], [2, 0, 2, 0, 2, 0]];
    const [cb] = vmap((k: Tensor) => f(k, f64(vs)))(i32(K));
    expectClose(
      cb,
      K.map((k) => ref(k, vs).c),
      F64_TOL,
    );
  });

  it("scans of different lengths inside the two branches of a cond; grad through the taken one", () => {
    const f = (p: Tensor, x: Tensor) =>
      lax.cond(
        p,
        (v: Tensor) => lax.scan((c: Tensor, _: null) => [c.mul(v), null] as const, f64(1), null, { length: 3 })[0],
        (v: Tensor) => lax.foriLoop(0, 5, (_i: Tensor, c: Tensor) => c.add(v), f64(0)),
        x,
      );
    expectClose(f(np.array(true), f64(1.5)), 1.5 ** 3, F64_TOL);
    expectClose(f(np.array(false), f64(1.5)), 7.5, F64_TOL);
    expectClose(grad(f, { argnums: 1 })(np.array(true), f64(1.5)), 3 * 1.5 ** 2, F64_TOL);
    expectClose(grad(f, { argnums: 1 })(np.array(false), f64(1.5)), 5, F64_TOL);
    // batched predicate: both branches run, each example picks its own
    const out = vmap(f)(np.array([true, false, true]), f64([2, 2, 0.5]));
    expectClose(out, [8, 10, 0.125], F64_TOL);
    const gb = vmap(grad(f, { argnums: 1 }))(np.array([true, false]), f64([2, 2]));
    expectClose(gb, [12, 5], F64_TOL);
  });

  it("a Newton whileLoop inside a scan: values, jvp (1/(2√x) per step), vmap; reverse mode blocked", () => {
    const sqrtScan = (xs: Tensor) =>
      lax.scan(
        (acc: Tensor, a: Tensor) => {
          const r = lax.whileLoop(
            (x: Tensor) => np.greater(np.abs(x.mul(x).sub(a)), a.mul(1e-13)),
            (x: Tensor) => x.add(a.div(x)).mul(0.5),
            a,
          );
          return [acc.add(r), r] as const;
        },
        f64(0),
        xs,
      );
    const as = [2, 9, 0.25, 5];
    const [total, roots] = sqrtScan(f64(as));
    expectClose(roots, as.map(Math.sqrt), { rtol: 1e-13, atol: 0 });
    expectClose(
      total,
      as.reduce((s, a) => s + Math.sqrt(a), 0),
      { rtol: 1e-13, atol: 0 },
    );
    const [, t] = jvp((x: Tensor) => sqrtScan(x)[1], [f64(as)], [f64([1, 1, 1, 1])]);
    expectClose(
      t,
      as.map((a) => 1 / (2 * Math.sqrt(a))),
      { rtol: 1e-10, atol: 0 },
    );
    const J = jacfwd((x: Tensor) => sqrtScan(x)[0])(f64(as));
    expectClose(
      J,
      as.map((a) => 1 / (2 * Math.sqrt(a))),
      { rtol: 1e-10, atol: 0 },
    );
    const vm = vmap((x: Tensor) => sqrtScan(x)[1])(f64([as, [1, 4, 16, 100]]));
    expectClose(vm, [as.map(Math.sqrt), [1, 2, 4, 10]], { rtol: 1e-13, atol: 0 });
    expect(() => grad((x: Tensor) => sqrtScan(x)[0])(f64(as))).toThrow(/scan/);
  });

  it("scan over pytree xs mixing int32 and float64 leaves: grad w.r.t. the float leaf only", () => {
    const vs = data(5, 105);
    const ks = [1, 0, 3, 2, 1];
    const f = (v: Tensor) =>
      lax.scan(
        (c: Tensor, x: [Tensor, Tensor]) => [c.mul(0.9).add(x[1].mul(x[0].astype("float64"))), null] as const,
        f64(0),
        [i32(ks), v] as [Tensor, Tensor],
      )[0];
    const ref = (v: number[]) => v.reduce((c, x, t) => c * 0.9 + x * ks[t]!, 0);
    expectClose(f(f64(vs)), ref(vs), F64_TOL);
    expectClose(grad(f)(f64(vs)), fdGrad(ref, vs), FD_TOL);
  });

  it("lax.map inside grad inside vmap: per-example gradients of a mapped loss", () => {
    const M = [data(4, 106), data(4, 107)];
    const f = (x: Tensor) => lax.map((v: Tensor) => np.sin(v).mul(v), x).sum();
    const g = vmap(grad(f))(f64(M));
    expectClose(
      g,
      M.map((r) => r.map((v) => Math.cos(v) * v + Math.sin(v))),
      F64_TOL,
    );
  });

  it("grad past a whileLoop whose predicate reads x but whose carry has no tangent", () => {
    // n = the number of unit steps from 0 past x (a float carry that never depends on x's tangent); f = n·x²
    const f = (x: Tensor) => {
      const n = lax.whileLoop(
        (c: Tensor) => np.less(c, x),
        (c: Tensor) => c.add(1),
        f64(0),
      );
      return n.mul(x).mul(x);
    };
    expectClose(f(f64(3.5)), 4 * 3.5 * 3.5, F64_TOL);
    expectClose(grad(f)(f64(3.5)), 8 * 3.5, F64_TOL);
    expectClose(jit(grad(f))(f64(2.5)), 6 * 2.5, F64_TOL);
    expectClose(vmap(grad(f))(f64([0.5, 3.5])), [2 * 0.5, 8 * 3.5], F64_TOL);
  });

  it("scan inside vmap inside grad inside jit: the full stack against central differences", () => {
    const W = [0.3, -0.6, 0.9];
    const S = matrix(3, 4, 108);
    const total = (w: Tensor, s: Tensor) => vmap((wi: Tensor, si: Tensor) => loss(wi, f64(0.1), si))(w, s).sum();
    const g = jit(grad(total))(f64(W), f64(S));
    expectClose(
      g,
      W.map((w, b) => fdGrad((v) => lossRef(v[0]!, 0.1, S[b]!), [w])[0]!),
      FD_TOL,
    );
  });
});
