// np.matmul (batched, broadcast batch dims, 1-D operands), np.dot (N-D rule), np.outer, vs plain-JS loops.

import { grad, np, ShapeError, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, rng, strides, unravel, valuesOf } from "../helpers.js";

/** A float64 tensor of `shape` with small random integer entries, and its data. */
function rand(r: () => number, shape: number[]): [Tensor, number[]] {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = Array.from({ length: n }, () => Math.floor(r() * 7) - 3);
  return [np.reshape(np.array(d, { dtype: "float64" }), shape), d];
}

const get = (d: number[], shape: number[], idx: number[]) => d[idx.reduce((o, x, k) => o + x * strides(shape)[k]!, 0)]!;

/** NumPy matmul reference for operands of rank ≥ 2 (batch dims broadcast). */
function refMatmul(a: number[], sa: number[], b: number[], sb: number[]): [number[], number[]] {
  const [m, k] = sa.slice(-2) as [number, number];
  const n = sb.at(-1)!;
  const ba = sa.slice(0, -2);
  const bb = sb.slice(0, -2);
  const nb = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: nb }, (_, i) =>
    Math.max(ba[ba.length - nb + i] ?? 1, bb[bb.length - nb + i] ?? 1),
  );
  const out = [...batch, m, n];
  const size = out.reduce((p, q) => p * q, 1);
  const vals = Array.from({ length: size }, (_, flat) => {
    const idx = unravel(flat, out);
    const bi = idx.slice(0, nb);
    const [i, j] = idx.slice(nb) as [number, number];
    const pick = (bs: number[]) => bs.map((s, q) => (s === 1 ? 0 : bi[nb - bs.length + q]!));
    let s = 0;
    for (let l = 0; l < k; l++) s += get(a, sa, [...pick(ba), i, l]) * get(b, sb, [...pick(bb), l, j]);
    return s;
  });
  return [out, vals];
}

describe("np.matmul", () => {
  it("2-D × 2-D", () => {
    expectTensor(
      np.matmul(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ),
      [
        [19, 22],
        [43, 50],
      ],
      "float32",
    );
  });

  it("batched and broadcast batch dimensions vs a JS reference", () => {
    const r = rng(11);
    const cases: [number[], number[]][] = [
      [
        [3, 2, 4],
        [3, 4, 5],
      ],
      [
        [2, 1, 3, 4],
        [5, 4, 2],
      ],
      [
        [1, 2, 3],
        [4, 3, 2],
      ],
      [
        [2, 3],
        [6, 3, 1],
      ],
      [
        [4, 2, 3],
        [3, 2],
      ],
      [
        [2, 1, 2, 2],
        [1, 3, 2, 2],
      ],
    ];
    for (const [sa, sb] of cases) {
      const [a, da] = rand(r, sa);
      const [b, db] = rand(r, sb);
      const [s, v] = refMatmul(da, sa, db, sb);
      const got = np.matmul(a, b);
      expect(got.shape, `${sa} @ ${sb}`).toEqual(s);
      expect(valuesOf(got)).toEqual(v);
    }
  });

  it("1-D operands are promoted and the added axis dropped", () => {
    const M = [
      [1, 2],
      [3, 4],
    ];
    expectTensor(np.matmul([1, 2], M), [7, 10]);
    expectTensor(np.matmul(M, [1, 2]), [5, 11]);
    expectTensor(np.matmul([1, 2], [3, 4]), 11);
    expect(np.matmul(np.ones([5, 2, 3]), np.ones([3])).shape).toEqual([5, 2]);
    expect(np.matmul(np.ones([3]), np.ones([5, 3, 2])).shape).toEqual([5, 2]);
  });

  it("int32 stays int32, mixed promotes", () => {
    const i = np.array([[1, 2]], { dtype: "int32" });
    expectTensor(np.matmul(i, np.array([[3], [4]], { dtype: "int32" })), [[11]], "int32");
    expect(np.matmul(i, np.ones([2, 1], { dtype: "float64" })).dtype).toBe("float64");
  });

  it("gradients of batched matmul with broadcast batch reduce over the broadcast axis", () => {
    // Σ A_b B for b in batch of 3 ⇒ ∂/∂B = Σ_b A_bᵀ 1
    const A = np.ones([3, 2, 2], { dtype: "float64" });
    const g = grad((b: Tensor) => np.matmul(A, b).sum())(np.ones([2, 2], { dtype: "float64" }));
    expectTensor(g, [
      [6, 6],
      [6, 6],
    ]);
  });

  it("mismatched inner dimensions are a ShapeError", () => {
    catchError(() => np.matmul(np.ones([2, 3]), np.ones([2, 3])), ShapeError);
    catchError(() => np.matmul(np.ones([3]), np.ones([2])), ShapeError);
  });
});

describe("np.dot", () => {
  it("scalars multiply, vectors give the inner product", () => {
    expectTensor(np.dot(2, [1, 2]), [2, 4]);
    expectTensor(np.dot([1, 2, 3], [4, 5, 6]), 32);
  });

  it("matrix · vector and vector · matrix", () => {
    expectTensor(
      np.dot(
        [
          [1, 2],
          [3, 4],
        ],
        [1, 1],
      ),
      [3, 7],
    );
    expectTensor(
      np.dot(
        [1, 1],
        [
          [1, 2],
          [3, 4],
        ],
      ),
      [4, 6],
    );
  });

  it("N-D: contracts the last axis of a with the second-to-last of b", () => {
    const r = rng(5);
    const sa = [2, 3, 4];
    const sb = [5, 4, 2];
    const [a, da] = rand(r, sa);
    const [b, db] = rand(r, sb);
    const got = np.dot(a, b);
    // dot(a, b)[i, j, k, m] = Σ_l a[i, j, l] · b[k, l, m]
    const out = [2, 3, 5, 2];
    expect(got.shape).toEqual(out);
    const want = Array.from({ length: 60 }, (_, f) => {
      const [i, j, k, m] = unravel(f, out) as [number, number, number, number];
      let s = 0;
      for (let l = 0; l < 4; l++) s += get(da, sa, [i, j, l]) * get(db, sb, [k, l, m]);
      return s;
    });
    expect(valuesOf(got)).toEqual(want);
  });

  it("N-D · 1-D contracts the last axes", () => {
    // the JS array is float32 (JS numbers are not integers), so the int32 arange promotes
    expectTensor(np.dot(np.reshape(np.arange(6), [1, 2, 3]), [1, 0, -1]), [[-2, -2]], "float32");
  });

  it("misaligned axes are a ShapeError", () => {
    catchError(() => np.dot(np.ones([2, 3]), np.ones([2, 3])), ShapeError);
  });
});

describe("np.outer", () => {
  it("of vectors", () => {
    expectTensor(np.outer([1, 2], [3, 4, 5]), [
      [3, 4, 5],
      [6, 8, 10],
    ]);
  });

  it("flattens its operands", () => {
    expectTensor(np.outer([[1], [2]], [[1, 2]]), [
      [1, 2],
      [2, 4],
    ]);
  });

  it("is differentiable", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.outer(a, b).sum(), { argnums: [0, 1] })(
      np.array([1, 2]),
      np.array([3, 4, 5]),
    );
    expectClose(ga, [12, 12]);
    expectClose(gb, [3, 3, 3]);
  });
});
