// The public `lax` namespace: primitives one-to-one (no broadcasting, no promotion), as JAX's lax.
import * as p from "./primitives/index.js";

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
  stopGradient: p.stopGradient,
  // elementwise: int32 `div` truncates toward zero; `pow` takes floats only; `max`/`min` split the derivative equally
  // at ties
  add: p.add,
  sub: p.sub,
  mul: p.mul,
  div: p.div,
  neg: p.neg,
  exp: p.exp,
  log: p.log,
  sin: p.sin,
  cos: p.cos,
  tanh: p.tanh,
  sqrt: p.sqrt,
  pow: p.pow,
  max: p.max,
  min: p.min,
  // comparisons: bool results, zero derivative
  eq: p.eq,
  ne: p.ne,
  lt: p.lt,
  le: p.le,
  gt: p.gt,
  ge: p.ge,
  /**
   * `pred ? onTrue : onFalse` elementwise (`pred` bool, all of one shape).
   * @example lax.select(np.array([true, false]), np.array([1, 2]), np.array([3, 4])) // Tensor([1, 4], dtype=float32)
   */
  select: p.select,
  /**
   * Changes dtype; float → int32 truncates toward zero.
   * @example lax.convertElementType(np.array([1.7, -1.7]), "int32") // Tensor([1, -1], dtype=int32)
   */
  convertElementType: p.convertElementType,
  /**
   * Sum over `axes` (dropped; no keepdims).
   * @example lax.reduceSum(np.ones([2, 3]), [0]) // Tensor([2, 2, 2], dtype=float32)
   */
  reduceSum: p.reduceSum,
  reduceMax: p.reduceMax,
  reduceMin: p.reduceMin, // as reduceSum; ties split the derivative equally
  /**
   * Operand axis i becomes result axis `dims[i]` of `shape`; size-1 axes repeat.
   * @example lax.broadcastInDim(np.array([1, 2]), [3, 2], [1]).toArray() // [[1, 2], [1, 2], [1, 2]]
   */
  broadcastInDim: p.broadcastInDim,
  /** Row-major reshape to a fully given shape (no −1). @example lax.reshape(np.arange(6), [2, 3]).shape // [2, 3] */
  reshape: p.reshape,
  /**
   * Result axis i is operand axis `permutation[i]`.
   * @example lax.transpose(np.zeros([2, 3, 4]), [2, 0, 1]).shape // [4, 2, 3]
   */
  transpose: p.transpose,
  /**
   * Joins along `dimension`.
   * @example lax.concatenate([np.arange(2), np.arange(1)], 0) // Tensor([0, 1, 0], dtype=int32)
   */
  concatenate: p.concatenate,
  /**
   * Elements `start`, `start + stride`, … below `limit` on each axis.
   * @example lax.slice(np.arange(6), [1], [6], [2]) // Tensor([1, 3, 5], dtype=int32)
   */
  slice: p.slice,
  /**
   * Contraction with batch dims, `[[lhsContract, rhsContract], [lhsBatch, rhsBatch]]` as JAX; result axes: batch, lhs
   * free, rhs free.
   * @example lax.dotGeneral(np.ones([5, 2, 3]), np.ones([5, 3, 4]), [[[2], [1]], [[0], [0]]]).shape // [5, 2, 4]
   */
  dotGeneral: p.dotGeneral,
  // more elementwise: `logistic` is the sigmoid; `sign` and comparisons have zero derivative; abs′(0) = 0
  log1p: p.log1p,
  expm1: p.expm1,
  tan: p.tan,
  logistic: p.logistic,
  erf: p.erf,
  abs: p.abs,
  sign: p.sign,
  reduceProd: p.reduceProd, // as reduceSum; the derivative is exact where elements are zero
  /**
   * int32 index of the first maximum along one axis.
   * @example lax.argmax(np.array([[1, 3], [4, 2]]), 1) // Tensor([1, 0], dtype=int32)
   */
  argmax: p.argmax,
  argmin: p.argmin, // as argmax, for the first minimum
  /** Reverses the given axes. @example lax.rev(np.arange(3), [0]) // Tensor([2, 1, 0], dtype=int32) */
  rev: p.rev,
  /**
   * Pads with the scalar `value`: `[lo, hi, interior]` per axis.
   * @example lax.pad(np.array([1, 2]), np.array(0), [[1, 2, 1]]) // Tensor([0, 1, 0, 2, 0, 0], dtype=float32)
   */
  pad: p.pad,
  /**
   * Takes int32 `indices` along `axis` (optionally per leading batch dim); out-of-range indices throw.
   * @example lax.gather(np.array([10, 20, 30]), np.array([2, 0], { dtype: "int32" }), 0)
   * // Tensor([30, 10], dtype=float32)
   */
  gather: p.gather,
  /**
   * Zeros of `shape` with `updates` added at `indices` along `axis` (repeats accumulate); gather's transpose.
   * @example lax.scatterAdd(np.array([1, 1]), np.array([2, 2], { dtype: "int32" }), 0, [3])
   * // Tensor([0, 0, 2], dtype=float32)
   */
  scatterAdd: p.scatterAdd,
  /**
   * 0, 1, 2, … along `dimension` of `shape`.
   * @example lax.iota("int32", [2, 3], 1).toArray() // [[0, 1, 2], [0, 1, 2]]
   */
  iota: p.iota,
};
