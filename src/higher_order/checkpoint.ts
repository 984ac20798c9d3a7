// checkpoint (remat; JAX's jax.checkpoint): the same values and derivatives as the function, but reverse mode keeps
// only the function's inputs (and what the policy allows) between the forward and the backward pass, and recomputes
// the rest in the backward pass. The checkpoint primitive carries the function's jaxpr; its partial evaluation splits
// it by the policy (remat.ts), and it is never inlined, so CSE cannot merge the recomputation with the forward pass
// (JAX's prevent_cse).
import * as E from "fp-ts/Either";
import { TracegradError } from "../core/errors.js";
import { argnums, choice, fn } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { type LooseArgs, type TensorTree, unflatten } from "../core/tree.js";
import { guard, options, type Param } from "../core/validate.js";
import type { ClosedJaxpr, Eqn, Primitive } from "../ir/jaxpr.js";
import { dceJaxpr, pruneInputs } from "../ir/passes/dce.js";
import { isUndefined } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { batchSize } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import { flattenTensors, fnName, named } from "../transforms/flat.js";
import { batchJaxpr, jvpJaxpr, transposeJaxpr } from "../transforms/jaxpr_rules.js";
import { callAvals, formatNested, traceBody } from "./bodies.js";
import { interpreter } from "./jit_call.js";
import { rematSplit } from "./remat.js";
import { sampleJaxpr } from "./testing.js";

/** Which equations' outputs reverse mode may keep: a named policy, or a predicate over equations (JAX's policies). */
export type CheckpointPolicy =
  | "nothingSaveable"
  | "everythingSaveable"
  | "dotsSaveable"
  | "dotsWithNoBatchDimsSaveable"
  | ((eqn: { primitive: string; params: unknown }) => boolean);

export interface CheckpointParams {
  name: string;
  jaxpr: ClosedJaxpr;
  policy: CheckpointPolicy;
}

const isDot = (e: Eqn) => e.prim.name === "dot_general";
const noBatchDims = (e: Eqn) => {
  const dn = (e.params as { dimension_numbers?: [unknown, [readonly number[], readonly number[]]] }).dimension_numbers;
  return dn !== undefined && dn[1][0].length === 0 && dn[1][1].length === 0;
};

/** The policy as a predicate over equations. */
function saveableOf(policy: CheckpointPolicy): (e: Eqn) => boolean {
  if (typeof policy === "function") return (e) => policy({ primitive: e.prim.name, params: e.params }) === true;
  switch (policy) {
    case "everythingSaveable":
      return () => true;
    case "dotsSaveable":
      return isDot;
    case "dotsWithNoBatchDimsSaveable":
      return (e) => isDot(e) && noBatchDims(e);
    default:
      return () => false;
  }
}

const KIND = "checkpoint";

export const checkpointP: Primitive<CheckpointParams> = definePrimitiveN<CheckpointParams>({
  name: "checkpoint",
  abstractEval: (avals, { jaxpr, name }) => callAvals(`checkpoint(${name})`, jaxpr, avals),
  impl: (args, { jaxpr }) => interpreter.call(jaxpr)(args),
  runner: ({ jaxpr }, _outAvals, c) => c.call(jaxpr),
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => checkpointP.jvpFull!(primals, tangents, params)[1],
  // the JVP of a checkpoint is a checkpoint of the JVP
  jvpFull: (primals, tangents, p) => {
    const nonzero = tangents.map((t) => t !== null);
    const outs = bind(checkpointP, [...primals, ...(tangents.filter((t) => t !== null) as Tensor[])], {
      ...p,
      jaxpr: jvpJaxpr(KIND, p.name, p.jaxpr, nonzero).jaxpr,
    });
    const m = p.jaxpr.outAvals.length;
    return [outs.slice(0, m), outs.slice(m)];
  },
  // known part: the known outputs and the residuals the policy saves; unknown part: recomputes the rest from the
  // known inputs it reads
  partialEval: (known, outAvals, p, stage) => {
    const unknownIn = known.map((k) => k === undefined);
    const split = rematSplit(KIND, p.name, p.jaxpr, unknownIn, saveableOf(p.policy));
    const knownIns = known.filter((k): k is Tensor => k !== undefined);
    const kOuts = bind(checkpointP, knownIns, { ...p, jaxpr: split.known });
    const uOuts = stage(
      checkpointP,
      [
        ...kOuts.slice(split.nKnownOuts),
        ...split.knownInputs.map((i) => known[i]!),
        ...unknownIn.flatMap((u, i) => (u ? [{ unknown: i }] : [])),
      ],
      { ...p, jaxpr: split.unknown },
      outAvals.filter((_, i) => split.outUnknown[i]),
    );
    let [a, b] = [0, 0];
    return split.outUnknown.map((u) => (u ? uOuts[b++]! : kOuts[a++]!));
  },
  // the transposed body, as a checkpoint (its recomputation runs in the backward pass)
  transpose: (cts, args, p) => {
    const linear = args.map(isUndefined);
    const outs = bind(
      checkpointP,
      [...(args.filter((a) => !isUndefined(a)) as Tensor[]), ...(cts.filter((c) => c !== null) as Tensor[])],
      {
        ...p,
        jaxpr: transposeJaxpr(
          KIND,
          p.name,
          p.jaxpr,
          linear,
          cts.map((c) => c !== null),
        ),
      },
    );
    let k = 0;
    return linear.map((l) => (l ? outs[k++]! : null));
  },
  batch: (args, dims, p) => {
    const jaxpr = batchJaxpr(
      KIND,
      p.name,
      p.jaxpr,
      dims,
      args.map((a) => a.aval),
      batchSize(args, dims),
    ).jaxpr;
    const outs = bind(checkpointP, args, { ...p, jaxpr });
    return [outs, outs.map(() => 0)];
  },
  // outputs nothing uses leave the body, and inputs it then does not read leave the equation
  dce: (e, used) => {
    const r = dceJaxpr(e.params.jaxpr, used);
    return {
      prim: e.prim,
      inputs: e.inputs.filter((_, i) => r.usedIns[i]),
      outs: e.outs.filter((_, i) => used[i]),
      params: { ...e.params, jaxpr: pruneInputs(r.jaxpr, r.usedIns) },
    };
  },
  jaxprs: { get: (p) => [p.jaxpr], set: (p, [jaxpr]) => ({ ...p, jaxpr: jaxpr! }) },
  formatParams: (p) =>
    formatNested([
      ["jaxpr", p.jaxpr],
      ["name", p.name],
      ["policy", typeof p.policy === "function" ? "<function>" : p.policy],
      ["prevent_cse", "True"],
    ]),
  // a random first-order primitive's case as the body, under a random policy
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleJaxpr(choose);
      const policies: CheckpointPolicy[] = ["nothingSaveable", "everythingSaveable", "dotsSaveable"];
      return { avals, params: { name: "f", jaxpr, policy: policies[choose(policies.length)]! }, domains };
    },
  },
});

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /** What reverse mode may keep (default "nothingSaveable": only the inputs). */
  policy?: CheckpointPolicy;
  /** Arguments that are plain JS values baked into the trace. */
  staticArgnums?: number | readonly number[];
}

const POLICIES = ["nothingSaveable", "everythingSaveable", "dotsSaveable", "dotsWithNoBatchDimsSaveable"] as const;
/** A named policy, or a function of an equation. */
const policyParam: Param<CheckpointPolicy> = {
  ...choice("policy", POLICIES),
  check: (v, at) =>
    typeof v === "function"
      ? E.right(v as CheckpointPolicy)
      : E.mapLeft((e: TracegradError) => new TracegradError(`${e.message}; or a function (eqn) => boolean`))(
          choice("policy", POLICIES).check(v, at),
        ),
};

/**
 * `f` with the same values and derivatives, whose reverse mode keeps only its inputs (and what `policy` allows) and
 * recomputes the rest in the backward pass (JAX's jax.checkpoint; also `remat`).
 * @example const layer = checkpoint((w: Tensor, x: Tensor) => np.tanh(np.matmul(x, w)));
 * grad((w: Tensor) => layer(w, np.ones([2, 2])).sum())(np.eye(2)) // the same gradient, less memory
 */
export const checkpoint: <A extends unknown[], R>(
  f: (...args: A) => R,
  opts?: CheckpointOptions,
) => (...args: LooseArgs<A>) => TensorTree<R> = guard(
  "checkpoint",
  [fn(), options({ policy: policyParam, staticArgnums: argnums("staticArgnums") })],
  (f: (...args: unknown[]) => unknown, opts: CheckpointOptions) => {
    const name = fnName(f);
    const policy = opts.policy ?? "nothingSaveable";
    const statics =
      opts.staticArgnums === undefined
        ? []
        : typeof opts.staticArgnums === "number"
          ? [opts.staticArgnums]
          : [...opts.staticArgnums];
    return named((...args: unknown[]) => {
      const positions = statics.map((s) => (s < 0 ? s + args.length : s));
      positions.forEach((s, k) => {
        if (!Number.isInteger(s) || s < 0 || s >= args.length)
          throw new TracegradError(
            `checkpoint(${name}): staticArgnums ${statics[k]} is out of range for a call with ${args.length} arguments`,
          );
      });
      const dynamic = args.filter((_, i) => !positions.includes(i));
      const trees = dynamic.map((a, k) => flattenTensors(`checkpoint(${name})`, a, `argument ${k}`));
      const xs = trees.flatMap(([leaves]) => leaves);
      const body = traceBody(
        `checkpoint(${name})`,
        (...dyn: unknown[]) => {
          const full: unknown[] = [];
          for (let i = 0, d = 0; i < args.length; i++) full.push(positions.includes(i) ? args[i] : dyn[d++]);
          return f(...full);
        },
        trees.map(([, def]) => def),
        xs.map((x) => x.aval),
      );
      const outs = bind(checkpointP, [...body.hoisted, ...xs], { name, jaxpr: body.jaxpr, policy });
      return unflatten(body.outTree, outs);
    }, `checkpoint(${name})`);
  },
) as never;
