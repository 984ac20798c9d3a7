// Type-level checks: transforms applied directly to np/nn functions typecheck (no TS2589) and keep precise types.

import { grad, hessian, jacrev, jvp, nn, np, type Tensor, valueAndGrad, vjp } from "tracegrad";
import { describe, expect, expectTypeOf, it } from "vitest";

describe("transforms of np/nn functions (parameters typed ArrayLike)", () => {
  it("grad, valueAndGrad, jacrev, vjp and jvp accept them and return Tensors", () => {
    const d = grad(np.sin)(0);
    expectTypeOf(d).toEqualTypeOf<Tensor>();
    expect(d.item()).toBe(1);
    const [v, g] = valueAndGrad(nn.relu)(2);
    expectTypeOf(g).toEqualTypeOf<Tensor>();
    expect([v.item(), g.item()]).toEqual([2, 1]);
    const j = jacrev(nn.softmax)(np.array([0, 0]));
    expectTypeOf(j).toEqualTypeOf<Tensor>();
    expect(j.toArray()).toEqual([
      [0.25, -0.25],
      [-0.25, 0.25],
    ]);
    const [, back] = vjp(np.exp, 0);
    expectTypeOf(back(1)).toEqualTypeOf<[Tensor]>();
    expect(back(3)[0].item()).toBe(3);
    const [, t] = jvp(np.exp, [0], [2]);
    expect(t.item()).toBe(2);
  });

  it("pytree parameters keep their type through grad and hessian", () => {
    type P = { w: Tensor; b: Tensor };
    const loss = (p: P, x: Tensor) => p.w.mul(x).add(p.b).sum();
    const gp = grad(loss)({ w: np.array(1), b: np.array(0) }, np.array([1, 2]));
    expectTypeOf(gp).toEqualTypeOf<{ w: Tensor; b: Tensor }>();
    expect([gp.w.item(), gp.b.item()]).toEqual([3, 2]);
    const h = hessian((x: Tensor) => x.pow(3).sum())(np.array([1, 2]));
    expectTypeOf(h).toEqualTypeOf<Tensor>();
    expect(h.toArray()).toEqual([
      [6, 0],
      [0, 12],
    ]);
  });
});
