// What the control-flow primitives share: user functions traced into closed jaxprs (values captured from enclosing
// transforms become explicit operands), jaxpr interfaces reordered without retracing, typed errors naming the leaf
// where two types disagree, and how their nested jaxprs print.
import * as E from "fp-ts/Either";
import type { ShapedArray } from "../core/aval.js";
import { DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { leafPaths, type TreeDef, treeDefEqual, treeDefString, unflatten } from "../core/tree.js";
import { hoistTracers, stageFlat } from "../ir/build.js";
import { ClosedJaxpr, Jaxpr, Var } from "../ir/jaxpr.js";
import { flattenTensors, fnName, tracing } from "../transforms/flat.js";

/** A user function traced for given input types: its jaxpr, its output structure, and the tracers it captured. */
export interface TracedBody {
  /** Inputs: the captured tracers (`hoisted`), then the flat arguments. */
  jaxpr: ClosedJaxpr;
  outTree: TreeDef;
  /** Values of enclosing transforms the function closes over: passed to the primitive as leading operands. */
  hoisted: Tensor[];
}

/**
 * Traces `f` (taking the pytrees `inTrees` rebuilt from flat tensors of `avals`) as `op` does, e.g. `scan` tracing
 * its body. A JS value read from a traced value inside is a ConcretizationError naming `op` and the function.
 */
export function traceBody(
  op: string,
  f: (...args: unknown[]) => unknown,
  inTrees: readonly TreeDef[],
  avals: readonly ShapedArray[],
): TracedBody {
  let outTree: TreeDef | undefined;
  const name = fnName(f);
  const traced = tracing(op, name, () =>
    stageFlat(
      op,
      name,
      (...ts) => {
        let k = 0;
        const args = inTrees.map((d) => {
          const n = leafPaths(d).length;
          k += n;
          return unflatten(d, ts.slice(k - n, k));
        });
        const [outs, def] = flattenTensors(op, f(...args), `the output of '${name}'`);
        outTree = def;
        return outs;
      },
      avals,
    ),
  );
  const { closed, hoisted } = hoistTracers(traced);
  return { jaxpr: closed, outTree: outTree!, hoisted };
}

/** `j` with its inputs and outputs picked and reordered by index (outputs may repeat or be dropped). */
export function reorder(j: ClosedJaxpr, ins: readonly number[], outs: readonly number[]): ClosedJaxpr {
  const { jaxpr } = j;
  return new ClosedJaxpr(
    new Jaxpr(
      jaxpr.constvars,
      ins.map((i) => jaxpr.invars[i]!),
      jaxpr.eqns,
      outs.map((i) => jaxpr.outs[i]!),
    ),
    j.consts,
  );
}

/** `j` taking more inputs, of these types, at position `at` of its inputs; it ignores them. */
export function insertInputs(j: ClosedJaxpr, at: number, avals: readonly ShapedArray[]): ClosedJaxpr {
  if (avals.length === 0) return j;
  const { jaxpr } = j;
  const invars = [...jaxpr.invars.slice(0, at), ...avals.map((a) => new Var(a)), ...jaxpr.invars.slice(at)];
  return new ClosedJaxpr(new Jaxpr(jaxpr.constvars, invars, jaxpr.eqns, jaxpr.outs), j.consts);
}

/** Positions 0 … n−1 (for building reorderings). */
export const range = (start: number, n: number): number[] => Array.from({ length: n }, (_, i) => start + i);

/** Positions of the true entries of `mask`, offset by `start`. */
export const where = (mask: readonly boolean[], start = 0): number[] => mask.flatMap((m, i) => (m ? [start + i] : []));

/** Elementwise or; `changed` is whether `b` added anything to `a`. */
export function union(a: readonly boolean[], b: readonly boolean[]): { mask: boolean[]; changed: boolean } {
  const mask = a.map((x, i) => x || b[i] === true);
  return { mask, changed: mask.some((m, i) => m !== a[i]) };
}

/**
 * Checks that two pytrees of types agree (structure, then shape and dtype per leaf); the typed error names the leaf
 * and says which value is which (`what` describes the comparison, e.g. "the carry 'body' returns").
 */
export function sameTypes(
  op: string,
  expected: { what: string; tree: TreeDef; avals: readonly ShapedArray[] },
  got: { what: string; tree: TreeDef; avals: readonly ShapedArray[] },
  advice: string,
): void {
  if (!treeDefEqual(expected.tree, got.tree)) {
    throw new TracegradError(
      `${op}: ${got.what} has the structure ${treeDefString(got.tree)}, but ${expected.what} has the structure ` +
        `${treeDefString(expected.tree)}; ${advice}`,
    );
  }
  const paths = leafPaths(expected.tree);
  expected.avals.forEach((e, i) => {
    const g = got.avals[i]!;
    if (e.equals(g)) return;
    const leaf = paths[i] ? `at ${paths[i]}` : "";
    const Err = e.dtype !== g.dtype ? DTypeError : ShapeError;
    throw new Err(
      `${op}: ${got.what} ${leaf} is ${g.toString()}, but ${expected.what} ${leaf} is ${e.toString()}; ${advice}`
        .replace(/ {2}/g, " ")
        .replace(/ ;/g, ";"),
    );
  });
}

/** Params printed as JAX prints those of primitives that carry jaxprs: one `key=value` per line, nested indented. */
export const formatNested = (entries: readonly (readonly [string, unknown])[]): string =>
  `[\n${entries.map(([k, v]) => `  ${k}=${String(v).replace(/\n/g, "\n  ")}`).join("\n")}\n]`;

/** A Python-style tuple of booleans, as JAX prints `linear`. */
export const fmtBools = (xs: readonly boolean[]): string =>
  `(${xs.map((x) => (x ? "True" : "False")).join(", ")}${xs.length === 1 ? "," : ""})`;

/** A call of `j`'s output types, or a ShapeError when the operands are not of the types it was traced for. */
export function callAvals(
  op: string,
  j: ClosedJaxpr,
  avals: readonly ShapedArray[],
): E.Either<ShapeError, ShapedArray[]> {
  return avals.length === j.inAvals.length && avals.every((a, i) => a.equals(j.inAvals[i]!))
    ? E.right(j.outAvals)
    : E.left(
        new ShapeError(
          `${op}: called with ${avals.map(String).join(", ")}, but traced for ${j.inAvals.map(String).join(", ")}`,
        ),
      );
}
