// Every primitive's bind wrapper, and the constants and tangent helpers, for the layers above (transforms, np, nn,
// lax). Primitive files import each other directly, never this module.
export { full, fullLike, scalar, zeros, zerosLike } from "./constants.js";
export {
  type ConvOptions,
  type ConvParams,
  type ConvTransposeOptions,
  convGeneral,
  convGeneralDilated,
  convTransposeOp,
} from "./conv/conv_general_dilated.js";
export {
  type ConvDimensionNumbers,
  type ConvDimensionNumbersLike,
  type ConvPadding,
  convDimensionNumbers,
  convTransposePadding,
  dilateDim,
  padtypeToPads,
} from "./conv/dimension_numbers.js";
export { abs } from "./elementwise/abs.js";
export { acos } from "./elementwise/acos.js";
export { acosh } from "./elementwise/acosh.js";
export { add, addTangents } from "./elementwise/add.js";
export { asin } from "./elementwise/asin.js";
export { asinh } from "./elementwise/asinh.js";
export { atan } from "./elementwise/atan.js";
export { atan2 } from "./elementwise/atan2.js";
export { atanh } from "./elementwise/atanh.js";
export { betainc } from "./elementwise/betainc.js";
export { bitcastConvertType } from "./elementwise/bitcast_convert_type.js";
export { and, not, or, xor } from "./elementwise/bitwise.js";
export { cbrt } from "./elementwise/cbrt.js";
export { ceil } from "./elementwise/ceil.js";
export { clamp } from "./elementwise/clamp.js";
export { eq, ge, gt, le, lt, ne } from "./elementwise/compare.js";
export { convertElementType } from "./elementwise/convert_element_type.js";
export { digamma } from "./elementwise/digamma.js";
export { div } from "./elementwise/div.js";
export { erf } from "./elementwise/erf.js";
export { erfInv } from "./elementwise/erf_inv.js";
export { exp } from "./elementwise/exp.js";
export { expm1 } from "./elementwise/expm1.js";
export { floor } from "./elementwise/floor.js";
export { igamma } from "./elementwise/igamma.js";
export { igammaGradA } from "./elementwise/igamma_grad_a.js";
export { igammac } from "./elementwise/igammac.js";
export { integerPow } from "./elementwise/integer_pow.js";
export { isFiniteOf as isFinite } from "./elementwise/is_finite.js";
export { lgamma } from "./elementwise/lgamma.js";
export { log } from "./elementwise/log.js";
export { log1p } from "./elementwise/log1p.js";
export { logistic } from "./elementwise/logistic.js";
export { max } from "./elementwise/max.js";
export { min } from "./elementwise/min.js";
export { mul } from "./elementwise/mul.js";
export { neg } from "./elementwise/neg.js";
export { nextafter } from "./elementwise/nextafter.js";
export { polygamma } from "./elementwise/polygamma.js";
export { populationCount } from "./elementwise/population_count.js";
export { pow } from "./elementwise/pow.js";
export { randomGammaGrad } from "./elementwise/random_gamma_grad.js";
export { reducePrecision } from "./elementwise/reduce_precision.js";
export { rem } from "./elementwise/rem.js";
export { type RoundingMethod, round } from "./elementwise/round.js";
export { rsqrt } from "./elementwise/rsqrt.js";
export { select } from "./elementwise/select.js";
export { shiftLeft, shiftRightArithmetic, shiftRightLogical } from "./elementwise/shift.js";
export { sign } from "./elementwise/sign.js";
export { cos, sin } from "./elementwise/sin_cos.js";
export { cosh, sinh } from "./elementwise/sinh_cosh.js";
export { sqrt } from "./elementwise/sqrt.js";
export { stopGradient } from "./elementwise/stop_gradient.js";
export { sub } from "./elementwise/sub.js";
export { tan } from "./elementwise/tan.js";
export { tanh } from "./elementwise/tanh.js";
export { cholesky } from "./linalg/cholesky.js";
export { type DimensionNumbers, dotGeneral } from "./linalg/dot_general.js";
export { eigh } from "./linalg/eigh.js";
export { lu } from "./linalg/lu.js";
export { qr } from "./linalg/qr.js";
export { svd } from "./linalg/svd.js";
export { type TriangularSolveParams, triangularSolve } from "./linalg/triangular_solve.js";
export { tridiagonalSolve } from "./linalg/tridiagonal_solve.js";
export { randomBits } from "./random/random_bits.js";
export { threefry2x32 } from "./random/threefry2x32.js";
export { argmax } from "./reduce/argmax.js";
export { argmin } from "./reduce/argmin.js";
export { cumlogsumexp, cummax, cummin, cumprod, cumsum } from "./reduce/cumulative.js";
export { reduceMax } from "./reduce/reduce_max.js";
export { reduceMin } from "./reduce/reduce_min.js";
export { reduceProd } from "./reduce/reduce_prod.js";
export {
  type ReduceWindowOptions,
  reduceWindowOf,
  WINDOW_COMPUTATIONS,
  type WindowComputation,
  type WindowPadding,
  windowParams,
} from "./reduce/reduce_window.js";
export { reduceWindowMax, reduceWindowMin } from "./reduce/reduce_window_max.js";
export { reduceWindowProd } from "./reduce/reduce_window_prod.js";
export { reduceWindowSum } from "./reduce/reduce_window_sum.js";
export { selectAndGatherAdd, selectAndScatterAdd } from "./reduce/select_and_gather_add.js";
export { sort } from "./sort/sort.js";
export { topK } from "./sort/top_k.js";
export { broadcastInDim, reduceSum } from "./structure/broadcast_and_sum.js";
export { concatenate } from "./structure/concatenate.js";
export { dynamicSlice, dynamicUpdateSlice } from "./structure/dynamic_slice.js";
export { gather, scatterAdd } from "./structure/gather_and_scatter.js";
export { iota } from "./structure/iota.js";
export { reshape } from "./structure/reshape.js";
export { rev } from "./structure/rev.js";
export { pad, slice } from "./structure/slice_and_pad.js";
export { transpose } from "./structure/transpose.js";
