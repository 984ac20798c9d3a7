// The samplers of `random`: values printed by JAX ≥ 0.5 (default configuration: partitionable threefry), an oracle
// written here from JAX's algorithms (jax/_src/random.py) on a plain Threefry-2x32 — float32 arithmetic emulated
// with Math.fround step by step, transcendental functions in float64 (erf / erfinv written here) — and statistics
// at fixed keys: moments, Kolmogorov–Smirnov against closed-form CDFs, chi-square on frequencies.
import { type DType, np, random, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { valuesOf } from "../helpers.js";
import { bitsOf, f32, keyOf as K, type Key, normal32OfWords, splitOf, threefry, ulps32, uniform32 } from "./oracle.js";

// ---------------------------------------------------------------------------------------------------------------
// The oracle: threefry, JAX's partitionable derivations and float32 steps from ./oracle.ts (checked word by word in
// keys.test.ts), and JAX's samplers on top of them

/** float64 uniform in [0, 1) as JAX with 64-bit types: the top 52 bits of (y0 << 32 | y1). */
const unit64 = (k: Key, n: number): number[] =>
  Array.from({ length: n }, (_, i) => {
    const [y0, y1] = threefry(k[0], k[1], 0, i);
    return (y0 * 2 ** 20 + (y1 >>> 12)) * 2 ** -52;
  });

// erf / erfc / erfinv in float64: Taylor series below 2.5, Lentz's continued fraction for erfc above; erfinv by
// Newton's method (on erfc near ±1, where 1 − |y| is exact for float32 and float64 inputs).
function erfSeries(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
function erfcLarge(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 1000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = 1 / (d === 0 ? tiny : d);
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
const erfc = (x: number): number => (x < 0 ? 2 - erfc(-x) : x < 2.5 ? 1 - erfSeries(x) : erfcLarge(x));
const erf = (x: number): number => (Math.abs(x) < 2.5 ? erfSeries(x) : Math.sign(x) * (1 - erfcLarge(Math.abs(x))));
function erfinv(y: number): number {
  if (y === 0) return 0;
  if (y < 0) return -erfinv(-y);
  const q = 1 - y;
  let x = y < 0.9 ? (y * Math.sqrt(Math.PI)) / 2 : Math.sqrt(-Math.log(q));
  for (let i = 0; i < 200; i++) {
    const r = y < 0.5 ? erf(x) - y : q - erfc(x);
    const dx = r / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    x -= dx;
    if (Math.abs(dx) <= 1e-16 * Math.abs(x)) break;
  }
  return x;
}
const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/** Exact (float64) standard normals for the float32 draws of `k`: √2·erfinv(u), u uniform in (−1, 1) in float32. */
const normal32Exact = (k: Key, n: number): number[] =>
  uniform32(k, n, -1 + 2 ** -24, 1).map((u) => Math.SQRT2 * erfinv(u));

/** JAX's float32 normals: f32(√2)·erf_inv(u) in float32 arithmetic, as XLA evaluates it (erfInvXla32). */
const normal32Jax = (k: Key, n: number): number[] => normal32OfWords(bitsOf(k, n));

/** Asserts float32 `got` within `maxUlps` of `want` (rounded to float32), plus `atol` absolute slack. */
function expectUlps(got: number[], want: number[], maxUlps: number, atol = 0): void {
  expect(got.length).toBe(want.length);
  const bad = got.flatMap((g, i) => {
    const w = want[i]!;
    return ulps32(g, w) <= maxUlps || Math.abs(g - w) <= atol
      ? []
      : [`[${i}] got ${g}, want ${w} (${ulps32(g, w)} ulp)`];
  });
  expect(bad.slice(0, 6), `${bad.length} of ${got.length} differ`).toEqual([]);
}
/**
 * Asserts float32 `got` against values as NumPy prints them for JAX arrays (at most 8 fractional digits, fewer when
 * those already identify the float32): within `maxUlps` of the printed number, or of its last printed digit.
 */
function expectPrinted(got: number[], printed: number[], maxUlps = 0): void {
  expect(got.length).toBe(printed.length);
  const ulp = (x: number) => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23);
  const bad = got.flatMap((g, i) => {
    const p = printed[i]!;
    return ulps32(g, p) <= maxUlps || Math.abs(g - p) <= 5e-9 + maxUlps * ulp(p) ? [] : [`[${i}] got ${g}, JAX ${p}`];
  });
  expect(bad).toEqual([]);
}
function expectRel(got: number[], want: number[], rtol: number, atol = 0): void {
  expect(got.length).toBe(want.length);
  const bad = got.flatMap((g, i) => {
    const w = want[i]!;
    return Math.abs(g - w) <= atol + rtol * Math.abs(w) ? [] : [`[${i}] got ${g}, want ${w}`];
  });
  expect(bad.slice(0, 6), `${bad.length} of ${got.length} differ`).toEqual([]);
}

/** JAX's randint (jax/_src/random.py _randint) for scalar bounds, int32 or uint32, in wrapping uint32 arithmetic. */
function randintOf(k: Key, n: number, minval: number, maxval: number, dtype: "int32" | "uint32" = "int32"): number[] {
  const [lo, hi] = dtype === "int32" ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
  const clip = (v: number) => Math.min(Math.max(Math.floor(v), lo), hi);
  const [mn, mx] = [clip(minval), clip(maxval)];
  const maxAbove = Math.floor(maxval) > hi;
  const [k1, k2] = splitOf(k, 2);
  const higher = bitsOf(k1!, n);
  const lower = bitsOf(k2!, n);
  let span = (mx - mn) >>> 0;
  if (mx <= mn) span = 1;
  if (maxAbove && mx > mn) span = (span + 1) >>> 0;
  const rem = (a: number, b: number) => (b === 0 ? a : a % b) >>> 0; // XLA: x rem 0 = x
  const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
  let multiplier = rem(2 ** 16, span);
  multiplier = rem(mul(multiplier, multiplier), span);
  return higher.map((h, i) => {
    const offset = rem((mul(rem(h, span), multiplier) + rem(lower[i]!, span)) >>> 0, span);
    const v = (mn + offset) % 2 ** 32;
    return dtype === "int32" ? v | 0 : v >>> 0;
  });
}

/** JAX's _shuffle: rounds of sorting by fresh words (stable), `rounds` from the size as JAX. */
function shuffleOf(k: Key, xs: number[]): number[] {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, xs.length))) / Math.log(2 ** 32 - 1));
  let key = k;
  let out = xs;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitOf(key, 2);
    key = next!;
    const w = bitsOf(sub!, out.length);
    const order = out.map((_, i) => i).sort((a, b) => w[a]! - w[b]! || a - b);
    out = order.map((i) => out[i]!);
  }
  return out;
}

const gumbel32 = (k: Key, n: number): number[] =>
  uniform32(k, n, 2 ** -126, 1).map((u) => f32(-Math.log(f32(-f32(Math.log(u))))));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1);
};

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/** Kolmogorov–Smirnov statistic of `xs` against the CDF `F`. */
function ks(xs: number[], F: (x: number) => number): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let d = 0;
  s.forEach((x, i) => {
    const f = F(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}
/** The asymptotic 1% critical value of the KS statistic. */
const ks01 = (n: number) => 1.6276 / Math.sqrt(n);
/** Pearson's chi-square statistic of `counts` against `probs`. */
const chi2 = (counts: number[], probs: number[]) => {
  const n = sum(counts);
  return sum(counts.map((c, i) => (c - n * probs[i]!) ** 2 / (n * probs[i]!)));
};
/** The 99.9% quantile of chi-square with `df` degrees of freedom (Wilson–Hilferty). */
const chi2Crit = (df: number) => df * (1 - 2 / (9 * df) + 3.0902 * Math.sqrt(2 / (9 * df))) ** 3;
const countsOf = (xs: number[], k: number) => {
  const c = new Array<number>(k).fill(0);
  for (const x of xs) c[x]! += 1;
  return c;
};
/** Mean and variance within 4 standard errors (`mu4` the fourth central moment). */
function expectMoments(xs: number[], mu: number, sigma2: number, mu4: number): void {
  const n = xs.length;
  expect(Math.abs(mean(xs) - mu)).toBeLessThan(4 * Math.sqrt(sigma2 / n));
  expect(Math.abs(variance(xs) - sigma2)).toBeLessThan(4 * Math.sqrt((mu4 - sigma2 ** 2) / n));
}

const N = 20000;

// ---------------------------------------------------------------------------------------------------------------
// Values printed by JAX

describe("JAX's numbers", () => {
  it("uniform(key(51), (4,))", () => {
    // ekzhang/jax-js test/random.test.ts ("uniform is consistent with jax"):
    // jax.random.uniform(jax.random.key(51), shape=(4,))
    const x = random.uniform(random.key(51), [4]);
    expect(x.dtype).toBe("float32");
    expectPrinted(valuesOf(x), [0.471269, 0.12344253, 0.17550635, 0.5663593]);
  });

  it("uniform(key(0)) and uniform of split(key(0))'s second key", () => {
    // jax-ml/jax jax/random.py module docstring (doctested), values updated by commit a60ead6 "enable partitionable
    // threefry by default" (2025-01-13): random.uniform(key) → 0.947667; key, subkey = random.split(key);
    // random.uniform(subkey) → 0.00729382
    expectPrinted([random.uniform(random.key(0)).item() as number], [0.947667]);
    const [, sub] = random.split(random.key(0));
    expectPrinted([random.uniform(sub!).item() as number], [0.00729382]);
  });

  it("uniform(key(0), (3,))", () => {
    // jax-ml/jax docs/jep/9263-typed-keys.md (doctested; updated by the same commit a60ead6)
    expectPrinted(valuesOf(random.uniform(random.key(0), [3])), [0.947667, 0.9785799, 0.33229148]);
  });

  // jax-ml/jax docstrings of jnp.trunc, jnp.floor, jnp.ceil, jnp.fix (jax/_src/numpy/lax_numpy.py, ufuncs.py), updated
  // by commit a60ead6: jax.random.uniform(key, (3, 3), minval, maxval) printed with precision=2, and its rounding
  const roundingDocs = [
    {
      seed: 42,
      lo: -10,
      hi: 10,
      printed: [-0.23, 3.6, 2.33, 1.22, -0.99, 1.72, -8.5, 5.5, 3.98],
      rounded: [-0, 3, 2, 1, -0, 1, -8, 5, 3],
      round: Math.trunc,
    },
    {
      seed: 42,
      lo: -5,
      hi: 5,
      printed: [-0.11, 1.8, 1.16, 0.61, -0.49, 0.86, -4.25, 2.75, 1.99],
      rounded: [-1, 1, 1, 0, -1, 0, -5, 2, 1],
      round: Math.floor,
    },
    {
      seed: 1,
      lo: -5,
      hi: 5,
      printed: [-0.61, 0.34, -0.54, -0.62, 3.97, 0.59, 4.84, 3.42, -1.14],
      rounded: [-0, 1, -0, -0, 4, 1, 5, 4, -1],
      round: Math.ceil,
    },
    {
      seed: 0,
      lo: -5,
      hi: 5,
      printed: [4.48, 4.79, -1.68, -0.31, 0.7, -3.34, -1.9, 1.89, 2.47],
      rounded: [4, 4, -1, -0, 0, -3, -1, 1, 2],
      round: Math.trunc,
    },
  ];
  it.each(roundingDocs)("uniform(key($seed), (3, 3), minval=$lo, maxval=$hi) as JAX's docstrings print it", (d) => {
    const x = random.uniform(random.key(d.seed), [3, 3], { minval: d.lo, maxval: d.hi });
    expect(x.shape).toEqual([3, 3]);
    const v = valuesOf(x);
    v.forEach((got, i) => {
      expect(Math.abs(got - d.printed[i]!)).toBeLessThanOrEqual(0.005 + 1e-6);
    });
    expect(v.map(d.round).map((r) => r + 0)).toEqual(d.rounded.map((r) => r + 0));
  });

  it("randint through jnp.einsum_path's docstring: the product of three randint draws", () => {
    // jax-ml/jax jax/_src/numpy/lax_numpy.py (now einsum.py) einsum_path docstring, updated by commit a60ead6:
    // key1, key2, key3 = split(key(0), 3); x = randint(key1, (2, 3), -5, 5); y = randint(key2, (3, 100), -5, 5);
    // z = randint(key3, (100, 5), -5, 5); einsum("ij,jk,kl", x, y, z) → printed below
    const [k1, k2, k3] = random.split(random.key(0), 3);
    const x = valuesOf(random.randint(k1!, [2, 3], -5, 5));
    const y = valuesOf(random.randint(k2!, [3, 100], -5, 5));
    const z = valuesOf(random.randint(k3!, [100, 5], -5, 5));
    const out = range(2).map((i) =>
      range(5).map((l) => {
        let s = 0;
        for (let j = 0; j < 3; j++) for (let k = 0; k < 100; k++) s += x[i * 3 + j]! * y[j * 100 + k]! * z[k * 5 + l]!;
        return s;
      }),
    );
    expect(out).toEqual([
      [-754, 324, -142, 82, 50],
      [408, -50, 87, -29, 7],
    ]);
  });

  it("normal(key(0), (3, 100)) through jnp.cov's and jnp.corrcoef's docstrings", () => {
    // jax-ml/jax jax/_src/numpy/lax_numpy.py cov / corrcoef docstrings, updated by commit a60ead6 (precision=2)
    const x = valuesOf(random.normal(random.key(0), [3, 100]));
    const rows = range(3).map((i) => x.slice(i * 100, i * 100 + 100));
    const m = rows.map(mean);
    const cov = rows.map((r, i) => rows.map((q, j) => sum(r.map((v, k) => (v - m[i]!) * (q[k]! - m[j]!))) / 99));
    const printedCov = [
      [0.9, 0.03, 0.1],
      [0.03, 1, 0.01],
      [0.1, 0.01, 0.85],
    ];
    const corr = cov.map((r, i) => r.map((c, j) => c / Math.sqrt(cov[i]![i]! * cov[j]![j]!)));
    const printedCorr = [
      [1, 0.03, 0.12],
      [0.03, 1, 0.01],
      [0.12, 0.01, 1],
    ];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        expect(Math.abs(cov[i]![j]! - printedCov[i]![j]!)).toBeLessThanOrEqual(0.005 + 1e-6);
        expect(Math.abs(corr[i]![j]! - printedCorr[i]![j]!)).toBeLessThanOrEqual(0.005 + 1e-6);
      }
  });

  it("normal(key(0), (3, 3)) through jax.scipy.fft.dct's docstring", () => {
    // jax-ml/jax jax/_src/scipy/fft.py dct docstring, updated by commit a60ead6: dct(x) with precision=2 (type II,
    // norm=None: y[k] = 2 Σₙ x[n] cos(πk(2n + 1)/2N) along the last axis)
    const x = valuesOf(random.normal(random.key(0), [3, 3]));
    const dct = range(3).flatMap((i) =>
      range(3).map((k) => 2 * sum(range(3).map((n) => x[i * 3 + n]! * Math.cos((Math.PI * k * (2 * n + 1)) / 6)))),
    );
    const printed = [6.43, 3.56, -2.86, -1.75, 1.55, -1.4, 1.33, -2.01, -0.82];
    dct.forEach((v, i) => {
      expect(Math.abs(v - printed[i]!)).toBeLessThanOrEqual(0.005 + 1e-5);
    });
  });

  // Printed by jax 0.11.1 in a public Japanese JAX reference ("jax 逆引き辞書", its jax.random section; the same page
  // prints uniform(key(0), (3,)) = [0.947667 0.9785799 0.33229148], agreeing with JAX's own doctest above)
  it("normal(key(0), (3,)) to 2 ulp", () => {
    const x = random.normal(random.key(0), [3]);
    expect(x.dtype).toBe("float32");
    expectPrinted(valuesOf(x), [1.6226422, 2.0252647, -0.43359444], 2);
  });
  it("randint(key(1), (5,), 0, 10), choice(key(2), [10, 20, 30, 40], (3,)), permutation(key(3), arange(5))", () => {
    expect(random.randint(random.key(1), [5], 0, 10).toArray()).toEqual([6, 7, 0, 3, 8]);
    expect(random.choice(random.key(2), np.array([10, 20, 30, 40], { dtype: "int32" }), [3]).toArray()).toEqual([
      40, 10, 20,
    ]);
    expect(random.permutation(random.key(3), np.arange(5)).toArray()).toEqual([0, 4, 2, 1, 3]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// uniform and normal against the oracle

describe("uniform", () => {
  const cases: [number, number[], number, number][] = [
    [0, [], 0, 1],
    [1, [0], 0, 1],
    [2, [7], 0, 1],
    [3, [3, 5], -2, 3],
    [4, [2, 3, 4], 10, 15],
    [5, [1000], -1e-3, 1e-3],
    [6, [9], 0.1, 0.7],
    [7, [5], 100, 100.5],
    [8, [6], 3, 1], // maxval < minval: every value is minval, as JAX's max(minval, ·)
  ];
  it.each(cases)("float32, key(%d), shape %j, [%d, %d): bit for bit", (seed, s, lo, hi) => {
    const x = random.uniform(random.key(seed), s, { minval: lo, maxval: hi });
    expect(x.dtype).toBe("float32");
    expect(x.shape).toEqual(s);
    const n = s.reduce((a, b) => a * b, 1);
    expect(valuesOf(x)).toEqual(uniform32(K(seed), n, lo, hi));
  });

  it("float32 values lie in [minval, maxval)", () => {
    const v = valuesOf(random.uniform(random.key(8), [N], { minval: -3, maxval: 2 }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...v)).toBeLessThan(2);
  });

  it("array bounds broadcast into the shape (elementwise formula)", () => {
    const lo = [[-1], [0], [5]];
    const hi = [1, 2, 8, 16];
    const x = random.uniform(random.key(9), [3, 4], { minval: np.array(lo), maxval: np.array(hi) });
    const u = uniform32(K(9), 12, 0, 1);
    const want = range(12).map((i) => {
      const [l, h] = [f32(lo[Math.floor(i / 4)]![0]!), f32(hi[i % 4]!)];
      return Math.max(l, f32(f32(u[i]! * f32(h - l)) + l));
    });
    expect(valuesOf(x)).toEqual(want);
  });

  it.each([
    [0, [5], 0, 1],
    [3, [2, 3], -2, 3],
    [11, [101], 1, 1.5],
  ] as [number, number[], number, number][])("float64, key(%d), shape %j, [%d, %d): bit for bit", (seed, s, lo, hi) => {
    const x = random.uniform(random.key(seed), s, { minval: lo, maxval: hi, dtype: "float64" });
    expect(x.dtype).toBe("float64");
    const n = s.reduce((a, b) => a * b, 1);
    expect(valuesOf(x)).toEqual(unit64(K(seed), n).map((u) => Math.max(lo, u * (hi - lo) + lo)));
  });

  it("statistics: moments and KS against U(0, 1), float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      const v = valuesOf(random.uniform(random.key(21), [N], { dtype }));
      expectMoments(v, 0.5, 1 / 12, 1 / 80);
      expect(ks(v, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(ks01(N));
    }
  });
});

describe("normal", () => {
  it.each([0, 1, 7, 2 ** 33 + 1])("float32, key(%d): within 2 ulp of JAX's algorithm (XLA's ErfInv32)", (seed) => {
    const x = random.normal(random.key(seed), [4000]);
    expect(x.dtype).toBe("float32");
    expectUlps(valuesOf(x), normal32Jax(K(seed), 4000), 2);
  });

  it("float32: within 10⁻⁵ (relative) of √2·erfinv(u) computed exactly, as JAX's own float32 erf_inv is", () => {
    // a bound of 2 ulp against the exact value would fail for JAX itself (see erfInvXla32 in ./oracle.ts)
    const n = 50000;
    const got = valuesOf(random.normal(random.key(99), [n]));
    expectRel(got, normal32Exact(K(99), n), 1e-5, 1e-30);
    // the tails (the draws nearest ±1 in u) follow JAX's algorithm to 2 ulp
    const u = uniform32(K(99), n, -1 + 2 ** -24, 1);
    const jax = normal32Jax(K(99), n);
    const far = range(n)
      .sort((a, b) => Math.abs(u[b]!) - Math.abs(u[a]!))
      .slice(0, 50);
    expect(Math.abs(got[far[0]!]!)).toBeGreaterThan(3.8);
    expectUlps(
      far.map((i) => got[i]!),
      far.map((i) => jax[i]!),
      2,
    );
  });

  it("float64: within 1e-13 relative of √2·erfinv(u) for the float64 uniform", () => {
    const lo = -1 + 2 ** -53;
    const want = unit64(K(5), 3000).map((u) => Math.SQRT2 * erfinv(Math.max(lo, u * (1 - lo) + lo)));
    const x = random.normal(random.key(5), [3000], { dtype: "float64" });
    expect(x.dtype).toBe("float64");
    expectRel(valuesOf(x), want, 1e-13, 1e-15);
  });

  it("dtype may also be given positionally", () => {
    expect(random.normal(random.key(1), [2], "float64").dtype).toBe("float64");
  });

  it("statistics: moments and KS against N(0, 1)", () => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      const v = valuesOf(random.normal(random.key(22), [N], { dtype }));
      expectMoments(v, 0, 1, 3);
      expect(ks(v, normalCdf)).toBeLessThan(ks01(N));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The one-uniform transforms

describe("gumbel, exponential, laplace, logistic, cauchy (float32, against the oracle)", () => {
  const seed = 31;
  const n = 3000;
  it("gumbel: −log(−log u), u uniform in [tiny, 1)", () => {
    const x = random.gumbel(random.key(seed), [n]);
    expect(x.dtype).toBe("float32");
    // the inner log's rounding (≤ ½ ulp) moves the result by up to 2⁻²⁴ absolutely where −log u ≈ 1
    expectUlps(valuesOf(x), gumbel32(K(seed), n), 2, 2 ** -22);
  });
  it("exponential: −log1p(−u), u uniform in [0, 1)", () => {
    const want = uniform32(K(seed), n, 0, 1).map((u) => -Math.log1p(-u));
    expectUlps(valuesOf(random.exponential(random.key(seed), [n])), want, 2);
  });
  it("laplace: sign(u)·log1p(−|u|), u uniform in [−1 + epsneg, 1)", () => {
    const want = uniform32(K(seed), n, -1 + 2 ** -24, 1).map((u) => Math.sign(u) * Math.log1p(-Math.abs(u)));
    expectUlps(valuesOf(random.laplace(random.key(seed), [n])), want, 2);
  });
  it("logistic: log u − log1p(−u), u uniform in [tiny, 1)", () => {
    const want = uniform32(K(seed), n, 2 ** -126, 1).map((u) => f32(f32(Math.log(u)) - f32(Math.log1p(-u))));
    // two float32 logs then a difference: absolute error up to an ulp of the larger term
    const got = valuesOf(random.logistic(random.key(seed), [n]));
    const u = uniform32(K(seed), n, 2 ** -126, 1);
    got.forEach((g, i) => {
      const scale = Math.max(Math.abs(Math.log(u[i]!)), Math.abs(Math.log1p(-u[i]!)));
      expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(2 * 2 ** -23 * scale + 1e-30);
    });
  });
  it("cauchy: tan(π(u − ½)), u uniform in [eps, 1), π and the product in float32", () => {
    const want = uniform32(K(seed), n, 2 ** -23, 1).map((u) => Math.tan(f32(f32(Math.PI) * f32(u - 0.5))));
    expectUlps(valuesOf(random.cauchy(random.key(seed), [n])), want, 2);
  });
  it("float64 dtype: exponential against −log1p(−u) of the float64 uniform", () => {
    const x = random.exponential(random.key(seed), [500], { dtype: "float64" });
    expect(x.dtype).toBe("float64");
    expectRel(
      valuesOf(x),
      unit64(K(seed), 500).map((u) => -Math.log1p(-u)),
      1e-15,
      1e-300,
    );
  });
  it("shapes: [] and 2-D", () => {
    expect(random.gumbel(random.key(1)).shape).toEqual([]);
    expect(random.laplace(random.key(1), [2, 3]).shape).toEqual([2, 3]);
    expect(valuesOf(random.exponential(random.key(4), [2, 3]))).toEqual(
      valuesOf(random.exponential(random.key(4), [6])),
    );
  });
});

describe("statistics of gumbel, exponential, laplace, logistic, cauchy", () => {
  const euler = 0.5772156649015329;
  const dists: {
    name: "gumbel" | "exponential" | "laplace" | "logistic" | "cauchy";
    cdf: (x: number) => number;
    moments?: [number, number, number];
  }[] = [
    {
      name: "gumbel",
      cdf: (x) => Math.exp(-Math.exp(-x)),
      moments: [euler, Math.PI ** 2 / 6, 5.4 * (Math.PI ** 2 / 6) ** 2],
    },
    { name: "exponential", cdf: (x) => (x < 0 ? 0 : -Math.expm1(-x)), moments: [1, 1, 9] },
    { name: "laplace", cdf: (x) => (x < 0 ? 0.5 * Math.exp(x) : 1 - 0.5 * Math.exp(-x)), moments: [0, 2, 24] },
    {
      name: "logistic",
      cdf: (x) => 1 / (1 + Math.exp(-x)),
      moments: [0, Math.PI ** 2 / 3, 4.2 * (Math.PI ** 2 / 3) ** 2],
    },
    { name: "cauchy", cdf: (x) => 0.5 + Math.atan(x) / Math.PI },
  ];
  it.each(dists)("$name: KS below the 1% critical value (and moments within 4 standard errors)", (d) => {
    const v = valuesOf(random[d.name](random.key(23), [N]));
    expect(v.every(Number.isFinite)).toBe(true);
    expect(ks(v, d.cdf)).toBeLessThan(ks01(N));
    if (d.moments) expectMoments(v, ...d.moments);
  });
  it("cauchy: quartiles near ∓1 and the median near 0", () => {
    const s = valuesOf(random.cauchy(random.key(24), [N])).sort((a, b) => a - b);
    // the sample p-quantile's standard error is √(p(1−p)/n)/f(q); f(±1) = 1/(2π), f(0) = 1/π
    expect(Math.abs(s[N / 4]! + 1)).toBeLessThan((4 * Math.sqrt(3 / 16 / N)) / (1 / (2 * Math.PI)));
    expect(Math.abs(s[(3 * N) / 4]! - 1)).toBeLessThan((4 * Math.sqrt(3 / 16 / N)) / (1 / (2 * Math.PI)));
    expect(Math.abs(s[N / 2]!)).toBeLessThan((4 * Math.sqrt(1 / 4 / N)) / (1 / Math.PI));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// truncatedNormal

describe("truncatedNormal", () => {
  it("against the oracle: √2·erfinv(u), u uniform in [erf(lower/√2), erf(upper/√2)) (float32)", () => {
    const [lo, hi] = [-1, 2];
    const s2 = f32(Math.SQRT2);
    const a = f32(erf(f32(lo / s2)));
    const b = f32(erf(f32(hi / s2)));
    const want = uniform32(K(41), 2000, a, b).map((u) => Math.SQRT2 * erfinv(u));
    const got = valuesOf(random.truncatedNormal(random.key(41), lo, hi, [2000]));
    // erf is float32 in the library: a and b may differ by an ulp, which moves u and erfinv(u) slightly
    expectUlps(got, want, 4, 4e-6);
  });

  it("samples lie strictly inside (lower, upper), also for narrow and far-out intervals", () => {
    for (const [lo, hi] of [
      [-1, 1],
      [0, 0.01],
      [2, 3],
      [-4, -3.5],
      [0.5, 6],
    ] as const) {
      const v = valuesOf(random.truncatedNormal(random.key(42), lo, hi, [N]));
      expect(
        v.every((x) => x > f32(lo) && x < f32(hi)),
        `[${lo}, ${hi}]`,
      ).toBe(true);
    }
  });

  it("the shape defaults to the bounds' broadcast shape; bounds broadcast elementwise", () => {
    const x = random.truncatedNormal(random.key(43), np.array([[-1], [0]]), np.array([1, 2, 3]));
    expect(x.shape).toEqual([2, 3]);
    const v = valuesOf(x);
    const lows = [-1, -1, -1, 0, 0, 0];
    const highs = [1, 2, 3, 1, 2, 3];
    v.forEach((x, i) => {
      expect(x).toBeGreaterThan(lows[i]!);
      expect(x).toBeLessThan(highs[i]!);
    });
    expect(random.truncatedNormal(random.key(43), -1, 1).shape).toEqual([]);
    expect(random.truncatedNormal(random.key(43), -1, 1, [4, 2]).shape).toEqual([4, 2]);
  });

  it("statistics: KS against the truncated normal CDF", () => {
    const [lo, hi] = [-0.5, 1.5];
    const v = valuesOf(random.truncatedNormal(random.key(44), lo, hi, [N]));
    const [pa, pb] = [normalCdf(lo), normalCdf(hi)];
    expect(ks(v, (x) => (normalCdf(x) - pa) / (pb - pa))).toBeLessThan(ks01(N));
  });

  it("float64 dtype", () => {
    const x = random.truncatedNormal(random.key(45), -2, 2, [3000], { dtype: "float64" });
    expect(x.dtype).toBe("float64");
    const a = erf(-2 / Math.SQRT2);
    const b = erf(2 / Math.SQRT2);
    const want = unit64(K(45), 3000).map((u) => Math.SQRT2 * erfinv(Math.max(a, u * (b - a) + a)));
    expectRel(valuesOf(x), want, 1e-12, 1e-12);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// bernoulli and rademacher

describe("bernoulli and rademacher", () => {
  it("bernoulli(key, p, shape) is u < p, u the float32 uniform", () => {
    for (const p of [0, 0.1, 0.5, 0.73, 1]) {
      const x = random.bernoulli(random.key(51), p, [500]);
      expect(x.dtype).toBe("bool");
      expect(x.toArray()).toEqual(uniform32(K(51), 500, 0, 1).map((u) => u < f32(p)));
    }
  });

  it("p defaults to ½; shape defaults to p's shape; an array p broadcasts into the shape", () => {
    expect(random.bernoulli(random.key(52)).shape).toEqual([]);
    expect(random.bernoulli(random.key(52)).item()).toBe(uniform32(K(52), 1, 0, 1)[0]! < 0.5);
    const p = [[0.25], [0.8]];
    const x = random.bernoulli(random.key(52), np.array(p), [2, 6]);
    const u = uniform32(K(52), 12, 0, 1);
    expect(valuesOf(x)).toEqual(u.map((v, i) => Number(v < f32(p[Math.floor(i / 6)]![0]!))));
    expect(random.bernoulli(random.key(52), np.array([0.1, 0.9, 0.5])).shape).toEqual([3]);
  });

  it("a float64 p draws a float64 uniform", () => {
    const x = random.bernoulli(random.key(53), np.array(0.3, { dtype: "float64" }), [400]);
    expect(x.toArray()).toEqual(unit64(K(53), 400).map((u) => u < 0.3));
  });

  it("frequencies: chi-square for several p", () => {
    for (const p of [0.05, 0.3, 0.5, 0.9]) {
      const ones = sum(valuesOf(random.bernoulli(random.key(54), p, [N])));
      expect(chi2([N - ones, ones], [1 - p, p])).toBeLessThan(chi2Crit(1));
    }
  });

  it("rademacher: 2·bernoulli(½) − 1, int32 by default", () => {
    const x = random.rademacher(random.key(55), [300]);
    expect(x.dtype).toBe("int32");
    expect(x.toArray()).toEqual(uniform32(K(55), 300, 0, 1).map((u) => (u < 0.5 ? 1 : -1)));
    expect(random.rademacher(random.key(55), [3], { dtype: "float32" }).dtype).toBe("float32");
    const plus = valuesOf(random.rademacher(random.key(56), [N])).filter((v) => v === 1).length;
    expect(chi2([plus, N - plus], [0.5, 0.5])).toBeLessThan(chi2Crit(1));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// randint

describe("randint", () => {
  const cases: [number, number[], number, number][] = [
    [0, [10], 0, 10],
    [1, [], 0, 10],
    [2, [0], 0, 10],
    [3, [3, 7], -5, 5],
    [4, [1000], 0, 3],
    [5, [500], -(2 ** 31), 2 ** 31 - 1],
    [6, [200], 0, 2 ** 31 - 1],
    [7, [100], 17, 18],
    [8, [100], 5, 5],
    [9, [100], 9, 2],
    [10, [300], -1000000, 123456789],
    [11, [300], 0, 2 ** 20 + 3],
  ];
  it.each(cases)("int32, key(%d), shape %j, [%d, %d): bit for bit", (seed, s, lo, hi) => {
    const x = random.randint(random.key(seed), s, lo, hi);
    expect(x.dtype).toBe("int32");
    expect(x.shape).toEqual(s);
    const n = s.reduce((a, b) => a * b, 1);
    expect(valuesOf(x)).toEqual(randintOf(K(seed), n, lo, hi));
  });

  it("bounds outside int32 clip (a maxval above the range widens the span by one, as JAX)", () => {
    for (const [lo, hi] of [
      [0, 2 ** 31],
      [-(2 ** 40), 5],
      [-(2 ** 31), 2 ** 33],
      [3, 2 ** 32],
    ] as const) {
      expect(valuesOf(random.randint(random.key(12), [200], lo, hi)), `[${lo}, ${hi})`).toEqual(
        randintOf(K(12), 200, lo, hi),
      );
    }
  });

  it("uint32 dtype, including the full range [0, 2³²) where the span wraps to 0", () => {
    for (const [lo, hi] of [
      [0, 10],
      [2 ** 31, 2 ** 32 - 1],
      [0, 2 ** 32],
      [7, 3],
    ] as const) {
      const x = random.randint(random.key(13), [200], lo, hi, { dtype: "uint32" });
      expect(x.dtype).toBe("uint32");
      expect(valuesOf(x), `[${lo}, ${hi})`).toEqual(randintOf(K(13), 200, lo, hi, "uint32"));
    }
  });

  it("fractional bounds are truncated toward zero, numbers and tensors alike (JAX: minval.astype(int))", () => {
    expect(valuesOf(random.randint(random.key(14), [50], 2.7, 9.2))).toEqual(randintOf(K(14), 50, 2, 9));
    expect(valuesOf(random.randint(random.key(14), [50], np.array(-2.7), 5))).toEqual(randintOf(K(14), 50, -2, 5));
    expect(valuesOf(random.randint(random.key(14), [50], -2.7, 5))).toEqual(randintOf(K(14), 50, -2, 5));
    expect(valuesOf(random.randint(random.key(14), [50], -9.5, -1.5))).toEqual(randintOf(K(14), 50, -9, -1));
  });

  it("tensor bounds of the other integer dtype clip into the range (JAX's _convert_and_clip_integer)", () => {
    const big = np.array(Uint32Array.of(3_000_000_000)).reshape([]);
    expect(valuesOf(random.randint(random.key(17), [50], 0, big))).toEqual(randintOf(K(17), 50, 0, 3_000_000_000));
    const lo = np.array(-5, { dtype: "int32" });
    expect(valuesOf(random.randint(random.key(17), [50], lo, 10, { dtype: "uint32" }))).toEqual(
      randintOf(K(17), 50, -5, 10, "uint32"),
    );
  });

  it("array bounds broadcast into the shape", () => {
    const lo = [0, 10, -5];
    const hi = [[3], [100]];
    const x = random.randint(
      random.key(15),
      [2, 3],
      np.array(lo, { dtype: "int32" }),
      np.array(hi, { dtype: "int32" }),
    );
    expect(x.shape).toEqual([2, 3]);
    // each element follows the scalar algorithm with its own bounds (the words depend on the flat index only)
    const want = range(6).map((i) => randintOf(K(15), 6, lo[i % 3]!, hi[Math.floor(i / 3)]![0]!)[i]!);
    expect(valuesOf(x)).toEqual(want);
  });

  it("values lie in [minval, maxval); frequencies pass chi-square", () => {
    const v = valuesOf(random.randint(random.key(16), [N], -3, 4));
    expect(Math.min(...v)).toBe(-3);
    expect(Math.max(...v)).toBe(3);
    expect(
      chi2(
        countsOf(
          v.map((x) => x + 3),
          7,
        ),
        new Array(7).fill(1 / 7),
      ),
    ).toBeLessThan(chi2Crit(6));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// categorical

describe("categorical", () => {
  it("argmax(gumbel + logits) along the last axis, with a shape prefix", () => {
    const logits = [Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)].map(f32);
    const x = random.categorical(random.key(61), np.array(logits), { shape: [500] });
    expect(x.dtype).toBe("int32");
    expect(x.shape).toEqual([500]);
    const g = gumbel32(K(61), 500 * 4);
    const want = range(500).map((i) => {
      const row = range(4).map((j) => f32(g[i * 4 + j]! + logits[j]!));
      return row.indexOf(Math.max(...row));
    });
    expect(valuesOf(x)).toEqual(want);
  });

  it("axis 0 of [3, 2] logits with shape [5, 2]", () => {
    const logits = [
      [0.5, -1],
      [0, 2],
      [1.5, 0.25],
    ];
    const x = random.categorical(random.key(62), np.array(logits), { axis: 0, shape: [5, 2] });
    expect(x.shape).toEqual([5, 2]);
    // JAX draws gumbel of shape [5, 3, 2] (the prefix, then logits' own shape) and takes argmax over axis 1
    const g = gumbel32(K(62), 5 * 3 * 2);
    const want = range(5).flatMap((p) =>
      range(2).map((b) => {
        const col = range(3).map((c) => f32(g[p * 6 + c * 2 + b]! + f32(logits[c]![b]!)));
        return col.indexOf(Math.max(...col));
      }),
    );
    expect(valuesOf(x)).toEqual(want);
  });

  it("the default shape is logits' shape without the axis", () => {
    expect(random.categorical(random.key(63), np.zeros([2, 5])).shape).toEqual([2]);
    expect(random.categorical(random.key(63), np.zeros([4])).shape).toEqual([]);
    expect(random.categorical(random.key(63), np.zeros([2, 5, 3]), { axis: 1 }).shape).toEqual([2, 3]);
    // the axis given positionally, as the API allows for the first option (categorical's declared type omits it)
    const positional = random.categorical as unknown as (k: Tensor, l: Tensor, axis: number) => Tensor;
    expect(positional(random.key(63), np.zeros([2, 5, 3]), 1).shape).toEqual([2, 3]);
  });

  it("frequencies: chi-square against softmax(logits)", () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const v = valuesOf(random.categorical(random.key(64), np.log(np.array(p)), { shape: [N] }));
    expect(chi2(countsOf(v, 4), p)).toBeLessThan(chi2Crit(3));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// permutation and choice

describe("permutation", () => {
  it("permutation(key, n) and of a 1-D array follow JAX's sort-based shuffle", () => {
    for (const [seed, n] of [
      [71, 1],
      [72, 2],
      [73, 10],
      [74, 257],
      [75, 2000], // two rounds of sorting from 1626 elements on
    ] as const) {
      const p = random.permutation(random.key(seed), n);
      expect(p.dtype).toBe("int32");
      expect(valuesOf(p)).toEqual(shuffleOf(K(seed), range(n)));
      const xs = range(n).map((i) => 100 + 3 * i);
      const q = random.permutation(random.key(seed), np.array(xs));
      expect(valuesOf(q)).toEqual(shuffleOf(K(seed), xs));
    }
  });

  it("permutation(key, 0) is empty", () => {
    expect(random.permutation(random.key(1), 0).shape).toEqual([0]);
  });

  it("a 2-D array is permuted along the axis as a whole (rows, or columns with axis 1)", () => {
    const x = np.arange(12).reshape([3, 4]);
    const rows = shuffleOf(K(76), range(3));
    expect(random.permutation(random.key(76), x).toArray()).toEqual(rows.map((r) => range(4).map((c) => r * 4 + c)));
    const cols = shuffleOf(K(76), range(4));
    expect(random.permutation(random.key(76), x, { axis: 1 }).toArray()).toEqual(
      range(3).map((r) => cols.map((c) => r * 4 + c)),
    );
  });

  it("independent: each column shuffled separately by the words of x's own shape", () => {
    const x = np.arange(12).reshape([4, 3]);
    const got = random.permutation(random.key(77), x, { axis: 0, independent: true }).toArray() as number[][];
    const [, sub] = splitOf(K(77), 2);
    const w = bitsOf(sub!, 12);
    const want = range(3).map((c) =>
      range(4)
        .sort((a, b) => w[a * 3 + c]! - w[b * 3 + c]! || a - b)
        .map((r) => r * 3 + c),
    );
    expect(got).toEqual(range(4).map((r) => range(3).map((c) => want[c]![r]!)));
  });

  it("results are permutations", () => {
    for (let seed = 0; seed < 20; seed++) {
      const v = valuesOf(random.permutation(random.key(seed), 37));
      expect([...v].sort((a, b) => a - b)).toEqual(range(37));
    }
  });

  it("all 6 orders of 3 appear about equally often over many keys (chi-square)", () => {
    const keys = random.split(random.key(78), 3000);
    const perms = (np.stack(range(3000).map((i) => random.permutation(keys.slice(i), 3))).toArray() as number[][]).map(
      (p) => p.join(""),
    );
    const orders = ["012", "021", "102", "120", "201", "210"];
    expect(perms.every((p) => orders.includes(p))).toBe(true);
    const counts = orders.map((o) => perms.filter((p) => p === o).length);
    expect(chi2(counts, new Array(6).fill(1 / 6))).toBeLessThan(chi2Crit(5));
  });
});

describe("choice", () => {
  it("with replacement, uniform: randint(key, shape, 0, n), then taken from a", () => {
    const idx = randintOf(K(81), 12, 0, 5);
    expect(valuesOf(random.choice(random.key(81), 5, [3, 4]))).toEqual(idx);
    const a = [10, 20, 30, 40, 50];
    const x = random.choice(random.key(81), np.array(a, { dtype: "int32" }), [3, 4]);
    expect(x.shape).toEqual([3, 4]);
    expect(valuesOf(x)).toEqual(idx.map((i) => a[i]!));
    expect(random.choice(random.key(81), 5).shape).toEqual([]);
  });

  it("without replacement, uniform: the first draws of permutation(key, n)", () => {
    const perm = shuffleOf(K(82), range(10));
    expect(valuesOf(random.choice(random.key(82), 10, [4], { replace: false }))).toEqual(perm.slice(0, 4));
    expect(valuesOf(random.choice(random.key(82), 10, [2, 5], { replace: false }))).toEqual(perm);
  });

  it("rows of a 2-D array along axis 0, and columns along axis 1", () => {
    const a = np.arange(15).reshape([5, 3]);
    const idx = randintOf(K(83), 2, 0, 5);
    expect(random.choice(random.key(83), a, [2]).toArray()).toEqual(idx.map((r) => [0, 1, 2].map((c) => r * 3 + c)));
    const cols = randintOf(K(83), 4, 0, 3);
    const x = random.choice(random.key(83), a, [4], { axis: 1 });
    expect(x.shape).toEqual([5, 4]);
    expect(x.toArray()).toEqual(range(5).map((r) => cols.map((c) => r * 3 + c)));
  });

  it("with replacement and p: searchsorted(cumsum(p), total·(1 − u)) in float32", () => {
    const p = [0.1, 0.2, 0.3, 0.15, 0.25];
    const cum: number[] = [];
    p.reduce((acc, v) => {
      const s = f32(acc + f32(v));
      cum.push(s);
      return s;
    }, 0);
    const total = cum[cum.length - 1]!;
    const want = uniform32(K(84), 400, 0, 1).map((u) => {
      const r = f32(total * f32(1 - u));
      return cum.filter((c) => c < r).length;
    });
    expect(valuesOf(random.choice(random.key(84), 5, [400], { p: np.array(p) }))).toEqual(want);
  });

  it("without replacement and p: the top draws of gumbel + log p (distinct)", () => {
    const p = [0.1, 0.2, 0.3, 0.15, 0.25];
    const g = gumbel32(K(85), 5).map((v, i) => f32(v + f32(Math.log(f32(p[i]!)))));
    const order = range(5).sort((a, b) => g[b]! - g[a]! || a - b);
    const x = random.choice(random.key(85), 5, [3], { replace: false, p: np.array(p) });
    expect(valuesOf(x)).toEqual(order.slice(0, 3));
  });

  it("shape [0] draws nothing", () => {
    expect(random.choice(random.key(1), 5, [0]).shape).toEqual([0]);
  });

  it("frequencies with p: chi-square", () => {
    const p = [0.1, 0.2, 0.3, 0.15, 0.25];
    const v = valuesOf(random.choice(random.key(86), 5, [N], { p: np.array(p) }));
    expect(chi2(countsOf(v, 5), p)).toBeLessThan(chi2Crit(4));
  });

  it("without replacement the draws are distinct", () => {
    for (let seed = 0; seed < 10; seed++) {
      const v = valuesOf(random.choice(random.key(seed), 8, [8], { replace: false }));
      expect(new Set(v).size).toBe(8);
      const w = valuesOf(random.choice(random.key(seed), 8, [5], { replace: false, p: np.ones([8]).div(8) }));
      expect(new Set(w).size).toBe(5);
    }
  });
});
