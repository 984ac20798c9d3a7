// The public autodiff transforms: jvp, linearize, vjp, grad, valueAndGrad.
import { isFloat } from "../core/dtype.js";
import { DTypeError, fmtShape, GradientError, TracegradError } from "../core/errors.js";
import { anything, argList, argnums, bool, fn } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { flatten, isNode, type Loose, type LooseArgs, type LooseAt, type TensorTree, unflatten } from "../core/tree.js";
import { guard, options, rest } from "../core/validate.js";
import { fullLike, zerosLike } from "../primitives/index.js";
import {
  type AnyFn,
  argumentLeaves,
  checkArgnums,
  flatFunction,
  flattenTensors,
  fnName,
  matchTree,
  named,
  partialArgs,
  requireFloatInputs,
  tracing,
} from "./flat.js";
import { jvpFlat } from "./jvp_trace.js";
import { linearizeFlat } from "./linearize.js";

type Fn = (...args: never[]) => unknown;

/**
 * Forward mode: `f` at `primals` and its directional derivative along `tangents` (both arrays, one entry per argument).
 * @example jvp((x: Tensor) => x.sin(), [0], [1]) // [Tensor(0, dtype=float32), Tensor(1, dtype=float32)]
 */
export const jvp: <A extends unknown[], R>(
  f: (...args: A) => R,
  primals: LooseArgs<A>,
  tangents: LooseArgs<A>,
) => [TensorTree<R>, TensorTree<R>] = guard("jvp", [fn(), argList("primals"), argList("tangents")], jvpImpl);
function jvpImpl<A extends unknown[], R>(
  f: (...args: A) => R,
  primals: LooseArgs<A>,
  tangents: LooseArgs<A>,
): [TensorTree<R>, TensorTree<R>] {
  const [xs, inTree] = flattenTensors("jvp", primals, "primals");
  const ts = matchTree("jvp", "tangents", tangents, inTree, xs);
  const { g, box } = flatFunction("jvp", f as Fn, inTree);
  const [outs, touts] = tracing("jvp", fnName(f), () => jvpFlat("jvp", fnName(f), g, xs, ts));
  const tangentsOut = touts.map((t, i) => t ?? zerosLike(outs[i]!));
  return [unflatten(box.outTree!, outs) as TensorTree<R>, unflatten(box.outTree!, tangentsOut) as TensorTree<R>];
}

/**
 * The output of `f` at `primals` and its linear tangent map, evaluated without re-running `f` (JAX's `linearize`).
 * @example const [y, fJvp] = linearize((x: Tensor) => x.exp(), 1); fJvp(2) // Tensor(5.4365635, dtype=float32)
 */
export const linearize: <A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: LooseArgs<A>
) => [TensorTree<R>, (...tangents: LooseArgs<A>) => TensorTree<R>] = guard(
  "linearize",
  [fn(), rest(anything("primals", "pytree"))],
  linearizeImpl,
);
function linearizeImpl<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: LooseArgs<A>
): [TensorTree<R>, (...tangents: LooseArgs<A>) => TensorTree<R>] {
  const [xs, inTree] = flattenTensors("linearize", primals, "primals");
  const { g, box } = flatFunction("linearize", f as Fn, inTree);
  const { primalsOut, linear } = tracing("linearize", fnName(f), () => linearizeFlat("linearize", fnName(f), g, xs));
  const fLin = (...tangents: LooseArgs<A>) => {
    const ts = matchTree("linearize", "tangents", tangents, inTree, xs);
    return unflatten(
      box.outTree!,
      linear.apply(ts).map((t, i) => t ?? zerosLike(primalsOut[i]!)),
    ) as TensorTree<R>;
  };
  return [unflatten(box.outTree!, primalsOut) as TensorTree<R>, fLin];
}

/**
 * Reverse mode: the output of `f` and a function mapping an output cotangent to one cotangent per primal.
 * @example const [y, back] = vjp((a: Tensor, b: Tensor) => a.mul(b), 2, 3); back(1)
 * // [Tensor(3, dtype=float32), Tensor(2, dtype=float32)]
 */
export const vjp: <A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: LooseArgs<A>
) => [TensorTree<R>, (cotangent: Loose<TensorTree<R>>) => TensorTree<A>] = guard(
  "vjp",
  [fn(), rest(anything("primals", "pytree"))],
  vjpImpl,
);
function vjpImpl<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: LooseArgs<A>
): [TensorTree<R>, (cotangent: Loose<TensorTree<R>>) => TensorTree<A>] {
  const [xs, inTree] = flattenTensors("vjp", primals, "primals");
  const { g, box } = flatFunction("vjp", f as Fn, inTree);
  const { primalsOut, linear } = tracing("vjp", fnName(f), () => linearizeFlat("vjp", fnName(f), g, xs));
  const outTree = box.outTree!;
  const vjpFn = (cotangent: Loose<TensorTree<R>>) => {
    const cts = matchTree("vjp", "cotangent", cotangent, outTree, primalsOut);
    return unflatten(
      inTree,
      linear.transpose(cts).map((c, i) => c ?? zerosLike(xs[i]!)),
    ) as TensorTree<A>;
  };
  return [unflatten(outTree, primalsOut) as TensorTree<R>, vjpFn];
}

/**
 * Options of `grad` and `valueAndGrad`.
 * @example grad((a: Tensor, b: Tensor) => a.mul(b), { argnums: [0, 1] })(2, 3)
 * // [Tensor(3, dtype=float32), Tensor(2, dtype=float32)]
 */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  /** Which positional argument(s) to differentiate; an array gives a tuple of gradients. Default 0. */
  argnums?: N;
  /** `f` returns `[value, aux]`; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

/**
 * Gradient type for `argnums`: the argument's own pytree type with Tensor leaves, or a tuple of them (e.g. `GradOf<[{
 * w: Tensor }, Tensor], 0>` is `{ w: Tensor }`).
 */
export type GradOf<A extends unknown[], N> = N extends number
  ? TensorTree<A[N]>
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: TensorTree<A[N[K] & number]> }
    : never;

type Scalar = Tensor | number;

/** grad's and valueAndGrad's options; argnums may be given positionally. */
const gradOptions = options({ argnums: argnums(), hasAux: bool("hasAux") }, "argnums");

/** Shared by grad and valueAndGrad: value, gradients (per argnum) and aux. */
function gradients(op: string, f: AnyFn, args: unknown[], argnums: number | readonly number[], hasAux: boolean) {
  const nums = checkArgnums(op, argnums, args.length);
  const [xs, inTree] = flattenTensors(
    op,
    nums.map((n) => args[n]),
    "the differentiated arguments",
  );
  const names = argumentLeaves(nums, inTree);
  requireFloatInputs(op, xs, (i) => names[i]!);
  let auxLeaves: unknown[] = [];
  let auxDef = flatten(undefined)[1];
  const fixed = partialArgs(f, args, nums);
  const inner = (...diff: unknown[]) => {
    let value = fixed(...diff);
    if (hasAux) {
      if (!Array.isArray(value) || value.length !== 2) {
        const got = Array.isArray(value) ? `an array of length ${value.length}` : typeof value;
        throw new TracegradError(`${op}: with hasAux, '${fnName(f)}' must return [value, aux], got ${got}`);
      }
      [auxLeaves, auxDef] = flatten(value[1]);
      value = value[0];
    }
    if (isNode(value)) {
      throw new GradientError(
        `${op}: '${fnName(f)}' must return one scalar tensor, got a pytree; use jacrev or vjp for several ` +
          `outputs${hasAux ? "" : ", or hasAux: true to return [value, aux]"}`,
      );
    }
    if (value === null || value === undefined)
      throw new GradientError(`${op}: '${fnName(f)}' must return one scalar tensor, got ${value}`);
    return [value, ...auxLeaves.filter((l) => l instanceof Tensor)];
  };
  const { g } = flatFunction(op, inner as Fn, inTree, fnName(f));
  const { primalsOut, linear } = tracing(op, fnName(f), () => linearizeFlat(op, fnName(f), g, xs));
  const out = primalsOut[0]!;
  if (!isFloat(out.dtype))
    throw new DTypeError(`${op}: '${fnName(f)}' returned dtype ${out.dtype}; gradients need a float32/float64 output`);
  if (out.ndim !== 0) {
    throw new GradientError(
      `${op}: '${fnName(f)}' must return a scalar (shape []), got shape ${fmtShape(out.shape)}; reduce it (e.g. ` +
        `.sum() or .mean()), or use jacrev/vjp for non-scalar outputs`,
    );
  }
  const cts = linear.transpose([fullLike(out, 1), ...primalsOut.slice(1).map(() => null)]);
  const grads = unflatten(
    inTree,
    cts.map((c, i) => c ?? zerosLike(xs[i]!)),
  ) as unknown[];
  let aux: unknown;
  if (hasAux) {
    let k = 1;
    aux = unflatten(
      auxDef,
      auxLeaves.map((l) => (l instanceof Tensor ? primalsOut[k++] : l)),
    );
  }
  return { value: out, grads: typeof argnums === "number" ? grads[0] : grads, aux };
}

/**
 * The gradient of a float-scalar function with respect to argument `argnums` (default 0), shaped like that argument.
 * @example grad((x: Tensor) => x.mul(x).sum())(np.array([1, 2])) // Tensor([2, 4], dtype=float32)
 * grad((p: { w: Tensor }) => p.w.sin())({ w: np.array(0) }) // { w: Tensor(1, dtype=float32) }
 */
export const grad: Grad = guard("grad", [fn(), gradOptions], gradImpl);

/** `grad`'s forms: options `{ argnums, hasAux }`, or argnums positionally (`grad(f, 1)`, as JAX). */
export interface Grad {
  <A extends unknown[], const N extends number | readonly number[] = 0>(
    f: (...args: A) => Scalar,
    opts?: N | { argnums?: N; hasAux?: false },
  ): (...args: LooseAt<A, N>) => GradOf<A, N>;
  <A extends unknown[], Aux, const N extends number | readonly number[] = 0>(
    f: (...args: A) => readonly [Scalar, Aux],
    opts: { argnums?: N; hasAux: true },
  ): (...args: LooseAt<A, N>) => [GradOf<A, N>, Aux];
}
function gradImpl(f: AnyFn, opts: GradOptions): AnyFn {
  const { argnums = 0, hasAux = false } = opts;
  const g = (...args: unknown[]) => {
    const r = gradients("grad", f, args, argnums, hasAux);
    return hasAux ? [r.grads, r.aux] : r.grads;
  };
  return named(g, `grad(${fnName(f)})`);
}

/**
 * `[value, grads]` from one forward and one backward pass (with hasAux: `[[value, aux], grads]`).
 * @example valueAndGrad((x: Tensor) => x.mul(x))(3) // [Tensor(9, dtype=float32), Tensor(6, dtype=float32)]
 */
export const valueAndGrad: ValueAndGrad = guard("valueAndGrad", [fn(), gradOptions], valueAndGradImpl);

/** `valueAndGrad`'s forms, as `grad`'s. */
export interface ValueAndGrad {
  <A extends unknown[], const N extends number | readonly number[] = 0>(
    f: (...args: A) => Scalar,
    opts?: N | { argnums?: N; hasAux?: false },
  ): (...args: LooseAt<A, N>) => [Tensor, GradOf<A, N>];
  <A extends unknown[], Aux, const N extends number | readonly number[] = 0>(
    f: (...args: A) => readonly [Scalar, Aux],
    opts: { argnums?: N; hasAux: true },
  ): (...args: LooseAt<A, N>) => [[Tensor, Aux], GradOf<A, N>];
}
function valueAndGradImpl(f: AnyFn, opts: GradOptions): AnyFn {
  const { argnums = 0, hasAux = false } = opts;
  const g = (...args: unknown[]) => {
    const r = gradients("valueAndGrad", f, args, argnums, hasAux);
    return hasAux ? [[r.value, r.aux], r.grads] : [r.value, r.grads];
  };
  return named(g, `valueAndGrad(${fnName(f)})`);
}
