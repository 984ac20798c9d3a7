// optax's common optimizers (optax/_src/alias.py) as chains of the building blocks: sgd, adam, adamw. Every numeric
// hyperparameter may be a number or a scalar tensor (so injectHyperparams can hold it in the state); the learning
// rate may also be a schedule of the step count.
import { bool as boolParam } from "../core/params.js";
import { guard, options } from "../core/validate.js";
import {
  type EmptyState,
  type GradientTransformation,
  type Hyper,
  hyper,
  type Mask,
  maskParam,
  type ScalarOrSchedule,
  scalarOrSchedule,
} from "./base.js";
import {
  type AdamOptions,
  adamOptionFields,
  addDecayedWeights,
  chain,
  scaleByAdam,
  scaleByLearningRate,
  trace,
} from "./transform.js";

/** The transformation that leaves updates as they are (optax's identity). */
const identity = (): GradientTransformation<EmptyState> => ({ init: () => ({}), update: (u, s) => [u, s] });

/** Options of sgd. */
export interface SgdOptions {
  /** The momentum decay; none (plain SGD) when left out. */
  momentum?: Hyper;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent (optax's sgd): chain(trace(momentum, { nesterov }) or identity, scaleByLearningRate).
 * The state is `[traceState or {}, learning-rate state]`.
 * @example const opt = optim.sgd(0.1, { momentum: 0.9 }); let state = opt.init(params)
 */
export const sgd: (learningRate: ScalarOrSchedule, opts?: SgdOptions) => GradientTransformation<unknown[]> = guard(
  "optim.sgd",
  [scalarOrSchedule("learningRate"), options({ momentum: hyper("momentum"), nesterov: boolParam("nesterov") })],
  (learningRate: ScalarOrSchedule, { momentum, nesterov = false }: SgdOptions) =>
    chain(momentum === undefined ? identity() : trace(momentum, { nesterov }), scaleByLearningRate(learningRate)),
);

/**
 * Adam (optax's adam): chain(scaleByAdam({ b1, b2, eps, epsRoot, nesterov }), scaleByLearningRate(learningRate));
 * defaults b1 0.9, b2 0.999, eps 1e-8, epsRoot 0. The state is `[{ count, mu, nu }, learning-rate state]`.
 * @example const opt = optim.adam(1e-3); const [updates, next] = opt.update(grads, opt.init(params))
 */
export const adam: (learningRate: ScalarOrSchedule, opts?: AdamOptions) => GradientTransformation<unknown[]> = guard(
  "optim.adam",
  [scalarOrSchedule("learningRate"), options(adamOptionFields)],
  (learningRate: ScalarOrSchedule, o: AdamOptions) => chain(scaleByAdam(o), scaleByLearningRate(learningRate)),
);

/** Options of adamw. */
export interface AdamWOptions extends AdamOptions {
  /** The decoupled weight decay (default 1e-4). */
  weightDecay?: Hyper;
  /** The leaves weight decay applies to: a pytree of booleans or a function of the params (all leaves if absent). */
  mask?: Mask;
}

/**
 * AdamW (optax's adamw): chain(scaleByAdam, addDecayedWeights(weightDecay, mask), scaleByLearningRate), so the
 * decay is added after Adam's rescaling and scaled by the learning rate; weightDecay defaults to 1e-4. The state is
 * `[{ count, mu, nu }, {}, learning-rate state]`.
 * @example const opt = optim.adamw(1e-3, { weightDecay: 1e-2 })
 */
export const adamw: (learningRate: ScalarOrSchedule, opts?: AdamWOptions) => GradientTransformation<unknown[]> = guard(
  "optim.adamw",
  [
    scalarOrSchedule("learningRate"),
    options({ ...adamOptionFields, weightDecay: hyper("weightDecay"), mask: maskParam("mask") }),
  ],
  (learningRate: ScalarOrSchedule, { weightDecay = 1e-4, mask, ...o }: AdamWOptions) =>
    chain(scaleByAdam(o), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate)),
);
