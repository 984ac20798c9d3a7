// jacfwd, jacrev, hessian: full Jacobians from one linearization, by pushing basis vectors through it.
import { type DType, allocate, isFloat } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { type LooseArgs, type TreeDef, unflatten } from "../core/tree.js";
import { concatenate, reshape, transpose, zeros } from "../primitives/lax.js";
import { type GradOf, named } from "./autodiff.js";
import { checkArgnums, flatFunction, flattenTensors, fnName, partialArgs, requireFloatInputs } from "./flat.js";
import { linearizeFlat } from "./linearize.js";

export interface JacOptions<N extends number | readonly number[] = number | readonly number[]> {
  /** Which positional argument(s) to differentiate; default 0. */
  argnums?: N;
}

/** Each output leaf of `R` replaced by `In` (the Jacobian blocks for the differentiated inputs). */
export type JacobianOf<R, In> = R extends Tensor | number
  ? In
  : R extends readonly unknown[]
    ? { -readonly [K in keyof R]: JacobianOf<R[K], In> }
    : R extends object
      ? { [K in keyof R]: JacobianOf<R[K], In> }
      : never;
type AnyFn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The i-th standard basis tensor of `x`'s shape and dtype (a constant, so it costs nothing under tracing). */
function basisOf(x: { shape: readonly number[]; dtype: DType; size: number }, i: number): Tensor {
  const d = allocate(x.dtype, x.size);
  d[i] = 1;
  return Tensor._of(d, x.shape, x.dtype);
}

/** Stacks k tensors of one shape S into shape [...S, k] (the new axis last). */
function stackLast(parts: readonly Tensor[], shape: readonly number[], dtype: DType): Tensor {
  const rows = parts.map((p) => reshape(p, [1, ...shape]));
  const stacked = rows.length ? concatenate(rows, 0) : zeros([0, ...shape], dtype);
  return transpose(stacked, [...shape.map((_, i) => i + 1), 0]);
}

function jacobian(op: "jacfwd" | "jacrev", f: AnyFn, argnums: number | readonly number[]) {
  return (...args: any[]): any => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const nums = checkArgnums(op, argnums, args.length);
    const [xs, inTree] = flattenTensors(op, nums.map((n) => args[n]), "the differentiated arguments");
    requireFloatInputs(op, xs, (i) => `input leaf ${i}`);
    const { g, box } = flatFunction(op, partialArgs(f, args, nums), inTree, fnName(f));
    const { primalsOut: ys, linear } = linearizeFlat(op, fnName(f), g, xs);
    ys.forEach((y, i) => {
      if (!isFloat(y.dtype)) throw new DTypeError(`${op}: output leaf ${i} of '${fnName(f)}' has dtype ${y.dtype}; Jacobians need float outputs`);
    });
    // blocks[o][i]: d ys[o] / d xs[i], shape [...ys[o].shape, ...xs[i].shape]
    const blocks: Tensor[][] = ys.map(() => []);
    if (op === "jacfwd") {
      xs.forEach((x, i) => {
        const cols: Tensor[][] = ys.map(() => []);
        for (let e = 0; e < x.size; e++) {
          const ts = xs.map((_, k) => (k === i ? basisOf(x, e) : null));
          linear.apply(ts).forEach((t, o) => cols[o]!.push(t ?? zeros(ys[o]!.shape, ys[o]!.dtype)));
        }
        ys.forEach((y, o) => blocks[o]!.push(reshape(stackLast(cols[o]!, y.shape, x.dtype), [...y.shape, ...x.shape])));
      });
    } else {
      ys.forEach((y, o) => {
        const rows: Tensor[][] = xs.map(() => []);
        for (let e = 0; e < y.size; e++) {
          const cts = ys.map((_, k) => (k === o ? basisOf(y, e) : null));
          linear.transpose(cts).forEach((c, i) => rows[i]!.push(c ?? zeros(xs[i]!.shape, xs[i]!.dtype)));
        }
        xs.forEach((x, i) => {
          const st = stackLast(rows[i]!, x.shape, y.dtype); // [...x.shape, y.size]
          const moved = transpose(st, [x.ndim, ...x.shape.map((_, k) => k)]);
          blocks[o]!.push(reshape(moved, [...y.shape, ...x.shape]));
        });
      });
    }
    const perOut = blocks.map((b) => {
      const tree = unflatten(inTree, b) as unknown[];
      return typeof argnums === "number" ? tree[0] : tree;
    });
    return unflatten(box.outTree as TreeDef, perOut);
  };
}

/**
 * Jacobian by forward mode (one JVP per input element), shape `[...out.shape, ...in.shape]`.
 * @example jacfwd((x) => x.mul(x))(np.array([1, 2])) // [[2, 0], [0, 4]]
 */
export function jacfwd<A extends unknown[], R, const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  opts: JacOptions<N> = {},
): (...args: LooseArgs<A>) => JacobianOf<R, GradOf<A, N>> {
  return named(jacobian("jacfwd", f, opts.argnums ?? 0), `jacfwd(${fnName(f)})`);
}

/**
 * Jacobian by reverse mode (one VJP per output element), shape `[...out.shape, ...in.shape]`.
 * @example jacrev((x) => x.sin())(np.array([0, 0])) // [[1, 0], [0, 1]]
 */
export function jacrev<A extends unknown[], R, const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  opts: JacOptions<N> = {},
): (...args: LooseArgs<A>) => JacobianOf<R, GradOf<A, N>> {
  return named(jacobian("jacrev", f, opts.argnums ?? 0), `jacrev(${fnName(f)})`);
}

/**
 * Matrix of second derivatives, `jacfwd(jacrev(f))`.
 * @example hessian((x) => x.pow(3).sum())(np.array([1, 2])) // [[6, 0], [0, 12]]
 */
export function hessian<A extends unknown[], R, const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  opts: JacOptions<N> = {},
): (...args: LooseArgs<A>) => JacobianOf<JacobianOf<R, GradOf<A, N>>, GradOf<A, N>> {
  const argnums = opts.argnums ?? 0;
  return named(jacobian("jacfwd", named(jacobian("jacrev", f, argnums), `jacrev(${fnName(f)})`), argnums), `hessian(${fnName(f)})`);
}
