// optax's schedules (optax/schedules/_schedule.py, _join.py): hyperparameters as traceable functions of the step
// count. Every schedule is built from elementwise np operations (clip, where, minimum, power, cos), never from JS
// branches on the count's value, so it runs eagerly and under `jit` alike and returns float32.
//
// Degenerate arguments follow optax: a non-positive `transitionSteps` makes the polynomial, linear and exponential
// schedules constant at `initValue` (optax logs and does the same), a zero `decayRate` makes `exponentialDecay`
// constant, and a negative `transitionBegin` counts as 0. Where optax raises (a non-positive `decaySteps` of the cosine
// schedules, a negative scale of `piecewiseConstantSchedule`), these throw a TracegradError naming the argument.

import * as E from "fp-ts/Either";
import { isFloat } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { bool, int, number, param } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { describe, fail, guard, optional, options } from "../core/validate.js";
import * as np from "../numpy/elementwise.js";
import { floor } from "../numpy/rounding.js";
import * as lax from "../primitives/index.js";
import type { Schedule } from "./base.js";

/** A schedule that also takes a JS number as the count (a whole number is an int32 count, as optax's states hold). */
export type CountSchedule = (count: Tensor | number) => Tensor;

const INT32_MAX = 2 ** 31 - 1;
/** A float32 scalar constant. */
const k = (v: number): Tensor => lax.full([], v, "float32");
/** `v` at each count (a scalar for a scalar count; optax's constant is a scalar too). */
const constantFor = (count: Tensor, v: number): Tensor => lax.full(count.shape, v, "float32");
/** `t` as float32 (schedules return float32 whatever the count's dtype). */
const f32 = (t: Tensor): Tensor => (t.dtype === "float32" ? t : lax.convertElementType(t, "float32"));

/** The count as a tensor: a numeric tensor as it is (tracers included); a whole JS number as int32, else float32. */
function countOf(name: string, c: unknown): Tensor {
  if (c instanceof Tensor) {
    if (c.dtype === "bool")
      throw new TracegradError(`${name}: the count must be an integer or float tensor, got ${describe(c)}`);
    return c;
  }
  if (typeof c === "number" && Number.isFinite(c))
    return Number.isInteger(c) && Math.abs(c) <= INT32_MAX ? lax.full([], c, "int32") : k(c);
  throw new TracegradError(`${name}: the count must be a tensor or a finite number, got ${describe(c)}`);
}

/** The count as a float tensor (integers become float32, as JAX promotes them against a Python float). */
const floatCount = (c: Tensor): Tensor => (isFloat(c.dtype) ? c : lax.convertElementType(c, "float32"));

/** The schedule `name` computing `f` of the checked count, as float32. */
function schedule(name: string, f: (count: Tensor) => Tensor): CountSchedule {
  const s = (count: Tensor | number): Tensor => f32(f(countOf(name, count)));
  Object.defineProperty(s, "name", { value: `${name.slice(name.lastIndexOf(".") + 1)}Fn` });
  return s;
}

/** A finite JS number. */
const finite = (name: string) => number(name, true);
/** An optional integer slot (the caller applies the default). */
const optionalInt = (name: string) => optional(int(name));

/**
 * A schedule that is `value` at every step.
 * @example optim.constantSchedule(0.1)(100) // Tensor(0.1, dtype=float32)
 */
export const constantSchedule: (value: number) => CountSchedule = guard(
  "optim.constantSchedule",
  [finite("value")],
  (value: number) => schedule("optim.constantSchedule", (c) => constantFor(c, value)),
);

function polynomialImpl(
  name: string,
  initValue: number,
  endValue: number,
  power: number,
  transitionSteps: number,
  transitionBegin: number,
): CountSchedule {
  // optax: a non-positive transition length disables the annealing (constant initValue)
  if (transitionSteps <= 0) return schedule(name, (c) => constantFor(c, initValue));
  const begin = Math.max(transitionBegin, 0);
  return schedule(name, (count) => {
    const c = np.clip(np.subtract(count, begin), 0, transitionSteps);
    const frac = np.subtract(1, np.divide(c, transitionSteps));
    return np.add(np.multiply(np.subtract(k(initValue), k(endValue)), np.power(frac, power)), k(endValue));
  });
}

/**
 * (init − end)·(1 − clip(t − begin, 0, T)/T)^power + end: `initValue` until `transitionBegin`, then a polynomial
 * path to `endValue` reached at `transitionBegin + transitionSteps`. `transitionSteps ≤ 0` gives the constant
 * `initValue`, and a negative `transitionBegin` counts as 0 (both as optax).
 * @example optim.polynomialSchedule(1, 0.01, 2, 100)(50) // Tensor(0.2575, dtype=float32)
 */
export const polynomialSchedule: (
  initValue: number,
  endValue: number,
  power: number,
  transitionSteps: number,
  transitionBegin?: number,
) => CountSchedule = guard(
  "optim.polynomialSchedule",
  [finite("initValue"), finite("endValue"), finite("power"), int("transitionSteps"), optionalInt("transitionBegin")],
  (i: number, e: number, p: number, t: number, b: number | undefined) =>
    polynomialImpl("optim.polynomialSchedule", i, e, p, t, b ?? 0),
);

/**
 * A straight line from `initValue` (until `transitionBegin`) to `endValue` (from `transitionBegin +
 * transitionSteps` on): the polynomial schedule of power 1, with its rules for degenerate arguments.
 * @example optim.linearSchedule(1, 0, 10)(5) // Tensor(0.5, dtype=float32)
 */
export const linearSchedule: (
  initValue: number,
  endValue: number,
  transitionSteps: number,
  transitionBegin?: number,
) => CountSchedule = guard(
  "optim.linearSchedule",
  [finite("initValue"), finite("endValue"), int("transitionSteps"), optionalInt("transitionBegin")],
  (i: number, e: number, t: number, b: number | undefined) =>
    polynomialImpl("optim.linearSchedule", i, e, 1, t, b ?? 0),
);

export interface ExponentialDecayOpts {
  transitionBegin?: number;
  staircase?: boolean;
  endValue?: number;
}
const expOptions = () =>
  options({ transitionBegin: int("transitionBegin"), staircase: bool("staircase"), endValue: finite("endValue") });

function exponentialImpl(
  name: string,
  initValue: number,
  transitionSteps: number,
  decayRate: number,
  o: ExponentialDecayOpts,
): CountSchedule {
  // optax: both degenerate cases give the constant initValue
  if (transitionSteps <= 0 || decayRate === 0) return schedule(name, (c) => constantFor(c, initValue));
  const begin = Math.max(o.transitionBegin ?? 0, 0);
  const { staircase = false, endValue } = o;
  return schedule(name, (count) => {
    const decreased = np.subtract(count, begin);
    let p = np.divide(decreased, transitionSteps);
    if (staircase) p = floor(p);
    let v = np.where(np.lessEqual(decreased, 0), k(initValue), np.multiply(k(initValue), np.power(k(decayRate), p)));
    // endValue bounds the decay: from below when decaying (rate < 1), from above when growing
    if (endValue !== undefined) v = decayRate < 1 ? np.maximum(v, k(endValue)) : np.minimum(v, k(endValue));
    return v;
  });
}

/**
 * initValue·decayRate^((t − begin)/transitionSteps) from `transitionBegin` on (`initValue` before), the exponent
 * floored when `staircase`; `endValue` is a lower bound when decayRate < 1 and an upper bound otherwise.
 * `transitionSteps ≤ 0` or `decayRate = 0` give the constant `initValue`, a negative `transitionBegin` counts as 0
 * (as optax).
 * @example optim.exponentialDecay(1, 10, 0.5)(20) // Tensor(0.25, dtype=float32)
 */
export const exponentialDecay: (
  initValue: number,
  transitionSteps: number,
  decayRate: number,
  opts?: ExponentialDecayOpts,
) => CountSchedule = guard(
  "optim.exponentialDecay",
  [finite("initValue"), int("transitionSteps"), finite("decayRate"), expOptions()],
  (i: number, t: number, r: number, o: ExponentialDecayOpts) => exponentialImpl("optim.exponentialDecay", i, t, r, o),
);

export interface CosineDecayOpts {
  alpha?: number;
  exponent?: number;
}

function cosineImpl(name: string, initValue: number, decaySteps: number, alpha: number, exponent: number) {
  return schedule(name, (count) => {
    const c = np.minimum(floatCount(count), decaySteps);
    const cosine = np.multiply(0.5, np.add(1, np.cos(np.divide(np.multiply(Math.PI, c), decaySteps))));
    const decayed = np.add(np.multiply(1 - alpha, np.power(cosine, exponent)), alpha);
    return np.multiply(k(initValue), decayed);
  });
}

/**
 * init·((1 − alpha)·(½(1 + cos(π·min(t, T)/T)))^exponent + alpha): a half cosine from `initValue` down to
 * `alpha·initValue` at `decaySteps`, constant after. `decaySteps` must be positive (optax raises too).
 * @example optim.cosineDecaySchedule(1, 100)(50) // Tensor(0.5, dtype=float32)
 */
export const cosineDecaySchedule: (initValue: number, decaySteps: number, opts?: CosineDecayOpts) => CountSchedule =
  guard(
    "optim.cosineDecaySchedule",
    [finite("initValue"), int("decaySteps"), options({ alpha: finite("alpha"), exponent: finite("exponent") })],
    (i: number, d: number, o: CosineDecayOpts) => {
      if (d <= 0)
        throw new TracegradError(`optim.cosineDecaySchedule: decaySteps must be a positive integer, got ${d}`);
      return cosineImpl("optim.cosineDecaySchedule", i, d, o.alpha ?? 0, o.exponent ?? 1);
    },
  );

/** The schedules in turn: `schedules[i + 1]` from `boundaries[i]` on, given the count minus that boundary. */
function joinImpl(name: string, schedules: readonly ((c: Tensor) => Tensor)[], boundaries: readonly number[]) {
  return schedule(name, (step) => {
    let out = f32(asResult(name, schedules[0]!(step)));
    boundaries.forEach((b, i) => {
      const next = f32(asResult(name, schedules[i + 1]!(np.subtract(step, b))));
      out = np.where(np.less(step, b), out, next);
    });
    return out;
  });
}

/** A schedule's value as a tensor (a function that returns a JS number is accepted). */
function asResult(name: string, v: unknown): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number") return k(v);
  throw new TracegradError(`${name}: a schedule returned ${describe(v)}; schedules return tensors or numbers`);
}

export interface WarmupCosineOpts {
  endValue?: number;
  exponent?: number;
}

/**
 * A linear warmup from `initValue` to `peakValue` over `warmupSteps`, then a cosine decay to `endValue` that ends at
 * `decaySteps` — which counts the warmup, as optax's (the cosine part lasts `decaySteps − warmupSteps`, which must be
 * positive: optax raises there too).
 * @example optim.warmupCosineDecaySchedule(0, 1, 10, 110)(10) // Tensor(1, dtype=float32)
 */
export const warmupCosineDecaySchedule: (
  initValue: number,
  peakValue: number,
  warmupSteps: number,
  decaySteps: number,
  opts?: WarmupCosineOpts,
) => CountSchedule = guard(
  "optim.warmupCosineDecaySchedule",
  [
    finite("initValue"),
    finite("peakValue"),
    int("warmupSteps"),
    int("decaySteps"),
    options({ endValue: finite("endValue"), exponent: finite("exponent") }),
  ],
  (init: number, peak: number, warmup: number, decay: number, o: WarmupCosineOpts) => {
    const name = "optim.warmupCosineDecaySchedule";
    if (decay - warmup <= 0)
      throw new TracegradError(
        `${name}: decaySteps must be greater than warmupSteps (decaySteps counts the warmup), got decaySteps ` +
          `${decay} and warmupSteps ${warmup}`,
      );
    const endValue = o.endValue ?? 0;
    const alpha = peak === 0 ? 0 : endValue / peak;
    return joinImpl(
      name,
      [polynomialImpl(name, init, peak, 1, warmup, 0), cosineImpl(name, peak, decay - warmup, alpha, o.exponent ?? 1)],
      [warmup],
    );
  },
);

/**
 * A linear warmup from `initValue` to `peakValue` over `warmupSteps`, then `exponentialDecay(peakValue,
 * transitionSteps, decayRate, opts)` counted from the end of the warmup.
 * @example optim.warmupExponentialDecaySchedule(0, 1, 10, 10, 0.5)(30) // Tensor(0.25, dtype=float32)
 */
export const warmupExponentialDecaySchedule: (
  initValue: number,
  peakValue: number,
  warmupSteps: number,
  transitionSteps: number,
  decayRate: number,
  opts?: ExponentialDecayOpts,
) => CountSchedule = guard(
  "optim.warmupExponentialDecaySchedule",
  [
    finite("initValue"),
    finite("peakValue"),
    int("warmupSteps"),
    int("transitionSteps"),
    finite("decayRate"),
    expOptions(),
  ],
  (init: number, peak: number, warmup: number, t: number, r: number, o: ExponentialDecayOpts) => {
    const name = "optim.warmupExponentialDecaySchedule";
    return joinImpl(
      name,
      [polynomialImpl(name, init, peak, 1, warmup, 0), exponentialImpl(name, peak, t, r, o)],
      [warmup],
    );
  },
);

/** `{ step: scale }` with whole-number steps and finite scales ≥ 0 (optax rejects negative scales). */
const boundariesParam = (name: string) =>
  param(name, "pytree", (v, at) => {
    if (v === undefined || v === null) return E.right([] as [number, number][]);
    if (typeof v !== "object" || Array.isArray(v) || v instanceof Tensor)
      return fail(at, "an object { step: scale } (whole-number steps, scales ≥ 0)", v);
    const out: [number, number][] = [];
    for (const [key, scale] of Object.entries(v as Record<string, unknown>)) {
      const step = Number(key);
      if (!Number.isInteger(step))
        return E.left(
          new TracegradError(`${at.fn}: ${at.arg} has the step ${JSON.stringify(key)}; steps are integers`),
        );
      if (typeof scale !== "number" || !Number.isFinite(scale) || scale < 0)
        return E.left(
          new TracegradError(
            `${at.fn}: ${at.arg}[${key}] must be a finite scale ≥ 0 (optax expects non-negative scale factors), got ` +
              describe(scale),
          ),
        );
      out.push([step, scale]);
    }
    return E.right(out.sort((a, b) => a[0] - b[0]));
  });

/**
 * `initValue` times the product of the scales of every boundary the count has reached (t ≥ step), boundaries taken
 * in increasing order as optax's sorted dict.
 * @example optim.piecewiseConstantSchedule(1, { 100: 0.1, 200: 0.1 })(250) // Tensor(0.01, dtype=float32)
 */
export const piecewiseConstantSchedule: (
  initValue: number,
  boundariesAndScales?: Record<number, number>,
) => CountSchedule = guard(
  "optim.piecewiseConstantSchedule",
  [finite("initValue"), { ...boundariesParam("boundariesAndScales"), optional: true }],
  (init: number, entries: [number, number][]) =>
    schedule("optim.piecewiseConstantSchedule", (count) => {
      let v = constantFor(count, init);
      for (const [step, scale] of entries) {
        // 1 before the boundary, 0 from it on
        const before = f32(np.maximum(0, lax.sign(np.subtract(step, count))));
        v = np.add(np.multiply(v, before), np.multiply(np.multiply(np.subtract(1, before), scale), v));
      }
      return v;
    }),
);

/**
 * The schedules one after another: `schedules[0]` until `boundaries[0]`, then `schedules[1]` given the count minus
 * `boundaries[0]`, and so on; there is one boundary fewer than schedules (optax's zip would drop the extras
 * silently; here a mismatch is an error).
 * @example optim.joinSchedules([optim.constantSchedule(1), optim.linearSchedule(1, 0, 10)], [5])(10) // 0.5
 */
export const joinSchedules: (schedules: readonly Schedule[], boundaries: readonly number[]) => CountSchedule = guard(
  "optim.joinSchedules",
  [
    param("schedules", "args", (v, at) => {
      if (!Array.isArray(v) || v.length === 0) return fail(at, "a non-empty array of schedules", v);
      const bad = v.findIndex((s) => typeof s !== "function");
      return bad < 0 ? E.right(v) : fail({ fn: at.fn, arg: `${at.arg}[${bad}]` }, "a schedule (a function)", v[bad]);
    }),
    param("boundaries", "ints", (v, at) => {
      if (!Array.isArray(v)) return fail(at, "an array of integer steps", v);
      const bad = v.findIndex((b) => !Number.isInteger(b));
      return bad < 0 ? E.right(v as number[]) : fail({ fn: at.fn, arg: `${at.arg}[${bad}]` }, "an integer", v[bad]);
    }),
  ],
  (schedules: ((c: Tensor) => Tensor)[], boundaries: number[]) => {
    if (boundaries.length !== schedules.length - 1)
      throw new TracegradError(
        `optim.joinSchedules: needs one boundary fewer than schedules, got ${schedules.length} schedules and ` +
          `${boundaries.length} boundaries`,
      );
    return joinImpl("optim.joinSchedules", schedules, boundaries);
  },
);
