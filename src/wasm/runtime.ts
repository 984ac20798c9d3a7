// The WebAssembly kernels, instantiated on first use: one module over one memory that grows as needed.
// Undefined where WebAssembly SIMD is unavailable (the JS kernels then run). Nothing here runs at import time.
import { KC, MR, NR, sgemmModule } from "./sgemm.js";

type Macro = (ap: number, bp: number, cp: number, mPanels: number, nPanels: number, kc: number, ldc: number, accumulate: number, apStride: number, bpStride: number) => void;

export interface WasmKernels {
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add (one rounding per step) or mul + add. */
  fma: boolean;
  memory: WebAssembly.Memory;
  macro: Macro;
}

let state: WasmKernels | null | undefined;
let disabled = false;

/** The kernels, or undefined where WebAssembly SIMD is unavailable (or turned off for tests). */
export function wasmKernels(): WasmKernels | undefined {
  if (disabled) return undefined;
  if (state === undefined) state = instantiate();
  return state ?? undefined;
}

/** @internal Turns the WebAssembly kernels off (true) or back on, for tests comparing them with the JS kernels. */
export function setWasmDisabled(off: boolean): void {
  disabled = off;
}

function instantiate(): WasmKernels | null {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return null;
  try {
    const spec = { shared: false, maxPages: 65536 };
    // relaxed SIMD validates only where the runtime supports it (Node 20: behind a flag)
    const fma = WebAssembly.validate(sgemmModule({ ...spec, fma: true }));
    const bytes = sgemmModule({ ...spec, fma });
    const memory = new WebAssembly.Memory({ initial: 16, maximum: spec.maxPages });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return { fma, memory, macro: instance.exports.macro as Macro };
  } catch {
    return null;
  }
}

/** A float32 view of at least `floats` elements of the kernels' memory (valid until the next call). */
function heap(w: WasmKernels, floats: number): Float32Array {
  const need = floats * 4;
  const have = w.memory.buffer.byteLength;
  if (have < need) w.memory.grow(Math.ceil((need - have) / 65536));
  return new Float32Array(w.memory.buffer);
}

/** Element strides of an operand viewed as [batch, rows, cols]. */
export type Strides3 = readonly [number, number, number];

/**
 * out[b] = A[b]·B[b] in float32, for A viewed as [nb, m, k] and B as [nb, k, n] with element strides `as` and
 * `bs` (any transposes: packing reads through the strides); `out` is contiguous [nb, m, n].
 */
export function sgemm(w: WasmKernels, a: Float32Array, as: Strides3, b: Float32Array, bs: Strides3, nb: number, m: number, k: number, n: number, out: Float32Array): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0);
    return;
  }
  const mp = Math.ceil(m / MR);
  const np = Math.ceil(n / NR);
  const ldc = np * NR;
  const aFloats = mp * MR * k;
  const bFloats = np * NR * k;
  const f = heap(w, aFloats + bFloats + mp * MR * ldc);
  const [ap, bp, cp] = [0, aFloats, aFloats + bFloats];
  const [sab, sm, sk] = as;
  const [sbb, sk2, sn] = bs;
  for (let q = 0; q < nb; q++) {
    packA(f, ap, a, q * sab, sm, sk, m, k, mp);
    packB(f, bp, b, q * sbb, sk2, sn, k, n, np);
    for (let pc = 0; pc < k; pc += KC) {
      w.macro(4 * (ap + pc * MR), 4 * (bp + pc * NR), 4 * cp, mp, np, Math.min(KC, k - pc), ldc, pc > 0 ? 1 : 0, 4 * MR * k, 4 * NR * k);
    }
    const o = q * m * n;
    if (ldc === n) out.set(f.subarray(cp, cp + m * n), o);
    else for (let i = 0; i < m; i++) out.set(f.subarray(cp + i * ldc, cp + i * ldc + n), o + i * n);
  }
}

/** Panels of MR rows: panel i holds A[i·MR + r, p] at [p][r]; rows past m are zero. */
function packA(f: Float32Array, dst: number, a: Float32Array, off: number, sm: number, sk: number, m: number, k: number, mp: number): void {
  for (let i = 0; i < mp; i++) {
    const base = dst + i * MR * k;
    for (let r = 0; r < MR; r++) {
      const row = i * MR + r;
      if (row >= m) {
        for (let p = 0; p < k; p++) f[base + p * MR + r] = 0;
        continue;
      }
      let s = off + row * sm;
      for (let p = 0; p < k; p++, s += sk) f[base + p * MR + r] = a[s]!;
    }
  }
}

/** Panels of NR columns: panel j holds B[p, j·NR + c] at [p][c]; columns past n are zero. */
function packB(f: Float32Array, dst: number, b: Float32Array, off: number, sk: number, sn: number, k: number, n: number, np: number): void {
  for (let j = 0; j < np; j++) {
    const base = dst + j * NR * k;
    const cols = Math.min(NR, n - j * NR);
    for (let p = 0; p < k; p++) {
      const d = base + p * NR;
      let s = off + p * sk + j * NR * sn;
      let c = 0;
      for (; c < cols; c++, s += sn) f[d + c] = b[s]!;
      for (; c < NR; c++) f[d + c] = 0;
    }
  }
}
