// vjp, jvp and linearize: values, pytree primals / tangents / cotangents, non-float inputs.

import { jvp, linearize, np, type Tensor, vjp } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, expectTensor } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };

describe("vjp", () => {
  it("returns the output and a function mapping a cotangent to one cotangent per primal", () => {
    const [y, back] = vjp((x: Tensor, w: Tensor) => x.mul(w), f64(2), f64(3));
    expectTensor(y, 6);
    const [cx, cw] = back(f64(1));
    expectTensor(cx, 3);
    expectTensor(cw, 2);
  });

  it("is linear in the cotangent (reusable with different cotangents)", () => {
    const [, back] = vjp((x: Tensor) => x.sin(), f64([0, 1]));
    expectClose(back(f64([1, 1]))[0], [1, Math.cos(1)], tight);
    expectClose(back(f64([2, -3]))[0], [2, -3 * Math.cos(1)], tight);
  });

  it("the vector-Jacobian product of a vector function: vᵀJ", () => {
    // f(x) = [x0·x1, x0 + x1², sin x0]; J = [[x1, x0], [1, 2x1], [cos x0, 0]]
    const fn = (x: Tensor) => {
      const [a, b] = [np.dot(x, [1, 0]), np.dot(x, [0, 1])];
      return np.stack([a.mul(b), a.add(b.pow(2)), a.sin()]);
    };
    const [x0, x1] = [0.7, -1.2];
    const [y, back] = vjp(fn, f64([x0, x1]));
    expectClose(y, [x0 * x1, x0 + x1 * x1, Math.sin(x0)], tight);
    const v = [1, 2, 3];
    expectClose(back(f64(v))[0], [v[0]! * x1 + v[1]! + v[2]! * Math.cos(x0), v[0]! * x0 + v[1]! * 2 * x1], tight);
  });

  it("pytree primals and pytree cotangents", () => {
    const fn = (a: Tensor, b: { c: Tensor }) => ({ o: a.mul(b.c), p: [a.sin()] });
    const [y, back] = vjp(fn, f64([1, 2]), { c: f64([3, 4]) });
    expectTensor(y.o, [3, 8]);
    expectClose(y.p[0], [Math.sin(1), Math.sin(2)], tight);
    const [ca, cb] = back({ o: f64([1, 1]), p: [f64([1, 0])] });
    expectClose(ca, [3 + Math.cos(1), 4], tight);
    expectTensor(cb.c, [1, 2]);
  });

  it("a JS number cotangent is accepted for a scalar output", () => {
    const [, back] = vjp((x: Tensor) => x.mul(x), f64(3));
    expectTensor(back(2)[0], 12);
  });

  it("an integer primal gets a zero cotangent of its own dtype", () => {
    const [, back] = vjp(
      (a: Tensor, n: Tensor) => a.mul(n.astype("float32")),
      np.array([1]),
      np.array([2], { dtype: "int32" }),
    );
    const [ca, cn] = back(np.array([1]));
    expectTensor(ca, [2], "float32");
    expectTensor(cn, [0], "int32");
  });

  it("an output that does not depend on the input gets a zero cotangent", () => {
    const [, back] = vjp((x: Tensor) => [x.mul(2), np.ones([2])], f64(1));
    expectTensor(back([f64(1), np.array([5, 5])])[0], 2);
  });
});

describe("jvp", () => {
  it("returns the output and the directional derivative", () => {
    const [y, t] = jvp((a: Tensor, b: Tensor) => a.mul(b), [f64(2), f64(3)], [f64(1), f64(0)]);
    expectTensor(y, 6);
    expectTensor(t, 3);
  });

  it("J·v for a vector function", () => {
    const fn = (x: Tensor) => x.mul(x).mul(x);
    const [y, t] = jvp(fn, [f64([1, 2, 3])], [f64([1, 0.5, -1])]);
    expectTensor(y, [1, 8, 27]);
    expectTensor(t, [3, 6, -27]);
  });

  it("pytree primals and tangents, pytree outputs", () => {
    const fn = (p: { w: Tensor; b: Tensor }) => [p.w.exp(), { s: p.w.mul(p.b).sum() }];
    const [y, t] = jvp(fn, [{ w: f64([0, 1]), b: f64([2, 3]) }], [{ w: f64([1, 1]), b: f64([0, 1]) }]);
    const [ey, sy] = y as [Tensor, { s: Tensor }];
    const [et, st] = t as [Tensor, { s: Tensor }];
    expectClose(ey, [1, Math.E], tight);
    expectTensor(sy.s, 3);
    expectClose(et, [1, Math.E], tight);
    // d Σ w·b = Σ (dw·b + w·db) = (2 + 3) + (0 + 1)
    expectTensor(st.s, 6);
  });

  it("a JS number primal and tangent", () => {
    const [y, t] = jvp((x: number) => np.sin(x), [0], [2]);
    expectTensor(y, 0, "float32");
    expectTensor(t, 2, "float32");
  });

  it("an output independent of the input has a zero tangent", () => {
    const [, t] = jvp((_x: Tensor) => np.ones([2], { dtype: "float64" }), [f64(1)], [f64(1)]);
    expectTensor(t, [0, 0], "float64");
  });

  it("forward and reverse agree: ⟨u, vjp(v)⟩ = ⟨jvp(u), v⟩", () => {
    const fn = (x: Tensor) =>
      x
        .sin()
        .mul(x.reshape([3, 1]))
        .tanh();
    const x = f64([0.2, -0.7, 1.3]);
    const u = [0.5, -1, 2];
    const v = [
      [1, 2, 3],
      [0, -1, 1],
      [2, 0.5, -2],
    ];
    const [, ju] = jvp(fn, [x], [f64(u)]);
    const [, back] = vjp(fn, x);
    const vj = back(f64(v))[0];
    const lhs = u.reduce((s, ui, i) => s + ui * (vj.toArray() as number[])[i]!, 0);
    const rhs = (ju.toArray() as number[][]).flat().reduce((s, a, i) => s + a * v.flat()[i]!, 0);
    expect(lhs).toBeCloseTo(rhs, 12);
  });
});

describe("linearize", () => {
  it("evaluates the tangent map without re-running f", () => {
    let calls = 0;
    const [y, fLin] = linearize((x: Tensor) => {
      calls++;
      return x.exp();
    }, f64(1));
    expectClose(y, Math.E, tight);
    expectClose(fLin(f64(2)), 2 * Math.E, tight);
    expectClose(fLin(f64(-1)), -Math.E, tight);
    expect(calls).toBe(1);
  });

  it("works on pytrees and several arguments", () => {
    const [y, fLin] = linearize((p: { a: Tensor }, b: Tensor) => p.a.sin().mul(b), { a: f64(0) }, f64(3));
    expectTensor(y, 0);
    // d(sin a · b) = cos a · b · da + sin a · db = 3·da
    expectTensor(fLin({ a: f64(2) }, f64(5)), 6);
  });
});
