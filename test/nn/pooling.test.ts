// nn.maxPool and nn.avgPool on channels-last input, as Flax's max_pool and avg_pool: hand-checked windows (strides
// default 1, VALID and SAME padding, explicit pairs), countIncludePad both ways, unbatched and multi-batch input,
// typed errors, and the gradient of a loss through maxPool against a hand-written scatter onto each window's maximum.

import { grad, jit, nn, np, ShapeError, type Tensor, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, rng, valuesOf } from "../helpers.js";

/** [1, H, W, 1] from an H × W grid. */
const image = (rows: number[][]) => np.reshape(f64(rows.flat()), [1, rows.length, rows[0]!.length, 1]);
const grid = (t: Tensor) => {
  const [, h, w] = t.shape as number[];
  const v = valuesOf(t);
  return Array.from({ length: h! }, (_, i) => v.slice(i * w!, (i + 1) * w!));
};

const X = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
];

describe("nn.maxPool", () => {
  it("windows over the spatial axes, strides default to 1, VALID by default", () => {
    const y = nn.maxPool(image(X), [2, 2]);
    expect(y.shape).toEqual([1, 2, 3, 1]);
    expect(grid(y)).toEqual([
      [6, 7, 8],
      [10, 11, 12],
    ]);
    expect(grid(nn.maxPool(image(X), [2, 2], { strides: [2, 2] }))).toEqual([[6, 8]]);
  });

  it("SAME padding (padding never wins) and explicit pairs", () => {
    const neg = X.map((r) => r.map((v) => -v));
    const y = nn.maxPool(image(neg), [2, 2], { strides: [2, 2], padding: "SAME" });
    // output ⌈3/2⌉ × ⌈4/2⌉; pads: rows (0, 1), cols (0, 0)
    expect(grid(y)).toEqual([
      [-1, -3],
      [-9, -11],
    ]);
    // padding names in any case, as JAX
    expect(valuesOf(nn.maxPool(image(neg), [2, 2], { strides: [2, 2], padding: "same" as "SAME" }))).toEqual(
      valuesOf(y),
    );
    const z = nn.maxPool(image(neg), [2, 2], {
      padding: [
        [1, 0],
        [0, 1],
      ],
    });
    expect(z.shape).toEqual([1, 3, 4, 1]);
    expect(grid(z)).toEqual([
      [-1, -2, -3, -4],
      [-1, -2, -3, -4],
      [-5, -6, -7, -8],
    ]);
  });

  it("channels pool separately; unbatched [H, W, C] and extra batch axes work as in Flax", () => {
    const x = np.stack([image(X), np.negative(image(X))], -1); // [1, 3, 4, 1, 2]
    const xc = np.reshape(x, [1, 3, 4, 2]);
    const y = nn.maxPool(xc, [3, 4]);
    expect(y.shape).toEqual([1, 1, 1, 2]);
    expect(valuesOf(y)).toEqual([12, -1]);
    const unbatched = nn.maxPool(np.reshape(xc, [3, 4, 2]), [3, 4]);
    expect(unbatched.shape).toEqual([1, 1, 2]);
    expect(valuesOf(unbatched)).toEqual([12, -1]);
    const twoBatch = nn.maxPool(np.reshape(np.concatenate([xc, xc]), [2, 1, 3, 4, 2]), [2, 2], { strides: [1, 2] });
    expect(twoBatch.shape).toEqual([2, 1, 2, 2, 2]);
  });

  it("1-D and 3-D windows", () => {
    expectClose(nn.maxPool(np.array([[[1], [3], [2], [5]]]), [2], { strides: [2] }), [[[3], [5]]]);
    const v = np.reshape(np.arange(8, { dtype: "float32" }), [1, 2, 2, 2, 1]);
    expectClose(nn.maxPool(v, [2, 2, 2]), [[[[[7]]]]]);
  });

  it("errors name the function, the argument and the shapes", () => {
    expect(catchError(() => nn.maxPool(np.ones([4, 4]), [2, 2]), ShapeError).message).toMatch(
      /nn\.maxPool: input of shape \[4, 4\] has too few axes for a window of 2 spatial axes/,
    );
    expect(catchError(() => nn.maxPool(np.ones([1, 4, 4, 1]), [2, 2], { strides: [2] }), ShapeError).message).toMatch(
      /nn\.maxPool: strides \[2\] must hold one integer ≥ 1 per spatial axis/,
    );
    expect(
      catchError(() => nn.maxPool(np.ones([1, 4, 4, 1]), [2, 2], { padding: [[0, 0]] }), ShapeError).message,
    ).toMatch(/one \[lo, hi\] pair per spatial axis/);
    catchError(() => nn.maxPool(np.ones([1, 4, 4, 1]), [0, 2]), ShapeError);
  });

  it("the gradient of a loss through maxPool is the cotangent scattered onto each window's (first) maximum", () => {
    const rand = rng(5);
    const [n, h, w, c] = [2, 5, 6, 3];
    const xs = Array.from({ length: n * h * w * c }, () => rand());
    const x = np.reshape(f64(xs), [n, h, w, c]);
    const out = nn.maxPool(x, [2, 3], { strides: [2, 2], padding: "SAME" });
    const ws = Array.from({ length: out.size }, () => rand() - 0.5);
    const loss = (t: Tensor) =>
      np.sum(np.multiply(nn.maxPool(t, [2, 3], { strides: [2, 2], padding: "SAME" }), np.reshape(f64(ws), out.shape)));
    const g = valuesOf(grad(loss)(x));
    // by hand: SAME pads rows (0, 1) [⌈5/2⌉ = 3 outputs], cols (0, 1) [⌈6/2⌉ = 3 outputs, (3−1)·2 + 3 − 6 = 1]
    const [oh, ow] = [out.shape[1]!, out.shape[2]!];
    expect([oh, ow]).toEqual([3, 3]);
    const want = new Array<number>(xs.length).fill(0);
    const at = (b: number, i: number, j: number, k: number) => ((b * h + i) * w + j) * c + k;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let k = 0; k < c; k++) {
            let best = -Infinity;
            let arg = -1;
            for (let di = 0; di < 2; di++)
              for (let dj = 0; dj < 3; dj++) {
                const [ii, jj] = [i * 2 + di, j * 2 + dj];
                if (ii >= h || jj >= w) continue;
                if (xs[at(b, ii, jj, k)]! > best) [best, arg] = [xs[at(b, ii, jj, k)]!, at(b, ii, jj, k)];
              }
            want[arg]! += ws[((b * oh + i) * ow + j) * c + k]!;
          }
    g.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    // the same under jit and vmap over the batch
    expect(valuesOf(jit(grad(loss))(x))).toEqual(g);
    const per = vmap((t: Tensor) => nn.maxPool(t, [2, 2]))(np.reshape(x, [n, 1, h, w, c]));
    expect(valuesOf(per)).toEqual(valuesOf(nn.maxPool(x, [2, 2])));
  });
});

describe("nn.avgPool", () => {
  it("VALID: the window mean; strides default to 1", () => {
    const y = nn.avgPool(image(X), [2, 2]);
    expect(grid(y)).toEqual([
      [3.5, 4.5, 5.5],
      [7.5, 8.5, 9.5],
    ]);
  });

  it("SAME with countIncludePad true (divide by the window size) and false (by the input elements in the window)", () => {
    // 3 × 4, window 2 × 2, stride 1: pads rows (0, 1), cols (0, 1)
    const incl = nn.avgPool(image(X), [2, 2], { padding: "SAME" });
    expect(grid(incl)).toEqual([
      [14 / 4, 18 / 4, 22 / 4, 12 / 4],
      [30 / 4, 34 / 4, 38 / 4, 20 / 4],
      [19 / 4, 21 / 4, 23 / 4, 12 / 4],
    ]);
    const excl = nn.avgPool(image(X), [2, 2], { padding: "SAME", countIncludePad: false });
    expect(grid(excl)).toEqual([
      [14 / 4, 18 / 4, 22 / 4, 12 / 2],
      [30 / 4, 34 / 4, 38 / 4, 20 / 2],
      [19 / 2, 21 / 2, 23 / 2, 12 / 1],
    ]);
    // explicit pairs, both ways
    expectClose(nn.avgPool(np.array([[[1], [3], [2]]]), [2], { padding: [[1, 0]] }), [[[0.5], [2], [2.5]]]);
    expectClose(nn.avgPool(np.array([[[1], [3], [2]]]), [2], { padding: [[1, 0]], countIncludePad: false }), [
      [[1], [2], [2.5]],
    ]);
  });

  it("integers become float32; gradients spread the cotangent evenly over each window", () => {
    const y = nn.avgPool(np.array([[[1], [2], [4]]], { dtype: "int32" }), [2]);
    expect(y.dtype).toBe("float32");
    expectClose(y, [[[1.5], [3]]]);
    const g = grad((t: Tensor) => np.sum(nn.avgPool(t, [2], { padding: "SAME", countIncludePad: false })))(
      f64([[[1], [2], [4]]]),
    );
    // windows [0, 1], [1, 2], [2] (alone): weights ½, ½ + ½, ½ + 1
    expectClose(g, [[[0.5], [1], [1.5]]]);
  });
});
