// NumPy's shape functions beyond the basics (ravel, flip, roll, tile, repeat, pad, split, the stacks, atleast*),
// composed of the structural primitives (slice, pad, concatenate, rev, gather, transpose, broadcast_in_dim), so
// each is linear and differentiable under every transform.
import * as E from "fp-ts/Either";
import { isFloat } from "../core/dtype.js";
import { fmtShape, ShapeError } from "../core/errors.js";
import { MAX_ELEMENTS } from "../core/nested.js";
import { array as arrayParam, arrays, axes, axis as axisParam, choice, int, ints, param } from "../core/params.js";
import { normalizeAxes, normalizeAxis, sizeOf } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { describe, fail, guard, type Kind, optional, options, orNull, type Param, rest } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { vmap } from "../transforms/vmap.js";
import { array, asTensor, promoted } from "./convert.js";

// ───────────────────────────── helpers shared with shape_index.ts ─────────────────────────────

/** A ShapeError when a result of `shape` would exceed the element limit. */
export function checkSize(op: string, shape: readonly number[]): void {
  if (sizeOf(shape) > MAX_ELEMENTS)
    throw new ShapeError(`${op}: the result ${fmtShape(shape)} would have more than ${MAX_ELEMENTS} elements`);
}

/** Elements at JS `indices` (already in range) along `axis`. */
export const gatherAt = (t: Tensor, indices: readonly number[], axis: number): Tensor =>
  lax.gather(t, array(Int32Array.from(indices)), axis);

/** `t[lo:hi]` along `axis` (in range). */
export function sliceAxis(t: Tensor, axis: number, lo: number, hi: number, step = 1): Tensor {
  const start = t.shape.map((_, i) => (i === axis ? lo : 0));
  const limit = t.shape.map((s, i) => (i === axis ? hi : s));
  return lax.slice(
    t,
    start,
    limit,
    t.shape.map((_, i) => (i === axis ? step : 1)),
  );
}

/** Joins tensors (promoted to one dtype) along `axis`, checking the other dimensions agree. */
export function joinAlong(op: string, xs: readonly Tensor[], axis: number): Tensor {
  const ts = promoted(xs, op);
  const first = ts[0]!;
  const a = normalizeAxis(op, axis, first.ndim);
  for (const t of ts) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== a && s !== first.shape[i]))
      throw new ShapeError(
        `${op}: shapes ${ts.map((u) => fmtShape(u.shape)).join(", ")} must match except along axis ${a}`,
      );
  }
  return ts.length === 1 ? first : lax.concatenate(ts, a);
}

/** A slot checked by `check` (a value of `kind` for the fuzz suite). */
export const slot = param;
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** An integer ≥ `min`, or a list of them. */
export const intOrInts = (name: string, min = Number.NEGATIVE_INFINITY): Param<number | number[]> => {
  const ok = (v: unknown) => isInt(v) && v >= min;
  const what = min === Number.NEGATIVE_INFINITY ? "an integer" : `a whole number ≥ ${min}`;
  return slot(name, "axes", (v, at) =>
    ok(v) || (Array.isArray(v) && v.every(ok))
      ? E.right(v as number | number[])
      : fail(at, `${what} or an array of them`, v),
  );
};

const flatIndex = (nd: number) => Array.from({ length: nd }, (_, i) => i);

// ───────────────────────────── reordering ─────────────────────────────

/**
 * The elements as a 1-D array (row-major).
 * @example np.ravel([[1, 2], [3, 4]]) // Tensor([1, 2, 3, 4], dtype=float32)
 */
export const ravel: (x: ArrayLike) => Tensor = guard("np.ravel", [arrayParam("x")], (x: ArrayLike) => {
  const t = asTensor(x);
  return lax.reshape(t, [t.size]);
});
/**
 * As `ravel` (NumPy's array method).
 * @example np.flatten(np.zeros([2, 3])).shape // [6]
 */
export const flatten: (x: ArrayLike) => Tensor = guard("np.flatten", [arrayParam("x")], (x: ArrayLike) => {
  const t = asTensor(x);
  return lax.reshape(t, [t.size]);
});

/**
 * Exchanges two axes.
 * @example np.swapaxes(np.zeros([2, 3, 4]), 0, -1).shape // [4, 3, 2]
 */
export const swapaxes: (x: ArrayLike, axis1: number, axis2: number) => Tensor = guard(
  "np.swapaxes",
  [arrayParam("x"), axisParam("axis1"), axisParam("axis2")],
  (x: ArrayLike, a1: number, a2: number) => {
    const t = asTensor(x);
    const i = normalizeAxis("np.swapaxes", a1, t.ndim);
    const j = normalizeAxis("np.swapaxes", a2, t.ndim);
    const perm = flatIndex(t.ndim);
    perm[i] = j;
    perm[j] = i;
    return lax.transpose(t, perm);
  },
);

/**
 * Moves axes `source` to positions `destination` (the others keep their order).
 * @example np.moveaxis(np.zeros([2, 3, 4]), 0, -1).shape // [3, 4, 2]
 */
export const moveaxis: (
  x: ArrayLike,
  source: number | readonly number[],
  destination: number | readonly number[],
) => Tensor = guard(
  "np.moveaxis",
  [arrayParam("x"), axes("source"), axes("destination")],
  (x: ArrayLike, source: number | number[], destination: number | number[]) => {
    const t = asTensor(x);
    const list = (v: number | number[]) => (typeof v === "number" ? [v] : v);
    const src = list(source).map((a) => normalizeAxis("np.moveaxis", a, t.ndim));
    const dst = list(destination).map((a) => normalizeAxis("np.moveaxis", a, t.ndim));
    if (src.length !== dst.length)
      throw new ShapeError(
        `np.moveaxis: source (${src.length} axes) and destination (${dst.length} axes) must have one length`,
      );
    if (new Set(src).size !== src.length || new Set(dst).size !== dst.length)
      throw new ShapeError("np.moveaxis: repeated axis in source or destination");
    const order = flatIndex(t.ndim).filter((i) => !src.includes(i));
    const pairs = dst.map((d, k) => [d, src[k]!] as const).sort((p, q) => p[0] - q[0]);
    for (const [d, s] of pairs) order.splice(d, 0, s);
    return lax.transpose(t, order);
  },
);

/**
 * Reverses the order of elements along `axis` (all axes by default).
 * @example np.flip([[1, 2], [3, 4]], 1).toArray() // [[2, 1], [4, 3]]
 */
export const flip: (
  x: ArrayLike,
  axis?: number | readonly number[] | null | { axis?: number | readonly number[] | null },
) => Tensor = guard(
  "np.flip",
  [arrayParam("x"), options({ axis: orNull(axes()) }, "axis")],
  (x: ArrayLike, o: { axis?: number | number[] }) => {
    const t = asTensor(x);
    return lax.rev(t, normalizeAxes("np.flip", o.axis, t.ndim));
  },
);
/**
 * Reverses axis 1 (left/right); needs at least 2 dimensions.
 * @example np.fliplr([[1, 2], [3, 4]]).toArray() // [[2, 1], [4, 3]]
 */
export const fliplr: (x: ArrayLike) => Tensor = guard("np.fliplr", [arrayParam("x")], (x: ArrayLike) => {
  const t = asTensor(x);
  if (t.ndim < 2) throw new ShapeError(`np.fliplr: needs an array of at least 2 dimensions, got ${fmtShape(t.shape)}`);
  return lax.rev(t, [1]);
});
/**
 * Reverses axis 0 (up/down); needs at least 1 dimension.
 * @example np.flipud([1, 2, 3]) // Tensor([3, 2, 1], dtype=float32)
 */
export const flipud: (x: ArrayLike) => Tensor = guard("np.flipud", [arrayParam("x")], (x: ArrayLike) => {
  const t = asTensor(x);
  if (t.ndim < 1) throw new ShapeError("np.flipud: needs an array of at least 1 dimension, got a 0-d array");
  return lax.rev(t, [0]);
});

/** `t` rolled by `s` along axis `a`. */
function rollAxis(t: Tensor, s: number, a: number): Tensor {
  const n = t.shape[a]!;
  if (n === 0) return t;
  const k = ((s % n) + n) % n;
  if (k === 0) return t;
  return lax.concatenate([sliceAxis(t, a, n - k, n), sliceAxis(t, a, 0, n - k)], a);
}

/**
 * Elements shifted by `shift` along `axis`, wrapping around; without an axis, the flattened array is rolled. `shift`
 * and `axis` may be lists (broadcast together, as NumPy).
 * @example np.roll([1, 2, 3, 4], 1) // Tensor([4, 1, 2, 3], dtype=float32)
 * np.roll([[1, 2], [3, 4]], [1, 1], [0, 1]).toArray() // [[4, 3], [2, 1]]
 */
export const roll: (
  x: ArrayLike,
  shift: number | readonly number[],
  axis?: number | readonly number[] | null | { axis?: number | readonly number[] | null },
) => Tensor = guard(
  "np.roll",
  [arrayParam("x"), intOrInts("shift"), options({ axis: orNull(axes()) }, "axis")],
  (x: ArrayLike, shift: number | number[], o: { axis?: number | number[] }) => {
    const t0 = asTensor(x);
    const flat = o.axis === undefined;
    let t = flat ? lax.reshape(t0, [t0.size]) : t0;
    const sh = typeof shift === "number" ? [shift] : shift;
    const ax = flat ? [0] : typeof o.axis === "number" ? [o.axis] : o.axis!;
    if (sh.length !== ax.length && sh.length !== 1 && ax.length !== 1)
      throw new ShapeError(
        `np.roll: shift (${sh.length} entries) and axis (${ax.length} entries) must have one length, or one of them 1`,
      );
    const m = Math.max(sh.length, ax.length);
    for (let i = 0; i < m; i++) {
      const a = normalizeAxis("np.roll", ax[ax.length === 1 ? 0 : i]!, t.ndim);
      t = rollAxis(t, sh[sh.length === 1 ? 0 : i]!, a);
    }
    return flat ? lax.reshape(t, t0.shape) : t;
  },
);

/**
 * Rotates by 90° `k` times in the plane of `axes` (default [0, 1]), from the first axis towards the second.
 * @example np.rot90([[1, 2], [3, 4]]).toArray() // [[2, 4], [1, 3]]
 */
export const rot90: (
  m: ArrayLike,
  k?: number | { k?: number; axes?: readonly number[] },
  axes?: readonly number[],
) => Tensor = guard(
  "np.rot90",
  [arrayParam("m"), options({ k: int("k"), axes: ints("axes") }, "k"), optional(ints("axes"))],
  (m: ArrayLike, o: { k?: number; axes?: number[] }, axesArg?: number[]) => {
    const t = asTensor(m);
    const ax = axesArg ?? o.axes ?? [0, 1];
    if (ax.length !== 2) throw new ShapeError(`np.rot90: axes must name 2 axes, got ${ax.length}`);
    if (t.ndim < 2) throw new ShapeError(`np.rot90: needs an array of at least 2 dimensions, got ${fmtShape(t.shape)}`);
    const [a0, a1] = ax.map((a) => normalizeAxis("np.rot90", a, t.ndim)) as [number, number];
    if (a0 === a1) throw new ShapeError(`np.rot90: the axes must differ, got [${ax}]`);
    const k = ((((o.k ?? 1) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
    if (k === 0) return t;
    if (k === 2) return lax.rev(t, [a0, a1]);
    const perm = flatIndex(t.ndim);
    perm[a0] = a1;
    perm[a1] = a0;
    return k === 1 ? lax.transpose(lax.rev(t, [a1]), perm) : lax.rev(lax.transpose(t, perm), [a1]);
  },
);

// ───────────────────────────── tile, repeat ─────────────────────────────

/**
 * `x` repeated `reps` times along each axis (reps longer than x's rank add leading axes).
 * @example np.tile([1, 2], [2, 2]).toArray() // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export const tile: (x: ArrayLike, reps: number | readonly number[]) => Tensor = guard(
  "np.tile",
  [arrayParam("x"), intOrInts("reps", 0)],
  (x: ArrayLike, reps: number | number[]) => {
    const t = asTensor(x);
    const r = typeof reps === "number" ? [reps] : reps;
    const d = Math.max(t.ndim, r.length);
    const sh = [...Array<number>(d - t.ndim).fill(1), ...t.shape];
    const rp = [...Array<number>(d - r.length).fill(1), ...r];
    const out = sh.map((s, i) => s * rp[i]!);
    checkSize("np.tile", out);
    const wide = sh.flatMap((s, i) => [rp[i]!, s]);
    const b = lax.broadcastInDim(
      lax.reshape(t, sh),
      wide,
      sh.map((_, i) => 2 * i + 1),
    );
    return lax.reshape(b, out);
  },
);

/**
 * Each element repeated `repeats` times (a number, or one count per element) along `axis`; without an axis, of the
 * flattened array.
 * @example np.repeat([1, 2], 2) // Tensor([1, 1, 2, 2], dtype=float32)
 * np.repeat([[1, 2]], [1, 3], 1).toArray() // [[1, 2, 2, 2]]
 */
export const repeat: (
  x: ArrayLike,
  repeats: number | readonly number[],
  axis?: number | null | { axis?: number | null },
) => Tensor = guard(
  "np.repeat",
  [arrayParam("x"), intOrInts("repeats", 0), options({ axis: orNull(axisParam()) }, "axis")],
  (x: ArrayLike, repeats: number | number[], o: { axis?: number }) => {
    let t = asTensor(x);
    if (o.axis === undefined) t = lax.reshape(t, [t.size]);
    const a = normalizeAxis("np.repeat", o.axis ?? 0, t.ndim);
    const n = t.shape[a]!;
    const counts = typeof repeats === "number" ? [repeats] : repeats;
    if (counts.length === 1) {
      const r = counts[0]!;
      const out = t.shape.map((s, i) => (i === a ? s * r : s));
      checkSize("np.repeat", out);
      const wide = [...t.shape.slice(0, a + 1), r, ...t.shape.slice(a + 1)];
      const dims = t.shape.map((_, i) => (i <= a ? i : i + 1));
      return lax.reshape(lax.broadcastInDim(t, wide, dims), out);
    }
    if (counts.length !== n)
      throw new ShapeError(
        `np.repeat: ${counts.length} repeat counts for axis ${a} of size ${n} (shape ${fmtShape(t.shape)}); give one ` +
          `count, or one per element`,
      );
    const total = counts.reduce((p, q) => p + q, 0);
    checkSize(
      "np.repeat",
      t.shape.map((s, i) => (i === a ? total : s)),
    );
    return gatherAt(
      t,
      counts.flatMap((c, i) => Array<number>(c).fill(i)),
      a,
    );
  },
);

// ───────────────────────────── pad ─────────────────────────────

/** The pad modes. */
export const PAD_MODES = [
  "constant",
  "edge",
  "reflect",
  "symmetric",
  "wrap",
  "linear_ramp",
  "maximum",
  "minimum",
  "mean",
] as const;
export type PadMode = (typeof PAD_MODES)[number];
/** A per-axis (before, after) setting: a number, [n], [before, after], [[before, after]] or one pair per axis. */
export type PadWidth = number | readonly number[] | readonly (readonly number[])[];

/** Pad widths and values: a number, a list of numbers, or a list of lists of numbers (each list of length ≥ 1). */
const pairsParam = (name: string, kind: Kind, ok: (v: unknown) => boolean, what: string): Param<PadWidth> =>
  slot(name, kind, (v, at) =>
    ok(v) ||
    (Array.isArray(v) &&
      v.length > 0 &&
      (v.every(ok) || v.every((r) => Array.isArray(r) && r.length > 0 && r.every(ok))))
      ? E.right(v as PadWidth)
      : fail(at, `${what}, a list of them, or one [before, after] per axis`, v),
  );
const widthParam = (name: string, min: number) =>
  pairsParam(name, "axes", (v) => isInt(v) && v >= min, `a whole number ≥ ${min}`);
const valueParam = (name: string) => pairsParam(name, "number", (v) => typeof v === "number", "a number");

/** NumPy's broadcast of a width (or value) setting to one [before, after] pair per axis. */
function pairsOf(name: string, v: PadWidth, nd: number): [number, number][] {
  const rows: (readonly number[])[] =
    typeof v === "number" ? [[v]] : typeof v[0] === "number" ? [v as readonly number[]] : (v as number[][]);
  if ((rows.length !== 1 && rows.length !== nd) || rows.some((r) => r.length !== rows[0]!.length || r.length > 2))
    throw new ShapeError(
      `np.pad: ${name} ${JSON.stringify(v)} does not broadcast to one [before, after] pair for each of the ${nd} ` +
        `axes`,
    );
  return Array.from({ length: nd }, (_, i) => {
    const r = rows[rows.length === 1 ? 0 : i]!;
    return [r[0]!, r[r.length - 1]!];
  });
}

/** The source position along an axis of size n for padded position j (−before ≤ j < n + after). */
const sourceIndex: Partial<Record<PadMode, (j: number, n: number) => number>> = {
  edge: (j, n) => Math.min(Math.max(j, 0), n - 1),
  wrap: (j, n) => ((j % n) + n) % n,
  reflect: (j, n) => {
    if (n === 1) return 0;
    const p = 2 * (n - 1);
    const m = ((j % p) + p) % p;
    return m < n ? m : p - m;
  },
  symmetric: (j, n) => {
    const p = 2 * n;
    const m = ((j % p) + p) % p;
    return m < n ? m : p - 1 - m;
  },
};

/**
 * A padding function, as JAX's callable `mode`: it receives each 1-D vector along axis `iaxis` of the array already
 * padded with zeros, the `[before, after]` widths of that axis, and `iaxis`, and returns the vector with its padded
 * ends filled (the same length). Extra settings are the closure's, where NumPy passes `**kwargs`.
 */
export type PadFn = (vector: Tensor, padWidth: [number, number], iaxis: number) => Tensor;

export interface PadOpts {
  mode?: PadMode | PadFn;
  constantValues?: PadWidth;
  endValues?: PadWidth;
  statLength?: PadWidth;
}

const modeChoice = choice("mode", PAD_MODES);
const modeParam: Param<PadMode | PadFn> = {
  ...modeChoice,
  check: (v, at) => (typeof v === "function" ? E.right(v as PadFn) : modeChoice.check(v, at)),
};

/** A block of `width` along axis `a`, every slice a copy of `row` (which has size 1 along `a`). */
function spread(row: Tensor, a: number, width: number): Tensor {
  const shape = row.shape.map((s, i) => (i === a ? width : s));
  const kept = row.shape.flatMap((_, i) => (i === a ? [] : [i]));
  return lax.broadcastInDim(
    lax.reshape(
      row,
      kept.map((i) => row.shape[i]!),
    ),
    shape,
    kept,
  );
}

/** One axis padded by (lo, hi) in a mode that is not a plain index map. */
function padComputed(t: Tensor, a: number, lo: number, hi: number, mode: PadMode, i: number, o: PadOpts): Tensor {
  const n = t.shape[a]!;
  const nd = t.ndim;
  const parts: Tensor[] = [];
  if (mode === "constant") {
    const [cl, ch] = pairsOf("constantValues", o.constantValues ?? 0, nd)[i]!;
    const block = (w: number, v: number) =>
      lax.full(
        t.shape.map((s, k) => (k === a ? w : s)),
        v,
        t.dtype,
      );
    return lax.concatenate([block(lo, cl), t, block(hi, ch)], a);
  }
  if (mode === "linear_ramp") {
    const [el, eh] = pairsOf("endValues", o.endValues ?? 0, nd)[i]!;
    const wdt = isFloat(t.dtype) ? t.dtype : "float64";
    const ramp = (edge: Tensor, end: number, w: number, reversed: boolean) => {
      const e = lax.convertElementType(spread(edge, a, w), wdt);
      const steps = Array.from({ length: w }, (_, k) => (reversed ? w - 1 - k : k) / w);
      const frac = lax.broadcastInDim(array(steps, { dtype: wdt }), e.shape, [a]);
      const endT = lax.full(e.shape, end, wdt);
      const v = lax.add(endT, lax.mul(lax.sub(e, endT), frac));
      return isFloat(t.dtype) ? v : lax.convertElementType(lax.floor(v), t.dtype);
    };
    parts.push(ramp(sliceAxis(t, a, 0, 1), el, lo, false), t, ramp(sliceAxis(t, a, n - 1, n), eh, hi, true));
    return lax.concatenate(parts, a);
  }
  // maximum, minimum, mean over the first / last statLength elements
  const [sl, sh] = o.statLength === undefined ? [n, n] : pairsOf("statLength", o.statLength, nd)[i]!;
  const stat = (region: Tensor): Tensor => {
    const keep = region.shape.map((s, k) => (k === a ? 1 : s));
    if (mode === "maximum") return lax.reshape(lax.reduceMax(region, [a]), keep);
    if (mode === "minimum") return lax.reshape(lax.reduceMin(region, [a]), keep);
    const f = isFloat(region.dtype) ? region : lax.convertElementType(region, "float64");
    const mean = lax.div(
      lax.reduceSum(f, [a]),
      lax.full(
        keep.filter((_, k) => k !== a),
        region.shape[a]!,
        f.dtype,
      ),
    );
    const m = lax.reshape(mean, keep);
    return isFloat(region.dtype) ? m : lax.convertElementType(lax.round(m, "toNearestEven"), region.dtype);
  };
  const before = lo > 0 ? [spread(stat(sliceAxis(t, a, 0, Math.min(sl, n))), a, lo)] : [];
  const after = hi > 0 ? [spread(stat(sliceAxis(t, a, n - Math.min(sh, n), n)), a, hi)] : [];
  return lax.concatenate([...before, t, ...after], a);
}

/**
 * `x` padded by `padWidth` (a number, [before, after], or one pair per axis) in one of NumPy's modes: `constant`
 * (`constantValues`, default 0), `edge`, `reflect`, `symmetric`, `wrap`, `linear_ramp` (`endValues`, default 0),
 * `maximum`, `minimum`, `mean` (`statLength`, default the whole axis), or a function that fills each padded vector
 * (`PadFn`, as JAX's callable mode). Axes are padded in order, as NumPy.
 * @example np.pad([1, 2, 3], 2, "reflect") // Tensor([3, 2, 1, 2, 3, 2, 1], dtype=float32)
 * np.pad([[1]], [[0, 1], [1, 0]], { constantValues: 9 }).toArray() // [[9, 1], [9, 9]]
 */
/** Pads with zeros, then maps `fn` over the vectors along each axis in turn (vmap over the others), as JAX's. */
function padWithFunction(t0: Tensor, widths: [number, number][], fn: PadFn): Tensor {
  let t = lax.pad(
    t0,
    lax.scalar(0, t0.dtype),
    widths.map(([lo, hi]) => [lo, hi, 0] as [number, number, number]),
  );
  const nd = t.ndim;
  for (let a = 0; a < nd; a++) {
    const n = t.shape[a]!;
    // the axis last, the others flattened into one batch axis
    const perm = [...t.shape.keys()].filter((i) => i !== a).concat(a);
    const moved = lax.transpose(t, perm);
    const batch = moved.shape.slice(0, -1);
    const rows = lax.reshape(moved, [sizeOf(batch), n]);
    const pair: [number, number] = [widths[a]![0], widths[a]![1]];
    const out = vmap((v: Tensor) => {
      const r = fn(v, pair, a);
      if (!(r instanceof Tensor) || r.ndim !== 1 || r.shape[0] !== n)
        throw new ShapeError(
          `np.pad: the mode function must return the vector it got (shape [${n}] along axis ${a}), got ` +
            (r instanceof Tensor ? `shape ${fmtShape(r.shape)}` : describe(r)),
        );
      return r.dtype === t.dtype ? r : lax.convertElementType(r, t.dtype);
    })(rows);
    const back = perm.map((_, i) => perm.indexOf(i));
    t = lax.transpose(lax.reshape(out, moved.shape), back);
  }
  return t;
}

export const pad: (x: ArrayLike, padWidth: PadWidth, mode?: PadMode | PadFn | PadOpts) => Tensor = guard(
  "np.pad",
  [
    arrayParam("x"),
    widthParam("padWidth", 0),
    options(
      {
        mode: modeParam,
        constantValues: valueParam("constantValues"),
        endValues: valueParam("endValues"),
        statLength: widthParam("statLength", 1),
      },
      "mode",
    ),
  ],
  (x: ArrayLike, padWidth: PadWidth, o: PadOpts) => {
    let t = asTensor(x);
    const widths = pairsOf("padWidth", padWidth, t.ndim);
    checkSize(
      "np.pad",
      t.shape.map((s, i) => s + widths[i]![0] + widths[i]![1]),
    );
    if (typeof o.mode === "function") {
      const given = (["constantValues", "endValues", "statLength"] as const).find((k) => o[k] !== undefined);
      if (given) throw new ShapeError(`np.pad: ${given} does not apply to a mode function; close over it instead`);
      return padWithFunction(t, widths, o.mode);
    }
    const mode = o.mode ?? "constant";
    if (mode === "constant" && o.constantValues === undefined)
      return lax.pad(
        t,
        lax.scalar(0, t.dtype),
        widths.map(([lo, hi]) => [lo, hi, 0] as [number, number, number]),
      );
    const unused = (
      [
        ["constantValues", "constant"],
        ["endValues", "linear_ramp"],
        ["statLength", "maximum, minimum or mean"],
      ] as const
    ).find(([k, m]) => o[k] !== undefined && !m.split(/, | or /).includes(mode));
    if (unused)
      throw new ShapeError(`np.pad: ${unused[0]} applies to mode ${unused[1]}, not to mode ${JSON.stringify(mode)}`);
    for (let a = 0; a < t.ndim; a++) {
      const [lo, hi] = widths[a]!;
      if (lo === 0 && hi === 0) continue;
      const n = t.shape[a]!;
      if (n === 0 && mode !== "constant")
        throw new ShapeError(
          `np.pad: cannot extend the empty axis ${a} of shape ${fmtShape(t.shape)} in mode ${JSON.stringify(mode)}; ` +
            `only mode "constant" pads an empty axis`,
        );
      const map = sourceIndex[mode];
      t = map
        ? gatherAt(
            t,
            Array.from({ length: lo + n + hi }, (_, j) => map(j - lo, n)),
            a,
          )
        : padComputed(t, a, lo, hi, mode, a, o);
    }
    return t;
  },
);

// ───────────────────────────── split ─────────────────────────────

/** The [start, stop) pieces of an axis of size n: `k` sections (even unless `uneven`), or cut at indices. */
function pieces(op: string, n: number, sections: number | number[], uneven: boolean): [number, number][] {
  if (typeof sections === "number") {
    if (sections < 1) throw new ShapeError(`${op}: the number of sections must be ≥ 1, got ${sections}`);
    if (!uneven && n % sections !== 0)
      throw new ShapeError(
        `${op}: an axis of size ${n} does not split into ${sections} equal sections; use np.arraySplit for ` +
          `unequal ones`,
      );
    const q = Math.floor(n / sections);
    const r = n % sections;
    const out: [number, number][] = [];
    let s = 0;
    for (let i = 0; i < sections; i++) {
      const e = s + q + (i < r ? 1 : 0);
      out.push([s, e]);
      s = e;
    }
    return out;
  }
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const cuts = [0, ...sections.map(clamp), n];
  return cuts.slice(1).map((e, i) => [cuts[i]!, Math.max(cuts[i]!, e)]);
}

function splitAlong(op: string, x: ArrayLike, sections: number | number[], axis: number, uneven: boolean): Tensor[] {
  const t = asTensor(x);
  const a = normalizeAxis(op, axis, t.ndim);
  return pieces(op, t.shape[a]!, sections, uneven).map(([s, e]) => sliceAxis(t, a, s, e));
}

export type SplitFn = (
  x: ArrayLike,
  indicesOrSections: number | readonly number[],
  axis?: number | { axis?: number },
) => Tensor[];
const splitter = (name: string, uneven: boolean): SplitFn =>
  guard(
    name,
    [arrayParam("x"), intOrInts("indicesOrSections"), options({ axis: axisParam() }, "axis")],
    (x: ArrayLike, s: number | number[], o: { axis?: number }) => splitAlong(name, x, s, o.axis ?? 0, uneven),
  );
/**
 * Sub-arrays along `axis` (default 0): `k` equal sections (else a ShapeError), or cut before each of the indices.
 * @example np.split(np.arange(6), 3).map((t) => t.toArray()) // [[0, 1], [2, 3], [4, 5]]
 * np.split(np.arange(6), [1, 4]).map((t) => t.shape) // [[1], [3], [2]]
 */
export const split: SplitFn = splitter("np.split", false);
/**
 * As `split`, but `k` sections need not be equal (the first n % k get one more element).
 * @example np.arraySplit(np.arange(5), 2).map((t) => t.shape) // [[3], [2]]
 */
export const arraySplit: SplitFn = splitter("np.arraySplit", true);

export type AxisSplitFn = (x: ArrayLike, indicesOrSections: number | readonly number[]) => Tensor[];
const axisSplitter = (name: string, minRank: number, axisOf: (nd: number) => number): AxisSplitFn =>
  guard(name, [arrayParam("x"), intOrInts("indicesOrSections")], (x: ArrayLike, s: number | number[]) => {
    const t = asTensor(x);
    if (t.ndim < minRank)
      throw new ShapeError(`${name}: needs an array of at least ${minRank} dimensions, got ${fmtShape(t.shape)}`);
    return splitAlong(name, t, s, axisOf(t.ndim), false);
  });
/**
 * `split` along axis 1 (axis 0 for 1-D arrays).
 * @example np.hsplit(np.zeros([2, 4]), 2).map((t) => t.shape) // [[2, 2], [2, 2]]
 */
export const hsplit: AxisSplitFn = axisSplitter("np.hsplit", 1, (nd) => (nd > 1 ? 1 : 0));
/**
 * `split` along axis 0 (needs 2 dimensions).
 * @example np.vsplit(np.zeros([4, 2]), 2).map((t) => t.shape) // [[2, 2], [2, 2]]
 */
export const vsplit: AxisSplitFn = axisSplitter("np.vsplit", 2, () => 0);
/**
 * `split` along axis 2 (needs 3 dimensions).
 * @example np.dsplit(np.zeros([1, 1, 4]), 2).map((t) => t.shape) // [[1, 1, 2], [1, 1, 2]]
 */
export const dsplit: AxisSplitFn = axisSplitter("np.dsplit", 3, () => 2);

// ───────────────────────────── atleast, stacks ─────────────────────────────

const at1 = (t: Tensor) => (t.ndim >= 1 ? t : lax.reshape(t, [1]));
const at2 = (t: Tensor) => (t.ndim >= 2 ? t : lax.reshape(t, t.ndim === 1 ? [1, t.shape[0]!] : [1, 1]));
const at3 = (t: Tensor) =>
  t.ndim >= 3 ? t : lax.reshape(t, t.ndim === 2 ? [...t.shape, 1] : t.ndim === 1 ? [1, t.shape[0]!, 1] : [1, 1, 1]);

/** One tensor for one argument, a list for several (NumPy's atleast_*). */
export interface AtLeast {
  (x: ArrayLike): Tensor;
  (...xs: ArrayLike[]): Tensor[];
}
const atleast = (name: string, f: (t: Tensor) => Tensor): AtLeast =>
  guard(name, [rest(arrayParam("arys"))], (...xs: ArrayLike[]) => {
    const out = xs.map((x) => f(asTensor(x)));
    return out.length === 1 ? out[0] : out;
  });
/**
 * Arrays with at least 1 dimension (0-d becomes [1]).
 * @example np.atleast1d(5).shape // [1]
 */
export const atleast1d: AtLeast = atleast("np.atleast1d", at1);
/**
 * Arrays with at least 2 dimensions ([n] becomes [1, n]).
 * @example np.atleast2d([1, 2]).shape // [1, 2]
 */
export const atleast2d: AtLeast = atleast("np.atleast2d", at2);
/**
 * Arrays with at least 3 dimensions ([n] becomes [1, n, 1], [m, n] becomes [m, n, 1]).
 * @example np.atleast3d([1, 2]).shape // [1, 2, 1]
 */
export const atleast3d: AtLeast = atleast("np.atleast3d", at3);

const stacker = (name: string, f: (ts: Tensor[]) => Tensor): ((tup: readonly ArrayLike[]) => Tensor) =>
  guard(name, [arrays("tup")], (tup: ArrayLike[]) => f(tup.map((x) => asTensor(x))));
/**
 * Joins along axis 1 (axis 0 for 1-D arrays).
 * @example np.hstack([[1, 2], [3]]) // Tensor([1, 2, 3], dtype=float32)
 */
export const hstack = stacker("np.hstack", (ts) => {
  const a = ts.map(at1);
  return joinAlong("np.hstack", a, a[0]!.ndim === 1 ? 0 : 1);
});
/**
 * Joins along axis 0 after `atleast2d`.
 * @example np.vstack([[1, 2], [3, 4]]).toArray() // [[1, 2], [3, 4]]
 */
export const vstack = stacker("np.vstack", (ts) => joinAlong("np.vstack", ts.map(at2), 0));
/**
 * Joins along axis 2 after `atleast3d`.
 * @example np.dstack([[1, 2], [3, 4]]).shape // [1, 2, 2]
 */
export const dstack = stacker("np.dstack", (ts) => joinAlong("np.dstack", ts.map(at3), 2));
/**
 * 1-D arrays as columns of a 2-D array (others joined along axis 1).
 * @example np.columnStack([[1, 2], [3, 4]]).toArray() // [[1, 3], [2, 4]]
 */
export const columnStack = stacker("np.columnStack", (ts) =>
  joinAlong(
    "np.columnStack",
    ts.map((t) => (t.ndim >= 2 ? t : lax.reshape(t, [t.size, 1]))),
    1,
  ),
);

/**
 * The slices along `axis` (default 0), as a list.
 * @example np.unstack([[1, 2], [3, 4]]).map((t) => t.toArray()) // [[1, 2], [3, 4]]
 */
export const unstack: (x: ArrayLike, axis?: number | { axis?: number }) => Tensor[] = guard(
  "np.unstack",
  [arrayParam("x"), options({ axis: axisParam() }, "axis")],
  (x: ArrayLike, o: { axis?: number }) => {
    const t = asTensor(x);
    if (t.ndim === 0) throw new ShapeError("np.unstack: cannot unstack a 0-d array");
    const a = normalizeAxis("np.unstack", o.axis ?? 0, t.ndim);
    const rest = t.shape.filter((_, i) => i !== a);
    return Array.from({ length: t.shape[a]! }, (_, i) => lax.reshape(sliceAxis(t, a, i, i + 1), rest));
  },
);
