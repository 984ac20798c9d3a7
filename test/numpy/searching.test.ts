// np's searching: searchsorted, lexsort, and the functions whose output size depends on the values (nonzero,
// argwhere, flatnonzero, one-argument where, unique) with { size, fillValue }. Values against plain-JS references with
// NumPy's conventions (NaN sorts last), padding and truncation, the typed error under jit/vmap without size, and
// agreement under jit and vmap with size.

import { ConcretizationError, grad, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, f64, i32, rng } from "../helpers.js";

/** The values of `t` in C order (a flat list), after checking its shape. */
const valuesOfShape = (t: Tensor, shape: number[]): number[] => {
  expect(t.shape).toEqual(shape);
  return Array.from(t.toTypedArray());
};
const randInts = (n: number, seed: number, lo: number, hi: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r()));
};
/** NumPy's sort order: NaN last. */
const cmp = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);
const lessTotal = (a: number, b: number) => cmp(a, b) < 0;

// ---------------------------------------------------------------- references
const refSearch = (a: number[], v: number, side: "left" | "right") =>
  side === "left" ? a.filter((x) => lessTotal(x, v)).length : a.filter((x) => !lessTotal(v, x)).length;
const refNonzero = (flat: number[]) => flat.flatMap((x, i) => (x !== 0 ? [i] : []));
const pad = (xs: number[], size: number, fill: number) =>
  Array.from({ length: size }, (_, i) => (i < xs.length ? xs[i]! : fill));
function refUnique(xs: number[]) {
  const order = xs.map((_, i) => i).sort((i, j) => cmp(xs[i]!, xs[j]!) || i - j);
  const values: number[] = [];
  const index: number[] = [];
  const counts: number[] = [];
  const inverse = new Array<number>(xs.length);
  for (const i of order) {
    const v = xs[i]!;
    const last = values[values.length - 1];
    if (values.length === 0 || !(last === v || (Number.isNaN(last!) && Number.isNaN(v)))) {
      values.push(v);
      index.push(i);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[i] = values.length - 1;
  }
  return { values, index, inverse, counts };
}
const arr = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

const METHODS = ["scan", "scan_unrolled", "sort", "compare_all"] as const;

describe("np.searchsorted", () => {
  it("matches a counting reference, both sides, with duplicates, NaN and ±Inf", () => {
    const a = [-Infinity, -1, 0, 0, 2, 2, 2, 5, Infinity, NaN, NaN];
    const v = [-Infinity, -2, -1, 0, 1, 2, 3, 5, 6, Infinity, NaN, -0];
    for (const method of METHODS)
      for (const side of ["left", "right"] as const) {
        const got = np.searchsorted(f64(a), f64(v), { side, method });
        expect(got.dtype).toBe("int32");
        expect(arr(got), `${side} ${method}`).toEqual(v.map((x) => refSearch(a, x, side)));
      }
  });
  it("random sorted arrays of many lengths (including 0 and 1)", () => {
    for (let n = 0; n < 20; n++) {
      const a = randInts(n, n + 1, -5, 5).sort((x, y) => x - y);
      const v = randInts(15, 100 + n, -7, 7);
      for (const method of METHODS)
        for (const side of ["left", "right"] as const)
          expect(arr(np.searchsorted(i32(a), i32(v), { side, method })), `n=${n} ${side} ${method}`).toEqual(
            v.map((x) => refSearch(a, x, side)),
          );
    }
  });
  it("keeps v's shape (0-d and 2-D), and the default side is left", () => {
    expect(np.searchsorted([1, 2, 3], 2).toArray()).toBe(1);
    expect(
      np
        .searchsorted(
          [1, 2, 3],
          [
            [0, 3],
            [2, 4],
          ],
        )
        .toArray(),
    ).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
  it("sorter: searches a through the permutation", () => {
    const a = [3, 1, 2, 5];
    const sorter = np.argsort(a);
    expect(arr(np.searchsorted(a, [0, 2, 4, 6], { sorter }))).toEqual([0, 1, 3, 4]);
    expect(arr(np.searchsorted(a, [2], { side: "right", sorter: [1, 2, 0, 3] }))).toEqual([2]);
  });
  it("works under jit and vmap (over v and over a)", () => {
    const a = f64([1, 2, 2, 4]);
    const v = f64([0, 2, 3, 9]);
    const want = arr(np.searchsorted(a, v));
    expect(arr(jit((x: Tensor, y: Tensor) => np.searchsorted(x, y))(a, v))).toEqual(want);
    expect(arr(vmap((y: Tensor) => np.searchsorted(a, y))(v))).toEqual(want);
    const as = f64([
      [1, 2, 3],
      [0, 10, 20],
    ]);
    expect(vmap((x: Tensor) => np.searchsorted(x, 2.5))(as).toArray()).toEqual([2, 1]);
    for (const method of METHODS) {
      const f = (x: Tensor, y: Tensor) => np.searchsorted(x, y, { method, side: "right" });
      const right = arr(np.searchsorted(a, v, { side: "right" }));
      expect(arr(jit(f)(a, v)), method).toEqual(right);
      expect(arr(vmap((y: Tensor) => f(a, y))(v)), method).toEqual(right);
      expect(vmap((x: Tensor) => f(x, f64(2)))(as).toArray(), method).toEqual([2, 1]);
    }
  });
  it("errors: a must be 1-D; side must be left or right", () => {
    catchError(() => np.searchsorted([[1, 2]], 1), ShapeError);
    catchError(() => np.searchsorted([1, 2], 1, { side: "middle" as never }), TracegradError);
    expect(catchError(() => np.searchsorted([1, 2], 1, { method: "bisect" as never }), TracegradError).message).toMatch(
      /method/,
    );
  });
});

describe("np.lexsort", () => {
  it("the last key is primary, stable, matching a JS sort", () => {
    const k0 = randInts(30, 1, 0, 3);
    const k1 = randInts(30, 2, 0, 3);
    const want = k0.map((_, i) => i).sort((i, j) => k1[i]! - k1[j]! || k0[i]! - k0[j]! || i - j);
    expect(arr(np.lexsort([i32(k0), i32(k1)]))).toEqual(want);
    expect(arr(np.lexsort([k0, k1]))).toEqual(want);
    expect(arr(np.lexsort(i32([k0, k1])))).toEqual(want);
  });
  it("one 1-D key is an argsort; keys of mixed dtypes; NaN last", () => {
    expect(arr(np.lexsort([3, 1, 2]))).toEqual([1, 2, 0]);
    expect(arr(np.lexsort([f64([NaN, 1, 1]), np.array([true, false, false])]))).toEqual([1, 2, 0]);
  });
  it("axis, and under vmap", () => {
    const k = i32([
      [2, 1],
      [0, 3],
    ]);
    expect(np.lexsort([k], { axis: 0 }).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(vmap((x: Tensor) => np.lexsort([x]))(k).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
  it("errors: keys of different shapes", () => {
    catchError(() => np.lexsort([np.array([1, 2]), np.array([1, 2, 3])]), ShapeError);
  });
});

describe("np.nonzero, argwhere, flatnonzero and one-argument where", () => {
  const x = [
    [0, 1, 0],
    [2, 0, NaN],
  ];
  const flat = x.flat();
  const nz = refNonzero(flat);
  it("eager, without size: the true count", () => {
    const [r, c] = np.nonzero(x);
    expect(arr(r!)).toEqual(nz.map((i) => Math.floor(i / 3)));
    expect(arr(c!)).toEqual(nz.map((i) => i % 3));
    expect(r!.dtype).toBe("int32");
    expect(np.argwhere(x).toArray()).toEqual(nz.map((i) => [Math.floor(i / 3), i % 3]));
    expect(arr(np.flatnonzero(x))).toEqual(nz);
    expect(np.where(x).map(arr)).toEqual(np.nonzero(x).map(arr));
    expect(arr(np.nonzero([true, false, true])[0]!)).toEqual([0, 2]);
  });
  it("size pads with fillValue (default 0) and truncates", () => {
    expect(np.nonzero(x, { size: 5 }).map(arr)).toEqual([
      [0, 1, 1, 0, 0],
      [1, 0, 2, 0, 0],
    ]);
    expect(np.nonzero(x, { size: 4, fillValue: -1 }).map(arr)).toEqual([
      [0, 1, 1, -1],
      [1, 0, 2, -1],
    ]);
    expect(np.nonzero(x, { size: 2 }).map(arr)).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(arr(np.flatnonzero(x, { size: 6, fillValue: 9 }))).toEqual(pad(nz, 6, 9));
    expect(np.argwhere(x, { size: 4, fillValue: 7 }).toArray()).toEqual([
      [0, 1],
      [1, 0],
      [1, 2],
      [7, 7],
    ]);
    expect(np.where(x, { size: 1 }).map(arr)).toEqual([[0], [1]]);
  });
  it("random arrays against the reference", () => {
    for (let s = 0; s < 10; s++) {
      const v = randInts(12, s, -1, 2);
      expect(arr(np.flatnonzero(v))).toEqual(refNonzero(v));
      expect(arr(np.flatnonzero(v, { size: 8, fillValue: -3 }))).toEqual(pad(refNonzero(v), 8, -3));
    }
  });
  it("empty, all-zero and 0-d inputs", () => {
    expect(np.nonzero(np.zeros([0, 2])).map(arr)).toEqual([[], []]);
    expect(arr(np.flatnonzero([0, 0], { size: 2, fillValue: -1 }))).toEqual([-1, -1]);
    expect(np.argwhere(5).shape).toEqual([1, 0]);
    expect(np.argwhere(0).shape).toEqual([0, 0]);
    expect(arr(np.flatnonzero(3))).toEqual([0]);
    catchError(() => np.nonzero(3), ShapeError);
  });
  it("under jit or vmap without size: a ConcretizationError that says to pass size", () => {
    for (const f of [
      (t: Tensor) => np.nonzero(t)[0]!,
      (t: Tensor) => np.argwhere(t),
      (t: Tensor) => np.flatnonzero(t),
      (t: Tensor) => np.where(t)[0]!,
      (t: Tensor) => np.unique(t) as Tensor,
    ]) {
      expect(catchError(() => jit(f)(np.array([1, 0, 2])), ConcretizationError).message).toMatch(/size/);
      expect(catchError(() => vmap(f)(np.array([[1, 0, 2]])), ConcretizationError).message).toMatch(/size/);
    }
  });
  it("under jit and vmap with size; under grad without size (the values are known)", () => {
    const a = f64([
      [0, 3, 0, 1],
      [5, 0, 0, 0],
    ]);
    const f = (t: Tensor) => np.flatnonzero(t, { size: 3, fillValue: -1 });
    expect(arr(jit(f)(a.reshape([8])))).toEqual([1, 3, 4]);
    expect(vmap(f)(a).toArray()).toEqual([
      [1, 3, -1],
      [0, -1, -1],
    ]);
    expect(vmap((t: Tensor) => np.argwhere(t, { size: 2 }))(a).toArray()).toEqual([
      [[1], [3]],
      [[0], [0]],
    ]);
    const g = grad((t: Tensor) => np.sum(np.take(t, np.flatnonzero(t))))(f64([0, 2, 3]));
    expect(g.toArray()).toEqual([0, 1, 1]);
  });
  it("three-argument where is unchanged; mixing forms is an error", () => {
    expect(np.where([true, false], [1, 2], [3, 4]).toArray()).toEqual([1, 4]);
    catchError(() => np.where([true], [1] as never), TracegradError);
    catchError(() => np.where([true], { size: 1 } as never, [1] as never), TracegradError);
    catchError(() => np.where([true], { sizes: 1 } as never), TracegradError);
  });
});

describe("np.unique", () => {
  it("sorted distinct values with index, inverse and counts, against the reference (NaN last, one NaN)", () => {
    for (let s = 0; s < 8; s++) {
      const xs = randInts(15, s + 30, -3, 4).map((v) => (v === 3 ? NaN : v));
      const want = refUnique(xs);
      const [values, index, inverse, counts] = np.unique(f64(xs), {
        returnIndex: true,
        returnInverse: true,
        returnCounts: true,
      }) as Tensor[];
      expect(arr(values!)).toEqual(want.values);
      expect(arr(index!)).toEqual(want.index);
      expect(arr(inverse!)).toEqual(want.inverse);
      expect(arr(counts!)).toEqual(want.counts);
      expect(arr(np.unique(f64(xs)) as Tensor)).toEqual(want.values);
    }
  });
  it("equalNan: false keeps every NaN; −0 equals +0", () => {
    expect(arr(np.unique([NaN, 1, NaN], { equalNan: false }) as Tensor)).toEqual([1, NaN, NaN]);
    expect(arr(np.unique([0, -0, 1]) as Tensor)).toEqual([0, 1]);
  });
  it("flattens, and the inverse has the input's shape", () => {
    const [v, inv] = np.unique(
      [
        [2, 1],
        [1, 3],
      ],
      { returnInverse: true },
    ) as Tensor[];
    expect(arr(v!)).toEqual([1, 2, 3]);
    expect(inv!.toArray()).toEqual([
      [1, 0],
      [0, 2],
    ]);
  });
  it("size pads (default fill: the smallest value; counts 0) and truncates", () => {
    expect(arr(np.unique([3, 1, 3], { size: 4 }) as Tensor)).toEqual([1, 3, 1, 1]);
    const [v, i, c] = np.unique([3, 1, 3], {
      size: 4,
      fillValue: -9,
      returnIndex: true,
      returnCounts: true,
    }) as Tensor[];
    expect(arr(v!)).toEqual([1, 3, -9, -9]);
    expect(arr(i!)).toEqual([1, 0, 1, 1]);
    expect(arr(c!)).toEqual([1, 2, 0, 0]);
    const [tv, tc] = np.unique([5, 1, 3, 1], { size: 2, returnCounts: true }) as Tensor[];
    expect(arr(tv!)).toEqual([1, 3]);
    expect(arr(tc!)).toEqual([2, 1]);
  });
  it("axis: the distinct slices in lexicographic order, against a reference on row keys", () => {
    /** Unique rows of a list of rows: lexicographic (NaN last per element), first index, inverse, counts. */
    const refRows = (rows: number[][]) => {
      const cmpRows = (a: number[], b: number[]) => {
        for (let k = 0; k < a.length; k++) if (cmp(a[k]!, b[k]!) !== 0) return cmp(a[k]!, b[k]!);
        return 0;
      };
      const order = rows.map((_, i) => i).sort((i, j) => cmpRows(rows[i]!, rows[j]!) || i - j);
      const values: number[][] = [];
      const index: number[] = [];
      const counts: number[] = [];
      const inverse = new Array<number>(rows.length);
      for (const i of order) {
        if (!values.length || cmpRows(values[values.length - 1]!, rows[i]!) !== 0) {
          values.push(rows[i]!);
          index.push(i);
          counts.push(0);
        }
        counts[counts.length - 1]!++;
        inverse[i] = values.length - 1;
      }
      return { values, index, inverse, counts };
    };
    for (let s = 0; s < 6; s++) {
      // [4, 9, 2] with few distinct values, so slices repeat; NaN entries too
      const flat = randInts(72, s + 50, 0, 2).map((v, i) => (i % 17 === 0 ? NaN : v));
      const t = np.reshape(f64(flat), [4, 9, 2]);
      // axis 1: slices t[:, j, :], flattened in C order
      const slices = Array.from({ length: 9 }, (_, j) =>
        [0, 1, 2, 3].flatMap((i) => [0, 1].map((k) => flat[i * 18 + j * 2 + k]!)),
      );
      const want = refRows(slices);
      for (const axis of [1, -2]) {
        const [v, idx, inv, cnt] = np.unique(t, {
          axis,
          returnIndex: true,
          returnInverse: true,
          returnCounts: true,
        }) as Tensor[];
        const u = want.values.length;
        expect(v!.shape).toEqual([4, u, 2]);
        const got = valuesOfShape(v!, [4, u, 2]);
        const gotSlices = Array.from({ length: u }, (_, j) =>
          [0, 1, 2, 3].flatMap((i) => [0, 1].map((k) => got[i * u * 2 + j * 2 + k]!)),
        );
        expect(gotSlices).toEqual(want.values);
        expect(arr(idx!)).toEqual(want.index);
        expect(arr(inv!)).toEqual(want.inverse);
        expect(arr(cnt!)).toEqual(want.counts);
      }
    }
  });
  it("axis: rows of a matrix, size and fillValue, jit and vmap, errors", () => {
    const M = [
      [1, 2],
      [0, 5],
      [1, 2],
      [1, -1],
    ];
    expect((np.unique(M, { axis: 0 }) as Tensor).toArray()).toEqual([
      [0, 5],
      [1, -1],
      [1, 2],
    ]);
    // columns
    expect(
      (
        np.unique(
          [
            [3, 1, 3],
            [4, 2, 4],
          ],
          { axis: 1 },
        ) as Tensor
      ).toArray(),
    ).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const f = (t: Tensor) => np.unique(t, { axis: 0, size: 4, fillValue: 7, returnCounts: true }) as Tensor[];
    const [v, c] = jit(f)(f64(M));
    expect(v!.toArray()).toEqual([
      [0, 5],
      [1, -1],
      [1, 2],
      [7, 7],
    ]);
    expect(arr(c!)).toEqual([1, 1, 2, 0]);
    const [bv] = vmap(f)(f64([M, M.map((r) => r.map((x) => 0 - x + 0))]));
    expect(bv!.shape).toEqual([2, 4, 2]);
    expect((bv!.toArray() as number[][][])[1]).toEqual([
      [-1, -2],
      [-1, 1],
      [0, -5],
      [7, 7],
    ]);
    // slices of zero elements are all equal: one of them
    expect((np.unique(np.zeros([3, 0]), { axis: 0 }) as Tensor).shape).toEqual([1, 0]);
    catchError(() => np.unique(5, { axis: 0 }), ShapeError);
    catchError(() => np.unique(M, { axis: 2 }), TracegradError);
  });
  it("empty input", () => {
    expect(arr(np.unique([]) as Tensor)).toEqual([]);
    expect(arr(np.unique([], { size: 2, fillValue: 4 }) as Tensor)).toEqual([4, 4]);
  });
  it("under jit and vmap with size", () => {
    const a = i32([
      [3, 1, 3, 2],
      [7, 7, 7, 7],
    ]);
    const f = (t: Tensor) => np.unique(t, { size: 3, fillValue: 0, returnCounts: true }) as Tensor[];
    const [v, c] = vmap(f)(a);
    expect(v!.toArray()).toEqual([
      [1, 2, 3],
      [7, 0, 0],
    ]);
    expect(c!.toArray()).toEqual([
      [1, 1, 2],
      [4, 0, 0],
    ]);
    const [jv] = jit(f)(a.reshape([8]));
    expect(arr(jv!)).toEqual([1, 2, 3]);
  });
});
