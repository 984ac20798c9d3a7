// Pytrees: nested arrays and plain objects whose leaves are tensors, numbers or booleans.
import { TracegradError } from "./errors.js";
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

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Leaves in order (arrays by index, objects by sorted key) and the structure. */
export function flatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  // Iterative-enough: pytrees are shallow; recursion depth is the nesting depth, not the leaf count.
  const rec = (t: unknown): TreeDef => {
    if (t === null || t === undefined) return { kind: "none", value: t };
    if (Array.isArray(t)) return { kind: "array", children: t.map(rec) };
    if (isPlainObject(t)) {
      const keys = Object.keys(t).sort();
      return { kind: "object", keys, children: keys.map((k) => rec(t[k])) };
    }
    leaves.push(t);
    return LEAF;
  };
  const def = rec(tree);
  return [leaves, def];
}

export function numLeaves(def: TreeDef): number {
  switch (def.kind) {
    case "leaf":
      return 1;
    case "none":
      return 0;
    default:
      return def.children.reduce((a, c) => a + numLeaves(c), 0);
  }
}

/** Rebuilds a pytree of structure `def` from `leaves`. */
export function unflatten<L>(def: TreeDef, leaves: readonly L[]): unknown {
  const n = numLeaves(def);
  if (n !== leaves.length) {
    throw new TracegradError(
      `tree.unflatten: the structure ${treeDefString(def)} has ${n} leaves, got ${leaves.length}`,
    );
  }
  let i = 0;
  const rec = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        return leaves[i++];
      case "none":
        return d.value;
      case "array":
        return d.children.map(rec);
      case "object": {
        const o: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (o[k] = rec(d.children[j]!)));
        return o;
      }
    }
  };
  return rec(def);
}

export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "leaf") return true;
  if (a.kind === "none") return true;
  const bc = (b as { children: readonly TreeDef[] }).children;
  if (a.children.length !== bc.length) return false;
  if (a.kind === "object" && (b.kind !== "object" || a.keys.some((k, i) => k !== b.keys[i]))) return false;
  return a.children.every((c, i) => treeDefEqual(c, bc[i]!));
}

/** Text of a structure, `*` for leaves: `{a: *, b: [*, *]}`. */
export function treeDefString(d: TreeDef): string {
  switch (d.kind) {
    case "leaf":
      return "*";
    case "none":
      return String(d.value);
    case "array":
      return `[${d.children.map(treeDefString).join(", ")}]`;
    case "object":
      return `{${d.keys.map((k, i) => `${k}: ${treeDefString(d.children[i]!)}`).join(", ")}}`;
  }
}

/** Applies `fn` leafwise to trees of the same structure as the first (a TracegradError names any mismatch). */
function treeMap<T>(fn: (...leaves: never[]) => unknown, tree: T, ...rest: unknown[]): TensorTree<T> {
  const apply = fn as (...leaves: unknown[]) => unknown;
  const [leaves, def] = flatten(tree);
  const others = rest.map((r, k) => {
    const [l, d] = flatten(r);
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
  map: treeMap,
  /** `[leaves, treedef]`. @example tree.flatten([1, { x: 2 }, null])[0] // [1, 2] */
  flatten: (t: unknown): [unknown[], TreeDef] => flatten(t),
  /**
   * Rebuilds a tree of structure `def` from `leaves` (inverse of `flatten`).
   * @example tree.unflatten(tree.structure({ a: [0, 0], b: 0 }), [1, 2, 3]) // { a: [1, 2], b: 3 }
   */
  unflatten: <L>(def: TreeDef, leaves: readonly L[]): unknown => unflatten(def, leaves),
  /**
   * The leaves in flatten order.
   * @example tree.leaves([np.array(1), { b: 2, a: 3 }]) // [Tensor(1, dtype=float32), 3, 2]
   */
  leaves: (t: unknown): unknown[] => flatten(t)[0],
  /**
   * The structure alone.
   * @example tree.structure([1, 2]) // { kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] }
   */
  structure: (t: unknown): TreeDef => flatten(t)[1],
};
