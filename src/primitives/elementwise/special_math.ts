// Scalar float64 kernels of the special functions behind lgamma, digamma, polygamma, erf_inv, igamma and friends
// (no primitive is defined here). Each is accurate to a few ulps of float64 away from its zeros and poles.

const EULER = 0.5772156649015329;
const LOG_SQRT_2PI = 0.9189385332046728;

/** B₂ⱼ, the Bernoulli numbers of even index 2 … 26. */
const BERNOULLI = [
  1 / 6,
  -1 / 30,
  1 / 42,
  -1 / 30,
  5 / 66,
  -691 / 2730,
  7 / 6,
  -3617 / 510,
  43867 / 798,
  -174611 / 330,
  854513 / 138,
  -236364091 / 2730,
  8553103 / 6,
];

export function factorial(n: number): number {
  if (n > 170) return Infinity;
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/** B₂ⱼ / (2j)!, the weights of the Euler–Maclaurin tail. */
const BERNOULLI_OVER_FACTORIAL = BERNOULLI.map((b, j) => b / factorial(2 * j + 2));

/** x − 2·round(x/2), exactly: the same point of the period 2, in [−1, 1]. */
const reduce2 = (x: number): number => x - 2 * Math.round(x / 2);

/** sin(πx), exact at the integers and accurate for large |x|. */
export function sinpi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const r = reduce2(x);
  const s = r < 0 ? -1 : 1;
  let a = Math.abs(r);
  if (a > 0.5) a = 1 - a; // sin(π(1 − a)) = sin(πa)
  return s * (a <= 0.25 ? Math.sin(Math.PI * a) : Math.cos(Math.PI * (0.5 - a)));
}

/** cos(πx), exact at the half-integers and accurate for large |x|. */
export function cospi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const a = Math.abs(reduce2(x));
  if (a <= 0.25) return Math.cos(Math.PI * a);
  if (a <= 0.75) return Math.sin(Math.PI * (0.5 - a));
  return -Math.cos(Math.PI * (1 - a));
}

/**
 * The Hurwitz zeta function ζ(s, q) = Σₖ (q + k)⁻ˢ for s > 1 and q > 0: the terms below w = q + N ≥ 12 + s summed
 * directly, the rest by the Euler–Maclaurin formula (its Bernoulli terms shrink like (s + 2j)² / (2πw)²).
 */
export function hurwitzZeta(s: number, q: number): number {
  const W = 12 + s;
  let sum = 0;
  let n = 0;
  for (; q + n < W; n++) {
    const term = (q + n) ** -s;
    sum += term;
    if (n > 0 && term <= 1e-17 * sum) return sum; // large s: the rest is smaller still
  }
  const w = q + n;
  const base = w ** -s;
  let tail = (base * w) / (s - 1) + base / 2;
  let fac = s / w; // (s)₂ⱼ₋₁ / w²ʲ⁻¹, the rising factorial over the power
  for (let j = 0; j < BERNOULLI_OVER_FACTORIAL.length; j++) {
    const term = BERNOULLI_OVER_FACTORIAL[j]! * fac * base;
    tail += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum + tail)) break;
    fac *= ((s + 2 * j + 1) * (s + 2 * j + 2)) / (w * w);
  }
  return sum + tail;
}

/** ζ(k) − 1 = ζ(k, 2) for k = 0 … 49 (entries 0 and 1 unused), the Taylor coefficients of lgamma at 1. */
let zetaMinusOne: Float64Array | undefined;
function zetaM1(): Float64Array {
  if (!zetaMinusOne) {
    zetaMinusOne = new Float64Array(50);
    for (let k = 2; k < 50; k++) zetaMinusOne[k] = hurwitzZeta(k, 2);
  }
  return zetaMinusOne;
}

/**
 * lgamma(1 + e) for |e| ≤ 1/2: −γe + Σₖ₌₂ (−1)ᵏ ζ(k) eᵏ/k, with the ζ(k) = 1 part summed in closed form,
 * e − log1p(e), so the rest shrinks like (e/2)ᵏ. Accurate relative to the result near its zero at e = 0.
 */
function lgamma1p(e: number): number {
  const z = zetaM1();
  let sum = 0;
  let pw = e * e;
  for (let k = 2; k < 50; k++) {
    const term = (z[k]! * pw) / k;
    sum += k % 2 === 0 ? term : -term;
    if (Math.abs(term) <= 1e-18 * Math.abs(e)) break;
    pw *= e;
  }
  return -EULER * e + (e - Math.log1p(e)) + sum;
}

/**
 * log|Γ(x)|: Taylor series at 1 and 2 (so it is accurate relative to the result near those zeros), the recurrence
 * down to them below 10, Stirling's series from 10 on, and the reflection formula below −1/2. +∞ at the poles.
 */
export function lgammaKernel(x: number): number {
  if (x !== x) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && x === Math.floor(x)) return Infinity;
  if (x < -0.5) return Math.log(Math.PI / Math.abs(sinpi(x))) - lgammaKernel(1 - x);
  if (x < 0.5) return lgamma1p(x) - Math.log(Math.abs(x)); // Γ(x) = Γ(1 + x)/x
  if (x < 1.5) return lgamma1p(x - 1);
  if (x < 2.5) return Math.log1p(x - 2) + lgamma1p(x - 2); // Γ(2 + e) = (1 + e)·Γ(1 + e)
  if (x < 10) {
    let y = x;
    let p = 1;
    while (y >= 2.5) {
      y -= 1; // exact
      p *= y;
    }
    return Math.log(p) + lgammaKernel(y);
  }
  const r = 1 / (x * x);
  let t = 1 / x;
  let s = 0;
  for (let k = 1; k <= 8; k++) {
    s += (BERNOULLI[k - 1]! / (2 * k * (2 * k - 1))) * t;
    t *= r;
  }
  return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + s;
}

/** The positive zero of ψ, as a sum of two doubles. */
const ROOT_HI = 1.4616321449683622;
const ROOT_LO = 9.549995429965697e-17;
/** ψ(root + δ) = Σₖ (−1)ᵏ⁺¹ ζ(k + 1, root) δᵏ: its coefficients, k = 1 … 28. */
let rootCoefficients: Float64Array | undefined;
function rootSeries(d: number): number {
  if (!rootCoefficients) {
    rootCoefficients = new Float64Array(29);
    for (let k = 1; k < 29; k++) rootCoefficients[k] = (k % 2 === 1 ? 1 : -1) * hurwitzZeta(k + 1, ROOT_HI);
  }
  let s = 0;
  for (let k = 28; k >= 1; k--) s = (s + rootCoefficients[k]!) * d;
  return s;
}

/**
 * ψ(x) = d/dx log Γ(x): the reflection formula below 0, a Taylor series about its positive zero (accurate relative to
 * the result there), and elsewhere the recurrence up to 10 and the asymptotic series. NaN at the poles 0, −1, …
 */
export function digammaKernel(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && x === Math.floor(x)) return NaN;
  if (x < 0) return digammaKernel(1 - x) - (Math.PI * cospi(x)) / sinpi(x);
  if (Math.abs(x - ROOT_HI) < 0.25) return rootSeries(x - ROOT_HI - ROOT_LO);
  let acc = 0;
  let w = x;
  for (let k = 0; x + k < 10; k++) {
    acc -= 1 / (x + k);
    w = x + k + 1;
  }
  const r = 1 / (w * w);
  let t = r;
  let s = 0;
  for (let k = 1; k <= 9; k++) {
    s += (BERNOULLI[k - 1]! / (2 * k)) * t;
    t *= r;
  }
  return acc + Math.log(w) - 0.5 / w - s;
}

/** Coefficients (ascending powers of c) of Pₘ with dᵐ/dzᵐ cot z = Pₘ(cot z): P₀ = c, Pₖ₊₁ = −(1 + c²)·Pₖ′. */
const cotPolys: number[][] = [[0, 1]];
function cotPoly(m: number): number[] {
  while (cotPolys.length <= m) {
    const p = cotPolys[cotPolys.length - 1]!;
    const d = p.slice(1).map((c, i) => c * (i + 1)); // P′
    const next = new Array<number>(d.length + 2).fill(0);
    d.forEach((c, i) => {
      next[i] = next[i]! - c;
      next[i + 2] = next[i + 2]! - c;
    });
    cotPolys.push(next);
  }
  return cotPolys[m]!;
}

/**
 * ψ⁽ᵐ⁾(x), the m-th derivative of ψ (m a whole number; m = 0 is ψ): (−1)ᵐ⁺¹ m! ζ(m + 1, x) for x > 0, and the
 * reflection formula (−1)ᵐ ψ⁽ᵐ⁾(1 − x) − ψ⁽ᵐ⁾(x) = π dᵐ/dxᵐ cot(πx) below. At the poles 0, −1, …: +∞ for odd m,
 * NaN for even m (as XLA's zeta).
 */
export function polygammaKernel(m: number, x: number): number {
  if (m === 0) return digammaKernel(x);
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (x <= 0 && x === Math.floor(x)) return m % 2 === 1 ? Infinity : NaN;
  if (x > 0) {
    const z = hurwitzZeta(m + 1, x);
    const sign = m % 2 === 1 ? 1 : -1;
    // m! overflows past 170 where m!·ζ may not
    if (m <= 170) return sign * factorial(m) * z;
    // where ζ underflows, its first term x^−(m+1) dominates
    return sign * Math.exp(lgammaKernel(m + 1) + (z > 0 ? Math.log(z) : -(m + 1) * Math.log(x)));
  }
  if (m > 170) return NaN; // the reflection's polynomial would be of degree m + 1
  const c = cospi(x) / sinpi(x);
  const p = cotPoly(m);
  let v = 0;
  for (let i = p.length - 1; i >= 0; i--) v = v * c + p[i]!;
  return (m % 2 === 0 ? 1 : -1) * polygammaKernel(m, 1 - x) - Math.PI ** (m + 1) * v;
}

// ---------------------------------------------------------------------------------------------------------------
// erf⁻¹: M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), evaluated as XLA's ErfInv does.

const f32 = Math.fround;
const GILES32_SMALL = [
  2.81022636e-8, 3.43273939e-7, -0.0000035233877, -0.00000439150654, 0.00021858087, -0.00125372503, -0.00417768164,
  0.246640727, 1.50140941,
].map(f32);
const GILES32_LARGE = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
  1.00167406, 2.83297682,
].map(f32);

const SQRT1_2_32 = f32(Math.SQRT1_2);
/** 2⁻ᵏ for k ≤ 25 (the mantissa of an integer below 2²⁵). */
const POW2_NEG = Array.from({ length: 26 }, (_, k) => 2 ** -k);
// fdlibm's log: ln 2 in two parts (the first with trailing zeros, so e·LN2_HI is exact) and the fit
// log(1 + f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2 + f), |f| ≤ √2 − 1, within 2^−58.45
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const [LG1, LG2, LG3, LG4, LG5, LG6, LG7] = [
  0.6666666666666735, 0.3999999999940942, 0.2857142874366239, 0.22222198432149784, 0.1818357216161805,
  0.15313837699209373, 0.14798198605116586,
];

/** erfInv32's constants, for wasm/erf_inv.ts (its kernel computes with the same ones). */
export const ERF_INV32_CONSTANTS = {
  gilesSmall: GILES32_SMALL,
  gilesLarge: GILES32_LARGE,
  ln2Hi: LN2_HI,
  ln2Lo: LN2_LO,
  lg: [LG1, LG2, LG3, LG4, LG5, LG6, LG7],
} as const;

/**
 * w = −log1p(−t) rounded to float32, for t = fl(x²) in [0, 1) (XLA's ErfInv32 takes the correctly rounded float32
 * log1p; this one is within a few float64 ulps of it, so its float32 rounding is the same but for values within
 * ~10⁻¹⁵ of a tie between two floats). Float32 steps split 1 − t exactly: u = fl(1 − t), c = (u − 1) + t (exact),
 * so 1 − t = u − c, and u = 2ᵉ·(1 + f) with f ∈ [√½ − 1, √2 − 1) (u's exponent and mantissa, f exact). Then float64
 * steps: log(1 − t) = e·ln 2 + log1p(f) + log1p(−g), g = c/u, with log1p(f) as fdlibm's log and
 * log1p(−g) ≈ −g − g²/2 (|g| < 2⁻²⁴). wasm/erf_inv.ts runs the same steps (float32 ones on f32x4 lanes, float64 ones
 * on f64x2), so the bits are the same.
 *
 * u's exponent and mantissa: u is a multiple of 2⁻²⁴ in (0, 1] (1 − t is exact for t ≥ ½, and rounds onto that grid
 * for t < ½), so k = u·2²⁴ is an integer in [1, 2²⁴] and clz32 reads its exponent exactly.
 */
function negLog1p32(t: number): number {
  const u = f32(1 - t);
  const c = f32(f32(u - 1) + t);
  const k = u * 16777216;
  const h = 32 - Math.clz32(k); // k ∈ [2^(h−1), 2^h): u = m·2ᵉ, m ∈ [½, 1)
  let f = k * POW2_NEG[h]!;
  let e = h - 24;
  // m < √½: 1 + f = 2m, e ← e − 1; else 1 + f = m
  if (f < SQRT1_2_32) {
    f = f32(f32(f + f) - 1);
    e -= 1;
  } else f = f32(f - 1);
  // float64 from here
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6));
  const hfsq = 0.5 * f * f;
  const log1pF = f - (hfsq - s * (hfsq + r));
  const g = c / u;
  return -f32(e * LN2_HI + (log1pF + e * LN2_LO - (g + g * g * 0.5)));
}

/**
 * erf⁻¹ in float32 arithmetic: XLA's ErfInv32 (Giles' single-precision fit in w = −log1p(−x²): a degree-8
 * polynomial in w − 2.5 for w < 5, else in √w − 3, times x; ±∞ at ±1, NaN beyond), every step a float32 operation
 * as XLA's, but for w, computed by negLog1p32 instead of a correctly rounded log1p. Within 1 ulp of XLA's ErfInv32
 * for |x| ≤ 1 − 2⁻²⁴ (test/primitives/erf_inv_simd.test.ts).
 */
export function erfInv32(x: number): number {
  x = f32(x);
  const t = f32(x * x);
  if (!(t < 1)) return t === 1 ? x * Infinity : NaN;
  const w0 = negLog1p32(t);
  let p: number;
  if (w0 < 5) {
    const w = f32(w0 - 2.5);
    p = GILES32_SMALL[0]!;
    for (let i = 1; i < GILES32_SMALL.length; i++) p = f32(GILES32_SMALL[i]! + f32(p * w));
  } else {
    const w = f32(f32(Math.sqrt(w0)) - 3);
    p = GILES32_LARGE[0]!;
    for (let i = 1; i < GILES32_LARGE.length; i++) p = f32(GILES32_LARGE[i]! + f32(p * w));
  }
  return f32(p * x);
}

/**
 * erfInv32 over a whole array (the JS kernel of float32 erf_inv; the eager backend's WebAssembly kernel gives the
 * same bits), unrolled.
 */
export function erfInv32Array(src: ArrayLike<number>, dst: Float32Array): void {
  const [s0, s1, s2, s3, s4, s5, s6, s7, s8] = GILES32_SMALL as Nine;
  const [l0, l1, l2, l3, l4, l5, l6, l7, l8] = GILES32_LARGE as Nine;
  for (let i = 0; i < src.length; i++) {
    const x = f32(src[i]!);
    const t = f32(x * x);
    if (!(t < 1)) {
      dst[i] = t === 1 ? x * Infinity : NaN;
      continue;
    }
    const w0 = negLog1p32(t);
    let p: number;
    if (w0 < 5) {
      const w = f32(w0 - 2.5);
      p = f32(s1 + f32(s0 * w));
      p = f32(s2 + f32(p * w));
      p = f32(s3 + f32(p * w));
      p = f32(s4 + f32(p * w));
      p = f32(s5 + f32(p * w));
      p = f32(s6 + f32(p * w));
      p = f32(s7 + f32(p * w));
      p = f32(s8 + f32(p * w));
    } else {
      const w = f32(f32(Math.sqrt(w0)) - 3);
      p = f32(l1 + f32(l0 * w));
      p = f32(l2 + f32(p * w));
      p = f32(l3 + f32(p * w));
      p = f32(l4 + f32(p * w));
      p = f32(l5 + f32(p * w));
      p = f32(l6 + f32(p * w));
      p = f32(l7 + f32(p * w));
      p = f32(l8 + f32(p * w));
    }
    dst[i] = p * x;
  }
}
type Nine = [number, number, number, number, number, number, number, number, number];

const GILES64_A = [
  -3.64441206401782e-21, -1.6850591381820166e-19, 1.28584807152564e-18, 1.1157877678025181e-17, -1.333171662854621e-16,
  2.0972767875968562e-17, 6.637638134358324e-15, -4.054566272975207e-14, -8.151934197605472e-14, 2.6335093153082323e-12,
  -1.2975133253453532e-11, -5.415412054294628e-11, 1.0512122733215323e-9, -4.112633980346984e-9, -2.9070369957882005e-8,
  4.2347877827932404e-7, -0.0000013654692000834679, -0.000013882523362786469, 0.00018673420803405714,
  -0.000740702534166267, -0.006033670871430149, 0.24015818242558962, 1.6536545626831027,
];
const GILES64_B = [
  2.2137376921775787e-9, 9.075656193888539e-8, -2.7517406297064545e-7, 1.8239629214389228e-8, 0.0000015027403968909828,
  -0.000004013867526981546, 0.0000029234449089955446, 0.000012475304481671779, -0.000047318229009055734,
  0.00006828485145957318, 0.000024031110387097894, -0.0003550375203628475, 0.0009532893797373805,
  -0.0016882755560235047, 0.002491442096107851, -0.003751208507569241, 0.005370914553590064, 1.0052589676941592,
  3.0838856104922208,
];
const GILES64_C = [
  -2.7109920616438573e-11, -2.555641816996525e-10, 1.5076572693500548e-9, -3.789465440126737e-9, 7.61570120807834e-9,
  -1.496002662714924e-8, 2.914795345090108e-8, -6.771199775845234e-8, 2.2900482228026655e-7, -9.9298272942317e-7,
  0.000004526062597223154, -0.00001968177810553167, 0.00007599527703001776, -0.00021503011930044477,
  -0.00013871931833623122, 1.0103004648645344, 4.849906401408584,
];

/** erf⁻¹ in float64: Giles' double-precision fit (three ranges of w = −log(1 − x²)); ±∞ at ±1, NaN beyond. */
export function erfInv64(x: number): number {
  if (Math.abs(x) === 1) return x * Infinity;
  // w = −log((1 − x)(1 + x)) with 1 − |x| exact near 1 (XLA's −log1p(−x²) loses digits there)
  const ax = Math.abs(x);
  let w = ax < 0.5 ? -Math.log1p(-x * x) : -(Math.log1p(-ax) + Math.log1p(ax));
  let c: number[];
  if (w < 6.25) {
    c = GILES64_A;
    w -= 3.125;
  } else if (w < 16) {
    c = GILES64_B;
    w = Math.sqrt(w) - 3.25;
  } else {
    c = GILES64_C;
    w = Math.sqrt(w) - 5;
  }
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = c[i]! + p * w;
  return p * x;
}

// ---------------------------------------------------------------------------------------------------------------
// The regularized incomplete gamma functions and their derivatives in a, as truncated Taylor series ("jets") in a:
// a jet of order M holds f(a), f′(a), f″(a)/2!, …, f⁽ᴹ⁾(a)/M!. The series and the continued fraction run on jets, so
// every derivative in a is the exact derivative of the same approximant (as XLA's IgammaSeries and
// IgammacContinuedFraction carry the first derivative along).

const EPS = 2 ** -53;

/**
 * P(a, x) = e^L · S (the series, x ≤ 1 or x ≤ a) or Q(a, x) = e^L · S (the continued fraction, otherwise), with L
 * and S as jets in a of order `order`; `complement` says which. Assumes a > 0, 0 < x < ∞.
 */
export interface IgammaParts {
  complement: boolean;
  log: Float64Array;
  factor: Float64Array;
}

/** The jet of lgamma at a of order `order`: lgamma(a), ψ(a), ψ′(a)/2!, … */
function lgammaJet(a: number, order: number): Float64Array {
  const j = new Float64Array(order + 1);
  j[0] = lgammaKernel(a);
  for (let k = 1; k <= order; k++) j[k] = polygammaKernel(k - 1, a) / factorial(k);
  return j;
}

export function igammaParts(a: number, x: number, order: number): IgammaParts {
  const n = order + 1;
  const lx = Math.log(x);
  const complement = x > 1 && x > a;
  // L = a·log x − x − lgamma(a + 1) (series) or − lgamma(a) (continued fraction)
  const log = lgammaJet(complement ? a : a + 1, order).map((v) => -v);
  log[0] += a * lx - x;
  if (n > 1) log[1] += lx;
  const factor = new Float64Array(n);
  if (!complement) {
    // S = Σⱼ cⱼ, c₀ = 1, cⱼ = cⱼ₋₁ · x/(a + j)
    const c = new Float64Array(n);
    c[0] = 1;
    factor[0] = 1;
    for (let j = 1; j < 100000; j++) {
      const r = a + j;
      // divide the jet by the jet of a + j, (r, 1, 0, …), then multiply by x
      c[0] = c[0]! / r;
      for (let k = 1; k < n; k++) c[k] = (c[k]! - c[k - 1]!) / r;
      let done = true;
      for (let k = 0; k < n; k++) {
        c[k] = c[k]! * x;
        factor[k] = factor[k]! + c[k]!;
        if (Math.abs(c[k]!) > EPS * Math.abs(factor[k]!)) done = false;
      }
      if (done) break;
    }
    return { complement, log, factor };
  }
  // Q's continued fraction (Legendre's, DLMF 8.9.2) by the modified Lentz algorithm, h = b₀ + a₁/(b₁ + a₂/(b₂ + …))
  // inverted: each step multiplies h by a ratio Δ → 1, so the jets of the convergents carry no growing cancellation
  // (a three-term recurrence's do, in their derivative parts). bᵢ = x + 2i + 1 − a, aᵢ = −i(i − a).
  const tiny = 1e-300;
  const b = new Float64Array(n);
  const an = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  const t = new Float64Array(n);
  const delta = new Float64Array(n);
  const h = factor;
  b[0] = x + 1 - a;
  if (n > 1) b[1] = -1;
  c[0] = 1 / tiny;
  reciprocal(b, d);
  h.set(d);
  for (let i = 1; i < 100000; i++) {
    an[0] = -i * (i - a);
    if (n > 1) an[1] = i;
    b[0] += 2;
    // d ← 1/(b + an·d)
    multiply(an, d, t);
    for (let k = 0; k < n; k++) t[k] = t[k]! + b[k]!;
    if (Math.abs(t[0]!) < tiny) t[0] = tiny;
    reciprocal(t, d);
    // c ← b + an/c
    reciprocal(c, t);
    multiply(an, t, c);
    for (let k = 0; k < n; k++) c[k] = c[k]! + b[k]!;
    if (Math.abs(c[0]!) < tiny) c[0] = tiny;
    multiply(d, c, delta);
    multiply(h, delta, t);
    h.set(t);
    let done = Math.abs(delta[0]! - 1) <= EPS;
    for (let k = 1; k < n && done; k++) done = Math.abs(delta[k]!) <= EPS;
    if (done) break;
  }
  return { complement, log, factor };
}

/** out = p·q on jets (out distinct from both). */
function multiply(p: Float64Array, q: Float64Array, out: Float64Array): void {
  for (let k = 0; k < p.length; k++) {
    let s = 0;
    for (let j = 0; j <= k; j++) s += p[j]! * q[k - j]!;
    out[k] = s;
  }
}

/** out = 1/q on jets (out distinct from q). */
function reciprocal(q: Float64Array, out: Float64Array): void {
  for (let k = 0; k < q.length; k++) {
    let s = k === 0 ? 1 : 0;
    for (let j = 0; j < k; j++) s -= out[j]! * q[k - j]!;
    out[k] = s / q[0]!;
  }
}

/** e^L · S as a jet (e^L by the recurrence k·Eₖ = Σⱼ j·Lⱼ·Eₖ₋ⱼ). */
function productOfExp(log: Float64Array, factor: Float64Array): Float64Array {
  const n = log.length;
  const e = new Float64Array(n);
  e[0] = Math.exp(log[0]!);
  for (let k = 1; k < n; k++) {
    let s = 0;
    for (let j = 1; j <= k; j++) s += j * log[j]! * e[k - j]!;
    e[k] = s / k;
  }
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let j = 0; j <= k; j++) s += e[j]! * factor[k - j]!;
    out[k] = s;
  }
  return out;
}

/** Out of the domain (a ≤ 0, x < 0, NaN) the incomplete gamma functions are NaN. */
const outOfDomain = (a: number, x: number) => !(a > 0) || !(x >= 0);

/** P(a, x), the regularized lower incomplete gamma function. */
export function igammaKernel(a: number, x: number): number {
  if (outOfDomain(a, x)) return NaN;
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  const { complement, log, factor } = igammaParts(a, x, 0);
  const v = Math.exp(log[0]!) * factor[0]!;
  return complement ? 1 - v : v;
}

/** Q(a, x) = 1 − P(a, x), computed directly where it is the smaller one. */
export function igammacKernel(a: number, x: number): number {
  if (outOfDomain(a, x)) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const { complement, log, factor } = igammaParts(a, x, 0);
  const v = Math.exp(log[0]!) * factor[0]!;
  return complement ? v : 1 - v;
}

/** ∂ᵐP/∂aᵐ (a, x) for m ≥ 1. */
export function igammaDerivAKernel(a: number, x: number, m: number): number {
  if (outOfDomain(a, x)) return NaN;
  if (x === 0 || x === Infinity) return 0;
  const { complement, log, factor } = igammaParts(a, x, m);
  const v = productOfExp(log, factor)[m]! * factorial(m);
  return complement ? -v : v;
}

/**
 * dx/da of a Gamma(a, 1) sample x at a fixed value of its CDF, −(∂P/∂a)/(∂P/∂x), from the jets without forming
 * e^L (which may underflow where the ratio does not): (S′ + L′S)·x/a on the series side, −(S′ + L′S)·x beyond.
 */
export function randomGammaGradKernel(a: number, x: number): number {
  if (outOfDomain(a, x)) return NaN;
  if (x === 0) return 0;
  const { complement, log, factor } = igammaParts(a, x, 1);
  const d = factor[1]! + log[1]! * factor[0]!;
  return complement ? d * x : (-d * x) / a;
}
