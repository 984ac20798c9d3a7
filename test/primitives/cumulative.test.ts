// lax.cumsum, cumprod, cummax, cummin and cumlogsumexp: values against plain-JS float64 references (every axis, both
// directions, NaN and ±Inf), integer wrapping, typed errors, gradients against central finite differences (first and
// second order), and agreement under jit and vmap.

import { DTypeError, grad, jit, jvp, lax, np, ShapeError, type Tensor, vjp, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, i32, rng, size, valuesOf } from "../helpers.js";

type Kind = "cumsum" | "cumprod" | "cummax" | "cummin" | "cumlogsumexp";
const KINDS: Kind[] = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"];

const logaddexp = (a: number, b: number) => {
  const m = Math.max(a, b);
  if (m === -Infinity || Number.isNaN(a - b)) return a + b;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
};
const STEP: Record<Kind, (a: number, v: number) => number> = {
  cumsum: (a, v) => a + v,
  cumprod: (a, v) => a * v,
  cummax: (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v)),
  cummin: (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v)),
  cumlogsumexp: logaddexp,
};

/** The reference: each output combines the elements from the start (or, reversed, from the end) up to it. */
function ref(kind: Kind, x: number[], shape: number[], axis: number, reverse: boolean, round = (v: number) => v) {
  const n = shape[axis]!;
  const inner = size(shape.slice(axis + 1));
  const outer = size(shape.slice(0, axis));
  const out = new Array<number>(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let acc = NaN;
      for (let j = 0; j < n; j++) {
        const k = o * n * inner + (reverse ? n - 1 - j : j) * inner + i;
        acc = j === 0 ? x[k]! : round(STEP[kind](acc, x[k]!));
        out[k] = acc;
      }
    }
  return out;
}

const laxFn = (kind: Kind) => lax[kind] as (x: Tensor, o?: { axis?: number; reverse?: boolean }) => Tensor;
const randoms = (n: number, seed: number, lo = -2, hi = 2) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};

describe("values", () => {
  for (const kind of KINDS) {
    it(`${kind}: float64 over every axis and direction of a [3, 4, 5] array`, () => {
      const shape = [3, 4, 5];
      const x = randoms(60, 7, kind === "cumprod" ? -1.5 : -2, kind === "cumprod" ? 1.5 : 2);
      const t = f64(x).reshape(shape);
      for (let axis = -3; axis < 3; axis++)
        for (const reverse of [false, true]) {
          const got = laxFn(kind)(t, { axis, reverse });
          expect(got.dtype).toBe("float64");
          expect(got.shape).toEqual(shape);
          const want = ref(kind, x, shape, (axis + 3) % 3, reverse);
          const g = valuesOf(got);
          want.forEach((w, i) => expect(g[i]).toBeCloseTo(w, 12));
        }
    });
  }

  it("float32 cumsum adds sequentially, rounding every step (bit for bit)", () => {
    const x = randoms(1000, 3, -100, 100).map(Math.fround);
    const got = valuesOf(lax.cumsum(np.array(x)));
    expect(got).toEqual(ref("cumsum", x, [1000], 0, false, Math.fround));
    const rev = valuesOf(lax.cumsum(np.array(x), { reverse: true }));
    expect(rev).toEqual(ref("cumsum", x, [1000], 0, true, Math.fround));
  });

  it("the axis may be given positionally; the default is 0", () => {
    const x = f64([
      [1, 2],
      [3, 4],
    ]);
    expectClose(lax.cumsum(x), [
      [1, 2],
      [4, 6],
    ]);
    expectClose(lax.cumsum(x, 1), [
      [1, 3],
      [3, 7],
    ]);
  });

  it("NaN propagates through cummax / cummin; ±Inf through cumsum and cumlogsumexp", () => {
    expectClose(lax.cummax(f64([1, NaN, 3])), [1, NaN, NaN]);
    expectClose(lax.cummin(f64([3, 1, NaN, 0])), [3, 1, NaN, NaN]);
    expectClose(lax.cummax(f64([1, 5, 3]), { reverse: true }), [5, 5, 3]);
    expect(valuesOf(lax.cumsum(f64([1, Infinity, -Infinity])))).toEqual([1, Infinity, NaN]);
    expect(valuesOf(lax.cumlogsumexp(f64([-Infinity, -Infinity, 0])))).toEqual([-Infinity, -Infinity, 0]);
    expect(valuesOf(lax.cumlogsumexp(f64([Infinity, 1])))).toEqual([Infinity, Infinity]);
    expectClose(lax.cumlogsumexp(f64([1000, 1000])), [1000, 1000 + Math.LN2]);
  });

  it("integers: int32 sums and products wrap; cummax/cummin of ints", () => {
    const big = 2 ** 31 - 1;
    const s = lax.cumsum(i32([big, 1, 1]));
    expect(s.dtype).toBe("int32");
    expect(valuesOf(s)).toEqual([big, -(2 ** 31), -(2 ** 31) + 1]);
    expect(valuesOf(lax.cumprod(i32([65536, 65536, 3])))).toEqual([65536, 0, 0]);
    expect(valuesOf(lax.cumprod(i32([46341, 46341])))).toEqual([46341, Math.imul(46341, 46341)]);
    expect(valuesOf(lax.cummax(i32([1, 3, 2, 5])))).toEqual([1, 3, 3, 5]);
    expect(valuesOf(lax.cummin(i32([4, 3, 5, 1]), { reverse: true }))).toEqual([1, 1, 1, 1]);
  });

  it("empty axes and size-1 axes", () => {
    expect(lax.cumsum(np.zeros([0, 3])).shape).toEqual([0, 3]);
    expect(lax.cumprod(np.zeros([2, 0]), { axis: 1 }).shape).toEqual([2, 0]);
    expectClose(lax.cumlogsumexp(f64([[2]])), [[2]]);
  });

  it("typed errors: bool, 0-d, a bad axis, cumlogsumexp of integers, unknown options", () => {
    catchError(() => lax.cumsum(np.array([true, false])), DTypeError);
    catchError(() => lax.cumlogsumexp(i32([1, 2])), DTypeError);
    catchError(() => lax.cumsum(f64(1)), ShapeError);
    catchError(() => lax.cumsum(f64([1, 2]), { axis: 1 }), ShapeError);
    expect(() => lax.cummax(f64([1, 2]), { axes: 0 } as never)).toThrow(/unknown option/);
  });
});

/** Σ w · f(x) and its gradient by central differences, float64. */
function fdGrad(f: (x: Tensor) => Tensor, x: number[], shape: number[], eps = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += eps;
    minus[i]! -= eps;
    const fp = valuesOf(f(f64(plus).reshape(shape)))[0]!;
    const fm = valuesOf(f(f64(minus).reshape(shape)))[0]!;
    return (fp - fm) / (2 * eps);
  });
}

describe("derivatives", () => {
  const shape = [3, 5];
  for (const kind of KINDS) {
    for (const [axis, reverse] of [
      [0, false],
      [1, true],
      [1, false],
    ] as const) {
      it(`${kind} (axis ${axis}, reverse ${reverse}): grad and a second derivative vs finite differences`, () => {
        // distinct values (cummax/cummin are smooth away from ties)
        const x = randoms(15, 11 + axis, -1.5, 1.5);
        const w = f64(randoms(15, 5)).reshape(shape);
        const f = (t: Tensor) => np.sum(np.multiply(laxFn(kind)(np.multiply(t, t), { axis, reverse }), w));
        const g = valuesOf(grad(f)(f64(x).reshape(shape)));
        const want = fdGrad(f, x, shape);
        g.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!))));
        // d/dε of the gradient along v, by jvp of grad vs central differences of the gradient
        const v = randoms(15, 99);
        const gOf = (xs: number[]) => valuesOf(grad(f)(f64(xs).reshape(shape)));
        const [, hv] = jvp(grad(f), [f64(x).reshape(shape)], [f64(v).reshape(shape)]);
        const eps = 1e-5;
        const gp = gOf(x.map((xi, i) => xi + eps * v[i]!));
        const gm = gOf(x.map((xi, i) => xi - eps * v[i]!));
        valuesOf(hv as Tensor).forEach((h, i) => {
          const fd = (gp[i]! - gm[i]!) / (2 * eps);
          expect(Math.abs(h - fd)).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
        });
      });
    }
  }

  it("cumprod's gradient is exact where elements are zero", () => {
    const x = [2, 0, 3, 0.5, 4];
    const f = (t: Tensor) => np.sum(lax.cumprod(t));
    const g = valuesOf(grad(f)(f64(x)));
    const want = fdGrad(f, x, [5]);
    g.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it("cumsum's transpose is the reversed cumsum", () => {
    const [, pull] = vjp((t: Tensor) => lax.cumsum(t, { axis: 0 }), f64([1, 2, 3]));
    expectClose(pull(f64([1, 10, 100]))[0] as Tensor, [111, 110, 100]);
    const [, pullRev] = vjp((t: Tensor) => lax.cumsum(t, { reverse: true }), f64([1, 2, 3]));
    expectClose(pullRev(f64([1, 10, 100]))[0] as Tensor, [1, 11, 111]);
  });

  it("cummax splits the tangent equally on ties, as JAX", () => {
    const [, t] = jvp((x: Tensor) => lax.cummax(x), [f64([1, 1])], [f64([1, 3])]);
    expectClose(t as Tensor, [1, 2]);
  });
});

describe("jit and vmap", () => {
  for (const kind of KINDS) {
    it(`${kind}: jit and vmap agree with eager`, () => {
      const x = f64(randoms(24, 42)).reshape([2, 3, 4]);
      for (const reverse of [false, true]) {
        const f = (t: Tensor) => laxFn(kind)(t, { axis: 1, reverse });
        const eager = valuesOf(f(x));
        expect(valuesOf(jit(f)(x))).toEqual(eager);
        for (const inAxes of [0, 1, 2]) {
          const perm = [
            [0, 1, 2],
            [1, 0, 2],
            [1, 2, 0],
          ][inAxes]!;
          const xb = np.transpose(x, perm);
          const got = vmap((t: Tensor) => laxFn(kind)(t, { axis: 0, reverse }), { inAxes })(xb);
          expect(valuesOf(got)).toEqual(valuesOf(laxFn(kind)(x, { axis: 1, reverse })));
        }
        const gj = valuesOf(jit(grad((t: Tensor) => np.sum(np.sin(f(t)))))(x));
        const ge = valuesOf(grad((t: Tensor) => np.sum(np.sin(f(t))))(x));
        gj.forEach((v, i) => expect(v).toBeCloseTo(ge[i]!, 12));
      }
    });
  }
});
