// The user-level control flow of lax: cond, switch, whileLoop, foriLoop, scan and map. Each traces the user's
// functions into closed jaxprs for the operands' types, checks that branches and carries agree (naming the leaf when
// not), and binds one primitive (cond, while, scan) whose rules make it work under every transform.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, TracegradError } from "../core/errors.js";
import { anything, array, bool, count, fn } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import {
  flatten,
  type Loose,
  type LooseArgs,
  leafPaths,
  numLeaves,
  type TensorTree,
  type TreeDef,
  unflatten,
} from "../core/tree.js";
import { guard, options, type Param, rest } from "../core/validate.js";
import { Tracer } from "../ir/trace.js";
import { add, convertElementType, lt, ne, scalar } from "../primitives/index.js";
import { flattenTensors, fnName, leafTensor } from "../transforms/flat.js";
import { insertInputs, sameTypes, type TracedBody, traceBody } from "./bodies.js";
import { condFlat } from "./cond.js";
import { scanFlat } from "./scan.js";
import { whileFlat } from "./while_loop.js";

type AnyFn = (...args: never[]) => unknown;
const call = (f: AnyFn) => f as (...args: unknown[]) => unknown;

/** Flat operands of a pytree, with which leaves were JS numbers (weakly typed, as JAX's Python scalars). */
function operandsOf(op: string, tree: unknown, where: string) {
  const [raw] = flatten(tree, op);
  const [xs, def] = flattenTensors(op, tree, where);
  return { xs, def, weak: raw.map((l) => typeof l === "number") };
}

const avalsOf = (xs: readonly Tensor[]) => xs.map((x) => x.aval);

/**
 * Traces a loop body of (carry, …after) whose result must have the carry's types; a weakly typed carry leaf (a JS
 * number) takes the dtype the body gives it, as in JAX, by tracing again.
 */
function traceCarryBody(
  op: string,
  f: AnyFn,
  carry: { xs: Tensor[]; def: TreeDef; weak: boolean[] },
  after: { trees: TreeDef[]; avals: ShapedArray[] },
  carryOf: (b: TracedBody) => { tree: TreeDef; avals: ShapedArray[] },
  advice: string,
): { body: TracedBody; init: Tensor[] } {
  let init = carry.xs;
  const traceWith = (xs: Tensor[]) =>
    traceBody(op, call(f), [carry.def, ...after.trees], [...avalsOf(xs), ...after.avals]);
  let body = traceWith(init);
  const out = carryOf(body).avals;
  const promoted = init.map((x, i) =>
    carry.weak[i] && out[i] && out[i]!.dtype !== x.dtype && out[i]!.ndim === 0 && isFloat(out[i]!.dtype)
      ? convertElementType(x, out[i]!.dtype)
      : x,
  );
  if (promoted.some((x, i) => x !== init[i])) {
    init = promoted;
    body = traceWith(init);
  }
  sameTypes(
    op,
    { what: "the initial carry", tree: carry.def, avals: avalsOf(init) },
    { what: `the carry '${fnName(f)}' returns`, ...carryOf(body) },
    advice,
  );
  return { body, init };
}

/** An output pytree split into its first `n` children's leaves and the rest (the body returned [carry, y]). */
function splitPair(op: string, f: AnyFn, def: TreeDef, avals: readonly ShapedArray[], what: string) {
  if (def.kind !== "array" || def.children.length !== 2)
    throw new TracegradError(
      `${op}: '${fnName(f)}' must return a pair ${what}, got ${
        def.kind === "array" ? `an array of length ${def.children.length}` : "one value"
      }`,
    );
  const [a, b] = def.children as [TreeDef, TreeDef];
  const n = numLeaves(a);
  return { first: { tree: a, avals: avals.slice(0, n) }, second: { tree: b, avals: avals.slice(n) } };
}

const CARRY_ADVICE =
  "the body must return a carry of the same structure, shapes and dtypes as the initial one (cast with astype, or " +
  "fix the shape)";

/**
 * `trueFn(...operands)` if `pred` is true, else `falseFn(...operands)` (JAX's lax.cond): both are traced and must
 * return the same types; only the taken one runs. Under vmap a batched `pred` runs both and selects per example.
 * @example lax.cond(np.array(true), (x: Tensor) => x.mul(2), (x: Tensor) => x.neg(), np.array(3))
 * // Tensor(6, dtype=float32)
 */
export const cond: <Ops extends unknown[], R>(
  pred: Tensor | number | boolean,
  trueFn: (...operands: Ops) => R,
  falseFn: (...operands: Ops) => R,
  ...operands: LooseArgs<Ops>
) => TensorTree<R> = guard(
  "lax.cond",
  [array("pred"), fn("trueFn"), fn("falseFn"), rest(anything("operands", "pytree"))],
  (pred: unknown, trueFn: AnyFn, falseFn: AnyFn, ...operands: unknown[]) => {
    const p = leafTensor("lax.cond", pred, "pred");
    if (p.ndim !== 0)
      throw new ShapeError(
        `lax.cond: pred must be a scalar, got shape [${p.shape.join(", ")}]; use np.where to choose elementwise`,
      );
    const index = p.dtype === "bool" ? p : ne(p, scalar(0, p.dtype));
    return branchesOf("lax.cond", index, [falseFn, trueFn], ["falseFn", "trueFn"], operands);
  },
) as never;

/**
 * `branches[index](...operands)`, with `index` clamped to the branches (JAX's lax.switch).
 * @example lax.switch(1, [(x: Tensor) => x, (x: Tensor) => x.mul(10)], np.array(2)) // Tensor(20, dtype=float32)
 */
export const switchBranches: <Ops extends unknown[], R>(
  index: Tensor | number,
  branches: readonly ((...operands: Ops) => R)[],
  ...operands: LooseArgs<Ops>
) => TensorTree<R> = guard(
  "lax.switch",
  [array("index"), anything("branches", "pytree"), rest(anything("operands", "pytree"))],
  (index: unknown, branches: unknown, ...operands: unknown[]) => {
    if (
      !Array.isArray(branches) ||
      branches.length === 0 ||
      !Array.from(branches).every((b) => typeof b === "function")
    )
      throw new TracegradError(
        `lax.switch: branches must be a non-empty array of functions, got ${
          Array.isArray(branches) ? `an array of length ${branches.length}` : typeof branches
        }`,
      );
    if (typeof index === "number" && !Number.isInteger(index))
      throw new DTypeError(`lax.switch: index must be an integer, got ${index}`);
    const i = typeof index === "number" ? scalar(index, "int32") : leafTensor("lax.switch", index, "index");
    if (i.ndim !== 0 || i.dtype !== "int32")
      throw new DTypeError(`lax.switch: index must be an int32 scalar (or a JS integer), got ${i.aval.toString()}`);
    return branchesOf(
      "lax.switch",
      i,
      branches as AnyFn[],
      branches.map((_, b) => `branch ${b}`),
      operands,
    );
  },
) as never;

function branchesOf(op: string, index: Tensor, fns: AnyFn[], names: string[], operands: unknown[]): unknown {
  const { xs, def } = operandsOf(op, operands, "the operands");
  const ops = def.kind === "array" ? def.children : [];
  const traced = fns.map((f) => traceBody(op, call(f), ops, avalsOf(xs)));
  traced.forEach((t, b) =>
    sameTypes(
      op,
      { what: `the output of ${names[0]}`, tree: traced[0]!.outTree, avals: traced[0]!.jaxpr.outAvals },
      { what: `the output of ${names[b]}`, tree: t.outTree, avals: t.jaxpr.outAvals },
      "every branch must return the same structure, shapes and dtypes",
    ),
  );
  // each branch takes every branch's captured values, ignoring the others'
  const hoisted = traced.flatMap((t) => t.hoisted);
  const branches = traced.map((t, b) => {
    const before = traced.slice(0, b).flatMap((u) => avalsOf(u.hoisted));
    const after = traced.slice(b + 1).flatMap((u) => avalsOf(u.hoisted));
    return insertInputs(insertInputs(t.jaxpr, t.hoisted.length, after), 0, before);
  });
  return unflatten(traced[0]!.outTree, condFlat(index, branches, [...hoisted, ...xs]));
}

/** Iterations per compiled loop trip: a count, or a boolean (true: all of them; false: one), as JAX's `unroll`. */
const unrollParam: Param<number | boolean> = {
  ...count("unroll"),
  check: (v, at) => (typeof v === "boolean" ? E.right(v) : count("unroll").check(v, at)),
};

/** scan's options. */
export interface ScanOptions {
  /** The trip count, needed when `xs` is null. */
  length?: number;
  /** Iterate from the last element to the first (ys still line up with xs). */
  reverse?: boolean;
  /** Iterations per loop trip in compiled code (results do not depend on it); `true` unrolls fully, as JAX. */
  unroll?: number | boolean;
}

/**
 * `f(carry, x) => [carry, y]` over the leading axis of `xs` (JAX's lax.scan): returns `[carry, ys]`, `ys` stacked
 * along a new leading axis. Differentiable in both modes (reverse mode stores per-iteration residuals); under jit a
 * loop in the generated code.
 * @example lax.scan((c: Tensor, x: Tensor) => [c.add(x), c], np.array(0), np.array([1, 2, 3]))
 * // [Tensor(6, dtype=float32), Tensor([0, 1, 3], dtype=float32)]
 */
export const scan: <C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: Loose<C>,
  xs: Loose<X> | null,
  opts?: ScanOptions,
) => [TensorTree<C>, TensorTree<Y>] = guard(
  "lax.scan",
  [
    fn(),
    anything("init", "pytree"),
    anything("xs", "pytree"),
    options({ length: count("length"), reverse: bool("reverse"), unroll: unrollParam }),
  ],
  (f: AnyFn, init: unknown, xs: unknown, opts: ScanOptions) => scanImpl("lax.scan", f, init, xs, opts),
) as never;

function scanImpl(op: string, f: AnyFn, init: unknown, xsTree: unknown, opts: ScanOptions): [unknown, unknown] {
  const carry = operandsOf(op, init, "init");
  const { xs, def: xsDef } = operandsOf(op, xsTree, "xs");
  const paths = leafPaths(xsDef);
  xs.forEach((x, i) => {
    if (x.ndim === 0)
      throw new ShapeError(`${op}: xs${paths[i]} is a scalar; every leaf of xs needs a leading axis to scan over`);
  });
  const lengths = new Set(xs.map((x) => x.shape[0]!));
  if (lengths.size > 1)
    throw new ShapeError(
      `${op}: the leaves of xs have different leading sizes (${xs
        .map((x, i) => `xs${paths[i]}: ${x.shape[0]}`)
        .join(", ")}); they must share the axis scanned over`,
    );
  const length = opts.length ?? xs[0]?.shape[0];
  if (length === undefined)
    throw new TracegradError(`${op}: xs has no arrays, so the trip count is unknown; pass { length }`);
  if (xs.length && xs[0]!.shape[0] !== length)
    throw new ShapeError(`${op}: length is ${length}, but xs has leading size ${xs[0]!.shape[0]}`);
  const xAvals = xs.map((x) => new ShapedArray(x.shape.slice(1), x.dtype));
  const { body, init: init2 } = traceCarryBody(
    op,
    f,
    carry,
    { trees: [xsDef], avals: xAvals },
    (b) => splitPair(op, f, b.outTree, b.jaxpr.outAvals, "[carry, y]").first,
    CARRY_ADVICE,
  );
  const { first, second } = splitPair(op, f, body.outTree, body.jaxpr.outAvals, "[carry, y]");
  const outs = scanFlat(body.jaxpr, body.hoisted, init2, xs, {
    length,
    reverse: opts.reverse ?? false,
    unroll: opts.unroll === true ? Math.max(1, length) : Math.max(1, Number(opts.unroll ?? 1)),
  });
  const nc = first.avals.length;
  return [unflatten(first.tree, outs.slice(0, nc)), unflatten(second.tree, outs.slice(nc))];
}

/**
 * `f` over the leading axis of `xs`, results stacked (JAX's lax.map: a scan without a carry).
 * @example lax.map((x: Tensor) => x.mul(x), np.array([1, 2, 3])) // Tensor([1, 4, 9], dtype=float32)
 */
export const map: <X, Y>(f: (x: X) => Y, xs: Loose<X>) => TensorTree<Y> = guard(
  "lax.map",
  [fn(), anything("xs", "pytree")],
  (f: AnyFn, xs: unknown) => {
    const body = (_: unknown, x: unknown) => [null, call(f)(x)];
    Object.defineProperty(body, "name", { value: fnName(f) });
    return scanImpl("lax.map", body, null, xs, {})[1];
  },
) as never;

/**
 * Repeats `body(carry)` while `condFn(carry)` is true (JAX's lax.while_loop). Forward-mode differentiable; reverse mode
 * is a GradientError (use scan or foriLoop with JS-number bounds). Under vmap a batched predicate runs until every
 * example is done, freezing the finished ones.
 * @example lax.whileLoop((x: Tensor) => np.less(x, 10), (x: Tensor) => x.mul(2), np.array(1))
 * // Tensor(16, dtype=float32)
 */
export const whileLoop: <C>(
  condFn: (carry: C) => Tensor | boolean,
  bodyFn: (carry: C) => C,
  initVal: Loose<C>,
) => TensorTree<C> = guard(
  "lax.whileLoop",
  [fn("condFn"), fn("bodyFn"), anything("initVal", "pytree")],
  (condFn: AnyFn, bodyFn: AnyFn, init: unknown) => whileImpl("lax.whileLoop", condFn, bodyFn, init),
) as never;

function whileImpl(op: string, condFn: AnyFn, bodyFn: AnyFn, init: unknown): unknown {
  const carry = operandsOf(op, init, "initVal");
  const { body, init: init2 } = traceCarryBody(
    op,
    bodyFn,
    carry,
    { trees: [], avals: [] },
    (b) => ({ tree: b.outTree, avals: b.jaxpr.outAvals }),
    CARRY_ADVICE,
  );
  const c = traceBody(op, call(condFn), [carry.def], avalsOf(init2));
  const out = c.jaxpr.outAvals;
  if (c.outTree.kind !== "leaf" || out[0]!.dtype !== "bool" || out[0]!.ndim !== 0)
    throw new DTypeError(
      `${op}: '${fnName(condFn)}' must return one bool scalar, got ${
        c.outTree.kind === "leaf" ? out[0]!.toString() : "a pytree"
      }; compare with np.less, np.greater, … (a scalar)`,
    );
  return unflatten(carry.def, whileFlat(c.jaxpr, c.hoisted, body.jaxpr, body.hoisted, init2));
}

/**
 * `bodyFn(i, val)` for i = lower … upper − 1 (JAX's lax.fori_loop). With JS-number (or concrete) bounds it is a scan,
 * differentiable in both modes; with traced bounds a whileLoop (forward mode only).
 * @example lax.foriLoop(0, 4, (i: Tensor, x: Tensor) => x.add(i), np.array(0)) // Tensor(6, dtype=float32)
 */
export const foriLoop: <C>(
  lower: Tensor | number,
  upper: Tensor | number,
  bodyFn: (i: Tensor, val: C) => C,
  initVal: Loose<C>,
  opts?: { unroll?: number | boolean },
) => TensorTree<C> = guard(
  "lax.foriLoop",
  [array("lower"), array("upper"), fn("bodyFn"), anything("initVal", "pytree"), options({ unroll: unrollParam })],
  (lower: unknown, upper: unknown, bodyFn: AnyFn, init: unknown, opts: { unroll?: number | boolean }) => {
    const op = "lax.foriLoop";
    const bound = (v: unknown, name: string): Tensor | number => {
      if (typeof v === "number") {
        if (!Number.isInteger(v)) throw new DTypeError(`${op}: ${name} must be an integer, got ${v}`);
        return v;
      }
      const t = leafTensor(op, v, name);
      if (t.ndim !== 0 || t.dtype !== "int32")
        throw new DTypeError(`${op}: ${name} must be a JS integer or an int32 scalar, got ${t.aval.toString()}`);
      return t instanceof Tracer ? t : (t.item() as number);
    };
    const [lo, hi] = [bound(lower, "lower"), bound(upper, "upper")];
    const name = fnName(bodyFn);
    if (typeof lo === "number" && typeof hi === "number") {
      const step = (c: [Tensor, unknown]) => [[add(c[0], scalar(1, "int32")), call(bodyFn)(c[0], c[1])], null];
      Object.defineProperty(step, "name", { value: name });
      const [[, val]] = scanImpl(op, (c: unknown) => step(c as [Tensor, unknown]), [scalar(lo, "int32"), init], null, {
        length: Math.max(0, hi - lo),
        unroll: opts.unroll,
      }) as [[Tensor, unknown], unknown];
      return val;
    }
    const asT = (b: Tensor | number) => (typeof b === "number" ? scalar(b, "int32") : b);
    const condFn = (c: [Tensor, Tensor, unknown]) => lt(c[0], c[1]);
    const body = (c: [Tensor, Tensor, unknown]) => [add(c[0], scalar(1, "int32")), c[1], call(bodyFn)(c[0], c[2])];
    Object.defineProperty(body, "name", { value: name });
    return (whileImpl(op, condFn as AnyFn, body as AnyFn, [asT(lo), asT(hi), init]) as unknown[])[2];
  },
) as never;
