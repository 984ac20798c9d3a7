// Tensor: the one array type users see; concrete (TypedArray data) or, as the Tracer subclass, traced.
import { ShapedArray } from "./aval.js";
import { type DType, type TypedArray, allocate, formatNumber } from "./dtype.js";
import { ShapeError, TracegradError, fmtShape } from "./errors.js";
import type { Shape } from "./shape.js";

/** Anything a tensor-taking function accepts. */
export type ArrayLike = Tensor | number | boolean | NestedNumbers | ArrayLikeTyped;
type ArrayLikeTyped = Float32Array | Float64Array | Int32Array | Uint8Array;
export type NestedNumbers = readonly (number | boolean | Tensor | NestedNumbers)[];

/** Nested JS arrays as `toArray` returns them. */
export type Nested = number | boolean | Nested[];

/** One index entry: a position, a range `[start?, stop?, step?]`, `null` (new axis), or int32 indices. */
export type Index = number | readonly (number | null | undefined)[] | null | Tensor;

/** JAX's `x.at[idx]`: functional updates that return new tensors. */
export interface AtUpdate {
  /** Indexed positions replaced by `v` (broadcast); with repeated indices the last one wins, as NumPy. */
  set(v: ArrayLike): Tensor;
  /** `v` added at the indexed positions (repeated indices add repeatedly). */
  add(v: ArrayLike): Tensor;
  /** Indexed positions multiplied by `v` (repeated indices multiply repeatedly). */
  mul(v: ArrayLike): Tensor;
}

/** Options for reductions. */
export interface ReduceOpts {
  axis?: number | readonly number[];
  keepdims?: boolean;
}

/** The methods `Tensor` forwards to the `np` layer; installed by it to break the import cycle. */
export interface TensorOps {
  add(a: ArrayLike, b: ArrayLike): Tensor;
  subtract(a: ArrayLike, b: ArrayLike): Tensor;
  multiply(a: ArrayLike, b: ArrayLike): Tensor;
  divide(a: ArrayLike, b: ArrayLike): Tensor;
  power(a: ArrayLike, b: ArrayLike): Tensor;
  negative(a: ArrayLike): Tensor;
  exp(a: ArrayLike): Tensor;
  log(a: ArrayLike): Tensor;
  sin(a: ArrayLike): Tensor;
  cos(a: ArrayLike): Tensor;
  tanh(a: ArrayLike): Tensor;
  sqrt(a: ArrayLike): Tensor;
  abs(a: ArrayLike): Tensor;
  sum(a: ArrayLike, o?: ReduceOpts): Tensor;
  mean(a: ArrayLike, o?: ReduceOpts): Tensor;
  max(a: ArrayLike, o?: ReduceOpts): Tensor;
  min(a: ArrayLike, o?: ReduceOpts): Tensor;
  reshape(a: ArrayLike, shape: readonly number[]): Tensor;
  transpose(a: ArrayLike, axes?: readonly number[]): Tensor;
  matmul(a: ArrayLike, b: ArrayLike): Tensor;
  astype(a: ArrayLike, dtype: DType): Tensor;
  index(a: ArrayLike, idx: readonly Index[]): Tensor;
  at(a: ArrayLike, idx: readonly Index[]): AtUpdate;
}

let ops: TensorOps | undefined;
/** @internal */
export function installTensorOps(o: TensorOps): void {
  ops = o;
}
function np(): TensorOps {
  if (!ops) throw new TracegradError("tracegrad: tensor methods used before the np layer was loaded; import from 'tracegrad'");
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
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
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

  /** Nested JS arrays (a plain number or boolean for a 0-d tensor). */
  toArray(): Nested {
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

  /** The number (or boolean) of a size-1 tensor. */
  item(): number | boolean {
    const t = this._concrete("item()");
    if (t.size !== 1) {
      throw new ShapeError(`item(): needs a tensor with exactly one element, got shape ${fmtShape(t.shape)}; index or reduce it first (e.g. .sum())`);
    }
    return t.dtype === "bool" ? t._data![0] !== 0 : t._data![0]!;
  }

  /** A copy of the data in row-major order. */
  toTypedArray(): TypedArray {
    return this._concrete("toTypedArray()")._data!.slice();
  }

  /** NumPy-like text, e.g. `Tensor([1, 2, 3], dtype=float32)`. */
  toString(): string {
    return `Tensor(${formatData(this)}, dtype=${this.dtype})`;
  }

  /** `console.log(t)` in Node prints what `String(t)` does (a plain symbol key, so browsers are unaffected). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** JS conversions (`Number(t)`, `t > 0`, `+t`) as in JAX: the value of a concrete size-1 tensor. */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    if (hint === "default" && this._data === null) {
      throw new TracegradError(
        `JS '+' or '==' on a traced ${this.aval.toString()} tensor would turn it into a plain number and cut it out of the computation; ` +
          `use x.add(y) or np.add, np.equal(x, y), or +x === v for a control-flow test`,
      );
    }
    const t = this._concrete(hint === "number" ? "Number(t) / comparison" : "a JS conversion");
    if (t.size !== 1) {
      if (hint === "default") return this.toString(); // "x = " + t
      throw new ShapeError(
        `converting a tensor of shape ${fmtShape(t.shape)} to a JS number is ambiguous; ` +
          `use .item() on a size-1 tensor, a reduction such as .sum(), or np functions such as np.greater for elementwise comparisons`,
      );
    }
    return Number(t._data![0]);
  }

  add(y: ArrayLike): Tensor { return np().add(this, y); }
  sub(y: ArrayLike): Tensor { return np().subtract(this, y); }
  mul(y: ArrayLike): Tensor { return np().multiply(this, y); }
  div(y: ArrayLike): Tensor { return np().divide(this, y); }
  pow(y: ArrayLike): Tensor { return np().power(this, y); }
  neg(): Tensor { return np().negative(this); }
  exp(): Tensor { return np().exp(this); }
  log(): Tensor { return np().log(this); }
  sin(): Tensor { return np().sin(this); }
  cos(): Tensor { return np().cos(this); }
  tanh(): Tensor { return np().tanh(this); }
  sqrt(): Tensor { return np().sqrt(this); }
  abs(): Tensor { return np().abs(this); }
  sum(opts?: ReduceOpts): Tensor { return np().sum(this, opts); }
  mean(opts?: ReduceOpts): Tensor { return np().mean(this, opts); }
  max(opts?: ReduceOpts): Tensor { return np().max(this, opts); }
  min(opts?: ReduceOpts): Tensor { return np().min(this, opts); }
  reshape(shape: readonly number[]): Tensor { return np().reshape(this, shape); }
  transpose(axes?: readonly number[]): Tensor { return np().transpose(this, axes); }
  matmul(y: ArrayLike): Tensor { return np().matmul(this, y); }
  astype(dtype: DType): Tensor { return np().astype(this, dtype); }
  /**
   * NumPy indexing: a number picks (and drops the axis), `[start?, stop?, step?]` ranges, `null` adds an
   * axis, an int32 tensor gathers; missing trailing entries are whole axes. Differentiable.
   * @example x.slice(0, [1, null, 2]) // x[0, 1::2]
   */
  slice(...idx: Index[]): Tensor { return np().index(this, idx); }
  /** Functional updates as JAX's `.at[]`: `x.at(0).set(5)`, `.add(v)`, `.mul(v)`. */
  at(...idx: Index[]): AtUpdate { return np().at(this, idx); }
}

function formatData(t: Tensor): string {
  if (!t._data) return `<traced ${t.aval.toString()}>`;
  const a = t.toArray();
  const rec = (x: Nested, depth: number): string =>
    Array.isArray(x) ? `[${x.map((e) => rec(e, depth + 1)).join(depth === t.ndim - 1 ? ", " : ",\n" + " ".repeat(8 + depth))}]` : formatNumber(Number(x), t.dtype);
  return rec(a, 0);
}
