// NumPy's products beyond dot/matmul/outer: tensordot, inner, vdot, vecdot, matvec, vecmat, kron, convolve,
// correlate, polyval, interp; each composed from dot_general and structure primitives (so differentiable).
import * as E from "fp-ts/Either";
import { fmtShape, ShapeError } from "../core/errors.js";
import { array, axis as axisParam, choice, number } from "../core/params.js";
import { broadcastShapes, normalizeAxis } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { fail, guard, optional, options, type Param } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { broadcastTo, promoted } from "./convert.js";
import { multiply, toFloat } from "./elementwise.js";
import { matmul } from "./linalg.js";
import { mod } from "./math.js";
import { gatherAt, slot } from "./shape.js";
import { argsort } from "./sorting.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const numeric = (t: Tensor) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);
const pair = (op: string, x: ArrayLike, y: ArrayLike) => promoted([x, y], op).map(numeric) as [Tensor, Tensor];
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const intOrList = (v: unknown) => isInt(v) || (Array.isArray(v) && v.every(isInt));

/** `a` and `b` contracted over the paired axes (lists of equal length), result: a's free axes then b's. */
function contract(op: string, a: Tensor, b: Tensor, axa: number[], axb: number[]): Tensor {
  if (axa.length !== axb.length)
    throw new ShapeError(`${op}: the axis lists have different lengths (${axa.length} and ${axb.length})`);
  const na = axa.map((d) => normalizeAxis(op, d, a.ndim));
  const nb = axb.map((d) => normalizeAxis(op, d, b.ndim));
  if (new Set(na).size !== na.length || new Set(nb).size !== nb.length)
    throw new ShapeError(`${op}: an axis is repeated in (${axa}) or (${axb})`);
  na.forEach((d, i) => {
    if (a.shape[d] !== b.shape[nb[i]!])
      throw new ShapeError(
        `${op}: shape mismatch for sum: axis ${d} of ${fmtShape(a.shape)} has size ${a.shape[d]}, axis ${nb[i]} of ` +
          `${fmtShape(b.shape)} has ${b.shape[nb[i]!]}`,
      );
  });
  return lax.dotGeneral(a, b, [
    [na, nb],
    [[], []],
  ]);
}

export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];
const tensordotAxes: Param<TensordotAxes> = slot("axes", "axes", (v, at) =>
  (isInt(v) && v >= 0) || (Array.isArray(v) && v.length === 2 && v.every(intOrList))
    ? E.right(v as TensordotAxes)
    : fail(at, "a whole number ≥ 0, or a pair [axes of a, axes of b] (each an integer or a list of integers)", v),
);

/**
 * Sum of products over axes: `axes = N` pairs the last N axes of `a` with the first N of `b`; `[axesA, axesB]`
 * pairs them in order. The result has a's free axes then b's.
 * @example np.tensordot(np.ones([3, 4, 5]), np.ones([4, 5, 2])).shape // [3, 2]
 */
export const tensordot: (a: ArrayLike, b: ArrayLike, axes?: TensordotAxes) => Tensor = guard(
  "np.tensordot",
  [array("a"), array("b"), optional(tensordotAxes)],
  (x: ArrayLike, y: ArrayLike, axes: TensordotAxes | undefined) => {
    const op = "np.tensordot";
    const [a, b] = pair(op, x, y);
    const ax = axes ?? 2;
    if (typeof ax === "number") {
      if (ax > a.ndim || ax > b.ndim)
        throw new ShapeError(
          `${op}: cannot contract ${ax} axes of ${fmtShape(a.shape)} with ${fmtShape(b.shape)} (too few axes)`,
        );
      return contract(
        op,
        a,
        b,
        range(ax).map((i) => a.ndim - ax + i),
        range(ax),
      );
    }
    const list = (v: number | readonly number[]) => (typeof v === "number" ? [v] : [...v]);
    return contract(op, a, b, list(ax[0]), list(ax[1]));
  },
);

/**
 * Inner product over the last axes (scalars multiply); the result has a's other axes then b's.
 * @example np.inner([1, 2, 3], [0, 1, 0]) // Tensor(2, dtype=float32)
 */
export const inner: (a: ArrayLike, b: ArrayLike) => Tensor = guard(
  "np.inner",
  [array("a"), array("b")],
  (x: ArrayLike, y: ArrayLike) => {
    const [a, b] = pair("np.inner", x, y);
    if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
    return contract("np.inner", a, b, [a.ndim - 1], [b.ndim - 1]);
  },
);

/**
 * Dot product of the flattened operands (equal sizes).
 * @example np.vdot([[1, 2], [3, 4]], [[1, 1], [1, 1]]) // Tensor(10, dtype=float32)
 */
export const vdot: (a: ArrayLike, b: ArrayLike) => Tensor = guard(
  "np.vdot",
  [array("a"), array("b")],
  (x: ArrayLike, y: ArrayLike) => {
    const [a, b] = pair("np.vdot", x, y);
    if (a.size !== b.size)
      throw new ShapeError(
        `np.vdot: the operands must have the same size, got ${fmtShape(a.shape)} (${a.size}) and ` +
          `${fmtShape(b.shape)} (${b.size})`,
      );
    return contract("np.vdot", lax.reshape(a, [a.size]), lax.reshape(b, [b.size]), [0], [0]);
  },
);

/**
 * Vector dot product along `axis` (default −1), other axes broadcast.
 * @example np.vecdot([[1, 2], [3, 4]], [1, 1]).toArray() // [3, 7]
 */
export const vecdot: (x1: ArrayLike, x2: ArrayLike, axis?: number | { axis?: number }) => Tensor = guard(
  "np.vecdot",
  [array("x1"), array("x2"), options({ axis: axisParam("axis") }, "axis")],
  (x: ArrayLike, y: ArrayLike, o: { axis?: number }) => {
    const op = "np.vecdot";
    let [a, b] = pair(op, x, y);
    if (a.ndim === 0 || b.ndim === 0)
      throw new ShapeError(
        `${op}: the operands must be at least 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    const shape = broadcastShapes(`${op} of ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, a.shape, b.shape);
    a = broadcastTo(a, shape);
    b = broadcastTo(b, shape);
    const ax = normalizeAxis(op, o.axis ?? -1, shape.length);
    const batch = range(shape.length).filter((i) => i !== ax);
    return lax.dotGeneral(a, b, [
      [[ax], [ax]],
      [batch, batch],
    ]);
  },
);

/**
 * Matrix-vector product, batched: x1 [..., m, n] and x2 [..., n] give [..., m].
 * @example np.matvec([[1, 2], [3, 4]], [1, 1]).toArray() // [3, 7]
 */
export const matvec: (x1: ArrayLike, x2: ArrayLike) => Tensor = guard(
  "np.matvec",
  [array("x1"), array("x2")],
  (x: ArrayLike, y: ArrayLike) => {
    const [a, b] = pair("np.matvec", x, y);
    if (a.ndim < 2 || b.ndim < 1)
      throw new ShapeError(
        `np.matvec: needs a matrix (≥ 2-D) and a vector (≥ 1-D), got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    const r = matmul(a, lax.reshape(b, [...b.shape, 1]));
    return lax.reshape(r, r.shape.slice(0, -1));
  },
);

/**
 * Vector-matrix product, batched: x1 [..., n] and x2 [..., n, m] give [..., m].
 * @example np.vecmat([1, 1], [[1, 2], [3, 4]]).toArray() // [4, 6]
 */
export const vecmat: (x1: ArrayLike, x2: ArrayLike) => Tensor = guard(
  "np.vecmat",
  [array("x1"), array("x2")],
  (x: ArrayLike, y: ArrayLike) => {
    const [a, b] = pair("np.vecmat", x, y);
    if (a.ndim < 1 || b.ndim < 2)
      throw new ShapeError(
        `np.vecmat: needs a vector (≥ 1-D) and a matrix (≥ 2-D), got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    const r = matmul(lax.reshape(a, [...a.shape.slice(0, -1), 1, a.shape.at(-1)!]), b);
    return lax.reshape(r, [...r.shape.slice(0, -2), r.shape.at(-1)!]);
  },
);

/**
 * Kronecker product: blocks of `b` scaled by each element of `a` (ranks padded with leading 1s).
 * @example np.kron([1, 10], [1, 2]).toArray() // [1, 2, 10, 20]
 */
export const kron: (a: ArrayLike, b: ArrayLike) => Tensor = guard(
  "np.kron",
  [array("a"), array("b")],
  (x: ArrayLike, y: ArrayLike) => {
    const [a0, b0] = pair("np.kron", x, y);
    const nd = Math.max(a0.ndim, b0.ndim);
    const pad = (t: Tensor) => [...Array<number>(nd - t.ndim).fill(1), ...t.shape];
    const [sa, sb] = [pad(a0), pad(b0)];
    const a = lax.reshape(
      a0,
      sa.flatMap((d) => [d, 1]),
    );
    const b = lax.reshape(
      b0,
      sb.flatMap((d) => [1, d]),
    );
    return lax.reshape(
      multiply(a, b),
      sa.map((d, i) => d * sb[i]!),
    );
  },
);

export type Mode = "full" | "same" | "valid";
const MODES: readonly Mode[] = ["full", "same", "valid"];
const modeOptions = options({ mode: choice("mode", MODES) }, "mode");

/** Full cross-correlation of 1-D `a` (n) with `v` (m): c[k] = Σ_j a[j + k − (m − 1)] v[j], k in [0, n + m − 1). */
function fullCorrelate(a: Tensor, v: Tensor): Tensor {
  const [n, m] = [a.shape[0]!, v.shape[0]!];
  const L = n + m - 1;
  const ap = lax.pad(a, lax.scalar(0, a.dtype), [[m - 1, m - 1, 0]]);
  // the windows of the padded a, one row per output, gathered at once
  const idx = range(L).flatMap((k) => range(m).map((j) => k + j));
  const windows = lax.reshape(gatherAt(ap, idx, 0), [L, m]);
  return lax.dotGeneral(windows, v, [
    [[1], [0]],
    [[], []],
  ]);
}

function oneD(op: string, x: ArrayLike, y: ArrayLike): [Tensor, Tensor] {
  const [a, v] = pair(op, x, y);
  if (a.ndim !== 1 || v.ndim !== 1)
    throw new ShapeError(`${op}: needs 1-D arrays, got ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`);
  if (a.size === 0 || v.size === 0) throw new ShapeError(`${op}: the arrays must not be empty`);
  return [a, v];
}

/**
 * Discrete linear convolution of two 1-D arrays; `mode` "full" (default, length n + m − 1), "same" (length
 * max(n, m), centred) or "valid" (length max(n, m) − min(n, m) + 1).
 * @example np.convolve([1, 2, 3], [0, 1, 0.5]).toArray() // [0, 1, 2.5, 4, 1.5]
 */
export const convolve: (a: ArrayLike, v: ArrayLike, mode?: Mode | { mode?: Mode }) => Tensor = guard(
  "np.convolve",
  [array("a"), array("v"), modeOptions],
  (x: ArrayLike, y: ArrayLike, o: { mode?: Mode }) => {
    const [a, v] = oneD("np.convolve", x, y);
    const full = fullCorrelate(a, lax.rev(v, [0]));
    const [n, m] = [a.size, v.size];
    const [k, L] = [Math.min(n, m), Math.max(n, m)];
    const mode = o.mode ?? "full";
    if (mode === "full") return full;
    const start = mode === "same" ? Math.floor((k - 1) / 2) : k - 1;
    const len = mode === "same" ? L : L - k + 1;
    return lax.slice(full, [start], [start + len], [1]);
  },
);

/**
 * Cross-correlation of two 1-D arrays, c[k] = Σ_n a[n + k] v[n], as NumPy's `correlate`: `mode` "valid" (default),
 * "same" or "full".
 * @example np.correlate([1, 2, 3], [0, 1, 0.5]).toArray() // [3.5]
 */
export const correlate: (a: ArrayLike, v: ArrayLike, mode?: Mode | { mode?: Mode }) => Tensor = guard(
  "np.correlate",
  [array("a"), array("v"), modeOptions],
  (x: ArrayLike, y: ArrayLike, o: { mode?: Mode }) => {
    const [a, v] = oneD("np.correlate", x, y);
    const full = fullCorrelate(a, v);
    const [n, m] = [a.size, v.size];
    const [k, L] = [Math.min(n, m), Math.max(n, m)];
    const mode = o.mode ?? "valid";
    if (mode === "full") return full;
    // NumPy centres "same" as it computes it: on the longer array's frame
    const start = mode === "same" ? (n >= m ? Math.floor((m - 1) / 2) : Math.floor(n / 2)) : k - 1;
    const len = mode === "same" ? L : L - k + 1;
    return lax.slice(full, [start], [start + len], [1]);
  },
);

/**
 * The polynomial with coefficients `p` (highest power first) at `x`, by Horner's rule.
 * @example np.polyval([1, 0, -1], [2, 3]).toArray() // [3, 8]
 */
export const polyval: (p: ArrayLike, x: ArrayLike) => Tensor = guard(
  "np.polyval",
  [array("p"), array("x")],
  (pp: ArrayLike, xx: ArrayLike) => {
    const [p, x] = pair("np.polyval", pp, xx);
    if (p.ndim !== 1) throw new ShapeError(`np.polyval: the coefficients must be 1-D, got ${fmtShape(p.shape)}`);
    let y = lax.zerosLike(x);
    for (let i = 0; i < p.size; i++) {
      const c = lax.reshape(lax.slice(p, [i], [i + 1], [1]), []);
      y = lax.add(lax.mul(y, x), lax.broadcastInDim(c, x.shape, []));
    }
    return y;
  },
);

export interface InterpOpts {
  left?: number;
  right?: number;
  period?: number;
}
const interpOptions = options({ left: number("left"), right: number("right"), period: number("period") });

/**
 * Piecewise-linear interpolation of the points (xp, fp) at `x` (xp increasing); outside [xp[0], xp[−1]] it is
 * `left`/`right` (default fp[0]/fp[−1]); with `period`, x and xp are taken modulo it (left/right are ignored).
 * @example np.interp([0.5, 5], [0, 1, 2], [1, 2, 4]).toArray() // [1.5, 4]
 */
export const interp: (x: ArrayLike, xp: ArrayLike, fp: ArrayLike, opts?: InterpOpts) => Tensor = guard(
  "np.interp",
  [array("x"), array("xp"), array("fp"), interpOptions],
  (xx: ArrayLike, xpp: ArrayLike, fpp: ArrayLike, o: InterpOpts) => {
    const op = "np.interp";
    let [x, xp, fp] = promoted([xx, xpp, fpp], op).map((t) => toFloat(numeric(t))) as [Tensor, Tensor, Tensor];
    if (xp.ndim !== 1 || fp.ndim !== 1 || xp.size !== fp.size)
      throw new ShapeError(
        `${op}: xp and fp must be 1-D of the same length, got ${fmtShape(xp.shape)} and ${fmtShape(fp.shape)}`,
      );
    if (xp.size === 0) throw new ShapeError(`${op}: xp and fp must not be empty`);
    const scalar = (v: number) => lax.scalar(v, x.dtype);
    if (o.period !== undefined) {
      // (a subnormal period would be 0 in float32: refused at every width, so float32 and float64 agree)
      if (!(Math.abs(o.period) >= 2 ** -126) || !Number.isFinite(o.period))
        throw new ShapeError(`${op}: period must be a finite non-zero number (≥ 2⁻¹²⁶ in size), got ${o.period}`);
      const per = Math.abs(o.period);
      x = mod(x, per);
      xp = mod(xp, per);
      const order = argsort(xp);
      xp = lax.gather(xp, order, 0);
      fp = lax.gather(fp, order, 0);
      const n = xp.size;
      xp = lax.concatenate(
        [
          lax.sub(lax.slice(xp, [n - 1], [n], [1]), lax.broadcastInDim(scalar(per), [1], [])),
          xp,
          lax.add(lax.slice(xp, [0], [1], [1]), lax.broadcastInDim(scalar(per), [1], [])),
        ],
        0,
      );
      fp = lax.concatenate([lax.slice(fp, [n - 1], [n], [1]), fp, lax.slice(fp, [0], [1], [1])], 0);
    }
    const n = xp.size;
    const xs = x.shape;
    if (n === 1) {
      const only = lax.broadcastInDim(lax.reshape(fp, []), xs, []);
      if (o.period !== undefined) return only;
      const f0 = lax.broadcastInDim(lax.reshape(xp, []), xs, []);
      const lo = o.left === undefined ? only : lax.broadcastInDim(scalar(o.left), xs, []);
      const hi = o.right === undefined ? only : lax.broadcastInDim(scalar(o.right), xs, []);
      return lax.select(lax.lt(x, f0), lo, lax.select(lax.gt(x, f0), hi, only));
    }
    // i = #{xp ≤ x}, clamped to [1, n − 1]: x lies in [xp[i − 1], xp[i]]
    const le = lax.le(
      lax.broadcastInDim(xp, [...xs, n], [xs.length]),
      lax.broadcastInDim(x, [...xs, n], range(xs.length)),
    );
    const count = lax.reduceSum(lax.convertElementType(le, "int32"), [xs.length]);
    const i = lax.clamp(
      lax.broadcastInDim(lax.scalar(1, "int32"), xs, []),
      count,
      lax.broadcastInDim(lax.scalar(n - 1, "int32"), xs, []),
    );
    const im1 = lax.sub(i, lax.broadcastInDim(lax.scalar(1, "int32"), xs, []));
    const [x0, x1, f0, f1] = [
      lax.gather(xp, im1, 0),
      lax.gather(xp, i, 0),
      lax.gather(fp, im1, 0),
      lax.gather(fp, i, 0),
    ];
    const dx = lax.sub(x1, x0);
    const zero = lax.zerosLike(dx);
    const same = lax.eq(dx, zero);
    const t = lax.div(lax.sub(x, x0), lax.select(same, lax.fullLike(dx, 1), dx));
    let f = lax.select(same, f1, lax.add(f0, lax.mul(t, lax.sub(f1, f0))));
    if (o.period !== undefined) return f;
    const first = lax.broadcastInDim(lax.slice(xp, [0], [1], [1]), [...xs, 1], [xs.length]);
    const last = lax.broadcastInDim(lax.slice(xp, [n - 1], [n], [1]), [...xs, 1], [xs.length]);
    const firstX = lax.reshape(first, xs);
    const lastX = lax.reshape(last, xs);
    const left =
      o.left === undefined
        ? lax.reshape(lax.broadcastInDim(lax.slice(fp, [0], [1], [1]), [...xs, 1], [xs.length]), xs)
        : lax.broadcastInDim(scalar(o.left), xs, []);
    const right =
      o.right === undefined
        ? lax.reshape(lax.broadcastInDim(lax.slice(fp, [n - 1], [n], [1]), [...xs, 1], [xs.length]), xs)
        : lax.broadcastInDim(scalar(o.right), xs, []);
    f = lax.select(lax.lt(x, firstX), left, f);
    f = lax.select(lax.gt(x, lastX), right, f);
    return f;
  },
);
