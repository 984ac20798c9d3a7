// How the control-flow primitives look in the IR: makeJaxpr prints scan, while and cond as JAX does (nested jaxprs
// and their params), the jaxpr of a loop does not grow with its trip count (also under grad, jvp and vmap, and in the
// code jit generates), and jit's dead-code elimination reaches inside loops and branches.

import { describe, expect, it } from "vitest";
import { grad, jit, jvp, lax, makeJaxpr, np, type Tensor, vmap } from "../../src/index.js";
import { countEqns, f64, i32, primitivesOf } from "./util.js";

const occurrences = (s: string, sub: string) => s.split(sub).length - 1;

describe("makeJaxpr prints the control-flow primitives as JAX does", () => {
  it("scan: its body as `jaxpr={ lambda ... }` and length, linear, num_carry, num_consts, reverse, unroll", () => {
    const f = (w: Tensor, xs: Tensor) =>
      lax.scan((c: Tensor, x: Tensor) => [c.mul(w).add(x), np.sin(c)] as const, f64(0), xs, { reverse: true });
    const s = String(makeJaxpr(f)(f64(2), f64(new Array(100).fill(1))));
    expect(s).toMatch(/^\{ lambda /);
    expect(s).toMatch(/scan\[/);
    expect(s).toMatch(/jaxpr=\{ lambda /);
    expect(s).toMatch(/length=100\b/);
    expect(s).toMatch(/linear=\(False, False, False\)/);
    expect(s).toMatch(/num_carry=1\b/);
    expect(s).toMatch(/num_consts=1\b/); // the captured w
    expect(s).toMatch(/reverse=True\b/);
    expect(s).toMatch(/unroll=1\b/);
    // params in JAX's (alphabetical) order
    const order = ["jaxpr=", "length=", "linear=", "num_carry=", "num_consts=", "reverse=", "unroll="].map((k) =>
      s.indexOf(k),
    );
    expect(order.every((p, i) => p >= 0 && (i === 0 || p > order[i - 1]!))).toBe(true);
    // the body's own equations are printed inside: mul, add and sin
    expect(s).toMatch(/mul/);
    expect(s).toMatch(/sin/);
    // outputs: the carry and the stacked ys
    expect(s).toMatch(/f64\[\] \w+:f64\[100\] = scan\[/);
    expect(
      String(
        makeJaxpr((xs: Tensor) =>
          lax.scan((c: Tensor, x: Tensor) => [c.add(x), null] as const, f64(0), xs, { unroll: 4 }),
        )(f64([1, 2])),
      ),
    ).toMatch(/reverse=False[\s\S]*unroll=4/);
  });

  it("while: body_jaxpr, body_nconsts, cond_jaxpr, cond_nconsts", () => {
    const f = (x: Tensor, lim: Tensor) =>
      lax.whileLoop(
        (c: Tensor) => np.less(c, lim),
        (c: Tensor) => c.mul(2),
        x,
      );
    const s = String(makeJaxpr(f)(f64(1), f64(10)));
    expect(s).toMatch(/while\[/);
    expect(s).toMatch(/body_jaxpr=\{ lambda /);
    expect(s).toMatch(/body_nconsts=0\b/);
    expect(s).toMatch(/cond_jaxpr=\{ lambda /);
    expect(s).toMatch(/cond_nconsts=1\b/); // the captured lim
    expect(s.indexOf("body_jaxpr=")).toBeLessThan(s.indexOf("cond_jaxpr="));
    expect(s).toMatch(/lt /);
    expect(s).toMatch(/bool\[\]/);
  });

  it("cond: `branches=(` with one jaxpr per branch, false first; switch lists all of them", () => {
    const f = (p: Tensor, x: Tensor) =>
      lax.cond(
        p,
        (v: Tensor) => np.sin(v),
        (v: Tensor) => np.cos(v),
        x,
      );
    const s = String(makeJaxpr(f)(np.array(true), f64(1)));
    expect(s).toMatch(/cond\[/);
    expect(s).toMatch(/branches=\(/);
    expect(occurrences(s, "{ lambda")).toBe(3); // the outer jaxpr and two branches
    expect(s.indexOf("cos")).toBeLessThan(s.indexOf("sin")); // branch 0 is the false one, as JAX
    expect(s).toMatch(/i32\[\]/); // the predicate becomes an int32 index
    const sw = String(
      makeJaxpr((k: Tensor, x: Tensor) =>
        lax.switch(k, [(v: Tensor) => np.sin(v), (v: Tensor) => np.cos(v), (v: Tensor) => np.exp(v)], x),
      )(i32(1), f64(1)),
    );
    expect(occurrences(sw, "{ lambda")).toBe(4);
    expect(sw.indexOf("sin")).toBeLessThan(sw.indexOf("cos"));
    expect(sw.indexOf("cos")).toBeLessThan(sw.indexOf("exp"));
  });

  it("nested control flow prints nested jaxprs: cond inside scan inside while", () => {
    const f = (x: Tensor) =>
      lax.whileLoop(
        (c: Tensor) => np.less(c, 100),
        (c: Tensor) =>
          lax.scan(
            (d: Tensor, y: Tensor) =>
              [
                lax.cond(
                  np.greater(d, 0),
                  (a: Tensor) => a.add(y),
                  (a: Tensor) => a.sub(y),
                  d,
                ),
                null,
              ] as const,
            c,
            f64([1, 2, 3]),
          )[0],
        x,
      );
    const s = String(makeJaxpr(f)(f64(1)));
    const [w, sc, cd] = ["while[", "scan[", "cond["].map((k) => s.indexOf(k));
    expect(w).toBeGreaterThanOrEqual(0);
    expect(sc).toBeGreaterThan(w);
    expect(cd).toBeGreaterThan(sc);
    expect(primitivesOf(makeJaxpr(f)(f64(1)).jaxpr).filter((p) => ["while", "scan", "cond"].includes(p))).toEqual([
      "while",
      "scan",
      "cond",
    ]);
  });
});

describe("the jaxpr of a loop does not grow with its trip count", () => {
  const body = (c: Tensor, x: Tensor) => [np.tanh(c.mul(x).add(0.5)), np.sin(c)] as const;
  const scanOf = (n: number) => (c0: Tensor) => lax.scan(body, c0, f64(new Array(n).fill(0.1)));
  const loss = (n: number) => (c0: Tensor) => {
    const [c, ys] = scanOf(n)(c0);
    return ys.sum().add(c);
  };
  const fori = (n: number) => (x: Tensor) =>
    lax.foriLoop(0, n, (i: Tensor, v: Tensor) => np.sin(v).add(i.astype("float64")), x);
  const sameSize = (mk: (n: number) => (x: Tensor) => unknown, arg: Tensor) => {
    const [a, b] = [10, 1000].map((n) => makeJaxpr(mk(n))(arg));
    expect(countEqns(a!.jaxpr)).toBe(countEqns(b!.jaxpr));
    expect(a!.jaxpr.eqns.length).toBe(b!.jaxpr.eqns.length);
    // the printed IR differs only in the trip count
    const norm = (s: string) => s.replace(/length=\d+/g, "length=N").replace(/\b(10|1000)\b/g, "N");
    expect(norm(String(a))).toBe(norm(String(b)));
  };

  it("scan: length 10 and 1000 give the same equations", () => {
    sameSize(scanOf, f64(0.2));
    expect(countEqns(makeJaxpr(scanOf(10))(f64(0.2)).jaxpr)).toBeLessThan(10);
  });

  it("grad(scan), jvp(scan), vmap(scan) and grad(grad(scan))", () => {
    sameSize((n) => grad(loss(n)), f64(0.2));
    sameSize((n) => (x: Tensor) => jvp(loss(n), [x], [f64(1)]), f64(0.2));
    sameSize((n) => vmap(scanOf(n)), f64([0.2, 0.3]));
    sameSize((n) => grad(grad(loss(n))), f64(0.2));
  });

  it("foriLoop with JS bounds, and its grad", () => {
    sameSize(fori, f64(0.2));
    sameSize((n) => grad(fori(n)), f64(0.2));
  });

  it("whileLoop with a bound of 10 or 1000 (a literal in the cond)", () => {
    const w = (n: number) => (x: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor]) => np.less(c[0], n),
        (c: [Tensor, Tensor]) => [c[0].add(1), np.sin(c[1])] as [Tensor, Tensor],
        [i32(0), x] as [Tensor, Tensor],
      )[1];
    const [a, b] = [10, 1000].map((n) => makeJaxpr(w(n))(f64(0.2)).jaxpr);
    expect(countEqns(a!)).toBe(countEqns(b!));
  });

  it("the code jit generates for a scan does not grow with its length either", () => {
    const [a, b] = [10, 1000].map((n) => jit(loss(n)).lower(f64(0.2)).source.replace(/\d+/g, "0"));
    expect(a).toBe(b);
    const [c, d] = [10, 1000].map((n) =>
      jit(grad(loss(n)))
        .lower(f64(0.2))
        .source.replace(/\d+/g, "0"),
    );
    expect(c).toBe(d);
  });
});

describe("jit removes dead code inside loops and branches", () => {
  it("unused scan ys: the body loses what only they needed", () => {
    const f = (x: Tensor) =>
      lax.scan((c: Tensor, v: Tensor) => [c.mul(v), np.sin(c).mul(np.exp(v))] as const, f64(1), x)[0];
    const prims = primitivesOf(jit(f).lower(f64([1, 2, 3])).jaxpr.jaxpr);
    expect(prims).toContain("scan");
    expect(prims).not.toContain("sin");
    expect(prims).not.toContain("exp");
  });

  it("an unused while carry that nothing else reads goes", () => {
    const f = (x: Tensor) =>
      lax.whileLoop(
        (c: [Tensor, Tensor, Tensor]) => np.less(c[0], 10),
        (c: [Tensor, Tensor, Tensor]) => [c[0].add(1), c[1].mul(2), np.sin(c[2])] as [Tensor, Tensor, Tensor],
        [x, x, x] as [Tensor, Tensor, Tensor],
      )[1];
    const prims = primitivesOf(jit(f).lower(f64(1)).jaxpr.jaxpr);
    expect(prims).toContain("while");
    expect(prims).not.toContain("sin");
    expect(jit(f)(f64(1)).item()).toBe(2 ** 9);
  });

  it("an unused cond output leaves every branch", () => {
    const f = (p: Tensor, x: Tensor) =>
      lax.cond(
        p,
        (a: Tensor) => [a.mul(2), np.sin(a)] as const,
        (a: Tensor) => [a.neg(), np.cos(a)] as const,
        x,
      )[0];
    const prims = primitivesOf(jit(f).lower(np.array(true), f64(1)).jaxpr.jaxpr);
    expect(prims).toContain("cond");
    expect(prims).not.toContain("sin");
    expect(prims).not.toContain("cos");
  });
});
