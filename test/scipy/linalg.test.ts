// scipy.linalg against plain-JS float64 references (substitution, Gaussian elimination, a long Taylor series for expm,
// closed forms), batched, float32 and float64, singular input (NaN/Inf, no throw), gradients against central
// differences, jit/vmap agreement and argument errors.
import { grad, jit, np, ShapeError, scipy, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, f64, numGrad, rng, valuesOf } from "../helpers.js";

const L = scipy.linalg;
type M = number[][];
const TIGHT = { rtol: 1e-11, atol: 1e-12 };
const F32 = { rtol: 2e-4, atol: 2e-5 };

// ───────────── plain-JS float64 references ─────────────
const matmulJ = (a: M, b: M): M => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tJ = (a: M): M => a[0]!.map((_, j) => a.map((r) => r[j]!));
const eyeJ = (n: number): M => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
const col = (v: number[]): M => v.map((x) => [x]);
/** Gaussian elimination with partial pivoting: a⁻¹·b. */
function gaussSolve(a0: M, b0: M): M {
  const n = a0.length;
  const a = a0.map((r) => [...r]);
  const b = b0.map((r) => [...r]);
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(a[i]![j]!) > Math.abs(a[p]![j]!)) p = i;
    [a[j], a[p]] = [a[p]!, a[j]!];
    [b[j], b[p]] = [b[p]!, b[j]!];
    for (let i = j + 1; i < n; i++) {
      const f = a[i]![j]! / a[j]![j]!;
      for (let k = j; k < n; k++) a[i]![k]! -= f * a[j]![k]!;
      for (let k = 0; k < b[0]!.length; k++) b[i]![k]! -= f * b[j]![k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--)
    for (let k = 0; k < b[0]!.length; k++) {
      let s = b[i]![k]!;
      for (let j = i + 1; j < n; j++) s -= a[i]![j]! * b[j]![k]!;
      b[i]![k] = s / a[i]![i]!;
    }
  return b;
}
function detJ(a0: M): number {
  const n = a0.length;
  const a = a0.map((r) => [...r]);
  let d = 1;
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(a[i]![j]!) > Math.abs(a[p]![j]!)) p = i;
    if (p !== j) {
      [a[j], a[p]] = [a[p]!, a[j]!];
      d = -d;
    }
    d *= a[j]![j]!;
    for (let i = j + 1; i < n; i++) {
      const f = a[i]![j]! / a[j]![j]!;
      for (let k = j; k < n; k++) a[i]![k]! -= f * a[j]![k]!;
    }
  }
  return d;
}
/** Triangular substitution: T⁻¹·b reading only T's lower (or upper) triangle, unit diagonal optionally. */
function triSolveJ(t: M, b: M, lower: boolean, unit = false): M {
  const n = t.length;
  const x = b.map((r) => [...r]);
  for (let s = 0; s < n; s++) {
    const i = lower ? s : n - 1 - s;
    for (let k = 0; k < b[0]!.length; k++) {
      let v = x[i]![k]!;
      for (let j = 0; j < n; j++) if (lower ? j < i : j > i) v -= t[i]![j]! * x[j]![k]!;
      x[i]![k] = unit ? v : v / t[i]![i]!;
    }
  }
  return x;
}
/** e^a by scaling to 1-norm < 1/8, 40 Taylor terms, and squaring back. */
function expmJ(a: M): M {
  const n = a.length;
  const norm = Math.max(...a[0]!.map((_, j) => a.reduce((s, r) => s + Math.abs(r[j]!), 0)));
  const s = norm > 0.125 ? Math.ceil(Math.log2(norm / 0.125)) : 0;
  const x = a.map((r) => r.map((v) => v / 2 ** s));
  let term = eyeJ(n);
  let sum = eyeJ(n);
  for (let k = 1; k <= 40; k++) {
    term = matmulJ(term, x).map((r) => r.map((v) => v / k));
    sum = sum.map((r, i) => r.map((v, j) => v + term[i]![j]!));
  }
  for (let i = 0; i < s; i++) sum = matmulJ(sum, sum);
  return sum;
}
const randM = (r: () => number, m: number, n: number, lo = -1, hi = 1): M =>
  Array.from({ length: m }, () => Array.from({ length: n }, () => lo + (hi - lo) * r()));
/** Well conditioned: random plus n·I. */
const wellM = (r: () => number, n: number): M =>
  randM(r, n, n).map((row, i) => row.map((v, j) => v + (i === j ? n : 0)));
const spdM = (r: () => number, n: number): M => {
  const b = randM(r, n, n);
  return matmulJ(b, tJ(b)).map((row, i) => row.map((v, j) => v + (i === j ? n : 0)));
};
const lowerOf = (a: M, unit = false): M => a.map((r, i) => r.map((v, j) => (j < i ? v : j === i ? (unit ? 1 : v) : 0)));
const upperOf = (a: M): M => a.map((r, i) => r.map((v, j) => (j >= i ? v : 0)));
const toM = (t: Tensor): M => {
  const [m, n] = t.shape.slice(-2) as [number, number];
  const v = valuesOf(t);
  return Array.from({ length: m }, (_, i) => v.slice(i * n, i * n + n));
};
const f32 = (v: unknown) => np.array(v as number[], { dtype: "float32" });
/** Compares a scalar function's gradient at float64 data with central differences. */
function checkGrad(f: (x: Tensor) => Tensor, x: M | M[], tol = 1e-6) {
  const t = f64(x);
  const g = grad(f)(t);
  const flat = valuesOf(t);
  expect(g.shape).toEqual(t.shape);
  expectClose(np.reshape(g, [-1]), numGrad(f, flat, [...t.shape]), { rtol: tol, atol: tol });
}
const sumSq = (t: Tensor) => np.sum(np.multiply(t, np.sin(t)));

describe("solveTriangular", () => {
  const r = rng(1);
  const a = wellM(r, 4);
  const b = randM(r, 4, 2);
  it("lower/upper, trans, unit diagonal, vector and matrix b (float64)", () => {
    expectClose(L.solveTriangular(f64(a), f64(b), { lower: true }), triSolveJ(a, b, true), TIGHT);
    expectClose(L.solveTriangular(f64(a), f64(b)), triSolveJ(a, b, false), TIGHT);
    expectClose(
      L.solveTriangular(f64(a), f64(b), { lower: true, unitDiagonal: true }),
      triSolveJ(a, b, true, true),
      TIGHT,
    );
    // op(a) = aᵀ: the transposed lower triangle is upper
    const at = tJ(lowerOf(a));
    for (const trans of [1, "T", 2, "C"] as const)
      expectClose(L.solveTriangular(f64(a), f64(b), { lower: true, trans }), triSolveJ(at, b, false), TIGHT);
    expectClose(L.solveTriangular(f64(a), f64(b), { trans: "N" }), triSolveJ(a, b, false), TIGHT);
    const v = b.map((row) => row[0]!);
    expectClose(
      L.solveTriangular(f64(a), f64(v), { lower: true }),
      triSolveJ(a, col(v), true).map((row) => row[0]!),
      TIGHT,
    );
  });
  it("batched, float32, and a zero diagonal gives Inf/NaN", () => {
    const a2 = wellM(r, 4);
    const b2 = randM(r, 4, 2);
    const out = L.solveTriangular(f64([a, a2]), f64([b, b2]), { lower: true });
    expectClose(out, [triSolveJ(a, b, true), triSolveJ(a2, b2, true)], TIGHT);
    // a batch of matrices against one right-hand side matrix: broadcast
    expectClose(
      L.solveTriangular(f64([a, a2]), f64([b]), { lower: true }),
      [triSolveJ(a, b, true), triSolveJ(a2, b, true)],
      TIGHT,
    );
    const o32 = L.solveTriangular(f32(a), f32(b), { lower: true });
    expect(o32.dtype).toBe("float32");
    expectClose(o32, triSolveJ(a, b, true), F32);
    const sing = L.solveTriangular(
      f64([
        [0, 0],
        [1, 1],
      ]),
      f64([1, 1]),
      { lower: true },
    );
    expect(valuesOf(sing).every((x) => !Number.isFinite(x))).toBe(true);
  });
  it("gradients in a and b", () => {
    checkGrad((t) => sumSq(L.solveTriangular(t, f64(b), { lower: true })), a);
    checkGrad((t) => sumSq(L.solveTriangular(f64(a), t, { trans: 1 })), b);
    checkGrad((t) => sumSq(L.solveTriangular(t, f64(b), { unitDiagonal: true })), a);
  });
});

describe("choFactor, choSolve, cholesky", () => {
  const r = rng(2);
  const a = spdM(r, 4);
  const b = randM(r, 4, 3);
  it("factors (named tuple) and solves, lower and upper", () => {
    const cf = L.choFactor(f64(a));
    expect(cf.lower).toBe(false);
    expect(cf[0]).toBe(cf.c);
    const u = toM(cf.c);
    expectClose(f64(matmulJ(tJ(u), u)), a, TIGHT);
    expectClose(cf.c, upperOf(u), { rtol: 0, atol: 0 });
    const [cl, lower] = L.choFactor(f64(a), { lower: true });
    expect(lower).toBe(true);
    const l = toM(cl);
    expectClose(f64(matmulJ(l, tJ(l))), a, TIGHT);
    const x = gaussSolve(a, b);
    expectClose(L.choSolve(cf, f64(b)), x, TIGHT);
    expectClose(L.choSolve([cl, true], f64(b)), x, TIGHT);
    expectClose(
      L.choSolve([cl, true], f64(b.map((row) => row[0]!))),
      x.map((row) => row[0]!),
      TIGHT,
    );
    expectClose(L.cholesky(f64(a)), u, TIGHT);
    expectClose(L.cholesky(f64(a), { lower: true }), l, TIGHT);
    // only the named triangle is read
    const junk = a.map((row, i) => row.map((v, j) => (j > i ? 99 : v)));
    expectClose(L.cholesky(f64(junk), { lower: true }), l, TIGHT);
  });
  it("batched, float32, not positive definite gives NaN", () => {
    const a2 = spdM(r, 4);
    const [c] = L.choFactor(f64([a, a2]), { lower: true });
    expectClose(L.choSolve([c, true], f64([b, b])), [gaussSolve(a, b), gaussSolve(a2, b)], TIGHT);
    const c32 = L.cholesky(f32(a));
    expect(c32.dtype).toBe("float32");
    expectClose(c32, toM(L.cholesky(f64(a))), F32);
    const bad = L.cholesky(
      f64([
        [1, 2],
        [2, 1],
      ]),
    );
    expect(valuesOf(bad).some(Number.isNaN)).toBe(true);
    expect(
      valuesOf(
        L.choSolve(
          L.choFactor(
            f64([
              [1, 2],
              [2, 1],
            ]),
          ),
          f64([1, 1]),
        ),
      ).every(Number.isNaN),
    ).toBe(true);
  });
  it("gradients of choSolve in c and b", () => {
    const c = toM(L.cholesky(f64(a), { lower: true }));
    checkGrad((t) => sumSq(L.choSolve([t, true], f64(b))), c);
    checkGrad((t) => sumSq(L.choSolve([f64(c), true], t)), b);
  });
});

describe("luFactor, luSolve, lu", () => {
  const r = rng(3);
  const a = randM(r, 4, 4);
  const b = randM(r, 4, 2);
  it("luFactor's pivots and factors, luSolve with trans", () => {
    const lf = L.luFactor(
      f64([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(lf[1]).toBe(lf.piv);
    expect(valuesOf(lf.piv)).toEqual([1, 1]);
    expect(lf.piv.dtype).toBe("int32");
    expectClose(
      lf.lu,
      [
        [3, 4],
        [1 / 3, 2 / 3],
      ],
      TIGHT,
    );
    const f = L.luFactor(f64(a));
    expectClose(L.luSolve(f, f64(b)), gaussSolve(a, b), TIGHT);
    expectClose(L.luSolve(f, f64(b), { trans: 1 }), gaussSolve(tJ(a), b), TIGHT);
    expectClose(L.luSolve(f, f64(b), 2), gaussSolve(tJ(a), b), TIGHT);
    // pivots as a plain JS array
    expectClose(L.luSolve([f.lu, valuesOf(f.piv)], f64(b)), gaussSolve(a, b), TIGHT);
    const v = b.map((row) => row[1]!);
    expectClose(
      L.luSolve(f, f64(v)),
      gaussSolve(a, col(v)).map((row) => row[0]!),
      TIGHT,
    );
  });
  it("batched and float32", () => {
    const a2 = randM(r, 4, 4);
    const f = L.luFactor(f64([a, a2]));
    expect(f.piv.shape).toEqual([2, 4]);
    expectClose(L.luSolve(f, f64([b, b])), [gaussSolve(a, b), gaussSolve(a2, b)], TIGHT);
    expectClose(L.luSolve(f, f64([b, b]), { trans: 1 }), [gaussSolve(tJ(a), b), gaussSolve(tJ(a2), b)], TIGHT);
    const f32f = L.luFactor(f32(a));
    expect(f32f.lu.dtype).toBe("float32");
    expectClose(L.luSolve(f32f, f32(b)), gaussSolve(a, b), F32);
  });
  it("lu: a = p·l·u for square, wide and tall; permuteL; batched", () => {
    for (const [m, n] of [
      [4, 4],
      [3, 5],
      [5, 3],
    ] as const) {
      const x = randM(r, m, n);
      const [p, l, u] = L.lu(f64(x)) as [Tensor, Tensor, Tensor];
      const k = Math.min(m, n);
      expect([p.shape, l.shape, u.shape]).toEqual([
        [m, m],
        [m, k],
        [k, n],
      ]);
      expectClose(f64(matmulJ(matmulJ(toM(p), toM(l)), toM(u))), x, TIGHT);
      expectClose(l, lowerOf(toM(l), true), { rtol: 0, atol: 0 });
      const [pl, u2] = L.lu(f64(x), { permuteL: true });
      expectClose(f64(matmulJ(toM(pl!), toM(u2!))), x, TIGHT);
    }
    const [p, l, u] = L.lu(f64([a, a])) as [Tensor, Tensor, Tensor];
    expect(p.shape).toEqual([2, 4, 4]);
    const back = np.matmul(np.matmul(p, l), u);
    expectClose(back, [a, a], TIGHT);
  });
  it("singular input: no throw, Inf/NaN in the solve", () => {
    const s = [
      [1, 2],
      [2, 4],
    ];
    const x = L.luSolve(L.luFactor(f64(s)), f64([1, 1]));
    expect(valuesOf(x).some((v) => !Number.isFinite(v))).toBe(true);
  });
  it("gradients of luSolve in lu and b", () => {
    const [lu0, piv] = L.luFactor(f64(a));
    checkGrad((t) => sumSq(L.luSolve([lu0, piv], t)), b);
    checkGrad((t) => sumSq(L.luSolve([t, piv], f64(b), { trans: 1 })), toM(lu0));
  });
});

describe("qr, eigh, svd", () => {
  const r = rng(4);
  const a = randM(r, 4, 3);
  it("qr modes", () => {
    const [q, rr] = L.qr(f64(a)) as [Tensor, Tensor];
    expect([q.shape, rr.shape]).toEqual([
      [4, 4],
      [4, 3],
    ]);
    expectClose(np.matmul(q, rr), a, TIGHT);
    expectClose(np.matmul(np.matrixTranspose(q), q), eyeJ(4), TIGHT);
    const [qe, re] = L.qr(f64(a), { mode: "economic" }) as [Tensor, Tensor];
    expect([qe.shape, re.shape]).toEqual([
      [4, 3],
      [3, 3],
    ]);
    expectClose(np.matmul(qe, re), a, TIGHT);
    const only = L.qr(f64(a), { mode: "r" });
    expect(only.length).toBe(1);
    expectClose(only[0]!, toM(rr), TIGHT);
    catchError(() => L.qr(f64(a), { pivoting: true as never }), TracegradError);
  });
  it("eigh: [w, v] (SciPy's order), eigvalsOnly, upper triangle", () => {
    const s = spdM(r, 3);
    const [w, v] = L.eigh(f64(s)) as [Tensor, Tensor];
    expect(w.shape).toEqual([3]);
    const wv = valuesOf(w);
    expect(wv[0]! <= wv[1]! && wv[1]! <= wv[2]!).toBe(true);
    expectClose(np.matmul(f64(s), v), toM(np.multiply(v, w)), TIGHT);
    expectClose(L.eigh(f64(s), { eigvalsOnly: true }) as Tensor, wv, TIGHT);
    // as JAX, the input is symmetrized first (symmetrize_input), so `lower` only matters for exactly symmetric input
    expectClose(L.eigh(f64(s), { lower: false, eigvalsOnly: true }) as Tensor, wv, TIGHT);
    expectClose(
      L.eigh(
        f64([
          [2, 1],
          [1, 2],
        ]),
        { eigvalsOnly: true },
      ) as Tensor,
      [1, 3],
      TIGHT,
    );
  });
  it("svd: [U, s, Vh], computeUv, fullMatrices", () => {
    const [u, s, vh] = L.svd(f64(a)) as Tensor[];
    expect([u!.shape, s!.shape, vh!.shape]).toEqual([[4, 4], [3], [3, 3]]);
    const [ue, se, vhe] = L.svd(f64(a), { fullMatrices: false }) as Tensor[];
    expect(ue!.shape).toEqual([4, 3]);
    expectClose(np.matmul(np.multiply(ue!, se!), vhe!), a, TIGHT);
    expectClose(
      L.svd(
        f64([
          [3, 0],
          [0, 4],
        ]),
        { computeUv: false },
      ) as Tensor,
      [4, 3],
      TIGHT,
    );
    expectClose(L.svd(f64(a), { computeUv: false }) as Tensor, valuesOf(s!), TIGHT);
  });
});

describe("expm", () => {
  it("closed forms: nilpotent, diagonal, rotation generator, zero", () => {
    expectClose(
      L.expm(
        f64([
          [0, 1, 0],
          [0, 0, 1],
          [0, 0, 0],
        ]),
      ),
      [
        [1, 1, 0.5],
        [0, 1, 1],
        [0, 0, 1],
      ],
      TIGHT,
    );
    expectClose(
      L.expm(
        f64([
          [1, 0],
          [0, -2],
        ]),
      ),
      [
        [Math.E, 0],
        [0, Math.exp(-2)],
      ],
      TIGHT,
    );
    for (const t of [0.3, 2, 20]) {
      const rot = [
        [Math.cos(t), -Math.sin(t)],
        [Math.sin(t), Math.cos(t)],
      ];
      expectClose(
        L.expm(
          f64([
            [0, -t],
            [t, 0],
          ]),
        ),
        rot,
        { rtol: 1e-12, atol: 1e-12 },
      );
    }
    expectClose(
      L.expm(
        f64([
          [0, 0],
          [0, 0],
        ]),
      ),
      eyeJ(2),
      { rtol: 0, atol: 0 },
    );
  });
  it("random matrices of every norm range against the Taylor reference (float64 and float32), batched", () => {
    const r = rng(5);
    for (const scale of [0.001, 0.1, 0.5, 1.5, 3, 10]) {
      const a = randM(r, 4, 4).map((row) => row.map((v) => v * scale));
      expectClose(L.expm(f64(a)), expmJ(a), { rtol: 1e-12, atol: 1e-13 });
      const a32 = L.expm(f32(a));
      expect(a32.dtype).toBe("float32");
      expectClose(a32, expmJ(a), { rtol: 5e-5 * Math.max(1, scale), atol: 1e-5 * Math.max(1, scale) });
    }
    const small = randM(r, 3, 3).map((row) => row.map((v) => v * 0.01));
    const big = randM(r, 3, 3).map((row) => row.map((v) => v * 6));
    expectClose(L.expm(f64([[small, big]])), [[expmJ(small), expmJ(big)]], { rtol: 1e-11, atol: 1e-12 });
  });
  it("upperTriangular, maxSquarings (NaN beyond)", () => {
    const u = [
      [1, 2, 3],
      [0, -1, 0.5],
      [0, 0, 2],
    ];
    expectClose(L.expm(f64(u), { upperTriangular: true }), expmJ(u), TIGHT);
    expect(valuesOf(L.expm(f64([[1000]]), { maxSquarings: 4 })).every(Number.isNaN)).toBe(true);
    expect(valuesOf(L.expm(f64([[Number.NaN]]))).every(Number.isNaN)).toBe(true);
  });
  it("gradient vs central differences; jit and vmap equal eager", () => {
    const a = [
      [0.2, -1.5, 0.3],
      [0.7, 0.1, 2],
      [-0.4, 0.9, -0.6],
    ];
    checkGrad((t) => sumSq(L.expm(t)), a, 1e-6);
    const small = a.map((row) => row.map((v) => v * 0.01));
    checkGrad((t) => sumSq(L.expm(t)), small, 1e-6);
    const batch = f64([a, small]);
    const eager = L.expm(batch);
    expectClose(
      jit((t: Tensor) => L.expm(t))(batch),
      toM(eager.reshape([6, 3])).reduce<M[]>((acc, row, i) => {
        if (i % 3 === 0) acc.push([]);
        acc[acc.length - 1]!.push(row);
        return acc;
      }, []),
      TIGHT,
    );
    expectClose(np.reshape(vmap((t: Tensor) => L.expm(t))(batch), [-1]), valuesOf(eager), TIGHT);
  });
});

describe("blockDiag", () => {
  it("places blocks, promotes scalars and vectors", () => {
    expectClose(
      L.blockDiag(f64([[1, 2]]), 3, f64([4, 5]), f64([[6], [7]])),
      [
        [1, 2, 0, 0, 0, 0],
        [0, 0, 3, 0, 0, 0],
        [0, 0, 0, 4, 5, 0],
        [0, 0, 0, 0, 0, 6],
        [0, 0, 0, 0, 0, 7],
      ],
      { rtol: 0, atol: 0 },
    );
    expect(L.blockDiag().shape).toEqual([1, 0]);
    expect(L.blockDiag(f64([[1]]), np.array([[2]], { dtype: "int32" })).dtype).toBe("float64");
    expectClose(
      L.blockDiag([
        [1, 2],
        [3, 4],
      ]),
      [
        [1, 2],
        [3, 4],
      ],
    );
    const e = catchError(() => L.blockDiag(np.zeros([2, 2, 2])), ShapeError);
    expect(e.message).toMatch(/blockDiag.*\[2, ?2, ?2\]/);
    const g = grad((t: Tensor) => np.sum(np.multiply(L.blockDiag(t, f64([[5]])), L.blockDiag(f64([[1, 2]]), 0))))(
      f64([[1, 1]]),
    );
    expectClose(g, [[1, 2]], TIGHT);
  });
});

describe("det, inv, solve", () => {
  const r = rng(6);
  const a = randM(r, 4, 4);
  const b = randM(r, 4, 2);
  it("det: values, batched, float32, singular is 0, gradient", () => {
    expectClose(L.det(f64(a)), detJ(a), TIGHT);
    expectClose(
      L.det(
        f64([
          [1, 2],
          [3, 4],
        ]),
      ),
      -2,
      TIGHT,
    );
    const a2 = randM(r, 4, 4);
    expectClose(L.det(f64([[a, a2]])), [[detJ(a), detJ(a2)]], TIGHT);
    expectClose(L.det(f32(a)), detJ(a), F32);
    expectClose(
      L.det(
        f64([
          [1, 2],
          [2, 4],
        ]),
      ),
      0,
      TIGHT,
    );
    checkGrad((t) => L.det(t), a);
    checkGrad((t) => np.sum(L.det(t)), [a, a2]);
  });
  it("inv: values, batched, singular gives Inf/NaN, gradient", () => {
    expectClose(L.inv(f64(a)), gaussSolve(a, eyeJ(4)), TIGHT);
    const a2 = wellM(r, 4);
    expectClose(L.inv(f64([a, a2])), [gaussSolve(a, eyeJ(4)), gaussSolve(a2, eyeJ(4))], TIGHT);
    expectClose(L.inv(f32(a2)), gaussSolve(a2, eyeJ(4)), F32);
    const s = L.inv(
      f64([
        [1, 2],
        [2, 4],
      ]),
    );
    expect(valuesOf(s).some((v) => !Number.isFinite(v))).toBe(true);
    checkGrad((t) => sumSq(L.inv(t)), a2);
  });
  it("solve: gen (vector, matrix, broadcast batch), pos (lower/upper), non-PD NaN", () => {
    expectClose(L.solve(f64(a), f64(b)), gaussSolve(a, b), TIGHT);
    const v = b.map((row) => row[0]!);
    expectClose(
      L.solve(f64(a), f64(v)),
      gaussSolve(a, col(v)).map((row) => row[0]!),
      TIGHT,
    );
    expectClose(L.solve(f64(a), f64([b, b])), [gaussSolve(a, b), gaussSolve(a, b)], TIGHT);
    for (const assumeA of ["sym", "her"] as const)
      expectClose(L.solve(f64(a), f64(b), { assumeA }), gaussSolve(a, b), TIGHT);
    const s = spdM(r, 4);
    expectClose(L.solve(f64(s), f64(b), { assumeA: "pos" }), gaussSolve(s, b), TIGHT);
    const lowerOnly = s.map((row, i) => row.map((x, j) => (j > i ? 0 : x)));
    expectClose(L.solve(f64(lowerOnly), f64(b), { assumeA: "pos", lower: true }), gaussSolve(s, b), TIGHT);
    expectClose(L.solve(f32(a), f32(b)), gaussSolve(a, b), { rtol: 1e-3, atol: 1e-3 });
    const bad = L.solve(
      f64([
        [1, 2],
        [2, 1],
      ]),
      f64([1, 1]),
      { assumeA: "pos" },
    );
    expect(valuesOf(bad).every(Number.isNaN)).toBe(true);
    const sing = L.solve(
      f64([
        [1, 2],
        [2, 4],
      ]),
      f64([1, 1]),
    );
    expect(valuesOf(sing).some((x) => !Number.isFinite(x))).toBe(true);
  });
  it("solve gradients in a and b (gen and pos)", () => {
    checkGrad((t) => sumSq(L.solve(t, f64(b))), a);
    checkGrad((t) => sumSq(L.solve(f64(a), t)), b);
    const s = spdM(r, 3);
    const bb = randM(r, 3, 2);
    // the derivative is JAX's custom_linear_solve one (in the full ȧ, while the value reads one triangle): it
    // matches central differences along a symmetric direction, and equals the general solve's gradient
    const fPos = (t: Tensor) => sumSq(L.solve(t, f64(bb), { assumeA: "pos" }));
    const g = grad(fPos)(f64(s));
    const dir = spdM(r, 3);
    const h = 1e-6;
    const at = (e: number) => fPos(f64(s.map((row, i) => row.map((x, j) => x + e * dir[i]![j]!)))).item() as number;
    const dirDeriv = valuesOf(g).reduce((acc, x, k) => acc + x * dir[Math.floor(k / 3)]![k % 3]!, 0);
    expect(Math.abs(dirDeriv - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-6 * (1 + Math.abs(dirDeriv)));
    const gs = grad((t: Tensor) => sumSq(L.solve(t, f64(bb))))(f64(s));
    expectClose(g, toM(gs), { rtol: 1e-8, atol: 1e-10 });
  });
  it("second derivatives (det, solve, expm) against central differences of the gradient", () => {
    const w = f64(randM(r, 3, 3));
    const a3 = wellM(r, 3);
    const b3 = randM(r, 3, 2);
    const gsum = (f: (t: Tensor) => Tensor) => (t: Tensor) => np.sum(np.multiply(grad(f)(t), w));
    checkGrad(
      gsum((t) => L.det(t)),
      a3,
      1e-5,
    );
    checkGrad(
      gsum((t) => sumSq(L.solve(t, f64(b3)))),
      a3,
      1e-5,
    );
    checkGrad(
      gsum((t) => sumSq(L.expm(np.multiply(t, 0.3)))),
      a3,
      1e-5,
    );
  });
  it("batched a with a vector b (gen: b.ndim = 1)", () => {
    const a2 = wellM(r, 4);
    const v = b.map((row) => row[0]!);
    expectClose(
      L.solve(f64([a, a2]), f64(v)),
      [a, a2].map((m) => gaussSolve(m, col(v)).map((row) => row[0]!)),
      TIGHT,
    );
  });
  it("jit and vmap equal eager (solve, det, luSolve)", () => {
    const as = f64([a, wellM(r, 4)]);
    const bs = f64([b, b]);
    const eager = L.solve(as, bs);
    expectClose(np.reshape(jit((x: Tensor, y: Tensor) => L.solve(x, y))(as, bs), [-1]), valuesOf(eager), TIGHT);
    expectClose(np.reshape(vmap((x: Tensor, y: Tensor) => L.solve(x, y))(as, bs), [-1]), valuesOf(eager), TIGHT);
    const d = L.det(as);
    expectClose(vmap((x: Tensor) => L.det(x))(as), valuesOf(d), TIGHT);
    expectClose(jit((x: Tensor) => L.det(x))(as), valuesOf(d), TIGHT);
    const luS = (x: Tensor, y: Tensor) => L.luSolve(L.luFactor(x), y);
    expectClose(np.reshape(vmap(luS)(as, bs), [-1]), valuesOf(eager), TIGHT);
    expectClose(np.reshape(jit(luS)(as, bs), [-1]), valuesOf(eager), TIGHT);
    expectClose(np.reshape(vmap((x: Tensor) => L.inv(x))(as), [-1]), valuesOf(L.inv(as)), TIGHT);
  });
});

describe("empty matrices", () => {
  it("0×0 inputs: expm and inv stay empty, det is 1", () => {
    expect(L.expm(np.zeros([0, 0])).shape).toEqual([0, 0]);
    expect(L.inv(np.zeros([2, 0, 0])).shape).toEqual([2, 0, 0]);
    expectClose(L.det(np.zeros([0, 0])), 1);
    expect(L.solve(np.eye(3), np.zeros([3, 0])).shape).toEqual([3, 0]);
  });
});

describe("argument errors", () => {
  it("ShapeErrors name the function and the shapes", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => L.det(np.zeros([2, 3])), /scipy\.linalg\.det.*\[2, ?3\]/],
      [() => L.inv(np.zeros([3])), /scipy\.linalg\.inv.*\[3\]/],
      [() => L.expm(np.zeros([2, 3])), /scipy\.linalg\.expm.*\[2, ?3\]/],
      [() => L.cholesky(np.zeros([2, 3])), /scipy\.linalg\.cholesky.*\[2, ?3\]/],
      [() => L.solve(np.zeros([3, 3]), np.zeros([2])), /scipy\.linalg\.solve.*\[3, ?3\].*\[2\]/],
      [() => L.solveTriangular(np.zeros([3, 3]), np.zeros([2, 1])), /solveTriangular.*\[3, ?3\].*\[2, ?1\]/],
      [() => L.solve(np.zeros([2, 3, 3]), np.zeros([4, 3, 1])), /scipy\.linalg\.solve.*\[2, ?3, ?3\]/],
      [() => L.choSolve([np.zeros([3, 3]), true], np.zeros([2])), /choSolve.*\[3, ?3\]/],
      [() => L.luFactor(np.zeros([3])), /luFactor.*\[3\]/],
      [() => L.qr(np.zeros([3])), /scipy\.linalg\.qr.*\[3\]/],
      [() => L.svd(np.zeros([3])), /scipy\.linalg\.svd.*\[3\]/],
      [() => L.eigh(np.zeros([2, 3])), /scipy\.linalg\.eigh.*\[2, ?3\]/],
    ];
    for (const [f, re] of cases) expect(catchError(f, ShapeError).message).toMatch(re);
  });
  it("bad options are TracegradErrors", () => {
    catchError(() => L.solveTriangular(np.eye(2), np.ones([2]), { trans: 3 as never }), TracegradError);
    catchError(() => L.solve(np.eye(2), np.ones([2]), { assumeA: "diag" as never }), TracegradError);
    catchError(() => L.expm(np.eye(2), { maxsquarings: 3 } as never), TracegradError);
    catchError(() => L.choSolve(np.eye(2) as never, np.ones([2])), TracegradError);
    catchError(() => L.luSolve([np.eye(2), np.array([0.5, 1])], np.ones([2])), ShapeError);
  });
});
