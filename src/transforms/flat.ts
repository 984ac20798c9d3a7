// The pytree boundary of every transform: arguments to flat tensor lists and back, with typed errors.
import { isFloat } from "../core/dtype.js";
import { DTypeError, fmtShape, GradientCheckError, ShapeError, TracegradError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { flatten, leafPaths, type TreeDef, treeDefEqual, treeDefString, unflatten } from "../core/tree.js";
import { describe } from "../core/validate.js";
import { conversionCount } from "../ir/trace.js";
import { scalar } from "../primitives/index.js";

/** A pytree leaf as a tensor: JS numbers are float32, booleans bool; `where` (or its thunk) names the leaf. */
export function leafTensor(op: string, x: unknown, where: string | (() => string)): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x, "float32");
  if (typeof x === "boolean") return scalar(x, "bool");
  throw new TracegradError(
    `${op}: ${typeof where === "string" ? where : where()} is ${describe(x)}; pytree leaves must be Tensors, numbers ` +
      `or booleans (convert data with np.array)`,
  );
}

/** The tensor leaves of a pytree argument; a bad leaf is named by its path (`the arguments at [0].w`). */
export function flattenTensors(op: string, tree: unknown, where: string): [Tensor[], TreeDef] {
  const [leaves, def] = flatten(tree, op);
  let paths: string[] | undefined;
  const at = (i: number) => () => `a leaf of ${where} (at ${((paths ??= leafPaths(def)))[i] || "the root"})`;
  return [leaves.map((l, i) => (l instanceof Tensor ? l : leafTensor(op, l, at(i)))), def];
}

/** Names of the leaves of the differentiated arguments `nums` (flattened as one list): `argument 0.layers[1].w`. */
export function argumentLeaves(nums: readonly number[], inTree: TreeDef): string[] {
  if (inTree.kind !== "array") return [];
  return inTree.children.flatMap((c, k) => leafPaths(c).map((p) => `argument ${nums[k]}${p}`));
}

/**
 * Runs a transform's trace of `name`; a TracegradError raised inside (by the user's function calling the library)
 * says which transform was tracing, and `detail` adds what the transform knows (vmap: the batched shapes). Errors of
 * the user's own code pass through unchanged.
 */
export function tracing<R>(op: string, name: string, body: () => R, detail?: () => string): R {
  try {
    return body();
  } catch (e) {
    if (e instanceof TracegradError && !(e instanceof GradientCheckError) && !e.message.startsWith(`${op}`)) {
      const note = `(raised while ${op} traced '${name}'${detail ? `; ${detail()}` : ""})`;
      if (!e.message.includes(note)) e.message = `${e.message}\n${note}`;
    }
    throw e;
  }
}

/** Runs `f` on the pytree rebuilt from flat tensors and returns the flat output; `outTree` is read after a call. */
export function flatFunction(op: string, f: (...args: never[]) => unknown, inTree: TreeDef, name = fnName(f)) {
  const box: { outTree?: TreeDef } = {};
  const g = (...xs: Tensor[]): Tensor[] => {
    const args = unflatten(inTree, xs) as never[];
    const before = conversionCount();
    const result = f(...args);
    if (conversionCount() !== before && flatten(result)[0].some((l) => typeof l === "number")) {
      throw new TracegradError(
        `${op}: '${name}' returned a plain JS number after reading a traced value as a number (Number(x), +x, or JS ` +
          `* - / on a tensor). ` +
          `JS arithmetic cuts values out of the computation, so its derivative would silently be zero; use tensor ` +
          `methods (x.mul(y)) or np functions`,
      );
    }
    const [outs, def] = flattenTensors(op, result, "the function's output");
    box.outTree = def;
    return outs;
  };
  return { g, box };
}

/**
 * Any function, as the implementations behind the transforms' typed signatures take and return them (the overloads
 * users see are typed; these bodies pass user functions and arguments through untouched).
 */
// biome-ignore lint/suspicious/noExplicitAny: the untyped implementation signature behind typed overloads
export type AnyFn = (...args: any[]) => any;

/** `f` as a function of the arguments at positions `nums` only, the others fixed to `args`. */
export function partialArgs<R>(f: (...args: never[]) => R, args: readonly unknown[], nums: readonly number[]) {
  const call = f as (...args: unknown[]) => R;
  return (...diff: unknown[]): R => {
    const full = [...args];
    nums.forEach((n, k) => (full[n] = diff[k]));
    return call(...full);
  };
}

/** Normalises `argnums` against the number of arguments. */
export function checkArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  if (list.length === 0)
    throw new TracegradError(`${op}: argnums is empty; name at least one argument to differentiate`);
  const seen = new Set<number>();
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs) {
      throw new TracegradError(
        `${op}: argnums ${a} is out of range for a call with ${nargs} positional argument${nargs === 1 ? "" : "s"} ` +
          `(valid: 0 … ${nargs - 1})`,
      );
    }
    const n = a < 0 ? a + nargs : a;
    if (seen.has(n))
      throw new TracegradError(
        `${op}: argnums names argument ${n} twice (${JSON.stringify(argnums)}); list each argument once`,
      );
    seen.add(n);
    return n;
  });
}

/** Gradients exist only for float inputs: a typed error naming the argument otherwise. */
export function requireFloatInputs(op: string, xs: readonly Tensor[], argOf: (leaf: number) => string): void {
  xs.forEach((x, i) => {
    if (!isFloat(x.dtype)) {
      throw new DTypeError(
        `${op}: ${argOf(i)} has dtype ${x.dtype}; derivatives are only defined for float32/float64 inputs. Convert ` +
          `it with astype("float32"), or leave it out of argnums`,
      );
    }
  });
}

/** Checks a user-supplied tangent or cotangent tree against the values it belongs to (JS numbers adopt their dtype). */
export function matchTree(op: string, what: string, tree: unknown, def: TreeDef, like: readonly Tensor[]): Tensor[] {
  const [raw, d] = flatten(tree, op);
  if (!treeDefEqual(d, def)) {
    throw new TracegradError(
      `${op}: the ${what} must have the structure ${treeDefString(def)} of the values they belong to, got ` +
        `${treeDefString(d)}`,
    );
  }
  const names = leafPaths(def).map((p) => (p ? `leaf ${p}` : "the leaf"));
  return raw.map((l, i) => {
    const ref = like[i]!;
    const t = typeof l === "number" ? scalar(l, ref.dtype) : leafTensor(op, l, () => `${names[i]} of the ${what}`);
    if (t.ndim !== ref.ndim || t.shape.some((s, k) => s !== ref.shape[k])) {
      throw new ShapeError(
        `${op}: ${names[i]} of the ${what} has shape ${fmtShape(t.shape)}, but the value it belongs to has shape ` +
          `${fmtShape(ref.shape)}`,
      );
    }
    if (t.dtype !== ref.dtype && isFloat(ref.dtype)) {
      throw new DTypeError(
        `${op}: ${names[i]} of the ${what} has dtype ${t.dtype}, but the value it belongs to is ${ref.dtype}; ` +
          `convert ` +
          `it with astype("${ref.dtype}")`,
      );
    }
    return t;
  });
}

export const fnName = (f: { name: string }): string => f.name || "<anonymous>";

/** Sets `f.name` (error messages and jaxprs name the function), returning `f`. */
export function named<F extends (...args: never[]) => unknown>(f: F, name: string): F {
  Object.defineProperty(f, "name", { value: name });
  return f;
}
