// The WebAssembly backend's eager kernels (what primitives/eager_backend.ts asks for): long float32 elementwise loops
// for the operations that round exactly as the JS kernels do, float32 and float64 matmul, Threefry-2x32 (random bits)
// and float32 erf⁻¹ (normal draws).
import { ShapedArray } from "../core/aval.js";
import type { DType } from "../core/dtype.js";
import { type Eqn, type Primitive, Var } from "../ir/jaxpr.js";
import type { EagerBackend, EagerLoop } from "../primitives/eager_backend.js";
import { erfInv32Wasm } from "./erf_inv.js";
import { im2col32 } from "./im2col.js";
import { type LoopSpec, SIMD_MIN_ARITHMETIC, SIMD_MIN_ELEMENTS, wasmFusible, wasmLoop } from "./loops.js";
import { rotateForwardWasm, rotationScratch } from "./rotations.js";
import { dgemm, sgemm, wasmKernels } from "./runtime.js";
import { THREEFRY_MIN_ELEMENTS, threefry2x32Wasm, threefryBitsWasm } from "./threefry.js";
import { windowSelect32 } from "./window_select.js";

/**
 * Eager execution's WebAssembly loop for one elementwise primitive on float32 lanes (and bool masks), or undefined
 * where it would change results or cannot be built: only operations that round as eager's JS kernels do (not the
 * approximate vectorised functions). Worth it from 256 elements for a select, 4096 for plain arithmetic. Operands are
 * all of the result's size (eager elementwise primitives take broadcast operands).
 */
export function eagerWasmLoop(prim: Primitive, inDtypes: readonly DType[], outDtype: DType): EagerLoop | undefined {
  const emit = prim.lowering?.wasm;
  if (!emit || emit.approximate) return undefined;
  const minSize = emit.costly ? SIMD_MIN_ELEMENTS : SIMD_MIN_ARITHMETIC;
  // a one-equation flat loop (its code does not depend on the length, so any length stands for all)
  const v = (dtype: DType) => new Var(new ShapedArray([minSize], dtype));
  const eqn: Eqn = { prim, inputs: inDtypes.map(v), params: {}, outs: [v(outDtype)] };
  const spec: LoopSpec = {
    eqns: [eqn],
    size: minSize,
    split: undefined,
    broadcastRead: () => "i",
    column: () => false,
    later: () => true,
  };
  const loop = wasmFusible(spec) ? wasmLoop(spec) : undefined;
  return loop && { run: (ins, out) => loop.fn(1, out.length, ...ins, out), minSize };
}

/** The backend eager execution calls (connected in src/install.ts). */
export const wasmEagerBackend: EagerBackend = {
  ready: () => wasmKernels() !== undefined,
  minElements: SIMD_MIN_ELEMENTS,
  loop: eagerWasmLoop,
  // operands and result must fit in 32-bit WebAssembly memory (4 GiB, with room for padding)
  fitsMatmul: (aSize, bSize, outSize) => 4 * (aSize + 2 * bSize + 2 * outSize) <= 3.5 * 2 ** 30,
  matmul: (a, as, b, bs, nb, m, k, n, out) => sgemm(wasmKernels()!, a, as, b, bs, nb, m, k, n, out),
  matmul64: (a, as, b, bs, nb, m, k, n, out) => dgemm(wasmKernels()!, a, as, b, bs, nb, m, k, n, out),
  rotationScratch,
  rotateForward64: rotateForwardWasm,
  windowSelect32,
  im2col32,
  threefryMinElements: THREEFRY_MIN_ELEMENTS,
  threefry2x32: threefry2x32Wasm,
  threefryBits: threefryBitsWasm,
  erfInv32: erfInv32Wasm,
};
