// customVjp (JAX's custom_vjp): a function whose reverse-mode derivative is given by `fwd` (outputs and residuals) and
// `bwd` (residuals, output cotangents → argument cotangents). custom_vjp_call carries the function's jaxpr, run (and
// inlined under jit) when nothing differentiates it. Its JVP runs `fwd` and emits custom_lin, a linear map of the
// tangents that only `bwd` knows: transposing it calls `bwd`, evaluating it (forward mode) is a GradientError, as in
// JAX. Under vmap the jaxpr, `fwd` and `bwd` are batched.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { GradientError, TracegradError, UnexpectedTracerError } from "../core/errors.js";
import { fn } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import {
  flatten,
  isPlainObject,
  type LooseArgs,
  numLeaves,
  rebuildCustom,
  type TensorTree,
  type TreeDef,
  unflatten,
} from "../core/tree.js";
import { guard } from "../core/validate.js";
import type { ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { isUndefined } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { batchSize, moveAxis } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import { reduceSum, zeros, zerosLike } from "../primitives/index.js";
import { flattenTensors, fnName, named } from "../transforms/flat.js";
import { asFunction } from "../transforms/jaxpr_rules.js";
import { linearizeFlat } from "../transforms/linearize.js";
import { batchedHere } from "../transforms/vmap.js";
import { callAvals, formatNested } from "./bodies.js";
import {
  argnumList,
  batchCall,
  type CustomOptions,
  checkedResult,
  customOptions,
  explicitTangents,
  perArgument,
  prepareCall,
} from "./custom_args.js";
import { interpreter } from "./jit_call.js";
import { sampleJaxpr } from "./testing.js";

/** `fwd` on flat tensors: the explicit arguments → outputs, then residuals. */
export type FlatFwd = (args: Tensor[]) => { outs: Tensor[]; residuals: Tensor[] };
/** `bwd` on flat tensors: residuals and output cotangents → a cotangent per argument leaf (zeros where none). */
export type FlatBwd = (residuals: Tensor[], cts: Tensor[]) => Tensor[];

export interface CustomVjpParams {
  name: string;
  /** The function: (captured values, arguments) → outputs. */
  call: ClosedJaxpr;
  /** How many leading operands are captured values (not arguments). */
  numConsts: number;
  fwd: FlatFwd;
  bwd: FlatBwd;
}

export interface CustomLinParams {
  name: string;
  /** How many leading operands are residuals (the rest are the arguments' tangents). */
  numResiduals: number;
  bwd: FlatBwd;
  /** The tangent outputs' types (the function's outputs). */
  outAvals: readonly ShapedArray[];
}

const forwardModeError = (name: string) =>
  new GradientError(
    `customVjp(${name}): forward-mode differentiation (jvp, jacfwd, linearize applied to tangents) of a function ` +
      "with a custom VJP is not supported, as in JAX: its derivative is only given in reverse mode. Use vjp, grad " +
      "or jacrev, or define the function with customJvp",
  );

/** The linear map of the tangents that only `bwd` knows: transposing it calls `bwd`. */
export const customLinP: Primitive<CustomLinParams> = definePrimitiveN<CustomLinParams>({
  name: "custom_lin",
  abstractEval: (_avals, { outAvals }) => E.right([...outAvals]),
  impl: (_args, { name }) => {
    throw forwardModeError(name);
  },
  adFamily: "linear",
  jvp: (_t, _p, _o, { name }) => {
    throw forwardModeError(name);
  },
  transpose: (cts, args, { numResiduals, bwd, outAvals }) => {
    const residuals = args.slice(0, numResiduals) as Tensor[];
    const ctIn = bwd(
      residuals,
      cts.map((c, i) => c ?? zeros(outAvals[i]!.shape, outAvals[i]!.dtype)),
    );
    return [
      ...residuals.map(() => null),
      ...args.slice(numResiduals).map((a, i) => (isUndefined(a) ? ctIn[i]! : null)),
    ];
  },
  // bwd batched over residuals and cotangents alike
  batch: (args, dims, p) => {
    const size = batchSize(args, dims);
    const xs = args.map((a, i) => (dims[i] === null ? a : moveAxis(a, dims[i]!, 0)));
    const resDims = dims.slice(0, p.numResiduals).map((d) => (d === null ? null : 0));
    const nR = p.numResiduals;
    const batched = batchedHere(`customVjp(${p.name})`, size);
    const tangentDims = dims.slice(nR);
    // an unbatched tangent's cotangent is the sum over the batch (the transpose of broadcasting it)
    const bwd: FlatBwd = (res, cts) =>
      batched((...zs) => p.bwd(zs.slice(0, nR), zs.slice(nR)), [...res, ...cts], [...resDims, ...cts.map(() => 0)]).map(
        (c, i) => (tangentDims[i] === null ? reduceSum(c, [0]) : c),
      );
    const outAvals = p.outAvals.map((a) => new ShapedArray([size, ...a.shape], a.dtype));
    const outs = bind(customLinP, xs, { ...p, bwd, outAvals });
    return [outs, outs.map(() => 0)];
  },
  formatParams: (p) => `[name=${p.name} num_res=${p.numResiduals}]`,
  // not in the registry: it has no value of its own to test (evaluating it is the forward-mode error); the laws
  // cover it through custom_vjp_call's reverse mode
  testing: undefined,
});

export const customVjpCallP: Primitive<CustomVjpParams> = definePrimitiveN<CustomVjpParams>({
  name: "custom_vjp_call",
  abstractEval: (avals, { call, name }) => callAvals(`customVjp(${name})`, call, avals),
  impl: (args, { call }) => interpreter.call(call)(args),
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => customVjpCallP.jvpFull!(primals, tangents, params)[1],
  // fwd now; the tangents go through custom_lin, which reverse mode transposes into bwd
  jvpFull: (primals, tangents, { numConsts, fwd, bwd, name }) => {
    const { ps, ts } = explicitTangents(`customVjp(${name})`, primals, tangents, numConsts);
    const { outs, residuals } = fwd(ps);
    const touts = bind(customLinP, [...residuals, ...ts], {
      name,
      numResiduals: residuals.length,
      bwd,
      outAvals: outs.map((o) => o.aval),
    });
    return [outs, touts.map((t, i) => (isFloat(outs[i]!.dtype) ? t : null))];
  },
  // the function, fwd and bwd batched alike (batch axes moved to 0)
  batch: (args, dims, p) => {
    const { xs, call, argDims, batched } = batchCall("customVjp", p.name, p.call, p.numConsts, args, dims);
    const fwd: FlatFwd = (ps) => {
      let nOuts = 0;
      const all = batched(
        (...zs) => {
          const r = p.fwd(zs);
          nOuts = r.outs.length;
          return [...r.outs, ...r.residuals];
        },
        ps,
        argDims,
      );
      return { outs: all.slice(0, nOuts), residuals: all.slice(nOuts) };
    };
    // an unbatched argument's cotangent is the sum over the batch
    const bwd: FlatBwd = (res, cts) =>
      batched(
        (...zs) => p.bwd(zs.slice(0, res.length), zs.slice(res.length)),
        [...res, ...cts],
        [...res.map(() => 0), ...cts.map(() => 0)],
      ).map((c, i) => (argDims[i] === null ? reduceSum(c, [0]) : c));
    const outs = bind(customVjpCallP, xs, { ...p, call, fwd, bwd });
    return [outs, outs.map(() => 0)];
  },
  jaxprs: { get: (p) => [p.call], set: (p, [call]) => ({ ...p, call: call! }), call: true },
  formatParams: (p) =>
    formatNested([
      ["name", p.name],
      ["call_jaxpr", p.call],
      ["num_consts", p.numConsts],
    ]),
  reverseOnly: true,
  // a random first-order primitive's case as the function; fwd keeps the inputs as residuals, bwd transposes its
  // linearization there
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleJaxpr(choose);
      const fwd: FlatFwd = (xs) => ({ outs: asFunction(jaxpr)(...xs), residuals: xs });
      const bwd: FlatBwd = (res, cts) => {
        const { linear } = linearizeFlat("vjp", "bwd", asFunction(jaxpr), res);
        return linear.transpose(cts).map((c, i) => c ?? zerosLike(res[i]!));
      };
      return { avals, params: { name: "f", call: jaxpr, numConsts: 0, fwd, bwd }, domains };
    },
  },
});

/**
 * `v` with every null (or undefined) in place of a subtree of `tree` replaced by zeros of that subtree's leaves, as
 * JAX reads None in a cotangent; where `v`'s structure differs otherwise it is left alone, for the check to name.
 */
function nullsAsZeros(v: unknown, tree: TreeDef, avals: readonly ShapedArray[]): unknown {
  let k = 0;
  const zerosOf = (d: TreeDef): unknown => {
    if (d.kind === "leaf") {
      const a = avals[k++]!;
      return zeros(a.shape, a.dtype);
    }
    if (d.kind === "none") return d.value;
    if (d.kind === "array") return d.children.map(zerosOf);
    if (d.kind === "custom") return rebuildCustom(d, d.children.map(zerosOf));
    return Object.fromEntries(d.keys.map((key, i) => [key, zerosOf(d.children[i]!)]));
  };
  const fill = (x: unknown, d: TreeDef): unknown => {
    if (x === null || x === undefined) return d.kind === "none" ? x : zerosOf(d);
    if (d.kind === "leaf") {
      k++;
      return x;
    }
    if (d.kind === "array" && Array.isArray(x) && x.length === d.children.length)
      return d.children.map((c, i) => fill(x[i], c));
    if (d.kind === "object" && isPlainObject(x) && Object.keys(x).sort().join() === d.keys.join())
      return Object.fromEntries(d.keys.map((key, i) => [key, fill(x[key], d.children[i]!)]));
    return x;
  };
  return fill(v, tree);
}

/** A function with a custom VJP: call it as the function; `defvjp(fwd, bwd)` sets its reverse-mode derivative. */
export interface CustomVjpFunction<A extends unknown[], R> {
  (...args: LooseArgs<A>): TensorTree<R>;
  /**
   * `fwd(...args) => [out, residuals]` (residuals any pytree) and `bwd(...nondiffArgs, residuals, ctOut) =>
   * cotangents` (an array, one per differentiable argument, each shaped like it; null for a zero cotangent).
   */
  defvjp(fwd: (...args: never[]) => readonly [unknown, unknown], bwd: (...args: never[]) => unknown): void;
}

/**
 * A function whose reverse-mode derivative is given by `defvjp(fwd, bwd)` (JAX's custom_vjp); forward mode of it is a
 * GradientError, as in JAX.
 * @example const clip = customVjp((x: Tensor) => x);
 * clip.defvjp((x: Tensor) => [x, null], (_r: null, g: Tensor) => [np.clip(g, -1, 1)]);
 * grad((x: Tensor) => clip(x).mul(5))(2) // Tensor(1, dtype=float32)
 */
export const customVjp: <A extends unknown[], R>(
  f: (...args: A) => R,
  opts?: CustomOptions | number | readonly number[],
) => CustomVjpFunction<A, R> = guard("customVjp", [fn(), customOptions], customVjpImpl) as never;

function customVjpImpl(f: (...args: unknown[]) => unknown, opts: CustomOptions) {
  const name = fnName(f);
  const op = `customVjp(${name})`;
  const nondiffArgnums = argnumList(opts.nondiffArgnums);
  let rules: { fwd: (...a: unknown[]) => unknown; bwd: (...a: unknown[]) => unknown } | undefined;
  const g = named((...args: unknown[]) => {
    if (!rules) throw new TracegradError(`${op}: no VJP is defined; call .defvjp(fwd, bwd) first`);
    const { fwd: userFwd, bwd: userBwd } = rules;
    const { nondiff, xs, trees, body, argsOf } = prepareCall(op, f, nondiffArgnums, args);
    const expected = { what: `the output of '${name}'`, tree: body.outTree, avals: body.jaxpr.outAvals };
    let resTree = flatten(null)[1];
    const fwd: FlatFwd = (ps) => {
      const r = userFwd(...argsOf(perArgument(trees, ps)));
      if (!Array.isArray(r) || r.length !== 2) throw new TracegradError(`${op}: fwd must return [output, residuals]`);
      const outs = checkedResult(op, "the output fwd returns", r[0], expected);
      const [residuals, def] = flattenTensors(op, r[1], "the residuals fwd returns");
      resTree = def;
      return { outs, residuals };
    };
    const bwd: FlatBwd = (res, cts) => {
      const ctOut = unflatten(body.outTree, cts);
      let r: unknown;
      try {
        r = userBwd(...nondiff, unflatten(resTree, res), ctOut);
      } catch (e) {
        if (e instanceof UnexpectedTracerError)
          e.message +=
            `\n(${op}: bwd runs in the backward pass, after the transformations whose values it closes over have ` +
            "ended; return such values from fwd as residuals instead, as JAX requires)";
        throw e;
      }
      if (!Array.isArray(r) || r.length !== trees.length)
        throw new TracegradError(
          `${op}: bwd must return an array with one cotangent per differentiable argument (${trees.length}), got ` +
            `${Array.isArray(r) ? `an array of length ${r.length}` : typeof r}`,
        );
      let k = body.hoisted.length;
      return trees.flatMap((tree, i) => {
        const avals = body.jaxpr.inAvals.slice(k, (k += numLeaves(tree)));
        // null anywhere in a cotangent is zeros there, as in JAX
        return checkedResult(op, `the cotangent bwd returns for argument ${i}`, nullsAsZeros(r[i], tree, avals), {
          what: `argument ${i}`,
          tree,
          avals,
        });
      });
    };
    const outs = bind(customVjpCallP, [...body.hoisted, ...xs], {
      name,
      call: body.jaxpr,
      numConsts: body.hoisted.length,
      fwd,
      bwd,
    });
    return unflatten(body.outTree, outs);
  }, name);
  const defvjp = (fwd: unknown, bwd: unknown) => {
    if (typeof fwd !== "function" || typeof bwd !== "function")
      throw new TracegradError(`${op}: defvjp takes two functions (fwd, bwd), got ${typeof fwd} and ${typeof bwd}`);
    rules = { fwd: fwd as (...a: unknown[]) => unknown, bwd: bwd as (...a: unknown[]) => unknown };
  };
  return Object.assign(g, { defvjp });
}
