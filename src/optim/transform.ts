// optax's building blocks (optax/_src/transform.py, clipping.py, combine.py, wrappers.py, update.py, _inject.py):
// transformations that scale, clip, average, mask, guard and chain updates. Each keeps its state a pytree of tensors,
// and decides by value with selects (never JS branches on tensors), so a whole step jits and compiles once.
import { type DType, isFloat } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { anything, bool as boolParam, count, dtype as dtypeParam, fn } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { describe, guard, isPlainObject, optional, options, rest } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { all, any, logicalAnd, logicalOr } from "../numpy/logic.js";
import { isnan } from "../numpy/math.js";
import { isfinite } from "../numpy/trig.js";
import * as lax from "../primitives/index.js";
import {
  adamMoments,
  biasCorrection,
  type EmptyState,
  type GradientTransformation,
  globalNormOf,
  type Hyper,
  hyper,
  increment,
  leavesOf,
  type Mask,
  maskParam,
  maskTree,
  mergeMasked,
  resolveMask,
  type ScalarOrSchedule,
  type Schedule,
  scalarOrSchedule,
  tmap,
  transformation,
  updateMoment,
  valueAt,
  zeroCount,
  zerosLike,
} from "./base.js";

const EMPTY: EmptyState = {};

/** `a` where `pred` (a bool scalar) holds, else `b`, leafwise over two pytrees of one structure. */
const treeWhere = <T>(op: string, pred: Tensor, a: T, b: T): T =>
  tmap(
    op,
    (x, y) => (x.dtype === y.dtype ? np.where(pred, x, y) : np.where(pred, x, lax.convertElementType(y, x.dtype))),
    a,
    b,
  );

/** A number times a hyperparameter, as a number when it can be. */
const times = (m: number, h: Hyper): Hyper => (typeof h === "number" ? m * h : np.multiply(h, m));

// ---------------------------------------------------------------------------------------------------------------
// Combinators and scaling

/**
 * The transformations applied in order, each to the previous one's updates; the state is the array of their states.
 * @example optim.chain(optim.clipByGlobalNorm(1), optim.scaleByAdam(), optim.scaleByLearningRate(1e-3))
 */
export const chain: (...transforms: GradientTransformation<unknown>[]) => GradientTransformation<unknown[]> = guard(
  "optim.chain",
  [rest(transformation("transforms"))],
  (...transforms: GradientTransformation<unknown>[]): GradientTransformation<unknown[]> => ({
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params) => {
      if (!Array.isArray(state) || state.length !== transforms.length)
        throw new TracegradError(
          `optim.chain: the state must be the array of the ${transforms.length} transformations' states (from init)`,
        );
      let u = updates;
      const next = transforms.map((t, i) => {
        const [v, s] = t.update(u, state[i], params);
        u = v;
        return s;
      });
      return [u, next];
    },
  }),
);

/** Multiplies updates by a constant `step` (no state), optax's scale. */
export const scale: (step: Hyper) => GradientTransformation<EmptyState> = guard(
  "optim.scale",
  [hyper("step")],
  (step: Hyper): GradientTransformation<EmptyState> => ({
    init: () => EMPTY,
    update: (updates, state) => [tmap("optim.scale", (g) => np.multiply(g, step), updates), state],
  }),
);

/** The state of scaleBySchedule: the step count. */
export interface ScaleByScheduleState {
  count: Tensor;
}

/** Multiplies updates by `schedule(count)` (cast to each leaf's dtype), then counts the step. */
export const scaleBySchedule: (schedule: Schedule) => GradientTransformation<ScaleByScheduleState> = guard(
  "optim.scaleBySchedule",
  [fn("schedule")],
  (schedule: Schedule): GradientTransformation<ScaleByScheduleState> => ({
    init: () => ({ count: zeroCount() }),
    update: (updates, state) => {
      const s = asTensor(schedule(state.count));
      return [
        tmap(
          "optim.scaleBySchedule",
          (g) => np.multiply(g, s.dtype === g.dtype ? s : lax.convertElementType(s, g.dtype)),
          updates,
        ),
        { count: increment(state.count) },
      ];
    },
  }),
);

/**
 * Scales by −learningRate (a constant or a schedule of the step count), the last link of every optimizer;
 * `flipSign: false` keeps the sign.
 */
export const scaleByLearningRate: (
  learningRate: ScalarOrSchedule,
  opts?: { flipSign?: boolean },
) => GradientTransformation<EmptyState | ScaleByScheduleState> = guard(
  "optim.scaleByLearningRate",
  [scalarOrSchedule("learningRate"), options({ flipSign: boolParam("flipSign") })],
  (learningRate: ScalarOrSchedule, { flipSign = true }: { flipSign?: boolean }) => {
    const m = flipSign ? -1 : 1;
    return (
      typeof learningRate === "function"
        ? scaleBySchedule((c) => np.multiply(valueAt(learningRate, c), m))
        : scale(times(m, learningRate))
    ) as GradientTransformation<EmptyState | ScaleByScheduleState>;
  },
);

/** The state of maskedTransform: the inner transformation's state, over the masked-in leaves (optax's MaskedState). */
export interface MaskedState<S = unknown> {
  innerState: S;
}

/**
 * `inner` applied to the leaves `mask` selects; the others pass through unchanged (optax's masked). `mask` is a
 * pytree of booleans with the params' structure (or a prefix), or a function that returns one (called with the
 * params in init and with the updates in update, as optax). The inner state holds `null` for masked-out leaves.
 */
export const maskedTransform: <S>(
  inner: GradientTransformation<S>,
  mask: Mask,
) => GradientTransformation<MaskedState<S>> = guard(
  "optim.maskedTransform",
  [transformation("inner"), maskParam("mask")],
  <S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> => {
    const op = "optim.maskedTransform";
    return {
      init: (params) => ({ innerState: inner.init(maskTree(op, params, resolveMask(mask, params)) as typeof params) }),
      update: (updates, state, params) => {
        if (!isPlainObject(state) || !("innerState" in state))
          throw new TracegradError(`${op}: the state must be { innerState } (from init)`);
        const m = resolveMask(mask, updates);
        const [u, s] = inner.update(
          maskTree(op, updates, m) as typeof updates,
          state.innerState,
          params === undefined ? undefined : (maskTree(op, params, m) as typeof params),
        );
        return [mergeMasked(op, u, updates, m) as typeof updates, { innerState: s }];
      },
    };
  },
);

/**
 * Adds `weightDecay · params` to the updates (decoupled weight decay, as AdamW), on the leaves `mask` selects.
 */
export const addDecayedWeights: (
  weightDecay?: Hyper,
  mask?: Mask,
) => GradientTransformation<EmptyState | MaskedState<EmptyState>> = guard(
  "optim.addDecayedWeights",
  [optional(hyper("weightDecay"), 0), optional(maskParam("mask"))],
  (weightDecay: Hyper, mask: Mask | undefined): GradientTransformation<EmptyState | MaskedState<EmptyState>> => {
    const op = "optim.addDecayedWeights";
    const t: GradientTransformation<EmptyState> = {
      init: () => EMPTY,
      update: (updates, state, params) => {
        if (params === undefined)
          throw new TracegradError(`${op}: needs the params: call update(updates, state, params)`);
        return [tmap(op, (g, p) => np.add(g, np.multiply(p, weightDecay)), updates, params), state];
      },
    };
    return (mask === undefined ? t : maskedTransform(t, mask)) as GradientTransformation<
      EmptyState | MaskedState<EmptyState>
    >;
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Clipping

/** √(Σ leaves²) over a whole pytree (optax's global_norm); float32 0 for a tree without leaves. */
export const globalNorm: (tree: unknown) => Tensor = guard(
  "optim.globalNorm",
  [anything("tree", "pytree")],
  (tree: unknown) => globalNormOf("optim.globalNorm", tree),
);

/**
 * Rescales the updates to global norm `maxNorm` when their global norm is not below it: g / ‖g‖ · maxNorm, else g
 * unchanged (optax's clip_by_global_norm; no state).
 */
export const clipByGlobalNorm: (maxNorm: Hyper) => GradientTransformation<EmptyState> = guard(
  "optim.clipByGlobalNorm",
  [hyper("maxNorm")],
  (maxNorm: Hyper): GradientTransformation<EmptyState> => ({
    init: () => EMPTY,
    update: (updates, state) => {
      const op = "optim.clipByGlobalNorm";
      const norm = globalNormOf(op, updates);
      const trigger = np.less(norm, maxNorm);
      const clipped = tmap(
        op,
        (g) => np.where(trigger, g, np.multiply(np.divide(g, lax.convertElementType(norm, g.dtype)), maxNorm)),
        updates,
      );
      return [clipped, state];
    },
  }),
);

/** Clips each update element into [−maxDelta, maxDelta] (optax's clip; no state). */
export const clip: (maxDelta: Hyper) => GradientTransformation<EmptyState> = guard(
  "optim.clip",
  [hyper("maxDelta")],
  (maxDelta: Hyper): GradientTransformation<EmptyState> => ({
    init: () => EMPTY,
    update: (updates, state) => [tmap("optim.clip", (g) => np.clip(g, times(-1, maxDelta), maxDelta), updates), state],
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Moments

/** The state of scaleByAdam: the step count and the first and second moments. */
export interface ScaleByAdamState<P = unknown> {
  count: Tensor;
  mu: P;
  nu: P;
}

/** Options of scaleByAdam (and of adam/adamw). */
export interface AdamOptions {
  b1?: Hyper;
  b2?: Hyper;
  eps?: Hyper;
  epsRoot?: Hyper;
  nesterov?: boolean;
}

export const adamOptionFields = {
  b1: hyper("b1"),
  b2: hyper("b2"),
  eps: hyper("eps"),
  epsRoot: hyper("epsRoot"),
  nesterov: boolParam("nesterov"),
};

/**
 * Adam's rescaling (optax's scale_by_adam): μ ← b1·μ + (1−b1)·g, ν ← b2·ν + (1−b2)·g², t ← t + 1, and the update
 * μ̂ / (√(ν̂ + epsRoot) + eps) with μ̂ = μ/(1−b1ᵗ), ν̂ = ν/(1−b2ᵗ). With `nesterov`, μ̂ = b1·μ/(1−b1ᵗ⁺¹) +
 * (1−b1)·g/(1−b1ᵗ) (NAdam).
 */
export const scaleByAdam: (opts?: AdamOptions) => GradientTransformation<ScaleByAdamState> = guard(
  "optim.scaleByAdam",
  [options(adamOptionFields)],
  ({ b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false }: AdamOptions) => {
    const op = "optim.scaleByAdam";
    const t: GradientTransformation<ScaleByAdamState> = {
      init: (params) => ({ count: zeroCount(), mu: zerosLike(op, params), nu: zerosLike(op, params) }),
      update: (updates, state) => {
        const { count, mu, nu, muHat, nuHat } = adamMoments(op, updates, state, b1, b2, nesterov);
        const out = tmap(op, (m, v) => np.divide(m, np.add(np.sqrt(np.add(v, epsRoot)), eps)), muHat, nuHat);
        return [out, { count, mu, nu }];
      },
    };
    return t;
  },
);

/** The state of trace: the momentum buffer. */
export interface TraceState<P = unknown> {
  trace: P;
}

/**
 * Momentum (optax's trace): t ← g + decay·t, the update t (or, with `nesterov`, g + decay·t with the new t).
 */
export const trace: (decay: Hyper, opts?: { nesterov?: boolean }) => GradientTransformation<TraceState> = guard(
  "optim.trace",
  [hyper("decay"), options({ nesterov: boolParam("nesterov") })],
  (decay: Hyper, { nesterov = false }: { nesterov?: boolean }): GradientTransformation<TraceState> => {
    const op = "optim.trace";
    const f = (g: Tensor, t: Tensor) => np.add(g, np.multiply(t, decay));
    return {
      init: (params) => ({ trace: zerosLike(op, params) }),
      update: (updates, state) => {
        const next = tmap(op, f, updates, state.trace);
        return [nesterov ? tmap(op, f, updates, next) : next, { trace: next }];
      },
    };
  },
);

/** The state of ema: the step count and the (not debiased) moving average. */
export interface EmaState<P = unknown> {
  count: Tensor;
  ema: P;
}

/**
 * Exponential moving average of the updates (optax's ema): e ← decay·e + (1−decay)·g; the update is e, divided by
 * 1 − decayᵗ when `debias` (the state keeps e itself).
 */
export const ema: (
  decay: Hyper,
  opts?: { debias?: boolean; accumulatorDtype?: DType },
) => GradientTransformation<EmaState> = guard(
  "optim.ema",
  [hyper("decay"), options({ debias: boolParam("debias"), accumulatorDtype: dtypeParam("accumulatorDtype") })],
  (
    decay: Hyper,
    { debias = true, accumulatorDtype }: { debias?: boolean; accumulatorDtype?: DType },
  ): GradientTransformation<EmaState> => {
    const op = "optim.ema";
    // the average is stored in accumulatorDtype when given (optax's accumulator_dtype)
    const cast = (x: Tensor) =>
      accumulatorDtype === undefined || x.dtype === accumulatorDtype ? x : lax.convertElementType(x, accumulatorDtype);
    return {
      init: (params) => ({ count: zeroCount(), ema: tmap(op, cast, zerosLike(op, params)) }),
      update: (updates, state) => {
        const e = updateMoment(op, updates, state.ema as typeof updates, decay, 1);
        const c = increment(state.count);
        return [debias ? biasCorrection(op, e, decay, c) : e, { count: c, ema: tmap(op, cast, e) }];
      },
    };
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Guards against bad steps

/** The state of zeroNans: per leaf, whether its last update had a NaN (a bool scalar). */
export interface ZeroNansState<P = unknown> {
  foundNan: P;
}

/** Replaces NaNs in the updates with zeros, recording per leaf whether there was one (optax's zero_nans). */
export const zeroNans: () => GradientTransformation<ZeroNansState> = guard(
  "optim.zeroNans",
  [],
  (): GradientTransformation<ZeroNansState> => {
    const op = "optim.zeroNans";
    return {
      init: (params) => ({ foundNan: tmap(op, () => lax.full([], 0, "bool"), params) }),
      update: (updates, _state) => [
        tmap(op, (g) => np.where(isnan(g), lax.full(g.shape, 0, g.dtype), g), updates),
        { foundNan: tmap(op, (g) => any(isnan(g)), updates) },
      ],
    };
  },
);

/** The state of applyIfFinite. */
export interface ApplyIfFiniteState<S = unknown> {
  /** Consecutive steps with a non-finite update so far (int32). */
  notfiniteCount: Tensor;
  /** Whether the last step's updates were all finite (bool). */
  lastFinite: Tensor;
  /** Steps with a non-finite update in all (int32). */
  totalNotfinite: Tensor;
  innerState: S;
}

/**
 * `inner`, but a step whose updates are not all finite gives zero updates and leaves the inner state as it was —
 * unless more than `maxConsecutiveErrors` such steps came in a row, when it is applied anyway (optax's
 * apply_if_finite). The inner update is computed every step and selected, so the step jits.
 */
export const applyIfFinite: <S>(
  inner: GradientTransformation<S>,
  maxConsecutiveErrors: number,
) => GradientTransformation<ApplyIfFiniteState<S>> = guard(
  "optim.applyIfFinite",
  [transformation("inner"), count("maxConsecutiveErrors")],
  <S>(
    inner: GradientTransformation<S>,
    maxConsecutiveErrors: number,
  ): GradientTransformation<ApplyIfFiniteState<S>> => {
    const op = "optim.applyIfFinite";
    return {
      init: (params) => ({
        notfiniteCount: zeroCount(),
        lastFinite: lax.full([], 1, "bool"),
        totalNotfinite: zeroCount(),
        innerState: inner.init(params),
      }),
      update: (updates, state, params) => {
        const finite = leavesOf(op, updates)
          .map((g) => all(isfinite(g)))
          .reduce((a, b) => logicalAnd(a, b), lax.full([], 1, "bool"));
        const notfiniteCount = np.where(finite, zeroCount(), increment(state.notfiniteCount));
        const apply = logicalOr(finite, np.greater(notfiniteCount, maxConsecutiveErrors));
        const [u, s] = inner.update(updates, state.innerState, params);
        return [
          tmap(op, (x) => np.where(apply, x, lax.full(x.shape, 0, x.dtype)), u),
          {
            notfiniteCount,
            lastFinite: finite,
            totalNotfinite: np.where(finite, state.totalNotfinite, increment(state.totalNotfinite)),
            innerState: treeWhere(op, apply, s, state.innerState),
          },
        ];
      },
    };
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Gradient accumulation

/** The state of multiSteps. */
export interface MultiStepsState<S = unknown, P = unknown> {
  /** Mini-steps accumulated since the last inner step (int32, 0 … everyK − 1). */
  miniStep: Tensor;
  /** Inner steps taken (int32). */
  gradientStep: Tensor;
  innerState: S;
  /** The accumulated gradients (their running mean, by default). */
  accGrads: P;
}

/**
 * Gradient accumulation (optax's MultiSteps, as a transformation): each call adds the gradients to an accumulator
 * (their running mean with `useGradMean`, the default, else their sum); every `everyK`-th call applies `inner` to it
 * and resets it, the other calls give zero updates. Selects, not branches: the inner update is computed every call.
 */
export const multiSteps: <S>(
  inner: GradientTransformation<S>,
  everyK: number,
  opts?: { useGradMean?: boolean },
) => GradientTransformation<MultiStepsState<S>> = guard(
  "optim.multiSteps",
  [transformation("inner"), count("everyK"), options({ useGradMean: boolParam("useGradMean") })],
  <S>(
    inner: GradientTransformation<S>,
    everyK: number,
    { useGradMean = true }: { useGradMean?: boolean },
  ): GradientTransformation<MultiStepsState<S>> => {
    const op = "optim.multiSteps";
    if (everyK < 1) throw new TracegradError(`${op}: everyK must be at least 1, got ${everyK}`);
    return {
      init: (params) => ({
        miniStep: zeroCount(),
        gradientStep: zeroCount(),
        innerState: inner.init(params),
        accGrads: zerosLike(op, params),
      }),
      update: (updates, state, params) => {
        const n = state.miniStep;
        const acc = tmap(
          op,
          (g, a) =>
            useGradMean
              ? np.add(a, np.divide(np.subtract(g, a), lax.convertElementType(increment(n), a.dtype)))
              : np.add(a, g),
          updates,
          state.accGrads as typeof updates,
        );
        const [u, s] = inner.update(acc, state.innerState, params);
        const final = np.greaterEqual(n, everyK - 1);
        return [
          tmap(op, (x) => np.where(final, x, lax.full(x.shape, 0, x.dtype)), u),
          {
            miniStep: np.where(final, zeroCount(), increment(n)),
            gradientStep: np.where(final, increment(state.gradientStep), state.gradientStep),
            innerState: treeWhere(op, final, s, state.innerState),
            accGrads: tmap(op, (a) => np.where(final, lax.full(a.shape, 0, a.dtype), a), acc),
          },
        ];
      },
    };
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Hyperparameters in the state

/** The state of injectHyperparams: the step count, the hyperparameters' current values, the optimizer's state. */
export interface InjectHyperparamsState<S = unknown> {
  count: Tensor;
  hyperparams: Record<string, Tensor>;
  innerState: S;
}

/** Options of injectHyperparams. */
export interface InjectOptions {
  /** Hyperparameters kept as given (not made tensors), e.g. a number the factory needs as a JS number. */
  staticArgs?: readonly string[];
  /** The dtype of float hyperparameters; by default the first params leaf's (float32 if it is not a float). */
  hyperparamDtype?: DType;
}

/** An optimizer factory injectHyperparams can call. */
// biome-ignore lint/suspicious/noExplicitAny: factories take their own option types
export type OptimizerFactory = (...args: any[]) => GradientTransformation<any>;

/**
 * optax's inject_hyperparams: `injectHyperparams(factory)(hyperparams)` is the optimizer `factory` builds, with each
 * numeric (number or tensor) or schedule hyperparameter kept in the state as a tensor, `state.hyperparams[name]`, so
 * it can be read or replaced between steps (under `jit` without recompiling). Schedules are evaluated at the step
 * count. Booleans, strings, masks and `staticArgs` are passed as given. The factory is called again in every update
 * with the tensors as values: as `factory(learningRate, rest)` when the hyperparameters include `learningRate` (the
 * optimizers' own signature), else as `factory(hyperparams)`.
 * @example const opt = optim.injectHyperparams(optim.sgd)({ learningRate: 0.1, momentum: 0.9 })
 */
export const injectHyperparams: (
  factory: OptimizerFactory,
  opts?: InjectOptions,
) => (hyperparams: Record<string, unknown>) => GradientTransformation<InjectHyperparamsState> = guard(
  "optim.injectHyperparams",
  [
    fn("factory"),
    options({
      staticArgs: anything("staticArgs", "pytree"),
      hyperparamDtype: dtypeParam("hyperparamDtype"),
    }),
  ],
  (factory: OptimizerFactory, { staticArgs = [], hyperparamDtype }: InjectOptions) => {
    const op = "optim.injectHyperparams";
    if (!Array.isArray(staticArgs) || staticArgs.some((a) => typeof a !== "string"))
      throw new TracegradError(`${op}: staticArgs must be an array of hyperparameter names`);
    return (hyperparams: Record<string, unknown>): GradientTransformation<InjectHyperparamsState> => {
      if (!isPlainObject(hyperparams))
        throw new TracegradError(
          `${op}: the optimizer takes an object of hyperparameters (e.g. { learningRate: 0.1 }), ` +
            `got ${describe(hyperparams)}`,
        );
      const fixed: Record<string, unknown> = {};
      const numeric: Record<string, Tensor | number> = {};
      const schedules: Record<string, Schedule> = {};
      for (const [k, v] of Object.entries(hyperparams)) {
        if (staticArgs.includes(k)) fixed[k] = v;
        else if (typeof v === "function") schedules[k] = v as Schedule;
        else if (typeof v === "number" || (v instanceof Tensor && v.ndim === 0)) numeric[k] = v;
        else fixed[k] = v;
      }
      const build = (hp: Record<string, Tensor>): GradientTransformation<unknown> => {
        const args: Record<string, unknown> = { ...fixed, ...hp };
        if ("learningRate" in args) {
          const { learningRate, ...others } = args;
          return factory(learningRate, others);
        }
        return factory(args);
      };
      const dtypeOf = (tree: unknown): DType => {
        if (hyperparamDtype !== undefined) return hyperparamDtype;
        const first = leavesOf(op, tree)[0];
        return first !== undefined && isFloat(first.dtype) ? first.dtype : "float32";
      };
      const cast = (v: Tensor | number, d: DType): Tensor => {
        // a JS number is read straight into the dtype (not rounded through float32 first)
        const t = typeof v === "number" ? asTensor(v, d) : asTensor(v);
        return isFloat(t.dtype) && t.dtype !== d ? lax.convertElementType(t, d) : t;
      };
      const values = (stored: Record<string, Tensor | number>, c: Tensor, d: DType): Record<string, Tensor> => {
        const hp: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(stored)) hp[k] = cast(v, d);
        for (const [k, s] of Object.entries(schedules)) hp[k] = cast(s(c), d);
        return hp;
      };
      // the factory is called once now, so bad hyperparameters fail here rather than at init
      build(values(numeric, zeroCount(), hyperparamDtype ?? "float32"));
      return {
        init: (params) => {
          const c = zeroCount();
          const hp = values(numeric, c, dtypeOf(params));
          return { count: c, hyperparams: hp, innerState: build(hp).init(params) };
        },
        update: (updates, state, params) => {
          if (!isPlainObject(state) || !isPlainObject(state.hyperparams))
            throw new TracegradError(`${op}: the state must be { count, hyperparams, innerState } (from init)`);
          const stored: Record<string, Tensor | number> = {};
          for (const k of Object.keys(numeric)) {
            const v = state.hyperparams[k];
            if (!(v instanceof Tensor || typeof v === "number"))
              throw new TracegradError(`${op}: state.hyperparams.${k} must be a scalar tensor, got ${typeof v}`);
            stored[k] = v;
          }
          const hp = values(stored, state.count, dtypeOf(updates));
          const [u, s] = build(hp).update(updates, state.innerState, params);
          return [u, { count: increment(state.count), hyperparams: hp, innerState: s }];
        },
      };
    };
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Applying updates

/** params + updates leafwise, each result cast to its param's dtype (optax's apply_updates). */
export const applyUpdates: <P>(params: P, updates: unknown) => P = guard(
  "optim.applyUpdates",
  [anything("params", "pytree"), anything("updates", "pytree")],
  <P>(params: P, updates: unknown): P =>
    tmap(
      "optim.applyUpdates",
      (p, u) => {
        const r = np.add(p, u);
        return r.dtype === p.dtype ? r : lax.convertElementType(r, p.dtype);
      },
      params,
      updates,
    ),
);
