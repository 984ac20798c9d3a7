// The public `lax` namespace: primitives one-to-one (no broadcasting, no promotion), as JAX's lax.
import * as p from "./primitives/lax.js";

/** Direct access to primitives; operands must already agree in shape and dtype. */
export const lax = {
  stopGradient: p.stopGradient,
  add: p.add, sub: p.sub, mul: p.mul, div: p.div, neg: p.neg, exp: p.exp, log: p.log, sin: p.sin,
  cos: p.cos, tanh: p.tanh, sqrt: p.sqrt, pow: p.pow, max: p.max, min: p.min,
  eq: p.eq, ne: p.ne, lt: p.lt, le: p.le, gt: p.gt, ge: p.ge, select: p.select,
  convertElementType: p.convertElementType, reduceSum: p.reduceSum, reduceMax: p.reduceMax, reduceMin: p.reduceMin,
  broadcastInDim: p.broadcastInDim, reshape: p.reshape, transpose: p.transpose, concatenate: p.concatenate,
  slice: p.slice, dotGeneral: p.dotGeneral, log1p: p.log1p, expm1: p.expm1, tan: p.tan, logistic: p.logistic,
  erf: p.erf, abs: p.abs, sign: p.sign, reduceProd: p.reduceProd, argmax: p.argmax, argmin: p.argmin, rev: p.rev,
  pad: p.pad, gather: p.gather, scatterAdd: p.scatterAdd, iota: p.iota,
};
