// The gradient-transformation protocol of optax and the tree arithmetic its transformations share. A state is a
// pytree of tensors (counts are int32 scalars), so `jit(step)` with the state as an argument compiles once; a
// masked-out leaf is `null` (an empty subtree), as optax's MaskedNode.
import * as E from "fp-ts/Either";
import { TracegradError } from "../core/errors.js";
import { param } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { flatten, isPlainObject, treeDefEqual, treeDefString, unflatten } from "../core/tree.js";
import { fail, type Param } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { sum } from "../numpy/reductions.js";
import * as lax from "../primitives/index.js";

/**
 * optax's GradientTransformation: `init(params)` gives the state; `update(updates, state, params?)` gives the
 * transformed updates and the next state. Updates have the structure of the params.
 */
export interface GradientTransformation<S = unknown> {
  init<P>(params: P): S;
  update<U>(updates: U, state: S, params?: U): [U, S];
}

/** A learning-rate (or any hyperparameter) schedule: a traceable function of the int32 step count. */
export type Schedule = (count: Tensor) => Tensor;
/** A hyperparameter: a JS number, or a scalar tensor (so `injectHyperparams` can change it between steps). */
export type Hyper = number | Tensor;
/** A constant (number or scalar tensor) or a schedule. */
export type ScalarOrSchedule = number | Tensor | Schedule;
/** Which leaves a transformation applies to: a pytree of booleans shaped like the params, or a function of them. */
export type Mask = unknown;

/** The state of transformations without one (optax's EmptyState). */
export type EmptyState = Record<string, never>;

/**
 * Applies `fn` leafwise across pytrees of one structure (the first's); `null`/`undefined` subtrees (masked-out
 * leaves) stay as they are. `op` names the caller in a structure mismatch.
 */
export function tmap<T>(op: string, fn: (...leaves: Tensor[]) => Tensor, tree: T, ...rest: unknown[]): T {
  const [leaves, def] = flatten(tree, op);
  const others = rest.map((r, k) => {
    const [l, d] = flatten(r, op);
    if (!treeDefEqual(def, d))
      throw new TracegradError(
        `${op}: argument ${k + 2} has structure ${treeDefString(d)}, expected ${treeDefString(def)} (the params')`,
      );
    return l;
  });
  return unflatten(
    def,
    leaves.map((x, i) => fn(asLeaf(op, x), ...others.map((o) => asLeaf(op, o[i])))),
  ) as T;
}

/** A leaf as a tensor (a JS number becomes a float32 scalar, as everywhere). */
function asLeaf(op: string, x: unknown): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number" || typeof x === "boolean") return asTensor(x);
  throw new TracegradError(`${op}: a leaf of the params or updates is ${typeof x}; leaves must be tensors or numbers`);
}

/** The tensors of a pytree, in flatten order. */
export const leavesOf = (op: string, tree: unknown): Tensor[] => flatten(tree, op)[0].map((x) => asLeaf(op, x));

/** Zeros shaped like each leaf (optax's `tree_zeros_like`). */
export const zerosLike = <T>(op: string, tree: T): T => tmap(op, (x) => lax.full(x.shape, 0, x.dtype), tree);

/** A fresh step count: int32 0. */
export const zeroCount = (): Tensor => lax.full([], 0, "int32");

const INT32_MAX = 2 ** 31 - 1;
/** count + 1, saturating at the int32 maximum (optax's safe_int32_increment). */
export function increment(count: Tensor): Tensor {
  const max = lax.full([], INT32_MAX, "int32");
  return lax.select(lax.lt(count, max), lax.add(count, lax.full([], 1, "int32")), max);
}

/** 1 − h, as a number for a number and a tensor for a tensor. */
export const oneMinus = (h: Hyper): Hyper => (typeof h === "number" ? 1 - h : np.subtract(1, h));

/** (1 − decay)·gᵒʳᵈᵉʳ + decay·m, leafwise (optax's update_moment). */
export const updateMoment = <T>(op: string, updates: T, moments: T, decay: Hyper, order: number): T =>
  tmap(
    op,
    (g, m) => np.add(np.multiply(order === 1 ? g : np.power(g, order), oneMinus(decay)), np.multiply(m, decay)),
    updates,
    moments,
  );

/** (1 − decay)·|g|² + decay·m, leafwise (optax's update_moment_per_elem_norm with order 2). */
export const updateSecondMoment = <T>(op: string, updates: T, moments: T, decay: Hyper): T =>
  tmap(op, (g, m) => np.add(np.multiply(np.square(g), oneMinus(decay)), np.multiply(m, decay)), updates, moments);

/** m / (1 − decayᶜᵒᵘⁿᵗ), leafwise, with the count converted to each leaf's dtype (optax's bias_correction). */
export const biasCorrection = <T>(op: string, moments: T, decay: Hyper, count: Tensor): T =>
  tmap(op, (m) => np.divide(m, np.subtract(1, np.power(decay, lax.convertElementType(count, m.dtype)))), moments);

/** The value of a constant or schedule at `count` (a float32 scalar tensor for a constant). */
export function valueAt(v: ScalarOrSchedule, count: Tensor): Tensor {
  return typeof v === "function" ? asTensor(v(count)) : asTensor(v);
}

/** √(Σ leaves²) over the whole pytree (optax's global_norm); float32 0 for a tree without leaves. */
export function globalNormOf(op: string, tree: unknown): Tensor {
  const ls = leavesOf(op, tree);
  if (ls.length === 0) return asTensor(0);
  return np.sqrt(ls.map((l) => sum(np.square(l))).reduce((a, b) => np.add(a, b)));
}

/**
 * The boolean mask for `params`: `mask` itself, or `mask(params)` when it is a function; its structure must be a
 * prefix of the params' (a boolean covers a whole subtree).
 */
export function resolveMask(mask: Mask, params: unknown): unknown {
  return typeof mask === "function" ? (mask as (p: unknown) => unknown)(params) : mask;
}

/**
 * `tree` with the leaves the mask leaves out replaced by `null` (an empty subtree), so an inner transformation sees
 * only the masked-in leaves in their places. `mask` is a prefix of `tree`'s structure whose leaves are booleans.
 */
export function maskTree(op: string, tree: unknown, mask: unknown): unknown {
  return prefixMap(op, tree, mask, (sub, keep) => (keep ? sub : null));
}

/**
 * `inner` where the mask is true and `outer` elsewhere (both the structure of the params, `inner` with `null` where
 * masked out).
 */
export function mergeMasked(op: string, inner: unknown, outer: unknown, mask: unknown): unknown {
  const kept = prefixMap(op, outer, mask, (_sub, keep, path) => (keep ? { [MARK]: path } : _sub));
  // walk `kept`: where a marker sits, take the subtree at that path from `inner`
  return replaceMarked(kept, inner);
}

const MARK = Symbol("masked-in");

/** Maps each subtree of `tree` at a boolean leaf of the prefix `mask` through `f` (its path as keys). */
function prefixMap(
  op: string,
  tree: unknown,
  mask: unknown,
  f: (sub: unknown, keep: boolean, path: (string | number)[]) => unknown,
  path: (string | number)[] = [],
): unknown {
  if (typeof mask === "boolean") return f(tree, mask, path);
  if (mask instanceof Tensor && mask.ndim === 0 && mask.dtype === "bool") return f(tree, Boolean(mask.item()), path);
  if (mask === null || mask === undefined) return tree;
  if (Array.isArray(mask) && Array.isArray(tree) && mask.length === tree.length)
    return tree.map((t, i) => prefixMap(op, t, mask[i], f, [...path, i]));
  if (isPlainObject(mask) && isPlainObject(tree)) {
    const mk = Object.keys(mask).sort();
    const tk = Object.keys(tree).sort();
    if (mk.length === tk.length && mk.every((k, i) => k === tk[i]))
      return Object.fromEntries(tk.map((k) => [k, prefixMap(op, tree[k], mask[k], f, [...path, k])]));
  }
  throw new TracegradError(
    `${op}: the mask does not match the params at ${path.length ? path.join(".") : "the root"}: a mask is a pytree ` +
      "of booleans with the params' structure (or a prefix of it), or a function of the params that returns one",
  );
}

/** Replaces each marker object in `tree` with the subtree of `source` at the marker's path. */
function replaceMarked(tree: unknown, source: unknown): unknown {
  if (isPlainObject(tree) && MARK in tree) {
    let s = source;
    for (const k of (tree as unknown as Record<symbol, (string | number)[]>)[MARK]!)
      s = (s as Record<string | number, unknown>)[k];
    return s;
  }
  if (Array.isArray(tree)) return tree.map((t) => replaceMarked(t, source));
  if (isPlainObject(tree))
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, replaceMarked(v, source)]));
  return tree;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument slots of the optim namespace's public functions

/** A hyperparameter slot: a JS number or a scalar tensor (an injected hyperparameter). */
export const hyper = (name: string): Param<Hyper> =>
  param(name, "number", (v, at) =>
    typeof v === "number" || (v instanceof Tensor && v.ndim === 0)
      ? E.right(v as Hyper)
      : fail(at, "a number (or a scalar tensor)", v),
  );

/** A learning-rate slot: a number, a scalar tensor, or a schedule (a function of the step count). */
export const scalarOrSchedule = (name: string): Param<ScalarOrSchedule> =>
  param(name, "number", (v, at) =>
    typeof v === "number" || typeof v === "function" || (v instanceof Tensor && v.ndim === 0)
      ? E.right(v as ScalarOrSchedule)
      : fail(at, "a number, a scalar tensor, or a schedule (a function of the step count)", v),
  );

/** Is `v` a gradient transformation (an object with `init` and `update` functions)? */
export const isTransformation = (v: unknown): v is GradientTransformation<unknown> =>
  v !== null &&
  typeof v === "object" &&
  typeof (v as { init?: unknown }).init === "function" &&
  typeof (v as { update?: unknown }).update === "function";

/** A gradient-transformation slot. */
export const transformation = (name: string): Param<GradientTransformation<unknown>> =>
  param(name, "pytree", (v, at) =>
    isTransformation(v) ? E.right(v) : fail(at, "a gradient transformation (an object with init and update)", v),
  );

/** A mask slot: a pytree of booleans (or a prefix of the params' structure), or a function of the params. */
export const maskParam = (name = "mask"): Param<Mask> =>
  param(name, "pytree", (v, at) =>
    typeof v === "function" || typeof v === "boolean" || (v !== null && typeof v === "object" && !(v instanceof Tensor))
      ? E.right(v)
      : fail(at, "a pytree of booleans shaped like the params, or a function of the params returning one", v),
  );

/** b1·m̂ₜ₊₁ + (1 − b1)·ĝₜ: the Nesterov look-ahead of the first moment (optax's scale_by_adam with nesterov). */
export function nesterovMoment<T>(op: string, mu: T, updates: T, b1: Hyper, countInc: Tensor): T {
  return tmap(
    op,
    (m, g) => np.add(np.multiply(m, b1), np.multiply(g, oneMinus(b1))),
    biasCorrection(op, mu, b1, increment(countInc)),
    biasCorrection(op, updates, b1, countInc),
  );
}

/**
 * Adam's moments after one step (optax's scale_by_adam): the first and second moments, the step count, and their
 * bias-corrected estimates (the first with Nesterov's look-ahead when `nesterov`).
 */
export function adamMoments<U>(
  op: string,
  updates: U,
  state: { count: Tensor; mu: unknown; nu: unknown },
  b1: Hyper,
  b2: Hyper,
  nesterov: boolean,
): { count: Tensor; mu: U; nu: U; muHat: U; nuHat: U } {
  const mu = updateMoment(op, updates, state.mu as U, b1, 1);
  const nu = updateSecondMoment(op, updates, state.nu as U, b2);
  const count = increment(state.count);
  const muHat = nesterov ? nesterovMoment(op, mu, updates, b1, count) : biasCorrection(op, mu, b1, count);
  return { count, mu, nu, muHat, nuHat: biasCorrection(op, nu, b2, count) };
}
