// `random` under the transforms: jit gives the eager numbers (integers bit for bit, floats within 2 ulp), a new key
// gives new numbers without retracing, vmap over a batch of keys equals a loop, grad flows through the
// reparameterized samplers (checked against central finite differences in float64), and split's result destructures.
import { grad, jit, makeJaxpr, np, random, Tensor, valueAndGrad, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { f64, valuesOf } from "../helpers.js";
import { f32, ordered32 } from "./oracle.js";

/** Asserts two tensors have the same shape and dtype, and values equal (integers, bools) or within `ulps`. */
function expectSame(a: Tensor, b: Tensor, ulps = 0): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  const [x, y] = [valuesOf(a), valuesOf(b)];
  if (ulps === 0 || (a.dtype !== "float32" && a.dtype !== "float64")) {
    expect(x).toEqual(y);
    return;
  }
  const bad = x.flatMap((v, i) => {
    const w = y[i]!;
    const d =
      a.dtype === "float32"
        ? Math.abs(ordered32(f32(v)) - ordered32(f32(w)))
        : Math.abs(v - w) / (Number.EPSILON * Math.max(Math.abs(w), 2 ** -1022));
    return d <= ulps ? [] : [`[${i}] ${v} vs ${w}`];
  });
  expect(bad.slice(0, 6), `${bad.length} differ`).toEqual([]);
}

const logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]));
const pvec = np.array([0.1, 0.2, 0.3, 0.15, 0.25]);
/**
 * Samplers of one key; the number is the float tolerance in ulps against eager: 0 (bit for bit) for integers and
 * bools, 2 for floats. (jit's default float32 mode computes fused loops in double precision and rounds where values
 * are stored, so floats may differ from eager — and from JAX, whose XLA loops round every float32 operation — in the
 * last bits; `{ float32: "exact" }` rounds after every operation, and is checked bit for bit below.)
 */
type Sampler = [string, (k: Tensor) => Tensor, number];
const SAMPLERS: Sampler[] = [
  ["bits", (k) => random.bits(k, [2, 3]), 0],
  ["split", (k) => random.split(k, 3), 0],
  ["foldIn", (k) => random.foldIn(k, 7), 0],
  ["randint", (k) => random.randint(k, [7], -3, 9), 0],
  ["randint uint32", (k) => random.randint(k, [4], 0, 2 ** 32, { dtype: "uint32" }), 0],
  ["bernoulli", (k) => random.bernoulli(k, 0.3, [6]), 0],
  ["rademacher", (k) => random.rademacher(k, [6]), 0],
  ["categorical", (k) => random.categorical(k, logits, { shape: [6] }), 0],
  ["permutation", (k) => random.permutation(k, 10), 0],
  ["permutation of rows", (k) => random.permutation(k, np.arange(12).reshape([4, 3])), 0],
  ["choice", (k) => random.choice(k, 9, [5]), 0],
  ["choice without replacement", (k) => random.choice(k, 9, [5], { replace: false }), 0],
  ["choice with p", (k) => random.choice(k, 5, [6], { p: pvec }), 0],
  ["choice with p, without replacement", (k) => random.choice(k, 5, [3], { replace: false, p: pvec }), 0],
  ["uniform", (k) => random.uniform(k, [5], { minval: -2, maxval: 3 }), 2],
  ["uniform float64", (k) => random.uniform(k, [5], { dtype: "float64" }), 2],
  ["normal", (k) => random.normal(k, [5]), 2],
  ["normal float64", (k) => random.normal(k, [5], { dtype: "float64" }), 2],
  ["truncatedNormal", (k) => random.truncatedNormal(k, -1, 2, [5]), 2],
  ["gumbel", (k) => random.gumbel(k, [5]), 2],
  ["exponential", (k) => random.exponential(k, [5]), 2],
  ["laplace", (k) => random.laplace(k, [5]), 2],
  ["logistic", (k) => random.logistic(k, [5]), 2],
  ["cauchy", (k) => random.cauchy(k, [5]), 2],
];

describe("jit", () => {
  it.each(SAMPLERS)("jit(%s)(key) equals the eager result", (_, f, ulps) => {
    for (const seed of [0, 3, 2 ** 40 + 1]) {
      const key = random.key(seed);
      expectSame(jit(f)(key), f(key), ulps);
    }
  });

  it.each(SAMPLERS)('jit(%s, { float32: "exact" })(key) equals the eager result bit for bit', (_, f) => {
    for (const seed of [0, 3, 2 ** 40 + 1]) {
      const key = random.key(seed);
      expectSame(jit(f, { float32: "exact" })(key), f(key));
    }
  });

  it.each(SAMPLERS)("jit(%s)(key), by default, computes the draws as eager does: bit for bit", (_, f) => {
    for (const seed of [0, 3, 2 ** 40 + 1]) {
      const key = random.key(seed);
      expectSame(jit(f)(key), f(key));
    }
  });

  it("only the loops computing draws round as eager does: a dropout-like mask leaves the rest fast", () => {
    // tanh(x)·mask + x²: the mask comes from uniform draws and becomes bool; the arithmetic after it is not a draw
    const f = (k: Tensor, x: Tensor) => {
      const keep = np.less(random.uniform(k, x.shape), 0.9);
      const y = np.multiply(np.tanh(np.multiply(x, 1.5)), np.exp(np.negative(x)));
      return np.add(np.where(keep, y, 0), np.square(x));
    };
    const x = random.normal(random.key(1), [64, 256]);
    const { source } = jit(f).lower(random.key(0), x);
    // the draws: rounded after every operation (Math.fround); the tanh·exp chain: a WebAssembly SIMD loop
    expect(source).toMatch(/Math\.fround/);
    expect(source).toMatch(/WebAssembly SIMD loop/);
    const exact = jit(f, { float32: "exact" }).lower(random.key(0), x).source;
    expect(exact).not.toMatch(/WebAssembly SIMD loop/);
    // the mask is eager's bit for bit, so only float32 rounding separates the values
    const [got, want] = [jit(f)(random.key(0), x), f(random.key(0), x)];
    expectSame(np.equal(got, 0), np.equal(want, 0));
    expectSame(got, want, 8);
  });

  it("a new key gives new numbers, and the jitted function is traced once for all keys", () => {
    let traces = 0;
    const f = jit((k: Tensor) => {
      traces += 1;
      return random.normal(k, [4]);
    });
    const outs = [0, 1, 2, 3, 4].map((s) => f(random.key(s)));
    expect(traces).toBe(1);
    outs.forEach((o, s) => expectSame(o, random.normal(random.key(s), [4]), 2));
    const distinct = new Set(outs.map((o) => valuesOf(o).join(",")));
    expect(distinct.size).toBe(5);
  });

  it("the key is an input of the traced program, not a constant: split keys differ under one trace", () => {
    let traces = 0;
    const step = jit((k: Tensor) => {
      traces += 1;
      const [next, sub] = random.split(k);
      return [next!, random.uniform(sub!, [3])] as const;
    });
    let k = random.key(123);
    const draws: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const [next, u] = step(k);
      draws.push(valuesOf(u));
      k = next;
    }
    expect(traces).toBe(1);
    expect(new Set(draws.map((d) => d.join(","))).size).toBe(4);
    // the same chain eagerly
    let e = random.key(123);
    for (let i = 0; i < 4; i++) {
      const [next, sub] = random.split(e);
      expect(valuesOf(random.uniform(sub!, [3]))).toEqual(draws[i]);
      e = next!;
    }
  });

  it("jit over foldIn with traced data gives the eager keys", () => {
    const f = jit((k: Tensor, d: Tensor) => random.bits(random.foldIn(k, d), [3]));
    for (const d of [0, 5, 2 ** 31 + 9]) {
      const data = np.array(Uint32Array.of(d)).reshape([]);
      expectSame(f(random.key(8), data), random.bits(random.foldIn(random.key(8), d), [3]));
    }
  });

  it("the traced program holds no random words as constants", () => {
    const text = String(makeJaxpr((k: Tensor) => random.uniform(k, [1000]))(random.key(0)));
    expect(text.length).toBeLessThan(20000);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("vmap over a batch of keys", () => {
  const B = 5;
  const keys = random.split(random.key(2024), B);
  const loop = (f: (k: Tensor) => Tensor, ks: Tensor) =>
    np.stack(Array.from({ length: ks.shape[0]! }, (_, i) => f(ks.slice(i))));

  it.each(SAMPLERS)("vmap(%s)(keys) equals stacking a loop over the keys", (_, f, ulps) => {
    const out = vmap(f)(keys);
    expect(out.shape[0]).toBe(B);
    expectSame(out, loop(f, keys), ulps);
  });

  it.each(SAMPLERS)("%s: jit(vmap(f)) and vmap(jit(f)) equal the loop too", (_, f, ulps) => {
    const want = loop(f, keys);
    expectSame(jit(vmap(f))(keys), want, ulps);
    expectSame(vmap(jit(f))(keys), want, ulps);
  });

  it("vmap over a 2-D batch of keys (vmap of vmap)", () => {
    const grid = random.split(random.key(5), 6).reshape([2, 3, 2]);
    const f = (k: Tensor) => random.normal(k, [2]);
    const out = vmap(vmap(f))(grid);
    expect(out.shape).toEqual([2, 3, 2]);
    const rows = random.split(random.key(5), 6);
    expectSame(out.reshape([6, 2]), loop(f, rows), 2);
  });

  it("vmap over foldIn's data with one key gives split's keys (JAX's split/vmapped fold_in symmetry test)", () => {
    // jax-ml/jax tests/random_test.py: vmap(lambda k, _: fold_in(k, axis_index), in_axes=(None, 0)) == split(key, 3)
    const key = random.key(72);
    const folded = vmap((d: Tensor) => random.foldIn(key, d))(np.arange(3, { dtype: "int32" }));
    expect(folded.toArray()).toEqual(random.split(key, 3).toArray());
  });

  it("vmap over keys and a parameter together", () => {
    const lo = np.array([-1, 0, 1, 2, 3]);
    const f = (k: Tensor, m: Tensor) => random.uniform(k, [4], { minval: m, maxval: np.add(m, 1) });
    const out = vmap(f)(keys, lo);
    const want = np.stack(Array.from({ length: B }, (_, i) => f(keys.slice(i), lo.slice(i))));
    expectSame(out, want);
  });

  it("vmap over keys and logits: categorical per example", () => {
    const batch = np.log(
      np.array([
        [0.7, 0.2, 0.1],
        [0.1, 0.1, 0.8],
        [0.3, 0.3, 0.4],
        [0.5, 0.25, 0.25],
        [0.2, 0.6, 0.2],
      ]),
    );
    const f = (k: Tensor, l: Tensor) => random.categorical(k, l, { shape: [7] });
    const want = np.stack(Array.from({ length: B }, (_, i) => f(keys.slice(i), batch.slice(i))));
    expectSame(vmap(f)(keys, batch), want);
    expectSame(jit(vmap(f))(keys, batch), want);
  });

  it("vmap over keys and foldIn data together", () => {
    const data = np.array([0, 1, 7, 2 ** 31, 2 ** 32 - 1], { dtype: "uint32" });
    const f = (k: Tensor, d: Tensor) => random.foldIn(k, d);
    const want = np.stack(Array.from({ length: B }, (_, i) => f(keys.slice(i), data.slice(i))));
    expectSame(vmap(f)(keys, data), want);
  });

  it("vmap with the key not mapped (inAxes null) draws the same numbers for every example", () => {
    const key = random.key(1);
    const out = vmap((k: Tensor, x: Tensor) => random.normal(k, [3]).add(x), { inAxes: [null, 0] })(
      key,
      np.array([0, 10]),
    );
    const z = random.normal(key, [3]);
    expectSame(out, np.stack([z, z.add(10)]), 2);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Central finite difference of the scalar function `f` at float64 `x` along coordinate `i` (or the scalar). */
function fd(f: (x: Tensor) => number, x: number[] | number, i = 0, h = 1e-6): number {
  const v = typeof x === "number" ? [x] : [...x];
  const at = (d: number) => {
    const w = [...v];
    w[i] = w[i]! + d;
    return f(np.array(typeof x === "number" ? w[0]! : w, { dtype: "float64" }));
  };
  return (at(h) - at(-h)) / (2 * h);
}
const scalar = (t: Tensor) => t.item() as number;

describe("grad through the samplers (float64, against central differences)", () => {
  const key = random.key(17);

  it("uniform: d/dminval and d/dmaxval of Σ sin(u)", () => {
    const loss = (lo: Tensor, hi: Tensor) =>
      np.sum(np.sin(random.uniform(key, [6], { minval: lo, maxval: hi, dtype: "float64" })));
    const [glo, ghi] = grad(loss, { argnums: [0, 1] })(f64(-0.5), f64(1.5)) as Tensor[];
    expect(glo!.dtype).toBe("float64");
    expect(scalar(glo!)).toBeCloseTo(
      fd((t) => scalar(loss(t, f64(1.5))), -0.5),
      7,
    );
    expect(scalar(ghi!)).toBeCloseTo(
      fd((t) => scalar(loss(f64(-0.5), t)), 1.5),
      7,
    );
    // analytically: u = lo + v(hi − lo), so d/dlo = Σ cos(u)(1 − v) and d/dhi = Σ cos(u)·v
    const v = valuesOf(random.uniform(key, [6], { dtype: "float64" }));
    const u = v.map((t) => -0.5 + t * 2);
    expect(scalar(glo!)).toBeCloseTo(
      u.reduce((s, x, i) => s + Math.cos(x) * (1 - v[i]!), 0),
      10,
    );
    expect(scalar(ghi!)).toBeCloseTo(
      u.reduce((s, x, i) => s + Math.cos(x) * v[i]!, 0),
      10,
    );
  });

  it("uniform with array bounds: per-element gradients", () => {
    const loss = (lo: Tensor) =>
      np.sum(np.square(random.uniform(key, [3], { minval: lo, maxval: 4, dtype: "float64" })));
    const x = [0.1, -1, 2];
    const g = valuesOf(grad(loss)(f64(x)));
    for (let i = 0; i < 3; i++)
      expect(g[i]).toBeCloseTo(
        fd((t) => scalar(loss(t)), x, i),
        6,
      );
  });

  it("normal·σ + μ (the reparameterization trick)", () => {
    const loss = (mu: Tensor, sigma: Tensor) =>
      np.sum(np.square(np.add(np.multiply(random.normal(key, [8], { dtype: "float64" }), sigma), mu)));
    const [val, [gmu, gsigma]] = valueAndGrad(loss, { argnums: [0, 1] })(f64(0.3), f64(1.7)) as [Tensor, Tensor[]];
    const z = valuesOf(random.normal(key, [8], { dtype: "float64" }));
    expect(scalar(val)).toBeCloseTo(
      z.reduce((s, x) => s + (x * 1.7 + 0.3) ** 2, 0),
      10,
    );
    expect(scalar(gmu!)).toBeCloseTo(
      fd((t) => scalar(loss(t, f64(1.7))), 0.3),
      6,
    );
    expect(scalar(gsigma!)).toBeCloseTo(
      fd((t) => scalar(loss(f64(0.3), t)), 1.7),
      6,
    );
    expect(scalar(gsigma!)).toBeCloseTo(
      z.reduce((s, x) => s + 2 * (x * 1.7 + 0.3) * x, 0),
      9,
    );
  });

  it("truncatedNormal: d/dlower and d/dupper of Σ sin(x)", () => {
    const loss = (lo: Tensor, hi: Tensor) =>
      np.sum(np.sin(random.truncatedNormal(key, lo, hi, [6], { dtype: "float64" })));
    const [glo, ghi] = grad(loss, { argnums: [0, 1] })(f64(-0.7), f64(1.2)) as Tensor[];
    expect(scalar(glo!)).toBeCloseTo(
      fd((t) => scalar(loss(t, f64(1.2))), -0.7),
      6,
    );
    expect(scalar(ghi!)).toBeCloseTo(
      fd((t) => scalar(loss(f64(-0.7), t)), 1.2),
      6,
    );
    expect(Math.abs(scalar(glo!)) + Math.abs(scalar(ghi!))).toBeGreaterThan(1e-3);
  });

  it("grad under jit and vmap: per-key gradients of the reparameterized normal", () => {
    const keys = random.split(random.key(3), 4);
    const perKey = (k: Tensor, sigma: Tensor) =>
      grad((s: Tensor) => np.sum(np.multiply(random.normal(k, [5], { dtype: "float64" }), s)))(sigma);
    const out = jit(vmap(perKey, { inAxes: [0, null] }))(keys, f64(2));
    expect(out.shape).toEqual([4]);
    const want = Array.from({ length: 4 }, (_, i) => valuesOf(random.normal(keys.slice(i), [5], { dtype: "float64" })));
    valuesOf(out).forEach((g, i) => {
      expect(g).toBeCloseTo(
        want[i]!.reduce((a, b) => a + b, 0),
        12,
      );
    });
  });

  it("the key itself is not differentiated: grad with respect to another argument works with a key argument", () => {
    const f = (x: Tensor, k: Tensor) => np.sum(np.multiply(x, random.uniform(k, [3], { dtype: "float64" })));
    const g = grad(f)(f64([1, 2, 3]), random.key(4));
    expect(valuesOf(g)).toEqual(valuesOf(random.uniform(random.key(4), [3], { dtype: "float64" })));
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("keys as values", () => {
  it("const [k1, k2] = random.split(key) destructures into two keys", () => {
    const key = random.key(0);
    const [k1, k2] = random.split(key);
    const rows = random.split(key).toArray() as number[][];
    expect(k1).toBeInstanceOf(Tensor);
    expect(k1!.shape).toEqual([2]);
    expect(k1!.dtype).toBe("uint32");
    expect(k1!.toArray()).toEqual(rows[0]);
    expect(k2!.toArray()).toEqual(rows[1]);
    // each is usable as a key
    expectSame(random.normal(k2!, [3]), random.normal(random.split(key).slice(1), [3]));
  });

  it("split(key, n) spreads, and for…of visits each key", () => {
    const keys = random.split(random.key(9), 4);
    const all = [...keys];
    expect(all).toHaveLength(4);
    const seen: number[][] = [];
    for (const k of keys) seen.push(k.toArray() as number[]);
    expect(seen).toEqual(keys.toArray());
    const [first, ...rest] = keys;
    expect(first!.toArray()).toEqual(seen[0]);
    expect(rest).toHaveLength(3);
  });

  it("destructuring works inside jit and vmap too", () => {
    const f = (k: Tensor) => {
      const [a, b] = random.split(k);
      return np.add(random.uniform(a!, [2]), random.uniform(b!, [2]));
    };
    const key = random.key(6);
    expectSame(jit(f)(key), f(key));
    const keys = random.split(key, 3);
    expectSame(vmap(f)(keys), np.stack([f(keys.slice(0)), f(keys.slice(1)), f(keys.slice(2))]));
  });

  it("the same key gives the same numbers; a key is never consumed", () => {
    const key = random.key(7);
    const a = valuesOf(random.normal(key, [5]));
    random.uniform(key, [5]);
    random.split(key);
    expect(valuesOf(random.normal(key, [5]))).toEqual(a);
  });
});
