// lax.reduceWindow ("add", "max", "min", "mul"): values against a plain-JS reference of XLA's semantics (the operand
// dilated and padded with the init value, each window reduced starting from the init value) over 1-D, 2-D and 3-D
// operands, strides, every padding mode and explicit pairs (also negative), base and window dilation; integer
// operands; typed errors; gradients against central finite differences in float64 (first and second order, products
// with zeros exact); the first maximal element takes the tangent; and agreement under vmap and jit.

import { DTypeError, grad, jit, jvp, lax, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, i32, rng, valuesOf } from "../helpers.js";

type Comp = "add" | "max" | "min" | "mul";
const COMPS: Comp[] = ["add", "max", "min", "mul"];
const STEP: Record<Comp, (a: number, v: number) => number> = {
  add: (a, v) => a + v,
  mul: (a, v) => a * v,
  max: (a, v) => Math.max(a, v),
  min: (a, v) => Math.min(a, v),
};
const IDENTITY: Record<Comp, number> = { add: 0, mul: 1, max: -Infinity, min: Infinity };

interface Case {
  shape: number[];
  dims: number[];
  strides: number[];
  padding: "VALID" | "SAME" | "SAME_LOWER" | [number, number][];
  base: number[];
  wdil: number[];
}

const dilate = (n: number, d: number) => (n === 0 ? 0 : (n - 1) * d + 1);

/** JAX's padtype_to_pads, written out independently. */
function pads(c: Case): [number, number][] {
  if (Array.isArray(c.padding)) return c.padding;
  return c.shape.map((n, i) => {
    if (c.padding === "VALID") return [0, 0];
    const w = dilate(c.dims[i]!, c.wdil[i]!);
    const out = Math.ceil(n / c.strides[i]!);
    const total = Math.max(0, (out - 1) * c.strides[i]! + w - n);
    const small = Math.floor(total / 2);
    return c.padding === "SAME" ? [small, total - small] : [total - small, small];
  });
}

/** XLA's reduce_window: the padded, dilated operand (holes and padding hold init), each window folded from init. */
function reference(x: number[], c: Case, init: number, comp: Comp): { out: number[]; shape: number[] } {
  const p = pads(c);
  const r = c.shape.length;
  const padded = c.shape.map((n, i) => dilate(n, c.base[i]!) + p[i]![0] + p[i]![1]);
  const win = c.dims.map((w, i) => dilate(w, c.wdil[i]!));
  const shape = padded.map((n, i) => (n < win[i]! ? 0 : Math.floor((n - win[i]!) / c.strides[i]!) + 1));
  const at = (coord: number[]) => {
    let flat = 0;
    for (let i = 0; i < r; i++) {
      const u = coord[i]! - p[i]![0];
      if (u < 0 || u % c.base[i]! !== 0 || u / c.base[i]! >= c.shape[i]!) return init;
      flat = flat * c.shape[i]! + u / c.base[i]!;
    }
    return x[flat]!;
  };
  const out: number[] = [];
  const each = (sizes: number[], f: (idx: number[]) => void) => {
    const n = sizes.reduce((a, b) => a * b, 1);
    for (let k = 0; k < n; k++) {
      const idx: number[] = [];
      let rest = k;
      for (let i = sizes.length - 1; i >= 0; i--) {
        idx[i] = rest % sizes[i]!;
        rest = Math.floor(rest / sizes[i]!);
      }
      f(idx);
    }
  };
  each(shape, (o) => {
    let acc = init;
    each(c.dims, (w) => {
      acc = STEP[comp](acc, at(o.map((oi, i) => oi * c.strides[i]! + w[i]! * c.wdil[i]!)));
    });
    out.push(acc);
  });
  return { out, shape };
}

const run = (x: Tensor, c: Case, init: number | Tensor, comp: Comp) =>
  lax.reduceWindow(x, init, comp, c.dims, c.strides, c.padding, { baseDilation: c.base, windowDilation: c.wdil });

/** Random cases of rank 1–3: windows, strides, padding modes (explicit pairs may be negative), dilations. */
function randomCases(seed: number, n: number): Case[] {
  const rand = rng(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const cases: Case[] = [];
  while (cases.length < n) {
    const r = 1 + pick(3);
    const shape = Array.from({ length: r }, () => 1 + pick(5));
    const dims = shape.map(() => 1 + pick(3));
    const strides = shape.map(() => 1 + pick(3));
    const base = shape.map(() => (pick(3) === 0 ? 2 : 1));
    const wdil = shape.map(() => (pick(3) === 0 ? 2 : 1));
    const mode = pick(4);
    const padding: Case["padding"] =
      mode === 0 ? "VALID" : mode === 1 ? "SAME" : mode === 2 ? "SAME_LOWER" : shape.map(() => [pick(4) - 1, pick(3)]);
    const c = { shape, dims, strides, padding, base, wdil };
    const p = pads(c);
    if (shape.some((s, i) => dilate(s, base[i]!) + p[i]![0] + p[i]![1] < 0)) continue;
    cases.push(c);
  }
  return cases;
}

const valuesFor = (n: number, seed: number) => {
  const rand = rng(seed);
  return Array.from({ length: n }, () => Math.round((rand() * 4 - 2) * 8) / 8);
};
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe("lax.reduceWindow values", () => {
  it("matches the reference for every computation over random 1-D, 2-D and 3-D cases (identity inits)", () => {
    for (const [k, c] of randomCases(1, 120).entries()) {
      const xs = valuesFor(size(c.shape), k);
      for (const comp of COMPS) {
        const want = reference(xs, c, IDENTITY[comp], comp);
        const got = run(np.reshape(f64(xs), c.shape), c, IDENTITY[comp], comp);
        expect(got.shape, `${comp} ${JSON.stringify(c)}`).toEqual(want.shape);
        const g = valuesOf(got);
        want.out.forEach((v, i) => {
          expect(Math.abs(g[i]! - v) <= 1e-12 * (1 + Math.abs(v)) || g[i] === v, `${comp} ${JSON.stringify(c)}`).toBe(
            true,
          );
        });
      }
    }
  });

  it("takes other init values as XLA: padding and holes hold the init value, and each window starts from it", () => {
    for (const [k, c] of randomCases(2, 60).entries()) {
      const xs = valuesFor(size(c.shape), 100 + k);
      for (const [comp, init] of [
        ["add", 1.5],
        ["max", 0.25],
        ["min", -0.5],
        ["mul", 1.25],
        ["add", -2],
      ] as const) {
        const want = reference(xs, c, init, comp);
        const x = np.reshape(f64(xs), c.shape);
        for (const initArg of [init, f64(init)]) {
          const got = run(x, c, initArg, comp);
          expect(got.shape).toEqual(want.shape);
          const g = valuesOf(got);
          want.out.forEach((v, i) =>
            expect(Math.abs(g[i]! - v), `${comp} ${init} ${JSON.stringify(c)}`).toBeLessThan(1e-9 * (1 + Math.abs(v))),
          );
        }
      }
    }
  });

  it("hand-checked cases: max pooling, SAME sums, base dilation and window dilation", () => {
    expectClose(lax.reduceWindow(np.array([1, 3, 2, 5, 4]), -Infinity, "max", [2], [2]), [3, 5]);
    expectClose(lax.reduceWindow(np.array([1, 2, 3]), 0, "add", [2], [1], "SAME"), [3, 5, 3]);
    expectClose(lax.reduceWindow(np.array([1, 2, 3]), 0, "add", [2], [1], "same" as "SAME"), [3, 5, 3]);
    // base dilation 2: [1, _, 2, _, 3], windows of 2 → 1, 2, 2, 3
    expectClose(
      lax.reduceWindow(np.array([1, 2, 3]), 0, "add", [2], [1], "VALID", { baseDilation: [2] }),
      [1, 2, 2, 3],
    );
    // window dilation 2: x[i] + x[i + 2]
    expectClose(
      lax.reduceWindow(np.array([1, 2, 3, 4]), 0, "add", [2], null, "VALID", { windowDilation: [2] }),
      [4, 6],
    );
    // 2-D, padding [lo, hi], a negative pad cuts the first row
    expectClose(
      lax.reduceWindow(
        np.array([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        0,
        "add",
        [2, 2],
        [1, 1],
        [
          [-1, 0],
          [1, 0],
        ],
      ),
      [[8, 18]],
    );
    // init value counted once per window plus once per padding element (XLA): windows [1, 2], [2, pad]
    expectClose(lax.reduceWindow(np.array([1, 2]), 10, "add", [2], [1], [[0, 1]]), [13, 22]);
    expectClose(lax.reduceWindow(np.array([2, 3]), 2, "mul", [2], [1], [[0, 1]]), [12, 12]);
  });

  it("integer operands: sums and products wrap as int32, max/min with ∓∞ init are the integer extrema", () => {
    const x = i32([
      [1, -7, 3],
      [4, 5, -6],
    ]);
    const add = lax.reduceWindow(x, 0, "add", [2, 2], [1, 1], "SAME");
    expect(add.dtype).toBe("int32");
    expect(add.toArray()).toEqual([
      [3, -5, -3],
      [9, -1, -6],
    ]);
    expect(lax.reduceWindow(x, -Infinity, "max", [1, 2], [1, 1], "SAME").toArray()).toEqual([
      [1, 3, 3],
      [5, 5, -6],
    ]);
    expect(lax.reduceWindow(x, Infinity, "min", [2, 1]).toArray()).toEqual([[1, -7, -6]]);
    expect(lax.reduceWindow(i32([65536, 65536, 3]), 1, "mul", [2]).toArray()).toEqual([0, 196608]);
    // init 65536 counted twice (once, and once for the padding element): 65536² wraps to 0; 3·65536 = 196608
    expect(lax.reduceWindow(i32([3, 1]), 65536, "mul", [2], [1], [[0, 1]]).toArray()).toEqual([196608, 0]);
  });

  it("float32 sums accumulate in float64 and round once", () => {
    const xs = [1e8, 1, -1e8, 1];
    const got = lax.reduceWindow(np.array(xs, { dtype: "float32" }), 0, "add", [4]);
    expect(valuesOf(got)).toEqual([Math.fround(Math.fround(1e8) + 1 - Math.fround(1e8) + 1)]);
  });
});

describe("lax.reduceWindow errors", () => {
  const x = np.ones([2, 3]);
  it("names the argument and shapes", () => {
    expect(catchError(() => lax.reduceWindow(x, 0, "add", [2]), ShapeError).message).toMatch(
      /lax\.reduceWindow: windowDimensions \[2\] must hold one integer ≥ 1 per axis of the operand of shape \[2, 3\]/,
    );
    expect(catchError(() => lax.reduceWindow(x, 0, "add", [1, 1], [0, 1]), ShapeError).message).toMatch(
      /windowStrides \[0,1\]/,
    );
    expect(catchError(() => lax.reduceWindow(x, 0, "add", [0, 1]), ShapeError).message).toMatch(/windowDimensions/);
    expect(catchError(() => lax.reduceWindow(x, 0, "avg" as "add", [1, 1]), TracegradError).message).toMatch(
      /computation.*"add", "max", "min", "mul"/s,
    );
    expect(
      catchError(() => lax.reduceWindow(x, 0, "add", [1, 1], null, "FULL" as "SAME"), TracegradError).message,
    ).toMatch(/padding/);
    expect(catchError(() => lax.reduceWindow(x, 0, "add", [1, 1], null, [[0, 0]]), ShapeError).message).toMatch(
      /one integer pair \[lo, hi\] per axis/,
    );
    expect(
      catchError(
        () =>
          lax.reduceWindow(x, 0, "add", [1, 1], null, [
            [-3, 0],
            [0, 0],
          ]),
        ShapeError,
      ).message,
    ).toMatch(/cuts off more than the axis/);
    expect(catchError(() => lax.reduceWindow(x, np.zeros([2]), "add", [1, 1]), ShapeError).message).toMatch(
      /initValue must be a scalar/,
    );
    expect(
      catchError(() => lax.reduceWindow(x, 0, "add", [1, 1], null, "VALID", { baseDilation: [1] }), ShapeError).message,
    ).toMatch(/baseDilation/);
    catchError(() => lax.reduceWindow(np.array([true, false]), 0, "add", [1]), DTypeError);
  });
});

/** A random cotangent's inner product with f(x): a scalar loss for gradient checks. */
function loss(f: (x: Tensor) => Tensor, w: number[]) {
  return (x: Tensor) => np.sum(np.multiply(f(x), np.reshape(f64(w), f(x).shape)));
}
function fd(f: (x: Tensor) => Tensor, xs: number[], shape: number[], h = 1e-5): number[] {
  return xs.map((_, i) => {
    const at = (d: number) => f(np.reshape(f64(xs.map((v, k) => (k === i ? v + d : v))), shape)).item() as number;
    return (at(h) - at(-h)) / (2 * h);
  });
}
/** Distinct values (a shuffled grid), so every window has one extremum. */
function distinct(n: number, seed: number): number[] {
  const rand = rng(seed);
  const v = Array.from({ length: n }, (_, i) => -1 + (2 * (i + 1)) / (n + 1) + (rand() - 0.5) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}

describe("lax.reduceWindow derivatives", () => {
  const cases = randomCases(3, 80);
  /** Case c's input (distinct values; no zeros for mul) and output shape, or undefined where differences mean
   * nothing: an empty output, or windows of padding alone (∓∞ for max and min). */
  const derivativeCase = (comp: Comp, c: (typeof cases)[number], k: number) => {
    const xs =
      comp === "mul" ? valuesFor(size(c.shape), k).map((v) => (v === 0 ? 0.5 : v)) : distinct(size(c.shape), k);
    const x = np.reshape(f64(xs), c.shape);
    const y = run(x, c, IDENTITY[comp], comp);
    return size(y.shape) === 0 || !valuesOf(y).every(Number.isFinite) ? undefined : { xs, x, outShape: y.shape };
  };
  for (const comp of COMPS) {
    it(`${comp}: first-order gradient equals central differences; jvp agrees with it`, () => {
      let ran = 0;
      for (const [k, c] of cases.entries()) {
        const prepared = derivativeCase(comp, c, k);
        if (!prepared) continue;
        const { xs, x, outShape } = prepared;
        ran++;
        const w = valuesFor(size(outShape), 50 + k);
        const L = loss((t) => run(t, c, IDENTITY[comp], comp), w);
        const g = valuesOf(grad(L)(x));
        const want = fd(L, xs, c.shape);
        g.forEach((v, i) =>
          expect(Math.abs(v - want[i]!), `${comp} ${JSON.stringify(c)}`).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!))),
        );
        // forward mode: <grad, v> = d/dε L(x + εv)
        const v = valuesFor(size(c.shape), 70 + k);
        const [, tangent] = jvp(L, [x], [np.reshape(f64(v), c.shape)]);
        const dot = g.reduce((s, gi, i) => s + gi * v[i]!, 0);
        expect(Math.abs((tangent.item() as number) - dot)).toBeLessThan(1e-9 * (1 + Math.abs(dot)));
      }
      expect(ran).toBeGreaterThan(30);
    });

    it(`${comp}: second-order (gradient of a gradient's inner product) equals central differences`, () => {
      let ran = 0;
      for (const [k, c] of cases.slice(0, 36).entries()) {
        const prepared = derivativeCase(comp, c, k);
        if (!prepared) continue;
        const { xs, x, outShape } = prepared;
        ran++;
        const w = valuesFor(size(outShape), 50 + k);
        const u = valuesFor(size(c.shape), 90 + k);
        // a nonlinear loss, so that second derivatives of sum, max and min are not all zero
        const L = (t: Tensor) =>
          np.sum(np.multiply(np.sin(run(np.multiply(t, t), c, IDENTITY[comp], comp)), np.reshape(f64(w), outShape)));
        const G = (t: Tensor) => np.sum(np.multiply(grad(L)(t), np.reshape(f64(u), c.shape)));
        const g2 = valuesOf(grad(G)(x));
        const want = fd(G, xs, c.shape);
        g2.forEach((v, i) =>
          expect(Math.abs(v - want[i]!), `${comp} ${JSON.stringify(c)}`).toBeLessThan(1e-4 * (1 + Math.abs(want[i]!))),
        );
      }
      expect(ran).toBeGreaterThan(8);
    });
  }

  it("mul: gradients are exact where elements are zero (one or two zeros in a window), to second order", () => {
    const x = f64([2, 0, 3, 0, 0, 5]);
    const f = (t: Tensor) => lax.reduceWindow(t, 1, "mul", [3], [1]);
    // windows [2,0,3], [0,3,0], [3,0,0], [0,0,5]; d/dx of Σ products
    const g = grad((t: Tensor) => np.sum(f(t)))(x);
    // ∂/∂x0 = 0·3 = 0; ∂/∂x1 = 2·3 + 3·0 = 6; ∂/∂x2 = 2·0 + 0·0 + 0·0 = 0; ∂/∂x3 = 0 + 3·0 + 0·5 = 0;
    // ∂/∂x4 = 3·0 + 0·5 = 0; ∂/∂x5 = 0·0 = 0
    expectClose(g, [0, 6, 0, 0, 0, 0]);
    const x2 = f64([2, 0, 3]);
    // f = x0·x1·x2; the Hessian at (2, 0, 3): [[0, 3, 0], [3, 0, 2], [0, 2, 0]]
    const h = (i: number) =>
      grad((t: Tensor) =>
        np.sum(np.multiply(grad((s: Tensor) => np.sum(f(s)))(t), f64([0, 1, 2].map((k) => (k === i ? 1 : 0))))),
      )(x2);
    expectClose(h(0), [0, 3, 0]);
    expectClose(h(1), [3, 0, 2]);
    expectClose(h(2), [0, 2, 0]);
    // against finite differences with zeros in 2-D and padding
    const c: Case = { shape: [3, 3], dims: [2, 2], strides: [1, 1], padding: "SAME", base: [1, 1], wdil: [1, 1] };
    const xs = [0, 1.5, -2, 0, 0.5, 0, 3, -1, 0];
    const L = loss((t) => run(t, c, 1, "mul"), valuesFor(9, 7));
    const want = fd(L, xs, c.shape);
    valuesOf(grad(L)(np.reshape(f64(xs), c.shape))).forEach((v, i) =>
      expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6),
    );
  });

  it("max and min: the tangent is the first maximal (minimal) element's in row-major window order", () => {
    const x = f64([
      [1, 3],
      [3, 2],
    ]);
    const gmax = grad((t: Tensor) => np.sum(lax.reduceWindow(t, -Infinity, "max", [2, 2])))(x);
    expectClose(gmax, [
      [0, 1],
      [0, 0],
    ]);
    const y = f64([
      [2, 1],
      [1, 2],
    ]);
    const gmin = grad((t: Tensor) => np.sum(lax.reduceWindow(t, Infinity, "min", [2, 2])))(y);
    expectClose(gmin, [
      [0, 1],
      [0, 0],
    ]);
    // overlapping windows scatter-add onto the shared maximum
    const z = f64([1, 5, 2, 0]);
    expectClose(grad((t: Tensor) => np.sum(lax.reduceWindow(t, -Infinity, "max", [2], [1])))(z), [0, 2, 1, 0]);
  });

  it("max with a non-identity init: windows whose max is the init pass no gradient to x", () => {
    const x = f64([-1, 2, -3, -4]);
    const g = grad((t: Tensor) => np.sum(lax.reduceWindow(t, 0, "max", [2], [2])))(x);
    expectClose(g, [0, 1, 0, 0]);
  });
});

describe("lax.reduceWindow with a traced init value", () => {
  it("differentiates in the init value (counted once per window plus once per padding element), under jit and vmap", () => {
    const x = f64([1, 2, 3]);
    // SAME, window 2: windows [1, 2], [2, 3], [3, pad]: init counted 1, 1, 2 times
    const f = (init: Tensor) => np.sum(lax.reduceWindow(x, init, "add", [2], [1], "SAME"));
    expectClose(grad(f)(f64(0.5)), 4);
    expectClose(jit(grad(f))(f64(0.5)), 4);
    const m = (init: Tensor) => lax.reduceWindow(x, init, "max", [2], [1], "SAME");
    expectClose(vmap(m)(f64([0, 2.5, 10])), [
      [2, 3, 3],
      [2.5, 3, 3],
      [10, 10, 10],
    ]);
    expectClose(
      jit((t: Tensor, init: Tensor) => lax.reduceWindow(t, init, "mul", [2], [1], "SAME"))(x, f64(2)),
      [4, 12, 12],
    );
  });
});

describe("lax.reduceWindow under vmap and jit", () => {
  const cases = randomCases(4, 12);
  it("vmap equals stacking per-example results, for values and gradients (batch axis anywhere)", () => {
    for (const comp of COMPS) {
      for (const [k, c] of cases.entries()) {
        const b = 3;
        const xs = distinct(b * size(c.shape), k);
        const f = (t: Tensor) => run(t, c, IDENTITY[comp], comp);
        const g = grad((t: Tensor) => np.sum(np.sin(f(t))));
        const batched = np.reshape(f64(xs), [b, ...c.shape]);
        const axis = k % (c.shape.length + 1);
        const moved = np.moveaxis(batched, 0, axis);
        const per = Array.from({ length: b }, (_, i) =>
          np.reshape(f64(xs.slice(i * size(c.shape), (i + 1) * size(c.shape))), c.shape),
        );
        for (const h of [f, g]) {
          const got = vmap(h, { inAxes: axis })(moved);
          const want = np.stack(per.map(h));
          expect(got.shape).toEqual(want.shape);
          expect(valuesOf(got)).toEqual(valuesOf(want));
        }
      }
    }
  });

  it("jit equals eager, for values and gradients", () => {
    for (const comp of COMPS) {
      for (const [k, c] of cases.entries()) {
        const x = np.reshape(f64(distinct(size(c.shape), k)), c.shape);
        const f = (t: Tensor) => run(t, c, comp === "add" ? 0.5 : IDENTITY[comp], comp);
        const g = grad((t: Tensor) => np.sum(np.sin(f(t))));
        expect(valuesOf(jit(f)(x))).toEqual(valuesOf(f(x)));
        expect(valuesOf(jit(g)(x))).toEqual(valuesOf(g(x)));
      }
    }
  });
});
