// Tensor: the one array type users see; concrete (TypedArray data) or, as the Tracer subclass, traced.
import { ShapedArray } from "./aval.js";
import { allocate, type DType, formatNumber, type TypedArray } from "./dtype.js";
import { fmtShape, ShapeError, TracegradError } from "./errors.js";
import type { Shape, ShapeLike } from "./shape.js";

/**
 * Anything a tensor-taking function accepts: a Tensor, a JS number or boolean (weakly typed), nested arrays or a typed
 * array.
 * @example np.add([[1], [2]], 10).toArray() // [[11], [12]]
 */
export type ArrayLike = Tensor | number | boolean | NestedNumbers | ArrayLikeTyped;
type ArrayLikeTyped = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
/** Nested JS arrays of numbers, booleans or tensors (as `np.array` accepts). */
export type NestedNumbers = readonly (number | boolean | Tensor | NestedNumbers)[];

/** Nested JS arrays as `toArray` returns them. */
export type Nested = number | boolean | Nested[];

/**
 * One index entry: a position, a range `[start?, stop?, step?]`, `null` (new axis), or int32 indices.
 * @example np.arange(4).slice([null, null, -1]) // Tensor([3, 2, 1, 0], dtype=int32)
 * np.arange(4).slice(np.array([3, 0], { dtype: "int32" })) // Tensor([3, 0], dtype=int32)
 */
export type Index = number | readonly (number | null | undefined)[] | null | Tensor;

/**
 * JAX's `x.at[idx]`: functional updates that return new tensors (the original is unchanged).
 * @example np.arange(3).at(np.array([0, 0], { dtype: "int32" })).add(1) // Tensor([2, 1, 2], dtype=int32)
 */
export interface AtUpdate {
  /**
   * Indexed positions replaced by `v` (broadcast); with repeated indices the last one wins, as NumPy.
   * @example np.zeros([2, 2]).at(0).set([1, 2]).toArray() // [[1, 2], [0, 0]]
   */
  set(v: ArrayLike): Tensor;
  /**
   * `v` added at the indexed positions (repeated indices add repeatedly).
   * @example np.ones([3]).at([1, 3]).add(10) // Tensor([1, 11, 11], dtype=float32)
   */
  add(v: ArrayLike): Tensor;
  /**
   * Indexed positions multiplied by `v` (repeated indices multiply repeatedly).
   * @example np.arange(3).at(-1).mul(5) // Tensor([0, 1, 10], dtype=int32)
   */
  mul(v: ArrayLike): Tensor;
}

/**
 * Options for reductions, as NumPy's.
 * @example np.ones([2, 3]).sum({ axis: -1, keepdims: true }).shape // [2, 1]
 */
export interface ReduceOpts {
  /** Axis or axes to reduce (negative counts from the end); all axes by default or when null. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes with size 1, so the result broadcasts against the input. */
  keepdims?: boolean;
}

/** np.var's and np.std's options. */
export interface StatOpts {
  axis?: number | readonly number[] | null;
  ddof?: number;
  keepdims?: boolean;
}
/** np.sort's and np.argsort's options. */
export interface SortOpts {
  axis?: number | null;
  stable?: boolean;
  descending?: boolean;
}
/** A reduction's trailing argument: the options, or the axis (a number, an array, or null for all) positionally. */
export type AxisArg = number | readonly number[] | null | ReduceOpts;

/** The names of Tensor's methods that forward to the `np` layer (e.g. `sum` to `np.sum`, `sub` to `np.subtract`). */
export type MethodName =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "neg"
  | "exp"
  | "log"
  | "sin"
  | "cos"
  | "tanh"
  | "sqrt"
  | "abs"
  | "sum"
  | "mean"
  | "max"
  | "min"
  | "reshape"
  | "transpose"
  | "matmul"
  | "astype"
  | "slice"
  | "argmax"
  | "argmin"
  | "prod"
  | "squeeze"
  | "clip"
  | "flatten"
  | "ravel"
  | "cumsum"
  | "cumprod"
  | "var"
  | "std"
  | "any"
  | "all"
  | "round"
  | "floor"
  | "ceil"
  | "sort"
  | "argsort"
  | "swapaxes"
  | "flip"
  | "expandDims"
  | "T"
  | "mT";

/**
 * What Tensor's methods call, installed by the `np` layer (which sits above core): each checks `self` and the
 * method's arguments, naming the method in its errors.
 */
export type TensorOps = { readonly [K in MethodName]: (self: Tensor, ...args: unknown[]) => Tensor } & {
  readonly at: (self: Tensor, ...idx: unknown[]) => AtUpdate;
};

let ops: TensorOps | undefined;
/** @internal */
export function installTensorOps(o: TensorOps): void {
  ops = o;
}
function np(): TensorOps {
  if (!ops)
    throw new TracegradError("tracegrad: tensor methods used before the np layer was loaded; import from 'tracegrad'");
  return ops;
}

/**
 * An immutable n-dimensional array. Concrete tensors hold row-major TypedArray data; tracers
 * (subclasses) stand for values being traced by a transform.
 * @example np.array([1, 2, 3]).mul(2).sum().item() // 12
 */
export class Tensor {
  /** @internal */
  constructor(
    /** @internal */ readonly _aval: ShapedArray,
    /** @internal */ readonly _data: TypedArray | null,
  ) {}

  /** @internal Wraps data the caller guarantees matches the shape and dtype. */
  static _of(data: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new ShapedArray(shape, dtype), data);
  }
  /** @internal */
  static _zeros(shape: Shape, dtype: DType): Tensor {
    let n = 1;
    for (const d of shape) n *= d;
    return Tensor._of(allocate(dtype, n), shape, dtype);
  }

  /** @internal Shape and dtype. */
  get aval(): ShapedArray {
    return this._aval;
  }
  /** Axis sizes. @example np.zeros([2, 3]).shape // [2, 3] */
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  /** Element type. @example np.arange(3).dtype // "int32" */
  get dtype(): DType {
    return this.aval.dtype;
  }
  /** Number of axes. @example np.zeros([2, 3]).ndim // 2 */
  get ndim(): number {
    return this.aval.shape.length;
  }
  /** Number of elements. @example np.zeros([2, 3]).size // 6 */
  get size(): number {
    return this.aval.size;
  }

  /** @internal The concrete tensor behind this value; tracers override (or throw ConcretizationError). */
  _concrete(_why: string): Tensor {
    return this;
  }
  /** @internal Concrete data (throws for abstract tracers). */
  _dataFor(why: string): TypedArray {
    return this._concrete(why)._data!;
  }

  /**
   * Nested JS arrays (a plain number or boolean for a 0-d tensor); throws ConcretizationError on a traced tensor.
   * @example np.eye(2).toArray() // [[1, 0], [0, 1]]
   */
  toArray(...none: []): Nested {
    noArguments("toArray", none);
    const t = this._concrete("toArray()");
    const data = t._data!;
    const shape = t.shape;
    const bool = t.dtype === "bool";
    const rec = (dim: number, off: number): Nested => {
      if (dim === shape.length) return bool ? data[off] !== 0 : data[off]!;
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: Nested[] = [];
      for (let i = 0; i < shape[dim]!; i++) out.push(rec(dim + 1, off + i * stride));
      return out;
    };
    return rec(0, 0);
  }

  /**
   * The number (or boolean) of a size-1 tensor; a ShapeError for any other size.
   * @example np.array([[7]]).item() // 7
   */
  item(...none: []): number | boolean {
    noArguments("item", none);
    const t = this._concrete("item()");
    if (t.size !== 1) {
      throw new ShapeError(
        `item(): needs a tensor with exactly one element, got shape ${fmtShape(t.shape)}; index or reduce it first ` +
          `(e.g. .sum())`,
      );
    }
    return t.dtype === "bool" ? t._data![0] !== 0 : t._data![0]!;
  }

  /**
   * A copy of the data in row-major order (Float32Array, Float64Array, Int32Array, Uint32Array; Uint8Array for bool).
   * @example np.eye(2).toTypedArray() // Float32Array [1, 0, 0, 1]
   */
  toTypedArray(...none: []): TypedArray {
    noArguments("toTypedArray", none);
    return this._concrete("toTypedArray()")._data!.slice();
  }

  /** NumPy-like text. @example String(np.arange(3)) // "Tensor([0, 1, 2], dtype=int32)" */
  toString(): string {
    return `Tensor(${formatData(this)}, dtype=${this.dtype})`;
  }

  /** `console.log(t)` in Node prints what `String(t)` does (a plain symbol key, so browsers are unaffected). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * JS conversions (`Number(t)`, `t > 0`, `+t`) as in JAX: the value of a concrete size-1 tensor.
   * @example Number(np.array(2).mul(3)) // 6
   * +np.array([0.5]) > 0 // true
   */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    if (hint === "default" && this._data === null) {
      throw new TracegradError(
        `JS '+' or '==' on a traced ${this.aval.toString()} tensor would turn it into a plain number and cut it out ` +
          `of the computation; ` +
          `use x.add(y) or np.add, np.equal(x, y), or +x === v for a control-flow test`,
      );
    }
    const t = this._concrete(hint === "number" ? "Number(t) / comparison" : "a JS conversion");
    if (t.size !== 1) {
      if (hint === "default") return this.toString(); // "x = " + t
      throw new ShapeError(
        `converting a tensor of shape ${fmtShape(t.shape)} to a JS number is ambiguous; ` +
          `use .item() on a size-1 tensor, a reduction such as .sum(), or np functions such as np.greater for ` +
          `elementwise comparisons`,
      );
    }
    return Number(t._data![0]);
  }

  /**
   * `np.add(this, y)`; a JS number is weakly typed, as in JAX (int32 + 1 stays int32, int32 + 0.5 is float32).
   * @example np.arange(2).add(1) // Tensor([1, 2], dtype=int32)
   */
  add(...y: [y: ArrayLike]): Tensor {
    return np().add(this, ...y);
  }
  /** `np.subtract(this, y)`. @example np.array([3, 4]).sub([1, 1]) // Tensor([2, 3], dtype=float32) */
  sub(...y: [y: ArrayLike]): Tensor {
    return np().sub(this, ...y);
  }
  /** `np.multiply(this, y)`. @example np.array([1, 2]).mul(np.array([[1], [10]])).toArray() // [[1, 2], [10, 20]] */
  mul(...y: [y: ArrayLike]): Tensor {
    return np().mul(this, ...y);
  }
  /**
   * `np.divide(this, y)`: true division (integers give float32).
   * @example np.arange(3).div(2) // Tensor([0, 0.5, 1], dtype=float32)
   */
  div(...y: [y: ArrayLike]): Tensor {
    return np().div(this, ...y);
  }
  /** `np.power(this, y)`. @example np.array([2, 3]).pow(2) // Tensor([4, 9], dtype=float32) */
  pow(...y: [y: ArrayLike]): Tensor {
    return np().pow(this, ...y);
  }
  /** `np.negative(this)`. @example np.array([1, -2]).neg() // Tensor([-1, 2], dtype=float32) */
  neg(...none: []): Tensor {
    return np().neg(this, ...none);
  }
  /** `np.exp(this)`. @example np.array(0).exp() // Tensor(1, dtype=float32) */
  exp(...none: []): Tensor {
    return np().exp(this, ...none);
  }
  /** `np.log(this)`, the natural logarithm. @example np.array(1).log() // Tensor(0, dtype=float32) */
  log(...none: []): Tensor {
    return np().log(this, ...none);
  }
  /** `np.sin(this)`. @example np.array(0).sin() // Tensor(0, dtype=float32) */
  sin(...none: []): Tensor {
    return np().sin(this, ...none);
  }
  /** `np.cos(this)`. @example np.array(0).cos() // Tensor(1, dtype=float32) */
  cos(...none: []): Tensor {
    return np().cos(this, ...none);
  }
  /** `np.tanh(this)`. @example np.array(0).tanh() // Tensor(0, dtype=float32) */
  tanh(...none: []): Tensor {
    return np().tanh(this, ...none);
  }
  /** `np.sqrt(this)`. @example np.array([4, 9]).sqrt() // Tensor([2, 3], dtype=float32) */
  sqrt(...none: []): Tensor {
    return np().sqrt(this, ...none);
  }
  /** `np.abs(this)`. @example np.array([-1, 2]).abs() // Tensor([1, 2], dtype=float32) */
  abs(...none: []): Tensor {
    return np().abs(this, ...none);
  }
  /** `np.sum(this, axisOrOpts)`. @example np.ones([2, 3]).sum({ axis: 1 }) // Tensor([3, 3], dtype=float32) */
  sum(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().sum(this, ...axisOrOpts);
  }
  /** `np.mean(this, axisOrOpts)`; integers give float32. @example np.arange(4).mean() // Tensor(1.5, dtype=float32) */
  mean(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().mean(this, ...axisOrOpts);
  }
  /** `np.max(this, axisOrOpts)`. @example np.array([[1, 5], [3, 2]]).max(0) // Tensor([3, 5], dtype=float32) */
  max(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().max(this, ...axisOrOpts);
  }
  /** `np.min(this, axisOrOpts)`. @example np.array([[1, 5], [3, 2]]).min(1) // Tensor([1, 2], dtype=float32) */
  min(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().min(this, ...axisOrOpts);
  }
  /** `np.reshape(this, shape)`; one entry may be −1. @example np.arange(6).reshape([2, -1]).shape // [2, 3] */
  reshape(...shape: [shape: ShapeLike]): Tensor {
    return np().reshape(this, ...shape);
  }
  /**
   * `np.transpose(this, axes)` (reverses the axes by default).
   * @example np.zeros([2, 3]).transpose().shape // [3, 2]
   */
  transpose(...axes: [axes?: readonly number[] | null]): Tensor {
    return np().transpose(this, ...axes);
  }
  /** `np.matmul(this, y)`. @example np.ones([2, 3]).matmul(np.ones([3])) // Tensor([3, 3], dtype=float32) */
  matmul(...y: [y: ArrayLike]): Tensor {
    return np().matmul(this, ...y);
  }
  /** The axes reversed (`np.transpose(this)`), as NumPy's `.T`. @example np.zeros([2, 3]).T.shape // [3, 2] */
  get T(): Tensor {
    return np().T(this);
  }
  /**
   * The last two axes swapped (`np.matrixTranspose`), as NumPy's `.mT`.
   * @example np.zeros([4, 2, 3]).mT.shape // [4, 3, 2]
   */
  get mT(): Tensor {
    return np().mT(this);
  }
  /** `np.argmax(this, axisOrOpts)`. @example np.array([[1, 5], [7, 2]]).argmax(1) // Tensor([1, 0], dtype=int32) */
  argmax(...axisOrOpts: [axisOrOpts?: number | null | { axis?: number | null; keepdims?: boolean }]): Tensor {
    return np().argmax(this, ...axisOrOpts);
  }
  /** `np.argmin(this, axisOrOpts)`. @example np.array([3, 1, 2]).argmin() // Tensor(1, dtype=int32) */
  argmin(...axisOrOpts: [axisOrOpts?: number | null | { axis?: number | null; keepdims?: boolean }]): Tensor {
    return np().argmin(this, ...axisOrOpts);
  }
  /** `np.prod(this, axisOrOpts)`. @example np.array([[1, 2], [3, 4]]).prod(1) // Tensor([2, 12], dtype=float32) */
  prod(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().prod(this, ...axisOrOpts);
  }
  /**
   * `np.squeeze(this, axis)`: size-1 axes removed (all of them by default).
   * @example np.zeros([1, 3, 1]).squeeze().shape // [3]
   */
  squeeze(...axis: [axis?: number | readonly number[] | null | { axis?: number | readonly number[] | null }]): Tensor {
    return np().squeeze(this, ...axis);
  }
  /** `np.clip(this, lo, hi)`. @example np.array([-1, 0.5, 2]).clip(0, 1) // Tensor([0, 0.5, 1], dtype=float32) */
  clip(...bounds: [lo: ArrayLike, hi: ArrayLike]): Tensor {
    return np().clip(this, ...bounds);
  }
  /** `np.flatten(this)`: a 1-D copy. @example np.zeros([2, 3]).flatten().shape // [6] */
  flatten(...none: []): Tensor {
    return np().flatten(this, ...none);
  }
  /** `np.ravel(this)`: 1-D. @example np.zeros([2, 3]).ravel().shape // [6] */
  ravel(...none: []): Tensor {
    return np().ravel(this, ...none);
  }
  /**
   * `np.cumsum(this, axisOrOpts)` (flattened without an axis).
   * @example np.array([1, 2, 3]).cumsum() // Tensor([1, 3, 6], dtype=float32)
   */
  cumsum(...axisOrOpts: [axisOrOpts?: number | null | { axis?: number | null; dtype?: DType }]): Tensor {
    return np().cumsum(this, ...axisOrOpts);
  }
  /** `np.cumprod(this, axisOrOpts)`. @example np.array([1, 2, 3]).cumprod() // Tensor([1, 2, 6], dtype=float32) */
  cumprod(...axisOrOpts: [axisOrOpts?: number | null | { axis?: number | null; dtype?: DType }]): Tensor {
    return np().cumprod(this, ...axisOrOpts);
  }
  /**
   * `np.var(this, axisOrOpts)` (`ddof`, `keepdims`).
   * @example np.array([1, 2, 3, 4]).var() // Tensor(1.25, dtype=float32)
   */
  var(...axisOrOpts: [axisOrOpts?: number | readonly number[] | null | StatOpts]): Tensor {
    return np().var(this, ...axisOrOpts);
  }
  /** `np.std(this, axisOrOpts)` (`ddof`, `keepdims`). @example np.array([1, 3]).std() // Tensor(1, dtype=float32) */
  std(...axisOrOpts: [axisOrOpts?: number | readonly number[] | null | StatOpts]): Tensor {
    return np().std(this, ...axisOrOpts);
  }
  /** `np.any(this, axisOrOpts)`. @example np.array([0, 2]).any() // Tensor(true, dtype=bool) */
  any(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().any(this, ...axisOrOpts);
  }
  /** `np.all(this, axisOrOpts)`. @example np.array([0, 2]).all() // Tensor(false, dtype=bool) */
  all(...axisOrOpts: [axisOrOpts?: AxisArg]): Tensor {
    return np().all(this, ...axisOrOpts);
  }
  /**
   * `np.round(this, decimals)`: halves to even, as NumPy.
   * @example np.array([0.5, 1.5, 2.5]).round() // Tensor([0, 2, 2], dtype=float32)
   */
  round(...decimals: [decimals?: number | { decimals?: number }]): Tensor {
    return np().round(this, ...decimals);
  }
  /** `np.floor(this)`. @example np.array([-1.5, 1.5]).floor() // Tensor([-2, 1], dtype=float32) */
  floor(...none: []): Tensor {
    return np().floor(this, ...none);
  }
  /** `np.ceil(this)`. @example np.array([-1.5, 1.5]).ceil() // Tensor([-1, 2], dtype=float32) */
  ceil(...none: []): Tensor {
    return np().ceil(this, ...none);
  }
  /**
   * `np.sort(this, axisOrOpts)`: stable, NaN last.
   * @example np.array([3, 1, 2]).sort() // Tensor([1, 2, 3], dtype=float32)
   */
  sort(...axisOrOpts: [axisOrOpts?: number | null | SortOpts]): Tensor {
    return np().sort(this, ...axisOrOpts);
  }
  /** `np.argsort(this, axisOrOpts)`. @example np.array([3, 1, 2]).argsort() // Tensor([1, 2, 0], dtype=int32) */
  argsort(...axisOrOpts: [axisOrOpts?: number | null | SortOpts]): Tensor {
    return np().argsort(this, ...axisOrOpts);
  }
  /** `np.swapaxes(this, axis1, axis2)`. @example np.zeros([2, 3, 4]).swapaxes(0, 2).shape // [4, 3, 2] */
  swapaxes(...axes: [axis1: number, axis2: number]): Tensor {
    return np().swapaxes(this, ...axes);
  }
  /**
   * `np.flip(this, axis)` (every axis by default).
   * @example np.array([1, 2, 3]).flip() // Tensor([3, 2, 1], dtype=float32)
   */
  flip(...axis: [axis?: number | readonly number[] | null | { axis?: number | readonly number[] | null }]): Tensor {
    return np().flip(this, ...axis);
  }
  /** `np.expandDims(this, axis)`. @example np.zeros([3]).expandDims(0).shape // [1, 3] */
  expandDims(...axis: [axis: number]): Tensor {
    return np().expandDims(this, ...axis);
  }
  /**
   * `np.astype(this, dtype)` (float → int32 truncates toward zero).
   * @example np.array([1.7, -1.7]).astype("int32") // Tensor([1, -1], dtype=int32)
   */
  astype(...dtype: [dtype: DType]): Tensor {
    return np().astype(this, ...dtype);
  }
  /**
   * NumPy indexing: a number picks (and drops the axis), `[start?, stop?, step?]` ranges, `null` adds an
   * axis, an int32 tensor gathers; missing trailing entries are whole axes. Differentiable.
   * @example const x = np.arange(6).reshape([2, 3]); x.slice(1) // Tensor([3, 4, 5], dtype=int32)
   * x.slice([], [0, 3, 2]).toArray() // [[0, 2], [3, 5]]
   */
  slice(...idx: Index[]): Tensor {
    return np().slice(this, ...idx);
  }
  /**
   * The slices along the first axis, as NumPy iterates an array, so keys destructure: `const [k1, k2] =
   * random.split(key)`. A 0-d tensor has no iterator (iterating it is JS's TypeError, as NumPy's), which also keeps
   * test libraries that walk iterables from descending into scalars.
   */
  get [Symbol.iterator](): () => Iterator<Tensor> {
    return (this.ndim === 0 ? undefined : iterateFirstAxis) as () => Iterator<Tensor>;
  }
  /**
   * Functional updates as JAX's `.at[]`: `.set(v)`, `.add(v)`, `.mul(v)` return new tensors. Differentiable.
   * @example np.zeros([3]).at(1).set(5) // Tensor([0, 5, 0], dtype=float32)
   */
  at(...idx: Index[]): AtUpdate {
    return np().at(this, ...idx);
  }
}

/** Methods that take nothing say so instead of ignoring what they were given. */
function noArguments(method: string, args: readonly unknown[]): void {
  if (args.length > 0)
    throw new TracegradError(`Tensor.${method}: takes no arguments, got ${args.length}; they would be ignored`);
}

function formatData(t: Tensor): string {
  if (!t._data) return `<traced ${t.aval.toString()}>`;
  const a = t.toArray();
  const rec = (x: Nested, depth: number): string =>
    Array.isArray(x)
      ? `[${x.map((e) => rec(e, depth + 1)).join(depth === t.ndim - 1 ? ", " : `,\n${" ".repeat(8 + depth)}`)}]`
      : formatNumber(Number(x), t.dtype);
  return rec(a, 0);
}

/** Tensor's iterator: the slices along the first axis. */
function* iterateFirstAxis(this: Tensor): Iterator<Tensor> {
  for (let i = 0; i < this.shape[0]!; i++) yield this.slice(i);
}
