// Valid calls against cheap references: positional options, nested JS arrays vs tensors, float64 vs float32.
import fc from "fast-check";
import type { DType } from "../src/core/dtype.js";
import { isPlainObject } from "../src/core/tree.js";
import type { Param } from "../src/core/validate.js";
import { np, Tensor } from "../src/index.js";
import type { Target } from "./fuzz_targets.js";
import { attempt, errorText, makeTensor, malformed, type Outcome, pytreeArb, show, validFor } from "./fuzz_values.js";

/** Calls made by the agreement properties, and how many pairs of results they compared (for the closing count). */
export const agreeStats = { calls: 0, compared: 0 };

const call = (t: Target, args: readonly unknown[]): Outcome => {
  agreeStats.calls++;
  return attempt(() => t.call(...args));
};

/** The argument list: trailing undefineds dropped (rest slots are never filled here). */
function argList(slots: readonly unknown[]): unknown[] {
  const args = [...slots];
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/** The values a call returned, leaf by leaf (tensors as shape, dtype and numbers). */
interface Leaf {
  shape: readonly number[];
  dtype: string;
  values: number[];
}
function leavesOf(v: unknown): Leaf[] | string {
  const out: Leaf[] = [];
  const stack: unknown[] = [v];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const x = stack.pop();
    if (x instanceof Tensor) out.push({ shape: x.shape, dtype: x.dtype, values: Array.from(x.toTypedArray()) });
    else if (typeof x === "number" || typeof x === "boolean") out.push({ shape: [], dtype: "js", values: [+x] });
    else if (typeof x === "function") return "a function";
    else if (seen.has(x)) return "a cyclic value";
    else if (Array.isArray(x) || isPlainObject(x)) {
      seen.add(x);
      stack.push(...(Array.isArray(x) ? x : Object.values(x)));
    }
  }
  return out;
}

const close = (a: number, b: number, tol: number) =>
  Object.is(a, b) ||
  a === b ||
  (Number.isNaN(a) && Number.isNaN(b)) ||
  Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Why two results differ (shapes, dtypes when `sameDtype`, values beyond `tol`), if they do. */
function differ(a: unknown, b: unknown, tol: number, sameDtype: boolean): string | undefined {
  const [la, lb] = [leavesOf(a), leavesOf(b)];
  if (typeof la === "string" || typeof lb === "string") return undefined;
  if (la.length !== lb.length) return `${la.length} leaves vs ${lb.length}`;
  for (let i = 0; i < la.length; i++) {
    const [x, y] = [la[i]!, lb[i]!];
    if (x.shape.join() !== y.shape.join()) return `leaf ${i}: shape [${x.shape}] vs [${y.shape}]`;
    if (sameDtype && x.dtype !== y.dtype) return `leaf ${i}: dtype ${x.dtype} vs ${y.dtype}`;
    const k = x.values.findIndex((v, j) => !close(v, y.values[j]!, tol));
    if (k >= 0) return `leaf ${i}, element ${k}: ${x.values[k]} vs ${y.values[k]}`;
  }
  return undefined;
}

/** The first outcome as the reference: why the second disagrees with it, if it does. */
function disagreement(
  ref: Outcome,
  other: Outcome,
  tol: number,
  sameDtype: boolean,
  strict: boolean,
): string | undefined {
  for (const o of [ref, other]) {
    if (o.kind === "raw") return `threw a raw ${errorText(o.error)}`;
    if (o.kind === "returned") {
      const bad = malformed(o.value);
      if (bad) return `returned a malformed value: ${bad}`;
    }
  }
  if (ref.kind === "typed") {
    if (!strict || other.kind !== "returned") return undefined;
    return `the first form threw ${errorText(ref.error)}, the second returned`;
  }
  if (other.kind === "typed") return `the first form returned, the second threw ${errorText(other.error)}`;
  if (ref.kind !== "returned" || other.kind !== "returned") return undefined;
  agreeStats.compared++;
  return differ(ref.value, other.value, tol, sameDtype);
}

const slotsArb = (params: readonly Param[]) =>
  fc.tuple(...params.map((p) => (p.rest ? fc.constant(undefined) : validFor(p))));

/** The options slots with a positional field. */
export const positionalSlots = (params: readonly Param[]): number[] =>
  params.flatMap((p, i) => (p.kind === "options" && p.positional !== undefined && !p.rest ? [i] : []));

/** What a function-valued result gives for `args` (both forms' results are compared by what they compute). */
const applied = (o: Outcome, args: readonly unknown[]): Outcome => {
  if (o.kind !== "returned" || typeof o.value !== "function") return o;
  const g = o.value as (...a: unknown[]) => unknown;
  agreeStats.calls++;
  return attempt(() => g(...args));
};

/**
 * `f(…, v)` and `f(…, { [positional]: v })`: the same outcome, the same values (for transforms, the same values from
 * the functions they return). A plain object is never the positional value: it is the options object itself.
 */
export function positionalProperty(t: Target, params: readonly Param[], slot: number) {
  const p = params[slot]!;
  const field = p.fields![p.positional!]!;
  const value = validFor(field).filter((v) => v !== undefined && !isPlainObject(v));
  const followArgs = fc.array(pytreeArb, { minLength: 1, maxLength: 2 });
  return fc.property(slotsArb(params), value, followArgs, (slots, v, args) => {
    const bare = argList(slots.map((s, i) => (i === slot ? v : s)));
    const named = argList(slots.map((s, i) => (i === slot ? { [p.positional!]: v } : s)));
    const why = disagreement(applied(call(t, bare), args), applied(call(t, named), args), 0, true, true);
    if (why)
      throw new Error(`${t.name}: ${p.name} ${show(v)} vs { ${p.positional}: ${show(v)} } at ${show(bare)}: ${why}`);
  });
}

/** The slots that take ArrayLikes (converted by the next two properties). */
const ARRAY_KINDS = new Set(["array", "arrays", "tensor"]);
export const takesArrays = (params: readonly Param[]): boolean =>
  params.some((p) => ARRAY_KINDS.has(p.kind)) && !params.some((p) => p.kind === "fn");

const RANKED: readonly (readonly number[])[] = [[3], [2, 3], [2, 2], [1, 3], [1]];
/** A float32 tensor (a bool one now and then, for predicates) of one of `shapes`. */
const tensorOf = (shapes: readonly (readonly number[])[]) =>
  fc
    .tuple(
      fc.constantFrom(...shapes),
      fc.constantFrom<DType>("float32", "float32", "float32", "float32", "bool"),
      fc.array(fc.integer({ min: -12, max: 12 }), { minLength: 6, maxLength: 6 }),
    )
    .map(([s, d, v]) => makeTensor(s, d, v));

/**
 * Valid slots in which every ArrayLike is a tensor of rank ≥ 1 (0-d ones too with `scalars`), usually all of one
 * shape (lax operands must agree), arrays of them sharing a shape.
 */
function tensorSlotsArb(params: readonly Param[], scalars: boolean): fc.Arbitrary<unknown[]> {
  const shapes = scalars ? [...RANKED, []] : RANKED;
  const shared = fc.oneof(
    { arbitrary: fc.constantFrom(...shapes).map((s) => [s]), weight: 3 },
    { arbitrary: fc.constant(shapes), weight: 1 },
  );
  return shared.chain((pool) =>
    fc.tuple(
      ...params.map((p): fc.Arbitrary<unknown> => {
        if (p.rest) return fc.constant(undefined);
        if (p.kind === "array" || p.kind === "tensor") return tensorOf(pool);
        if (p.kind === "arrays")
          return fc
            .tuple(fc.constantFrom(...pool), fc.integer({ min: 1, max: 3 }))
            .chain(([s, n]) => fc.array(tensorOf([s]), { minLength: n, maxLength: n }));
        return validFor(p);
      }),
    ),
  );
}

/** The tensors of ArrayLike slots mapped by `f`; `tensors` also maps tensor-only slots and a method's receiver. */
function mapArrays(params: readonly Param[], slots: readonly unknown[], f: (t: Tensor) => unknown, tensors: boolean) {
  const g = (x: unknown) => (x instanceof Tensor ? f(x) : x);
  return slots.map((s, i) => {
    const p = params[i]!;
    if (!ARRAY_KINDS.has(p.kind) || (!tensors && (p.kind === "tensor" || p.name === "this"))) return s;
    return p.kind === "arrays" && Array.isArray(s) ? s.map(g) : g(s);
  });
}

/** Where tensors work, the same call with nested JS arrays gives the same values and dtypes. */
export function nestedProperty(t: Target, params: readonly Param[]) {
  return fc.property(tensorSlotsArb(params, false), (slots) => {
    const ref = call(t, argList(slots));
    if (ref.kind !== "returned") return;
    const nested = argList(mapArrays(params, slots, (x) => x.toArray(), false));
    const why = disagreement(ref, call(t, nested), 0, true, false);
    if (why) throw new Error(`${t.name} with nested arrays instead of tensors, at ${show(argList(slots))}: ${why}`);
  });
}

/** Where float32 inputs work, float64 ones give the same values within float32 rounding. */
export function float64Property(t: Target, params: readonly Param[]) {
  return fc.property(tensorSlotsArb(params, true), (slots) => {
    const ref = call(t, argList(slots));
    if (ref.kind !== "returned") return;
    const wide = argList(mapArrays(params, slots, (x) => (x.dtype === "float32" ? np.astype(x, "float64") : x), true));
    const why = disagreement(ref, call(t, wide), 2e-3, false, false);
    if (why) throw new Error(`${t.name} on float64 instead of float32, at ${show(argList(slots))}: ${why}`);
  });
}
