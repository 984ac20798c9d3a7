// random.key, split, foldIn and bits: JAX's numbers (values printed by JAX ≥ 0.5 with its default configuration, the
// partitionable threefry scheme) and the independent oracle of ./oracle.ts — a plain Threefry-2x32 (20 rounds),
// checked here against Random123's known answers, and JAX's partitionable derivations on top of it:
//   key(seed)        = [seed >> 32, seed & 0xffffffff]
//   split(key, n)[i] = threefry(key, (0, i))
//   foldIn(key, d)   = threefry(key, (0, d))
//   bits(key, s)[i]  = y0 ^ y1 where (y0, y1) = threefry(key, (0, i)), i the row-major flat index
import { DTypeError, np, random, Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, size } from "../helpers.js";
import { bitsOf, foldInOf, type Key, keyOf, splitOf, threefry } from "./oracle.js";

/** A uint32 tensor's words as plain numbers (row-major). */
const words = (t: Tensor): number[] => Array.from(t.toTypedArray() as Uint32Array);
const asKey = (t: Tensor): Key => words(t) as Key;

describe("the oracle itself", () => {
  // Random123 examples/kat_vectors, lines "threefry2x32 20 ctr0 ctr1 key0 key1 out0 out1"
  it("matches Random123's known answers for threefry2x32_20", () => {
    expect(threefry(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(threefry(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(threefry(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it("reproduces the JAX values below (so the derivation rules above are JAX's)", () => {
    // the same JAX-printed values the library is checked against in the next block
    expect(bitsOf(keyOf(0n), 1)).toEqual([4070199207]);
    expect(bitsOf(keyOf(10n), 4)).toEqual([169096361, 1572511259, 2689743692, 2228103506]);
    expect(splitOf(keyOf(1n), 3)).toEqual([
      [507451445, 1853169794],
      [1948878966, 4237131848],
      [2441914641, 3819641963],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Values printed by JAX

describe("JAX's own numbers", () => {
  it("bits: jax.random.bits(key(0)) and bits(key(10), (4,))", () => {
    // ekzhang/jax-js test/random.test.ts ("random bits"), values recorded from JAX
    const x = random.bits(random.key(0));
    expect(x.dtype).toBe("uint32");
    expect(x.shape).toEqual([]);
    expect(x.item()).toBe(4070199207);
    const y = random.bits(random.key(10), [4]);
    expect(y.dtype).toBe("uint32");
    expect(y.toArray()).toEqual([169096361, 1572511259, 2689743692, 2228103506]);
  });

  it("split: jax.random.split(key(1), 3)", () => {
    // ekzhang/jax-js test/random.test.ts ("random split is consistent with jax")
    const s = random.split(random.key(1), 3);
    expect(s.dtype).toBe("uint32");
    expect(s.shape).toEqual([3, 2]);
    expect(s.toArray()).toEqual([
      [507451445, 1853169794],
      [1948878966, 4237131848],
      [2441914641, 3819641963],
    ]);
  });

  it("split: jax.random.split(key(42)) (a JAX 0.11.1 session)", () => {
    // printed by jax 0.11.1 in a public Japanese JAX reference ("jax 逆引き辞書", section jax.random.split):
    // k1, k2 = jax.random.split(jax.random.key(42)) → [1832780943 270669613], [64467757 2916123636]
    expect(random.split(random.key(42)).toArray()).toEqual([
      [1832780943, 270669613],
      [64467757, 2916123636],
    ]);
  });

  it("key: seeds become [high word, low word] (JAX's test_prng_seeds_and_keys)", () => {
    // jax-ml/jax tests/random_test.py test_prng_seeds_and_keys: 0 → [0, 0], 1 → [0, 1], 3 → [0, 3],
    // iinfo(int32).max + 100 → [0, 2147483747], iinfo(int32).max + 101 → [0, 2147483748]
    expect(random.key(0).toArray()).toEqual([0, 0]);
    expect(random.key(1).toArray()).toEqual([0, 1]);
    expect(random.key(3).toArray()).toEqual([0, 3]);
    expect(random.key(2 ** 31 - 1 + 100).toArray()).toEqual([0, 2147483747]);
    expect(random.key(2 ** 31 - 1 + 101).toArray()).toEqual([0, 2147483748]);
  });

  it("foldIn(key, i) equals split(key, 3)[i] (JAX's test_threefry_split_fold_in_symmetry)", () => {
    // jax-ml/jax tests/random_test.py test_threefry_split_fold_in_symmetry, enabled only with partitionable threefry
    const key = random.key(72);
    const s = random.split(key, 3).toArray() as number[][];
    for (let i = 0; i < 3; i++) expect(random.foldIn(key, i).toArray()).toEqual(s[i]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Against the oracle

describe("key(seed)", () => {
  const seeds: (number | bigint)[] = [
    0,
    1,
    42,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 32 + 7,
    123456789012345,
    2 ** 53 - 1,
    0n,
    5n,
    2n ** 32n,
    2n ** 40n + 5n,
    2n ** 53n,
    0xdeadbeefcafebaben,
    2n ** 64n - 1n,
  ];
  it.each(seeds.map((s) => [String(s), s] as const))("key(%s) is a uint32 [2] of its high and low words", (_, s) => {
    const k = random.key(s);
    expect(k).toBeInstanceOf(Tensor);
    expect(k.dtype).toBe("uint32");
    expect(k.shape).toEqual([2]);
    expect(k.toTypedArray()).toBeInstanceOf(Uint32Array);
    expect(words(k)).toEqual(keyOf(BigInt(s)));
  });

  it("a number seed and the same bigint seed give the same key", () => {
    for (const s of [0, 17, 2 ** 32 + 3, 2 ** 53 - 1])
      expect(words(random.key(s))).toEqual(words(random.key(BigInt(s))));
  });

  it("the same seed always gives the same key, and different seeds different keys", () => {
    expect(words(random.key(9))).toEqual(words(random.key(9)));
    expect(words(random.key(9))).not.toEqual(words(random.key(10)));
  });
});

describe("split", () => {
  const keys: Key[] = [
    keyOf(0n),
    keyOf(1n),
    keyOf(42n),
    keyOf(2n ** 40n + 5n),
    keyOf(2n ** 64n - 1n),
    [0x12345678, 0x9abcdef0],
  ];
  it.each(keys.map((k) => [k.join(","), k] as const))("split([%s], n) for n = 1 … 7 and 33", (_, k) => {
    const key = np.array(Uint32Array.from(k));
    expect(key.dtype).toBe("uint32");
    for (const n of [1, 2, 3, 4, 5, 7, 33]) {
      const s = random.split(key, n);
      expect(s.dtype).toBe("uint32");
      expect(s.shape).toEqual([n, 2]);
      expect(s.toArray()).toEqual(splitOf(k, n));
    }
  });

  it("num defaults to 2", () => {
    const s = random.split(random.key(5));
    expect(s.shape).toEqual([2, 2]);
    expect(s.toArray()).toEqual(splitOf(keyOf(5n), 2));
  });

  it("num = 0 gives an empty [0, 2] batch of keys", () => {
    const s = random.split(random.key(5), 0);
    expect(s.shape).toEqual([0, 2]);
    expect(s.dtype).toBe("uint32");
  });

  it("a key from split is a key: chains of splits follow the oracle", () => {
    let k = random.key(2024);
    let o = keyOf(2024n);
    for (let step = 0; step < 6; step++) {
      const [a, b] = random.split(k).toArray() as Key[];
      const [oa, ob] = splitOf(o, 2);
      expect([a, b]).toEqual([oa, ob]);
      k = np.array(Uint32Array.from(step % 2 ? a! : b!));
      o = step % 2 ? oa! : ob!;
    }
    expect(words(random.bits(k, [3]))).toEqual(bitsOf(o, 3));
  });
});

describe("foldIn", () => {
  const key = keyOf(31337n);
  const data = [0, 1, 2, 7, 255, 65536, 123456789, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
  it.each(data)("foldIn(key, %d) (JS number) follows the oracle", (d) => {
    const k = random.foldIn(random.key(31337), d);
    expect(k.dtype).toBe("uint32");
    expect(k.shape).toEqual([2]);
    expect(asKey(k)).toEqual(foldInOf(key, d));
  });

  it("uint32 scalar tensors as data, including words ≥ 2³¹", () => {
    for (const d of [0, 5, 2 ** 31, 0xfffffffe, 0xffffffff]) {
      const t = np.array(Uint32Array.of(d)).reshape([]);
      expect(t.dtype).toBe("uint32");
      expect(asKey(random.foldIn(random.key(31337), t))).toEqual(foldInOf(key, d));
    }
  });

  it("int32 scalar tensors as data wrap to uint32 as astype does (−1 → 2³² − 1)", () => {
    for (const d of [0, 12, -1, -(2 ** 31)]) {
      const t = np.array(d, { dtype: "int32" });
      expect(asKey(random.foldIn(random.key(31337), t))).toEqual(foldInOf(key, d >>> 0));
    }
  });

  it("folding in other keys (bigint seeds, split keys) follows the oracle", () => {
    const big = keyOf(2n ** 63n + 99n);
    expect(asKey(random.foldIn(random.key(2n ** 63n + 99n), 3))).toEqual(foldInOf(big, 3));
    const child = splitOf(keyOf(8n), 4)[3]!;
    const sub = random.split(random.key(8), 4).slice(3);
    expect(asKey(random.foldIn(sub, 1000))).toEqual(foldInOf(child, 1000));
  });

  it("different data give different keys; the same data the same key", () => {
    const a = words(random.foldIn(random.key(1), 1));
    expect(words(random.foldIn(random.key(1), 1))).toEqual(a);
    expect(words(random.foldIn(random.key(1), 2))).not.toEqual(a);
  });
});

describe("bits", () => {
  const shapes: number[][] = [
    [],
    [0],
    [1],
    [2],
    [3],
    [7],
    [2, 3],
    [3, 5],
    [2, 3, 4],
    [4, 0, 3],
    [1, 1, 1],
    [257],
    [1000],
  ];
  const keys: [string, Tensor, Key][] = [
    ["key(0)", random.key(0), keyOf(0n)],
    ["key(10)", random.key(10), keyOf(10n)],
    ["key(2**40 + 5)", random.key(2n ** 40n + 5n), keyOf(2n ** 40n + 5n)],
    ["key(2**64 − 1)", random.key(2n ** 64n - 1n), keyOf(2n ** 64n - 1n)],
  ];
  for (const [name, k, o] of keys) {
    it.each(shapes.map((s) => [JSON.stringify(s), s] as const))(`bits(${name}, %s) follows the oracle`, (_, s) => {
      const b = random.bits(k, s);
      expect(b.dtype).toBe("uint32");
      expect(b.shape).toEqual(s);
      expect(b.toTypedArray()).toBeInstanceOf(Uint32Array);
      expect(words(b)).toEqual(bitsOf(o, size(s)));
    });
  }

  it("shape defaults to [] (one word)", () => {
    const b = random.bits(random.key(77));
    expect(b.shape).toEqual([]);
    expect(b.item()).toBe(bitsOf(keyOf(77n), 1)[0]);
  });

  it("a prefix of a longer draw: the words depend only on the flat index", () => {
    const long = words(random.bits(random.key(3), [12]));
    expect(words(random.bits(random.key(3), [3, 4]))).toEqual(long);
    expect(words(random.bits(random.key(3), [5]))).toEqual(long.slice(0, 5));
  });

  it("keys built with np.array (from a Uint32Array or with dtype uint32) are the same keys", () => {
    const want = bitsOf(keyOf(42n), 6);
    expect(words(random.bits(np.array(Uint32Array.of(0, 42)), [6]))).toEqual(want);
    expect(words(random.bits(np.array([0, 42], { dtype: "uint32" }), [6]))).toEqual(want);
  });

  it("derived keys: bits of split and foldIn keys follow the oracle", () => {
    const [a, b] = random.split(random.key(11)).toArray() as Key[];
    const [oa, ob] = splitOf(keyOf(11n), 2);
    expect(words(random.bits(np.array(Uint32Array.from(a!)), [9]))).toEqual(bitsOf(oa!, 9));
    expect(words(random.bits(np.array(Uint32Array.from(b!)), [9]))).toEqual(bitsOf(ob!, 9));
    expect(words(random.bits(random.foldIn(random.key(11), 4), [2, 2]))).toEqual(bitsOf(foldInOf(keyOf(11n), 4), 4));
  });

  it("the words look uniform: each of the 32 bit positions is set about half the time", () => {
    const n = 20000;
    const w = words(random.bits(random.key(123), [n]));
    for (let bit = 0; bit < 32; bit++) {
      const ones = w.reduce((c, x) => c + ((x >>> bit) & 1), 0);
      // binomial(n, ½): standard deviation √n/2 ≈ 70.7; 5 standard deviations
      expect(Math.abs(ones - n / 2)).toBeLessThan(5 * Math.sqrt(n) * 0.5);
    }
  });
});

describe("a batch of keys is not a key", () => {
  it("split's [n, 2] result must be indexed (or vmapped) before use", () => {
    const e = catchError(() => random.bits(random.split(random.key(0), 4)), TracegradError);
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toMatch(/random\.bits/);
    expect(e.message).toMatch(/vmap/);
  });
});
