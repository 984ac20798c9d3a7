// A primitive's code-generation rules: how jit's fused loops (JS or WebAssembly SIMD) and eager's generated kernels
// compute it. Which of them a primitive declares is its fusion class: elementwise (`emit`), reduction (`reduce`),
// broadcast (`broadcast`), or none (a kernel call).
import type { ShapedArray } from "../core/aval.js";
import type { DType } from "../core/dtype.js";
import type { WasmEmit } from "./simd.js";

export interface Lowering<P> {
  /**
   * Elementwise: a JS expression for one element, in double precision, from the operand expressions (jit rounds it
   * to the output dtype, as the eager kernel's store does).
   */
  emit?(args: string[], params: P, inAvals: readonly ShapedArray[]): string;
  /**
   * The fragment is discontinuous (comparisons, casts, sign): under jit's float32 "fast" mode its float32 operands
   * are rounded first, so it decides on the value eager execution sees, not a more precise one.
   */
  discontinuous?: boolean;
  /** An explicit dtype conversion: its float32 result is rounded in either float32 mode (the program asked for it). */
  cast?: boolean;
  /**
   * The same on f32x4 lanes, for jit's WebAssembly SIMD loops (float32, "fast" mode) and eager's long float32 loops:
   * emits the operation from operand locals and returns the result's local.
   */
  wasm?: WasmEmit;
  /** A reduction over `axes(params)` that fuses with its producer. */
  reduce?: ReduceLowering<P>;
  /** A broadcast (operand axis i becomes result axis `dims(params)[i]`), which fused loops read by index. */
  broadcast?: { dims(params: P): readonly number[] };
}

/**
 * A reduction as a fused loop folds it: the accumulator starts at `init(dtype)` and takes each element by the
 * JS expression `step(acc, v)`, in the eager kernel's order (jit rounds it as the eager kernel's store does).
 */
export interface ReduceLowering<P> {
  axes(params: P): readonly number[];
  init(dtype: DType): number;
  step(acc: string, v: string): string;
  /** The step on f32x4 lanes, (acc, v) → new acc, for WebAssembly loops accumulating four columns at once. */
  wasm?: WasmEmit;
}
