// random.gamma, loggamma, beta, dirichlet and poisson. The oracle is a plain-JS re-implementation of JAX's samplers
// (jax/_src/random/core.py: _gamma_one, _beta, _dirichlet, _poisson_knuth, _poisson_rejection) in float32 steps, on
// the threefry of ./oracle.ts and either of JAX's two key schemes. In JAX's original (non-partitionable) scheme it reproduces the
// values JAX prints in tests/random_test.py (_RANDOM_VALUES_CASES, keys PRNGKey(zlib.adler32(name + "threefry2x32")),
// and test_loggamma_nan_corner_case), which pins the algorithm; in the partitionable scheme (JAX >= 0.5's default)
// the library must give the oracle's numbers. Then statistics at fixed keys (moments within a few standard errors, a
// Kolmogorov-Smirnov test against the gamma CDF), the implicit gradient against finite differences of an inverse CDF
// found by bisection in plain JS, jit, vmap and grad compositions, and typed errors.
import { describe, expect, it } from "vitest";
import {
  DTypeError,
  grad,
  jit,
  lax,
  np,
  random,
  ShapeError,
  type Tensor,
  TracegradError,
  vmap,
} from "../../src/index.js";
import { catchError, expectClose, valuesOf } from "../helpers.js";
import { bitsOf, f32, type Key, normal32OfWords, splitOf, threefry, unit32 } from "./oracle.js";

// ---------------------------------------------------------------------------------------------------------------
// The oracle: threefry-2x32 (./oracle.ts), JAX's two key schemes, and the samplers in float32 steps.

/** How a scheme derives keys (split) and 32-bit words (bits) from a key. */
interface Scheme {
  split(k: Key, n: number): Key[];
  bits(k: Key, n: number): number[];
}
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
/** JAX ≥ 0.5: counter i is the pair (0, i); a key is both output words, a word their xor. */
const partitionable: Scheme = { split: splitOf, bits: bitsOf };
/** JAX's original scheme: the counters (padded to even) are cut in halves that form the pairs; outputs concatenated. */
function hashed(k: Key, counts: number[]): number[] {
  const c = counts.length % 2 ? [...counts, 0] : counts;
  const h = c.length / 2;
  const pairs = iota(h).map((i) => threefry(k[0], k[1], c[i]!, c[h + i]!));
  return [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])].slice(0, counts.length);
}
const original: Scheme = {
  split: (k, n) => {
    const w = hashed(k, iota(2 * n));
    return iota(n).map((i) => [w[2 * i]!, w[2 * i + 1]!] as Key);
  },
  bits: (k, n) => hashed(k, iota(n)),
};

const uniforms = (s: Scheme, k: Key, n: number) => s.bits(k, n).map(unit32);
const log32 = (v: number) => f32(Math.log(v));
/** One float32 normal of JAX's (erf⁻¹ as XLA evaluates it in float32, M. Giles' single-precision polynomials). */
const normal32 = (s: Scheme, k: Key): number => normal32OfWords(s.bits(k, 1))[0]!;

/** One draw of JAX's _gamma_one (Marsaglia–Tsang, boosted below 1), every operation rounded to float32. */
function gammaOne(s: Scheme, key: Key, alpha: number, logSpace: boolean): number {
  const third = f32(1 / 3);
  const boost = alpha >= 1;
  const d = f32((boost ? alpha : f32(alpha + 1)) - third);
  const c = f32(third / f32(Math.sqrt(d)));
  let [k, sub] = s.split(key, 2) as [Key, Key];
  let [X, V, U] = [0, 1, 2];
  const keepGoing = () =>
    U >= f32(1 - f32(f32(0.0331) * f32(X * X))) && log32(U) >= f32(f32(X * 0.5) + f32(d * f32(f32(1 - V) + log32(V))));
  while (keepGoing()) {
    const [next, xKey, uKey] = s.split(k, 3) as [Key, Key, Key];
    k = next;
    let [kk, x, v] = [xKey, 0, -1];
    while (v <= 0) {
      const [n2, s2] = s.split(kk, 2) as [Key, Key];
      kk = n2;
      x = normal32(s, s2);
      v = f32(1 + f32(x * c));
    }
    [X, V, U] = [f32(x * x), f32(f32(v * v) * v), uniforms(s, uKey, 1)[0]!];
  }
  const inv = f32(1 / alpha);
  const u = uniforms(s, sub, 1)[0]!;
  if (logSpace) {
    const logU = f32(Math.log1p(-u));
    return f32(f32(log32(d) + log32(V)) + (boost || logU === 0 ? 0 : f32(logU * inv)));
  }
  return f32(f32(d * V) * (boost ? 1 : f32(Math.pow(f32(1 - u), inv))));
}
const gammaRef = (s: Scheme, key: Key, alphas: readonly number[], logSpace = false) =>
  s.split(key, alphas.length).map((k, i) => gammaOne(s, k, f32(alphas[i]!), logSpace));

function betaRef(s: Scheme, key: Key, a: readonly number[], b: readonly number[]): number[] {
  const [ka, kb] = s.split(key, 2) as [Key, Key];
  const [la, lb] = [gammaRef(s, ka, a, true), gammaRef(s, kb, b, true)];
  return la.map((x, i) => {
    const top = Math.max(x, lb[i]!);
    const [ga, gb] = [f32(Math.exp(f32(x - top))), f32(Math.exp(f32(lb[i]! - top)))];
    return f32(ga / f32(ga + gb));
  });
}

function dirichletRef(s: Scheme, key: Key, alpha: readonly number[], rows: number): number[][] {
  const n = alpha.length;
  const logs = gammaRef(
    s,
    key,
    iota(rows * n).map((i) => alpha[i % n]!),
    true,
  );
  return iota(rows).map((r) => {
    const row = logs.slice(r * n, r * n + n);
    const top = Math.max(...row);
    const e = row.map((x) => f32(Math.exp(f32(x - top))));
    const total = e.reduce((acc, v) => f32(acc + v), 0);
    return e.map((v) => f32(v / total));
  });
}

/** log Γ(x) for x > 0 in float64 (Lanczos, g = 7, nine terms; ~1e-15 relative). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function lgammaJs(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgammaJs(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** JAX's _poisson_knuth over a whole array: every round one key, every element a uniform. */
function knuthRef(s: Scheme, key: Key, lam: readonly number[]): number[] {
  const k = lam.map(() => 0);
  const logProd = lam.map(() => 0);
  let rng = key;
  while (logProd.some((v, i) => v > -lam[i]!)) {
    const [next, sub] = s.split(rng, 2) as [Key, Key];
    rng = next;
    const u = uniforms(s, sub, lam.length);
    lam.forEach((l, i) => {
      if (logProd[i]! > -l) k[i]!++;
      logProd[i] = f32(logProd[i]! + log32(u[i]!));
    });
  }
  return k.map((v) => v - 1);
}

/** JAX's _poisson_rejection (Hörmann's PTRS) over a whole array, a later acceptance replacing an earlier one. */
function rejectionRef(s: Scheme, key: Key, lam: readonly number[]): number[] {
  const n = lam.length;
  const logLam = lam.map(log32);
  const b = lam.map((l) => f32(f32(0.931) + f32(f32(2.53) * f32(Math.sqrt(l)))));
  const a = b.map((v) => f32(f32(-0.059) + f32(f32(0.02483) * v)));
  const invAlpha = b.map((v) => f32(f32(1.1239) + f32(f32(1.1328) / f32(v - f32(3.4)))));
  const vR = b.map((v) => f32(f32(0.9277) - f32(f32(3.6224) / f32(v - 2))));
  const out = lam.map(() => -1);
  const accepted = lam.map(() => false);
  let rng = key;
  while (accepted.some((x) => !x)) {
    const [next, k0, k1] = s.split(rng, 3) as [Key, Key, Key];
    rng = next;
    const [us0, vs] = [uniforms(s, k0, n), uniforms(s, k1, n)];
    for (let i = 0; i < n; i++) {
      const u = f32(us0[i]! - 0.5);
      const v = vs[i]!;
      const us = f32(0.5 - Math.abs(u));
      const k = Math.floor(f32(f32(f32(f32(f32(f32(2 * a[i]!) / us) + b[i]!) * u) + lam[i]!) + f32(0.43)));
      const lhs = log32(f32(f32(v * invAlpha[i]!) / f32(f32(a[i]! / f32(us * us)) + b[i]!)));
      const rhs = f32(f32(-lam[i]! + f32(k * logLam[i]!)) - f32(lgammaJs(f32(k + 1))));
      const quick = us >= f32(0.07) && v <= vR[i]!;
      const reject = k < 0 || (us < f32(0.013) && v > us);
      if (quick || (!reject && lhs <= rhs)) {
        out[i] = k;
        accepted[i] = true;
      }
    }
  }
  return out;
}

function poissonRef(s: Scheme, key: Key, lam: readonly number[]): number[] {
  const knuth = lam.map((l) => Number.isNaN(l) || l < 10);
  const kn = knuthRef(
    s,
    key,
    lam.map((l, i) => (knuth[i] ? l : 0)),
  );
  const rj = rejectionRef(
    s,
    key,
    lam.map((l, i) => (knuth[i] ? 1e5 : l)),
  );
  return lam.map((l, i) => (l === 0 ? 0 : knuth[i] ? kn[i]! : rj[i]!));
}

/** zlib's adler32 of an ASCII string (JAX's test seeds). */
function adler32(text: string): number {
  let [a, b] = [1, 0];
  for (const ch of text) {
    a = (a + ch.charCodeAt(0)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS float64 references for the statistics and the gradients.

/** The regularized incomplete gamma functions [P(a, x), Q(a, x)], each accurate where it is the smaller. */
function gammaPQ(a: number, x: number): [number, number] {
  if (x <= 0) return [0, 1];
  const lead = Math.exp(a * Math.log(x) - x - lgammaJs(a));
  if (x < a + 1) {
    let [term, sum] = [1 / a, 1 / a];
    for (let n = 1; n < 10000 && Math.abs(term) > Math.abs(sum) * 1e-17; n++) {
      term *= x / (a + n);
      sum += term;
    }
    const p = sum * lead;
    return [p, 1 - p];
  }
  // Q by its continued fraction (modified Lentz)
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  const q = lead * h;
  return [1 - q, q];
}

/** x with P(a, x) = p (or Q(a, x) = q in the upper tail), by bisection. */
function gammaQuantile(a: number, p: number, q: number): number {
  const upper = q < p;
  let [lo, hi] = [0, Math.max(50, 20 * a)];
  for (let i = 0; i < 400; i++) {
    const mid = (lo + hi) / 2;
    const [pm, qm] = gammaPQ(a, mid);
    if (upper ? qm > q : pm < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** dx/da at fixed CDF for a Gamma(a, 1) draw x: a central difference of the quantile function, all in JS. */
function implicitGradFd(a: number, x: number): number {
  const [p, q] = gammaPQ(a, x);
  const h = 1e-5 * a;
  return (gammaQuantile(a + h, p, q) - gammaQuantile(a - h, p, q)) / (2 * h);
}

/** Sample mean and variance, and their standard errors (the variance's from the fourth central moment). */
function moments(xs: ArrayLike<number>) {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let [m2, m4] = [0, 0];
  for (let i = 0; i < n; i++) {
    const d2 = (xs[i]! - mean) ** 2;
    m2 += d2;
    m4 += d2 * d2;
  }
  const variance = m2 / (n - 1);
  m4 /= n;
  return { mean, variance, seMean: Math.sqrt(variance / n), seVar: Math.sqrt((m4 - variance ** 2) / n) };
}

/** Asserts the sample mean and variance are within `z` standard errors of the distribution's. */
function expectMoments(xs: ArrayLike<number>, mean: number, variance: number, z = 4): void {
  const m = moments(xs);
  expect(Math.abs(m.mean - mean), `mean ${m.mean} vs ${mean}`).toBeLessThan(z * m.seMean);
  expect(Math.abs(m.variance - variance), `variance ${m.variance} vs ${variance}`).toBeLessThan(z * m.seVar);
}

const N = 20000;
/** Kolmogorov's 1% critical value for n samples (asymptotic, 1.6276/√n). */
const KS_CRITICAL = 1.6276 / Math.sqrt(N);
const KEY: Key = [0, 42];
const key42 = () => random.key(42);
const vals = (t: unknown) => valuesOf(t as Tensor);

/** Whether two float32 values are within `ulps` units in the last place (of the larger). */
function withinUlps(a: number, b: number, ulps: number): boolean {
  if (a === b) return true;
  const m = Math.max(Math.abs(a), Math.abs(b));
  const ulp = 2 ** (Math.floor(Math.log2(m)) - 23);
  return Math.abs(a - b) <= ulps * ulp;
}
function expectUlps(actual: number[], expected: number[], ulps = 2): void {
  expect(actual.length).toBe(expected.length);
  const bad = actual.flatMap((v, i) => (withinUlps(v, expected[i]!, ulps) ? [] : [`[${i}] ${v} vs ${expected[i]}`]));
  expect(bad, bad.join("\n")).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------------

describe("the oracle reproduces JAX's printed values (original key scheme)", () => {
  // jax-ml/jax tests/random_test.py, _RANDOM_VALUES_CASES: random.PRNGKey(adler32(name + "threefry2x32")), float32
  const seed = (name: string): Key => [0, adler32(`${name}threefry2x32`)];
  const a8 = [0.8, 0.8, 0.8, 0.8, 0.8];
  const close = (got: number[], want: number[]) =>
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want[i]!))));

  it("gamma(a = 0.8, shape [5])", () => {
    close(gammaRef(original, seed("gamma"), a8), [0.824221, 1.724476, 0.502882, 5.386132, 0.685543]);
  });
  it("loggamma(a = 0.8, shape [5]), and test_loggamma_nan_corner_case (a = 0, u = 0)", () => {
    close(gammaRef(original, seed("loggamma"), a8, true), [0.240559, -3.575443, -0.450946, -2.161372, -2.943277]);
    close(gammaRef(original, [3200590325, 713258242], [0], true), [-4.595436]);
  });
  it("beta(0.8, 0.9, shape [5])", () => {
    close(
      betaRef(original, seed("beta"), a8, [0.9, 0.9, 0.9, 0.9, 0.9]),
      [0.13259, 0.824893, 0.948363, 0.964155, 0.235448],
    );
  });
  it("dirichlet([0.5, 0.6, 0.7], shape [2])", () => {
    const got = dirichletRef(original, seed("dirichlet"), [0.5, 0.6, 0.7], 2).flat();
    close(got, [0.003128, 0.009694, 0.987178, 0.025938, 0.479091, 0.494971]);
  });
  it("poisson(lam = 5, shape [5])", () => {
    expect(poissonRef(original, seed("poisson"), [5, 5, 5, 5, 5])).toEqual([7, 3, 6, 11, 6]);
  });
  it("its partitionable scheme derives the library's keys and words", () => {
    expect(vals(random.split(random.key(7), 3))).toEqual(partitionable.split([0, 7], 3).flat());
    expect(vals(random.bits(random.key(7), [4]))).toEqual(partitionable.bits([0, 7], 4));
  });
});

describe("JAX's numbers under the default (partitionable) scheme", () => {
  const as = [0.8, 0.3, 1, 1.5, 2.5, 40, 1e-3, 0.05, 7, 0.999];
  it("gamma: shapes below, at and above 1, tiny and large", () => {
    expectUlps(vals(random.gamma(key42(), as)), gammaRef(partitionable, KEY, as));
    expectUlps(vals(random.gamma(random.key(0), 0.8, [5])), gammaRef(partitionable, [0, 0], [0.8, 0.8, 0.8, 0.8, 0.8]));
  });
  it("a scalar shape broadcast over `shape` draws one key per element, row-major", () => {
    const got = vals(random.gamma(key42(), [0.5, 3], [2, 2]));
    expectUlps(got, gammaRef(partitionable, KEY, [0.5, 3, 0.5, 3]));
  });
  it("loggamma, and exp(loggamma) ≈ gamma", () => {
    const lg = vals(random.loggamma(key42(), as));
    expectUlps(lg, gammaRef(partitionable, KEY, as, true));
    const g = vals(random.gamma(key42(), as));
    lg.forEach((v, i) => {
      if (g[i]! > 1e-30) expect(Math.exp(v)).toBeCloseTo(g[i]!, 5 - Math.max(0, Math.ceil(Math.log10(g[i]!))));
    });
  });
  it("beta and dirichlet", () => {
    const a = [0.8, 2, 0.1, 5];
    const b = [0.9, 3, 0.2, 0.5];
    expectUlps(vals(random.beta(key42(), a, b)), betaRef(partitionable, KEY, a, b));
    const d = vals(random.dirichlet(key42(), [0.5, 0.6, 0.7], [3]));
    expectUlps(d, dirichletRef(partitionable, KEY, [0.5, 0.6, 0.7], 3).flat());
  });
  it("poisson: Knuth below 10, rejection from 10, 0 at 0, −1 for NaN", () => {
    const lam = [0, 0.5, 3, 5, 9.99, 10, 12.5, 30, 100, 1000, 1e5, NaN];
    const got = random.poisson(key42(), lam);
    expect(got.dtype).toBe("int32");
    expect(vals(got)).toEqual(poissonRef(partitionable, KEY, lam));
    expect(vals(random.poisson(random.key(0), 5, [5]))).toEqual(poissonRef(partitionable, [0, 0], [5, 5, 5, 5, 5]));
  });
});

describe("distributions (n = 20000, fixed keys)", () => {
  it.each([0.3, 1.5, 5])(
    "gamma(%s): mean and variance a, KS against igamma (float64) below the 1 percent value",
    (a) => {
      const x = random.gamma(key42(), a, [N]);
      expect(x.dtype).toBe("float32");
      const xs = vals(x);
      expectMoments(xs, a, a);
      const sorted = np.sort(x.astype("float64"));
      const cdf = vals(lax.igamma(np.full([N], a, { dtype: "float64" }), sorted));
      let d = 0;
      cdf.forEach((f, i) => {
        d = Math.max(d, Math.abs(f - i / N), Math.abs(f - (i + 1) / N));
      });
      expect(d).toBeLessThan(KS_CRITICAL);
    },
  );

  it("gamma in float64 passes the same KS test; loggamma(0.01) stays finite where gamma underflows", () => {
    const x = random.gamma(random.key(3), 2.5, [N], { dtype: "float64" });
    expect(x.dtype).toBe("float64");
    const cdf = vals(lax.igamma(np.full([N], 2.5, { dtype: "float64" }), np.sort(x)));
    const d = Math.max(...cdf.map((f, i) => Math.max(Math.abs(f - i / N), Math.abs(f - (i + 1) / N))));
    expect(d).toBeLessThan(KS_CRITICAL);
    const lg = vals(random.loggamma(random.key(4), 0.01, [N]));
    expect(lg.every(Number.isFinite)).toBe(true);
    // E[log X] = ψ(a), Var[log X] = ψ′(a)
    const psi = vals(lax.digamma(np.array(0.01, { dtype: "float64" })))[0]!;
    const psi1 = vals(lax.polygamma(1, np.array(0.01, { dtype: "float64" })))[0]!;
    expectMoments(lg, psi, psi1);
  });

  it("beta(2, 3) and beta(0.2, 0.2): moments; no NaN for small parameters", () => {
    expectMoments(vals(random.beta(key42(), 2, 3, [N])), 0.4, 6 / (25 * 6));
    const small = vals(random.beta(random.key(5), 0.2, 0.2, [N]));
    expect(small.every((v) => v >= 0 && v <= 1)).toBe(true);
    expectMoments(small, 0.5, 0.04 / (0.16 * 1.4));
  });

  it("dirichlet([1, 2, 3]): rows sum to 1, each component's moments; tiny alpha stays finite", () => {
    const alpha = [1, 2, 3];
    const x = random.dirichlet(key42(), alpha, [N]);
    expect(x.shape).toEqual([N, 3]);
    expectClose(x.sum(1), new Array(N).fill(1), { rtol: 1e-5, atol: 1e-6 });
    const xs = vals(x);
    alpha.forEach((a, j) => {
      const col = xs.filter((_, i) => i % 3 === j);
      expectMoments(col, a / 6, (a * (6 - a)) / (36 * 7));
    });
    const tiny = vals(random.dirichlet(random.key(6), [0.01, 0.02], [1000]));
    expect(tiny.every(Number.isFinite)).toBe(true);
  });

  it.each([3, 25, 150])("poisson(%s): mean and variance lam", (lam) => {
    const x = random.poisson(key42(), lam, [N]);
    expectMoments(vals(x), lam, lam);
  });
});

describe("the implicit reparameterization gradient", () => {
  it("d/da of the mean of gamma(a) samples ≈ 1 (E[X] = a), within 4 standard errors", () => {
    for (const a of [0.4, 1.5, 6]) {
      const perSample = vals(grad((t: Tensor) => random.gamma(key42(), t).sum())(np.full([N], a)));
      const m = moments(perSample);
      expect(Math.abs(m.mean - 1), `a = ${a}: ${m.mean}`).toBeLessThan(4 * m.seMean);
      if (a !== 1.5) continue;
      // a scalar a broadcast over the shape: its gradient sums the per-sample ones
      const g = grad((t: Tensor) => random.gamma(key42(), t, [N]).mean())(np.array(a));
      expect(g.item()).toBeCloseTo(m.mean, 5);
    }
  });

  it("per sample, dx/da matches a finite difference of the inverse CDF (bisection on P(a, x) in JS)", () => {
    for (const [a, dtype, rtol] of [
      [0.4, "float64", 1e-6],
      [1.5, "float64", 1e-6],
      [7, "float64", 1e-6],
      [0.4, "float32", 2e-4],
      [3, "float32", 2e-4],
    ] as const) {
      const at = np.full([12], a, { dtype });
      const x = vals(random.gamma(key42(), at, null, { dtype }));
      const g = vals(grad((t: Tensor) => random.gamma(key42(), t, null, { dtype }).sum())(at));
      const fd = x.map((v) => implicitGradFd(a, v));
      g.forEach((v, i) =>
        expect(Math.abs(v - fd[i]!), `a=${a} ${dtype} x=${x[i]}`).toBeLessThan(rtol * Math.abs(fd[i]!) + 1e-12),
      );
    }
  });

  it("loggamma's gradient is (dx/da)/x; beta's is the chain rule through Ga/(Ga + Gb) of log-space draws", () => {
    const f64 = { dtype: "float64" } as const;
    const a = np.full([10], 0.7, f64);
    const lx = vals(random.loggamma(key42(), a, null, f64));
    const gl = vals(grad((t: Tensor) => random.loggamma(key42(), t, null, f64).sum())(a));
    lx.forEach((l, i) => expect(gl[i]!).toBeCloseTo(implicitGradFd(0.7, Math.exp(l)) / Math.exp(l), 5));
    // beta(a, b) uses keys split(key): Ga from the first, Gb from the second
    const [ka, kb] = [...random.split(key42())];
    const ga = vals(random.loggamma(ka!, 2, [10], f64)).map(Math.exp);
    const gb = vals(random.loggamma(kb!, 3, [10], f64)).map(Math.exp);
    const bA = grad((t: Tensor) => random.beta(key42(), t, 3, [10], f64).sum())(np.full([10], 2, f64));
    vals(bA).forEach((v, i) => {
      const x = ga[i]! / (ga[i]! + gb[i]!);
      expect(v).toBeCloseTo((x * (1 - x) * implicitGradFd(2, ga[i]!)) / ga[i]!, 5);
    });
  });

  it("second order differentiates the rule again, as JAX's defjvp2: ∂ₐr + ∂ₓr·r with r = random_gamma_grad", () => {
    const f64 = { dtype: "float64" } as const;
    const f = (a: Tensor) => random.gamma(key42(), a, [3], f64).sum();
    const xs = vals(random.gamma(key42(), 1.5, [3], f64));
    const A = np.array(1.5, f64);
    const want = xs.reduce((acc, x) => {
      const X = np.array(x, f64);
      const r = lax.randomGammaGrad(A, X).item() as number;
      const da = grad((t: Tensor) => lax.randomGammaGrad(t, X))(A).item() as number;
      const dx = grad((t: Tensor) => lax.randomGammaGrad(A, t))(X).item() as number;
      return acc + da + dx * r;
    }, 0);
    expect(grad(grad(f))(A).item()).toBeCloseTo(want, 10);
  });

  it("d/da E[Beta(a, b)] = b/(a + b)² and d/dα₀ E[Dir(α)₀] = (Σα − α₀)/(Σα)², within 4 standard errors", () => {
    const perA = vals(grad((t: Tensor) => random.beta(key42(), t, 3).sum())(np.full([N], 2)));
    const mb = moments(perA);
    expect(Math.abs(mb.mean - 3 / 25)).toBeLessThan(4 * mb.seMean);
    const first = np.array([1, 0, 0]);
    const perAlpha = grad((t: Tensor) => random.dirichlet(key42(), t).mul(first).sum())(
      np.broadcastTo(np.array([1, 2, 3]), [N, 3]),
    );
    const md = moments(vals(perAlpha).filter((_, i) => i % 3 === 0));
    expect(Math.abs(md.mean - 5 / 36)).toBeLessThan(4 * md.seMean);
  });
});

describe("jit, vmap and grad compositions", () => {
  const as = np.array([0.3, 0.9, 1, 2.5, 12]);
  it("jit(gamma) is eager's bitwise with float32 'exact', and within a few ulp by default", () => {
    const f = (k: Tensor, a: Tensor) => random.gamma(k, a, [300, 5]);
    const eager = vals(f(key42(), as));
    expect(vals(jit(f, { float32: "exact" })(key42(), as))).toEqual(eager);
    // "fast" rounds once per fused loop and uses its own log: a few ulp, amplified by u^(1/a) for small a (and a
    // rejection test could flip, rarely, which would change a draw altogether)
    const fast = vals(jit(f)(key42(), as));
    fast.forEach((v, i) => expect(Math.abs(v - eager[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(eager[i]!)));
    const lf = (k: Tensor, a: Tensor) => random.loggamma(k, a);
    expect(vals(jit(lf, { float32: "exact" })(key42(), as))).toEqual(vals(lf(key42(), as)));
  });

  it("jit(poisson), jit(beta) and jit(dirichlet) agree with eager", () => {
    const lam = np.array([0, 2, 9.5, 10, 77]);
    const pf = (k: Tensor, l: Tensor) => random.poisson(k, l, [40, 5]);
    expect(vals(jit(pf)(key42(), lam))).toEqual(vals(pf(key42(), lam)));
    const bf = (k: Tensor) => random.beta(k, 0.5, 2, [64]);
    expect(vals(jit(bf, { float32: "exact" })(key42()))).toEqual(vals(bf(key42())));
    const df = (k: Tensor) => random.dirichlet(k, [0.5, 1, 4], [16]);
    expect(vals(jit(df, { float32: "exact" })(key42()))).toEqual(vals(df(key42())));
  });

  it("vmap over a batch of keys equals a loop over them (gamma, loggamma, beta, dirichlet, poisson)", () => {
    const keys = random.split(key42(), 4);
    const each = [...keys];
    const samplers: ((k: Tensor) => Tensor)[] = [
      (k) => random.gamma(k, as),
      (k) => random.loggamma(k, 0.2, [3]),
      (k) => random.beta(k, 0.5, [1, 2, 3]),
      (k) => random.dirichlet(k, [1, 2], [2]),
      (k) => random.poisson(k, [1, 12], [3, 2]),
    ];
    for (const f of samplers) {
      const batched = vmap(f)(keys) as Tensor;
      expect(vals(batched)).toEqual(each.flatMap((k) => vals(f(k))));
    }
  });

  it("vmap over `a` with one key equals a loop (the same keys for every a, as JAX)", () => {
    const f = (a: Tensor) => random.gamma(key42(), a, [6]);
    const list = [0.2, 1.7, 30];
    const batched = vmap(f)(np.array(list)) as Tensor;
    expect(batched.shape).toEqual([3, 6]);
    expect(vals(batched)).toEqual(list.flatMap((a) => vals(f(np.array(a)))));
    const both = vmap((k: Tensor, a: Tensor) => random.gamma(k, a, [2]))(random.split(key42(), 3), np.array(list));
    const keys = [...random.split(key42(), 3)];
    expect(vals(both)).toEqual(list.flatMap((a, i) => vals(random.gamma(keys[i]!, a, [2]))));
  });

  it("grad under vmap and jit equals the loop of eager grads", () => {
    const g = (k: Tensor, a: Tensor) => grad((t: Tensor) => random.gamma(k, t, [50]).mean())(a);
    const keys = random.split(key42(), 3);
    const batched = vals(vmap(g, [0, null])(keys, np.array(1.5)));
    const loop = [...keys].map((k) => g(k, np.array(1.5)).item() as number);
    expectUlps(batched, loop, 2);
    const jitted = vals(jit(g, { float32: "exact" })(key42(), np.array(1.5)));
    expectUlps(jitted, [g(key42(), np.array(1.5)).item() as number], 2);
    // per-a gradients of vmap over a
    const perA = vals(vmap((a: Tensor) => g(key42(), a))(np.array([0.5, 2])));
    expectUlps(
      perA,
      [0.5, 2].map((a) => g(key42(), np.array(a)).item() as number),
      2,
    );
  });

  it("empty shapes give empty results", () => {
    expect(random.gamma(key42(), 1, [0]).shape).toEqual([0]);
    expect(random.poisson(key42(), 3, [2, 0]).shape).toEqual([2, 0]);
    expect(random.dirichlet(key42(), [1, 1], [0]).shape).toEqual([0, 2]);
  });
});

describe("typed errors", () => {
  it("a non-float dtype for gamma, loggamma, beta and dirichlet; a non-integer one for poisson", () => {
    expect(catchError(() => random.gamma(key42(), 1, [2], { dtype: "int32" }), DTypeError).message).toMatch(/float/);
    catchError(() => random.loggamma(key42(), 1, [2], "bool"), DTypeError);
    catchError(() => random.beta(key42(), 1, 1, [2], { dtype: "uint32" }), DTypeError);
    catchError(() => random.dirichlet(key42(), [1, 1], null, { dtype: "int32" }), DTypeError);
    expect(catchError(() => random.poisson(key42(), 3, [2], { dtype: "float32" }), DTypeError).message).toMatch(
      /int32/,
    );
  });
  it("parameter shapes that do not broadcast to `shape`", () => {
    expect(catchError(() => random.gamma(key42(), [1, 2, 3], [2]), ShapeError).message).toMatch(/broadcast/);
    catchError(() => random.beta(key42(), [1, 2], [1, 2, 3]), ShapeError);
    catchError(() => random.beta(key42(), [1, 2], 1, [3]), ShapeError);
    catchError(
      () =>
        random.dirichlet(
          key42(),
          [
            [1, 2],
            [3, 4],
          ],
          [3],
        ),
      ShapeError,
    );
    catchError(() => random.poisson(key42(), [1, 2], [3, 3]), ShapeError);
  });
  it("a scalar alpha for dirichlet; a key that is not a key", () => {
    expect(catchError(() => random.dirichlet(key42(), 1), ShapeError).message).toMatch(/at least one axis/);
    catchError(() => random.gamma(np.array([1, 2]), 1), DTypeError);
    catchError(() => random.poisson(random.split(key42(), 2), 1), DTypeError);
    expect(catchError(() => random.gamma(key42(), 1, [-1]), TracegradError)).toBeInstanceOf(TracegradError);
  });
});
