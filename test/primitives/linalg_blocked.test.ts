// The blocked cholesky and lu kernels (n ≥ 128: trailing updates through gemm64) against plain-JS unblocked float64
// references written here, at sizes that end on and off block boundaries, square and rectangular, singular and not
// positive definite; and the same bits whether gemm64 runs in WebAssembly or in JS.
import { lax, np } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { choleskyKernel } from "../../src/primitives/linalg/cholesky.js";
import { luKernel } from "../../src/primitives/linalg/lu.js";
import { setWasmDisabled } from "../../src/wasm/runtime.js";
import { rng } from "../helpers.js";

afterEach(() => setWasmDisabled(false));

function randFlat(next: () => number, size: number): Float64Array {
  return Float64Array.from({ length: size }, () => 2 * next() - 1);
}

/** S = A·Aᵀ/n + I for a random n × n A. */
function spd(next: () => number, n: number): Float64Array {
  const a = randFlat(next, n * n);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += a[i * n + k]! * a[j * n + k]!;
      s[i * n + j] = v / n + (i === j ? 1 : 0);
    }
  return s;
}

/** The unblocked Cholesky–Banachiewicz factor. */
function refCholesky(s: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let v = s[i * n + j]!;
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(v) : v / l[j * n + j]!;
    }
  return l;
}

/** Unblocked LU with partial pivoting (first largest |entry|), in place; the pivots. */
function refLu(a: Float64Array, m: number, n: number): number[] {
  const pivots: number[] = [];
  for (let j = 0; j < Math.min(m, n); j++) {
    let p = j;
    for (let i = j + 1; i < m; i++) if (Math.abs(a[i * n + j]!) > Math.abs(a[p * n + j]!)) p = i;
    pivots.push(p);
    for (let c = 0; c < n; c++) [a[j * n + c], a[p * n + c]] = [a[p * n + c]!, a[j * n + c]!];
    if (a[j * n + j] === 0) continue;
    for (let i = j + 1; i < m; i++) {
      const l = a[i * n + j]! / a[j * n + j]!;
      a[i * n + j] = l;
      for (let c = j + 1; c < n; c++) a[i * n + c] = a[i * n + c]! - l * a[j * n + c]!;
    }
  }
  return pivots;
}

const maxAbsDiff = (x: Float64Array, y: Float64Array) => x.reduce((d, v, i) => Math.max(d, Math.abs(v - y[i]!)), 0);

describe("blocked cholesky", () => {
  for (const n of [128, 200, 257]) {
    it(`n = ${n}: the unblocked factor within 1e-12, upper triangle exactly 0`, () => {
      const s = spd(rng(n), n);
      const l = new Float64Array(n * n).fill(7);
      choleskyKernel(s, n, l);
      expect(maxAbsDiff(l, refCholesky(s, n))).toBeLessThan(1e-12);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    });
  }

  it("not positive definite in a late block: the whole lower triangle NaN, the upper 0", () => {
    const n = 200;
    const s = spd(rng(3), n);
    s[190 * n + 190] = -50;
    const l = new Float64Array(n * n);
    choleskyKernel(s, n, l);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j <= i) expect(l[i * n + j]).toBeNaN();
        else expect(l[i * n + j]).toBe(0);
      }
  });

  it("through lax.linalg.cholesky, batched: the same bits with gemm64 in WebAssembly and in JS", () => {
    const n = 150;
    const data = new Float64Array(2 * n * n);
    data.set(spd(rng(4), n), 0);
    data.set(spd(rng(5), n), n * n);
    const x = np.reshape(np.array(data, { dtype: "float64" }), [2, n, n]);
    const wasm = lax.linalg.cholesky(x).toTypedArray();
    setWasmDisabled(true);
    const js = lax.linalg.cholesky(x).toTypedArray();
    expect(Array.from(wasm).every((v, i) => Object.is(v, js[i]))).toBe(true);
    expect(maxAbsDiff(wasm.subarray(n * n) as Float64Array, refCholesky(data.subarray(n * n), n))).toBeLessThan(1e-12);
  });
});

describe("blocked lu", () => {
  for (const [m, n] of [
    [128, 128],
    [200, 200],
    [257, 257],
    [300, 150],
    [150, 300],
  ] as const) {
    it(`${m} × ${n}: the unblocked reference's pivots, and its factors within 1e-11`, () => {
      const a = randFlat(rng(m * 1000 + n), m * n);
      const lu = a.slice();
      const k = Math.min(m, n);
      const [pivots, perm] = [new Float64Array(k), new Float64Array(m)];
      luKernel(lu, m, n, pivots, perm);
      const ref = a.slice();
      expect(Array.from(pivots)).toEqual(refLu(ref, m, n));
      expect(maxAbsDiff(lu, ref)).toBeLessThan(1e-11);
      // the permutation is the pivots' swaps applied to 0…m−1
      const want = Array.from({ length: m }, (_, i) => i);
      pivots.forEach((p, j) => ([want[j], want[p]] = [want[p]!, want[j]!]));
      expect(Array.from(perm)).toEqual(want);
    });
  }

  it("singular (a column repeating an earlier one, a zero column): zero pivots stay, no NaN from them", () => {
    const [m, n] = [200, 200];
    const a = randFlat(rng(9), m * n);
    for (let i = 0; i < m; i++) {
      a[i * n + 150] = a[i * n + 10]!;
      a[i * n + 160] = 0;
    }
    const [pivots, perm] = [new Float64Array(n), new Float64Array(m)];
    luKernel(a, m, n, pivots, perm);
    expect(Math.abs(a[150 * n + 150]!)).toBeLessThan(1e-12);
    expect(a[160 * n + 160]).toBe(0);
    expect(a.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("np.linalg.solve at n = 300: A·x = b within 1e-10, the same bits with gemm64 in WebAssembly and in JS", () => {
    const n = 300;
    const next = rng(11);
    const a = np.reshape(np.array(randFlat(next, n * n), { dtype: "float64" }), [n, n]);
    const b = np.reshape(np.array(randFlat(next, n * 2), { dtype: "float64" }), [n, 2]);
    const x = np.linalg.solve(a, b);
    expect(Number(np.max(np.abs(np.subtract(np.matmul(a, x), b))))).toBeLessThan(1e-10);
    setWasmDisabled(true);
    const js = np.linalg.solve(a, b).toTypedArray();
    const wasm = x.toTypedArray();
    expect(Array.from(wasm).every((v, i) => Object.is(v, js[i]))).toBe(true);
  });
});

describe("blocked triangular solve", () => {
  /** op(T)·X (left) or X·op(T) for a k × k T and X of b's shape, plain JS. */
  function apply(t: Float64Array, k: number, x: Float64Array, m: number, n: number, left: boolean, trans: boolean) {
    const T = (i: number, j: number) => (trans ? t[j * k + i]! : t[i * k + j]!);
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        if (left) for (let q = 0; q < k; q++) v += T(i, q) * x[q * n + j]!;
        else for (let q = 0; q < k; q++) v += x[i * n + q]! * T(q, j);
        out[i * n + j] = v;
      }
    return out;
  }

  it("k = 200 with 30 right-hand sides, every side, triangle, transpose and unit diagonal: op(a)·X = b", () => {
    const k = 200;
    const next = rng(21);
    // a well-conditioned triangle: a dominant diagonal, small entries elsewhere (the other triangle is junk, unread)
    const a = Float64Array.from({ length: k * k }, (_, q) => (q % (k + 1) === 0 ? 2 + next() : (next() - 0.5) / 8));
    for (const left of [true, false])
      for (const lower of [true, false])
        for (const trans of [true, false])
          for (const unit of [true, false]) {
            const [m, n] = left ? [k, 30] : [30, k];
            const b = randFlat(next, m * n);
            const x = lax.linalg
              .triangularSolve(
                np.reshape(np.array(a, { dtype: "float64" }), [k, k]),
                np.reshape(np.array(b, { dtype: "float64" }), [m, n]),
                {
                  leftSide: left,
                  lower,
                  transposeA: trans,
                  unitDiagonal: unit,
                },
              )
              .toTypedArray() as Float64Array;
            // the triangle the solve read, with ones on the diagonal if unit
            const t = a.map((v, q) => {
              const [i, j] = [Math.floor(q / k), q % k];
              if (i === j) return unit ? 1 : v;
              return (lower ? i > j : i < j) ? v : 0;
            });
            const what = `left ${left} lower ${lower} transpose ${trans} unit ${unit}`;
            expect(maxAbsDiff(apply(t, k, x, m, n, left, trans), b), what).toBeLessThan(1e-12);
          }
  });

  it("np.linalg.inv at n = 256: A·A⁻¹ = I within 1e-10, the same bits with gemm64 in WebAssembly and in JS", () => {
    const n = 256;
    const a = np.reshape(np.array(randFlat(rng(22), n * n), { dtype: "float64" }), [n, n]);
    const inv = np.linalg.inv(a);
    expect(Number(np.max(np.abs(np.subtract(np.matmul(a, inv), np.eye(n, n, { dtype: "float64" })))))).toBeLessThan(
      1e-10,
    );
    setWasmDisabled(true);
    const js = np.linalg.inv(a).toTypedArray();
    expect(Array.from(inv.toTypedArray()).every((v, i) => Object.is(v, js[i]))).toBe(true);
  });
});

describe("blocked qr", () => {
  /** Unblocked Householder QR with LAPACK's dlarfg signs (β = −sign(α)·‖x‖): Q (m × m) and R (m × n), row-major. */
  function refQr(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
    const r = a.slice();
    const q = new Float64Array(m * m);
    for (let i = 0; i < m; i++) q[i * m + i] = 1;
    for (let j = 0; j < Math.min(m, n); j++) {
      let ss = 0;
      for (let i = j + 1; i < m; i++) ss += r[i * n + j]! ** 2;
      if (ss === 0) continue;
      const alpha = r[j * n + j]!;
      const norm = Math.sqrt(alpha * alpha + ss);
      const beta = alpha >= 0 ? -norm : norm;
      const tau = (beta - alpha) / beta;
      const v = new Float64Array(m);
      v[j] = 1;
      for (let i = j + 1; i < m; i++) v[i] = r[i * n + j]! / (alpha - beta);
      // R ← H·R, Q ← Q·H
      for (let c = 0; c < n; c++) {
        let w = 0;
        for (let i = j; i < m; i++) w += v[i]! * r[i * n + c]!;
        for (let i = j; i < m; i++) r[i * n + c] = r[i * n + c]! - tau * w * v[i]!;
      }
      for (let row = 0; row < m; row++) {
        let w = 0;
        for (let i = j; i < m; i++) w += q[row * m + i]! * v[i]!;
        for (let i = j; i < m; i++) q[row * m + i] = q[row * m + i]! - tau * w * v[i]!;
      }
    }
    return { q, r };
  }

  for (const [m, n] of [
    [200, 200],
    [300, 150],
    [150, 300],
    [257, 129],
  ] as const) {
    it(`${m} × ${n}: Q and R of the unblocked reference within 1e-11, full and reduced`, () => {
      const a = randFlat(rng(m * 7 + n), m * n);
      const ref = refQr(a, m, n);
      const x = np.reshape(np.array(a, { dtype: "float64" }), [m, n]);
      const k = Math.min(m, n);
      const [qf, rf] = lax.linalg.qr(x, { fullMatrices: true }).map((t) => t.toTypedArray() as Float64Array);
      expect(maxAbsDiff(qf!, ref.q)).toBeLessThan(1e-11);
      expect(
        maxAbsDiff(
          rf!,
          ref.r.map((v, i) => (Math.floor(i / n) > i % n ? 0 : v)),
        ),
      ).toBeLessThan(1e-11);
      const [qr] = lax.linalg.qr(x, { fullMatrices: false }).map((t) => t.toTypedArray() as Float64Array);
      const qk = Float64Array.from({ length: m * k }, (_, i) => ref.q[Math.floor(i / k) * m + (i % k)]!);
      expect(maxAbsDiff(qr!, qk)).toBeLessThan(1e-11);
    });
  }

  it("the same bits with gemm64 in WebAssembly and in JS", () => {
    const x = np.reshape(np.array(randFlat(rng(31), 200 * 160), { dtype: "float64" }), [200, 160]);
    const wasm = lax.linalg.qr(x).map((t) => t.toTypedArray());
    setWasmDisabled(true);
    const js = lax.linalg.qr(x).map((t) => t.toTypedArray());
    for (const i of [0, 1]) expect(Array.from(wasm[i]!).every((v, q) => Object.is(v, js[i]![q]))).toBe(true);
  });
});
