// NumPy indexing x.slice(...) and JAX-style functional updates x.at(...).set/add/mul: hand-checked values, their
// derivatives (transposes to pad / scatter-add), behaviour under transforms, and errors.

import {
  evalJaxpr,
  grad,
  jacfwd,
  jacrev,
  jvp,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vjp,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, f64, i32 } from "../helpers.js";

/** x[i, j, k] = 12i + 4j + k, shape [2, 3, 4]. */
const x = np.reshape(np.arange(24), [2, 3, 4]);

describe("x.slice(...): basic indexing", () => {
  it("a number picks a position and drops the axis; negative counts from the end", () => {
    expectTensor(x.slice(1, 2), [20, 21, 22, 23], "int32");
    expectTensor(x.slice(-1, -3, -1), 15);
    expectTensor(x.slice(0, 1, 2), 6);
  });

  it("missing trailing entries are whole axes; [] is a whole axis", () => {
    expect(x.slice().shape).toEqual([2, 3, 4]);
    expectTensor(x.slice([], 1), [
      [4, 5, 6, 7],
      [16, 17, 18, 19],
    ]);
    expectTensor(x.slice([], [], 3), [
      [3, 7, 11],
      [15, 19, 23],
    ]);
  });

  it("ranges [start, stop, step] follow Python: clamped bounds, negative starts, empty results", () => {
    expectTensor(x.slice(0, 0, [1, 3]), [1, 2]);
    expectTensor(x.slice(0, 0, [1, 100]), [1, 2, 3]);
    expectTensor(x.slice(0, 0, [-2]), [2, 3]);
    expectTensor(x.slice(0, 0, [null, -1]), [0, 1, 2]);
    expectTensor(x.slice(0, 0, [3, 1]), []);
    expectTensor(x.slice(0, 0, [-100, -100]), []);
    expectTensor(x.slice(0, 0, [null, null, 2]), [0, 2]);
    expectTensor(x.slice(0, 0, [1, null, 2]), [1, 3]);
  });

  it("negative steps reverse: x[::-1], x[2::-2], x[:0:-1], x[5:-100:-3]", () => {
    expectTensor(x.slice(0, 0, [null, null, -1]), [3, 2, 1, 0]);
    expectTensor(x.slice(0, 0, [2, null, -2]), [2, 0]);
    expectTensor(x.slice(0, 0, [null, 0, -1]), [3, 2, 1]);
    expectTensor(x.slice(0, 0, [5, -100, -3]), [3, 0]);
    expectTensor(x.slice([null, null, -1], 0, 0), [12, 0]);
  });

  it("null inserts an axis of size 1, anywhere", () => {
    expect(x.slice(null).shape).toEqual([1, 2, 3, 4]);
    expect(x.slice(0, null, 1).shape).toEqual([1, 4]);
    expectTensor(x.slice(0, null, 1), [[4, 5, 6, 7]]);
    expect(x.slice([], [], [], null).shape).toEqual([2, 3, 4, 1]);
    expect(x.slice(null, 1, null, null).shape).toEqual([1, 1, 1, 3, 4]);
  });

  it("works on floats and bools and keeps the dtype", () => {
    expectTensor(f64([1.5, 2.5]).slice(-1), 2.5, "float64");
    expectTensor(np.array([true, false, true]).slice([null, null, 2]), [true, true], "bool");
  });
});

describe("x.slice(...): one int32 tensor index gathers", () => {
  it("along the axis it stands for, with the index's shape in place", () => {
    expectTensor(x.slice(0, 0, i32([3, 0, 3])), [3, 0, 3]);
    expect(
      x.slice(
        i32([
          [1, 0],
          [0, 1],
        ]),
      ).shape,
    ).toEqual([2, 2, 3, 4]);
    expectTensor(x.slice([], i32([2, 0]), 0), [
      [8, 0],
      [20, 12],
    ]);
    expectTensor(x.slice(1, i32(-1)), [20, 21, 22, 23]);
  });

  it("negative tensor indices count from the end", () => {
    expectTensor(x.slice(0, 0, i32([-1, -4])), [3, 0]);
  });

  it("with a number on another axis, as NumPy: adjacent advanced indices stay in place, separated ones go first", () => {
    // x[:, 0, [1, 2]] (adjacent): shape [2, 2]
    expectTensor(x.slice([], 0, i32([1, 2])), [
      [1, 2],
      [13, 14],
    ]);
    // x[0, :, [1, 2]] (a slice between): the index dims move first, shape [2, 3]
    expectTensor(x.slice(0, [], i32([1, 2])), [
      [1, 5, 9],
      [2, 6, 10],
    ]);
    // x[[1, 0], None, 0] (a new axis between): shape [2, 1, 4]
    expectTensor(x.slice(i32([1, 0]), null, 0), [[[12, 13, 14, 15]], [[0, 1, 2, 3]]]);
  });
});

describe("x.at(...).set / add / mul", () => {
  const v = np.array([1, 2, 3, 4]);

  it("return new tensors and leave x unchanged", () => {
    const y = v.at(0).set(10);
    expectTensor(y, [10, 2, 3, 4]);
    expectTensor(v, [1, 2, 3, 4]);
    expect(y).not.toBe(v);
  });

  it("set, add and mul at a position, a range (negative step) and a new axis, broadcasting the value", () => {
    expectTensor(v.at(-1).set(0), [1, 2, 3, 0]);
    expectTensor(v.at([1, 3]).add(10), [1, 12, 13, 4]);
    expectTensor(v.at([null, null, -2]).set([7, 8]), [1, 8, 3, 7]);
    expectTensor(v.at([null, null, 2]).mul(np.array([10, 100])), [10, 2, 300, 4]);
    expectTensor(np.zeros([2, 3]).at([], 1).set([5, 6]), [
      [0, 5, 0],
      [0, 6, 0],
    ]);
    expectTensor(
      np
        .zeros([2, 3])
        .at(1, null)
        .add([[1, 2, 3]]),
      [
        [0, 0, 0],
        [1, 2, 3],
      ],
    );
  });

  it("tensor indices: add accumulates repeated indices (as JAX's scatter-add), set and mul at distinct ones", () => {
    expectTensor(v.at(i32([0, 0, 2])).add(1), [3, 2, 4, 4]);
    expectTensor(v.at(i32([0, 0, 2])).add(np.array([1, 10, 100])), [12, 2, 103, 4]);
    expectTensor(v.at(i32([3, -4])).set(np.array([7, 9])), [9, 2, 3, 7]);
    expectTensor(v.at(i32([2, 0])).mul(np.array([10, 100])), [100, 2, 30, 4]);
    // set with one repeated value is well defined
    expectTensor(v.at(i32([1, 1])).set(0), [1, 0, 3, 4]);
  });

  it("keep x's dtype (values are cast, as JAX)", () => {
    expectTensor(i32([1, 2]).at(0).set(2.9), [2, 2], "int32");
    expectTensor(np.array([true, false]).at(1).set(true), [true, true], "bool");
    expectTensor(f64([1, 2]).at(1).mul(0.5), [1, 1], "float64");
  });

  it("positions other than the indexed ones keep their exact values, ∞ and NaN included", () => {
    expectTensor(np.array([Infinity, 5, NaN]).at(1).set(2), [Infinity, 2, NaN]);
    expectTensor(np.array([Infinity, 5, NaN]).at(1).mul(2), [Infinity, 10, NaN]);
  });
});

describe("derivatives: slices transpose to pad, gathers to scatter-add", () => {
  it("the gradient of a range is the cotangent padded with zeros (strides and negative steps too)", () => {
    expectTensor(grad((t: Tensor) => t.slice([1, 3]).sum())(f64([1, 2, 3, 4])), [0, 1, 1, 0]);
    expectTensor(
      grad((t: Tensor) =>
        t
          .slice([null, null, -2])
          .mul(f64([1, 2]))
          .sum(),
      )(f64([1, 2, 3])),
      [2, 0, 1],
    );
    expectTensor(
      grad((t: Tensor) =>
        t
          .slice(1, [null, null, -1])
          .mul(f64([1, 2]))
          .sum(),
      )(
        f64([
          [1, 2],
          [3, 4],
        ]),
      ),
      [
        [0, 0],
        [2, 1],
      ],
    );
    const jaxpr = String(makeJaxpr(grad((t: Tensor) => t.slice([1, 3]).sum()))(f64([1, 2, 3, 4])));
    expect(jaxpr).toMatch(/pad\[padding_config=\(\(1, 1, 0\),\)\]/);
  });

  it("the gradient of a tensor index is a scatter-add: repeated indices accumulate", () => {
    const g = grad((t: Tensor) =>
      t
        .slice(i32([0, 0, 2]))
        .mul(f64([1, 10, 100]))
        .sum(),
    )(f64([1, 2, 3]));
    expectTensor(g, [11, 0, 100]);
    expect(String(makeJaxpr(grad((t: Tensor) => t.slice(i32([0, 0, 2])).sum()))(f64([1, 2, 3])))).toMatch(
      /scatter_add/,
    );
  });

  it("at(...).set: zero gradient to the overwritten positions of x; the value gets the (summed) cotangent there", () => {
    const [gx, gv] = grad(
      (t: Tensor, u: Tensor) =>
        t
          .at([1, null])
          .set(u)
          .mul(f64([1, 2, 3]))
          .sum(),
      { argnums: [0, 1] },
    )(f64([0, 0, 0]), f64([5]));
    expectTensor(gx, [1, 0, 0]);
    expectTensor(gv, [5]);
  });

  it("at(...).add: identity for x, a gather for the value (repeats included)", () => {
    const [gx, gv] = grad(
      (t: Tensor, u: Tensor) =>
        t
          .at(i32([0, 0, 2]))
          .add(u)
          .mul(f64([1, 2, 3]))
          .sum(),
      { argnums: [0, 1] },
    )(f64([0, 0, 0]), f64([1, 1, 1]));
    expectTensor(gx, [1, 2, 3]);
    expectTensor(gv, [1, 1, 3]);
  });

  it("at(...).mul: the product rule at the indexed positions only", () => {
    const [gx, gv] = grad(
      (t: Tensor, u: Tensor) =>
        t
          .at(1)
          .mul(u)
          .mul(f64([1, 2, 3]))
          .sum(),
      { argnums: [0, 1] },
    )(f64([4, 5, 6]), f64([3]).slice(0));
    expectTensor(gx, [1, 6, 3]);
    expectTensor(gv, 10);
  });

  it("works under jvp, vjp, jacfwd, jacrev and makeJaxpr", () => {
    const f = (t: Tensor) => t.slice([null, null, -2]);
    expectTensor(jacfwd(f)(f64([1, 2, 3])), [
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expectTensor(jacrev(f)(f64([1, 2, 3])), [
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expectTensor(jvp(f, [f64([1, 2, 3])], [f64([10, 20, 30])])[1], [30, 10]);
    expectTensor(vjp(f, f64([1, 2, 3]))[1](f64([1, 2]))[0]!, [2, 0, 1]);
    // x.at[1].set(3·x[0]): d/dx
    expectTensor(jacrev((t: Tensor) => t.at(1).set(t.slice(0).mul(3)))(f64([1, 2, 3])), [
      [1, 0, 0],
      [3, 0, 0],
      [0, 0, 1],
    ]);
    expect(
      String(
        makeJaxpr((t: Tensor) => t.slice(1, [null, null, -1]))(
          f64([
            [1, 2],
            [3, 4],
          ]),
        ),
      ),
    ).toMatch(/slice\[.*\n.*rev\[dimensions=\(1,\)\]/);
  });
});

describe("errors name the operation and the bad index, and say what is allowed", () => {
  it("a number out of bounds (also in at)", () => {
    expect(catchError(() => x.slice(2), TracegradError).message).toMatch(
      /slice: index 2 is out of bounds for axis 0 with size 2 \(valid: -2 … 1\)/,
    );
    expect(catchError(() => x.slice(0, -4), TracegradError).message).toMatch(
      /slice: index -4 is out of bounds for axis 1 with size 3 \(valid: -3 … 2\)/,
    );
    expect(catchError(() => x.at(0, 0, 4).set(1), TracegradError).message).toMatch(
      /at: index 4 is out of bounds for axis 2 with size 4/,
    );
  });

  it("a tensor index out of bounds names the index and the axis size", () => {
    expect(catchError(() => x.slice(i32([0, 2])), TracegradError).message).toMatch(
      /index 2 is out of bounds for axis 0 with size 2/,
    );
    expect(catchError(() => x.at([], i32([-4])).add(1), TracegradError).message).toMatch(
      /index -4 is out of bounds for axis 1 with size 3/,
    );
  });

  it("more indices than axes is a ShapeError naming the rank and shape", () => {
    expect(catchError(() => x.slice(0, 0, 0, 0), ShapeError).message).toMatch(
      /slice: 4 indices for an array of rank 3 \(shape \[2, 3, 4\]\)/,
    );
    expect(catchError(() => np.array(5).slice(0), ShapeError).message).toMatch(/1 indices for an array of rank 0/);
  });

  it("fractional positions and range entries, a zero step, over-long ranges", () => {
    expect(catchError(() => x.slice(1.5), TracegradError).message).toMatch(
      /slice: index 1\.5 on axis 0 is not a whole number/,
    );
    expect(catchError(() => x.slice([0, 1.5]), TracegradError).message).toMatch(
      /slice: range entries must be whole numbers, got \[0,1\.5\] on axis 0/,
    );
    expect(catchError(() => x.slice([], [null, null, 0]), TracegradError).message).toMatch(
      /slice: a range step cannot be 0 \(axis 1\)/,
    );
    expect(catchError(() => x.slice([0, 1, 1, 1]), TracegradError).message).toMatch(
      /slice: a range has at most 3 entries \[start, stop, step\], got 4 on axis 0/,
    );
  });

  it("non-int32 tensor indices, two tensor indices, unsupported entries", () => {
    expect(catchError(() => x.slice(np.array([0])), TracegradError).message).toMatch(
      /slice: tensor indices must be int32, got float32; convert with astype\("int32"\)/,
    );
    expect(catchError(() => x.slice(i32([0]), i32([0])), TracegradError).message).toMatch(
      /slice: at most one tensor index is supported; index one axis at a time/,
    );
    expect(catchError(() => x.slice("1" as never), TracegradError).message).toMatch(
      /slice: unsupported index 1 on axis 0; use a number, \[start, stop, step\], null or an int32 tensor/,
    );
  });

  it("at(...): a value that does not broadcast to the indexed shape", () => {
    expect(catchError(() => np.zeros([3]).at([0, 2]).set([1, 2, 3]), ShapeError).message).toMatch(
      /at\(\.\.\.\)\.set: a value of shape \[3\] does not broadcast to the indexed shape \[2\]/,
    );
    expect(
      catchError(
        () =>
          np
            .zeros([2, 3])
            .at(0)
            .add(np.zeros([2, 3])),
        ShapeError,
      ).message,
    ).toMatch(/at\(\.\.\.\)\.add: a value of shape \[2, 3\] does not broadcast to the indexed shape \[3\]/);
  });

  it("at(...).mul multiplies repeatedly at repeated indices (as JAX's scatter-mul), also for traced indices", () => {
    // 2 and −1 both name position 2 of a size-3 axis: 1·2·2 = 4
    expect(
      np
        .ones([3])
        .at(i32([2, -1]))
        .mul(2)
        .toArray(),
    ).toEqual([1, 1, 4]);
    expect(
      np
        .ones([3])
        .at(i32([0, 2, 0, -3]))
        .mul(np.array([2, 3, 5, 7]))
        .toArray(),
    ).toEqual([70, 1, 3]);
    const traced = makeJaxpr((idx: Tensor) =>
      np
        .ones([3])
        .at(idx)
        .mul(np.array([2, 3])),
    )(i32([1, 1]));
    expect(evalJaxpr(traced.jaxpr, traced.consts, [i32([1, 1])])[0]!.toArray()).toEqual([1, 6, 1]);
    // d/dv of Σ x.at(1, 1).mul(v) = (v1, v0)
    expect(
      grad((v: Tensor) =>
        np
          .ones([3])
          .at(i32([1, 1]))
          .mul(v)
          .sum(),
      )(np.array([2, 3])).toArray(),
    ).toEqual([3, 2]);
  });

  it("at(...).set with a repeated index: the last one wins (NumPy), also for traced indices; the gradient goes to it", () => {
    expect(
      np
        .zeros([3])
        .at(i32([0, 0]))
        .set(np.array([1, 2]))
        .toArray(),
    ).toEqual([2, 0, 0]);
    expect(
      np
        .zeros([2, 2])
        .at(i32([1, -1, 0]))
        .set(
          np.array([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        )
        .toArray(),
    ).toEqual([
      [5, 6],
      [3, 4],
    ]);
    const traced = makeJaxpr((idx: Tensor) =>
      np
        .zeros([3])
        .at(idx)
        .set(np.array([1, 2])),
    )(i32([2, 2]));
    expect(evalJaxpr(traced.jaxpr, traced.consts, [i32([2, 2])])[0]!.toArray()).toEqual([0, 0, 2]);
    expect(
      grad((v: Tensor) =>
        np
          .zeros([3])
          .at(i32([1, 1]))
          .set(v)
          .sum(),
      )(np.array([1, 2])).toArray(),
    ).toEqual([0, 1]);
  });
});
