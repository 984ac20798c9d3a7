// lax.associativeScan: the inclusive scan of an associative binary function over a pytree of arrays, as
// jax.lax.associative_scan. Built from slices, concatenations and reshapes (no primitive of its own), so every
// transform sees ordinary differentiable, batchable primitives. The recursion is the parallel one (O(log n) depth,
// O(n) applications of `fn` to whole slices): combine neighbouring pairs, scan the half-length result (the prefixes
// ending at odd positions), combine those with the following even elements, and interleave the two halves.
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { anything, bool, fn, int } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { leafPaths, type TensorTree, type TreeDef, treeDefEqual, treeDefString, unflatten } from "../core/tree.js";
import { guard, options } from "../core/validate.js";
import * as p from "../primitives/index.js";
import { flattenTensors, fnName } from "../transforms/flat.js";

const OP = "lax.associativeScan";

export interface AssociativeScanOptions {
  /** Scan from the end towards the start (the result at i combines elements i … n−1). */
  reverse?: boolean;
  /** The axis of every leaf to scan along; negative counts from the end. */
  axis?: number;
}

/** Elements `start`, `start + stride`, … below `limit` along `axis`. */
function along(x: Tensor, axis: number, start: number, limit: number, stride = 1): Tensor {
  return p.slice(
    x,
    x.shape.map((_, i) => (i === axis ? start : 0)),
    x.shape.map((d, i) => (i === axis ? limit : d)),
    x.shape.map((_, i) => (i === axis ? stride : 1)),
  );
}

/**
 * `evens[0], odds[0], evens[1], odds[1], …` along `axis`; `evens` has as many elements as `odds` or one more. Pairs
 * are stacked along a new axis after `axis` and the two axes merged (exact for every dtype, unlike padding and adding).
 */
function interleave(evens: Tensor, odds: Tensor, axis: number): Tensor {
  const m = odds.shape[axis]!;
  const head = along(evens, axis, 0, m);
  const before = odds.shape.slice(0, axis);
  const after = odds.shape.slice(axis + 1);
  const pair = [...before, m, 1, ...after];
  const stacked = p.concatenate([p.reshape(head, pair), p.reshape(odds, pair)], axis + 1);
  const merged = p.reshape(stacked, [...before, 2 * m, ...after]);
  return evens.shape[axis] === m ? merged : p.concatenate([merged, along(evens, axis, m, m + 1)], axis);
}

/** `fn` of two pytrees given as flat leaves (of `def`), its result flat, checked against `a`'s shapes and dtypes. */
function combiner(f: (a: unknown, b: unknown) => unknown, def: TreeDef, paths: readonly string[]) {
  const name = fnName(f);
  const leaf = (i: number) => (paths[i] ? ` at ${paths[i]}` : "");
  return (a: readonly Tensor[], b: readonly Tensor[]): Tensor[] => {
    const result = f(unflatten(def, a), unflatten(def, b));
    const [out, outDef] = flattenTensors(OP, result, `the result of fn '${name}'`);
    if (!treeDefEqual(outDef, def)) {
      throw new TracegradError(
        `${OP}: fn '${name}' returned the structure ${treeDefString(outDef)}, but elems has the structure ` +
          `${treeDefString(def)}; fn(a, b) must return a pytree like its arguments`,
      );
    }
    return out.map((c, i) => {
      const want = a[i]!;
      const args = `its arguments there (slices of elems${paths[i]} along the scanned axis)`;
      if (c.ndim !== want.ndim || c.shape.some((d, k) => d !== want.shape[k])) {
        throw new ShapeError(
          `${OP}: fn '${name}' returned shape ${fmtShape(c.shape)}${leaf(i)}, but ${args} have shape ` +
            `${fmtShape(want.shape)}; fn(a, b) must return arrays of its arguments' shapes`,
        );
      }
      if (c.dtype !== want.dtype) {
        throw new DTypeError(
          `${OP}: fn '${name}' returned dtype ${c.dtype}${leaf(i)}, but ${args} have dtype ${want.dtype}; fn(a, b) ` +
            `must return arrays of its arguments' dtypes (convert with astype)`,
        );
      }
      return c;
    });
  };
}

/** The inclusive scan of the leaves `xs` (all of one size along `axis`) under `combine`. */
function scanLeaves(
  combine: (a: readonly Tensor[], b: readonly Tensor[]) => Tensor[],
  xs: readonly Tensor[],
  axis: number,
): Tensor[] {
  const n = xs[0]!.shape[axis]!;
  if (n < 2) return [...xs];
  /** Each leaf's elements start, start + stride, … below limit along the axis. */
  const each = (ts: readonly Tensor[], start: number, limit: number, stride = 1) =>
    ts.map((t) => along(t, axis, start, limit, stride));
  // pairs (x0 x1), (x2 x3), …: their scan is the result at the odd positions 1, 3, 5, …
  const odds = scanLeaves(combine, combine(each(xs, 0, n - 1, 2), each(xs, 1, n, 2)), axis);
  // the even positions 2, 4, …: the prefix ending just before each, combined with the element itself
  const k = Math.ceil(n / 2) - 1; // m − 1 of the m odd results when n is even, all m when n is odd
  const rest = k === 0 ? null : combine(each(odds, 0, k), each(xs, 2, n, 2));
  return xs.map((x, i) => {
    const first = along(x, axis, 0, 1);
    return interleave(rest ? p.concatenate([first, rest[i]!], axis) : first, odds[i]!, axis);
  });
}

function associativeScanImpl(f: (a: unknown, b: unknown) => unknown, elems: unknown, opts: AssociativeScanOptions) {
  const { reverse = false, axis: ax = 0 } = opts;
  const [xs, def] = flattenTensors(OP, elems, "elems");
  if (xs.length === 0) return elems;
  const paths = leafPaths(def);
  const where = (i: number) => `elems${paths[i]}`;
  // one axis for every leaf, a negative one counted from the end of the first leaf (as JAX)
  const axis = ax < 0 ? ax + xs[0]!.ndim : ax;
  xs.forEach((x, i) => {
    if (x.ndim === 0) {
      throw new ShapeError(
        `${OP}: ${where(i)} is a scalar (shape []), so it has no axis ${ax} to scan along; every leaf of elems must ` +
          `be an array with that axis (convert data with np.array)`,
      );
    }
    if (axis < 0 || axis >= x.ndim) {
      const first = i === 0 ? "" : ` (negative axes count from the end of the first leaf, ${where(0)})`;
      throw new ShapeError(
        `${OP}: axis ${ax} is out of range for ${where(i)}, of shape ${fmtShape(x.shape)} (rank ${x.ndim})${first}; ` +
          `valid axes are ${-x.ndim} … ${x.ndim - 1}`,
      );
    }
  });
  const n = xs[0]!.shape[axis]!;
  const bad = xs.findIndex((x) => x.shape[axis] !== n);
  if (bad >= 0) {
    throw new ShapeError(
      `${OP}: the leaves of elems must have the same size along axis ${ax}, but ${where(0)} has shape ` +
        `${fmtShape(xs[0]!.shape)} (size ${n}) and ${where(bad)} has shape ${fmtShape(xs[bad]!.shape)} (size ` +
        `${xs[bad]!.shape[axis]})`,
    );
  }
  const flip = (ts: readonly Tensor[]) => (reverse ? ts.map((t) => p.rev(t, [axis])) : [...ts]);
  const out = flip(scanLeaves(combiner(f, def, paths), flip(xs), axis));
  return def.kind === "leaf" ? out[0] : unflatten(def, out);
}

/**
 * The inclusive scan of an associative binary function, as `jax.lax.associative_scan`: `fn(a, b)` combines two pytrees
 * like `elems` whose leaves are slices of `elems`' leaves along `axis` (applied to many slices at once, so it must work
 * elementwise over them); the result at position i is `fn(…fn(fn(x0, x1), x2)…, xi)`, computed in O(log n) parallel
 * steps. With `reverse`, the scan runs from the end, as a scan of the flipped elements flipped back (the result at i
 * is `fn(…fn(x(n−1), x(n−2))…, xi)`). The third argument may be `reverse` given positionally, as in JAX.
 * @example lax.associativeScan((a, b) => a.add(b), np.array([1, 2, 3, 4])) // Tensor([1, 3, 6, 10], dtype=float32)
 * lax.associativeScan(np.maximum, np.array([[1, 5], [3, 2]]), { axis: 1 }) // [[1, 5], [3, 3]]
 */
export const associativeScan: <T>(
  fn: (a: TensorTree<T>, b: TensorTree<T>) => unknown,
  elems: T,
  opts?: AssociativeScanOptions | boolean,
) => TensorTree<T> = guard(
  OP,
  [fn("fn"), anything("elems", "pytree"), options({ reverse: bool("reverse"), axis: int("axis") }, "reverse")],
  associativeScanImpl,
);
