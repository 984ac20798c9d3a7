// jit: a call of a closed jaxpr, run by its compiled executable. Its rules transform the inner jaxpr (through the
// shared transforms/jaxpr_rules.ts) and bind jit again, so differentiated and batched programs stay compiled.
import * as E from "fp-ts/Either";
import { TracegradError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { evalJaxpr } from "../ir/eval.js";
import type { BodyCompiler, ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { isUndefined } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { batchSize } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr, transposeJaxpr } from "../transforms/jaxpr_rules.js";
import { sampleJaxpr } from "./testing.js";

/**
 * How jit's fused loops round float32 values. "exact": after every operation, as eager kernels store them, so jit is
 * bitwise equal to eager. "fast": only where a value is stored (and at explicit casts); the loop computes in double
 * precision, which is at least as accurate and rounds once instead of per operation, or runs as WebAssembly SIMD in
 * float32 with vectorised transcendental functions (within 4 ulp). "sampled" (jit's choice for programs that draw
 * random numbers): "exact" in the loops that compute from the draws of a primitive asking for exact float32 (until
 * they become bool, as a dropout mask does), so the draws are eager's; "fast" elsewhere.
 */
export type Float32Mode = "exact" | "fast" | "sampled";

export interface JitParams {
  name: string;
  jaxpr: ClosedJaxpr;
  /** How fused loops round float32 intermediates (derived calls inherit it). */
  float32: Float32Mode;
}

/** How a jit call runs eagerly. */
export type CallRunner = (jaxpr: ClosedJaxpr, float32: Float32Mode, args: Tensor[]) => Tensor[];

/** The compiled executable, which compile/ provides (src/install.ts connects it); until then, the interpreter. */
let runCall: CallRunner = (j, _, args) => evalJaxpr(j.jaxpr, j.consts, args);

/** Bodies interpreted equation by equation: no compile cost, for bodies run a few times eagerly. */
export const interpreter: BodyCompiler = {
  call: (j) => (args) => evalJaxpr(j.jaxpr, j.consts, args),
  into: (j) => (ins, outs) => {
    const args = ins.map((d, i) => Tensor._of(d, j.inAvals[i]!.shape, j.inAvals[i]!.dtype));
    evalJaxpr(j.jaxpr, j.consts, args).forEach((r, k) => outs[k]!.set(r._data!));
  },
  source: (j) => String(j),
};

/** Interpreted until compile/ provides its compiler (src/install.ts). */
let bodyCompiler: BodyCompiler = interpreter;

/** How loops and branches run their bodies outside jit (compiled, rounding float32 as eager kernels do). */
export const eagerCompiler = (): BodyCompiler => bodyCompiler;

/** @internal Connects the compiler of loop bodies run eagerly (src/install.ts). */
export function provideBodyCompiler(c: BodyCompiler): void {
  bodyCompiler = c;
}

/** @internal Connects how jit calls run (src/install.ts). */
export function provideCallRunner(r: CallRunner): void {
  runCall = r;
}

const KIND = "jit";

export const jitP: Primitive<JitParams> = definePrimitiveN<JitParams>({
  name: "jit",
  abstractEval: (avals, { jaxpr, name }) =>
    avals.length === jaxpr.inAvals.length && avals.every((a, i) => a.equals(jaxpr.inAvals[i]!))
      ? E.right(jaxpr.outAvals)
      : E.left(
          new TracegradError(
            `jit(${name}): called with ${avals.map(String).join(", ")}, but it was traced for ` +
              `${jaxpr.inAvals.map(String).join(", ")}`,
          ),
        ),
  impl: (args, { jaxpr, float32 }) => runCall(jaxpr, float32, args),
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => jitP.jvpFull!(primals, tangents, params)[1],
  // primal and tangent in one compiled call; zero tangents are specialised away
  jvpFull: (primals, tangents, { jaxpr, name, float32 }) => {
    const nonzero = tangents.map((t) => t !== null);
    const outs = bind(jitP, [...primals, ...(tangents.filter((t) => t !== null) as Tensor[])], {
      name: `jvp(${name})`,
      jaxpr: jvpJaxpr(KIND, name, jaxpr, nonzero).jaxpr,
      float32,
    });
    const m = jaxpr.outAvals.length;
    return [outs.slice(0, m), outs.slice(m)];
  },
  // known inputs: run the known part now; stage the part that needs the unknown ones, fed by residuals
  partialEval: (known, _avals, { jaxpr, name, float32 }, stage) => {
    const unknownIn = known.map((k) => k === undefined);
    const split = partialEvalJaxpr(KIND, name, jaxpr, unknownIn);
    const kOuts = bind(
      jitP,
      known.filter((k): k is Tensor => k !== undefined),
      { name, jaxpr: split.known, float32 },
    );
    const residuals = kOuts.slice(split.nKnownOuts);
    const uIns = [...residuals, ...unknownIn.flatMap((u, i) => (u ? [{ unknown: i }] : []))];
    const uOuts = stage(jitP, uIns, { name, jaxpr: split.unknown, float32 }, split.unknown.outAvals);
    let [a, b] = [0, 0];
    return split.outUnknown.map((u) => (u ? uOuts[b++]! : kOuts[a++]!));
  },
  // linear in the inputs that are undefined; the transposed body becomes a jit call of its own
  transpose: (cts, args, { jaxpr, name, float32 }) => {
    const linear = args.map(isUndefined);
    const defined = args.filter((_, i) => !linear[i]) as Tensor[];
    const liveCts = cts.filter((c): c is Tensor => c !== null);
    const outs = bind(jitP, [...defined, ...liveCts], {
      name: `transpose(${name})`,
      jaxpr: transposeJaxpr(
        KIND,
        name,
        jaxpr,
        linear,
        cts.map((c) => c !== null),
      ),
      float32,
    });
    let k = 0;
    return linear.map((l) => (l ? outs[k++]! : null));
  },
  // the batched body is traced once into a new jaxpr; outputs come back batched at axis 0
  batch: (args, dims, { jaxpr, name, float32 }) => {
    const bJ = batchJaxpr(
      KIND,
      name,
      jaxpr,
      dims,
      args.map((a) => a.aval),
      batchSize(args, dims),
    ).jaxpr;
    const outs = bind(jitP, args, { name: `vmap(${name})`, jaxpr: bJ, float32 });
    return [outs, outs.map(() => 0)];
  },
  jaxprs: { get: (p) => [p.jaxpr], set: (p, [jaxpr]) => ({ ...p, jaxpr: jaxpr! }), call: true },
  formatParams: ({ name, jaxpr }) => `[name=${name} jaxpr=${String(jaxpr.jaxpr)}]`,
  // a random first-order primitive's case, traced: jit gets every registry law
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleJaxpr(choose);
      return { avals, params: { name: "body", jaxpr, float32: "exact" }, domains };
    },
  },
});
