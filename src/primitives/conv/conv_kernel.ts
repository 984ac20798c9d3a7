// The eager convolution (what conv_general_dilated's impl and jit call): one function, `convInto`. float32 with the
// WebAssembly backend: im2col patches (built by the backend's kernel) times the kernel matrix through its sgemm, a
// chunk of output rows at a time; otherwise a direct loop accumulating in float64. Both read the operands in place
// through their layouts' strides.
import type { ShapedArray } from "../../core/aval.js";
import type { TypedArray } from "../../core/dtype.js";
import { sizeOf, stridesOf } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { eagerBackend } from "../eager_backend.js";
import { data } from "../kernels.js";
import type { ConvParams } from "./dimension_numbers.js";

/** Multiply-adds from which float32 goes through the backend's sgemm (below, building patches costs more). */
const MIN_GEMM_MACS = 1 << 14;
/** Floats of im2col patches built at once. */
const PATCH_FLOATS = 1 << 18;
/** Output features up to which the transposed product is faster (sgemm pads columns to 8, rows to 4). */
const FLIP_MAX_FEATURES = 4;

/** Everything the loops need, read off the shapes, layouts and params. */
interface Geometry {
  nd: number;
  /** groups (feature or batch), input features per group, output features per group, output batch */
  g: number;
  ig: number;
  og: number;
  bo: number;
  featureGroups: boolean;
  batchGroups: boolean;
  /** element strides: lhs batch/feature, rhs out/in feature, out batch/feature */
  lN: number;
  lC: number;
  rO: number;
  rI: number;
  oN: number;
  oC: number;
  /** window positions, and each one's rhs offset (spatial part) */
  w: number;
  rOff: Int32Array;
  /** output positions, and each one's out offset (spatial part) */
  p: number;
  oOff: Int32Array;
  /** per (output position, window position): the lhs spatial offset it reads, or −1 (padding or a dilation hole) */
  inOff: Int32Array;
}

function geometry(l: readonly number[], r: readonly number[], o: readonly number[], prm: ConvParams): Geometry {
  const [ls, rs, os] = prm.dimension_numbers;
  const nd = ls.length - 2;
  const [lst, rst, ost] = [stridesOf(l), stridesOf(r), stridesOf(o)];
  const fg = prm.feature_group_count;
  const bg = prm.batch_group_count;
  const g = fg * bg;
  const sp = (spec: readonly number[], shape: readonly number[]) => spec.slice(2).map((a) => shape[a]!);
  const [inS, kS, outS] = [sp(ls, l), sp(rs, r), sp(os, o)];
  const [lS, rS, oS] = [sp(ls, lst), sp(rs, rst), sp(os, ost)];
  const w = sizeOf(kS);
  const p = sizeOf(outS);
  // kernel coordinates per window position, and its rhs offset
  const kc = new Int32Array(w * nd);
  const rOff = new Int32Array(w);
  for (let i = 0; i < w; i++) {
    let rest = i;
    let off = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const c = rest % kS[d]!;
      rest = (rest - c) / kS[d]!;
      kc[i * nd + d] = c;
      off += c * rS[d]!;
    }
    rOff[i] = off;
  }
  const oOff = new Int32Array(p);
  const inOff = new Int32Array(p * w);
  const qc = new Int32Array(nd);
  for (let q = 0; q < p; q++) {
    let rest = q;
    let off = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const c = rest % outS[d]!;
      rest = (rest - c) / outS[d]!;
      qc[d] = c;
      off += c * oS[d]!;
    }
    oOff[q] = off;
    for (let i = 0; i < w; i++) {
      let at = 0;
      for (let d = 0; d < nd; d++) {
        // the position in the padded, dilated lhs, then in the lhs itself
        let x = qc[d]! * prm.window_strides[d]! + kc[i * nd + d]! * prm.rhs_dilation[d]! - prm.padding[d]![0];
        const ld = prm.lhs_dilation[d]!;
        if (x < 0 || x % ld !== 0) {
          at = -1;
          break;
        }
        x /= ld;
        if (x >= inS[d]!) {
          at = -1;
          break;
        }
        at += x * lS[d]!;
      }
      inOff[q * w + i] = at;
    }
  }
  const og = r[rs[0]!]! / g;
  return {
    nd,
    g,
    ig: r[rs[1]!]!,
    og,
    bo: o[os[0]!]!,
    featureGroups: fg > 1,
    batchGroups: bg > 1,
    lN: lst[ls[0]!]!,
    lC: lst[ls[1]!]!,
    rO: rst[rs[0]!]!,
    rI: rst[rs[1]!]!,
    oN: ost[os[0]!]!,
    oC: ost[os[1]!]!,
    w,
    rOff,
    p,
    oOff,
    inOff,
  };
}

/**
 * The geometry of the last call with these parameters (a jit program passes the same params object every call), if
 * its shapes are the same: its index tables cost a pass over every window position.
 */
const lastGeometry = new WeakMap<ConvParams, { shapes: number[]; geo: Geometry }>();
function cachedGeometry(l: readonly number[], r: readonly number[], o: readonly number[], prm: ConvParams): Geometry {
  const shapes = [...l, -1, ...r, -1, ...o];
  const hit = lastGeometry.get(prm);
  if (hit && hit.shapes.length === shapes.length && hit.shapes.every((v, i) => v === shapes[i])) return hit.geo;
  const geo = geometry(l, r, o, prm);
  lastGeometry.set(prm, { shapes, geo });
  return geo;
}

/** The convolution of `lhs` and `rhs` into `dest` (every element written), laid out as `out`. */
export function convInto(lhs: Tensor, rhs: Tensor, prm: ConvParams, out: ShapedArray, dest: TypedArray): void {
  if (out.size === 0) return;
  const geo = cachedGeometry(lhs.shape, rhs.shape, out.shape, prm);
  const macs = out.size * geo.ig * geo.w;
  if (out.dtype === "float32" && macs >= MIN_GEMM_MACS) {
    const backend = eagerBackend();
    if (backend?.ready() && gemmConv(geo, data(lhs) as Float32Array, data(rhs) as Float32Array, dest as Float32Array))
      return;
  }
  directConv(geo, data(lhs), data(rhs), dest);
}

/** Nested loops: per group, output batch and position, sum over window and input features in float64. */
function directConv(geo: Geometry, L: TypedArray, R: TypedArray, dest: TypedArray): void {
  const { g, ig, og, bo, p, w, inOff, rOff, oOff, lN, lC, rO, rI, oN, oC } = geo;
  const acc = new Float64Array(og);
  for (let gi = 0; gi < g; gi++) {
    const cStart = geo.featureGroups ? gi * ig : 0;
    const oStart = gi * og;
    for (let b = 0; b < bo; b++) {
      const lb = geo.batchGroups ? gi * bo + b : b;
      const lBase = lb * lN + cStart * lC;
      const oBase = b * oN + oStart * oC;
      for (let q = 0; q < p; q++) {
        acc.fill(0);
        for (let k = 0; k < w; k++) {
          const at = inOff[q * w + k]!;
          if (at < 0) continue;
          const rBase = rOff[k]! + oStart * rO;
          for (let i = 0; i < ig; i++) {
            const v = L[lBase + i * lC + at]!;
            const rr = rBase + i * rI;
            for (let j = 0; j < og; j++) acc[j] += v * R[rr + j * rO]!;
          }
        }
        const ob = oBase + oOff[q]!;
        for (let j = 0; j < og; j++) dest[ob + j * oC] = acc[j]!;
      }
    }
  }
}

/**
 * Per group: patches [output batch × positions, window × input features] times the kernel [window × input features,
 * output features] through the backend's sgemm, a chunk of rows at a time; with few output features (whose columns
 * the kernel pads to panels) the transposed product instead. False where the backend cannot take it.
 */
function gemmConv(geo: Geometry, L: Float32Array, R: Float32Array, dest: Float32Array): boolean {
  const { g, ig, og, bo, p, w, inOff, rOff, oOff, lN, lC, rO, rI, oN, oC } = geo;
  const backend = eagerBackend()!;
  const kd = ig * w;
  const rows = bo * p;
  const chunk = Math.max(1, Math.min(rows, Math.floor(PATCH_FLOATS / Math.max(1, kd))));
  if (!backend.fitsMatmul(chunk * kd, kd * og, chunk * og)) return false;
  const flip = og <= FLIP_MAX_FEATURES;
  const B = new Float32Array(kd * og);
  // rows of C land contiguously in dest (one group, features innermost, positions in order): the product goes there
  let inPlace = g === 1 && !flip && oC === 1 && oN === p * og;
  for (let q = 0; inPlace && q < p; q++) inPlace = oOff[q] === q * og;
  const C = inPlace ? dest : new Float32Array(chunk * og);
  // the patches, built in the backend's kernel (without it, the direct loop serves)
  const patches = backend.im2col32?.(L, inOff, p, w, ig, lC, lN, chunk);
  if (!patches) return false;
  for (let gi = 0; gi < g; gi++) {
    const cStart = geo.featureGroups ? gi * ig : 0;
    const oStart = gi * og;
    // B[(k, i), j] = rhs[oStart + j, i, window k]
    for (let k = 0; k < w; k++)
      for (let i = 0; i < ig; i++) {
        const src = rOff[k]! + i * rI + oStart * rO;
        const row = (k * ig + i) * og;
        for (let j = 0; j < og; j++) B[row + j] = R[src + j * rO]!;
      }
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const m = Math.min(chunk, rows - r0);
      // rows r0…: output position q = row mod p of (lhs) batch entry row div p, in group gi
      const a = patches.rows(r0, m, (geo.batchGroups ? gi * bo * lN : 0) + cStart * lC);
      const c = inPlace ? dest.subarray(r0 * og, (r0 + m) * og) : m === chunk ? C : C.subarray(0, m * og);
      // C = A·B, or Cᵀ = Bᵀ·Aᵀ read through strides
      if (flip) backend.matmul(B, [0, 1, og], a, [0, 1, kd], 1, og, kd, m, c);
      else backend.matmul(a, [0, kd, 1], B, [0, og, 1], 1, m, kd, og, c);
      if (inPlace) continue;
      const [cRow, cCol] = flip ? [1, m] : [og, 1];
      for (let t = 0; t < m; t++) {
        const row = r0 + t;
        const q = row % p;
        const b = (row - q) / p;
        const ob = b * oN + oStart * oC + oOff[q]!;
        const c0 = t * cRow;
        for (let j = 0; j < og; j++) dest[ob + j * oC] = c[c0 + j * cCol]!;
      }
    }
  }
  return true;
}
