// The public boundary: every exported function checks its arguments with validators composed per signature (fp-ts
// Either), before it computes. A signature is data: the fuzz suite reads it to put junk into every slot.
export type { At, Checked } from "./checked.js";

import * as E from "fp-ts/Either";
import type { At, Checked } from "./checked.js";
import { TracegradError } from "./errors.js";
import { Tensor } from "./tensor.js";

/** An object literal (or `Object.create(null)`): a pytree node, or an options object. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/**
 * What an argument slot holds. The fuzz suite makes valid values and junk from the kind; an `options` slot lists its
 * fields, and may take its first field positionally (NumPy's `np.sum(x, 0)`).
 */
export type Kind =
  | "array"
  | "arrays"
  | "tensor"
  | "shape"
  | "newShape"
  | "axis"
  | "axes"
  | "ints"
  | "int"
  | "count"
  | "number"
  | "scalar"
  | "dtype"
  | "bool"
  | "index"
  | "fn"
  | "pytree"
  | "args"
  | "treedef"
  | "jaxpr"
  | "choice"
  | "padConfig"
  | "dimensionNumbers"
  | "key"
  | "seed"
  | "options";

/** One argument slot of a public function. */
export interface Param<A = unknown> {
  readonly name: string;
  readonly kind: Kind;
  /** May be left out (undefined). */
  readonly optional: boolean;
  /** Takes all remaining arguments, each checked by `check`. */
  readonly rest: boolean;
  /** An options slot's fields, and the one that may be given positionally. */
  readonly fields?: Readonly<Record<string, Param>>;
  readonly positional?: string;
  /** The values a `choice` slot accepts. */
  readonly choices?: readonly unknown[];
  check(v: unknown, at: At): Checked<A>;
}

/** A public function's name and argument slots; kept for every guarded function (see `signatureOf`). */
export interface Signature {
  readonly name: string;
  readonly params: readonly Param[];
  /** What runs on the checked arguments (so a method can check the same slots under its own name). */
  readonly impl: (...args: never[]) => unknown;
  readonly prepare?: (args: unknown[]) => unknown[];
}

/** Text for a value in a message: `the string "abc"`, `a Date`, `a tensor f32[2,3]`, `an array of length 3`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  switch (typeof v) {
    case "number":
      return `the number ${Object.is(v, -0) ? "-0" : v}`;
    case "string":
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case "boolean":
      return `the boolean ${v}`;
    case "bigint":
      return `the bigint ${v}n`;
    case "symbol":
      return "a symbol";
    case "function":
      return v.name ? `the function ${v.name}` : "a function";
  }
  if (v instanceof Tensor) return `a tensor ${v.aval.toString()}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}${"length" in v ? ` of length ${v.length}` : ""}`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    return keys.length === 0
      ? "an empty object"
      : `an object with keys {${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}}`;
  }
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor ? `a ${ctor}` : "an object";
}

/** The value of a Right; throws the error of a Left. */
export function unwrap<A>(r: Checked<A>): A {
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

type ErrorClass = new (message: string) => TracegradError;

/** A Left saying that `at` must be `expected`, and what it got. */
export function fail<A = never>(at: At, expected: string, v: unknown, cls: ErrorClass = TracegradError): Checked<A> {
  return E.left(new cls(`${at.fn}: ${at.arg} must be ${expected}, got ${describe(v)}`));
}

/** The same slot, optional: `undefined` passes (as `undefined`); `dflt` replaces it when given. */
export function optional<A>(p: Param<A>, dflt?: A): Param<A | undefined> {
  return {
    ...p,
    optional: true,
    check: (v, at) => (v === undefined ? E.right(dflt) : p.check(v, at)),
  };
}

/** The slot takes every remaining argument. */
export const rest = <A>(p: Param<A>): Param<A> => ({ ...p, rest: true });

/** Also accepts `null`, as `undefined` (NumPy's `axis=None`). */
export const orNull = <A>(p: Param<A>): Param<A | undefined> => ({
  ...p,
  check: (v, at) => (v === null ? E.right(undefined) : p.check(v, at)),
});

/** Also accepts `null`, kept as `null` (where it means something of its own, as `concatenate`'s flattening). */
export const nullable = <A>(p: Param<A>): Param<A | null> => ({
  ...p,
  check: (v, at) => (v === null ? E.right(null) : p.check(v, at)),
});

/**
 * A trailing options object with these fields; unknown names and wrong types are errors. When `positional` names a
 * field, a value that is not a plain object is that field given positionally (`np.sum(x, 0)`, `np.zeros(s, "int32")`).
 */
export function options<F extends Record<string, Param>>(
  fields: F,
  positional?: keyof F & string,
): Param<{ [K in keyof F]?: F[K] extends Param<infer A> ? A : never }> {
  const names = Object.keys(fields);
  type Out = { [K in keyof F]?: F[K] extends Param<infer A> ? A : never };
  const checks: Record<string, Param["check"]> = Object.fromEntries(names.map((n) => [n, optional(fields[n]!).check]));
  // the places of each field, per function this options slot belongs to (built once, not per call)
  const places = new Map<string, Record<string, At>>();
  const placesOf = (fn: string) => {
    let m = places.get(fn);
    if (!m) places.set(fn, (m = Object.fromEntries(names.map((n) => [n, { fn, arg: n }]))));
    return m;
  };
  const check = (v: unknown, at: At): Checked<Out> => {
    if (v === undefined) return E.right({});
    if (!isPlainObject(v)) {
      const object = `an options object {${names.map((n) => `${n}?`).join(", ")}}`;
      if (positional === undefined) return fail(at, object, v);
      const r = fields[positional]!.check(v, placesOf(at.fn)[positional]!);
      if (E.isRight(r)) return E.right((r.right === undefined ? {} : { [positional]: r.right }) as Out);
      return E.left(new (r.left.constructor as ErrorClass)(`${r.left.message}; or pass ${object}`));
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const f = checks[k];
      if (!f) {
        const near = names.find((n) => n.toLowerCase() === k.toLowerCase());
        return E.left(
          new TracegradError(
            `${at.fn}: unknown option ${JSON.stringify(k)}${near ? ` (did you mean "${near}"?)` : ""}; the options ` +
              `are ${names.length ? names.join(", ") : "none"}`,
          ),
        );
      }
      const r = f(v[k], placesOf(at.fn)[k]!);
      if (E.isLeft(r)) return r;
      if (r.right !== undefined) out[k] = r.right;
    }
    return E.right(out as Out);
  };
  return { name: "options", kind: "options", optional: true, rest: false, fields, positional, check };
}

const signatures = new WeakMap<object, Signature>();

/** The signature a guarded function checks its arguments against (the fuzz suite's input). */
export const signatureOf = (f: unknown): Signature | undefined =>
  typeof f === "function" ? signatures.get(f) : undefined;

/** Checks `args` against `params`: each slot in turn, then that nothing is left over. */
export function checkArgs(
  name: string,
  params: readonly Param[],
  args: readonly unknown[],
  places: readonly At[] = params.map((p) => ({ fn: name, arg: p.name })),
): Checked<unknown[]> {
  const out: unknown[] = [];
  let i = 0;
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    if (p.rest) {
      for (; i < args.length; i++) {
        const r = p.check(args[i], { fn: name, arg: `${p.name}[${out.length}]` });
        if (E.isLeft(r)) return r;
        out.push(r.right);
      }
      return E.right(out);
    }
    const v = args[i++];
    if (v === undefined && !p.optional)
      return E.left(new TracegradError(`${name}: argument ${p.name} is missing (got undefined)`));
    const r = p.check(v, places[k]!);
    if (E.isLeft(r)) return r;
    out.push(r.right);
  }
  if (args.length > params.length) {
    const extra = args.length - params.length;
    // a method's `this` is not an argument its caller counts
    const own = params.filter((p) => p.name !== "this").map((p) => p.name);
    const got = args.length - (params.length - own.length);
    const takes = own.length
      ? `at most ${own.length} argument${own.length === 1 ? "" : "s"} (${own.join(", ")})`
      : "no arguments";
    return E.left(
      new TracegradError(
        `${name}: takes ${takes}, got ${got}; ` +
          `${extra === 1 ? "the last one" : `the last ${extra}`} would be ignored`,
      ),
    );
  }
  return E.right(out);
}

/**
 * `impl` behind a check of its arguments: a typed error (the Left) is thrown before anything is computed; `impl`
 * receives the checked values. `prepare` rearranges the arguments first (an options object that may come early).
 */
export function guard<F extends (...args: never[]) => unknown>(
  name: string,
  params: readonly Param[],
  impl: (...args: never[]) => unknown,
  prepare?: (args: unknown[]) => unknown[],
): F {
  const call = impl as (...args: unknown[]) => unknown;
  const places = params.map((p) => ({ fn: name, arg: p.name }));
  const g = (...args: unknown[]) => {
    const r = checkArgs(name, params, prepare ? prepare(args) : args, places);
    if (E.isLeft(r)) throw r.left;
    return call(...r.right);
  };
  Object.defineProperty(g, "name", { value: name.slice(name.lastIndexOf(".") + 1) });
  signatures.set(g, { name, params, impl, ...(prepare && { prepare }) });
  return g as unknown as F;
}

/** A guarded function as the method `name` of its first argument (`np.sum` as `Tensor.sum`). */
export function asMethod(f: unknown, name: string): (self: Tensor, ...args: unknown[]) => never {
  const sig = signatureOf(f);
  if (!sig) throw new TracegradError(`internal: ${name} forwards to a function without a signature`);
  const [self, ...params] = sig.params;
  return guard(name, [{ ...self!, name: "this" }, ...params], sig.impl, sig.prepare);
}
