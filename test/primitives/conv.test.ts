// conv_general_dilated and the lax convolution API: values against a plain-JS convolution written here (the input
// padded and dilated explicitly, then a window sum per output), every layout, 1-3 spatial dims, strides, padding
// modes, dilations and groups; derivatives against central differences; vmap against stacking; jit against eager.

import { grad, jacfwd, jacrev, jit, jvp, lax, np, ShapeError, type Tensor, TracegradError, vjp, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, rng, size, strides, unravel, valuesOf } from "../helpers.js";

type Pads = [number, number][];
interface Case {
  lhs: number[]; // canonical [B, C, ...S]
  rhs: number[]; // canonical [O, I, ...K]
  layouts: [string, string, string];
  strides: number[];
  padding: "VALID" | "SAME" | "SAME_LOWER" | Pads;
  lhsDil?: number[];
  rhsDil?: number[];
  fg?: number;
  bg?: number;
}

/** The axis order of a layout: batch/feature letters first, then the spatial letters in the rhs string's order. */
function axesOf(layout: string, pair: string, rhsLayout: string): number[] {
  const spatial = rhsLayout.split("").filter((c) => c !== "O" && c !== "I");
  return [layout.indexOf(pair[0]!), layout.indexOf(pair[1]!), ...spatial.map((c) => layout.indexOf(c))];
}

/** Random data for a canonical shape, laid out by `axes` (canonical axis i is stored at axis axes[i]). */
function laidOut(canonical: number[], axes: number[], r: () => number): { shape: number[]; data: number[] } {
  const shape: number[] = [];
  axes.forEach((a, i) => {
    shape[a] = canonical[i]!;
  });
  return { shape, data: Array.from({ length: size(shape) }, () => Math.round((r() * 4 - 2) * 64) / 64) };
}

/** Element at a canonical index of data laid out by `axes`. */
function at(data: number[], shape: number[], axes: number[], idx: number[]): number {
  const st = strides(shape);
  return data[idx.reduce((o, v, i) => o + v * st[axes[i]!]!, 0)]!;
}

/** SAME/VALID as JAX: out = ceil(in / stride), the extra padding high (SAME) or low (SAME_LOWER). */
function refPads(mode: Case["padding"], inS: number[], window: number[], st: number[]): Pads {
  if (typeof mode !== "string") return mode;
  return inS.map((n, d) => {
    if (mode === "VALID") return [0, 0];
    const total = Math.max(0, (Math.ceil(n / st[d]!) - 1) * st[d]! + window[d]! - n);
    const half = Math.floor(total / 2);
    return mode === "SAME" ? [half, total - half] : [total - half, half];
  });
}

/** The convolution in float64: pad and dilate the input into a new array, then sum each window. */
function reference(c: Case, lhsData: number[], lhsShape: number[], rhsData: number[], rhsShape: number[]) {
  const [ll, rl, ol] = c.layouts;
  const [la, ra, oa] = [axesOf(ll, "NC", rl), axesOf(rl, "OI", rl), axesOf(ol, "NC", rl)];
  const nd = c.lhs.length - 2;
  const [B, C, ...S] = c.lhs;
  const [O, I, ...K] = c.rhs;
  const ld = c.lhsDil ?? S.map(() => 1);
  const rd = c.rhsDil ?? S.map(() => 1);
  const fg = c.fg ?? 1;
  const bg = c.bg ?? 1;
  const dk = K.map((k, d) => (k - 1) * rd[d]! + 1);
  const pads = refPads(c.padding, S, dk, c.strides);
  const P = S.map((n, d) => (n - 1) * ld[d]! + 1 + pads[d]![0] + pads[d]![1]);
  // the padded, dilated input [B, C, ...P], built by placing each input element
  const padded = new Float64Array(B! * C! * size(P));
  const pst = strides([B!, C!, ...P]);
  for (let f = 0; f < size(c.lhs); f++) {
    const idx = unravel(f, c.lhs);
    let off = idx[0]! * pst[0]! + idx[1]! * pst[1]!;
    let inside = true;
    for (let d = 0; d < nd; d++) {
      const pos = idx[d + 2]! * ld[d]! + pads[d]![0];
      if (pos < 0 || pos >= P[d]!) inside = false;
      off += pos * pst[d + 2]!;
    }
    if (inside) padded[off] = at(lhsData, lhsShape, la, idx);
  }
  const Q = P.map((p, d) => (p < dk[d]! ? 0 : Math.floor((p - dk[d]!) / c.strides[d]!) + 1));
  const outCanon = [B! / bg, O!, ...Q];
  const outShape: number[] = [];
  oa.forEach((a, i) => {
    outShape[a] = outCanon[i]!;
  });
  const out = new Array<number>(size(outShape)).fill(0);
  const ost = strides(outShape);
  const G = fg * bg;
  for (let f = 0; f < size(outCanon); f++) {
    const oi = unravel(f, outCanon);
    const [b, o, ...q] = oi;
    const g = Math.floor(o! / (O! / G));
    const n = bg > 1 ? g * (B! / bg) + b! : b!;
    let sum = 0;
    for (let i = 0; i < I!; i++) {
      const ch = fg > 1 ? g * I! + i : i;
      for (let w = 0; w < size(K); w++) {
        const k = unravel(w, K);
        let off = n * pst[0]! + ch * pst[1]!;
        for (let d = 0; d < nd; d++) off += (q[d]! * c.strides[d]! + k[d]! * rd[d]!) * pst[d + 2]!;
        sum += padded[off]! * at(rhsData, rhsShape, ra, [o!, i, ...k]);
      }
    }
    out[oi.reduce((acc, v, i) => acc + v * ost[oa[i]!]!, 0)] = sum;
  }
  return { data: out, shape: outShape };
}

function run(c: Case, dtype: "float32" | "float64", seed = 1) {
  const r = rng(seed);
  const [ll, rl] = c.layouts;
  const l = laidOut(c.lhs, axesOf(ll, "NC", rl), r);
  const k = laidOut(c.rhs, axesOf(rl, "OI", rl), r);
  const lhs = np.reshape(np.array(l.data, { dtype }), l.shape);
  const rhs = np.reshape(np.array(k.data, { dtype }), k.shape);
  const opts = {
    dimensionNumbers: c.layouts,
    ...(c.lhsDil && { lhsDilation: c.lhsDil }),
    ...(c.rhsDil && { rhsDilation: c.rhsDil }),
    ...(c.fg && { featureGroupCount: c.fg }),
    ...(c.bg && { batchGroupCount: c.bg }),
  };
  const f = (x: Tensor, y: Tensor) => lax.convGeneralDilated(x, y, c.strides, c.padding, opts);
  return { got: f(lhs, rhs), want: reference(c, l.data, l.shape, k.data, k.shape), f, lhs, rhs };
}

function expectNear(got: Tensor, want: { data: number[]; shape: number[] }, rtol: number) {
  expect(got.shape).toEqual(want.shape);
  const g = valuesOf(got);
  const bad = g.flatMap((v, i) => {
    const w = want.data[i]!;
    return Math.abs(v - w) <= rtol * (1 + Math.abs(w)) ? [] : [`[${i}] got ${v}, want ${w}`];
  });
  expect(bad.slice(0, 5)).toEqual([]);
}

const NCHW: [string, string, string] = ["NCHW", "OIHW", "NCHW"];
const NHWC: [string, string, string] = ["NHWC", "HWIO", "NHWC"];
const SCRAMBLED: [string, string, string] = ["HNWC", "WIHO", "CWNH"];

const CASES: [string, Case][] = [
  ["2-D NCHW VALID", { lhs: [2, 3, 5, 6], rhs: [4, 3, 3, 2], layouts: NCHW, strides: [1, 1], padding: "VALID" }],
  ["2-D NHWC SAME stride 2", { lhs: [2, 3, 7, 6], rhs: [4, 3, 3, 3], layouts: NHWC, strides: [2, 2], padding: "SAME" }],
  [
    "2-D scrambled layout SAME_LOWER",
    { lhs: [2, 2, 5, 4], rhs: [3, 2, 2, 3], layouts: SCRAMBLED, strides: [2, 1], padding: "SAME_LOWER" },
  ],
  [
    "2-D explicit padding incl. negative",
    {
      lhs: [1, 2, 6, 5],
      rhs: [2, 2, 3, 2],
      layouts: NCHW,
      strides: [1, 2],
      padding: [
        [2, -1],
        [-1, 1],
      ],
    },
  ],
  [
    "2-D lhs and rhs dilation",
    {
      lhs: [2, 2, 4, 5],
      rhs: [3, 2, 2, 3],
      layouts: NHWC,
      strides: [1, 2],
      padding: [
        [1, 2],
        [0, 1],
      ],
      lhsDil: [2, 3],
      rhsDil: [2, 1],
    },
  ],
  [
    "2-D rhs dilation SAME",
    { lhs: [1, 2, 7, 7], rhs: [2, 2, 3, 3], layouts: NCHW, strides: [1, 1], padding: "SAME", rhsDil: [2, 3] },
  ],
  [
    "2-D depthwise (feature groups = channels)",
    { lhs: [2, 4, 5, 5], rhs: [8, 1, 3, 3], layouts: NHWC, strides: [1, 1], padding: "SAME", fg: 4 },
  ],
  [
    "2-D feature groups 2",
    { lhs: [2, 4, 5, 4], rhs: [6, 2, 2, 2], layouts: NCHW, strides: [2, 1], padding: "VALID", fg: 2 },
  ],
  [
    "2-D batch groups 2",
    { lhs: [4, 3, 5, 4], rhs: [6, 3, 2, 2], layouts: NCHW, strides: [1, 1], padding: "SAME", bg: 2 },
  ],
  [
    "2-D batch groups, NHWC",
    { lhs: [6, 2, 4, 4], rhs: [3, 2, 3, 2], layouts: NHWC, strides: [1, 2], padding: "VALID", bg: 3 },
  ],
  ["1-D NCH", { lhs: [2, 3, 9], rhs: [2, 3, 4], layouts: ["NCH", "OIH", "NCH"], strides: [2], padding: "SAME" }],
  [
    "1-D NWC dilated",
    {
      lhs: [3, 2, 6],
      rhs: [4, 2, 2],
      layouts: ["NWC", "WIO", "NWC"],
      strides: [1],
      padding: [[2, 1]],
      lhsDil: [2],
      rhsDil: [3],
    },
  ],
  [
    "3-D NCDHW",
    {
      lhs: [1, 2, 4, 3, 5],
      rhs: [3, 2, 2, 2, 3],
      layouts: ["NCDHW", "OIDHW", "NCDHW"],
      strides: [1, 2, 1],
      padding: "SAME",
    },
  ],
  [
    "3-D NDHWC strided",
    {
      lhs: [2, 2, 5, 4, 3],
      rhs: [2, 2, 3, 2, 2],
      layouts: ["NDHWC", "DHWIO", "NDHWC"],
      strides: [2, 1, 2],
      padding: "VALID",
    },
  ],
  [
    "2-D float32 gemm-sized, NHWC SAME",
    { lhs: [4, 3, 12, 11], rhs: [8, 3, 3, 3], layouts: NHWC, strides: [1, 1], padding: "SAME" },
  ],
  [
    "2-D gemm-sized with feature groups and dilation",
    { lhs: [3, 6, 10, 9], rhs: [9, 2, 3, 2], layouts: NCHW, strides: [1, 2], padding: "SAME", fg: 3, rhsDil: [1, 2] },
  ],
  [
    "2-D gemm-sized with batch groups and lhs dilation",
    {
      lhs: [4, 4, 8, 8],
      rhs: [8, 4, 3, 3],
      layouts: SCRAMBLED.map((s) => s) as [string, string, string],
      strides: [2, 1],
      padding: [
        [1, 1],
        [2, 0],
      ],
      bg: 2,
      lhsDil: [2, 1],
    },
  ],
];

describe("conv_general_dilated against a direct convolution", () => {
  for (const [name, c] of CASES) {
    it(`${name}, float64`, () => {
      const { got, want } = run(c, "float64");
      expect(got.dtype).toBe("float64");
      expectNear(got, want, 1e-12);
    });
    it(`${name}, float32`, () => {
      const { got, want } = run(c, "float32", 2);
      expect(got.dtype).toBe("float32");
      expectNear(got, want, 1e-5);
    });
  }

  it('"SAME" gives ceil(in / stride) outputs, "VALID" floor((in − window) / stride) + 1', () => {
    for (const [n, k, s] of [
      [7, 3, 2],
      [8, 3, 3],
      [5, 4, 1],
      [1, 3, 2],
      [9, 2, 4],
    ] as const) {
      const x = np.ones([1, 1, n]);
      const w = np.ones([1, 1, k]);
      expect(lax.conv(x, w, [s], "SAME").shape).toEqual([1, 1, Math.ceil(n / s)]);
      expect(lax.convGeneralDilated(x, w, [s], "SAME_LOWER").shape).toEqual([1, 1, Math.ceil(n / s)]);
      expect(lax.conv(x, w, [s], "VALID").shape).toEqual([1, 1, Math.max(0, Math.floor((n - k) / s) + 1)]);
    }
  });

  it("lax.conv and lax.convWithGeneralPadding are convGeneralDilated with NCHW defaults", () => {
    const c: Case = { lhs: [1, 2, 5, 4], rhs: [3, 2, 2, 2], layouts: NCHW, strides: [1, 1], padding: "VALID" };
    const { got, lhs, rhs } = run(c, "float64");
    expect(valuesOf(lax.conv(lhs, rhs, [1, 1], "VALID"))).toEqual(valuesOf(got));
    const d = run(
      {
        ...c,
        padding: [
          [1, 0],
          [2, 1],
        ],
        lhsDil: [2, 1],
        rhsDil: [1, 2],
      },
      "float64",
    );
    expect(
      valuesOf(
        lax.convWithGeneralPadding(
          d.lhs,
          d.rhs,
          [1, 1],
          [
            [1, 0],
            [2, 1],
          ],
          [2, 1],
          [1, 2],
        ),
      ),
    ).toEqual(valuesOf(d.got));
    expect(valuesOf(lax.convWithGeneralPadding(lhs, rhs, [1, 1], "VALID", null, null))).toEqual(valuesOf(got));
  });

  it("small cases by hand", () => {
    // a 3×3 box filter over a 4×4 ramp
    const x = np.reshape(np.arange(16, { dtype: "float64" }), [1, 1, 4, 4]);
    expect(lax.conv(x, np.ones([1, 1, 3, 3], { dtype: "float64" }), [1, 1], "VALID").toArray()).toEqual([
      [
        [
          [45, 54],
          [81, 90],
        ],
      ],
    ]);
    // correlation, not flipped: [1, 2, 3] ⋆ [1, 0, −1]
    const y = lax.conv(np.array([[[1, 2, 3, 4]]]), np.array([[[1, 0, -1]]]), [1], "VALID");
    expect(y.toArray()).toEqual([[[-2, -2]]]);
  });
});

describe("convTranspose (jax.lax.conv_transpose)", () => {
  const x = np.array([[[2], [3]]], { dtype: "float64" }); // NHC [1, 2, 1]
  const w = np.array([[[1]], [[10]], [[100]]], { dtype: "float64" }); // HIO [3, 1, 1]

  it("of a one-channel input is a scatter of the kernel (reversed unless transposeKernel)", () => {
    // stride 2, VALID: out length (2 − 1)·2 + 3 = 5
    expect(valuesOf(lax.convTranspose(x, w, [2], "VALID", { transposeKernel: true }))).toEqual([
      2,
      20,
      200 + 3,
      30,
      300,
    ]);
    expect(valuesOf(lax.convTranspose(x, w, [2], "VALID"))).toEqual([200, 20, 2 + 300, 30, 3]);
  });

  it('"SAME" gives in · stride outputs, and explicit pairs pad the dilated input', () => {
    expect(lax.convTranspose(np.ones([2, 3, 4, 1]), np.ones([3, 3, 1, 5]), [2, 2], "SAME").shape).toEqual([2, 6, 8, 5]);
    expect(lax.convTranspose(np.ones([1, 5, 2]), np.ones([4, 2, 3]), [3], "SAME").shape).toEqual([1, 15, 3]);
    // SAME, kernel 3, stride 2: the dilated input [2, 0, 3] padded by [2, 1], correlated with [1, 10, 100]
    expect(valuesOf(lax.convTranspose(x, w, [2], "SAME"))).toEqual([200, 20, 2 + 300, 30]);
    // explicit: the dilated input [2, 0, 3] padded by [0, 0], correlated with [1, 10, 100]: one output
    expect(valuesOf(lax.convTranspose(x, w, [2], [[0, 0]]))).toEqual([2 + 300]);
  });

  it("with transposeKernel is the gradient of the forward convolution (same strides and padding)", () => {
    const r = rng(7);
    const kern = np
      .array(
        Array.from({ length: 3 * 3 * 2 * 4 }, () => r() - 0.5),
        { dtype: "float64" },
      )
      .reshape([3, 3, 2, 4]); // HWIO: 2 in, 4 out
    const ct = np
      .array(
        Array.from({ length: 1 * 3 * 3 * 4 }, () => r() - 0.5),
        { dtype: "float64" },
      )
      .reshape([1, 3, 3, 4]);
    const fwd = (v: Tensor) =>
      lax.convGeneralDilated(v, kern, [2, 2], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] });
    const [, pullback] = vjp(fwd, np.zeros([1, 6, 6, 2], { dtype: "float64" }));
    const want = valuesOf(pullback(ct)[0] as Tensor);
    const got = valuesOf(lax.convTranspose(ct, kern, [2, 2], "SAME", { transposeKernel: true }));
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });
});

/** Central differences of a scalar function of one flat float64 array. */
function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): number[] {
  const base = valuesOf(x);
  return base.map((_, i) => {
    const shifted = (d: number) =>
      f(
        np
          .array(
            base.map((v, k) => (k === i ? v + d : v)),
            { dtype: "float64" },
          )
          .reshape(x.shape),
      ).item() as number;
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

describe("derivatives", () => {
  const c: Case = {
    lhs: [2, 4, 4, 3],
    rhs: [4, 2, 2, 2],
    layouts: SCRAMBLED,
    strides: [2, 1],
    padding: [
      [1, 0],
      [0, 1],
    ],
    lhsDil: [1, 2],
    rhsDil: [2, 1],
    fg: 2,
  };
  const { f, lhs, rhs } = run(c, "float64", 3);
  const probe = run(c, "float64", 4).got; // fixed weights for a scalar loss
  const loss = (x: Tensor, y: Tensor) => np.sum(np.multiply(f(x, y), probe).add(np.square(f(x, y)).mul(0.1)));

  it("grad w.r.t. lhs and rhs match central differences", () => {
    const [gl, gr] = grad(loss, { argnums: [0, 1] })(lhs, rhs) as Tensor[];
    const nl = numericGrad((x) => loss(x, rhs), lhs);
    const nr = numericGrad((y) => loss(lhs, y), rhs);
    valuesOf(gl!).forEach((v, i) => expect(v).toBeCloseTo(nl[i]!, 6));
    valuesOf(gr!).forEach((v, i) => expect(v).toBeCloseTo(nr[i]!, 6));
  });

  it("batch groups: grads match central differences", () => {
    const cb: Case = { lhs: [4, 2, 4, 3], rhs: [4, 2, 2, 2], layouts: NHWC, strides: [1, 2], padding: "SAME", bg: 2 };
    const b = run(cb, "float64", 5);
    const pr = run(cb, "float64", 6).got;
    const lb = (x: Tensor, y: Tensor) =>
      np.sum(
        np
          .square(b.f(x, y))
          .mul(0.5)
          .add(np.multiply(b.f(x, y), pr)),
      );
    const [gl, gr] = grad(lb, { argnums: [0, 1] })(b.lhs, b.rhs) as Tensor[];
    const nl = numericGrad((x) => lb(x, b.rhs), b.lhs);
    const nr = numericGrad((y) => lb(b.lhs, y), b.rhs);
    valuesOf(gl!).forEach((v, i) => expect(v).toBeCloseTo(nl[i]!, 6));
    valuesOf(gr!).forEach((v, i) => expect(v).toBeCloseTo(nr[i]!, 6));
  });

  it("second order: jvp of grad matches central differences of grad", () => {
    const small: Case = { lhs: [1, 2, 3, 3], rhs: [2, 2, 2, 2], layouts: NCHW, strides: [1, 1], padding: "SAME" };
    const s = run(small, "float64", 8);
    const cube = (x: Tensor, y: Tensor) => np.sum(np.power(s.f(x, y), 3));
    const gx = (x: Tensor) => grad(cube)(x, s.rhs) as Tensor;
    const dir = np
      .array(
        Array.from({ length: s.lhs.size }, (_, i) => Math.sin(i + 1)),
        { dtype: "float64" },
      )
      .reshape(s.lhs.shape);
    const [, tangent] = jvp(gx, [s.lhs], [dir]);
    const h = 1e-5;
    const plus = valuesOf(gx(s.lhs.add(dir.mul(h))));
    const minus = valuesOf(gx(s.lhs.sub(dir.mul(h))));
    valuesOf(tangent as Tensor).forEach((v, i) => expect(v).toBeCloseTo((plus[i]! - minus[i]!) / (2 * h), 5));
    // and grad of grad w.r.t. the kernel of a mixed term
    const mixed = (y: Tensor) => np.sum(grad(cube)(s.lhs, y) as Tensor);
    const g2 = valuesOf(grad(mixed)(s.rhs) as Tensor);
    const n2 = numericGrad(mixed, s.rhs, 1e-5);
    g2.forEach((v, i) => expect(v).toBeCloseTo(n2[i]!, 4));
  });

  it("vjp agrees with jvp: <u, J v> = <Jᵀ u, v>", () => {
    const r = rng(11);
    const rand = (t: Tensor) =>
      np
        .array(
          Array.from({ length: t.size }, () => r() - 0.5),
          { dtype: "float64" },
        )
        .reshape(t.shape);
    const [vl, vr] = [rand(lhs), rand(rhs)];
    const [out, tangent] = jvp(f, [lhs, rhs], [vl, vr]);
    const u = rand(out as Tensor);
    const [, pullback] = vjp(f, lhs, rhs);
    const [cl, cr] = pullback(u) as Tensor[];
    const lhsSide = np.sum(np.multiply(u, tangent as Tensor)).item() as number;
    const rhsSide = (np.sum(np.multiply(cl!, vl)).item() as number) + (np.sum(np.multiply(cr!, vr)).item() as number);
    expect(lhsSide).toBeCloseTo(rhsSide, 10);
  });
});

describe("vmap and jit", () => {
  const stack = (ts: Tensor[]) => np.stack(ts);
  const perExample = (
    f: (x: Tensor, y: Tensor) => Tensor,
    xs: Tensor | null,
    ys: Tensor | null,
    x: Tensor,
    y: Tensor,
    n: number,
  ) =>
    stack(Array.from({ length: n }, (_, i) => f(xs ? (xs.slice(i) as Tensor) : x, ys ? (ys.slice(i) as Tensor) : y)));
  const batched = (t: Tensor, n: number, seed: number) => {
    const r = rng(seed);
    return np
      .array(
        Array.from({ length: n * t.size }, () => r() - 0.5),
        { dtype: t.dtype },
      )
      .reshape([n, ...t.shape]);
  };
  const cases: [string, Case][] = [
    ["plain", { lhs: [2, 3, 4, 4], rhs: [2, 3, 2, 2], layouts: SCRAMBLED, strides: [1, 2], padding: "SAME" }],
    [
      "feature groups",
      { lhs: [2, 4, 4, 3], rhs: [6, 2, 2, 2], layouts: NHWC, strides: [1, 1], padding: "VALID", fg: 2 },
    ],
    [
      "batch groups",
      {
        lhs: [4, 2, 3, 4],
        rhs: [4, 2, 2, 2],
        layouts: NCHW,
        strides: [2, 1],
        padding: [
          [1, 0],
          [0, 1],
        ],
        bg: 2,
      },
    ],
  ];
  for (const [name, c] of cases) {
    it(`${name}: vmap over lhs, rhs and both equals stacked results`, () => {
      const { f, lhs, rhs } = run(c, "float64", 9);
      const n = 3;
      const xs = batched(lhs, n, 1);
      const ys = batched(rhs, n, 2);
      const close = (a: Tensor, b: Tensor) => {
        expect(a.shape).toEqual(b.shape);
        const bv = valuesOf(b);
        valuesOf(a).forEach((v, i) => expect(v).toBeCloseTo(bv[i]!, 12));
      };
      close(vmap(f, { inAxes: [0, null] })(xs, rhs) as Tensor, perExample(f, xs, null, lhs, rhs, n));
      close(vmap(f, { inAxes: [null, 0] })(lhs, ys) as Tensor, perExample(f, null, ys, lhs, rhs, n));
      close(vmap(f)(xs, ys) as Tensor, perExample(f, xs, ys, lhs, rhs, n));
      // a batch axis that is not the first
      const xs2 = np.moveaxis(xs, 0, 2);
      close(vmap(f, { inAxes: [2, null] })(xs2, rhs) as Tensor, perExample(f, xs, null, lhs, rhs, n));
    });
  }

  it("jit equals eager (float64 and float32), also under grad", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const c = CASES[14]![1];
      const { f, lhs, rhs, got } = run(c, dtype, 12);
      expect(valuesOf(jit(f)(lhs, rhs) as Tensor)).toEqual(valuesOf(got));
      const loss = (x: Tensor, y: Tensor) => np.sum(np.square(f(x, y)));
      const eager = grad(loss, { argnums: [0, 1] })(lhs, rhs) as Tensor[];
      const jitted = jit(grad(loss, { argnums: [0, 1] }))(lhs, rhs) as Tensor[];
      expect(valuesOf(jitted[0]!)).toEqual(valuesOf(eager[0]!));
      expect(valuesOf(jitted[1]!)).toEqual(valuesOf(eager[1]!));
    }
  });
});

describe("compositions", () => {
  const c: Case = { lhs: [3, 2, 4, 4], rhs: [3, 2, 2, 2], layouts: NHWC, strides: [1, 1], padding: "SAME" };
  const { f, lhs, rhs } = run(c, "float64", 21);

  it("vmap(grad) gives per-example kernel gradients; jit(vmap) equals vmap", () => {
    const one = (x: Tensor, y: Tensor) => np.sum(np.square(f(x.reshape([1, ...x.shape]), y)));
    const g = (x: Tensor, y: Tensor) => grad(one, { argnums: 1 })(x, y) as Tensor;
    const batched = vmap(g, { inAxes: [0, null] })(lhs, rhs) as Tensor;
    expect(batched.shape).toEqual([3, ...rhs.shape]);
    for (let i = 0; i < 3; i++) {
      const want = valuesOf(g(lhs.slice(i) as Tensor, rhs));
      valuesOf(batched.slice(i) as Tensor).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 12));
    }
    expect(valuesOf(jit(vmap(g, { inAxes: [0, null] }))(lhs, rhs) as Tensor)).toEqual(valuesOf(batched));
  });

  it("jacfwd equals jacrev", () => {
    const small = run(
      { lhs: [1, 2, 3, 3], rhs: [2, 2, 2, 2], layouts: SCRAMBLED, strides: [2, 1], padding: "SAME" },
      "float64",
    );
    const h = (y: Tensor) => small.f(small.lhs, y);
    const fwd = valuesOf(jacfwd(h)(small.rhs) as Tensor);
    const rev = valuesOf(jacrev(h)(small.rhs) as Tensor);
    fwd.forEach((v, i) => expect(v).toBeCloseTo(rev[i]!, 12));
  });
});

describe("empty arrays", () => {
  const f = (a: Tensor, b: Tensor) => lax.conv(a, b, [1, 1], "SAME");
  it("an empty vmapped batch, an empty lhs batch and an empty output have the right shapes, also under grad", () => {
    expect(vmap(f, { inAxes: [0, null] })(np.ones([0, 1, 2, 3, 3]), np.ones([4, 2, 2, 2])).shape).toEqual([
      0, 1, 4, 3, 3,
    ]);
    expect(vmap(f, { inAxes: [null, 0] })(np.ones([1, 2, 3, 3]), np.ones([0, 4, 2, 2, 2])).shape).toEqual([
      0, 1, 4, 3, 3,
    ]);
    expect(vmap(f)(np.ones([0, 1, 2, 3, 3]), np.ones([0, 4, 2, 2, 2])).shape).toEqual([0, 1, 4, 3, 3]);
    const gk = grad((b: Tensor) => np.sum(f(np.ones([0, 2, 3, 3]), b)))(np.ones([4, 2, 2, 2])) as Tensor;
    expect(valuesOf(gk)).toEqual(new Array(32).fill(0));
    const big = np.ones([4, 2, 5, 5]);
    expect(lax.conv(np.ones([1, 2, 3, 3]), big, [1, 1], "VALID").shape).toEqual([1, 4, 0, 0]);
    const gx = grad((a: Tensor) => np.sum(lax.conv(a, big, [1, 1], "VALID")))(np.ones([1, 2, 3, 3])) as Tensor;
    expect(valuesOf(gx)).toEqual(new Array(18).fill(0));
  });
});

describe("errors", () => {
  it("a wrong channel count names both shapes, the layouts and the fix", () => {
    const e = catchError(
      () =>
        lax.convGeneralDilated(np.ones([1, 5, 5, 3]), np.ones([3, 3, 4, 8]), [1, 1], "SAME", {
          dimensionNumbers: ["NHWC", "HWIO", "NHWC"],
        }),
      ShapeError,
    );
    expect(e.message).toContain(
      "lhs feature dimension 3 must equal rhs input feature dimension 4 × featureGroupCount 1",
    );
    expect(e.message).toContain("[1, 5, 5, 3]");
    expect(e.message).toContain("[3, 3, 4, 8]");
    expect(e.message).toContain('("NHWC", "HWIO", "NHWC")');
  });

  it("wrong rank, bad layout strings, bad strides, padding and groups", () => {
    expect(
      catchError(() => lax.conv(np.ones([1, 1, 4, 4]), np.ones([1, 1, 3]), [1, 1], "VALID"), ShapeError).message,
    ).toMatch(/same rank/);
    expect(
      catchError(
        () =>
          lax.convGeneralDilated(np.ones([1, 4, 4, 1]), np.ones([3, 3, 1, 1]), [1, 1], "SAME", {
            dimensionNumbers: ["NHWC", "HWIO", "NHW"],
          }),
        TracegradError,
      ).message,
    ).toMatch(/out layout "NHW" has 3 letters/);
    expect(
      catchError(
        () =>
          lax.convGeneralDilated(np.ones([1, 4, 4, 1]), np.ones([3, 3, 1, 1]), [1, 1], "SAME", {
            dimensionNumbers: ["NHWC", "HWIO", "NHXC"],
          }),
        TracegradError,
      ).message,
    ).toMatch(/same spatial letters/);
    expect(
      catchError(
        () =>
          lax.convGeneralDilated(np.ones([1, 4, 4, 1]), np.ones([3, 3, 1, 1]), [1, 1], "SAME", {
            dimensionNumbers: ["NHWW", "HWIO", "NHWC"],
          }),
        TracegradError,
      ).message,
    ).toMatch(/must contain 'N' and 'C' exactly once/);
    expect(
      catchError(() => lax.conv(np.ones([1, 1, 4, 4]), np.ones([1, 1, 3, 3]), [0, 1], "VALID"), TracegradError).message,
    ).toMatch(/windowStrides must be 2 whole numbers ≥ 1/);
    expect(
      catchError(() => lax.conv(np.ones([1, 1, 4, 4]), np.ones([1, 1, 3, 3]), [1], "VALID"), TracegradError).message,
    ).toMatch(/windowStrides/);
    expect(
      catchError(() => lax.conv(np.ones([1, 1, 4, 4]), np.ones([1, 1, 3, 3]), [1, 1], "FULL" as never), TracegradError)
        .message,
    ).toMatch(/padding/);
    expect(
      catchError(
        () =>
          lax.conv(
            np.ones([1, 1, 4, 4]),
            np.ones([1, 1, 3, 3]),
            [1, 1],
            [
              [-5, 0],
              [0, 0],
            ],
          ),
        ShapeError,
      ).message,
    ).toMatch(/negative padding/);
    expect(
      catchError(
        () =>
          lax.convGeneralDilated(np.ones([1, 4, 4, 4]), np.ones([3, 1, 3, 3]), [1, 1], "SAME", {
            featureGroupCount: 4,
          }),
        ShapeError,
      ).message,
    ).toMatch(/multiple of featureGroupCount 4/);
    expect(
      catchError(
        () =>
          lax.convGeneralDilated(np.ones([3, 1, 4, 4]), np.ones([2, 1, 3, 3]), [1, 1], "SAME", { batchGroupCount: 2 }),
        ShapeError,
      ).message,
    ).toMatch(/lhs batch dimension 3 must be a multiple of batchGroupCount 2/);
    expect(
      catchError(
        () => lax.convGeneralDilated(np.ones([1, 1, 4]), np.ones([1, 1, 3]), [1], "SAME", { lhsDilation: [2] }),
        TracegradError,
      ).message,
    ).toMatch(/convTranspose/);
  });
});
