// Sampling orders and subsets: permutation by JAX's sort-based shuffle (sorting by fresh random words, rounds enough
// that ties are unlikely), and choice with or without replacement, uniform or weighted, as jax.random's.
import { ShapeError, TracegradError } from "../core/errors.js";
import { array, axis, bool, shape } from "../core/params.js";
import { normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, optional, options } from "../core/validate.js";
import { scan } from "../higher_order/control_flow.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import { take } from "../numpy/manipulation.js";
import * as p from "../primitives/index.js";
import { randint, splitTwo } from "./integers.js";
import { keyParam } from "./key.js";
import { gumbelDraw, uniformIn } from "./uniform.js";

/** `x` shuffled along `ax` by sorting on random words, as many rounds as JAX takes for its size. */
function shuffle(key: Tensor, x: Tensor, ax: number): Tensor {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(2 ** 32 - 1));
  let k = key;
  let out = x;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitTwo(k);
    k = next;
    out = p.sort([p.randomBits(sub, out.shape), out], ax, true, 1)[1]!;
  }
  return out;
}

/** A whole number n ≥ 0 given as a JS number or a concrete integer scalar tensor. */
function countOf(fn: string, arg: string, v: number | Tensor): number {
  const n = typeof v === "number" ? v : v.dtype === "int32" || v.dtype === "uint32" ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0)
    throw new TracegradError(`${fn}: ${arg} must be a whole number ≥ 0 or an array, got ${String(v)}`);
  return n;
}

export interface PermutationOpts {
  axis?: number;
  independent?: boolean;
}
/**
 * A random permutation of `0 … n−1` (for a number) or of `x` along `axis`; `independent` shuffles every slice along
 * the axis separately, as JAX.
 * @example random.permutation(random.key(0), 5).shape // [5]
 */
export const permutation: (key: Tensor, x: ArrayLike, opts?: PermutationOpts | number) => Tensor = guard(
  "random.permutation",
  [keyParam(), array("x"), options({ axis: axis(), independent: bool("independent") }, "axis")],
  (k: Tensor, x0: ArrayLike, o: PermutationOpts) => {
    const t = typeof x0 === "number" ? x0 : asTensor(x0);
    if (typeof t === "number" || t.ndim === 0)
      return shuffle(k, p.iota("int32", [countOf("random.permutation", "x", t)], 0), 0);
    const ax = normalizeAxis("random.permutation", o.axis ?? 0, t.ndim);
    if (o.independent || t.ndim === 1) return shuffle(k, t, ax);
    return take(t, shuffle(k, p.iota("int32", [t.shape[ax]!], 0), 0), ax);
  },
);

/** Sequential prefix sums along the only axis (the order XLA's cumsum adds in). */
function cumsum(x: Tensor): Tensor {
  return scan(
    (c: Tensor, v: Tensor) => {
      const s = p.add(c, v);
      return [s, s] as const;
    },
    p.scalar(0, x.dtype),
    x,
  )[1] as Tensor;
}

export interface ChoiceOpts {
  replace?: boolean;
  p?: ArrayLike;
  axis?: number;
}
/**
 * Draws of `shape` from `a` (an array, along `axis`) or from `0 … a−1` (a number): with replacement by default,
 * uniformly or with probabilities `p` (JAX's algorithms: inverse CDF with replacement, Gumbel top-k without).
 * @example random.choice(random.key(0), 10, [3], { replace: false }).shape // [3]
 */
export const choice: (key: Tensor, a: ArrayLike, shape?: readonly number[], opts?: ChoiceOpts) => Tensor = guard(
  "random.choice",
  [keyParam(), array("a"), optional(shape(), []), options({ replace: bool("replace"), p: array("p"), axis: axis() })],
  (k: Tensor, a0: ArrayLike, s: number[], o: ChoiceOpts) => {
    const fn = "random.choice";
    const t = typeof a0 === "number" ? a0 : asTensor(a0);
    const scalarA = typeof t === "number" || t.ndim === 0;
    const arr = scalarA ? undefined : (t as Tensor);
    const ax = arr ? normalizeAxis(fn, o.axis ?? 0, arr.ndim) : 0;
    const nInputs = arr ? arr.shape[ax]! : countOf(fn, "a", t as number | Tensor);
    const nDraws = s.reduce((x, y) => x * y, 1);
    const outShape = arr ? [...arr.shape.slice(0, ax), ...s, ...arr.shape.slice(ax + 1)] : s;
    if (nDraws === 0) return p.zeros(outShape, arr?.dtype ?? "int32");
    if (nInputs <= 0) throw new ShapeError(`${fn}: a must be greater than 0 unless no samples are taken`);
    const replace = o.replace ?? true;
    if (!replace && nDraws > nInputs)
      throw new ShapeError(
        `${fn}: cannot take a larger sample (size ${nDraws}) than the population (size ${nInputs}) with replace: false`,
      );
    let ind: Tensor;
    if (o.p === undefined) {
      if (replace) ind = randint(k, s, 0, nInputs);
      else {
        const perm = permutation(k, arr ?? nInputs, { axis: ax });
        const start = perm.shape.map(() => 0);
        const limit = perm.shape.map((d, i) => (i === ax ? nDraws : d));
        const first = p.slice(
          perm,
          start,
          limit,
          perm.shape.map(() => 1),
        );
        return p.reshape(first, outShape);
      }
    } else {
      let pr = asTensor(o.p);
      if (pr.dtype !== "float32" && pr.dtype !== "float64") pr = p.convertElementType(pr, "float32");
      if (pr.ndim !== 1 || pr.shape[0] !== nInputs)
        throw new ShapeError(
          `${fn}: p must be a 1-D vector of size ${nInputs} (a's size along axis), got shape [${pr.shape.join(", ")}]`,
        );
      const d = pr.dtype;
      if (replace) {
        const cum = cumsum(pr);
        const total = p.slice(cum, [nInputs - 1], [nInputs], [1]);
        const u = uniformIn(k, s, d, p.scalar(0, d), p.scalar(1, d));
        const r = np.multiply(p.reshape(total, []), np.subtract(p.scalar(1, d), u));
        // searchsorted (left): how many prefix sums lie below r
        const below = np.less(p.reshape(cum, [...s.map(() => 1), nInputs]), p.reshape(r, [...s, 1]));
        ind = p.reduceSum(p.convertElementType(below, "int32"), [s.length]);
      } else {
        const g = np.add(gumbelDraw(k, [nInputs], d), np.log(pr));
        ind = p.reshape(p.topK(g, nDraws)[1], s);
      }
    }
    return arr ? p.reshape(take(arr, ind, ax), outShape) : p.reshape(ind, outShape);
  },
);
