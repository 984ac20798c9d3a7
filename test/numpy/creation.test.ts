// Creation functions: zeros, ones, full, zerosLike, onesLike, arange, linspace, eye — shapes, dtypes, values.

import { np, ShapeError, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor } from "../helpers.js";

describe("zeros, ones, full", () => {
  it("default to float32", () => {
    expectTensor(np.zeros([2]), [0, 0], "float32");
    expectTensor(np.ones([2, 1]), [[1], [1]], "float32");
    expectTensor(
      np.full([2, 2], 7),
      [
        [7, 7],
        [7, 7],
      ],
      "float32",
    );
  });

  it("take a dtype", () => {
    expectTensor(np.ones([2], { dtype: "int32" }), [1, 1], "int32");
    expectTensor(np.zeros([1], { dtype: "bool" }), [false], "bool");
    expectTensor(np.full([2], 0.1, { dtype: "float64" }), [0.1, 0.1], "float64");
    expectTensor(np.full([2], 2.9, { dtype: "int32" }), [2, 2], "int32");
  });

  it("full with a boolean is bool", () => {
    expectTensor(np.full([1], true), [true], "bool");
  });

  it("0-d and empty shapes", () => {
    expectTensor(np.zeros([]), 0);
    expect(np.ones([0, 3]).size).toBe(0);
  });

  it("reject invalid shapes", () => {
    expect(catchError(() => np.zeros([2, -1]), ShapeError).message).toMatch(/np\.zeros: invalid dimension -1/);
    catchError(() => np.ones([1.5]), ShapeError);
    catchError(() => np.zeros(-3), ShapeError);
    catchError(() => np.zeros({ 0: 3 } as never), TracegradError);
  });
});

describe("zerosLike, onesLike", () => {
  it("copy shape and dtype", () => {
    expectTensor(np.zerosLike(np.ones([2], { dtype: "float64" })), [0, 0], "float64");
    expectTensor(np.onesLike(np.array([[1, 2]], { dtype: "int32" })), [[1, 1]], "int32");
    expectTensor(np.onesLike([1, 2]), [1, 1], "float32");
  });
});

describe("arange", () => {
  it("stop only, start–stop, and a step; int32 when all arguments are integers", () => {
    expectTensor(np.arange(5), [0, 1, 2, 3, 4], "int32");
    expectTensor(np.arange(2, 5), [2, 3, 4], "int32");
    expectTensor(np.arange(5, 0, -2), [5, 3, 1], "int32");
    expectTensor(np.arange(0), [], "int32");
    expectTensor(np.arange(3, 1), [], "int32");
  });

  it("float32 when any argument is fractional", () => {
    expectTensor(np.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], "float32");
    expectTensor(np.arange(0.5, 3), [0.5, 1.5, 2.5], "float32");
  });

  it("takes a dtype in the options (after step, or in its place)", () => {
    expectTensor(np.arange(0, 3, 1, { dtype: "float64" }), [0, 1, 2], "float64");
    expectTensor(np.arange(0, 3, { dtype: "float64" }), [0, 1, 2], "float64");
  });

  it("rejects a zero step and non-finite bounds", () => {
    expect(catchError(() => np.arange(0, 3, 0), TracegradError).message).toMatch(/step must not be zero/);
    catchError(() => np.arange(0, Infinity), TracegradError);
  });
});

describe("linspace", () => {
  it("includes both ends", () => {
    expectTensor(np.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], "float32");
    expectClose(np.linspace(-1, 2, 4), [-1, 0, 1, 2]);
  });

  it("defaults to 50 points and handles 1 and 0 points", () => {
    const t = np.linspace(0, 49);
    expect(t.shape).toEqual([50]);
    expect(t.toArray()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expectTensor(np.linspace(2, 3, 1), [2]);
    expectTensor(np.linspace(2, 3, 0), []);
  });

  it("rejects a bad count", () => {
    catchError(() => np.linspace(0, 1, -1), TracegradError);
    catchError(() => np.linspace(0, 1, 2.5), TracegradError);
  });
});

describe("eye", () => {
  it("square and rectangular identity", () => {
    expectTensor(
      np.eye(2),
      [
        [1, 0],
        [0, 1],
      ],
      "float32",
    );
    expectTensor(np.eye(2, 3), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expectTensor(np.eye(3, 2), [
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(np.eye(0).shape).toEqual([0, 0]);
  });
});
