// Every first-order primitive (the registry, higher_order/registry.ts, adds those that carry jaxprs): property tests
// iterate the registry, so a primitive listed here is covered by every law.
import type { Primitive } from "../ir/jaxpr.js";
import { convGeneralDilatedP } from "./conv/conv_general_dilated.js";
import { absP } from "./elementwise/abs.js";
import { acosP } from "./elementwise/acos.js";
import { acoshP } from "./elementwise/acosh.js";
import { addP } from "./elementwise/add.js";
import { asinP } from "./elementwise/asin.js";
import { asinhP } from "./elementwise/asinh.js";
import { atanP } from "./elementwise/atan.js";
import { atan2P } from "./elementwise/atan2.js";
import { atanhP } from "./elementwise/atanh.js";
import { betaincP } from "./elementwise/betainc.js";
import { bitcastConvertTypeP } from "./elementwise/bitcast_convert_type.js";
import { andP, notP, orP, xorP } from "./elementwise/bitwise.js";
import { cbrtP } from "./elementwise/cbrt.js";
import { ceilP } from "./elementwise/ceil.js";
import { clampP } from "./elementwise/clamp.js";
import { eqP, geP, gtP, leP, ltP, neP } from "./elementwise/compare.js";
import { convertElementTypeP } from "./elementwise/convert_element_type.js";
import { digammaP } from "./elementwise/digamma.js";
import { divP } from "./elementwise/div.js";
import { erfP } from "./elementwise/erf.js";
import { erfInvP } from "./elementwise/erf_inv.js";
import { expP } from "./elementwise/exp.js";
import { expm1P } from "./elementwise/expm1.js";
import { floorP } from "./elementwise/floor.js";
import { igammaP } from "./elementwise/igamma.js";
import { igammaGradAP } from "./elementwise/igamma_grad_a.js";
import { igammacP } from "./elementwise/igammac.js";
import { integerPowP } from "./elementwise/integer_pow.js";
import { isFiniteP } from "./elementwise/is_finite.js";
import { lgammaP } from "./elementwise/lgamma.js";
import { logP } from "./elementwise/log.js";
import { log1pP } from "./elementwise/log1p.js";
import { logisticP } from "./elementwise/logistic.js";
import { maxP } from "./elementwise/max.js";
import { minP } from "./elementwise/min.js";
import { mulP } from "./elementwise/mul.js";
import { negP } from "./elementwise/neg.js";
import { nextafterP } from "./elementwise/nextafter.js";
import { polygammaP } from "./elementwise/polygamma.js";
import { populationCountP } from "./elementwise/population_count.js";
import { powP } from "./elementwise/pow.js";
import { randomGammaGradP } from "./elementwise/random_gamma_grad.js";
import { reducePrecisionP } from "./elementwise/reduce_precision.js";
import { remP } from "./elementwise/rem.js";
import { roundP } from "./elementwise/round.js";
import { rsqrtP } from "./elementwise/rsqrt.js";
import { selectP } from "./elementwise/select.js";
import { shiftLeftP, shiftRightArithmeticP, shiftRightLogicalP } from "./elementwise/shift.js";
import { signP } from "./elementwise/sign.js";
import { cosP, sinP } from "./elementwise/sin_cos.js";
import { coshP, sinhP } from "./elementwise/sinh_cosh.js";
import { sqrtP } from "./elementwise/sqrt.js";
import { stopGradientP } from "./elementwise/stop_gradient.js";
import { subP } from "./elementwise/sub.js";
import { tanP } from "./elementwise/tan.js";
import { tanhP } from "./elementwise/tanh.js";
import { choleskyP } from "./linalg/cholesky.js";
import { dotGeneralP } from "./linalg/dot_general.js";
import { eighP } from "./linalg/eigh.js";
import { luP } from "./linalg/lu.js";
import { qrP } from "./linalg/qr.js";
import { svdP } from "./linalg/svd.js";
import { triangularSolveP } from "./linalg/triangular_solve.js";
import { tridiagonalSolveP } from "./linalg/tridiagonal_solve.js";
import { randomBitsP } from "./random/random_bits.js";
import { threefry2x32P } from "./random/threefry2x32.js";
import { argmaxP } from "./reduce/argmax.js";
import { argminP } from "./reduce/argmin.js";
import { cumlogsumexpP, cummaxP, cumminP, cumprodP, cumsumP } from "./reduce/cumulative.js";
import { reduceMaxP } from "./reduce/reduce_max.js";
import { reduceMinP } from "./reduce/reduce_min.js";
import { reduceProdP } from "./reduce/reduce_prod.js";
import { reduceWindowMaxP, reduceWindowMinP } from "./reduce/reduce_window_max.js";
import { reduceWindowProdP } from "./reduce/reduce_window_prod.js";
import { reduceWindowSumP } from "./reduce/reduce_window_sum.js";
import { selectAndGatherAddP, selectAndScatterAddP } from "./reduce/select_and_gather_add.js";
import { sortP } from "./sort/sort.js";
import { topKP } from "./sort/top_k.js";
import { broadcastInDimP, reduceSumP } from "./structure/broadcast_and_sum.js";
import { concatenateP } from "./structure/concatenate.js";
import { dynamicSliceP, dynamicUpdateSliceP } from "./structure/dynamic_slice.js";
import { gatherP, scatterAddP } from "./structure/gather_and_scatter.js";
import { iotaP } from "./structure/iota.js";
import { reshapeP } from "./structure/reshape.js";
import { revP } from "./structure/rev.js";
import { padP, sliceP } from "./structure/slice_and_pad.js";
import { transposeP } from "./structure/transpose.js";

/** Every first-order primitive, typed as the registry sees them (params differ per primitive). */
export const firstOrderPrimitives: readonly Primitive[] = [
  negP,
  addP,
  subP,
  mulP,
  divP,
  expP,
  logP,
  sinP,
  cosP,
  tanhP,
  sqrtP,
  powP,
  maxP,
  minP,
  eqP,
  neP,
  ltP,
  leP,
  gtP,
  geP,
  selectP,
  stopGradientP,
  convertElementTypeP,
  reduceSumP,
  reduceMaxP,
  reduceMinP,
  broadcastInDimP,
  reshapeP,
  transposeP,
  concatenateP,
  sliceP,
  dotGeneralP,
  log1pP,
  expm1P,
  tanP,
  logisticP,
  erfP,
  absP,
  signP,
  reduceProdP,
  argmaxP,
  argminP,
  cumsumP,
  cumprodP,
  cummaxP,
  cumminP,
  cumlogsumexpP,
  revP,
  padP,
  gatherP,
  scatterAddP,
  iotaP,
  dynamicSliceP,
  dynamicUpdateSliceP,
  sortP,
  topKP,
  andP,
  orP,
  xorP,
  notP,
  shiftLeftP,
  shiftRightLogicalP,
  shiftRightArithmeticP,
  populationCountP,
  bitcastConvertTypeP,
  remP,
  threefry2x32P,
  randomBitsP,
  floorP,
  ceilP,
  roundP,
  nextafterP,
  integerPowP,
  reducePrecisionP,
  erfInvP,
  lgammaP,
  digammaP,
  polygammaP,
  igammaP,
  igammacP,
  betaincP,
  igammaGradAP,
  randomGammaGradP,
  atan2P,
  sinhP,
  coshP,
  asinP,
  acosP,
  atanP,
  asinhP,
  acoshP,
  atanhP,
  cbrtP,
  rsqrtP,
  isFiniteP,
  clampP,
  choleskyP,
  triangularSolveP,
  qrP,
  eighP,
  luP,
  tridiagonalSolveP,
  svdP,
  reduceWindowSumP,
  reduceWindowMaxP,
  reduceWindowMinP,
  reduceWindowProdP,
  selectAndGatherAddP,
  selectAndScatterAddP,
  convGeneralDilatedP,
];
