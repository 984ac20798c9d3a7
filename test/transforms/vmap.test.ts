// vmap: inAxes/outAxes (numbers, negative, null, pytree prefixes), unbatched outputs, composition with every
// transform, no loop over the batch, and typed errors that leave the trace stack clean.

import {
  ConcretizationError,
  GradientError,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  makeJaxpr,
  nn,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  UnexpectedTracerError,
  valueAndGrad,
  vjp,
  vmap,
} from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { traceDepth } from "../../src/ir/trace.js";
import { catchError, expectClose, expectTensor } from "../helpers.js";

const f64 = (v: number | number[] | number[][] | number[][][]) => np.array(v, { dtype: "float64" });
const i32 = (v: number | number[] | number[][]) => np.array(v, { dtype: "int32" });
const tight = { rtol: 1e-12, atol: 1e-12 };
/** The examples along axis 0, as separate tensors. */
const rows = (x: Tensor): Tensor[] => Array.from({ length: x.shape[0]! }, (_, i) => x.slice(i));
/** Stacks per-example results along axis 0 (the loop vmap replaces). */
const stack0 = (ts: Tensor[]): Tensor => np.stack(ts, 0);

const X = f64([
  [1, 2],
  [3, 4],
  [5, 6],
]); // 3 examples of shape [2]

describe("vmap: axes", () => {
  it("maps over axis 0 by default: one reduce_sum over the whole batch, no per-example equations", () => {
    const f = (x: Tensor) => x.sin().sum();
    expectClose(
      vmap(f)(X),
      rows(X).map((r) => Number(f(r))),
      tight,
    );
    expect(String(makeJaxpr(vmap(f))(X))).toBe(
      "{ lambda ; a:f64[3,2]. let b:f64[3,2] = sin a; c:f64[3] = reduce_sum[axes=(1,)] b in (c) }",
    );
  });

  it("inAxes 1 and -1 name the same axis of a rank-2 argument", () => {
    const f = (x: Tensor) => x.sum();
    expectTensor(vmap(f, { inAxes: 1 })(X), [9, 12]);
    expectTensor(vmap(f, { inAxes: -1 })(X), [9, 12]);
    expectTensor(vmap(f, { inAxes: -2 })(X), [3, 7, 11]);
  });

  it("inAxes per argument, null for an unmapped one (batched matrix–vector products)", () => {
    const W = f64([
      [1, 0],
      [1, 1],
      [0, 2],
    ]);
    const f = (w: Tensor, x: Tensor) => w.matmul(x);
    expectTensor(vmap(f, { inAxes: [null, 0] })(W, X), stack0(rows(X).map((x) => f(W, x))).toArray() as number[][]);
    // the batch along axis 1 of x gives the transposed layout unless outAxes says otherwise
    expectTensor(
      vmap(f, { inAxes: [null, 1], outAxes: 1 })(W, X.transpose()),
      W.matmul(X.transpose()).toArray() as number[][],
    );
  });

  it("a number inAxes applies to every leaf of a pytree argument", () => {
    const f = (p: { a: Tensor; b: Tensor[] }) => p.a.add(p.b[0]!).mul(p.b[1]!);
    const got = vmap(f, { inAxes: 1 })({ a: X.transpose(), b: [X.transpose(), X.transpose()] });
    expectTensor(got, stack0(rows(X).map((x) => f({ a: x, b: [x, x] }))).toArray() as number[][]);
  });

  it("pytree prefix [{ w: null, b: 0 }, 0]: shared weights, per-example bias and input", () => {
    const params = {
      w: f64([
        [1, 2, 0],
        [0, 1, 1],
      ]),
      b: f64([
        [0.5, 0, 0],
        [0, 0.5, 0],
        [0, 0, 0.5],
      ]),
    };
    const f = (p: { w: Tensor; b: Tensor }, x: Tensor) => np.tanh(x.matmul(p.w).add(p.b));
    const got = vmap(f, { inAxes: [{ w: null, b: 0 }, 0] })(params, X);
    const loop = stack0(rows(X).map((x, i) => f({ w: params.w, b: params.b.slice(i) }, x)));
    expectClose(got, loop.toArray() as number[][], tight);
  });

  it("prefixes nest: objects within arrays, null for a whole subtree, axes differing per leaf", () => {
    const layers = [
      {
        w: f64([
          [1, 0],
          [0, 2],
        ]),
        s: f64([1, 2, 3]),
      },
      {
        w: f64([
          [0, 1],
          [1, 0],
        ]),
        s: f64([[1, -1, 2]]),
      },
    ];
    const f = (ls: { w: Tensor; s: Tensor }[], x: Tensor) =>
      x.matmul(ls[0]!.w).mul(ls[0]!.s).matmul(ls[1]!.w).mul(ls[1]!.s.slice(0));
    const got = vmap(f, {
      inAxes: [
        [
          { w: null, s: 0 },
          { w: null, s: -1 },
        ],
        0,
      ],
    })(layers, X);
    const loop = stack0(
      rows(X).map((x, i) =>
        f(
          [
            { w: layers[0]!.w, s: layers[0]!.s.slice(i) },
            { w: layers[1]!.w, s: layers[1]!.s.slice([], i).reshape([1]) },
          ],
          x,
        ),
      ),
    );
    expectClose(got, loop.toArray() as number[][], tight);
  });

  it("empty subtrees (null/undefined arguments) need no axis", () => {
    expectTensor(vmap((x: Tensor, nothing?: null) => (nothing ?? x).mul(2))(X, null), X.mul(2).toArray() as number[][]);
    expectTensor(vmap((x: Tensor, _o?: Tensor) => x.mul(2))(X, undefined), X.mul(2).toArray() as number[][]);
  });

  it("outAxes: a number, a negative number, or per output (pytree prefix)", () => {
    const f = (x: Tensor) => x.mul(2);
    expectTensor(vmap(f, { outAxes: 1 })(X), [
      [2, 6, 10],
      [4, 8, 12],
    ]);
    expectTensor(vmap(f, { outAxes: -1 })(X), [
      [2, 6, 10],
      [4, 8, 12],
    ]);
    expectTensor(vmap(f, { outAxes: -2 })(X), [
      [2, 4],
      [6, 8],
      [10, 12],
    ]);
    const g = (x: Tensor) => ({ y: x.mul(2), parts: [x.sum(), x.neg()] });
    const out = vmap(g, { outAxes: { y: -1, parts: [0, 1] } })(X);
    expectTensor(out.y, [
      [2, 6, 10],
      [4, 8, 12],
    ]);
    expectTensor(out.parts[0], [3, 7, 11]);
    expectTensor(out.parts[1], [
      [-1, -3, -5],
      [-2, -4, -6],
    ]);
  });

  it("outAxes null returns an unbatched output as it is", () => {
    const [y, c] = vmap((x: Tensor) => [x.sum(), f64([7, 8])], { outAxes: [0, null] })(X);
    expectTensor(y, [3, 7, 11]);
    expectTensor(c, [7, 8]);
  });

  it("unbatched outputs are broadcast along the batch axis (constants, unmapped inputs, JS numbers)", () => {
    const w = f64([7, 8]);
    expectTensor(vmap((_x: Tensor) => w)(X), [
      [7, 8],
      [7, 8],
      [7, 8],
    ]);
    expectTensor(vmap((_x: Tensor, v: Tensor) => v, { inAxes: [0, null], outAxes: -1 })(X, w), [
      [7, 7, 7],
      [8, 8, 8],
    ]);
    expectTensor(vmap((_x: Tensor) => 5)(X), [5, 5, 5]);
    const [a, b] = vmap((x: Tensor) => [x.sum(), np.ones([2])], { outAxes: [0, 1] })(X);
    expectTensor(a, [3, 7, 11]);
    expectTensor(b, [
      [1, 1, 1],
      [1, 1, 1],
    ]);
  });

  it("the identity with different in and out axes is a transpose", () => {
    expectTensor(vmap((x: Tensor) => x, { inAxes: 1, outAxes: 0 })(X), X.transpose().toArray() as number[][]);
  });

  it("keeps dtypes: int32 and bool arguments, float64 values, int32 results (argmax)", () => {
    const got = vmap((x: Tensor, b: Tensor) => np.where(b, x, np.negative(x)))(
      i32([
        [1, 2],
        [3, 4],
      ]),
      np.array([
        [true, false],
        [false, true],
      ]),
    );
    expectTensor(
      got,
      [
        [1, -2],
        [-3, 4],
      ],
      "int32",
    );
    expectTensor(
      vmap((x: Tensor) => np.argmax(x), { inAxes: 1 })(
        f64([
          [1, 5],
          [3, 2],
        ]),
      ),
      [1, 0],
      "int32",
    );
    expect(vmap((x: Tensor) => x.mul(2).sum())(X).dtype).toBe("float64");
  });

  it("batches of size 1 and 0", () => {
    expectTensor(vmap((x: Tensor) => x.sum())(f64([[1, 2]])), [3]);
    const empty = vmap((x: Tensor) => x.matmul(np.ones([2, 4], { dtype: "float64" })))(
      np.zeros([0, 2], { dtype: "float64" }),
    );
    expect([...empty.shape]).toEqual([0, 4]);
  });

  it("np functions under vmap: indexing with batched indices, .at updates, softmax, concatenate with an unmapped part", () => {
    expectTensor(
      vmap((i: Tensor) => np.take(f64([10, 20, 30]), i))(
        i32([
          [0, 2],
          [-1, 1],
        ]),
      ),
      [
        [10, 30],
        [30, 20],
      ],
    );
    expectTensor(vmap((x: Tensor, i: Tensor) => x.slice(i))(X, i32([1, 0, 1])), [2, 3, 6]);
    expectTensor(vmap((x: Tensor, v: Tensor) => x.at(1).set(v))(X, f64([9, 8, 7])), [
      [1, 9],
      [3, 8],
      [5, 7],
    ]);
    expectTensor(vmap((x: Tensor, i: Tensor) => x.at(i).add(1))(X, i32([1, 0, 0])), [
      [1, 3],
      [4, 4],
      [6, 6],
    ]);
    expectClose(
      vmap((x: Tensor) => nn.softmax(x), { inAxes: 1, outAxes: 1 })(X),
      nn.softmax(X, { axis: 0 }).toArray() as number[][],
      tight,
    );
    expectTensor(vmap((x: Tensor, z: Tensor) => np.concatenate([x, z]), { inAxes: [0, null] })(X, f64([0])), [
      [1, 2, 0],
      [3, 4, 0],
      [5, 6, 0],
    ]);
  });

  it("has a readable name", () => {
    expect(
      vmap(function foo(x: Tensor) {
        return x;
      }).name,
    ).toBe("vmap(foo)");
  });

  it("an unmapped JS number reaches f unchanged, as in JAX and as grad does for non-differentiated arguments", () => {
    const xs = i32([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    // weakly typed arithmetic keeps int32, as x.mul(2) does outside vmap
    expect(vmap((x: Tensor, s: number) => x.mul(s), { inAxes: [0, null] })(xs, 2).dtype).toBe(xs.slice(0).mul(2).dtype);
    // a JS number index / dimension works as outside vmap
    expectTensor(vmap((x: Tensor, k: number) => x.slice(k), { inAxes: [0, null] })(xs, 1), [2, 4, 6], "int32");
  });
});

describe("vmap: nested and composed with other transforms", () => {
  it("vmap(vmap(f)) with different axes: all pairwise distances", () => {
    const A = f64([
      [0, 0],
      [3, 4],
    ]);
    const B = f64([
      [0, 0, 1],
      [1, 0, 0],
    ]); // points as columns
    const dist = (a: Tensor, b: Tensor) => a.sub(b).pow(2).sum().sqrt();
    const D = vmap(vmap(dist, { inAxes: [null, 1] }), { inAxes: [0, null] })(A, B);
    expectClose(
      D,
      [
        [1, 0, 1],
        [Math.sqrt(18), 5, Math.sqrt(20)],
      ],
      tight,
    );
    // the same with the outer batch written to axis 1
    expectClose(
      vmap(vmap(dist, { inAxes: [null, 1] }), { inAxes: [0, null], outAxes: 1 })(A, B),
      [
        [1, Math.sqrt(18)],
        [0, 5],
        [1, Math.sqrt(20)],
      ],
      tight,
    );
  });

  it("an inner vmap closing over the outer one's batched value (outer product)", () => {
    const got = vmap((x: Tensor) => vmap((y: Tensor) => x.mul(y))(f64([1, 2, 3])))(f64([10, 20]));
    expectTensor(got, [
      [10, 20, 30],
      [20, 40, 60],
    ]);
  });

  it("vmap(grad f): per-example gradients of a logistic loss, against the hand formula (p − y)·x", () => {
    const w = f64([0.5, -0.25]);
    const ys = f64([1, 0, 1]);
    const loss = (wt: Tensor, x: Tensor, y: Tensor) => {
      const z = x.mul(wt).sum();
      return np
        .log1p(np.exp(z.neg()))
        .mul(y)
        .add(np.log1p(np.exp(z)).mul(y.neg().add(1)));
    };
    const g = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, X, ys);
    const hand = rows(X).map((x, i) => {
      const [x0, x1] = x.toArray() as number[];
      const p = 1 / (1 + Math.exp(-(0.5 * x0! - 0.25 * x1!)));
      const d = p - (ys.toArray() as number[])[i]!;
      return [d * x0!, d * x1!];
    });
    expectClose(g, hand, tight);
  });

  it("vmap(grad f) with pytree parameters and int32 labels equals the loop of grad f", () => {
    const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) =>
      nn.logSoftmax(x.matmul(p.w).add(p.b)).slice(y).neg();
    const p = {
      w: f64([
        [0.1, 0.2, 0.3],
        [0.4, 0.5, 0.6],
      ]),
      b: f64([0, 0.1, 0.2]),
    };
    const labels = i32([0, 2, 1]);
    const g = vmap(grad(loss), { inAxes: [null, 0, 0] })(p, X, labels);
    const loop = rows(X).map((x, i) => grad(loss)(p, x, labels.slice(i)));
    expectClose(g.w, stack0(loop.map((l) => l.w)).toArray() as number[][][], tight);
    expectClose(g.b, stack0(loop.map((l) => l.b)).toArray() as number[][], tight);
  });

  it("vmap(valueAndGrad f) along axis 1", () => {
    const [v, g] = vmap(
      valueAndGrad((x: Tensor) => x.pow(2).sum()),
      { inAxes: 1 },
    )(X);
    expectTensor(v, [35, 56]);
    expectTensor(g, [
      [2, 6, 10],
      [4, 8, 12],
    ]);
  });

  it("grad(sum ∘ vmap(f)): mapped inputs get per-example gradients, unmapped ones their sum", () => {
    const w = f64([0.3, -0.2]);
    const f = (wt: Tensor, x: Tensor) => x.mul(wt).sum().sin();
    const [gw, gx] = grad((wt: Tensor, xs: Tensor) => vmap(f, { inAxes: [null, 0] })(wt, xs).sum(), {
      argnums: [0, 1],
    })(w, X);
    const per = rows(X).map((x) => grad(f, { argnums: [0, 1] })(w, x));
    expectClose(gw, np.sum(stack0(per.map((p) => p[0])), { axis: 0 }).toArray() as number[], tight);
    expectClose(gx, stack0(per.map((p) => p[1])).toArray() as number[][], tight);
  });

  it("jvp(vmap f) and vmap(jvp f) equal the per-example jvp", () => {
    const f = (x: Tensor) => x.sin().mul(x);
    const V = f64([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const [y, t] = jvp(vmap(f, { inAxes: 0 }), [X], [V]);
    const per = rows(X).map((x, i) => jvp(f, [x], [V.slice(i)]));
    expectClose(y, stack0(per.map((p) => p[0])).toArray() as number[][], tight);
    expectClose(t, stack0(per.map((p) => p[1])).toArray() as number[][], tight);
    const vt = vmap((x: Tensor, v: Tensor) => jvp(f, [x], [v])[1], { inAxes: [1, 1], outAxes: 1 })(
      X.transpose(),
      V.transpose(),
    );
    expectClose(
      vt,
      stack0(per.map((p) => p[1]))
        .transpose()
        .toArray() as number[][],
      tight,
    );
    // a batched primal with one shared (unbatched) tangent
    const shared = vmap((x: Tensor) => jvp(f, [x], [f64([1, 1])])[1])(X);
    expectClose(shared, stack0(rows(X).map((x) => jvp(f, [x], [f64([1, 1])])[1])).toArray() as number[][], tight);
  });

  it("vmap(vjp …): per-example cotangents, and a vjp function applied to a batch of cotangents (Jacobian rows)", () => {
    const f = (x: Tensor) => x.pow(3);
    const U = f64([
      [1, 2],
      [0, 1],
      [2, 0],
    ]);
    const got = vmap((x: Tensor, u: Tensor) => vjp(f, x)[1](u)[0]!)(X, U);
    expectClose(got, stack0(rows(X).map((x, i) => vjp(f, x)[1](U.slice(i))[0]!)).toArray() as number[][], tight);
    const [, back] = vjp(f, f64([1, 2]));
    expectTensor(vmap(back)(np.eye(2).astype("float64"))[0], [
      [3, 0],
      [0, 12],
    ]);
    const [, lin] = linearize(f, f64([1, 2]));
    expectTensor(vmap(lin)(np.eye(2).astype("float64")), [
      [3, 0],
      [0, 12],
    ]);
  });

  it("jacfwd/jacrev/hessian inside vmap, and vmap inside them", () => {
    const f = (x: Tensor) => x.sin().mul(x.sum());
    for (const jac of [jacfwd, jacrev]) {
      const got = vmap(jac(f))(X);
      expectClose(got, stack0(rows(X).map((x) => jac(f)(x))).toArray() as number[][][], tight);
    }
    expectTensor(vmap(hessian((x: Tensor) => x.pow(3).sum()))(X), [
      [
        [6, 0],
        [0, 12],
      ],
      [
        [18, 0],
        [0, 24],
      ],
      [
        [30, 0],
        [0, 36],
      ],
    ]);
    // d²/dw² Σ_b Σ_j sin(x_bj w_j): diagonal −Σ_b x_bj² sin(x_bj w_j)
    const w = f64([0.1, 0.2]);
    const H = hessian((wt: Tensor) => vmap((x: Tensor) => x.mul(wt).sin().sum())(X).sum())(w);
    const diag = [0, 1].map(
      (j) => -[1, 3, 5].map((k) => k + j).reduce((s, x) => s + x * x * Math.sin(x * (j ? 0.2 : 0.1)), 0),
    );
    expectClose(
      H,
      [
        [diag[0]!, 0],
        [0, diag[1]!],
      ],
      tight,
    );
    // a Jacobian closing over a vmapped value
    expectTensor(vmap((x: Tensor) => jacfwd((y: Tensor) => y.mul(x))(f64([1, 1])))(X), [
      [
        [1, 0],
        [0, 2],
      ],
      [
        [3, 0],
        [0, 4],
      ],
      [
        [5, 0],
        [0, 6],
      ],
    ]);
  });

  it("jacfwd and jacrev are vmaps over basis vectors: their jaxprs do not grow with the input size", () => {
    const f = (x: Tensor) => x.sin().mul(x.sum());
    for (const jac of [jacfwd, jacrev]) {
      const count = (n: number) => makeJaxpr(jac(f))(np.ones([n], { dtype: "float64" })).jaxpr.eqns.length;
      expect(count(8), "equations for n = 8 vs n = 2").toBe(count(2));
    }
  });

  it("makeJaxpr(vmap(f)) has the same equations for batch sizes 1, 3 and 7", () => {
    const f = (p: { w: Tensor; b: Tensor }, x: Tensor) => np.tanh(x.matmul(p.w).add(p.b)).sum();
    const p = { w: np.ones([2, 3], { dtype: "float64" }), b: np.ones([3], { dtype: "float64" }) };
    const text = (n: number) =>
      makeJaxpr(vmap(f, { inAxes: [null, 1] }))(p, np.ones([2, n], { dtype: "float64" })).jaxpr.eqns.map(
        (e) => e.prim.name,
      );
    expect(text(3)).toEqual(text(1));
    expect(text(7)).toEqual(text(1));
  });
});

describe("vmap: errors", () => {
  afterEach(() => {
    // nothing left on the trace stack, and vmap still works
    expect(traceDepth()).toBe(0);
    expectTensor(vmap((x: Tensor) => x.sum())(np.ones([2, 3])), [3, 3]);
    expect(np.add(1, 2).item()).toBe(3);
  });

  it("inconsistent sizes of mapped axes: names the function and each argument's path, axis and size", () => {
    const e = catchError(
      () =>
        vmap(
          function addAll(a: Tensor, b: Tensor) {
            return a.add(b);
          },
          { inAxes: [0, 1] },
        )(np.ones([2, 3]), np.ones([3, 4])),
      ShapeError,
    );
    expect(e.message).toMatch(/^vmap: mapped axes of 'addAll' have different sizes/);
    expect(e.message).toMatch(/args\[0\] axis 0 has size 2/);
    expect(e.message).toMatch(/args\[1\] axis 1 has size 4/);
  });

  it("inconsistent sizes inside a pytree argument name the leaf paths (negative axes normalised)", () => {
    const e = catchError(
      () =>
        vmap((p: { w: Tensor; b: Tensor }) => p.w.sum().add(p.b.sum()), { inAxes: [{ w: -1, b: 0 }] })({
          w: np.ones([2, 3]),
          b: np.ones([2]),
        }),
      ShapeError,
    );
    expect(e.message).toMatch(/args\[0\]\.b axis 0 has size 2/);
    expect(e.message).toMatch(/args\[0\]\.w axis 1 has size 3/);
  });

  it("an axis out of range for the argument's rank names the axis, the path, the shape and the valid range", () => {
    for (const axis of [2, -3]) {
      const e = catchError(() => vmap((a: Tensor) => a, { inAxes: axis })(np.ones([2, 3])), ShapeError);
      expect(e.message).toMatch(
        new RegExp(
          `inAxes gives axis ${axis} for args\\[0\\], of shape \\[2, 3\\] \\(rank 2\\); valid axes are -2 … 1`,
        ),
      );
    }
    expect(catchError(() => vmap((a: Tensor) => a, { inAxes: 0.5 })(np.ones([2, 3])), ShapeError).message).toMatch(
      /axis 0\.5 for args\[0\]/,
    );
    expect(
      catchError(() => vmap((a: Tensor, b: Tensor) => a.add(b))(np.ones([2]), np.array(1)), ShapeError).message,
    ).toMatch(/args\[1\] is a scalar \(shape \[\]\).*inAxes null/);
  });

  it("an outAxes axis out of range names the output and its rank with the batch axis", () => {
    const e = catchError(() => vmap((a: Tensor) => [a, a.sin()], { outAxes: [0, 2] })(np.ones([3, 2])), ShapeError);
    expect(e.message).toMatch(/outAxes gives axis 2 for output\[1\], which has rank 2 with the batch axis/);
    expect(catchError(() => vmap((a: Tensor) => a, { outAxes: -3 })(np.ones([3, 2])), ShapeError).message).toMatch(
      /axis -3 for output/,
    );
  });

  it("inAxes that is not a prefix of the arguments says where and what it found", () => {
    const two = (a: Tensor, _b: Tensor) => a;
    expect(catchError(() => vmap(two, { inAxes: [0] })(np.ones([2]), np.ones([2])), TracegradError).message).toMatch(
      /inAxes at args is an array of length 1, but the value there is an array of length 2; inAxes must be a number, null, or a prefix/,
    );
    expect(
      catchError(
        () => vmap((p: { w: Tensor; b: Tensor }) => p.w, { inAxes: [{ w: 0 }] })({ w: np.ones([3]), b: np.ones([3]) }),
        TracegradError,
      ).message,
    ).toMatch(/inAxes at args\[0\] is an object with keys \{w\}, but the value there is an object with keys \{b, w\}/);
    expect(
      catchError(() => vmap((p: Tensor) => p, { inAxes: [[0, 0]] })(np.ones([3])), TracegradError).message,
    ).toMatch(/inAxes at args\[0\] is an array of length 2, but the value there is a tensor of shape \[3\]/);
    expect(
      catchError(() => vmap((p: { w: Tensor }) => p.w, { inAxes: [[0]] })({ w: np.ones([3]) }), TracegradError).message,
    ).toMatch(/inAxes at args\[0\] is an array of length 1, but the value there is an object with keys \{w\}/);
    expect(
      catchError(() => vmap((p: Tensor) => p, { inAxes: "0" as never })(np.ones([3])), TracegradError).message,
    ).toMatch(/inAxes at args must be a number, null, an array or an object/);
  });

  it("outAxes that is not a prefix of the outputs", () => {
    const e = catchError(() => vmap((a: Tensor) => ({ y: a }), { outAxes: { z: 0 } })(np.ones([3])), TracegradError);
    expect(e.message).toMatch(
      /outAxes at output is an object with keys \{z\}, but the value there is an object with keys \{y\}/,
    );
  });

  it("inAxes that maps nothing: no batch size, named function", () => {
    for (const inAxes of [null, [null, null], [{ w: null }, null]] as const) {
      const e = catchError(
        () =>
          vmap(
            function noBatch(a: unknown, _b: Tensor) {
              return (a as { w: Tensor }).w ?? a;
            },
            { inAxes },
          )({ w: np.ones([2]) }, np.ones([2])),
        TracegradError,
      );
      expect(e.message).toMatch(/inAxes maps no argument of 'noBatch'; map at least one/);
    }
    expect(catchError(() => vmap(() => np.ones([2]))(), TracegradError).message).toMatch(/maps no argument/);
  });

  it("outAxes null for an output that depends on the mapped inputs", () => {
    const e = catchError(
      () => vmap((a: Tensor) => [np.ones([2]), a.sin()], { outAxes: [null, null] })(np.ones([3])),
      TracegradError,
    );
    expect(e.message).toMatch(
      /outAxes is null for output\[1\], but that output depends on the mapped inputs; give it an axis/,
    );
  });

  describe("ConcretizationError under vmap names vmap and the function, and points to np.where", () => {
    const conversions: [string, (x: Tensor) => unknown, RegExp][] = [
      ["t > 0", (x) => ((x as unknown as number) > 0 ? x : x.neg()), /comparison/],
      ["Number(t)", (x) => x.mul(Number(x)), /Number/],
      ["t.item()", (x) => x.mul(x.item() as number), /item\(\)/],
      ["t.toArray()", (x) => x.toArray(), /toArray\(\)/],
    ];
    for (const [what, body, names] of conversions) {
      it(what, () => {
        const perExample = (x: Tensor) => body(x);
        const e = catchError(() => vmap(perExample)(np.ones([3])), ConcretizationError);
        expect(e.message).toMatch(names);
        expect(e.message).toMatch(/vmap traces function 'perExample'/);
        expect(e.message).toMatch(/f32\[\]/);
        expect(e.message).toMatch(/np\.where/);
      });
    }

    it("JS control flow that works under grad fails under vmap(grad …), naming the function", () => {
      const piecewise = (x: Tensor) => ((x as unknown as number) > 0 ? x.mul(x) : x.neg());
      expectTensor(grad(piecewise)(f64(3)), 6);
      expect(catchError(() => vmap(grad(piecewise))(f64([3, -1])), ConcretizationError).message).toMatch(/piecewise/);
    });
  });

  it("errors raised inside the mapped function propagate unchanged (inner and nested vmaps)", () => {
    expect(catchError(() => vmap((a: Tensor) => a.add(np.ones([4])))(np.ones([3, 2])), ShapeError).message).toMatch(
      /np\.add: shapes \[2\] and \[4\]/,
    );
    expect(
      catchError(() => vmap((a: Tensor) => vmap((b: Tensor) => b.add(np.ones([4])))(a))(np.ones([3, 2, 2])), ShapeError)
        .message,
    ).toMatch(/np\.add/);
    expect(catchError(() => vmap(grad((a: Tensor) => a))(np.ones([3, 2])), GradientError).message).toMatch(
      /must return a scalar/,
    );
  });

  it("a tracer that escapes vmap is reported when used", () => {
    let leaked: Tensor | undefined;
    vmap((x: Tensor) => {
      leaked = x;
      return x;
    })(np.ones([3]));
    expect(catchError(() => leaked!.add(1), UnexpectedTracerError).message).toMatch(/tracer created by vmap/);
  });
});
