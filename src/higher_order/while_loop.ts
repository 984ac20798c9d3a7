// while: closed jaxprs cond (consts, carry) → bool and body (consts, carry) → carry, run until cond is false
// (lax.whileLoop; foriLoop with traced bounds). Forward mode is a while over primal and tangent carries; reverse mode
// is a GradientError, as in JAX, since the trip count is unknown until it runs and nothing stores per-iteration values.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { allocateFilledLater, isFloat, type TypedArray } from "../core/dtype.js";
import { DTypeError, GradientError, ShapeError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { BodyCompiler, ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { dceJaxpr, pruneInputs } from "../ir/passes/dce.js";
import { bind } from "../ir/trace.js";
import { batchedAt, batchSize } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import {
  add,
  broadcastInDim,
  convertElementType,
  full,
  gt,
  lt,
  mul,
  reduceMax,
  scalar,
  select,
  zerosLike,
} from "../primitives/index.js";
import { asFunction, batchJaxpr, jvpJaxpr, partialEvalJaxpr, traceClosed } from "../transforms/jaxpr_rules.js";
import { formatNested, insertInputs, range, reorder, union, where } from "./bodies.js";
import { eagerCompiler } from "./jit_call.js";
import { sampleFloatJaxpr } from "./testing.js";

export interface WhileParams {
  /** (cond consts, carry) → bool[]. */
  cond: ClosedJaxpr;
  /** (body consts, carry) → carry. */
  body: ClosedJaxpr;
  condNconsts: number;
  bodyNconsts: number;
}

const KIND = "whileLoop";

const split = <T>(xs: readonly T[], p: WhileParams) =>
  [
    xs.slice(0, p.condNconsts),
    xs.slice(p.condNconsts, p.condNconsts + p.bodyNconsts),
    xs.slice(p.condNconsts + p.bodyNconsts),
  ] as const;

const list = (xs: readonly ShapedArray[]) => `(${xs.map(String).join(", ")})`;

/**
 * How a while runs with its jaxprs compiled: the predicate written into one byte, the body's generated code writing
 * the next carry into the buffer the previous one did not use.
 */
function whileRunner(p: WhileParams, outAvals: ShapedArray[], c: BodyCompiler): (args: Tensor[]) => Tensor[] {
  const condStep = c.into(p.cond);
  const bodyStep = c.into(p.body);
  return (args) => {
    const [cc, bc, init] = split(args, p);
    const pred = new Uint8Array(1);
    const condIns = [...cc.map((x) => x._data!), ...init.map((x) => x._data!)];
    const bodyIns = [...bc.map((x) => x._data!), ...init.map((x) => x._data!)];
    const [nCC, nBC] = [cc.length, bc.length];
    let bufs: TypedArray[][] | undefined;
    for (let t = 0; ; t++) {
      condStep(condIns, [pred]);
      if (!pred[0]) {
        if (t === 0) return init.map((x) => Tensor._of(x._data!.slice(), x.shape, x.dtype));
        return outAvals.map((a, k) => Tensor._of(condIns[nCC + k]!, a.shape, a.dtype));
      }
      bufs ??= [0, 1].map(() => outAvals.map((a) => allocateFilledLater(a.dtype, a.size)));
      const out = bufs[t & 1]!;
      bodyStep(bodyIns, out);
      for (let k = 0; k < out.length; k++) condIns[nCC + k] = bodyIns[nBC + k] = out[k]!;
    }
  };
}

export const whileP: Primitive<WhileParams> = definePrimitiveN<WhileParams>({
  name: "while",
  abstractEval: (avals, p) => {
    const [cc, bc, carry] = split(avals, p);
    const same = (a: readonly ShapedArray[], b: readonly ShapedArray[]) =>
      a.length === b.length && a.every((x, i) => x.equals(b[i]!));
    if (!same([...cc, ...carry], p.cond.inAvals))
      return E.left(new ShapeError(`while: cond takes ${list(p.cond.inAvals)}, got ${list([...cc, ...carry])}`));
    if (!same([...bc, ...carry], p.body.inAvals))
      return E.left(new ShapeError(`while: body takes ${list(p.body.inAvals)}, got ${list([...bc, ...carry])}`));
    if (!same(p.body.outAvals, carry))
      return E.left(new ShapeError(`while: body returns ${list(p.body.outAvals)}, but the carry is ${list(carry)}`));
    const out = p.cond.outAvals;
    if (out.length !== 1 || out[0]!.dtype !== "bool" || out[0]!.ndim !== 0)
      return E.left(new DTypeError(`while: cond must return one bool scalar, got ${list(out)}`));
    return E.right(carry);
  },
  impl: (args, p, outAvals) => whileRunner(p, outAvals, eagerCompiler())(args),
  runner: whileRunner,
  freshOutputs: true,
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => whileP.jvpFull!(primals, tangents, params)[1],
  // a while over (carry, tangents of the carries that have one: a fixpoint over the body's JVP)
  jvpFull: (primals, tangents, p) => {
    const nz = tangents.map((t, i) => t !== null && isFloat(primals[i]!.dtype));
    const [, nzB, nzK0] = split(nz, p);
    let nzK = [...nzK0];
    let d = jvpJaxpr(KIND, "body", p.body, [...nzB, ...nzK], nzK);
    for (;;) {
      const grown = union(nzK, d.has);
      if (!grown.changed) break;
      nzK = grown.mask;
      d = jvpJaxpr(KIND, "body", p.body, [...nzB, ...nzK], nzK);
    }
    const [b, k] = [p.bodyNconsts, nzK.length];
    const [tb, tk] = [where(nzB).length, where(nzK).length];
    // jvp order: (b, k, tb, tk) → (k, tk); while order: (b, tb), (k, tk)
    const body = reorder(
      d.jaxpr,
      [...range(0, b), ...range(b + k, tb), ...range(b, k), ...range(b + k + tb, tk)],
      range(0, k + tk),
    );
    const [pc, pb, pk] = split(primals, p);
    const [, tbs, tks] = split(tangents, p);
    const tkAvals = pk.filter((_, i) => nzK[i]).map((x) => x.aval);
    const outs = bind(
      whileP,
      [
        ...pc,
        ...pb,
        ...pb.flatMap((_, i) => (nzB[i] ? [tbs[i]!] : [])),
        ...pk,
        ...pk.flatMap((x, i) => (nzK[i] ? [tks[i] ?? zerosLike(x)] : [])),
      ],
      {
        cond: insertInputs(p.cond, p.cond.inAvals.length, tkAvals),
        body,
        condNconsts: p.condNconsts,
        bodyNconsts: b + tb,
      },
    );
    let j = k;
    return [outs.slice(0, k), nzK.map((m) => (m ? outs[j++]! : null))];
  },
  // carries that stay known run in a known while; the unknown ones need the whole loop again (nothing per iteration
  // can be stored), so the staged equation is the original while with the known inputs as residuals
  partialEval: (known, outAvals, p, stage) => {
    const uk = known.map((x) => x === undefined);
    const [ukC, ukB, ukK0] = split(uk, p);
    let ukK = [...ukK0];
    for (;;) {
      const s = partialEvalJaxpr(KIND, "body", p.body, [...ukB, ...ukK]);
      const grown = union(ukK, s.outUnknown);
      if (!grown.changed) break;
      ukK = grown.mask;
    }
    const all = stage(
      whileP,
      known.map((x, i) => x ?? { unknown: i }),
      p,
      outAvals,
    );
    const condSplit = partialEvalJaxpr(KIND, "cond", p.cond, [...ukC, ...ukK]);
    if (condSplit.outUnknown[0] || ukK.every((u) => u)) return all;
    const bodySplit = partialEvalJaxpr(KIND, "body", p.body, [...ukB, ...ukK]);
    const cond = reorder(condSplit.known, range(0, condSplit.known.inAvals.length), [0]);
    const body = reorder(bodySplit.known, range(0, bodySplit.known.inAvals.length), range(0, bodySplit.nKnownOuts));
    // a carry whose initial value is known but which the body makes unknown (a zero tangent) is not the known loop's
    const ukAll = [...ukC, ...ukB, ...ukK];
    const kOuts = bind(
      whileP,
      known.filter((x, i): x is Tensor => x !== undefined && !ukAll[i]),
      { cond, body, condNconsts: where(ukC.map((u) => !u)).length, bodyNconsts: where(ukB.map((u) => !u)).length },
    );
    let a = 0;
    return ukK.map((u, i) => (u ? all[i]! : kOuts[a++]!));
  },
  transpose: () => {
    throw new GradientError(
      "reverse-mode differentiation of whileLoop is not supported: its trip count is only known when it runs, so no " +
        "per-iteration values are stored (as in JAX). Use lax.scan, or lax.foriLoop with JS-number bounds (a scan), " +
        "or forward mode (jvp, jacfwd)",
    );
  },
  // carries are batched where an input or the body makes them so (a fixpoint); a batched predicate runs the loop
  // while any example continues and freezes the finished ones
  batch: (args, dims, p) => {
    const size = batchSize(args, dims);
    const [cc, bc, k] = split(args, p);
    const [dc, db, dk] = split(dims, p);
    const avalOf = (a: Tensor, d: number | null, batched: boolean) =>
      batched ? new ShapedArray([size, ...a.shape.filter((_, i) => i !== d)], a.dtype) : a.aval;
    // cond or body batched for carries batched where `bK` says (at 0), their consts as given
    const batchedFor = (
      j: ClosedJaxpr,
      consts: Tensor[],
      constDims: (number | null)[],
      bK: boolean[],
      force: boolean[],
    ) =>
      batchJaxpr(
        KIND,
        j === p.cond ? "cond" : "body",
        j,
        [...constDims, ...bK.map((b) => (b ? 0 : null))],
        [...consts.map((a) => a.aval), ...k.map((a, i) => avalOf(a, dk[i]!, bK[i]!))],
        size,
        force,
      );
    const bodyFor = (bK: boolean[]) => batchedFor(p.body, bc, db, bK, bK);
    const condFor = (bK: boolean[], force: boolean) => batchedFor(p.cond, cc, dc, bK, [force]);
    let bK = dk.map((d) => d !== null);
    for (;;) {
      const grown = union(bK, bodyFor(bK).has);
      if (!grown.changed) break;
      bK = grown.mask;
    }
    if (condFor(bK, false).has[0]) bK = bK.map(() => true);
    const body = bodyFor(bK).jaxpr;
    const cond = condFor(bK, false);
    const ks = k.map((a, i) => (bK[i] ? batchedAt(a, dk[i]!, 0, size) : a));
    if (!cond.has[0]) {
      const outs = bind(whileP, [...cc, ...bc, ...ks], { ...p, cond: cond.jaxpr, body });
      return [outs, bK.map((b) => (b ? 0 : null))];
    }
    // the predicate differs per example: run while any continues; finished examples keep their carry
    const [nc, nb] = [p.condNconsts, p.bodyNconsts];
    const kAvals = ks.map((x) => x.aval);
    const anyCond = traceClosed(
      KIND,
      "cond",
      (...xs) => [
        gt(reduceMax(convertElementType(asFunction(cond.jaxpr)(...xs)[0]!, "int32"), [0]), scalar(0, "int32")),
      ],
      [...cc.map((a) => a.aval), ...kAvals],
    );
    const frozenBody = traceClosed(
      KIND,
      "body",
      (...xs) => {
        const carry = xs.slice(nc + nb);
        const pred = asFunction(cond.jaxpr)(...xs.slice(0, nc), ...carry)[0]!;
        const next = asFunction(body)(...xs.slice(nc, nc + nb), ...carry);
        return next.map((n, i) => select(broadcastInDim(pred, n.shape, [0]), n, carry[i]!));
      },
      [...cc.map((a) => a.aval), ...bc.map((a) => a.aval), ...kAvals],
    );
    const outs = bind(whileP, [...cc, ...cc, ...bc, ...ks], {
      cond: anyCond,
      body: frozenBody,
      condNconsts: nc,
      bodyNconsts: nc + nb,
    });
    return [outs, outs.map(() => 0)];
  },
  // a carry stays if used after the loop, read by cond, or read by the body for a carry that stays (a fixpoint)
  dce: (e, used) => {
    const p = e.params;
    const c = dceJaxpr(p.cond, [true]);
    let usedK = union([...used], c.usedIns.slice(p.condNconsts)).mask;
    let r = dceJaxpr(p.body, usedK);
    for (;;) {
      const grown = union(usedK, r.usedIns.slice(p.bodyNconsts));
      if (!grown.changed) break;
      usedK = grown.mask;
      r = dceJaxpr(p.body, usedK);
    }
    if (usedK.every((u) => u)) return e;
    const keepCC = c.usedIns.slice(0, p.condNconsts);
    const keepBC = r.usedIns.slice(0, p.bodyNconsts);
    return {
      prim: e.prim,
      inputs: e.inputs.filter((_, i) => [...keepCC, ...keepBC, ...usedK][i]),
      outs: e.outs.filter((_, i) => usedK[i]),
      params: {
        cond: pruneInputs(c.jaxpr, [...keepCC, ...usedK]),
        body: pruneInputs(r.jaxpr, [...keepBC, ...usedK]),
        condNconsts: where(keepCC).length,
        bodyNconsts: where(keepBC).length,
      },
    };
  },
  jaxprs: { get: (p) => [p.cond, p.body], set: (p, [cond, body]) => ({ ...p, cond: cond!, body: body! }) },
  formatParams: (p) =>
    formatNested([
      ["body_jaxpr", p.body],
      ["body_nconsts", p.bodyNconsts],
      ["cond_jaxpr", p.cond],
      ["cond_nconsts", p.condNconsts],
    ]),
  forwardOnly: true,
  // y ← y/2 + f(consts) while i < n, for a random first-order primitive f: the laws check y (forward mode only)
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleFloatJaxpr(choose);
      const y = jaxpr.outAvals[0]!;
      const i32 = new ShapedArray([], "int32");
      const cond = traceClosed(KIND, "cond", (n, _y, i) => [lt(i!, n!)], [i32, y, i32]);
      const body = traceClosed(
        KIND,
        "body",
        (...xs) => {
          const [yv, i] = xs.slice(avals.length);
          const f = asFunction(jaxpr)(...xs.slice(0, avals.length))[0]!;
          return [add(mul(yv!, full(y.shape, 0.5, y.dtype)), f), add(i!, scalar(1, "int32"))];
        },
        [...avals, y, i32],
      );
      return {
        avals: [i32, ...avals, y, i32],
        params: { cond, body, condNconsts: 1, bodyNconsts: avals.length },
        domains: [[0, 3] as const, ...domains, undefined, [0, 1] as const],
      };
    },
  },
});

/** A while of flat operands (the user-level functions check and flatten pytrees). */
export const whileFlat = (
  cond: ClosedJaxpr,
  condConsts: Tensor[],
  body: ClosedJaxpr,
  bodyConsts: Tensor[],
  init: Tensor[],
) =>
  bind(whileP, [...condConsts, ...bodyConsts, ...init], {
    cond,
    body,
    condNconsts: condConsts.length,
    bodyNconsts: bodyConsts.length,
  });
