// The np surface beyond the basics: log1p expm1 tan sign prod argmax argmin take slice — values and dtypes;
// derivatives as JAX defines them (subgradients at kinks, zero derivatives, transposes); and every kind of bad input
// raising a typed error that names the function, the bad value and what to do instead.

import { DTypeError, grad, jvp, makeJaxpr, nn, np, ShapeError, type Tensor, TracegradError, vjp } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, valuesOf } from "../helpers.js";

const f64 = (v: Parameters<typeof np.array>[0]) => np.array(v, { dtype: "float64" });
const i32 = (v: number | number[] | number[][]) => np.array(v, { dtype: "int32" });
const EXACT = { rtol: 0, atol: 0 };

describe("log1p, expm1, tan", () => {
  it("are accurate near 0 where log(1 + x) and eˣ − 1 are not", () => {
    expectClose(np.log1p(f64([1e-12, -1e-300, 1])), [1e-12 - 5e-25, -1e-300, Math.LN2], { rtol: 1e-15, atol: 0 });
    expectClose(np.expm1(f64([1e-12, -1e-300, 1])), [1e-12 + 5e-25, -1e-300, Math.E - 1], { rtol: 1e-15, atol: 0 });
    expect(np.log(np.add(1, f64([1e-17]))).item()).toBe(0); // what log1p avoids
  });

  it("tan, and integer inputs give float32", () => {
    expectClose(np.tan(f64([0, Math.PI / 4, -1])), [0, 1, Math.tan(-1)], { rtol: 1e-15, atol: 1e-16 });
    for (const f of [np.log1p, np.expm1, np.tan]) expect(f(i32([0, 1])).dtype).toBe("float32");
  });

  it("derivatives: 1/(1 + x), eˣ, 1 + tan²", () => {
    const g = (f: (t: Tensor) => Tensor, x: number) => grad((t: Tensor) => f(t))(f64(x)).item() as number;
    expect(g(np.log1p, 1)).toBeCloseTo(0.5, 15);
    expect(g(np.expm1, 1)).toBeCloseTo(Math.E, 14);
    expect(g(np.tan, Math.PI / 4)).toBeCloseTo(2, 14);
  });
});

describe("sign, prod", () => {
  it("sign is −1, 0 or 1 (NaN stays NaN); int32 stays int32, bool becomes int32", () => {
    expectTensor(np.sign(f64([-2.5, 0, 3, -0])), [-1, 0, 1, 0], "float64");
    expect(np.sign(f64([NaN])).item()).toBeNaN();
    expectTensor(np.sign(i32([-3, 0, 2])), [-1, 0, 1], "int32");
    expectTensor(np.sign(np.array([true, false])), [1, 0], "int32");
  });

  it("prod over axes with keepdims; bool → int32; an empty product is 1", () => {
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectTensor(np.prod(x), 720, "float64");
    expectTensor(np.prod(x, { axis: 0 }), [4, 10, 18]);
    expectTensor(np.prod(x, { axis: -1, keepdims: true }), [[6], [120]]);
    expectTensor(np.prod(i32([[2, 3]]), { axis: [0, 1] }), 6, "int32");
    expectTensor(np.prod(np.array([true, true, false])), 0, "int32");
    expectTensor(np.prod(np.zeros([0])), 1);
    expectTensor(np.prod(np.zeros([2, 0]), { axis: 1 }), [1, 1]);
  });
});

describe("argmax, argmin", () => {
  const x = f64([
    [1, 9, 9],
    [7, 2, 7],
  ]);

  it("index of the first extremum, flattened by default, int32", () => {
    expectTensor(np.argmax(x), 1, "int32");
    expectTensor(np.argmin(x), 0, "int32");
    expectTensor(np.argmax(x, { axis: 1 }), [1, 0]);
    expectTensor(np.argmin(x, { axis: -1 }), [0, 1]);
    expectTensor(np.argmax(x, { axis: 0 }), [1, 0, 0]);
  });

  it("keepdims keeps the reduced axis (all axes when flattened)", () => {
    expectTensor(np.argmax(x, { axis: 1, keepdims: true }), [[1], [0]]);
    expectTensor(np.argmax(x, { keepdims: true }), [[1]]);
  });

  it("NaN counts as the extremum (first NaN), as NumPy and JAX; bools work", () => {
    expectTensor(np.argmax(f64([1, NaN, 3, NaN])), 1);
    expectTensor(np.argmin(f64([1, -5, NaN])), 2);
    expectTensor(np.argmax(np.array([false, true, true])), 1);
  });

  it("an empty axis is a ShapeError; axis must be a single number", () => {
    expect(catchError(() => np.argmax(np.zeros([0])), ShapeError).message).toMatch(
      /np\.argmax: attempt to get the max of an empty axis \(shape \[0\]\)/,
    );
    expect(catchError(() => np.argmin(np.zeros([2, 0]), { axis: 1 }), ShapeError).message).toMatch(/np\.argmin.*empty/);
    expect(catchError(() => np.argmax(x, { axis: [0] as never }), TracegradError).message).toMatch(
      /np\.argmax: axis must be an integer, got an array of length 1/,
    );
  });
});

describe("take and slice", () => {
  const x = np.reshape(np.arange(12), [3, 4]);

  it("take without an axis indexes the flattened array; with one, gathers along it", () => {
    expectTensor(np.take(x, [11, 0, -1]), [11, 0, 11], "int32");
    expectTensor(np.take(x, [[0], [2]], { axis: 0 }), [[[0, 1, 2, 3]], [[8, 9, 10, 11]]]);
    expectTensor(np.take(x, i32([3, -4]), { axis: -1 }), [
      [3, 0],
      [7, 4],
      [11, 8],
    ]);
    expectTensor(np.take(x, 1, { axis: 1 }), [1, 5, 9]);
    expectTensor(np.take(np.array(5), [0, 0]), [5, 5], "float32");
    expect(np.take(x, [], { axis: 0 }).shape).toEqual([0, 4]);
  });

  it("np.slice(x, starts, ends): Python bounds (negative from the end, clamped), missing trailing axes whole", () => {
    expectTensor(np.slice(x, [1, 1], [3, 3]), [
      [5, 6],
      [9, 10],
    ]);
    expectTensor(np.slice(x, [-1], [100]), [[8, 9, 10, 11]]);
    expectTensor(np.slice(x, [0, -2], [1, 4]), [[2, 3]]);
    expect(np.slice(x, [2], [1]).shape).toEqual([0, 4]);
  });
});

describe("derivatives as JAX defines them", () => {
  const d = (f: (t: Tensor) => Tensor, x: number[]) => grad((t: Tensor) => f(t).sum())(f64(x));

  it("abs′(0) = 0 (the API's subgradient), ±1 elsewhere", () => {
    expectTensor(d(np.abs, [-2, 0, 3]), [-1, 0, 1]);
    expectTensor(jvp(np.abs, [f64([0])], [f64([1])])[1], [0]);
  });

  it("sign, comparisons, argmax/argmin and casts to int have zero derivatives", () => {
    expectTensor(d(np.sign, [-2, 0, 3]), [0, 0, 0]);
    const cmp = (t: Tensor) => np.add(np.greater(t, 0).astype("float64"), np.lessEqual(t, 1).astype("float64"));
    expectTensor(d(cmp, [-1, 0.5, 2]), [0, 0, 0]);
    expectTensor(jvp((t: Tensor) => np.argmax(t), [f64([1, 3, 2])], [f64([1, 1, 1])])[1], 0, "int32");
    expectTensor(jvp((t: Tensor) => np.argmin(t), [f64([1, 3, 2])], [f64([1, 1, 1])])[1], 0, "int32");
    expectTensor(
      d((t) => t.astype("int32").astype("float64"), [1.5, -2.5]),
      [0, 0],
    );
    // the index itself is constant: take(x, argmax x) has the one-hot gradient
    expectTensor(grad((t: Tensor) => np.take(t, np.argmax(t)))(f64([1, 5, 2])), [0, 1, 0]);
  });

  it("grad of an integer output is a DTypeError naming the dtype", () => {
    expect(catchError(() => grad((t: Tensor) => np.argmax(t))(f64([1, 2])), DTypeError).message).toMatch(
      /returned dtype int32; gradients need a float32\/float64 output/,
    );
  });

  it("max/min reductions share the gradient equally among ties, per reduced group", () => {
    expectTensor(grad((t: Tensor) => np.max(t))(f64([1, 3, 3])), [0, 0.5, 0.5]);
    expectClose(
      grad((t: Tensor) => np.max(t, { axis: 1, keepdims: true }).sum())(
        f64([
          [2, 2, 2],
          [1, 5, 5],
        ]),
      ),
      [
        [1 / 3, 1 / 3, 1 / 3],
        [0, 0.5, 0.5],
      ],
      EXACT,
    );
    expectTensor(
      grad((t: Tensor) => np.min(t, { axis: 0 }).sum())(
        f64([
          [1, 4],
          [1, 2],
        ]),
      ),
      [
        [0.5, 0],
        [0.5, 1],
      ],
    );
  });

  it("maximum/minimum split a tie 1/2–1/2 between the operands; so does clip at its bounds (JAX's clip is min∘max)", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.maximum(a, b).sum(), { argnums: [0, 1] })(
      f64([1, 2, 3]),
      f64([1, 5, 0]),
    );
    expectTensor(ga, [0.5, 0, 1]);
    expectTensor(gb, [0.5, 1, 0]);
    const [ha, hb] = grad((a: Tensor, b: Tensor) => np.minimum(a, b).sum(), { argnums: [0, 1] })(f64([2]), f64([2]));
    expectTensor(ha, [0.5]);
    expectTensor(hb, [0.5]);
    expectTensor(
      d((t) => np.clip(t, 0, 1), [-1, 0, 0.5, 1, 2]),
      [0, 0.5, 1, 0.5, 0],
    );
    expectTensor(
      d((t) => np.maximum(t, 0), [0]),
      [0.5],
    ); // unlike nn.relu, whose relu′(0) = 0
    expectTensor(d(nn.relu, [0]), [0]);
  });

  it("prod: exact gradients where elements are zero (no division)", () => {
    expectTensor(grad((t: Tensor) => np.prod(t))(f64([2, 3, 4])), [12, 8, 6]);
    expectTensor(grad((t: Tensor) => np.prod(t))(f64([0, 2, 3])), [6, 0, 0]);
    expectTensor(grad((t: Tensor) => np.prod(t))(f64([0, 0, 3])), [0, 0, 0]);
    expectTensor(
      grad((t: Tensor) => np.prod(t, { axis: 1 }).sum())(
        f64([
          [0, 5],
          [2, 3],
        ]),
      ),
      [
        [5, 0],
        [3, 2],
      ],
    );
  });

  it("no NaN where JAX's gradient is finite: power at 0 (x², 0ʸ)", () => {
    const [gx, gy] = grad((a: Tensor, b: Tensor) => np.power(a, b).sum(), { argnums: [0, 1] })(
      f64([0, 0, 3]),
      f64([2, 3, 0]),
    );
    expectTensor(gx, [0, 0, 0]);
    expectTensor(gy, [0, 0, Math.log(3)]);
  });

  it("take transposes to scatter-add (repeated indices accumulate)", () => {
    const f = (t: Tensor) => np.take(t, i32([0, 0, 2]));
    const [, back] = vjp(f, f64([1, 2, 3]));
    expectTensor(back(f64([1, 10, 100]))[0]!, [11, 0, 100]);
    expect(String(makeJaxpr(grad((t: Tensor) => f(t).sum()))(f64([1, 2, 3])))).toMatch(
      /scatter_add\[axis=0 batch_dims=0 shape=\(3,\)\]/,
    );
    const [, back2] = vjp(
      (t: Tensor) => np.take(t, i32([[1], [1]]), { axis: 1 }),
      f64([
        [1, 2],
        [3, 4],
      ]),
    );
    expectTensor(
      back2(
        f64([
          [[1], [2]],
          [[3], [4]],
        ]),
      )[0]!,
      [
        [0, 3],
        [0, 7],
      ],
    );
  });

  it("slice transposes to pad", () => {
    const [, back] = vjp((t: Tensor) => np.slice(t, [1], [3]), f64([1, 2, 3, 4]));
    expectTensor(back(f64([5, 6]))[0]!, [0, 5, 6, 0]);
    expect(String(makeJaxpr(grad((t: Tensor) => np.slice(t, [1], [3]).sum()))(f64([1, 2, 3, 4])))).toMatch(
      /pad\[padding_config=\(\(1, 1, 0\),\)\]/,
    );
  });

  it("concatenate and stack transpose to a split (slices of the cotangent)", () => {
    const [, back] = vjp(
      (a: Tensor, b: Tensor) => np.concatenate([a, b], 1),
      f64([[1], [2]]),
      f64([
        [3, 4],
        [5, 6],
      ]),
    );
    const [ga, gb] = back(
      f64([
        [10, 20, 30],
        [40, 50, 60],
      ]),
    );
    expectTensor(ga!, [[10], [40]]);
    expectTensor(gb!, [
      [20, 30],
      [50, 60],
    ]);
    const jaxpr = String(
      makeJaxpr(
        grad(
          (a: Tensor, b: Tensor) =>
            np
              .concatenate([a, b])
              .mul(f64([1, 2, 3]))
              .sum(),
          { argnums: [0, 1] },
        ),
      )(f64([1]), f64([1, 2])),
    );
    expect(jaxpr).toMatch(/slice\[limit_indices=\(1,\) start_indices=\(0,\)/);
    expect(jaxpr).toMatch(/slice\[limit_indices=\(3,\) start_indices=\(1,\)/);
    const [, sback] = vjp((a: Tensor, b: Tensor) => np.stack([a, b], 1), f64([1, 2]), f64([3, 4]));
    const [sa, sb] = sback(
      f64([
        [1, 2],
        [3, 4],
      ]),
    );
    expectTensor(sa!, [1, 3]);
    expectTensor(sb!, [2, 4]);
  });
});

describe("bad input: a typed error naming the function, the bad value, and what to do", () => {
  it("ragged nested arrays (at any depth) name the position", () => {
    expect(catchError(() => np.array([[1, 2], [3]]), ShapeError).message).toMatch(
      /np\.array: ragged nested array: at \[1\] expected 2 elements like the first row, got 1; every row must have the same length/,
    );
    expect(catchError(() => np.array([[[1], [2]], [[3]]]), ShapeError).message).toMatch(
      /np\.array: ragged nested array: at \[1\] expected 2 elements.*got 1/,
    );
    expect(catchError(() => np.array([[1, 2], 3] as never), ShapeError).message).toMatch(
      /np\.array: ragged nested array: at \[1\] expected 2 elements like the first row, got a scalar/,
    );
    expect(
      catchError(
        () =>
          np.array([
            [1, [2]],
            [3, 4],
          ] as never),
        ShapeError,
      ).message,
    ).toMatch(/np\.array: ragged nested array: element \[0, 1\] is an array/);
    expect(catchError(() => np.array([[], [1]]), ShapeError).message).toMatch(
      /np\.array: ragged.*expected 0 elements.*got 1/,
    );
  });

  it("non-numeric data names the element and its type", () => {
    const cases: [unknown, RegExp][] = [
      [[1, "a"], /np\.array: element \[1\] is the string "a"; expected numbers or booleans/],
      [[[1], [null]], /np\.array: element \[1, 0\] is null; expected numbers or booleans/],
      [[1, undefined], /np\.array: element \[1\] is of type undefined; expected numbers or booleans/],
      [[{}], /np\.array: element \[0\] is of type object/],
      [[1n], /np\.array: element \[0\] is of type bigint/],
      [[Symbol("s")], /np\.array: element \[0\] is of type symbol/],
      [
        "abc",
        /np\.array: data must be an array: a tensor, a number, a boolean, nested arrays of numbers, or a typed array, got the string "abc"/,
      ],
      [null, /np\.array: data must be an array: .*, got null/],
      [undefined, /np\.array: argument data is missing \(got undefined\)/],
      [{ length: 2 }, /np\.array: data must be an array: .*, got an object with keys \{length\}/],
    ];
    for (const [data, re] of cases)
      expect(catchError(() => np.array(data as never), TracegradError).message).toMatch(re);
    // the same check guards every function taking an ArrayLike
    expect(catchError(() => np.add([1, "2"] as never, 1), TracegradError).message).toMatch(
      /element \[1\] is the string "2"/,
    );
  });

  it("NaN, negative and fractional dimensions", () => {
    for (const bad of [NaN, -1, 1.5, Infinity]) {
      expect(catchError(() => np.full([2, bad], 0), ShapeError).message).toMatch(
        new RegExp(`np\\.full: invalid dimension ${bad} in shape .*dimensions are whole numbers ≥ 0`),
      );
      catchError(() => np.zeros([bad]), ShapeError);
      catchError(() => np.ones([bad, 2]), ShapeError);
    }
    expect(catchError(() => np.reshape(np.zeros([6]), [NaN, 6]), ShapeError).message).toMatch(
      /np\.reshape: invalid dimension NaN in shape \[NaN, 6\]; use whole numbers ≥ 0, or one −1/,
    );
    expect(catchError(() => np.reshape(np.zeros([6]), [-2, -3]), ShapeError).message).toMatch(
      /np\.reshape: invalid dimension -2/,
    );
    expect(catchError(() => np.reshape(np.zeros([6]), [1.5, 4]), ShapeError).message).toMatch(
      /np\.reshape: invalid dimension 1\.5/,
    );
    expect(catchError(() => np.eye(-1), ShapeError).message).toMatch(
      /np\.eye: n must be a whole number ≥ 0, got the number -1/,
    );
    expect(catchError(() => np.eye(2, 1.5), ShapeError).message).toMatch(
      /np\.eye: m must be a whole number ≥ 0, got the number 1\.5/,
    );
    expect(catchError(() => np.linspace(0, 1, 2.5), TracegradError).message).toMatch(
      /np\.linspace: num must be a whole number ≥ 0, got the number 2\.5/,
    );
    expect(catchError(() => np.linspace(0, 1, NaN), TracegradError).message).toMatch(
      /np\.linspace: num must be a whole number ≥ 0, got the number NaN/,
    );
    expect(catchError(() => np.broadcastTo(np.zeros([2]), [NaN]), ShapeError).message).toMatch(
      /np\.broadcastTo: .*\[NaN\]/,
    );
    // a whole number is a 1-D shape, as in NumPy; anything else is not a shape
    expect(np.zeros(3).toArray()).toEqual([0, 0, 0]);
    expect(catchError(() => np.zeros("3" as never), TracegradError).message).toMatch(
      /np\.zeros: shape must be an array of dimensions \(or one whole number\), got the string "3"/,
    );
  });

  it("np.broadcastTo rejects negative, fractional and non-numeric target dimensions with a ShapeError naming them", () => {
    expect(catchError(() => np.broadcastTo(1, [1.5]), ShapeError).message).toMatch(/np\.broadcastTo.*1\.5/);
    expect(catchError(() => np.broadcastTo(1, [-1]), ShapeError).message).toMatch(/np\.broadcastTo.*-1/);
    expect(catchError(() => np.broadcastTo(1, ["2"] as never), ShapeError).message).toMatch(/np\.broadcastTo/);
  });

  it("np.zeros and np.ones name themselves in shape and dtype errors", () => {
    expect(catchError(() => np.zeros([-1]), ShapeError).message).toMatch(/^np\.zeros: invalid dimension -1/);
    expect(catchError(() => np.ones([2], { dtype: "float16" as never }), DTypeError).message).toMatch(
      /^np\.ones: unknown dtype "float16"/,
    );
  });

  it("np.full rejects a non-numeric fill value", () => {
    expect(catchError(() => np.full([2], "a" as never), TracegradError).message).toMatch(/np\.full.*"a"/);
  });

  it("axis out of range, in every function that takes an axis", () => {
    const x = np.zeros([2, 3]);
    const cases: [string, () => unknown, number][] = [
      ["np.sum", () => np.sum(x, { axis: 2 }), 2],
      ["np.mean", () => np.mean(x, { axis: -3 }), -3],
      ["np.max", () => np.max(x, { axis: [0, 5] }), 5],
      ["np.min", () => np.min(x, { axis: 2 }), 2],
      ["np.prod", () => np.prod(x, { axis: 2 }), 2],
      ["np.argmax", () => np.argmax(x, { axis: 2 }), 2],
      ["np.argmin", () => np.argmin(x, { axis: -3 }), -3],
      ["np.take", () => np.take(x, [0], { axis: 2 }), 2],
      ["np.concatenate", () => np.concatenate([x, x], 2), 2],
      ["np.squeeze", () => np.squeeze(x, 2), 2],
      ["np.transpose", () => np.transpose(x, [0, 2]), 2],
      ["nn.logsumexp", () => nn.logsumexp(x, { axis: 2 }), 2],
    ];
    for (const [name, f, axis] of cases) {
      const esc = name.replace(".", "\\.");
      expect(catchError(f, ShapeError).message, name).toMatch(
        new RegExp(`^${esc}: axis ${axis} is out of range for an array of rank 2 \\(valid: -2 … 1\\)`),
      );
    }
    // expandDims and stack insert an axis: rank + 1 positions
    expect(catchError(() => np.expandDims(x, 3), ShapeError).message).toMatch(
      /^np\.expandDims: axis 3 is out of range for an array of rank 3 \(valid: -3 … 2\)/,
    );
    expect(catchError(() => np.stack([x, x], -4), ShapeError).message).toMatch(
      /^np\.stack: axis -4 is out of range for an array of rank 3/,
    );
    // fractional and NaN axes
    expect(catchError(() => np.sum(x, { axis: 0.5 }), ShapeError).message).toMatch(
      /np\.sum: axis 0\.5 is out of range/,
    );
    expect(catchError(() => np.mean(x, { axis: NaN }), ShapeError).message).toMatch(
      /np\.mean: axis NaN is out of range/,
    );
    expect(catchError(() => np.sum(x, { axis: [1, -1] }), ShapeError).message).toMatch(
      /np\.sum: repeated axis in \[1,-1\]/,
    );
  });

  it("reshape to a different size names both shapes and sizes", () => {
    expect(catchError(() => np.reshape(np.zeros([2, 3]), [4]), ShapeError).message).toMatch(
      /np\.reshape: cannot reshape an array of shape \[2, 3\] \(6 elements\) into shape \[4\]/,
    );
    expect(catchError(() => np.reshape(np.zeros([6]), [4, -1]), ShapeError).message).toMatch(
      /np\.reshape: cannot reshape .* \[6\] .* into shape \[4, -1\]/,
    );
    expect(catchError(() => np.zeros([6]).reshape([-1, -1]), ShapeError).message).toMatch(
      /np\.reshape: only one dimension may be −1, got \[-1, -1\]/,
    );
  });

  it("concatenate of mismatched shapes or ranks names every shape and the axis", () => {
    expect(catchError(() => np.concatenate([np.zeros([2, 2]), np.zeros([3, 3])], 1), ShapeError).message).toMatch(
      /np\.concatenate: shapes \[2, 2\], \[3, 3\] must match except along axis 1/,
    );
    expect(catchError(() => np.concatenate([np.zeros([2]), np.zeros([1, 1])]), ShapeError).message).toMatch(
      /np\.concatenate: shapes \[2\], \[1, 1\] must match/,
    );
    expect(catchError(() => np.concatenate([np.array(1), np.array(2)]), ShapeError).message).toMatch(
      /np\.concatenate: zero-dimensional arrays cannot be concatenated; use np\.stack/,
    );
    expect(catchError(() => np.concatenate([]), TracegradError).message).toMatch(
      /np\.concatenate: needs at least one array/,
    );
  });

  it("take out of bounds names the index and the axis size (also under grad); non-integer indices are rejected", () => {
    expect(catchError(() => np.take([1, 2, 3], [3]), TracegradError).message).toMatch(
      /take: index 3 is out of bounds for axis 0 with size 3 \(valid: -3 … 2\)/,
    );
    expect(catchError(() => np.take(np.zeros([2, 3]), [-4], { axis: 1 }), TracegradError).message).toMatch(
      /index -4 is out of bounds for axis 1 with size 3/,
    );
    expect(catchError(() => grad((t: Tensor) => np.take(t, [5]).sum())(f64([1, 2])), TracegradError).message).toMatch(
      /index 5 is out of bounds for axis 0 with size 2/,
    );
    expect(catchError(() => np.take([1, 2, 3], [1.5]), TracegradError).message).toMatch(
      /np\.take: index 1\.5 is not a whole number/,
    );
    expect(catchError(() => np.take([1, 2, 3], [NaN]), TracegradError).message).toMatch(
      /np\.take: index NaN is not a whole number/,
    );
    expect(catchError(() => np.take([1, 2, 3], np.array([1])), TracegradError).message).toMatch(
      /np\.take: indices must be int32, got float32; convert with astype\("int32"\)/,
    );
  });

  it("take rejects indices beyond the int32 range instead of wrapping them", () => {
    expect(catchError(() => np.take([1, 2, 3], [2 ** 32]), TracegradError).message).toMatch(
      /index 4294967296 is out of bounds/,
    );
  });

  it("unknown dtype strings, in every function that takes a dtype", () => {
    const cases: [string, () => unknown][] = [
      ["np.array", () => np.array([1], { dtype: "float16" as never })],
      ["np.full", () => np.full([1], 0, { dtype: "float16" as never })],
      ["np.arange", () => np.arange(3, { dtype: "float16" as never })],
      ["np.linspace", () => np.linspace(0, 1, 3, { dtype: "float16" as never })],
      ["np.eye", () => np.eye(2, 2, { dtype: "float16" as never })],
      ["np.astype", () => np.astype([1], "float16" as never)],
      ["Tensor.astype", () => np.zeros([1]).astype("float16" as never)],
    ];
    for (const [name, f] of cases) {
      expect(catchError(f, DTypeError).message, name).toMatch(
        new RegExp(
          `^${name.replace(".", "\\.")}: unknown dtype "float16"; use one of bool, uint32, int32, float32, float64`,
        ),
      );
    }
    catchError(() => np.zeros([1], { dtype: "f32" as never }), DTypeError);
    catchError(() => np.ones([1], { dtype: "Float32" as never }), DTypeError);
  });

  it("the valid neighbours of the bad inputs above work", () => {
    expect(valuesOf(np.take([1, 2, 3], [2, -3]))).toEqual([3, 1]);
    expect(np.reshape(np.zeros([2, 3]), [3, -1]).shape).toEqual([3, 2]);
    expect(np.broadcastTo(1, [2]).shape).toEqual([2]);
  });
});
