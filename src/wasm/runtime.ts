// The WebAssembly kernels, instantiated on first use: one module over one memory that grows as needed.
// Undefined where WebAssembly SIMD is unavailable (the JS kernels then run). Nothing here runs at import time.
import type { Strides3 } from "../primitives/eager_backend.js";
import { gemmModule, MR, NR, NR64 } from "./gemm.js";
import { hardwareThreads, MAX_ARGS, type Pool, startPool } from "./threads.js";

export type { Strides3 } from "../primitives/eager_backend.js";

/** job(elem, a, aPanel, aRow, aK, bSrc, bSk, bSn, n, bp, cp, mPanels, k, ldc, j0, j1): see gemm.ts. */
type Job = (...args: number[]) => void;

export interface WasmKernels {
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add (one rounding per step) or mul + add. */
  fma: boolean;
  memory: WebAssembly.Memory;
  /** The memory's limits, for other modules importing it. */
  memorySpec: { shared: boolean; maxPages: number };
  module: WebAssembly.Module;
  job: Job;
  /** packA(dst, src, aRow, aK, m, k) in float32 (packA64: float64): see gemm.ts. */
  packA32: Job;
  packA64: Job;
  /** outer(a, aBatch, aRow, b, bBatch, c, nb, m, n): see gemm.ts. */
  outer: Job;
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

const MAX_PAGES = 65536;

function instantiate(): WasmKernels | null {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return null;
  try {
    // a shared memory lets worker threads run the same kernels on the same data
    const shared = typeof SharedArrayBuffer !== "undefined";
    const spec = { shared, maxPages: MAX_PAGES };
    // relaxed SIMD validates only where the runtime supports it (Node 20: behind a flag)
    const fma = WebAssembly.validate(gemmModule({ ...spec, fma: true }));
    const module = new WebAssembly.Module(gemmModule({ ...spec, fma }));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return {
      fma,
      memory,
      memorySpec: spec,
      module,
      job: instance.exports.job as Job,
      packA32: instance.exports.packA32 as Job,
      packA64: instance.exports.packA64 as Job,
      outer: instance.exports.outer as Job,
    };
  } catch {
    return null;
  }
}

/** Threads for large kernels: the machine's count unless set; 1 turns threading off. */
let threads: number | undefined;
let pool: Pool | undefined;
let poolFor: WasmKernels | undefined;

/** @internal Sets how many threads large kernels use (1: the calling thread only); undefined: the machine's count. */
export function setThreads(n: number | undefined): void {
  threads = n;
}
/** Threads a kernel may use now. */
const allowed = () => Math.min(threads ?? hardwareThreads(), hardwareThreads(), 8);

/**
 * The worker pool (one worker per further hardware thread), started on first use; its workers take jobs once started.
 */
function workers(w: WasmKernels): Pool | undefined {
  if (poolFor !== w) {
    poolFor = w;
    pool = startPool(Math.min(hardwareThreads(), 8) - 1, w.memory, w.module);
  }
  return pool;
}

/** @internal Waits (up to `ms`) until every worker of the pool has started; returns how many are ready. */
export async function threadsReady(ms = 5000): Promise<number> {
  const w = wasmKernels();
  const p = w && workers(w);
  if (!p) return 0;
  const want = allowed() - 1;
  for (const t0 = Date.now(); p.ready() < want && Date.now() - t0 < ms; ) await new Promise((r) => setTimeout(r, 5));
  return p.ready();
}

let nextKind = 1;
/** A kind number for a module whose `run` worker threads may execute (see threads.ts). */
export const newKind = (): number => nextKind++;

/**
 * Runs `units` of work, split over the worker pool where that pays (at least `minUnits` each; Infinity: never) and
 * can be done (workers that can run the module, arguments that fit): `args(start, count)` are `run`'s arguments for
 * a share. `kind` 0 is the kernels module's `job`; other kinds are registered modules (see threads.ts).
 */
export function splitWork(
  w: WasmKernels,
  units: number,
  minUnits: number,
  kind: number,
  module: WebAssembly.Module | undefined,
  run: (...a: number[]) => void,
  args: (start: number, count: number) => number[],
): void {
  const p = units >= 2 * minUnits && allowed() > 1 ? workers(w) : undefined;
  const helpers =
    p && args(0, 0).length <= MAX_ARGS ? Math.min(p.ready(), allowed() - 1, Math.floor(units / minUnits) - 1) : 0;
  if (helpers <= 0) {
    run(...args(0, units));
    return;
  }
  const cut = (t: number) => Math.round((units * t) / (helpers + 1));
  const jobs = Array.from({ length: helpers }, (_, t) => args(cut(t + 1), cut(t + 2) - cut(t + 1)));
  p!.run(kind, jobs, () => run(...args(0, cut(1))), module);
}

/**
 * Runs `run(...args, start, end)` over [0, units) of the kernels module's `job` (kind 0): on the calling thread below
 * 2·minUnits, else in chunks that the calling thread and the ready workers take in turn (a late worker takes fewer).
 */
function splitChunks(
  w: WasmKernels,
  units: number,
  minUnits: number,
  run: (...a: number[]) => void,
  args: number[],
): void {
  const p = units >= 2 * minUnits && allowed() > 1 ? workers(w) : undefined;
  const helpers = p ? Math.min(p.ready(), allowed() - 1) : 0;
  if (helpers <= 0) {
    run(...args, 0, units);
    return;
  }
  // about four chunks per thread: small enough to even out, large enough that each reuses its rows of A
  p!.runChunks(args, units, Math.max(1, Math.ceil(units / (4 * (helpers + 1)))), helpers, (start, end) =>
    run(...args, start, end),
  );
}

/** Floats of outer products computed per block (64 KiB: the block stays in L2 while it is copied out). */
const OUTER_BLOCK = 1 << 14;

/** Below this many multiply-adds a matmul runs on the calling thread (waking workers costs more than it saves). */
const PARALLEL_MIN = 1 << 21;

/**
 * Bytes at the bottom of the kernels' memory that jit calls in progress hold for their values (a stack: see
 * takeArena); every kernel's working memory starts above them.
 */
let held = 0;
/** The most working memory (bytes) a kernel has asked for, so that a new arena leaves room for it. */
let scratchHigh = 0;

/** Where a kernel's working memory starts (bytes, 16-aligned). */
export const scratchBase = (): number => held;

/**
 * Views of the kernels' memory, grown to at least `bytes` (absolute: from address 0, above scratchBase()); valid until
 * the next call that may grow it.
 */
let views: { buffer: ArrayBufferLike; f32: Float32Array; f64: Float64Array; u8: Uint8Array } | undefined;
export function memoryViews(w: WasmKernels, bytes: number): { f32: Float32Array; f64: Float64Array; u8: Uint8Array } {
  scratchHigh = Math.max(scratchHigh, bytes - held);
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / 65536));
  const buffer = w.memory.buffer;
  if (views?.buffer !== buffer)
    views = { buffer, f32: new Float32Array(buffer, 0), f64: new Float64Array(buffer), u8: new Uint8Array(buffer) };
  return views;
}

/** Whether `a` lies in the kernels' memory as it is now (a jit arena's view), so kernels use it where it is. */
export const inMemory = (w: WasmKernels, a: ArrayBufferView): boolean => a.buffer === w.memory.buffer;

/** The largest arena (bytes) kept in the kernels' memory; larger ones stay in ordinary arrays. */
const ARENA_MAX = 1 << 28;

/**
 * Room for a jit call's arena at the top of the held stack: `bytes` in the kernels' shared memory, with the working
 * memory kernels have needed so far above it (so that it need not grow during the call). Returns the arena's byte
 * offset and the memory's buffer, or undefined where arenas stay in ordinary arrays (no shared memory: growing an
 * unshared memory detaches every view of it; or too large). The caller releases it (releaseArena) in LIFO order.
 */
export function holdArena(bytes: number): { at: number; buffer: ArrayBufferLike } | undefined {
  const w = wasmKernels();
  if (!w?.memorySpec.shared || bytes > ARENA_MAX) return undefined;
  const at = held;
  held = at + ((bytes + 15) & ~15);
  // (above `held` already: the room asked for is no kernel's working memory)
  memoryViews(w, held + scratchHigh);
  return { at, buffer: w.memory.buffer };
}

/** Releases the arena held at `at` (and any held above it). */
export function releaseArena(at: number): void {
  held = at;
}

/** A float32 view of at least `floats` elements of the kernels' memory (valid until the next call). */
const heap = (w: WasmKernels, floats: number): Float32Array => memoryViews(w, floats * 4).f32;

/**
 * out[b] = A[b]·B[b] in float32, for A viewed as [nb, m, k] and B as [nb, k, n] with element strides `as` and
 * `bs` (any transposes: the kernel reads A and packs B through the strides); `out` is contiguous [nb, m, n].
 */
export function sgemm(
  w: WasmKernels,
  a: Float32Array,
  as: Strides3,
  b: Float32Array,
  bs: Strides3,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
): void {
  if (k === 1 && m > 0 && n > 0) outer(w, a, as, b, bs, nb, m, n, out);
  else gemm(w, a, as, b, bs, nb, m, k, n, out);
}

/** The same product in float64, the bits of a plain JS loop summing over k in order (no fused multiply-add). */
export function dgemm(
  w: WasmKernels,
  a: Float64Array,
  as: Strides3,
  b: Float64Array,
  bs: Strides3,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: Float64Array,
): void {
  gemm(w, a, as, b, bs, nb, m, k, n, out);
}

function gemm<T extends Float32Array | Float64Array>(
  w: WasmKernels,
  a: T,
  as: Strides3,
  b: T,
  bs: Strides3,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: T,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0);
    return;
  }
  const double = a instanceof Float64Array;
  const size = double ? 8 : 4;
  const nr = double ? NR64 : NR;
  const mp = Math.ceil(m / MR);
  const np = Math.ceil(n / nr);
  const ldc = np * nr;
  const [sab, sm, sk] = as;
  const [sbb, sk2, sn] = bs;
  // memory (elements, from the working memory's base): A and B as given unless they are in the memory already (each
  // padded: the kernels read a few elements past the last row or column and discard them), a transposed A packed, B
  // packed into panels, C padded to whole tiles unless it is the output itself
  const perThread = m * n * k * (double ? 2 : 1) >= PARALLEL_MIN ? 1 : Infinity;
  // a transposed A (rows adjacent: the weight gradients xᵀ·dy) is packed, a vector per step, so that each step reads
  // the next 16 bytes rather than a new cache line; packing any other A cost more than it saved (a tall, thin A of
  // convolution patches: as long as the product itself)
  const packed = sm === 1;
  const aIn = inMemory(w, a);
  const bIn = inMemory(w, b);
  const cIn = inMemory(w, out) && ldc === n && mp * MR === m;
  const aPad = MR * (sm + sk) + 8;
  const bPad = nr * (sk2 + sn) + 8;
  let top = scratchBase() / size;
  const aOff = aIn ? a.byteOffset / size : top;
  if (!aIn) top += a.length + aPad;
  const bOff = bIn ? b.byteOffset / size : top;
  if (!bIn) top += b.length + bPad;
  const apOff = top;
  const bpOff = apOff + (packed ? mp * MR * k : 0);
  const cpOff = bpOff + np * nr * k;
  top = cpOff + (cIn ? 0 : mp * MR * ldc);
  // (reads past the end of an operand in the memory stay inside it too)
  const views = memoryViews(w, (top + aPad + bPad) * size);
  const f = (double ? views.f64 : views.f32) as T;
  if (!aIn) f.set(a, aOff);
  if (!bIn) f.set(b, bOff);
  const packA = double ? w.packA64 : w.packA32;
  // A's panels: MR·row stride apart in place; k·MR values apart packed, with the MR values of a step adjacent
  const aStrides = packed ? [k * MR * size, size, MR * size] : [MR * sm * size, sm * size, sk * size];
  for (let q = 0; q < nb; q++) {
    const cq = cIn ? out.byteOffset / size + q * m * n : cpOff;
    if (packed) packA(size * apOff, size * (aOff + q * sab), size * sm, size * sk, m, k);
    // column panels [j0, j1), packed and computed by whichever thread takes them: each C element is computed the same
    // way by any
    splitChunks(w, np, perThread, w.job, [
      double ? 1 : 0,
      size * (packed ? apOff : aOff + q * sab),
      ...aStrides,
      size * (bOff + q * sbb),
      size * sk2,
      size * sn,
      n,
      size * bpOff,
      size * cq,
      mp,
      k,
      ldc,
    ]);
    const o = q * m * n;
    if (cIn) continue;
    if (ldc === n) out.set(f.subarray(cpOff, cpOff + m * n), o);
    else if (n >= 64) for (let i = 0; i < m; i++) out.set(f.subarray(cpOff + i * ldc, cpOff + i * ldc + n), o + i * n);
    else {
      // short rows: a plain loop beats creating a subarray per row
      for (let i = 0, d = o, s = cpOff; i < m; i++, s += ldc) for (let j = 0; j < n; j++) out[d++] = f[s + j]!;
    }
  }
}

/**
 * Outer products (k = 1; per-example gradients of dense layers): the kernel's single step 0 + fround(a·b). In wasm
 * over four lanes where B's rows are contiguous; otherwise in JS, where the product of two float32 values is exact
 * in double precision, so the float32 store rounds it once, and + 0 turns −0 into +0.
 */
function outer(
  w: WasmKernels,
  a: Float32Array,
  as: Strides3,
  b: Float32Array,
  bs: Strides3,
  nb: number,
  m: number,
  n: number,
  out: Float32Array,
): void {
  const [sab, sm] = as;
  const [sbb, , sn] = bs;
  if (sn === 1) {
    const base = scratchBase() / 4;
    const bOff = base + a.length + 4;
    const cOff = bOff + b.length + 4;
    // batch entries in blocks of about OUTER_BLOCK floats, each copied out while it is still in cache
    const per = m * n;
    const block = Math.max(1, Math.min(nb, Math.floor(OUTER_BLOCK / per)));
    const f = heap(w, cOff + block * per);
    f.set(a, base);
    f.set(b, bOff);
    for (let q = 0; q < nb; q += block) {
      const count = Math.min(block, nb - q);
      w.outer(4 * (base + q * sab), 4 * sab, 4 * sm, 4 * (bOff + q * sbb), 4 * sbb, 4 * cOff, count, m, n);
      out.set(f.subarray(cOff, cOff + count * per), q * per);
    }
    return;
  }
  for (let q = 0, d = 0; q < nb; q++) {
    for (let i = 0; i < m; i++) {
      const av = a[q * sab + i * sm]!;
      for (let j = 0, s = q * sbb; j < n; j++, s += sn) out[d++] = av * b[s]! + 0;
    }
  }
}
