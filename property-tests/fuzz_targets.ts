// What the fuzz suite calls: every function-valued export (namespaces walked), Tensor methods and at-updates.
import { type Param, signatureOf } from "../src/core/validate.js";
import * as tg from "../src/index.js";
import { grad, jit, lax, nn, np, stopGradient, tree, vmap } from "../src/index.js";
import { tensorOps } from "../src/numpy/index.js";
import { deepArray, selfAfterOne, selfTwice, USER_FNS } from "./fuzz_values.js";

type Fn = (...args: unknown[]) => unknown;

/** One public function as the suite calls it. */
export interface Target {
  /** As users write it: `np.sum`, `grad`, `Tensor.sum`, `Tensor.at(…).set`. */
  readonly name: string;
  readonly call: Fn;
  /** Its argument slots, from its signature; undefined while it has none. */
  readonly params: readonly Param[] | undefined;
  /** Leading slots that always get valid values (a method's tensor, an at-update's index). */
  readonly fixed: number;
  /** How many arguments all-junk calls pass when there is no signature. */
  readonly arity: number;
}

/** Tensor methods that take no arguments and forward to nothing (they need no signature). */
export const ARGLESS_METHODS: readonly string[] = ["toArray", "item", "toTypedArray", "toString"];

const isClass = (f: unknown): boolean =>
  typeof f === "function" && /^class\b/.test(Function.prototype.toString.call(f));
const isNamespace = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/** Every function reachable from the exports (classes, such as Tensor and the error types, are not functions here). */
function exportedFunctions(): [string, Fn][] {
  const out: [string, Fn][] = [];
  const walk = (prefix: string, ns: Record<string, unknown>, depth: number) => {
    for (const [k, v] of Object.entries(ns)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (typeof v === "function" && !isClass(v)) out.push([name, v as Fn]);
      else if (isNamespace(v) && depth < 4) walk(name, v, depth + 1);
    }
  };
  walk("", tg as unknown as Record<string, unknown>, 0);
  return out;
}

const paramsOf = (f: unknown): readonly Param[] | undefined => signatureOf(f)?.params;

/** The receiver slot of methods: always a valid tensor. */
const receiver: Param = {
  name: "this",
  kind: "tensor",
  optional: false,
  rest: false,
  check: () => {
    throw new Error("the receiver slot is never checked here");
  },
};

/** Tensor's public methods: each called on a tensor, with its signature from the op it forwards to. */
function methodTargets(): Target[] {
  const proto = tg.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tensorOps as unknown as Record<string, unknown>;
  const out: Target[] = [];
  for (const m of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, m);
    if (m === "constructor" || m.startsWith("_") || typeof d?.value !== "function") continue;
    const call: Fn = (self, ...args) => (proto[m] as Fn).apply(self, args);
    const own = paramsOf(ops[m]);
    const params = ARGLESS_METHODS.includes(m) ? [receiver] : own && [receiver, ...own.slice(1)];
    out.push({ name: `Tensor.${m}`, call, params, fixed: 1, arity: 2 });
  }
  return out;
}

/** `x.at(idx).set(v)`, `.add(v)`, `.mul(v)`. */
function atTargets(): Target[] {
  const sample = tg.np.zeros([2]).at(0) as unknown as Record<string, unknown>;
  const index: Param = { ...receiver, name: "idx", kind: "index" };
  return Object.keys(sample)
    .filter((k) => typeof sample[k] === "function")
    .map((k) => {
      const own = paramsOf(sample[k]);
      const call: Fn = (self, idx, ...args) =>
        ((self as tg.Tensor).at(idx as tg.Index) as unknown as Record<string, Fn>)[k]!(...args);
      return { name: `Tensor.at(…).${k}`, call, params: own && [receiver, index, ...own], fixed: 2, arity: 3 };
    });
}

/** Every public function the suite fuzzes, in a stable order. */
export function targets(): Target[] {
  const fns = exportedFunctions().map(([name, f]): Target => {
    const params = paramsOf(f);
    return { name, call: f, params, fixed: 0, arity: Math.max(1, f.length) };
  });
  return [...fns, ...methodTargets(), ...atTargets()];
}

/** Junk as an argument of any type (the calls below bypass the static types on purpose). */
const untyped = (v: unknown): never => v as never;

/** Calls that would hang or exhaust memory without the boundary checks (each gets its own time limit). */
export const HANG_CANDIDATES: readonly (readonly [string, () => unknown])[] = [
  ["np.arange(0, 1e10)", () => np.arange(0, 1e10)],
  ["np.arange(1e10)", () => np.arange(1e10)],
  ["np.arange(0, 1, Number.MIN_VALUE)", () => np.arange(0, 1, Number.MIN_VALUE)],
  ["np.zeros([1e10])", () => np.zeros([1e10])],
  ["np.zeros(1e10)", () => np.zeros(1e10)],
  ["np.ones([2**31])", () => np.ones([2 ** 31])],
  ["np.zeros([65536, 65536])", () => np.zeros([65536, 65536])],
  ["np.full([2**53], 1)", () => np.full([2 ** 53], 1)],
  ["np.linspace(0, 1, 1e10)", () => np.linspace(0, 1, 1e10)],
  ["np.eye(1e10)", () => np.eye(1e10)],
  ["np.eye(100000)", () => np.eye(100_000)],
  ["np.broadcastTo(1, [1e10])", () => np.broadcastTo(1, [1e10])],
  ["np.reshape(np.ones([2]), [1e10, -1])", () => np.reshape(np.ones([2]), [1e10, -1])],
  ["np.arange(3).slice([0, 3, 1e-300])", () => np.arange(3).slice([0, 3, 1e-300])],
  ["np.arange(3).slice([0, 2**53, 1])", () => np.arange(3).slice([0, 2 ** 53, 1])],
  ["nn.oneHot([0], 1e10)", () => nn.oneHot([0], 1e10)],
  ["lax.iota('int32', [1e10])", () => lax.iota("int32", [1e10])],
  ["lax.broadcastInDim(np.array(1), [1e10], [])", () => lax.broadcastInDim(np.array(1), [1e10], [])],
  ["lax.pad(np.ones([1]), np.array(0), [[1e10, 0, 0]])", () => lax.pad(np.ones([1]), np.array(0), [[1e10, 0, 0]])],
  ["np.array(an array nested 20,000 deep)", () => np.array(untyped(deepArray(20_000)))],
  ["np.array(c.push(c, c))", () => np.array(untyped(selfTwice()))],
  ["np.array(c.push(1, c))", () => np.array(untyped(selfAfterOne()))],
  ["np.sum(c.push(c, c))", () => np.sum(untyped(selfTwice()))],
  ["np.add(an array nested 20,000 deep, 1)", () => np.add(untyped(deepArray(20_000)), 1)],
  ["tree.flatten(c.push(c, c))", () => tree.flatten(untyped(selfTwice()))],
  ["tree.leaves(an array nested 20,000 deep)", () => tree.leaves(untyped(deepArray(20_000)))],
  ["tree.map(f, c.push(1, c))", () => tree.map(USER_FNS.sumOfSquares, untyped(selfAfterOne()))],
  ["stopGradient(c.push(c, c))", () => stopGradient(untyped(selfTwice()))],
  ["grad(f)(c.push(1, c))", () => grad(USER_FNS.sumOfSquares)(untyped(selfAfterOne()))],
  ["grad(f)(an array nested 20,000 deep)", () => grad(USER_FNS.sumOfSquares)(untyped(deepArray(20_000)))],
  ["vmap(f)(c.push(c, c))", () => vmap(USER_FNS.sumOfSquares)(untyped(selfTwice()))],
  ["jit(f)(an array nested 20,000 deep)", () => jit(USER_FNS.sumOfSquares)(untyped(deepArray(20_000)))],
  ["jit(f, { cacheSize: 1e10 })(1)", () => jit(USER_FNS.sumOfSquares, { cacheSize: 1e10 })(1)],
];
