// Reading nested JS arrays of numbers without recursion: any depth and cycles give typed errors, and the element
// count is checked before anything is allocated.
import * as E from "fp-ts/Either";
import type { At, Checked } from "./checked.js";
import { dtypeOfTypedArray } from "./dtype.js";
import { ShapeError, TracegradError } from "./errors.js";
import { Tensor } from "./tensor.js";

/** Most axes a tensor may have (NumPy 2's limit). */
export const MAX_RANK = 64;
/**
 * Most elements a tensor may have: 2²⁸ (1 GiB of float32, 2 GiB of float64). Larger arrays are beyond what CPU
 * kernels in JS get through in reasonable time (filling 2³¹ elements takes minutes), so a request for one is almost
 * always a mistake, reported before anything is allocated rather than found as a hang or an out-of-memory kill.
 */
export const MAX_ELEMENTS = 2 ** 28;

/** Row-major values and shape of a nested array; `tensors` when some leaves are tensors (then `values` is partial). */
export interface ParsedNested {
  shape: number[];
  values: number[];
  allBool: boolean;
  tensors: boolean;
}

/** A row of a nested array: a JS array or a typed array inside one. */
export const isRow = (x: unknown): x is ArrayLike<unknown> =>
  Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));

const where = (path: readonly number[]) => `[${path.join(", ")}]`;

/** Reads `data` (a JS array) iteratively: its shape from the first elements, then every element against it. */
export function readNested(at: At, data: readonly unknown[]): Checked<ParsedNested> {
  // the data of np.array is its only argument; elsewhere the message says which argument
  const of = at.arg === "data" ? "" : ` (argument ${at.arg})`;
  const bad = (msg: string, cls = ShapeError) => E.left(new cls(`${at.fn}: ${msg}${of}`));
  const shape: number[] = [];
  const onPath: unknown[] = [];
  for (let x: unknown = data; isRow(x); x = x[0]) {
    if (onPath.includes(x))
      return bad(`the nested array contains itself (at ${where(shape.map(() => 0))}); arrays must be trees`);
    if (shape.length === MAX_RANK)
      return bad(`the nested array is more than ${MAX_RANK} levels deep; tensors have at most ${MAX_RANK} axes`);
    onPath.push(x);
    shape.push(x.length);
    if (x.length === 0) break;
  }
  let size = 1;
  for (const d of shape) size *= d;
  if (size > MAX_ELEMENTS)
    return bad(`the nested array has shape ${where(shape)}, ${size} elements, more than the limit of ${MAX_ELEMENTS}`);
  const values: number[] = [];
  let allBool = true;
  let tensors = false;
  const rows: ArrayLike<unknown>[] = [data];
  const path: number[] = [0];
  while (rows.length > 0) {
    const depth = rows.length - 1;
    const row = rows[depth]!;
    const i = path[depth]!;
    if (i === row.length) {
      rows.pop();
      path.pop();
      if (path.length) path[path.length - 1]!++;
      continue;
    }
    const e = row[i];
    if (depth + 1 < shape.length) {
      if (!isRow(e) || e.length !== shape[depth + 1]) {
        const got = isRow(e) ? `${e.length}` : "a scalar";
        return bad(
          `ragged nested array: at ${where(path)} expected ${shape[depth + 1]} elements like the first row, got ` +
            `${got}; every row must have the same length`,
        );
      }
      if (rows.includes(e)) return bad(`the nested array contains itself (at ${where(path)}); arrays must be trees`);
      rows.push(e);
      path.push(0);
      continue;
    }
    if (typeof e === "number") {
      values.push(e);
      allBool = false;
    } else if (typeof e === "boolean") values.push(e ? 1 : 0);
    else if (e instanceof Tensor) tensors = true;
    else if (isRow(e) && rows.includes(e))
      return bad(`the nested array contains itself (at ${where(path)}); arrays must be trees`);
    else if (isRow(e))
      return bad(
        `ragged nested array: element ${where(path)} is an array, but its siblings are numbers; every row must ` +
          `have the same nesting depth`,
      );
    else return bad(`element ${where(path)} is ${describeLeaf(e)}; expected numbers or booleans`, TracegradError);
    path[depth]!++;
  }
  return E.right({ shape, values, allBool: allBool && values.length > 0, tensors });
}

function describeLeaf(e: unknown): string {
  if (e === null) return "null";
  if (typeof e === "string") return `the string ${JSON.stringify(e.length > 40 ? `${e.slice(0, 40)}…` : e)}`;
  return `of type ${typeof e}`;
}

/** What readNested found for arrays the boundary checked, so converting them does not read them again. */
const parsed = new WeakMap<object, ParsedNested>();

/** Checks a JS array or typed array argument (the ArrayLike validator's non-scalar case). */
export function checkedNested<A extends readonly unknown[] | ArrayBufferView>(at: At, v: A): Checked<A> {
  if (!Array.isArray(v)) {
    if (dtypeOfTypedArray(v)) return E.right(v);
    return E.left(
      new TracegradError(
        `${at.fn}: ${at.arg} is a ${v.constructor.name}, which is not supported; use Float32Array, Float64Array, ` +
          `Int32Array, Uint32Array or Uint8Array (bool), or convert with Array.from(...)`,
      ),
    );
  }
  const r = readNested(at, v);
  if (E.isLeft(r)) return r;
  parsed.set(v, r.right);
  return E.right(v);
}

/** The parse of `data`: the boundary's (taken once), or a fresh one (throwing its error). */
export function parsedNested(op: string, data: readonly unknown[]): ParsedNested {
  const p = parsed.get(data);
  if (p) {
    parsed.delete(data);
    return p;
  }
  const r = readNested({ fn: op, arg: "the data" }, data);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}
