// random.multivariateNormal, random.orthogonal and random.ball: JAX's constructions checked against plain-JS float64
// references built from the library's own (JAX-exact) normal, gamma, rademacher and exponential draws (a Cholesky
// factor and a Gram–Schmidt QR written here), sample statistics within a few standard errors, typed errors, gradients
// against central differences, and jit / vmap agreement.
import {
  type DType,
  DTypeError,
  grad,
  jit,
  np,
  random,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, valuesOf } from "../helpers.js";

type Mat = number[][];
const T = (a: Mat): Mat => (a[0] ?? []).map((_, j) => a.map((r) => r[j]!));
const mm = (a: Mat, b: Mat): Mat =>
  a.map((r) => (b[0] ?? []).map((_, j) => r.reduce((s, v, t) => s + v * b[t]![j]!, 0)));
/** Lower Cholesky factor, float64 (Cholesky–Banachiewicz). */
function choleskyRef(a: Mat): Mat {
  const n = a.length;
  const l: Mat = a.map((r) => r.map(() => 0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  return l;
}
/** Q of the QR decomposition with a positive diagonal in R, by modified Gram–Schmidt on the columns of z (m ≥ n). */
function gramSchmidt(z: Mat): Mat {
  const cols = T(z);
  const qs: number[][] = [];
  for (const c of cols) {
    const v = [...c];
    for (const q of qs) {
      const d = q.reduce((s, x, i) => s + x * v[i]!, 0);
      for (let i = 0; i < v.length; i++) v[i]! -= d * q[i]!;
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    qs.push(v.map((x) => x / norm));
  }
  return T(qs);
}
/** The matrices of a tensor [..., m, n]. */
function matsOf(t: Tensor): Mat[] {
  const [m, n] = t.shape.slice(-2) as [number, number];
  const v = valuesOf(t);
  return Array.from({ length: v.length / (m * n) }, (_, b) =>
    Array.from({ length: m }, (_, i) => v.slice(b * m * n + i * n, b * m * n + (i + 1) * n)),
  );
}
const maxDiff = (a: number[], b: number[]) => Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!)));
const eyeM = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
const keyRow = (keys: Tensor, i: number): Tensor => keys.slice(i);

const COV: Mat = [
  [2, 0.6, 0.3],
  [0.6, 1, -0.2],
  [0.3, -0.2, 0.5],
];
const MEAN = [1, -1, 0.5];

/** Sample mean and covariance of rows. */
function moments(rows: number[][]): { mean: number[]; cov: Mat } {
  const n = rows[0]!.length;
  const N = rows.length;
  const mean = Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / N);
  const cov = Array.from({ length: n }, (_, i) =>
    Array.from(
      { length: n },
      (_, j) => rows.reduce((s, r) => s + (r[i]! - mean[i]!) * (r[j]! - mean[j]!), 0) / (N - 1),
    ),
  );
  return { mean, cov };
}
const rowsOf = (t: Tensor): number[][] => {
  const n = t.shape[t.ndim - 1]!;
  const v = valuesOf(t);
  return Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, (i + 1) * n));
};

describe("random.multivariateNormal", () => {
  it("is mean + L·z for z = random.normal(key, [...shape, n]) and L the Cholesky factor (float32 and float64)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const key = random.key(7);
      // parameters in the sampling dtype (JS numbers alone would be float32)
      const x = random.multivariateNormal(key, np.array(MEAN, dtype), np.array(COV, dtype), [4, 5], { dtype });
      expect(x.shape).toEqual([4, 5, 3]);
      expect(x.dtype).toBe(dtype);
      const z = rowsOf(random.normal(key, [4, 5, 3], dtype));
      const r = (v: number) => (dtype === "float32" ? Math.fround(v) : v);
      const L = choleskyRef(COV.map((row) => row.map(r)));
      const want = z.flatMap((zi) => L.map((row, i) => r(MEAN[i]!) + row.reduce((s, v, j) => s + v * zi[j]!, 0)));
      expect(maxDiff(valuesOf(x), want)).toBeLessThan(dtype === "float32" ? 2e-6 : 1e-14);
    }
  });

  it("sample mean and covariance agree within 4 standard errors at n = 20000 (cholesky and eigh)", () => {
    const N = 20000;
    for (const method of ["cholesky", "eigh"] as const) {
      const { mean, cov } = moments(rowsOf(random.multivariateNormal(random.key(11), MEAN, COV, [N], { method })));
      for (let i = 0; i < 3; i++) {
        expect(Math.abs(mean[i]! - MEAN[i]!), `${method} mean[${i}]`).toBeLessThan(4 * Math.sqrt(COV[i]![i]! / N));
        for (let j = 0; j < 3; j++) {
          const se = Math.sqrt((COV[i]![i]! * COV[j]![j]! + COV[i]![j]! ** 2) / N);
          expect(Math.abs(cov[i]![j]! - COV[i]![j]!), `${method} cov[${i}][${j}]`).toBeLessThan(4 * se);
        }
      }
    }
  });

  it("eigh handles a singular (positive semi-definite) covariance: samples stay in its range", () => {
    const x = rowsOf(
      random.multivariateNormal(
        random.key(3),
        [0, 0],
        [
          [1, 1],
          [1, 1],
        ],
        [100],
        { method: "eigh" },
      ),
    );
    expect(x.every((r) => Number.isFinite(r[0]!) && Math.abs(r[0]! - r[1]!) < 1e-5)).toBe(true);
  });

  it("shapes: the batch shape defaults to the broadcast of mean's and cov's; the dtype to theirs", () => {
    const k = random.key(0);
    const covs = np.stack([np.eye(3), np.eye(3).mul(2), np.eye(3).mul(3), np.eye(3).mul(4)]);
    expect(random.multivariateNormal(k, np.zeros([2, 3]), COV).shape).toEqual([2, 3]);
    expect(random.multivariateNormal(k, MEAN, covs).shape).toEqual([4, 3]);
    expect(random.multivariateNormal(k, np.zeros([2, 1, 3]), covs).shape).toEqual([2, 4, 3]);
    expect(random.multivariateNormal(k, MEAN, covs, [5, 4]).shape).toEqual([5, 4, 3]);
    expect(random.multivariateNormal(k, np.array(MEAN, "float64"), COV).dtype).toBe("float64");
    // a batch of covariances: each row scaled by its own factor
    const x = random.multivariateNormal(k, np.zeros([3]), covs, [2000, 4]);
    const v = valuesOf(x);
    for (let b = 0; b < 4; b++) {
      let s = 0;
      for (let i = 0; i < 2000; i++) s += v[i * 12 + b * 3]! ** 2;
      expect(Math.abs(s / 2000 - (b + 1)), `variance of batch ${b}`).toBeLessThan(4 * (b + 1) * Math.sqrt(2 / 2000));
    }
  });

  it("reparameterized gradients: in the mean, and in the covariance vs central differences (float64)", () => {
    const k = random.key(5);
    const mean = np.array(MEAN, "float64");
    const cov = np.array(COV, "float64");
    const gm = grad((m: Tensor) => random.multivariateNormal(k, m, cov, [7]).sum())(mean);
    expect(valuesOf(gm)).toEqual([7, 7, 7]);
    const w = np.array([0.3, -1, 0.7], "float64");
    const f = (c: Tensor) => random.multivariateNormal(k, mean, c, [6]).mul(w).sum();
    const g = valuesOf(grad(f)(cov));
    const dir = [
      [0.2, -0.4, 0.1],
      [0.3, 0.5, -0.2],
      [-0.1, 0.25, 0.6],
    ];
    const eps = 1e-6;
    const at = (s: number) =>
      valuesOf(
        f(
          np.array(
            COV.map((r, i) => r.map((v, j) => v + s * eps * dir[i]![j]!)),
            "float64",
          ),
        ),
      )[0]!;
    const fd = (at(1) - at(-1)) / (2 * eps);
    const analytic = dir.flat().reduce((s, d, i) => s + d * g[i]!, 0);
    expect(Math.abs(analytic - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
  });

  it("same key, same numbers; jit and vmap over keys agree with eager bit for bit", () => {
    const k = random.key(9);
    const f = (key: Tensor) => random.multivariateNormal(key, MEAN, COV, [3]);
    expect(valuesOf(f(k))).toEqual(valuesOf(f(k)));
    expect(valuesOf(f(k))).not.toEqual(valuesOf(f(random.key(10))));
    expect(valuesOf(jit(f)(k))).toEqual(valuesOf(f(k)));
    const keys = random.split(k, 3);
    const each = np.stack([0, 1, 2].map((i) => f(keyRow(keys, i))));
    expect(valuesOf(vmap(f)(keys))).toEqual(valuesOf(each));
    const fe = (key: Tensor) => random.multivariateNormal(key, MEAN, COV, [3], { method: "eigh" });
    expect(valuesOf(jit(fe)(k))).toEqual(valuesOf(fe(k)));
  });

  it("typed errors: svd is not available (names the methods that are), bad methods, shapes and dtypes", () => {
    const k = random.key(0);
    const svd = catchError(() => random.multivariateNormal(k, MEAN, COV, null, { method: "svd" }), TracegradError);
    expect(svd.message).toMatch(/"svd".*"cholesky".*"eigh"/);
    catchError(() => random.multivariateNormal(k, MEAN, COV, null, { method: "qr" as never }), TracegradError);
    expect(catchError(() => random.multivariateNormal(k, 0, COV), ShapeError).message).toMatch(/mean/);
    expect(catchError(() => random.multivariateNormal(k, [0, 0], COV), ShapeError).message).toMatch(/\[3, 3\]/);
    expect(
      catchError(() => random.multivariateNormal(k, MEAN, COV, [2], { dtype: "int32" }), DTypeError).message,
    ).toMatch(/int32/);
    catchError(() => random.multivariateNormal(k, np.zeros([2, 3]), COV, [3]), ShapeError);
    catchError(() => random.multivariateNormal(np.zeros([2]), MEAN, COV), TracegradError);
  });
});

describe("random.orthogonal", () => {
  it("is Gram–Schmidt's Q of random.normal(key, [...shape, n, n]) (JAX's sign fix), with QᵀQ = I", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const key = random.key(4);
      const q = random.orthogonal(key, 4, [3], { dtype });
      expect(q.shape).toEqual([3, 4, 4]);
      expect(q.dtype).toBe(dtype);
      const zs = matsOf(random.normal(key, [3, 4, 4], dtype));
      const tol = dtype === "float32" ? 1e-5 : 1e-12;
      matsOf(q).forEach((Q, i) => {
        expect(maxDiff(Q.flat(), gramSchmidt(zs[i]!).flat())).toBeLessThan(tol);
        expect(maxDiff(mm(T(Q), Q).flat(), eyeM(4).flat())).toBeLessThan(tol);
      });
    }
  });

  it("m ≠ n: orthonormal columns (n > m) or rows (n < m)", () => {
    const k = random.key(1);
    const tall = random.orthogonal(k, 5, [], { m: 2 });
    expect(tall.shape).toEqual([5, 2]);
    expect(maxDiff(mm(T(matsOf(tall)[0]!), matsOf(tall)[0]!).flat(), eyeM(2).flat())).toBeLessThan(1e-5);
    const wide = random.orthogonal(k, 2, [2], { m: 5, dtype: "float64" });
    expect(wide.shape).toEqual([2, 2, 5]);
    for (const W of matsOf(wide)) expect(maxDiff(mm(W, T(W)).flat(), eyeM(2).flat())).toBeLessThan(1e-12);
  });

  it("Haar statistics: entries have mean 0 and variance 1/n; both determinant signs occur about equally", () => {
    const [N, n] = [2000, 3];
    const qs = matsOf(random.orthogonal(random.key(2), n, [N], { dtype: "float64" }));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const xs = qs.map((Q) => Q[i]![j]!);
        const mean = xs.reduce((a, b) => a + b, 0) / N;
        const sq = xs.reduce((a, b) => a + b * b, 0) / N;
        expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(1 / n / N));
        expect(Math.abs(sq - 1 / n)).toBeLessThan(0.03);
      }
    const det = (Q: Mat) =>
      Q[0]![0]! * (Q[1]![1]! * Q[2]![2]! - Q[1]![2]! * Q[2]![1]!) -
      Q[0]![1]! * (Q[1]![0]! * Q[2]![2]! - Q[1]![2]! * Q[2]![0]!) +
      Q[0]![2]! * (Q[1]![0]! * Q[2]![1]! - Q[1]![1]! * Q[2]![0]!);
    const positive = qs.filter((Q) => det(Q) > 0).length;
    expect(Math.abs(positive / N - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / N));
  });

  it("jit and vmap over keys agree with eager bit for bit; bad arguments are typed errors", () => {
    const f = (key: Tensor) => random.orthogonal(key, 3, [2]);
    const k = random.key(8);
    expect(valuesOf(jit(f)(k))).toEqual(valuesOf(f(k)));
    const keys = random.split(k, 2);
    expect(valuesOf(vmap(f)(keys))).toEqual(valuesOf(np.stack([f(keyRow(keys, 0)), f(keyRow(keys, 1))])));
    catchError(() => random.orthogonal(k, -1), TracegradError);
    catchError(() => random.orthogonal(k, 2.5), TracegradError);
    catchError(() => random.orthogonal(k, 3, [], { dtype: "int32" }), DTypeError);
  });
});

describe("random.ball", () => {
  /** JAX's _ball from the public samplers: generalized normal g over (Σ|g|^p + e)^(1/p). */
  function ballRef(key: Tensor, d: number, p: number, shape: number[], dtype: DType): number[] {
    const [k1, k2] = [keyRow(random.split(key), 0), keyRow(random.split(key), 1)];
    const [ka, kb] = [keyRow(random.split(k1), 0), keyRow(random.split(k1), 1)];
    const full = [...shape, d];
    const gam = valuesOf(random.gamma(ka, 1 / p, full, dtype));
    const sign = valuesOf(random.rademacher(kb, full, dtype));
    const g = gam.map((x, i) => sign[i]! * x ** (1 / p));
    const e = valuesOf(random.exponential(k2, shape, dtype));
    return g.map((x, i) => {
      const row = Math.floor(i / d);
      let s = e[row]!;
      for (let j = 0; j < d; j++) s += Math.abs(g[row * d + j]!) ** p;
      return x / s ** (1 / p);
    });
  }

  it("follows JAX's construction (keys split as JAX's) for p = 2, 1 and 0.5", () => {
    for (const [p, dtype] of [
      [2, "float32"],
      [1, "float64"],
      [0.5, "float32"],
    ] as const) {
      const key = random.key(12);
      const x = random.ball(key, 3, p, [5], { dtype });
      expect(x.shape).toEqual([5, 3]);
      expect(x.dtype).toBe(dtype);
      expect(maxDiff(valuesOf(x), ballRef(key, 3, p, [5], dtype))).toBeLessThan(dtype === "float32" ? 3e-6 : 1e-13);
    }
    expect(random.ball(random.key(0), 4).shape).toEqual([4]);
  });

  it("uniform in the unit Lp ball: ‖x‖_p ≤ 1 and ‖x‖_p^d uniform on [0, 1]; coordinates centered", () => {
    const N = 3000;
    for (const p of [2, 1]) {
      const d = 3;
      const rows = rowsOf(random.ball(random.key(20 + p), d, p, [N]));
      const norms = rows.map((r) => r.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p));
      expect(Math.max(...norms)).toBeLessThanOrEqual(1 + 1e-6);
      const u = norms.map((r) => r ** d);
      const mean = u.reduce((a, b) => a + b, 0) / N;
      expect(Math.abs(mean - 0.5), `p ${p}: mean of ‖x‖^d`).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
      const below = u.filter((x) => x < 0.25).length / N;
      expect(Math.abs(below - 0.25), `p ${p}: P(‖x‖^d < 1/4)`).toBeLessThan(4 * Math.sqrt(0.1875 / N));
      for (let j = 0; j < d; j++) {
        const m = rows.reduce((s, r) => s + r[j]!, 0) / N;
        expect(Math.abs(m)).toBeLessThan(4 * Math.sqrt(1 / N));
      }
    }
  });

  it("jit agrees with eager; bad p and d are typed errors", () => {
    const f = (key: Tensor) => random.ball(key, 2, 2, [3]);
    const k = random.key(6);
    // jit's default float32 mode skips intermediate roundings in fused loops; its exact mode matches eager
    expect(valuesOf(jit(f, { float32: "exact" })(k))).toEqual(valuesOf(f(k)));
    expect(maxDiff(valuesOf(jit(f)(k)), valuesOf(f(k)))).toBeLessThan(1e-6);
    expect(catchError(() => random.ball(k, 2, 0), TracegradError).message).toMatch(/p must be/);
    catchError(() => random.ball(k, 2, Number.NaN), TracegradError);
    catchError(() => random.ball(k, -2), TracegradError);
  });
});
