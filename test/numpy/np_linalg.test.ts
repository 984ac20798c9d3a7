// np.linalg: each function against plain-JS float64 references (Gaussian elimination with partial pivoting, Jacobi
// eigenvalues, NumPy's norm formulas), batched inputs, float32 and float64, singular input (NaN/Inf, no throw),
// gradients against central differences, jit and vmap against eager, and ShapeErrors.

import { grad, hessian, jit, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, numGrad, rng, valuesOf } from "../helpers.js";

const L = np.linalg;
type M = number[][];

// ---------------------------------------------------------------- references (float64)
const randMat = (m: number, n: number, seed: number): M => {
  const r = rng(seed);
  return Array.from({ length: m }, () => Array.from({ length: n }, () => 2 * r() - 1));
};
const T = (a: M): M => a[0]!.map((_, j) => a.map((row) => row[j]!));
const mm = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const eyeM = (n: number): M => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
const spd = (n: number, seed: number): M => {
  const a = randMat(n, n, seed);
  return mm(a, T(a)).map((row, i) => row.map((v, j) => v + (i === j ? n : 0)));
};
/** X with A·X = B and det A, by Gaussian elimination with partial pivoting. */
function gauss(a: M, b: M): { x: M; det: number } {
  const n = a.length;
  const A = a.map((r) => [...r]);
  const B = b.map((r) => [...r]);
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    if (p !== c) {
      [A[p], A[c]] = [A[c]!, A[p]!];
      [B[p], B[c]] = [B[c]!, B[p]!];
      det = -det;
    }
    const d = A[c]![c]!;
    det *= d;
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / d;
      for (let k = c; k < n; k++) A[r]![k]! -= f * A[c]![k]!;
      for (let k = 0; k < B[0]!.length; k++) B[r]![k]! -= f * B[c]![k]!;
    }
  }
  const x = B.map((r) => r.map(() => 0));
  for (let r = n - 1; r >= 0; r--)
    for (let k = 0; k < B[0]!.length; k++) {
      let s = B[r]![k]!;
      for (let j = r + 1; j < n; j++) s -= A[r]![j]! * x[j]![k]!;
      x[r]![k] = s / A[r]![r]!;
    }
  return { x, det };
}
const refInv = (a: M) => gauss(a, eyeM(a.length)).x;
const refDet = (a: M) => gauss(a, eyeM(a.length)).det;
/** Eigenvalues (ascending) of a symmetric matrix, by cyclic Jacobi rotations. */
function jacobiEig(s: M): number[] {
  const n = s.length;
  const a = s.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (a[p]![q] === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - sn * akq;
          a[k]![q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - sn * aqk;
          a[q]![k] = sn * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]!).sort((x, y) => x - y);
}
const refSvdvals = (a: M) =>
  jacobiEig(mm(T(a), a))
    .map((v) => Math.sqrt(Math.max(v, 0)))
    .sort((x, y) => y - x)
    .slice(0, Math.min(a.length, a[0]!.length));
const flat = (a: M) => a.flat();

describe("np.linalg: solve, inv, det, slogdet", () => {
  it("solve, inv and det match Gaussian elimination, batched, float32 and float64", () => {
    const as = [randMat(3, 3, 1), randMat(3, 3, 2)];
    const bs = [randMat(3, 2, 3), randMat(3, 2, 4)];
    for (const dtype of ["float32", "float64"] as const) {
      const tol = dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-10, atol: 1e-10 };
      const A = np.array(as, { dtype });
      const B = np.array(bs, { dtype });
      const x = L.solve(A, B);
      expect(x.dtype).toBe(dtype);
      expectClose(
        x,
        as.map((a, i) => gauss(a, bs[i]!).x),
        tol,
      );
      expectClose(L.inv(A), as.map(refInv), tol);
      expectClose(L.det(A), as.map(refDet), tol);
      // a vector right-hand side broadcasts over a's batch
      expectClose(
        L.solve(A, [1, 2, 3]),
        as.map((a) => flat(gauss(a, [[1], [2], [3]]).x)),
        tol,
      );
    }
  });
  it("ints are promoted to float32", () => {
    const x = L.solve(
      np.array(
        [
          [2, 0],
          [0, 4],
        ],
        "int32",
      ),
      np.array([2, 8], "int32"),
    );
    expect(x.dtype).toBe("float32");
    expectClose(x, [1, 2]);
    expectClose(
      L.det([
        [1, 2],
        [3, 4],
      ]),
      -2,
    );
  });
  it("slogdet gives sign and log|det|, as an array and by name", () => {
    const as = [
      randMat(4, 4, 5),
      randMat(4, 4, 6),
      [
        [0, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 2],
      ],
    ];
    const r = L.slogdet(f64(as));
    const [sign, logabsdet] = r;
    expect(r.sign).toBe(sign);
    expect(r.logabsdet).toBe(logabsdet);
    expectClose(
      sign,
      as.map((a) => Math.sign(refDet(a))),
    );
    expectClose(
      logabsdet,
      as.map((a) => Math.log(Math.abs(refDet(a)))),
      { rtol: 1e-10, atol: 1e-10 },
    );
  });
  it("singular matrices give det 0 and non-finite inverses, without throwing", () => {
    const s = [
      [1, 2],
      [2, 4],
    ];
    expect(Math.abs(L.det(s).item() as number)).toBeLessThan(1e-6);
    expect(valuesOf(L.inv(s)).some((v) => !Number.isFinite(v))).toBe(true);
    expect(() => L.solve(s, [1, 1])).not.toThrow();
    const z = L.slogdet([
      [0, 0],
      [0, 0],
    ]);
    expect(z.sign.item()).toBe(0);
    expect(z.logabsdet.item()).toBe(-Infinity);
    expect(L.det(np.zeros([2, 0, 0])).toArray()).toEqual([1, 1]);
    expect(L.inv(np.zeros([2, 0, 0])).shape).toEqual([2, 0, 0]);
    expect(L.solve(np.zeros([0, 0]), np.zeros([0, 3])).shape).toEqual([0, 3]);
  });
});

describe("np.linalg: decompositions", () => {
  it("cholesky: L·Lᵀ = a, upper gives Lᵀ, non-PD gives NaN", () => {
    const a = [spd(3, 7), spd(3, 8)];
    const l = L.cholesky(f64(a));
    expectClose(np.matmul(l, np.matrixTranspose(l)), a, { rtol: 1e-10, atol: 1e-10 });
    expectClose(np.triu(l, 1), [eyeM(3).map((r) => r.map(() => 0)), eyeM(3).map((r) => r.map(() => 0))]);
    const u = L.cholesky(f64(a), { upper: true });
    expectClose(u, np.matrixTranspose(l).toArray() as M[]);
    expect(
      valuesOf(
        L.cholesky([
          [1, 2],
          [2, 1],
        ]),
      ).some(Number.isNaN),
    ).toBe(true);
  });
  it("qr: Q·R = a, Q orthonormal, modes and names", () => {
    const a = randMat(4, 3, 9);
    const r0 = L.qr(f64(a));
    const [q, r] = r0;
    expect(r0.Q).toBe(q);
    expect(r0.R).toBe(r);
    expect(q.shape).toEqual([4, 3]);
    expect(r.shape).toEqual([3, 3]);
    expectClose(np.matmul(q, r), a, { rtol: 1e-10, atol: 1e-10 });
    expectClose(np.matmul(np.matrixTranspose(q), q), eyeM(3), { rtol: 1e-10, atol: 1e-10 });
    const c = L.qr(f64(a), "complete");
    expect(c.Q.shape).toEqual([4, 4]);
    expect(c.R.shape).toEqual([4, 3]);
    const ronly = L.qr(f64(a), { mode: "r" });
    expect(ronly.shape).toEqual([3, 3]);
  });
  it("eigh and eigvalsh match Jacobi eigenvalues; a·v = v·diag(w)", () => {
    const a = [spd(4, 10), randMat(4, 4, 11).map((r, i, m) => r.map((v, j) => v + m[j]![i]!))];
    const e = L.eigh(f64(a));
    const [w, v] = e;
    expect(e.eigenvalues).toBe(w);
    expect(e.eigenvectors).toBe(v);
    expectClose(w, a.map(jacobiEig), { rtol: 1e-9, atol: 1e-9 });
    expectClose(np.matmul(f64(a), v), np.multiply(v, np.expandDims(w, -2)).toArray() as M[], { atol: 1e-9 });
    expectClose(L.eigvalsh(np.array(a)), a.map(jacobiEig), { rtol: 1e-4, atol: 1e-4 });
    expectClose(L.eigvalsh(f64(a), "U"), a.map(jacobiEig), { rtol: 1e-9, atol: 1e-9 });
  });
  it("svd and svdvals match the reference; U·diag(S)·Vh = a; names; computeUv", () => {
    const a = [randMat(4, 3, 12), randMat(4, 3, 13)];
    const r = L.svd(f64(a), false);
    const [u, s, vh] = r;
    expect(r.U).toBe(u);
    expect(r.S).toBe(s);
    expect(r.Vh).toBe(vh);
    expectClose(s, a.map(refSvdvals), { rtol: 1e-9, atol: 1e-9 });
    expectClose(np.matmul(np.multiply(u, np.expandDims(s, -2)), vh), a, { rtol: 1e-9, atol: 1e-9 });
    const full = L.svd(f64(a));
    expect(full.U.shape).toEqual([2, 4, 4]);
    expect(full.Vh.shape).toEqual([2, 3, 3]);
    expectClose(L.svd(f64(a), { computeUv: false }), a.map(refSvdvals), { rtol: 1e-9, atol: 1e-9 });
    expectClose(L.svdvals(np.array(a)), a.map(refSvdvals), { rtol: 1e-4, atol: 1e-4 });
  });
});

describe("np.linalg: pinv, lstsq, matrixRank, matrixPower, multiDot", () => {
  it("pinv: the inverse of an invertible matrix; Moore–Penrose conditions otherwise", () => {
    const a = randMat(3, 3, 14);
    expectClose(L.pinv(f64(a)), refInv(a), { rtol: 1e-9, atol: 1e-9 });
    const tall = f64(randMat(5, 3, 15));
    const p = L.pinv(tall);
    expect(p.shape).toEqual([3, 5]);
    expectClose(np.matmul(tall, np.matmul(p, tall)), tall.toArray() as M, { atol: 1e-9 });
    const rankDef = f64([
      [1, 2],
      [2, 4],
    ]);
    const q = L.pinv(rankDef);
    expectClose(q, [
      [0.04, 0.08],
      [0.08, 0.16],
    ]);
    expectClose(
      L.pinv(
        np.array([
          [
            [1, 0],
            [0, 1e-9],
          ],
        ]),
        1e-3,
      ),
      [
        [
          [1, 0],
          [0, 0],
        ],
      ],
    );
  });
  it("lstsq matches the normal equations; residuals, rank, s, names", () => {
    const a = randMat(6, 3, 16);
    const b = randMat(6, 2, 17);
    const ref = mm(refInv(mm(T(a), a)), mm(T(a), b));
    const r = L.lstsq(f64(a), f64(b));
    const [x, res, rank, s] = r;
    expect(r.x).toBe(x);
    expect(r.residuals).toBe(res);
    expect(r.rank).toBe(rank);
    expect(r.s).toBe(s);
    expectClose(x, ref, { rtol: 1e-9, atol: 1e-9 });
    const resid = b.map((row, i) => row.map((v, j) => v - mm(a, ref)[i]![j]!));
    expectClose(
      res,
      [0, 1].map((j) => resid.reduce((acc, row) => acc + row[j]! ** 2, 0)),
      { rtol: 1e-9, atol: 1e-9 },
    );
    expect(rank.dtype).toBe("int32");
    expect(rank.item()).toBe(3);
    expectClose(s, refSvdvals(a), { rtol: 1e-9 });
    const v = L.lstsq(
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
      [1, 2, 3],
    );
    expectClose(v[0], [1, 1], { atol: 1e-5 });
    expect(v[1].shape).toEqual([]);
  });
  it("matrixRank", () => {
    expect(
      L.matrixRank([
        [1, 2],
        [2, 4],
      ]).item(),
    ).toBe(1);
    expect(
      L.matrixRank(
        f64([
          randMat(3, 3, 18),
          [
            [1, 0, 0],
            [0, 0, 0],
            [0, 0, 0],
          ],
        ]),
      ).toArray(),
    ).toEqual([3, 1]);
    expect(
      L.matrixRank(
        [
          [1, 0],
          [0, 1e-3],
        ],
        { tol: 1e-2 },
      ).item(),
    ).toBe(1);
    expect(L.matrixRank([0, 0]).item()).toBe(0);
  });
  it("matrixPower: positive, zero and negative powers, batched", () => {
    const a = [randMat(3, 3, 19), randMat(3, 3, 20)];
    const tol = { rtol: 1e-9, atol: 1e-9 };
    expectClose(
      L.matrixPower(f64(a), 5),
      a.map((m) => mm(mm(mm(m, m), mm(m, m)), m)),
      tol,
    );
    expectClose(L.matrixPower(f64(a), 0), [eyeM(3), eyeM(3)]);
    expectClose(
      L.matrixPower(f64(a), -2),
      a.map((m) => refInv(mm(m, m))),
      { rtol: 1e-8, atol: 1e-8 },
    );
    const i = L.matrixPower(
      np.array(
        [
          [1, 1],
          [0, 1],
        ],
        "int32",
      ),
      3,
    );
    expect(i.dtype).toBe("int32");
    expect(i.toArray()).toEqual([
      [1, 3],
      [0, 1],
    ]);
  });
  it("multiDot equals the chained product, with 1-D ends", () => {
    const ms = [randMat(2, 5, 21), randMat(5, 3, 22), randMat(3, 4, 23), randMat(4, 2, 24)];
    const ref = ms.reduce(mm);
    expectClose(L.multiDot(ms.map(f64)), ref, { rtol: 1e-12, atol: 1e-12 });
    const v = L.multiDot([f64([1, 2, 3, 4, 5]), ...ms.slice(1).map(f64), f64([1, -1])]);
    expect(v.shape).toEqual([]);
    const row = mm([[1, 2, 3, 4, 5]], ms.slice(1).reduce(mm));
    expectClose(v, row[0]![0]! - row[0]![1]!, { rtol: 1e-12 });
  });
});

describe("np.linalg: norms and cond", () => {
  const v = [3, -4, 0, 1.5];
  const a = [
    [1, -2, 3],
    [-4, 5, -6.5],
  ];
  it("vector norms by NumPy's formulas", () => {
    const ab = v.map(Math.abs);
    const cases: [number, number][] = [
      [2, Math.hypot(...v)],
      [1, ab.reduce((x, y) => x + y)],
      [Infinity, Math.max(...ab)],
      [-Infinity, Math.min(...ab)],
      [0, 3],
      [3, ab.reduce((x, y) => x + y ** 3, 0) ** (1 / 3)],
      [0.5, ab.reduce((x, y) => x + y ** 0.5, 0) ** 2],
    ];
    for (const [ord, ref] of cases) {
      expectClose(L.norm(f64(v), ord), ref, { rtol: 1e-12 });
      expectClose(L.vectorNorm(f64(v), { ord }), ref, { rtol: 1e-12 });
    }
    expectClose(L.norm(v), Math.hypot(...v));
  });
  it("matrix norms by NumPy's formulas", () => {
    const colSums = [0, 1, 2].map((j) => Math.abs(a[0]![j]!) + Math.abs(a[1]![j]!));
    const rowSums = a.map((r) => r.reduce((x, y) => x + Math.abs(y), 0));
    const sv = refSvdvals(a);
    const cases: [number | "fro" | "nuc", number][] = [
      ["fro", Math.hypot(...a.flat())],
      ["nuc", sv[0]! + sv[1]!],
      [1, Math.max(...colSums)],
      [-1, Math.min(...colSums)],
      [Infinity, Math.max(...rowSums)],
      [-Infinity, Math.min(...rowSums)],
      [2, sv[0]!],
      [-2, sv[1]!],
    ];
    for (const [ord, ref] of cases) {
      expectClose(L.norm(f64(a), ord), ref, { rtol: 1e-10 });
      expectClose(L.matrixNorm(f64(a), ord), ref, { rtol: 1e-10 });
      // the transposed axes give the transposed matrix's norm
      expectClose(L.norm(f64(T(a)), { ord, axis: [1, 0] }), ref, { rtol: 1e-10 });
    }
    expectClose(L.norm(f64([a, a]), { ord: 1, axis: [1, 2], keepdims: true }), [
      [[Math.max(...colSums)]],
      [[Math.max(...colSums)]],
    ]);
    expectClose(
      L.norm(f64(a), { axis: 1 }),
      rowSums.map((_, i) => Math.hypot(...a[i]!)),
      { rtol: 1e-12 },
    );
    expectClose(L.norm(f64([a, a])), Math.hypot(...a.flat(), ...a.flat()), { rtol: 1e-12 });
    expect(catchError(() => L.norm(f64(a), { ord: 3, axis: [0, 1] }), TracegradError).message).toMatch(/matrix norm/);
  });
  it("cond", () => {
    const m = randMat(3, 3, 25);
    const sv = refSvdvals(m);
    expectClose(L.cond(f64(m)), sv[0]! / sv[2]!, { rtol: 1e-9 });
    expectClose(L.cond(f64(m), -2), sv[2]! / sv[0]!, { rtol: 1e-9 });
    const inv = refInv(m);
    const n1 = (x: M) => Math.max(...[0, 1, 2].map((j) => x.reduce((s, r) => s + Math.abs(r[j]!), 0)));
    expectClose(L.cond(f64(m), 1), n1(m) * n1(inv), { rtol: 1e-9 });
    expect(
      L.cond(
        [
          [1, 0],
          [0, 0],
        ],
        1,
      ).item(),
    ).toBe(Infinity);
  });
});

describe("np.linalg: cross, outer, trace, tensorsolve, tensorinv", () => {
  it("cross of 3-vectors along an axis, broadcasting", () => {
    expectClose(L.cross([1, 0, 0], [0, 1, 0]), [0, 0, 1]);
    expectClose(
      L.cross(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [7, 8, 9],
      ),
      [
        [-6, 12, -6],
        [-3, 6, -3],
      ],
    );
    expectClose(
      L.cross(
        np.transpose(
          np.array([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
        np.array([[7], [8], [9]]),
        0,
      ),
      [
        [-6, -3],
        [12, 6],
        [-6, -3],
      ],
    );
  });
  it("outer and trace", () => {
    expectClose(L.outer([1, 2], [1, 10, 100]), [
      [1, 10, 100],
      [2, 20, 200],
    ]);
    expectClose(L.trace(np.reshape(np.arange(18), [2, 3, 3])), [12, 39]);
    expectClose(L.trace(np.reshape(np.arange(9), [3, 3]), 1), 6);
  });
  it("tensorsolve and tensorinv", () => {
    const a = randMat(6, 6, 26);
    const a4 = np.reshape(f64(a), [2, 3, 2, 3]);
    const inv4 = L.tensorinv(a4);
    expect(inv4.shape).toEqual([2, 3, 2, 3]);
    expectClose(np.reshape(inv4, [6, 6]), refInv(a), { rtol: 1e-9, atol: 1e-9 });
    const b = [1, 2, 3, 4, 5, 6];
    const x = L.tensorsolve(np.reshape(f64(a), [2, 3, 6]), np.reshape(f64(b), [2, 3]));
    expect(x.shape).toEqual([6]);
    expectClose(
      x,
      flat(
        gauss(
          a,
          b.map((v) => [v]),
        ).x,
      ),
      { rtol: 1e-9, atol: 1e-9 },
    );
  });
});

describe("np.linalg: gradients against central differences", () => {
  const check = (f: (x: Tensor) => Tensor, x: M, tol = 1e-5) => {
    const shape = [x.length, x[0]!.length];
    const g = grad(f)(f64(x));
    const num = numGrad(f, x.flat(), shape);
    const got = valuesOf(g);
    got.forEach((v, i) => expect(Math.abs(v - num[i]!)).toBeLessThan(tol * (1 + Math.abs(num[i]!))));
  };
  const w = (x: Tensor) => np.sum(np.multiply(x, np.reshape(np.arange(x.size, { dtype: "float64" }), x.shape)));
  const a = randMat(3, 3, 27).map((r, i) => r.map((v, j) => v + (i === j ? 2 : 0)));
  it("solve (in a and in b), inv, det, slogdet", () => {
    check(
      (x) =>
        w(
          L.solve(
            x,
            f64([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
          ),
        ),
      a,
    );
    check((x) => w(L.solve(f64(a), x)), randMat(3, 2, 28));
    check((x) => w(L.inv(x)), a);
    check((x) => L.det(x), a);
    check((x) => L.slogdet(x).logabsdet, a);
  });
  it("det's gradient is the cofactor matrix, finite for singular matrices too (JAX's cofactor solve)", () => {
    // rank n − 1 with the zero pivot last (as JAX, an earlier zero pivot gives 0), and rank n − 2 (adj = 0)
    const det2 = (m: M) => m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const minor = (m: M, i: number, j: number) =>
      det2(m.filter((_, r) => r !== i).map((row) => row.filter((_, c) => c !== j)));
    const cof = (m: M) => m.map((row, i) => row.map((_, j) => (-1) ** (i + j) * minor(m, i, j)));
    for (const m of [
      [
        [1, 2, 3],
        [2, 4, 6],
        [1, 0, 1],
      ],
      [
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
      ],
      randMat(3, 3, 60),
    ]) {
      expectClose(grad((x: Tensor) => L.det(x))(f64(m)), cof(m), { rtol: 1e-9, atol: 1e-9 });
    }
    expectClose(grad((x: Tensor) => np.sum(L.det(x)))(f64([[[2]], [[3]]])), [[[1]], [[1]]]);
  });
  it("norm (fro and 2), pinv, cholesky, eigvalsh, matrixPower", () => {
    const r = randMat(3, 4, 29);
    check((x) => L.norm(x), r);
    check((x) => L.norm(x, 2), r);
    check((x) => w(L.pinv(x)), r);
    check((x) => w(L.pinv(x)), a);
    check((x) => w(L.cholesky(x)), spd(3, 30));
    check((x) => w(L.eigvalsh(x)), spd(3, 31));
    check((x) => w(L.matrixPower(x, 3)), a);
    check((x) => w(L.matrixPower(x, -2)), a);
  });
});

describe("np.linalg: second derivatives", () => {
  it("the Hessian of det of a 2×2 matrix is ∂²(ad − bc)", () => {
    const h = hessian((x: Tensor) => L.det(x))(
      f64([
        [3, 1],
        [2, 5],
      ]),
    );
    const ref = [
      [
        [
          [0, 0],
          [0, 1],
        ],
        [
          [0, 0],
          [-1, 0],
        ],
      ],
      [
        [
          [0, -1],
          [0, 0],
        ],
        [
          [1, 0],
          [0, 0],
        ],
      ],
    ];
    expectClose(h, ref, { atol: 1e-9 });
  });
  it("the second derivative of pinv and inv along a line", () => {
    const a = f64(randMat(3, 3, 50).map((r, i) => r.map((v, j) => v + (i === j ? 2 : 0))));
    const d = f64(randMat(3, 3, 51));
    const line = (f: (x: Tensor) => Tensor) => (t: Tensor) => np.sum(f(np.add(a, np.multiply(t, d))));
    const g2 = (f: (x: Tensor) => Tensor) => grad(grad(line(f)))(np.array(0, { dtype: "float64" })).item() as number;
    const h = 1e-4;
    const v = (f: (x: Tensor) => Tensor, t: number) => line(f)(np.array(t, { dtype: "float64" })).item() as number;
    for (const f of [(x: Tensor) => L.inv(x), (x: Tensor) => L.pinv(x)]) {
      const num = (v(f, h) - 2 * v(f, 0) + v(f, -h)) / (h * h);
      expect(Math.abs(g2(f) - num)).toBeLessThan(1e-4 * (1 + Math.abs(num)));
    }
  });
});

describe("np.linalg: jit and vmap agree with eager", () => {
  const as = f64([randMat(3, 3, 32), randMat(3, 3, 33)]);
  const bs = f64([randMat(3, 2, 34), randMat(3, 2, 35)]);
  it("solve, inv, det, norm, slogdet", () => {
    const tol = { rtol: 1e-10, atol: 1e-10 };
    expectClose(jit(L.solve)(as, bs), L.solve(as, bs).toArray() as M[], tol);
    expectClose(jit((x: Tensor) => L.inv(x))(as), L.inv(as).toArray() as M[], tol);
    expectClose(vmap((x: Tensor) => L.det(x))(as), L.det(as).toArray() as number[], tol);
    expectClose(vmap(L.solve)(as, bs), L.solve(as, bs).toArray() as M[], tol);
    expectClose(vmap((x: Tensor) => L.norm(x, 2))(as), L.norm(as, { ord: 2, axis: [1, 2] }).toArray() as number[], tol);
    const [s, l] = jit((x: Tensor) => L.slogdet(x))(as) as unknown as [Tensor, Tensor];
    expectClose(s, L.slogdet(as).sign.toArray() as number[]);
    expectClose(l, L.slogdet(as).logabsdet.toArray() as number[], tol);
  });
});

describe("np.linalg: float32 agrees with float64; vmap and jit agree with batching", () => {
  const sp = [spd(3, 40), spd(3, 41)];
  const rs = [randMat(4, 3, 42), randMat(4, 3, 43)];
  const both = (f: (x: Tensor) => Tensor, x: M[], tol = 1e-4) => {
    const r64 = f(f64(x));
    const r32 = f(np.array(x, { dtype: "float32" }));
    expect(r32.dtype).toBe(r64.dtype === "int32" ? "int32" : "float32");
    expectClose(r32, r64.toArray() as M[], { rtol: tol, atol: tol });
    expectClose(vmap(f)(f64(x)), r64.toArray() as M[], { rtol: 1e-10, atol: 1e-10 });
    expectClose(jit(f)(f64(x)), r64.toArray() as M[], { rtol: 1e-10, atol: 1e-10 });
  };
  it("cholesky, eigvalsh, svdvals, pinv, matrixRank, norms, cond, slogdet", () => {
    both((x) => L.cholesky(x), sp);
    both((x) => L.eigvalsh(x), sp);
    both((x) => L.svdvals(x), rs);
    both((x) => L.pinv(x), rs);
    both((x) => L.matrixRank(x), rs);
    both((x) => L.norm(x, { axis: [-2, -1], ord: "nuc" }), rs);
    both((x) => L.matrixNorm(x, Infinity), rs);
    both((x) => L.vectorNorm(x, { ord: 3, axis: -1 }), rs);
    both((x) => L.cond(x), sp);
    both((x) => L.slogdet(x).logabsdet, sp);
    both((x) => L.matrixPower(x, -3), sp, 1e-3);
    both((x) => L.lstsq(x, f64([1, 2, 3, 4]).astype(x.dtype))[0], rs);
    both((x) => L.trace(x, -1), rs);
  });
  it("the batch axes of solve broadcast", () => {
    const a = f64([randMat(3, 3, 44), randMat(3, 3, 45)]);
    const b = f64([[randMat(3, 1, 46)], [randMat(3, 1, 47)], [randMat(3, 1, 48)]]);
    const x = L.solve(a, b);
    expect(x.shape).toEqual([3, 2, 3, 1]);
    expectClose(np.matmul(a, x), np.broadcastTo(b, [3, 2, 3, 1]).toArray() as M[][], { rtol: 1e-10, atol: 1e-10 });
  });
});

describe("np.linalg: errors", () => {
  it("non-square or mismatched input is a ShapeError naming the function and shapes", () => {
    expect(catchError(() => L.inv(np.ones([2, 3])), ShapeError).message).toMatch(/np\.linalg\.inv.*\[2, ?3\]/);
    expect(catchError(() => L.det([1, 2]), ShapeError).message).toMatch(/np\.linalg\.det/);
    expect(catchError(() => L.solve(np.ones([3, 3]), np.ones([2])), ShapeError).message).toMatch(/np\.linalg\.solve/);
    expect(catchError(() => L.cholesky(np.ones([2, 3])), ShapeError).message).toMatch(/np\.linalg\.cholesky/);
    expect(catchError(() => L.cross([1, 2], [3, 4]), ShapeError).message).toMatch(/np\.linalg\.cross/);
    expect(catchError(() => L.multiDot([np.ones([2, 3]), np.ones([2, 3])]), ShapeError).message).toMatch(/multiDot/);
    expect(catchError(() => L.outer(np.ones([2, 2]), [1]), ShapeError).message).toMatch(/outer/);
    expect(catchError(() => L.tensorinv(np.ones([2, 3])), ShapeError).message).toMatch(/tensorinv/);
    expect(() => L.qr(np.ones([2, 2]), "bad" as "r")).toThrow(TracegradError);
  });
});
