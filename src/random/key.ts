// Keys of JAX's threefry2x32 PRNG as values: a key is a uint32 tensor [2] (JAX's raw key layout); `split` and
// `foldIn` derive new keys and `bits` draws words, exactly as JAX (≥ 0.5, partitionable threefry) derives them, so the
// integers match JAX's bit for bit. Keys may be traced (jit, vmap): nothing here reads a key's value.
import * as E from "fp-ts/Either";
import type { At, Checked } from "../core/checked.js";
import { DTypeError } from "../core/errors.js";
import { array, count, shape } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { fail, guard, optional, type Param } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as p from "../primitives/index.js";

const MAKE = "make one with random.key(seed) and derive more with random.split or random.foldIn";

/** A key argument: a uint32 tensor (or Uint32Array) of shape [2]; anything else says how to make one. */
export const keyParam = (name = "key"): Param<Tensor> => ({
  name,
  kind: "key",
  optional: false,
  rest: false,
  check: (v: unknown, at: At): Checked<Tensor> => {
    const t = v instanceof Uint32Array ? asTensor(v) : v;
    if (!(t instanceof Tensor)) return fail(at, `a PRNG key (a uint32 tensor of shape [2]; ${MAKE})`, v);
    if (t.dtype !== "uint32" || t.ndim !== 1 || t.shape[0] !== 2)
      return E.left(
        new DTypeError(
          `${at.fn}: ${at.arg} must be a PRNG key, a uint32 tensor of shape [2], got ${t.aval.toString()}; ${MAKE}` +
            (t.dtype === "uint32" && t.ndim === 2 ? " (for a batch of keys, vmap over them)" : ""),
        ),
      );
    return E.right(t);
  },
});

const TWO32 = 2 ** 32;

/** A seed: a JS integer in [0, 2⁵³) or a bigint in [0, 2⁶⁴), as its high and low 32-bit words. */
const seedParam: Param<[number, number]> = {
  name: "seed",
  kind: "seed",
  optional: false,
  rest: false,
  check: (v: unknown, at: At): Checked<[number, number]> => {
    if (typeof v === "bigint") {
      if (v >= 0n && v < 1n << 64n) return E.right([Number(v >> 32n), Number(v & 0xffffffffn)]);
      return fail(at, "a bigint in [0, 2⁶⁴)", v);
    }
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return E.right([Math.floor(v / TWO32), v % TWO32]);
    return fail(at, "a whole number in [0, 2⁵³) (or a bigint in [0, 2⁶⁴))", v);
  },
};

/** The key's two words, k0 and k1, as uint32 scalars. */
export function keyWords(key: Tensor): [Tensor, Tensor] {
  const word = (i: number) => p.reshape(p.slice(key, [i], [i + 1], [1]), []);
  return [word(0), word(1)];
}

/** Threefry of `key` over the counters 0 … n−1 (high words 0): the [n, 2] words. */
export function counterBlocks(key: Tensor, n: number): Tensor {
  const [k0, k1] = keyWords(key);
  const spread = (w: Tensor) => p.broadcastInDim(w, [n], []);
  return p.threefry2x32(spread(k0), spread(k1), p.zeros([n], "uint32"), p.iota("uint32", [n], 0));
}

/**
 * A PRNG key from a seed: a uint32 tensor [2] holding the seed's high and low 32-bit words (JAX's raw threefry key;
 * for seeds below 2³² the same as JAX's `PRNGKey(seed)`).
 * @example random.key(42) // Tensor([0, 42], dtype=uint32)
 */
export const key: (seed: number | bigint) => Tensor = guard("random.key", [seedParam], ([hi, lo]: [number, number]) =>
  asTensor(Uint32Array.of(hi, lo)),
);

/**
 * `num` new keys from `key`, as a uint32 [num, 2] (each row a key); the key itself should not be used again.
 * @example const [k1, k2] = random.split(random.key(0)) // two keys, each a uint32 [2]
 */
export const split: (key: Tensor, num?: number) => Tensor = guard(
  "random.split",
  [keyParam(), optional(count("num"), 2)],
  (k: Tensor, num: number) => counterBlocks(k, num),
);

/** `data` as a uint32 scalar: a JS integer in [0, 2³²), or an integer scalar tensor (int32 wraps, as astype). */
function foldData(at: At, data: unknown): Checked<Tensor> {
  if (typeof data === "number") {
    if (Number.isInteger(data) && data >= 0 && data < TWO32) return E.right(p.scalar(data, "uint32"));
    return fail(at, "a whole number in [0, 2³²) or an integer scalar tensor", data);
  }
  if (data instanceof Tensor) {
    if (data.ndim === 0 && (data.dtype === "int32" || data.dtype === "uint32"))
      return E.right(p.convertElementType(data, "uint32"));
    return E.left(new DTypeError(`${at.fn}: ${at.arg} must be an int32 or uint32 scalar, got ${data.aval.toString()}`));
  }
  return fail(at, "a whole number in [0, 2³²) or an integer scalar tensor", data);
}

/**
 * A new key from `key` and an integer (a step, a layer index): the same pair always gives the same key.
 * @example random.foldIn(random.key(0), 1) // a key independent of random.key(0)'s other derivations
 */
export const foldIn: (key: Tensor, data: number | Tensor) => Tensor = guard(
  "random.foldIn",
  [keyParam(), array("data")],
  (k: Tensor, data: unknown) => {
    const d = foldData({ fn: "random.foldIn", arg: "data" }, data);
    if (E.isLeft(d)) throw d.left;
    const [k0, k1] = keyWords(k);
    const one = (w: Tensor) => p.reshape(w, [1]);
    return p.reshape(p.threefry2x32(one(k0), one(k1), p.zeros([1], "uint32"), one(d.right)), [2]);
  },
);

/**
 * Uniform random 32-bit words of `shape` (uint32).
 * @example random.bits(random.key(0), [3]).dtype // "uint32"
 */
export const bits: (key: Tensor, shape?: readonly number[]) => Tensor = guard(
  "random.bits",
  [keyParam(), optional(shape(), [])],
  (k: Tensor, s: number[]) => p.randomBits(k, s),
);

/** Throws if `v` is not usable as a key (for samplers that take the key through their own checks). */
export function checkKey(fn: string, v: unknown): Tensor {
  const r = keyParam().check(v, { fn, arg: "key" });
  if (E.isLeft(r)) throw r.left;
  return r.right;
}
