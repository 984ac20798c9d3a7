// The `optim` namespace: optax's gradient transformations, optimizers, schedules and losses. An optimizer is
// `{ init(params), update(grads, state, params?) }` over pytrees of tensors, so a whole training step jits.
import { adam, adamw, sgd } from "./alias.js";
import {
  adabelief,
  adadelta,
  adafactor,
  adagrad,
  adamax,
  amsgrad,
  lamb,
  lars,
  lion,
  nadam,
  novograd,
  radam,
  rmsprop,
} from "./alias_more.js";
import { losses } from "./losses.js";
import {
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstantSchedule,
  polynomialSchedule,
  warmupCosineDecaySchedule,
  warmupExponentialDecaySchedule,
} from "./schedule.js";
import {
  addDecayedWeights,
  applyIfFinite,
  applyUpdates,
  chain,
  clip,
  clipByGlobalNorm,
  ema,
  globalNorm,
  injectHyperparams,
  maskedTransform,
  multiSteps,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleBySchedule,
  trace,
  zeroNans,
} from "./transform.js";

export type { AdamWOptions, SgdOptions } from "./alias.js";
export type {
  EmptyState,
  GradientTransformation,
  Hyper,
  Mask,
  ScalarOrSchedule,
  Schedule,
} from "./base.js";
export type {
  AdamOptions,
  ApplyIfFiniteState,
  EmaState,
  InjectHyperparamsState,
  InjectOptions,
  MaskedState,
  MultiStepsState,
  OptimizerFactory,
  ScaleByAdamState,
  ScaleByScheduleState,
  TraceState,
  ZeroNansState,
} from "./transform.js";

/**
 * optax's gradient transformations: optimizers (`sgd`, `adam`, `adamw`, …), building blocks to chain, schedules,
 * losses, and `applyUpdates`.
 * @example
 * const opt = optim.adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grad(loss)(params), state, params);
 * params = optim.applyUpdates(params, updates);
 */
export const optim = {
  sgd,
  adam,
  adamw,
  adamax,
  nadam,
  radam,
  amsgrad,
  adabelief,
  lion,
  rmsprop,
  adagrad,
  adadelta,
  adafactor,
  lamb,
  lars,
  novograd,
  chain,
  clipByGlobalNorm,
  clip,
  addDecayedWeights,
  scale,
  scaleByLearningRate,
  scaleByAdam,
  scaleBySchedule,
  trace,
  ema,
  zeroNans,
  applyIfFinite,
  multiSteps,
  maskedTransform,
  injectHyperparams,
  globalNorm,
  applyUpdates,
  constantSchedule,
  linearSchedule,
  exponentialDecay,
  cosineDecaySchedule,
  warmupCosineDecaySchedule,
  warmupExponentialDecaySchedule,
  piecewiseConstantSchedule,
  polynomialSchedule,
  joinSchedules,
  losses,
};
