// jacfwd, jacrev, hessian: shapes [...out.shape, ...in.shape] and values vs hand / plain-JS Jacobians.

import { hessian, jacfwd, jacrev, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, expectTensor, unravel } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };

/** Nested array of shape `shape` whose entry at multi-index idx is fn(idx). */
function build(shape: number[], fn: (idx: number[]) => number): unknown {
  const n = shape.reduce((a, b) => a * b, 1);
  const flat = Array.from({ length: n }, (_, i) => fn(unravel(i, shape)));
  const rec = (d: number, off: number): unknown => {
    if (d === shape.length) return flat[off];
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[d]! }, (_, i) => rec(d + 1, off + i * stride));
  };
  return rec(0, 0);
}

const both = [
  ["jacfwd", jacfwd],
  ["jacrev", jacrev],
] as const;

describe.each(both)("%s", (_name, jac) => {
  it("vector → vector: elementwise x³ has diagonal Jacobian 3x²", () => {
    const J = jac((x: Tensor) => x.pow(3))(f64([1, 2, 3]));
    expectTensor(J, [
      [3, 0, 0],
      [0, 12, 0],
      [0, 0, 27],
    ]);
  });

  it("vector → vector with coupling: a linear map's Jacobian is the matrix", () => {
    const A = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const J = jac((x: Tensor) => f64(A).matmul(x))(f64([0.1, 0.2, 0.3]));
    expectTensor(J, A);
  });

  it("matrix → matrix: shape [2,3,2,3], J[i,j,k,l] = δik δjl · 2x_ij", () => {
    const X = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const J = jac((x: Tensor) => x.mul(x))(f64(X));
    expect(J.shape).toEqual([2, 3, 2, 3]);
    expectTensor(J, build([2, 3, 2, 3], ([i, j, k, l]) => (i === k && j === l ? 2 * X[i!]![j!]! : 0)) as number[]);
  });

  it("matrix → vector: row sums, shape [3, 3, 2]", () => {
    const J = jac((x: Tensor) => x.sum({ axis: 1 }))(
      f64([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    expectTensor(J, build([3, 3, 2], ([o, i]) => (o === i ? 1 : 0)) as number[]);
  });

  it("matmul X·W w.r.t. W: J[i,j,k,l] = X[i,k] δjl", () => {
    const X = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const J = jac((w: Tensor) => f64(X).matmul(w))(
      f64([
        [1, 0, -1],
        [2, 1, 0],
      ]),
    );
    expectTensor(J, build([3, 3, 2, 3], ([i, j, k, l]) => (j === l ? X[i!]![k!]! : 0)) as number[]);
  });

  it("scalar output: shape of the input (the gradient)", () => {
    expectTensor(jac((x: Tensor) => x.mul(x).sum())(f64([1, 2])), [2, 4]);
  });

  it("scalar input: shape of the output", () => {
    expectTensor(jac((x: Tensor) => np.stack([x, x.mul(x), x.sin()]))(f64(0.5)), [1, 1, Math.cos(0.5)]);
  });

  it("pytree input and output: one block per (output leaf, input leaf)", () => {
    const J = jac((p: { a: Tensor; b: Tensor }) => [p.a.mul(p.b), p.a.sum()])({ a: f64([1, 2]), b: f64([3, 4]) });
    expectTensor(J[0].a, [
      [3, 0],
      [0, 4],
    ]);
    expectTensor(J[0].b, [
      [1, 0],
      [0, 2],
    ]);
    expectTensor(J[1].a, [1, 1]);
    expectTensor(J[1].b, [0, 0]);
  });

  it("argnums array gives a tuple of blocks", () => {
    const [Ja, Jb] = jac((a: Tensor, b: Tensor) => a.mul(b).exp(), { argnums: [0, 1] })(f64([0, 1]), f64([2, 3]));
    expectClose(
      Ja,
      [
        [2, 0],
        [0, 3 * Math.exp(3)],
      ],
      tight,
    );
    expectClose(
      Jb,
      [
        [0, 0],
        [0, Math.exp(3)],
      ],
      tight,
    ); // a·e^{ab}
  });

  it("argnums picks another argument", () => {
    expectTensor(jac((a: Tensor, b: Tensor) => a.mul(b), { argnums: 1 })(f64([5, 6]), f64([1, 1])), [
      [5, 0],
      [0, 6],
    ]);
  });

  it("non-differentiated arguments may be integer", () => {
    const J = jac((x: Tensor, n: Tensor) => x.mul(n.astype("float64")))(
      f64([1, 1]),
      np.array([2, 3], { dtype: "int32" }),
    );
    expectTensor(J, [
      [2, 0],
      [0, 3],
    ]);
  });
});

describe("Jacobians of empty inputs", () => {
  it("have shape [...out, 0]", () => {
    expect(jacfwd((x: Tensor) => x.mul(2))(np.zeros([0])).shape).toEqual([0, 0]);
    expect(jacrev((x: Tensor) => x.sum().reshape([1]))(np.zeros([0])).shape).toEqual([1, 0]);
  });

  it("keep the float64 dtype", () => {
    expect(jacfwd((x: Tensor) => x.mul(2))(np.zeros([0], { dtype: "float64" })).dtype).toBe("float64");
    expect(jacrev((x: Tensor) => x.mul(2))(np.zeros([0], { dtype: "float64" })).dtype).toBe("float64");
  });
});

describe("jacfwd ≡ jacrev on a nonlinear function (plain-JS reference)", () => {
  it("softmax-like map", () => {
    const fn = (x: Tensor) => x.exp().div(x.exp().sum());
    const x = [0.1, -0.4, 0.9];
    const e = x.map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    const p = e.map((v) => v / s);
    const ref = p.map((pi, i) => p.map((pj, j) => (i === j ? pi * (1 - pi) : -pi * pj)));
    expectClose(jacfwd(fn)(f64(x)), ref, tight);
    expectClose(jacrev(fn)(f64(x)), ref, tight);
  });
});

describe("hessian", () => {
  it("of Σ x³ is diag(6x)", () => {
    expectTensor(hessian((x: Tensor) => x.pow(3).sum())(f64([1, 2])), [
      [6, 0],
      [0, 12],
    ]);
  });

  it("of a coupled function, symmetric, vs hand derivatives", () => {
    // f = x0²·x1 + sin(x0·x1); H = [[2x1 − x1² s, 2x0 + c − x0x1 s], [., −x0² s]], s = sin(x0x1), c = cos(x0x1)
    const fn = (x: Tensor) => {
      const [a, b] = [np.dot(x, [1, 0]), np.dot(x, [0, 1])];
      return a.mul(a).mul(b).add(a.mul(b).sin());
    };
    const [x0, x1] = [0.6, -1.1];
    const s = Math.sin(x0 * x1);
    const c = Math.cos(x0 * x1);
    const off = 2 * x0 + c - x0 * x1 * s;
    expectClose(
      hessian(fn)(f64([x0, x1])),
      [
        [2 * x1 - x1 * x1 * s, off],
        [off, -x0 * x0 * s],
      ],
      tight,
    );
  });

  it("of a matrix input has shape [...in, ...in]", () => {
    const H = hessian((x: Tensor) => x.mul(x).sum())(f64([[1, 2, 3]]));
    expect(H.shape).toEqual([1, 3, 1, 3]);
    expectTensor(H, build([1, 3, 1, 3], ([, j, , l]) => (j === l ? 2 : 0)) as number[]);
  });

  it("of a pytree input: nested blocks ∂²f/∂a∂b", () => {
    const H = hessian((p: { a: Tensor; b: Tensor }) => p.a.mul(p.b).mul(p.b))({ a: f64(2), b: f64(3) });
    expectTensor(H.a.a, 0);
    expectTensor(H.a.b, 6);
    expectTensor(H.b.a, 6);
    expectTensor(H.b.b, 4);
  });

  it("equals jacfwd(jacrev(f)) and jacrev(jacfwd(f))", () => {
    const fn = (x: Tensor) => x.sin().mul(x.sum()).sum();
    const x = f64([0.3, 0.8]);
    const H = hessian(fn)(x);
    // f = S·Σ sin x_i with S = Σ x; ∂²f/∂xi∂xj = cos xi + cos xj − δij S sin xi
    const v = [0.3, 0.8];
    const S = v[0]! + v[1]!;
    const ref = v.map((xi, i) => v.map((xj, j) => Math.cos(xi) + Math.cos(xj) - (i === j ? S * Math.sin(xi) : 0)));
    expectClose(H, ref, tight);
    expectClose(jacfwd(jacrev(fn))(x), ref, tight);
    expectClose(jacrev(jacfwd(fn))(x), ref, tight);
  });
});
