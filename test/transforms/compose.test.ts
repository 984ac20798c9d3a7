// Composition of transforms (higher order, closures over tracers), JS control flow under grad/jvp, stopGradient, tie-splitting.

import { grad, hessian, jacfwd, jacrev, jvp, linearize, np, stopGradient, Tensor, valueAndGrad, vjp } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, expectTensor } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };

describe("higher-order derivatives", () => {
  it("grad(grad(grad(x⁴))) = 24x", () => {
    expectTensor(grad(grad(grad((x: Tensor) => x.pow(4))))(f64(2)), 48);
  });

  it("fourth derivative of sin is sin", () => {
    const d4 = grad(grad(grad(grad((x: Tensor) => x.sin()))));
    expectClose(d4(f64(0.7)), Math.sin(0.7), tight);
  });

  it("derivatives of exp(x²): 2x e^{x²}, (2 + 4x²) e^{x²}, (12x + 8x³) e^{x²}", () => {
    const fn = (x: Tensor) => x.mul(x).exp();
    const x = 0.5;
    const e = Math.exp(x * x);
    expectClose(grad(fn)(f64(x)), 2 * x * e, tight);
    expectClose(grad(grad(fn))(f64(x)), (2 + 4 * x * x) * e, tight);
    expectClose(grad(grad(grad(fn)))(f64(x)), (12 * x + 8 * x ** 3) * e, tight);
  });

  it("jvp(grad(f)): forward-over-reverse gives f''·t", () => {
    const [g, gt] = jvp(
      grad((x: Tensor) => x.pow(3)),
      [f64(2)],
      [f64(1)],
    );
    expectTensor(g, 12);
    expectTensor(gt, 12);
  });

  it("grad of a jvp output: reverse-over-forward", () => {
    // jvp of sin at x along 1 is cos x; its derivative is −sin x
    const fn = (x: Tensor) => jvp((y: Tensor) => y.sin(), [x], [f64(1)])[1];
    expectClose(grad(fn)(f64(0.4)), -Math.sin(0.4), tight);
  });

  it("vjp of grad: Hessian-vector product", () => {
    // f = Σ x³ → ∇f = 3x² → H = diag(6x)
    const [, back] = vjp(
      grad((x: Tensor) => x.pow(3).sum()),
      f64([1, 2]),
    );
    expectTensor(back(f64([1, 1]))[0], [6, 12]);
  });

  it("jacfwd(jacrev(f)) of vector → vector has shape [out, in, in]", () => {
    // f(x) = x ⊙ x ⊙ x; ∂²f_i/∂x_j∂x_k = 6x_i δij δik
    const H = jacfwd(jacrev((x: Tensor) => x.pow(3)))(f64([1, 2]));
    expectTensor(H, [
      [
        [6, 0],
        [0, 0],
      ],
      [
        [0, 0],
        [0, 12],
      ],
    ]);
  });

  it("hessian of hessian via jacfwd: third derivatives of Σ x⁴ are 24x on the diagonal", () => {
    const T = jacfwd(hessian((x: Tensor) => x.pow(4).sum()))(f64([1, 2]));
    expectTensor(T, [
      [
        [24, 0],
        [0, 0],
      ],
      [
        [0, 0],
        [0, 48],
      ],
    ]);
  });

  it("linearize of grad", () => {
    const [g, gLin] = linearize(
      grad((x: Tensor) => x.sin()),
      f64(0.3),
    );
    expectClose(g, Math.cos(0.3), tight);
    expectClose(gLin(f64(2)), -2 * Math.sin(0.3), tight);
  });

  it("valueAndGrad of valueAndGrad's gradient", () => {
    const [v, g2] = valueAndGrad((x: Tensor) => valueAndGrad((y: Tensor) => y.pow(3))(x)[1])(f64(2));
    expectTensor(v, 12);
    expectTensor(g2, 12);
  });
});

describe("closures over outer tracers (perturbation confusion)", () => {
  it("x => grad(y => x·y)(3) is x, whose derivative is 1", () => {
    const inner = (x: Tensor) => grad((y: Tensor | number) => x.mul(y))(3);
    expectTensor(inner(f64(2)), 2, "float32"); // the gradient w.r.t. the JS number 3 is float32
    expectTensor(grad(inner)(f64(2)), 1, "float64");
    expectTensor(grad(grad((x: Tensor) => grad((y: Tensor | number) => x.mul(x).mul(y))(3)))(f64(5)), 2);
  });

  it("d/dx [x · d/dy (x·y²) at y = 3] = d/dx 6x² = 12x", () => {
    const fn = (x: Tensor) => grad((y: Tensor) => x.mul(y).mul(y))(f64(3)).mul(x);
    expectTensor(grad(fn)(f64(2)), 24);
  });

  it("Siskind–Pearlmutter: d/dx [x · d/dy (x + y)] = 1", () => {
    const fn = (x: Tensor) => x.mul(grad((y: Tensor) => x.add(y))(f64(1)));
    expectTensor(grad(fn)(f64(5)), 1);
  });

  it("jvp nested in jvp with a closure keeps tangents apart", () => {
    // d/dx [ d/dy (x·y) ] along both = 1 (no confusion between the two tangents)
    const fn = (x: Tensor) => jvp((y: Tensor) => x.mul(y), [f64(4)], [f64(1)])[1];
    const [v, t] = jvp(fn, [f64(3)], [f64(1)]);
    expectTensor(v, 3);
    expectTensor(t, 1);
  });

  it("a captured concrete tensor is a constant", () => {
    const w = f64([1, 2]);
    expectTensor(grad((x: Tensor) => x.mul(w).sum())(f64([5, 5])), [1, 2]);
  });
});

describe("JS control flow on concrete primal values", () => {
  const piecewise = (x: Tensor) => ((x as unknown as number) > 0 ? x.mul(x) : x.neg());

  it("under grad", () => {
    expectTensor(grad(piecewise)(f64(3)), 6);
    expectTensor(grad(piecewise)(f64(-3)), -1);
  });

  it("under jvp and vjp", () => {
    const [y, t] = jvp(piecewise, [f64(-3)], [f64(1)]);
    expectTensor(y, 3);
    expectTensor(t, -1);
    expectTensor(vjp(piecewise, f64(3))[1](f64(1))[0], 6);
  });

  it("under grad(grad(...)) and jacfwd", () => {
    const cubic = (x: Tensor) => ((x as unknown as number) > 0 ? x.pow(3) : x.neg());
    expectTensor(grad(grad(cubic))(f64(2)), 12);
    expectTensor(jacfwd(cubic)(f64(2)), 12);
  });

  it("a loop whose trip count depends on the value", () => {
    // repeatedly halve until below 1: y = x / 2^k with k = 3 at x = 5 → dy/dx = 1/8
    const fn = (x: Tensor) => {
      let y = x;
      while (Number(y) >= 1) y = y.div(2);
      return y;
    };
    expectTensor(grad(fn)(f64(5)), 1 / 8);
  });

  it("item() and toArray() under grad read the primal", () => {
    expectTensor(grad((x: Tensor) => x.mul(x.item() as number))(f64(3)), 3);
    expectTensor(grad((x: Tensor) => x.mul((x.toArray() as number[])[1]!).sum())(f64([1, 4])), [4, 4]);
  });
});

describe("stopGradient", () => {
  it("is the identity with zero derivative", () => {
    expectTensor(stopGradient(f64([1, 2])), [1, 2]);
    expectTensor(grad((x: Tensor) => stopGradient(x).mul(x))(f64(3)), 3);
    expectTensor(grad((x: Tensor) => stopGradient(x.mul(x)))(f64(3)), 0);
  });

  it("blocks forward-mode tangents too", () => {
    const [, t] = jvp((x: Tensor) => stopGradient(x).add(x), [f64(1)], [f64(1)]);
    expectTensor(t, 1);
  });

  it("works under second order", () => {
    // f = sg(x)·x² → f' = 2x·sg(x) → f'' = 2 sg(x)
    expectTensor(grad(grad((x: Tensor) => stopGradient(x).mul(x).mul(x)))(f64(3)), 6);
  });
});

describe("ties share the gradient equally (as JAX)", () => {
  it("maximum and minimum at equal operands give ½ to each", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.maximum(a, b).sum(), { argnums: [0, 1] })(
      f64([1, 2]),
      f64([1, 1]),
    );
    expectTensor(ga, [0.5, 1]);
    expectTensor(gb, [0.5, 0]);
    const [ha, hb] = grad((a: Tensor, b: Tensor) => np.minimum(a, b).sum(), { argnums: [0, 1] })(
      f64([1, 2]),
      f64([1, 1]),
    );
    expectTensor(ha, [0.5, 0]);
    expectTensor(hb, [0.5, 1]);
  });

  it("maximum with a JS number at the tie", () => {
    expectTensor(grad((x: Tensor) => np.maximum(x, 1).sum())(f64([1, 2, 0])), [0.5, 1, 0]);
  });

  it("reduce_max splits among all maximal entries", () => {
    expectTensor(grad((x: Tensor) => x.max())(f64([3, 1, 3, 3])), [1 / 3, 0, 1 / 3, 1 / 3]);
    expectTensor(grad((x: Tensor) => x.min())(f64([2, 2, 5])), [0.5, 0.5, 0]);
  });

  it("per row with axis and keepdims", () => {
    const g = grad((x: Tensor) =>
      x
        .max({ axis: 1, keepdims: true })
        .mul(f64([[1], [10]]))
        .sum(),
    )(
      f64([
        [1, 3, 3],
        [5, 2, 1],
      ]),
    );
    expectTensor(g, [
      [0, 0.5, 0.5],
      [10, 0, 0],
    ]);
  });

  it("abs at 0 has derivative 0, and clip at its bounds splits", () => {
    expectTensor(grad((x: Tensor) => x.abs())(f64(0)), 0);
    expectTensor(grad((x: Tensor) => np.clip(x, 0, 1).sum())(f64([-1, 0.5, 2, 0, 1])), [0, 1, 0, 0.5, 0.5]);
  });

  it("forward mode agrees at ties", () => {
    const [, t] = jvp((x: Tensor) => x.max(), [f64([2, 2])], [f64([1, 3])]);
    expectTensor(t, 2);
  });
});

describe("the result type", () => {
  it("every gradient leaf is a Tensor", () => {
    const g = grad((p: { a: number; b: Tensor[] }) => np.multiply(p.a, p.b[0]!).sum())({ a: 2, b: [f64([1])] });
    expect(g.a).toBeInstanceOf(Tensor);
    expect(g.b[0]).toBeInstanceOf(Tensor);
  });
});
