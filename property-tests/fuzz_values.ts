// Fuzz inputs: valid values for each argument kind, the catalogue of junk, and what a well-formed result is.
import fc from "fast-check";
import { DTYPES, type DType } from "../src/core/dtype.js";
import type { Kind, Param } from "../src/core/validate.js";
import { grad, jit, makeJaxpr, np, random, Tensor, TracegradError, vmap } from "../src/index.js";
import { atBase } from "../src/ir/trace.js";

// ---------------------------------------------------------------------------------------------------------------
// Valid values

/** Shapes of the valid tensors: small, so a correct implementation is fast on any of them. */
const SHAPES: readonly (readonly number[])[] = [[], [3], [2, 3], [2, 2], [1, 3]];

/** A tensor of `shape` and `dtype` from small integers (quarters for floats: exact in float32 and float64). */
export function makeTensor(shape: readonly number[], dtype: DType, ints: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => ints[i % ints.length] ?? 0);
  const values = data.map((v) => (dtype === "bool" ? v > 0 : dtype === "int32" ? v : v / 4));
  return np.reshape(np.array(values, dtype), [...shape]);
}

const intsArb = fc.array(fc.integer({ min: -12, max: 12 }), { minLength: 6, maxLength: 6 });
const shapeOfTensorArb = fc.constantFrom(...SHAPES);
const dtypeArb: fc.Arbitrary<DType> = fc.oneof(
  { arbitrary: fc.constant<DType>("float32"), weight: 8 },
  { arbitrary: fc.constant<DType>("float64"), weight: 1 },
  { arbitrary: fc.constant<DType>("int32"), weight: 2 },
  { arbitrary: fc.constant<DType>("bool"), weight: 1 },
);

/** A small tensor: float32 mostly, sometimes float64, int32 or bool. */
export const tensorArb = (dtype: fc.Arbitrary<DType> = dtypeArb): fc.Arbitrary<Tensor> =>
  fc.tuple(shapeOfTensorArb, dtype, intsArb).map(([s, d, v]) => makeTensor(s, d, v));
const f32Arb = tensorArb(fc.constant<DType>("float32"));

/** An ArrayLike: tensors, nested JS arrays, JS numbers and booleans, a Float32Array. */
const arrayLikeArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: tensorArb(), weight: 6 },
  { arbitrary: f32Arb.map((t) => t.toArray()), weight: 2 },
  { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: f32Arb.map((t) => t.toTypedArray()), weight: 1 },
);

/** Several arrays, usually of one shape and dtype (so joining them can succeed). */
const arraysArb: fc.Arbitrary<unknown[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(shapeOfTensorArb, dtypeArb, fc.array(intsArb, { minLength: 1, maxLength: 3 }))
      .map(([s, d, vs]) => vs.map((v) => makeTensor(s, d, v))),
    weight: 4,
  },
  { arbitrary: fc.array(arrayLikeArb, { minLength: 1, maxLength: 3 }), weight: 1 },
);

/** Pytrees of float tensors (and a JS number): what transforms and tree functions take. */
export const pytreeArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: f32Arb, weight: 4 },
  { arbitrary: fc.integer({ min: -3, max: 3 }).map((n) => n / 2), weight: 1 },
  { arbitrary: fc.tuple(f32Arb, f32Arb), weight: 1 },
  { arbitrary: fc.record({ a: f32Arb, b: fc.tuple(f32Arb) }), weight: 1 },
);

/** The leaves of a pytree that are tensors or numbers; iterative, stops at cycles, ignores anything else. */
function numericLeaves(root: unknown): (Tensor | number)[] {
  const out: (Tensor | number)[] = [];
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0 && seen.size < 10_000) {
    const x = stack.pop();
    if (x instanceof Tensor || typeof x === "number") out.push(x);
    else if (x !== null && typeof x === "object" && !seen.has(x)) {
      seen.add(x);
      if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
      else if (Object.getPrototypeOf(x) === Object.prototype)
        for (const k of Object.keys(x).reverse()) stack.push((x as Record<string, unknown>)[k]);
    }
  }
  return out;
}
const asFloat = (l: Tensor | number): Tensor => {
  const t = l instanceof Tensor ? l : np.array(l);
  return t.dtype === "float32" || t.dtype === "float64" ? t : np.astype(t, "float32");
};

/** User functions for transforms: each takes any pytrees of arrays. */
export const USER_FNS = {
  /** Σ x² over every leaf: a float scalar (what grad wants). */
  sumOfSquares: (...xs: unknown[]): Tensor =>
    numericLeaves(xs).reduce<Tensor>((acc, l) => acc.add(np.sum(np.square(asFloat(l)))), np.array(0)),
  /** sin of the first leaf, elementwise (what jacfwd and vmap may map). */
  sinOfFirst: (...xs: unknown[]): Tensor => np.sin(asFloat(numericLeaves(xs)[0] ?? 0)),
  /** The arguments as a pytree of tensors: [x + 1, ...]. */
  plusOne: (...xs: unknown[]): Tensor[] => numericLeaves(xs).map((l) => asFloat(l).add(1)),
};
const userFnArb = fc.constantFrom<(...xs: unknown[]) => unknown>(...Object.values(USER_FNS));

const smallInt = (min: number, max: number) => fc.integer({ min, max });

type Generator = (p: Param) => fc.Arbitrary<unknown>;

/** A jaxpr traced from one of the user functions (evalJaxpr and typecheckJaxpr take one). */
const jaxprArb = fc.tuple(userFnArb, f32Arb).map(([f, x]) => makeJaxpr(f)(x).jaxpr);

/**
 * Valid values of each kind (they need not suit the other arguments: a mismatch is a TracegradError). A Record over
 * Kind, so a kind added to validate.ts without a generator here is a type error.
 */
const GENERATORS: Readonly<Record<Kind, Generator>> = {
  array: () => arrayLikeArb,
  arrays: () => arraysArb,
  tensor: () => tensorArb(),
  shape: () => fc.constantFrom<unknown>([], [2], [3], [2, 3], 3, [0], [1, 2, 1]),
  newShape: () => fc.constantFrom<unknown>([-1], [2, -1], [3, 2], [6], [1, -1], 6, []),
  axis: () => smallInt(-2, 1),
  axes: () => fc.oneof(smallInt(-2, 1), fc.constantFrom<unknown>([0], [1], [0, 1], [-1], [])),
  ints: () => fc.constantFrom<unknown>([], [0], [1], [1, 0], [0, 1], [2], [1, 2], [0, 0]),
  int: () => smallInt(-2, 3),
  count: () => smallInt(0, 4),
  number: () => fc.oneof(smallInt(-5, 5), fc.double({ min: -4, max: 4, noNaN: true })),
  scalar: () => fc.oneof(smallInt(-5, 5), fc.boolean()),
  dtype: () => fc.constantFrom<unknown>(...DTYPES),
  bool: () => fc.boolean(),
  index: () =>
    fc.oneof(
      smallInt(-2, 1),
      fc.constantFrom<unknown>([], [0, 2], [null, null, -1], [1], null, [0, 3, 2]),
      fc.constant(null).map(() => np.array([0, 1], "int32")),
    ),
  fn: () => userFnArb,
  pytree: () => pytreeArb,
  args: (p) => (p.rest ? pytreeArb : fc.array(pytreeArb, { minLength: 1, maxLength: 2 })),
  treedef: () => pytreeArb.map((t) => structureOf(t)),
  jaxpr: () => jaxprArb,
  choice: (p) => (p.choices && p.choices.length > 0 ? fc.constantFrom(...p.choices) : fc.constant(undefined)),
  padConfig: () =>
    fc.constantFrom<unknown>(
      [[1, 2, 0]],
      [[0, 0, 1]],
      [
        [1, 0, 0],
        [0, 1, 1],
      ],
      [],
    ),
  dimensionNumbers: () =>
    fc.constantFrom<unknown>(
      [
        [[1], [0]],
        [[], []],
      ],
      [
        [[0], [0]],
        [[], []],
      ],
      [
        [[1], [1]],
        [[0], [0]],
      ],
    ),
  key: () => fc.constantFrom(0, 1, 7).map((s) => random.key(s)),
  seed: () => fc.oneof(smallInt(0, 1000), fc.constantFrom<unknown>(0n, 2n ** 40n, 2 ** 40)),
  options: (p) => optionsArb(p),
};

/** Whether a kind has a generator here (a test checks that every kind the signatures use has one). */
export const hasGenerator = (k: string): boolean => Object.hasOwn(GENERATORS, k);

/** Valid values of a slot's kind; an unknown kind (a signature ahead of this file) gets ArrayLikes and pytrees. */
const byKind = (p: Param): fc.Arbitrary<unknown> =>
  hasGenerator(p.kind) ? GENERATORS[p.kind](p) : fc.oneof(arrayLikeArb, pytreeArb);

/** A pytree's structure as the tree namespace describes it (built here, so a broken tree.structure is not needed). */
function structureOf(t: unknown): unknown {
  if (Array.isArray(t)) return { kind: "array", children: t.map(structureOf) };
  if (t !== null && typeof t === "object" && !(t instanceof Tensor)) {
    const keys = Object.keys(t).sort();
    return { kind: "object", keys, children: keys.map((k) => structureOf((t as Record<string, unknown>)[k])) };
  }
  return { kind: "leaf" };
}

/** An options slot: nothing, the positional field's value alone, or an object with a random subset of its fields. */
function optionsArb(p: Param): fc.Arbitrary<unknown> {
  const fields = p.fields ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, f] of Object.entries(fields)) model[name] = byKind(f);
  const obj = fc.record(model, { requiredKeys: [] });
  const pos = p.positional === undefined ? undefined : fields[p.positional];
  return pos
    ? fc.oneof({ arbitrary: obj, weight: 2 }, { arbitrary: byKind(pos), weight: 2 }, fc.constant(undefined))
    : fc.oneof({ arbitrary: obj, weight: 3 }, fc.constant(undefined));
}

/** Valid values for a slot; an optional slot is sometimes left out. */
export function validFor(p: Param): fc.Arbitrary<unknown> {
  const v = byKind(p);
  return p.optional && p.kind !== "options" ? fc.option(v, { nil: undefined, freq: 4 }) : v;
}

/** The kinds a slot draws valid values from (its own, and those of an options slot's fields). */
export function kindsOf(p: Param): Kind[] {
  return [p.kind, ...Object.values(p.fields ?? {}).flatMap(kindsOf)];
}

// ---------------------------------------------------------------------------------------------------------------
// Junk

/** A junk value with the label it prints as (fast-check never walks into it: it may be cyclic or 20,000 deep). */
export class Junked {
  constructor(
    readonly label: string,
    readonly value: unknown,
  ) {}
  [fc.toStringMethod](): string {
    return `<${this.label}>`;
  }
}

/** One entry of the junk catalogue: a label and fresh values. */
interface JunkKind {
  readonly label: string;
  readonly arb: fc.Arbitrary<unknown>;
}
const fresh = (label: string, make: () => unknown): JunkKind => ({ label, arb: fc.constant(null).map(make) });

/** An array nested `depth` deep, built without recursion. */
export function deepArray(depth: number): unknown[] {
  let a: unknown[] = [1];
  for (let i = 0; i < depth; i++) a = [a];
  return a;
}
/** `c` with c.push(c, c): an array that contains itself twice. */
export function selfTwice(): unknown[] {
  const c: unknown[] = [];
  c.push(c, c);
  return c;
}
/** `c` with c.push(1, c). */
export function selfAfterOne(): unknown[] {
  const c: unknown[] = [];
  c.push(1, c);
  return c;
}
function selfObject(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

type Escape = "grad" | "vmap" | "jit" | "makeJaxpr";
/** A tracer kept from inside a transform, used after it ended (or a note, if the library could not make one). */
export function escapedTracer(where: Escape): unknown {
  let kept: unknown = "no tracer escaped";
  const keep = (x: Tensor) => {
    kept = x;
    return np.sum(x);
  };
  try {
    if (where === "grad") grad(keep)(np.ones([2]));
    else if (where === "vmap") vmap(keep)(np.ones([2, 2]));
    else if (where === "jit") jit(keep)(np.ones([2]));
    else makeJaxpr(keep)(np.ones([2]));
  } catch {
    // the library is broken: the health check after the call reports it
  }
  return kept;
}

/** The catalogue: every kind of bad argument the suite puts into slots. */
export const JUNK_KINDS: readonly JunkKind[] = [
  fresh("undefined", () => undefined),
  fresh("null", () => null),
  fresh("the boolean true", () => true),
  fresh('the string "abc"', () => "abc"),
  fresh("the empty string", () => ""),
  fresh('the string "float128"', () => "float128"),
  fresh("a symbol", () => Symbol("junk")),
  fresh("the empty object {}", () => ({})),
  { label: "an object with random keys", arb: fc.object({ maxDepth: 2, maxKeys: 4 }) },
  fresh("an object that contains itself", selfObject),
  fresh("a function returning undefined", () => () => undefined),
  fresh('a function returning "x"', () => () => "x"),
  fresh("a function returning a symbol", () => () => Symbol("out")),
  fresh("a Date", () => new Date(0)),
  fresh("a Map", () => new Map([[1, 2]])),
  fresh("a Set", () => new Set([1])),
  fresh("the bigint 12n", () => 12n),
  fresh("a boxed Number(2)", () => new Number(2)),
  fresh("an Error object", () => new Error("junk")),
  fresh("a class instance", () => new (class Point {})()),
  fresh("an array-like {length: 2, 0: 1, 1: 2}", () => ({ length: 2, 0: 1, 1: 2 })),
  fresh("the ragged array [[1, 2], [3]]", () => [[1, 2], [3]]),
  fresh("the ragged-depth array [[1], 2]", () => [[1], 2]),
  fresh("an array nested 20,000 deep", () => deepArray(20_000)),
  fresh("an array containing itself twice (c.push(c, c))", selfTwice),
  fresh("an array containing 1 and itself (c.push(1, c))", selfAfterOne),
  fresh("the number -1", () => -1),
  fresh("the number -7", () => -7),
  fresh("the number 0.5", () => 0.5),
  fresh("the number 2.5", () => 2.5),
  fresh("NaN", () => Number.NaN),
  fresh("Infinity", () => Number.POSITIVE_INFINITY),
  fresh("-Infinity", () => Number.NEGATIVE_INFINITY),
  fresh("the number 1e10", () => 1e10),
  fresh("the number 2**31", () => 2 ** 31),
  fresh("the number 2**53", () => 2 ** 53),
  fresh("the shape [1e10]", () => [1e10]),
  fresh("the shape [2**31]", () => [2 ** 31]),
  fresh("the shape [65536, 65536]", () => [65536, 65536]),
  fresh("the shape [2**53]", () => [2 ** 53]),
  fresh("the array [-1, 2]", () => [-1, 2]),
  fresh("the array [2.5]", () => [2.5]),
  fresh("the array [NaN, 1]", () => [Number.NaN, 1]),
  fresh("the array [Infinity, -Infinity]", () => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
  fresh('the array [1, "a"]', () => [1, "a"]),
  fresh("the array [null, 1]", () => [null, 1]),
  fresh("the array [undefined]", () => [undefined]),
  fresh("the array of empty arrays [[], []]", () => [[], []]),
  // biome-ignore lint/suspicious/noSparseArray: a hole is the junk
  fresh("the sparse array [1, , 3]", () => [1, , 3]),
  fresh("new Array(3) (only holes)", () => new Array(3)),
  fresh("the options {keepDims: true}", () => ({ keepDims: true })),
  fresh("the options {axis: {}}", () => ({ axis: {} })),
  fresh('the options {dtype: "float128"}', () => ({ dtype: "float128" })),
  fresh("an escaped grad tracer", () => escapedTracer("grad")),
  fresh("an escaped vmap tracer", () => escapedTracer("vmap")),
  fresh("an escaped jit tracer", () => escapedTracer("jit")),
  fresh("an escaped makeJaxpr tracer", () => escapedTracer("makeJaxpr")),
  fresh("an Int8Array", () => new Int8Array([1, 2])),
  fresh("a BigInt64Array", () => new BigInt64Array([1n, 2n])),
  fresh("a Uint8ClampedArray", () => new Uint8ClampedArray([1, 2])),
  fresh("a DataView", () => new DataView(new ArrayBuffer(8))),
  fresh("an ArrayBuffer", () => new ArrayBuffer(8)),
  fresh("a tensor f32[2] (where none belongs)", () => np.array([1, 2])),
];

/** Junk of any kind, labelled. */
export const junkArb: fc.Arbitrary<Junked> = fc.oneof(
  ...JUNK_KINDS.map((j) => j.arb.map((v) => new Junked(j.label, v))),
);

// ---------------------------------------------------------------------------------------------------------------
// Results

/**
 * Why `v` is not a well-formed result (tensors with consistent shape, size and data; pytrees of them), if it is not.
 * Objects among `inputs` are the caller's own and may come back as they were (even an escaped tracer).
 */
export function malformed(v: unknown, inputs: readonly unknown[] = []): string | undefined {
  const seen = new Set<unknown>(inputs);
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    if (seen.size > 100_000) return "the result has more than 100,000 nodes";
    if (x instanceof Tensor) {
      const why = badTensor(x);
      if (why) return why;
    } else if (Array.isArray(x)) stack.push(...x);
    else if (Object.getPrototypeOf(x) === Object.prototype) stack.push(...Object.values(x));
  }
  return undefined;
}

const TYPED: Readonly<Record<DType, string>> = {
  float32: "Float32Array",
  float64: "Float64Array",
  int32: "Int32Array",
  uint32: "Uint32Array",
  bool: "Uint8Array",
};

function badTensor(t: Tensor): string | undefined {
  const shape: unknown = t.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    return `a tensor has the shape ${String(shape)}`;
  const n = shape.reduce((a: number, b: number) => a * b, 1);
  if (t.size !== n) return `a tensor of shape [${shape.join(", ")}] has size ${t.size}`;
  if (!(DTYPES as readonly string[]).includes(t.dtype)) return `a tensor has dtype ${String(t.dtype)}`;
  let data: ArrayLike<number>;
  try {
    data = t.toTypedArray();
  } catch (e) {
    return `a tensor's data cannot be read (an escaped tracer?): ${errorText(e)}`;
  }
  if (data.length !== n) return `a tensor of shape [${shape.join(", ")}] holds ${data.length} values`;
  if (data.constructor.name !== TYPED[t.dtype])
    return `a ${t.dtype} tensor holds a ${data.constructor.name}, not a ${TYPED[t.dtype]}`;
  return undefined;
}

/** `Name: message` of anything thrown, without trusting it (it may be a symbol, or have a throwing getter). */
export function errorText(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message.split("\n")[0]!.slice(0, 300)}`;
    return `the non-Error value ${typeof e === "symbol" ? "a symbol" : String(e).slice(0, 100)}`;
  } catch {
    return "an unprintable value";
  }
}

/** What a call did: returned, threw a TracegradError, or threw something else. */
export type Outcome =
  | { readonly kind: "returned"; readonly value: unknown }
  | { readonly kind: "typed"; readonly error: TracegradError }
  | { readonly kind: "raw"; readonly error: unknown };

export function attempt(f: () => unknown): Outcome {
  try {
    return { kind: "returned", value: f() };
  } catch (e) {
    return e instanceof TracegradError ? { kind: "typed", error: e } : { kind: "raw", error: e };
  }
}

let squareGrad: ((x: number) => unknown) | undefined;
/** grad of x², made once (a transformed function is reusable; calling it traces anew). */
const square = () => (squareGrad ??= grad((x: Tensor) => x.mul(x)) as (x: number) => unknown);

/** Why the library no longer works, if it does not: a transform left its trace open, or np.add is wrong. */
export function cheapBreakage(): string | undefined {
  try {
    if (!atBase()) return "a transform's trace is still open (the next call would be traced by it)";
    const sum = np.add(np.ones([2]), 1).toArray();
    if (!Array.isArray(sum) || sum.length !== 2 || sum[0] !== 2 || sum[1] !== 2)
      return `np.add(np.ones([2]), 1) gave ${JSON.stringify(sum)}`;
    return undefined;
  } catch (e) {
    return `np.add(np.ones([2]), 1) threw ${errorText(e)}`;
  }
}

/** Why grad no longer works (grad of x² at 3 is not 6), if it does not. */
export function gradBreakage(): string | undefined {
  try {
    const g = square()(3);
    return g instanceof Tensor && g.item() === 6 ? undefined : `grad of x² at 3 gave ${String(g)}`;
  } catch (e) {
    return `grad of x² at 3 threw ${errorText(e)}`;
  }
}

/** A 32-bit hash of a name: each property's seed is the suite's seed mixed with it, so adding one moves no other. */
export function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** A short, safe description of a valid argument (tensors by type, arrays by length, plain data as JSON). */
export function show(v: unknown): string {
  if (v instanceof Junked) return `<<JUNK: ${v.label}>>`;
  if (v instanceof Tensor) return `${v.dtype}[${v.shape.join(",")}]`;
  if (typeof v === "function") return v.name ? `fn ${v.name}` : "fn";
  try {
    const s = JSON.stringify(v, (_, x: unknown) =>
      x instanceof Tensor ? `${x.dtype}[${x.shape.join(",")}]` : typeof x === "function" ? `fn ${x.name}` : x,
    );
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
  } catch {
    return typeof v;
  }
}
