// The one list of primitives: property tests iterate it, so a primitive added here is covered by every law.
import type { Primitive } from "../core/primitive.js";
import { addP } from "./elementwise/add.js";
import { eqP, geP, gtP, leP, ltP, neP } from "./elementwise/compare.js";
import { convertElementTypeP } from "./elementwise/convert_element_type.js";
import { cosP } from "./elementwise/cos.js";
import { divP } from "./elementwise/div.js";
import { expP } from "./elementwise/exp.js";
import { logP } from "./elementwise/log.js";
import { maxP } from "./elementwise/max.js";
import { minP } from "./elementwise/min.js";
import { mulP } from "./elementwise/mul.js";
import { negP } from "./elementwise/neg.js";
import { powP } from "./elementwise/pow.js";
import { selectP } from "./elementwise/select.js";
import { sinP } from "./elementwise/sin.js";
import { sqrtP } from "./elementwise/sqrt.js";
import { stopGradientP } from "./elementwise/stop_gradient.js";
import { subP } from "./elementwise/sub.js";
import { tanhP } from "./elementwise/tanh.js";
import { dotGeneralP } from "./linalg/dot_general.js";
import { reduceMaxP } from "./reduce/reduce_max.js";
import { reduceMinP } from "./reduce/reduce_min.js";
import { reduceSumP } from "./reduce/reduce_sum.js";
import { broadcastInDimP } from "./structure/broadcast_in_dim.js";
import { concatenateP } from "./structure/concatenate.js";
import { reshapeP } from "./structure/reshape.js";
import { sliceP } from "./structure/slice.js";
import { transposeP } from "./structure/transpose.js";
import { log1pP } from "./elementwise/log1p.js";
import { expm1P } from "./elementwise/expm1.js";
import { tanP } from "./elementwise/tan.js";
import { logisticP } from "./elementwise/logistic.js";
import { erfP } from "./elementwise/erf.js";
import { absP } from "./elementwise/abs.js";
import { signP } from "./elementwise/sign.js";
import { reduceProdP } from "./reduce/reduce_prod.js";
import { argmaxP } from "./reduce/argmax.js";
import { argminP } from "./reduce/argmin.js";
import { revP } from "./structure/rev.js";
import { padP } from "./structure/pad.js";
import { gatherP } from "./structure/gather.js";
import { scatterAddP } from "./structure/scatter_add.js";
import { iotaP } from "./structure/iota.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- params differ per primitive
export const primitives: readonly Primitive<any>[] = [
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
  revP,
  padP,
  gatherP,
  scatterAddP,
  iotaP,
];
