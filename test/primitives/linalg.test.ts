// lax.linalg: cholesky, triangularSolve, qr and eigh against plain-JS float64 references written here (products,
// Gaussian elimination with partial pivoting, reconstruction and orthonormality), NaN on input that is not positive
// definite, typed errors, derivatives against central differences (first and second order, forward and reverse) on
// structured inputs the registry laws cannot draw (SPD matrices up to 5×5), and jit / vmap agreement.
import {
  DTypeError,
  GradientError,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { cholesky as choleskyPrim } from "../../src/primitives/linalg/cholesky.js";
import { eigh as eighPrim } from "../../src/primitives/linalg/eigh.js";
import { catchError, f64, rng, valuesOf } from "../helpers.js";
import { arr, checkDerivatives, expectMatClose, eyeM, type Mat, matsOf, mm, T, zerosM } from "./linalg_helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS float64 references

/** Solves M·X = B by Gaussian elimination with partial pivoting (M square, B with any number of columns). */
function gaussSolve(M: Mat, B: Mat): Mat {
  const n = M.length;
  const a = M.map((r) => [...r]);
  const b = B.map((r) => [...r]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j < n; j++) a[r]![j]! -= f * a[c]![j]!;
      for (let j = 0; j < b[0]!.length; j++) b[r]![j]! -= f * b[c]![j]!;
    }
  }
  const x = zerosM(n, b[0]?.length ?? 0);
  for (let r = n - 1; r >= 0; r--)
    for (let j = 0; j < x[0]!.length; j++) {
      let v = b[r]![j]!;
      for (let c = r + 1; c < n; c++) v -= a[r]![c]! * x[c]![j]!;
      x[r]![j] = v / a[r]![r]!;
    }
  return x;
}
const randM = (next: () => number, m: number, n: number, lo = -1, hi = 1): Mat =>
  Array.from({ length: m }, () => Array.from({ length: n }, () => lo + (hi - lo) * next()));
/** B·Bᵀ + n·I: symmetric positive definite and well conditioned. */
const spd = (next: () => number, n: number): Mat => {
  const b = randM(next, n, n);
  return mm(b, T(b)).map((r, i) => r.map((v, j) => (i === j ? v + n : v)));
};
const symmetrizeM = (a: Mat): Mat => a.map((r, i) => r.map((v, j) => (v + a[j]![i]!) / 2));

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.cholesky", () => {
  it("factors SPD matrices of several sizes and batches: L lower, L·Lᵀ = A (float64 and float32)", () => {
    const next = rng(1);
    for (const n of [1, 2, 3, 5, 8]) {
      const mats = [spd(next, n), spd(next, n)];
      for (const dtype of ["float64", "float32"] as const) {
        const l = lax.linalg.cholesky(arr(mats, dtype));
        expect(l.shape).toEqual([2, n, n]);
        expect(l.dtype).toBe(dtype);
        matsOf(l).forEach((L, b) => {
          expect(L.every((r, i) => r.every((v, j) => j <= i || v === 0))).toBe(true);
          expect(L.every((r, i) => r[i]! > 0)).toBe(true);
          expectMatClose(`L·Lᵀ (n ${n}, ${dtype})`, mm(L, T(L)), mats[b]!, dtype === "float64" ? 1e-12 * n : 2e-5 * n);
        });
      }
    }
  });

  it("symmetrizes by default; with symmetrizeInput false reads only the lower triangle", () => {
    const next = rng(2);
    const a = spd(next, 4);
    const junkUpper = a.map((r, i) => r.map((v, j) => (j > i ? v + 100 * next() : v)));
    const ref = matsOf(lax.linalg.cholesky(f64(a)))[0]!;
    expectMatClose(
      "lower triangle only",
      matsOf(lax.linalg.cholesky(f64(junkUpper), { symmetrizeInput: false }))[0]!,
      ref,
      0,
    );
    // (a + aᵀ)/2 of a non-symmetric input
    const skewed = a.map((r, i) => r.map((v, j) => (j > i ? v + 0.5 * next() : v)));
    const sym = matsOf(lax.linalg.cholesky(f64(symmetrizeM(skewed))))[0]!;
    expect(sym.flat().every(Number.isFinite)).toBe(true);
    expectMatClose("symmetrized", matsOf(lax.linalg.cholesky(f64(skewed)))[0]!, sym, 0);
  });

  it("gives NaN in the lower triangle (zeros above) where the matrix is not positive definite, per matrix", () => {
    const good = [
      [4, 2],
      [2, 3],
    ];
    const bad = [
      [1, 2],
      [2, 1],
    ];
    const [lg, lb] = matsOf(lax.linalg.cholesky(f64([good, bad])));
    expect(lg!.flat().every(Number.isFinite)).toBe(true);
    expect(lb![0]![0]).toBeNaN();
    expect(lb![1]![0]).toBeNaN();
    expect(lb![1]![1]).toBeNaN();
    expect(lb![0]![1]).toBe(0);
  });

  it("derivatives: JVP, VJP and second order vs central differences on SPD matrices up to 5×5", () => {
    const next = rng(3);
    for (const n of [1, 2, 3, 5]) {
      const x = f64([spd(next, n), spd(next, n)]);
      checkDerivatives((a) => lax.linalg.cholesky(a), x, next);
      // the primitive itself (no symmetrization): the tangent of the lower triangle's matrix
      checkDerivatives((a) => choleskyPrim(a, false), x, next);
    }
  });

  it("grad of a scalar function: ∂ log det(A) = A⁻¹ (2·Σ log Lᵢᵢ)", () => {
    const next = rng(4);
    const a = spd(next, 4);
    const logdet = (x: Tensor) => {
      const l = lax.linalg.cholesky(x);
      return np
        .log(np.multiply(l, np.eye(4, 4).astype("float64")).sum(1))
        .sum()
        .mul(2);
    };
    const g = matsOf(grad(logdet)(f64(a)))[0]!;
    expectMatClose("grad log det vs A⁻¹", g, gaussSolve(a, eyeM(4)), 1e-12);
  });

  it("jit and vmap agree with eager bit for bit", () => {
    const next = rng(5);
    const x = f64([spd(next, 3), spd(next, 3), spd(next, 3)]);
    const f = (a: Tensor) => lax.linalg.cholesky(a);
    const eager = valuesOf(f(x));
    expect(valuesOf(jit(f)(x))).toEqual(eager);
    expect(valuesOf(vmap(f)(x))).toEqual(eager);
    expect(valuesOf(vmap(f, { inAxes: 2, outAxes: 1 })(np.transpose(x, [1, 2, 0])))).toEqual(
      valuesOf(np.transpose(f(x), [1, 0, 2])),
    );
    const g = grad((a: Tensor) => f(a).sum());
    expect(valuesOf(jit(g)(x))).toEqual(valuesOf(g(x)));
    expect(valuesOf(vmap(g)(x))).toEqual(valuesOf(g(x)));
  });

  it("typed errors name the operation and the shapes", () => {
    expect(catchError(() => lax.linalg.cholesky(f64([[1, 2, 3]])), ShapeError).message).toMatch(/cholesky.*\[1, 3\]/);
    expect(catchError(() => lax.linalg.cholesky(f64([1, 2])), ShapeError).message).toMatch(/cholesky.*\[2\]/);
    expect(catchError(() => lax.linalg.cholesky(np.array([[1]], "int32")), DTypeError).message).toMatch(/int32/);
    expect(
      catchError(() => lax.linalg.cholesky(f64([[1]]), { symetrize: true } as never), TracegradError).message,
    ).toMatch(/unknown option/);
    expect(makeJaxpr((a: Tensor) => lax.linalg.cholesky(a, { symmetrizeInput: false }))(f64([[1]])).toString()).toMatch(
      /cholesky/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface SolveOpts {
  leftSide: boolean;
  lower: boolean;
  transposeA: boolean;
  unitDiagonal: boolean;
}
const ALL_OPTS: SolveOpts[] = [false, true].flatMap((leftSide) =>
  [false, true].flatMap((lower) =>
    [false, true].flatMap((transposeA) =>
      [false, true].map((unitDiagonal) => ({ leftSide, lower, transposeA, unitDiagonal })),
    ),
  ),
);
/** op(a) as a dense matrix: the stored triangle (unit diagonal if asked), transposed if asked. */
function opOf(a: Mat, o: SolveOpts): Mat {
  const t = a.map((r, i) => r.map((v, j) => (i === j ? (o.unitDiagonal ? 1 : v) : (o.lower ? j < i : j > i) ? v : 0)));
  return o.transposeA ? T(t) : t;
}
/** The reference: op(a)·X = b by elimination, or X·op(a) = b as op(a)ᵀ·Xᵀ = bᵀ. */
const solveRef = (a: Mat, b: Mat, o: SolveOpts): Mat =>
  o.leftSide ? gaussSolve(opOf(a, o), b) : T(gaussSolve(T(opOf(a, o)), T(b)));
/** A random a with a dominant diagonal (both triangles filled: the unread one must not matter). */
const triA = (next: () => number, k: number): Mat =>
  randM(next, k, k).map((r, i) => r.map((v, j) => (i === j ? 2 + next() : v)));

describe("lax.linalg.triangularSolve", () => {
  it("all 16 combinations of side, triangle, transpose and unit diagonal match elimination (float64, float32)", () => {
    const next = rng(6);
    for (const o of ALL_OPTS) {
      const [m, n] = [3, 2];
      const k = o.leftSide ? m : n;
      const as = [triA(next, k), triA(next, k)];
      const bs = [randM(next, m, n), randM(next, m, n)];
      for (const dtype of ["float64", "float32"] as const) {
        const x = lax.linalg.triangularSolve(arr(as, dtype), arr(bs, dtype), o);
        expect(x.shape).toEqual([2, m, n]);
        const tol = dtype === "float64" ? 1e-13 : 1e-5;
        matsOf(x).forEach((X, i) =>
          expectMatClose(`${JSON.stringify(o)} ${dtype}`, X, solveRef(as[i]!, bs[i]!, o), tol),
        );
      }
    }
  });

  it("defaults as JAX: right side, upper, no transpose", () => {
    const next = rng(7);
    const [a, b] = [triA(next, 3), randM(next, 2, 3)];
    const want = solveRef(a, b, { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
    expectMatClose("defaults", matsOf(lax.linalg.triangularSolve(f64(a), f64(b)))[0]!, want, 1e-13);
  });

  it("derivatives in a and b: JVP, VJP and second order vs central differences", () => {
    const next = rng(8);
    for (const o of ALL_OPTS) {
      const [m, n] = [3, 2];
      const k = o.leftSide ? m : n;
      const a = f64(triA(next, k));
      const b = f64(randM(next, m, n));
      checkDerivatives((x) => lax.linalg.triangularSolve(x, b, o), a, next);
      checkDerivatives((x) => lax.linalg.triangularSolve(a, x, o), b, next);
    }
  });

  it("vmap with one side unbatched, and jit, agree with eager bit for bit", () => {
    const next = rng(9);
    const o = { leftSide: true, lower: true, transposeA: true, unitDiagonal: false };
    const as = f64([triA(next, 3), triA(next, 3)]);
    const b = f64(randM(next, 3, 2));
    const bs = f64([randM(next, 3, 2), randM(next, 3, 2)]);
    const f = (a: Tensor, x: Tensor) => lax.linalg.triangularSolve(a, x, o);
    const each = (a: Tensor[], x: Tensor[]) => np.stack(a.map((ai, i) => f(ai, x[i]!)));
    const rows = (t: Tensor) => [t.slice(0), t.slice(1)];
    expect(valuesOf(vmap(f, { inAxes: [0, null] })(as, b))).toEqual(valuesOf(each(rows(as), [b, b])));
    expect(valuesOf(vmap(f, { inAxes: [null, 0] })(as.slice(0), bs))).toEqual(
      valuesOf(each([as.slice(0), as.slice(0)], rows(bs))),
    );
    expect(valuesOf(jit(f)(as, bs))).toEqual(valuesOf(f(as, bs)));
  });

  it("prints in jaxprs with JAX's parameter names", () => {
    const a = f64(eyeM(2));
    expect(String(makeJaxpr((x: Tensor) => lax.linalg.triangularSolve(x, x, { lower: true }))(a))).toMatch(
      /triangular_solve\[conjugate_a=False left_side=False lower=True transpose_a=False unit_diagonal=False\]/,
    );
    expect(String(makeJaxpr((x: Tensor) => lax.linalg.qr(x))(a))).toMatch(/qr\[full_matrices=True\]/);
    expect(String(makeJaxpr((x: Tensor) => lax.linalg.eigh(x))(a))).toMatch(/eigh\[lower=True sort_eigenvalues=True\]/);
  });

  it("typed errors name the operation and the shapes", () => {
    const a = f64(eyeM(3));
    expect(
      catchError(() => lax.linalg.triangularSolve(a, f64(zerosM(2, 2)), { leftSide: true }), ShapeError).message,
    ).toMatch(/triangular_solve.*\[3, 3\].*\[2, 2\]/);
    expect(catchError(() => lax.linalg.triangularSolve(f64([eyeM(3)]), f64(zerosM(3, 3))), ShapeError).message).toMatch(
      /batch/,
    );
    expect(catchError(() => lax.linalg.triangularSolve(a, np.zeros([3, 3])), DTypeError).message).toMatch(/float64/);
    expect(catchError(() => lax.linalg.triangularSolve(a, a, { lower: 1 } as never), TracegradError).message).toMatch(
      /lower/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.qr", () => {
  it("Q·R = A, Q orthonormal columns, R upper triangular, for tall, square and wide inputs (both modes)", () => {
    const next = rng(10);
    for (const [m, n] of [
      [1, 1],
      [3, 3],
      [5, 3],
      [3, 5],
      [6, 1],
      [4, 4],
    ] as const) {
      for (const fullMatrices of [true, false]) {
        for (const dtype of ["float64", "float32"] as const) {
          const as = [randM(next, m, n), randM(next, m, n)];
          const [q, r] = lax.linalg.qr(arr(as, dtype), { fullMatrices });
          const k = fullMatrices ? m : Math.min(m, n);
          expect([q.shape, r.shape]).toEqual([
            [2, m, k],
            [2, k, n],
          ]);
          const tol = dtype === "float64" ? 1e-13 : 3e-6;
          const [qs, rs] = [matsOf(q), matsOf(r)];
          qs.forEach((Q, i) => {
            const R = rs[i]!;
            expectMatClose(`Q·R (${m}×${n}, full ${fullMatrices}, ${dtype})`, mm(Q, R), as[i]!, tol);
            expectMatClose("QᵀQ = I", mm(T(Q), Q), eyeM(k), tol);
            expect(R.every((row, a) => row.every((v, b) => b >= a || v === 0))).toBe(true);
          });
        }
      }
    }
  });

  it("R's diagonal has LAPACK's signs (−sign of the pivot column's leading entry)", () => {
    const [, r] = lax.linalg.qr(
      f64([
        [1, 2],
        [3, 4],
        [5, 7],
      ]),
    );
    const R = matsOf(r)[0]!;
    expect(R[0]![0]).toBeCloseTo(-Math.sqrt(35), 12);
    expect(R[0]![1]).toBeCloseTo(-(2 + 12 + 35) / Math.sqrt(35), 12);
  });

  it("derivatives of Q and R vs central differences (m ≥ n reduced, and square full)", () => {
    const next = rng(11);
    for (const [m, n, fullMatrices] of [
      [3, 3, true],
      [3, 3, false],
      [4, 2, false],
      [5, 3, false],
      [2, 1, false],
    ] as const) {
      const a = f64([randM(next, m, n), randM(next, m, n)]);
      checkDerivatives((x) => lax.linalg.qr(x, { fullMatrices })[0], a, next);
      checkDerivatives((x) => lax.linalg.qr(x, { fullMatrices })[1], a, next);
    }
  });

  it("the derivative of wide or full tall inputs is a GradientError, as JAX", () => {
    const err = catchError(
      () =>
        jvp((x: Tensor) => lax.linalg.qr(x)[0], [f64(zerosM(3, 2).map((r) => r.map(() => 1)))], [f64(zerosM(3, 2))]),
      GradientError,
    );
    expect(err.message).toMatch(/qr.*\[3, 2\].*fullMatrices: false/);
    catchError(
      () => grad((x: Tensor) => lax.linalg.qr(x, { fullMatrices: false })[1].sum())(f64(randM(rng(1), 2, 3))),
      GradientError,
    );
  });

  it("jit and vmap agree with eager bit for bit", () => {
    const next = rng(12);
    const x = f64([randM(next, 4, 3), randM(next, 4, 3)]);
    const f = (a: Tensor) => lax.linalg.qr(a, { fullMatrices: false });
    const [q, r] = f(x);
    const [jq, jr] = jit(f)(x);
    const [vq, vr] = vmap(f)(x) as Tensor[];
    for (const [got, want] of [
      [jq, q],
      [jr, r],
      [vq, q],
      [vr, r],
    ] as const)
      expect(valuesOf(got!)).toEqual(valuesOf(want!));
    const g = grad((a: Tensor) => f(a)[0].sum().add(f(a)[1].sum()));
    expect(valuesOf(jit(g)(x))).toEqual(valuesOf(g(x)));
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.eigh", () => {
  it("A·V = V·diag(w), VᵀV = I, w ascending, for several sizes (float64 and float32)", () => {
    const next = rng(13);
    for (const n of [1, 2, 3, 6, 10]) {
      const as = [symmetrizeM(randM(next, n, n, -2, 2)), symmetrizeM(randM(next, n, n, -2, 2))];
      for (const dtype of ["float64", "float32"] as const) {
        const [v, w] = lax.linalg.eigh(arr(as, dtype));
        expect([v.shape, w.shape]).toEqual([
          [2, n, n],
          [2, n],
        ]);
        const ws = valuesOf(w);
        const tol = dtype === "float64" ? 1e-12 * n : 1e-5 * n;
        matsOf(v).forEach((V, i) => {
          const wi = ws.slice(i * n, (i + 1) * n);
          expect(wi.every((x, j) => j === 0 || x >= wi[j - 1]!)).toBe(true);
          expectMatClose(
            `A·V = V·diag(w) (n ${n}, ${dtype})`,
            mm(as[i]!, V),
            V.map((r) => r.map((x, j) => x * wi[j]!)),
            tol,
          );
          expectMatClose("VᵀV = I", mm(T(V), V), eyeM(n), tol);
        });
      }
    }
  });

  it("eigenvalues of a 2×2 in closed form; unsorted keeps every pair; lower/upper pick the triangle", () => {
    const [a, b, d] = [1.5, 0.7, -0.3];
    const disc = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const [, w] = lax.linalg.eigh(
      f64([
        [a, b],
        [b, d],
      ]),
    );
    expect(valuesOf(w)[0]).toBeCloseTo((a + d) / 2 - disc, 14);
    expect(valuesOf(w)[1]).toBeCloseTo((a + d) / 2 + disc, 14);
    const next = rng(14);
    const s = symmetrizeM(randM(next, 5, 5));
    const junk = s.map((r, i) => r.map((v, j) => (j > i ? 9 : v)));
    const sorted = valuesOf(lax.linalg.eigh(f64(s))[1]);
    const lower = valuesOf(lax.linalg.eigh(f64(junk), { symmetrizeInput: false })[1]);
    expectMatClose("lower triangle only", [lower], [sorted], 1e-13);
    const upper = valuesOf(lax.linalg.eigh(f64(T(junk)), { symmetrizeInput: false, lower: false })[1]);
    expectMatClose("upper triangle only", [upper], [sorted], 1e-13);
    const unsorted = valuesOf(lax.linalg.eigh(f64(s), { sortEigenvalues: false })[1]);
    expectMatClose("unsorted, as a set", [[...unsorted].sort((x, y) => x - y)], [sorted], 1e-13);
  });

  it("derivatives of V and w vs central differences", () => {
    const next = rng(15);
    for (const n of [1, 2, 3, 4]) {
      const a = f64([symmetrizeM(randM(next, n, n, -2, 2)), symmetrizeM(randM(next, n, n, -2, 2))]);
      checkDerivatives((x) => lax.linalg.eigh(x)[0], a, next);
      checkDerivatives((x) => lax.linalg.eigh(x)[1], a, next);
      checkDerivatives((x) => eighPrim(x, false, true, false)[0], a, next);
    }
  });

  it("jit and vmap agree with eager bit for bit; NaN input gives NaN", () => {
    const next = rng(16);
    const x = f64([symmetrizeM(randM(next, 3, 3)), symmetrizeM(randM(next, 3, 3))]);
    const f = (a: Tensor) => lax.linalg.eigh(a);
    const [v, w] = f(x);
    const [jv, jw] = jit(f)(x);
    const [vv, vw] = vmap(f)(x) as Tensor[];
    expect([valuesOf(jv!), valuesOf(jw!)]).toEqual([valuesOf(v), valuesOf(w)]);
    expect([valuesOf(vv!), valuesOf(vw!)]).toEqual([valuesOf(v), valuesOf(w)]);
    const [nv, nw] = lax.linalg.eigh(
      f64([
        [1, Number.NaN],
        [Number.NaN, 1],
      ]),
    );
    expect(valuesOf(nv).every(Number.isNaN) && valuesOf(nw).every(Number.isNaN)).toBe(true);
  });
});
