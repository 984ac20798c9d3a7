// Helpers for the primitives' WebAssembly emitters (Lowering.wasm): each reads its operands from v128
// locals of float32 lanes and returns the local holding its result.
import type { Code, SimdOp } from "./encode.js";
import type { VecFn } from "./simd_math.js";

export type WasmEmit = ((c: Code, args: number[], params?: unknown) => number) & {
  /**
   * Slow in JS (Math.exp, …; a data-dependent branch, which mispredicts on data such as a ReLU's signs): worth
   * copying operands into WebAssembly memory for, however short the loop.
   */
  costly?: boolean;
  /** Results within a few ulp rather than rounded as eager's JS kernels round them (eager keeps its own kernel). */
  approximate?: boolean;
  /**
   * Which operands are bool lane masks (all bits set: true), and whether the result is one; others are float32 lanes.
   */
  masks?: { in?: readonly number[]; out?: boolean };
};

/** One SIMD instruction over the operands, in order. */
export const simdOp =
  (op: SimdOp): WasmEmit =>
  (c, args) => {
    for (const a of args) c.get(a);
    const out = c.local("v128");
    c.simd(op).set(out);
    return out;
  };

/** A vector math function of one operand. */
export const simdFn = (f: VecFn): WasmEmit =>
  Object.assign((c: Code, [x]: number[]) => f(c, x!), { costly: true, approximate: true });

/** max (sign 1) or min (−1) as the JS kernels compute it: NaN if either is NaN, else x when x > y (x < y), else y. */
export const simdExtremum =
  (sign: 1 | -1): WasmEmit =>
  (c, [x, y]) => {
    const out = c.local("v128");
    c.get(x!)
      .get(y!)
      .get(x!)
      .get(y!)
      .simd(sign > 0 ? "f32x4.gt" : "f32x4.lt")
      .simd("v128.bitselect")
      .set(out);
    c.f32x4(NaN)
      .get(out)
      .get(x!)
      .get(x!)
      .simd("f32x4.ne")
      .get(y!)
      .get(y!)
      .simd("f32x4.ne")
      .simd("v128.or")
      .simd("v128.bitselect")
      .set(out);
    return out;
  };

/** A float32 comparison: a bool lane mask. */
export const simdCompare = (op: SimdOp): WasmEmit => Object.assign(simdOp(op), { masks: { out: true } });

/** select(p, x, y): x where the mask p is set, else y — no branch. */
export const simdSelect: WasmEmit = Object.assign(
  (c: Code, [p, x, y]: number[]) => {
    const out = c.local("v128");
    c.get(x!).get(y!).get(p!).simd("v128.bitselect").set(out);
    return out;
  },
  { costly: true, masks: { in: [0] } },
);
