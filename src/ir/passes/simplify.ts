// Algebraic simplification: each primitive declares its own rewrites (Primitive.simplify), all exact in IEEE
// arithmetic (same NaN, ∞ and signed zeros): x·1, x/1, x + (−0), x − 0, −(−x), reshape∘reshape, transpose∘transpose,
// broadcast∘broadcast, conversions to the same type. Not x·0 (NaN·0 = NaN) and not x + (+0) (−0 + 0 = +0, so 1/x
// would change sign). This file holds the pass and the rule builders primitives declare them with.
import type { Atom, ClosedJaxpr, Eqn, SimplifyCtx } from "../jaxpr.js";
import { onSubjaxprs, type Program, type RewriteCtx, rewrite } from "./rewrite.js";

/** A primitive's simplification rule (see Primitive.simplify). */
export type SimplifyRule = <P>(e: Eqn<P>, ctx: SimplifyCtx) => Atom | Eqn<P> | undefined;

/** Whether `a` has the type of `e`'s result, so it can stand for it. */
const sameType = (a: Atom, e: Eqn<unknown>) => a.aval.equals(e.outs[0]!.aval);

/**
 * The operand is the result when the other one is the unit, on the right (`x ∘ u = x`) or on either side: for
 * x·1 `dropUnit((v) => v === 1, "either")`, for x − 0 `dropUnit((v) => Object.is(v, 0), "right")`.
 */
export const dropUnit =
  (isUnit: (v: number) => boolean, sides: "right" | "either"): SimplifyRule =>
  (e, ctx) => {
    const [x, y] = e.inputs as [Atom, Atom];
    const unit = (a: Atom) => {
      const v = ctx.splat(a);
      return v !== undefined && isUnit(v);
    };
    if (unit(y) && sameType(x, e)) return x;
    if (sides === "either" && unit(x) && sameType(y, e)) return y;
    return undefined;
  };

/**
 * The result is the operand when the types agree (a conversion to the same dtype, stop_gradient after differentiation).
 */
export const identityOnSameType: SimplifyRule = (e) => (sameType(e.inputs[0]!, e) ? e.inputs[0] : undefined);

/** The same equation computing its result from other inputs and params (a composition folded into one step). */
export const remade = <P>(e: Eqn<P>, inputs: readonly Atom[], params: P): Eqn<P> => ({ ...e, inputs, params });

/** The value every element of `a` has: a literal, a constant, or a repeat of one (a broadcast). */
function splat(a: Atom, ctx: RewriteCtx): number | undefined {
  const v = ctx.value(a);
  if (v?._data && v.size >= 1 && v._data.every((x) => Object.is(x, v._data![0]))) return Number(v._data[0]);
  const e = ctx.producer(a);
  return e?.prim.repeats ? splat(e.inputs[0]!, ctx) : undefined;
}

export function simplify(p: Program, inner: (j: ClosedJaxpr) => ClosedJaxpr = onSubjaxprs(simplify)): Program {
  return rewrite(
    p,
    (e, ctx) => {
      const r = e.prim.simplify?.(e, { producerOf: ctx.producerOf, splat: (a) => splat(a, ctx) });
      return r === undefined ? { eqn: e } : "prim" in r ? { eqn: r } : { replace: [r] };
    },
    inner,
  );
}
