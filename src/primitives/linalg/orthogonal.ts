// Orthogonal factors shared by the eigh and svd kernels. Plane-rotation sequences of the QR/QL sweeps are applied
// after the sweep rather than one rotation at a time: LAPACK's dlasr with pivot 'V', on a row-major matrix whose
// rotated index is the contiguous one, so each row is read and written once per sweep, carrying one element through
// the sequence in a register, eight rows at a time so their carry chains overlap (the arithmetic per element is that
// of one rotation after another). Householder reflectors are accumulated in blocks, through gemm64.
import { eagerBackend } from "../eager_backend.js";
import { gemm64 } from "./gemm64.js";

/**
 * For each of the `rows` rows of the row-major z (row stride `stride`) and k = lo, …, hi − 1 in turn:
 * (x_k, x_{k+1}) ← (c_k·x_k + s_k·x_{k+1}, c_k·x_{k+1} − s_k·x_k).
 */
export function rotateForward(
  z: Float64Array,
  rows: number,
  stride: number,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): void {
  if (hi <= lo) return;
  // arrays in the backend's rotation memory (rotationScratch) rotate there, in SIMD, with the same bits
  if (eagerBackend()?.rotateForward64?.(z, rows, stride, lo, hi, c, s)) return;
  let r = 0;
  for (; r + 7 < rows; r += 8) {
    const o0 = r * stride;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    const o4 = o3 + stride;
    const o5 = o4 + stride;
    const o6 = o5 + stride;
    const o7 = o6 + stride;
    let x0 = z[o0 + lo]!;
    let x1 = z[o1 + lo]!;
    let x2 = z[o2 + lo]!;
    let x3 = z[o3 + lo]!;
    let x4 = z[o4 + lo]!;
    let x5 = z[o5 + lo]!;
    let x6 = z[o6 + lo]!;
    let x7 = z[o7 + lo]!;
    for (let k = lo; k < hi; k++) {
      const ck = c[k]!;
      const sk = s[k]!;
      const y0 = z[o0 + k + 1]!;
      const y1 = z[o1 + k + 1]!;
      const y2 = z[o2 + k + 1]!;
      const y3 = z[o3 + k + 1]!;
      const y4 = z[o4 + k + 1]!;
      const y5 = z[o5 + k + 1]!;
      const y6 = z[o6 + k + 1]!;
      const y7 = z[o7 + k + 1]!;
      z[o0 + k] = ck * x0 + sk * y0;
      z[o1 + k] = ck * x1 + sk * y1;
      z[o2 + k] = ck * x2 + sk * y2;
      z[o3 + k] = ck * x3 + sk * y3;
      z[o4 + k] = ck * x4 + sk * y4;
      z[o5 + k] = ck * x5 + sk * y5;
      z[o6 + k] = ck * x6 + sk * y6;
      z[o7 + k] = ck * x7 + sk * y7;
      x0 = ck * y0 - sk * x0;
      x1 = ck * y1 - sk * x1;
      x2 = ck * y2 - sk * x2;
      x3 = ck * y3 - sk * x3;
      x4 = ck * y4 - sk * x4;
      x5 = ck * y5 - sk * x5;
      x6 = ck * y6 - sk * x6;
      x7 = ck * y7 - sk * x7;
    }
    z[o0 + hi] = x0;
    z[o1 + hi] = x1;
    z[o2 + hi] = x2;
    z[o3 + hi] = x3;
    z[o4 + hi] = x4;
    z[o5 + hi] = x5;
    z[o6 + hi] = x6;
    z[o7 + hi] = x7;
  }
  for (; r < rows; r++) {
    const o = r * stride;
    let x = z[o + lo]!;
    for (let k = lo; k < hi; k++) {
      const y = z[o + k + 1]!;
      z[o + k] = c[k]! * x + s[k]! * y;
      x = c[k]! * y - s[k]! * x;
    }
    z[o + hi] = x;
  }
}

/** As rotateForward, k = hi − 1, …, lo in turn. */
export function rotateBackward(
  z: Float64Array,
  rows: number,
  stride: number,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): void {
  if (hi <= lo) return;
  let r = 0;
  for (; r + 7 < rows; r += 8) {
    const o0 = r * stride;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    const o4 = o3 + stride;
    const o5 = o4 + stride;
    const o6 = o5 + stride;
    const o7 = o6 + stride;
    let y0 = z[o0 + hi]!;
    let y1 = z[o1 + hi]!;
    let y2 = z[o2 + hi]!;
    let y3 = z[o3 + hi]!;
    let y4 = z[o4 + hi]!;
    let y5 = z[o5 + hi]!;
    let y6 = z[o6 + hi]!;
    let y7 = z[o7 + hi]!;
    for (let k = hi - 1; k >= lo; k--) {
      const ck = c[k]!;
      const sk = s[k]!;
      const x0 = z[o0 + k]!;
      const x1 = z[o1 + k]!;
      const x2 = z[o2 + k]!;
      const x3 = z[o3 + k]!;
      const x4 = z[o4 + k]!;
      const x5 = z[o5 + k]!;
      const x6 = z[o6 + k]!;
      const x7 = z[o7 + k]!;
      z[o0 + k + 1] = ck * y0 - sk * x0;
      z[o1 + k + 1] = ck * y1 - sk * x1;
      z[o2 + k + 1] = ck * y2 - sk * x2;
      z[o3 + k + 1] = ck * y3 - sk * x3;
      z[o4 + k + 1] = ck * y4 - sk * x4;
      z[o5 + k + 1] = ck * y5 - sk * x5;
      z[o6 + k + 1] = ck * y6 - sk * x6;
      z[o7 + k + 1] = ck * y7 - sk * x7;
      y0 = ck * x0 + sk * y0;
      y1 = ck * x1 + sk * y1;
      y2 = ck * x2 + sk * y2;
      y3 = ck * x3 + sk * y3;
      y4 = ck * x4 + sk * y4;
      y5 = ck * x5 + sk * y5;
      y6 = ck * x6 + sk * y6;
      y7 = ck * x7 + sk * y7;
    }
    z[o0 + lo] = y0;
    z[o1 + lo] = y1;
    z[o2 + lo] = y2;
    z[o3 + lo] = y3;
    z[o4 + lo] = y4;
    z[o5 + lo] = y5;
    z[o6 + lo] = y6;
    z[o7 + lo] = y7;
  }
  for (; r < rows; r++) {
    const o = r * stride;
    let y = z[o + hi]!;
    for (let k = hi - 1; k >= lo; k--) {
      const x = z[o + k]!;
      z[o + k + 1] = c[k]! * y - s[k]! * x;
      y = c[k]! * x + s[k]! * y;
    }
    z[o + lo] = y;
  }
}

/** Columns p, q of the row-major z: (x_p, x_q) ← (c·x_p + s·x_q, c·x_q − s·x_p), for the odd rotation of a chase. */
export function rotateColumns(
  z: Float64Array,
  rows: number,
  stride: number,
  p: number,
  q: number,
  c: number,
  s: number,
): void {
  for (let o = 0; o < rows * stride; o += stride) {
    const a = z[o + p]!;
    const b = z[o + q]!;
    z[o + p] = c * a + s * b;
    z[o + q] = c * b - s * a;
  }
}

/**
 * C ← H_0·H_1···H_{b−1}·C for the row-major C (rows × cols at cOff, row stride ldc) and H_t = I − τ_t·y_t·y_tᵀ, y_t
 * column t of the row-major Y (rows × b): as the block reflector I − Y·T·Yᵀ (LAPACK's dlarft and dlarfb), so that the
 * O(rows·cols·b) work is two matrix products in gemm64 rather than b rank-1 passes over C.
 */
export function applyReflectorBlock(
  y: Float64Array,
  tau: Float64Array,
  rows: number,
  b: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  cols: number,
): void {
  if (rows === 0 || cols === 0 || b === 0) return;
  const yt = new Float64Array(b * rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < b; j++) yt[j * rows + i] = y[i * b + j]!;
  const t = blockReflectorT(yt, rows, tau);
  const w = new Float64Array(b * cols);
  gemm64(yt, rows, c.subarray(cOff), ldc, 1, b, rows, cols, w); // W = Yᵀ·C
  // W ← T·W in place: row p needs rows p.. only
  for (let p = 0; p < b; p++) {
    const rp = p * cols;
    for (let j = 0; j < cols; j++) w[rp + j] = w[rp + j]! * t[p * b + p]!;
    for (let q = p + 1; q < b; q++) {
      const f = t[p * b + q]!;
      if (f === 0) continue;
      const rq = q * cols;
      for (let j = 0; j < cols; j++) w[rp + j] = w[rp + j]! + f * w[rq + j]!;
    }
  }
  const prod = new Float64Array(rows * cols);
  gemm64(y, b, w, cols, 1, rows, b, cols, prod); // Y·T·Yᵀ·C
  for (let i = 0; i < rows; i++) {
    const [o, r] = [cOff + i * ldc, i * cols];
    for (let j = 0; j < cols; j++) c[o + j] = c[o + j]! - prod[r + j]!;
  }
}

/**
 * The upper triangular T of the block reflector H_0·…·H_{b−1} = I − Y·T·Yᵀ (LAPACK's dlarft, forward, columnwise),
 * from Yᵀ (b × rows, row-major) and the b τs: T[t][t] = τ_t, T[0:t, t] = −τ_t·T[0:t, 0:t]·(Yᵀ·y_t)[0:t].
 */
export function blockReflectorT(yt: Float64Array, rows: number, tau: Float64Array): Float64Array {
  const b = tau.length;
  const t = new Float64Array(b * b);
  const g = new Float64Array(b);
  for (let j = 0; j < b; j++) {
    const tj = tau[j]!;
    t[j * b + j] = tj;
    if (tj === 0) continue;
    for (let p = 0; p < j; p++) g[p] = dot(yt, p * rows, yt, j * rows, rows);
    for (let p = 0; p < j; p++) {
      let acc = 0;
      for (let q = p; q < j; q++) acc += t[p * b + q]! * g[q]!;
      t[p * b + j] = -tj * acc;
    }
  }
  return t;
}

/** Reflectors per block in accumulateReflectors. */
const BLOCK = 32;

/**
 * z ← H_0·…·H_{count−1}·z for the row-major z (rows × cols), the identity where they act, and H_j = I − τ·v·vᵀ acting
 * on rows j + shift.. (v from there on): from the last block of BLOCK back, each touching only the rows and columns
 * past its first, where the product so far differs from I.
 */
export function accumulateReflectors(
  count: number,
  shift: number,
  reflector: (j: number) => { v: Float64Array; tau: number },
  z: Float64Array,
  rows: number,
  cols: number,
): void {
  for (let j0 = Math.floor((count - 1) / BLOCK) * BLOCK; j0 >= 0; j0 -= BLOCK) {
    const b = Math.min(BLOCK, count - j0);
    const r0 = j0 + shift;
    const y = new Float64Array((rows - r0) * b);
    const tau = new Float64Array(b);
    for (let q = 0; q < b; q++) {
      const { v, tau: tq } = reflector(j0 + q);
      tau[q] = tq;
      if (tq !== 0) for (let i = 0; i < v.length; i++) y[(q + i) * b + q] = v[i]!;
    }
    applyReflectorBlock(y, tau, rows - r0, b, z, r0 * cols + r0, cols, cols - r0);
  }
}

function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let acc = 0;
  for (let k = 0; k < len; k++) acc += a[ia + k]! * b[ib + k]!;
  return acc;
}
