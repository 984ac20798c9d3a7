// Plain-JS float64 reference implementations of the np / nn functions (NumPy and JAX semantics), written
// from the NumPy/JAX documentation and independent of tracegrad: the property tests compare the library to these.

/** A row-major n-dimensional array of float64 values (booleans as 0/1). */
export interface Arr {
  shape: number[];
  data: number[];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    const n = shape[k]!;
    idx[k] = i % n;
    i = Math.floor(i / n);
  }
  return idx;
}

/** Flat position of multi-index `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let k = 0; k < shape.length; k++) o = o * shape[k]! + idx[k]!;
  return o;
}

export const arr = (shape: readonly number[], data: readonly number[]): Arr => {
  if (sizeOf(shape) !== data.length)
    throw new Error(`reference: shape [${shape}] holds ${sizeOf(shape)} values, got ${data.length}`);
  return { shape: [...shape], data: [...data] };
};
export const scalarArr = (v: number): Arr => ({ shape: [], data: [v] });
const fill = (shape: readonly number[], v: number): Arr => ({
  shape: [...shape],
  data: new Array<number>(sizeOf(shape)).fill(v),
});

/** Python/NumPy axis normalisation: undefined when out of range or not an integer. */
export function normalizeAxis(axis: number, ndim: number): number | undefined {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) return undefined;
  return axis < 0 ? axis + ndim : axis;
}

// ───────────────────────────── broadcasting and elementwise ─────────────────────────────

/** NumPy broadcasting of several shapes (trailing axes aligned); undefined when incompatible. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] | undefined {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - n + i] ?? 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) return undefined;
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** The element of `a` that lands at output multi-index `idx` when `a` is broadcast to a shape of rank idx.length. */
export function broadcastGet(a: Arr, idx: readonly number[]): number {
  const off = idx.length - a.shape.length;
  let o = 0;
  for (let k = 0; k < a.shape.length; k++) o = o * a.shape[k]! + (a.shape[k] === 1 ? 0 : idx[off + k]!);
  return a.data[o]!;
}

export function broadcastTo(a: Arr, shape: readonly number[]): Arr | undefined {
  const b = broadcastShapes(a.shape, shape);
  if (!b || b.length !== shape.length || b.some((d, i) => d !== shape[i])) return undefined;
  return {
    shape: [...shape],
    data: Array.from({ length: sizeOf(shape) }, (_, i) => broadcastGet(a, unravel(i, shape))),
  };
}

/** f applied elementwise to broadcast operands; undefined when the shapes do not broadcast. */
export function elementwise(f: (...xs: number[]) => number, ...xs: Arr[]): Arr | undefined {
  const shape = broadcastShapes(...xs.map((x) => x.shape));
  if (!shape) return undefined;
  return {
    shape,
    data: Array.from({ length: sizeOf(shape) }, (_, i) => {
      const idx = unravel(i, shape);
      return f(...xs.map((x) => broadcastGet(x, idx)));
    }),
  };
}

/** IEEE maximum/minimum that propagate NaN, as np.maximum / np.minimum. */
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a >= b ? a : b);
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a <= b ? a : b);

/** Binary scalar functions (float64). */
export const BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  // C99 / NumPy pow: pow(1, y) = 1 and pow(x, 0) = 1 even for NaN
  power: (a, b) => (a === 1 || b === 0 ? 1 : Math.pow(a, b)),
  maximum: nanMax,
  minimum: nanMin,
  equal: (a, b) => Number(a === b),
  notEqual: (a, b) => Number(a !== b),
  less: (a, b) => Number(a < b),
  lessEqual: (a, b) => Number(a <= b),
  greater: (a, b) => Number(a > b),
  greaterEqual: (a, b) => Number(a >= b),
};

/** Unary scalar functions (float64). */
export const UNARY: Record<string, (x: number) => number> = {
  negative: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  abs: Math.abs,
  sign: (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0),
};

/** np.clip(x, lo, hi) = minimum(maximum(x, lo), hi), broadcasting all three. */
export const clip = (x: Arr, lo: Arr, hi: Arr): Arr | undefined =>
  elementwise((v, l, h) => nanMin(nanMax(v, l), h), x, lo, hi);

/** np.where(cond, x, y): non-zero cond picks x; broadcasts all three. */
export const where = (cond: Arr, x: Arr, y: Arr): Arr | undefined =>
  elementwise((c, a, b) => (c !== 0 ? a : b), cond, x, y);

// ───────────────────────────── reductions ─────────────────────────────

export type ReductionKind = "sum" | "mean" | "max" | "min" | "prod";

/**
 * NumPy reduction over the (normalised, distinct) `axes`; undefined for max/min over an empty axis (no identity:
 * NumPy and JAX raise).
 */
export function reduce(kind: ReductionKind, x: Arr, axes: readonly number[], keepdims: boolean): Arr | undefined {
  if ((kind === "max" || kind === "min") && axes.some((a) => x.shape[a] === 0)) return undefined;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  x.data.forEach((v, i) => {
    const idx = unravel(i, x.shape).map((j, k) => (axes.includes(k) ? 0 : j));
    groups[ravel(idx, kept)]!.push(v);
  });
  const data = groups.map((g) => {
    switch (kind) {
      case "sum":
        return g.reduce((a, b) => a + b, 0);
      case "mean":
        return g.reduce((a, b) => a + b, 0) / g.length;
      case "prod":
        return g.reduce((a, b) => a * b, 1);
      case "max":
        return g.reduce(nanMax);
      case "min":
        return g.reduce(nanMin);
    }
  });
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)), data };
}

/**
 * np.argmax / np.argmin: index of the first extremum along `axis` (first NaN wins, as NumPy), or in the
 * flattened array when axis is undefined; undefined when that axis is empty (NumPy raises).
 */
export function argReduce(
  kind: "argmax" | "argmin",
  x: Arr,
  axis: number | undefined,
  keepdims: boolean,
): Arr | undefined {
  const src = axis === undefined ? { shape: [x.data.length], data: x.data } : x;
  const ax = axis ?? 0;
  const n = src.shape[ax]!;
  if (n === 0) return undefined;
  const outShape = src.shape.filter((_, i) => i !== ax);
  const better = kind === "argmax" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  const data = Array.from({ length: sizeOf(outShape) }, (_, o) => {
    const idx = unravel(o, outShape);
    const at = (j: number) => src.data[ravel([...idx.slice(0, ax), j, ...idx.slice(ax)], src.shape)]!;
    let best = 0;
    for (let j = 0; j < n; j++) {
      const v = at(j);
      if (Number.isNaN(v)) return j;
      if (better(v, at(best))) best = j;
    }
    return best;
  });
  const shape = !keepdims
    ? outShape
    : axis === undefined
      ? x.shape.map(() => 1)
      : x.shape.map((d, i) => (i === ax ? 1 : d));
  return { shape, data };
}

// ───────────────────────────── linear algebra ─────────────────────────────

/** np.matmul: 1-D operands promoted and the added axis removed; batch axes broadcast. */
export function matmul(a: Arr, b: Arr): Arr | undefined {
  if (a.shape.length === 0 || b.shape.length === 0) return undefined;
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const [m, k] = A.shape.slice(-2) as [number, number];
  const [k2, n] = B.shape.slice(-2) as [number, number];
  if (k !== k2) return undefined;
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  if (!batch) return undefined;
  const full = [...batch, m, n];
  const data = Array.from({ length: sizeOf(full) }, (_, f) => {
    const idx = unravel(f, full);
    const bi = idx.slice(0, batch.length);
    const [i, j] = idx.slice(batch.length) as [number, number];
    let s = 0;
    for (let l = 0; l < k; l++) s += broadcastGet(A, [...bi, i, l]) * broadcastGet(B, [...bi, l, j]);
    return s;
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return { shape, data };
}

/** np.dot: scalars multiply; otherwise the last axis of a contracts with the second-to-last of b (its only axis if 1-D). */
export function dot(a: Arr, b: Arr): Arr | undefined {
  if (a.shape.length === 0 || b.shape.length === 0) return elementwise(BINARY.multiply!, a, b);
  const ka = a.shape.length - 1;
  const kb = b.shape.length === 1 ? 0 : b.shape.length - 2;
  const k = a.shape[ka]!;
  if (k !== b.shape[kb]) return undefined;
  const aOut = a.shape.slice(0, -1);
  const bOut = b.shape.filter((_, i) => i !== kb);
  const shape = [...aOut, ...bOut];
  const data = Array.from({ length: sizeOf(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    const ia = idx.slice(0, aOut.length);
    const ib = idx.slice(aOut.length);
    let s = 0;
    for (let l = 0; l < k; l++)
      s += a.data[ravel([...ia, l], a.shape)]! * b.data[ravel([...ib.slice(0, kb), l, ...ib.slice(kb)], b.shape)]!;
    return s;
  });
  return { shape, data };
}

/** np.outer of the flattened operands. */
export const outer = (a: Arr, b: Arr): Arr => ({
  shape: [a.data.length, b.data.length],
  data: a.data.flatMap((x) => b.data.map((y) => x * y)),
});

// ───────────────────────────── take and indexing ─────────────────────────────

/** np.take (mode "raise"): negative indices count from the end; undefined when an index is out of range. */
export function take(x: Arr, indices: Arr, axis?: number): Arr | undefined {
  const src = axis === undefined ? { shape: [x.data.length], data: x.data } : x;
  const ax = axis ?? 0;
  const n = src.shape[ax]!;
  if (indices.data.some((j) => j < -n || j >= n)) return undefined;
  const shape = [...src.shape.slice(0, ax), ...indices.shape, ...src.shape.slice(ax + 1)];
  const r = indices.shape.length;
  const data = Array.from({ length: sizeOf(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    const j = indices.data[ravel(idx.slice(ax, ax + r), indices.shape)]!;
    return src.data[ravel([...idx.slice(0, ax), j < 0 ? j + n : j, ...idx.slice(ax + r)], src.shape)]!;
  });
  return { shape, data };
}

/** One entry of a NumPy index: x[3], x[a:b:c], x[None], x[intArray]. */
export type RefIndex =
  | { kind: "int"; i: number }
  | { kind: "range"; start: number | null; stop: number | null; step: number | null }
  | { kind: "newaxis" }
  | { kind: "array"; idx: Arr };

/** CPython's slice.indices(n): the normalised start and step and the number of elements. */
export function sliceIndices(
  start: number | null,
  stop: number | null,
  step: number | null,
  n: number,
): { start: number; step: number; length: number } {
  const st = step ?? 1;
  const [lower, upper] = st > 0 ? [0, n] : [-1, n - 1];
  const norm = (v: number | null, dflt: number) =>
    v === null ? dflt : v < 0 ? Math.max(v + n, lower) : Math.min(v, upper);
  const a = norm(start, st > 0 ? lower : upper);
  const b = norm(stop, st > 0 ? upper : lower);
  const length = st > 0 ? (b > a ? Math.ceil((b - a) / st) : 0) : a > b ? Math.ceil((a - b) / -st) : 0;
  return { start: a, step: st, length };
}

/**
 * NumPy indexing as a map: the result shape and, for each result element (row-major), the flat source offset.
 * Integers and the (single) integer array are NumPy's advanced indices when an array is present: their broadcast
 * dims replace them in place when they are adjacent, and go first when a slice or newaxis separates them.
 * Undefined when the index is invalid (too many entries, an integer or array value out of bounds, step 0).
 */
export function indexMap(
  shape: readonly number[],
  index: readonly RefIndex[],
): { shape: number[]; offsets: number[] } | undefined {
  const consumed = index.filter((e) => e.kind !== "newaxis").length;
  if (consumed > shape.length) return undefined;
  const entries: RefIndex[] = [
    ...index,
    ...Array.from(
      { length: shape.length - consumed },
      (): RefIndex => ({ kind: "range", start: null, stop: null, step: null }),
    ),
  ];
  const array = entries.find((e): e is Extract<RefIndex, { kind: "array" }> => e.kind === "array");
  const group = array ? array.idx.shape : [];
  const isAdvanced = (e: RefIndex) => e.kind === "int" || e.kind === "array";
  const advPos = entries.flatMap((e, k) => (isAdvanced(e) ? [k] : []));
  const adjacent = advPos.every((k, i) => i === 0 || k === advPos[i - 1]! + 1);

  // output dims, in order: {entry k, length}; the advanced group is one pseudo-entry of `group` dims
  type Dim = { kind: "basic"; k: number; len: number } | { kind: "group" };
  const dims: Dim[] = [];
  if (array && !adjacent) dims.push({ kind: "group" });
  const axisOf: number[] = [];
  const ranges: ({ start: number; step: number } | undefined)[] = [];
  let ax = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    axisOf.push(e.kind === "newaxis" ? -1 : ax);
    ranges.push(undefined);
    if (array && adjacent && k === advPos[0]) dims.push({ kind: "group" });
    if (e.kind === "newaxis") {
      dims.push({ kind: "basic", k, len: 1 });
      continue;
    }
    const n = shape[ax]!;
    if (e.kind === "range") {
      if (e.step === 0) return undefined;
      const r = sliceIndices(e.start, e.stop, e.step, n);
      ranges[k] = r;
      dims.push({ kind: "basic", k, len: r.length });
    } else if (e.kind === "int") {
      if (e.i < -n || e.i >= n) return undefined;
    } else if (e.idx.data.some((j) => j < -n || j >= n)) return undefined;
    ax++;
  }
  const outShape = dims.flatMap((d) => (d.kind === "group" ? group : [d.len]));
  const offsets = Array.from({ length: sizeOf(outShape) }, (_, f) => {
    const o = unravel(f, outShape);
    const src = new Array<number>(shape.length).fill(0);
    let p = 0;
    let g: number[] = [];
    for (const d of dims) {
      if (d.kind === "group") {
        g = o.slice(p, p + group.length);
        p += group.length;
      } else {
        const r = ranges[d.k];
        if (r) src[axisOf[d.k]!] = r.start + o[p]! * r.step;
        p++;
      }
    }
    entries.forEach((e, k) => {
      const a = axisOf[k]!;
      const n = shape[a]!;
      const wrap = (j: number) => (j < 0 ? j + n : j);
      if (e.kind === "int") src[a] = wrap(e.i);
      else if (e.kind === "array") src[a] = wrap(e.idx.data[ravel(g, e.idx.shape)]!);
    });
    return ravel(src, shape);
  });
  return { shape: outShape, offsets };
}

/** x[index] with NumPy semantics. */
export function index(x: Arr, idx: readonly RefIndex[]): Arr | undefined {
  const m = indexMap(x.shape, idx);
  return m && { shape: m.shape, data: m.offsets.map((o) => x.data[o]!) };
}

/**
 * x.at[index].set / add / mul with the update `v` broadcast to the indexed shape. Repeated positions: `add` and
 * `mul` accumulate every update (np.add.at / np.multiply.at, JAX's scatter-add / scatter-mul); `set` keeps the
 * last (NumPy; JAX leaves the choice to the backend). Undefined for an invalid index or a `v` that does not broadcast.
 */
export function atUpdate(kind: "set" | "add" | "mul", x: Arr, idx: readonly RefIndex[], v: Arr): Arr | undefined {
  const m = indexMap(x.shape, idx);
  if (!m) return undefined;
  const vb = broadcastTo(v, m.shape);
  if (!vb) return undefined;
  const data = [...x.data];
  m.offsets.forEach((o, k) => {
    const u = vb.data[k]!;
    data[o] = kind === "set" ? u : kind === "add" ? data[o]! + u : data[o]! * u;
  });
  return { shape: [...x.shape], data };
}

/** `a` (of a shape that `shape` broadcasts to) summed back down to `shape`: the transpose of broadcasting. */
export function sumTo(a: Arr, shape: readonly number[]): Arr {
  const out = fill(shape, 0);
  const off = a.shape.length - shape.length;
  a.data.forEach((v, i) => {
    const idx = unravel(i, a.shape);
    out.data[
      ravel(
        shape.map((d, k) => (d === 1 ? 0 : idx[off + k]!)),
        shape,
      )
    ]! += v;
  });
  return out;
}

/** The transpose of x ↦ x[index]: the cotangent `u` scatter-added into zeros of `shape`. */
export const indexTranspose = (shape: readonly number[], idx: readonly RefIndex[], u: Arr): Arr | undefined =>
  atUpdate("add", fill(shape, 0), idx, u);

// ───────────────────────────── special functions and nn ─────────────────────────────

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc for x ≥ 2 by the Laplace continued fraction erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * evaluated bottom-up from a fixed depth (no Lentz iteration).
 */
function erfcTail(x: number): number {
  let t = x;
  for (let n = 400; n >= 1; n--) t = x + n / 2 / t;
  return Math.exp(-x * x) / (SQRT_PI * t);
}

/** erf for |x| < 3 by the all-positive series erf x = 2/√π · e^{−x²} · Σₙ 2ⁿ x^{2n+1} / (1·3·5···(2n+1)). */
function erfSeries(x: number): number {
  const a = Math.abs(x);
  let term = a;
  let sum = a;
  for (let n = 1; n < 500 && term > 1e-18 * sum; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / SQRT_PI) * Math.exp(-a * a) * sum;
}

/** The error function to ~1e-15 relative accuracy. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < 2.5) return erfSeries(x);
  return Math.sign(x) * (1 - erfcTail(Math.abs(x)));
}

/** The complementary error function, accurate in the far tail (no cancellation for large x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return erfcTail(x);
  if (x <= -2.5) return 2 - erfcTail(-x);
  return 1 - erfSeries(x);
}

/** Exposed for the reference's self-check: both erf evaluations on their overlap. */
export const erfParts = { series: erfSeries, tail: erfcTail };

/** σ(x) without overflow. */
export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log(1 + eˣ) without overflow. */
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const logSigmoid = (x: number): number => -softplus(-x);
export const relu = (x: number): number => (Number.isNaN(x) ? NaN : x > 0 ? x : 0);

const GELU_C = Math.sqrt(2 / Math.PI);
/** JAX's default GELU: the tanh approximation. */
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
/** Exact GELU x·Φ(x), through erfc so the negative tail keeps its relative accuracy. */
export const geluErf = (x: number): number => 0.5 * x * erfc(-x / Math.SQRT2);

/** Derivatives as JAX defines them (relu′(0) = 0). */
export const DERIV: Record<string, (x: number) => number> = {
  relu: (x) => (x > 0 ? 1 : 0),
  sigmoid: (x) => sigmoid(x) * sigmoid(-x),
  softplus: sigmoid,
  logSigmoid: (x) => sigmoid(-x),
  tanh: (x) => 1 - Math.tanh(x) ** 2,
  geluTanh: (x) => {
    const t = Math.tanh(GELU_C * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
  },
  geluErf: (x) => 0.5 * erfc(-x / Math.SQRT2) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
};

/** Groups of flat positions that a reduction over `axes` combines, with each element's group number. */
function groupsOver(
  shape: readonly number[],
  axes: readonly number[],
): { groupOf: number[]; count: number; kept: number[] } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groupOf = Array.from({ length: sizeOf(shape) }, (_, i) =>
    ravel(
      unravel(i, shape).map((j, k) => (axes.includes(k) ? 0 : j)),
      kept,
    ),
  );
  return { groupOf, count: sizeOf(kept), kept };
}

/** log Σ exp over `axes` per group, shifted by the group max (0 when that max is not finite). */
function lseGroups(x: Arr, axes: readonly number[]): { lse: number[]; groupOf: number[]; kept: number[] } {
  const { groupOf, count, kept } = groupsOver(x.shape, axes);
  const m = new Array<number>(count).fill(-Infinity);
  x.data.forEach((v, i) => (m[groupOf[i]!] = Math.max(m[groupOf[i]!]!, v)));
  const shift = m.map((v) => (Number.isFinite(v) ? v : 0));
  const s = new Array<number>(count).fill(0);
  x.data.forEach((v, i) => (s[groupOf[i]!]! += Math.exp(v - shift[groupOf[i]!]!)));
  return { lse: s.map((v, g) => Math.log(v) + shift[g]!), groupOf, kept };
}

/** nn.logsumexp over `axes` (normalised), with keepdims. */
export function logsumexp(x: Arr, axes: readonly number[], keepdims: boolean): Arr {
  const { lse, kept } = lseGroups(x, axes);
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)), data: lse };
}

/** nn.logSoftmax over `axes`: x − logsumexp(x). */
export function logSoftmax(x: Arr, axes: readonly number[]): Arr {
  const { lse, groupOf } = lseGroups(x, axes);
  return { shape: [...x.shape], data: x.data.map((v, i) => v - lse[groupOf[i]!]!) };
}

/** nn.softmax over `axes`: exp(x − logsumexp(x)). */
export function softmax(x: Arr, axes: readonly number[]): Arr {
  const l = logSoftmax(x, axes);
  return { shape: l.shape, data: l.data.map(Math.exp) };
}

/** Σ over each softmax group of w·y, broadcast back to every element of the group. */
export function groupSum(shape: readonly number[], axes: readonly number[], values: readonly number[]): number[] {
  const { groupOf, count } = groupsOver(shape, axes);
  const s = new Array<number>(count).fill(0);
  values.forEach((v, i) => (s[groupOf[i]!]! += v));
  return groupOf.map((g) => s[g]!);
}

/** nn.oneHot: float one-hot vectors along a new last axis; labels outside [0, n) (or not whole) give zeros. */
export const oneHot = (labels: Arr, n: number): Arr => ({
  shape: [...labels.shape, n],
  data: labels.data.flatMap((l) => Array.from({ length: n }, (_, c) => Number(l === c))),
});
