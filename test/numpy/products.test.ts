// np.tensordot inner vdot vecdot matvec vecmat kron convolve correlate polyval interp vs plain-JS float64 loops.

import { grad, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, numGrad, rng, strides, unravel, valuesOf } from "../helpers.js";

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
function rand(r: () => number, shape: number[]): [Tensor, number[]] {
  const d = Array.from({ length: size(shape) }, () => Math.round((r() * 4 - 2) * 8) / 8);
  return [np.reshape(np.array(d, { dtype: "float64" }), shape), d];
}
const get = (d: number[], shape: number[], idx: number[]) => d[idx.reduce((o, x, k) => o + x * strides(shape)[k]!, 0)]!;

/** Σ over the paired axes of a[...]·b[...]; result axes: a's free then b's free. */
function refContract(a: number[], sa: number[], b: number[], sb: number[], axa: number[], axb: number[]) {
  const fa = sa.map((_, i) => i).filter((i) => !axa.includes(i));
  const fb = sb.map((_, i) => i).filter((i) => !axb.includes(i));
  const out = [...fa.map((i) => sa[i]!), ...fb.map((i) => sb[i]!)];
  const cs = axa.map((i) => sa[i]!);
  const vals = Array.from({ length: size(out) }, (_, flat) => {
    const oi = unravel(flat, out);
    let s = 0;
    for (let k = 0; k < size(cs); k++) {
      const ci = unravel(k, cs);
      const ia = sa.map((_, ax) => (axa.includes(ax) ? ci[axa.indexOf(ax)]! : oi[fa.indexOf(ax)]!));
      const ib = sb.map((_, ax) => (axb.includes(ax) ? ci[axb.indexOf(ax)]! : oi[fa.length + fb.indexOf(ax)]!));
      s += get(a, sa, ia) * get(b, sb, ib);
    }
    return s;
  });
  return [out, vals] as const;
}

function expectValues(t: Tensor, shape: number[], vals: number[], digits = 9) {
  expect(t.shape).toEqual(shape);
  const v = valuesOf(t);
  expect(v.length).toBe(vals.length);
  vals.forEach((x, i) => expect(v[i]).toBeCloseTo(x, digits));
}

describe("np.tensordot", () => {
  const r = rng(1);
  const [A, a] = rand(r, [2, 3, 4]);
  const [B, b] = rand(r, [3, 4, 5]);
  it("axes = 2 (default), 1 and 0", () => {
    expectValues(
      np.tensordot(A, B),
      ...(refContract(a, [2, 3, 4], b, [3, 4, 5], [1, 2], [0, 1]) as [number[], number[]]),
    );
    const [C, c] = rand(r, [4, 2]);
    expectValues(np.tensordot(A, C, 1), ...(refContract(a, [2, 3, 4], c, [4, 2], [2], [0]) as [number[], number[]]));
    expectValues(np.tensordot(A, C, 0), ...(refContract(a, [2, 3, 4], c, [4, 2], [], []) as [number[], number[]]));
  });
  it("axis pairs, negative axes and single ints", () => {
    const [D, d] = rand(r, [4, 5, 3]);
    expectValues(
      np.tensordot(A, D, [
        [1, 2],
        [2, 0],
      ]),
      ...(refContract(a, [2, 3, 4], d, [4, 5, 3], [1, 2], [2, 0]) as [number[], number[]]),
    );
    expectValues(
      np.tensordot(A, D, [-1, 0]),
      ...(refContract(a, [2, 3, 4], d, [4, 5, 3], [2], [0]) as [number[], number[]]),
    );
  });
  it("mismatched axes are ShapeErrors", () => {
    expect(catchError(() => np.tensordot(A, A), ShapeError).message).toMatch(/mismatch/);
    expect(catchError(() => np.tensordot(A, B, [[0], [0, 1]]), ShapeError).message).toMatch(/lengths/);
    expect(catchError(() => np.tensordot(A, B, 4), ShapeError).message).toMatch(/too few/);
    expect(catchError(() => np.tensordot(A, B, -1), TracegradError).message).toMatch(/axes/);
  });
});

describe("np.inner, np.vdot, np.vecdot", () => {
  const r = rng(2);
  it("inner contracts the last axes", () => {
    const [A, a] = rand(r, [2, 3]);
    const [B, b] = rand(r, [4, 3]);
    expectValues(np.inner(A, B), ...(refContract(a, [2, 3], b, [4, 3], [1], [1]) as [number[], number[]]));
    expect(np.inner([1, 2, 3], [0, 1, 0]).toArray()).toBe(2);
    expect(np.inner(2, [1, 2]).toArray()).toEqual([2, 4]);
  });
  it("vdot flattens", () => {
    expect(
      np
        .vdot(
          [
            [1, 2],
            [3, 4],
          ],
          [4, 3, 2, 1],
        )
        .toArray(),
    ).toBe(20);
    expect(catchError(() => np.vdot([1, 2], [1, 2, 3]), ShapeError).message).toMatch(/same size/);
  });
  it("vecdot along an axis, broadcasting", () => {
    const [X, x] = rand(r, [2, 3, 4]);
    const [Y, y] = rand(r, [3, 4]);
    const ref = (axis: number) => {
      const sh = [2, 3, 4];
      const out = sh.filter((_, i) => i !== axis);
      return Array.from({ length: size(out) }, (_, f) => {
        const oi = unravel(f, out);
        let s = 0;
        for (let k = 0; k < sh[axis]!; k++) {
          const idx = [...oi.slice(0, axis), k, ...oi.slice(axis)];
          s += get(x, sh, idx) * get(y, [3, 4], idx.slice(1));
        }
        return s;
      });
    };
    expectValues(np.vecdot(X, Y), [2, 3], ref(2));
    expectValues(np.vecdot(X, Y, { axis: 1 }), [2, 4], ref(1));
    expectValues(np.vecdot(X, Y, -2), [2, 4], ref(1));
  });
});

describe("np.matvec, np.vecmat", () => {
  const r = rng(3);
  it("batched, broadcasting", () => {
    const [M, m] = rand(r, [2, 3, 4]);
    const [V, v] = rand(r, [4]);
    const mv = Array.from({ length: 6 }, (_, f) => {
      const [bi, i] = unravel(f, [2, 3]) as [number, number];
      let s = 0;
      for (let k = 0; k < 4; k++) s += get(m, [2, 3, 4], [bi, i, k]) * v[k]!;
      return s;
    });
    expectValues(np.matvec(M, V), [2, 3], mv);
    const [W, w] = rand(r, [2, 3]);
    const vm = Array.from({ length: 8 }, (_, f) => {
      const [bi, j] = unravel(f, [2, 4]) as [number, number];
      let s = 0;
      for (let k = 0; k < 3; k++) s += get(w, [2, 3], [bi, k]) * get(m, [2, 3, 4], [bi, k, j]);
      return s;
    });
    expectValues(np.vecmat(W, M), [2, 4], vm);
    expect(catchError(() => np.matvec([1, 2], [1, 2]), ShapeError).message).toMatch(/matrix/);
  });
});

describe("np.kron", () => {
  it("as NumPy's block definition", () => {
    const r = rng(4);
    const [A, a] = rand(r, [2, 3]);
    const [B, b] = rand(r, [4, 2]);
    const vals = Array.from({ length: 48 }, (_, f) => {
      const [i, j] = unravel(f, [8, 6]) as [number, number];
      return get(a, [2, 3], [Math.floor(i / 4), Math.floor(j / 2)]) * get(b, [4, 2], [i % 4, j % 2]);
    });
    expectValues(np.kron(A, B), [8, 6], vals);
    expect(np.kron([1, 10], [1, 2]).toArray()).toEqual([1, 2, 10, 20]);
    // ranks padded with leading 1s
    expect(np.kron([1, 2], [[1], [3]]).toArray()).toEqual([
      [1, 2],
      [3, 6],
    ]);
  });
});

/** Full correlation c[k] = Σ_j a[j + k − (m − 1)] v[j], then NumPy's slicing per mode. */
function refCorrelate(a: number[], v: number[], mode: string, conv: boolean): number[] {
  const vv = conv ? [...v].reverse() : v;
  const [n, m] = [a.length, v.length];
  const full = Array.from({ length: n + m - 1 }, (_, k) => {
    let s = 0;
    for (let j = 0; j < m; j++) {
      const i = j + k - (m - 1);
      if (i >= 0 && i < n) s += a[i]! * vv[j]!;
    }
    return s;
  });
  const [kk, L] = [Math.min(n, m), Math.max(n, m)];
  if (mode === "full") return full;
  if (mode === "valid") return full.slice(kk - 1, L);
  const start = conv ? Math.floor((kk - 1) / 2) : n >= m ? Math.floor((m - 1) / 2) : Math.floor(n / 2);
  return full.slice(start, start + L);
}

describe("np.convolve, np.correlate", () => {
  it("every mode and length pairing (NumPy's centring)", () => {
    const r = rng(5);
    for (let n = 1; n <= 6; n++)
      for (let m = 1; m <= 6; m++) {
        const [A, a] = rand(r, [n]);
        const [V, v] = rand(r, [m]);
        for (const mode of ["full", "same", "valid"] as const) {
          const c = refCorrelate(a, v, mode, true);
          expectValues(np.convolve(A, V, mode), [c.length], c);
          const k = refCorrelate(a, v, mode, false);
          expectValues(np.correlate(A, V, { mode }), [k.length], k);
        }
      }
  });
  it("defaults: convolve full, correlate valid", () => {
    expect(np.convolve([1, 2, 3], [0, 1, 0.5]).toArray()).toEqual([0, 1, 2.5, 4, 1.5]);
    expect(np.correlate([1, 2, 3], [0, 1, 0.5]).toArray()).toEqual([3.5]);
    // NumPy: np.correlate([1, 2, 3], [0, 1, 0.5, 2, 7], "same") == [16, 25.5, 8, 3.5, 3]
    expect(np.correlate([1, 2, 3], [0, 1, 0.5, 2, 7], "same").toArray()).toEqual([16, 25.5, 8, 3.5, 3]);
  });
  it("needs non-empty 1-D arrays", () => {
    expect(catchError(() => np.convolve([[1]], [1]), ShapeError).message).toMatch(/1-D/);
    expect(catchError(() => np.convolve([], [1]), ShapeError).message).toMatch(/empty/);
    expect(catchError(() => np.convolve([1], [1], "wide" as "full"), TracegradError).message).toMatch(/mode/);
  });
});

describe("np.polyval", () => {
  it("Horner's rule, highest power first", () => {
    expect(np.polyval([1, 0, -1], [2, 3]).toArray()).toEqual([3, 8]);
    const p = [0.5, -1, 2, 3];
    const xs = [-1.5, 0, 0.25, 2];
    expectValues(
      np.polyval(np.array(p, "float64"), np.array(xs, "float64")),
      [4],
      xs.map((x) => p.reduce((y, c) => y * x + c, 0)),
    );
    expect(np.polyval([], [1, 2]).toArray()).toEqual([0, 0]);
    expect(np.polyval([2, 1], 3).toArray()).toBe(7);
  });
});

/** NumPy's interp by a linear scan. */
function refInterp(x: number, xp: number[], fp: number[], left?: number, right?: number): number {
  if (x < xp[0]!) return left ?? fp[0]!;
  if (x > xp.at(-1)!) return right ?? fp.at(-1)!;
  for (let i = 1; i < xp.length; i++)
    if (x <= xp[i]!) return fp[i - 1]! + ((x - xp[i - 1]!) / (xp[i]! - xp[i - 1]!)) * (fp[i]! - fp[i - 1]!);
  return fp.at(-1)!;
}

describe("np.interp", () => {
  const xp = [0, 1, 2.5, 4];
  const fp = [1, 3, 2, -1];
  const xs = [-1, 0, 0.3, 1, 2, 2.5, 3.9, 4, 7];
  it("inside, at the knots and outside", () => {
    expectValues(
      np.interp(np.array(xs, "float64"), xp, fp),
      [xs.length],
      xs.map((x) => refInterp(x, xp, fp)),
    );
    expectValues(
      np.interp(np.array(xs, "float64"), xp, fp, { left: -10, right: 10 }),
      [xs.length],
      xs.map((x) => refInterp(x, xp, fp, -10, 10)),
    );
    expect(np.interp(1.5, [1, 2], [10, 20]).toArray()).toBe(15);
    expect(np.interp([0, 5, 9], [5], [2]).toArray()).toEqual([2, 2, 2]);
  });
  it("period wraps x and xp (NumPy: interp([-1, 0.5, 5], [0, 1, 2], [1, 2, 4], period=3) = [4, 1.5, 4])", () => {
    expectClose(np.interp([-1, 0.5, 5], [0, 1, 2], [1, 2, 4], { period: 3 }), [4, 1.5, 4]);
    expectClose(np.interp([370, -10, 185], [350, 10, 180], [0.5, 1, 0], { period: 360 }), [1, 0.5, (0.5 * 5) / 170]);
  });
  it("checks its arguments", () => {
    expect(catchError(() => np.interp([1], [1, 2], [1]), ShapeError).message).toMatch(/same length/);
    expect(catchError(() => np.interp([1], [1, 2], [1, 2], { period: 0 }), ShapeError).message).toMatch(/period/);
  });
});

describe("products: transforms", () => {
  it("gradients match central differences", () => {
    const r = rng(9);
    const [, a] = rand(r, [6]);
    const [K] = rand(r, [3]);
    const [M] = rand(r, [2, 3, 6]);
    const cases: ((x: Tensor) => Tensor)[] = [
      (x) => np.sum(np.square(np.convolve(x, K, "same"))),
      (x) => np.sum(np.sin(np.correlate(x, K, "full"))),
      (x) => np.sum(np.square(np.tensordot(M, x, 1))),
      (x) => np.sum(np.square(np.kron(x, K))),
      (x) => np.sum(np.square(np.polyval(x, np.array([0.3, -0.7], "float64")))),
      (x) => np.sum(np.square(np.interp(x, np.array([-2, 0, 1, 2], "float64"), np.array([1, 0, 2, 3], "float64")))),
      (x) => np.sum(np.interp(np.array([-0.3, 0.2, 0.9], "float64"), np.array([-1, 0, 0.5, 1, 1.5, 2], "float64"), x)),
      (x) => np.sum(np.square(np.vecdot(np.reshape(x, [2, 3]), K))),
    ];
    for (const f of cases) {
      const x = np.array(a, { dtype: "float64" });
      expectClose(grad(f)(x), numGrad(f, a, [6]), { rtol: 1e-5, atol: 1e-6 });
    }
  });
  it("jit and vmap agree with eager", () => {
    const r = rng(10);
    const [X] = rand(r, [4, 7]);
    const [K] = rand(r, [3]);
    const row = (t: Tensor, i: number) => np.reshape(np.slice(t, [i, 0], [i + 1, t.shape[1]!]), [t.shape[1]!]);
    const fs: ((x: Tensor) => Tensor)[] = [
      (x) => np.convolve(x, K, "same"),
      (x) => np.correlate(x, K),
      (x) => np.interp(x, np.array([-1, 0, 1], "float64"), np.array([0, 2, 1], "float64")),
      (x) => np.polyval(K, x),
      (x) => np.kron(x, K),
      (x) => np.inner(x, x),
      (x) => np.tensordot(x, x, 1),
    ];
    for (const f of fs) {
      const eager = [0, 1, 2, 3].map((i) => f(row(X, i)).toArray());
      expectClose(vmap(f)(X), eager as number[][], { rtol: 1e-12, atol: 1e-12 });
      expectClose(jit(f)(row(X, 1)), eager[1] as number[], { rtol: 1e-12, atol: 1e-12 });
    }
  });
});
