// Shape functions: reshape (−1), transpose, expandDims, squeeze, broadcastTo, concatenate, stack — values and gradients.

import { grad, np, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, strides, unravel, valuesOf } from "../helpers.js";

const a6 = () => np.arange(6); // int32 [0 … 5]

describe("np.reshape", () => {
  it("keeps row-major order", () => {
    expectTensor(
      np.reshape(a6(), [2, 3]),
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      "int32",
    );
    expectTensor(np.reshape(a6(), [3, 1, 2]), [[[0, 1]], [[2, 3]], [[4, 5]]]);
  });

  it("infers one −1", () => {
    expect(np.reshape(a6(), [-1, 2]).shape).toEqual([3, 2]);
    expect(np.reshape(a6(), [3, -1]).shape).toEqual([3, 2]);
    expect(np.reshape(a6(), [-1]).shape).toEqual([6]);
    expect(np.reshape(np.zeros([0, 4]), [-1, 2]).shape).toEqual([0, 2]);
  });

  it("reshapes size-1 to 0-d and back", () => {
    expectTensor(np.reshape(np.array([[7]]), []), 7);
    expectTensor(np.reshape(np.array(7), [1, 1]), [[7]]);
  });

  it("rejects a wrong element count, two −1s and bad dimensions", () => {
    expect(catchError(() => np.reshape(a6(), [4, -1]), ShapeError).message).toMatch(
      /np\.reshape: cannot reshape an array of shape \[6\] \(6 elements\) into shape \[4, -1\]/,
    );
    expect(catchError(() => np.reshape(a6(), [4, 2]), ShapeError).message).toMatch(/\[6\].*\[4, 2\]/);
    expect(catchError(() => np.reshape(a6(), [-1, -1]), ShapeError).message).toMatch(/only one dimension may be −1/);
    catchError(() => np.reshape(a6(), [2, 1.5, 2]), ShapeError);
    catchError(() => np.reshape(a6(), [-2, -3]), ShapeError);
  });

  it("is differentiable", () => {
    expectTensor(
      grad((x: Tensor) =>
        x
          .reshape([3, 2])
          .mul(
            np.array([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
          )
          .sum(),
      )(np.ones([2, 3])),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
  });
});

describe("np.transpose", () => {
  it("reverses axes by default", () => {
    expectTensor(np.transpose(np.reshape(a6(), [2, 3])), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it("permutes by axes, negative allowed, vs a JS reference", () => {
    const shape = [2, 3, 4];
    const x = np.reshape(np.arange(24), shape);
    for (const perm of [
      [2, 0, 1],
      [1, 2, 0],
      [0, 2, 1],
      [-1, 0, -2],
    ]) {
      const p = perm.map((a) => (a < 0 ? a + 3 : a));
      const t = np.transpose(x, perm);
      const out = p.map((a) => shape[a]!);
      expect(t.shape).toEqual(out);
      const st = strides(shape);
      const want = Array.from({ length: 24 }, (_, f) => unravel(f, out).reduce((o, v, k) => o + v * st[p[k]!]!, 0));
      expect(valuesOf(t)).toEqual(want);
    }
  });

  it("rejects non-permutations", () => {
    expect(catchError(() => np.transpose(np.ones([2, 3]), [0, 0]), ShapeError).message).toMatch(
      /np\.transpose.*not a permutation/,
    );
    catchError(() => np.transpose(np.ones([2, 3]), [0]), ShapeError);
    catchError(() => np.transpose(np.ones([2, 3]), [0, 2]), ShapeError);
  });

  it("is differentiable", () => {
    expectTensor(
      grad((x: Tensor) =>
        x
          .transpose([1, 0])
          .mul(
            np.array([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
          )
          .sum(),
      )(np.ones([2, 3])),
      [
        [1, 3, 5],
        [2, 4, 6],
      ],
    );
  });
});

describe("np.expandDims and np.squeeze", () => {
  const x = np.ones([2, 3]);

  it("expandDims inserts a size-1 axis at the given (possibly negative) position", () => {
    expect(np.expandDims(x, 0).shape).toEqual([1, 2, 3]);
    expect(np.expandDims(x, 1).shape).toEqual([2, 1, 3]);
    expect(np.expandDims(x, 2).shape).toEqual([2, 3, 1]);
    expect(np.expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expect(np.expandDims(x, -3).shape).toEqual([1, 2, 3]);
    expectTensor(np.expandDims([1, 2], 1), [[1], [2]]);
    catchError(() => np.expandDims(x, 3), ShapeError);
  });

  it("squeeze removes all size-1 axes, or the ones named", () => {
    const y = np.ones([1, 3, 1]);
    expect(np.squeeze(y).shape).toEqual([3]);
    expect(np.squeeze(y, 0).shape).toEqual([3, 1]);
    expect(np.squeeze(y, -1).shape).toEqual([1, 3]);
    expect(np.squeeze(y, [0, 2]).shape).toEqual([3]);
    expect(np.squeeze(np.ones([1, 1])).shape).toEqual([]);
  });

  it("squeezing an axis whose size is not 1 is a ShapeError naming it", () => {
    expect(catchError(() => np.squeeze(np.ones([1, 3, 1]), 1), ShapeError).message).toMatch(
      /np\.squeeze: axis 1 of shape \[1, 3, 1\] has size 3, not 1/,
    );
  });
});

describe("np.broadcastTo", () => {
  it("repeats along new and size-1 axes", () => {
    expectTensor(np.broadcastTo([1, 2, 3], [2, 3]), [
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expectTensor(np.broadcastTo([[1], [2]], [2, 3]), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expectTensor(np.broadcastTo(5, [2]), [5, 5]);
  });

  it("rejects shapes it cannot reach", () => {
    catchError(() => np.broadcastTo([1, 2, 3], [3, 2]), ShapeError);
    expect(catchError(() => np.broadcastTo(np.ones([2, 3]), [3]), ShapeError).message).toMatch(/np\.broadcastTo/);
    catchError(() => np.broadcastTo(np.ones([2, 1]), [1, 1]), ShapeError);
  });

  it("the gradient sums over the broadcast axes", () => {
    expectTensor(grad((x: Tensor) => np.broadcastTo(x, [4, 2, 3]).sum())(np.ones([2, 1])), [[12], [12]]);
  });
});

describe("np.concatenate and np.stack", () => {
  it("concatenate along axis 0 (default), 1 and −1", () => {
    expectTensor(
      np.concatenate([
        [[1, 2]],
        [
          [3, 4],
          [5, 6],
        ],
      ]),
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    );
    expectTensor(
      np.concatenate(
        [
          [[1], [2]],
          [
            [3, 4],
            [5, 6],
          ],
        ],
        1,
      ),
      [
        [1, 3, 4],
        [2, 5, 6],
      ],
    );
    expectTensor(
      np.concatenate(
        [
          [[1], [2]],
          [
            [3, 4],
            [5, 6],
          ],
        ],
        -1,
      ),
      [
        [1, 3, 4],
        [2, 5, 6],
      ],
    );
    expectTensor(np.concatenate([[1], [2], [3, 4]]), [1, 2, 3, 4]);
  });

  it("concatenate promotes dtypes", () => {
    expect(np.concatenate([np.array([1], { dtype: "int32" }), np.array([0.5], { dtype: "float64" })]).dtype).toBe(
      "float64",
    );
  });

  it("concatenate rejects mismatched shapes, 0-d operands and empty lists", () => {
    expect(catchError(() => np.concatenate([np.ones([2, 2]), np.ones([2, 3])]), ShapeError).message).toMatch(
      /np\.concatenate: shapes \[2, 2\], \[2, 3\] must match except along axis 0/,
    );
    catchError(() => np.concatenate([np.array(1), np.array(2)]), ShapeError);
    catchError(() => np.concatenate([]), TracegradError);
  });

  it("stack adds a new axis at 0, 1 or −1", () => {
    expectTensor(
      np.stack([
        [1, 2],
        [3, 4],
      ]),
      [
        [1, 2],
        [3, 4],
      ],
    );
    expectTensor(
      np.stack(
        [
          [1, 2],
          [3, 4],
        ],
        1,
      ),
      [
        [1, 3],
        [2, 4],
      ],
    );
    expectTensor(
      np.stack(
        [
          [1, 2],
          [3, 4],
        ],
        -1,
      ),
      [
        [1, 3],
        [2, 4],
      ],
    );
    expectTensor(np.stack([np.array(1), np.array(2)]), [1, 2]);
  });

  it("stack rejects differing shapes", () => {
    expect(catchError(() => np.stack([np.ones([2]), np.ones([3])]), ShapeError).message).toMatch(
      /np\.stack.*\[2\], \[3\]/,
    );
  });

  it("gradients split back to each operand", () => {
    expectTensor(
      grad((x: Tensor) =>
        np
          .concatenate([x, x.mul(2)])
          .mul(np.array([1, 2, 3, 4]))
          .sum(),
      )(np.array([1, 1])),
      [1 + 2 * 3, 2 + 2 * 4],
    );
    expectTensor(
      grad((x: Tensor) =>
        np
          .stack([x, x.mul(3)], 1)
          .mul(
            np.array([
              [1, 2],
              [3, 4],
            ]),
          )
          .sum(),
      )(np.array([1, 1])),
      [1 + 3 * 2, 3 + 3 * 4],
    );
    const [g1, g2] = grad(
      (a: Tensor, b: Tensor) =>
        np
          .concatenate([a, b], 1)
          .mul(np.array([[1, 2, 3]]))
          .sum(),
      { argnums: [0, 1] },
    )(np.ones([1, 1]), np.ones([1, 2]));
    expectTensor(g1, [[1]]);
    expectTensor(g2, [[2, 3]]);
  });
});
