// np.identity, logspace, geomspace, fullLike, empty, emptyLike, linspace's retstep, and the constants.
import { np, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, valuesOf } from "../helpers.js";

describe("identity, empty, emptyLike, fullLike", () => {
  it("identity is eye(n)", () => {
    expectTensor(
      np.identity(2),
      [
        [1, 0],
        [0, 1],
      ],
      "float32",
    );
    expect(np.identity(3, "int32").dtype).toBe("int32");
    expect(np.identity(0).shape).toEqual([0, 0]);
  });
  it("empty and emptyLike give the shape and dtype", () => {
    expect(np.empty([2, 3]).shape).toEqual([2, 3]);
    expect(np.empty(4, "float64").dtype).toBe("float64");
    const e = np.emptyLike(np.arange(3));
    expect([e.shape, e.dtype]).toEqual([[3], "int32"]);
    expect(np.emptyLike([1, 2], { dtype: "float64" }).dtype).toBe("float64");
  });
  it("fullLike keeps x's shape and dtype unless told", () => {
    expectTensor(np.fullLike(np.arange(3), 7), [7, 7, 7], "int32");
    expectTensor(np.fullLike([[1, 2]], 0.5, "float64"), [[0.5, 0.5]], "float64");
    expectTensor(np.fullLike([1, 2], true), [1, 1], "float32");
  });
});

describe("logspace and geomspace", () => {
  it("logspace: base^linspace, endpoint and base options", () => {
    expectClose(np.logspace(0, 2, 3, { dtype: "float64" }), [1, 10, 100], { rtol: 1e-15 });
    expectClose(np.logspace(0, 3, 3, false), [1, 10, 100], { rtol: 1e-6 });
    expectClose(np.logspace(0, 3, 4, { base: 2, dtype: "float64" }), [1, 2, 4, 8], { rtol: 1e-15 });
    expect(np.logspace(0, 1).shape).toEqual([50]);
  });
  it("geomspace: exact ends, negative progressions, errors at zero or mixed signs", () => {
    const g = np.geomspace(1, 1000, 4, { dtype: "float64" });
    expect(valuesOf(g)[0]).toBe(1);
    expect(valuesOf(g)[3]).toBe(1000);
    expectClose(g, [1, 10, 100, 1000], { rtol: 1e-14 });
    expectClose(np.geomspace(-1, -16, 5, { dtype: "float64" }), [-1, -2, -4, -8, -16], { rtol: 1e-14 });
    expectClose(np.geomspace(1, 16, 4, false), [1, 2, 4, 8], { rtol: 1e-6 });
    catchError(() => np.geomspace(0, 1), TracegradError);
    catchError(() => np.geomspace(-1, 1), TracegradError);
  });
});

describe("linspace retstep and endpoint", () => {
  it("returns [values, step] as NumPy", () => {
    const [v, step] = np.linspace(0, 1, 5, { retstep: true });
    expectClose(v, [0, 0.25, 0.5, 0.75, 1]);
    expect(step).toBe(0.25);
    const [w, s2] = np.linspace(0, 1, 4, { endpoint: false, retstep: true });
    expectClose(w, [0, 0.25, 0.5, 0.75]);
    expect(s2).toBe(0.25);
    expect(np.linspace(0, 1, 1, { retstep: true })[1]).toBeNaN();
  });
  it("rejects a non-boolean retstep", () => {
    catchError(() => np.linspace(0, 1, 3, { retstep: 1 as never }), TracegradError);
  });
});

describe("constants", () => {
  it("pi e inf nan newaxis", () => {
    expect(np.pi).toBe(Math.PI);
    expect(np.e).toBe(Math.E);
    expect(np.inf).toBe(Infinity);
    expect(np.nan).toBeNaN();
    expect(np.newaxis).toBeNull();
  });
});
