// cond: one of several closed jaxprs (branches) applied to the operands, chosen by an int32 index clamped to the
// branches (lax.cond and lax.switch). Only the taken branch runs; transforms map every branch the same way.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { dceJaxpr, pruneInputs } from "../ir/passes/dce.js";
import type { Choose } from "../ir/rule_types.js";
import { isUndefined } from "../ir/rule_types.js";
import { bind, Tracer } from "../ir/trace.js";
import { batchSize, moveAxis } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import {
  broadcastInDim,
  convertElementType,
  eq,
  full,
  max,
  min,
  mul,
  scalar,
  select,
  zeros,
} from "../primitives/index.js";
import {
  asFunction,
  batchJaxpr,
  jvpJaxpr,
  partialEvalJaxpr,
  traceClosed,
  transposeJaxpr,
} from "../transforms/jaxpr_rules.js";
import { formatNested, union, where } from "./bodies.js";
import { interpreter } from "./jit_call.js";
import { sampleJaxpr } from "./testing.js";

export interface CondParams {
  /** Every branch takes the operands' types and returns the same types. */
  branches: readonly ClosedJaxpr[];
}

const KIND = "cond";

/** The branch an index selects, clamped as lax.switch clamps. */
const clampIndex = (i: number, n: number) => Math.min(Math.max(Math.trunc(i), 0), n - 1);

const orAll = (masks: readonly boolean[][]) => masks.reduce((a, b) => union(a, b).mask);

export const condP: Primitive<CondParams> = definePrimitiveN<CondParams>({
  name: "cond",
  abstractEval: ([index, ...ops], { branches }) => {
    if (index?.dtype !== "int32" || index.ndim !== 0)
      return E.left(new DTypeError(`cond: the index must be an int32 scalar, got ${index?.toString() ?? "nothing"}`));
    for (const [b, j] of branches.entries()) {
      const ins = j.inAvals;
      if (ins.length !== ops.length || ins.some((a, i) => !a.equals(ops[i]!)))
        return E.left(
          new ShapeError(
            `cond: branch ${b} takes (${ins.map(String).join(", ")}), but the operands are ` +
              `(${ops.map(String).join(", ")})`,
          ),
        );
      const outs = j.outAvals;
      const first = branches[0]!.outAvals;
      if (outs.length !== first.length || outs.some((a, i) => !a.equals(first[i]!)))
        return E.left(
          new ShapeError(
            `cond: branch ${b} returns (${outs.map(String).join(", ")}), but branch 0 returns ` +
              `(${first.map(String).join(", ")})`,
          ),
        );
    }
    return E.right(branches[0]!.outAvals);
  },
  impl: ([index, ...ops], { branches }) =>
    interpreter.call(branches[clampIndex(index!.item() as number, branches.length)]!)(ops),
  // compiled: every branch's generated code, the index choosing which runs
  runner: ({ branches }, _outAvals, c) => {
    const calls = branches.map((b) => c.call(b));
    return ([index, ...ops]) => calls[clampIndex(index!._data![0]!, calls.length)]!(ops);
  },
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => condP.jvpFull!(primals, tangents, params)[1],
  // the JVP of a cond is a cond of the branches' JVPs; an output has a tangent if any branch gives it one
  jvpFull: ([index, ...ops], [, ...tans], { branches }) => {
    const nonzero = tans.map((t) => t !== null);
    const none = branches[0]!.outAvals.map(() => false);
    const has = orAll(branches.map((b) => jvpJaxpr(KIND, "branch", b, nonzero, none).has));
    const jvps = branches.map((b) => jvpJaxpr(KIND, "branch", b, nonzero, has).jaxpr);
    const outs = bind(condP, [index!, ...ops, ...(tans.filter((t) => t !== null) as Tensor[])], { branches: jvps });
    const m = has.length;
    let k = m;
    return [outs.slice(0, m), has.map((h) => (h ? outs[k++]! : null))];
  },
  // known part: a cond of the branches' known parts, each also returning every other branch's residuals as zeros;
  // unknown part: a cond of the unknown parts, each reading its own residuals
  partialEval: (known, outAvals, params, stage) => {
    let [index, ...ops] = known;
    let { branches } = params;
    if (index === undefined)
      return stage(
        condP,
        known.map((k, i) => k ?? { unknown: i }),
        params,
        outAvals,
      );
    if (!(index instanceof Tracer)) {
      // a concrete index: only its branch is split
      branches = [branches[clampIndex(index.item() as number, branches.length)]!];
      index = scalar(0, "int32");
    }
    const unknownIn = ops.map((o) => o === undefined);
    const outUnknown = orAll(branches.map((b) => partialEvalJaxpr(KIND, "branch", b, unknownIn).outUnknown));
    const splits = branches.map((b) => partialEvalJaxpr(KIND, "branch", b, unknownIn, outUnknown));
    const resAvals = splits.map((s) => s.known.outAvals.slice(s.nKnownOuts));
    const offsets = resAvals.map((_, b) => resAvals.slice(0, b).reduce((n, r) => n + r.length, 0));
    const allRes = resAvals.flat();
    const knownIns = ops.filter((o): o is Tensor => o !== undefined);
    const knownBranches = splits.map((s, b) =>
      traceClosed(
        KIND,
        "branch",
        (...xs) => {
          const outs = asFunction(s.known)(...xs);
          const own = outs.slice(s.nKnownOuts);
          const res = allRes.map((a, r) =>
            r >= offsets[b]! && r < offsets[b]! + own.length ? own[r - offsets[b]!]! : zeros(a.shape, a.dtype),
          );
          return [...outs.slice(0, s.nKnownOuts), ...res];
        },
        knownIns.map((x) => x.aval),
      ),
    );
    const unknownAvals = params.branches[0]!.inAvals.filter((_, i) => unknownIn[i]);
    const unknownBranches = splits.map((s, b) =>
      traceClosed(
        KIND,
        "branch",
        (...xs) =>
          asFunction(s.unknown)(
            ...xs.slice(offsets[b]!, offsets[b]! + resAvals[b]!.length),
            ...xs.slice(allRes.length),
          ),
        [...allRes, ...unknownAvals],
      ),
    );
    const nKnown = splits[0]!.nKnownOuts;
    const kOuts = bind(condP, [index, ...knownIns], { branches: knownBranches });
    const uOuts = stage(
      condP,
      [index, ...kOuts.slice(nKnown), ...where(unknownIn, 1).map((i) => ({ unknown: i }))],
      { branches: unknownBranches },
      outAvals.filter((_, i) => outUnknown[i]),
    );
    let [a, c] = [0, 0];
    return outUnknown.map((u) => (u ? uOuts[c++]! : kOuts[a++]!));
  },
  // a cond of the transposed branches; the index is never linear
  transpose: (cts, [index, ...args], { branches }) => {
    if (isUndefined(index!)) throw new TracegradError("internal: cond's index cannot be linear");
    const linear = args.map(isUndefined);
    const ctLive = cts.map((c) => c !== null);
    const transposed = branches.map((b) => transposeJaxpr(KIND, "branch", b, linear, ctLive));
    const outs = bind(
      condP,
      [
        index as Tensor,
        ...(args.filter((a) => !isUndefined(a)) as Tensor[]),
        ...(cts.filter((c) => c !== null) as Tensor[]),
      ],
      { branches: transposed },
    );
    let k = 0;
    return [null, ...linear.map((l) => (l ? outs[k++]! : null))];
  },
  batch: (args, allDims, { branches }) => {
    const [index, ...ops] = args;
    const [indexDim, ...dims] = allDims;
    const size = batchSize(args, allDims);
    const avals = ops.map((o) => o.aval);
    if (indexDim === null) {
      // one branch for the whole batch: outputs are batched if any branch batches them
      const none = branches[0]!.outAvals.map(() => false);
      const has = orAll(branches.map((b) => batchJaxpr(KIND, "branch", b, dims, avals, size, none).has));
      const batched = branches.map((b) => batchJaxpr(KIND, "branch", b, dims, avals, size, has).jaxpr);
      return [bind(condP, [index!, ...ops], { branches: batched }), has.map((h) => (h ? 0 : null))];
    }
    // a batched index: every branch runs on the whole batch, and each example takes its branch's results
    const results = branches.map((b) => asFunction(batchJaxpr(KIND, "branch", b, dims, avals, size).jaxpr)(...ops));
    const n = branches.length;
    const moved = moveAxis(index!, indexDim, 0);
    const splat = (v: number) => full(moved.shape, v, "int32");
    const idx = max(min(moved, splat(n - 1)), splat(0));
    const outs = results[0]!.map((_, o) => {
      let acc = results[n - 1]![o]!;
      for (let b = n - 2; b >= 0; b--) {
        const pick = broadcastInDim(eq(idx, splat(b)), acc.shape, [0]);
        acc = select(pick, results[b]![o]!, acc);
      }
      return acc;
    });
    return [outs, outs.map(() => 0)];
  },
  // outputs nothing uses leave every branch; operands no branch then reads leave the equation
  dce: (e, used) => {
    const shrunk = e.params.branches.map((b) => dceJaxpr(b, used));
    const keep = orAll(shrunk.map((r) => r.usedIns));
    return {
      prim: e.prim,
      inputs: e.inputs.filter((_, i) => i === 0 || keep[i - 1]),
      outs: e.outs.filter((_, i) => used[i]),
      params: { branches: shrunk.map((r) => pruneInputs(r.jaxpr, keep)) },
    };
  },
  jaxprs: { get: (p) => p.branches, set: (p, branches) => ({ ...p, branches }) },
  formatParams: ({ branches }) =>
    formatNested([["branches", `(\n${branches.map((b) => `  ${b}`.replace(/\n/g, "\n  ")).join("\n")}\n)`]]),
  // two branches of the same types: a random first-order primitive's case, and the same doubled
  testing: {
    sample: (choose: Choose) => {
      const { jaxpr, avals, domains } = sampleJaxpr(choose);
      const doubled = traceClosed(
        KIND,
        "branch",
        (...xs) =>
          asFunction(jaxpr)(...xs).map((o) =>
            o.dtype === "float64" || o.dtype === "float32" ? mul(o, full(o.shape, 2, o.dtype)) : o,
          ),
        avals,
      );
      return {
        avals: [new ShapedArray([], "int32"), ...avals],
        params: { branches: [jaxpr, doubled] },
        domains: [[0, 1] as const, ...domains],
      };
    },
  },
});

/** `cond` on an int32 index and flat operands (the index is converted and clamped by the user-level functions). */
export const condFlat = (index: Tensor, branches: readonly ClosedJaxpr[], ops: Tensor[]): Tensor[] =>
  bind(condP, [convertElementType(index, "int32"), ...ops], { branches });
