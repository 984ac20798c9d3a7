// Bad input to `random`: every mistake is a TracegradError (the most specific subclass) that names the function and
// says what to do — above all, a key of the wrong dtype or shape says how to make one — and the library keeps working.
import {
  ConcretizationError,
  DTypeError,
  jit,
  np,
  random,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError } from "../helpers.js";

const KEY = random.key(0);
/** Every public function of `random` that takes a key, called with `k` and otherwise good arguments. */
const WITH_KEY: [string, (k: unknown) => unknown][] = [
  ["random.split", (k) => random.split(k as Tensor)],
  ["random.foldIn", (k) => random.foldIn(k as Tensor, 1)],
  ["random.bits", (k) => random.bits(k as Tensor, [2])],
  ["random.uniform", (k) => random.uniform(k as Tensor, [2])],
  ["random.normal", (k) => random.normal(k as Tensor, [2])],
  ["random.truncatedNormal", (k) => random.truncatedNormal(k as Tensor, -1, 1, [2])],
  ["random.bernoulli", (k) => random.bernoulli(k as Tensor, 0.5, [2])],
  ["random.randint", (k) => random.randint(k as Tensor, [2], 0, 5)],
  ["random.categorical", (k) => random.categorical(k as Tensor, np.zeros([3]))],
  ["random.gumbel", (k) => random.gumbel(k as Tensor, [2])],
  ["random.exponential", (k) => random.exponential(k as Tensor, [2])],
  ["random.laplace", (k) => random.laplace(k as Tensor, [2])],
  ["random.logistic", (k) => random.logistic(k as Tensor, [2])],
  ["random.cauchy", (k) => random.cauchy(k as Tensor, [2])],
  ["random.rademacher", (k) => random.rademacher(k as Tensor, [2])],
  ["random.permutation", (k) => random.permutation(k as Tensor, 4)],
  ["random.choice", (k) => random.choice(k as Tensor, 4, [2])],
];

const BAD_KEYS: [string, () => unknown][] = [
  ["a float32 [2]", () => np.array([0, 0])],
  ["an int32 [2]", () => np.array([0, 0], { dtype: "int32" })],
  ["a uint32 [3]", () => np.array([0, 0, 0], { dtype: "uint32" })],
  ["a uint32 scalar", () => np.array(Uint32Array.of(7)).reshape([])],
  ["a uint32 [4, 2] (a batch of keys)", () => random.split(random.key(1), 4)],
  ["a plain JS array [0, 0]", () => [0, 0]],
  ["a number", () => 42],
  ["null", () => null],
  ["a string", () => "key"],
];

/** The message says how to make a key. */
const HOW = /random\.key\(seed\)/;

describe("a key of the wrong dtype or shape", () => {
  for (const [fn, call] of WITH_KEY) {
    it.each(BAD_KEYS)(`${fn} with %s as key: a TracegradError naming ${fn} that says how to make a key`, (_, bad) => {
      const e = catchError(() => call(bad()), TracegradError);
      expect(e.message).toContain(fn);
      expect(e.message).toMatch(HOW);
      // the library still works afterwards
      expect(random.bits(random.key(3)).dtype).toBe("uint32");
    });
  }

  it("a tensor of the wrong dtype or shape is a DTypeError that shows what it got", () => {
    const e1 = catchError(() => random.normal(np.array([0, 0]), [2]), DTypeError);
    expect(e1.message).toMatch(/f32\[2\]/);
    const e2 = catchError(() => random.uniform(np.array([0, 0, 0], { dtype: "uint32" })), DTypeError);
    expect(e2.message).toMatch(/u32\[3\]/);
    const e3 = catchError(() => random.bits(np.zeros([4, 2], { dtype: "uint32" })), DTypeError);
    expect(e3.message).toMatch(/u32\[4, ?2\]/);
    // a batch of keys: the message also points at vmap
    expect(e3.message).toMatch(/vmap/);
  });

  it("a missing key is an error, not a crash", () => {
    const e = catchError(() => (random.normal as unknown as () => Tensor)(), TracegradError);
    expect(e.message).toContain("random.normal");
  });

  it("under jit and vmap a bad key is the same typed error", () => {
    const e1 = catchError(() => jit((k: Tensor) => random.normal(k, [2]))(np.array([1, 2])), TracegradError);
    expect(e1.message).toContain("random.normal");
    expect(e1.message).toMatch(HOW);
    // vmap over a [3, 4] uint32 batch hands random.uniform u32[4] keys
    const e2 = catchError(
      () => vmap((k: Tensor) => random.uniform(k, [2]))(np.zeros([3, 4], { dtype: "uint32" })),
      TracegradError,
    );
    expect(e2.message).toContain("random.uniform");
    expect(e2.message).toMatch(HOW);
  });
});

describe("seeds", () => {
  const bad: [string, unknown][] = [
    ["−1", -1],
    ["1.5", 1.5],
    ["−0.5", -0.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["2⁵³ (too large for an exact JS number)", 2 ** 53],
    ["1e20", 1e20],
    ["−1n", -1n],
    ["2⁶⁴n (too large)", 2n ** 64n],
    ["the string '3'", "3"],
    ["null", null],
    ["undefined", undefined],
    ["an array", [1, 2]],
  ];
  it.each(bad)("random.key(%s) is a TracegradError naming random.key and the seed", (_, seed) => {
    const e = catchError(() => random.key(seed as number), TracegradError);
    expect(e.message).toContain("random.key");
    expect(e.message).toMatch(/seed/);
  });

  it("the largest seeds still work: 2⁵³ − 1 and 2⁶⁴ − 1n", () => {
    expect(random.key(2 ** 53 - 1).toArray()).toEqual([2 ** 21 - 1, 2 ** 32 - 1]);
    expect(random.key(2n ** 64n - 1n).toArray()).toEqual([2 ** 32 - 1, 2 ** 32 - 1]);
  });
});

describe("split, foldIn and bits arguments", () => {
  it.each([-1, 1.5, Number.NaN, "2"])("split(key, %s) is a TracegradError naming random.split", (num) => {
    const e = catchError(() => random.split(KEY, num as number), TracegradError);
    expect(e.message).toContain("random.split");
    expect(e.message).toMatch(/num/);
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN, "1", null])(
    "foldIn(key, %s) is a TracegradError naming random.foldIn and data",
    (d) => {
      const e = catchError(() => random.foldIn(KEY, d as number), TracegradError);
      expect(e.message).toContain("random.foldIn");
      expect(e.message).toMatch(/data/);
    },
  );

  it("foldIn with a float or non-scalar tensor is a DTypeError", () => {
    expect(catchError(() => random.foldIn(KEY, np.array(1.0)), DTypeError).message).toContain("random.foldIn");
    expect(catchError(() => random.foldIn(KEY, np.array([1, 2], { dtype: "int32" })), DTypeError).message).toContain(
      "random.foldIn",
    );
  });

  it.each([[[-1]], [[1.5]], [[2, -3]], ["3"], [[Number.NaN]]])("bits(key, %j) is a TracegradError", (s) => {
    const e = catchError(() => random.bits(KEY, s as number[]), TracegradError);
    expect(e.message).toContain("random.bits");
  });

  it("a shape too large to allocate is a ShapeError, not a hang or a RangeError", () => {
    const e = catchError(() => random.bits(KEY, [2 ** 20, 2 ** 20, 2 ** 20]), ShapeError);
    expect(e.message).toContain("random.bits");
    expect(catchError(() => random.split(KEY, 2 ** 40), TracegradError).message).toContain("random.split");
  });
});

describe("dtypes", () => {
  const floatSamplers: [string, (d: string) => unknown][] = [
    ["random.uniform", (d) => random.uniform(KEY, [2], { dtype: d as "float32" })],
    ["random.normal", (d) => random.normal(KEY, [2], { dtype: d as "float32" })],
    ["random.gumbel", (d) => random.gumbel(KEY, [2], { dtype: d as "float32" })],
    ["random.exponential", (d) => random.exponential(KEY, [2], { dtype: d as "float32" })],
    ["random.laplace", (d) => random.laplace(KEY, [2], { dtype: d as "float32" })],
    ["random.logistic", (d) => random.logistic(KEY, [2], { dtype: d as "float32" })],
    ["random.cauchy", (d) => random.cauchy(KEY, [2], { dtype: d as "float32" })],
    ["random.truncatedNormal", (d) => random.truncatedNormal(KEY, -1, 1, [2], { dtype: d as "float32" })],
  ];
  for (const [fn, call] of floatSamplers) {
    it.each(["int32", "uint32", "bool"])(`${fn} with dtype %s is a DTypeError naming ${fn}`, (d) => {
      const e = catchError(() => call(d), DTypeError);
      expect(e.message).toContain(fn);
      expect(e.message).toContain(d);
    });
  }

  it("an unknown dtype name is a TracegradError", () => {
    expect(
      catchError(() => random.normal(KEY, [2], { dtype: "float16" as "float32" }), TracegradError).message,
    ).toContain("random.normal");
  });

  it.each(["float32", "float64", "bool"])("randint with dtype %s is a DTypeError", (d) => {
    const e = catchError(() => random.randint(KEY, [2], 0, 5, { dtype: d as "int32" }), DTypeError);
    expect(e.message).toContain("random.randint");
    expect(e.message).toContain(d);
  });

  it("rademacher with an unsigned or bool dtype is a DTypeError", () => {
    expect(catchError(() => random.rademacher(KEY, [2], { dtype: "uint32" }), DTypeError).message).toContain(
      "random.rademacher",
    );
    expect(catchError(() => random.rademacher(KEY, [2], { dtype: "bool" }), DTypeError).message).toContain(
      "random.rademacher",
    );
  });
});

describe("choice and permutation", () => {
  it("choice without replacement taking more than the population is a ShapeError with both sizes", () => {
    const e = catchError(() => random.choice(KEY, 3, [5], { replace: false }), ShapeError);
    expect(e.message).toContain("random.choice");
    expect(e.message).toMatch(/5/);
    expect(e.message).toMatch(/3/);
    const e2 = catchError(() => random.choice(KEY, np.arange(4), [2, 3], { replace: false }), ShapeError);
    expect(e2.message).toMatch(/6/);
    expect(e2.message).toMatch(/4/);
  });

  it("choice with p of the wrong size, from an empty population, or with a bad axis", () => {
    expect(catchError(() => random.choice(KEY, 3, [2], { p: np.array([0.5, 0.5]) }), ShapeError).message).toContain(
      "random.choice",
    );
    expect(catchError(() => random.choice(KEY, 0, [2]), TracegradError).message).toContain("random.choice");
    expect(catchError(() => random.choice(KEY, -1, [2]), TracegradError).message).toContain("random.choice");
    expect(catchError(() => random.choice(KEY, np.zeros([2, 2]), [1], { axis: 3 }), ShapeError).message).toContain(
      "random.choice",
    );
  });

  it("permutation of a negative or fractional count, or along a missing axis", () => {
    expect(catchError(() => random.permutation(KEY, -3), TracegradError).message).toContain("random.permutation");
    expect(catchError(() => random.permutation(KEY, 2.5), TracegradError).message).toContain("random.permutation");
    expect(catchError(() => random.permutation(KEY, np.zeros([2, 2]), { axis: 5 }), ShapeError).message).toContain(
      "random.permutation",
    );
  });

  it("a traced count under jit is a ConcretizationError (the count fixes the output shape)", () => {
    const e = catchError(
      () => jit((n: Tensor) => random.permutation(KEY, n))(np.array(3, { dtype: "int32" })),
      TracegradError,
    );
    expect(e).toBeInstanceOf(ConcretizationError);
  });
});

describe("parameter shapes that do not broadcast to `shape`", () => {
  const cases: [string, () => unknown][] = [
    ["random.uniform", () => random.uniform(KEY, [2], { minval: np.zeros([3]) })],
    ["random.uniform", () => random.uniform(KEY, [3], { minval: np.zeros([2, 3]) })],
    ["random.uniform", () => random.uniform(KEY, [4], { maxval: np.ones([2, 1]) })],
    ["random.bernoulli", () => random.bernoulli(KEY, np.full([3], 0.5), [2])],
    ["random.bernoulli", () => random.bernoulli(KEY, np.full([2, 1], 0.5), [2])],
    ["random.truncatedNormal", () => random.truncatedNormal(KEY, np.zeros([3]), 1, [2, 2])],
    ["random.truncatedNormal", () => random.truncatedNormal(KEY, -1, np.ones([2, 2]), [2])],
    ["random.randint", () => random.randint(KEY, [4], np.zeros([3], { dtype: "int32" }), 5)],
    ["random.randint", () => random.randint(KEY, [4], 0, np.full([2, 4], 5, { dtype: "int32" }))],
    ["random.categorical", () => random.categorical(KEY, np.zeros([2, 3]), { shape: [10, 5] })],
    ["random.categorical", () => random.categorical(KEY, np.zeros([4, 5]), { shape: [1] })],
  ];
  it.each(cases)("%s: a ShapeError naming the function", (fn, call) => {
    const e = catchError(call, ShapeError);
    expect(e.message).toContain(fn);
  });

  it("shapes that do broadcast into `shape` are fine", () => {
    expect(random.uniform(KEY, [2, 3], { minval: np.zeros([3]), maxval: np.ones([2, 1]) }).shape).toEqual([2, 3]);
    expect(random.bernoulli(KEY, np.full([1, 3], 0.5), [4, 3]).shape).toEqual([4, 3]);
    expect(random.randint(KEY, [2, 4], np.zeros([4], { dtype: "int32" }), 5).shape).toEqual([2, 4]);
  });
});

describe("options", () => {
  it("an unknown option name is a TracegradError that suggests the right one", () => {
    const e = catchError(() => random.uniform(KEY, [2], { minVal: 0 } as never), TracegradError);
    expect(e.message).toContain("random.uniform");
    expect(e.message).toContain("minval");
  });

  it("an option of the wrong type is a TracegradError", () => {
    expect(catchError(() => random.uniform(KEY, [2], { minval: "a" as never }), TracegradError).message).toContain(
      "random.uniform",
    );
    expect(catchError(() => random.choice(KEY, 3, [2], { replace: "no" as never }), TracegradError).message).toContain(
      "random.choice",
    );
    expect(catchError(() => random.normal(KEY, "3" as never), TracegradError).message).toContain("random.normal");
  });

  it("categorical of a scalar (no category axis) is a TracegradError", () => {
    expect(catchError(() => random.categorical(KEY, 1.0), TracegradError).message).toContain("random.categorical");
  });
});
