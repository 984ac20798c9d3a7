// Faster eager kernels that a backend above this layer provides (the WebAssembly one: wasm/eager.ts). This layer
// defines what it calls; src/install.ts connects the backend once. Until then, or where the backend cannot run
// (no WebAssembly SIMD, or turned off), the primitives' JS kernels run and give the same bits.
import type { DType } from "../core/dtype.js";
import type { Primitive } from "../ir/jaxpr.js";

/** Element strides of an operand viewed as [batch, rows, cols]. */
export type Strides3 = readonly [number, number, number];

/** A loop computing one elementwise primitive over whole arrays, bit for bit as its JS kernel. */
export interface EagerLoop {
  run(ins: (Float32Array | Uint8Array)[], out: Float32Array | Uint8Array): void;
  /** Elements from which it is faster than the JS kernel. */
  readonly minSize: number;
}

/** What the window selection kernel reads of reduce/window.ts's WindowPlan (that file documents the fields). */
export interface WindowSelectPlan {
  lead: number;
  vec: number;
  mid: number;
  inBlock: number;
  outBlock: number;
  rowStart: Int32Array;
  entries: Int32Array;
  outSize: number;
}

/** A patch builder over one lhs and offset table: `rows(r0, m, lOff)` fills and returns the patches of rows r0…. */
export interface Im2col {
  rows(r0: number, m: number, lOff: number): Float32Array;
}

export interface EagerBackend {
  /** Whether its kernels can run now. */
  ready(): boolean;
  /** The fewest elements any of its loops pays from: shorter arrays need not ask for one. */
  readonly minElements: number;
  /** The loop for `prim` on float32 lanes (bool masks) with these dtypes, or undefined where it has none. */
  loop(prim: Primitive, inDtypes: readonly DType[], outDtype: DType): EagerLoop | undefined;
  /** Whether a float32 product of operands and a result of these sizes fits its memory. */
  fitsMatmul(aSize: number, bSize: number, outSize: number): boolean;
  /** float32 out[b] = A[b]·B[b], A viewed as [nb, m, k] and B as [nb, k, n] through element strides. */
  matmul(
    a: Float32Array,
    as: Strides3,
    b: Float32Array,
    bs: Strides3,
    nb: number,
    m: number,
    k: number,
    n: number,
    out: Float32Array,
  ): void;
  /** The same product in float64, with the bits of `batchedMatmul` (kernels.ts): sums over k in order, unfused. */
  matmul64?(
    a: Float64Array,
    as: Strides3,
    b: Float64Array,
    bs: Strides3,
    nb: number,
    m: number,
    k: number,
    n: number,
    out: Float64Array,
  ): void;
  /**
   * Float64 working memory of at least `floats` elements that rotateForward64 works on in place (valid until the next
   * call), or undefined where there is none.
   */
  rotationScratch?(floats: number): Float64Array | undefined;
  /** linalg/orthogonal.ts's rotateForward, the same bits, on arrays in rotationScratch's memory; false elsewhere. */
  rotateForward64?(
    z: Float64Array,
    rows: number,
    stride: number,
    lo: number,
    hi: number,
    c: Float64Array,
    s: Float64Array,
  ): boolean;
  /**
   * reduce/window.ts's windowSelect on float32 (the same indices), or undefined where it does not run (the caller runs
   * the JS loop). With `values`, also the chosen elements there (unspecified for
   * windows with none).
   */
  windowSelect32?(x: Float32Array, plan: WindowSelectPlan, max: boolean, values?: Float32Array): Int32Array | undefined;
  /**
   * conv/conv_kernel.ts's im2col patches in the backend's kernel: the lhs and the patch offset table (p × w, −1 for
   * padding) copied in once, then `rows(r0, m, lOff)` gives the patches of output rows r0…r0 + m − 1 (row q mod p of
   * batch entry row div p, read at lOff + entry·lN + offset + feature·lC) as a view valid until the next call.
   */
  im2col32?(
    lhs: Float32Array,
    offs: Int32Array,
    p: number,
    w: number,
    ig: number,
    lC: number,
    lN: number,
    chunk: number,
  ): Im2col | undefined;
  /** Elements (counters, or words of random bits) from which its Threefry kernels are faster than the JS ones. */
  readonly threefryMinElements?: number;
  /**
   * random/threefry_kernel.ts's `threefry2x32` (the same arguments, already checked, and the same bits); false where
   * it did not run (the caller runs the JS kernel).
   */
  threefry2x32?(
    k0: Uint32Array,
    k1: Uint32Array,
    x0: Uint32Array,
    x1: Uint32Array,
    out0: Uint32Array,
    out1: Uint32Array,
  ): boolean;
  /** random/threefry_kernel.ts's `threefryBits` (likewise); false where it did not run. */
  threefryBits?(keys: Uint32Array, n: number, out: Uint32Array): boolean;
  /**
   * elementwise/special_math.ts's `erfInv32Array` (float32 erf⁻¹, the same bits) of `src` into `dst` (of its
   * length); false where it did not run (absent, or too short to pay: the caller runs the JS kernel).
   */
  erfInv32?(src: Float32Array, dst: Float32Array): boolean;
}

let provided: EagerBackend | undefined;

/** @internal Connects the backend (src/install.ts). */
export function provideEagerBackend(b: EagerBackend): void {
  provided = b;
}

/** The connected backend, if any (ask `ready()` before using it). */
export const eagerBackend = (): EagerBackend | undefined => provided;
