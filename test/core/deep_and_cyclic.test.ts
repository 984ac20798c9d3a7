// Pytrees and nested arrays of any depth, and ones that contain themselves, give results or typed errors.
import { describe, expect, it } from "vitest";
import { GradientError, grad, jit, np, ShapeError, type Tensor, TracegradError, tree, vmap } from "../../src/index.js";
import { catchError } from "../helpers.js";

/** `leaf` inside `depth` one-element arrays. */
function deep(depth: number, leaf: unknown): unknown {
  let a = leaf;
  for (let i = 0; i < depth; i++) a = [a];
  return a;
}
/** The innermost element of a `deep` value. */
function innermost(a: unknown): unknown {
  while (Array.isArray(a)) a = a[0];
  return a;
}

describe("deep pytrees (no recursion over user data)", () => {
  it("grad and jit take and return a 20,000-deep pytree", () => {
    const f = (p: unknown) => (innermost(p) as Tensor).mul(3);
    const g = grad(f as (p: unknown) => Tensor)(deep(20000, np.array(2)));
    expect((innermost(g) as Tensor).item()).toBe(3);
    expect((innermost(jit(f)(deep(20000, np.array(2)) as never)) as Tensor).item()).toBe(6);
    expect(tree.leaves(deep(20000, 7))).toEqual([7]);
  });

  it("np.array of data nested deeper than 64 levels is a ShapeError, at any depth", () => {
    expect(catchError(() => np.array(deep(65, 1) as never), ShapeError).message).toMatch(/more than 64 levels deep/);
    catchError(() => np.array(deep(100000, 1) as never), ShapeError);
    expect(np.array(deep(64, 1) as never).shape).toEqual(new Array(64).fill(1));
  });

  it("vmap's per-leaf axes and the paths in messages work at depth", () => {
    const e = catchError(() => vmap((p: unknown) => p)(deep(5000, 1)), ShapeError);
    expect(e.message).toMatch(/^vmap: args\[0\](\[0\])+ is a scalar/);
  });
});

describe("cyclic values are typed errors", () => {
  const cyclic = () => {
    const c: unknown[] = [1];
    c.push(c);
    return c;
  };
  it("in nested arrays, pytrees and transforms", () => {
    const self: unknown[] = [];
    self.push(self, self);
    expect(catchError(() => np.array(self as never), ShapeError).message).toMatch(/contains itself/);
    expect(catchError(() => np.add(cyclic() as never, 1), ShapeError).message).toMatch(/^np\.add: .*contains itself/);
    expect(catchError(() => tree.leaves(cyclic()), TracegradError).message).toMatch(
      /^tree\.leaves: the pytree contains itself \(at \[1\]\)/,
    );
    const obj: Record<string, unknown> = { a: 1 };
    obj.b = { c: obj };
    expect(catchError(() => grad((_p: unknown) => np.array(0))(obj), TracegradError).message).toMatch(
      /^grad: the pytree contains itself \(at \[0\]\.b\.c\)/,
    );
    expect(
      catchError(() => jit((x: Tensor) => x, { staticArgnums: 0 })(cyclic() as never), TracegradError).message,
    ).toMatch(/jit: static argument 0: the pytree contains itself/);
  });

  it("grad of a function that returns nothing is a GradientError", () => {
    expect(catchError(() => grad((() => undefined) as never)(1), GradientError).message).toMatch(
      /must return one scalar tensor, got undefined/,
    );
  });
});
