// customJvp (JAX's custom_jvp): a function whose derivative is a rule the user gives. The primitive custom_jvp_call
// carries the function's jaxpr, which runs (and is inlined under jit) when nothing differentiates it; a JVP trace calls
// the rule instead, on primals and tangents, so forward mode uses it and reverse mode linearizes and transposes it
// (the rule must be linear in the tangents). Under vmap the jaxpr and the rule are batched.
import { isFloat } from "../core/dtype.js";
import { TracegradError } from "../core/errors.js";
import { fn } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { type LooseArgs, type TensorTree, type TreeDef, unflatten } from "../core/tree.js";
import { guard } from "../core/validate.js";
import type { ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { bind } from "../ir/trace.js";
import { definePrimitiveN } from "../primitives/define.js";
import { zerosLike } from "../primitives/index.js";
import { flattenTensors, fnName, named } from "../transforms/flat.js";
import { asFunction } from "../transforms/jaxpr_rules.js";
import { jvpFlat } from "../transforms/jvp_trace.js";
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

/** A JVP rule on flat tensors: explicit arguments' primals and tangents (zeros where none) → outputs, tangents. */
export type FlatJvpRule = (primals: Tensor[], tangents: Tensor[]) => [Tensor[], Tensor[]];

export interface CustomJvpParams {
  name: string;
  /** The function: (captured values, arguments) → outputs. */
  call: ClosedJaxpr;
  /** How many leading operands are captured values (not arguments; the rule does not see them). */
  numConsts: number;
  jvp: FlatJvpRule;
}

export const customJvpCallP: Primitive<CustomJvpParams> = definePrimitiveN<CustomJvpParams>({
  name: "custom_jvp_call",
  abstractEval: (avals, { call, name }) => callAvals(`customJvp(${name})`, call, avals),
  impl: (args, { call }) => interpreter.call(call)(args),
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => customJvpCallP.jvpFull!(primals, tangents, params)[1],
  // the rule, on the explicit arguments' primals and tangents (absent ones as zeros)
  jvpFull: (primals, tangents, { numConsts, jvp, name }) => {
    const { ps, ts } = explicitTangents(`customJvp(${name})`, primals, tangents, numConsts);
    const [outs, touts] = jvp(ps, ts);
    return [outs, touts.map((t, i) => (isFloat(outs[i]!.dtype) ? t : null))];
  },
  // the function and the rule batched alike (batch axes moved to 0)
  batch: (args, dims, p) => {
    const { xs, call, argDims, batched } = batchCall("customJvp", p.name, p.call, p.numConsts, args, dims);
    const n = argDims.length;
    const jvp: FlatJvpRule = (ps, ts) => {
      const outs = batched(
        (...zs) => {
          const [o, t] = p.jvp(zs.slice(0, n), zs.slice(n));
          return [...o, ...t];
        },
        [...ps, ...ts],
        [...argDims, ...argDims],
      );
      return [outs.slice(0, outs.length / 2), outs.slice(outs.length / 2)];
    };
    const outs = bind(customJvpCallP, xs, { ...p, call, jvp });
    return [outs, outs.map(() => 0)];
  },
  jaxprs: { get: (p) => [p.call], set: (p, [call]) => ({ ...p, call: call! }), call: true },
  formatParams: (p) =>
    formatNested([
      ["name", p.name],
      ["call_jaxpr", p.call],
      ["num_consts", p.numConsts],
    ]),
  // a random first-order primitive's case as the function, its own JVP as the rule
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleJaxpr(choose);
      const jvp: FlatJvpRule = (ps, ts) => {
        const [o, t] = jvpFlat("jvp", "rule", asFunction(jaxpr), ps, ts);
        return [o, t.map((x, i) => x ?? zerosLike(o[i]!))];
      };
      return { avals, params: { name: "f", call: jaxpr, numConsts: 0, jvp }, domains };
    },
  },
});

/** A function with a custom JVP rule: call it as the function; `defjvp`/`defjvps` set the rule. */
export interface CustomJvpFunction<A extends unknown[], R> {
  (...args: LooseArgs<A>): TensorTree<R>;
  /**
   * Sets the rule `rule(...nondiffArgs, primals, tangents) => [primalOut, tangentOut]` (arrays of the differentiable
   * arguments); returns it.
   */
  defjvp<F extends (...args: never[]) => readonly [unknown, unknown]>(rule: F): F;
  /** One `(tangent, primalOut, ...primals) => tangentOut` per differentiable argument, summed (JAX's defjvps). */
  defjvps(...rules: (((t: Tensor, primalOut: Tensor, ...primals: Tensor[]) => unknown) | null)[]): void;
}

/**
 * A function whose derivative is the rule given to `defjvp` (JAX's custom_jvp): forward mode uses it, reverse mode
 * linearizes and transposes it (so it must be linear in the tangents).
 * @example const f = customJvp((x: Tensor) => np.log1p(np.exp(x)));
 * f.defjvp(([x], [t]) => [f(x), t.mul(nn.sigmoid(x))]);
 * grad(f)(100) // Tensor(1, dtype=float32) (the plain formula gives NaN there)
 */
export const customJvp: <A extends unknown[], R>(
  f: (...args: A) => R,
  opts?: CustomOptions | number | readonly number[],
) => CustomJvpFunction<A, R> = guard("customJvp", [fn(), customOptions], customJvpImpl) as never;

function customJvpImpl(f: (...args: unknown[]) => unknown, opts: CustomOptions) {
  const name = fnName(f);
  const op = `customJvp(${name})`;
  const nondiffArgnums = argnumList(opts.nondiffArgnums);
  let rule: ((...args: unknown[]) => unknown) | undefined;
  const g = named((...args: unknown[]) => {
    if (!rule) throw new TracegradError(`${op}: no JVP rule is defined; call .defjvp(rule) or .defjvps(...) first`);
    const userRule = rule;
    const { nondiff, xs, trees, body } = prepareCall(op, f, nondiffArgnums, args);
    const outTree: TreeDef = body.outTree;
    const outAvals = body.jaxpr.outAvals;
    const jvp: FlatJvpRule = (ps, ts) => {
      const result = userRule(...nondiff, perArgument(trees, ps), perArgument(trees, ts));
      if (!Array.isArray(result) || result.length !== 2)
        throw new TracegradError(`${op}: the JVP rule must return [primalOut, tangentOut]`);
      const expected = { what: `the output of '${name}'`, tree: outTree, avals: outAvals };
      const outs = checkedResult(op, "the primal output of the JVP rule", result[0], expected);
      const touts = checkedResult(op, "the tangent output of the JVP rule", result[1], expected);
      return [outs, touts];
    };
    const outs = bind(customJvpCallP, [...body.hoisted, ...xs], {
      name,
      call: body.jaxpr,
      numConsts: body.hoisted.length,
      jvp,
    });
    return unflatten(outTree, outs);
  }, name);
  const defjvp = (r: unknown) => {
    if (typeof r !== "function") throw new TracegradError(`${op}: defjvp takes a function, got ${typeof r}`);
    rule = r as (...args: unknown[]) => unknown;
    return r;
  };
  const defjvps = (...perArg: unknown[]) => {
    perArg.forEach((r, i) => {
      if (r !== null && typeof r !== "function")
        throw new TracegradError(
          `${op}: defjvps takes a function (or null) per argument; argument ${i} is ${typeof r}`,
        );
    });
    rule = (...ruleArgs: unknown[]) => {
      const [primals, tangents] = ruleArgs.slice(-2) as [unknown[], unknown[]];
      const nondiff = ruleArgs.slice(0, -2);
      const out = (g as (...a: unknown[]) => unknown)(...argsWith(nondiffArgnums, nondiff, primals));
      let total: unknown;
      perArg.forEach((r, i) => {
        if (r === null) return;
        const term = (r as (...a: unknown[]) => unknown)(tangents[i], out, ...primals);
        total = total === undefined ? term : addTrees(total, term);
      });
      return [out, total ?? zerosOfTree(out)];
    };
  };
  return Object.assign(g, { defjvp, defjvps });
}

/** The full argument list from the nondiff values and the differentiable ones. */
function argsWith(nondiffArgnums: readonly number[], nondiff: readonly unknown[], diff: readonly unknown[]): unknown[] {
  const n = nondiff.length + diff.length;
  const positions = nondiffArgnums.map((p) => (p < 0 ? p + n : p));
  const full: unknown[] = [];
  for (let i = 0, a = 0, b = 0; i < n; i++) full.push(positions.includes(i) ? nondiff[a++] : diff[b++]);
  return full;
}

/** Leafwise a + b over two pytrees of tensors of one structure. */
function addTrees(a: unknown, b: unknown): unknown {
  const [la, def] = flattenTensors("customJvp", a, "a tangent");
  const [lb] = flattenTensors("customJvp", b, "a tangent");
  return unflatten(
    def,
    la.map((x, i) => x.add(lb[i]!)),
  );
}

/** Zeros shaped like every leaf of a pytree of tensors. */
function zerosOfTree(t: unknown): unknown {
  const [leaves, def] = flattenTensors("customJvp", t, "an output");
  return unflatten(
    def,
    leaves.map((x) => zerosLike(x)),
  );
}
