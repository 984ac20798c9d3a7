// The inverse trigonometric and hyperbolic primitives, atan2, cbrt, rsqrt, isFinite and clamp, and their np forms:
// values against Math.* in float64 (edges, signed zeros, NaN, ±∞), derivatives against central differences, jit and
// vmap against eager, and typed errors.

import { DTypeError, grad, jit, lax, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, f64, i32, valuesOf } from "../helpers.js";

/** Each value equals the reference bit for bit (NaN as NaN, −0 as −0). */
function expectSame(t: Tensor, want: readonly number[]): void {
  const got = valuesOf(t);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (!Object.is(g, want[i])) expect.fail(`element ${i}: got ${g}, expected ${want[i]}`);
  });
}

/** Fourth-order central difference of a scalar function. */
function fd(f: (v: number) => number, v: number, h = 1e-4): number {
  return (-f(v + 2 * h) + 8 * f(v + h) - 8 * f(v - h) + f(v - 2 * h)) / (12 * h);
}

const EDGES = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 1e-300, 1e300, -1e300, Infinity, -Infinity, Number.NaN, 0.999999, 3];

const UNARY: [string, (x: Tensor) => Tensor, (v: number) => number, readonly number[]][] = [
  ["sinh", lax.sinh, Math.sinh, [-2, -0.3, 0.4, 1.7]],
  ["cosh", lax.cosh, Math.cosh, [-2, -0.3, 0.4, 1.7]],
  ["asin", lax.asin, Math.asin, [-0.9, -0.3, 0.4, 0.8]],
  ["acos", lax.acos, Math.acos, [-0.9, -0.3, 0.4, 0.8]],
  ["atan", lax.atan, Math.atan, [-2, -0.3, 0.4, 1.7]],
  ["asinh", lax.asinh, Math.asinh, [-2, -0.3, 0.4, 1.7]],
  ["acosh", lax.acosh, Math.acosh, [1.1, 1.5, 2.5, 4]],
  ["atanh", lax.atanh, Math.atanh, [-0.9, -0.3, 0.4, 0.8]],
  ["cbrt", lax.cbrt, Math.cbrt, [-2, -0.3, 0.4, 1.7]],
  ["rsqrt", lax.rsqrt, (v) => 1 / Math.sqrt(v), [0.2, 0.5, 1.3, 3]],
];

describe("unary inverse and hyperbolic functions", () => {
  it.each(UNARY)("%s matches Math in float64 at the edges (±1, ±0, NaN, ±∞)", (_, f, ref) => {
    expectSame(f(f64(EDGES)), EDGES.map(ref));
  });

  it("the domain edges: asin/acos/atanh at ±1, acosh at 1, NaN beyond", () => {
    expectSame(lax.asin(f64([1, -1, 1.5, -1.5])), [Math.PI / 2, -Math.PI / 2, NaN, NaN]);
    expectSame(lax.acos(f64([1, -1, 1.5])), [0, Math.PI, NaN]);
    expectSame(lax.atanh(f64([1, -1, 1.5, -0])), [Infinity, -Infinity, NaN, -0]);
    expectSame(lax.acosh(f64([1, 0.5, Infinity])), [0, NaN, Infinity]);
    expectSame(lax.cbrt(f64([-8, -0, 27])), [-2, -0, 3]);
    expectSame(lax.rsqrt(f64([0, -0, -1, Infinity])), [Infinity, -Infinity, NaN, 0]);
  });

  it.each(UNARY)("%s in float32 is Math's value rounded to float32", (_, f, ref, xs) => {
    const x32 = Array.from(new Float32Array(xs));
    const got = f(np.array(xs, { dtype: "float32" }));
    expect(got.dtype).toBe("float32");
    expectSame(got, Array.from(new Float32Array(x32.map(ref))));
  });

  it.each(UNARY)("%s: the gradient matches central differences in float64", (_, f, ref, xs) => {
    const g = grad((x: Tensor) => f(x).sum())(f64(xs));
    expectClose(
      g,
      xs.map((v) => fd(ref, v)),
      { rtol: 1e-7, atol: 1e-9 },
    );
  });

  it.each(UNARY)("%s: the second derivative matches central differences of the first", (_, f, __, xs) => {
    const d1 = (v: number) => grad((x: Tensor) => f(x))(f64(v)).item() as number;
    const d2 = grad(grad((x: Tensor) => f(x)))(f64(xs[1]!)).item() as number;
    expect(d2).toBeCloseTo(fd(d1, xs[1]!), 6);
  });

  it.each(UNARY)("%s: jit and vmap agree with eager", (_, f, __, xs) => {
    const x = f64([xs, xs.map((v) => v * 0.9)]);
    const eager = valuesOf(f(x));
    expectSame(jit(f)(x), eager);
    expectSame(vmap(f)(x), eager);
    expectSame(vmap(f, { inAxes: 1, outAxes: 1 })(x), eager);
    const x32 = np.array([xs], { dtype: "float32" });
    expectSame(jit(f)(x32), valuesOf(f(x32)));
  });
});

describe("atan2", () => {
  const pairs: [number, number][] = [
    [1, 0],
    [1, -1],
    [-1, -1],
    [-1, 1],
    [0, -0],
    [-0, -0],
    [0, 0],
    [-0, 0],
    [0, -1],
    [-0, -1],
    [0, 1],
    [-0, 1],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
    [1, -Infinity],
    [-1, -Infinity],
    [Infinity, 1],
    [NaN, 1],
    [1, NaN],
    [3, 4],
  ];
  const xs = pairs.map((p) => p[0]);
  const ys = pairs.map((p) => p[1]);

  it("matches Math.atan2(x, y) in every quadrant and for both signs of zero", () => {
    expectSame(
      lax.atan2(f64(xs), f64(ys)),
      pairs.map(([x, y]) => Math.atan2(x, y)),
    );
    expectSame(
      np.arctan2(f64(xs), f64(ys)),
      pairs.map(([x, y]) => Math.atan2(x, y)),
    );
    expectSame(
      jit(lax.atan2)(f64(xs), f64(ys)),
      pairs.map(([x, y]) => Math.atan2(x, y)),
    );
  });

  it("both partial derivatives match central differences", () => {
    const pts: [number, number][] = [
      [0.5, 1.2],
      [1.3, -0.7],
      [-0.8, -1.1],
      [-1.4, 0.3],
    ];
    for (const [x, y] of pts) {
      const [gx, gy] = grad((a: Tensor, b: Tensor) => lax.atan2(a, b), { argnums: [0, 1] })(f64(x), f64(y)) as Tensor[];
      expect(gx!.item()).toBeCloseTo(
        fd((v) => Math.atan2(v, y), x),
        8,
      );
      expect(gy!.item()).toBeCloseTo(
        fd((v) => Math.atan2(x, v), y),
        8,
      );
    }
  });

  it("vmap agrees with eager, with either operand unbatched", () => {
    const x = f64([
      [1, -2, 0.5],
      [-1, 3, 2],
    ]);
    const y = f64([0.3, -0.4, 1]);
    const want = valuesOf(lax.atan2(x, np.broadcastTo(y, [2, 3])));
    expectSame(vmap(lax.atan2, { inAxes: [0, null] })(x, y), want);
    const wantT = valuesOf(lax.atan2(np.broadcastTo(y, [2, 3]), x));
    expectSame(vmap(lax.atan2, { inAxes: [null, 0] })(y, x), wantT);
  });
});

describe("isFinite", () => {
  it("is false exactly for ±∞ and NaN, in both float dtypes, and has zero derivative", () => {
    const v = [0, -0, 1e308, -Infinity, Infinity, NaN, 3.4e38];
    expectTensor(lax.isFinite(f64(v)), [true, true, true, false, false, false, true], "bool");
    // 1e308 overflows float32 to ∞
    expectTensor(lax.isFinite(np.array([1, 1e308, NaN], { dtype: "float32" })), [true, false, false], "bool");
    expectTensor(jit(lax.isFinite)(f64(v)), [true, true, true, false, false, false, true], "bool");
    expectTensor(vmap(lax.isFinite)(f64([[1, NaN]])), [[true, false]], "bool");
    const g = grad((x: Tensor) => np.where(lax.isFinite(x), x, 0).sum())(f64([1, Infinity]));
    expectTensor(g, [1, 0]);
  });

  it("np.isfinite takes integers and bools (always finite)", () => {
    expectTensor(np.isfinite(i32([1, -2])), [true, true], "bool");
    expectTensor(np.isfinite([true]), [true], "bool");
    expectTensor(np.isfinite([1, Infinity, NaN]), [true, false, false], "bool");
    expectTensor(jit((x: Tensor) => np.isfinite(x))(i32([[3]])), [[true]], "bool");
  });

  it("lax.isFinite rejects integers with a DTypeError", () => {
    catchError(() => lax.isFinite(i32([1])), DTypeError);
  });
});

describe("clamp", () => {
  it("clamps with array or scalar bounds, as lax.clamp(lo, x, hi)", () => {
    const x = f64([-2, -0.5, 0.25, 0.9, 3]);
    expectTensor(lax.clamp(f64(-1), x, f64(1)), [-1, -0.5, 0.25, 0.9, 1]);
    expectTensor(lax.clamp(-1, x, 1), [-1, -0.5, 0.25, 0.9, 1]);
    expectTensor(lax.clamp(f64([0, 0, 0, 0, 0]), x, f64(0.5)), [0, 0, 0.25, 0.5, 0.5]);
    expectTensor(lax.clamp(i32(0), i32([-3, 2, 9]), i32(5)), [0, 2, 5], "int32");
    expectSame(lax.clamp(f64(0), f64([NaN, 0.5]), f64(1)), [NaN, 0.5]);
    expectSame(jit(lax.clamp)(f64(-1), x, f64(1)), [-1, -0.5, 0.25, 0.9, 1]);
  });

  it("the derivative flows to x inside (lo, hi), to lo below and to hi above, as JAX", () => {
    const x = f64([-2, -0.5, 0.25, 3]);
    const lo = f64(-1);
    const hi = f64(1);
    const [glo, gx, ghi] = grad(
      (a: Tensor, b: Tensor, c: Tensor) =>
        lax
          .clamp(a, b, c)
          .mul(f64([1, 2, 3, 4]))
          .sum(),
      {
        argnums: [0, 1, 2],
      },
    )(lo, x, hi) as Tensor[];
    expectTensor(gx!, [0, 2, 3, 0]);
    expectTensor(glo!, 1);
    expectTensor(ghi!, 4);
    // array bounds get their own elements' derivatives
    const los = f64([-1, -1, -1, -1]);
    expectTensor(grad((a: Tensor) => lax.clamp(a, x, hi).sum())(los), [1, 0, 0, 0]);
  });

  it("vmap: batched or unbatched x and bounds, scalar bounds per example", () => {
    const x = f64([
      [-2, 0.3, 2],
      [0.1, -0.1, 5],
    ]);
    const lo = f64([-1, 0]);
    const hi = f64([1, 0.2]);
    const want = [
      [-1, 0.3, 1],
      [0.1, 0, 0.2],
    ];
    expectTensor(vmap(lax.clamp)(lo, x, hi), want);
    expectTensor(jit(vmap(lax.clamp))(lo, x, hi), want);
    expectTensor(vmap(lax.clamp, { inAxes: [null, 0, null] })(f64(0), x, f64(1)), [
      [0, 0.3, 1],
      [0.1, 0, 1],
    ]);
    expectTensor(vmap(lax.clamp, { inAxes: [0, null, 0] })(lo, f64([-2, 0.1, 2]), hi), [
      [-1, 0.1, 1],
      [0, 0.1, 0.2],
    ]);
    expectTensor(vmap(lax.clamp, { inAxes: [0, 1, 0] })(lo, np.transpose(x), hi), want);
  });

  it("bounds of another shape or dtype are typed errors", () => {
    const x = f64([1, 2, 3]);
    expect(catchError(() => lax.clamp(f64([0, 0]), x, f64(1)), ShapeError).message).toMatch(/clamp: lo/);
    expect(catchError(() => lax.clamp(f64(0), x, np.array(1, { dtype: "float32" })), DTypeError).message).toMatch(
      /clamp: hi/,
    );
  });
});

describe("np forms", () => {
  it("integers promote to float32; aliases are the same functions; arctan2 broadcasts", () => {
    const ints = i32([0, 1]);
    for (const f of [np.sinh, np.cosh, np.arcsin, np.arccos, np.arctan, np.arcsinh, np.arctanh, np.cbrt]) {
      expect(f(ints).dtype).toBe("float32");
    }
    expect(np.arccosh(i32([1, 2])).dtype).toBe("float32");
    expectClose(np.arcsin([0, 1]), [0, Math.PI / 2]);
    expectClose(np.asin([0, 1]), [0, Math.PI / 2]);
    expectClose(np.acos([1]), [0]);
    expectClose(np.atan([1]), [Math.PI / 4]);
    expectClose(np.asinh([1]), [Math.asinh(1)]);
    expectClose(np.acosh([2]), [Math.acosh(2)]);
    expectClose(np.atanh([0.5]), [Math.atanh(0.5)]);
    expectClose(np.cbrt([-27]), [-3]);
    const a = np.arctan2(f64([[1], [-1]]), [1, -1]);
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe("float64");
    expectClose(a, [
      [Math.atan2(1, 1), Math.atan2(1, -1)],
      [Math.atan2(-1, 1), Math.atan2(-1, -1)],
    ]);
    expectClose(np.atan2(i32([1]), i32([0])), [Math.PI / 2]);
    expect(np.atan2(i32([1]), i32([0])).dtype).toBe("float32");
  });

  it("bad arguments are TracegradErrors naming the function", () => {
    expect(catchError(() => np.arcsin("x" as never), TracegradError).message).toMatch(/np\.arcsin/);
    expect(catchError(() => np.arctan2([1, 2], [1, 2, 3]), ShapeError).message).toMatch(/np\.arctan2/);
    expect(catchError(() => lax.atan2(f64([1]), np.array([1], { dtype: "float32" })), DTypeError).message).toMatch(
      /atan2/,
    );
    catchError(() => lax.sinh(i32([1])), DTypeError);
    catchError(() => lax.cosh(null as never), TracegradError);
  });
});
