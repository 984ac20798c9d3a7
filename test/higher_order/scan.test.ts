// lax.scan and lax.map: values against plain-JS loops (carry and ys, pytrees, reverse, length without xs, length 0,
// unroll), derivatives against closed forms and central differences of plain-JS float64 references (an Elman RNN,
// scalar recurrences to second order, jvp, linearize, vjp with cotangents on carry and ys, jacfwd/jacrev), vmap
// against per-example results (xs on axis 0 and 1, init, closed-over consts, of grad, under jit), jit against eager
// bit for bit, closures over outer tracers, jit inside a body, and scan inside scan.

import { describe, expect, it } from "vitest";
import {
  grad,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  np,
  type Tensor,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";
import { expectClose, expectTensor, valuesOf } from "../helpers.js";
import { data, F64_TOL, FD_TOL, f64, fd2, fdGrad, fdJac, i32, matrix, matvec, rows } from "./util.js";

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS references

/** Inclusive cumulative sum: carry = running total, ys[t] = total after x_t. */
function cumsumRef(xs: readonly number[], init = 0): { carry: number; ys: number[] } {
  let c = init;
  const ys = xs.map((x) => (c += x));
  return { carry: c, ys };
}

/** Exclusive cumulative product: carry = product of all, ys[t] = product before x_t. */
function cumprodRef(xs: readonly number[], init = 1): { carry: number; ys: number[] } {
  let c = init;
  const ys = xs.map((x) => {
    const before = c;
    c *= x;
    return before;
  });
  return { carry: c, ys };
}

/** c ← sin(a·c + x_t), y_t = c² (the nonlinear scalar recurrence several tests differentiate). */
function sinRecRef(a: number, c0: number, xs: readonly number[]): { carry: number; ys: number[] } {
  let c = c0;
  const ys = xs.map((x) => {
    c = Math.sin(a * c + x);
    return c * c;
  });
  return { carry: c, ys };
}
const sinRec = (a: Tensor, c0: Tensor, xs: Tensor) =>
  lax.scan(
    (c: Tensor, x: Tensor) => {
      const next = np.sin(a.mul(c).add(x));
      return [next, next.mul(next)] as const;
    },
    c0,
    xs,
  );

// ---------------------------------------------------------------------------------------------------------------
// The Elman RNN h_t = tanh(W h_{t−1} + U x_t + b): sizes, a flat packing of its parameters, and its JS reference

const H = 3;
const D = 2;
const T = 5;
interface Rnn {
  W: Tensor;
  U: Tensor;
  b: Tensor;
}
const W0 = matrix(H, H, 1, -0.8, 0.8);
const U0 = matrix(H, D, 2, -0.8, 0.8);
const b0 = data(H, 3, -0.3, 0.3);
const h00 = data(H, 4, -0.5, 0.5);
const xs0 = matrix(T, D, 5, -1, 1);
const targets = matrix(T, H, 6, -0.5, 0.5);

function rnnRef(W: number[][], U: number[][], b: number[], h0: number[], xs: number[][]) {
  let h = h0;
  const hs = xs.map((x) => {
    const [wh, ux] = [matvec(W, h), matvec(U, x)];
    h = wh.map((v, i) => Math.tanh(v + ux[i]! + b[i]!));
    return h;
  });
  return { h, hs };
}
/** Σ_t ‖h_t − target_t‖² + Σ h_T: a loss that reads both the ys and the final carry. */
function rnnLossRef(W: number[][], U: number[][], b: number[], h0: number[], xs: number[][]): number {
  const { h, hs } = rnnRef(W, U, b, h0, xs);
  const sq = hs.reduce((s, ht, t) => s + ht.reduce((u, v, i) => u + (v - targets[t]![i]!) ** 2, 0), 0);
  return sq + h.reduce((s, v) => s + v, 0);
}
const rnn = (p: Rnn, h0: Tensor, xs: Tensor) =>
  lax.scan(
    (h: Tensor, x: Tensor) => {
      const next = np.tanh(p.W.matmul(h).add(p.U.matmul(x)).add(p.b));
      return [next, next] as const;
    },
    h0,
    xs,
  );
const rnnLoss = (p: Rnn, h0: Tensor, xs: Tensor) => {
  const [h, hs] = rnn(p, h0, xs);
  return np
    .square(hs.sub(f64(targets)))
    .sum()
    .add(h.sum());
};
const params0: Rnn = { W: f64(W0), U: f64(U0), b: f64(b0) };
const packParams = (): number[] => [...W0.flat(), ...U0.flat(), ...b0];
const unpackParams = (v: number[]) => ({
  W: rows(v.slice(0, H * H), H),
  U: rows(v.slice(H * H, H * H + H * D), D),
  b: v.slice(H * H + H * D),
});

// ---------------------------------------------------------------------------------------------------------------

describe("values against plain-JS loops", () => {
  it("cumulative sum: the carry is the total, ys the running totals (float64 and float32)", () => {
    const xs = data(9, 11);
    const ref = cumsumRef(xs, 0.5);
    const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.add(x)] as const, f64(0.5), f64(xs));
    expectClose(c, ref.carry, F64_TOL);
    expectClose(ys, ref.ys, F64_TOL);
    expect([c.dtype, ys.dtype]).toEqual(["float64", "float64"]);
    const [c32, ys32] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.add(x)] as const, np.array(0.5), np.array(xs));
    expect([c32.dtype, ys32.dtype]).toEqual(["float32", "float32"]);
    expectClose(ys32, ref.ys, { rtol: 1e-5, atol: 1e-5 });
  });

  it("cumulative product: ys are the carries before each step (an exclusive scan)", () => {
    const xs = data(8, 12, 0.5, 1.5);
    const ref = cumprodRef(xs, 2);
    const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.mul(x), c] as const, f64(2), f64(xs));
    expectClose(c, ref.carry, F64_TOL);
    expectClose(ys, ref.ys, F64_TOL);
  });

  it("integer carries and xs: int32 running sum and a step counter", () => {
    const xs = [3, -1, 4, 1, -5, 9, 2];
    const [[s, n], ys] = lax.scan(
      (c: [Tensor, Tensor], x: Tensor) => [[c[0].add(x), c[1].add(1)], c[0].mul(x)] as const,
      [i32(0), i32(0)] as [Tensor, Tensor],
      i32(xs),
    );
    expectTensor(s, cumsumRef(xs).carry, "int32");
    expectTensor(n, xs.length, "int32");
    const before = [0, ...cumsumRef(xs).ys.slice(0, -1)];
    expectTensor(
      ys,
      xs.map((x, t) => before[t]! * x),
      "int32",
    );
  });

  it("a vector carry and matrix xs: ys stack along a new leading axis", () => {
    const X = matrix(6, 3, 13);
    const [c, ys] = lax.scan(
      (c: Tensor, x: Tensor) => [c.add(x), np.stack([c.sum(), x.sum()])] as const,
      f64([0, 0, 0]),
      f64(X),
    );
    const acc = [0, 0, 0];
    const want = X.map((x) => {
      const row = [acc.reduce((a, b) => a + b, 0), x.reduce((a, b) => a + b, 0)];
      x.forEach((v, i) => {
        acc[i]! += v;
      });
      return row;
    });
    expectClose(c, acc, F64_TOL);
    expectClose(ys, want, F64_TOL);
  });

  it("pytree carry (object with an array inside) and pytree xs; pytree ys", () => {
    const n = 5;
    const U = matrix(n, 2, 14);
    const v0 = data(n, 15);
    const V = matrix(n, 3, 16);
    type C = { h: Tensor; k: [Tensor, Tensor] };
    type X = { u: Tensor; v: [Tensor, Tensor] };
    const [c, ys] = lax.scan(
      (c: C, x: X) =>
        [
          { h: c.h.add(x.u), k: [c.k[0].mul(x.v[0]), c.k[1].add(1)] as [Tensor, Tensor] },
          { s: x.v[1].sum().add(c.k[0]), p: [c.h.mul(x.u)] },
        ] as const,
      { h: f64([1, -1]), k: [f64(1), i32(0)] } as C,
      { u: f64(U), v: [f64(v0), f64(V)] } as X,
    );
    let h = [1, -1];
    let k0 = 1;
    const s: number[] = [];
    const p: number[][] = [];
    for (let t = 0; t < n; t++) {
      s.push(V[t]!.reduce((a, b) => a + b, 0) + k0);
      p.push(h.map((hv, i) => hv * U[t]![i]!));
      h = h.map((hv, i) => hv + U[t]![i]!);
      k0 *= v0[t]!;
    }
    expectClose(c.h, h, F64_TOL);
    expectClose(c.k[0], k0, F64_TOL);
    expectTensor(c.k[1], n, "int32");
    expectClose(ys.s, s, F64_TOL);
    expect(ys.p).toHaveLength(1);
    expectClose(ys.p[0], p, F64_TOL);
  });

  it("ys = null gives null ys, as JAX's None", () => {
    const xs = data(4, 17);
    const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), null] as const, f64(0), f64(xs));
    expectClose(c, cumsumRef(xs).carry, F64_TOL);
    expect(ys).toBeNull();
  });

  it("carry = null: a scan that only maps", () => {
    const xs = data(5, 18);
    const [c, ys] = lax.scan((_c: null, x: Tensor) => [null, x.mul(x)] as const, null, f64(xs));
    expect(c).toBeNull();
    expectClose(
      ys,
      xs.map((x) => x * x),
      F64_TOL,
    );
  });

  it("reverse: iterates from the last element; ys still line up with xs", () => {
    const xs = data(7, 19);
    const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.add(x)] as const, f64(0), f64(xs), {
      reverse: true,
    });
    const ref = cumsumRef([...xs].reverse());
    expectClose(c, ref.carry, F64_TOL);
    expectClose(ys, [...ref.ys].reverse(), F64_TOL);
    // an order-sensitive recurrence tells the two directions apart
    const [c2, ys2] = lax.scan((c: Tensor, x: Tensor) => [c.mul(0.5).add(x), c] as const, f64(0), f64(xs), {
      reverse: true,
    });
    let acc = 0;
    const want = new Array<number>(xs.length);
    for (let t = xs.length - 1; t >= 0; t--) {
      want[t] = acc;
      acc = acc * 0.5 + xs[t]!;
    }
    expectClose(c2, acc, F64_TOL);
    expectClose(ys2, want, F64_TOL);
  });

  it("length with xs = null: the body receives null; powers of two", () => {
    const seen: unknown[] = [];
    const [c, ys] = lax.scan(
      (c: Tensor, x: null) => {
        seen.push(x);
        return [c.mul(2), c] as const;
      },
      f64(1),
      null,
      { length: 6 },
    );
    expectTensor(c, 64, "float64");
    expectTensor(ys, [1, 2, 4, 8, 16, 32], "float64");
    expect(seen.every((x) => x === null || x === undefined)).toBe(true);
    // reverse with no xs: the same carry, ys filled from the end
    const [c2, ys2] = lax.scan((c: Tensor, _: null) => [c.mul(2), c] as const, f64(1), null, {
      length: 4,
      reverse: true,
    });
    expectTensor(c2, 16);
    expectTensor(ys2, [8, 4, 2, 1]);
  });

  it("length agreeing with xs is accepted", () => {
    const [c] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), null] as const, f64(0), f64([1, 2, 3]), { length: 3 });
    expectTensor(c, 6);
  });

  it("length 0: the carry is the initial one, ys have shape [0, ...] and the body's dtype", () => {
    const [c, ys] = lax.scan(
      (c: Tensor, x: Tensor) => [c.add(x.sum()), { a: x.mul(2), b: x.sum().astype("int32") }] as const,
      f64(7),
      np.zeros([0, 3], { dtype: "float64" }),
    );
    expectTensor(c, 7, "float64");
    expect(ys.a.shape).toEqual([0, 3]);
    expect(ys.a.dtype).toBe("float64");
    expect(ys.b.shape).toEqual([0]);
    expect(ys.b.dtype).toBe("int32");
    const [c2, ys2] = lax.scan((c: Tensor, _: null) => [c.add(1), c.reshape([1, 1])] as const, f64(3), null, {
      length: 0,
    });
    expectTensor(c2, 3);
    expect(ys2.shape).toEqual([0, 1, 1]);
    // and under grad, jit and vmap
    const g = grad((x: Tensor) => lax.scan((c: Tensor, y: Tensor) => [c.mul(y), null] as const, x, f64([]))[0]);
    expectTensor(g(f64(2)), 1);
    expectTensor(
      jit((x: Tensor) => lax.scan((c: Tensor, y: Tensor) => [c.mul(y), y] as const, x, f64([]))[1])(f64(2)),
      [],
    );
    const v = vmap((x: Tensor) => lax.scan((c: Tensor, y: Tensor) => [c.mul(y), y] as const, x, f64([]))[1]);
    expect(v(f64([1, 2])).shape).toEqual([2, 0]);
  });

  it("length 1 and a long scan (1000 steps) against the loop", () => {
    const [c1, ys1] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.mul(x)] as const, f64(2), f64([5]));
    expectTensor(c1, 7);
    expectTensor(ys1, [10]);
    const xs = data(1000, 20, 0, 0.002);
    const ref = cumsumRef(xs);
    const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.add(x)] as const, f64(0), f64(xs));
    expectClose(c, ref.carry, F64_TOL);
    expectClose(ys, ref.ys, F64_TOL);
  });

  it("unroll does not change the results (eager and jit, every unroll including ones not dividing the length)", () => {
    const xs = f64(data(10, 21));
    const run = (unroll: number) => (x: Tensor) =>
      lax.scan((c: Tensor, x: Tensor) => [np.sin(c).add(x), c.mul(x)] as const, f64(0.3), x, { unroll });
    const [c1, ys1] = run(1)(xs);
    const ref = { c: 0.3, ys: [] as number[] };
    for (const x of valuesOf(xs)) {
      ref.ys.push(ref.c * x);
      ref.c = Math.sin(ref.c) + x;
    }
    expectClose(c1, ref.c, F64_TOL);
    expectClose(ys1, ref.ys, F64_TOL);
    for (const u of [2, 3, 4, 7, 10, 25]) {
      for (const [c, ys] of [run(u)(xs), jit(run(u))(xs)]) {
        expect(valuesOf(c), `unroll ${u}`).toEqual(valuesOf(c1));
        expect(valuesOf(ys), `unroll ${u}`).toEqual(valuesOf(ys1));
      }
    }
    // the gradient too
    const g = (u: number) => grad((x: Tensor) => run(u)(x)[1].sum().add(run(u)(x)[0]))(xs);
    expect(valuesOf(g(3))).toEqual(valuesOf(g(1)));
  });

  it("lax.map: f over the leading axis, pytree in and out", () => {
    const X = matrix(4, 3, 22);
    const out = lax.map((r: { x: Tensor; k: Tensor }) => ({ s: r.x.sum().mul(r.k), sq: [r.x.mul(r.x)] }), {
      x: f64(X),
      k: f64([1, 2, 3, 4]),
    });
    expectClose(
      out.s,
      X.map((r, i) => r.reduce((a, b) => a + b, 0) * (i + 1)),
      F64_TOL,
    );
    expectClose(
      out.sq[0],
      X.map((r) => r.map((v) => v * v)),
      F64_TOL,
    );
    const g = grad((x: Tensor) => lax.map((r: Tensor) => np.sin(r).sum(), x).sum())(f64(X));
    expectClose(
      g,
      X.map((r) => r.map(Math.cos)),
      F64_TOL,
    );
  });
});

describe("jit and eager agree", () => {
  const body = (c: Tensor, x: Tensor) => [np.tanh(c.mul(x).add(0.1)), np.exp(c.neg()).mul(x)] as const;

  it("float64: jit(scan) equals eager bit for bit (forward and grad)", () => {
    const xs = f64(data(12, 23));
    const f = (x: Tensor) => lax.scan(body, f64(0.5), x);
    const [ce, ye] = f(xs);
    const [cj, yj] = jit(f)(xs);
    expect(valuesOf(cj)).toEqual(valuesOf(ce));
    expect(valuesOf(yj)).toEqual(valuesOf(ye));
    const loss = (x: Tensor) => {
      const [c, ys] = f(x);
      return ys.sum().add(c);
    };
    expect(valuesOf(jit(grad(loss))(xs))).toEqual(valuesOf(grad(loss)(xs)));
    expect(valuesOf(grad(jit(loss))(xs))).toEqual(valuesOf(grad(loss)(xs)));
  });

  it("float32: jit with float32 'exact' equals eager bit for bit; the default mode is close", () => {
    const xs = np.array(data(12, 24));
    const f = (x: Tensor) => lax.scan(body, np.array(0.5), x);
    const [ce, ye] = f(xs);
    const [cj, yj] = jit(f, { float32: "exact" })(xs);
    expect(cj.toTypedArray()).toEqual(ce.toTypedArray());
    expect(yj.toTypedArray()).toEqual(ye.toTypedArray());
    const [cf, yf] = jit(f)(xs);
    expectClose(cf, ce.item() as number, { rtol: 1e-5, atol: 1e-6 });
    expectClose(yf, valuesOf(ye), { rtol: 1e-5, atol: 1e-6 });
  });

  it("a jitted scan runs again on new values from the cache (no retrace) and stays correct", () => {
    let traces = 0;
    const f = jit((x: Tensor) => {
      traces++;
      return lax.scan((c: Tensor, x: Tensor) => [c.add(x), c] as const, f64(0), x)[0];
    });
    for (let k = 0; k < 4; k++) {
      const xs = data(6, 30 + k);
      expectClose(f(f64(xs)), cumsumRef(xs).carry, F64_TOL);
    }
    expect(traces).toBe(1);
  });
});

describe("reverse mode", () => {
  it("grad of a loss through an Elman RNN w.r.t. W, U, b against central differences", () => {
    const g = grad(rnnLoss)(params0, f64(h00), f64(xs0));
    const want = fdGrad((v) => {
      const p = unpackParams(v);
      return rnnLossRef(p.W, p.U, p.b, h00, xs0);
    }, packParams());
    const got = unpackParams(want);
    expectClose(g.W, got.W, FD_TOL);
    expectClose(g.U, got.U, FD_TOL);
    expectClose(g.b, got.b, FD_TOL);
    // and the loss value itself
    expectClose(rnnLoss(params0, f64(h00), f64(xs0)), rnnLossRef(W0, U0, b0, h00, xs0), F64_TOL);
  });

  it("grad w.r.t. the initial carry and the xs (argnums [1, 2])", () => {
    const [gh, gx] = grad(rnnLoss, { argnums: [1, 2] })(params0, f64(h00), f64(xs0));
    expectClose(
      gh,
      fdGrad((h) => rnnLossRef(W0, U0, b0, h, xs0), h00),
      FD_TOL,
    );
    expectClose(
      gx,
      rows(
        fdGrad((x) => rnnLossRef(W0, U0, b0, h00, rows(x, D)), xs0.flat()),
        D,
      ),
      FD_TOL,
    );
  });

  it("grad of a reverse scan against central differences", () => {
    const xs = data(6, 40);
    const f = (x: Tensor) => {
      const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [np.sin(c.mul(1.3).add(x)), c.mul(x)] as const, f64(0.2), x, {
        reverse: true,
      });
      return ys.sum().add(c.mul(c));
    };
    const ref = (x: number[]) => {
      let c = 0.2;
      let s = 0;
      for (let t = x.length - 1; t >= 0; t--) {
        s += c * x[t]!;
        c = Math.sin(c * 1.3 + x[t]!);
      }
      return s + c * c;
    };
    expectClose(f(f64(xs)), ref(xs), F64_TOL);
    expectClose(grad(f)(f64(xs)), fdGrad(ref, xs), FD_TOL);
  });

  it("grad w.r.t. a weight the body closes over (an outer tracer hoisted into the scan)", () => {
    const xs = data(7, 41);
    const g = grad((a: Tensor) => {
      const [c, ys] = sinRec(a, f64(0.1), f64(xs));
      return ys.sum().add(c);
    });
    const ref = (a: number) => {
      const r = sinRecRef(a, 0.1, xs);
      return r.ys.reduce((s, v) => s + v, 0) + r.carry;
    };
    for (const a of [0.7, -1.2, 2.0]) expectClose(g(f64(a)), fdGrad((v) => ref(v[0]!), [a])[0]!, FD_TOL);
  });

  it("valueAndGrad through scan with a captured pytree of weights", () => {
    const [v, g] = valueAndGrad((p: Rnn) => rnnLoss(p, f64(h00), f64(xs0)))(params0);
    expectClose(v, rnnLossRef(W0, U0, b0, h00, xs0), F64_TOL);
    const fd = unpackParams(
      fdGrad((w) => {
        const p = unpackParams(w);
        return rnnLossRef(p.W, p.U, p.b, h00, xs0);
      }, packParams()),
    );
    expectClose(g.b, fd.b, FD_TOL);
  });

  it("grad(grad(scan)) of c ← a·c over n steps is n(n−1)a^(n−2)", () => {
    const n = 6;
    const f = (a: Tensor) =>
      lax.scan((c: Tensor, _: null) => [c.mul(a), null] as const, f64(1), null, { length: n })[0];
    for (const a of [0.5, 1.3, -0.8]) {
      expectClose(f(f64(a)), a ** n, F64_TOL);
      expectClose(grad(f)(f64(a)), n * a ** (n - 1), F64_TOL);
      expectClose(grad(grad(f))(f64(a)), n * (n - 1) * a ** (n - 2), F64_TOL);
      expectClose(grad(grad(grad(f)))(f64(a)), n * (n - 1) * (n - 2) * a ** (n - 3), F64_TOL);
    }
  });

  it("grad(grad(scan)) of the nonlinear recurrence c ← sin(a·c + x) against second differences", () => {
    const xs = data(5, 42);
    const f = (a: Tensor) => {
      const [c, ys] = sinRec(a, f64(0.4), f64(xs));
      return ys.sum().add(c);
    };
    const ref = (a: number) => {
      const r = sinRecRef(a, 0.4, xs);
      return r.ys.reduce((s, v) => s + v, 0) + r.carry;
    };
    for (const a of [0.6, 1.7]) expectClose(grad(grad(f))(f64(a)), fd2(ref, a), { rtol: 1e-5, atol: 1e-6 });
  });

  it("vjp with cotangents on both the final carry and the ys", () => {
    const xs = data(6, 43);
    const [ctC, ctY] = [0.7, data(6, 44)];
    const f = (x: Tensor, c0: Tensor) => sinRec(f64(1.1), c0, x);
    const [[c, ys], back] = vjp(f, f64(xs), f64(0.3));
    const ref = sinRecRef(1.1, 0.3, xs);
    expectClose(c, ref.carry, F64_TOL);
    expectClose(ys, ref.ys, F64_TOL);
    const [gx, gc] = back([f64(ctC), f64(ctY)]);
    const L = (x: number[], c0: number) => {
      const r = sinRecRef(1.1, c0, x);
      return ctC * r.carry + r.ys.reduce((s, y, t) => s + ctY[t]! * y, 0);
    };
    expectClose(
      gx,
      fdGrad((x) => L(x, 0.3), xs),
      FD_TOL,
    );
    expectClose(gc, fdGrad((v) => L(xs, v[0]!), [0.3])[0]!, FD_TOL);
    // a cotangent on the carry only, and on the ys only
    const [gxC] = back([f64(1), f64(new Array(6).fill(0))]);
    expectClose(
      gxC,
      fdGrad((x) => sinRecRef(1.1, 0.3, x).carry, xs),
      FD_TOL,
    );
    const [gxY] = back([f64(0), f64(ctY)]);
    expectClose(
      gxY,
      fdGrad((x) => sinRecRef(1.1, 0.3, x).ys.reduce((s, y, t) => s + ctY[t]! * y, 0), xs),
      FD_TOL,
    );
  });
});

describe("reverse mode: edge cases of what the body returns", () => {
  const xs = [1.5, -0.5, 2];

  it("partial derivatives w.r.t. a weight, a captured non-differentiated value and the xs (eager and jit)", () => {
    // c ← sin(w·c) + a·x, y = a·c; L = c_T + Σy
    const L = (w: Tensor, a: Tensor, x: Tensor) => {
      const [c, ys] = lax.scan(
        (c: Tensor, v: Tensor) => [np.sin(c.mul(w)).add(a.mul(v)), c.mul(a)] as const,
        f64(0.5),
        x,
      );
      return c.add(ys.sum());
    };
    const ref = (w: number, a: number, x: number[]) => {
      let [c, s] = [0.5, 0];
      for (const v of x) {
        s += c * a;
        c = Math.sin(c * w) + a * v;
      }
      return c + s;
    };
    const args = [f64(0.7), f64(1.3), f64(xs)] as const;
    for (const g of [grad(L, { argnums: [0, 1, 2] }), jit(grad(L, { argnums: [0, 1, 2] }))]) {
      const [gw, ga, gx] = g(...args);
      expectClose(gw, fdGrad((p) => ref(p[0]!, 1.3, xs), [0.7])[0]!, FD_TOL);
      expectClose(ga, fdGrad((p) => ref(0.7, p[0]!, xs), [1.3])[0]!, FD_TOL);
      expectClose(
        gx,
        fdGrad((x) => ref(0.7, 1.3, x), xs),
        FD_TOL,
      );
    }
    // each argument alone (the others then closed-over constants of the differentiated function)
    expectClose(grad(L, { argnums: 1 })(...args), fdGrad((p) => ref(0.7, p[0]!, xs), [1.3])[0]!, FD_TOL);
    expectClose(jit(grad(L, { argnums: 0 }))(...args), fdGrad((p) => ref(p[0]!, 1.3, xs), [0.7])[0]!, FD_TOL);
  });

  it("the new carry is the current x; ys read the old carry", () => {
    // ys = [5·x0, x0·x1, x1·x2]; ∂Σy/∂x = [5 + x1, x0 + x2, x1]
    const g = grad((x: Tensor) => lax.scan((c: Tensor, v: Tensor) => [v, c.mul(v)] as const, f64(5), x)[1].sum());
    expectClose(g(f64(xs)), [5 + xs[1]!, xs[0]! + xs[2]!, xs[1]!], F64_TOL);
  });

  it("the new carry is a captured weight or a literal; the carry passes through unchanged", () => {
    // carry ← w: ys = [1·x0, w·x1, w·x2] → ∂/∂w = x1 + x2
    const gw = grad((w: Tensor) =>
      lax.scan((_c: Tensor, v: Tensor) => [w, _c.mul(v)] as const, f64(1), f64(xs))[1].sum(),
    );
    expectClose(gw(f64(2)), xs[1]! + xs[2]!, F64_TOL);
    // carry ← 1: ys = [5·x0, x1, x2]
    const gl = grad((x: Tensor) => lax.scan((c: Tensor, v: Tensor) => [f64(1), c.mul(v)] as const, f64(5), x)[1].sum());
    expectClose(gl(f64(xs)), [5, 1, 1], F64_TOL);
    // carry unchanged: ys = c0·x → ∂/∂c0 = Σx
    const gc = grad((c0: Tensor) => lax.scan((c: Tensor, v: Tensor) => [c, c.mul(v)] as const, c0, f64(xs))[1].sum());
    expectClose(gc(f64(2)), xs[0]! + xs[1]! + xs[2]!, F64_TOL);
    // ys are the xs themselves: L = Σ x²
    const gy = grad((x: Tensor) =>
      lax
        .scan((c: Tensor, v: Tensor) => [c, v] as const, f64(1), x)[1]
        .mul(x)
        .sum(),
    );
    expectClose(
      gy(f64(xs)),
      xs.map((v) => 2 * v),
      F64_TOL,
    );
  });

  it("int32 ys and bool carries next to float ones: no cotangent for them, gradients for the floats", () => {
    // a flag set once an x is negative freezes the running sum of squares
    const f = (x: Tensor) =>
      lax.scan(
        (c: [Tensor, Tensor], v: Tensor) =>
          [
            [np.where(c[0], c[0], np.less(v, 0)), np.where(c[0], c[1], c[1].add(v.mul(v)))] as [Tensor, Tensor],
            v.astype("int32"),
          ] as const,
        [np.array(false), f64(0)] as [Tensor, Tensor],
        x,
      );
    const [[flag, sum], ks] = f(f64([1, -1, 2]));
    expectTensor(flag, true, "bool");
    expectTensor(sum, 2, "float64");
    expectTensor(ks, [1, -1, 2], "int32");
    const g = grad((x: Tensor) => f(x)[0][1]);
    expectTensor(g(f64([1, -1, 2])), [2, -2, 0]);
    expectTensor(
      vmap(g)(
        f64([
          [1, -1, 2],
          [1, 2, 3],
        ]),
      ),
      [
        [2, -2, 0],
        [2, 4, 6],
      ],
    );
    // vjp with a zero int cotangent for the int ys
    const [, back] = vjp(f, f64([1, -1, 2]));
    const [gx] = back([[np.array(false), f64(1)], i32([0, 0, 0])]);
    expectTensor(gx, [2, -2, 0]);
  });
});

describe("forward mode and Jacobians", () => {
  const xs = data(5, 50);
  const f = (x: Tensor) => sinRec(f64(0.9), f64(0.2), x)[1];
  const J = fdJac((x) => sinRecRef(0.9, 0.2, x).ys, xs);
  const dot = (m: number[][], v: number[]) => matvec(m, v);

  it("jvp of the ys along a direction equals J·v", () => {
    const v = data(5, 51);
    const [y, ty] = jvp(f, [f64(xs)], [f64(v)]);
    expectClose(y, sinRecRef(0.9, 0.2, xs).ys, F64_TOL);
    expectClose(ty, dot(J, v), FD_TOL);
  });

  it("jvp w.r.t. the initial carry and a captured scalar at once", () => {
    const g = (a: Tensor, c0: Tensor) => sinRec(a, c0, f64(xs))[0];
    const [c, tc] = jvp(g, [f64(0.9), f64(0.2)], [f64(1), f64(-2)]);
    expectClose(c, sinRecRef(0.9, 0.2, xs).carry, F64_TOL);
    const [da, dc] = fdGrad((p) => sinRecRef(p[0]!, p[1]!, xs).carry, [0.9, 0.2]);
    expectClose(tc, da! - 2 * dc!, FD_TOL);
  });

  it("linearize: one linear map, evaluated on several tangents", () => {
    const [y, fJvp] = linearize(f, f64(xs));
    expectClose(y, sinRecRef(0.9, 0.2, xs).ys, F64_TOL);
    for (const seed of [52, 53]) {
      const v = data(5, seed);
      expectClose(fJvp(f64(v)), dot(J, v), FD_TOL);
    }
  });

  it("jacfwd and jacrev agree with each other and with the finite-difference Jacobian", () => {
    const jf = jacfwd(f)(f64(xs));
    const jr = jacrev(f)(f64(xs));
    expect(jf.shape).toEqual([5, 5]);
    expectClose(jf, J, FD_TOL);
    expectClose(jr, rows(valuesOf(jf), 5), { rtol: 1e-12, atol: 1e-13 });
    // lower triangular: y_t does not depend on later x
    const m = rows(valuesOf(jr), 5);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) expect(Math.abs(m[i]![j]!)).toBe(0);
  });

  it("the hessian of a scan loss against second differences of the JS reference", () => {
    const L = (x: Tensor) => sinRec(f64(0.9), f64(0.2), x)[0];
    const Hm = jacfwd(jacrev(L))(f64(xs));
    const fdH = fdJac((x) => fdGrad((y) => sinRecRef(0.9, 0.2, y).carry, x, 1e-4), xs, 1e-4);
    expectClose(Hm, fdH, { rtol: 1e-4, atol: 1e-6 });
  });
});

describe("vmap", () => {
  const n = 6;
  const B = 4;
  const X = matrix(B, n, 60);
  const f = (x: Tensor) => sinRec(f64(0.8), f64(0.1), x);
  const stackPer = (k: 0 | 1) => np.stack(X.map((x) => f(f64(x))[k]));

  it("over xs on axis 0: per-example results stacked (and the JS reference)", () => {
    const [c, ys] = vmap(f)(f64(X));
    expect(valuesOf(c)).toEqual(valuesOf(stackPer(0)));
    expect(valuesOf(ys)).toEqual(valuesOf(stackPer(1)));
    expectClose(
      ys,
      X.map((x) => sinRecRef(0.8, 0.1, x).ys),
      F64_TOL,
    );
  });

  it("over xs on axis 1 (the scanned axis is then 0 of each example)", () => {
    const Xt = X[0]!.map((_, t) => X.map((r) => r[t]!));
    const [c, ys] = vmap(f, { inAxes: 1 })(f64(Xt));
    expectClose(
      c,
      X.map((x) => sinRecRef(0.8, 0.1, x).carry),
      F64_TOL,
    );
    expectClose(
      ys,
      X.map((x) => sinRecRef(0.8, 0.1, x).ys),
      F64_TOL,
    );
    // outAxes 1 puts the batch after the scanned axis again
    const ys1 = vmap((x: Tensor) => f(x)[1], { inAxes: 1, outAxes: 1 })(f64(Xt));
    expect(ys1.shape).toEqual([n, B]);
    expectClose(
      ys1,
      Xt.map((_, t) => X.map((x) => sinRecRef(0.8, 0.1, x).ys[t]!)),
      F64_TOL,
    );
  });

  it("over the initial carry only (xs shared)", () => {
    const c0s = data(B, 61);
    const xs = X[0]!;
    const [c, ys] = vmap((c0: Tensor) => sinRec(f64(0.8), c0, f64(xs)), { inAxes: 0 })(f64(c0s));
    expectClose(
      c,
      c0s.map((c0) => sinRecRef(0.8, c0, xs).carry),
      F64_TOL,
    );
    expectClose(
      ys,
      c0s.map((c0) => sinRecRef(0.8, c0, xs).ys),
      F64_TOL,
    );
  });

  it("over a const the body closes over (a batched hoisted value), with unbatched init and xs", () => {
    const as = data(B, 62, 0.2, 1.5);
    const xs = X[1]!;
    const [c, ys] = vmap((a: Tensor) => sinRec(a, f64(0.1), f64(xs)))(f64(as));
    expectClose(
      c,
      as.map((a) => sinRecRef(a, 0.1, xs).carry),
      F64_TOL,
    );
    expectClose(
      ys,
      as.map((a) => sinRecRef(a, 0.1, xs).ys),
      F64_TOL,
    );
  });

  it("over init and xs with different in_axes, and an unbatched carry leaf next to a batched one", () => {
    const c0s = data(B, 63);
    const Xt = X[0]!.map((_, t) => X.map((r) => r[t]!));
    const g = (c0: Tensor, xs: Tensor) =>
      lax.scan(
        (c: [Tensor, Tensor], x: Tensor) => [[c[0].add(x).mul(0.5), c[1].add(1)] as [Tensor, Tensor], c[0]] as const,
        [c0, f64(0)] as [Tensor, Tensor],
        xs,
      );
    const [[c, k], ys] = vmap(g, { inAxes: [0, 1] })(f64(c0s), f64(Xt));
    expectTensor(k, new Array(B).fill(n), "float64");
    X.forEach((x, b) => {
      let cv = c0s[b]!;
      const want = x.map((v) => {
        const before = cv;
        cv = (cv + v) * 0.5;
        return before;
      });
      expectClose(c.slice(b), cv, F64_TOL);
      expectClose(ys.slice(b), want, F64_TOL);
    });
  });

  it("vmap(grad(scan)) and jit(vmap(grad(scan))): per-example gradients w.r.t. a captured weight", () => {
    const as = data(B, 64, 0.3, 1.4);
    const loss = (a: Tensor, x: Tensor) => {
      const [c, ys] = sinRec(a, f64(0.1), x);
      return ys.sum().add(c);
    };
    const ref = (a: number, x: number[]) => {
      const r = sinRecRef(a, 0.1, x);
      return r.ys.reduce((s, v) => s + v, 0) + r.carry;
    };
    const want = as.map((a, b) => fdGrad((v) => ref(v[0]!, X[b]!), [a])[0]!);
    const g = vmap(grad(loss));
    expectClose(g(f64(as), f64(X)), want, FD_TOL);
    expectClose(jit(g)(f64(as), f64(X)), want, FD_TOL);
    // gradients w.r.t. xs, per example
    const gx = vmap(grad(loss, { argnums: 1 }))(f64(as), f64(X));
    expectClose(
      gx,
      as.map((a, b) => fdGrad((x) => ref(a, x), X[b]!)),
      FD_TOL,
    );
    // the law: vmap(grad) equals the per-example grads stacked, jit(vmap(grad)) is bitwise eager in float64
    expect(valuesOf(jit(g)(f64(as), f64(X)))).toEqual(valuesOf(g(f64(as), f64(X))));
  });

  it("grad(vmap(scan)) sums the per-example gradients", () => {
    const loss = (x: Tensor) => vmap((r: Tensor) => f(r)[0])(x).sum();
    const gx = grad(loss)(f64(X));
    expectClose(
      gx,
      X.map((x) => fdGrad((y) => sinRecRef(0.8, 0.1, y).carry, x)),
      FD_TOL,
    );
  });

  it("vmap of a scan with xs = null (length only) over a batched init", () => {
    const out = vmap((c0: Tensor) =>
      lax.scan((c: Tensor, _: null) => [c.mul(c0), c] as const, f64(1), null, { length: 4 }),
    )(f64([2, 3]));
    expectTensor(out[0], [16, 81]);
    expectTensor(out[1], [
      [1, 2, 4, 8],
      [1, 3, 9, 27],
    ]);
  });
});

describe("composition inside the body", () => {
  it("a body that calls a jitted function: values and grad against the RNN reference", () => {
    let traces = 0;
    const cell = jit((p: Rnn, h: Tensor, x: Tensor) => {
      traces++;
      return np.tanh(p.W.matmul(h).add(p.U.matmul(x)).add(p.b));
    });
    const loss = (p: Rnn, h0: Tensor, xs: Tensor) => {
      const [h, hs] = lax.scan(
        (h: Tensor, x: Tensor) => {
          const next = cell(p, h, x);
          return [next, next] as const;
        },
        h0,
        xs,
      );
      return np
        .square(hs.sub(f64(targets)))
        .sum()
        .add(h.sum());
    };
    expectClose(loss(params0, f64(h00), f64(xs0)), rnnLossRef(W0, U0, b0, h00, xs0), F64_TOL);
    const g = grad(loss, { argnums: 1 })(params0, f64(h00), f64(xs0));
    expectClose(
      g,
      fdGrad((h) => rnnLossRef(W0, U0, b0, h, xs0), h00),
      FD_TOL,
    );
    const gp = grad(loss)(params0, f64(h00), f64(xs0));
    const fd = unpackParams(
      fdGrad((v) => {
        const p = unpackParams(v);
        return rnnLossRef(p.W, p.U, p.b, h00, xs0);
      }, packParams()),
    );
    expectClose(gp.W, fd.W, FD_TOL);
    expect(traces).toBeGreaterThan(0);
  });

  it("scan inside scan: running sums of rows, each started from the previous row's total", () => {
    const M = matrix(4, 5, 70);
    const f = (m: Tensor) =>
      lax.scan(
        (c: Tensor, row: Tensor) => {
          const [total, partial] = lax.scan((d: Tensor, v: Tensor) => [d.add(v), d.mul(v)] as const, c, row);
          return [total.mul(0.5), partial] as const;
        },
        f64(1),
        m,
      );
    const ref = (m: number[][]) => {
      let c = 1;
      const ys = m.map((row) => {
        let d = c;
        const out = row.map((v) => {
          const y = d * v;
          d += v;
          return y;
        });
        c = d * 0.5;
        return out;
      });
      return { c, ys };
    };
    const [c, ys] = f(f64(M));
    expectClose(c, ref(M).c, F64_TOL);
    expectClose(ys, ref(M).ys, F64_TOL);
    // its gradient, through both levels
    const g = grad((m: Tensor) => {
      const [c, ys] = f(m);
      return ys.sum().add(c);
    })(f64(M));
    const L = (flat: number[]) => {
      const r = ref(rows(flat, 5));
      return r.ys.flat().reduce((s, v) => s + v, 0) + r.c;
    };
    expectClose(g, rows(fdGrad(L, M.flat()), 5), FD_TOL);
    // and jit of the nest equals eager
    const [cj, yj] = jit(f)(f64(M));
    expect(valuesOf(cj)).toEqual(valuesOf(c));
    expect(valuesOf(yj)).toEqual(valuesOf(ys));
  });

  it("the inner scan closes over the outer scan's carry and x (tracers of an enclosing body)", () => {
    const M = matrix(3, 4, 71);
    const w = data(4, 72);
    const ref = (m: number[][], wv: number[]) => {
      let c = 0.5;
      const ys = m.map((row) => {
        const inner = row.map((v, k) => v * c + wv[k]!);
        c += 0.1 * inner.reduce((s, v) => s + Math.sin(v), 0);
        return inner;
      });
      return { c, ys };
    };
    const g = (m: Tensor, wv: Tensor) =>
      lax.scan(
        (c: Tensor, row: Tensor) => {
          const inner = lax.map((k: Tensor) => row.slice(k).mul(c).add(wv.slice(k)), np.arange(4));
          return [c.add(np.sin(inner).sum().mul(0.1)), inner] as const;
        },
        f64(0.5),
        m,
      );
    const [c, ys] = g(f64(M), f64(w));
    expectClose(c, ref(M, w).c, F64_TOL);
    expectClose(ys, ref(M, w).ys, F64_TOL);
    const gw = grad((wv: Tensor) => g(f64(M), wv)[0])(f64(w));
    expectClose(
      gw,
      fdGrad((v) => ref(M, v).c, w),
      FD_TOL,
    );
  });
});
