// Errors name the pytree leaf they are about and the transform that was tracing; vmap gives batched shapes too.
import { describe, expect, it } from "vitest";
import { DTypeError, grad, hessian, jit, makeJaxpr, np, ShapeError, type Tensor, vjp, vmap } from "../../src/index.js";
import { catchError } from "../helpers.js";

describe("leaf paths", () => {
  it("grad with respect to an int32 leaf names its path in the argument", () => {
    const params = { layers: [{ w: np.ones([2]) }, { w: np.arange(2) }] };
    const loss = (p: typeof params) => np.sum(p.layers[0]!.w);
    expect(catchError(() => grad(loss)(params), DTypeError).message).toMatch(
      /^grad: argument 0\.layers\[1\]\.w has dtype int32/,
    );
    expect(
      catchError(
        () => grad((_a: Tensor, b: { c: Tensor }) => b.c.sum(), 1)(np.ones([]), { c: np.arange(2) }),
        DTypeError,
      ).message,
    ).toMatch(/^grad: argument 1\.c has dtype int32/);
  });

  it("a cotangent leaf of the wrong shape is named by its path", () => {
    const [, back] = vjp((x: Tensor) => ({ a: x, b: [x, x] }), np.ones([3]));
    const ct = { a: np.ones([3]), b: [np.ones([3]), np.ones([4])] };
    expect(catchError(() => back(ct as never), ShapeError).message).toMatch(
      /^vjp: leaf \.b\[1\] of the cotangent has shape \[4\], but the value it belongs to has shape \[3\]/,
    );
  });
});

describe("the transform that was tracing", () => {
  it("hessian's dtype error names hessian, not the jacfwd inside it", () => {
    const e = catchError(() => hessian((x: Tensor) => x.sum())(np.arange(3)), DTypeError);
    expect(e.message).toMatch(/^hessian: argument 0 has dtype int32/);
  });

  it("a shape error inside vmap gives per-example and batched shapes", () => {
    const f = (x: Tensor, y: Tensor) => np.add(x, y);
    const e = catchError(() => vmap(f)(np.ones([5, 3]), np.ones([5, 4])), ShapeError);
    expect(e.message).toMatch(/^np\.add: shapes \[3\] and \[4\] cannot be broadcast together/);
    expect(e.message).toMatch(
      /raised while vmap traced 'f'; shapes there are per example; mapping an axis of size 5: args\[0\] is \[5, 3\] batched, \[3\] per example; args\[1\] is \[5, 4\] batched, \[4\] per example/,
    );
  });

  it("errors inside jit, makeJaxpr and grad say which transform traced which function", () => {
    const bad = (x: Tensor) => np.matmul(x, np.ones([4]));
    expect(catchError(() => jit(bad)(np.ones([3])), ShapeError).message).toMatch(/raised while jit traced 'bad'/);
    expect(catchError(() => makeJaxpr(bad)(np.ones([3])), ShapeError).message).toMatch(
      /raised while makeJaxpr traced 'bad'/,
    );
    expect(catchError(() => grad((x: Tensor) => bad(x).sum())(np.ones([3])), ShapeError).message).toMatch(
      /raised while grad traced/,
    );
  });

  it("the user's own errors pass through unchanged", () => {
    const mine = new RangeError("mine");
    const f = (_x: unknown): Tensor => {
      throw mine;
    };
    for (const t of [() => grad(f)(1), () => vmap(f)(np.ones([2])), () => jit(f)(1), () => makeJaxpr(f)(1)]) {
      let caught: unknown;
      try {
        t();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(mine);
      expect(mine.message).toBe("mine");
    }
  });
});
