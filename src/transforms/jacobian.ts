// jacfwd, jacrev, hessian: full Jacobians from one linearization, with vmap pushing all basis vectors through it at
// once.
import { allocate, type DType, isFloat } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { argnums, fn } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { type LooseAt, type TreeDef, unflatten } from "../core/tree.js";
import { guard, options } from "../core/validate.js";
import { reshape, transpose, zeros } from "../primitives/index.js";
import type { GradOf } from "./autodiff.js";
import {
  type AnyFn,
  argumentLeaves,
  checkArgnums,
  flatFunction,
  flattenTensors,
  fnName,
  named,
  partialArgs,
  requireFloatInputs,
  tracing,
} from "./flat.js";
import { linearizeFlat } from "./linearize.js";
import { vmapFlat } from "./vmap.js";

/**
 * Options of `jacfwd`, `jacrev` and `hessian`.
 * @example jacrev((a: Tensor, b: Tensor) => a.mul(b), { argnums: [0, 1] })(2, 3)
 * // [Tensor(3, dtype=float32), Tensor(2, dtype=float32)]
 */
export interface JacOptions<N extends number | readonly number[] = number | readonly number[]> {
  /** Which positional argument(s) to differentiate; default 0. */
  argnums?: N;
}
const jacOptions = options({ argnums: argnums() }, "argnums");

/**
 * Each output leaf of `R` replaced by `In` (the Jacobian blocks for the differentiated inputs): `JacobianOf<[Tensor,
 * Tensor], Tensor>` is `[Tensor, Tensor]`.
 */
export type JacobianOf<R, In> = R extends Tensor | number
  ? In
  : R extends readonly unknown[]
    ? { -readonly [K in keyof R]: JacobianOf<R[K], In> }
    : R extends object
      ? { [K in keyof R]: JacobianOf<R[K], In> }
      : never;

/** The standard basis of a shape, stacked: [n, ...shape] with a 1 at (i, i) (a constant under tracing). */
function basis(shape: readonly number[], dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = allocate(dtype, n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return Tensor._of(d, [n, ...shape], dtype);
}

/** [n, ...lead] (or [...lead, n] when the batch comes last) → [...lead, ...shape], where n = size(shape). */
function toBlock(stacked: Tensor, lead: readonly number[], shape: readonly number[], batchToEnd: boolean): Tensor {
  const moved = batchToEnd ? transpose(stacked, [...lead.map((_, i) => i + 1), 0]) : stacked;
  return reshape(moved, [...lead, ...shape]);
}

/** The Jacobian of `f` by forward or reverse mode; `op` (jacfwd, jacrev or hessian) names errors. */
function jacobian(op: string, mode: "fwd" | "rev", f: AnyFn, argnums: number | readonly number[]): AnyFn {
  return (...args: unknown[]): unknown => {
    const nums = checkArgnums(op, argnums, args.length);
    const [xs, inTree] = flattenTensors(
      op,
      nums.map((n) => args[n]),
      "the differentiated arguments",
    );
    const names = argumentLeaves(nums, inTree);
    requireFloatInputs(op, xs, (i) => names[i]!);
    const { g, box } = flatFunction(op, partialArgs(f, args, nums), inTree, fnName(f));
    const { primalsOut: ys, linear } = tracing(op, fnName(f), () => linearizeFlat(op, fnName(f), g, xs));
    ys.forEach((y, i) => {
      if (!isFloat(y.dtype))
        throw new DTypeError(
          `${op}: output leaf ${i} of '${fnName(f)}' has dtype ${y.dtype}; Jacobians need float outputs`,
        );
    });
    // blocks[o][i]: d ys[o] / d xs[i], shape [...ys[o].shape, ...xs[i].shape]; one vmap per input (jacfwd,
    // its basis through the tangent map) or per output (jacrev, its basis through the transposed map)
    const blocks: Tensor[][] = ys.map(() => []);
    const fill = (t: Tensor | null, like: Tensor) => t ?? zeros(like.shape, like.dtype);
    if (mode === "fwd") {
      xs.forEach((x, i) => {
        const cols = vmapFlat(
          op,
          (e) => linear.apply(xs.map((_, k) => (k === i ? e! : null))).map((t, o) => fill(t, ys[o]!)),
          [basis(x.shape, x.dtype)],
          [0],
        ).outs;
        cols.forEach((c, o) => blocks[o]!.push(toBlock(c, ys[o]!.shape, x.shape, true)));
      });
    } else {
      ys.forEach((y, o) => {
        const rows = vmapFlat(
          op,
          (e) => linear.transpose(ys.map((_, k) => (k === o ? e! : null))).map((c, i) => fill(c, xs[i]!)),
          [basis(y.shape, y.dtype)],
          [0],
        ).outs;
        rows.forEach((r, i) => blocks[o]!.push(toBlock(r, y.shape, xs[i]!.shape, false)));
      });
    }
    const perOut = blocks.map((b) => {
      const tree = unflatten(inTree, b) as unknown[];
      return typeof argnums === "number" ? tree[0] : tree;
    });
    return unflatten(box.outTree as TreeDef, perOut);
  };
}

/** jacfwd's and jacrev's type: argnums in an options object or positionally. */
export type Jac = <A extends unknown[], R, const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  opts?: N | JacOptions<N>,
) => (...args: LooseAt<A, N>) => JacobianOf<R, GradOf<A, N>>;

/** The public transform `op`, checked at the boundary. */
const jacTransform = (op: string, mode: "fwd" | "rev"): Jac =>
  guard(op, [fn(), jacOptions], (f: AnyFn, opts: JacOptions) =>
    named(jacobian(op, mode, f, opts.argnums ?? 0), `${op}(${fnName(f)})`),
  );

/**
 * Jacobian by forward mode (all input basis vectors pushed through the JVP at once, by vmap), shape `[...out.shape,
 * ...in.shape]`.
 * @example jacfwd((x: Tensor) => x.mul(x))(np.array([1, 2])).toArray() // [[2, 0], [0, 4]]
 */
export const jacfwd: Jac = jacTransform("jacfwd", "fwd");

/**
 * Jacobian by reverse mode (all output basis vectors pulled back through the VJP at once, by vmap), shape
 * `[...out.shape, ...in.shape]`.
 * @example jacrev((x: Tensor) => x.sum())(np.array([1, 2])) // Tensor([1, 1], dtype=float32)
 * jacrev((x: Tensor) => np.outer(x, x))(np.array([1, 2])).shape // [2, 2, 2]
 */
export const jacrev: Jac = jacTransform("jacrev", "rev");

/**
 * Second derivatives, `jacfwd(jacrev(f))` as in JAX: shape `[...out.shape, ...in.shape, ...in.shape]`.
 * @example hessian((x: Tensor) => x.pow(3).sum())(np.array([1, 2])).toArray() // [[6, 0], [0, 12]]
 */
export const hessian: <A extends unknown[], R, const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  opts?: N | JacOptions<N>,
) => (...args: LooseAt<A, N>) => JacobianOf<JacobianOf<R, GradOf<A, N>>, GradOf<A, N>> = guard(
  "hessian",
  [fn(), jacOptions],
  hessianImpl,
);
function hessianImpl(f: AnyFn, opts: JacOptions): AnyFn {
  const argnums = opts.argnums ?? 0;
  return named(
    jacobian("hessian", "fwd", named(jacobian("hessian", "rev", f, argnums), `jacrev(${fnName(f)})`), argnums),
    `hessian(${fnName(f)})`,
  );
}
