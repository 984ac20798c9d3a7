// optax's remaining optimizers (optax/_src/alias.py): adamax, nadam, radam, amsgrad, adabelief, lion, rmsprop,
// adagrad, adadelta, adafactor, lamb, lars and novograd, each a chain of a preconditioner (scale_by_more.ts), optional
// weight decay and the learning rate, with optax's defaults; optax's keyword arguments are camelCased options.
import * as E from "fp-ts/Either";
import type { DType } from "../core/dtype.js";
import { bool, choice, count, number, param } from "../core/params.js";
import { fail, guard, nullable, optional, options, type Param } from "../core/validate.js";
import type { GradientTransformation, Mask, ScalarOrSchedule } from "./base.js";
import {
  clipByBlockRms,
  scaleByAdadelta,
  scaleByAdamax,
  scaleByAmsgrad,
  scaleByBelief,
  scaleByFactoredRms,
  scaleByLion,
  scaleByNovograd,
  scaleByParamBlockRms,
  scaleByRadam,
  scaleByRms,
  scaleByRss,
  scaleByStddev,
  scaleByTrustRatio,
} from "./scale_by_more.js";
import {
  addDecayedWeights,
  chain,
  ema,
  maskedTransform,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  trace,
} from "./transform.js";

/** An optimizer: a chain whose state is the array of its links' states. */
export type Optimizer = GradientTransformation<unknown[]>;

/** A learning rate: a finite number or a schedule of the step count. */
const learningRate = (name = "learningRate"): Param<ScalarOrSchedule> =>
  param(name, "number", (v, at) =>
    (typeof v === "number" && Number.isFinite(v)) || typeof v === "function"
      ? E.right(v as ScalarOrSchedule)
      : fail(at, "a finite number or a schedule (a function of the step count)", v),
  );
const num = (name: string) => number(name, true);
const mask = (name = "mask"): Param<Mask> =>
  param(name, "pytree", (v, at) =>
    typeof v === "boolean" || typeof v === "function" || (v !== null && typeof v === "object")
      ? E.right(v)
      : fail(at, "a pytree of booleans shaped like the params, a boolean, or a function of the params", v),
  );

/** The identity transformation (optax's base.identity), where optax chains one. */
const identity: GradientTransformation<Record<string, never>> = { init: () => ({}), update: (u, s) => [u, s] };

/** Adam's moments options shared by several optimizers. */
export interface AdamLikeOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
}

// --- adamax ----------------------------------------------------------------------------------------------------

/** Options of adamax. */
export interface AdamaxOptions {
  b1?: number;
  b2?: number;
  eps?: number;
}

/**
 * Adamax (Kingma & Ba, 2014): Adam with the infinity norm, u = max(b2·u, |g| + eps), step −lr·m̂/u.
 * @example optim.adamax(2e-3, { b1: 0.9, b2: 0.999, eps: 1e-8 })
 */
export const adamax: (learningRate: ScalarOrSchedule, opts?: AdamaxOptions) => Optimizer = guard(
  "optim.adamax",
  [learningRate(), options({ b1: num("b1"), b2: num("b2"), eps: num("eps") })],
  (lr: ScalarOrSchedule, o: AdamaxOptions) => chain(scaleByAdamax(o), scaleByLearningRate(lr)),
);

// --- nadam -----------------------------------------------------------------------------------------------------

/**
 * NAdam (Dozat, 2016): Adam with Nesterov momentum (optax's adam with nesterov=True).
 * @example optim.nadam(3e-3)
 */
export const nadam: (learningRate: ScalarOrSchedule, opts?: AdamLikeOptions) => Optimizer = guard(
  "optim.nadam",
  [learningRate(), options({ b1: num("b1"), b2: num("b2"), eps: num("eps"), epsRoot: num("epsRoot") })],
  (lr: ScalarOrSchedule, o: AdamLikeOptions) => chain(scaleByAdam({ ...o, nesterov: true }), scaleByLearningRate(lr)),
);

// --- radam -----------------------------------------------------------------------------------------------------

/** Options of radam. */
export interface RadamOptions extends AdamLikeOptions {
  threshold?: number;
  nesterov?: boolean;
}

/**
 * RAdam (Liu et al., 2020): Adam with a variance rectification once the SMA length reaches `threshold` (default 5);
 * plain momentum before.
 * @example optim.radam(1e-3, { threshold: 5 })
 */
export const radam: (learningRate: ScalarOrSchedule, opts?: RadamOptions) => Optimizer = guard(
  "optim.radam",
  [
    learningRate(),
    options({
      b1: num("b1"),
      b2: num("b2"),
      eps: num("eps"),
      epsRoot: num("epsRoot"),
      threshold: num("threshold"),
      nesterov: bool("nesterov"),
    }),
  ],
  (lr: ScalarOrSchedule, o: RadamOptions) => chain(scaleByRadam(o), scaleByLearningRate(lr)),
);

// --- amsgrad ---------------------------------------------------------------------------------------------------

/** Options of amsgrad. */
export interface AmsgradOptions extends AdamLikeOptions {
  biasCorrectionMu?: boolean;
  biasCorrectionNu?: boolean;
}

/**
 * AMSGrad (Reddi et al., 2018): Adam dividing by the running maximum of the bias-corrected second moment.
 * @example optim.amsgrad(1e-3)
 */
export const amsgrad: (learningRate: ScalarOrSchedule, opts?: AmsgradOptions) => Optimizer = guard(
  "optim.amsgrad",
  [
    learningRate(),
    options({
      b1: num("b1"),
      b2: num("b2"),
      eps: num("eps"),
      epsRoot: num("epsRoot"),
      biasCorrectionMu: bool("biasCorrectionMu"),
      biasCorrectionNu: bool("biasCorrectionNu"),
    }),
  ],
  (lr: ScalarOrSchedule, o: AmsgradOptions) => chain(scaleByAmsgrad(o), scaleByLearningRate(lr)),
);

// --- adabelief -------------------------------------------------------------------------------------------------

/** Options of adabelief (eps and epsRoot default to 1e-16). */
export interface AdabeliefOptions extends AdamLikeOptions {
  weightDecay?: number;
  weightDecayMask?: Mask;
  nesterov?: boolean;
}

/**
 * AdaBelief (Zhuang et al., 2020): Adam whose second moment tracks (g − m)²; decoupled weight decay when
 * `weightDecay` is given.
 * @example optim.adabelief(1e-3, { weightDecay: 1e-4 })
 */
export const adabelief: (learningRate: ScalarOrSchedule, opts?: AdabeliefOptions) => Optimizer = guard(
  "optim.adabelief",
  [
    learningRate(),
    options({
      b1: num("b1"),
      b2: num("b2"),
      eps: num("eps"),
      epsRoot: num("epsRoot"),
      weightDecay: num("weightDecay"),
      weightDecayMask: mask("weightDecayMask"),
      nesterov: bool("nesterov"),
    }),
  ],
  (lr: ScalarOrSchedule, { weightDecay, weightDecayMask, ...o }: AdabeliefOptions) =>
    chain(
      scaleByBelief(o),
      ...(weightDecay === undefined ? [] : [addDecayedWeights(weightDecay, weightDecayMask)]),
      scaleByLearningRate(lr),
    ),
);

// --- lion ------------------------------------------------------------------------------------------------------

/** Options of lion. */
export interface LionOptions {
  b1?: number;
  b2?: number;
  weightDecay?: number;
  mask?: Mask;
}

/**
 * Lion (Chen et al., 2023): the sign of (1 − b1)·g + b1·m, momentum m updated with b2, decoupled weight decay
 * (default 1e-3) before the learning rate.
 * @example optim.lion(1e-4, { b1: 0.9, b2: 0.99, weightDecay: 1e-3 })
 */
export const lion: (learningRate: ScalarOrSchedule, opts?: LionOptions) => Optimizer = guard(
  "optim.lion",
  [learningRate(), options({ b1: num("b1"), b2: num("b2"), weightDecay: num("weightDecay"), mask: mask() })],
  (lr: ScalarOrSchedule, { b1, b2, weightDecay = 1e-3, mask: m }: LionOptions) =>
    chain(scaleByLion({ b1, b2 }), addDecayedWeights(weightDecay, m), scaleByLearningRate(lr)),
);

// --- rmsprop ---------------------------------------------------------------------------------------------------

/** Options of rmsprop. */
export interface RmspropOptions {
  decay?: number;
  eps?: number;
  initialScale?: number;
  epsInSqrt?: boolean;
  centered?: boolean;
  momentum?: number;
  nesterov?: boolean;
  biasCorrection?: boolean;
}

/**
 * RMSProp (Hinton): divides by √(EMA of g² + eps) (eps inside the root unless `epsInSqrt: false`), or by the running
 * standard deviation when `centered`; heavy-ball momentum when `momentum` is given.
 * @example optim.rmsprop(1e-3, { decay: 0.9, momentum: 0.9, centered: true })
 */
export const rmsprop: (learningRate: ScalarOrSchedule, opts?: RmspropOptions) => Optimizer = guard(
  "optim.rmsprop",
  [
    learningRate(),
    options({
      decay: num("decay"),
      eps: num("eps"),
      initialScale: num("initialScale"),
      epsInSqrt: bool("epsInSqrt"),
      centered: bool("centered"),
      momentum: num("momentum"),
      nesterov: bool("nesterov"),
      biasCorrection: bool("biasCorrection"),
    }),
  ],
  (lr: ScalarOrSchedule, { centered = false, momentum, nesterov = false, ...o }: RmspropOptions) =>
    chain(
      centered ? scaleByStddev(o) : scaleByRms(o),
      scaleByLearningRate(lr),
      momentum === undefined ? identity : trace(momentum, { nesterov }),
    ),
);

// --- adagrad ---------------------------------------------------------------------------------------------------

/** Options of adagrad. */
export interface AdagradOptions {
  initialAccumulatorValue?: number;
  eps?: number;
}

/**
 * Adagrad (Duchi et al., 2011): divides by √(Σ g² + eps), the sum starting at `initialAccumulatorValue` (0.1).
 * @example optim.adagrad(1e-2, { initialAccumulatorValue: 0.1, eps: 1e-7 })
 */
export const adagrad: (learningRate: ScalarOrSchedule, opts?: AdagradOptions) => Optimizer = guard(
  "optim.adagrad",
  [learningRate(), options({ initialAccumulatorValue: num("initialAccumulatorValue"), eps: num("eps") })],
  (lr: ScalarOrSchedule, { initialAccumulatorValue = 0.1, eps = 1e-7 }: AdagradOptions) =>
    chain(scaleByRss(initialAccumulatorValue, eps), scaleByLearningRate(lr)),
);

// --- adadelta --------------------------------------------------------------------------------------------------

/** Options of adadelta. */
export interface AdadeltaOptions {
  rho?: number;
  eps?: number;
  weightDecay?: number;
  weightDecayMask?: Mask;
}

/**
 * Adadelta (Zeiler, 2012): steps √(E[Δx²] + eps)/√(E[g²] + eps)·g, after weight decay (coupled, default 0); no
 * learning-rate scaling when `learningRate` is undefined or null, as optax's None.
 * @example optim.adadelta(1, { rho: 0.9, eps: 1e-6 })
 */
export const adadelta: (learningRate?: ScalarOrSchedule | null, opts?: AdadeltaOptions) => Optimizer = guard(
  "optim.adadelta",
  [
    optional(nullable(learningRate())),
    options({
      rho: num("rho"),
      eps: num("eps"),
      weightDecay: num("weightDecay"),
      weightDecayMask: mask("weightDecayMask"),
    }),
  ],
  (lr: ScalarOrSchedule | null | undefined, { weightDecay = 0, weightDecayMask, ...o }: AdadeltaOptions) =>
    chain(
      addDecayedWeights(weightDecay, weightDecayMask),
      scaleByAdadelta(o),
      lr === undefined || lr === null ? identity : scaleByLearningRate(lr),
    ),
);

// --- adafactor -------------------------------------------------------------------------------------------------

/** Options of adafactor. */
export interface AdafactorOptions {
  minDimSizeToFactor?: number;
  decayRate?: number;
  decayOffset?: number;
  multiplyByParameterScale?: boolean;
  clippingThreshold?: number | null;
  momentum?: number;
  dtypeMomentum?: DType;
  weightDecayRate?: number;
  eps?: number;
  factored?: boolean;
  weightDecayMask?: Mask;
}

/**
 * Adafactor (Shazeer & Stern, 2018): second moments factored into row and column EMAs for leaves with two axes of
 * at least `minDimSizeToFactor` (128), update clipping by block RMS (`clippingThreshold`, 1; null turns it off),
 * relative step sizes (`multiplyByParameterScale`), optional momentum and weight decay. `learningRate` undefined or
 * null leaves the step unscaled, as optax's None.
 * @example optim.adafactor(1e-2, { minDimSizeToFactor: 32 })
 */
export const adafactor: (learningRate?: ScalarOrSchedule | null, opts?: AdafactorOptions) => Optimizer = guard(
  "optim.adafactor",
  [
    optional(nullable(learningRate())),
    options({
      minDimSizeToFactor: count("minDimSizeToFactor"),
      decayRate: num("decayRate"),
      decayOffset: num("decayOffset"),
      multiplyByParameterScale: bool("multiplyByParameterScale"),
      clippingThreshold: nullable(num("clippingThreshold")),
      momentum: num("momentum"),
      dtypeMomentum: choice("dtypeMomentum", ["float16", "bfloat16", "float32", "float64"] as DType[]),
      weightDecayRate: num("weightDecayRate"),
      eps: num("eps"),
      factored: bool("factored"),
      weightDecayMask: mask("weightDecayMask"),
    }),
  ],
  (
    lr: ScalarOrSchedule | null | undefined,
    {
      minDimSizeToFactor = 128,
      decayRate = 0.8,
      decayOffset = 0,
      multiplyByParameterScale = true,
      clippingThreshold = 1,
      momentum,
      dtypeMomentum = "float32",
      weightDecayRate,
      eps = 1e-30,
      factored = true,
      weightDecayMask,
    }: AdafactorOptions,
  ) =>
    chain(
      scaleByFactoredRms({ factored, decayRate, stepOffset: decayOffset, minDimSizeToFactor, epsilon: eps }),
      ...(clippingThreshold === null ? [] : [clipByBlockRms(clippingThreshold)]),
      ...(lr === undefined || lr === null ? [] : [scaleByLearningRate(lr, { flipSign: false })]),
      ...(multiplyByParameterScale ? [scaleByParamBlockRms()] : []),
      ...(momentum === undefined ? [] : [ema(momentum, { debias: false, accumulatorDtype: dtypeMomentum })]),
      ...(weightDecayRate === undefined ? [] : [addDecayedWeights(weightDecayRate, weightDecayMask)]),
      scale(-1),
    ),
);

// --- lamb ------------------------------------------------------------------------------------------------------

/** Options of lamb (eps defaults to 1e-6). */
export interface LambOptions extends AdamLikeOptions {
  weightDecay?: number;
  mask?: Mask;
}

/**
 * LAMB (You et al., 2020): Adam's step plus decoupled weight decay, scaled per leaf by the trust ratio
 * ‖param‖/‖step‖.
 * @example optim.lamb(1e-3, { weightDecay: 1e-2 })
 */
export const lamb: (learningRate: ScalarOrSchedule, opts?: LambOptions) => Optimizer = guard(
  "optim.lamb",
  [
    learningRate(),
    options({
      b1: num("b1"),
      b2: num("b2"),
      eps: num("eps"),
      epsRoot: num("epsRoot"),
      weightDecay: num("weightDecay"),
      mask: mask(),
    }),
  ],
  (lr: ScalarOrSchedule, { eps = 1e-6, weightDecay = 0, mask: m, ...o }: LambOptions) =>
    chain(scaleByAdam({ ...o, eps }), addDecayedWeights(weightDecay, m), scaleByTrustRatio(), scaleByLearningRate(lr)),
);

// --- lars ------------------------------------------------------------------------------------------------------

/** Options of lars. */
export interface LarsOptions {
  weightDecay?: number;
  weightDecayMask?: Mask;
  trustCoefficient?: number;
  eps?: number;
  trustRatioMask?: Mask;
  momentum?: number;
  nesterov?: boolean;
}

/**
 * LARS (You et al., 2017): weight decay, then the per-leaf trust ratio trustCoefficient·‖param‖/(‖g‖ + eps), the
 * learning rate, and heavy-ball momentum (0.9).
 * @example optim.lars(0.1, { weightDecay: 1e-4, momentum: 0.9 })
 */
export const lars: (learningRate: ScalarOrSchedule, opts?: LarsOptions) => Optimizer = guard(
  "optim.lars",
  [
    learningRate(),
    options({
      weightDecay: num("weightDecay"),
      weightDecayMask: mask("weightDecayMask"),
      trustCoefficient: num("trustCoefficient"),
      eps: num("eps"),
      trustRatioMask: mask("trustRatioMask"),
      momentum: num("momentum"),
      nesterov: bool("nesterov"),
    }),
  ],
  (
    lr: ScalarOrSchedule,
    {
      weightDecay = 0,
      weightDecayMask = true,
      trustCoefficient = 0.001,
      eps = 0,
      trustRatioMask = true,
      momentum = 0.9,
      nesterov = false,
    }: LarsOptions,
  ) =>
    chain(
      addDecayedWeights(weightDecay, weightDecayMask),
      maskedTransform(scaleByTrustRatio({ trustCoefficient, eps }), trustRatioMask),
      scaleByLearningRate(lr),
      trace(momentum, { nesterov }),
    ),
);

// --- novograd --------------------------------------------------------------------------------------------------

/** Options of novograd (b2 defaults to 0.25, eps to 1e-6). */
export interface NovogradOptions extends AdamLikeOptions {
  weightDecay?: number;
}

/**
 * NovoGrad (Ginsburg et al., 2019): a layer-wise second moment of ‖g‖² and momentum on the normalized gradient plus
 * weight decay.
 * @example optim.novograd(1e-2, { b1: 0.9, b2: 0.25, weightDecay: 1e-3 })
 */
export const novograd: (learningRate: ScalarOrSchedule, opts?: NovogradOptions) => Optimizer = guard(
  "optim.novograd",
  [
    learningRate(),
    options({
      b1: num("b1"),
      b2: num("b2"),
      eps: num("eps"),
      epsRoot: num("epsRoot"),
      weightDecay: num("weightDecay"),
    }),
  ],
  (lr: ScalarOrSchedule, { eps = 1e-6, ...o }: NovogradOptions) =>
    chain(scaleByNovograd({ ...o, eps }), scaleByLearningRate(lr)),
);
