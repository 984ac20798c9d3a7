// The float64 matrix product the blocked factorizations run their O(n³) updates through: the backend's WebAssembly
// kernel (f64x2, worker threads for large products) where it is ready, the JS kernel otherwise. Both sum over k in
// order from +0, unfused, so the result is the same bits either way.
import { eagerBackend } from "../eager_backend.js";
import { batchedMatmul } from "../kernels.js";

/**
 * out (m × n, contiguous) = A·B for A m × k with rows `aRow` apart (contiguous within a row) and B k × n read through
 * element strides (row, column): [n, 1] row-major, [1, k] for the transpose of a row-major n × k matrix.
 */
export function gemm64(
  a: Float64Array,
  aRow: number,
  b: Float64Array,
  bRow: number,
  bCol: number,
  m: number,
  k: number,
  n: number,
  out: Float64Array,
): void {
  const simd = eagerBackend();
  if (simd?.matmul64 && simd.ready() && simd.fitsMatmul(2 * a.length, 2 * b.length, 2 * out.length)) {
    simd.matmul64(a, [0, aRow, 1], b, [0, bRow, bCol], 1, m, k, n, out);
    return;
  }
  let ac = a;
  if (aRow !== k) {
    ac = new Float64Array(m * k);
    for (let i = 0; i < m; i++) ac.set(a.subarray(i * aRow, i * aRow + k), i * k);
  }
  let bc = b;
  if (bRow !== n || bCol !== 1) {
    bc = new Float64Array(k * n);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bc[p * n + j] = b[p * bRow + j * bCol]!;
  }
  batchedMatmul(ac, bc, 1, m, k, n, out);
}
