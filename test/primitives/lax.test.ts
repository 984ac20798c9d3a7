// lax primitives used directly: no broadcasting or promotion, typed shape/dtype errors, kernels and derivative rules by hand.

import { type ArrayLike, DTypeError, grad, jvp, lax, np, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, valuesOf } from "../helpers.js";

const i32 = (v: number[]) => np.array(v, { dtype: "int32" });
const f64 = (v: ArrayLike) => np.array(v, { dtype: "float64" });

describe("shape and dtype rules", () => {
  it("elementwise primitives need equal shapes and dtypes", () => {
    expect(catchError(() => lax.mul(np.ones([2]), np.ones([2, 1])), ShapeError).message).toMatch(
      /^mul: .*\[2\] and \[2, 1\]/,
    );
    expect(catchError(() => lax.add(np.ones([2]), f64([1, 1])), DTypeError).message).toMatch(
      /^add: operands must have equal dtypes, got float32 and float64; convert with astype/,
    );
  });

  it("float-only primitives refuse integers", () => {
    expect(catchError(() => lax.exp(i32([1])), DTypeError).message).toMatch(/exp: got dtype int32.*float32 or float64/);
    catchError(() => lax.pow(i32([1]), i32([1])), DTypeError);
  });

  it("select needs a bool predicate of the branches' shape", () => {
    expect(catchError(() => lax.select(np.array([1, 0]), np.ones([2]), np.ones([2])), DTypeError).message).toMatch(
      /select: the predicate must be bool/,
    );
    catchError(() => lax.select(np.array([true]), np.ones([2]), np.ones([2])), ShapeError);
  });

  it("structural primitives name their operands", () => {
    expect(catchError(() => lax.reshape(np.ones([2, 3]), [7]), ShapeError).message).toMatch(
      /reshape: .*\[2, 3\] \(6 elements\) to \[7\] \(7 elements\)/,
    );
    expect(catchError(() => lax.transpose(np.ones([2, 3]), [0, 0]), ShapeError).message).toMatch(
      /transpose: \(0, 0\) is not a permutation/,
    );
    expect(catchError(() => lax.slice(np.ones([3]), [2], [1]), ShapeError).message).toMatch(
      /slice: start \(2\), limit \(1\) and strides \(1\) do not describe a box inside shape \[3\]/,
    );
    expect(catchError(() => lax.broadcastInDim(np.ones([2]), [3, 2], [0]), ShapeError).message).toMatch(
      /broadcast_in_dim: .*operand axis 0 has size 2, the result's axis 0 has 3/,
    );
    expect(catchError(() => lax.concatenate([np.ones([2]), i32([1])], 0), DTypeError).message).toMatch(
      /concatenate: operands have different dtypes/,
    );
    expect(catchError(() => lax.reduceSum(np.ones([2]), [1]), ShapeError).message).toMatch(
      /reduce_sum: invalid axes \(1\)/,
    );
  });

  it("dot_general checks sizes and dtypes", () => {
    const e = catchError(
      () =>
        lax.dotGeneral(np.ones([2, 3, 4]), np.ones([3, 2, 5]), [
          [[2], [0]],
          [[0], [1]],
        ]),
      ShapeError,
    );
    expect(e.message).toMatch(
      /dot_general: contracting dimensions have different sizes \(lhs \[2, 3, 4\], rhs \[3, 2, 5\]/,
    );
    catchError(
      () =>
        lax.dotGeneral(np.ones([2]), f64([1, 1]), [
          [[0], [0]],
          [[], []],
        ]),
      DTypeError,
    );
  });
});

describe("kernels", () => {
  it("int32 arithmetic wraps and div truncates toward zero, as XLA", () => {
    expectTensor(lax.div(i32([7, -7]), i32([2, 2])), [3, -3], "int32");
    expectTensor(lax.mul(i32([65536]), i32([65536])), [0], "int32");
    expectTensor(lax.add(i32([2147483647]), i32([1])), [-2147483648], "int32");
  });

  it("broadcast_in_dim places operand axes at the given dimensions", () => {
    expectTensor(lax.broadcastInDim(np.array([1, 2]), [3, 2], [1]), [
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expectTensor(lax.broadcastInDim(np.array([1, 2]), [2, 3], [0]), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
  });

  it("slice takes a box", () => {
    expectTensor(
      lax.slice(np.reshape(np.arange(12), [3, 4]), [1, 1], [3, 3]),
      [
        [5, 6],
        [9, 10],
      ],
      "int32",
    );
  });

  it("dot_general with batch and contracting dimensions in arbitrary positions", () => {
    // lhs [b=2, m=3, k=4], rhs [k=4, b=2, n=5] → out [b, m, n]
    const l = np.reshape(np.arange(24), [2, 3, 4]).astype("float64");
    const r = np.reshape(np.arange(40), [4, 2, 5]).astype("float64");
    const out = lax.dotGeneral(l, r, [
      [[2], [0]],
      [[0], [1]],
    ]);
    expect(out.shape).toEqual([2, 3, 5]);
    const L = valuesOf(l);
    const R = valuesOf(r);
    const want: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let m = 0; m < 3; m++)
        for (let n = 0; n < 5; n++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += L[b * 12 + m * 4 + k]! * R[k * 10 + b * 5 + n]!;
          want.push(s);
        }
    expect(valuesOf(out)).toEqual(want);
  });

  it("reduce_max / reduce_min over axes", () => {
    expectTensor(
      lax.reduceMax(
        np.array([
          [1, 5],
          [7, 2],
        ]),
        [1],
      ),
      [5, 7],
    );
    expectTensor(
      lax.reduceMin(
        np.array([
          [1, 5],
          [7, 2],
        ]),
        [0],
      ),
      [1, 2],
    );
    expectTensor(lax.reduceMax(i32([-5, -9]), [0]), -5, "int32");
  });

  it("convert_element_type is the identity for the same dtype", () => {
    const x = np.ones([2]);
    expect(lax.convertElementType(x, "float32")).toBe(x);
  });
});

describe("derivative rules through lax", () => {
  it("slice transposes to zero padding", () => {
    expectTensor(grad((x: Tensor) => lax.slice(x, [1], [3]).sum())(f64([1, 2, 3, 4])), [0, 1, 1, 0]);
    expectTensor(
      grad((x: Tensor) => lax.slice(x, [0, 1], [1, 3]).sum())(
        f64([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ),
      [
        [0, 1, 1],
        [0, 0, 0],
      ],
    );
  });

  it("dot_general with batch dims: ∇ of Σ against the other operand", () => {
    const l = f64([[[1, 2]], [[3, 4]]]); // [b=2, m=1, k=2]
    const r = f64([
      [[5], [6]],
      [[7], [8]],
    ]); // [b=2, k=2, n=1]
    const [gl, gr] = grad(
      (a: Tensor, b: Tensor) =>
        lax
          .dotGeneral(a, b, [
            [[2], [1]],
            [[0], [0]],
          ])
          .sum(),
      { argnums: [0, 1] },
    )(l, r);
    expectTensor(gl, [[[5, 6]], [[7, 8]]]);
    expectTensor(gr, [
      [[1], [2]],
      [[3], [4]],
    ]);
  });

  it("select: the tangent follows the predicate", () => {
    const [, t] = jvp(
      (x: Tensor, y: Tensor) => lax.select(np.array([true, false]), x, y),
      [f64([1, 2]), f64([3, 4])],
      [f64([10, 20]), f64([30, 40])],
    );
    expectTensor(t, [10, 40]);
  });

  it("convert_element_type passes tangents between floats only", () => {
    const [, t] = jvp((x: Tensor) => lax.convertElementType(x, "float32"), [f64([1.5])], [f64([2])]);
    expectTensor(t, [2], "float32");
    const [, ti] = jvp((x: Tensor) => lax.convertElementType(x, "int32"), [f64([1.5])], [f64([2])]);
    expectTensor(ti, [0], "int32");
  });

  it("stop_gradient via lax", () => {
    expectTensor(grad((x: Tensor) => lax.stopGradient(x).mul(x))(f64(4)), 4);
  });

  it("a primitive without a transpose rule in a linear position fails naming it", async () => {
    const { backwardPass } = await import("../../src/transforms/backward.js");
    const { Jaxpr, Var, ShapedArray } = await import("tracegrad");
    const { sinP } = await import("../../src/primitives/elementwise/sin_cos.js");
    const a = new Var(new ShapedArray([], "float32"));
    const b = new Var(new ShapedArray([], "float32"));
    const j = new Jaxpr([], [a], [{ prim: sinP, inputs: [a], params: {}, outs: [b] }], [b]);
    const e = catchError(() => backwardPass(j, [], [np.array(1)]), TracegradError);
    expect(e.message).toMatch(/primitive 'sin' has no transpose rule/);
  });
});

describe("lax index operands given as JS arrays", () => {
  it("are int32 indices for gather and scatterAdd; a fractional one is a typed error", () => {
    expectTensor(lax.gather(np.array([10, 20, 30]), [2, 0], 0), [30, 10], "float32");
    expectTensor(lax.scatterAdd(np.array([1, 1]), [2, 2], 0, [3]), [0, 0, 2], "float32");
    expect(catchError(() => lax.gather(np.array([10, 20, 30]), [0.5], 0), TracegradError).message).toMatch(
      /^lax\.gather: index 0\.5 is not a whole number/,
    );
  });
});
