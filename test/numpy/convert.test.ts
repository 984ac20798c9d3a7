// np.array from numbers, booleans, nested arrays, typed arrays and tensors; dtype promotion and weak typing of JS numbers.

import { DTypeError, np, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor } from "../helpers.js";

describe("np.array", () => {
  it("makes float32 from JS numbers, nested arrays included", () => {
    expectTensor(np.array(3), 3, "float32");
    expectTensor(np.array([1, 2, 3]), [1, 2, 3], "float32");
    expectTensor(
      np.array([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      "float32",
    );
    expectTensor(np.array([[[1], [2]]]), [[[1], [2]]], "float32");
  });

  it("rounds JS numbers to float32 precision by default", () => {
    expect(np.array(0.1).item()).toBe(Math.fround(0.1));
    expect(np.array(0.1, { dtype: "float64" }).item()).toBe(0.1);
  });

  it("makes bool from booleans", () => {
    expectTensor(np.array(true), true, "bool");
    expectTensor(np.array([true, false]), [true, false], "bool");
    expectTensor(np.array([[false], [true]]), [[false], [true]], "bool");
  });

  it("honours an explicit dtype", () => {
    expectTensor(np.array([1, 2], { dtype: "int32" }), [1, 2], "int32");
    expectTensor(np.array([1.5, -2.5], { dtype: "float64" }), [1.5, -2.5], "float64");
    expectTensor(np.array([0, 2, 0.5], { dtype: "bool" }), [false, true, true], "bool");
    expectTensor(np.array([1.9, -1.9], { dtype: "int32" }), [1, -1], "int32");
  });

  it("takes the dtype of a typed array", () => {
    expectTensor(np.array(new Float32Array([1.5, 2])), [1.5, 2], "float32");
    expectTensor(np.array(new Float64Array([0.1])), [0.1], "float64");
    expectTensor(np.array(new Int32Array([-3, 4])), [-3, 4], "int32");
    expectTensor(np.array(new Uint8Array([1, 0, 1])), [true, false, true], "bool");
    expectTensor(np.array(new Float64Array([2.7, -2.7]), { dtype: "int32" }), [2, -2], "int32");
  });

  it("copies a typed array (later writes to it do not show)", () => {
    const src = new Float32Array([1, 2, 3]);
    const t = np.array(src);
    src[0] = 100;
    expectTensor(t, [1, 2, 3]);
  });

  it("returns a tensor as is, or converts it", () => {
    const t = np.array([1, 2]);
    expect(np.array(t)).toBe(t);
    expectTensor(np.array(t, { dtype: "float64" }), [1, 2], "float64");
    expectTensor(np.array(np.array([1.7, -1.7]), { dtype: "int32" }), [1, -1], "int32");
  });

  it("stacks nested arrays of tensors", () => {
    // ArrayLike's type has no arrays of Tensors (API.md allows them; runtime does), hence the cast.
    const nested = (xs: Tensor[]) => xs as unknown as number[][];
    const t = np.array(nested([np.array([1, 2]), np.array([3, 4])]));
    expectTensor(
      t,
      [
        [1, 2],
        [3, 4],
      ],
      "float32",
    );
    expectTensor(
      np.array(nested([np.array([1], { dtype: "int32" }), np.array([2.5], { dtype: "float64" })])),
      [[1], [2.5]],
      "float64",
    );
  });

  it("handles empty arrays", () => {
    const t = np.array([]);
    expect(t.shape).toEqual([0]);
    expect(t.size).toBe(0);
    expect(t.toArray()).toEqual([]);
  });

  it("rejects ragged and non-numeric data with a message naming the element", () => {
    expect(catchError(() => np.array([[1, 2], [3]]), ShapeError).message).toMatch(/np\.array.*ragged/);
    expect(catchError(() => np.array([1, "a"] as never), TracegradError).message).toMatch(
      /np\.array: element \[1\] is the string "a"/,
    );
    expect(catchError(() => np.array([1, 2], { dtype: "float16" as never }), DTypeError).message).toMatch(
      /unknown dtype "float16".*float32/,
    );
  });
});

describe("dtype promotion and weak typing of JS numbers", () => {
  const f32 = np.array([1, 2]);
  const f64 = np.array([1, 2], { dtype: "float64" });
  const i32 = np.array([1, 2], { dtype: "int32" });
  const b = np.array([true, false]);

  it("a JS number keeps the tensor's dtype", () => {
    expect(f64.mul(2).dtype).toBe("float64");
    expect(f32.mul(2).dtype).toBe("float32");
    expect(i32.mul(2).dtype).toBe("int32");
    expect(f64.add(0.5).dtype).toBe("float64");
    expectTensor(f64.mul(2), [2, 4], "float64");
  });

  it("a lone JS number is float32", () => {
    expect(np.array(2).dtype).toBe("float32");
    expect(np.add(2, 3).dtype).toBe("float32");
    expectTensor(np.multiply(2, 3), 6, "float32");
  });

  it("int32 with a non-integer JS number becomes float32", () => {
    expectTensor(i32.mul(2.5), [2.5, 5], "float32");
  });

  it("float32 with float64 promotes to float64", () => {
    expect(f32.add(f64).dtype).toBe("float64");
    expect(f64.mul(f32).dtype).toBe("float64");
  });

  it("int32 with a float tensor promotes to that float", () => {
    expect(i32.add(f32).dtype).toBe("float32");
    expect(i32.add(f64).dtype).toBe("float64");
    expectTensor(i32.add(np.array([0.5, 0.25])), [1.5, 2.25], "float32");
  });

  it("bool arithmetic promotes to int32 (with integers) or float32", () => {
    expectTensor(b.add(1), [2, 1], "int32");
    expectTensor(b.mul(1.5), [1.5, 0], "float32");
    expectTensor(np.negative(b), [-1, 0], "int32");
  });

  it("float-only math on integers gives float32", () => {
    expectTensor(
      np.divide(np.array([1, 3], { dtype: "int32" }), np.array([2, 2], { dtype: "int32" })),
      [0.5, 1.5],
      "float32",
    );
    expectClose(np.exp(np.array([0, 1], { dtype: "int32" })), [1, Math.E]);
    expect(np.sqrt(i32).dtype).toBe("float32");
  });
});
