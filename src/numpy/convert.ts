// Converting user data (numbers, nested arrays, typed arrays, tensors) to tensors, with weak typing of JS scalars.
import { checkDType, convertData, type DType, dtypeOfTypedArray, promote, weakDType } from "../core/dtype.js";
import { ShapeError, TracegradError } from "../core/errors.js";
import { parsedNested } from "../core/nested.js";
import { array as arrayParam, dtype, shape as shapeParam } from "../core/params.js";
import type { ShapeLike } from "../core/shape.js";
import { broadcastShapes, shapeEq } from "../core/shape.js";
import { type ArrayLike, Tensor } from "../core/tensor.js";
import { describe, guard, options } from "../core/validate.js";
import { broadcastInDim, concatenate, convertElementType, reshape, scalar } from "../primitives/index.js";

const isScalar = (x: unknown): x is number | boolean => typeof x === "number" || typeof x === "boolean";

/** Stacks a nested array that contains tensors (differentiable). */
function stackNested(op: string, data: unknown, dtype?: DType): Tensor {
  if (!Array.isArray(data)) return arrayFor(op, data as ArrayLike, dtype);
  const parts = data.map((d) => stackNested(op, d, dtype));
  if (parts.length === 0) return arrayFor(op, [], dtype);
  const dt = parts.map((p) => p.dtype).reduce(promote);
  const first = parts[0]!.shape;
  for (const p of parts)
    if (!shapeEq(p.shape, first))
      throw new ShapeError(`${op}: ragged nested array: rows of shapes [${first}] and [${p.shape}]`);
  return concatenate(
    parts.map((p) => reshape(convertElementType(p, dt), [1, ...first])),
    0,
  );
}

/**
 * The `{ dtype }` option of creation functions; the dtype may also be given positionally (`np.zeros([2], "int32")`).
 * @example np.zeros([2], { dtype: "int32" }) // Tensor([0, 0], dtype=int32)
 */
export interface DTypeOpt {
  dtype?: DType;
}
/** The options slot of creation functions: `{ dtype }`, or the dtype itself. */
export const dtypeOption = options({ dtype: dtype() }, "dtype");

/**
 * A tensor from numbers, booleans, nested arrays, typed arrays or tensors. JS numbers give float32 unless
 * `dtype` says otherwise; booleans give bool; an Int32Array gives int32.
 * @example np.array([[1, 2], [3, 4]]).shape // [2, 2]
 * np.array([1, 2], "int32") // Tensor([1, 2], dtype=int32)
 * np.array([true, false]) // Tensor([true, false], dtype=bool)
 */
export const array: (data: ArrayLike, dtype?: DType | DTypeOpt) => Tensor = guard(
  "np.array",
  [arrayParam("data"), dtypeOption],
  (data: ArrayLike, opts: DTypeOpt) => arrayFor("np.array", data, opts.dtype),
);

/** `array`, with errors naming `op` (the function the data was passed to). */
function arrayFor(op: string, data: ArrayLike, dtypeOpt: DType | undefined): Tensor {
  const dtype = dtypeOpt === undefined ? undefined : checkDType(op, dtypeOpt);
  if (data instanceof Tensor) return dtype ? convertElementType(data, dtype) : data;
  if (isScalar(data)) return scalar(data, dtype ?? (typeof data === "boolean" ? "bool" : "float32"));
  const td = dtypeOfTypedArray(data);
  if (td) {
    const src = data as unknown as globalThis.ArrayLike<number>;
    return Tensor._of(convertData(src, dtype ?? td), [src.length], dtype ?? td);
  }
  if (ArrayBuffer.isView(data)) {
    throw new TracegradError(
      `${op}: ${data.constructor.name} is not supported; use Float32Array, Float64Array, Int32Array, Uint32Array or ` +
        `Uint8Array (bool), or convert with Array.from(...)`,
    );
  }
  if (!Array.isArray(data))
    throw new TracegradError(
      `${op}: cannot make a tensor from ${describe(data)}; pass numbers, booleans, nested arrays, typed arrays or ` +
        `tensors`,
    );
  const { values, shape, allBool, tensors } = parsedNested(op, data);
  if (tensors) return stackNested(op, data, dtype);
  const dt = dtype ?? (allBool ? "bool" : "float32");
  return Tensor._of(convertData(values, dt), shape, dt);
}

/** `x` as a tensor; a JS scalar takes the dtype `like` suggests (weak typing), else float32/bool. */
export function asTensor(x: ArrayLike, like?: DType, op = "np.array"): Tensor {
  if (x instanceof Tensor) return x;
  if (isScalar(x)) return scalar(x, like ? weakDType(like, x) : typeof x === "boolean" ? "bool" : "float32");
  return arrayFor(op, x, undefined);
}

/**
 * `x` broadcast to `shape` by NumPy rules (trailing axes aligned).
 * @example np.broadcastTo([1, 2], [2, 2]).toArray() // [[1, 2], [1, 2]]
 */
export const broadcastTo: (x: ArrayLike, shape: ShapeLike) => Tensor = guard(
  "np.broadcastTo",
  [arrayParam("x"), shapeParam()],
  (x: ArrayLike, shape: number[]) => broadcastToShape(x, shape),
);

/** `broadcastTo` for shapes the caller has checked. */
function broadcastToShape(x: ArrayLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  if (shapeEq(t.shape, shape)) return t;
  const out = broadcastShapes("np.broadcastTo", t.shape, shape);
  if (!shapeEq(out, shape)) throw new ShapeError(`np.broadcastTo: cannot broadcast shape [${t.shape}] to [${shape}]`);
  return broadcastInDim(
    t,
    shape,
    t.shape.map((_, i) => shape.length - t.ndim + i),
  );
}

/** Operands converted to one dtype (JS scalars weakly typed), shapes untouched. */
export function promoted(xs: readonly ArrayLike[], op = "np.array"): Tensor[] {
  const conv = xs.map((x) => (isScalar(x) ? x : asTensor(x, undefined, op)));
  const strong = conv.filter((x): x is Tensor => x instanceof Tensor);
  const weakLike = strong.length ? strong.map((t) => t.dtype).reduce(promote) : undefined;
  const ts = conv.map((x) => asTensor(x, weakLike));
  const dtype = ts.map((t) => t.dtype).reduce(promote);
  return ts.map((t) => convertElementType(t, dtype));
}

/** Operands converted to one dtype and broadcast to one shape. */
export function operands(op: string, xs: readonly ArrayLike[]): Tensor[] {
  // the common case, two tensors of one dtype and shape, needs neither promotion nor broadcasting
  if (xs.length === 2) {
    const [a, b] = xs;
    if (
      a instanceof Tensor &&
      b instanceof Tensor &&
      a._aval.dtype === b._aval.dtype &&
      shapeEq(a._aval.shape, b._aval.shape)
    )
      return [a, b];
  }
  const ts = promoted(xs, op);
  const shape = broadcastShapes(op, ...ts.map((t) => t.shape));
  return ts.map((t) => broadcastToShape(t, shape));
}
