// The argument kinds public signatures are made of: arrays, shapes, axes, dtypes, counts, functions; each a
// validator (fp-ts Either) that names the function, the argument and what it accepts.
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import type { At, Checked } from "./checked.js";
import { DTYPES, type DType } from "./dtype.js";
import { DTypeError, ShapeError, TracegradError } from "./errors.js";
import { checkedNested, MAX_ELEMENTS, MAX_RANK } from "./nested.js";
import { Tensor } from "./tensor.js";
import { describe, fail, type Kind, type Param } from "./validate.js";

/** A slot of `kind` checked by `check` (the building block of every kind below, and of namespaces' own slots). */
export const param = <A>(name: string, kind: Kind, check: (v: unknown, at: At) => Checked<A>): Param<A> => ({
  name,
  kind,
  optional: false,
  rest: false,
  check,
});

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** A list of `each`, read without recursion; names the position of a bad element. */
function listOf<A>(v: unknown, at: At, expected: string, each: (x: unknown) => x is A, item: string): Checked<A[]> {
  if (!Array.isArray(v)) return fail(at, expected, v);
  for (let i = 0; i < v.length; i++) if (!each(v[i])) return fail({ fn: at.fn, arg: `${at.arg}[${i}]` }, item, v[i]);
  return E.right(v as A[]);
}

/** ArrayLike: a tensor, a JS number or boolean, a typed array, or nested arrays of them (any depth, no cycles). */
export const array = (name: string): Param<ArrayLikeChecked> =>
  param(name, "array", (v, at) => {
    if (v instanceof Tensor || typeof v === "number" || typeof v === "boolean") return E.right(v);
    if (Array.isArray(v) || ArrayBuffer.isView(v)) return checkedNested(at, v);
    return fail(at, "an array: a tensor, a number, a boolean, nested arrays of numbers, or a typed array", v);
  });
/** What `array` lets through (the nested arrays it has checked). */
export type ArrayLikeChecked = Tensor | number | boolean | readonly unknown[] | ArrayBufferView;

/** A non-empty list of arrays. */
export const arrays = (name: string): Param<ArrayLikeChecked[]> =>
  param(name, "arrays", (v, at) => {
    if (Array.isArray(v) && v.length === 0)
      return E.left(new TracegradError(`${at.fn}: needs at least one array (${at.arg} is empty)`));
    if (!Array.isArray(v)) return fail(at, "an array of arrays", v);
    const one = array(name);
    for (let i = 0; i < v.length; i++) {
      const r = one.check(v[i], { fn: at.fn, arg: `${at.arg}[${i}]` });
      if (E.isLeft(r)) return r;
    }
    return E.right(v as ArrayLikeChecked[]);
  });

/** A tensor itself (lax's index operands). */
export const tensor = (name: string): Param<Tensor> =>
  param(name, "tensor", (v, at) => (v instanceof Tensor ? E.right(v) : fail(at, "a Tensor", v)));

/** A shape: whole, non-negative dimensions whose product fits the element limit. */
export const shape = (name = "shape"): Param<number[]> =>
  param(name, "shape", (v, at) => pipe(dims(v, at, isDim, "dimensions are whole numbers ≥ 0"), E.chain(sized(at))));
const isDim = (d: unknown): d is number => isInt(d) && d >= 0;

/** An array of dimensions, each passing `ok`; a ShapeError names the first bad one. */
function dims(v: unknown, at: At, ok: (d: unknown) => d is number, rule: string): Checked<number[]> {
  // a lone whole number is a 1-D shape, as NumPy's `zeros(3)`
  if (typeof v === "number") return dims([v], at, ok, rule);
  if (!Array.isArray(v)) return fail(at, "an array of dimensions (or one whole number)", v);
  const bad = v.findIndex((d) => !ok(d));
  if (bad < 0) return E.right(v as number[]);
  // describeDim, not String: a dimension may itself be a (deep or cyclic) array
  const text = v.length > 8 ? `${v.slice(0, 8).map(describeDim).join(", ")}, …` : v.map(describeDim).join(", ");
  return E.left(new ShapeError(`${at.fn}: invalid dimension ${describeDim(v[bad])} in ${at.arg} [${text}]; ${rule}`));
}
const describeDim = (d: unknown) => (typeof d === "number" ? String(d) : describe(d));

/** np.reshape's target: as `shape`, but one entry may be −1. */
export const newShape = (name = "shape"): Param<number[]> =>
  param(name, "newShape", (v, at) => {
    const r = dims(v, at, (d): d is number => isInt(d) && d >= -1, "use whole numbers ≥ 0, or one −1");
    return pipe(
      r,
      E.chain((s) => sized(at)(s.filter((d) => d !== -1))),
      E.chain(() => r),
    );
  });

/** A ShapeError when `s` has more than MAX_RANK axes or more than MAX_ELEMENTS elements. */
const sized =
  (at: At) =>
  (s: number[]): Checked<number[]> => {
    if (s.length > MAX_RANK)
      return E.left(new ShapeError(`${at.fn}: ${at.arg} has ${s.length} axes, more than the limit of ${MAX_RANK}`));
    let n = 1;
    for (const d of s) n *= d;
    if (n > MAX_ELEMENTS || s.some((d) => d > MAX_ELEMENTS))
      return E.left(
        new ShapeError(
          `${at.fn}: ${at.arg} [${s.join(", ")}] has ${n} elements, more than the limit of ${MAX_ELEMENTS} (2²⁸); ` +
            `split the work into smaller arrays`,
        ),
      );
    return E.right(s);
  };

/** A number that is not a whole one, where an axis was expected: a ShapeError, as an axis out of range. */
const fractionalAxis = (at: At, v: number) =>
  E.left(
    new ShapeError(
      `${at.fn}: ${at.arg} ${v} is out of range: axes are whole numbers (negative ones count from the end)`,
    ),
  );

/** One axis (an integer; its range is checked against the array). */
export const axis = (name = "axis"): Param<number> =>
  param(name, "axis", (v, at) =>
    isInt(v) ? E.right(v) : typeof v === "number" ? fractionalAxis(at, v) : fail(at, "an integer", v),
  );

/** An axis or a list of axes. */
export const axes = (name = "axis"): Param<number | number[]> =>
  param(name, "axes", (v, at): Checked<number | number[]> => {
    if (isInt(v)) return E.right(v);
    if (typeof v === "number") return fractionalAxis(at, v);
    if (Array.isArray(v)) {
      const bad = v.findIndex((a) => !isInt(a));
      if (bad >= 0 && typeof v[bad] === "number")
        return fractionalAxis({ fn: at.fn, arg: `${at.arg}[${bad}]` }, v[bad]);
    }
    return listOf(v, at, "an integer or an array of integers", isInt, "an integer");
  });

/** A list of integers (permutations, starts, strides, dimension lists). */
export const ints = (name: string): Param<number[]> =>
  param(name, "ints", (v, at) => listOf(v, at, "an array of integers", isInt, "an integer"));

/** An integer. */
export const int = (name: string): Param<number> =>
  param(name, "int", (v, at) => (isInt(v) ? E.right(v) : fail(at, "an integer", v)));

/** A whole number ≥ 0 that fits the element limit (counts and sizes). */
export const count = (name: string): Param<number> =>
  param(name, "count", (v, at) =>
    isInt(v) && v >= 0 && v <= MAX_ELEMENTS
      ? E.right(v)
      : fail(
          at,
          isInt(v) && v > 0 ? `at most ${MAX_ELEMENTS}` : "a whole number ≥ 0",
          v,
          typeof v === "number" ? ShapeError : TracegradError,
        ),
  );

/** A JS number (NaN and ±∞ included unless `finite`). */
export const number = (name: string, finite = false): Param<number> =>
  param(name, "number", (v, at) =>
    typeof v === "number" && (!finite || Number.isFinite(v))
      ? E.right(v)
      : fail(at, finite ? "a finite number" : "a number", v),
  );

/** A JS number or boolean (a fill value). */
export const scalar = (name: string): Param<number | boolean> =>
  param(name, "scalar", (v, at) =>
    typeof v === "number" || typeof v === "boolean" ? E.right(v) : fail(at, "a number or a boolean", v),
  );

/** A dtype name. */
export const dtype = (name = "dtype"): Param<DType> =>
  param(name, "dtype", (v, at) => {
    if (typeof v === "string" && (DTYPES as readonly string[]).includes(v)) return E.right(v as DType);
    if (typeof v === "string")
      return E.left(new DTypeError(`${at.fn}: unknown dtype ${JSON.stringify(v)}; use one of ${DTYPES.join(", ")}`));
    return fail(at, `a dtype name (one of ${DTYPES.join(", ")})`, v, DTypeError);
  });

/** A boolean. */
export const bool = (name: string): Param<boolean> =>
  param(name, "bool", (v, at) => (typeof v === "boolean" ? E.right(v) : fail(at, "true or false", v)));

/** One of a few values (strings or numbers). */
export function choice<A extends string | number>(name: string, values: readonly A[]): Param<A> {
  const p = param(name, "choice", (v, at) =>
    values.includes(v as A)
      ? E.right(v as A)
      : fail(at, `one of ${values.map((c) => JSON.stringify(c)).join(", ")}`, v),
  );
  return { ...p, choices: values };
}

/** A function. */
// biome-ignore lint/complexity/noBannedTypes: any function is accepted here; its use decides its type
export const fn = (name = "f"): Param<Function> =>
  param(name, "fn", (v, at) => (typeof v === "function" ? E.right(v) : fail(at, "a function", v)));

/** Which positional arguments a transform differentiates or keeps static: an integer or a list of integers. */
export const argnums = (name = "argnums"): Param<number | number[]> =>
  param(
    name,
    "axes",
    // the transform checks the range against the call, naming the argument count
    (v, at): Checked<number | number[]> =>
      typeof v === "number" ? E.right(v) : listOf(v, at, "an integer or an array of integers", isNum, "a number"),
  );
const isNum = (v: unknown): v is number => typeof v === "number";

/** A transform's list of positional arguments (`jvp(f, [x], [t])`, `checkGrads(f, [x])`). */
export const argList = (name: string): Param<unknown[]> =>
  param(name, "args", (v, at) =>
    Array.isArray(v) ? E.right(v) : fail(at, `an array with one entry per positional argument (e.g. [x])`, v),
  );

/** Anything a slot checks elsewhere (pytrees are read by `flatten`, which names bad leaves by path). */
export const anything = (name: string, kind: Kind): Param<unknown> => param(name, kind, (v) => E.right(v));

/** One entry of `x.slice(...)`/`x.at(...)`: a position, `[start?, stop?, step?]`, null (new axis), or a tensor. */
export const indexEntry = (name = "index"): Param<unknown> => anything(name, "index");
