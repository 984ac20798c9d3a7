// Reductions sum / mean / max / min with axis (number, array, negative) and keepdims, vs a plain-JS reference.

import { np, ShapeError, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, strides, unravel } from "../helpers.js";

/** Plain-JS reduction of a row-major array over `axes`, returning [shape, values]. */
function refReduce(
  data: number[],
  shape: number[],
  axes: number[],
  keepdims: boolean,
  init: number,
  step: (a: number, v: number) => number,
): [number[], number[]] {
  const outShape = shape.map((s, i) => (axes.includes(i) ? 1 : s));
  const ost = strides(outShape);
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  data.forEach((v, i) => {
    const idx = unravel(i, shape);
    const o = idx.reduce((acc, x, k) => acc + (axes.includes(k) ? 0 : x * ost[k]!), 0);
    out[o] = step(out[o]!, v);
  });
  return [keepdims ? outShape : shape.filter((_, i) => !axes.includes(i)), out];
}

const shape = [2, 3, 4];
const data = Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 5);
const x = np.reshape(np.array(data, { dtype: "float64" }), shape);

const axisCases: [string, number | number[] | undefined, number[]][] = [
  ["all axes", undefined, [0, 1, 2]],
  ["axis 0", 0, [0]],
  ["axis 1", 1, [1]],
  ["axis -1", -1, [2]],
  ["axes [0, 2]", [0, 2], [0, 2]],
  ["axes [-1, 0]", [-1, 0], [0, 2]],
  ["axes [1, -3]", [1, -3], [0, 1]],
  ["axes []", [], []],
];

const reductions: [
  string,
  (t: Tensor, o: { axis?: number | number[]; keepdims?: boolean }) => Tensor,
  number,
  (a: number, v: number) => number,
][] = [
  ["sum", np.sum, 0, (a, v) => a + v],
  ["max", np.max, -Infinity, Math.max],
  ["min", np.min, Infinity, Math.min],
];

describe.each(reductions)("np.%s", (_name, red, init, step) => {
  for (const [label, axis, axes] of axisCases) {
    for (const keepdims of [false, true]) {
      it(`${label}${keepdims ? ", keepdims" : ""}`, () => {
        const r = red(x, { axis, keepdims });
        const [s, v] = refReduce(data, shape, axes, keepdims, init, step);
        expect(r.shape).toEqual(s);
        expect(Array.from(r.toTypedArray())).toEqual(v);
        expect(r.dtype).toBe("float64");
      });
    }
  }
});

describe("np.mean", () => {
  it("matches sum / count for each axis choice", () => {
    for (const [, axis, axes] of axisCases) {
      const [s, v] = refReduce(data, shape, axes, false, 0, (a, b) => a + b);
      const count = axes.reduce((n, a) => n * shape[a]!, 1);
      const r = np.mean(x, { axis });
      expect(r.shape).toEqual(s);
      Array.from(r.toTypedArray()).forEach((m, i) => expect(m).toBeCloseTo(v[i]! / count, 12));
    }
  });

  it("keepdims", () => {
    expectClose(
      np.mean(
        np.array([
          [1, 2],
          [3, 5],
        ]),
        { axis: 1, keepdims: true },
      ),
      [[1.5], [4]],
    );
  });

  it("of integers is float32", () => {
    expectTensor(np.mean(np.array([1, 2], { dtype: "int32" })), 1.5, "float32");
    expectTensor(np.mean(np.array([true, false, false, false])), 0.25, "float32");
  });
});

describe("dtypes and edge cases", () => {
  it("sum keeps int32, and sums bools as int32", () => {
    expectTensor(
      np.sum(
        np.array(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: "int32" },
        ),
        { axis: 0 },
      ),
      [4, 6],
      "int32",
    );
    expectTensor(np.sum([true, true, false]), 2, "int32");
  });

  it("max/min of int32 stay int32", () => {
    expectTensor(np.max(np.array([-5, -2, -9], { dtype: "int32" })), -2, "int32");
    expectTensor(np.min(np.array([5, 2, 9], { dtype: "int32" })), 2, "int32");
  });

  it("NaN propagates through max and min", () => {
    expect(np.max(np.array([1, NaN, 3])).item()).toBeNaN();
    expect(np.min(np.array([NaN, 1])).item()).toBeNaN();
  });

  it("sum over an empty axis is 0", () => {
    expectTensor(np.sum(np.zeros([0, 2]), { axis: 0 }), [0, 0]);
  });

  it("reducing a 0-d tensor returns it", () => {
    expectTensor(np.sum(np.array(3)), 3);
  });

  it("bad axes are ShapeErrors naming the op", () => {
    expect(catchError(() => np.max(x, { axis: 3 }), ShapeError).message).toMatch(
      /np\.max: axis 3 is out of range for an array of rank 3 \(valid: -3 … 2\)/,
    );
    expect(catchError(() => np.mean(x, { axis: [1, 1] }), ShapeError).message).toMatch(/np\.mean: repeated axis/);
    catchError(() => np.sum(x, { axis: -4 }), ShapeError);
  });
});
