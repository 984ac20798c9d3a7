// grad and valueAndGrad: values against hand derivatives, argnums, hasAux, pytree arguments, JS-number arguments, types.

import { grad, np, Tensor, valueAndGrad } from "tracegrad";
import { describe, expect, expectTypeOf, it } from "vitest";
import { expectClose, expectTensor } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };

describe("grad of elementwise functions vs hand derivatives (float64)", () => {
  const xs = [0.3, 1.7, -0.8];
  const cases: [string, (x: Tensor) => Tensor, (x: number) => number, number[]?][] = [
    [
      "polynomial 3x³ − 2x² + x − 5",
      (x) => x.pow(3).mul(3).sub(x.mul(x).mul(2)).add(x).sub(5),
      (x) => 9 * x * x - 4 * x + 1,
    ],
    ["exp", (x) => x.exp(), Math.exp],
    ["log", (x) => x.log(), (x) => 1 / x, [0.3, 1.7, 4]],
    ["sin", (x) => x.sin(), Math.cos],
    ["cos", (x) => x.cos(), (x) => -Math.sin(x)],
    ["tanh", (x) => x.tanh(), (x) => 1 - Math.tanh(x) ** 2],
    ["sqrt", (x) => x.sqrt(), (x) => 0.5 / Math.sqrt(x), [0.3, 1.7, 4]],
    ["x^2.5", (x) => x.pow(2.5), (x) => 2.5 * x ** 1.5, [0.3, 1.7, 4]],
    ["1/x", (x) => np.divide(1, x), (x) => -1 / (x * x)],
    ["x/(1+x²)", (x) => x.div(x.mul(x).add(1)), (x) => (1 - x * x) / (1 + x * x) ** 2],
    [
      "exp(sin x)·log(x²+1)",
      (x) => x.sin().exp().mul(x.mul(x).add(1).log()),
      (x) => Math.exp(Math.sin(x)) * (Math.cos(x) * Math.log(x * x + 1) + (2 * x) / (x * x + 1)),
    ],
    ["|x|", (x) => x.abs(), Math.sign],
    ["−x", (x) => x.neg(), () => -1],
    ["square", (x) => np.square(x), (x) => 2 * x],
  ];
  for (const [name, fn, df, points = xs] of cases) {
    it(name, () => {
      for (const x of points) expectClose(grad(fn)(f64(x)), df(x), tight);
    });
  }

  it("gradient of a summed vector function is elementwise", () => {
    const v = [0.5, 1, 2];
    expectClose(
      grad((x: Tensor) => x.sin().mul(x).sum())(f64(v)),
      v.map((x) => Math.sin(x) + x * Math.cos(x)),
      tight,
    );
  });

  it("float32 inputs give float32 gradients of similar accuracy", () => {
    const g = grad((x: Tensor) => x.exp().sum())(np.array([0, 1, 2]));
    expect(g.dtype).toBe("float32");
    expectClose(g, [1, Math.E, Math.exp(2)], { rtol: 1e-6 });
  });
});

describe("grad of binary functions", () => {
  it("pow in both arguments: d(xʸ)/dx = y·xʸ⁻¹, d/dy = xʸ·ln x", () => {
    const [gx, gy] = grad((x: Tensor, y: Tensor) => x.pow(y), { argnums: [0, 1] })(f64(2), f64(3));
    expectClose(gx, 12, tight);
    expectClose(gy, 8 * Math.log(2), tight);
  });

  it("pow conventions at 0 follow JAX: d(x⁰)/dx = 0 at x = 0, d(0ʸ)/dy finite", () => {
    expectClose(grad((x: Tensor) => x.pow(0))(f64(0)), 0);
    expectClose(grad((y: Tensor) => np.power(0, y))(f64(2)), 0);
  });

  it("div: d(x/y) = 1/y, −x/y²", () => {
    const [gx, gy] = grad((x: Tensor, y: Tensor) => x.div(y), { argnums: [0, 1] })(f64(2), f64(4));
    expectClose(gx, 0.25, tight);
    expectClose(gy, -2 / 16, tight);
  });

  it("maximum/minimum route the gradient to the winner", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.maximum(a, b).sum(), { argnums: [0, 1] })(
      f64([1, 5]),
      f64([3, 2]),
    );
    expectTensor(ga, [0, 1]);
    expectTensor(gb, [1, 0]);
    const [ha, hb] = grad((a: Tensor, b: Tensor) => np.minimum(a, b).sum(), { argnums: [0, 1] })(
      f64([1, 5]),
      f64([3, 2]),
    );
    expectTensor(ha, [1, 0]);
    expectTensor(hb, [0, 1]);
  });

  it("reduce max/min route the gradient to the extremum", () => {
    expectTensor(grad((x: Tensor) => x.max())(f64([1, 7, 3])), [0, 1, 0]);
    expectTensor(grad((x: Tensor) => x.min())(f64([1, 7, 3])), [1, 0, 0]);
    expectTensor(
      grad((x: Tensor) => x.max({ axis: 0 }).sum())(
        f64([
          [1, 9],
          [4, 2],
        ]),
      ),
      [
        [0, 1],
        [1, 0],
      ],
    );
  });

  it("dot product: ∇ₐ a·b = b", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.dot(a, b), { argnums: [0, 1] })(f64([1, 2, 3]), f64([4, 5, 6]));
    expectTensor(ga, [4, 5, 6]);
    expectTensor(gb, [1, 2, 3]);
  });

  it("matmul: ∇_A Σ(AB)·C = C Bᵀ, ∇_B = Aᵀ C", () => {
    const A = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const B = [
      [1, -1],
      [2, 0],
      [0, 3],
    ];
    const C = [
      [1, 2],
      [3, 4],
    ];
    const [gA, gB] = grad((a: Tensor, b: Tensor) => a.matmul(b).mul(f64(C)).sum(), { argnums: [0, 1] })(f64(A), f64(B));
    const CBt = A.map((_, i) => B.map((bRow) => C[i]!.reduce((s, c, k) => s + c * bRow[k]!, 0)));
    const AtC = B.map((_, i) => C[0]!.map((_, j) => A.reduce((s, aRow, k) => s + aRow[i]! * C[k]![j]!, 0)));
    expectTensor(gA, CBt);
    expectTensor(gB, AtC);
  });

  it("quadratic form: ∇ xᵀAx = (A + Aᵀ)x", () => {
    const A = [
      [2, 1],
      [0, 3],
    ];
    const x = [1, -2];
    const g = grad((v: Tensor) => np.dot(v, f64(A).matmul(v)))(f64(x));
    expectTensor(g, [(2 + 2) * 1 + (1 + 0) * -2, (0 + 1) * 1 + (3 + 3) * -2]);
  });

  it("broadcasting sums the gradient back to each operand's shape", () => {
    const [gx, gy] = grad((x: Tensor, y: Tensor) => x.mul(y).sum(), { argnums: [0, 1] })(
      f64([[1], [2]]),
      f64([1, 2, 3]),
    );
    expectTensor(gx, [[6], [6]]);
    expectTensor(gy, [3, 3, 3]);
    expectTensor(grad((x: Tensor) => x.add(np.ones([4, 3])).sum())(f64([1, 2, 3])), [4, 4, 4]);
  });

  it("mean divides by the count", () => {
    expectTensor(
      grad((x: Tensor) => x.mean())(
        f64([
          [1, 2],
          [3, 4],
        ]),
      ),
      [
        [0.25, 0.25],
        [0.25, 0.25],
      ],
    );
    expectTensor(grad((x: Tensor) => x.mean({ axis: 1 }).sum())(f64([[1, 2, 3]])), [[1 / 3, 1 / 3, 1 / 3]]);
  });
});

describe("argnums", () => {
  const f = (a: Tensor, b: Tensor, c: Tensor) => a.mul(b).mul(c).mul(c);

  it("a number picks one argument (default 0)", () => {
    expectTensor(grad(f)(f64(2), f64(3), f64(5)), 75);
    expectTensor(grad(f, { argnums: 1 })(f64(2), f64(3), f64(5)), 50);
    expectTensor(grad(f, { argnums: 2 })(f64(2), f64(3), f64(5)), 60);
  });

  it("an array gives a tuple in the order asked", () => {
    const [gc, ga] = grad(f, { argnums: [2, 0] })(f64(2), f64(3), f64(5));
    expectTensor(gc, 60);
    expectTensor(ga, 75);
  });

  it("a negative argnum counts from the end", () => {
    expectTensor(grad(f, { argnums: -1 })(f64(2), f64(3), f64(5)), 60);
  });

  it("non-differentiated arguments may be integers or anything", () => {
    const g = grad((x: Tensor, n: Tensor, _label: string) => x.mul(n.astype("float64")).sum())(
      f64([1, 2]),
      np.array([3, 4], { dtype: "int32" }),
      "ignored",
    );
    expectTensor(g, [3, 4]);
  });
});

describe("pytree arguments", () => {
  it("the gradient has the structure of the argument", () => {
    const params = { w: f64([1, 2]), b: [f64([3, 4]), f64(1)] };
    const g = grad((p: typeof params) => p.w.mul(p.b[0]!).add(p.b[1]!).sum())(params);
    expectTensor(g.w, [3, 4]);
    expectTensor(g.b[0], [1, 2]);
    expectTensor(g.b[1], 2);
  });

  it("a linear model's loss: grad(loss)(params, x, y)", () => {
    const x = f64([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = f64([1, 0, 2]);
    const loss = (p: { w: Tensor; b: Tensor }, xs: Tensor, ys: Tensor) => xs.matmul(p.w).add(p.b).sub(ys).pow(2).mean();
    const params = { w: f64([0.5, -0.25]), b: f64(0.1) };
    const g = grad(loss)(params, x, y);
    // reference: r_i = x_i·w + b − y_i; ∂/∂w = (2/n) Σ r_i x_i; ∂/∂b = (2/n) Σ r_i
    const X = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const Y = [1, 0, 2];
    const r = X.map((row, i) => row[0]! * 0.5 + row[1]! * -0.25 + 0.1 - Y[i]!);
    expectClose(
      g.w,
      [0, 1].map((j) => (2 / 3) * r.reduce((s, ri, i) => s + ri * X[i]![j]!, 0)),
      tight,
    );
    expectClose(g.b, (2 / 3) * r.reduce((s, ri) => s + ri, 0), tight);
  });

  it("null and undefined in the argument pass through", () => {
    const g = grad((p: { a: Tensor; skip: null; u?: undefined }) => p.a.sum())({
      a: f64([1, 2]),
      skip: null,
      u: undefined,
    });
    expectTensor(g.a, [1, 1]);
    expect(g.skip).toBeNull();
    expect(g.u).toBeUndefined();
  });

  it("leaves that do not affect the output get zeros of their shape and dtype", () => {
    const g = grad((p: { a: Tensor; b: Tensor }) => p.a.sum())({ a: f64([1]), b: np.ones([2, 2]) });
    expectTensor(
      g.b,
      [
        [0, 0],
        [0, 0],
      ],
      "float32",
    );
  });
});

describe("JS number arguments and outputs", () => {
  it("the gradient w.r.t. a JS number is a 0-d float32 Tensor", () => {
    const g = grad((x: number) => np.multiply(x, x))(3);
    expect(g).toBeInstanceOf(Tensor);
    expectTensor(g, 6, "float32");
  });

  it("a function returning a JS number has gradient zero", () => {
    expectTensor(grad((_x: Tensor) => 3)(f64(1)), 0, "float64");
  });
});

describe("hasAux and valueAndGrad", () => {
  it("grad with hasAux returns [grads, aux] with aux evaluated, not differentiated", () => {
    const [g, aux] = grad((x: Tensor) => [x.mul(x).sum(), { total: x.sum(), label: "hi", n: 3 }] as const, {
      hasAux: true,
    })(f64([1, 2]));
    expectTensor(g, [2, 4]);
    expectTensor(aux.total, 3);
    expect(aux.label).toBe("hi");
    expect(aux.n).toBe(3);
  });

  it("valueAndGrad returns [value, grads]", () => {
    const [v, g] = valueAndGrad((x: Tensor) => x.mul(x).sum())(f64([1, 2]));
    expectTensor(v, 5);
    expectTensor(g, [2, 4]);
  });

  it("valueAndGrad with hasAux returns [[value, aux], grads]", () => {
    const [[v, aux], g] = valueAndGrad((x: Tensor) => [x.mul(x).sum(), x.exp()] as const, { hasAux: true })(
      f64([0, 1]),
    );
    expectTensor(v, 1);
    expectClose(aux, [1, Math.E], tight);
    expectTensor(g, [0, 2]);
  });

  it("valueAndGrad with argnums", () => {
    const [v, [ga, gb]] = valueAndGrad((a: Tensor, b: Tensor) => a.mul(b), { argnums: [0, 1] })(f64(2), f64(7));
    expectTensor(v, 14);
    expectTensor(ga, 7);
    expectTensor(gb, 2);
  });
});

describe("types", () => {
  it("grad(loss)(params, x, y) has the type of params", () => {
    const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) => x.matmul(p.w).add(p.b).sub(y).pow(2).mean();
    const g = grad(loss)({ w: np.ones([2]), b: np.array(0) }, np.ones([3, 2]), np.ones([3]));
    expectTypeOf(g).toEqualTypeOf<{ w: Tensor; b: Tensor }>();
  });

  it("nested params, numbers, argnums tuples and hasAux are typed", () => {
    const f = (p: { layers: { w: Tensor }[] }, s: number, t: Tensor) => p.layers[0]!.w.mul(s).mul(t).sum();
    const p = { layers: [{ w: np.ones([2]) }] };
    expectTypeOf(grad(f)(p, 2, np.ones([2]))).toEqualTypeOf<{ layers: { w: Tensor }[] }>();
    expectTypeOf(grad(f, { argnums: 1 })(p, 2, np.ones([2]))).toEqualTypeOf<Tensor>();
    expectTypeOf(grad(f, { argnums: [2, 1] })(p, 2, np.ones([2]))).toEqualTypeOf<[Tensor, Tensor]>();
    const [g, aux] = grad((x: Tensor) => [x.sum(), "aux" as const] as const, { hasAux: true })(np.ones([2]));
    expectTypeOf(g).toEqualTypeOf<Tensor>();
    expectTypeOf(aux).toEqualTypeOf<"aux">();
    const [v, gv] = valueAndGrad((x: Tensor) => x.sum())(np.ones([2]));
    expectTypeOf(v).toEqualTypeOf<Tensor>();
    expectTypeOf(gv).toEqualTypeOf<Tensor>();
  });
});
