// Choosing among arrays elementwise, with NumPy's (jax.numpy's) semantics, composed from lax.select: select (the
// first true condition wins), piecewise (the last true condition wins; funclist entries are values or functions of x)
// and choose (an index array picks the choice). Differentiable with respect to the chosen values.
import * as E from "fp-ts/Either";
import { isFloat } from "../core/dtype.js";
import { ConcretizationError, DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import { array as arrayParam, arrays, choice } from "../core/params.js";
import { broadcastShapes } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { fail, guard, optional, options, type Param } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, operands } from "./convert.js";
import { indexTensor } from "./manipulation.js";

/** `t` broadcast to `shape` (NumPy's rules; shapes already checked to broadcast). */
const broadcastTo = (t: Tensor, shape: readonly number[]): Tensor =>
  t.ndim === shape.length && t.shape.every((d, i) => d === shape[i])
    ? t
    : lax.broadcastInDim(
        t,
        shape,
        t.shape.map((_, i) => shape.length - t.ndim + i),
      );

/** `t != 0` as bool (bool stays bool). */
const truthy = (t: Tensor): Tensor => (t.dtype === "bool" ? t : lax.ne(t, lax.zerosLike(t)));

/**
 * Elementwise, the entry of the choice whose condition is the first true one, else `default` (0): NumPy's
 * `select(condlist, choicelist, default)`. Conditions (nonzero = true), choices and default broadcast together;
 * choices and default are promoted to one dtype. Differentiable with respect to the choices and the default.
 * @example np.select([[true, false], [true, true]], [[10, 20], [30, 40]], -1) // Tensor([10, 40], dtype=float32)
 */
export const select: (
  condlist: readonly ArrayLike[],
  choicelist: readonly ArrayLike[],
  default_?: ArrayLike,
) => Tensor = guard(
  "np.select",
  [arrays("condlist"), arrays("choicelist"), optional(arrayParam("default"))],
  (condlist: ArrayLike[], choicelist: ArrayLike[], dflt: ArrayLike | undefined) => {
    if (condlist.length !== choicelist.length)
      throw new ShapeError(
        `np.select: condlist and choicelist must have equal lengths, got ${condlist.length} and ${choicelist.length}`,
      );
    const conds = condlist.map((c) => truthy(asTensor(c)));
    const vals = operands("np.select", [...choicelist, dflt ?? 0]);
    const shape = broadcastShapes("np.select", vals[0]!.shape, ...conds.map((c) => c.shape));
    let out = broadcastTo(vals[vals.length - 1]!, shape);
    for (let i = conds.length - 1; i >= 0; i--)
      out = lax.select(broadcastTo(conds[i]!, shape), broadcastTo(vals[i]!, shape), out);
    return out;
  },
);

/** A piecewise entry: a value, or a function of x. */
export type PiecewiseEntry = ArrayLike | ((x: Tensor) => ArrayLike);

/** np.piecewise's funclist: a list of values and functions. */
const funclist: Param<PiecewiseEntry[]> = {
  name: "funclist",
  kind: "args",
  optional: false,
  rest: false,
  check: (v, at) => {
    if (!Array.isArray(v)) return fail(at, "an array of values and functions of x", v);
    const one = arrayParam("funclist");
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] === "function") continue;
      const r = one.check(v[i], { fn: at.fn, arg: `${at.arg}[${i}]` });
      if (E.isLeft(r))
        return fail({ fn: at.fn, arg: `${at.arg}[${i}]` }, "a value (an array) or a function of x", v[i]);
    }
    return E.right(v as PiecewiseEntry[]);
  },
};

/**
 * `funclist[i]` where `condlist[i]` holds (the last true condition wins, as NumPy), else `funclist[n]` when there is
 * one more entry than conditions, else 0. Entries are values or functions of x (called on the whole of x, as jax.numpy
 * effectively does: choose functions that are elementwise); results take x's dtype. Differentiable.
 * @example np.piecewise([-2, 3], [[true, false]], [(x) => np.negative(x), 5]) // Tensor([2, 5], dtype=float32)
 */
export const piecewise: (x: ArrayLike, condlist: readonly ArrayLike[], funclist: readonly PiecewiseEntry[]) => Tensor =
  guard(
    "np.piecewise",
    [arrayParam("x"), arrays("condlist"), funclist],
    (x: ArrayLike, condlist: ArrayLike[], fl: PiecewiseEntry[]) => {
      const t = asTensor(x);
      const nc = condlist.length;
      if (fl.length !== nc && fl.length !== nc + 1)
        throw new TracegradError(
          `np.piecewise: with ${nc} condition${nc === 1 ? "" : "s"}, funclist needs ${nc} or ${nc + 1} entries, ` +
            `got ${fl.length}`,
        );
      const conds = condlist.map((c) => truthy(asTensor(c)));
      const shape = broadcastShapes("np.piecewise", t.shape, ...conds.map((c) => c.shape));
      const value = (e: PiecewiseEntry): Tensor => {
        const r = typeof e === "function" ? e(t) : e;
        const v = asTensor(r as ArrayLike, t.dtype, "np.piecewise");
        return broadcastTo(v.dtype === t.dtype ? v : lax.convertElementType(v, t.dtype), shape);
      };
      let out = fl.length === nc + 1 ? value(fl[nc]!) : lax.full(shape, 0, t.dtype);
      for (let i = 0; i < nc; i++) out = lax.select(broadcastTo(conds[i]!, shape), value(fl[i]!), out);
      return out;
    },
  );

/** Options of np.choose. */
export interface ChooseOpts {
  /**
   * Out-of-range indices: "raise" (default) throws — it reads the indices, so under jit/vmap it throws a
   * ConcretizationError asking for "wrap" or "clip", as jax.numpy; "wrap" takes them modulo n; "clip" clamps them.
   */
  mode?: "raise" | "wrap" | "clip";
}

/**
 * Elementwise `choices[a][…]`: the integer array `a` picks, at each position, the entry of one of the n choices (all
 * broadcast together; choices promoted to one dtype). Differentiable with respect to the choices.
 * @example np.choose([0, 1, 0], [[1, 2, 3], [10, 20, 30]]) // Tensor([1, 20, 3], dtype=float32)
 * np.choose([2, -1], [[1, 2], [10, 20]], { mode: "wrap" }) // Tensor([1, 20], dtype=float32)
 */
export const choose: (a: ArrayLike, choices: readonly ArrayLike[], opts?: ChooseOpts | ChooseOpts["mode"]) => Tensor =
  guard(
    "np.choose",
    [arrayParam("a"), arrays("choices"), options({ mode: choice("mode", ["raise", "wrap", "clip"] as const) }, "mode")],
    (a: ArrayLike, choices: ArrayLike[], o: ChooseOpts) => {
      let idx = a instanceof Tensor ? a : indexTensor("np.choose", a);
      if (isFloat(idx.dtype))
        throw new DTypeError(`np.choose: a must hold integer indices, got ${idx.dtype}; convert it with np.astype`);
      if (idx.dtype !== "int32") idx = lax.convertElementType(idx, "int32");
      const n = choices.length;
      const mode = o.mode ?? "raise";
      if (mode === "raise") {
        let vals: globalThis.ArrayLike<number>;
        try {
          // JS data is concrete even under jit (before it becomes a traced int32 array)
          vals = (a instanceof Tensor ? a : asTensor(a))._dataFor("np.choose with mode 'raise'");
        } catch (e) {
          if (e instanceof ConcretizationError)
            throw new ConcretizationError(
              `np.choose: mode "raise" must read the indices to check them, but they are abstract here (under jit, ` +
                `vmap or another tracing transform); use { mode: "wrap" } or { mode: "clip" } instead.`,
            );
          throw e;
        }
        const bad = Array.prototype.find.call(vals, (v: number) => v < 0 || v >= n) as number | undefined;
        if (bad !== undefined)
          throw new TracegradError(`np.choose: index ${bad} is out of range for ${n} choices (valid: 0 … ${n - 1})`);
      } else if (mode === "wrap") {
        const r = lax.rem(idx, lax.full(idx.shape, n, "int32"));
        idx = lax.select(lax.lt(r, lax.zerosLike(r)), lax.add(r, lax.full(idx.shape, n, "int32")), r);
      } else idx = lax.clamp(lax.full(idx.shape, 0, "int32"), idx, lax.full(idx.shape, n - 1, "int32"));
      const vals = operands("np.choose", choices);
      const shape = broadcastShapes("np.choose", idx.shape, vals[0]!.shape);
      const at = broadcastTo(idx, shape);
      let out = broadcastTo(vals[0]!, shape);
      for (let i = 1; i < n; i++)
        out = lax.select(lax.eq(at, lax.full(shape, i, "int32")), broadcastTo(vals[i]!, shape), out);
      return out;
    },
  );
