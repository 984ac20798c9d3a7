// Tensor: accessors, toArray/item/toTypedArray, toString, JS conversions, chaining methods, immutability.
import { inspect } from "node:util";
import { ConcretizationError, np, ShapeError, Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor } from "../helpers.js";

describe("accessors", () => {
  const t = np.array([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it("shape, dtype, ndim, size", () => {
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    const s = np.array(7);
    expect([s.shape, s.ndim, s.size]).toEqual([[], 0, 1]);
  });

  it("toArray gives nested arrays, a plain value for 0-d", () => {
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(np.array(7).toArray()).toBe(7);
    expect(np.array(true).toArray()).toBe(true);
    expect(np.array([true, false]).toArray()).toEqual([true, false]);
  });

  it("item returns the number or boolean of a size-1 tensor", () => {
    expect(np.array(2.5).item()).toBe(2.5);
    expect(np.array([[4]], { dtype: "int32" }).item()).toBe(4);
    expect(np.array([false]).item()).toBe(false);
  });

  it("item on a tensor of size > 1 is a ShapeError with the shape and a remedy", () => {
    const e = catchError(() => t.item(), ShapeError);
    expect(e.message).toMatch(/item\(\)/);
    expect(e.message).toMatch(/\[2, 3\]/);
    expect(e.message).toMatch(/sum\(\)/);
  });

  it("toTypedArray returns row-major data in the dtype's array type", () => {
    expect(t.toTypedArray()).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(np.array([1], { dtype: "float64" }).toTypedArray()).toBeInstanceOf(Float64Array);
    expect(np.array([1], { dtype: "int32" }).toTypedArray()).toBeInstanceOf(Int32Array);
    expect(np.array([true, false]).toTypedArray()).toEqual(new Uint8Array([1, 0]));
    expect(t.transpose().toTypedArray()).toEqual(new Float32Array([1, 4, 2, 5, 3, 6]));
  });

  it("toTypedArray returns a copy", () => {
    const a = t.toTypedArray();
    a[0] = 99;
    expect(t.toTypedArray()[0]).toBe(1);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});

describe("toString", () => {
  // API.md's example, exactly: whole floats print without a trailing dot.
  it("prints float32 whole numbers as API.md shows", () => {
    expect(np.array([1, 2, 3]).toString()).toBe("Tensor([1, 2, 3], dtype=float32)");
    expect(String(np.array(3))).toBe("Tensor(3, dtype=float32)");
  });

  it("prints float32 values at float32 precision (shortest 7 digits)", () => {
    expect(String(np.array([1.5, 0.1, -2.25]))).toBe("Tensor([1.5, 0.1, -2.25], dtype=float32)");
  });

  it("prints float64, int32 and bool", () => {
    expect(String(np.array([0.1, 2], { dtype: "float64" }))).toBe("Tensor([0.1, 2], dtype=float64)");
    expect(String(np.array([1, -2], { dtype: "int32" }))).toBe("Tensor([1, -2], dtype=int32)");
    expect(String(np.array([true, false]))).toBe("Tensor([true, false], dtype=bool)");
    expect(String(np.array([NaN, Infinity]))).toBe("Tensor([NaN, Infinity], dtype=float32)");
  });

  it("puts rows of a matrix on separate aligned lines", () => {
    expect(
      String(
        np.array([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe("Tensor([[1, 2],\n        [3, 4]], dtype=float32)");
    expect(
      `${np.array(
        [
          [[1], [2]],
          [[3], [4]],
        ],
        { dtype: "int32" },
      )}`,
    ).toBe("Tensor([[[1],\n         [2]],\n        [[3],\n         [4]]], dtype=int32)");
  });
});

describe("JS conversions of size-1 tensors", () => {
  it("Number(t), +t and comparisons give the value", () => {
    const t = np.array(2.5);
    expect(Number(t)).toBe(2.5);
    expect(+t).toBe(2.5);
    expect((t as unknown as number) > 0).toBe(true);
    expect((t as unknown as number) < 2).toBe(false);
    expect(Number(np.array([[7]], { dtype: "int32" }))).toBe(7);
    expect(Number(np.array(true))).toBe(1);
  });

  it("converting a tensor of size > 1 is a ShapeError suggesting alternatives", () => {
    const e = catchError(() => Number(np.array([1, 2])), ShapeError);
    expect(e.message).toMatch(/shape \[2\]/);
    expect(e.message).toMatch(/item\(\)|sum\(\)|np\.greater/);
  });

  it("Node's util.inspect (console.log) prints what toString does", () => {
    expect(inspect(np.array([1, 2.5]))).toBe("Tensor([1, 2.5], dtype=float32)");
  });

  it("template strings use toString", () => {
    expect(`${np.array([1, 2])}`).toBe("Tensor([1, 2], dtype=float32)");
    expect("x = " + np.array([1, 2])).toBe("x = Tensor([1, 2], dtype=float32)");
  });

  it("ConcretizationError is a TracegradError", () => {
    expect(new ConcretizationError("x")).toBeInstanceOf(TracegradError);
    expect(new ConcretizationError("x").name).toBe("ConcretizationError");
  });
});

describe("chaining methods", () => {
  const x = np.array([1, 4], { dtype: "float64" });

  it("arithmetic", () => {
    expectTensor(x.add(1), [2, 5]);
    expectTensor(x.sub([1, 1]), [0, 3]);
    expectTensor(x.mul(x), [1, 16]);
    expectTensor(x.div(2), [0.5, 2]);
    expectTensor(x.pow(2), [1, 16]);
    expectTensor(x.neg(), [-1, -4]);
    expectTensor(np.array([-1, 2]).abs(), [1, 2]);
    expectTensor(x.sqrt(), [1, 2]);
  });

  it("transcendental functions match Math", () => {
    const v = [0.5, -1.25];
    const t = np.array(v, { dtype: "float64" });
    expectClose(t.exp(), v.map(Math.exp), { rtol: 1e-14 });
    expectClose(
      t.abs().log(),
      v.map((a) => Math.log(Math.abs(a))),
      { rtol: 1e-14 },
    );
    expectClose(t.sin(), v.map(Math.sin), { rtol: 1e-14 });
    expectClose(t.cos(), v.map(Math.cos), { rtol: 1e-14 });
    expectClose(t.tanh(), v.map(Math.tanh), { rtol: 1e-14 });
  });

  it("reductions and shape methods", () => {
    const m = np.array([
      [1, 5],
      [3, 2],
    ]);
    expectTensor(m.sum(), 11);
    expectTensor(m.mean({ axis: 0 }), [2, 3.5]);
    expectTensor(m.max({ axis: 1 }), [5, 3]);
    expectTensor(m.min(), 1);
    expectTensor(m.reshape([4]), [1, 5, 3, 2]);
    expectTensor(m.transpose(), [
      [1, 3],
      [5, 2],
    ]);
    expectTensor(m.matmul([1, 1]), [6, 5]);
    expectTensor(
      m.astype("int32"),
      [
        [1, 5],
        [3, 2],
      ],
      "int32",
    );
  });

  it("reads like the math: x·w + b summed", () => {
    const w = np.array([2, 3]);
    const b = np.array([1, 1]);
    expectTensor(np.array([1, 2]).mul(w).add(b).sum(), 1 * 2 + 1 + 2 * 3 + 1);
  });
});

describe("immutability", () => {
  it("operations never change their inputs", () => {
    const x = np.array([1, 2, 3]);
    const y = np.array([10, 20, 30]);
    x.add(y);
    x.mul(2);
    x.neg();
    x.reshape([3, 1]);
    x.transpose();
    np.concatenate([x, y]);
    x.astype("int32");
    expectTensor(x, [1, 2, 3]);
    expectTensor(y, [10, 20, 30]);
  });

  it("a reshaped view does not change when the source's copy is modified", () => {
    const x = np.array([1, 2, 3, 4]);
    const r = x.reshape([2, 2]);
    const copy = x.toTypedArray();
    copy.fill(0);
    expectTensor(r, [
      [1, 2],
      [3, 4],
    ]);
  });

  it("Tensor is the class every result belongs to", () => {
    expect(np.ones([2]).add(1)).toBeInstanceOf(Tensor);
  });
});
