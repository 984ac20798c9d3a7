// The `np` namespace, and the operations Tensor methods forward to.
import type { TensorOps } from "../core/tensor.js";
import { asMethod } from "../core/validate.js";
import * as bw from "./bitwise.js";
import { array, broadcastTo } from "./convert.js";
import { arange, eye, full, linspace, ones, onesLike, zeros, zerosLike } from "./creation.js";
import * as ew from "./elementwise.js";
import { at, index } from "./indexing.js";
import { dot, matmul, outer } from "./linalg.js";
import { astype, concatenate, expandDims, reshape, slice, squeeze, stack, take, transpose } from "./manipulation.js";
import { argmax, argmin, max, mean, min, prod, sum } from "./reductions.js";
import * as rounding from "./rounding.js";
import { argsort, sort } from "./sorting.js";
import * as trig from "./trig.js";

/**
 * NumPy-style functions, as `jax.numpy`: broadcasting and dtype promotion everywhere, every argument an ArrayLike.
 * @example np.add(np.ones([2, 1]), [10, 20]).toArray() // [[11, 21], [11, 21]]
 */
export const np = {
  array,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  add: ew.add,
  subtract: ew.subtract,
  multiply: ew.multiply,
  divide: ew.divide,
  power: ew.power,
  negative: ew.negative,
  exp: ew.exp,
  log: ew.log,
  sqrt: ew.sqrt,
  square: ew.square,
  sin: ew.sin,
  cos: ew.cos,
  tan: ew.tan,
  tanh: ew.tanh,
  abs: ew.abs,
  sign: ew.sign,
  log1p: ew.log1p,
  expm1: ew.expm1,
  maximum: ew.maximum,
  minimum: ew.minimum,
  clip: ew.clip,
  where: ew.where,
  bitwiseAnd: bw.bitwiseAnd,
  bitwiseOr: bw.bitwiseOr,
  bitwiseXor: bw.bitwiseXor,
  bitwiseNot: bw.bitwiseNot,
  invert: bw.bitwiseNot,
  leftShift: bw.leftShift,
  rightShift: bw.rightShift,
  equal: ew.equal,
  notEqual: ew.notEqual,
  less: ew.less,
  lessEqual: ew.lessEqual,
  greater: ew.greater,
  greaterEqual: ew.greaterEqual,
  floor: rounding.floor,
  ceil: rounding.ceil,
  round: rounding.round,
  around: rounding.around,
  nextafter: rounding.nextafter,
  sinh: trig.sinh,
  cosh: trig.cosh,
  arcsin: trig.arcsin,
  arccos: trig.arccos,
  arctan: trig.arctan,
  arctan2: trig.arctan2,
  arcsinh: trig.arcsinh,
  arccosh: trig.arccosh,
  arctanh: trig.arctanh,
  asin: trig.asin,
  acos: trig.acos,
  atan: trig.atan,
  atan2: trig.atan2,
  asinh: trig.asinh,
  acosh: trig.acosh,
  atanh: trig.atanh,
  cbrt: trig.cbrt,
  isfinite: trig.isfinite,
  sum,
  mean,
  max,
  min,
  prod,
  argmax,
  argmin,
  dot,
  matmul,
  outer,
  reshape,
  transpose,
  expandDims,
  squeeze,
  broadcastTo,
  concatenate,
  stack,
  take,
  slice,
  astype,
  sort,
  argsort,
};

const methods: Record<keyof TensorOps, unknown> = {
  add: np.add,
  sub: np.subtract,
  mul: np.multiply,
  div: np.divide,
  pow: np.power,
  neg: np.negative,
  exp: np.exp,
  log: np.log,
  sin: np.sin,
  cos: np.cos,
  tanh: np.tanh,
  sqrt: np.sqrt,
  abs: np.abs,
  sum: np.sum,
  mean: np.mean,
  max: np.max,
  min: np.min,
  reshape: np.reshape,
  transpose: np.transpose,
  matmul: np.matmul,
  astype: np.astype,
  slice: index,
  at,
};

/** What Tensor's methods forward to (connected in src/install.ts): the np functions, checked as `Tensor.<method>`. */
export const tensorOps = Object.fromEntries(
  Object.entries(methods).map(([k, f]) => [k, asMethod(f, `Tensor.${k}`)]),
) as unknown as TensorOps;
