// Linear algebra (issue 18): tracegrad's np.linalg against jax-js's (its wasm device, float32) and ml-matrix (the
// widely used JS matrix library, float64), at n = 64, 256 and 512:
//   linalg-<op>-<n>   op one of cholesky, solve, qr, eigh, svd, det; tracegrad in float32 and float64
//   linalg-matmul64   float64 matmul 512 × 512: GFLOP/s
// Every case's output is checked against an identity (L·Lᵀ = A, A·x = b, Q·R = A, A·V = V·diag(w), U·S·Vh = A, det
// against ml-matrix's) before timing. `npm run bench -- linalg` runs them all (svd and eigh at 512 take a while).
import {
  Matrix,
  CholeskyDecomposition as MlCholesky,
  EigenvalueDecomposition as MlEig,
  LuDecomposition as MlLu,
  QrDecomposition as MlQr,
  SingularValueDecomposition as MlSvd,
  determinant as mlDet,
  solve as mlSolve,
} from "ml-matrix";
import { jit, np, type Tensor } from "tracegrad";
import type { Case, Suite, Target } from "../harness.js";
import { normal } from "./data.js";
import { jax, loadJax } from "./libs.js";

type Op = "cholesky" | "solve" | "qr" | "eigh" | "svd" | "det";
const SIZES = [64, 256, 512] as const;

/** flops of one call at size n (LAPACK's counts, leading terms). */
const FLOPS: Record<Op, (n: number) => number> = {
  cholesky: (n) => n ** 3 / 3,
  solve: (n) => (2 * n ** 3) / 3 + 2 * n ** 2,
  qr: (n) => (4 * n ** 3) / 3,
  eigh: (n) => 9 * n ** 3,
  svd: (n) => 21 * n ** 3,
  det: (n) => (2 * n ** 3) / 3,
};

const rows = (t: Tensor, n: number): number[][] => {
  const d = t.toTypedArray();
  return Array.from({ length: n }, (_, i) => Array.from(d.subarray(i * n, i * n + n)));
};

/** The matrices of a case: general A, symmetric positive definite S = A·Aᵀ/n + I, right-hand side b. */
function inputs(n: number, dtype: "float32" | "float64") {
  const a = np.astype(normal(100 + n, [n, n]), dtype);
  const s = np.add(np.divide(np.matmul(a, a.T), n), np.eye(n, n, { dtype }));
  const b = np.astype(normal(200 + n, [n, 1]), dtype);
  return { a, s, b };
}

/** max |X − Y| / max(1, max |Y|). */
function relErr(x: Tensor, y: Tensor): number {
  const d = Number(np.max(np.abs(np.subtract(x, y))));
  return d / Math.max(1, Number(np.max(np.abs(y))));
}

/** The identity each op's result must satisfy (tolerance by dtype). */
function checkOp(op: Op, n: number, dtype: "float32" | "float64", out: unknown, m: ReturnType<typeof inputs>): void {
  const tol = dtype === "float32" ? 2e-3 : 1e-9;
  const fail = (what: string, e: number) => {
    if (!(e <= tol)) throw new Error(`linalg-${op}-${n} (${dtype}): ${what} off by ${e} (relative)`);
  };
  if (op === "cholesky") fail("L·Lᵀ = S", relErr(np.matmul(out as Tensor, (out as Tensor).T), m.s));
  if (op === "solve") fail("A·x = b", relErr(np.matmul(m.a, out as Tensor), m.b));
  if (op === "qr") {
    const [q, r] = out as Tensor[];
    fail("Q·R = A", relErr(np.matmul(q!, r!), m.a));
  }
  if (op === "eigh") {
    const [w, v] = out as Tensor[];
    fail("S·V = V·diag(w)", relErr(np.matmul(m.s, v!), np.multiply(v!, w!)));
  }
  if (op === "svd") {
    const [u, sv, vh] = out as Tensor[];
    fail("U·diag(s)·Vh = A", relErr(np.matmul(np.multiply(u!, sv!), vh!), m.a));
  }
  if (op === "det") {
    // det overflows float32 (and float64) at these sizes: compare log|det| from slogdet with ml-matrix's LU, float64
    const lu = new MlLu(new Matrix(rows(np.astype(m.a, "float64"), n)));
    const want = lu.upperTriangularMatrix.diag().reduce((acc, u) => acc + Math.log(Math.abs(u)), 0);
    const [, logabs] = np.linalg.slogdet(m.a);
    const e = Math.abs(Number(logabs) - want) / Math.max(1, Math.abs(want));
    if (!(e <= (dtype === "float32" ? 1e-4 : 1e-10)))
      throw new Error(`linalg-det-${n} (${dtype}): log|det| ${Number(logabs)}, ml-matrix's LU ${want}`);
    void out;
  }
}

/** tracegrad's call of `op` on the case's inputs. */
function tracegradCall(op: Op, m: ReturnType<typeof inputs>): () => unknown {
  switch (op) {
    case "cholesky":
      return () => np.linalg.cholesky(m.s);
    case "solve":
      return () => np.linalg.solve(m.a, m.b);
    case "qr":
      return () => np.linalg.qr(m.a);
    case "eigh":
      return () => np.linalg.eigh(m.s);
    case "svd":
      return () => np.linalg.svd(m.a, { fullMatrices: false });
    case "det":
      return () => np.linalg.det(m.a);
  }
}

/** jax-js's call (float32, wasm device), or undefined where jax-js has no such function. */
function jaxCall(op: Op, m: ReturnType<typeof inputs>): (() => Promise<void>) | undefined {
  const j = jax.numpy.linalg as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>;
  const arr = (t: Tensor) => jax.numpy.array(new Float32Array(t.toTypedArray() as Float32Array)).reshape([...t.shape]);
  const [a, s, b] = [arr(np.astype(m.a, "float32")), arr(np.astype(m.s, "float32")), arr(np.astype(m.b, "float32"))];
  const fn = j[op];
  if (!fn) return undefined;
  // a reference to each input per call (jax-js consumes its arguments)
  const args = () => (op === "solve" ? [a.ref, b.ref] : op === "cholesky" || op === "eigh" ? [s.ref] : [a.ref]);
  return async () => {
    const out = fn(...args()) as jax.numpy.Array | jax.numpy.Array[];
    for (const o of Array.isArray(out) ? out : [out]) {
      await o.blockUntilReady();
      o.dispose();
    }
  };
}

/** ml-matrix's call (float64). */
function mlCall(op: Op, m: ReturnType<typeof inputs>, n: number): () => unknown {
  const A = new Matrix(rows(np.astype(m.a, "float64"), n));
  const S = new Matrix(rows(np.astype(m.s, "float64"), n));
  const B = Matrix.columnVector(Array.from(np.astype(m.b, "float64").toTypedArray()));
  switch (op) {
    case "cholesky":
      return () => new MlCholesky(S).lowerTriangularMatrix;
    case "solve":
      return () => mlSolve(A, B);
    case "qr":
      return () => {
        const q = new MlQr(A);
        return [q.orthogonalMatrix, q.upperTriangularMatrix];
      };
    case "eigh":
      return () => new MlEig(S, { assumeSymmetric: true }).realEigenvalues;
    case "svd":
      return () => new MlSvd(A).diagonal;
    case "det":
      return () => mlDet(A);
  }
}

const TARGETS: Partial<Record<`${Op}-${number}`, number>> = {
  "cholesky-512": 3,
  "solve-512": 3,
  "eigh-256": 10,
  "svd-256": 10,
};

function opSuite(op: Op, n: number): Suite {
  const name = `linalg-${op}-${n}`;
  const heavy = (op === "svd" || op === "eigh") && n >= 256;
  const cases = {
    f32: `tracegrad np.linalg.${op} float32`,
    f64: `tracegrad np.linalg.${op} float64`,
    jax: `jax-js np.linalg.${op} (wasm, float32)`,
    ml: `ml-matrix ${op} (float64)`,
  };
  return {
    name,
    title: `${op}, n = ${n}`,
    description:
      `np.linalg.${op} on seeded ${n} × ${n} matrices (A: N(0, 1) entries; for cholesky and eigh the symmetric positive ` +
      `definite A·Aᵀ/n + I; solve with one right-hand side; svd without full matrices). Each output is checked ` +
      "against its identity before timing. GFLOP/s from LAPACK's leading flop counts.",
    options: heavy ? { warmup: 1, reps: n >= 512 ? 3 : 6 } : { warmup: 3, reps: n >= 512 ? 8 : 20 },
    async setup() {
      await loadJax();
      const list: Case[] = [];
      for (const dtype of ["float32", "float64"] as const) {
        const m = inputs(n, dtype);
        const f = tracegradCall(op, m);
        checkOp(op, n, dtype, f(), m);
        list.push({ name: dtype === "float32" ? cases.f32 : cases.f64, fn: f });
      }
      const m64 = inputs(n, "float64");
      const jx = jaxCall(op, m64);
      if (jx) list.push({ name: cases.jax, fn: jx });
      list.push({ name: cases.ml, fn: mlCall(op, m64, n) });
      const target = TARGETS[`${op}-${n}`];
      const targets: Target[] =
        target && jx
          ? [
              {
                label: `${op} n = ${n}: tracegrad (float32) ≥ ${target}× jax-js`,
                kind: "ratio",
                case: cases.f32,
                vs: cases.jax,
                limit: 1 / target,
                reference: cases.jax,
              },
            ]
          : [];
      return {
        cases: list,
        baseline: jx ? cases.jax : cases.ml,
        targets,
        summary: (med) =>
          list.map(
            (c) =>
              `${c.name}: ${(FLOPS[op](n) / (med(c.name) * 1e6)).toFixed(2)} GFLOP/s (${med(c.name).toPrecision(3)} ms)`,
          ),
      };
    },
  };
}

const matmul64Case = "tracegrad np.matmul float64 512 × 512";
const matmul64: Suite = {
  name: "linalg-matmul64",
  title: "float64 matmul, 512 × 512",
  description: "np.matmul of two seeded float64 512 × 512 matrices, eager and under jit; GFLOP/s = 2·512³ / time.",
  options: { warmup: 3, reps: 15 },
  setup() {
    const a = np.astype(normal(1, [512, 512]), "float64");
    const b = np.astype(normal(2, [512, 512]), "float64");
    const jm = jit((x: Tensor, y: Tensor) => np.matmul(x, y));
    return {
      cases: [
        { name: matmul64Case, fn: () => np.matmul(a, b) },
        { name: `${matmul64Case}, jit`, fn: () => jm(a, b) },
      ],
      baseline: matmul64Case,
      summary: (med) => [`eager: ${((2 * 512 ** 3) / (med(matmul64Case) * 1e6)).toFixed(2)} GFLOP/s`],
      targets: [
        {
          label: "float64 matmul 512² ≥ 15 GFLOP/s",
          kind: "time",
          case: matmul64Case,
          limit: (2 * 512 ** 3) / 15e6,
        },
      ],
    };
  },
};

export const linalgSuites: Suite[] = [
  ...(["cholesky", "solve", "det", "qr", "eigh", "svd"] as const).flatMap((op) => SIZES.map((n) => opSuite(op, n))),
  matmul64,
];
