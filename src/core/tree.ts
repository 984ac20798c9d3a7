// Pytrees: nested arrays and plain objects whose leaves are tensors, numbers or booleans.
import * as E from "fp-ts/Either";
import { TracegradError } from "./errors.js";
import { anything, fn } from "./params.js";
import { type At, fail, guard, isPlainObject, type Param, rest } from "./validate.js";

export { isPlainObject } from "./validate.js";

import type { ArrayLike, NestedNumbers, Tensor } from "./tensor.js";

/** A leaf of a pytree (`null` and `undefined` are empty subtrees, not leaves). */
export type Leaf = Tensor | number | boolean;

/**
 * The structure of a pytree, without its leaves (object keys sorted, as JAX sorts dict keys).
 * @example tree.structure({ b: 1, a: 2 })
 * // { kind: "object", keys: ["a", "b"], children: [{ kind: "leaf" }, { kind: "leaf" }] }
 */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "none"; readonly value: null | undefined }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

/** True when A and B are the same type (no distribution over unions; never for `any`). */
type Same<A, B> = 0 extends 1 & A ? false : [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * `T` with every leaf replaced by a Tensor: the type of gradients, tangents and cotangents of `T` (`TensorTree<{ w:
 * number[] }>` is `{ w: Tensor[] }`).
 * Parameters typed `ArrayLike` (np/nn functions) give a Tensor; the recursive `NestedNumbers` stays opaque.
 */
export type TensorTree<T> =
  Same<T, ArrayLike> extends true
    ? Tensor
    : Same<T, NestedNumbers> extends true
      ? unknown[]
      : T extends Tensor | number | boolean
        ? Tensor
        : T extends null | undefined
          ? T
          : T extends readonly unknown[]
            ? { -readonly [K in keyof T]: TensorTree<T[K]> }
            : T extends object
              ? { [K in keyof T]: TensorTree<T[K]> }
              : T;

/**
 * What a transform accepts where `f` takes `T`: tensor leaves may be given as JS numbers (`Loose<{ w: Tensor }>` is `{
 * w: Tensor | number }`).
 */
export type Loose<T> =
  Same<T, ArrayLike> extends true
    ? ArrayLike
    : Same<T, NestedNumbers> extends true
      ? NestedNumbers
      : T extends Tensor
        ? Tensor | number
        : T extends readonly unknown[]
          ? { [K in keyof T]: Loose<T[K]> }
          : T extends Record<string, unknown>
            ? { [K in keyof T]: Loose<T[K]> }
            : T;

/** An argument list in which tensor leaves may be JS numbers (a mapped tuple, so it can be a rest parameter). */
export type LooseArgs<A extends readonly unknown[]> = { [K in keyof A]: Loose<A[K]> };

/** The positions an `argnums` value names (a number, or the elements of an array). */
type Argnum<N> = N extends number ? N : N extends readonly (infer M)[] ? M : never;

/**
 * An argument list in which only the differentiated positions (`argnums`) may be JS numbers; the other
 * arguments reach `f` unchanged, as in JAX, so they keep their declared types.
 */
export type LooseAt<A extends readonly unknown[], N> = {
  [K in keyof A]: K extends `${Argnum<N> & number}` ? Loose<A[K]> : A[K];
};

const LEAF: TreeDef = { kind: "leaf" };

/** A path into a pytree as `tree.keystr` prints it: `.layers[1].w` (object keys by name, array entries by index). */
export const keystr = (path: readonly (string | number)[]): string =>
  path
    .map((k) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join("");

/** A node being read or built: its children so far and the position of the next one. */
interface Frame {
  readonly node: readonly unknown[] | Record<string, unknown>;
  readonly keys: readonly string[] | null;
  readonly children: TreeDef[];
  i: number;
}

/**
 * Leaves in order (arrays by index, objects by sorted key) and the structure. Read without recursion (any depth); a
 * pytree that contains itself is a TracegradError naming where (`op` names the function it was passed to).
 */
export function flatten(tree: unknown, op = "tree.flatten"): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const stack: Frame[] = [];
  const onPath = new Set<unknown>();
  const open = (t: unknown): TreeDef | undefined => {
    if (t === null || t === undefined) return { kind: "none", value: t };
    const isArray = Array.isArray(t);
    if (!isArray && !isPlainObject(t)) {
      leaves.push(t);
      return LEAF;
    }
    if (onPath.has(t)) {
      throw new TracegradError(
        `${op}: the pytree contains itself (at ${keystr(stack.map(key))}); ` +
          `pytrees must be trees of arrays, objects and leaves`,
      );
    }
    onPath.add(t);
    stack.push({ node: t, keys: isArray ? null : Object.keys(t).sort(), children: [], i: 0 });
    return undefined;
  };
  const root = open(tree);
  if (root) return [leaves, root];
  for (;;) {
    const f = stack[stack.length - 1]!;
    const n = f.keys ? f.keys.length : (f.node as unknown[]).length;
    if (f.i === n) {
      stack.pop();
      onPath.delete(f.node);
      const def: TreeDef = f.keys
        ? { kind: "object", keys: f.keys, children: f.children }
        : { kind: "array", children: f.children };
      if (stack.length === 0) return [leaves, def];
      stack[stack.length - 1]!.children.push(def);
      continue;
    }
    const child = f.keys ? (f.node as Record<string, unknown>)[f.keys[f.i]!] : (f.node as unknown[])[f.i];
    f.i++;
    const d = open(child);
    if (d) f.children.push(d);
  }
}

/** The key of the child a frame is reading (its last one). */
const key = (f: Frame): string | number => (f.keys ? f.keys[f.i - 1]! : f.i - 1);

/** A node of a structure and how it was reached (its parent's visit and its key there), so paths cost nothing. */
interface Visit {
  readonly def: TreeDef;
  readonly parent: Visit | null;
  readonly key: string | number;
}

/** Each node of `def` in flatten order; without recursion. */
function* nodes(def: TreeDef): Generator<Visit> {
  const stack: Visit[] = [{ def, parent: null, key: "" }];
  while (stack.length) {
    const v = stack.pop()!;
    yield v;
    const d = v.def;
    if (d.kind === "array" || d.kind === "object")
      for (let i = d.children.length - 1; i >= 0; i--)
        stack.push({ def: d.children[i]!, parent: v, key: d.kind === "array" ? i : d.keys[i]! });
  }
}

/** The keys from the root to a visited node. */
function pathOf(v: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let u: Visit | null = v; u?.parent; u = u.parent) path.push(u.key);
  return path.reverse();
}

export function numLeaves(def: TreeDef): number {
  let n = 0;
  for (const v of nodes(def)) if (v.def.kind === "leaf") n++;
  return n;
}

/** The path of each leaf, in flatten order (`[0].w` for the `w` of the first argument). */
export function leafPaths(def: TreeDef): string[] {
  const out: string[] = [];
  for (const v of nodes(def)) if (v.def.kind === "leaf") out.push(keystr(pathOf(v)));
  return out;
}

/** Rebuilds a pytree of structure `def` from `leaves`, without recursion. */
export function unflatten<L>(def: TreeDef, leaves: readonly L[]): unknown {
  const n = numLeaves(def);
  if (n !== leaves.length) {
    throw new TracegradError(
      `tree.unflatten: the structure ${treeDefString(def)} has ${n} leaves, got ${leaves.length}`,
    );
  }
  let next = 0;
  const leafOrNone = (d: TreeDef): unknown => (d.kind === "leaf" ? leaves[next++] : (d as { value: unknown }).value);
  if (def.kind === "leaf" || def.kind === "none") return leafOrNone(def);
  type Build = { def: TreeDef & { children: readonly TreeDef[] }; out: unknown[]; i: number };
  const stack: Build[] = [{ def, out: [], i: 0 }];
  for (;;) {
    const b = stack[stack.length - 1]!;
    if (b.i === b.def.children.length) {
      stack.pop();
      const built: unknown =
        b.def.kind === "object" ? Object.fromEntries(b.def.keys.map((k, j) => [k, b.out[j]])) : b.out;
      if (stack.length === 0) return built;
      stack[stack.length - 1]!.out.push(built);
      continue;
    }
    const c = b.def.children[b.i++]!;
    if (c.kind === "array" || c.kind === "object") stack.push({ def: c, out: [], i: 0 });
    else b.out.push(leafOrNone(c));
  }
}

export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  const stack: [TreeDef, TreeDef][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    if (x.kind !== y.kind) return false;
    if (x.kind === "leaf" || x.kind === "none") continue;
    const yc = (y as { children: readonly TreeDef[] }).children;
    if (x.children.length !== yc.length) return false;
    if (x.kind === "object" && (y.kind !== "object" || x.keys.some((k, i) => k !== y.keys[i]))) return false;
    x.children.forEach((c, i) => stack.push([c, yc[i]!]));
  }
  return true;
}

/**
 * Text of a structure, `*` for leaves: `{a: *, b: [*, *]}`; with `exact`, keys are quoted (JSON strings), so the text
 * identifies the structure (jit's cache key).
 */
export function treeDefString(d: TreeDef, exact = false): string {
  const out: string[] = [];
  const stack: (TreeDef | string)[] = [d];
  while (stack.length) {
    const t = stack.pop()!;
    if (typeof t === "string") out.push(t);
    else if (t.kind === "leaf") out.push("*");
    else if (t.kind === "none") out.push(String(t.value));
    else {
      const kids = t.children;
      stack.push(t.kind === "array" ? "]" : "}");
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push(kids[i]!);
        if (t.kind === "object") stack.push(`${exact ? JSON.stringify(t.keys[i]) : t.keys[i]}: `);
        if (i > 0) stack.push(", ");
      }
      stack.push(t.kind === "array" ? "[" : "{");
    }
  }
  return out.join("");
}

/** Applies `fn` leafwise to trees of the same structure as the first (a TracegradError names any mismatch). */
function treeMap<T>(fn: (...leaves: never[]) => unknown, tree: T, ...rest: unknown[]): TensorTree<T> {
  const apply = fn as (...leaves: unknown[]) => unknown;
  const [leaves, def] = flatten(tree, "tree.map");
  const others = rest.map((r, k) => {
    const [l, d] = flatten(r, "tree.map");
    if (!treeDefEqual(def, d)) {
      throw new TracegradError(
        `tree.map: tree ${k + 2} has structure ${treeDefString(d)}, expected ${treeDefString(def)} like the first`,
      );
    }
    return l;
  });
  return unflatten(
    def,
    leaves.map((x, i) => apply(x, ...others.map((o) => o[i]))),
  ) as TensorTree<T>;
}

/**
 * Pytree utilities, as `jax.tree_util`: leaves are visited arrays by index, objects by sorted key.
 * @example tree.leaves({ b: 1, a: [2, 3] }) // [2, 3, 1]
 */
export const tree = {
  /**
   * Applies `fn` leafwise across trees of one structure, e.g. an SGD step `tree.map((p, g) => p.sub(g.mul(0.1)),
   * params, grads)`.
   * @example tree.map((p: Tensor, g: Tensor) => p.sub(g), { w: np.array(3) }, { w: np.array(1) })
   * // { w: Tensor(2, dtype=float32) }
   */
  map: guard<typeof treeMap>("tree.map", [fn("fn"), pytree("tree"), rest(pytree("rest"))], treeMap),
  /** `[leaves, treedef]`. @example tree.flatten([1, { x: 2 }, null])[0] // [1, 2] */
  flatten: guard<(t: unknown) => [unknown[], TreeDef]>("tree.flatten", [pytree("tree")], (t: unknown) =>
    flatten(t, "tree.flatten"),
  ),
  /**
   * Rebuilds a tree of structure `def` from `leaves` (inverse of `flatten`).
   * @example tree.unflatten(tree.structure({ a: [0, 0], b: 0 }), [1, 2, 3]) // { a: [1, 2], b: 3 }
   */
  unflatten: guard<<L>(def: TreeDef, leaves: readonly L[]) => unknown>(
    "tree.unflatten",
    [treedef("treedef"), { ...anything("leaves", "args"), check: leafList }],
    unflatten,
  ),
  /**
   * The leaves in flatten order.
   * @example tree.leaves([np.array(1), { b: 2, a: 3 }]) // [Tensor(1, dtype=float32), 3, 2]
   */
  leaves: guard<(t: unknown) => unknown[]>(
    "tree.leaves",
    [pytree("tree")],
    (t: unknown) => flatten(t, "tree.leaves")[0],
  ),
  /**
   * The structure alone.
   * @example tree.structure([1, 2]) // { kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] }
   */
  structure: guard<(t: unknown) => TreeDef>(
    "tree.structure",
    [pytree("tree")],
    (t: unknown) => flatten(t, "tree.structure")[1],
  ),
};

/** A pytree argument: anything (`flatten` reads it, naming a cycle). */
function pytree(name: string): Param<unknown> {
  return anything(name, "pytree");
}

function leafList(v: unknown, at: At) {
  return Array.isArray(v) ? E.right(v) : fail(at, "an array of leaves", v);
}

/** A structure from `tree.flatten` or `tree.structure`, checked node by node without recursion. */
function treedef(name: string): Param<TreeDef> {
  const kinds = ["leaf", "none", "array", "object"];
  const check = (v: unknown, at: At) => {
    const stack: unknown[] = [v];
    let seen = 0;
    while (stack.length) {
      const d = stack.pop() as Record<string, unknown> | undefined;
      if (++seen > 1e7 || !isPlainObject(d) || !kinds.includes(d.kind as string))
        return fail(at, "a structure from tree.flatten or tree.structure", v);
      if (d.kind === "array" || d.kind === "object") {
        const c = d.children;
        const keysOk = d.kind === "array" || (Array.isArray(d.keys) && d.keys.length === (c as unknown[])?.length);
        if (!Array.isArray(c) || !keysOk) return fail(at, "a structure from tree.flatten or tree.structure", v);
        stack.push(...c);
      }
    }
    return E.right(v as TreeDef);
  };
  return { ...anything(name, "treedef"), check };
}
