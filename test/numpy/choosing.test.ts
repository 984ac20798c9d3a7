// np's choosing functions: select (first true condition wins), piecewise (last true condition wins; values or
// functions of x), choose (index array, modes raise/wrap/clip). Values against plain-JS references, broadcasting and
// dtypes, gradients against central differences, and agreement under jit and vmap.

import {
  ConcretizationError,
  checkGrads,
  DTypeError,
  grad,
  jit,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, f64, i32, rng } from "../helpers.js";

const randoms = (n: number, seed: number, lo = -2, hi = 2) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const arr = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

describe("np.select", () => {
  it("the first true condition wins, else the default (0 unless given)", () => {
    const x = randoms(20, 1, -3, 3);
    const c1 = x.map((v) => v < -1);
    const c2 = x.map((v) => v < 1);
    const ch1 = x.map((v) => v * 10);
    const ch2 = x.map((v) => v * 100);
    const ref = (d: number) => x.map((_, i) => (c1[i] ? ch1[i]! : c2[i] ? ch2[i]! : d));
    const got = np.select([c1, c2], [f64(ch1), f64(ch2)]);
    expect(got.dtype).toBe("float64");
    expect(arr(got)).toEqual(ref(0));
    expect(arr(np.select([c1, c2], [f64(ch1), f64(ch2)], -7))).toEqual(ref(-7));
  });
  it("broadcasts conditions, choices and default; non-bool conditions mean != 0", () => {
    expect(
      np
        .select(
          [
            [[1], [0]],
            [true, true],
          ],
          [5, [1, 2]],
          [9, 9],
        )
        .toArray(),
    ).toEqual([
      [5, 5],
      [1, 2],
    ]);
    expect(np.select([i32([1, 0])], [i32([3, 4])]).dtype).toBe("int32");
  });
  it("gradients flow to the chosen entries (and the default)", () => {
    const c = [true, false, false];
    const g = grad((a: Tensor, d: Tensor) => np.sum(np.select([c], [a], d).mul(np.array([1, 2, 3]))), [0, 1]);
    const [ga, gd] = g(f64([1, 2, 3]), f64([4, 5, 6])) as Tensor[];
    expect(arr(ga!)).toEqual([1, 0, 0]);
    expect(arr(gd!)).toEqual([0, 2, 3]);
    checkGrads((a: Tensor) => np.select([c, [false, true, false]], [a.mul(a), np.sin(a)], a).sum(), [f64([1, 2, 3])]);
  });
  it("jit and vmap agree with eager", () => {
    const a = f64([
      [1, -2],
      [-3, 4],
    ]);
    const f = (t: Tensor) => np.select([np.less(t, 0)], [np.negative(t)], t.mul(2));
    expect(jit(f)(a).toArray()).toEqual(f(a).toArray());
    expect(vmap(f)(a).toArray()).toEqual(f(a).toArray());
  });
  it("errors: lengths differ; shapes that do not broadcast", () => {
    catchError(() => np.select([[true]], [[1], [2]]), ShapeError);
    catchError(() => np.select([[true, false]], [[1, 2, 3]]), ShapeError);
  });
});

describe("np.piecewise", () => {
  const x = randoms(20, 2, -3, 3);
  it("the last true condition wins; n+1 entries give the otherwise value; functions and constants", () => {
    const c1 = x.map((v) => v < 1);
    const c2 = x.map((v) => v < 0);
    const got = np.piecewise(f64(x), [c1, c2], [(t: Tensor) => t.mul(t), -1, (t: Tensor) => np.sin(t)]);
    expect(arr(got)).toEqual(x.map((v, i) => (c2[i] ? -1 : c1[i] ? v * v : Math.sin(v))));
    const noDefault = np.piecewise(f64(x), [c2], [(t: Tensor) => np.negative(t)]);
    expect(arr(noDefault)).toEqual(x.map((v, i) => (c2[i] ? -v : 0)));
  });
  it("results take x's dtype", () => {
    const r = np.piecewise(i32([1, 2, 3]), [[true, false, true]], [(t: Tensor) => t.mul(0.5), 7.9]);
    expect(r.dtype).toBe("int32");
    expect(arr(r)).toEqual([0, 7, 1]);
  });
  it("gradients through the chosen pieces", () => {
    const xs = f64([-2, -0.5, 0.5, 2]);
    const f = (t: Tensor) =>
      np.piecewise(t, [np.less(t, 0), np.greater(t, 1)], [(u: Tensor) => u.mul(u), (u: Tensor) => np.exp(u), 3]).sum();
    expect(arr(grad(f)(xs))).toEqual([-4, -1, 0, Math.exp(2)]);
    checkGrads(f, [f64([-2, -0.5, 0.5, 2])]);
  });
  it("jit and vmap agree with eager", () => {
    const a = f64([
      [1, -2],
      [-3, 4],
    ]);
    const f = (t: Tensor) => np.piecewise(t, [np.less(t, 0)], [(u: Tensor) => np.negative(u), (u: Tensor) => u.mul(2)]);
    expect(jit(f)(a).toArray()).toEqual(f(a).toArray());
    expect(vmap(f)(a).toArray()).toEqual(f(a).toArray());
  });
  it("errors: a wrong number of entries; a bad entry; the user's error passes through", () => {
    catchError(() => np.piecewise([1, 2], [[true, false]], [1, 2, 3]), TracegradError);
    catchError(() => np.piecewise([1, 2], [[true, false]], ["a" as never]), TracegradError);
    const mine = new RangeError("mine");
    let thrown: unknown;
    try {
      np.piecewise(
        [1],
        [[true]],
        [
          () => {
            throw mine;
          },
        ],
      );
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(mine);
  });
});

describe("np.choose", () => {
  const choices = [
    [1, 2, 3, 4],
    [10, 20, 30, 40],
    [100, 200, 300, 400],
  ];
  it("picks choices[a[i]][i]; the three modes", () => {
    expect(arr(np.choose([0, 2, 1, 0], choices))).toEqual([1, 200, 30, 4]);
    const idx = [-4, -1, 3, 5];
    expect(arr(np.choose(idx, choices, { mode: "wrap" }))).toEqual(idx.map((k, i) => choices[((k % 3) + 3) % 3]![i]!));
    expect(arr(np.choose(idx, choices, "clip"))).toEqual(idx.map((k, i) => choices[Math.min(2, Math.max(0, k))]![i]!));
    catchError(() => np.choose([0, 3, 0, 0], choices), TracegradError);
    catchError(() => np.choose([0, -1, 0, 0], choices, { mode: "raise" }), TracegradError);
  });
  it("broadcasts a and the choices; promotes the choices", () => {
    expect(np.choose([[0], [1]], [i32([1, 2]), 0.5]).toArray()).toEqual([
      [1, 2],
      [0.5, 0.5],
    ]);
    expect(np.choose(i32([1, 0]), [i32([1, 2]), i32([3, 4])]).dtype).toBe("int32");
  });
  it("errors: float indices", () => {
    catchError(() => np.choose(np.array([0.5]), [[1]]), DTypeError);
    catchError(() => np.choose([0.5], [[1]]), TracegradError);
  });
  it("gradients with respect to the choices", () => {
    const a = i32([1, 0, 1]);
    const g = grad(
      (c0: Tensor, c1: Tensor) =>
        np
          .choose(a, [c0, c1])
          .mul(np.array([1, 2, 3]))
          .sum(),
      [0, 1],
    );
    const [g0, g1] = g(f64([1, 2, 3]), f64([4, 5, 6])) as Tensor[];
    expect(arr(g0!)).toEqual([0, 2, 0]);
    expect(arr(g1!)).toEqual([1, 0, 3]);
    checkGrads((c: Tensor) => np.choose(a, [np.sin(c), c.mul(c)], "clip").sum(), [f64([0.3, 0.7, 1.1])]);
  });
  it("mode raise under jit: a ConcretizationError naming wrap and clip; wrap and clip work under jit and vmap", () => {
    const c = [f64([1, 2]), f64([3, 4])];
    expect(catchError(() => jit((a: Tensor) => np.choose(a, c))(i32([0, 1])), ConcretizationError).message).toMatch(
      /wrap.*clip/,
    );
    expect(arr(jit((a: Tensor) => np.choose(a, c, "wrap"))(i32([3, -2])))).toEqual([3, 2]);
    expect(vmap((a: Tensor) => np.choose(a, c, "clip"))(i32([[5, -1]])).toArray()).toEqual([[3, 2]]);
    // the choices traced, the indices concrete: mode raise still checks
    expect(arr(jit((x: Tensor) => np.choose([1, 0], [x, x.mul(2)]))(f64([1, 2])))).toEqual([2, 2]);
  });
});
