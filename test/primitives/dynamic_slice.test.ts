// lax.dynamicSlice, lax.dynamicUpdateSlice and lax.dynamicIndexInDim: values against plain-JS references (clamped and
// negative starts), typed errors, and grad / jvp / vmap / jit with traced and batched start indices.

import {
  DTypeError,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { dynamicSlice, dynamicUpdateSlice } from "../../src/primitives/index.js";
import { catchError, expectClose, expectTensor, i32, rng, size, strides, unravel, valuesOf } from "../helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS references (row-major values), written from the definition: a negative start counts from the end, then
// the start is clamped to [0, dim − size].

const startOf = (s: number, dim: number, n: number) => Math.min(Math.max(s < 0 ? s + dim : s, 0), dim - n);

function refSlice(xs: readonly number[], shape: number[], starts: number[], sizes: number[]): number[] {
  const st = strides(shape);
  const s = starts.map((v, k) => startOf(v, shape[k]!, sizes[k]!));
  return Array.from({ length: size(sizes) }, (_, i) =>
    unravel(i, sizes).reduce((o, j, k) => o + (s[k]! + j) * st[k]!, 0),
  ).map((o) => xs[o]!);
}

function refUpdate(xs: readonly number[], shape: number[], us: readonly number[], uShape: number[], starts: number[]) {
  const out = [...xs];
  const st = strides(shape);
  const s = starts.map((v, k) => startOf(v, shape[k]!, uShape[k]!));
  us.forEach((u, i) => {
    out[unravel(i, uShape).reduce((o, j, k) => o + (s[k]! + j) * st[k]!, 0)] = u;
  });
  return out;
}

/** A tensor of `shape` holding 0, 1, 2, … (float64), and those values. */
function ramp(shape: number[]): [Tensor, number[]] {
  const vs = Array.from({ length: size(shape) }, (_, i) => i);
  return [np.array(vs, { dtype: "float64" }).reshape(shape), vs];
}

describe("values against a plain-JS reference", () => {
  it("dynamicSlice and dynamicUpdateSlice on random shapes, windows and starts (some out of range)", () => {
    const r = rng(7);
    const pick = (n: number) => Math.floor(r() * n);
    for (let trial = 0; trial < 60; trial++) {
      const shape = Array.from({ length: 1 + pick(3) }, () => 1 + pick(4));
      const sizes = shape.map((n) => pick(n + 1));
      const starts = shape.map((n) => pick(2 * n + 5) - n - 2); // −n−2 … n+2
      const [x, xs] = ramp(shape);
      const got = lax.dynamicSlice(x, starts, sizes);
      expect(got.shape).toEqual(sizes);
      expect(got.dtype).toBe("float64");
      expect(valuesOf(got)).toEqual(refSlice(xs, shape, starts, sizes));
      // the same starts as int32 scalar tensors
      expect(valuesOf(lax.dynamicSlice(x, starts.map(i32), sizes))).toEqual(refSlice(xs, shape, starts, sizes));

      const us = Array.from({ length: size(sizes) }, (_, i) => -1 - i);
      const u = np.array(us, { dtype: "float64" }).reshape(sizes);
      const upd = lax.dynamicUpdateSlice(x, u, starts);
      expect(upd.shape).toEqual(shape);
      expect(valuesOf(upd)).toEqual(refUpdate(xs, shape, us, sizes, starts));
      expect(valuesOf(lax.dynamicUpdateSlice(x, u, starts.map(i32)))).toEqual(refUpdate(xs, shape, us, sizes, starts));
    }
  });

  it("clamps starts so the window fits, as JAX", () => {
    const x = np.arange(5);
    expectTensor(lax.dynamicSlice(x, [3], [3]), [2, 3, 4], "int32"); // 3 → 2
    expectTensor(lax.dynamicSlice(x, [100], [2]), [3, 4]);
    expectTensor(lax.dynamicSlice(x, [1e10], [1]), [4]);
    expectTensor(lax.dynamicSlice(x, [i32(9)], [2]), [3, 4]);
    expectTensor(lax.dynamicSlice(x, [0], [5]), [0, 1, 2, 3, 4]);
    expectTensor(lax.dynamicSlice(x, [2], [0]), []);
    expectTensor(lax.dynamicUpdateSlice(np.zeros([5]), np.array([7, 8]), [4]), [0, 0, 0, 7, 8]);
    expectTensor(lax.dynamicUpdateSlice(np.zeros([5]), np.array([7, 8]), [i32(-9)]), [7, 8, 0, 0, 0]);
  });

  it("a negative start counts from the end, then clamps (JAX's wrappers)", () => {
    const x = np.arange(5);
    expectTensor(lax.dynamicSlice(x, [-2], [2]), [3, 4]);
    expectTensor(lax.dynamicSlice(x, [-1], [2]), [3, 4]); // −1 → 4 → clamped to 3
    expectTensor(lax.dynamicSlice(x, [-7], [2]), [0, 1]); // −7 → −2 → clamped to 0
    expectTensor(lax.dynamicSlice(x, [i32(-2)], [2]), [3, 4]);
    expectTensor(lax.dynamicSlice(x, [i32(-7)], [2]), [0, 1]);
    expectTensor(lax.dynamicUpdateSlice(np.zeros([4]), np.array([1]), [-1]), [0, 0, 0, 1]);
  });

  it("the primitive itself clamps without wrapping negative starts", () => {
    const x = np.arange(5).astype("float32");
    expectTensor(dynamicSlice(x, [i32(-1)], [2]), [0, 1]);
    expectTensor(dynamicSlice(x, [i32(7)], [2]), [3, 4]);
    expectTensor(dynamicUpdateSlice(np.zeros([4]), np.ones([2]), [i32(-3)]), [1, 1, 0, 0]);
  });

  it("2-D windows, starts as a list or as one int32 tensor", () => {
    const x = np.arange(12).reshape([3, 4]);
    expectTensor(lax.dynamicSlice(x, [1, 2], [2, 2]), [
      [6, 7],
      [10, 11],
    ]);
    expectTensor(lax.dynamicSlice(x, i32([1, 2]), [2, 2]), [
      [6, 7],
      [10, 11],
    ]);
    expectTensor(lax.dynamicSlice(x, [i32(5), 0], [1, 3]), [[8, 9, 10]]);
    expectTensor(
      lax.dynamicUpdateSlice(x, i32([[-1, -2]]), i32([0, 3])),
      [
        [0, 1, -1, -2],
        [4, 5, 6, 7],
        [8, 9, 10, 11],
      ],
      "int32",
    );
  });

  it("0-d operands take no start indices; a JS number as the update takes the operand's dtype", () => {
    expectTensor(lax.dynamicSlice(np.array(3.5), [], []), 3.5);
    expectTensor(lax.dynamicUpdateSlice(np.array(3.5), 2, []), 2, "float32");
    expectTensor(lax.dynamicUpdateSlice(np.array(3.5, { dtype: "float64" }), 2, []), 2, "float64");
    expectTensor(lax.dynamicUpdateSlice(np.zeros([3]), [1, 2], [5]), [0, 1, 2], "float32");
  });

  it("bool and int32 operands", () => {
    expectTensor(lax.dynamicSlice(np.array([true, false, true]), [1], [2]), [false, true], "bool");
    expectTensor(lax.dynamicUpdateSlice(np.array([true, true, true]), np.array([false]), [1]), [true, false, true]);
  });

  it("dynamicIndexInDim: one position along an axis, kept or dropped", () => {
    const x = np.arange(6).reshape([2, 3]);
    expectTensor(lax.dynamicIndexInDim(x, 1), [[3, 4, 5]]);
    expectTensor(lax.dynamicIndexInDim(x, 1, { keepdims: false }), [3, 4, 5]);
    expectTensor(lax.dynamicIndexInDim(x, -1, { axis: 1, keepdims: false }), [2, 5]);
    expectTensor(lax.dynamicIndexInDim(x, 2, 1), [[2], [5]]); // axis given positionally
    expectTensor(lax.dynamicIndexInDim(x, i32(7), { axis: -1 }), [[2], [5]]); // clamped to 2
    expectTensor(lax.dynamicIndexInDim(x, i32(-2), { axis: 0, keepdims: false }), [0, 1, 2]);
  });

  it("prints as JAX prints it", () => {
    const f = (x: Tensor, i: Tensor) => dynamicSlice(x, [i, i], [2, 1]);
    expect(String(makeJaxpr(f)(np.zeros([3, 3]), i32(1)))).toBe(
      "{ lambda ; a:f32[3,3] b:i32[]. let c:f32[2,1] = dynamic_slice[slice_sizes=(2, 1)] a b b in (c) }",
    );
    const g = (x: Tensor, u: Tensor, i: Tensor) => dynamicUpdateSlice(x, u, [i]);
    expect(String(makeJaxpr(g)(np.zeros([3]), np.zeros([1]), i32(1)))).toBe(
      "{ lambda ; a:f32[3] b:f32[1] c:i32[]. let d:f32[3] = dynamic_update_slice a b c in (d) }",
    );
  });
});

describe("typed errors", () => {
  const x = np.zeros([2, 3]);

  it("float or bool start indices are DTypeErrors", () => {
    expect(catchError(() => lax.dynamicSlice(x, [np.array(1), 0], [1, 1]), DTypeError).message).toMatch(
      /^lax\.dynamicSlice: start index 0 must be int32, got float32/,
    );
    catchError(() => lax.dynamicSlice(x, [0, np.array(true)], [1, 1]), DTypeError);
    catchError(() => lax.dynamicSlice(x, np.array([0, 1]), [1, 1]), DTypeError);
    expect(catchError(() => lax.dynamicSlice(x, [0.5, 0], [1, 1]), DTypeError).message).toMatch(
      /lax\.dynamicSlice: startIndices\[0\] must be an integer or an int32 scalar tensor, got the number 0\.5/,
    );
    catchError(() => lax.dynamicUpdateSlice(x, np.zeros([1, 1]), [0, np.array(0.5)]), DTypeError);
    catchError(() => lax.dynamicIndexInDim(x, np.array(1)), DTypeError);
    catchError(() => lax.dynamicIndexInDim(x, 1.5), DTypeError);
  });

  it("a wrong number of start indices or sizes is a ShapeError naming the op and the shape", () => {
    expect(catchError(() => lax.dynamicSlice(x, [0], [1, 1]), ShapeError).message).toMatch(
      /^lax\.dynamicSlice: got 1 start indices for an operand of shape \[2, 3\]; pass one per axis \(2\)/,
    );
    expect(catchError(() => lax.dynamicSlice(x, [0, 0], [1]), ShapeError).message).toMatch(
      /^dynamic_slice: got 1 slice sizes for an operand of shape \[2, 3\]; needs one per axis \(2\)/,
    );
    expect(catchError(() => lax.dynamicUpdateSlice(x, np.zeros([1, 1]), [0, 0, 0]), ShapeError).message).toMatch(
      /^lax\.dynamicUpdateSlice: got 3 start indices for an operand of shape \[2, 3\]/,
    );
    catchError(() => lax.dynamicSlice(x, i32([0, 0, 0]), [1, 1]), ShapeError);
    expect(catchError(() => lax.dynamicSlice(x, [i32([0]), 0], [1, 1]), ShapeError).message).toMatch(
      /lax\.dynamicSlice: start index 0 must be a scalar \(shape \[\]\), got shape \[1\]/,
    );
  });

  it("windows larger than the operand are ShapeErrors", () => {
    expect(catchError(() => lax.dynamicSlice(x, [0, 0], [3, 1]), ShapeError).message).toMatch(
      /^dynamic_slice: slice sizes \(3, 1\) do not fit inside operand shape \[2, 3\]/,
    );
    expect(catchError(() => lax.dynamicUpdateSlice(x, np.zeros([1, 4]), [0, 0]), ShapeError).message).toMatch(
      /^dynamic_update_slice: update of shape \[1, 4\] does not fit inside operand shape \[2, 3\]/,
    );
    catchError(() => lax.dynamicUpdateSlice(x, np.zeros([3]), [0, 0]), ShapeError);
  });

  it("an update of another dtype is a DTypeError", () => {
    expect(
      catchError(() => lax.dynamicUpdateSlice(x, np.zeros([1, 1], "float64"), [0, 0]), DTypeError).message,
    ).toMatch(/^dynamic_update_slice: update dtype float64 differs from operand dtype float32/);
  });

  it("the primitives check their index operands themselves", () => {
    expect(catchError(() => dynamicSlice(x, [i32(0)], [1, 1]), ShapeError).message).toMatch(
      /^dynamic_slice: got 1 start indices for an operand of shape \[2, 3\]/,
    );
    expect(catchError(() => dynamicSlice(x, [i32(0), np.array(0)], [1, 1]), DTypeError).message).toMatch(
      /^dynamic_slice: start index 1 must be int32, got float32/,
    );
    expect(catchError(() => dynamicUpdateSlice(x, np.zeros([1, 1]), [i32(0), i32([0])]), ShapeError).message).toMatch(
      /^dynamic_update_slice: start index 1 must be a scalar/,
    );
  });

  it("bad arguments are typed errors", () => {
    const any = lax as unknown as Record<string, (...a: unknown[]) => unknown>;
    catchError(() => any.dynamicSlice!(x, "ab", [1, 1]), TracegradError);
    catchError(() => any.dynamicSlice!(x, [0, "a"], [1, 1]), TracegradError);
    catchError(() => any.dynamicSlice!(x, [0, 0], [-1, 1]), ShapeError);
    catchError(() => any.dynamicIndexInDim!(x, 0, { axis: 2 }), ShapeError);
    catchError(() => any.dynamicIndexInDim!(x, 0, { keepDims: false }), TracegradError);
  });
});

describe("transforms with traced start indices", () => {
  it("grad of a dynamic slice puts the cotangent back in the window", () => {
    const [x] = ramp([3, 4]);
    const w = np
      .array([
        [1, 2],
        [3, 4],
      ])
      .astype("float64");
    const loss = (t: Tensor, i: Tensor, j: Tensor) => lax.dynamicSlice(t, [i, j], [2, 2]).mul(w).sum();
    for (const [i, j] of [
      [1, 3],
      [0, 0],
      [-1, 9],
      [5, -4],
    ] as const) {
      const g = grad(loss)(x, i32(i), i32(j));
      const [si, sj] = [startOf(i, 3, 2), startOf(j, 4, 2)];
      const want = Array.from({ length: 12 }, (_, p) => {
        const [r, c] = [Math.floor(p / 4), p % 4];
        const [a, b] = [r - si, c - sj];
        return a >= 0 && a < 2 && b >= 0 && b < 2 ? [1, 2, 3, 4][a * 2 + b]! : 0;
      });
      expect(valuesOf(g)).toEqual(want);
      // the same under jit
      expect(valuesOf(jit(grad(loss))(x, i32(i), i32(j)))).toEqual(want);
    }
  });

  it("grad through dynamicUpdateSlice: the operand's window is cut out, the update gets it", () => {
    const [x] = ramp([5]);
    const u = np.array([10, 20], { dtype: "float64" });
    const w = np.array([1, 2, 3, 4, 5], { dtype: "float64" });
    const loss = (t: Tensor, v: Tensor, i: Tensor) => lax.dynamicUpdateSlice(t, v.mul(v), [i]).mul(w).sum();
    for (const i of [0, 2, 4, -1, 9]) {
      const s = startOf(i, 5, 2);
      const [gx, gu] = grad(loss, { argnums: [0, 1] })(x, u, i32(i));
      expect(valuesOf(gx)).toEqual([1, 2, 3, 4, 5].map((v, p) => (p >= s && p < s + 2 ? 0 : v)));
      // d/dv Σ w·v² over the window: 2·v·w
      expect(valuesOf(gu)).toEqual([0, 1].map((k) => 2 * [10, 20][k]! * (s + k + 1)));
      const [jx, ju] = jit(grad(loss, { argnums: [0, 1] }))(x, u, i32(i));
      expect(valuesOf(jx)).toEqual(valuesOf(gx));
      expect(valuesOf(ju)).toEqual(valuesOf(gu));
    }
  });

  it("second derivatives flow through both primitives", () => {
    // f(x) = Σ (window of x²)³ ⇒ ∂²f/∂x_p² = 30 x_p⁴ inside the window, 0 outside
    const f = (t: Tensor) => np.sum(np.power(lax.dynamicSlice(t.mul(t), [i32(1)], [2]), 3));
    const x = np.array([1, 2, 3, 4], { dtype: "float64" });
    const h = grad((t: Tensor) => grad(f)(t).sum())(x);
    expectClose(h, [0, 30 * 16, 30 * 81, 0]);
  });

  it("jvp: the tangent is the same window of the tangent", () => {
    const [x] = ramp([4]);
    const tx = np.array([1, -1, 2, -2], { dtype: "float64" });
    const [y, t] = jvp((a: Tensor) => lax.dynamicSlice(a, [i32(2)], [3]), [x], [tx]);
    expectTensor(y, [1, 2, 3]);
    expectTensor(t, [-1, 2, -2]);
    const u = np.array([5], { dtype: "float64" });
    const [, t2] = jvp(
      (a: Tensor, b: Tensor) => lax.dynamicUpdateSlice(a, b, [i32(1)]),
      [x, u],
      [tx, np.array([9], { dtype: "float64" })],
    );
    expectTensor(t2, [1, 9, 2, -2]);
  });

  it("jit traces once for every index value and gives the eager values", () => {
    let traces = 0;
    const f = jit((t: Tensor, i: Tensor, j: Tensor) => {
      traces++;
      return lax.dynamicUpdateSlice(t, lax.dynamicSlice(t, [j], [2]).mul(-1), [i]);
    });
    const [x, xs] = ramp([6]);
    for (const [i, j] of [
      [0, 4],
      [3, 1],
      [-2, 9],
      [7, -6],
    ] as const) {
      const win = refSlice(xs, [6], [j], [2]).map((v) => -v);
      expect(valuesOf(f(x, i32(i), i32(j)))).toEqual(refUpdate(xs, [6], win, [2], [i]));
    }
    expect(traces).toBe(1);
  });

  it("vmap with batched start indices (operand shared), no loop over the batch", () => {
    const [x, xs] = ramp([4, 5]);
    const is = [0, 3, -1, 2, 9];
    const js = [4, -3, 1, 0, 2];
    const f = (i: Tensor, j: Tensor) => lax.dynamicSlice(x, [i, j], [2, 3]);
    const got = vmap(f)(i32(is), i32(js));
    expect(got.shape).toEqual([5, 2, 3]);
    expect(valuesOf(got)).toEqual(is.flatMap((i, b) => refSlice(xs, [4, 5], [i, js[b]!], [2, 3])));
    // one index batched, the other shared
    const one = vmap((i: Tensor) => lax.dynamicSlice(x, [i, i32(1)], [1, 2]))(i32(is));
    expect(valuesOf(one)).toEqual(is.flatMap((i) => refSlice(xs, [4, 5], [i, 1], [1, 2])));
    // the batched program has the same equations whatever the batch size
    const eqns = (n: number) =>
      makeJaxpr(vmap(f))(i32(is.slice(0, n)), i32(js.slice(0, n))).jaxpr.eqns.map((e) => e.prim.name);
    expect(eqns(1)).toEqual(eqns(5));
  });

  it("vmap with batched operand and indices, the operand batched along a later axis", () => {
    const shape = [3, 4];
    const b = 3;
    const [stack, vals] = ramp([shape[0]!, b, shape[1]!]); // batch along axis 1
    const is = [2, -5, 1];
    const got = vmap((t: Tensor, i: Tensor) => lax.dynamicSlice(t, [i32(1), i], [2, 2]), { inAxes: [1, 0] })(
      stack,
      i32(is),
    );
    const slice = (k: number) =>
      Array.from({ length: 12 }, (_, p) => vals[Math.floor(p / 4) * b * 4 + k * 4 + (p % 4)]!);
    expect(valuesOf(got)).toEqual(is.flatMap((i, k) => refSlice(slice(k), shape, [1, i], [2, 2])));
  });

  it("vmap of dynamicUpdateSlice with batched indices, operand and update batched or shared", () => {
    const [x, xs] = ramp([3, 4]);
    const is = [0, 2, -1, 7];
    const js = [1, -9, 3, 2];
    const us = [
      [-1, -2],
      [-3, -4],
      [-5, -6],
      [-7, -8],
    ];
    const u = np.array(us, { dtype: "float64" }).reshape([4, 1, 2]);
    const want = is.map((i, b) => refUpdate(xs, [3, 4], us[b]!, [1, 2], [i, js[b]!]));
    // operand shared, update batched
    const f = (v: Tensor, i: Tensor, j: Tensor) => lax.dynamicUpdateSlice(x, v, [i, j]);
    expect(valuesOf(vmap(f)(u, i32(is), i32(js)))).toEqual(want.flat());
    // operand batched, update shared, one index shared
    const xb = np.stack([x, x.neg(), x, x.mul(2)]);
    const xbs = [xs, xs.map((v) => -v), xs, xs.map((v) => 2 * v)];
    const u0 = np.array([[100, 200]], { dtype: "float64" });
    const g = (t: Tensor, i: Tensor) => lax.dynamicUpdateSlice(t, u0, [i, i32(2)]);
    expect(valuesOf(vmap(g)(xb, i32(is)))).toEqual(
      is.flatMap((i, b) => refUpdate(xbs[b]!, [3, 4], [100, 200], [1, 2], [i, 2])),
    );
    // an update as large as the operand along an axis
    const h = (i: Tensor) => lax.dynamicUpdateSlice(x, np.full([1, 4], -1, "float64"), [i, i32(0)]);
    expect(valuesOf(vmap(h)(i32(is)))).toEqual(
      is.flatMap((i) => refUpdate(xs, [3, 4], [-1, -1, -1, -1], [1, 4], [i, 0])),
    );
    // an empty update changes nothing
    const e = (i: Tensor) => lax.dynamicUpdateSlice(x, np.zeros([0, 2], "float64"), [i, i]);
    expect(valuesOf(vmap(e)(i32(is)))).toEqual(is.flatMap(() => xs));
  });

  it("vmap of grad with batched indices: per-example windows of the cotangent", () => {
    const [x] = ramp([6]);
    const loss = (t: Tensor, i: Tensor) => np.sum(np.square(lax.dynamicSlice(t, [i], [2])));
    const is = [0, 4, -1, 10, 2];
    const g = vmap(grad(loss), { inAxes: [null, 0] })(x, i32(is));
    expect(g.shape).toEqual([5, 6]);
    const want = is.flatMap((i) => {
      const s = startOf(i, 6, 2);
      return Array.from({ length: 6 }, (_, p) => (p >= s && p < s + 2 ? 2 * p : 0));
    });
    expect(valuesOf(g)).toEqual(want);
    // and grad of a vmapped loss: the windows' cotangents add up
    const total = grad((t: Tensor) => vmap((i: Tensor) => loss(t, i))(i32(is)).sum())(x);
    const summed = Array.from({ length: 6 }, (_, p) => is.reduce((acc, _i, b) => acc + want[b * 6 + p]!, 0));
    expect(valuesOf(total)).toEqual(summed);
    // under jit too
    expect(valuesOf(jit(vmap(grad(loss), { inAxes: [null, 0] }))(x, i32(is)))).toEqual(want);
  });

  it("grad through vmapped dynamicUpdateSlice with batched indices, for operand and update", () => {
    const [x] = ramp([5]);
    const is = [0, 3, -2];
    const w = np.array([1, 2, 3, 4, 5], { dtype: "float64" });
    const loss = (t: Tensor, v: Tensor) =>
      vmap((i: Tensor) => lax.dynamicUpdateSlice(t, v, [i]).mul(w).sum())(i32(is)).sum();
    const [gx, gu] = grad(loss, { argnums: [0, 1] })(x, np.array([7, 8], { dtype: "float64" }));
    const starts = is.map((i) => startOf(i, 5, 2));
    expect(valuesOf(gx)).toEqual([1, 2, 3, 4, 5].map((v, p) => v * starts.filter((s) => p < s || p >= s + 2).length));
    expect(valuesOf(gu)).toEqual([0, 1].map((k) => starts.reduce((acc, s) => acc + (s + k + 1), 0)));
  });

  it("dynamicIndexInDim under vmap picks one row per example", () => {
    const [x, xs] = ramp([4, 3]);
    const rows = vmap((i: Tensor) => lax.dynamicIndexInDim(x, i, { keepdims: false }))(i32([3, -1, 0, 6]));
    expect(valuesOf(rows)).toEqual([3, 3, 0, 3].flatMap((r) => xs.slice(r * 3, r * 3 + 3)));
  });
});
