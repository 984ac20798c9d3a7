// definePrimitive: a primitive is a name plus all of its rules, declared together in one file.
import * as E from "fp-ts/Either";
import type { ShapedArray } from "./aval.js";
import { TracegradError } from "./errors.js";
import { Tensor } from "./tensor.js";
import { type DType, type TypedArray, allocateFilledLater } from "./dtype.js";
import { generatedKernel } from "../compile/eager_kernels.js";
import { type EagerWasm, eagerWasmLoop } from "../wasm/elementwise.js";
import { wasmKernels } from "../wasm/runtime.js";
import type { WasmEmit } from "../wasm/vecops.js";

/** Marks the linear inputs of a transpose rule: no value, only where the cotangent goes. */
export class UndefinedPrimal {
  readonly _tag = "UndefinedPrimal";
  constructor(readonly aval: ShapedArray) {}
}
export type LinearArg = Tensor | UndefinedPrimal;
export const isUndefined = (x: LinearArg): x is UndefinedPrimal => x instanceof UndefinedPrimal;

/** Picks a whole number in [0, n); property tests drive it from fast-check so cases shrink. */
export type Choose = (n: number) => number;

/** How property tests draw cases for a primitive; declared next to its rules. */
export interface TestSpec<P> {
  /**
   * Input shapes/dtypes and params of one random case; `domains` optionally overrides `domain` per input
   * for this case (for int32 inputs: the inclusive range of indices that are valid here).
   */
  sample(choose: Choose): {
    avals: ShapedArray[];
    params: P;
    domains?: readonly (readonly [number, number] | undefined)[];
  };
  /** Interval the float inputs are drawn from (one for all, or one per input); default [-2, 2]. */
  domain?: readonly [number, number] | readonly (readonly [number, number])[];
  /** Non-smooth where values meet (max, min, reduce_max): keep every drawn value apart. */
  distinct?: boolean;
  /** Derivative is zero everywhere (comparisons, stop_gradient): laws check that tangents vanish. */
  zeroDerivative?: boolean;
}

/** Everything a primitive is. Single-output form; `definePrimitive` lifts it to the general one. */
export interface PrimitiveDef<P> {
  name: string;
  /** Output shape/dtype, or a typed error naming the primitive and the shapes. */
  abstractEval(avals: ShapedArray[], params: P): E.Either<TracegradError, ShapedArray>;
  /** Eager CPU kernel on concrete tensors. */
  impl(args: Tensor[], params: P, out: ShapedArray): Tensor;
  /**
   * Optional: the kernel writing every element of its result into `dest` (of the output's dtype and size), which
   * jit passes for values that stay inside a call, from buffers it keeps across calls. Never aliases an input.
   */
  implInto?(args: Tensor[], params: P, out: ShapedArray, dest: TypedArray): void;
  /** Tangent of the output given input tangents (null: symbolic zero); rules use user-level ops. */
  jvp(tangents: (Tensor | null)[], primals: Tensor[], out: Tensor, params: P): Tensor | null;
  /** Cotangent per input for the linear inputs (UndefinedPrimal); required for linear primitives. */
  transpose?(ct: Tensor, args: LinearArg[], params: P): (Tensor | null)[];
  /**
   * vmap: the batched output and where its batch axis is, given inputs whose batch axis is `dims[i]`
   * (null: not batched; at least one is batched). Rules use user-level ops and never loop over the batch.
   */
  batch(args: Tensor[], dims: (number | null)[], params: P, self: Primitive<P>): [Tensor, number | null];
  /** Params as jaxprs print them; default: every key, sorted. */
  formatParams?(params: P): string;
  testing?: TestSpec<P>;
  /**
   * jit code generation for elementwise primitives: a JS expression for one element, in double precision,
   * from the operand expressions (jit rounds it to the output dtype, as the eager kernel's store does).
   */
  emit?(args: string[], params: P, inAvals: ShapedArray[]): string;
  /**
   * The fragment is discontinuous (comparisons, casts, sign): under jit's float32 "fast" mode its float32
   * operands are rounded first, so it decides on the value eager execution sees, not a more precise one.
   */
  emitNeedsRounded?: boolean;
  /** jit code generation for reductions that fuse with their producer; see ReduceEmit. */
  emitReduce?: ReduceEmit;
  /**
   * jit's WebAssembly SIMD loops (float32, "fast" mode): emits the operation on f32x4 lanes from operand locals and
   * returns the result's local. Basic arithmetic rounds as IEEE float32; transcendental functions within 4 ulp.
   */
  emitWasm?: WasmEmit;
}

/**
 * A reduction as a fused loop folds it: the accumulator starts at `init(dtype)` and takes each element by the
 * JS expression `step(acc, v)`, in the eager kernel's order (jit rounds it as the eager kernel's store does).
 */
export interface ReduceEmit {
  init(dtype: DType): number;
  step(acc: string, v: string): string;
  /** The step on f32x4 lanes, (acc, v) → new acc, for WebAssembly loops accumulating four columns at once. */
  wasm?: WasmEmit;
}

/** A registered primitive, as traces and interpreters use it. */
export interface Primitive<P = unknown> {
  readonly name: string;
  /** Output avals, throwing the typed error on bad input. */
  check(avals: ShapedArray[], params: P): ShapedArray[];
  abstractEval(avals: ShapedArray[], params: P): E.Either<TracegradError, ShapedArray[]>;
  impl(args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[];
  implInto?(args: Tensor[], params: P, outAvals: ShapedArray[], dests: TypedArray[]): void;
  jvp(tangents: (Tensor | null)[], primals: Tensor[], outs: Tensor[], params: P): (Tensor | null)[];
  transpose: ((cts: (Tensor | null)[], args: LinearArg[], params: P) => (Tensor | null)[]) | undefined;
  batch(args: Tensor[], dims: (number | null)[], params: P): [Tensor[], (number | null)[]];
  formatParams(params: P): string;
  testing: TestSpec<P> | undefined;
  /** jit code generation fragment (elementwise primitives); see PrimitiveDef.emit. */
  emit?(args: string[], params: P, inAvals: ShapedArray[]): string;
  emitNeedsRounded?: boolean;
  emitReduce?: ReduceEmit;
  emitWasm?: WasmEmit;
  /** Optional: primal and tangent outputs together (jit: one call instead of two). */
  jvpFull?(primals: Tensor[], tangents: (Tensor | null)[], params: P): [Tensor[], (Tensor | null)[]];
  /** Optional: how partial evaluation splits the primitive when only some inputs are known (jit). */
  partialEval?(known: (Tensor | undefined)[], avals: ShapedArray[], params: P, stage: StageUnknown): Tensor[];
}

/**
 * For a partialEval rule: records the unknown part as an equation; `inputs` are known values (become
 * constants of the jaxpr being built) or the unknown inputs by position (`{ unknown: i }`).
 */
export type StageUnknown = <Q>(
  prim: Primitive<Q>,
  inputs: (Tensor | { unknown: number })[],
  params: Q,
  outAvals: ShapedArray[],
) => Tensor[];

/** A primitive with several outputs, defined directly in the general form (jit). */
export function definePrimitiveN<P>(prim: Omit<Primitive<P>, "check"> & { name: string }): Primitive<P> {
  return {
    ...prim,
    check(avals, params) {
      const r = prim.abstractEval(avals, params);
      if (E.isLeft(r)) throw r.left;
      return r.right;
    },
  };
}

/** Declares a primitive from its rules. */
export function definePrimitive<P>(def: PrimitiveDef<P>): Primitive<P> {
  const abstractEval = (avals: ShapedArray[], params: P) =>
    E.map((a: ShapedArray) => [a])(def.abstractEval(avals, params));
  const transpose = def.transpose;
  const self: Primitive<P> = {
    name: def.name,
    abstractEval,
    check(avals, params) {
      const r = abstractEval(avals, params);
      if (E.isLeft(r)) throw r.left;
      return r.right;
    },
    impl: def.emit ? fastImpl(def) : (args, params, outAvals) => [def.impl(args, params, outAvals[0]!)],
    jvp: (tangents, primals, outs, params) => [def.jvp(tangents, primals, outs[0]!, params)],
    transpose: transpose && ((cts, args, params) => (cts[0] ? transpose(cts[0], args, params) : args.map(() => null))),
    batch: (args, dims, params) => {
      const [out, d] = def.batch(args, dims, params, self);
      return [[out], [d]];
    },
    formatParams: def.formatParams ?? formatParamsDefault,
    testing: def.testing,
    ...(def.emit ? { emit: def.emit } : {}),
    ...(def.emitReduce ? { emitReduce: def.emitReduce } : {}),
    ...(def.emitNeedsRounded ? { emitNeedsRounded: true } : {}),
    ...(def.emitWasm ? { emitWasm: def.emitWasm } : {}),
    ...(def.implInto
      ? {
          implInto: (args: Tensor[], params: P, outAvals: ShapedArray[], dests: TypedArray[]) =>
            def.implInto!(args, params, outAvals[0]!, dests[0]!),
        }
      : {}),
  };
  return self;
}

const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

/** Elementwise primitives run a loop generated from their fragment; their own kernel is the fallback. */
function fastImpl<P>(def: PrimitiveDef<P>): Primitive<P>["impl"] {
  const emit = def.emit!;
  // most elementwise primitives have no params: their kernels are found by dtypes alone, without building a key
  const byDtypes = new Map<number, ReturnType<typeof generatedKernel>>();
  const wasmByDtypes = new Map<number, EagerWasm | undefined>();
  const hasKeys = (p: unknown) => {
    for (const _ in p as object) return true;
    return false;
  };
  return (args, params, outAvals) => {
    const out = outAvals[0]!;
    const n = args[0]!.size;
    let k: ReturnType<typeof generatedKernel>;
    if (hasKeys(params))
      k = generatedKernel(
        def.name,
        emit as never,
        params,
        args.map((a) => a.aval),
        out,
      );
    else {
      let code = DTYPE_CODE[out.dtype];
      for (const a of args) code = code * 4 + DTYPE_CODE[a._aval.dtype];
      // long float32 operands: the WebAssembly SIMD loop (the same bits as the JS kernel; see eagerWasmLoop)
      if (def.emitWasm && n >= 256 && wasmKernels()) {
        let w = wasmByDtypes.get(code);
        if (w === undefined && !wasmByDtypes.has(code))
          wasmByDtypes.set(
            code,
            (w = eagerWasmLoop(
              def,
              args.map((a) => a._aval.dtype),
              out.dtype,
            )),
          );
        if (w && n >= w.minSize) {
          const data = allocateFilledLater(out.dtype, n) as Float32Array | Uint8Array;
          w.run(
            args.map((a) => a._data as Float32Array | Uint8Array),
            data,
          );
          return [Tensor._of(data, out.shape, out.dtype)];
        }
      }
      k = byDtypes.get(code);
      if (k === undefined && !byDtypes.has(code))
        byDtypes.set(
          code,
          (k = generatedKernel(
            def.name,
            emit as never,
            params,
            args.map((a) => a.aval),
            out,
          )),
        );
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

function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return v.length === 1 ? `(${fmtValue(v[0])},)` : `(${v.map(fmtValue).join(", ")})`;
  return String(v);
}

export function formatParamsDefault(params: unknown): string {
  if (params === null || typeof params !== "object") return "";
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return "";
  return `[${keys.map((k) => `${k}=${fmtValue((params as Record<string, unknown>)[k])}`).join(" ")}]`;
}

/** A typed error for abstractEval, as an Either. */
export const fail = (e: TracegradError): E.Either<TracegradError, never> => E.left(e);
export const ok = (a: ShapedArray): E.Either<TracegradError, ShapedArray> => E.right(a);
