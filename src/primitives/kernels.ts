// Eager CPU kernels shared by primitives: strided copies, reductions, elementwise maps, batched matmul.
import type { ShapedArray } from "../core/aval.js";
import { allocate, type TypedArray } from "../core/dtype.js";
import { type Shape, sizeOf, stridesOf } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";

export const data = (t: Tensor): TypedArray => t._data!;

/** Moves `shape` elements: dst[dOff + Σ i_k·dStr_k] = src[sOff + Σ i_k·sStr_k], in row-major order of i. */
export function stridedMove(
  src: TypedArray,
  sStr: readonly number[],
  sOff: number,
  dst: TypedArray,
  dStr: readonly number[],
  dOff: number,
  shape: Shape,
): void {
  if (sizeOf(shape) === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    dst[dOff] = src[sOff]!;
    return;
  }
  const last = nd - 1;
  const [n, ss, ds] = [shape[last]!, sStr[last]!, dStr[last]!];
  const idx = new Array<number>(nd).fill(0);
  let [sb, db] = [sOff, dOff];
  for (;;) {
    for (let j = 0, p = sb, q = db; j < n; j++, p += ss, q += ds) dst[q] = src[p]!;
    let k = last - 1;
    for (; k >= 0; k--) {
      sb += sStr[k]!;
      db += dStr[k]!;
      if (++idx[k]! < shape[k]!) break;
      sb -= sStr[k]! * shape[k]!;
      db -= dStr[k]! * shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** dst[i] = src[offset + Σ idx_k · strides_k] over `outShape`, dst contiguous. */
export const stridedCopy = (
  src: TypedArray,
  strides: readonly number[],
  offset: number,
  outShape: Shape,
  dst: TypedArray,
): void => stridedMove(src, strides, offset, dst, stridesOf(outShape), 0, outShape);

/** A new tensor of aval `out` gathered from `x` with the given strides. */
export function strided(x: Tensor, strides: readonly number[], offset: number, out: ShapedArray): Tensor {
  const dst = allocate(out.dtype, out.size);
  stridedCopy(data(x), strides, offset, out.shape, dst);
  return Tensor._of(dst, out.shape, out.dtype);
}

export function mapUnary(x: Tensor, out: ShapedArray, f: (v: number) => number): Tensor {
  const a = data(x);
  const d = allocate(out.dtype, a.length);
  for (let i = 0; i < a.length; i++) d[i] = f(a[i]!);
  return Tensor._of(d, out.shape, out.dtype);
}

export function mapBinary(x: Tensor, y: Tensor, out: ShapedArray, f: (a: number, b: number) => number): Tensor {
  const a = data(x);
  const b = data(y);
  const d = allocate(out.dtype, a.length);
  for (let i = 0; i < a.length; i++) d[i] = f(a[i]!, b[i]!);
  return Tensor._of(d, out.shape, out.dtype);
}

/** Folds the `axes` of `x` into `out` with `step`, starting from `init`. */
export function reduce(
  x: Tensor,
  axes: readonly number[],
  out: ShapedArray,
  init: number,
  step: (acc: number, v: number) => number,
): Tensor {
  const shape = x.shape;
  const nd = shape.length;
  const dst = allocate(out.dtype, out.size).fill(init);
  const src = data(x);
  if (src.length === 0) return Tensor._of(dst, out.shape, out.dtype);
  // Stride of each input axis in the output (0 for reduced axes).
  const ostr = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    if (axes.includes(k)) continue;
    ostr[k] = acc;
    acc *= shape[k]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    dst[o] = step(dst[o]!, src[i]!);
    for (let k = nd - 1; k >= 0; k--) {
      o += ostr[k]!;
      if (++idx[k]! < shape[k]!) break;
      o -= ostr[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return Tensor._of(dst, out.shape, out.dtype);
}

/**
 * C[b] = A[b] · B[b] for A: [nb, m, k], B: [nb, k, n] contiguous. A 4×4 register-blocked micro-kernel over
 * a packed panel of 4 columns of B; every output sums over k in order in float64, so the result does not
 * depend on the blocking.
 */
export function batchedMatmul(
  a: TypedArray,
  b: TypedArray,
  nb: number,
  m: number,
  k: number,
  n: number,
  c: TypedArray,
): void {
  const panel = new Float64Array(k * 4);
  for (let p = 0; p < nb; p++) {
    const ao = p * m * k;
    const bo = p * k * n;
    const co = p * m * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      for (let l = 0; l < k; l++) {
        const s = bo + l * n + j;
        panel[4 * l] = b[s]!;
        panel[4 * l + 1] = b[s + 1]!;
        panel[4 * l + 2] = b[s + 2]!;
        panel[4 * l + 3] = b[s + 3]!;
      }
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0,
          c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0,
          c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        const r0 = ao + i * k;
        const r1 = r0 + k;
        const r2 = r1 + k;
        const r3 = r2 + k;
        for (let l = 0; l < k; l++) {
          const q = 4 * l;
          const b0 = panel[q]!,
            b1 = panel[q + 1]!,
            b2 = panel[q + 2]!,
            b3 = panel[q + 3]!;
          const a0 = a[r0 + l]!,
            a1 = a[r1 + l]!,
            a2 = a[r2 + l]!,
            a3 = a[r3 + l]!;
          c00 += a0 * b0;
          c01 += a0 * b1;
          c02 += a0 * b2;
          c03 += a0 * b3;
          c10 += a1 * b0;
          c11 += a1 * b1;
          c12 += a1 * b2;
          c13 += a1 * b3;
          c20 += a2 * b0;
          c21 += a2 * b1;
          c22 += a2 * b2;
          c23 += a2 * b3;
          c30 += a3 * b0;
          c31 += a3 * b1;
          c32 += a3 * b2;
          c33 += a3 * b3;
        }
        const o = co + i * n + j;
        c[o] = c00;
        c[o + 1] = c01;
        c[o + 2] = c02;
        c[o + 3] = c03;
        c[o + n] = c10;
        c[o + n + 1] = c11;
        c[o + n + 2] = c12;
        c[o + n + 3] = c13;
        c[o + 2 * n] = c20;
        c[o + 2 * n + 1] = c21;
        c[o + 2 * n + 2] = c22;
        c[o + 2 * n + 3] = c23;
        c[o + 3 * n] = c30;
        c[o + 3 * n + 1] = c31;
        c[o + 3 * n + 2] = c32;
        c[o + 3 * n + 3] = c33;
      }
      for (; i < m; i++) {
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        const r = ao + i * k;
        for (let l = 0; l < k; l++) {
          const av = a[r + l]!;
          s0 += av * panel[4 * l]!;
          s1 += av * panel[4 * l + 1]!;
          s2 += av * panel[4 * l + 2]!;
          s3 += av * panel[4 * l + 3]!;
        }
        const o = co + i * n + j;
        c[o] = s0;
        c[o + 1] = s1;
        c[o + 2] = s2;
        c[o + 3] = s3;
      }
    }
    for (; j < n; j++) {
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += a[ao + i * k + l]! * b[bo + l * n + j]!;
        c[co + i * n + j] = s;
      }
    }
  }
}
