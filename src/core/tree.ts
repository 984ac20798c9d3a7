// Pytrees: nested arrays, plain objects and instances of registered classes whose leaves are tensors, numbers or
// booleans.
import * as E from "fp-ts/Either";
import { TracegradError } from "./errors.js";
import { anything, fn } from "./params.js";
import { Tensor } from "./tensor.js";
import {
  type At,
  type Checked,
  describe as describeValue,
  fail,
  guard,
  isPlainObject,
  options,
  type Param,
  rest,
} from "./validate.js";

export { isPlainObject } from "./validate.js";

import type { ArrayLike, NestedNumbers } from "./tensor.js";

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
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] }
  | {
      /** An instance of a class given to `tree.register`: its class, auxiliary data and children's structures. */
      readonly kind: "custom";
      readonly cls: Class;
      readonly aux: unknown;
      readonly children: readonly TreeDef[];
    };

/** A class: what `tree.register` takes and a custom node's structure names. */
export type Class = abstract new (...args: never) => unknown;

/** A key of a path: an object key by name, an array (or registered class's) child by index. */
export type PathKey = string | number;

/** How `tree.register` reads and rebuilds instances of a class. */
export interface NodeRules<T = unknown, A = unknown> {
  /** `[children, auxData]`: the children (an array of subtrees) and the static data needed to rebuild. */
  flatten(obj: T): readonly [readonly unknown[], A];
  /** The instance back from the auxiliary data and the (possibly transformed) children. */
  unflatten(aux: A, children: unknown[]): T;
}

interface Registered {
  readonly rules: NodeRules;
  /** A number identifying the class in jit's cache key (two classes may share a name). */
  readonly id: number;
}

/** Classes whose instances are pytree nodes, keyed by their exact constructor (as JAX keys its registry by type). */
const registry = new Map<unknown, Registered>();

/** The registration of `x`'s class, if `x` is an instance of a registered class (its exact class, not a subclass). */
function registeredOf(x: unknown): Registered | undefined {
  if (registry.size === 0 || x === null || typeof x !== "object") return undefined;
  const proto = Object.getPrototypeOf(x);
  return proto === null ? undefined : registry.get(proto.constructor);
}

/** Whether `x` is a pytree node (array, plain object, or an instance of a registered class), not a leaf. */
export function isNode(x: unknown): boolean {
  return Array.isArray(x) || isPlainObject(x) || registeredOf(x) !== undefined;
}

/**
 * One level of a registered instance: its class, children and auxData (its class's `flatten`, checked); undefined when
 * `x` is not an instance of a registered class.
 */
export function nodeChildren(
  x: unknown,
  op: string,
): { cls: Class; children: readonly unknown[]; aux: unknown } | undefined {
  const r = registeredOf(x);
  if (!r) return undefined;
  const [children, aux] = readCustom(op, x as object, r, () => "");
  return { cls: Object.getPrototypeOf(x).constructor as Class, children, aux };
}

/** A class's name for messages. */
const className = (cls: { readonly name: string }): string => cls.name || "anonymous class";

/** Rebuilds an instance of a registered node from its children (a custom TreeDef's own step of unflatten). */
export function rebuildCustom(def: TreeDef & { kind: "custom" }, children: unknown[]): unknown {
  const r = registry.get(def.cls);
  if (!r)
    throw new TracegradError(`tree.unflatten: the class ${className(def.cls)} is not registered with tree.register`);
  return r.rules.unflatten(def.aux, children);
}

/** Text of auxiliary data: JSON, or an identity for values JSON cannot write (so distinct ones never collide). */
const auxIds = new WeakMap<object, number>();
let nextAuxId = 0;
function auxText(aux: unknown): string {
  if (aux === undefined) return "undefined";
  if (typeof aux === "number" && !Number.isFinite(aux)) return String(aux);
  if (typeof aux === "bigint") return `${aux}n`;
  if (typeof aux === "symbol") return aux.toString();
  try {
    const j = JSON.stringify(aux);
    if (j !== undefined) return j;
  } catch {
    // cyclic or holds a bigint: compared by identity
  }
  if ((typeof aux === "object" && aux !== null) || typeof aux === "function") {
    let id = auxIds.get(aux);
    if (id === undefined) auxIds.set(aux, (id = nextAuxId++));
    return `#${id}`;
  }
  return String(aux);
}

/** Auxiliary data are equal when `===` or when their JSON is (as `tree.register` documents). */
const auxEqual = (a: unknown, b: unknown): boolean => a === b || auxText(a) === auxText(b);

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
            : T extends (...args: never[]) => unknown
              ? T
              : T extends object
                ? SameOr<{ [K in keyof T]: TensorTree<T[K]> }, T>
                : T;

/**
 * `T` itself when `M` (its leaves mapped) is the same type, so a registered class whose fields are already tensors
 * keeps its name (`grad(loss)(layer)` is a `Linear`); `M` otherwise.
 */
type SameOr<M, T> = Same<M, T> extends true ? T : M;

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
  /** For an instance of a registered class: the instance (on the path), its class and its auxiliary data. */
  readonly custom?: { readonly self: object; readonly cls: Class; readonly aux: unknown };
}

/** `x` read by its class's registered `flatten`: its children and auxiliary data, checked. */
function readCustom(op: string, x: object, r: Registered, where: () => string): [readonly unknown[], unknown] {
  const out = r.rules.flatten(x) as unknown;
  const cls = Object.getPrototypeOf(x).constructor as Class;
  if (!Array.isArray(out) || out.length !== 2 || !Array.isArray(out[0])) {
    const got = Array.isArray(out) ? `an array of length ${out.length}` : describeValue(out);
    const kids = Array.isArray(out) && out.length === 2 ? `, whose children are ${describeValue(out[0])}` : "";
    throw new TracegradError(
      `${op}: the flatten registered for ${className(cls)} (at ${where() || "the root"}) must return [children, ` +
        `auxData] with children an array, got ${got}${kids}`,
    );
  }
  return [out[0] as unknown[], out[1]];
}

/**
 * Leaves in order (arrays by index, objects by sorted key) and the structure. Read without recursion (any depth); a
 * pytree that contains itself is a TracegradError naming where (`op` names the function it was passed to).
 */
export function flatten(tree: unknown, op = "tree.flatten", isLeaf?: (node: unknown) => unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const stack: Frame[] = [];
  const onPath = new Set<unknown>();
  const open = (t: unknown): TreeDef | undefined => {
    if (isLeaf?.(t)) {
      leaves.push(t);
      return LEAF;
    }
    if (t === null || t === undefined) return { kind: "none", value: t };
    const isArray = Array.isArray(t);
    const reg = isArray ? undefined : registeredOf(t);
    if (!isArray && !reg && !isPlainObject(t)) {
      leaves.push(t);
      return LEAF;
    }
    if (onPath.has(t)) {
      throw new TracegradError(
        `${op}: the pytree contains itself (at ${keystr(stack.map(key))}); ` +
          `pytrees must be trees of arrays, objects and leaves`,
      );
    }
    if (reg) {
      const [kids, aux] = readCustom(op, t as object, reg, () => keystr(stack.map(key)));
      onPath.add(t);
      const custom = { self: t as object, cls: Object.getPrototypeOf(t).constructor as Class, aux };
      stack.push({ node: kids, keys: null, children: [], i: 0, custom });
      return undefined;
    }
    onPath.add(t);
    stack.push({
      node: t as Record<string, unknown>,
      keys: isArray ? null : Object.keys(t).sort(),
      children: [],
      i: 0,
    });
    return undefined;
  };
  const root = open(tree);
  if (root) return [leaves, root];
  for (;;) {
    const f = stack[stack.length - 1]!;
    const n = f.keys ? f.keys.length : (f.node as unknown[]).length;
    if (f.i === n) {
      stack.pop();
      onPath.delete(f.custom ? f.custom.self : f.node);
      const def: TreeDef = f.custom
        ? { kind: "custom", cls: f.custom.cls, aux: f.custom.aux, children: f.children }
        : f.keys
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
    if (d.kind === "array" || d.kind === "object" || d.kind === "custom")
      for (let i = d.children.length - 1; i >= 0; i--)
        stack.push({ def: d.children[i]!, parent: v, key: d.kind === "object" ? d.keys[i]! : i });
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
        b.def.kind === "object"
          ? Object.fromEntries(b.def.keys.map((k, j) => [k, b.out[j]]))
          : b.def.kind === "custom"
            ? rebuildCustom(b.def, b.out)
            : b.out;
      if (stack.length === 0) return built;
      stack[stack.length - 1]!.out.push(built);
      continue;
    }
    const c = b.def.children[b.i++]!;
    if (c.kind === "array" || c.kind === "object" || c.kind === "custom") stack.push({ def: c, out: [], i: 0 });
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
    if (x.kind === "custom" && (y.kind !== "custom" || x.cls !== y.cls || !auxEqual(x.aux, y.aux))) return false;
    x.children.forEach((c, i) => stack.push([c, yc[i]!]));
  }
  return true;
}

/**
 * Text of a structure, `*` for leaves: `{a: *, b: [*, *]}`, `Linear<"fc1">(*, *)` for a registered class with its
 * auxiliary data; with `exact`, keys are quoted (JSON strings) and classes numbered, so the text identifies the
 * structure (jit's cache key, so jit retraces when auxiliary data change).
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
      const [open, close] = t.kind === "array" ? ["[", "]"] : t.kind === "object" ? ["{", "}"] : ["(", ")"];
      stack.push(close);
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push(kids[i]!);
        if (t.kind === "object") stack.push(`${exact ? JSON.stringify(t.keys[i]) : t.keys[i]}: `);
        if (i > 0) stack.push(", ");
      }
      stack.push(open);
      if (t.kind === "custom") {
        const aux = auxText(t.aux);
        const shown = exact || aux.length <= 40 ? aux : `${aux.slice(0, 40)}…`;
        const id = exact ? `#${registry.get(t.cls)?.id ?? "?"}` : "";
        stack.push(`${className(t.cls)}${id}${t.aux === undefined && !exact ? "" : `<${shown}>`}`);
      }
    }
  }
  return out.join("");
}

/** `isLeaf(node)`: a truthy result makes the node a leaf, as JAX's `is_leaf`. */
export type IsLeaf = (node: unknown) => unknown;

/**
 * The trees of `tree.map(fn, tree, ...rest, { isLeaf })` and the `isLeaf` option: a last argument that is a plain
 * object whose only key is `isLeaf` is the options object (any other object is a tree).
 */
function splitOptions(op: string, rest: readonly unknown[]): [unknown[], IsLeaf | undefined] {
  const last = rest[rest.length - 1];
  if (rest.length === 0 || !isPlainObject(last)) return [[...rest], undefined];
  const keys = Object.keys(last);
  if (keys.length !== 1 || keys[0] !== "isLeaf") return [[...rest], undefined];
  const isLeaf = last.isLeaf;
  if (isLeaf !== undefined && typeof isLeaf !== "function")
    throw new TracegradError(`${op}: option isLeaf must be a function (node) => boolean, got ${describeValue(isLeaf)}`);
  return [rest.slice(0, -1), isLeaf as IsLeaf | undefined];
}

/** Leaves of the first tree and of the others, which must have its structure (a TracegradError names a mismatch). */
function flattenAll(op: string, tree: unknown, rest: readonly unknown[], isLeaf?: IsLeaf) {
  const [leaves, def] = flatten(tree, op, isLeaf);
  const others = rest.map((r, k) => {
    const [l, d] = flatten(r, op, isLeaf);
    if (!treeDefEqual(def, d)) {
      throw new TracegradError(
        `${op}: tree ${k + 2} has structure ${treeDefString(d)}, expected ${treeDefString(def)} like the first`,
      );
    }
    return l;
  });
  return { leaves, def, others };
}

/** Applies `fn` leafwise to trees of the same structure as the first (a TracegradError names any mismatch). */
function treeMap<T>(fn: (...leaves: never[]) => unknown, tree: T, ...rest0: unknown[]): TensorTree<T> {
  const apply = fn as (...leaves: unknown[]) => unknown;
  const [rest, isLeaf] = splitOptions("tree.map", rest0);
  const { leaves, def, others } = flattenAll("tree.map", tree, rest, isLeaf);
  return unflatten(
    def,
    leaves.map((x, i) => apply(x, ...others.map((o) => o[i]))),
  ) as TensorTree<T>;
}

/** The path of each leaf of `def` as keys (flatten order). */
function leafKeyPaths(def: TreeDef): PathKey[][] {
  const out: PathKey[][] = [];
  for (const v of nodes(def)) if (v.def.kind === "leaf") out.push(pathOf(v));
  return out;
}

function mapWithPath<T>(fn: (path: PathKey[], ...leaves: never[]) => unknown, tree: T, ...rest0: unknown[]) {
  const apply = fn as (path: PathKey[], ...leaves: unknown[]) => unknown;
  const [rest, isLeaf] = splitOptions("tree.mapWithPath", rest0);
  const { leaves, def, others } = flattenAll("tree.mapWithPath", tree, rest, isLeaf);
  const paths = leafKeyPaths(def);
  return unflatten(
    def,
    leaves.map((x, i) => apply(paths[i]!, x, ...others.map((o) => o[i]))),
  ) as TensorTree<T>;
}

function leavesWithPath(t: unknown, opts: { isLeaf?: IsLeaf } = {}): [PathKey[], unknown][] {
  const [leaves, def] = flatten(t, "tree.leavesWithPath", opts.isLeaf);
  const paths = leafKeyPaths(def);
  return leaves.map((l, i) => [paths[i]!, l]);
}

/** `fn` folded over the leaves from `initial`, or from the first leaf when `initial` is undefined. */
function reduce(fn: (acc: never, leaf: never) => unknown, t: unknown, initial?: unknown): unknown {
  const step = fn as (acc: unknown, leaf: unknown) => unknown;
  const leaves = flatten(t, "tree.reduce")[0];
  const given = initial !== undefined;
  if (!given && leaves.length === 0)
    throw new TracegradError(
      "tree.reduce: the tree has no leaves and no initial value was given; pass an initial value",
    );
  let acc = given ? initial : leaves[0];
  for (let i = given ? 0 : 1; i < leaves.length; i++) acc = step(acc, leaves[i]);
  return acc;
}

/** `outer` with each leaf replaced by `inner` (JAX's `treedef.compose`); without recursion. */
function compose(outer: TreeDef, inner: TreeDef): TreeDef {
  if (outer.kind === "leaf") return inner;
  if (outer.kind === "none") return outer;
  type Build = { def: TreeDef & { children: readonly TreeDef[] }; out: TreeDef[] };
  const stack: Build[] = [{ def: outer, out: [] }];
  for (;;) {
    const b = stack[stack.length - 1]!;
    if (b.out.length === b.def.children.length) {
      stack.pop();
      const built = { ...b.def, children: b.out } as TreeDef;
      if (stack.length === 0) return built;
      stack[stack.length - 1]!.out.push(built);
      continue;
    }
    const c = b.def.children[b.out.length]!;
    if (c.kind === "leaf") b.out.push(inner);
    else if (c.kind === "none") b.out.push(c);
    else stack.push({ def: c, out: [] });
  }
}

/** A structure argument of `tree.transpose`: a TreeDef, or an example tree whose structure it is. */
function structureArg(v: unknown): TreeDef {
  return E.isRight(treedefCheck(v, { fn: "tree.transpose", arg: "outer" }))
    ? (v as TreeDef)
    : flatten(v, "tree.transpose")[1];
}

function transpose(outer0: unknown, inner0: unknown, t: unknown): unknown {
  const outer = structureArg(outer0);
  const inner = structureArg(inner0);
  const [flat, def] = flatten(t, "tree.transpose");
  const expected = compose(outer, inner);
  if (!treeDefEqual(def, expected)) {
    throw new TracegradError(
      `tree.transpose: the tree has structure ${treeDefString(def)}, but outer ${treeDefString(outer)} of inner ` +
        `${treeDefString(inner)} is ${treeDefString(expected)}`,
    );
  }
  const no = numLeaves(outer);
  const ni = numLeaves(inner);
  // flat holds outer × inner leaves, outer-major: regroup them inner-major
  const perInner = Array.from({ length: ni }, (_, j) =>
    unflatten(
      outer,
      Array.from({ length: no }, (_, i) => flat[i * ni + j]),
    ),
  );
  return unflatten(inner, perInner);
}

/** Python's truthiness of a leaf, as JAX's `tree_all` reads it (a tensor must hold one element). */
function truthy(x: unknown, path: () => string): boolean {
  if (x instanceof Tensor) {
    if (x.size !== 1) {
      throw new TracegradError(
        `tree.all: the leaf at ${path() || "the root"} is a tensor of shape ${x.aval.toString()}, whose truth value ` +
          `is ambiguous; reduce it first (np.all(x) or x.all())`,
      );
    }
    const v = x.item() as unknown;
    return typeof v === "number" ? v !== 0 : Boolean(v);
  }
  return typeof x === "number" ? x !== 0 : Boolean(x);
}

function all(t: unknown): boolean {
  const [leaves, def] = flatten(t, "tree.all");
  let paths: string[] | undefined;
  return leaves.every((l, i) => truthy(l, () => (paths ??= leafPaths(def))[i]!));
}

/** Classes that cannot be registered: containers that are nodes already, and leaves. */
const UNREGISTRABLE = new Set<unknown>([Object, Array, Function, Tensor]);

function register<C extends Class>(cls: C, rules: NodeRules): C {
  if (UNREGISTRABLE.has(cls) || cls.prototype instanceof Tensor) {
    const why = (cls as unknown) === Object || (cls as unknown) === Array ? "are pytree nodes already" : "are leaves";
    throw new TracegradError(`tree.register: ${className(cls)} cannot be registered (its instances ${why})`);
  }
  if (registry.has(cls)) throw new TracegradError(`tree.register: ${className(cls)} is already registered`);
  registry.set(cls, { rules: { flatten: rules.flatten, unflatten: rules.unflatten }, id: registry.size });
  return cls;
}

/**
 * Pytree utilities, as `jax.tree_util`: leaves are visited arrays by index, objects by sorted key, instances of
 * registered classes (`tree.register`) by their `flatten`.
 * @example tree.leaves({ b: 1, a: [2, 3] }) // [2, 3, 1]
 */
export const tree = {
  /**
   * Applies `fn` leafwise across trees of one structure, e.g. an SGD step `tree.map((p, g) => p.sub(g.mul(0.1)),
   * params, grads)`. A last argument `{ isLeaf }` (an object with that key alone) is options: `isLeaf(node)` truthy
   * makes a subtree a leaf (in every tree).
   * @example tree.map((p: Tensor, g: Tensor) => p.sub(g), { w: np.array(3) }, { w: np.array(1) })
   * // { w: Tensor(2, dtype=float32) }
   */
  map: guard<typeof treeMap>("tree.map", [fn("fn"), pytree("tree"), rest(pytree("rest"))], treeMap),
  /**
   * `[leaves, treedef]`; `isLeaf(node)` truthy makes a subtree a leaf.
   * @example tree.flatten([1, { x: 2 }, null])[0] // [1, 2]
   */
  flatten: guard<(t: unknown, opts?: { isLeaf?: IsLeaf }) => [unknown[], TreeDef]>(
    "tree.flatten",
    [pytree("tree"), leafOptions()],
    (t: unknown, o: { isLeaf?: IsLeaf }) => flatten(t, "tree.flatten", o.isLeaf),
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
  leaves: guard<(t: unknown, opts?: { isLeaf?: IsLeaf }) => unknown[]>(
    "tree.leaves",
    [pytree("tree"), leafOptions()],
    (t: unknown, o: { isLeaf?: IsLeaf }) => flatten(t, "tree.leaves", o.isLeaf)[0],
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
  /**
   * Folds `fn(acc, leaf)` over the leaves in flatten order, from `initial` (JAX's `tree_reduce`); without `initial`,
   * from the first leaf (an empty tree is then a TracegradError).
   * @example tree.reduce((a: number, b: number) => a + b, { x: 1, y: [2, 3] }, 0) // 6
   */
  reduce: guard<<A, L = never>(fn: (acc: A, leaf: L) => A, tree: unknown, initial?: A) => A>(
    "tree.reduce",
    [fn("fn"), pytree("tree"), { ...anything("initial", "pytree"), optional: true }],
    reduce,
  ),
  /**
   * `[path, leaf]` per leaf; a path is the keys from the root (object keys, array and registered-class indices).
   * @example tree.leavesWithPath({ a: [5] }) // [[["a", 0], 5]]
   */
  leavesWithPath: guard<(t: unknown, opts?: { isLeaf?: IsLeaf }) => [PathKey[], unknown][]>(
    "tree.leavesWithPath",
    [pytree("tree"), leafOptions()],
    leavesWithPath,
  ),
  /**
   * `tree.map` whose `fn` also receives each leaf's path first: `fn(path, leaf, ...restLeaves)`.
   * @example tree.mapWithPath((p, x: number) => `${tree.keystr(p)}=${x}`, { a: [5] }) // { a: [".a[0]=5"] }
   */
  mapWithPath: guard<typeof mapWithPath>(
    "tree.mapWithPath",
    [fn("fn"), pytree("tree"), rest(pytree("rest"))],
    mapWithPath,
  ),
  /** A path as text. @example tree.keystr(["layers", 1, "w"]) // ".layers[1].w" */
  keystr: guard<(path: readonly PathKey[]) => string>("tree.keystr", [pathParam("path")], keystr),
  /**
   * A tree of structure `outer` of `inner` (each given as a TreeDef or an example tree) as `inner` of `outer` (JAX's
   * `tree_transpose`).
   * @example tree.transpose([0, 0], { a: 0, b: 0 }, [{ a: 1, b: 2 }, { a: 3, b: 4 }]) // { a: [1, 3], b: [2, 4] }
   */
  transpose: guard<(outer: unknown, inner: unknown, tree: unknown) => unknown>(
    "tree.transpose",
    [pytree("outer"), pytree("inner"), pytree("tree")],
    transpose,
  ),
  /**
   * Whether every leaf is truthy (JAX's `tree_all`); a tensor leaf must have one element (reduce larger ones first).
   * @example tree.all([true, { a: np.array(1) }]) // true
   */
  all: guard<(t: unknown) => boolean>("tree.all", [pytree("tree")], all),
  /**
   * Makes instances of `cls` pytree nodes under every function and transform: `flatten(obj) => [children, auxData]`,
   * `unflatten(auxData, children) => obj`. Instances are recognised by their exact class (`Object.getPrototypeOf(x)
   * .constructor === cls`; a subclass must be registered itself), as JAX's registry is keyed by type. `auxData` is
   * static: structures are equal when their auxData are `===` or have the same JSON, and jit retraces when it changes.
   * Registering a class twice is an error. Returns `cls`.
   * @example tree.register(Linear, {
   *   flatten: (l) => [[l.w, l.b], l.name],
   *   unflatten: (name, [w, b]) => new Linear(w as Tensor, b as Tensor, name),
   * })
   */
  register: guard<
    // biome-ignore lint/suspicious/noExplicitAny: auxData is whatever the user's flatten returns
    <C extends abstract new (...args: any[]) => unknown>(cls: C, rules: NodeRules<InstanceType<C>, any>) => C
  >("tree.register", [classParam("cls"), rulesParam()], register),
};

/** The `{ isLeaf }` options of flatten and leaves. */
function leafOptions() {
  return options({ isLeaf: fn("isLeaf") });
}

/** A path: an array of object keys (strings) and indices (numbers). */
function pathParam(name: string): Param<PathKey[]> {
  const check = (v: unknown, at: At) =>
    Array.isArray(v) && v.every((k) => typeof k === "string" || typeof k === "number")
      ? E.right(v as PathKey[])
      : fail(at, "an array of keys (strings) and indices (numbers)", v);
  return { ...anything(name, "ints"), check };
}

/** A class (a function with a prototype, as `class` and `function` declarations have). */
function classParam(name: string): Param<Class> {
  const check = (v: unknown, at: At) =>
    typeof v === "function" && typeof (v as { prototype?: unknown }).prototype === "object"
      ? E.right(v as Class)
      : fail(at, "a class", v);
  return { ...anything(name, "fn"), check };
}

/** `{ flatten, unflatten }`, both functions. */
function rulesParam(): Param<NodeRules> {
  const o = options({ flatten: fn("flatten"), unflatten: fn("unflatten") });
  const check = (v: unknown, at: At): Checked<NodeRules> => {
    const r = o.check(v, at);
    if (E.isLeft(r)) return r;
    if (typeof r.right.flatten !== "function" || typeof r.right.unflatten !== "function")
      return fail(at, "an object { flatten(obj) => [children, auxData], unflatten(auxData, children) => obj }", v);
    return E.right(r.right as unknown as NodeRules);
  };
  return { ...o, name: "rules", optional: false, check };
}

/** A pytree argument: anything (`flatten` reads it, naming a cycle). */
function pytree(name: string): Param<unknown> {
  return anything(name, "pytree");
}

function leafList(v: unknown, at: At) {
  return Array.isArray(v) ? E.right(v) : fail(at, "an array of leaves", v);
}

/** A structure from `tree.flatten` or `tree.structure`, checked node by node without recursion. */
function treedef(name: string): Param<TreeDef> {
  return { ...anything(name, "treedef"), check: treedefCheck };
}

const KINDS = ["leaf", "none", "array", "object", "custom"];

/** Whether `v` is a structure (a custom node's class must be registered), node by node without recursion. */
function treedefCheck(v: unknown, at: At): Checked<TreeDef> {
  const stack: unknown[] = [v];
  let seen = 0;
  while (stack.length) {
    const d = stack.pop() as Record<string, unknown> | undefined;
    if (++seen > 1e7 || !isPlainObject(d) || !KINDS.includes(d.kind as string))
      return fail(at, "a structure from tree.flatten or tree.structure", v);
    if (d.kind === "array" || d.kind === "object" || d.kind === "custom") {
      const c = d.children;
      const keysOk =
        d.kind === "array" ||
        (d.kind === "object" && Array.isArray(d.keys) && d.keys.length === (c as unknown[])?.length) ||
        (d.kind === "custom" && typeof d.cls === "function" && registry.has(d.cls));
      if (!Array.isArray(c) || !keysOk) return fail(at, "a structure from tree.flatten or tree.structure", v);
      for (const x of c) stack.push(x);
    }
  }
  return E.right(v as TreeDef);
}
