// definePrimitive: a primitive is a name plus all of its rules, declared together in its own file; and the named
// families its derivative comes from: linear, bilinear, zero, a formula per input, or a rule of its own.
import * as E from "fp-ts/Either";
import type { ShapedArray } from "../core/aval.js";
import { allocateFilledLater, type DType, isFloat, type TypedArray } from "../core/dtype.js";
import { ShapeError, type TracegradError } from "../core/errors.js";
import { MAX_ELEMENTS } from "../core/nested.js";
import { Tensor } from "../core/tensor.js";
import type { AdFamily, Atom, Eqn, Primitive, SimplifyCtx } from "../ir/jaxpr.js";
import { formatParamsDefault } from "../ir/pprint.js";
import type { LinearArg, Tangents, TestSpec } from "../ir/rule_types.js";
import { avalsOf, bind1 } from "../ir/trace.js";
import type { Lowering } from "../lowering/rules.js";
import { type EagerLoop, eagerBackend } from "./eager_backend.js";
import { generatedKernel, type Kernel } from "./generated_kernels.js";

/** A transpose rule: the cotangent of each linear input (UndefinedPrimal), null for the others. */
export type TransposeRule<P> = (ct: Tensor, args: LinearArg[], params: P) => (Tensor | null)[];

/** How a single-output primitive's derivative is given; build it with one of the families below. */
export interface Derivative<P> {
  readonly family: AdFamily;
  jvp(
    tangents: (Tensor | null)[],
    primals: Tensor[],
    out: Tensor,
    params: P,
    self: Primitive<P>,
    t: Tangents,
  ): Tensor | null;
  readonly transpose?: TransposeRule<P>;
}

/**
 * Linear in the inputs `linearIn` (default: all): the tangent is the primitive itself applied to the tangents (absent
 * ones as zeros; the other inputs, such as indices, as they are), and `transpose` maps a cotangent back. `jvp`
 * replaces the derived tangent rule where symbolic zeros allow a cheaper one (add and sub skip an absent term).
 */
export function linear<P>(
  transpose: TransposeRule<P>,
  opts: { linearIn?: readonly number[]; jvp?: (tangents: (Tensor | null)[], t: Tangents) => Tensor | null } = {},
): Derivative<P> {
  const { linearIn, jvp } = opts;
  const isLinear = (i: number) => linearIn === undefined || linearIn.includes(i);
  return {
    family: "linear",
    transpose,
    jvp: jvp
      ? (tangents, _, __, ___, ____, t) => jvp(tangents, t)
      : (tangents, primals, out, params, self, t) =>
          // no tangent flows into or out of integers
          isFloat(out.dtype)
            ? bind1(
                self,
                primals.map((p, i) => (isLinear(i) ? (tangents[i] ?? t.zerosLike(p)) : p)),
                params,
              )
            : null,
  };
}

/** Bilinear (mul, dot_general): d f(x, y) = f(dx, y) + f(x, dy); `transpose` gives the cotangent of the linear side. */
export function bilinear<P>(transpose: TransposeRule<P>): Derivative<P> {
  return {
    family: "bilinear",
    transpose,
    jvp: ([tx, ty], [x, y], _, params, self, t) =>
      t.add(tx ? bind1(self, [tx, y!], params) : null, ty ? bind1(self, [x!, ty], params) : null),
  };
}

/** Zero everywhere (comparisons, sign, stop_gradient, argmax, iota): no tangent flows through. */
export function zeroDerivative<P>(): Derivative<P> {
  return { family: "zero", jvp: () => null };
}

/** One input's part of an elementwise derivative: its tangent contribution from its tangent `t` (never null). */
export type PartialTangent<P> = (t: Tensor, primals: Tensor[], out: Tensor, params: P) => Tensor;

/**
 * Elementwise with a derivative formula per input (JAX's defjvp): each maps that input's tangent to its part of the
 * output tangent; absent tangents contribute nothing, and the parts are summed in input order.
 */
export function formula<P>(...parts: PartialTangent<P>[]): Derivative<P> {
  return {
    family: "formula",
    jvp: (tangents, primals, out, params, _, t) => {
      let sum: Tensor | null = null;
      parts.forEach((part, i) => {
        const ti = tangents[i];
        sum = t.add(sum, ti ? part(ti, primals, out, params) : null);
      });
      return sum;
    },
  };
}

/** A derivative rule of its own (reductions whose tangent needs the result, products), and a transpose if linear. */
export function rule<P>(
  jvp: (tangents: (Tensor | null)[], primals: Tensor[], out: Tensor, params: P) => Tensor | null,
  transpose?: TransposeRule<P>,
): Derivative<P> {
  return { family: "rule", jvp: (tangents, primals, out, params) => jvp(tangents, primals, out, params), transpose };
}

/** Everything a single-output primitive is; `definePrimitive` lifts it to the general form. */
export interface PrimitiveDef<P> {
  name: string;
  /** Output shape/dtype, or a typed error naming the primitive and the shapes. */
  abstractEval(avals: ShapedArray[], params: P): E.Either<TracegradError, ShapedArray>;
  /** Eager CPU kernel on concrete tensors (elementwise primitives: the fallback of their generated loops). */
  impl(args: Tensor[], params: P, out: ShapedArray): Tensor;
  /** Optional: the kernel writing every element of its result into `dest` (see Primitive.implInto). */
  implInto?(args: Tensor[], params: P, out: ShapedArray, dest: TypedArray): void;
  /** Its derivative: linear(…), bilinear(…), zeroDerivative(), formula(…) or rule(…). */
  ad: Derivative<P>;
  /**
   * vmap: the batched output and where its batch axis is, given inputs whose batch axis is `dims[i]`
   * (null: not batched; at least one is batched). Rules use user-level ops and never loop over the batch.
   */
  batch(args: Tensor[], dims: (number | null)[], params: P, self: Primitive<P>): [Tensor, number | null];
  /** Declarations passes read: see Primitive. */
  commutative?: boolean;
  freshOutputs?: boolean;
  exactFloat32?: boolean;
  view?: boolean;
  repeats?: boolean;
  simplify?(e: Eqn<P>, ctx: SimplifyCtx): Atom | Eqn<P> | undefined;
  lowering?: Lowering<P>;
  /** Params as jaxprs print them; default: every key, sorted. */
  formatParams?(params: P): string;
  testing: TestSpec<P>;
}

/** Declares a primitive from its rules. */
export function definePrimitive<P>(def: PrimitiveDef<P>): Primitive<P> {
  const abstractEval = (avals: ShapedArray[], params: P) =>
    E.map((a: ShapedArray) => [a])(def.abstractEval(avals, params));
  const { ad } = def;
  const transpose = ad.transpose;
  const self: Primitive<P> = {
    name: def.name,
    abstractEval,
    check: (avals, params) => orThrow(def.name, abstractEval(avals, params)),
    impl: def.lowering?.emit
      ? generatedImpl(def, () => self)
      : (args, params, outAvals) => [def.impl(args, params, outAvals[0]!)],
    adFamily: ad.family,
    jvp: (tangents, primals, outs, params, t) => [ad.jvp(tangents, primals, outs[0]!, params, self, t)],
    batch: (args, dims, params) => {
      const [out, d] = def.batch(args, dims, params, self);
      return [[out], [d]];
    },
    formatParams: def.formatParams ?? formatParamsDefault,
    testing: def.testing,
    ...(transpose && {
      transpose: (cts: (Tensor | null)[], args: LinearArg[], params: P) =>
        cts[0] ? transpose(cts[0], args, params) : args.map(() => null),
    }),
    ...(def.implInto && {
      implInto: (args: Tensor[], params: P, outAvals: ShapedArray[], dests: TypedArray[]) =>
        def.implInto!(args, params, outAvals[0]!, dests[0]!),
    }),
    ...(def.commutative && { commutative: true }),
    ...(def.freshOutputs && { freshOutputs: true }),
    ...(def.exactFloat32 && { exactFloat32: true }),
    ...(def.view && { view: true }),
    ...(def.repeats && { repeats: true }),
    ...(def.simplify && { simplify: def.simplify }),
    ...(def.lowering && { lowering: def.lowering }),
  };
  return self;
}

/** A primitive with several outputs, or that carries jaxprs, defined directly in the general form (jit). */
export function definePrimitiveN<P>(prim: Omit<Primitive<P>, "check">): Primitive<P> {
  return { ...prim, check: (avals, params) => orThrow(prim.name, prim.abstractEval(avals, params)) };
}

/** The output types, or the shape rule's typed error; a result too large to allocate is a ShapeError here. */
function orThrow(name: string, r: E.Either<TracegradError, ShapedArray[]>): ShapedArray[] {
  if (E.isLeft(r)) throw r.left;
  for (const a of r.right) {
    if (a.size > MAX_ELEMENTS)
      throw new ShapeError(
        `${name}: the result ${a.toString()} would have ${a.size} elements, more than the limit of ${MAX_ELEMENTS}`,
      );
  }
  return r.right;
}

const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3, uint32: 4 };

/**
 * Elementwise primitives run a loop generated from their fragment: a backend's SIMD loop for long arrays where it has
 * one (the same bits), else a generated JS loop; their own kernel is the fallback.
 */
function generatedImpl<P>(def: PrimitiveDef<P>, prim: () => Primitive<P>): Primitive<P>["impl"] {
  const { emit, wasm } = def.lowering!;
  // most elementwise primitives have no params: their kernels are found by a code of their dtypes, without a key
  const byDtypes = new Map<number, Kernel | null | undefined>();
  const loops = new Map<number, EagerLoop | undefined>();
  const hasKeys = (p: unknown) => {
    for (const _ in p as object) return true;
    return false;
  };
  return (args, params, outAvals) => {
    const out = outAvals[0]!;
    const n = args[0]!.size;
    let k: Kernel | null | undefined;
    if (hasKeys(params)) k = generatedKernel(def.name, emit!, params, avalsOf(args), out);
    else {
      let code = DTYPE_CODE[out.dtype];
      for (const a of args) code = code * 4 + DTYPE_CODE[a._aval.dtype];
      const backend = wasm && eagerBackend();
      if (backend && n >= backend.minElements && backend.ready()) {
        let loop = loops.get(code);
        if (loop === undefined && !loops.has(code)) {
          loops.set(code, (loop = backend.loop(prim(), dtypesOf(args), out.dtype)));
        }
        if (loop && n >= loop.minSize) {
          const data = allocateFilledLater(out.dtype, n) as Float32Array | Uint8Array;
          loop.run(
            args.map((a) => a._data as Float32Array | Uint8Array),
            data,
          );
          return [Tensor._of(data, out.shape, out.dtype)];
        }
      }
      k = byDtypes.get(code);
      if (k === undefined && !byDtypes.has(code)) {
        byDtypes.set(code, (k = generatedKernel(def.name, emit!, params, avalsOf(args), out)));
      }
    }
    if (!k) return [def.impl(args, params, out)];
    // sized from the operands (elementwise: all the same size), so a wrong shape rule cannot go unnoticed
    const data = allocateFilledLater(out.dtype, n);
    k(
      args.map((a) => a._data!),
      data,
    );
    return [Tensor._of(data, out.shape, out.dtype)];
  };
}

const dtypesOf = (args: readonly Tensor[]) => args.map((a) => a._aval.dtype);
