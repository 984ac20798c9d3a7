// What customJvp and customVjp share: splitting a call's arguments into the non-differentiable ones (passed first to
// the rules, as JAX does) and the differentiable pytrees, tracing the primal function for them, and checking what the
// user's rules return against the types they must have.
import type { ShapedArray } from "../core/aval.js";
import { TracegradError } from "../core/errors.js";
import { argnums } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { flatten, leafPaths, type TreeDef, unflatten } from "../core/tree.js";
import { options } from "../core/validate.js";
import type { ClosedJaxpr } from "../ir/jaxpr.js";
import { Tracer } from "../ir/trace.js";
import { batchSize, moveAxis } from "../primitives/batching.js";
import { zerosLike } from "../primitives/index.js";
import { flattenTensors, fnName } from "../transforms/flat.js";
import { batchJaxpr } from "../transforms/jaxpr_rules.js";
import { batchedHere } from "../transforms/vmap.js";
import { sameTypes, type TracedBody, traceBody } from "./bodies.js";

/** Options of customJvp and customVjp. */
export interface CustomOptions {
  /** Positions of arguments that are not arrays (functions, shapes, configuration numbers); not differentiated. */
  nondiffArgnums?: number | readonly number[];
}

/** The options slot of customJvp and customVjp (nondiffArgnums may be given positionally). */
export const customOptions = options({ nondiffArgnums: argnums("nondiffArgnums") }, "nondiffArgnums");

type AnyFn = (...args: unknown[]) => unknown;

/** One call of a custom-derivative function: its arguments split, flattened, and the primal function traced. */
export interface CustomCall {
  /** The non-differentiable arguments, in order. */
  nondiff: unknown[];
  /** The differentiable arguments as flat tensors, with one tree per argument. */
  xs: Tensor[];
  trees: TreeDef[];
  /** `f` traced for them (captured tracers hoisted to leading operands). */
  body: TracedBody;
  /** The full argument list from differentiable pytrees (nondiff values put back in place). */
  argsOf(diff: readonly unknown[]): unknown[];
}

export function prepareCall(op: string, f: AnyFn, nondiffArgnums: readonly number[], args: unknown[]): CustomCall {
  const positions = nondiffArgnums.map((n) => {
    if (!Number.isInteger(n) || n < -args.length || n >= args.length)
      throw new TracegradError(
        `${op}: nondiffArgnums ${n} is out of range for a call of '${fnName(f)}' with ${args.length} arguments`,
      );
    return n < 0 ? n + args.length : n;
  });
  const nondiff = positions.map((p) => args[p]);
  positions.forEach((p) => {
    const [leaves] = flatten(args[p], op);
    if (leaves.some((l) => l instanceof Tracer))
      throw new TracegradError(
        `${op}: argument ${p} of '${fnName(f)}' is in nondiffArgnums but holds a traced value; nondiffArgnums are ` +
          "for values that are not arrays (functions, shapes, configuration numbers): pass arrays as ordinary " +
          "arguments",
      );
  });
  const diffArgs = args.filter((_, i) => !positions.includes(i));
  const trees: TreeDef[] = [];
  const xs: Tensor[] = [];
  diffArgs.forEach((a, k) => {
    const [leaves, def] = flattenTensors(op, a, `argument ${k}`);
    trees.push(def);
    xs.push(...leaves);
  });
  const argsOf = (diff: readonly unknown[]) => {
    const full: unknown[] = [];
    for (let i = 0, d = 0; i < args.length; i++) full.push(positions.includes(i) ? args[i] : diff[d++]);
    return full;
  };
  const body = traceBody(
    op,
    Object.defineProperty((...diff: unknown[]) => f(...argsOf(diff)), "name", { value: fnName(f) }) as AnyFn,
    trees,
    xs.map((x) => x.aval),
  );
  return { nondiff, xs, trees, body, argsOf };
}

/** Flat tensors as one pytree per differentiable argument. */
export function perArgument(trees: readonly TreeDef[], flat: readonly Tensor[]): unknown[] {
  let k = 0;
  return trees.map((d) => {
    const n = leafPaths(d).length;
    k += n;
    return unflatten(d, flat.slice(k - n, k));
  });
}

/**
 * A rule's pytree result as flat tensors with the types `expected` says (structure, shapes, dtypes), or a typed error
 * naming the leaf (`what` says which result of which rule).
 */
export function checkedResult(
  op: string,
  what: string,
  value: unknown,
  expected: { what: string; tree: TreeDef; avals: readonly ShapedArray[] },
): Tensor[] {
  const [flat, def] = flattenTensors(op, value, what);
  sameTypes(op, expected, { what, tree: def, avals: flat.map((x) => x.aval) }, "the rule must match it");
  return flat;
}

/** nondiffArgnums as a list. */
export const argnumList = (n: number | readonly number[] | undefined): number[] =>
  n === undefined ? [] : typeof n === "number" ? [n] : [...n];

/**
 * The explicit arguments' primals and tangents (absent ones as zeros) of a custom-derivative call whose first
 * `numConsts` operands are captured values; a tangent there is an error, as in JAX (the rules do not cover them).
 */
export function explicitTangents(
  op: string,
  primals: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
  numConsts: number,
): { ps: Tensor[]; ts: Tensor[] } {
  if (tangents.slice(0, numConsts).some((t) => t !== null))
    throw new TracegradError(
      `${op}: differentiating with respect to a value the function closes over is not supported: the rules only ` +
        "give derivatives for its explicit arguments. Pass that value as an argument instead",
    );
  const ps = primals.slice(numConsts);
  return { ps, ts: tangents.slice(numConsts).map((t, i) => t ?? zerosLike(ps[i]!)) };
}

/**
 * What batching a custom-derivative call shares: its operands with batch axes moved to 0, its jaxpr batched alike,
 * the explicit arguments' batch axes, and how to batch a user's rule inside the batch trace (batchedHere).
 */
export function batchCall(
  kind: string,
  name: string,
  call: ClosedJaxpr,
  numConsts: number,
  args: Tensor[],
  dims: (number | null)[],
) {
  const size = batchSize(args, dims);
  const xs = args.map((a, i) => (dims[i] === null ? a : moveAxis(a, dims[i]!, 0)));
  const d0 = dims.map((d) => (d === null ? null : 0));
  const batchedJaxpr = batchJaxpr(
    kind,
    name,
    call,
    d0,
    xs.map((x) => x.aval),
    size,
  ).jaxpr;
  return { size, xs, call: batchedJaxpr, argDims: d0.slice(numConsts), batched: batchedHere(`${kind}(${name})`, size) };
}
