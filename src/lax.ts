// The public `lax` namespace: primitives one-to-one (no broadcasting, no promotion), as JAX's lax; each checks its
// arguments at the boundary.
import * as E from "fp-ts/Either";
import type { DType } from "./core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "./core/errors.js";
import { array, arrays, axis, bool, choice, count, dtype, int, ints, shape } from "./core/params.js";
import { normalizeAxis } from "./core/shape.js";
import { Tensor } from "./core/tensor.js";
import { flatten, unflatten } from "./core/tree.js";
import { type At, type Checked, fail, guard, optional, options, orNull, type Param } from "./core/validate.js";
import { associativeScan } from "./higher_order/associative_scan.js";
import { cond, foriLoop, map, scan, switchBranches, whileLoop } from "./higher_order/control_flow.js";
import { asTensor } from "./numpy/convert.js";
import { indexTensor } from "./numpy/manipulation.js";
import * as p from "./primitives/index.js";
import { flattenTensors } from "./transforms/flat.js";

type In = Parameters<typeof asTensor>[0];
/** Operands as tensors; JS numbers are weakly typed (they take the dtype of the first tensor operand, as in JAX). */
function operands(xs: readonly In[]): Tensor[] {
  const like = xs.find((x): x is Tensor => x instanceof Tensor);
  return xs.map((x) => asTensor(x, like?.dtype));
}
/** `lax.<name>` over `n` array operands, then `extra` slots passed through. */
function op<F>(name: string, arrayNames: readonly string[], f: (...args: never[]) => Tensor, extra: Param[] = []): F {
  return guard<F & ((...args: never[]) => unknown)>(
    `lax.${name}`,
    [...arrayNames.map((a) => array(a)), ...extra],
    (...args: unknown[]) => {
      const ts = operands(args.slice(0, arrayNames.length) as In[]);
      // integer indices given as JS numbers are int32, as np.take's
      arrayNames.forEach((a, i) => {
        if (a === "indices" && !(args[i] instanceof Tensor)) ts[i] = indexTensor(`lax.${name}`, args[i] as In);
      });
      return (f as (...a: unknown[]) => Tensor)(...ts, ...args.slice(arrayNames.length));
    },
  );
}
type Un = (x: In) => Tensor;
type Bin = (x: In, y: In) => Tensor;
const un = (name: string, f: (x: Tensor) => Tensor): Un => op(name, ["x"], f);
const bin = (name: string, f: (x: Tensor, y: Tensor) => Tensor): Bin => op(name, ["x", "y"], f);

/** dot_general's `[[lhsContract, rhsContract], [lhsBatch, rhsBatch]]`, four lists of integers. */
const dimensionNumbers: Param<p.DimensionNumbers> = {
  ...ints("dimensionNumbers"),
  kind: "dimensionNumbers",
  check: (v: unknown, at: At) => {
    const lists = (x: unknown) =>
      Array.isArray(x) && x.length === 2 && x.every((l) => ints("").check(l, at)._tag === "Right");
    return Array.isArray(v) && v.length === 2 && v.every(lists)
      ? E.right(v as unknown as p.DimensionNumbers)
      : fail(at, "[[lhsContract, rhsContract], [lhsBatch, rhsBatch]], four arrays of integers", v);
  },
};
/** A convolution's padding: "VALID", "SAME", "SAME_LOWER" or one [lo, hi] pair per spatial dimension. */
const convPadding: Param<p.ConvPadding> = {
  ...ints("padding"),
  kind: "padConfig",
  check: (v: unknown, at: At) => {
    const pair = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every(Number.isInteger);
    return (typeof v === "string" && ["VALID", "SAME", "SAME_LOWER"].includes(v.toUpperCase())) ||
      (Array.isArray(v) && v.every(pair))
      ? E.right(v as p.ConvPadding)
      : fail(at, '"VALID", "SAME", "SAME_LOWER" or an array of [lo, hi] integer pairs, one per spatial dimension', v);
  },
};
/** A convolution's layouts: three strings such as ["NHWC", "HWIO", "NHWC"] (checked against the shapes later). */
const convLayouts: Param<p.ConvDimensionNumbersLike> = {
  ...ints("dimensionNumbers"),
  kind: "dimensionNumbers",
  check: (v: unknown, at: At) =>
    (Array.isArray(v) && v.length === 3 && v.every((s) => typeof s === "string")) ||
    (typeof v === "object" && v !== null && "lhsSpec" in v && "rhsSpec" in v && "outSpec" in v)
      ? E.right(v as p.ConvDimensionNumbersLike)
      : fail(at, 'three layout strings [lhs, rhs, out] such as ["NCHW", "OIHW", "NCHW"]', v),
};
/** pad's `[lo, hi, interior]` per axis. */
const padConfig: Param<[number, number, number][]> = {
  ...ints("config"),
  kind: "padConfig",
  check: (v: unknown, at: At) => {
    const triple = (x: unknown) => Array.isArray(x) && x.length === 3 && x.every(Number.isInteger);
    return Array.isArray(v) && v.every(triple)
      ? E.right(v as [number, number, number][])
      : fail(at, "an array of [lo, hi, interior] integer triples, one per axis", v);
  },
};

/**
 * The identity with derivative zero, over every leaf of a pytree of arrays (JAX's `stop_gradient`); also the top-level
 * `stopGradient`.
 * @example grad((x: Tensor) => stopGradient(x).mul(x))(3) // Tensor(3, dtype=float32)
 * stopGradient({ w: [1, 2] }) // { w: [Tensor(1, dtype=float32), Tensor(2, dtype=float32)] }
 */
export const stopGradient: <T>(x: T) => T extends In ? Tensor : unknown = guard(
  "stopGradient",
  [{ ...array("x"), kind: "pytree", check: (v: unknown) => E.right(v) }],
  (x: unknown) => {
    if (Array.isArray(x) && !flatten(x, "stopGradient")[0].some((l) => typeof l === "object"))
      return p.stopGradient(asTensor(x as In)); // nested numbers are one array
    const [leaves, def] = flattenTensors("stopGradient", x, "x");
    const out = leaves.map((l) => p.stopGradient(l));
    return def.kind === "leaf" ? out[0] : unflatten(def, out);
  },
);

/**
 * Direct access to primitives, as JAX's `lax`: operands must be tensors already agreeing in shape and dtype (no
 * broadcasting, no promotion).
 * @example lax.add(np.array([1, 2]), np.array([3, 4])) // Tensor([4, 6], dtype=float32)
 * lax.add(np.ones([2]), np.ones([1])) // throws ShapeError: np functions broadcast, lax primitives do not
 */
export const lax = {
  /**
   * The identity with derivative zero (the top-level `stopGradient`).
   * @example grad((x: Tensor) => lax.stopGradient(x).mul(x))(3) // Tensor(3, dtype=float32)
   */
  stopGradient,
  // elementwise: int32 `div` truncates toward zero; `pow` takes floats only; `max`/`min` split the derivative equally
  // at ties
  add: bin("add", p.add),
  sub: bin("sub", p.sub),
  mul: bin("mul", p.mul),
  div: bin("div", p.div),
  neg: un("neg", p.neg),
  exp: un("exp", p.exp),
  log: un("log", p.log),
  sin: un("sin", p.sin),
  cos: un("cos", p.cos),
  tanh: un("tanh", p.tanh),
  sqrt: un("sqrt", p.sqrt),
  pow: bin("pow", p.pow),
  /**
   * xⁿ for a JS integer n, by repeated squaring (JAX's integer_pow); np.power(x, n) uses it.
   * @example lax.integerPow(np.array([2, 3]), 3) // Tensor([8, 27], dtype=float32)
   */
  integerPow: op<(x: In, y: number) => Tensor>("integerPow", ["x"], p.integerPow, [int("y")]),
  max: bin("max", p.max),
  min: bin("min", p.min),
  // comparisons: bool results, zero derivative
  eq: bin("eq", p.eq),
  ne: bin("ne", p.ne),
  lt: bin("lt", p.lt),
  le: bin("le", p.le),
  gt: bin("gt", p.gt),
  ge: bin("ge", p.ge),
  /**
   * `pred ? onTrue : onFalse` elementwise (`pred` bool, all of one shape).
   * @example lax.select(np.array([true, false]), np.array([1, 2]), np.array([3, 4])) // Tensor([1, 4], dtype=float32)
   */
  select: op<(pred: In, onTrue: In, onFalse: In) => Tensor>("select", ["pred", "onTrue", "onFalse"], p.select),
  /**
   * Changes dtype; float → int32 truncates toward zero.
   * @example lax.convertElementType(np.array([1.7, -1.7]), "int32") // Tensor([1, -1], dtype=int32)
   */
  convertElementType: op<(x: In, newDtype: DType) => Tensor>("convertElementType", ["x"], p.convertElementType, [
    dtype("newDtype"),
  ]),
  /**
   * Sum over `axes` (dropped; no keepdims).
   * @example lax.reduceSum(np.ones([2, 3]), [0]) // Tensor([2, 2, 2], dtype=float32)
   */
  reduceSum: op<(x: In, axes: readonly number[]) => Tensor>("reduceSum", ["x"], p.reduceSum, [ints("axes")]),
  reduceMax: op<(x: In, axes: readonly number[]) => Tensor>("reduceMax", ["x"], p.reduceMax, [ints("axes")]),
  // as reduceSum; ties split the derivative equally
  reduceMin: op<(x: In, axes: readonly number[]) => Tensor>("reduceMin", ["x"], p.reduceMin, [ints("axes")]),
  /**
   * Operand axis i becomes result axis `dims[i]` of `shape`; size-1 axes repeat.
   * @example lax.broadcastInDim(np.array([1, 2]), [3, 2], [1]).toArray() // [[1, 2], [1, 2], [1, 2]]
   */
  broadcastInDim: op<(x: In, shape: readonly number[], dims: readonly number[]) => Tensor>(
    "broadcastInDim",
    ["x"],
    p.broadcastInDim,
    [shape(), ints("dims")],
  ),
  /** Row-major reshape to a fully given shape (no −1). @example lax.reshape(np.arange(6), [2, 3]).shape // [2, 3] */
  reshape: op<(x: In, shape: readonly number[]) => Tensor>("reshape", ["x"], p.reshape, [shape()]),
  /**
   * Result axis i is operand axis `permutation[i]`.
   * @example lax.transpose(np.zeros([2, 3, 4]), [2, 0, 1]).shape // [4, 2, 3]
   */
  transpose: op<(x: In, permutation: readonly number[]) => Tensor>("transpose", ["x"], p.transpose, [
    ints("permutation"),
  ]),
  /**
   * Joins along `dimension`.
   * @example lax.concatenate([np.arange(2), np.arange(1)], 0) // Tensor([0, 1, 0], dtype=int32)
   */
  concatenate: guard<(xs: readonly In[], dimension: number) => Tensor>(
    "lax.concatenate",
    [arrays("xs"), int("dimension")],
    (xs: In[], d: number) => p.concatenate(operands(xs), d),
  ),
  /**
   * Elements `start`, `start + stride`, … below `limit` on each axis.
   * @example lax.slice(np.arange(6), [1], [6], [2]) // Tensor([1, 3, 5], dtype=int32)
   */
  slice: op<(x: In, start: readonly number[], limit: readonly number[], strides?: readonly number[] | null) => Tensor>(
    "slice",
    ["x"],
    p.slice,
    [ints("start"), ints("limit"), optional(ints("strides"))],
  ),
  /**
   * Contraction with batch dims, `[[lhsContract, rhsContract], [lhsBatch, rhsBatch]]` as JAX; result axes: batch, lhs
   * free, rhs free.
   * @example lax.dotGeneral(np.ones([5, 2, 3]), np.ones([5, 3, 4]), [[[2], [1]], [[0], [0]]]).shape // [5, 2, 4]
   */
  dotGeneral: op<(x: In, y: In, dimensionNumbers: p.DimensionNumbers) => Tensor>(
    "dotGeneral",
    ["x", "y"],
    p.dotGeneral,
    [dimensionNumbers],
  ),
  /**
   * N-d convolution (1–3 spatial dims), as jax.lax.conv_general_dilated: padding "VALID", "SAME", "SAME_LOWER" or
   * [lo, hi] per spatial dim; dimensionNumbers as layout strings (default ["NCHW", "OIHW", "NCHW"]). Differentiable,
   * batchable, jittable.
   * @example lax.convGeneralDilated(np.ones([1, 5, 5, 2]), np.ones([3, 3, 2, 4]), [1, 1], "SAME", {
   *   dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }).shape // [1, 5, 5, 4]
   */
  convGeneralDilated: guard<
    (lhs: In, rhs: In, windowStrides: readonly number[], padding: p.ConvPadding, opts?: p.ConvOptions) => Tensor
  >(
    "lax.convGeneralDilated",
    [
      array("lhs"),
      array("rhs"),
      ints("windowStrides"),
      convPadding,
      options({
        lhsDilation: ints("lhsDilation"),
        rhsDilation: ints("rhsDilation"),
        dimensionNumbers: convLayouts,
        featureGroupCount: count("featureGroupCount"),
        batchGroupCount: count("batchGroupCount"),
      }),
    ],
    (lhs: In, rhs: In, s: number[], pad: p.ConvPadding, o: p.ConvOptions) => {
      const [l, r] = operands([lhs, rhs]);
      return p.convGeneral("lax.convGeneralDilated", l!, r!, s, pad, o);
    },
  ),
  /**
   * convGeneralDilated with NCHW/OIHW layouts and no dilation.
   * @example lax.conv(np.ones([1, 1, 4, 4]), np.ones([1, 1, 3, 3]), [1, 1], "VALID") // Tensor([[[[9, 9], [9, 9]]]], …)
   */
  conv: guard<(lhs: In, rhs: In, windowStrides: readonly number[], padding: p.ConvPadding) => Tensor>(
    "lax.conv",
    [array("lhs"), array("rhs"), ints("windowStrides"), convPadding],
    (lhs: In, rhs: In, s: number[], pad: p.ConvPadding) => {
      const [l, r] = operands([lhs, rhs]);
      return p.convGeneral("lax.conv", l!, r!, s, pad);
    },
  ),
  /**
   * convGeneralDilated with NCHW/OIHW layouts and the dilations positionally (null: none).
   * @example lax.convWithGeneralPadding(np.ones([1, 1, 3]), np.ones([1, 1, 2]), [1], [[1, 1]], [2], null).shape
   * // [1, 1, 6]
   */
  convWithGeneralPadding: guard<
    (
      lhs: In,
      rhs: In,
      windowStrides: readonly number[],
      padding: p.ConvPadding,
      lhsDilation?: readonly number[] | null,
      rhsDilation?: readonly number[] | null,
    ) => Tensor
  >(
    "lax.convWithGeneralPadding",
    [
      array("lhs"),
      array("rhs"),
      ints("windowStrides"),
      convPadding,
      optional(orNull(ints("lhsDilation"))),
      optional(orNull(ints("rhsDilation"))),
    ],
    (lhs: In, rhs: In, s: number[], pad: p.ConvPadding, ld?: number[], rd?: number[]) => {
      const [l, r] = operands([lhs, rhs]);
      return p.convGeneral("lax.convWithGeneralPadding", l!, r!, s, pad, {
        ...(ld && { lhsDilation: ld }),
        ...(rd && { rhsDilation: rd }),
      });
    },
  ),
  /**
   * The transposed convolution, as jax.lax.conv_transpose: `strides` dilate the input; "SAME"/"VALID" are the forward
   * convolution's padding (explicit pairs the transposed one's); layouts default to NHWC/HWIO/NHWC.
   * @example lax.convTranspose(np.ones([1, 3, 3, 1]), np.ones([3, 3, 1, 1]), [2, 2], "SAME").shape // [1, 6, 6, 1]
   */
  convTranspose: guard<
    (lhs: In, rhs: In, strides: readonly number[], padding: p.ConvPadding, opts?: p.ConvTransposeOptions) => Tensor
  >(
    "lax.convTranspose",
    [
      array("lhs"),
      array("rhs"),
      ints("strides"),
      convPadding,
      options({
        rhsDilation: ints("rhsDilation"),
        dimensionNumbers: convLayouts,
        transposeKernel: bool("transposeKernel"),
      }),
    ],
    (lhs: In, rhs: In, s: number[], pad: p.ConvPadding, o: p.ConvTransposeOptions) => {
      const [l, r] = operands([lhs, rhs]);
      return p.convTransposeOp(l!, r!, s, pad, o);
    },
  ),
  // more elementwise: `logistic` is the sigmoid; `sign` and comparisons have zero derivative; abs′(0) = 0
  log1p: un("log1p", p.log1p),
  expm1: un("expm1", p.expm1),
  tan: un("tan", p.tan),
  logistic: un("logistic", p.logistic),
  erf: un("erf", p.erf),
  abs: un("abs", p.abs),
  sign: un("sign", p.sign),
  // rounding, on floats, with zero derivative
  floor: un("floor", p.floor),
  ceil: un("ceil", p.ceil),
  /**
   * The nearest integer; halfway cases away from zero (JAX's default), or to even with "toNearestEven" (or 1).
   * @example lax.round(np.array([0.5, 1.5, -2.5])) // Tensor([1, 2, -3], dtype=float32)
   * lax.round(np.array([0.5, 1.5, -2.5]), "toNearestEven") // Tensor([0, 2, -2], dtype=float32)
   */
  round: op<(x: In, roundingMethod?: p.RoundingMethod | { roundingMethod?: p.RoundingMethod }) => Tensor>(
    "round",
    ["x"],
    (x: Tensor, o: { roundingMethod?: p.RoundingMethod }) => p.round(x, o.roundingMethod),
    [
      options(
        { roundingMethod: choice("roundingMethod", ["awayFromZero", "toNearestEven", 0, 1] as const) },
        "roundingMethod",
      ),
    ],
  ),
  /**
   * The next float after x1 toward x2, in their dtype (float32 steps by float32 ulps); zero derivative.
   * @example lax.nextafter(np.array(1), np.array(2)) // Tensor(1.0000001, dtype=float32)
   */
  nextafter: bin("nextafter", p.nextafter),
  /**
   * Rounds floats to `exponentBits` exponent and `mantissaBits` mantissa bits (ties to even), as XLA: beyond the
   * reduced range ±∞, at or below its smallest normal exponent ±0; NaN stays NaN. (8, 7) is bfloat16, (5, 10) float16.
   * Linear: tangents and cotangents are reduced alike.
   * @example lax.reducePrecision(np.array([0.1, 65520]), 5, 10) // Tensor([0.099975586, Infinity], dtype=float32)
   */
  reducePrecision: op<(x: In, exponentBits: number, mantissaBits: number) => Tensor>(
    "reducePrecision",
    ["x"],
    p.reducePrecision,
    (
      [
        ["exponentBits", 1],
        ["mantissaBits", 0],
      ] as const
    ).map(([name, min]) => ({
      ...int(name),
      check: (v: unknown, at: At) =>
        Number.isInteger(v) && (v as number) >= min ? E.right(v as number) : fail(at, `an integer ≥ ${min}`, v),
    })),
  ),
  // inverse and hyperbolic functions of floats, with JAX's derivatives (asin, acos, atanh NaN beyond ±1; acosh below 1)
  asin: un("asin", p.asin),
  acos: un("acos", p.acos),
  atan: un("atan", p.atan),
  asinh: un("asinh", p.asinh),
  acosh: un("acosh", p.acosh),
  atanh: un("atanh", p.atanh),
  sinh: un("sinh", p.sinh),
  cosh: un("cosh", p.cosh),
  /**
   * The four-quadrant arctangent of x/y, as Math.atan2(x, y): the signs of zeros pick the quadrant.
   * @example lax.atan2(np.array([1, 0]), np.array([0, -1])) // Tensor([1.5707964, 3.1415927], dtype=float32)
   */
  atan2: bin("atan2", p.atan2),
  cbrt: un("cbrt", p.cbrt),
  rsqrt: un("rsqrt", p.rsqrt),
  /**
   * Whether each float is neither ±∞ nor NaN (bool; zero derivative).
   * @example lax.isFinite(np.array([1, Infinity, NaN])) // Tensor([true, false, false], dtype=bool)
   */
  isFinite: un("isFinite", p.isFinite),
  /**
   * min(max(x, lo), hi); `lo` and `hi` have x's shape or are scalars, all of x's dtype. The derivative flows to x
   * where lo < x < hi, as JAX's.
   * @example lax.clamp(0, np.array([-1, 0.5, 2]), 1) // Tensor([0, 0.5, 1], dtype=float32)
   */
  clamp: op<(lo: In, x: In, hi: In) => Tensor>("clamp", ["lo", "x", "hi"], p.clamp),
  // special functions of floats, differentiable to any order: erfInv′ = √π/2·e^(erfInv²), lgamma′ = digamma,
  // digamma′ = polygamma(1, ·), polygamma(m, ·)′ = polygamma(m + 1, ·)
  erfInv: un("erfInv", p.erfInv),
  lgamma: un("lgamma", p.lgamma),
  digamma: un("digamma", p.digamma),
  /**
   * ψ⁽ᵐ⁾(x), the m-th derivative of digamma, for a whole number m given as a JS number (m = 0 is digamma).
   * @example lax.polygamma(1, np.array(1)) // Tensor(1.644934, dtype=float32): π²/6
   */
  polygamma: guard<(m: number, x: In) => Tensor>("lax.polygamma", [count("m"), array("x")], (m: number, x: In) =>
    p.polygamma(m, asTensor(x)),
  ),
  /**
   * The regularized incomplete gamma functions P(a, x) = γ(a, x)/Γ(a) and Q = 1 − P (a > 0, x ≥ 0; NaN outside).
   * @example lax.igamma(np.array(1), np.array(2)) // Tensor(0.8646647, dtype=float32): 1 − e⁻²
   */
  igamma: op<(a: In, x: In) => Tensor>("igamma", ["a", "x"], p.igamma),
  igammac: op<(a: In, x: In) => Tensor>("igammac", ["a", "x"], p.igammac),
  /**
   * I_x(a, b), the regularized incomplete beta function (a, b > 0; 0 for x ≤ 0, 1 for x ≥ 1; NaN outside), operands of
   * one shape and float dtype. Differentiable in x to any order; in a and b a GradientError, as in JAX.
   * @example lax.betainc(np.array(2), np.array(2), np.array(0.5)) // Tensor(0.5, dtype=float32)
   */
  betainc: op<(a: In, b: In, x: In) => Tensor>("betainc", ["a", "b", "x"], p.betainc),
  // ∂P/∂a (a, x), the derivative of igamma in a
  igammaGradA: op<(a: In, x: In) => Tensor>("igammaGradA", ["a", "x"], p.igammaGradA),
  // dx/da of a Gamma(a, 1) sample x with its CDF held fixed, −(∂P/∂a)/(∂P/∂x): random.gamma's reparameterization
  randomGammaGrad: op<(a: In, x: In) => Tensor>("randomGammaGrad", ["a", "x"], p.randomGammaGrad),
  // bitwise, on bool, int32 and uint32 (logical for bool); shift amounts of 32 or more shift every bit out
  and: bin("and", p.and),
  or: bin("or", p.or),
  xor: bin("xor", p.xor),
  not: un("not", p.not),
  shiftLeft: bin("shiftLeft", p.shiftLeft),
  shiftRightLogical: bin("shiftRightLogical", p.shiftRightLogical),
  shiftRightArithmetic: bin("shiftRightArithmetic", p.shiftRightArithmetic),
  populationCount: un("populationCount", p.populationCount),
  /** x − y·trunc(x/y), with the sign of x, as C's fmod (integers: x rem 0 = x). */
  rem: bin("rem", p.rem),
  /**
   * The same bits as `newDtype`; float64 to a 32-bit dtype adds a trailing axis of two words (low first).
   * @example lax.bitcastConvertType(np.array(1), "uint32") // Tensor(1065353216, dtype=uint32)
   */
  bitcastConvertType: op<(x: In, newDtype: DType) => Tensor>("bitcastConvertType", ["x"], p.bitcastConvertType, [
    dtype("newDtype"),
  ]),
  // as reduceSum; the derivative is exact where elements are zero
  reduceProd: op<(x: In, axes: readonly number[]) => Tensor>("reduceProd", ["x"], p.reduceProd, [ints("axes")]),
  /**
   * Reduces each window of `windowDimensions` elements (every `windowStrides`, default 1) with `computation` ("add",
   * "max", "min" or "mul") starting from `initValue`, as jax.lax.reduce_window; `padding` "VALID" (default), "SAME",
   * "SAME_LOWER" or [lo, hi] per axis; padding and dilation holes hold `initValue`, as XLA. Differentiable to any order
   * (max/min: the first extremal element of each window), batchable, jittable.
   * @example lax.reduceWindow(np.array([1, 3, 2, 5, 4]), -Infinity, "max", [2], [2]) // Tensor([3, 5], dtype=float32)
   * lax.reduceWindow(np.array([1, 2, 3]), 0, "add", [2], [1], "SAME") // Tensor([3, 5, 3], dtype=float32)
   */
  reduceWindow: guard<LaxReduceWindow>(
    "lax.reduceWindow",
    [
      array("x"),
      windowInitParam("initValue"),
      choice("computation", p.WINDOW_COMPUTATIONS),
      ints("windowDimensions"),
      optional(orNull(ints("windowStrides"))),
      optional(windowPaddingParam("padding")),
      options({ baseDilation: ints("baseDilation"), windowDilation: ints("windowDilation") }),
    ],
    (
      x: In,
      init: number | Tensor,
      computation: p.WindowComputation,
      dims: number[],
      strides: number[] | undefined,
      padding: p.WindowPadding | undefined,
      o: { baseDilation?: number[]; windowDilation?: number[] },
    ) => {
      const t = asTensor(x);
      const params = p.windowParams("lax.reduceWindow", t, dims, { ...o, windowStrides: strides, padding });
      return p.reduceWindowOf("lax.reduceWindow", t, init, computation, params);
    },
  ),
  /**
   * int32 index of the first maximum along one axis.
   * @example lax.argmax(np.array([[1, 3], [4, 2]]), 1) // Tensor([1, 0], dtype=int32)
   */
  argmax: op<(x: In, axis: number) => Tensor>("argmax", ["x"], p.argmax, [int("axis")]),
  // as argmax, for the first minimum
  argmin: op<(x: In, axis: number) => Tensor>("argmin", ["x"], p.argmin, [int("axis")]),
  /** Reverses the given axes. @example lax.rev(np.arange(3), [0]) // Tensor([2, 1, 0], dtype=int32) */
  rev: op<(x: In, dimensions: readonly number[]) => Tensor>("rev", ["x"], p.rev, [ints("dimensions")]),
  /**
   * Pads with the scalar `value`: `[lo, hi, interior]` per axis.
   * @example lax.pad(np.array([1, 2]), np.array(0), [[1, 2, 1]]) // Tensor([0, 1, 0, 2, 0, 0], dtype=float32)
   */
  pad: op<(x: In, value: In, config: readonly (readonly [number, number, number])[]) => Tensor>(
    "pad",
    ["x", "value"],
    p.pad,
    [padConfig],
  ),
  /**
   * Takes int32 `indices` along `axis` (optionally per leading batch dim); out-of-range indices throw.
   * @example lax.gather(np.array([10, 20, 30]), np.array([2, 0], { dtype: "int32" }), 0)
   * // Tensor([30, 10], dtype=float32)
   */
  gather: op<(x: In, indices: In, axis: number, batchDims?: number) => Tensor>("gather", ["x", "indices"], p.gather, [
    int("axis"),
    optional(count("batchDims"), 0),
  ]),
  /**
   * Zeros of `shape` with `updates` added at `indices` along `axis` (repeats accumulate); gather's transpose.
   * @example lax.scatterAdd(np.array([1, 1]), np.array([2, 2], { dtype: "int32" }), 0, [3])
   * // Tensor([0, 0, 2], dtype=float32)
   */
  scatterAdd: op<(updates: In, indices: In, axis: number, shape: readonly number[], batchDims?: number) => Tensor>(
    "scatterAdd",
    ["updates", "indices"],
    p.scatterAdd,
    [int("axis"), shape(), optional(count("batchDims"), 0)],
  ),
  /**
   * 0, 1, 2, … along `dimension` of `shape`.
   * @example lax.iota("int32", [2, 3], 1).toArray() // [[0, 1, 2], [0, 1, 2]]
   */
  iota: guard<(dtype: DType, shape: readonly number[], dimension?: number) => Tensor>(
    "lax.iota",
    [dtype(), shape(), optional(int("dimension"), 0)],
    p.iota,
  ),
  /**
   * The window of `sliceSizes` at `startIndices`, one start per axis: JS integers or int32 scalar tensors (possibly
   * traced), or one int32 tensor of them. As JAX: a negative start counts from the end, then each start is clamped so
   * that the window fits (start = clamp(start, 0, dim − size)).
   * @example lax.dynamicSlice(np.arange(5), [3], [3]) // Tensor([2, 3, 4], dtype=int32): start 3 clamped to 2
   * lax.dynamicSlice(np.arange(12).reshape([3, 4]), [1, np.array(2, { dtype: "int32" })], [2, 2]).toArray()
   * // [[6, 7], [10, 11]]
   */
  dynamicSlice: guard<(x: In, startIndices: StartIndices, sliceSizes: readonly number[]) => Tensor>(
    "lax.dynamicSlice",
    [array("x"), startIndicesParam("startIndices"), shape("sliceSizes")],
    (x: In, starts: StartIndices, sizes: number[]) => {
      const t = asTensor(x);
      return p.dynamicSlice(t, startTensors("lax.dynamicSlice", t.shape, starts), sizes);
    },
  ),
  /**
   * `x` with `update` (of x's rank and dtype, no larger) written over the window at `startIndices`, which are given
   * and clamped as in `dynamicSlice`.
   * @example lax.dynamicUpdateSlice(np.zeros([5]), np.ones([2]), [4]) // Tensor([0, 0, 0, 1, 1], dtype=float32)
   */
  dynamicUpdateSlice: guard<(x: In, update: In, startIndices: StartIndices) => Tensor>(
    "lax.dynamicUpdateSlice",
    [array("x"), array("update"), startIndicesParam("startIndices")],
    (x: In, update: In, starts: StartIndices) => {
      const [t, u] = operands([x, update]);
      return p.dynamicUpdateSlice(t!, u!, startTensors("lax.dynamicUpdateSlice", t!.shape, starts));
    },
  ),
  /**
   * The slice of size 1 at `index` (a JS integer or an int32 scalar tensor, negative from the end, clamped) along
   * `axis`; `keepdims: false` drops that axis (JAX's `dynamic_index_in_dim`).
   * @example lax.dynamicIndexInDim(np.arange(6).reshape([2, 3]), 1).toArray() // [[3, 4, 5]]
   * lax.dynamicIndexInDim(np.arange(6).reshape([2, 3]), -1, { axis: 1, keepdims: false })
   * // Tensor([2, 5], dtype=int32)
   */
  dynamicIndexInDim: guard<
    (x: In, index: number | Tensor, opts?: number | { axis?: number; keepdims?: boolean }) => Tensor
  >(
    "lax.dynamicIndexInDim",
    [array("x"), startIndexParam("index"), options({ axis: axis(), keepdims: bool("keepdims") }, "axis")],
    (x: In, index: number | Tensor, { axis: a = 0, keepdims = true }: { axis?: number; keepdims?: boolean }) => {
      const op = "lax.dynamicIndexInDim";
      const t = asTensor(x);
      const k = normalizeAxis(op, a, t.ndim);
      const starts = t.shape.map((_, j) => (j === k ? index : 0));
      const y = p.dynamicSlice(
        t,
        startTensors(op, t.shape, starts),
        t.shape.map((n, j) => (j === k ? 1 : n)),
      );
      return keepdims ? y : p.reshape(y, [...t.shape.slice(0, k), ...t.shape.slice(k + 1)]);
    },
  ),
  /**
   * Sorts along `dimension` (negative from the end), ascending and stably. One array gives one tensor; an array of
   * operands (equal shapes, any dtypes) gives an array, all sorted together by the lexicographic order of the first
   * `numKeys`. As JAX: −0 equals +0 and NaN sorts last; bool false < true.
   * @example lax.sort(np.array([3, 1, 2])) // Tensor([1, 2, 3], dtype=float32)
   * lax.sort([np.array([2, 1, 2]), np.array([10, 20, 30])])[1] // Tensor([20, 10, 30], dtype=float32)
   */
  sort: guard<LaxSort>(
    "lax.sort",
    [
      sortOperandsParam("operands"),
      options({ dimension: axis("dimension"), isStable: bool("isStable"), numKeys: int("numKeys") }, "dimension"),
    ],
    (xs: In | In[], { dimension = -1, isStable = true, numKeys = 1 }: SortOptions) => {
      const ts = operands(Array.isArray(xs) ? xs : [xs]);
      const nd = ts[0]!.ndim;
      if (nd === 0 || dimension < -nd || dimension >= nd)
        throw new ShapeError(
          `lax.sort: dimension ${dimension} is out of range for operands of shape ${fmtShape(ts[0]!.shape)}` +
            (nd === 0 ? "; a 0-d array has no axis to sort along" : ` (valid: ${-nd} … ${nd - 1})`),
        );
      const outs = p.sort(ts, dimension < 0 ? dimension + nd : dimension, isStable, numKeys);
      return Array.isArray(xs) ? outs : outs[0];
    },
  ),
  /**
   * The `k` largest elements along the last axis, largest first (equal ones in index order; NaN counts as largest),
   * and their int32 indices.
   * @example lax.topK(np.array([1, 4, 2, 4]), 2) // [Tensor([4, 4], dtype=float32), Tensor([1, 3], dtype=int32)]
   */
  topK: guard<(x: In, k: number) => [Tensor, Tensor]>("lax.topK", [array("x"), count("k")], (x: In, k: number) =>
    p.topK(asTensor(x), k),
  ),
  /**
   * Running sums, products, maxima, minima and log-sum-exps along `axis` (negative counts from the end; default 0),
   * from the end with `reverse`, as jax.lax's cumulative reductions.
   * @example lax.cumsum(np.array([1, 2, 3])) // Tensor([1, 3, 6], dtype=float32)
   * lax.cummax(np.array([[1, 3], [2, 0]]), { axis: 1, reverse: true }) // [[3, 3], [2, 0]]
   */
  cumsum: cumulativeLax("cumsum", p.cumsum),
  cumprod: cumulativeLax("cumprod", p.cumprod),
  cummax: cumulativeLax("cummax", p.cummax),
  cummin: cumulativeLax("cummin", p.cummin),
  cumlogsumexp: cumulativeLax("cumlogsumexp", p.cumlogsumexp),
  // structured control flow: primitives carrying the jaxprs of the functions given (higher_order/)
  cond,
  // `branches[index](...operands)`, index clamped (JAX's lax.switch)
  switch: switchBranches,
  whileLoop,
  foriLoop,
  scan,
  map,
  associativeScan,
  /**
   * Linear algebra on batches of matrices [..., m, n] (float32 or float64), as JAX's lax.linalg; differentiable,
   * batchable, jittable. Not positive definite or singular input gives NaN or ±Inf, not an exception.
   * @example lax.linalg.cholesky(np.array([[4, 2], [2, 5]])) // Tensor([[2, 0], [1, 2]], dtype=float32)
   */
  linalg: {
    /** The lower Cholesky factor of (a + aᵀ)/2 (of a's lower triangle when symmetrizeInput is false). */
    cholesky: guard<(a: In, opts?: { symmetrizeInput?: boolean }) => Tensor>(
      "lax.linalg.cholesky",
      [array("a"), options({ symmetrizeInput: bool("symmetrizeInput") })],
      (a: In, o: { symmetrizeInput?: boolean }) => p.cholesky(asTensor(a), o.symmetrizeInput ?? true),
    ),
    /**
     * X with op(a)·X = b (leftSide) or X·op(a) = b, op(a) = a or aᵀ (transposeA), reading only a's lower (or upper)
     * triangle, and not its diagonal when unitDiagonal.
     * @example const a = np.array([[2, 0], [1, 1]]);
     * lax.linalg.triangularSolve(a, np.array([[2], [3]]), { leftSide: true, lower: true }) // Tensor([[1], [2]], …)
     */
    triangularSolve: guard<(a: In, b: In, opts?: LinalgSolveOptions) => Tensor>(
      "lax.linalg.triangularSolve",
      [
        array("a"),
        array("b"),
        options({
          leftSide: bool("leftSide"),
          lower: bool("lower"),
          transposeA: bool("transposeA"),
          conjugateA: bool("conjugateA"),
          unitDiagonal: bool("unitDiagonal"),
        }),
      ],
      (a: In, b: In, o: LinalgSolveOptions) => {
        const [ta, tb] = operands([a, b]);
        return p.triangularSolve(ta!, tb!, {
          left_side: o.leftSide ?? false,
          lower: o.lower ?? false,
          transpose_a: o.transposeA ?? false,
          conjugate_a: o.conjugateA ?? false,
          unit_diagonal: o.unitDiagonal ?? false,
        });
      },
    ),
    /** [q, r] by Householder reflections; fullMatrices false gives q [..., m, k], r [..., k, n], k = min(m, n). */
    qr: guard<(a: In, opts?: { fullMatrices?: boolean }) => [Tensor, Tensor]>(
      "lax.linalg.qr",
      [array("a"), options({ fullMatrices: bool("fullMatrices") })],
      (a: In, o: { fullMatrices?: boolean }) => p.qr(asTensor(a), o.fullMatrices ?? true),
    ),
    /** [v, w]: eigenvectors (columns) and eigenvalues (ascending unless sortEigenvalues is false). */
    eigh: guard<
      (a: In, opts?: { lower?: boolean; symmetrizeInput?: boolean; sortEigenvalues?: boolean }) => [Tensor, Tensor]
    >(
      "lax.linalg.eigh",
      [
        array("a"),
        options({
          lower: bool("lower"),
          symmetrizeInput: bool("symmetrizeInput"),
          sortEigenvalues: bool("sortEigenvalues"),
        }),
      ],
      (a: In, o: { lower?: boolean; symmetrizeInput?: boolean; sortEigenvalues?: boolean }) =>
        p.eigh(asTensor(a), o.lower ?? true, o.sortEigenvalues ?? true, o.symmetrizeInput ?? true),
    ),
    /**
     * [lu, pivots, permutation]: LU with partial pivoting, a[permutation] = L·U (L unit lower, both packed in lu).
     * @example const [lu, pivots, perm] = lax.linalg.lu(np.array([[1, 2], [3, 4]]));
     * perm // Tensor([1, 0], dtype=int32)
     */
    lu: guard<(a: In) => [Tensor, Tensor, Tensor]>("lax.linalg.lu", [array("a")], (a: In) => p.lu(asTensor(a))),
    /**
     * X with A·X = b for the tridiagonal A of sub-, main and super-diagonals dl, d, du [..., m] (dl[0], du[m−1]
     * unread).
     * @example lax.linalg.tridiagonalSolve(np.array([0, 1]), np.array([2, 2]), np.array([1, 0]), np.array([[3], [3]]))
     * // Tensor([[1], [1]], dtype=float32)
     */
    tridiagonalSolve: guard<(dl: In, d: In, du: In, b: In) => Tensor>(
      "lax.linalg.tridiagonalSolve",
      [array("dl"), array("d"), array("du"), array("b")],
      (dl: In, d: In, du: In, b: In) => {
        const [tdl, td, tdu, tb] = operands([dl, d, du, b]);
        return p.tridiagonalSolve(tdl!, td!, tdu!, tb!);
      },
    ),
    /**
     * [u, s, vh] with a = u·diag(s)·vh, s descending and non-negative (k = min(m, n) of them); fullMatrices false
     * gives u [..., m, k], vh [..., k, n]. With computeUv false, s alone.
     * @example const [u, s, vh] = lax.linalg.svd(np.array([[3, 0], [0, -4]]));
     * s // Tensor([4, 3], dtype=float32)
     * lax.linalg.svd(np.array([[3, 0], [0, -4]]), { computeUv: false }) // Tensor([4, 3], dtype=float32)
     */
    svd: guard<{
      (a: In, opts?: { fullMatrices?: boolean; computeUv?: true }): [Tensor, Tensor, Tensor];
      (a: In, opts: { fullMatrices?: boolean; computeUv: false }): Tensor;
      (a: In, opts?: { fullMatrices?: boolean; computeUv?: boolean }): Tensor | [Tensor, Tensor, Tensor];
    }>(
      "lax.linalg.svd",
      [array("a"), options({ fullMatrices: bool("fullMatrices"), computeUv: bool("computeUv") })],
      (a: In, o: { fullMatrices?: boolean; computeUv?: boolean }) => {
        const outs = p.svd(asTensor(a), o.fullMatrices ?? true, o.computeUv ?? true);
        return (o.computeUv ?? true) ? outs : outs[0];
      },
    ),
  },
};

/** lax.linalg.triangularSolve's options (JAX's keyword arguments, camelCase). */
interface LinalgSolveOptions {
  leftSide?: boolean;
  lower?: boolean;
  transposeA?: boolean;
  conjugateA?: boolean;
  unitDiagonal?: boolean;
}

/** Start indices of the dynamic slices: one per axis (JS integers or int32 scalar tensors), or one int32 vector. */
type StartIndices = readonly (number | Tensor)[] | Tensor;

/** One start index: a JS integer or a tensor (its dtype and rank are checked with the operand, in `startTensors`). */
function startIndexParam(name: string): Param<number | Tensor> {
  return {
    ...int(name),
    check: (v: unknown, at: At) =>
      v instanceof Tensor || Number.isInteger(v)
        ? E.right(v as number | Tensor)
        : fail(at, "an integer or an int32 scalar tensor", v, typeof v === "number" ? DTypeError : undefined),
  };
}

/** The start indices: an array of them (see startIndexParam), or an int32 tensor of one start per axis. */
function startIndicesParam(name: string): Param<StartIndices> {
  const one = startIndexParam(name);
  return {
    ...ints(name),
    check: (v: unknown, at: At) => {
      if (v instanceof Tensor) return E.right(v);
      if (!Array.isArray(v))
        return fail(at, "an array of start indices, one per axis (integers or int32 scalar tensors)", v);
      for (let i = 0; i < v.length; i++) {
        const r = one.check(v[i], { fn: at.fn, arg: `${at.arg}[${i}]` });
        if (E.isLeft(r)) return r;
      }
      return E.right(v as (number | Tensor)[]);
    },
  };
}

/**
 * The start indices as int32 scalars, one per axis of `shape`, negative ones counted from the end (as JAX's
 * `_dynamic_slice_indices`; the primitive then clamps them). JS integers are resolved here, where any of them,
 * however large, becomes its place in 0 … dim; tensors get the same rule in the program.
 */
function startTensors(op: string, shape: readonly number[], starts: StartIndices): Tensor[] {
  if (starts instanceof Tensor) {
    if (starts.dtype !== "int32")
      throw new DTypeError(`${op}: start indices must be int32, got ${starts.dtype}; convert with astype("int32")`);
    if (starts.ndim !== 1 || starts.shape[0] !== shape.length)
      throw new ShapeError(
        `${op}: start indices of shape ${fmtShape(starts.shape)} for an operand of shape ${fmtShape(shape)}; ` +
          `pass one start per axis (shape [${shape.length}])`,
      );
    return shape.map((_, k) => startTensors(op, [shape[k]!], [p.reshape(p.slice(starts, [k], [k + 1]), [])])[0]!);
  }
  if (starts.length !== shape.length)
    throw new ShapeError(
      `${op}: got ${starts.length} start indices for an operand of shape ${fmtShape(shape)}; pass one per axis ` +
        `(${shape.length})`,
    );
  return starts.map((s, k) => {
    const dim = shape[k]!;
    if (!(s instanceof Tensor)) return p.scalar(Math.min(Math.max(s < 0 ? s + dim : s, 0), dim), "int32");
    if (s.dtype !== "int32")
      throw new DTypeError(`${op}: start index ${k} must be int32, got ${s.dtype}; convert with astype("int32")`);
    if (s.ndim !== 0)
      throw new ShapeError(`${op}: start index ${k} must be a scalar (shape []), got shape ${fmtShape(s.shape)}`);
    const zero = p.scalar(0, "int32");
    return p.select(p.lt(s, zero), p.add(s, p.scalar(dim, "int32")), s);
  });
}

/** lax.cumsum and its kin: `(x, { axis = 0, reverse = false })`, the axis also positionally. */
function cumulativeLax(name: string, f: (x: Tensor, axis: number, reverse: boolean) => Tensor) {
  return guard<(x: In, opts?: number | { axis?: number; reverse?: boolean }) => Tensor>(
    `lax.${name}`,
    [array("x"), options({ axis: axis(), reverse: bool("reverse") }, "axis")],
    (x: In, o: { axis?: number; reverse?: boolean }) => {
      const t = asTensor(x);
      return f(t, normalizeAxis(`lax.${name}`, o.axis ?? 0, t.ndim), o.reverse ?? false);
    },
  );
}

/** lax.sort's options: the axis, whether the sort must be stable (it always is), and how many operands are keys. */
interface SortOptions {
  dimension?: number;
  isStable?: boolean;
  numKeys?: number;
}

/** lax.sort: one array gives one tensor; an array of operands gives an array (JAX's sequence of operands). */
interface LaxSort {
  (operand: Tensor | ArrayBufferView, opts?: number | SortOptions): Tensor;
  (operands: readonly In[], opts?: number | SortOptions): Tensor[];
}

/**
 * lax.sort's first argument: a JS array is a list of operands (each an array), anything else one operand. A JS array
 * of plain numbers would be 0-d operands, which have no axis: that gets a message saying how to sort one array.
 */
function sortOperandsParam(name: string): Param<In | In[]> {
  const list = arrays(name);
  const one = array(name);
  return {
    ...list,
    check: (v: unknown, at: At) => {
      if (!Array.isArray(v)) return one.check(v, at) as Checked<In>;
      if (v.length > 0 && v.every((x) => typeof x === "number" || typeof x === "boolean"))
        return E.left(
          new ShapeError(
            `${at.fn}: ${at.arg} is a JS array of numbers, which is a list of 0-d operands (as JAX's sequence of ` +
              `operands), and a 0-d array has no axis to sort along; to sort one array pass it as a tensor, e.g. ` +
              `lax.sort(np.array([3, 1, 2]))`,
          ),
        );
      return list.check(v, at) as Checked<In[]>;
    },
  };
}

/** lax.reduceWindow's signature (JAX's lax.reduce_window with one operand). */
type LaxReduceWindow = (
  x: In,
  initValue: number | Tensor,
  computation: p.WindowComputation,
  windowDimensions: readonly number[],
  windowStrides?: readonly number[] | null,
  padding?: p.WindowPadding,
  opts?: { baseDilation?: readonly number[]; windowDilation?: readonly number[] },
) => Tensor;

/** A reduction's init value: a JS number (x's dtype) or a scalar tensor (checked against x later). */
function windowInitParam(name: string): Param<number | Tensor> {
  return {
    ...int(name),
    kind: "scalar",
    check: (v: unknown, at: At) =>
      typeof v === "number" || v instanceof Tensor
        ? E.right(v as number | Tensor)
        : fail(at, "a number or a scalar tensor", v),
  };
}

/** A windowed reduction's padding: "VALID", "SAME", "SAME_LOWER" or one [lo, hi] pair per axis. */
function windowPaddingParam(name: string): Param<p.WindowPadding> {
  return {
    ...ints(name),
    kind: "padConfig",
    check: (v: unknown, at: At) => {
      const pair = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every(Number.isInteger);
      const named = typeof v === "string" && ["VALID", "SAME", "SAME_LOWER"].includes(v.toUpperCase());
      return named || (Array.isArray(v) && v.every(pair))
        ? E.right(v as p.WindowPadding)
        : fail(at, '"VALID", "SAME", "SAME_LOWER" or an array of [lo, hi] integer pairs, one per axis', v);
    },
  };
}
