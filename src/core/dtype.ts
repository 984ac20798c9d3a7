// Dtypes, their storage, and the promotion lattice bool < uint32 < int32 < float32 < float64 (uint32 with int32 is
// int32, as JAX with 64-bit types off).
import { DTypeError, ShapeError } from "./errors.js";

/**
 * The element types a tensor can hold; float32 is the default float, as in JAX.
 * @example np.arange(3).astype("float64").dtype // "float64"
 */
export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export const DTYPES: readonly DType[] = ["bool", "uint32", "int32", "float32", "float64"];

const SHORT: Record<DType, string> = { float32: "f32", float64: "f64", int32: "i32", uint32: "u32", bool: "bool" };
/** JAX's short dtype names, as jaxprs print them. */
export const shortName = (d: DType): string => SHORT[d];

export const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
/** int32 or uint32: integer arithmetic wraps, division floors or truncates as the primitive says. */
export const isInteger = (d: DType): boolean => d === "int32" || d === "uint32";

function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(op: string, d: unknown): DType {
  if (isDType(d)) return d;
  throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(d)}; use one of ${DTYPES.join(", ")}`);
}

/** The smallest dtype both promote to (NumPy/JAX lattice without weak types). */
export function promote(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/** The dtype a weakly typed JS scalar takes next to a tensor of dtype `d`. */
export function weakDType(d: DType, v: number | boolean): DType {
  if (typeof v === "boolean") return d;
  if (d === "bool") return Number.isInteger(v) ? "int32" : "float32";
  if (isInteger(d) && !Number.isInteger(v)) return "float32";
  return d;
}

export function allocate(d: DType, n: number): TypedArray {
  try {
    return allocateRaw(d, n);
  } catch (e) {
    throw outOfMemory(d, n, e);
  }
}

/** The engine's RangeError for an array it cannot allocate, as a ShapeError that says how large it was. */
function outOfMemory(d: DType, n: number, e: unknown): unknown {
  if (!(e instanceof RangeError)) return e;
  return new ShapeError(
    `cannot allocate ${n} ${d} elements (${n * BYTES[d]} bytes): ${e.message}; use smaller arrays or batch the work`,
  );
}

function allocateRaw(d: DType, n: number): TypedArray {
  switch (d) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** An array of `n` elements of dtype `d` over `buffer` from `byteOffset` (aligned to the element size). */
export function viewOf(d: DType, buffer: ArrayBufferLike, byteOffset: number, n: number): TypedArray {
  switch (d) {
    case "float32":
      return new Float32Array(buffer, byteOffset, n);
    case "float64":
      return new Float64Array(buffer, byteOffset, n);
    case "int32":
      return new Int32Array(buffer, byteOffset, n);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, n);
    case "bool":
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/** Bytes per element of each dtype's storage. */
export const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };
type Unzeroed = { allocUnsafeSlow(bytes: number): Uint8Array };
/** Below this many bytes zeroing is cheaper than a call out to the runtime. */
const UNZEROED_MIN = 1 << 16;
/** Values that no kernel computes by accident, for tests (see setPoisonedAllocations). */
const POISON: Record<DType, number> = { float32: NaN, float64: NaN, int32: -0x5eed, uint32: 0xdeadbeef, bool: 0xab };
let poisoned = false;

/**
 * @internal Tests: arrays from allocateFilledLater come filled with a poison value (NaN; −24301 for int32; 0xdeadbeef
 * for uint32; 0xab for bool), at every size, so a kernel that leaves an element unwritten shows instead of reading
 * as 0.
 */
export function setPoisonedAllocations(on: boolean): void {
  poisoned = on;
}

/**
 * A new array whose every element the caller writes before anyone reads it (a kernel's output): not zeroed where
 * the runtime offers that (Node's Buffer.allocUnsafeSlow; plain `allocate` elsewhere), which saves a pass over
 * large outputs. Never for an array that is read before it is fully written.
 */
export function allocateFilledLater(d: DType, n: number): TypedArray {
  if (poisoned) return allocate(d, n).fill(POISON[d]);
  const buffer = (globalThis as { Buffer?: Unzeroed }).Buffer;
  const bytes = n * BYTES[d];
  if (!buffer || bytes < UNZEROED_MIN) return allocate(d, n);
  let u: Uint8Array;
  try {
    u = buffer.allocUnsafeSlow(bytes);
  } catch (e) {
    throw outOfMemory(d, n, e);
  }
  return viewOf(d, u.buffer, u.byteOffset, n);
}

/**
 * Copies `src` into a new array of dtype `d` (float → int32/uint32 truncates toward zero, then wraps modulo 2³², as
 * NumPy on this hardware; NaN becomes 0).
 */
export function convertData(src: ArrayLike<number>, d: DType): TypedArray {
  const out = allocate(d, src.length);
  if (d === "bool") for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 && !Number.isNaN(src[i]) ? 1 : 0;
  else if (isInteger(d)) for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]!) | 0;
  else out.set(src);
  return out;
}

/** Shortest decimal text that reads back to `v` in `dtype` (float32 needs at most 9 digits). */
export function formatNumber(v: number, dtype: DType): string {
  if (dtype === "bool") return v ? "true" : "false";
  if (dtype === "float32" && Number.isFinite(v)) {
    for (let p = 1; p <= 9; p++) {
      const s = Number(v.toPrecision(p));
      if (Math.fround(s) === v) return String(s);
    }
  }
  return String(v);
}

export function dtypeOfTypedArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Uint8Array) return "bool";
  return undefined;
}
