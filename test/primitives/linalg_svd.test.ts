// lax.linalg.svd against plain-JS float64 checks written here: reconstruction U·diag(S)·Vh = A, orthonormal U and Vh,
// S descending and non-negative, S against the square roots of the eigenvalues of AᵀA (a cyclic Jacobi eigenvalue
// routine written here), for square, tall, wide and batched inputs in float32 and float64, with and without
// fullMatrices and computeUv; rank-deficient, zero and NaN inputs; derivatives against central differences (first and
// second order, forward and reverse) of S and of sign-invariant functions of U and Vh; jit / vmap agreement.
import { GradientError, jit, jvp, lax, makeJaxpr, np, type Tensor, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { svd as svdPrim } from "../../src/primitives/linalg/svd.js";
import { catchError, f64, rng, valuesOf } from "../helpers.js";
import { arr, checkDerivatives, expectMatClose, eyeM, type Mat, matsOf, mm, T, zerosM } from "./linalg_helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS float64 references

const randM = (next: () => number, m: number, n: number): Mat =>
  Array.from({ length: m }, () => Array.from({ length: n }, () => 2 * next() - 1));

/** A random m×m orthogonal matrix (Gram–Schmidt on a random one). */
function orthogonal(next: () => number, m: number): Mat {
  const cols: number[][] = [];
  while (cols.length < m) {
    const x = Array.from({ length: m }, () => 2 * next() - 1);
    for (let pass = 0; pass < 2; pass++)
      for (const c of cols) {
        const d = c.reduce((s, v, i) => s + v * x[i]!, 0);
        for (let i = 0; i < m; i++) x[i]! -= d * c[i]!;
      }
    const nrm = Math.hypot(...x);
    if (nrm > 1e-3) cols.push(x.map((v) => v / nrm));
  }
  return T(cols);
}
/** Q₁·diag(σ)·Q₂ᵀ (m×n): singular values exactly σ (min(m, n) of them), so well separated when σ is. */
function withSingularValues(next: () => number, m: number, n: number, sigma: number[]): Mat {
  const d = zerosM(m, n);
  sigma.forEach((s, i) => {
    d[i]![i] = s;
  });
  return mm(mm(orthogonal(next, m), d), T(orthogonal(next, n)));
}

/** The eigenvalues of a symmetric matrix by cyclic Jacobi rotations, ascending. */
function jacobiEigenvalues(s0: Mat): number[] {
  const n = s0.length;
  const s = s0.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (s[p]![q] === 0) continue;
        const theta = (s[q]![q]! - s[p]![p]!) / (2 * s[p]![q]!);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const [a, b] = [s[k]![p]!, s[k]![q]!];
          s[k]![p] = c * a - sn * b;
          s[k]![q] = sn * a + c * b;
        }
        for (let k = 0; k < n; k++) {
          const [a, b] = [s[p]![k]!, s[q]![k]!];
          s[p]![k] = c * a - sn * b;
          s[q]![k] = sn * a + c * b;
        }
      }
  }
  return s.map((r, i) => r[i]!).sort((a, b) => a - b);
}

/** The vectors of a tensor [..., k]. */
function vecsOf(t: Tensor): number[][] {
  const k = t.shape[t.ndim - 1]!;
  const v = valuesOf(t);
  return Array.from({ length: v.length / k }, (_, b) => v.slice(b * k, (b + 1) * k));
}
const normOf = (a: Mat) => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));

/** Checks one factorization of the batch `mats` (its U, S, Vh as tensors). */
function checkFactors(mats: Mat[], [u, s, vh]: Tensor[], full: boolean, tol: number): void {
  const [m, n] = [mats[0]!.length, mats[0]![0]!.length];
  const k = Math.min(m, n);
  expect(u!.shape.slice(-2)).toEqual([m, full ? m : k]);
  expect(s!.shape.slice(-1)).toEqual([k]);
  expect(vh!.shape.slice(-2)).toEqual([full ? n : k, n]);
  const [us, ss, vhs] = [matsOf(u!), vecsOf(s!), matsOf(vh!)];
  mats.forEach((a, b) => {
    const [ub, sb, vb] = [us[b]!, ss[b]!, vhs[b]!];
    const scale = Math.max(1, normOf(a));
    sb.forEach((x, i) => {
      expect(x).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(x).toBeLessThanOrEqual(sb[i - 1]!);
    });
    const d = zerosM(ub[0]!.length, vb.length);
    sb.forEach((x, i) => {
      d[i]![i] = x;
    });
    expectMatClose("U·diag(S)·Vh − A", mm(mm(ub, d), vb), a, tol * scale);
    expectMatClose("UᵀU − I", mm(T(ub), ub), eyeM(ub[0]!.length), tol);
    expectMatClose("Vh·Vhᵀ − I", mm(vb, T(vb)), eyeM(vb.length), tol);
  });
}

const svd3 = (a: Tensor, o: { fullMatrices?: boolean } = {}) => lax.linalg.svd(a, o) as [Tensor, Tensor, Tensor];

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.svd", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [3, 3],
    [5, 3],
    [3, 5],
    [1, 4],
    [4, 1],
    [6, 6],
  ];

  it("factors square, tall and wide matrices and batches (float64 and float32, fullMatrices both ways)", () => {
    const next = rng(1);
    for (const [m, n] of shapes)
      for (const batch of [[], [2], [2, 3]]) {
        const count = batch.reduce((a, b) => a * b, 1);
        const mats = Array.from({ length: count }, () => randM(next, m, n));
        const nested = batch.length === 0 ? mats[0] : batch.length === 1 ? mats : [mats.slice(0, 3), mats.slice(3)];
        for (const dtype of ["float64", "float32"] as const)
          for (const full of [true, false]) {
            const x = arr(nested, dtype);
            const outs = svd3(x, { fullMatrices: full });
            for (const o of outs) expect(o.dtype).toBe(dtype);
            expect(outs[0].shape.slice(0, -2)).toEqual(batch);
            checkFactors(mats, outs, full, dtype === "float64" ? 1e-12 : 2e-6);
            const s = lax.linalg.svd(x, { computeUv: false, fullMatrices: full });
            expect(s.shape).toEqual([...batch, Math.min(m, n)]);
            expect(valuesOf(s)).toEqual(valuesOf(outs[1]));
          }
      }
  });

  it("singular values are the square roots of the eigenvalues of AᵀA (or AAᵀ)", () => {
    const next = rng(2);
    for (const [m, n] of [...shapes, [8, 5] as [number, number], [5, 8] as [number, number]]) {
      const a = randM(next, m, n);
      const gram = m >= n ? mm(T(a), a) : mm(a, T(a));
      const want = jacobiEigenvalues(gram)
        .map((e) => Math.sqrt(Math.max(e, 0)))
        .reverse();
      const got = valuesOf(lax.linalg.svd(f64(a), { computeUv: false }));
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-12));
    }
    // known singular values
    const sigma = [5, 3, 2, 0.5];
    const got = valuesOf(lax.linalg.svd(f64(withSingularValues(next, 6, 4, sigma)), { computeUv: false }));
    got.forEach((g, i) => expect(Math.abs(g - sigma[i]!)).toBeLessThan(1e-13));
  });

  it("rank-deficient, zero, bidiagonal, orthogonal and graded matrices: U and Vh still orthonormal", () => {
    const next = rng(3);
    const x = [1, -2, 0.5, 3];
    const y = [2, 1, -1];
    const rank1 = x.map((a) => y.map((b) => a * b)); // 4×3, rank 1
    const rank2 = withSingularValues(next, 5, 5, [2, 1, 0, 0, 0]);
    const dup = randM(next, 4, 2).map((r) => [r[0]!, r[1]!, r[0]!, r[1]!]); // repeated columns, wide-ish square
    // bidiagonal already, with a zero inside / at the end of the diagonal (the QR iteration's zero-chasing paths)
    const zeroInside = [
      [1, 2, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 4, 5],
      [0, 0, 0, 6],
    ];
    const zeroLast = [
      [1, 2, 0],
      [0, 3, 4],
      [0, 0, 0],
    ];
    // repeated singular values, graded entries
    const graded = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i <= j ? 10 ** (-3 * j) : 0)));
    const cases: Mat[] = [
      rank1,
      T(rank1),
      rank2,
      dup,
      zeroInside,
      zeroLast,
      T(zeroLast),
      eyeM(4),
      orthogonal(next, 5),
      graded,
      zerosM(3, 3),
      zerosM(2, 4),
      zerosM(4, 2),
    ];
    for (const a of cases)
      for (const full of [true, false]) {
        const outs = svd3(f64(a), { fullMatrices: full });
        checkFactors([a], outs, full, 1e-12);
      }
    const s1 = valuesOf(lax.linalg.svd(f64(rank1), { computeUv: false }));
    expect(Math.abs(s1[0]! - Math.hypot(...x) * Math.hypot(...y))).toBeLessThan(1e-12);
    expect(Math.max(Math.abs(s1[1]!), Math.abs(s1[2]!))).toBeLessThan(1e-14);
    expect(valuesOf(lax.linalg.svd(f64(zerosM(2, 4)), { computeUv: false }))).toEqual([0, 0]);
    // zero: U and Vh the identity
    const [u0, , vh0] = svd3(f64(zerosM(3, 2)));
    expect(matsOf(u0)[0]).toEqual(eyeM(3));
    expect(matsOf(vh0)[0]).toEqual(eyeM(2));
  });

  it("NaN or infinite input gives NaN outputs (and returns)", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY])
      for (const [m, n] of [
        [3, 3],
        [2, 4],
      ] as const) {
        const a = randM(rng(4), m, n);
        a[1]![1] = bad;
        for (const o of svd3(f64(a))) expect(valuesOf(o).every(Number.isNaN)).toBe(true);
        expect(valuesOf(lax.linalg.svd(f64(a), { computeUv: false })).every(Number.isNaN)).toBe(true);
      }
  });

  it("scales: tiny and huge entries factor without overflow or underflow", () => {
    const next = rng(5);
    for (const c of [1e-200, 1e200]) {
      const a = randM(next, 4, 3);
      const big = a.map((r) => r.map((v) => v * c));
      const s = valuesOf(lax.linalg.svd(f64(big), { computeUv: false }));
      const ref = valuesOf(lax.linalg.svd(f64(a), { computeUv: false }));
      s.forEach((v, i) => expect(Math.abs(v / c - ref[i]!)).toBeLessThan(1e-12));
    }
  });

  it("a 200×200 random matrix converges", () => {
    const next = rng(6);
    const a = randM(next, 200, 200);
    const [u, s, vh] = svd3(f64(a));
    const [ub, sb, vb] = [matsOf(u)[0]!, valuesOf(s), matsOf(vh)[0]!];
    // ‖A − U·diag(S)·Vh‖, ‖UᵀU − I‖ and ‖Vh·Vhᵀ − I‖ at rounding level
    const us = ub.map((r) => r.map((v, j) => v * sb[j]!));
    expectMatClose("U·diag(S)·Vh − A", mm(us, vb), a, 1e-11);
    expectMatClose("UᵀU − I", mm(T(ub), ub), eyeM(200), 1e-12);
    expectMatClose("Vh·Vhᵀ − I", mm(vb, T(vb)), eyeM(200), 1e-12);
    for (let i = 1; i < 200; i++) expect(sb[i]!).toBeLessThanOrEqual(sb[i - 1]!);
  });

  it("tall and wide matrices past one block of reflectors (70×40, 40×70), full and reduced", () => {
    const next = rng(16);
    for (const [m, n] of [
      [70, 40],
      [40, 70],
    ] as const) {
      const a = randM(next, m, n);
      for (const full of [true, false]) checkFactors([a], svd3(f64(a), { fullMatrices: full }), full, 1e-12);
    }
  });

  it("derivatives of S vs central differences, first and second order (square, tall, wide, batched)", () => {
    const next = rng(7);
    const cases: Mat[][] = [
      [withSingularValues(next, 3, 3, [3, 2, 1])],
      [withSingularValues(next, 4, 2, [2, 0.7])],
      [withSingularValues(next, 2, 4, [1.5, 0.6])],
      [withSingularValues(next, 3, 3, [4, 2.5, 0.5]), withSingularValues(next, 3, 3, [3, 1, 0.2])],
    ];
    for (const c of cases) {
      const x = f64(c.length === 1 ? c[0] : c);
      checkDerivatives((a) => lax.linalg.svd(a, { computeUv: false }), x, next);
      checkDerivatives((a) => svd3(a, { fullMatrices: false })[1], x, next); // S from the factorization's JVP
    }
  });

  it("derivatives of sign-invariant functions of U and Vh vs central differences (reduced, and full when square)", () => {
    const next = rng(8);
    // Σ_j u_j ⊗ vh_j scaled by w_j, and the projectors U·Uᵀ, Vhᵀ·Vh (unchanged by flipping a pair of signs)
    const pieces = (full: boolean) => (a: Tensor) => {
      const [u, s, vh] = svd3(a, { fullMatrices: full });
      const k = s.shape[s.ndim - 1]!;
      const w = f64(Array.from({ length: k }, (_, i) => 1 + i)); // weights: not A itself
      const ur = reduced(u, k, -1);
      const vr = reduced(vh, k, -2);
      const weighted = np.matmul(np.multiply(ur, np.multiply(w, s)), vr);
      const pu = np.matmul(ur, np.swapaxes(ur, -1, -2));
      const pv = np.matmul(np.swapaxes(vr, -1, -2), vr);
      return np.concatenate([weighted.reshape([-1]), pu.reshape([-1]), pv.reshape([-1])]);
    };
    const cases: [Mat, boolean][] = [
      [withSingularValues(next, 3, 3, [3, 2, 1]), true],
      [withSingularValues(next, 3, 3, [3, 2, 1]), false],
      [withSingularValues(next, 4, 2, [2, 0.7]), false],
      [withSingularValues(next, 2, 4, [1.5, 0.6]), false],
      [withSingularValues(next, 5, 3, [2, 1.2, 0.4]), false],
    ];
    for (const [a, full] of cases) checkDerivatives(pieces(full), f64(a), next);
  });

  it("JVP of U and Vh matches central differences directly (a locally continuous choice of signs)", () => {
    const next = rng(9);
    for (const [m, n] of [
      [3, 3],
      [4, 2],
      [2, 4],
    ] as const) {
      const sigma = [2.5, 1, 0.3].slice(0, Math.min(m, n));
      const x = f64(withSingularValues(next, m, n, sigma));
      checkDerivatives((a) => svd3(a, { fullMatrices: false })[0], x, next, false);
      checkDerivatives((a) => svd3(a, { fullMatrices: false })[2], x, next, false);
    }
  });

  it("fullMatrices with U and Vh on a non-square input has no derivative (as JAX); S alone does", () => {
    const x = f64(randM(rng(10), 4, 2));
    const e = catchError(() => jvp((a: Tensor) => svd3(a)[1], [x], [x]), GradientError);
    expect(e.message).toMatch(/svd.*fullMatrices/);
    const [, t] = jvp((a: Tensor) => lax.linalg.svd(a, { computeUv: false, fullMatrices: true }), [x], [x]);
    // d s = s along A (homogeneity)
    const s = valuesOf(lax.linalg.svd(x, { computeUv: false }));
    valuesOf(t).forEach((v, i) => expect(Math.abs(v - s[i]!)).toBeLessThan(1e-12));
  });

  it("jit and vmap agree with eager; the jaxpr names svd with its params", () => {
    const next = rng(11);
    const xs = f64([randM(next, 4, 3), randM(next, 4, 3), randM(next, 4, 3)]);
    for (const full of [true, false]) {
      const f = (a: Tensor) => svd3(a, { fullMatrices: full });
      const eager = f(xs);
      const jitted = jit(f)(xs);
      const mapped = vmap(f)(xs);
      const mappedAxis1 = vmap(f, { inAxes: 1 })(np.swapaxes(xs, 0, 1));
      eager.forEach((e, i) => {
        expect(valuesOf(jitted[i]!)).toEqual(valuesOf(e));
        expect(valuesOf(mapped[i]!)).toEqual(valuesOf(e));
        expect(valuesOf(mappedAxis1[i]!)).toEqual(valuesOf(e));
      });
    }
    const g = (a: Tensor) => lax.linalg.svd(a, { computeUv: false });
    expect(valuesOf(jit(g)(xs))).toEqual(valuesOf(g(xs)));
    expect(valuesOf(vmap(g)(xs))).toEqual(valuesOf(g(xs)));
    expect(String(makeJaxpr((a: Tensor) => svd3(a))(xs))).toMatch(/svd\[compute_uv=True full_matrices=True\]/);
    // the primitive-level function returns [u, s, vh] too
    expect(svdPrim(xs).map((t) => t.shape)).toEqual([
      [3, 4, 4],
      [3, 3],
      [3, 3, 3],
    ]);
  });

  it("typed errors: ints, vectors", () => {
    expect(() => lax.linalg.svd(np.array([[1, 2]], { dtype: "int32" }))).toThrow(/svd.*float32 or float64/);
    expect(() => lax.linalg.svd(f64([1, 2, 3]))).toThrow(/svd.*matrix/);
  });
});

/** The first k columns (axis −1) or rows (axis −2) of a factor: its reduced form. */
function reduced(x: Tensor, k: number, axis: -1 | -2): Tensor {
  const limit = [...x.shape];
  limit[x.ndim + axis] = k;
  return limit[x.ndim + axis] === x.shape[x.ndim + axis]
    ? x
    : lax.slice(
        x,
        x.shape.map(() => 0),
        limit,
      );
}
