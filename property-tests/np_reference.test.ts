// np / nn values and derivatives against the plain-JS float64 references in np_reference.ts (not against the
// library itself): broadcasting of random compatible shapes, every axis subset with and without keepdims,
// NumPy indexing and .at updates, and the numerically stable nn functions over |x| up to 1000.
import fc from "fast-check";
import { type DType, grad, type Index, nn, np, ShapeError, type Tensor, TracegradError, vjp } from "tracegrad";
import { describe, expect, it } from "vitest";
import type { Choose } from "../src/ir/rule_types.js";
import { chooser, gridFloat } from "./arbitraries.js";
import { runs, seed } from "./config.js";
import * as R from "./np_reference.js";
import { tensorOf } from "./numerics.js";

const SEED = seed(0x5eed_1d);
const assertProp = <T>(arb: fc.Arbitrary<T>, body: (t: T) => void, numRuns: number): void => {
  fc.assert(fc.property(arb, body), { seed: SEED, numRuns: runs(numRuns) });
};

// ───────────────────────────── comparing tensors with references ─────────────────────────────

interface Tol {
  rtol: number;
  atol: number;
}
const EXACT: Tol = { rtol: 0, atol: 0 };

const toTensor = (a: R.Arr, dtype: DType = "float64"): Tensor => tensorOf(a.data, a.shape, dtype);
const show = (a: R.Arr): string =>
  `shape [${a.shape}] ${JSON.stringify(a.data.length > 24 ? [...a.data.slice(0, 24), "…"] : a.data)}`;

/** Same shape, and |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN, ∞ must be equal, 0 = −0). */
function expectArr(what: string, actual: Tensor, expected: R.Arr, tol: Tol = EXACT): void {
  expect([...actual.shape], `${what}: shape`).toEqual(expected.shape);
  const a = Array.from(actual.toTypedArray(), Number);
  const bad = a.flatMap((v, i) => {
    const e = expected.data[i]!;
    const ok = Number.isNaN(e)
      ? Number.isNaN(v)
      : !Number.isFinite(e)
        ? v === e
        : Math.abs(v - e) <= tol.atol + tol.rtol * Math.abs(e);
    return ok ? [] : [`[${i}] got ${v}, expected ${e}`];
  });
  if (bad.length)
    throw new Error(
      `${what}: ${bad.length} of ${a.length} values differ\n  ${bad.slice(0, 6).join("\n  ")}\n  expected ${show(expected)}`,
    );
}

/** Every value finite (the stability properties). */
function expectFinite(what: string, t: Tensor): void {
  const bad = Array.from(t.toTypedArray(), Number).findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: element ${bad} is ${t.toTypedArray()[bad]}`);
}

/** Runs `f` expecting a TracegradError subclass whose message matches every pattern. */
function expectThrows(f: () => unknown, cls: typeof TracegradError, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected an error").toBeInstanceOf(cls);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

// ───────────────────────────── arbitraries ─────────────────────────────

const side = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 4 }) },
);
const shapeArb = (maxRank = 4, s: fc.Arbitrary<number> = side) => fc.array(s, { maxLength: maxRank });

/** Values on a fine grid, with small integers mixed in so that ties and exact zeros occur. */
const value = fc.oneof(
  { weight: 3, arbitrary: gridFloat(-3, 3) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) },
);
const arrOf = (shape: readonly number[], v: fc.Arbitrary<number> = value): fc.Arbitrary<R.Arr> =>
  fc.array(v, { minLength: R.sizeOf(shape), maxLength: R.sizeOf(shape) }).map((data) => R.arr(shape, data));
const arrArb = (maxRank = 4, v: fc.Arbitrary<number> = value) => shapeArb(maxRank).chain((s) => arrOf(s, v));

/** `n` shapes that broadcast together: variants of one base shape (leading axes dropped, some axes set to 1). */
const broadcastShapes = (n: number, maxRank = 4): fc.Arbitrary<number[][]> =>
  shapeArb(maxRank).chain((base) =>
    fc.tuple(
      ...Array.from({ length: n }, () =>
        fc
          .tuple(
            fc.nat({ max: base.length }),
            fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
          )
          .map(([drop, ones]) => base.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
      ),
    ),
  );
const broadcastArrs = (n: number, v: fc.Arbitrary<number> = value) =>
  broadcastShapes(n).chain((shapes) => fc.tuple(...shapes.map((s) => arrOf(s, v))));

/** Every subset of the axes of a rank-r array, each spelled as NumPy allows: undefined (all), a number, or a list. */
function axisSpellings(r: number, negMask: number): { axes: number[]; axis: number | number[] | undefined }[] {
  const out: { axes: number[]; axis: number | number[] | undefined }[] = [];
  for (let m = 0; m < 1 << r; m++) {
    const axes = Array.from({ length: r }, (_, i) => i).filter((i) => m & (1 << i));
    const spelled = axes.map((a) => (negMask & (1 << a) ? a - r : a));
    if (axes.length === r) out.push({ axes, axis: undefined });
    if (axes.length === 1) out.push({ axes, axis: spelled[0]! });
    out.push({ axes, axis: [...spelled].reverse() });
  }
  return out;
}

// ───────────────────────────── elementwise and broadcasting ─────────────────────────────

type Binary = (a: Tensor, b: Tensor) => Tensor;
const BINARY_NP: Record<string, Binary> = {
  add: np.add,
  subtract: np.subtract,
  multiply: np.multiply,
  divide: np.divide,
  power: np.power,
  maximum: np.maximum,
  minimum: np.minimum,
  equal: np.equal,
  notEqual: np.notEqual,
  less: np.less,
  lessEqual: np.lessEqual,
  greater: np.greater,
  greaterEqual: np.greaterEqual,
};
const COMPARISONS = new Set(["equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"]);

describe("elementwise binary ops on random broadcast-compatible shape pairs", () => {
  for (const [name, f] of Object.entries(BINARY_NP)) {
    it(`np.${name} matches the float64 reference`, () => {
      assertProp(
        broadcastArrs(2),
        ([a, b]) => {
          const want = R.elementwise(R.BINARY[name]!, a!, b!)!;
          const got = f(toTensor(a!), toTensor(b!));
          expect(got.dtype).toBe(COMPARISONS.has(name) ? "bool" : "float64");
          expectArr(`np.${name}(${show(a!)}, ${show(b!)})`, got, want, { rtol: 1e-15, atol: 0 });
          // broadcasting is symmetric in shape
          expect([...f(toTensor(b!), toTensor(a!)).shape]).toEqual(want.shape);
        },
        100,
      );
    });
  }

  it("incompatible shape pairs are a ShapeError naming the op and both shapes", () => {
    const clash = fc
      .tuple(
        shapeArb(3),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
        shapeArb(2, fc.integer({ min: 1, max: 3 })),
      )
      .filter(([, p, q]) => p !== q)
      .map(
        ([lead, p, q, tail]) =>
          [
            [...lead, p, ...tail],
            [q, ...tail],
          ] as const,
      );
    assertProp(
      clash,
      ([sa, sb]) => {
        for (const name of ["add", "multiply", "maximum", "less"]) {
          expectThrows(
            () => BINARY_NP[name]!(np.zeros(sa), np.zeros(sb)),
            ShapeError,
            new RegExp(`np\\.${name}`),
            new RegExp(`\\[${sa.join(", ")}\\] and \\[${sb.join(", ")}\\]`),
          );
        }
      },
      30,
    );
  });

  it("float32 add/subtract/multiply/divide are correctly rounded: exactly fround of the float64 result", () => {
    const f32 = value.map(Math.fround);
    assertProp(
      broadcastArrs(2, f32),
      ([a, b]) => {
        for (const name of ["add", "subtract", "multiply", "divide"]) {
          const got = BINARY_NP[name]!(toTensor(a!, "float32"), toTensor(b!, "float32"));
          expect(got.dtype).toBe("float32");
          const want = R.elementwise((x, y) => Math.fround(R.BINARY[name]!(x, y)), a!, b!)!;
          expectArr(`float32 np.${name}`, got, want);
        }
        // float32 with float64 promotes to float64 and computes in float64
        expectArr(
          "float32 + float64",
          np.add(toTensor(a!, "float32"), toTensor(b!)),
          R.elementwise(R.BINARY.add!, a!, b!)!,
        );
      },
      100,
    );
  });
});

const UNARY_NP: Record<string, (x: Tensor) => Tensor> = {
  negative: np.negative,
  exp: np.exp,
  log: np.log,
  log1p: np.log1p,
  expm1: np.expm1,
  sqrt: np.sqrt,
  square: np.square,
  sin: np.sin,
  cos: np.cos,
  tan: np.tan,
  tanh: np.tanh,
  abs: np.abs,
  sign: np.sign,
};

describe("elementwise unary ops", () => {
  it("each matches Math on random float64 arrays (NaN outside the domain), keeping shape and dtype", () => {
    assertProp(
      arrArb(3),
      (a) => {
        for (const [name, f] of Object.entries(UNARY_NP)) {
          const got = f(toTensor(a));
          expect(got.dtype, name).toBe("float64");
          expectArr(
            `np.${name}(${show(a)})`,
            got,
            { shape: a.shape, data: a.data.map(R.UNARY[name]!) },
            { rtol: 1e-15, atol: 0 },
          );
        }
      },
      150,
    );
  });

  it("np.sign and np.abs of int32 stay int32 with exact values", () => {
    assertProp(
      arrArb(3, fc.integer({ min: -5, max: 5 })),
      (a) => {
        const t = toTensor(a, "int32");
        expect(np.sign(t).dtype).toBe("int32");
        expectArr("np.sign int32", np.sign(t), { shape: a.shape, data: a.data.map(R.UNARY.sign!) });
        expectArr("np.abs int32", np.abs(t), { shape: a.shape, data: a.data.map(Math.abs) });
      },
      30,
    );
  });
});

describe("clip and where broadcast all three operands", () => {
  it("np.clip(x, lo, hi) = minimum(maximum(x, lo), hi)", () => {
    assertProp(
      broadcastArrs(3),
      ([x, lo, hi]) => {
        expectArr(
          `np.clip(${show(x!)}, ${show(lo!)}, ${show(hi!)})`,
          np.clip(toTensor(x!), toTensor(lo!), toTensor(hi!)),
          R.clip(x!, lo!, hi!)!,
        );
      },
      120,
    );
  });

  it("np.where(cond, x, y) with a bool or a numeric condition", () => {
    const cond = fc.integer({ min: -1, max: 1 });
    assertProp(
      broadcastShapes(3).chain((s) => fc.tuple(arrOf(s[0]!, cond), arrOf(s[1]!), arrOf(s[2]!), fc.boolean())),
      ([c, x, y, asBool]) => {
        const ct = asBool
          ? toTensor({ shape: c.shape, data: c.data.map((v) => Number(v !== 0)) }, "bool")
          : toTensor(c);
        expectArr(
          `np.where(${show(c)}, ${show(x)}, ${show(y)})`,
          np.where(ct, toTensor(x), toTensor(y)),
          R.where(c, x, y)!,
        );
      },
      120,
    );
  });
});

// ───────────────────────────── reductions ─────────────────────────────

const REDUCTIONS: Record<R.ReductionKind, (x: Tensor, o: { axis?: number | number[]; keepdims?: boolean }) => Tensor> =
  {
    sum: np.sum,
    mean: np.mean,
    max: np.max,
    min: np.min,
    prod: np.prod,
  };
/** Summation order may differ from the reference: allow round-off relative to the sizes involved. */
const REDUCE_TOL: Record<R.ReductionKind, Tol> = {
  sum: { rtol: 1e-12, atol: 1e-12 },
  mean: { rtol: 1e-12, atol: 1e-12 },
  prod: { rtol: 1e-12, atol: 1e-300 },
  max: EXACT,
  min: EXACT,
};

describe("reductions over every axis subset, with and without keepdims", () => {
  it("sum, mean, max, min and prod match the reference; max/min of an empty axis is a ShapeError", () => {
    const withNaN = fc.oneof({ weight: 30, arbitrary: value }, { weight: 1, arbitrary: fc.constant(NaN) });
    assertProp(
      fc.tuple(
        shapeArb(4, fc.integer({ min: 0, max: 3 })).chain((s) => arrOf(s, withNaN)),
        fc.nat({ max: 15 }),
      ),
      ([x, negMask]) => {
        const t = toTensor(x);
        for (const { axes, axis } of axisSpellings(x.shape.length, negMask)) {
          for (const keepdims of [false, true]) {
            for (const kind of Object.keys(REDUCTIONS) as R.ReductionKind[]) {
              const what = `np.${kind}(${show(x)}, { axis: ${JSON.stringify(axis)}, keepdims: ${keepdims} })`;
              const want = R.reduce(kind, x, axes, keepdims);
              if (!want) {
                expectThrows(
                  () => REDUCTIONS[kind](t, { axis, keepdims }),
                  ShapeError,
                  new RegExp(`np\\.${kind}: cannot reduce the empty axis`),
                );
                continue;
              }
              const got = REDUCTIONS[kind](t, { axis, keepdims });
              expect(got.dtype, what).toBe("float64");
              expectArr(what, got, want, REDUCE_TOL[kind]);
            }
          }
        }
      },
      80,
    );
  });

  it("int32 and bool inputs: exact values; sum/prod of bool are int32, max/min keep the dtype, mean is float32", () => {
    const cases = fc
      .tuple(shapeArb(3, fc.integer({ min: 1, max: 3 })), fc.boolean(), fc.nat({ max: 7 }))
      .chain(([s, isBool, negMask]) =>
        fc.tuple(
          arrOf(s, isBool ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: -4, max: 4 })),
          fc.constant(isBool),
          fc.constant(negMask),
        ),
      );
    assertProp(
      cases,
      ([x, isBool, negMask]) => {
        const t = toTensor(x, isBool ? "bool" : "int32");
        for (const { axes, axis } of axisSpellings(x.shape.length, negMask)) {
          for (const kind of Object.keys(REDUCTIONS) as R.ReductionKind[]) {
            const got = REDUCTIONS[kind](t, { axis });
            const dtype = kind === "mean" ? "float32" : isBool && (kind === "max" || kind === "min") ? "bool" : "int32";
            expect(got.dtype, `np.${kind} of ${t.dtype}`).toBe(dtype);
            const want = R.reduce(kind, x, axes, false)!;
            const f32 = kind === "mean" ? { shape: want.shape, data: want.data.map(Math.fround) } : want;
            expectArr(`np.${kind}(${t.dtype} ${show(x)}, { axis: ${JSON.stringify(axis)} })`, got, f32);
          }
        }
      },
      60,
    );
  });

  it("argmax and argmin: first extremum (first NaN), along each axis or flattened, int32, keepdims", () => {
    const withNaN = fc.oneof(
      { weight: 15, arbitrary: fc.integer({ min: -2, max: 2 }) },
      { weight: 5, arbitrary: value },
      { weight: 1, arbitrary: fc.constant(NaN) },
    );
    assertProp(
      fc.tuple(
        shapeArb(4, fc.integer({ min: 0, max: 3 })).chain((s) => arrOf(s, withNaN)),
        fc.boolean(),
      ),
      ([x, negative]) => {
        const t = toTensor(x);
        const r = x.shape.length;
        const axes: (number | undefined)[] = [
          undefined,
          ...Array.from({ length: r }, (_, a) => (negative ? a - r : a)),
        ];
        for (const axis of axes) {
          for (const keepdims of [false, true]) {
            for (const kind of ["argmax", "argmin"] as const) {
              const what = `np.${kind}(${show(x)}, { axis: ${axis}, keepdims: ${keepdims} })`;
              const want = R.argReduce(kind, x, axis === undefined ? undefined : R.normalizeAxis(axis, r), keepdims);
              if (!want) {
                expectThrows(() => np[kind](t, { axis, keepdims }), ShapeError, new RegExp(`np\\.${kind}`), /empty/);
                continue;
              }
              const got = np[kind](t, { axis, keepdims });
              expect(got.dtype, what).toBe("int32");
              expectArr(what, got, want);
            }
          }
        }
      },
      150,
    );
  });
});

// ───────────────────────────── linear algebra ─────────────────────────────

const LINALG_TOL: Tol = { rtol: 1e-12, atol: 1e-12 };

describe("matmul, dot and outer", () => {
  const dimArb = fc.integer({ min: 1, max: 4 });

  it("np.matmul: 1-D promotion, broadcast batch axes", () => {
    const cases = fc
      .record({
        batch: broadcastShapes(2, 2),
        m: dimArb,
        k: fc.integer({ min: 0, max: 4 }),
        n: dimArb,
        aVec: fc.boolean(),
        bVec: fc.boolean(),
      })
      .chain(({ batch, m, k, n, aVec, bVec }) => {
        const sa = aVec ? [k] : [...batch[0]!, m, k];
        const sb = bVec ? [k] : [...batch[1]!, k, n];
        return fc.tuple(arrOf(sa), arrOf(sb));
      });
    assertProp(
      cases,
      ([a, b]) => {
        expectArr(
          `np.matmul(${show(a)}, ${show(b)})`,
          np.matmul(toTensor(a), toTensor(b)),
          R.matmul(a, b)!,
          LINALG_TOL,
        );
      },
      150,
    );
  });

  it("np.matmul of misaligned operands is a ShapeError naming both shapes", () => {
    assertProp(
      fc.tuple(dimArb, dimArb, dimArb, dimArb).filter(([, k, k2]) => k !== k2),
      ([m, k, k2, n]) => {
        expectThrows(
          () => np.matmul(np.zeros([m, k]), np.zeros([k2, n])),
          ShapeError,
          /np\.matmul/,
          new RegExp(`\\[${m}, ${k}\\] and \\[${k2}, ${n}\\]`),
        );
      },
      20,
    );
  });

  it("np.dot: N-D contracts the last axis of a with the second-to-last of b; scalars multiply", () => {
    const cases = fc
      .record({
        lead: shapeArb(2, dimArb),
        k: dimArb,
        rest: shapeArb(2, dimArb),
        n: dimArb,
        aScalar: fc.nat({ max: 5 }),
        bKind: fc.nat({ max: 5 }),
      })
      .chain(({ lead, k, rest, n, aScalar, bKind }) => {
        const sa = aScalar === 0 ? [] : [...lead, k];
        const sb = bKind === 0 ? [] : bKind === 1 ? [k] : [...rest, k, n];
        return fc.tuple(arrOf(sa), arrOf(sb));
      });
    assertProp(
      cases,
      ([a, b]) => {
        expectArr(`np.dot(${show(a)}, ${show(b)})`, np.dot(toTensor(a), toTensor(b)), R.dot(a, b)!, LINALG_TOL);
      },
      150,
    );
  });

  it("np.outer flattens both operands", () => {
    assertProp(
      fc.tuple(arrArb(3), arrArb(3)),
      ([a, b]) => {
        expectArr("np.outer", np.outer(toTensor(a), toTensor(b)), R.outer(a, b));
      },
      50,
    );
  });
});

// ───────────────────────────── take ─────────────────────────────

/** x (distinct values), an axis (or none) and indices into it, some negative. */
const takeCase = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    axisChoice: fc.nat({ max: 5 }),
    negative: fc.boolean(),
    ishape: shapeArb(2, fc.integer({ min: 0, max: 3 })),
    asTensor: fc.boolean(),
  })
  .chain(({ shape, axisChoice, negative, ishape, asTensor }) => {
    const r = shape.length;
    const axis = axisChoice >= r ? undefined : negative ? axisChoice - r : axisChoice;
    const n = axis === undefined ? R.sizeOf(shape) : shape[R.normalizeAxis(axis, r)!]!;
    return fc.record({
      x: fc.constant(
        R.arr(
          shape,
          Array.from({ length: R.sizeOf(shape) }, (_, i) => i + 0.5),
        ),
      ),
      axis: fc.constant(axis),
      idx: arrOf(ishape, fc.integer({ min: -n, max: n - 1 })),
      asTensor: fc.constant(asTensor),
    });
  });

describe("np.take", () => {
  it("gathers along an axis (the flattened array without one), negative indices from the end", () => {
    assertProp(
      takeCase,
      ({ x, axis, idx, asTensor }) => {
        // nested JS arrays cannot spell a leading 0 axis with more axes after it
        const js = !asTensor && !(idx.shape[0] === 0 && idx.shape.length > 1);
        const indices = js ? (toTensor(idx).toArray() as number[]) : toTensor(idx, "int32");
        const got = np.take(toTensor(x), indices, axis === undefined ? {} : { axis });
        expectArr(
          `np.take(${show(x)}, ${show(idx)}, axis ${axis})`,
          got,
          R.take(x, idx, axis === undefined ? undefined : R.normalizeAxis(axis, x.shape.length))!,
        );
      },
      150,
    );
  });

  it("its transpose is a scatter-add: the VJP adds cotangents of repeated indices", () => {
    assertProp(
      takeCase,
      ({ x, axis, idx }) => {
        const ax = axis === undefined ? undefined : R.normalizeAxis(axis, x.shape.length)!;
        const flat = ax === undefined;
        const shape = flat ? [R.sizeOf(x.shape)] : x.shape;
        const outShape = R.take(x, idx, ax)!.shape;
        const u = R.arr(
          outShape,
          Array.from({ length: R.sizeOf(outShape) }, (_, i) => ((i * 7) % 5) - 2),
        );
        const [, back] = vjp((t: Tensor) => np.take(t, toTensor(idx, "int32"), flat ? {} : { axis: ax }), toTensor(x));
        const [ct] = back(toTensor(u));
        const index: R.RefIndex[] = [
          ...Array.from(
            { length: flat ? 0 : ax },
            (): R.RefIndex => ({ kind: "range", start: null, stop: null, step: null }),
          ),
          { kind: "array", idx },
        ];
        const want = R.indexTranspose(shape, index, u)!;
        expectArr("VJP of np.take", ct!, { shape: x.shape, data: want.data });
      },
      100,
    );
  });

  it("an index out of range is a TracegradError naming the index and the axis size", () => {
    const oob = fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
      .map(([n, d, neg]) => ({ n, j: neg ? -n - 1 - d : n + d }));
    assertProp(
      oob,
      ({ n, j }) => {
        expectThrows(
          () => np.take(np.zeros([n]), [0, j]),
          TracegradError,
          /take/,
          new RegExp(`index ${j}\\b`),
          new RegExp(`size ${n}\\b`),
        );
        expectThrows(
          () => np.take(np.zeros([2, n]), np.array([j], { dtype: "int32" }), { axis: 1 }),
          TracegradError,
          new RegExp(`index ${j}\\b`),
          new RegExp(`size ${n}\\b`),
        );
      },
      20,
    );
  });
});

// ───────────────────────────── NumPy indexing and .at ─────────────────────────────

interface IndexCase {
  shape: number[];
  index: R.RefIndex[];
}

/**
 * A random NumPy index for a random shape: integers (negative too), ranges with out-of-range bounds and negative
 * steps, newaxis anywhere, at most one int index array (unique positions when `unique`), missing trailing axes.
 */
function indexCase(c: Choose, unique: boolean): IndexCase {
  // choice 0 is always the simplest option (a whole-axis range, no newaxis), so shrinking simplifies the case
  const shape = Array.from({ length: 1 + c(4) }, () => (c(8) === 7 ? 0 : 1 + c(4)));
  const index: R.RefIndex[] = [];
  let hasArray = false;
  const bound = (n: number) => (c(4) === 0 ? null : c(2 * n + 5) - n - 2);
  const newaxes = () => {
    for (let j = 0; j < 2 && c(6) === 5; j++) index.push({ kind: "newaxis" });
  };
  for (const n of shape) {
    if (c(8) === 7) break; // leave the remaining axes implicit
    newaxes();
    const k = c(10);
    if (n > 0 && k >= 6 && k <= 8) index.push({ kind: "int", i: c(2 * n) - n });
    else if (n > 0 && k === 9 && !hasArray) {
      hasArray = true;
      let data: number[];
      let ishape: number[];
      if (unique) {
        const pool = Array.from({ length: n }, (_, j) => j);
        ishape = c(3) === 0 ? [] : [c(n + 1)];
        data = Array.from({ length: R.sizeOf(ishape) }, () => pool.splice(c(pool.length), 1)[0]!).map((j) =>
          c(2) ? j - n : j,
        );
      } else {
        ishape = Array.from({ length: c(3) }, () => c(4));
        data = Array.from({ length: R.sizeOf(ishape) }, () => c(2 * n) - n);
      }
      index.push({ kind: "array", idx: R.arr(ishape, data) });
    } else
      index.push({
        kind: "range",
        start: bound(n),
        stop: bound(n),
        step: c(3) === 0 ? null : [1, 2, 3, -1, -2, -3][c(6)]!,
      });
  }
  newaxes();
  return { shape, index };
}
const choices = fc.array(fc.noBias(fc.nat({ max: 1_000_000 })), { minLength: 160, maxLength: 160 });
const indexCases = (unique: boolean) => choices.map((cs) => indexCase(chooser(cs), unique));

/** The index as tracegrad takes it: numbers, [start, stop, step] (trailing nulls dropped), null, int32 tensors. */
function libIndex(index: readonly R.RefIndex[]): Index[] {
  return index.map((e): Index => {
    switch (e.kind) {
      case "int":
        return e.i;
      case "newaxis":
        return null;
      case "array":
        return toTensor(e.idx, "int32");
      case "range": {
        const r = [e.start, e.stop, e.step];
        while (r.length && r[r.length - 1] === null) r.pop();
        return r;
      }
    }
  });
}

/** Python spelling of an index, for failure messages: x[1, ::-2, None, [0, 2]]. */
function pyIndex(index: readonly R.RefIndex[]): string {
  const s = (v: number | null) => (v === null ? "" : String(v));
  return `[${index.map((e) => (e.kind === "int" ? String(e.i) : e.kind === "newaxis" ? "None" : e.kind === "array" ? `array(${JSON.stringify(e.idx.data)}, shape [${e.idx.shape}])` : `${s(e.start)}:${s(e.stop)}${e.step === null ? "" : `:${e.step}`}`)).join(", ")}]`;
}

const distinct = (shape: readonly number[]): R.Arr =>
  R.arr(
    shape,
    Array.from({ length: R.sizeOf(shape) }, (_, i) => i + 1),
  );
const withCase = (c: IndexCase, body: () => void): void => {
  try {
    body();
  } catch (e) {
    if (e instanceof Error) e.message = `x of shape [${c.shape}], index x${pyIndex(c.index)}\n${e.message}`;
    throw e;
  }
};

describe("x.slice(...): NumPy indexing", () => {
  it("matches NumPy semantics: ints, ranges (negative steps, clamped bounds), newaxis, one int array", () => {
    assertProp(
      indexCases(false),
      (c) =>
        withCase(c, () => {
          const x = distinct(c.shape);
          expectArr("x.slice(...)", toTensor(x).slice(...libIndex(c.index)), R.index(x, c.index)!);
        }),
      600,
    );
  });

  it("its VJP scatters the cotangent back into zeros (pad for ranges, scatter-add for arrays)", () => {
    assertProp(
      indexCases(false),
      (c) =>
        withCase(c, () => {
          const x = distinct(c.shape);
          const outShape = R.index(x, c.index)!.shape;
          const u = R.arr(
            outShape,
            Array.from({ length: R.sizeOf(outShape) }, (_, i) => ((i * 5) % 7) - 3),
          );
          const [, back] = vjp((t: Tensor) => t.slice(...libIndex(c.index)), toTensor(x));
          expectArr("VJP of x.slice(...)", back(toTensor(u))[0]!, R.indexTranspose(c.shape, c.index, u)!);
        }),
      300,
    );
  });

  it("an integer index out of bounds is a TracegradError naming the index and the axis size", () => {
    assertProp(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean()),
      ([n, d, neg, onAt]) => {
        const j = neg ? -n - 1 - d : n + d;
        const x = np.zeros([2, n]);
        const f = onAt ? () => x.at([], j).set(1) : () => x.slice([], j);
        expectThrows(f, TracegradError, new RegExp(`index ${j} is out of bounds for axis 1 with size ${n}`));
      },
      20,
    );
  });
});

/** The update value: shaped like a suffix of the indexed shape, with some axes 1 (it broadcasts). */
function updateValue(outShape: readonly number[], c: Choose): R.Arr {
  const s = outShape.slice(c(outShape.length + 1)).map((d) => (c(3) === 0 ? 1 : d));
  return R.arr(
    s,
    Array.from({ length: R.sizeOf(s) }, () => (c(9) - 4) / 2),
  );
}
const atCases = (unique: boolean) =>
  choices.map((cs) => {
    const c = chooser(cs);
    const ic = indexCase(c, unique);
    return { ...ic, v: updateValue(R.indexMap(ic.shape, ic.index)!.shape, c) };
  });

describe("x.at(...).set / add / mul", () => {
  it("set and mul (distinct positions) and add (repeated positions accumulate) match the reference", () => {
    assertProp(
      fc.tuple(atCases(true), atCases(false)),
      ([cu, cr]) => {
        withCase(cu, () => {
          const x = distinct(cu.shape);
          const t = toTensor(x);
          for (const kind of ["set", "add", "mul"] as const) {
            expectArr(
              `x.at(...).${kind}(${show(cu.v)})`,
              t.at(...libIndex(cu.index))[kind](toTensor(cu.v)),
              R.atUpdate(kind, x, cu.index, cu.v)!,
            );
          }
        });
        withCase(cr, () => {
          const x = distinct(cr.shape);
          expectArr(
            `x.at(...).add(${show(cr.v)})`,
            toTensor(x)
              .at(...libIndex(cr.index))
              .add(toTensor(cr.v)),
            R.atUpdate("add", x, cr.index, cr.v)!,
          );
        });
      },
      300,
    );
  });

  it("VJPs: add passes the cotangent to x and gathers it for v; set zeroes the overwritten positions for x", () => {
    assertProp(
      atCases(true),
      (c) =>
        withCase(c, () => {
          const x = distinct(c.shape);
          const u = R.arr(
            c.shape,
            Array.from({ length: R.sizeOf(c.shape) }, (_, i) => ((i * 3) % 7) - 3),
          );
          const gathered = R.index(u, c.index)!;
          const dv = R.sumTo(gathered, c.v.shape);
          for (const kind of ["add", "set"] as const) {
            const [, back] = vjp(
              (t: Tensor, v: Tensor) => t.at(...libIndex(c.index))[kind](v),
              toTensor(x),
              toTensor(c.v),
            );
            const [gx, gv] = back(toTensor(u));
            const wantX = kind === "add" ? u : R.atUpdate("set", u, c.index, R.scalarArr(0))!;
            expectArr(`VJP of at(...).${kind} for x`, gx!, wantX);
            expectArr(`VJP of at(...).${kind} for v`, gv!, dv);
          }
        }),
      200,
    );
  });
});

// ───────────────────────────── nn: softmax family ─────────────────────────────

/** Logits from tame to |x| = 1000, ties included. */
const logit = fc.oneof(
  { weight: 3, arbitrary: gridFloat(-1000, 1000) },
  { weight: 3, arbitrary: gridFloat(-5, 5) },
  { weight: 1, arbitrary: fc.constantFrom(-1000, 1000, 0, 999.5, -999.5) },
);
const softmaxCase = fc
  .record({
    x: shapeArb(3, fc.integer({ min: 1, max: 4 }))
      .filter((s) => s.length > 0)
      .chain((s) => arrOf(s, logit)),
    pick: fc.nat({ max: 7 }),
    neg: fc.nat({ max: 7 }),
    keepdims: fc.boolean(),
  })
  .map(({ x, pick, neg, keepdims }) => {
    const r = x.shape.length;
    // an axis spelling: undefined (softmax: −1; logsumexp: all), one axis, or a non-empty list of axes
    const all = axisSpellings(r, neg).filter((s) => s.axes.length > 0 && s.axis !== undefined);
    const { axes, axis } = pick === 0 ? { axes: [r - 1], axis: undefined } : all[pick % all.length]!;
    return { x, axes, axis, keepdims };
  });
const SOFT_TOL: Tol = { rtol: 1e-11, atol: 1e-300 };
const LOG_TOL: Tol = { rtol: 1e-12, atol: 1e-10 };
const GRAD_TOL: Tol = { rtol: 1e-9, atol: 1e-12 };

describe("softmax, logSoftmax and logsumexp over any axes, stable up to |x| = 1000", () => {
  it("values match the reference and are finite", () => {
    assertProp(
      softmaxCase,
      ({ x, axes, axis }) => {
        const t = toTensor(x);
        const what = `(${show(x)}, axis ${JSON.stringify(axis)})`;
        const s = nn.softmax(t, { axis });
        expectFinite(`nn.softmax${what}`, s);
        expectArr(`nn.softmax${what}`, s, R.softmax(x, axes), SOFT_TOL);
        const ls = nn.logSoftmax(t, { axis });
        expectFinite(`nn.logSoftmax${what}`, ls);
        expectArr(`nn.logSoftmax${what}`, ls, R.logSoftmax(x, axes), LOG_TOL);
      },
      200,
    );
  });

  it("logsumexp with keepdims (no axis = all axes)", () => {
    assertProp(
      softmaxCase,
      ({ x, axes, axis, keepdims }) => {
        const allAxes = axis === undefined ? x.shape.map((_, i) => i) : axes;
        const got = nn.logsumexp(toTensor(x), { axis, keepdims });
        expectFinite("nn.logsumexp", got);
        expectArr(
          `nn.logsumexp(${show(x)}, axis ${JSON.stringify(axis)}, keepdims ${keepdims})`,
          got,
          R.logsumexp(x, allAxes, keepdims),
          LOG_TOL,
        );
      },
      200,
    );
  });

  it("gradients: ∇logsumexp = softmax; softmax and logSoftmax VJPs match the closed forms; all finite", () => {
    assertProp(
      softmaxCase,
      ({ x, axes, axis }) => {
        const t = toTensor(x);
        const lseAxes = axis === undefined ? x.shape.map((_, i) => i) : axes;
        const gl = grad((z: Tensor) => nn.logsumexp(z, { axis }).sum())(t);
        expectFinite("∇logsumexp", gl);
        expectArr("∇logsumexp vs softmax", gl, R.softmax(x, lseAxes), GRAD_TOL);

        const w = R.arr(
          x.shape,
          x.data.map((_, i) => ((i * 7) % 5) - 2),
        );
        const y = R.softmax(x, axes);
        const gs = grad((z: Tensor) => nn.softmax(z, { axis }).mul(toTensor(w)).sum())(t);
        expectFinite("∇softmax", gs);
        const sw = R.groupSum(
          x.shape,
          axes,
          y.data.map((v, i) => v * w.data[i]!),
        );
        expectArr(
          "∇⟨w, softmax⟩ = y·(w − Σ y·w)",
          gs,
          { shape: x.shape, data: y.data.map((v, i) => v * (w.data[i]! - sw[i]!)) },
          GRAD_TOL,
        );

        const gls = grad((z: Tensor) => nn.logSoftmax(z, { axis }).mul(toTensor(w)).sum())(t);
        expectFinite("∇logSoftmax", gls);
        const sumW = R.groupSum(x.shape, axes, w.data);
        expectArr(
          "∇⟨w, logSoftmax⟩ = w − y·Σw",
          gls,
          { shape: x.shape, data: w.data.map((v, i) => v - y.data[i]! * sumW[i]!) },
          GRAD_TOL,
        );
      },
      150,
    );
  });
});

// ───────────────────────────── nn: elementwise activations ─────────────────────────────

const activationInput = fc.oneof(
  { weight: 3, arbitrary: gridFloat(-1000, 1000) },
  { weight: 4, arbitrary: gridFloat(-8, 8) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1000, -1000, 30, -30, 1e-8, -1e-8, 40, -40) },
);
const ACTIVATIONS: [string, (x: Tensor) => Tensor, (x: number) => number, string][] = [
  ["relu", nn.relu, R.relu, "relu"],
  ["sigmoid", nn.sigmoid, R.sigmoid, "sigmoid"],
  ["softplus", nn.softplus, R.softplus, "softplus"],
  ["logSigmoid", nn.logSigmoid, R.logSigmoid, "logSigmoid"],
  ["tanh", nn.tanh, Math.tanh, "tanh"],
  ["gelu (tanh approximation, the default)", (x) => nn.gelu(x), R.geluTanh, "geluTanh"],
  ["gelu (exact, erf)", (x) => nn.gelu(x, { approximate: false }), R.geluErf, "geluErf"],
];

describe("nn activations against the reference, |x| up to 1000", () => {
  for (const [name, f, ref, d] of ACTIVATIONS) {
    it(`${name}: finite values and derivatives that match the reference (relu′(0) = 0)`, () => {
      assertProp(
        arrArb(2, activationInput),
        (x) => {
          const t = toTensor(x);
          const y = f(t);
          expect(y.dtype).toBe("float64");
          expectFinite(name, y);
          // erf-based gelu: the library's erf is good to ~1e-13 absolute
          const atol = (v: number) => 2e-13 * Math.max(1, Math.abs(v));
          const want = x.data.map(ref);
          const got = Array.from(y.toTypedArray());
          got.forEach((v, i) => {
            const e = want[i]!;
            if (!(Math.abs(v - e) <= atol(x.data[i]!) + 1e-12 * Math.abs(e)))
              throw new Error(`nn.${name}(${x.data[i]}) = ${v}, expected ${e}`);
          });
          const w = R.arr(
            x.shape,
            x.data.map((_, i) => 1 + (i % 3)),
          );
          const g = grad((z: Tensor) => f(z).mul(toTensor(w)).sum())(t);
          expectFinite(`∇${name}`, g);
          expectArr(
            `∇nn.${name}(${show(x)})`,
            g,
            { shape: x.shape, data: x.data.map((v, i) => w.data[i]! * R.DERIV[d]!(v)) },
            GRAD_TOL,
          );
        },
        150,
      );
    });
  }
});

describe("nn.oneHot", () => {
  it("float32 one-hot rows along a new last axis; out-of-range and fractional labels give zeros", () => {
    const label = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom(0.5, 1.5, -0.5));
    assertProp(
      fc.tuple(arrArb(2, label), fc.integer({ min: 0, max: 5 }), fc.boolean()),
      ([labels, n, asInt]) => {
        const ints = asInt ? { shape: labels.shape, data: labels.data.map(Math.trunc) } : labels;
        const got = nn.oneHot(toTensor(ints, asInt ? "int32" : "float32"), n);
        expect(got.dtype).toBe("float32");
        expectArr(`nn.oneHot(${show(ints)}, ${n})`, got, R.oneHot(ints, n));
      },
      100,
    );
  });
});

// ───────────────────────────── the reference itself ─────────────────────────────

describe("reference self-checks", () => {
  it("erf/erfc agree with tabulated values", () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(R.erf(x) - v), `erf(${x})`).toBeLessThan(1e-15);
      expect(Math.abs(R.erf(-x) + v), `erf(${-x})`).toBeLessThan(1e-15);
    }
    const tail: [number, number][] = [
      [3, 2.209049699858544e-5],
      [4, 1.541725790028002e-8],
      [5, 1.537459794428035e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of tail) expect(Math.abs(R.erfc(x) / v - 1), `erfc(${x})`).toBeLessThan(1e-14);
  });

  it("the series and the continued fraction agree where both are accurate", () => {
    for (let x = 1.5; x <= 3.5; x += 0.125)
      expect(Math.abs(R.erfParts.series(x) - (1 - R.erfParts.tail(x))), `x = ${x}`).toBeLessThan(2e-15);
  });

  it("indexMap follows NumPy's placement of advanced-index dimensions", () => {
    const a = R.arr([2], [1, 0]);
    const idx = (...e: R.RefIndex[]) => R.indexMap([2, 3, 4], e)!.shape;
    const all: R.RefIndex = { kind: "range", start: null, stop: null, step: null };
    // x[0, :, arr] → advanced (0 and arr) separated by a slice: broadcast dims first
    expect(idx({ kind: "int", i: 0 }, all, { kind: "array", idx: a })).toEqual([2, 3]);
    // x[:, 0, arr] → adjacent: in place
    expect(idx(all, { kind: "int", i: 0 }, { kind: "array", idx: a })).toEqual([2, 2]);
    // x[arr, None, 0] → separated by newaxis: first
    expect(idx({ kind: "array", idx: a }, { kind: "newaxis" }, { kind: "int", i: 0 })).toEqual([2, 1, 4]);
    // x[:, ::-1] and x[1:100:2] clamp like Python
    expect(R.sliceIndices(null, null, -1, 3)).toEqual({ start: 2, step: -1, length: 3 });
    expect(R.sliceIndices(1, 100, 2, 4)).toEqual({ start: 1, step: 2, length: 2 });
    expect(R.sliceIndices(-100, -100, 1, 4).length).toBe(0);
  });
});
