// conv_general_dilated: XLA's convolution, as JAX's lax primitive. Bilinear: its transposes are convolutions too (the
// kernel reversed, dimension numbers swapped, strides and dilations exchanged, padding computed); vmap folds the
// mapped axis into the batch or feature dimensions, with feature or batch groups.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { zeros } from "../constants.js";
import { bilinear, definePrimitive } from "../define.js";
import { reshape } from "../structure/reshape.js";
import { rev } from "../structure/rev.js";
import { transpose } from "../structure/transpose.js";
import { convInto } from "./conv_kernel.js";
import {
  type ConvDimensionNumbers,
  type ConvDimensionNumbersLike,
  type ConvPadding,
  type ConvParams,
  convDimensionNumbers,
  convTransposePadding,
  dilateDim,
  padtypeToPads,
} from "./dimension_numbers.js";

export type { ConvParams } from "./dimension_numbers.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const SPATIAL = ["", "W", "HW", "DHW"];

/** A permutation as a layout string ("NCHW"): `pair` names its first two axes, the spatial ones get (D, H,) W or 0… */
function specString(spec: readonly number[], pair: string): string {
  const nd = spec.length - 2;
  const letters = SPATIAL[nd]?.split("") ?? range(nd).map(String);
  const s: string[] = [];
  spec.forEach((a, i) => {
    s[a] = i < 2 ? pair[i]! : letters[i - 2]!;
  });
  return s.join("");
}

/** The dimension numbers as layout strings, for messages (as permutations when they are not permutations). */
export function formatDimensionNumbers([l, r, o]: ConvDimensionNumbers): string {
  const ok = (s: readonly number[]) =>
    s.length >= 2 && s.every((a) => Number.isInteger(a) && a >= 0 && a < s.length) && new Set(s).size === s.length;
  if (!ok(l) || !ok(r) || !ok(o)) return `lhs_spec (${l}), rhs_spec (${r}), out_spec (${o})`;
  return `("${specString(l, "NC")}", "${specString(r, "OI")}", "${specString(o, "NC")}")`;
}

/** The output shape (as the out layout) or a typed error naming both shapes and the dimension numbers. */
export function convShape(l: ShapedArray, r: ShapedArray, prm: ConvParams): E.Either<TracegradError, ShapedArray> {
  const dn = prm.dimension_numbers;
  const [ls, rs, os] = dn;
  const bad = (why: string) =>
    E.left(
      new ShapeError(
        `conv_general_dilated: ${why} (lhs ${fmtShape(l.shape)}, rhs ${fmtShape(r.shape)}, dimension numbers ` +
          `${formatDimensionNumbers(dn)})`,
      ),
    );
  if (l.dtype !== r.dtype || l.dtype === "bool")
    return E.left(
      new DTypeError(
        `conv_general_dilated: lhs and rhs must share a numeric dtype, got ${l.dtype} and ${r.dtype}; convert one ` +
          `with astype`,
      ),
    );
  if (l.ndim !== r.ndim) return bad(`lhs and rhs must have the same rank, got ${l.ndim} and ${r.ndim}`);
  const n = l.ndim;
  if (n < 2) return bad("operands need at least a batch and a feature axis");
  const isPerm = (s: readonly number[]) =>
    s.length === n && s.every((a) => Number.isInteger(a) && a >= 0 && a < n) && new Set(s).size === n;
  if (!isPerm(ls) || !isPerm(rs) || !isPerm(os))
    return bad(`each of lhs_spec, rhs_spec and out_spec must be a permutation of the ${n} axes`);
  const nd = n - 2;
  const lists = [
    ["window_strides", prm.window_strides],
    ["lhs_dilation", prm.lhs_dilation],
    ["rhs_dilation", prm.rhs_dilation],
  ] as const;
  for (const [name, v] of lists) {
    if (v.length !== nd) return bad(`${name} needs one entry per spatial dimension (${nd}), got [${v.join(", ")}]`);
    if (!v.every((k) => Number.isInteger(k) && k >= 1)) return bad(`${name} must be whole numbers ≥ 1, got [${v}]`);
  }
  if (prm.padding.length !== nd || !prm.padding.every((pr) => pr.length === 2 && pr.every(Number.isInteger)))
    return bad(`padding needs one [lo, hi] pair of integers per spatial dimension (${nd})`);
  const fg = prm.feature_group_count;
  const bg = prm.batch_group_count;
  if (!Number.isInteger(fg) || fg < 1) return bad(`featureGroupCount must be a whole number ≥ 1, got ${fg}`);
  if (!Number.isInteger(bg) || bg < 1) return bad(`batchGroupCount must be a whole number ≥ 1, got ${bg}`);
  if (fg > 1 && bg > 1)
    return bad(`at most one of featureGroupCount (${fg}) and batchGroupCount (${bg}) may be greater than 1`);
  const [B, C] = [l.shape[ls[0]!]!, l.shape[ls[1]!]!];
  const [O, I] = [r.shape[rs[0]!]!, r.shape[rs[1]!]!];
  if (C !== I * fg)
    return bad(
      `lhs feature dimension ${C} must equal rhs input feature dimension ${I} × featureGroupCount ${fg}; ` +
        `check the channel counts and the layouts`,
    );
  if (O % fg !== 0) return bad(`rhs output feature dimension ${O} must be a multiple of featureGroupCount ${fg}`);
  if (B % bg !== 0) return bad(`lhs batch dimension ${B} must be a multiple of batchGroupCount ${bg}`);
  if (O % bg !== 0) return bad(`rhs output feature dimension ${O} must be a multiple of batchGroupCount ${bg}`);
  const spatial: number[] = [];
  for (let d = 0; d < nd; d++) {
    const [lo, hi] = prm.padding[d]!;
    const padded = dilateDim(l.shape[ls[d + 2]!]!, prm.lhs_dilation[d]!) + lo + hi;
    if (padded < 0)
      return bad(`negative padding [${lo}, ${hi}] is larger than spatial dimension ${d} of the (dilated) lhs`);
    const k = dilateDim(r.shape[rs[d + 2]!]!, prm.rhs_dilation[d]!);
    spatial.push(padded < k ? 0 : Math.floor((padded - k) / prm.window_strides[d]!) + 1);
  }
  const canonical = [B / bg, O, ...spatial];
  const shape: number[] = [];
  os.forEach((a, i) => {
    shape[a] = canonical[i]!;
  });
  return E.right(new ShapedArray(shape, l.dtype));
}

/** `x` with axis `src` merged into axis `dst` (numbered without `src`), `src` the major part (JAX's helper). */
function reshapeAxisInto(src: number, dst: number, x: Tensor): Tensor {
  const perm = range(x.ndim).filter((a) => a !== src);
  perm.splice(dst, 0, src);
  const shape = x.shape.filter((_, a) => a !== src);
  shape[dst]! *= x.shape[src]!;
  return reshape(transpose(x, perm), shape);
}

/** `x` with axis `src` split into [size, rest]. */
function reshapeAxisOutOf(src: number, size: number, x: Tensor): Tensor {
  const shape = [...x.shape];
  shape.splice(src, 1, size, x.shape[src]! / size);
  return reshape(x, shape);
}

const take = (shape: readonly number[], axes: readonly number[]) => axes.map((a) => shape[a]!);
const swapFirst = (s: readonly number[]) => [s[1]!, s[0]!, ...s.slice(2)];

/** The padding of the convolution that gives the lhs cotangent (JAX's _conv_general_vjp_lhs_padding). */
function vjpLhsPadding(inS: number[], kS: number[], outS: number[], prm: ConvParams): [number, number][] {
  return inS.map((n, d) => {
    const ld = dilateDim(n, prm.lhs_dilation[d]!);
    const kd = dilateDim(kS[d]!, prm.rhs_dilation[d]!);
    const od = dilateDim(outS[d]!, prm.window_strides[d]!);
    const before = kd - prm.padding[d]![0] - 1;
    return [before, ld + kd - 1 - od - before];
  });
}

/** The padding of the convolution that gives the rhs cotangent (JAX's _conv_general_vjp_rhs_padding). */
function vjpRhsPadding(inS: number[], kS: number[], outS: number[], prm: ConvParams): [number, number][] {
  return inS.map((n, d) => {
    const ld = dilateDim(n, prm.lhs_dilation[d]!);
    const kd = dilateDim(kS[d]!, prm.rhs_dilation[d]!);
    const od = dilateDim(outS[d]!, prm.window_strides[d]!);
    const lo = prm.padding[d]![0];
    return [lo, od - ld + (kd - lo - 1)];
  });
}

/** The lhs cotangent: ct convolved with the reversed kernel, strides and lhs dilation exchanged. */
function transposeLhs(ct: Tensor, rhs: Tensor, lhsShape: readonly number[], prm: ConvParams): Tensor {
  const [ls, rs, os] = prm.dimension_numbers;
  const rsd = rs.slice(2);
  let fg = prm.feature_group_count;
  const bg = prm.batch_group_count;
  let k = rhs;
  if (fg > 1 || bg > 1) {
    // the group moves from the kernel's output features to its input features
    const groups = Math.max(fg, bg);
    k = reshapeAxisInto(rs[0]!, rs[1]!, reshapeAxisOutOf(rs[0]!, groups, k));
    fg = groups;
  }
  const padding = vjpLhsPadding(take(lhsShape, ls.slice(2)), take(rhs.shape, rsd), take(ct.shape, os.slice(2)), prm);
  let out = convGeneralDilated(ct, rev(k, rsd), {
    window_strides: prm.lhs_dilation,
    padding,
    lhs_dilation: prm.window_strides,
    rhs_dilation: prm.rhs_dilation,
    dimension_numbers: [os, swapFirst(rs), ls],
    feature_group_count: fg,
    batch_group_count: 1,
  });
  if (bg > 1) out = reshapeAxisInto(ls[1]!, ls[0]!, reshapeAxisOutOf(ls[1]!, bg, out));
  return out;
}

/** The rhs cotangent: lhs convolved with ct (as the kernel), strides and rhs dilation exchanged, groups swapped. */
function transposeRhs(ct: Tensor, lhs: Tensor, rhsShape: readonly number[], prm: ConvParams): Tensor {
  if (ct.size === 0) return zeros(rhsShape, ct.dtype);
  const [ls, rs, os] = prm.dimension_numbers;
  const fg = prm.feature_group_count;
  const bg = prm.batch_group_count;
  const padding = vjpRhsPadding(
    take(lhs.shape, ls.slice(2)),
    take(rhsShape, rs.slice(2)),
    take(ct.shape, os.slice(2)),
    prm,
  );
  return convGeneralDilated(lhs, ct, {
    window_strides: prm.rhs_dilation,
    padding,
    lhs_dilation: prm.lhs_dilation,
    rhs_dilation: prm.window_strides,
    dimension_numbers: [swapFirst(ls), swapFirst(os), swapFirst(rs)],
    feature_group_count: bg,
    batch_group_count: fg,
  });
}

/** vmap: the mapped axis folded into lhs batch or features and rhs output features, as JAX's batch rule. */
function batchRule(lhs: Tensor, rhs: Tensor, ld: number | null, rd: number | null, prm: ConvParams): [Tensor, number] {
  const [ls, rs, os] = prm.dimension_numbers;
  const size = ld !== null ? lhs.shape[ld]! : rhs.shape[rd!]!;
  if (size === 0) {
    // an empty batch cannot be folded into a dimension (nor split back out of it)
    const drop = (x: Tensor, d: number | null) => (d === null ? x.shape : x.shape.filter((_, a) => a !== d));
    const out = convShape(new ShapedArray(drop(lhs, ld), lhs.dtype), new ShapedArray(drop(rhs, rd), rhs.dtype), prm);
    if (E.isLeft(out)) throw out.left;
    return [zeros([0, ...out.right.shape], lhs.dtype), 0];
  }
  let fg = prm.feature_group_count;
  let bg = prm.batch_group_count;
  const conv = (l: Tensor, r: Tensor) =>
    convGeneralDilated(l, r, { ...prm, feature_group_count: fg, batch_group_count: bg });
  if (ld !== null && rd !== null) {
    const nb = lhs.shape[ld]!;
    let l: Tensor;
    if (bg > 1) {
      l = reshapeAxisInto(ld, ls[0]!, lhs);
      bg *= nb;
    } else {
      l = reshapeAxisInto(ld, ls[1]!, lhs);
      fg *= nb;
    }
    const out = conv(l, reshapeAxisInto(rd, rs[0]!, rhs));
    return [reshapeAxisOutOf(os[1]!, nb, out), os[1]!];
  }
  if (ld !== null) {
    const nb = lhs.shape[ld]!;
    let l: Tensor;
    if (bg === 1) l = reshapeAxisInto(ld, ls[0]!, lhs);
    else {
      // the mapped axis goes inside each batch group
      const b0 = ls[0]!;
      l = reshapeAxisOutOf(b0 + (ld <= b0 ? 1 : 0), bg, lhs);
      l = reshapeAxisInto(ld + (b0 < ld ? 1 : 0), b0 + 1, l);
      l = reshapeAxisInto(b0, b0, l);
    }
    return [reshapeAxisOutOf(os[0]!, nb, conv(l, rhs)), os[0]!];
  }
  const nb = rhs.shape[rd!]!;
  const o1 = os[1]!;
  if (fg === 1 && bg === 1) return [reshapeAxisOutOf(o1, nb, conv(lhs, reshapeAxisInto(rd!, rs[0]!, rhs))), o1];
  // the groups stay outermost in the output features: the mapped axis goes inside each group
  const groups = Math.max(fg, bg);
  const o0 = rs[0]!;
  let r = reshapeAxisOutOf(o0 + (rd! <= o0 ? 1 : 0), groups, rhs);
  r = reshapeAxisInto(rd! + (o0 < rd! ? 1 : 0), o0 + 1, r);
  r = reshapeAxisInto(o0, o0, r);
  let out = reshapeAxisOutOf(o1, groups, conv(lhs, r));
  out = reshapeAxisOutOf(o1 + 1, nb, out);
  return [reshapeAxisInto(o1, o1 + 1, out), o1];
}

export const convGeneralDilatedP = definePrimitive<ConvParams>({
  name: "conv_general_dilated",
  abstractEval: ([l, r], prm) => convShape(l!, r!, prm),
  impl: ([l, r], prm, out) => {
    const dest = allocateFilledLater(out.dtype, out.size);
    convInto(l!, r!, prm, out, dest);
    return Tensor._of(dest, out.shape, out.dtype);
  },
  implInto: ([l, r], prm, out, dest) => convInto(l!, r!, prm, out, dest),
  freshOutputs: true,
  // d conv(x, k) = conv(dx, k) + conv(x, dk)
  ad: bilinear((ct, [l, r], prm) => [
    isUndefined(l!) ? transposeLhs(ct, r as Tensor, l!.aval.shape, prm) : null,
    isUndefined(r!) ? transposeRhs(ct, l as Tensor, r!.aval.shape, prm) : null,
  ]),
  batch: ([l, r], [ld, rd], prm) => batchRule(l!, r!, ld ?? null, rd ?? null, prm),
  formatParams: (prm) => {
    const tuple = (v: readonly (number | string)[]) => `(${v.join(", ")})`;
    const pairs = tuple(prm.padding.map((pr) => tuple(pr)));
    const dn = formatDimensionNumbers(prm.dimension_numbers);
    return (
      `[batch_group_count=${prm.batch_group_count} dimension_numbers=${dn} ` +
      `feature_group_count=${prm.feature_group_count} lhs_dilation=${tuple(prm.lhs_dilation)} padding=${pairs} ` +
      `rhs_dilation=${tuple(prm.rhs_dilation)} window_strides=${tuple(prm.window_strides)}]`
    );
  },
  testing: {
    sample: (choose) => {
      const nd = 1 + choose(2);
      const mode = choose(3); // 0 no groups, 1 feature groups, 2 batch groups
      const groups = mode === 0 ? 1 : 1 + choose(2);
      const fg = mode === 1 ? groups : 1;
      const bg = mode === 2 ? groups : 1;
      const [ig, og, bo] = [1 + choose(2), 1 + choose(2), 1 + choose(2)];
      const inS = range(nd).map(() => 1 + choose(4));
      const kS = range(nd).map(() => 1 + choose(3));
      const strides = range(nd).map(() => 1 + choose(2));
      const lhsDil = range(nd).map(() => 1 + choose(2));
      const rhsDil = range(nd).map(() => 1 + choose(2));
      const padding = range(nd).map((d): [number, number] => {
        const lo = choose(3) - 1;
        let hi = choose(3) - 1;
        // at least one output position
        const padded = dilateDim(inS[d]!, lhsDil[d]!) + lo + hi;
        const k = dilateDim(kS[d]!, rhsDil[d]!);
        if (padded < k) hi += k - padded;
        return [lo, hi];
      });
      const shuffle = () => {
        const rest = range(nd + 2);
        return range(nd + 2).map(() => rest.splice(choose(rest.length), 1)[0]!);
      };
      const [ls, rs, os] = [shuffle(), shuffle(), shuffle()];
      const laid = (spec: number[], canonical: number[]) => {
        const s: number[] = [];
        spec.forEach((a, i) => {
          s[a] = canonical[i]!;
        });
        return new ShapedArray(s, "float64");
      };
      return {
        avals: [laid(ls, [bo * bg, ig * fg, ...inS]), laid(rs, [og * groups, ig, ...kS])],
        params: {
          window_strides: strides,
          padding,
          lhs_dilation: lhsDil,
          rhs_dilation: rhsDil,
          dimension_numbers: [ls, rs, os],
          feature_group_count: fg,
          batch_group_count: bg,
        },
      };
    },
  },
});

/** The primitive on explicit params (padding as pairs, dimension numbers as permutations). */
export const convGeneralDilated = (lhs: Tensor, rhs: Tensor, params: ConvParams): Tensor =>
  bind1(convGeneralDilatedP, [lhs, rhs], {
    window_strides: [...params.window_strides],
    padding: params.padding.map(([lo, hi]) => [lo, hi] as const),
    lhs_dilation: [...params.lhs_dilation],
    rhs_dilation: [...params.rhs_dilation],
    dimension_numbers: params.dimension_numbers.map((s) => [...s]) as unknown as ConvDimensionNumbers,
    feature_group_count: params.feature_group_count,
    batch_group_count: params.batch_group_count,
  });

/** The options of lax.convGeneralDilated (JAX's keyword arguments, camelCase). */
export interface ConvOptions {
  lhsDilation?: readonly number[];
  rhsDilation?: readonly number[];
  dimensionNumbers?: ConvDimensionNumbersLike;
  featureGroupCount?: number;
  batchGroupCount?: number;
}

function positiveInts(op: string, name: string, v: readonly number[], nd: number, shapes: string): number[] {
  if (v.length !== nd || !v.every((k) => Number.isInteger(k) && k >= 1))
    throw new TracegradError(
      `${op}: ${name} must be ${nd} whole number${nd === 1 ? "" : "s"} ≥ 1 (one per spatial dimension of ${shapes}), ` +
        `got [${v.join(", ")}]`,
    );
  return [...v];
}

/** lax.convGeneralDilated on tensors: resolves padding modes, layout strings and defaults, then binds. */
export function convGeneral(
  op: string,
  lhs: Tensor,
  rhs: Tensor,
  windowStrides: readonly number[],
  padding: ConvPadding,
  o: ConvOptions = {},
): Tensor {
  const dn = convDimensionNumbers(op, lhs.shape, rhs.shape, o.dimensionNumbers);
  const nd = lhs.ndim - 2;
  const shapes = `lhs ${fmtShape(lhs.shape)} and rhs ${fmtShape(rhs.shape)}`;
  const strides = positiveInts(op, "windowStrides", windowStrides, nd, shapes);
  const lhsDil = positiveInts(op, "lhsDilation", o.lhsDilation ?? strides.map(() => 1), nd, shapes);
  const rhsDil = positiveInts(op, "rhsDilation", o.rhsDilation ?? strides.map(() => 1), nd, shapes);
  let pads: (readonly [number, number])[];
  if (typeof padding === "string") {
    if (lhsDil.some((d) => d !== 1))
      throw new TracegradError(
        `${op}: padding "${padding}" is not defined with lhsDilation [${lhsDil}]; give explicit [lo, hi] pairs or ` +
          `use lax.convTranspose`,
      );
    const window = rhsDil.map((d, i) => dilateDim(rhs.shape[dn[1][i + 2]!]!, d));
    pads = padtypeToPads(op, take(lhs.shape, dn[0].slice(2)), window, strides, padding.toUpperCase());
  } else {
    if (
      !Array.isArray(padding) ||
      padding.length !== nd ||
      !padding.every((pr) => Array.isArray(pr) && pr.length === 2 && pr.every(Number.isInteger))
    )
      throw new TracegradError(
        `${op}: padding must be "VALID", "SAME", "SAME_LOWER" or ${nd} [lo, hi] pairs of integers (one per spatial ` +
          `dimension of ${shapes}), got ${JSON.stringify(padding)}`,
      );
    pads = padding.map(([lo, hi]) => [lo, hi] as const);
  }
  return convGeneralDilated(lhs, rhs, {
    window_strides: strides,
    padding: pads,
    lhs_dilation: lhsDil,
    rhs_dilation: rhsDil,
    dimension_numbers: dn,
    feature_group_count: o.featureGroupCount ?? 1,
    batch_group_count: o.batchGroupCount ?? 1,
  });
}

/** The options of lax.convTranspose. */
export interface ConvTransposeOptions {
  rhsDilation?: readonly number[];
  dimensionNumbers?: ConvDimensionNumbersLike;
  transposeKernel?: boolean;
}

const TRANSPOSE_LAYOUTS: Record<number, readonly [string, string, string]> = {
  2: ["NC", "IO", "NC"],
  3: ["NHC", "HIO", "NHC"],
  4: ["NHWC", "HWIO", "NHWC"],
  5: ["NHWDC", "HWDIO", "NHWDC"],
};

/**
 * lax.convTranspose (jax.lax.conv_transpose): a fractionally strided convolution, `strides` as lhs dilation; "SAME"
 * and "VALID" are the forward convolution's padding, explicit pairs the transposed one's. Layouts default to NHWC.
 */
export function convTransposeOp(
  lhs: Tensor,
  rhs: Tensor,
  strides: readonly number[],
  padding: ConvPadding,
  o: ConvTransposeOptions = {},
): Tensor {
  const op = "lax.convTranspose";
  const layouts = o.dimensionNumbers ?? TRANSPOSE_LAYOUTS[lhs.ndim];
  if (!layouts)
    throw new ShapeError(
      `${op}: no default layouts for rank ${lhs.ndim} (lhs ${fmtShape(lhs.shape)}); pass dimensionNumbers`,
    );
  const dn = convDimensionNumbers(op, lhs.shape, rhs.shape, layouts);
  const nd = lhs.ndim - 2;
  const shapes = `lhs ${fmtShape(lhs.shape)} and rhs ${fmtShape(rhs.shape)}`;
  const st = positiveInts(op, "strides", strides, nd, shapes);
  const rhsDil = positiveInts(op, "rhsDilation", o.rhsDilation ?? st.map(() => 1), nd, shapes);
  const rsd = dn[1].slice(2);
  let pads: ConvPadding;
  if (typeof padding === "string") {
    const mode = padding.toUpperCase();
    if (mode !== "SAME" && mode !== "VALID")
      throw new TracegradError(
        `${op}: padding must be "SAME", "VALID" or one [lo, hi] pair per spatial dimension, got "${padding}"`,
      );
    pads = rsd.map((a, i) => convTransposePadding(dilateDim(rhs.shape[a]!, rhsDil[i]!), st[i]!, mode));
  } else pads = padding;
  let k = rhs;
  if (o.transposeKernel) {
    // spatial axes reversed, input and output features exchanged
    const perm = range(rhs.ndim);
    [perm[dn[1][0]!], perm[dn[1][1]!]] = [perm[dn[1][1]!]!, perm[dn[1][0]!]!];
    k = transpose(rev(rhs, rsd), perm);
  }
  return convGeneral(
    op,
    lhs,
    k,
    st.map(() => 1),
    pads,
    {
      lhsDilation: st,
      rhsDilation: rhsDil,
      dimensionNumbers: { lhsSpec: dn[0], rhsSpec: dn[1], outSpec: dn[2] },
    },
  );
}
