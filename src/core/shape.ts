// Shape arithmetic: sizes, strides, axis normalisation, NumPy broadcasting.
import { fmtShape, ShapeError } from "./errors.js";

export type Shape = readonly number[];

/** A shape as users pass it: an array of dimensions, or one whole number for a 1-D shape (NumPy's `zeros(3)`). */
export type ShapeLike = number | readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export const shapeEq = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Maps a possibly negative axis into [0, ndim). */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(
      `${op}: axis ${axis} is out of range for an array of rank ${ndim} (valid: ${-ndim} … ${ndim - 1})`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalised, sorted, duplicate-free axes; `undefined` or `null` means all axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new ShapeError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

/** NumPy broadcasting of several shapes; throws naming the operation and every shape. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together ` +
            `(axis ${j - ndim} has sizes ${out[j]} and ${d}); make the sizes equal or 1, e.g. with reshape or ` +
            `expandDims`,
        );
      }
    }
  }
  return out;
}
