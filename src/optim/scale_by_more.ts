// optax's remaining scaling transformations (optax/_src/transform.py, factorized.py, transforms/_accumulation.py,
// transforms/_clipping.py): the preconditioners behind adamax, nadam, radam, amsgrad, adabelief, lion, rmsprop,
// adagrad, adadelta, adafactor, lamb, lars and novograd. States are plain objects of tensors (counts int32 scalars),
// and nothing branches on a tensor's value, so an update traces under `jit`.

import type { DType } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import * as np from "../numpy/elementwise.js";
import { logicalOr } from "../numpy/logic.js";
import { expandDims } from "../numpy/manipulation.js";
import { mean, sum } from "../numpy/reductions.js";
import * as lax from "../primitives/index.js";
import {
  adamMoments,
  biasCorrection,
  type EmptyState,
  type GradientTransformation,
  increment,
  leavesOf,
  nesterovMoment,
  tmap,
  updateMoment,
  updateSecondMoment,
  zeroCount,
  zerosLike,
} from "./base.js";
import type { ScaleByAdamState } from "./transform.js";

const EMPTY: EmptyState = {};

/** A scalar `v` of dtype `dtype`. */
const scalarOf = (v: number, dtype: DType): Tensor => lax.full([], v, dtype);
/** `count` (int32) as a scalar of `dtype`. */
const countAs = (count: Tensor, dtype: DType): Tensor => lax.convertElementType(count, dtype);
/** A tensor shaped like `x` filled with `v`. */
const fullLike = (x: Tensor, v: number): Tensor => lax.full(x.shape, v, x.dtype);
/** The Euclidean norm of all of `x`'s elements. */
const norm = (x: Tensor): Tensor => np.sqrt(sum(np.square(x)));

/**
 * max(‖x‖, minNorm), computed so that its gradient at x = 0 is 0 rather than NaN (optax's numerics.safe_norm).
 */
function safeNorm(x: Tensor, minNorm: number): Tensor {
  const n = norm(x);
  const small = np.lessEqual(n, minNorm);
  const masked = norm(np.where(small, fullLike(x, 1), x));
  return np.where(small, scalarOf(minNorm, n.dtype), masked);
}

/** max(rms(x), minRms) with a gradient of 0 at x = 0 (optax's numerics.safe_root_mean_squares). */
function safeRms(x: Tensor, minRms: number): Tensor {
  const rms = np.sqrt(mean(np.square(x)));
  const small = np.lessEqual(rms, minRms);
  const masked = np.sqrt(mean(np.square(np.where(small, fullLike(x, 1), x))));
  return np.where(small, scalarOf(minRms, rms.dtype), masked);
}

/** The state of the Adam-like transformations: the step count and the two moments (optax's ScaleByAdamState). */
export type ScaleByMomentsState = ScaleByAdamState;

/** Options of scaleByAmsgrad. */
export interface ScaleByAmsgradOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  biasCorrectionMu?: boolean;
  biasCorrectionNu?: boolean;
}

/** The state of scaleByAmsgrad (optax's ScaleByAmsgradState). */
export interface ScaleByAmsgradState {
  count: Tensor;
  mu: unknown;
  nu: unknown;
  nuMax: unknown;
}

/** AMSGrad: Adam with the running maximum of the (bias-corrected) second moment (optax's scale_by_amsgrad). */
export function scaleByAmsgrad({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
  epsRoot = 0,
  biasCorrectionMu = true,
  biasCorrectionNu = true,
}: ScaleByAmsgradOptions = {}): GradientTransformation<ScaleByAmsgradState> {
  const op = "optim.scaleByAmsgrad";
  return {
    init: (params) => ({
      count: zeroCount(),
      mu: zerosLike(op, params),
      nu: zerosLike(op, params),
      nuMax: zerosLike(op, params),
    }),
    update: (updates, state) => {
      const mu = updateMoment(op, updates, state.mu as typeof updates, b1, 1);
      const nu = updateSecondMoment(op, updates, state.nu as typeof updates, b2);
      const countInc = increment(state.count);
      const muHat = biasCorrectionMu ? biasCorrection(op, mu, b1, countInc) : mu;
      const nuEff = biasCorrectionNu ? biasCorrection(op, nu, b2, countInc) : nu;
      const nuMax = tmap(op, (a, b) => np.maximum(a, b), state.nuMax as typeof updates, nuEff);
      const out = tmap(op, (m, v) => np.divide(m, np.add(np.sqrt(np.add(v, epsRoot)), eps)), muHat, nuMax);
      return [out, { count: countInc, mu, nu, nuMax }];
    },
  };
}

/** Options of scaleByAdamax. */
export interface ScaleByAdamaxOptions {
  b1?: number;
  b2?: number;
  eps?: number;
}

/** Adamax: the first moment over an exponentially weighted infinity norm (optax's scale_by_adamax). */
export function scaleByAdamax({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
}: ScaleByAdamaxOptions = {}): GradientTransformation<ScaleByMomentsState> {
  const op = "optim.scaleByAdamax";
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(op, params), nu: zerosLike(op, params) }),
    update: (updates, state) => {
      const countInc = increment(state.count);
      const mu = updateMoment(op, updates, state.mu as typeof updates, b1, 1);
      const nu = tmap(
        op,
        (g, n) => np.maximum(np.add(np.abs(g), eps), np.multiply(n, b2)),
        updates,
        state.nu as typeof updates,
      );
      const muHat = biasCorrection(op, mu, b1, countInc);
      return [tmap(op, (m, v) => np.divide(m, v), muHat, nu), { count: countInc, mu, nu }];
    },
  };
}

/** Options of scaleByLion. */
export interface ScaleByLionOptions {
  b1?: number;
  b2?: number;
}

/** The state of scaleByLion (optax's ScaleByLionState). */
export interface ScaleByLionState {
  count: Tensor;
  mu: unknown;
}

/** Lion: the sign of an interpolation of gradient and momentum (optax's scale_by_lion, mode "hard"). */
export function scaleByLion({
  b1 = 0.9,
  b2 = 0.99,
}: ScaleByLionOptions = {}): GradientTransformation<ScaleByLionState> {
  const op = "optim.scaleByLion";
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(op, params) }),
    update: (updates, state) => {
      const out = tmap(
        op,
        (g, m) => np.sign(np.add(np.multiply(g, 1 - b1), np.multiply(m, b1))),
        updates,
        state.mu as typeof updates,
      );
      const mu = updateMoment(op, updates, state.mu as typeof updates, b2, 1);
      return [out, { count: increment(state.count), mu }];
    },
  };
}

/** Options of scaleByRms and scaleByStddev. */
export interface ScaleByRmsOptions {
  decay?: number;
  eps?: number;
  initialScale?: number;
  epsInSqrt?: boolean;
  biasCorrection?: boolean;
}

/** The state of scaleByRms: the second moment, and the step count when bias-correcting. */
export interface ScaleByRmsState {
  count?: Tensor;
  nu: unknown;
}

/** Divides by the root of an EMA of squared gradients (optax's scale_by_rms, RMSProp's preconditioner). */
export function scaleByRms({
  decay = 0.9,
  eps = 1e-8,
  initialScale = 0,
  epsInSqrt = true,
  biasCorrection: debias = false,
}: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const op = "optim.scaleByRms";
  return {
    init: (params) => {
      const nu = tmap(op, (p) => fullLike(p, initialScale), params);
      return debias ? { count: zeroCount(), nu } : { nu };
    },
    update: (updates, state) => {
      const nu = updateSecondMoment(op, updates, state.nu as typeof updates, decay);
      const countInc = debias ? increment(state.count as Tensor) : undefined;
      const nuHat = countInc ? biasCorrection(op, nu, decay, countInc) : nu;
      const out = tmap(op, (g, n) => np.multiply(rmsScaling(n, eps, epsInSqrt), g), updates, nuHat);
      return [out, countInc ? { count: countInc, nu } : { nu }];
    },
  };
}

/** 1/√(n + eps) or 1/(√n + eps). */
const rmsScaling = (n: Tensor, eps: number, epsInSqrt: boolean): Tensor =>
  epsInSqrt ? lax.rsqrt(np.add(n, eps)) : np.divide(1, np.add(np.sqrt(n), eps));

/** The state of scaleByStddev: both moments, and the step count when bias-correcting. */
export interface ScaleByStddevState {
  count?: Tensor;
  mu: unknown;
  nu: unknown;
}

/** Divides by the running standard deviation of the gradients (optax's scale_by_stddev, centered RMSProp). */
export function scaleByStddev({
  decay = 0.9,
  eps = 1e-8,
  initialScale = 0,
  epsInSqrt = true,
  biasCorrection: debias = false,
}: ScaleByRmsOptions = {}): GradientTransformation<ScaleByStddevState> {
  const op = "optim.scaleByStddev";
  return {
    init: (params) => {
      const mu = zerosLike(op, params);
      const nu = tmap(op, (p) => fullLike(p, initialScale), params);
      return debias ? { count: zeroCount(), mu, nu } : { mu, nu };
    },
    update: (updates, state) => {
      const mu = updateMoment(op, updates, state.mu as typeof updates, decay, 1);
      const nu = updateSecondMoment(op, updates, state.nu as typeof updates, decay);
      const countInc = debias ? increment(state.count as Tensor) : undefined;
      const muHat = countInc ? biasCorrection(op, mu, decay, countInc) : mu;
      const nuHat = countInc ? biasCorrection(op, nu, decay, countInc) : nu;
      const out = tmap(
        op,
        (g, m, n) => np.multiply(rmsScaling(np.subtract(n, np.square(m)), eps, epsInSqrt), g),
        updates,
        muHat,
        nuHat,
      );
      return [out, countInc ? { count: countInc, mu, nu } : { mu, nu }];
    },
  };
}

/** The state of scaleByRss (optax's ScaleByRssState). */
export interface ScaleByRssState {
  sumOfSquares: unknown;
}

/** Adagrad's preconditioner: divides by the root of the sum of squared gradients (optax's scale_by_rss). */
export function scaleByRss(initialAccumulatorValue = 0.1, eps = 1e-7): GradientTransformation<ScaleByRssState> {
  const op = "optim.scaleByRss";
  return {
    init: (params) => ({ sumOfSquares: tmap(op, (p) => fullLike(p, initialAccumulatorValue), params) }),
    update: (updates, state) => {
      const sumOfSquares = tmap(op, (g, t) => np.add(np.square(g), t), updates, state.sumOfSquares as typeof updates);
      const out = tmap(
        op,
        (g, t) => np.multiply(np.where(np.greater(t, 0), lax.rsqrt(np.add(t, eps)), fullLike(t, 0)), g),
        updates,
        sumOfSquares,
      );
      return [out, { sumOfSquares }];
    },
  };
}

/** The state of scaleByAdadelta (optax's ScaleByAdaDeltaState): EMAs of squared gradients and of squared updates. */
export interface ScaleByAdadeltaState {
  eG: unknown;
  eX: unknown;
}

/** Adadelta's preconditioner √(E[Δx²] + eps) / √(E[g²] + eps) (optax's scale_by_adadelta). */
export function scaleByAdadelta({ rho = 0.9, eps = 1e-6 }: { rho?: number; eps?: number } = {}) {
  const op = "optim.scaleByAdadelta";
  const t: GradientTransformation<ScaleByAdadeltaState> = {
    init: (params) => ({ eG: zerosLike(op, params), eX: zerosLike(op, params) }),
    update: (updates, state) => {
      const eG = updateMoment(op, updates, state.eG as typeof updates, rho, 2);
      const out = tmap(
        op,
        (g, cg, px) => np.multiply(np.divide(np.sqrt(np.add(px, eps)), np.sqrt(np.add(cg, eps))), g),
        updates,
        eG,
        state.eX as typeof updates,
      );
      const eX = updateMoment(op, out, state.eX as typeof updates, rho, 2);
      return [out, { eG, eX }];
    },
  };
  return t;
}

/** Options of scaleByBelief. */
export interface ScaleByBeliefOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  nesterov?: boolean;
}

/** AdaBelief: Adam whose second moment is the EMA of the squared prediction error g − m (optax's scale_by_belief). */
export function scaleByBelief({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-16,
  epsRoot = 1e-16,
  nesterov = false,
}: ScaleByBeliefOptions = {}): GradientTransformation<ScaleByMomentsState> {
  const op = "optim.scaleByBelief";
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(op, params), nu: zerosLike(op, params) }),
    update: (updates, state) => {
      const mu = updateMoment(op, updates, state.mu as typeof updates, b1, 1);
      const err = tmap(op, (g, m) => np.subtract(g, m), updates, mu);
      const nu = tmap(op, (v) => np.add(v, epsRoot), updateSecondMoment(op, err, state.nu as typeof updates, b2));
      const countInc = increment(state.count);
      const muHat = nesterov ? nesterovMoment(op, mu, updates, b1, countInc) : biasCorrection(op, mu, b1, countInc);
      const nuHat = biasCorrection(op, nu, b2, countInc);
      const out = tmap(op, (m, v) => np.divide(m, np.add(np.sqrt(v), eps)), muHat, nuHat);
      return [out, { count: countInc, mu, nu }];
    },
  };
}

/** Options of scaleByRadam. */
export interface ScaleByRadamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  threshold?: number;
  nesterov?: boolean;
}

/**
 * Rectified Adam: Adam's step times the variance rectification r while the approximated SMA length ρ is at least
 * `threshold`, the bias-corrected momentum alone before that (optax's scale_by_radam).
 */
export function scaleByRadam({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
  epsRoot = 0,
  threshold = 5,
  nesterov = false,
}: ScaleByRadamOptions = {}): GradientTransformation<ScaleByMomentsState> {
  const op = "optim.scaleByRadam";
  const roInf = 2 / (1 - b2) - 1;
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(op, params), nu: zerosLike(op, params) }),
    update: (updates, state) => {
      const { count: countInc, mu, nu, muHat, nuHat } = adamMoments(op, updates, state, b1, b2, nesterov);
      const out = tmap(
        op,
        (m, v) => {
          const t = countAs(countInc, m.dtype);
          const b2t = np.power(b2, t);
          const ro = np.subtract(roInf, np.divide(np.multiply(np.multiply(t, 2), b2t), np.subtract(1, b2t)));
          const r = np.sqrt(
            np.divide(
              np.multiply(np.multiply(np.subtract(ro, 4), np.subtract(ro, 2)), roInf),
              np.multiply(ro, (roInf - 4) * (roInf - 2)),
            ),
          );
          const rectified = np.divide(np.multiply(r, m), np.add(np.sqrt(np.add(v, epsRoot)), eps));
          return np.where(np.greaterEqual(ro, threshold), rectified, m);
        },
        muHat,
        nuHat,
      );
      return [out, { count: countInc, mu, nu }];
    },
  };
}

/** Options of scaleByTrustRatio. */
export interface ScaleByTrustRatioOptions {
  minNorm?: number;
  trustCoefficient?: number;
  eps?: number;
}

/**
 * Scales each leaf's update by trustCoefficient·‖param‖ / (‖update‖ + eps), or by 1 where either norm is 0 (optax's
 * scale_by_trust_ratio, the layer-wise adaptation of LARS and LAMB). Needs the params.
 */
export function scaleByTrustRatio({
  minNorm = 0,
  trustCoefficient = 1,
  eps = 0,
}: ScaleByTrustRatioOptions = {}): GradientTransformation<EmptyState> {
  const op = "optim.scaleByTrustRatio";
  return {
    init: () => EMPTY,
    update: (updates, state, params) => {
      if (params === undefined)
        throw new TracegradError(`${op}: needs the params: call update(updates, state, params)`);
      const out = tmap(
        op,
        (u, p) => {
          const pn = safeNorm(p, minNorm);
          const un = safeNorm(u, minNorm);
          const ratio = np.divide(np.multiply(pn, trustCoefficient), np.add(un, eps));
          const zero = logicalOr(np.equal(pn, 0), np.equal(un, 0));
          return np.multiply(u, np.where(zero, scalarOf(1, p.dtype), ratio));
        },
        updates,
        params,
      );
      return [out, state];
    },
  };
}

/** Options of scaleByNovograd. */
export interface ScaleByNovogradOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  weightDecay?: number;
}

/**
 * NovoGrad: a per-leaf (layer-wise) second moment of ‖g‖², and momentum on g/(√(v + epsRoot) + eps) + wd·param; the
 * first step initializes both without decay (optax's scale_by_novograd). `nu` holds one scalar per leaf. Needs the
 * params.
 */
export function scaleByNovograd({
  b1 = 0.9,
  b2 = 0.25,
  eps = 1e-8,
  epsRoot = 0,
  weightDecay = 0,
}: ScaleByNovogradOptions = {}): GradientTransformation<ScaleByMomentsState> {
  const op = "optim.scaleByNovograd";
  return {
    init: (params) => ({
      count: zeroCount(),
      mu: zerosLike(op, params),
      nu: tmap(op, (p) => lax.full([], 0, p.dtype), params),
    }),
    update: (updates, state, params) => {
      if (params === undefined)
        throw new TracegradError(`${op}: needs the params: call update(updates, state, params)`);
      const countInc = increment(state.count);
      const first = np.equal(countInc, lax.full([], 1, "int32"));
      const nu = tmap(
        op,
        (g, n) => {
          const sq = lax.convertElementType(sum(np.square(g)), n.dtype);
          return np.where(first, sq, np.add(np.multiply(sq, 1 - b2), np.multiply(n, b2)));
        },
        updates,
        state.nu as typeof updates,
      );
      const mu = tmap(
        op,
        (g, p, m, n) => {
          const add = np.add(np.divide(g, np.add(np.sqrt(np.add(n, epsRoot)), eps)), np.multiply(p, weightDecay));
          return np.where(first, add, np.add(np.multiply(m, b1), add));
        },
        updates,
        params,
        state.mu as typeof updates,
        nu,
      );
      return [mu, { count: countInc, mu, nu }];
    },
  };
}

/** Divides each leaf by max(1, rms(leaf)/threshold) (optax's clip_by_block_rms). */
export function clipByBlockRms(threshold: number): GradientTransformation<EmptyState> {
  const op = "optim.clipByBlockRms";
  return {
    init: () => EMPTY,
    update: (updates, state) => [
      tmap(op, (u) => np.divide(u, np.maximum(1, np.divide(np.sqrt(mean(np.square(u))), threshold))), updates),
      state,
    ],
  };
}

/** Multiplies each leaf's update by max(rms(param), minScale) (optax's scale_by_param_block_rms). Needs the params. */
export function scaleByParamBlockRms(minScale = 1e-3): GradientTransformation<EmptyState> {
  const op = "optim.scaleByParamBlockRms";
  return {
    init: () => EMPTY,
    update: (updates, state, params) => {
      if (params === undefined)
        throw new TracegradError(`${op}: needs the params: call update(updates, state, params)`);
      return [tmap(op, (u, p) => np.multiply(u, safeRms(p, minScale)), updates, params), state];
    },
  };
}

/** Options of scaleByFactoredRms (optax's factorized.scale_by_factored_rms). */
export interface ScaleByFactoredRmsOptions {
  factored?: boolean;
  decayRate?: number;
  stepOffset?: number;
  minDimSizeToFactor?: number;
  epsilon?: number;
}

/** The state of scaleByFactoredRms (optax's FactoredState); unused slots hold a zero of shape [1]. */
export interface FactoredState {
  count: Tensor;
  vRow: unknown;
  vCol: unknown;
  v: unknown;
}

/**
 * The two axes a leaf's second moment is factored over: [second largest, largest] (ties in shape order), or
 * undefined when the leaf has fewer than 2 axes or its second largest is smaller than `minDim`.
 */
function factoredDims(shape: readonly number[], factored: boolean, minDim: number): [number, number] | undefined {
  if (!factored || shape.length < 2) return undefined;
  const sorted = shape.map((_, i) => i).sort((a, b) => shape[a]! - shape[b]! || a - b);
  const d1 = sorted[sorted.length - 2]!;
  const d0 = sorted[sorted.length - 1]!;
  return shape[d1]! < minDim ? undefined : [d1, d0];
}

/**
 * Adafactor's preconditioner: for leaves with two axes of at least `minDimSizeToFactor`, row and column EMAs of g² +
 * epsilon replace the full second moment; the decay at step k is 1 − (k − stepOffset + 1)^(−decayRate). Needs the
 * params (for their shapes).
 */
export function scaleByFactoredRms({
  factored = true,
  decayRate = 0.8,
  stepOffset = 0,
  minDimSizeToFactor = 128,
  epsilon = 1e-30,
}: ScaleByFactoredRmsOptions = {}): GradientTransformation<FactoredState> {
  const op = "optim.scaleByFactoredRms";
  const one = (dtype: DType) => lax.full([1], 0, dtype);
  return {
    init: (params) => {
      const dims = (p: Tensor) => factoredDims(p.shape, factored, minDimSizeToFactor);
      const without = (p: Tensor, axis: number) =>
        lax.full(
          p.shape.filter((_, i) => i !== axis),
          0,
          p.dtype,
        );
      return {
        count: zeroCount(),
        vRow: tmap(op, (p) => (dims(p) ? without(p, dims(p)![1]) : one(p.dtype)), params),
        vCol: tmap(op, (p) => (dims(p) ? without(p, dims(p)![0]) : one(p.dtype)), params),
        v: tmap(op, (p) => (dims(p) ? one(p.dtype) : fullLike(p, 0)), params),
      };
    },
    update: (grads, state, params) => {
      if (params === undefined)
        throw new TracegradError(`${op}: needs the params: call update(updates, state, params)`);
      const gs = leavesOf(op, grads);
      const ps = leavesOf(op, params);
      const rows = leavesOf(op, state.vRow);
      const cols = leavesOf(op, state.vCol);
      const vs = leavesOf(op, state.v);
      if (ps.length !== gs.length || rows.length !== gs.length || cols.length !== gs.length || vs.length !== gs.length)
        throw new TracegradError(`${op}: the params, updates and state have different numbers of leaves`);
      const results = gs.map((g, i) => {
        const p = ps[i]!;
        const dtype = p.dtype;
        const t = np.add(np.subtract(countAs(state.count, dtype), stepOffset), 1);
        const decay = np.subtract(1, np.power(t, -decayRate));
        const ema = (old: Tensor, x: Tensor) => np.add(np.multiply(decay, old), np.multiply(np.subtract(1, decay), x));
        const gradSqr = np.add(np.square(g), epsilon);
        const dims = factoredDims(p.shape, factored, minDimSizeToFactor);
        if (dims) {
          const [d1, d0] = dims;
          const vRow = cast(ema(rows[i]!, mean(gradSqr, d0)), dtype);
          const vCol = cast(ema(cols[i]!, mean(gradSqr, d1)), dtype);
          const reducedD1 = d1 > d0 ? d1 - 1 : d1;
          const rowColMean = mean(vRow, { axis: reducedD1, keepdims: true });
          const rowFactor = np.power(np.divide(vRow, rowColMean), -0.5);
          const colFactor = np.power(vCol, -0.5);
          const update = np.multiply(np.multiply(g, expandDims(rowFactor, d0)), expandDims(colFactor, d1));
          return { update, vRow, vCol, v: one(dtype) };
        }
        const v = cast(ema(vs[i]!, gradSqr), dtype);
        return { update: np.multiply(g, np.power(v, -0.5)), vRow: one(dtype), vCol: one(dtype), v };
      });
      const pick = <K extends keyof (typeof results)[number]>(k: K) => {
        let i = 0;
        return tmap(op, () => results[i++]![k], params);
      };
      let j = 0;
      const updates = tmap(op, () => results[j++]!.update, grads);
      return [updates, { count: increment(state.count), vRow: pick("vRow"), vCol: pick("vCol"), v: pick("v") }];
    },
  };
}

const cast = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : lax.convertElementType(x, dtype));
