// tree.register: instances of a user class as pytree nodes — flatten/unflatten, structures and their equality, and
// instances flowing through grad, jit (cache keyed on auxData), vmap, jvp, vjp and lax.scan; its typed errors.

import {
  checkpoint,
  customVjp,
  grad,
  jit,
  jvp,
  lax,
  np,
  type Tensor,
  TracegradError,
  tree,
  vjp,
  vmap,
} from "tracegrad";
import { describe, expect, expectTypeOf, it } from "vitest";
import { catchError, expectClose, expectTensor } from "../helpers.js";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });

/** A dense layer: tensors as children, its name as auxiliary data. */
class Linear {
  constructor(
    public w: Tensor,
    public b: Tensor,
    public name: string,
  ) {}
  apply(x: Tensor): Tensor {
    return np.matmul(x, this.w).add(this.b);
  }
}
tree.register(Linear, {
  flatten: (l) => [[l.w, l.b], l.name],
  unflatten: (name: string, [w, b]) => new Linear(w as Tensor, b as Tensor, name),
});

/** Two layers: registered classes nest inside registered classes. */
class Mlp {
  constructor(public layers: Linear[]) {}
}
tree.register(Mlp, {
  flatten: (m) => [m.layers, null],
  unflatten: (_aux, layers) => new Mlp(layers as Linear[]),
});

const x = f64([
  [1, 2],
  [0.5, -1],
  [2, 0.25],
]);
const layer = () =>
  new Linear(
    f64([
      [0.3, -0.2],
      [0.1, 0.4],
    ]),
    f64([0.05, -0.1]),
    "fc",
  );
const loss = (l: Linear, input: Tensor) => np.sum(np.tanh(l.apply(input)));

/** Central differences of `f` with respect to each entry of a float64 tensor that `at(v)` places into the input. */
function finiteDiff(f: (v: Tensor) => Tensor, v: Tensor, eps = 1e-6): number[] {
  const flat = v.toArray() as number[] | number[][];
  const vals = (flat as unknown[]).flat() as number[];
  return vals.map((_, i) => {
    const bump = (d: number) => {
      const next = vals.slice();
      next[i]! += d;
      return np.array(next, { dtype: "float64" }).reshape(v.shape);
    };
    return ((f(bump(eps)).item() as number) - (f(bump(-eps)).item() as number)) / (2 * eps);
  });
}

describe("flatten, unflatten and structures", () => {
  it("an instance's children are its leaves; unflatten rebuilds an instance of the class", () => {
    const l = layer();
    const [leaves, def] = tree.flatten(l);
    expect(leaves).toEqual([l.w, l.b]);
    expect(def).toMatchObject({ kind: "custom", cls: Linear, aux: "fc" });
    const back = tree.unflatten(def, [1, 2]) as Linear;
    expect(back).toBeInstanceOf(Linear);
    expect([back.w, back.b, back.name]).toEqual([1, 2, "fc"]);
  });

  it("structures are equal when class and auxData are; aux by === or JSON", () => {
    const a = tree.structure(new Linear(np.array(1), np.array(2), "a"));
    expect(tree.structure(new Linear(np.array(9), np.array(8), "a"))).toEqual(a);
    const e = catchError(
      () => tree.map((p: Tensor, q: Tensor) => p.add(q), layer(), new Linear(np.array(1), np.array(2), "other")),
      TracegradError,
    );
    expect(e.message).toMatch(/Linear<"other">\(\*, \*\).*Linear<"fc">\(\*, \*\)/);
    // JSON-equal auxData (distinct objects) compare equal
    class Tagged {
      constructor(
        public v: number,
        public meta: { tag: string },
      ) {}
    }
    tree.register(Tagged, { flatten: (t) => [[t.v], t.meta], unflatten: (m, [v]) => new Tagged(v as number, m) });
    expect(tree.map((p: number, q: number) => p + q, new Tagged(1, { tag: "x" }), new Tagged(2, { tag: "x" }))).toEqual(
      new Tagged(3, { tag: "x" }),
    );
  });

  it("tree.map over instances keeps the class", () => {
    const scaled = tree.map((t: Tensor) => t.mul(2), layer());
    expect(scaled).toBeInstanceOf(Linear);
    expect(scaled.name).toBe("fc");
    expectClose(scaled.b, [0.1, -0.2]);
  });

  it("nested in plain objects and arrays, and in each other; children get index keys in paths", () => {
    const model = { enc: new Mlp([layer(), new Linear(np.array(1), np.array(2), "out")]), extra: [layer()] };
    expect(tree.leaves(model)).toHaveLength(6);
    const paths = tree.leavesWithPath(model).map(([p]) => tree.keystr(p));
    expect(paths).toEqual([".enc[0][0]", ".enc[0][1]", ".enc[1][0]", ".enc[1][1]", ".extra[0][0]", ".extra[0][1]"]);
    const doubled = tree.map((t: Tensor | number) => (typeof t === "number" ? t * 2 : t.mul(2)), model);
    expect(doubled.enc).toBeInstanceOf(Mlp);
    expect(doubled.enc.layers[1]).toBeInstanceOf(Linear);
    expect(doubled.enc.layers[1]!.name).toBe("out");
    expectTensor(doubled.enc.layers[1]!.w, 2);
  });

  it("the class is matched exactly: an instance of an unregistered subclass is a leaf", () => {
    class Sub extends Linear {}
    const s = new Sub(np.array(1), np.array(2), "s");
    expect(tree.leaves([s])).toEqual([s]);
  });

  it("a subtree inside an instance that contains the instance is named as a cycle", () => {
    class Box {
      constructor(public inner: unknown) {}
    }
    tree.register(Box, { flatten: (b) => [[b.inner], null], unflatten: (_a, [i]) => new Box(i) });
    const b = new Box(null);
    b.inner = [b];
    expect(catchError(() => tree.leaves(b), TracegradError).message).toMatch(/contains itself/);
  });
});

describe("under the transforms", () => {
  it("grad(loss)(layer) is a Linear of gradients that match finite differences", () => {
    const l = layer();
    const g = grad(loss)(l, x);
    expectTypeOf(g).toEqualTypeOf<Linear>();
    expect(g).toBeInstanceOf(Linear);
    expect(g.name).toBe("fc");
    const dw = finiteDiff((w) => loss(new Linear(w, l.b, "fc"), x), l.w);
    const db = finiteDiff((b) => loss(new Linear(l.w, b, "fc"), x), l.b);
    expectClose(g.w, [dw.slice(0, 2), dw.slice(2)], { rtol: 1e-6, atol: 1e-8 });
    expectClose(g.b, db, { rtol: 1e-6, atol: 1e-8 });
  });

  it("grad through a nested model (Mlp of Linear) inside a plain object", () => {
    const params = { mlp: new Mlp([layer(), new Linear(f64([[1], [-1]]), f64([0]), "head")]) };
    const f = (p: typeof params) => np.sum(p.mlp.layers[1]!.apply(np.tanh(p.mlp.layers[0]!.apply(x))));
    const g = grad(f)(params);
    expect(g.mlp).toBeInstanceOf(Mlp);
    expect(g.mlp.layers.map((l) => l.name)).toEqual(["fc", "head"]);
    const dhead = finiteDiff(
      (b) => f({ mlp: new Mlp([params.mlp.layers[0]!, new Linear(params.mlp.layers[1]!.w, b, "head")]) }),
      params.mlp.layers[1]!.b,
    );
    expectClose(g.mlp.layers[1]!.b, dhead, { rtol: 1e-6, atol: 1e-8 });
  });

  it("jit returns instances, retraces when auxData changes, not when only values do", () => {
    let traces = 0;
    const step = jit((l: Linear) => {
      traces++;
      return new Linear(l.w.mul(2), l.b.add(1), `${l.name}'`);
    });
    const out = step(layer());
    expect(out).toBeInstanceOf(Linear);
    expect(out.name).toBe("fc'");
    expectClose(out.b, [1.05, 0.9]);
    step(
      new Linear(
        f64([
          [1, 1],
          [1, 1],
        ]),
        f64([0, 0]),
        "fc",
      ),
    );
    expect(traces).toBe(1);
    const renamed = step(
      new Linear(
        f64([
          [1, 1],
          [1, 1],
        ]),
        f64([0, 0]),
        "other",
      ),
    );
    expect(traces).toBe(2);
    expect(renamed.name).toBe("other'");
    step(
      new Linear(
        f64([
          [1, 1],
          [1, 1],
        ]),
        f64([0, 0]),
        "other",
      ),
    );
    expect(traces).toBe(2);
  });

  it("jit tells two classes of the same name apart", () => {
    const make = () => {
      class P {
        constructor(public v: Tensor) {}
      }
      tree.register(P, { flatten: (p) => [[p.v], null], unflatten: (_a, [v]) => new P(v as Tensor) });
      return P;
    };
    const [A, B] = [make(), make()];
    const f = jit((p: unknown) => p);
    expect(f(new A(np.array(1)))).toBeInstanceOf(A);
    expect(f(new B(np.array(1)))).toBeInstanceOf(B);
  });

  it("vmap over a stacked instance: a number in inAxes applies to the whole instance", () => {
    const stacked = new Linear(np.stack([layer().w, layer().w.mul(2)]), np.stack([layer().b, layer().b]), "fc");
    const perModel = vmap((l: Linear) => loss(l, x))(stacked);
    expectClose(perModel, [
      loss(layer(), x).item() as number,
      loss(new Linear(layer().w.mul(2), layer().b, "fc"), x).item() as number,
    ]);
    const mapped = vmap((l: Linear, input: Tensor) => l.apply(input), { inAxes: [0, null] })(stacked, x);
    expect(mapped.shape).toEqual([2, 3, 2]);
    // an instance of the class as a prefix: map w, share b
    const spec = new Linear(0 as never, null as never, "spec") as never;
    const shared = new Linear(stacked.w, layer().b, "fc");
    const viaSpec = vmap((l: Linear) => loss(l, x), { inAxes: [spec] })(shared);
    expectClose(viaSpec, perModel.toArray() as number[]);
    const e = catchError(() => vmap((l: Linear) => loss(l, x), { inAxes: [spec] })({ w: 1 } as never), TracegradError);
    expect(e.message).toMatch(/inAxes at args\[0\] is a Linear with 2 children/);
    const back = vmap((l: Linear) => new Linear(l.w.mul(-1), l.b, l.name))(stacked);
    expect(back).toBeInstanceOf(Linear);
    expect(back.w.shape).toEqual([2, 2, 2]);
  });

  it("jvp and vjp with instances as primals, tangents and cotangents", () => {
    const l = layer();
    const t = new Linear(
      f64([
        [1, 0],
        [0, 0],
      ]),
      f64([0, 1]),
      "fc",
    );
    const [out, tangentOut] = jvp((p: Linear) => loss(p, x), [l], [t]);
    expectClose(out, loss(l, x).item() as number);
    const g = grad(loss)(l, x);
    const directional = np.sum(g.w.mul(t.w)).add(np.sum(g.b.mul(t.b)));
    expectClose(tangentOut, directional.item() as number, { rtol: 1e-9 });
    const [, back] = vjp((p: Linear) => p.apply(x), l);
    const [ct] = back(np.ones([3, 2], "float64"));
    expect(ct).toBeInstanceOf(Linear);
    expectClose((ct as Linear).b, [3, 3]);
  });

  it("lax.scan with an instance as the carry", () => {
    const l0 = layer();
    const [carry, ys] = lax.scan(
      (c: Linear, xi: Tensor) => [new Linear(c.w.add(xi), c.b.mul(2), c.name), np.sum(c.b)] as const,
      l0,
      f64([1, 2, 3]),
    );
    expect(carry).toBeInstanceOf(Linear);
    expect(carry.name).toBe("fc");
    expectClose(carry.w, [
      [6.3, 5.8],
      [6.1, 6.4],
    ]);
    expectClose(carry.b, [0.4, -0.8]);
    expectClose(ys, [-0.05, -0.1, -0.2]);
    const g = grad((l: Linear) => {
      const [c] = lax.scan(
        (c: Linear, _x: Tensor) => [new Linear(c.w, c.b.mul(c.b), c.name), c.b] as const,
        l,
        f64([0, 0]),
      );
      return np.sum(c.b);
    })(l0);
    expect(g).toBeInstanceOf(Linear);
    // b ↦ b⁴: derivative 4b³
    expectClose(g.b, [4 * 0.05 ** 3, 4 * (-0.1) ** 3], { rtol: 1e-9 });
  });
});

describe("checkpoint", () => {
  it("an instance argument of a checkpointed function: same gradient, as an instance", () => {
    const l = layer();
    const g = grad(checkpoint((p: Linear) => loss(p, x)))(l);
    expect(g).toBeInstanceOf(Linear);
    const want = grad(loss)(l, x);
    expectClose(g.w, want.w.toArray() as number[][], { rtol: 1e-12 });
    expectClose(g.b, want.b.toArray() as number[], { rtol: 1e-12 });
  });
});

describe("customVjp", () => {
  it("bwd returns an instance cotangent; grad gives an instance; null in bwd is a zero instance", () => {
    const f = customVjp((l: Linear) => np.sum(l.w).add(np.sum(l.b)));
    f.defvjp(
      (l: Linear) => [f(l), null],
      (_res: null, ct: Tensor) => [new Linear(np.onesLike(layer().w).mul(ct).mul(3), np.zerosLike(layer().b), "fc")],
    );
    const g = grad((l: Linear) => f(l))(layer());
    expect(g).toBeInstanceOf(Linear);
    expectClose(g.w, [
      [3, 3],
      [3, 3],
    ]);
    expectClose(g.b, [0, 0]);
    const h = customVjp((l: Linear) => np.sum(l.w));
    h.defvjp(
      (l: Linear) => [h(l), null],
      () => [null],
    );
    const z = grad((l: Linear) => h(l))(layer());
    expect(z).toBeInstanceOf(Linear);
    expectClose(z.w, [
      [0, 0],
      [0, 0],
    ]);
  });
});

describe("errors", () => {
  it("register needs a class and both rules", () => {
    const noRules = tree.register as unknown as (...a: unknown[]) => unknown;
    expect(
      catchError(() => noRules(() => 1, { flatten: () => [[], null], unflatten: () => 0 }), TracegradError).message,
    ).toMatch(/tree\.register: cls must be a class/);
    class C {}
    expect(catchError(() => noRules(C, { flatten: () => [[], null] }), TracegradError).message).toMatch(
      /tree\.register: rules must be an object \{ flatten/,
    );
    expect(catchError(() => noRules(C), TracegradError).message).toMatch(/tree\.register/);
    expect(catchError(() => noRules(C, { flatten: 1, unflatten: () => 0 }), TracegradError).message).toMatch(
      /flatten must be a function/,
    );
    expect(
      catchError(() => noRules(Array, { flatten: () => [[], 0], unflatten: () => [] }), TracegradError).message,
    ).toMatch(/Array cannot be registered/);
    expect(
      catchError(() => tree.register(Linear, { flatten: () => [[], 0], unflatten: () => layer() }), TracegradError)
        .message,
    ).toMatch(/Linear is already registered/);
  });

  it("a flatten that does not return [children array, aux] is named with its class", () => {
    class Bad {
      constructor(public v: number) {}
    }
    tree.register(Bad, { flatten: (b) => [b.v as unknown as unknown[], null], unflatten: () => new Bad(0) });
    const e = catchError(() => tree.leaves({ a: [new Bad(1)] }), TracegradError);
    expect(e.message).toMatch(/the flatten registered for Bad \(at \.a\[0\]\) must return \[children, auxData\]/);
    expect(e.message).toMatch(/the number 1/);
  });
});
