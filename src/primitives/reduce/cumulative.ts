// The cumulative reductions cumsum, cumprod, cummax, cummin and cumlogsumexp along one axis (optionally from the end),
// as jax.lax's: every rule of all five in one place, since they differ only in the combining step.
// - Kernels run sequentially along the axis (XLA's order: output i is the running result of the elements before it
//   combined with element i; with `reverse`, the same from the end), rounding to the dtype after every step.
// - cumsum is linear: its tangent is the cumsum of the tangent, its transpose the cumsum in the other direction.
// - The others differentiate as JAX derives them, by forward mode through an associative scan of their combining
//   function: (value, tangent) pairs scanned with the pair combiner, built from slices, concatenations and elementwise
//   primitives, so their derivatives of every order exist and batch. cummax/cummin split ties equally, as lax.max.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, type DType, isFloat, type TypedArray } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, type TracegradError } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import type { Primitive } from "../../ir/jaxpr.js";
import { bind1 } from "../../ir/trace.js";
import { full } from "../constants.js";
import { definePrimitive, linear, rule } from "../define.js";
import { abs } from "../elementwise/abs.js";
import { add } from "../elementwise/add.js";
import { eq, ne } from "../elementwise/compare.js";
import { exp } from "../elementwise/exp.js";
import { log1p } from "../elementwise/log1p.js";
import { max } from "../elementwise/max.js";
import { min } from "../elementwise/min.js";
import { mul } from "../elementwise/mul.js";
import { neg } from "../elementwise/neg.js";
import { select } from "../elementwise/select.js";
import { sub } from "../elementwise/sub.js";
import { data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { concatenate } from "../structure/concatenate.js";
import { reshape } from "../structure/reshape.js";
import { rev } from "../structure/rev.js";
import { slice } from "../structure/slice_and_pad.js";

export interface CumulativeParams {
  /** The axis accumulated along (0 … rank − 1). */
  axis: number;
  /** Accumulate from the end: output i combines elements i … n − 1. */
  reverse: boolean;
}

type Kind = "cumsum" | "cumprod" | "cummax" | "cummin" | "cumlogsumexp";

function cumulativeType(
  name: Kind,
  [x, ...rest]: ShapedArray[],
  { axis, reverse }: CumulativeParams,
): E.Either<TracegradError, ShapedArray> {
  if (!x || rest.length > 0)
    return E.left(new ShapeError(`${name}: takes one operand, got ${rest.length + (x ? 1 : 0)}`));
  if (!(Number.isInteger(axis) && axis >= 0 && axis < x.ndim))
    return E.left(
      new ShapeError(
        `${name}: axis ${axis} is out of range for an operand of shape ${fmtShape(x.shape)}` +
          (x.ndim === 0 ? "; a 0-d array has no axis to accumulate along" : ` (valid: 0 … ${x.ndim - 1})`),
      ),
    );
  if (typeof reverse !== "boolean")
    return E.left(new ShapeError(`${name}: reverse must be true or false, got ${String(reverse)}`));
  const ok = name === "cumlogsumexp" ? isFloat(x.dtype) : x.dtype !== "bool";
  const accepted = name === "cumlogsumexp" ? "float32 or float64" : "numbers (float32, float64, int32, uint32)";
  if (!ok)
    return E.left(
      new DTypeError(`${name} does not accept dtype ${x.dtype}; it takes ${accepted} (convert with astype)`),
    );
  return E.right(new ShapedArray(x.shape, x.dtype));
}

/** log(exp(a) + exp(b)) without overflow; ±∞ and NaN as NumPy's logaddexp. */
function logaddexp(a: number, b: number): number {
  const d = a - b;
  if (d !== d) return a + b; // equal infinities or a NaN
  return (d > 0 ? a : b) + Math.log1p(Math.exp(-Math.abs(d)));
}

/** The combining step of each kind on doubles, before rounding to the dtype. */
function stepOf(name: Kind, dtype: DType): (acc: number, v: number) => number {
  switch (name) {
    case "cumsum":
      return (a, v) => a + v;
    case "cumprod":
      return dtype === "int32" ? Math.imul : dtype === "uint32" ? (a, v) => Math.imul(a, v) >>> 0 : (a, v) => a * v;
    case "cummax":
      return (a, v) => (v > a || v !== v ? v : a);
    case "cummin":
      return (a, v) => (v < a || v !== v ? v : a);
    case "cumlogsumexp":
      return logaddexp;
  }
}

/** Running float32 sums of `outer` rows of `n`, each from `first` in steps of `stride` (±1). */
function sumRows32(src: Float32Array, dest: Float32Array, outer: number, n: number, first: number, stride: number) {
  for (let o = 0; o < outer; o++) {
    let k = o * n + first;
    let acc = 0;
    for (let j = 0; j < n; j++, k += stride) {
      acc = Math.fround(acc + src[k]!);
      dest[k] = acc;
    }
  }
}
/** Running float64 sums, as sumRows32. */
function sumRows64(src: Float64Array, dest: Float64Array, outer: number, n: number, first: number, stride: number) {
  for (let o = 0; o < outer; o++) {
    let k = o * n + first;
    let acc = 0;
    for (let j = 0; j < n; j++, k += stride) {
      acc += src[k]!;
      dest[k] = acc;
    }
  }
}

/** Writes the cumulative result of `x` into `dest` (x's dtype and size). */
function cumulativeInto(name: Kind, x: Tensor, { axis, reverse }: CumulativeParams, dest: TypedArray): void {
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const src = data(x);
  if (n === 0 || inner === 0 || outer === 0) return;
  const step = stepOf(name, x.dtype);
  const first = reverse ? n - 1 : 0;
  const stride = reverse ? -inner : inner;
  // the common case, float sums along the last axis: loops specialised to their array types
  if (name === "cumsum" && inner === 1 && x.dtype === "float32") {
    sumRows32(src as Float32Array, dest as Float32Array, outer, n, first, stride);
    return;
  }
  if (name === "cumsum" && inner === 1 && x.dtype === "float64") {
    sumRows64(src as Float64Array, dest as Float64Array, outer, n, first, stride);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let k = o * n * inner + first * inner + i;
      dest[k] = src[k]!;
      let acc = dest[k]!;
      for (let j = 1; j < n; j++) {
        k += stride;
        dest[k] = step(acc, src[k]!);
        acc = dest[k]!; // rounded to the dtype, as a store of each step
      }
    }
  }
}

/** Elements `start`, `start + stride`, … below `limit` along `axis`. */
function along(x: Tensor, axis: number, start: number, limit: number, stride = 1): Tensor {
  return slice(
    x,
    x.shape.map((_, i) => (i === axis ? start : 0)),
    x.shape.map((d, i) => (i === axis ? limit : d)),
    x.shape.map((_, i) => (i === axis ? stride : 1)),
  );
}

/** `evens[0], odds[0], evens[1], …` along `axis`; evens has as many elements as odds or one more. */
function interleave(evens: Tensor, odds: Tensor, axis: number): Tensor {
  const m = odds.shape[axis]!;
  const before = odds.shape.slice(0, axis);
  const after = odds.shape.slice(axis + 1);
  const pair = [...before, m, 1, ...after];
  const stacked = concatenate([reshape(along(evens, axis, 0, m), pair), reshape(odds, pair)], axis + 1);
  const merged = reshape(stacked, [...before, 2 * m, ...after]);
  return evens.shape[axis] === m ? merged : concatenate([merged, along(evens, axis, m, m + 1)], axis);
}

type Pair = readonly [Tensor, Tensor];

/** The inclusive scan of (value, tangent) pairs under `combine` (earlier, later), in O(log n) parallel steps. */
function pairScan(combine: (a: Pair, b: Pair) => Pair, xs: Pair, axis: number): Pair {
  const n = xs[0].shape[axis]!;
  if (n < 2) return xs;
  const each = (ts: Pair, start: number, limit: number, stride = 1) =>
    [along(ts[0], axis, start, limit, stride), along(ts[1], axis, start, limit, stride)] as const;
  const odds = pairScan(combine, combine(each(xs, 0, n - 1, 2), each(xs, 1, n, 2)), axis);
  const k = Math.ceil(n / 2) - 1;
  const rest = k === 0 ? null : combine(each(odds, 0, k), each(xs, 2, n, 2));
  const out = (i: 0 | 1) => {
    const first = along(xs[i], axis, 0, 1);
    return interleave(rest ? concatenate([first, rest[i]], axis) : first, odds[i], axis);
  };
  return [out(0), out(1)];
}

/** lax.max's derivative weight of `x` in max(x, y) = z: 1 where x alone attains z, ½ on ties, else 0 (JAX). */
function balanced(x: Tensor, z: Tensor, y: Tensor): Tensor {
  const c = (v: number) => full(x.shape, v, x.dtype);
  return select(eq(x, z), select(eq(y, z), c(0.5), c(1)), c(0));
}

/** ±∞ replaced by 0 (JAX's logaddexp derivative: exp(x − m) with m finite where it is infinite). */
function finiteOrZero(m: Tensor): Tensor {
  return select(eq(abs(m), full(m.shape, Infinity, m.dtype)), full(m.shape, 0, m.dtype), m);
}

/** Each differentiable kind's combiner on (value, tangent) pairs: forward mode through its binary operation. */
const pairCombiners: Record<Exclude<Kind, "cumsum">, (a: Pair, b: Pair) => Pair> = {
  cumprod: ([a, da], [b, db]) => [mul(a, b), add(mul(da, b), mul(a, db))],
  cummax: ([a, da], [b, db]) => {
    const z = max(a, b);
    return [z, add(mul(da, balanced(a, z, b)), mul(db, balanced(b, z, a)))];
  },
  cummin: ([a, da], [b, db]) => {
    const z = min(a, b);
    return [z, add(mul(da, balanced(a, z, b)), mul(db, balanced(b, z, a)))];
  },
  cumlogsumexp: ([a, da], [b, db]) => {
    const delta = sub(a, b);
    const z = select(ne(delta, delta), add(a, b), add(max(a, b), log1p(exp(neg(abs(delta))))));
    const zf = finiteOrZero(z);
    return [z, add(mul(da, exp(sub(a, zf))), mul(db, exp(sub(b, zf))))];
  },
};

/** The tangent of a cumulative reduction: the tangent part of the scanned pairs (flipped for `reverse`). */
function pairTangent(name: Exclude<Kind, "cumsum">, x: Tensor, t: Tensor, { axis, reverse }: CumulativeParams) {
  const flip = (v: Tensor) => (reverse ? rev(v, [axis]) : v);
  return flip(pairScan(pairCombiners[name], [flip(x), flip(t)], axis)[1]);
}

function cumulative(name: Kind): Primitive<CumulativeParams> {
  const self: Primitive<CumulativeParams> = definePrimitive<CumulativeParams>({
    name,
    abstractEval: (avals, params) => cumulativeType(name, avals, params),
    impl: ([x], params, out) => {
      const dest = allocateFilledLater(out.dtype, out.size);
      cumulativeInto(name, x!, params, dest);
      return Tensor._of(dest, out.shape, out.dtype);
    },
    implInto: ([x], params, _out, dest) => cumulativeInto(name, x!, params, dest),
    freshOutputs: true,
    ad:
      name === "cumsum"
        ? linear((ct, _args, { axis, reverse }) => [bind1(self, [ct], { axis, reverse: !reverse })])
        : rule(([t], [x], _out, params) => (t && isFloat(x!.dtype) ? pairTangent(name, x!, t, params) : null)),
    // the accumulated axis shifts past the batch axis, which stays where it is
    batch: ([x], [d], params) => [
      bind1(self, [x!], { ...params, axis: params.axis >= d! ? params.axis + 1 : params.axis }),
      d!,
    ],
    testing: {
      sample: (choose) => {
        const shape = randomShape(choose);
        if (shape.length === 0) shape.push(1 + choose(4));
        return {
          avals: [new ShapedArray(shape, "float64")],
          params: { axis: choose(shape.length), reverse: choose(2) === 1 },
        };
      },
      ...(name === "cumprod" && { domain: [-1.5, 1.5] as const }),
      ...((name === "cummax" || name === "cummin") && { distinct: true }),
    },
  });
  return self;
}

export const cumsumP = cumulative("cumsum");
export const cumprodP = cumulative("cumprod");
export const cummaxP = cumulative("cummax");
export const cumminP = cumulative("cummin");
export const cumlogsumexpP = cumulative("cumlogsumexp");

/** Running sums along `axis` (from the end with `reverse`). */
export const cumsum = (x: Tensor, axis: number, reverse = false): Tensor => bind1(cumsumP, [x], { axis, reverse });
/** Running products along `axis`. */
export const cumprod = (x: Tensor, axis: number, reverse = false): Tensor => bind1(cumprodP, [x], { axis, reverse });
/** Running maxima along `axis` (NaN propagates). */
export const cummax = (x: Tensor, axis: number, reverse = false): Tensor => bind1(cummaxP, [x], { axis, reverse });
/** Running minima along `axis` (NaN propagates). */
export const cummin = (x: Tensor, axis: number, reverse = false): Tensor => bind1(cumminP, [x], { axis, reverse });
/** Running log-sum-exp along `axis`. */
export const cumlogsumexp = (x: Tensor, axis: number, reverse = false): Tensor =>
  bind1(cumlogsumexpP, [x], { axis, reverse });
