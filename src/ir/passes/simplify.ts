// Algebraic simplification, limited to rewrites that are exact in IEEE arithmetic (same NaN, ∞ and signed zeros):
// x·1, x/1, x + (−0), x − 0, −(−x), reshape∘reshape, transpose∘transpose, broadcast∘broadcast, no-op conversions.
// Not x·0 (NaN·0 = NaN) and not x + (+0) (−0 + 0 = +0, so 1/x would change sign).
import type { Atom, Eqn } from "../jaxpr.js";

import type { RewriteCtx, Rule } from "./rewrite.js";
import { type Program, rewrite } from "./rewrite.js";

/** The value every element of `a` has, if it is a literal or a broadcast of one. */
function splat(a: Atom, ctx: RewriteCtx): number | undefined {
  const v = ctx.value(a);
  if (v?._data && v.size >= 1 && v._data.every((x) => Object.is(x, v._data![0]))) return Number(v._data[0]);
  const e = ctx.producer(a);
  return e?.prim.name === "broadcast_in_dim" ? splat(e.inputs[0]!, ctx) : undefined;
}

const same = (a: Atom, b: Atom) => a === b;
const keep = (e: Eqn) => ({ eqn: e });
const to = (a: Atom) => ({ replace: [a] });
/** A new equation with the same output variable. */
const remade = (e: Eqn, prim: Eqn["prim"], inputs: Atom[], params: unknown) => ({
  eqn: { prim, inputs, params, outs: e.outs },
});

const rule: Rule = (e, ctx) => {
  const [x, y] = e.inputs;
  const sameType = (a: Atom) => a.aval.equals(e.outs[0]!.aval);
  switch (e.prim.name) {
    case "mul":
      if (splat(y!, ctx) === 1 && sameType(x!)) return to(x!);
      if (splat(x!, ctx) === 1 && sameType(y!)) return to(y!);
      return keep(e);
    case "div":
      return splat(y!, ctx) === 1 && sameType(x!) ? to(x!) : keep(e);
    case "add": {
      const negZero = (a: Atom) => Object.is(splat(a, ctx), -0);
      if (negZero(y!) && sameType(x!)) return to(x!);
      if (negZero(x!) && sameType(y!)) return to(y!);
      return keep(e);
    }
    case "sub":
      return Object.is(splat(y!, ctx), 0) && sameType(x!) ? to(x!) : keep(e);
    case "neg": {
      const inner = ctx.producer(x!);
      return inner?.prim.name === "neg" ? to(inner.inputs[0]!) : keep(e);
    }
    case "convert_element_type":
    case "stop_gradient": // differentiation happened before compilation
      return sameType(x!) ? to(x!) : keep(e);
    case "select":
      return same(e.inputs[1]!, e.inputs[2]!) ? to(e.inputs[1]!) : keep(e);
    case "reshape": {
      if (sameType(x!)) return to(x!);
      const inner = ctx.producer(x!);
      return inner?.prim.name === "reshape" ? remade(e, e.prim, [inner.inputs[0]!], e.params) : keep(e);
    }
    case "transpose": {
      const q = (e.params as { permutation: number[] }).permutation;
      const inner = ctx.producer(x!);
      if (inner?.prim.name !== "transpose") return q.every((v, i) => v === i) ? to(x!) : keep(e);
      const p = (inner.params as { permutation: number[] }).permutation;
      const r = q.map((i) => p[i]!);
      return r.every((v, i) => v === i)
        ? to(inner.inputs[0]!)
        : remade(e, e.prim, [inner.inputs[0]!], { permutation: r });
    }
    case "broadcast_in_dim": {
      const inner = ctx.producer(x!);
      if (inner?.prim.name !== "broadcast_in_dim") return keep(e);
      const outer = e.params as { shape: number[]; broadcast_dimensions: number[] };
      const d1 = (inner.params as { broadcast_dimensions: number[] }).broadcast_dimensions;
      return remade(e, e.prim, [inner.inputs[0]!], {
        shape: outer.shape,
        broadcast_dimensions: d1.map((d) => outer.broadcast_dimensions[d]!),
      });
    }
    default:
      return keep(e);
  }
};

export const simplify = (p: Program): Program => rewrite(p, rule);
