// Convolution dimension numbers and padding, as JAX's: layout strings ("NCHW", "OIHW", "NCHW") become three axis
// permutations (batch/feature first, then the spatial axes in the kernel's order), and the padding modes "VALID",
// "SAME", "SAME_LOWER" become explicit [lo, hi] pairs per spatial dimension.
import { fmtShape, ShapeError, TracegradError } from "../../core/errors.js";

/**
 * [lhsSpec, rhsSpec, outSpec]: for each operand, the axis holding (lhs/out) batch, feature, then the spatial axes, or
 * (rhs) output feature, input feature, then the spatial axes: the order in which the primitive reads them.
 */
export type ConvDimensionNumbers = readonly [readonly number[], readonly number[], readonly number[]];

/** A padding mode, or one [lo, hi] pair per spatial dimension. */
export type ConvPadding = "VALID" | "SAME" | "SAME_LOWER" | readonly (readonly [number, number])[];

/** Layouts as strings (each of length ndim) or already as permutations. */
export type ConvDimensionNumbersLike =
  | readonly [string, string, string]
  | { lhsSpec: readonly number[]; rhsSpec: readonly number[]; outSpec: readonly number[] };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The permutations for `dn` (JAX's conv_dimension_numbers): undefined gives the identity ("NCHW", "OIHW", "NCHW").
 * Spatial axes of lhs and out are ordered by where their letter appears in the rhs string.
 */
export function convDimensionNumbers(
  op: string,
  lhsShape: readonly number[],
  rhsShape: readonly number[],
  dn: ConvDimensionNumbersLike | undefined,
): ConvDimensionNumbers {
  if (lhsShape.length !== rhsShape.length)
    throw new ShapeError(
      `${op}: lhs and rhs must have the same rank, got lhs ${fmtShape(lhsShape)} and rhs ${fmtShape(rhsShape)}`,
    );
  const n = lhsShape.length;
  if (n < 2)
    throw new ShapeError(
      `${op}: operands need a batch (or output feature) axis and a feature axis at least, got lhs ` +
        `${fmtShape(lhsShape)} and rhs ${fmtShape(rhsShape)}`,
    );
  if (dn === undefined) return [range(n), range(n), range(n)];
  if (!Array.isArray(dn)) {
    const { lhsSpec, rhsSpec, outSpec } = dn as { lhsSpec: number[]; rhsSpec: number[]; outSpec: number[] };
    const specs = [lhsSpec, rhsSpec, outSpec];
    const isPerm = (p: unknown) =>
      Array.isArray(p) &&
      p.length === n &&
      p.every((a) => Number.isInteger(a) && a >= 0 && a < n) &&
      new Set(p).size === n;
    if (!specs.every(isPerm))
      throw new TracegradError(
        `${op}: dimensionNumbers {lhsSpec, rhsSpec, outSpec} must each be a permutation of 0..${n - 1} ` +
          `(for lhs ${fmtShape(lhsShape)} and rhs ${fmtShape(rhsShape)}), got ${JSON.stringify(dn)}`,
      );
    return [[...lhsSpec], [...rhsSpec], [...outSpec]];
  }
  const strs = dn as readonly unknown[];
  if (strs.length !== 3 || !strs.every((s) => typeof s === "string"))
    throw new TracegradError(
      `${op}: dimensionNumbers must be three layout strings [lhs, rhs, out] such as ["NCHW", "OIHW", "NCHW"], got ` +
        `${JSON.stringify(dn)}`,
    );
  const [l, r, o] = strs as [string, string, string];
  const pairs = [
    ["N", "C"],
    ["O", "I"],
    ["N", "C"],
  ] as const;
  [l, r, o].forEach((s, i) => {
    const which = ["lhs", "rhs", "out"][i];
    if (s.length !== n)
      throw new TracegradError(
        `${op}: the ${which} layout ${JSON.stringify(s)} has ${s.length} letters but the operands have rank ${n} ` +
          `(lhs ${fmtShape(lhsShape)}, rhs ${fmtShape(rhsShape)}); give one letter per axis`,
      );
    const [a, b] = pairs[i]!;
    const count = (c: string) => s.split("").filter((x) => x === c).length;
    if (count(a) !== 1 || count(b) !== 1)
      throw new TracegradError(
        `${op}: the ${which} layout ${JSON.stringify(s)} must contain '${a}' and '${b}' exactly once`,
      );
    if (new Set(s).size !== s.length)
      throw new TracegradError(`${op}: the ${which} layout ${JSON.stringify(s)} repeats a letter`);
  });
  const spatial = (s: string, [a, b]: readonly [string, string]) =>
    s
      .split("")
      .filter((c) => c !== a && c !== b)
      .sort()
      .join("");
  if (spatial(l, pairs[0]) !== spatial(r, pairs[1]) || spatial(o, pairs[2]) !== spatial(r, pairs[1]))
    throw new TracegradError(
      `${op}: the layouts ${JSON.stringify([l, r, o])} must name the same spatial letters in lhs, rhs and out`,
    );
  const perm = (s: string, [a, b]: readonly [string, string]) => {
    const sp = range(n).filter((i) => s[i] !== a && s[i] !== b);
    if (s !== r) sp.sort((x, y) => r.indexOf(s[x]!) - r.indexOf(s[y]!));
    return [s.indexOf(a), s.indexOf(b), ...sp];
  };
  return [perm(l, pairs[0]), perm(r, pairs[1]), perm(o, pairs[2])];
}

/** max(0, 1 + d·(n − 1)): a size after putting d − 1 holes between elements. */
export const dilateDim = (n: number, d: number): number => (n === 0 ? 0 : Math.max(0, 1 + d * (n - 1)));

/** [lo, hi] per spatial dimension for a padding mode (JAX's padtype_to_pads). */
export function padtypeToPads(
  op: string,
  inShape: readonly number[],
  windowShape: readonly number[],
  strides: readonly number[],
  padding: string,
): [number, number][] {
  if (padding === "VALID") return inShape.map(() => [0, 0]);
  if (padding !== "SAME" && padding !== "SAME_LOWER")
    throw new TracegradError(
      `${op}: padding must be "VALID", "SAME", "SAME_LOWER" or one [lo, hi] pair per spatial dimension, got ` +
        `${JSON.stringify(padding)}`,
    );
  return inShape.map((n, i) => {
    const s = strides[i]!;
    const out = Math.ceil(n / s);
    const total = Math.max(0, (out - 1) * s + windowShape[i]! - n);
    const small = Math.floor(total / 2);
    return padding === "SAME" ? [small, total - small] : [total - small, small];
  });
}

/** The [lo, hi] padding of a transposed convolution for one dimension (JAX's _conv_transpose_padding). */
export function convTransposePadding(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
  const len = padding === "SAME" ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
  const a = padding === "VALID" || s > k - 1 ? k - 1 : Math.ceil(len / 2);
  return [a, len - a];
}

/** conv_general_dilated's params, in JAX's form (padding always explicit). */
export interface ConvParams {
  window_strides: readonly number[];
  padding: readonly (readonly [number, number])[];
  lhs_dilation: readonly number[];
  rhs_dilation: readonly number[];
  dimension_numbers: ConvDimensionNumbers;
  feature_group_count: number;
  batch_group_count: number;
}
