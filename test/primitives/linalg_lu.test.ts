// lax.linalg.lu and lax.linalg.tridiagonalSolve against plain-JS float64 references written here (LU with partial
// pivoting, dense Gaussian elimination): P·L·U = A for square and rectangular batches, pivots and permutation,
// singular input, derivatives vs central differences (first and second order, forward and reverse), jit and vmap.
import { grad, jit, lax, np, ShapeError, type Tensor, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, f64, rng, valuesOf } from "../helpers.js";
import {
  arr,
  centralDiff,
  checkDerivatives,
  dotV,
  expectMatClose,
  type Mat,
  matsOf,
  mm,
  randomLike,
  zerosM,
} from "./linalg_helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS float64 references

const randM = (next: () => number, m: number, n: number, lo = -1, hi = 1): Mat =>
  Array.from({ length: m }, () => Array.from({ length: n }, () => lo + (hi - lo) * next()));

/** LU with partial pivoting (first largest |entry| as pivot, LAPACK's getrf): packed lu, pivots, permutation. */
function refLu(A: Mat): { lu: Mat; pivots: number[]; perm: number[] } {
  const a = A.map((r) => [...r]);
  const [m, n] = [a.length, a[0]!.length];
  const k = Math.min(m, n);
  const perm = Array.from({ length: m }, (_, i) => i);
  const pivots: number[] = [];
  for (let j = 0; j < k; j++) {
    let p = j;
    for (let i = j + 1; i < m; i++) if (Math.abs(a[i]![j]!) > Math.abs(a[p]![j]!)) p = i;
    pivots.push(p);
    [a[j], a[p]] = [a[p]!, a[j]!];
    [perm[j], perm[p]] = [perm[p]!, perm[j]!];
    if (a[j]![j] === 0) continue;
    for (let i = j + 1; i < m; i++) {
      a[i]![j]! /= a[j]![j]!;
      for (let c = j + 1; c < n; c++) a[i]![c]! -= a[i]![j]! * a[j]![c]!;
    }
  }
  return { lu: a, pivots, perm };
}

/** L (m × k, unit lower) and U (k × n) from a packed lu. */
function unpack(lu: Mat): [Mat, Mat] {
  const [m, n] = [lu.length, lu[0]!.length];
  const k = Math.min(m, n);
  const L = zerosM(m, k).map((r, i) => r.map((_, j) => (i === j ? 1 : i > j ? lu[i]![j]! : 0)));
  const U = zerosM(k, n).map((r, i) => r.map((_, j) => (j >= i ? lu[i]![j]! : 0)));
  return [L, U];
}

/** Solves M·X = B by Gaussian elimination with partial pivoting. */
function gaussSolve(M: Mat, B: Mat): Mat {
  const n = M.length;
  const a = M.map((r) => [...r]);
  const b = B.map((r) => [...r]);
  const w = b[0]!.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j < n; j++) a[r]![j]! -= f * a[c]![j]!;
      for (let j = 0; j < w; j++) b[r]![j]! -= f * b[c]![j]!;
    }
  }
  const x = zerosM(n, w);
  for (let r = n - 1; r >= 0; r--)
    for (let j = 0; j < w; j++) {
      let v = b[r]![j]!;
      for (let c = r + 1; c < n; c++) v -= a[r]![c]! * x[c]![j]!;
      x[r]![j] = v / a[r]![r]!;
    }
  return x;
}

/** The dense tridiagonal matrix of dl, d, du (dl[0] and du[m−1] unread). */
const denseTri = (dl: number[], d: number[], du: number[]): Mat =>
  d.map((_, i) => d.map((__, j) => (j === i ? d[i]! : j === i - 1 ? dl[i]! : j === i + 1 ? du[i]! : 0)));

/** The vectors of a tensor [..., m]. */
function vecsOf(t: Tensor): number[][] {
  const m = t.shape[t.ndim - 1]!;
  const v = valuesOf(t);
  return Array.from({ length: v.length / m }, (_, b) => v.slice(b * m, (b + 1) * m));
}

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.lu", () => {
  const SHAPES: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [5, 5],
    [8, 8],
    [4, 2],
    [5, 3],
    [2, 4],
    [3, 6],
    [1, 3],
    [3, 1],
  ];

  it("P·L·U = A for square and rectangular batches; lu, pivots and permutation as a plain-JS getrf (float64, float32)", () => {
    const next = rng(11);
    for (const [m, n] of SHAPES) {
      const mats = [randM(next, m, n), randM(next, m, n), randM(next, m, n)];
      for (const dtype of ["float64", "float32"] as const) {
        const [lu, pivots, perm] = lax.linalg.lu(arr([mats], dtype));
        const k = Math.min(m, n);
        expect(lu.shape).toEqual([1, 3, m, n]);
        expect(lu.dtype).toBe(dtype);
        expect([pivots.shape, pivots.dtype]).toEqual([[1, 3, k], "int32"]);
        expect([perm.shape, perm.dtype]).toEqual([[1, 3, m], "int32"]);
        const tol = dtype === "float64" ? 1e-13 * n : 1e-5 * n;
        const [lus, pivs, perms] = [matsOf(lu), vecsOf(pivots), vecsOf(perm)];
        mats.forEach((A, b) => {
          const ref = refLu(A);
          expect(pivs[b], `pivots ${m}×${n}`).toEqual(ref.pivots);
          expect(perms[b], `permutation ${m}×${n}`).toEqual(ref.perm);
          expectMatClose(`lu ${m}×${n} ${dtype}`, lus[b]!, ref.lu, tol * 10);
          const [L, U] = unpack(lus[b]!);
          expect(
            L.every((r) => r.every((v) => Math.abs(v) <= 1 + 1e-6)),
            "|L| ≤ 1 (partial pivoting)",
          ).toBe(true);
          // A[perm] = L·U, i.e. P·L·U = A
          const LU = mm(L, U);
          expectMatClose(
            `P·L·U ${m}×${n} ${dtype}`,
            perms[b]!.map((p) => A[p]!),
            LU,
            tol,
          );
          // pivots applied as successive row swaps give the permutation
          const fromPivots = Array.from({ length: m }, (_, i) => i);
          pivs[b]!.forEach((p, i) => {
            [fromPivots[i], fromPivots[p]] = [fromPivots[p]!, fromPivots[i]!];
            expect(p).toBeGreaterThanOrEqual(i);
          });
          expect(fromPivots).toEqual(perms[b]);
        });
      }
    }
  });

  it("singular matrices: no exception, finite L, zeros on U's diagonal", () => {
    const cases: Mat[] = [
      [
        [0, 0],
        [0, 0],
      ],
      [
        [1, 2, 3],
        [2, 4, 6],
        [1, 0, 1],
      ],
      [
        [0, 1, 2],
        [0, 3, 4],
        [0, 5, 7],
      ],
      [
        [1, 2],
        [2, 4],
        [4, 8],
      ],
    ];
    for (const A of cases) {
      const [lu, , perm] = lax.linalg.lu(f64(A));
      const got = matsOf(lu)[0]!;
      expect(got.flat().every(Number.isFinite), `finite lu for ${JSON.stringify(A)}`).toBe(true);
      const k = Math.min(A.length, A[0]!.length);
      expect(
        Array.from({ length: k }, (_, i) => got[i]![i]).some((v) => v === 0),
        "a zero on U's diagonal",
      ).toBe(true);
      expectMatClose("lu vs reference", got, refLu(A).lu, 1e-14);
      const [L, U] = unpack(got);
      expectMatClose(
        "P·L·U",
        vecsOf(perm)[0]!.map((p) => A[p]!),
        mm(L, U),
        1e-14,
      );
    }
  });

  it("errors: a vector, an int matrix", () => {
    expect(catchError(() => lax.linalg.lu(f64([1, 2])), ShapeError).message).toMatch(/lu/);
    expect(() => lax.linalg.lu(np.array([[1, 2]], { dtype: "int32" }))).toThrow(/float32 or float64/);
  });

  it("JVP, VJP and second order vs central differences (square, tall and wide, batched)", () => {
    const next = rng(12);
    const lu0 = (a: Tensor) => lax.linalg.lu(a)[0];
    for (const [m, n] of [
      [1, 1],
      [3, 3],
      [4, 4],
      [4, 2],
      [2, 4],
    ] as [number, number][]) {
      checkDerivatives(lu0, f64([randM(next, m, n), randM(next, m, n)]), next);
    }
  });

  it("grad of a scalar function of L and U: log|det A| = Σ log|Uᵢᵢ| has gradient A⁻ᵀ", () => {
    const next = rng(13);
    const n = 4;
    const A = randM(next, n, n);
    const f = (a: Tensor) => {
      const [lu] = lax.linalg.lu(a);
      return np.sum(np.log(np.abs(np.diagonal(lu))));
    };
    const g = matsOf(grad(f)(f64(A)))[0]!;
    const inv = gaussSolve(
      A,
      A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0))),
    );
    expectMatClose(
      "grad log|det| vs A⁻ᵀ",
      g,
      inv[0]!.map((_, i) => inv.map((r) => r[i]!)),
      1e-10,
    );
    // a function reading L's strict lower part and U together: grad vs central differences along random directions
    const h = (a: Tensor) => {
      const [lu] = lax.linalg.lu(a);
      return np.sum(np.multiply(np.sin(lu), lu));
    };
    const x = f64(randM(next, 3, 5));
    const gh = valuesOf(grad(h)(x));
    for (let r = 0; r < 3; r++) {
      const v = randomLike(next, x);
      const fd = centralDiff(h, x, v)[0]!;
      expect(Math.abs(dotV(gh, valuesOf(v)) - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it("jit and vmap equal eager (outputs and derivatives)", () => {
    const next = rng(14);
    const x = f64([randM(next, 3, 3), randM(next, 3, 3), randM(next, 3, 3)]);
    const eager = lax.linalg.lu(x);
    const jitted = jit((a: Tensor) => lax.linalg.lu(a))(x);
    const mapped = vmap((a: Tensor) => lax.linalg.lu(a))(x);
    const mappedAt2 = vmap((a: Tensor) => lax.linalg.lu(a), { inAxes: 2 })(np.transpose(x, [1, 2, 0]));
    eager.forEach((e, i) => {
      expect(valuesOf(jitted[i]!)).toEqual(valuesOf(e));
      expect(valuesOf(mapped[i]!)).toEqual(valuesOf(e));
      expect(valuesOf(mappedAt2[i]!)).toEqual(valuesOf(e));
      expect(jitted[i]!.dtype).toBe(e.dtype);
    });
    const s = (a: Tensor) => np.sum(np.square(lax.linalg.lu(a)[0]));
    const g = grad(s)(x);
    expect(valuesOf(jit(grad(s))(x))).toEqual(valuesOf(g));
    const gv = vmap(grad(s))(x);
    valuesOf(gv).forEach((v, i) => expect(v).toBeCloseTo(valuesOf(g)[i]!, 12));
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("lax.linalg.tridiagonalSolve", () => {
  /** Random diagonals (dl[0], du[m−1] set to junk the solve must not read) and b. */
  function system(next: () => number, m: number, n: number, dominant: boolean) {
    const dl = Array.from({ length: m }, (_, i) => (i === 0 ? 1e3 : 2 * next() - 1));
    const du = Array.from({ length: m }, (_, i) => (i === m - 1 ? -1e3 : 2 * next() - 1));
    const d = Array.from({ length: m }, () => (dominant ? 2.5 + next() : 2 * next() - 1));
    return { dl, d, du, b: randM(next, m, n) };
  }
  const dense = (s: { dl: number[]; d: number[]; du: number[] }) => denseTri(s.dl, s.d, s.du);

  it("matches a dense solve (with and without row interchanges), batched, float64 and float32", () => {
    const next = rng(21);
    for (const [m, n] of [
      [1, 1],
      [2, 1],
      [3, 2],
      [5, 3],
      [8, 1],
    ] as [number, number][]) {
      for (const dominant of [true, false]) {
        const sys = [system(next, m, n, dominant), system(next, m, n, dominant)];
        for (const dtype of ["float64", "float32"] as const) {
          const x = lax.linalg.tridiagonalSolve(
            arr(
              sys.map((s) => s.dl),
              dtype,
            ),
            arr(
              sys.map((s) => s.d),
              dtype,
            ),
            arr(
              sys.map((s) => s.du),
              dtype,
            ),
            arr(
              sys.map((s) => s.b),
              dtype,
            ),
          );
          expect(x.shape).toEqual([2, m, n]);
          expect(x.dtype).toBe(dtype);
          const tol = dtype === "float64" ? 1e-11 : dominant ? 1e-5 : 1e-3;
          matsOf(x).forEach((X, i) => {
            const ref = gaussSolve(dense(sys[i]!), sys[i]!.b);
            const scale = Math.max(1, ...ref.flat().map(Math.abs));
            expectMatClose(`x ${m}×${n} ${dtype} dominant ${dominant}`, X, ref, tol * scale);
          });
        }
      }
    }
  });

  it("a zero leading entry needs a row interchange; a singular system gives NaN", () => {
    // [[0, 1], [1, 0]]·x = [2, 3] → x = [3, 2]
    const x = lax.linalg.tridiagonalSolve(f64([0, 1]), f64([0, 0]), f64([1, 0]), f64([[2], [3]]));
    expect(valuesOf(x)).toEqual([3, 2]);
    const bad = lax.linalg.tridiagonalSolve(f64([0, 1]), f64([1, 1]), f64([1, 0]), f64([[1], [1]]));
    expect(valuesOf(bad).every(Number.isNaN)).toBe(true);
  });

  it("errors: mismatched shapes", () => {
    expect(() => lax.linalg.tridiagonalSolve(f64([0, 1, 2]), f64([1, 1]), f64([1, 0]), f64([[1], [1]]))).toThrow(
      ShapeError,
    );
  });

  it("gradients w.r.t. dl, d, du and b vs central differences; second order w.r.t. b", () => {
    const next = rng(22);
    for (const [m, n] of [
      [1, 2],
      [3, 2],
      [5, 1],
    ] as [number, number][]) {
      const s = system(next, m, n, true);
      const xs = [f64([s.dl]), f64([s.d]), f64([s.du]), f64([s.b])];
      const solveAt = (i: number) => (z: Tensor) =>
        lax.linalg.tridiagonalSolve(...(xs.map((x, j) => (j === i ? z : x)) as [Tensor, Tensor, Tensor, Tensor]));
      for (let i = 0; i < 4; i++) checkDerivatives(solveAt(i), xs[i]!, next);
      // dl[0] and du[m−1] are not read: zero gradient there
      const loss = (dl: Tensor, d: Tensor, du: Tensor, b: Tensor) =>
        np.sum(np.sin(lax.linalg.tridiagonalSolve(dl, d, du, b)));
      const [gdl, gd, gdu, gb] = grad(loss, { argnums: [0, 1, 2, 3] })(...(xs as [Tensor, Tensor, Tensor, Tensor]));
      expect(valuesOf(gdl!)[0]).toBe(0);
      expect(valuesOf(gdu!)[m - 1]).toBe(0);
      [gdl, gd, gdu, gb].forEach((g, i) => {
        const v = randomLike(next, xs[i]!);
        const fd = centralDiff(
          (z) => loss(...(xs.map((x, j) => (j === i ? z : x)) as [Tensor, Tensor, Tensor, Tensor])),
          xs[i]!,
          v,
        )[0]!;
        expect(Math.abs(dotV(valuesOf(g!), valuesOf(v)) - fd), `grad ${i} (m ${m})`).toBeLessThan(1e-7);
      });
      // second order in b: the Hessian of Σ sin(x) along b, by grad of grad
      const gb2 = grad((b: Tensor) => np.sum(np.multiply(grad((c: Tensor) => loss(xs[0]!, xs[1]!, xs[2]!, c))(b), b)));
      const v = randomLike(next, xs[3]!);
      const hv = dotV(valuesOf(gb2(xs[3]!)), valuesOf(v));
      const fd = centralDiff(
        (b: Tensor) => np.sum(np.multiply(grad((c: Tensor) => loss(xs[0]!, xs[1]!, xs[2]!, c))(b), b)),
        xs[3]!,
        v,
      )[0]!;
      expect(Math.abs(hv - fd), `second order in b (m ${m})`).toBeLessThan(1e-6);
    }
  });

  it("jit and vmap (unbatched diagonals broadcast) equal eager", () => {
    const next = rng(23);
    const s = [system(next, 4, 2, false), system(next, 4, 2, false), system(next, 4, 2, false)];
    const [dl, d, du, b] = [
      f64(s.map((x) => x.dl)),
      f64(s.map((x) => x.d)),
      f64(s.map((x) => x.du)),
      f64(s.map((x) => x.b)),
    ];
    const eager = lax.linalg.tridiagonalSolve(dl, d, du, b);
    expect(valuesOf(jit(lax.linalg.tridiagonalSolve)(dl, d, du, b))).toEqual(valuesOf(eager));
    expect(valuesOf(vmap(lax.linalg.tridiagonalSolve)(dl, d, du, b))).toEqual(valuesOf(eager));
    // diagonals shared (unbatched), b batched along its last axis
    const d0 = [f64(s[0]!.dl), f64(s[0]!.d), f64(s[0]!.du)] as const;
    const bs = np.transpose(b, [1, 2, 0]);
    const mapped = vmap((bb: Tensor) => lax.linalg.tridiagonalSolve(...d0, bb), { inAxes: 2 })(bs);
    matsOf(mapped).forEach((X, i) => {
      const ref = gaussSolve(denseTri(s[0]!.dl, s[0]!.d, s[0]!.du), s[i]!.b);
      expectMatClose("vmap with shared diagonals", X, ref, 1e-11 * Math.max(1, ...ref.flat().map(Math.abs)));
    });
  });
});
