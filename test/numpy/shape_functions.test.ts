// The wave-2 shape functions (src/numpy/shape.ts, shape_index.ts): values against plain-JS references (small JS
// implementations and NumPy's outputs written out as nested arrays), NumPy's argument forms, 0-d and empty inputs,
// gradients, jit/vmap agreement, and typed errors.
import { checkGrads, grad, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, f64, i32, type Nested } from "../helpers.js";

const A = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
];
const a = () => f64(A);
const shapes = (ts: Tensor[]) => ts.map((t) => [...t.shape]);
const arrays = (ts: Tensor[]) => ts.map((t) => t.toArray());

// plain-JS references
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const roll1 = (xs: number[], s: number) => xs.map((_, i) => xs[(((i - s) % xs.length) + xs.length) % xs.length]!);
const repeat1 = (xs: number[], counts: number[]) => xs.flatMap((v, i) => Array<number>(counts[i]!).fill(v));
const transpose2 = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));

describe("reordering: ravel flatten swapaxes moveaxis flip fliplr flipud matrixTranspose", () => {
  it("values and shapes", () => {
    expectTensor(np.ravel(a()), range(12));
    expectTensor(np.flatten(a()), range(12));
    expectTensor(np.ravel(5), [5]);
    expectTensor(np.swapaxes(a(), 0, -1), transpose2(A));
    expect(np.swapaxes(np.zeros([2, 3, 4]), -3, 2).shape).toEqual([4, 3, 2]);
    expect(np.moveaxis(np.zeros([2, 3, 4, 5]), [0, 1], [-1, 0]).shape).toEqual([3, 4, 5, 2]);
    expect(np.moveaxis(np.zeros([2, 3, 4]), 0, -1).shape).toEqual([3, 4, 2]);
    expectTensor(np.flip(a()), A.map((r) => [...r].reverse()).reverse());
    expectTensor(
      np.flip(a(), 1),
      A.map((r) => [...r].reverse()),
    );
    expectTensor(np.flip(a(), { axis: [0] }), [...A].reverse());
    expectTensor(
      np.fliplr(a()),
      A.map((r) => [...r].reverse()),
    );
    expectTensor(np.flipud(a()), [...A].reverse());
    expectTensor(np.flip(7), 7);
    expectTensor(np.matrixTranspose(a()), transpose2(A));
    expect(np.matrixTranspose(np.zeros([5, 2, 3])).shape).toEqual([5, 3, 2]);
  });

  it("errors", () => {
    catchError(() => np.fliplr([1, 2]), ShapeError);
    catchError(() => np.flipud(3), ShapeError);
    catchError(() => np.matrixTranspose([1, 2]), ShapeError);
    catchError(() => np.moveaxis(np.zeros([2, 3]), [0, 1], [0]), ShapeError);
    catchError(() => np.swapaxes(a(), 0, 2), ShapeError);
  });
});

describe("roll, rot90", () => {
  it("roll: flat, per axis, tuple shifts, negative and large shifts, empty", () => {
    for (const s of [0, 1, -1, 3, 13, -14]) expectTensor(np.roll(f64(range(5)), s), roll1(range(5), s));
    expectTensor(np.roll(a(), 5), [
      [7, 8, 9, 10],
      [11, 0, 1, 2],
      [3, 4, 5, 6],
    ]);
    expectTensor(np.roll(a(), [1, -2], [0, 1]), [
      [10, 11, 8, 9],
      [2, 3, 0, 1],
      [6, 7, 4, 5],
    ]);
    expectTensor(
      np.roll(a(), 1, { axis: -1 }),
      A.map((r) => roll1(r, 1)),
    );
    expectTensor(
      np.roll(a(), [1, 2], 1),
      A.map((r) => roll1(r, 3)),
    ); // shifts broadcast against one axis add
    expect(np.roll(np.zeros([0, 3]), 2, 0).shape).toEqual([0, 3]);
    expectTensor(np.roll(4, 3), 4);
  });

  it("rot90: k = 0…3, negative k, other axes", () => {
    expectTensor(np.rot90(a()), [
      [3, 7, 11],
      [2, 6, 10],
      [1, 5, 9],
      [0, 4, 8],
    ]);
    const k3 = [
      [8, 4, 0],
      [9, 5, 1],
      [10, 6, 2],
      [11, 7, 3],
    ];
    expectTensor(np.rot90(a(), 3), k3);
    expectTensor(np.rot90(a(), -1), k3);
    expectTensor(np.rot90(a(), 1, [1, 0]), k3);
    expectTensor(np.rot90(a(), { k: 2 }), A.map((r) => [...r].reverse()).reverse());
    expectTensor(np.rot90(a(), 4), A);
    catchError(() => np.rot90([1, 2]), ShapeError);
    catchError(() => np.rot90(a(), 1, [0, 0]), ShapeError);
  });
});

describe("tile, repeat", () => {
  it("tile: reps shorter, equal and longer than the rank; 0-d; zero reps", () => {
    expectTensor(np.tile(f64([1, 2]), 2), [1, 2, 1, 2]);
    expectTensor(np.tile(f64([[1, 2]]), [2, 1, 3]), [[[1, 2, 1, 2, 1, 2]], [[1, 2, 1, 2, 1, 2]]]);
    expectTensor(
      np.tile(a(), [2]),
      A.map((r) => [...r, ...r]),
    );
    expectTensor(np.tile(3, [2, 2]), [
      [3, 3],
      [3, 3],
    ]);
    expect(np.tile(a(), [0, 1]).shape).toEqual([0, 4]);
  });

  it("repeat: a count, per-element counts, no axis flattens, empty", () => {
    expectTensor(np.repeat(f64([1, 2]), 2), [1, 1, 2, 2]);
    expectTensor(np.repeat(a(), 2), repeat1(range(12), Array(12).fill(2)));
    expectTensor(np.repeat(a(), [1, 0, 2], 0), [A[0]!, A[2]!, A[2]!]);
    expectTensor(
      np.repeat(a(), [1, 0, 2, 1], { axis: -1 }),
      A.map((r) => repeat1(r, [1, 0, 2, 1])),
    );
    expectTensor(np.repeat(a(), [3], 0), [A[0]!, A[0]!, A[0]!, A[1]!, A[1]!, A[1]!, A[2]!, A[2]!, A[2]!]);
    expectTensor(np.repeat(5, 3), [5, 5, 5]);
    expect(np.repeat(a(), 0, 1).shape).toEqual([3, 0]);
    catchError(() => np.repeat(a(), [1, 2], 0), ShapeError);
    catchError(() => np.repeat(a(), -1), TracegradError);
  });
});

describe("pad", () => {
  const x = () => f64([1, 2, 3]);
  it("every mode in 1-D, widths (2, 5) — wider than the array", () => {
    const expected: Record<string, number[]> = {
      constant: [0, 0, 1, 2, 3, 0, 0, 0, 0, 0],
      edge: [1, 1, 1, 2, 3, 3, 3, 3, 3, 3],
      reflect: [3, 2, 1, 2, 3, 2, 1, 2, 3, 2],
      symmetric: [2, 1, 1, 2, 3, 3, 2, 1, 1, 2],
      wrap: [2, 3, 1, 2, 3, 1, 2, 3, 1, 2],
      maximum: [3, 3, 1, 2, 3, 3, 3, 3, 3, 3],
      minimum: [1, 1, 1, 2, 3, 1, 1, 1, 1, 1],
      mean: [2, 2, 1, 2, 3, 2, 2, 2, 2, 2],
      linear_ramp: [0, 0.5, 1, 2, 3, 2.4, 1.8, 1.2, 0.6, 0],
    };
    for (const [mode, e] of Object.entries(expected))
      expectClose(np.pad(x(), [2, 5], mode as "edge"), e, { rtol: 1e-12, atol: 1e-12 });
    expectTensor(np.pad(x(), 5, "reflect"), [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]);
    expectTensor(np.pad(f64([1, 2]), 5, { mode: "symmetric" }), [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it("a mode function fills each padded vector (NumPy's pad_with example), under jit and grad", () => {
    // fills both padded ends with a value, as NumPy's documentation example with padder=10
    const padWith =
      (value: number) =>
      (v: Tensor, [lo, hi]: [number, number]): Tensor => {
        const n = v.shape[0]!;
        const i = np.arange(n);
        return np.where(np.logicalOr(np.less(i, lo), np.greaterEqual(i, n - hi)), value, v);
      };
    const m = f64([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const want = [
      [10, 10, 10, 10, 10, 10, 10],
      [10, 10, 10, 10, 10, 10, 10],
      [10, 10, 0, 1, 2, 10, 10],
      [10, 10, 3, 4, 5, 10, 10],
      [10, 10, 10, 10, 10, 10, 10],
      [10, 10, 10, 10, 10, 10, 10],
    ];
    expectTensor(np.pad(m, 2, padWith(10)), want);
    expectTensor(np.pad(m, 2, { mode: padWith(10) }), want);
    expectTensor(jit((t: Tensor) => np.pad(t, 2, padWith(10)))(m), want);
    // the function sees the zero-padded vector, its widths and its axis: "edge" written as a function
    const seen: [number, number, number][] = [];
    const edge = (v: Tensor, [lo, hi]: [number, number], iaxis: number): Tensor => {
      seen.push([lo, hi, iaxis]);
      const n = v.shape[0]!;
      return np.take(v, np.clip(np.arange(n), lo, n - hi - 1));
    };
    const w: [number, number][] = [
      [1, 2],
      [0, 3],
    ];
    expectTensor(np.pad(a(), w, edge), np.pad(a(), w, "edge").toArray() as number[][]);
    expect(seen).toEqual([
      [1, 2, 0],
      [0, 3, 1],
    ]);
    // gradients flow through the function: d/dx sum(pad(x, edge)) counts each element's copies
    const g = grad((t: Tensor) => np.sum(np.pad(t, 2, edge)))(f64([1, 2, 3]));
    expectTensor(g, [3, 1, 3]);
    const bad = () => np.pad(x(), 1, () => np.zeros([2]));
    expect(catchError(bad, ShapeError).message).toMatch(/must return the vector it got \(shape \[5\]/);
    expect(catchError(() => np.pad(x(), 1, { mode: edge, constantValues: 1 }), ShapeError).message).toMatch(
      /constantValues does not apply to a mode function/,
    );
  });

  it("2-D: per-axis widths, axes padded in order (corners from the later axis)", () => {
    const w: [number, number][] = [
      [1, 2],
      [3, 1],
    ];
    expectTensor(np.pad(a(), w, "reflect"), [
      [7, 6, 5, 4, 5, 6, 7, 6],
      [3, 2, 1, 0, 1, 2, 3, 2],
      [7, 6, 5, 4, 5, 6, 7, 6],
      [11, 10, 9, 8, 9, 10, 11, 10],
      [7, 6, 5, 4, 5, 6, 7, 6],
      [3, 2, 1, 0, 1, 2, 3, 2],
    ]);
    expectTensor(np.pad(a(), w, "symmetric"), [
      [2, 1, 0, 0, 1, 2, 3, 3],
      [2, 1, 0, 0, 1, 2, 3, 3],
      [6, 5, 4, 4, 5, 6, 7, 7],
      [10, 9, 8, 8, 9, 10, 11, 11],
      [10, 9, 8, 8, 9, 10, 11, 11],
      [6, 5, 4, 4, 5, 6, 7, 7],
    ]);
    expectTensor(np.pad(a(), w, "wrap"), [
      [9, 10, 11, 8, 9, 10, 11, 8],
      [1, 2, 3, 0, 1, 2, 3, 0],
      [5, 6, 7, 4, 5, 6, 7, 4],
      [9, 10, 11, 8, 9, 10, 11, 8],
      [1, 2, 3, 0, 1, 2, 3, 0],
      [5, 6, 7, 4, 5, 6, 7, 4],
    ]);
    expectTensor(
      np.pad(
        a(),
        [
          [1, 0],
          [0, 1],
        ],
        {
          constantValues: [
            [7, 8],
            [9, 10],
          ],
        },
      ),
      [
        [7, 7, 7, 7, 10],
        [0, 1, 2, 3, 10],
        [4, 5, 6, 7, 10],
        [8, 9, 10, 11, 10],
      ],
    );
    expectTensor(
      np.pad(
        a(),
        [
          [1, 1],
          [2, 0],
        ],
        { mode: "mean", statLength: 2 },
      ),
      [
        [2.5, 2.5, 2, 3, 4, 5],
        [0.5, 0.5, 0, 1, 2, 3],
        [4.5, 4.5, 4, 5, 6, 7],
        [8.5, 8.5, 8, 9, 10, 11],
        [6.5, 6.5, 6, 7, 8, 9],
      ],
    );
    expectClose(
      np.pad(
        a(),
        [
          [1, 1],
          [2, 1],
        ],
        {
          mode: "linear_ramp",
          endValues: [
            [1, 2],
            [3, 4],
          ],
        },
      ),
      [
        [3, 2, 1, 1, 1, 1, 4],
        [3, 1.5, 0, 1, 2, 3, 4],
        [3, 3.5, 4, 5, 6, 7, 4],
        [3, 5.5, 8, 9, 10, 11, 4],
        [3, 2.5, 2, 2, 2, 2, 4],
      ],
      { rtol: 1e-12, atol: 1e-12 },
    );
  });

  it("dtypes: int32 mean rounds half to even, linear_ramp floors; 0-d and empty inputs", () => {
    expectTensor(np.pad(i32([1, 2]), 1, "mean"), [2, 1, 2, 2], "int32");
    expectTensor(np.pad(i32([5]), [3, 2], "linear_ramp"), [0, 1, 3, 5, 2, 0], "int32");
    expectTensor(np.pad(f64(4), 3), 4);
    expectTensor(np.pad(np.zeros([0]), 2, { constantValues: 1 }), [1, 1, 1, 1]);
    expect(
      np.pad(
        np.zeros([0, 2]),
        [
          [0, 0],
          [1, 1],
        ],
        "edge",
      ).shape,
    ).toEqual([0, 4]);
  });

  it("typed errors: unknown mode (naming the modes), empty axis, bad widths, options of other modes", () => {
    const e = catchError(() => np.pad(x(), 1, "median" as "edge"), TracegradError);
    for (const m of ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "mean"])
      expect(e.message).toContain(m);
    catchError(() => np.pad(np.zeros([0]), 1, "reflect"), ShapeError);
    catchError(() => np.pad(x(), -1), TracegradError);
    catchError(() => np.pad(x(), [1, 2, 3]), ShapeError);
    catchError(() => np.pad(x(), 1, { mode: "edge", constantValues: 3 }), ShapeError);
    catchError(() => np.pad(x(), 1, { model: "edge" } as never), TracegradError);
  });
});

describe("split and friends", () => {
  it("split: sections or indices (clamped, out of order); arraySplit: unequal sections", () => {
    expect(arrays(np.split(f64(range(6)), 3))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(arrays(np.split(f64(range(6)), [1, -2, 10]))).toEqual([[0], [1, 2, 3], [4, 5], []]);
    expect(arrays(np.split(f64(range(6)), [4, 2]))).toEqual([[0, 1, 2, 3], [], [2, 3, 4, 5]]);
    expect(arrays(np.arraySplit(f64(range(7)), 3))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(shapes(np.split(a(), 2, 1))).toEqual([
      [3, 2],
      [3, 2],
    ]);
    expect(shapes(np.hsplit(a(), [1]))).toEqual([
      [3, 1],
      [3, 3],
    ]);
    expect(shapes(np.hsplit(f64(range(4)), 2))).toEqual([[2], [2]]);
    expect(shapes(np.vsplit(a(), 3))).toEqual([
      [1, 4],
      [1, 4],
      [1, 4],
    ]);
    expect(shapes(np.dsplit(np.zeros([1, 2, 4]), 2))).toEqual([
      [1, 2, 2],
      [1, 2, 2],
    ]);
    expect(shapes(np.split(np.zeros([0, 2]), 2))).toEqual([
      [0, 2],
      [0, 2],
    ]);
  });

  it("errors: unequal split, too few dimensions, 0-d", () => {
    const e = catchError(() => np.split(f64(range(5)), 2), ShapeError);
    expect(e.message).toContain("arraySplit");
    catchError(() => np.split(f64(range(5)), 0), ShapeError);
    catchError(() => np.vsplit(f64(range(4)), 2), ShapeError);
    catchError(() => np.dsplit(a(), 2), ShapeError);
    catchError(() => np.hsplit(3, 1), ShapeError);
    catchError(() => np.split(f64(range(4)), 1.5 as never), TracegradError);
  });
});

describe("stacks, atleast, unstack", () => {
  it("hstack vstack dstack columnStack", () => {
    expectTensor(np.hstack([f64([1, 2]), f64([3])]), [1, 2, 3]);
    expectTensor(
      np.hstack([a(), a()]),
      A.map((r) => [...r, ...r]),
    );
    expectTensor(np.hstack([1, 2]), [1, 2]);
    expectTensor(np.vstack([f64([1, 2]), f64([3, 4])]), [
      [1, 2],
      [3, 4],
    ]);
    expectTensor(np.dstack([f64([1, 2]), f64([3, 4])]), [
      [
        [1, 3],
        [2, 4],
      ],
    ]);
    expectTensor(np.columnStack([f64([1, 2]), f64([3, 4])]), [
      [1, 3],
      [2, 4],
    ]);
    expect(np.hstack([i32([1]), f64([2])]).dtype).toBe("float64");
    catchError(() => np.vstack([f64([1, 2]), f64([3])]), ShapeError);
    catchError(() => np.hstack([]), TracegradError);
  });

  it("atleast1d/2d/3d: one array, several (a list), 0-d", () => {
    expect(np.atleast1d(5).shape).toEqual([1]);
    expect(np.atleast2d(f64([1, 2])).shape).toEqual([1, 2]);
    expect(np.atleast3d(f64([1, 2])).shape).toEqual([1, 2, 1]);
    expect(np.atleast3d(a()).shape).toEqual([3, 4, 1]);
    expect(np.atleast3d(3).shape).toEqual([1, 1, 1]);
    expect(np.atleast2d(a()).shape).toEqual([3, 4]);
    expect(shapes(np.atleast2d(1, f64([1, 2])))).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  it("unstack", () => {
    expect(arrays(np.unstack(a()))).toEqual(A);
    expect(arrays(np.unstack(a(), 1))).toEqual(transpose2(A));
    expect(np.unstack(np.zeros([0, 2]))).toEqual([]);
    catchError(() => np.unstack(3), ShapeError);
  });
});

describe("triangles and diagonals", () => {
  it("triu tril tri", () => {
    const tri = (rows: number[][], keep: (i: number, j: number) => boolean) =>
      rows.map((r, i) => r.map((v, j) => (keep(i, j) ? v : 0)));
    for (const k of [-2, -1, 0, 1, 3]) {
      expectTensor(
        np.triu(a(), k),
        tri(A, (i, j) => j - i >= k),
      );
      expectTensor(
        np.tril(a(), { k }),
        tri(A, (i, j) => j - i <= k),
      );
    }
    expect(np.triu(np.ones([2, 3, 3])).shape).toEqual([2, 3, 3]);
    expectTensor(np.tri(3, 4, 1), [
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [1, 1, 1, 1],
    ]);
    expectTensor(np.tri(2), [
      [1, 0],
      [1, 1],
    ]);
    expectTensor(
      np.tri(2, null, 0, "int32"),
      [
        [1, 0],
        [1, 1],
      ],
      "int32",
    );
    expect(np.tri(0).shape).toEqual([0, 0]);
    catchError(() => np.triu([1, 2]), ShapeError);
  });

  it("diag diagflat diagonal trace", () => {
    expectTensor(np.diag(f64([1, 2]), -1), [
      [0, 0, 0],
      [1, 0, 0],
      [0, 2, 0],
    ]);
    expectTensor(np.diag(f64([1, 2]), 1), [
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expectTensor(np.diag(a()), [0, 5, 10]);
    expectTensor(np.diag(a(), 2), [2, 7]);
    expectTensor(np.diag(a(), -2), [8]);
    expectTensor(np.diag(a(), 9), []);
    expectTensor(np.diagflat(f64([[1, 2]])), [
      [1, 0],
      [0, 2],
    ]);
    const b = f64(range(24)).reshape([2, 3, 4]);
    expectTensor(np.diagonal(b, { offset: 1, axis1: 1, axis2: 2 }), [
      [1, 6, 11],
      [13, 18, 23],
    ]);
    expectTensor(np.diagonal(b, { offset: -1, axis1: 2, axis2: 0 }), [
      [1, 14],
      [5, 18],
      [9, 22],
    ]);
    expectTensor(np.trace(a()), 15);
    expectTensor(np.trace(a(), 1), 1 + 6 + 11);
    expectTensor(
      np.trace(
        np.array([
          [true, false],
          [false, true],
        ]),
      ),
      2,
      "int32",
    );
    catchError(() => np.diag(np.zeros([2, 2, 2])), ShapeError);
    catchError(() => np.diagonal([1, 2]), ShapeError);
    catchError(() => np.diagonal(a(), { axis1: 1, axis2: -1 }), ShapeError);
  });
});

describe("grids", () => {
  it("meshgrid xy / ij / sparse; indices; broadcastArrays", () => {
    const [x, y, z] = np.meshgrid(f64([1, 2, 3]), f64([4, 5]), f64([6]));
    expectTensor(x!, [
      [[1], [2], [3]],
      [[1], [2], [3]],
    ]);
    expectTensor(y!, [
      [[4], [4], [4]],
      [[5], [5], [5]],
    ]);
    expectTensor(z!, [
      [[6], [6], [6]],
      [[6], [6], [6]],
    ]);
    const [u, v] = np.meshgrid(f64([1, 2, 3]), f64([4, 5]), { indexing: "ij" });
    expectTensor(u!, [
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expectTensor(v!, [
      [4, 5],
      [4, 5],
      [4, 5],
    ]);
    expect(shapes(np.meshgrid(f64([1, 2, 3]), f64([4, 5]), { sparse: true }))).toEqual([
      [1, 3],
      [2, 1],
    ]);
    expect(np.meshgrid()).toEqual([]);
    expectTensor(
      np.indices([2, 3]),
      [
        [
          [0, 0, 0],
          [1, 1, 1],
        ],
        [
          [0, 1, 2],
          [0, 1, 2],
        ],
      ],
      "int32",
    );
    expect(shapes(np.indices([2, 3], { sparse: true }))).toEqual([
      [2, 1],
      [1, 3],
    ]);
    expect(np.indices([2], "float32").dtype).toBe("float32");
    expect(shapes(np.broadcastArrays(f64([1, 2]), f64([[3], [4]]), 5))).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    catchError(() => np.broadcastArrays(f64([1, 2]), f64([1, 2, 3])), ShapeError);
    catchError(() => np.meshgrid(f64([1]), { indexing: "yx" as "xy" }), TracegradError);
  });
});

describe("along an axis, append, insert, delete", () => {
  const idx = () =>
    i32([
      [0, 3],
      [1, -1],
      [2, 2],
    ]);
  it("takeAlongAxis / putAlongAxis (negative indices, repeats: last wins, null axis)", () => {
    expectTensor(np.takeAlongAxis(a(), idx(), 1), [
      [0, 3],
      [5, 7],
      [10, 10],
    ]);
    expectTensor(np.takeAlongAxis(a(), i32([[2, 0, 1, 1]]), 0), [[8, 1, 6, 7]]);
    expectTensor(np.takeAlongAxis(a(), i32([11, 0]), null), [11, 0]);
    expectTensor(
      np.putAlongAxis(
        a(),
        i32([
          [0, 0],
          [1, -1],
          [2, 2],
        ]),
        f64([
          [10, 11],
          [12, 13],
          [14, 15],
        ]),
        1,
      ),
      [
        [11, 1, 2, 3],
        [4, 12, 6, 13],
        [8, 9, 15, 11],
      ],
    );
    expectTensor(np.putAlongAxis(a(), i32([[0, 1, 2, 0]]), 9, 0), [
      [9, 1, 2, 9],
      [4, 9, 6, 7],
      [8, 9, 9, 11],
    ]);
    expectTensor(np.putAlongAxis(a(), i32([0, 11]), -1, null), [
      [-1, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, -1],
    ]);
    expectTensor(np.putAlongAxis(np.array([true, true]), i32([1]), false, 0), [true, false], "bool");
    catchError(() => np.takeAlongAxis(a(), i32([0]), 1), ShapeError);
    catchError(() => np.takeAlongAxis(a(), i32([[4]]), 1), TracegradError);
    catchError(() => np.takeAlongAxis(a(), f64([[1]]), 1), TracegradError);
  });

  it("append insert delete", () => {
    expectTensor(np.append(f64([1, 2]), f64([[3, 4]])), [1, 2, 3, 4]);
    expectTensor(np.append(a(), a(), 0), [...A, ...A]);
    catchError(() => np.append(a(), f64([1, 2, 3, 4]), 0), ShapeError);
    expectTensor(np.insert(f64([1, 2, 3]), 1, 9), [1, 9, 2, 3]);
    expectTensor(np.insert(f64([1, 2, 3]), [0, 3], f64([7, 8])), [7, 1, 2, 3, 8]);
    expectTensor(np.insert(a(), -1, f64([5, 6])), [...range(11), 5, 6, 11]);
    expectTensor(np.insert(a(), 1, f64([5, 6, 7]), 1), [
      [0, 5, 1, 2, 3],
      [4, 6, 5, 6, 7],
      [8, 7, 9, 10, 11],
    ]);
    expectTensor(np.insert(a(), [1, 1, 4], f64([[7], [8], [9]]), { axis: 1 }), [
      [0, 7, 7, 1, 2, 3, 7],
      [4, 8, 8, 5, 6, 7, 8],
      [8, 9, 9, 9, 10, 11, 9],
    ]);
    expect(np.insert(i32([1, 2]), 0, 2.7).dtype).toBe("int32");
    catchError(() => np.insert(f64([1, 2]), 3, 0), ShapeError);
    expectTensor(np.delete(a(), [0, -1], 1), [
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expectTensor(np.delete(f64([1, 2, 3, 4]), 2), [1, 2, 4]);
    expectTensor(np.delete(f64([1, 2]), [0, 1, 0]), []);
    catchError(() => np.delete(f64([1, 2]), 2), TracegradError);
  });
});

describe("derivatives, jit and vmap", () => {
  const xs = () => f64([0.5, -1.25, 2, 3.5, -0.75]);
  it("gradients match finite differences: roll, pad reflect, repeat, triu, putAlongAxis, insert, diag", () => {
    const w = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    checkGrads((x: Tensor) => np.sum(np.multiply(np.roll(x, 2), np.slice(w, [0], [5]))), [xs()], { order: 1 });
    checkGrads((x: Tensor) => np.sum(np.multiply(np.pad(x, 3, "reflect"), w)), [xs()], { order: 1 });
    checkGrads((x: Tensor) => np.sum(np.multiply(np.repeat(x, [2, 0, 1, 3, 1]), np.slice(w, [0], [7]))), [xs()], {
      order: 1,
    });
    checkGrads((x: Tensor) => np.sum(np.square(np.triu(x.reshape([5, 1]).matmul(x.reshape([1, 5])), 1))), [xs()], {
      order: 1,
    });
    checkGrads(
      (x: Tensor, v: Tensor) => np.sum(np.square(np.putAlongAxis(x, i32([1, 3, 1]), v, 0))),
      [xs(), f64([1, 2, 3])],
      { order: 1 },
    );
    checkGrads((x: Tensor) => np.sum(np.square(np.insert(x, [1, 4], np.slice(x, [0], [2])))), [xs()], { order: 1 });
    checkGrads((x: Tensor) => np.trace(np.matmul(np.diag(x), np.diag(x, 0))), [xs()], { order: 1 });
    // an exact gradient: repeat's transpose sums the copies
    expectTensor(grad((x: Tensor) => np.sum(np.repeat(x, [2, 0, 1, 3, 1])))(xs()), [2, 0, 1, 3, 1]);
    // pad reflect's transpose counts how often each element appears
    expectTensor(grad((x: Tensor) => np.sum(np.pad(x, [2, 1], "reflect")))(xs()), [1, 2, 2, 2, 1]);
  });

  it("jit and vmap agree with eager", () => {
    const fns: [string, (x: Tensor) => Tensor][] = [
      ["roll", (x) => np.roll(x, [1, -1], [0, 1])],
      [
        "pad",
        (x) =>
          np.pad(
            x,
            [
              [1, 0],
              [2, 3],
            ],
            "symmetric",
          ),
      ],
      ["tile", (x) => np.tile(x, [2, 1, 2])],
      ["triu", (x) => np.triu(x, -1)],
      ["rot90", (x) => np.rot90(x)],
      ["diagonal", (x) => np.diagonal(x, 1)],
      ["takeAlongAxis", (x) => np.takeAlongAxis(x, i32([[2, 0, 1, 1]]), 0)],
      ["putAlongAxis", (x) => np.putAlongAxis(x, i32([[2, 0, 1, 0]]), 7, 0)],
      ["insert", (x) => np.insert(x, [0, 2], 5, 1)],
      ["hstack", (x) => np.hstack([x, np.flip(x)])],
    ];
    const x = a();
    const batch = f64([A, A.map((r) => r.map((v) => -v))]);
    for (const [name, f] of fns) {
      expect(jit(f)(x).toArray(), name).toEqual(f(x).toArray());
      const batched = vmap(f)(batch);
      expect(batched.toArray(), name).toEqual([f(x).toArray(), f(np.negative(x)).toArray()] as Nested[]);
    }
  });
});
