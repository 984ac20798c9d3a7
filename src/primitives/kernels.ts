// Eager CPU kernels shared by primitives: strided copies, reductions, elementwise maps, batched matmul.
import type { ShapedArray } from "../core/aval.js";
import { type TypedArray, allocate } from "../core/dtype.js";
import { type Shape, sizeOf, stridesOf } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";

export const data = (t: Tensor): TypedArray => t._data!;

/** Moves `shape` elements: dst[dOff + Σ i_k·dStr_k] = src[sOff + Σ i_k·sStr_k], in row-major order of i. */
export function stridedMove(
  src: TypedArray, sStr: readonly number[], sOff: number,
  dst: TypedArray, dStr: readonly number[], dOff: number,
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
export const stridedCopy = (src: TypedArray, strides: readonly number[], offset: number, outShape: Shape, dst: TypedArray): void =>
  stridedMove(src, strides, offset, dst, stridesOf(outShape), 0, outShape);

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
export function reduce(x: Tensor, axes: readonly number[], out: ShapedArray, init: number, step: (acc: number, v: number) => number): Tensor {
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

/** C[b] = A[b] · B[b] for A: [nb, m, k], B: [nb, k, n] contiguous; accumulates in float64. */
export function batchedMatmul(a: TypedArray, b: TypedArray, nb: number, m: number, k: number, n: number, c: TypedArray): void {
  const row = new Float64Array(n);
  for (let p = 0; p < nb; p++) {
    const ao = p * m * k;
    const bo = p * k * n;
    const co = p * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let l = 0; l < k; l++) {
        const av = a[ao + i * k + l]!;
        const bRow = bo + l * n;
        for (let j = 0; j < n; j++) row[j]! += av * b[bRow + j]!;
      }
      for (let j = 0; j < n; j++) c[co + i * n + j] = row[j]!;
    }
  }
}
