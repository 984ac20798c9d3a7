// The PRNG (JAX's threefry2x32, `random`) at 1e6 float32 draws: normal, uniform, and raw 32-bit words, tracegrad
// eager and jit against jax-js (its wasm device) and, for normal, a plain JS Math.random() Box–Muller loop.
//
// Three suites (`npm run bench -- random` runs them all):
//   random-normal   random.normal(key, [1e6])
//   random-uniform  random.uniform(key, [1e6])
//   random-bits     random.bits(key, [1e6]), with GB/s (4 bytes per word)
//
// Every call draws from a fresh key. The keys come from `random.split` of a seed key into a pool, made in setup
// (outside the timed region), one per call in turn; one tracegrad case instead carries its key through the jitted
// call (split inside the timed call), as a JAX training loop does.
import { jit, random, type Tensor } from "tracegrad";
import { bitsOf } from "../../test/random/oracle.js";
import { ratioLine, type Suite } from "../harness.js";
import { jax, loadJax } from "./libs.js";

const n = 1_000_000;
/** Keys per pool: more than the calls of any case (warm-up + timed + checks), so no call reuses a key. */
const POOL = 128;

type JArray = jax.numpy.Array;

/** A cycle over keys: each call returns the next one. */
function cycle<K>(keys: readonly K[]): () => K {
  let i = 0;
  return () => keys[i++ % keys.length]!;
}

/** `POOL` tracegrad keys: the rows of `random.split(random.key(seed), POOL)`, concrete. */
function tgKeys(seed: number): Tensor[] {
  const ks = random.split(random.key(seed), POOL);
  return Array.from({ length: POOL }, (_, i) => ks.slice(i));
}

/** `POOL` jax-js keys: the rows of `jax.random.split(jax.random.key(seed), POOL)`, each kept (pass `.ref`). */
function jaxKeys(seed: number): JArray[] {
  const ks = jax.random.split(jax.random.key(seed), POOL);
  const rows = Array.from({ length: POOL }, (_, i) => ks.ref.slice(i));
  ks.dispose();
  return rows;
}

/** A jax-js sampler as a case: a fresh key (a reference to a pool key) per call, awaited, output disposed. */
function jaxCase(draw: (key: JArray) => JArray, keys: readonly JArray[]) {
  const next = cycle(keys);
  return async () => {
    const y = draw(next().ref);
    await y.blockUntilReady();
    y.dispose();
  };
}

/** Reads one jax-js draw (disposing it). */
const jaxData = (draw: (key: JArray) => JArray, key: JArray): ArrayLike<number> => draw(key.ref).dataSync();

/** Plain JS: Box–Muller on Math.random(), both outputs of each pair, into a new Float32Array. */
function boxMullerLoop(len: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const t = 2 * Math.PI * Math.random();
    out[i] = r * Math.cos(t);
    if (i + 1 < len) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

interface Moments {
  mean: number;
  variance: number;
  min: number;
  max: number;
  finite: boolean;
}
function moments(xs: ArrayLike<number>): Moments {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (!Number.isFinite(v)) finite = false;
    s += v;
    s2 += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / xs.length;
  return { mean, variance: s2 / xs.length - mean * mean, min, max, finite };
}
const fmtMoments = (m: Moments) =>
  `mean ${m.mean.toFixed(5)}, variance ${m.variance.toFixed(5)}, range [${m.min.toFixed(4)}, ${m.max.toFixed(4)}]`;

// Tolerances for n = 1e6 draws, about 7 standard errors: the mean's is σ/√n, the sample variance's ≈ σ²·√(2/n)
// for a normal and σ²·√(4/5n) for a uniform.
const NORMAL_TOL = { mean: 0.007, variance: 0.01 };
const UNIFORM_TOL = { mean: 0.0021, variance: 0.0006 };

/** Throws unless `xs` looks like n standard normal draws. */
function checkNormal(what: string, xs: ArrayLike<number>): string {
  const m = moments(xs);
  const ok =
    xs.length === n &&
    m.finite &&
    Math.abs(m.mean) <= NORMAL_TOL.mean &&
    Math.abs(m.variance - 1) <= NORMAL_TOL.variance &&
    m.min > -7 &&
    m.max < 7;
  if (!ok) throw new Error(`random-normal: ${what}: ${xs.length} values, ${fmtMoments(m)}; expected N(0, 1)`);
  return `${what}: ${fmtMoments(m)}`;
}

/** Throws unless `xs` looks like n uniform draws in [0, 1). */
function checkUniform(what: string, xs: ArrayLike<number>): string {
  const m = moments(xs);
  const ok =
    xs.length === n &&
    m.finite &&
    m.min >= 0 &&
    m.max < 1 &&
    Math.abs(m.mean - 0.5) <= UNIFORM_TOL.mean &&
    Math.abs(m.variance - 1 / 12) <= UNIFORM_TOL.variance;
  if (!ok) throw new Error(`random-uniform: ${what}: ${xs.length} values, ${fmtMoments(m)}; expected U[0, 1)`);
  return `${what}: ${fmtMoments(m)}`;
}

/** Throws unless `ws` are n uint32 words whose 32 bit positions are each set about half the time. */
function checkBits(what: string, ws: ArrayLike<number>): string {
  if (ws.length !== n) throw new Error(`random-bits: ${what}: ${ws.length} words, expected ${n}`);
  const ones = new Float64Array(32);
  for (let i = 0; i < n; i++) {
    const w = ws[i]!;
    if (!(Number.isInteger(w) && w >= 0 && w < 2 ** 32))
      throw new Error(`random-bits: ${what}: word ${i} is ${w}, not a uint32`);
    for (let b = 0; b < 32; b++) ones[b]! += (w >>> b) & 1;
  }
  // each bit's frequency: standard error 0.5/√n = 0.0005
  const worst = Math.max(...Array.from(ones, (c) => Math.abs(c / n - 0.5)));
  if (!(worst <= 0.0035))
    throw new Error(`random-bits: ${what}: a bit position is set ${(0.5 + worst).toFixed(4)} of the time`);
  return `${what}: every bit position set 0.5 ± ${worst.toFixed(5)} of the time`;
}

/** Throws if a case's two consecutive calls gave the same values (so it did not get a fresh key). */
function checkFresh(suite: string, what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  let same = 0;
  for (let i = 0; i < Math.min(a.length, 1000); i++) if (a[i] === b[i]) same++;
  if (same > 10) throw new Error(`${suite}: ${what}: two calls with different keys gave the same values`);
}

/**
 * The first `m` words of JAX's `random.bits(key, [n])` (partitionable threefry): word i = y0 ^ y1 of counter (0, i),
 * from the tests' independent oracle (a plain Threefry-2x32, test/random/oracle.ts).
 */
const referenceWords = (key: ArrayLike<number>, m: number): Uint32Array =>
  Uint32Array.from(bitsOf([key[0]!, key[1]!], m));
const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>, m: number): number => {
  for (let i = 0; i < m; i++) if (a[i] !== b[i]) return i;
  return -1;
};

const KEYS_NOTE =
  "Keys: a pool of 128 from `random.split` of a seed key (jax-js: `jax.random.split`), made in setup outside the timed " +
  "region; each call takes the next one, so every call draws with a key no earlier call used";

// ---------------------------------------------------------------------------------------------------------------------

const normalCases = {
  eager: "tracegrad eager random.normal",
  jit: "tracegrad jit((k) => random.normal(k, [1e6]))",
  jitSplit: "tracegrad jit, key split inside (carry, draw)",
  jax: "jax-js random.normal (wasm)",
  js: "plain JS Math.random() Box–Muller",
} as const;

const normalSuite: Suite = {
  name: "random-normal",
  title: "random.normal(key, [1e6]), float32",
  description:
    "1e6 standard normal float32 draws per call, each call with a fresh key. tracegrad computes JAX's √2·erfInv(u), u " +
    "uniform in (−1, 1), from threefry words, eagerly and under `jit((k) => random.normal(k, [1e6]))`; the " +
    '"key split inside" case is `jit((k) => { const ks = random.split(k); return [ks.slice(0), random.normal(ks.slice(1), ' +
    "[1e6])] })`, its first output the next call's key (the JAX training-loop idiom: the split is timed). jax-js's " +
    "`jax.random.normal` (a jitted Box–Muller on two uniforms) runs on its wasm device, awaited with `blockUntilReady()`, " +
    "its output disposed. The plain JS loop fills a new Float32Array by Box–Muller on `Math.random()` (V8's " +
    "xorshift128+), both outputs of each pair. Before timing, every case's output is checked: 1e6 finite values with mean " +
    `within ±${NORMAL_TOL.mean} of 0, variance within ±${NORMAL_TOL.variance} of 1 (about 7 standard errors), |x| < 7; two ` +
    "calls give different values; tracegrad's jit equals its eager draw for the same key (max |Δ| ≤ 1e-6).",
  options: { warmup: 5, reps: 30 },
  async setup() {
    await loadJax();
    const draw = (k: Tensor) => random.normal(k, [n]);
    const jdraw = jit(draw);
    const jstep = jit((k: Tensor) => {
      const ks = random.split(k);
      return [ks.slice(0), random.normal(ks.slice(1), [n])] as const;
    });
    const tk = tgKeys(1);
    const jk = jaxKeys(1);
    const jaxDraw = (k: JArray) => jax.random.normal(k, [n]);

    // checks: statistics, fresh keys, eager ≡ jit
    const f32 = (t: Tensor) => t.toTypedArray() as Float32Array;
    const [e0, e1] = [f32(draw(tk[0]!)), f32(draw(tk[1]!))];
    const [j0, j1] = [f32(jdraw(tk[0]!)), f32(jdraw(tk[1]!))];
    let carry = random.key(2);
    const step = () => {
      const [next, y] = jstep(carry);
      carry = next;
      return y;
    };
    const [s0, s1] = [f32(step()), f32(step())];
    const [x0, x1] = [jaxData(jaxDraw, jk[0]!), jaxData(jaxDraw, jk[1]!)];
    const [h0, h1] = [boxMullerLoop(n), boxMullerLoop(n)];
    const stats = [
      checkNormal(normalCases.eager, e0),
      checkNormal(normalCases.jit, j0),
      checkNormal(normalCases.jitSplit, s0),
      checkNormal(normalCases.jax, x0),
      checkNormal(normalCases.js, h0),
    ];
    for (const [what, a, b] of [
      [normalCases.eager, e0, e1],
      [normalCases.jit, j0, j1],
      [normalCases.jitSplit, s0, s1],
      [normalCases.jax, x0, x1],
      [normalCases.js, h0, h1],
    ] as const)
      checkFresh("random-normal", what, a, b);
    let eagerVsJit = 0;
    let unequal = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(e0[i]! - j0[i]!);
      if (d > 0) unequal++;
      if (!(d <= eagerVsJit)) eagerVsJit = Number.isNaN(d) ? Infinity : d;
    }
    if (!(eagerVsJit <= 1e-6)) throw new Error(`random-normal: jit differs from eager by ${eagerVsJit}`);

    const nextTk = cycle(tk);
    const nextTkJit = cycle(tk);
    const cases = [
      { name: normalCases.eager, fn: () => draw(nextTk()) },
      { name: normalCases.jit, fn: () => jdraw(nextTkJit()) },
      { name: normalCases.jitSplit, fn: step },
      { name: normalCases.jax, fn: jaxCase(jaxDraw, jk) },
      { name: normalCases.js, fn: () => boxMullerLoop(n) },
    ];
    return {
      cases,
      baseline: normalCases.jax,
      notes: [
        KEYS_NOTE,
        `tracegrad jit vs eager, same key: ${unequal === 0 ? "bitwise equal" : `${unequal} of ${n} values differ, max |Δ| ${eagerVsJit}`}`,
        ...stats.map((s) => `check: ${s}`),
      ],
      summary: (m) => [
        ratioLine(m, "tracegrad jit / jax-js", normalCases.jit, normalCases.jax),
        ratioLine(m, "tracegrad eager / jax-js", normalCases.eager, normalCases.jax),
        ratioLine(m, "tracegrad jit / plain JS Box–Muller", normalCases.jit, normalCases.js),
        ratioLine(m, "tracegrad jit with the split inside / jit", normalCases.jitSplit, normalCases.jit),
      ],
      targets: [
        {
          label: "jit random.normal 1e6 ≤ 0.5× jax-js random.normal",
          kind: "ratio",
          case: normalCases.jit,
          vs: normalCases.jax,
          limit: 0.5,
          reference: normalCases.jax,
        },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------

const uniformCases = {
  eager: "tracegrad eager random.uniform",
  jit: "tracegrad jit((k) => random.uniform(k, [1e6]))",
  jax: "jax-js random.uniform (wasm)",
  js: "plain JS Math.random() loop",
} as const;

const uniformSuite: Suite = {
  name: "random-uniform",
  title: "random.uniform(key, [1e6]), float32",
  description:
    "1e6 float32 draws in [0, 1) per call, each call with a fresh key: the top 23 bits of a threefry word as the " +
    "mantissa of a float in [1, 2), minus 1 (JAX's and jax-js's method). tracegrad eager and jitted; jax-js's " +
    "`jax.random.uniform` on its wasm device, awaited with `blockUntilReady()`, output disposed; a plain JS loop " +
    "filling a new Float32Array with `Math.random()` for scale. Before timing, every output is checked: 1e6 values " +
    `in [0, 1), mean within ±${UNIFORM_TOL.mean} of ½, variance within ±${UNIFORM_TOL.variance} of 1/12; two calls ` +
    "give different values; tracegrad's jit equals its eager draw bit for bit.",
  options: { warmup: 5, reps: 30 },
  async setup() {
    await loadJax();
    const draw = (k: Tensor) => random.uniform(k, [n]);
    const jdraw = jit(draw);
    const tk = tgKeys(3);
    const jk = jaxKeys(3);
    const jaxDraw = (k: JArray) => jax.random.uniform(k, [n]);
    const jsLoop = () => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.random();
      return out;
    };

    const f32 = (t: Tensor) => t.toTypedArray() as Float32Array;
    const [e0, e1] = [f32(draw(tk[0]!)), f32(draw(tk[1]!))];
    const [j0, j1] = [f32(jdraw(tk[0]!)), f32(jdraw(tk[1]!))];
    const [x0, x1] = [jaxData(jaxDraw, jk[0]!), jaxData(jaxDraw, jk[1]!)];
    const [h0, h1] = [jsLoop(), jsLoop()];
    // Math.random() rounded to float32 can give 1: the JS loop is only checked for its moments
    const stats = [
      checkUniform(uniformCases.eager, e0),
      checkUniform(uniformCases.jit, j0),
      checkUniform(uniformCases.jax, x0),
    ];
    const mh = moments(h0);
    if (Math.abs(mh.mean - 0.5) > UNIFORM_TOL.mean) throw new Error(`random-uniform: JS loop: ${fmtMoments(mh)}`);
    for (const [what, a, b] of [
      [uniformCases.eager, e0, e1],
      [uniformCases.jit, j0, j1],
      [uniformCases.jax, x0, x1],
      [uniformCases.js, h0, h1],
    ] as const)
      checkFresh("random-uniform", what, a, b);
    for (let i = 0; i < n; i++)
      if (!Object.is(e0[i], j0[i])) throw new Error(`random-uniform: jit ≠ eager at ${i}: ${j0[i]} vs ${e0[i]}`);
    // the pools hold the same keys (both split the same seed key as JAX does) and the method is the same
    const jaxAt = firstDiff(e0, x0, n);

    const nextTk = cycle(tk);
    const nextTkJit = cycle(tk);
    return {
      cases: [
        { name: uniformCases.eager, fn: () => draw(nextTk()) },
        { name: uniformCases.jit, fn: () => jdraw(nextTkJit()) },
        { name: uniformCases.jax, fn: jaxCase(jaxDraw, jk) },
        { name: uniformCases.js, fn: jsLoop },
      ],
      baseline: uniformCases.jax,
      notes: [
        KEYS_NOTE,
        "tracegrad jit vs eager, same key: bitwise equal (checked)",
        `tracegrad vs jax-js, same key: ${jaxAt < 0 ? "bitwise equal" : `different (first at element ${jaxAt})`}`,
        ...stats.map((s) => `check: ${s}`),
      ],
      summary: (m) => [
        ratioLine(m, "tracegrad jit / jax-js", uniformCases.jit, uniformCases.jax),
        ratioLine(m, "tracegrad eager / jax-js", uniformCases.eager, uniformCases.jax),
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------

const bitsCases = {
  eager: "tracegrad eager random.bits",
  jit: "tracegrad jit((k) => random.bits(k, [1e6]))",
  jax: "jax-js random.bits (wasm)",
  jaxJit: "jax-js jit(random.bits) (wasm)",
} as const;

const bitsSuite: Suite = {
  name: "random-bits",
  title: "random.bits(key, [1e6]): uint32 words",
  description:
    "1e6 uint32 words per call (4 MB), each call with a fresh key; GB/s counts 4 bytes per word. tracegrad eager " +
    "and jitted; jax-js's `jax.random.bits` (not jitted by jax-js itself) and `jax.jit` of it, on its wasm device, " +
    "awaited with `blockUntilReady()`, outputs disposed. Before timing, every output is checked: 1e6 uint32 words " +
    "with each of the 32 bit positions set 0.5 ± 0.0035 of the time, and different words from different keys; " +
    "tracegrad's eager and jitted words are equal, and their first 4096 equal JAX's (threefry2x32 of counter (0, i), " +
    "the two output words XORed: JAX ≥ 0.5's partitionable threefry), recomputed here by a plain JS threefry.",
  options: { warmup: 5, reps: 30 },
  display: { work: { amount: (4 * n) / 1e9, unit: "GB/s" } },
  async setup() {
    await loadJax();
    const draw = (k: Tensor) => random.bits(k, [n]);
    const jdraw = jit(draw);
    const tk = tgKeys(5);
    const jk = jaxKeys(5);
    const jaxDraw = (k: JArray) => jax.random.bits(k, [n]);
    const jaxJitDraw = jax.jit(jaxDraw);

    const u32 = (t: Tensor) => t.toTypedArray() as Uint32Array;
    const [e0, e1] = [u32(draw(tk[0]!)), u32(draw(tk[1]!))];
    const [j0, j1] = [u32(jdraw(tk[0]!)), u32(jdraw(tk[1]!))];
    const [x0, x1] = [jaxData(jaxDraw, jk[0]!), jaxData(jaxDraw, jk[1]!)];
    const [y0, y1] = [jaxData(jaxJitDraw, jk[0]!), jaxData(jaxJitDraw, jk[1]!)];
    const stats = [
      checkBits(bitsCases.eager, e0),
      checkBits(bitsCases.jit, j0),
      checkBits(bitsCases.jax, x0),
      checkBits(bitsCases.jaxJit, y0),
    ];
    for (const [what, a, b] of [
      [bitsCases.eager, e0, e1],
      [bitsCases.jit, j0, j1],
      [bitsCases.jax, x0, x1],
      [bitsCases.jaxJit, y0, y1],
    ] as const)
      checkFresh("random-bits", what, a, b);
    const m = 4096;
    const want = referenceWords(tk[0]!.toTypedArray() as Uint32Array, m);
    if (firstDiff(e0, j0, n) >= 0) throw new Error(`random-bits: jit ≠ eager at word ${firstDiff(e0, j0, n)}`);
    const at = firstDiff(e0, want, m);
    if (at >= 0) throw new Error(`random-bits: word ${at} is ${e0[at]}, JAX's threefry gives ${want[at]}`);
    // jax-js: the same key words? then the same words as JAX?
    const jaxKey = jk[0]!.ref.dataSync();
    const sameKey = jaxKey[0] === tk[0]!.toTypedArray()[0] && jaxKey[1] === tk[0]!.toTypedArray()[1];
    const jaxWant = referenceWords(jaxKey, m);
    const jaxAt = firstDiff(x0, jaxWant, m);
    const vsJax = firstDiff(e0, x0, n);

    const nextTk = cycle(tk);
    const nextTkJit = cycle(tk);
    return {
      cases: [
        { name: bitsCases.eager, fn: () => draw(nextTk()) },
        { name: bitsCases.jit, fn: () => jdraw(nextTkJit()) },
        { name: bitsCases.jax, fn: jaxCase(jaxDraw, jk) },
        { name: bitsCases.jaxJit, fn: jaxCase(jaxJitDraw, jk) },
      ],
      baseline: bitsCases.jax,
      notes: [
        KEYS_NOTE,
        "tracegrad eager ≡ jit, and its first 4096 words ≡ JAX's threefry (checked)",
        `jax-js's keys from the same seed are ${sameKey ? "the same" : "different"}; its words are ` +
          (jaxAt < 0
            ? "JAX's (first 4096 checked)"
            : `not JAX's partitionable-threefry words (word ${jaxAt} differs)`) +
          `; tracegrad's 1e6 words for the same key are ${vsJax < 0 ? "equal to jax-js's" : `not jax-js's (word ${vsJax} differs)`}`,
        ...stats.map((s) => `check: ${s}`),
      ],
      summary: (med) => [
        ratioLine(med, "tracegrad jit / jax-js", bitsCases.jit, bitsCases.jax),
        ratioLine(med, "tracegrad eager / jax-js", bitsCases.eager, bitsCases.jax),
      ],
    };
  },
};

export const randomSuites: Suite[] = [normalSuite, uniformSuite, bitsSuite];
