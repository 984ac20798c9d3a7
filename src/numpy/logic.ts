// np logic: the elementwise logical functions (any dtype; nonzero is true, NaN included), the any/all reductions,
// and the comparisons of whole arrays, isclose/allclose/arrayEqual, as jax.numpy's.
import { isFloat } from "../core/dtype.js";
import { array, bool, number } from "../core/params.js";
import { normalizeAxes } from "../core/shape.js";
import type { ArrayLike, AxisArg, ReduceOpts, Tensor } from "../core/tensor.js";
import { guard, options } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { asTensor, operands } from "./convert.js";
import { unary } from "./elementwise.js";
import { type Reduction, reduceOptions } from "./reductions.js";

/** `t != 0` (NaN counts as true), or t itself when bool. */
const truth = (t: Tensor): Tensor => (t.dtype === "bool" ? t : lax.ne(t, lax.zerosLike(t)));
const nan = (t: Tensor): Tensor => (isFloat(t.dtype) ? lax.ne(t, t) : lax.full(t.shape, false, "bool"));

export type Binary = (x1: ArrayLike, x2: ArrayLike) => Tensor;
const logical = (op: string, f: (a: Tensor, b: Tensor) => Tensor): Binary =>
  guard(op, [array("x1"), array("x2")], (x1: ArrayLike, x2: ArrayLike): Tensor => {
    const [a, b] = operands(op, [truth(asTensor(x1)), truth(asTensor(x2))]);
    return f(a!, b!);
  });

/**
 * x1 AND x2 as truth values (bool).
 * @example np.logicalAnd([1, 0, 2], [3, 4, 0]) // Tensor([true, false, false], dtype=bool)
 */
export const logicalAnd = logical("np.logicalAnd", lax.and);
/**
 * x1 OR x2 as truth values (bool).
 * @example np.logicalOr([1, 0, 0], [0, 0, 5]) // Tensor([true, false, true], dtype=bool)
 */
export const logicalOr = logical("np.logicalOr", lax.or);
/**
 * x1 XOR x2 as truth values (bool).
 * @example np.logicalXor([1, 0, 2], [0, 0, 3]) // Tensor([true, false, false], dtype=bool)
 */
export const logicalXor = logical("np.logicalXor", lax.xor);
/** NOT x as a truth value (bool). @example np.logicalNot([0, 2, NaN]) // Tensor([true, false, false], dtype=bool) */
export const logicalNot = unary("np.logicalNot", (x) => lax.not(truth(asTensor(x))));

/** A bool reduction: counts the elements where `bad` holds over the axes, true where the count is `zero`. */
function boolReduction(op: string, any: boolean): Reduction {
  return guard<Reduction>(op, [array("x"), reduceOptions], (x: ArrayLike, opts: ReduceOpts): Tensor => {
    const b = truth(asTensor(x));
    const axes = normalizeAxes(op, opts.axis, b.ndim);
    // any: some element true (a nonzero count of trues); all: no element false
    const counted = lax.convertElementType(any ? b : lax.not(b), "int32");
    const n = lax.reduceSum(counted, axes);
    const r = any ? lax.ne(n, lax.zerosLike(n)) : lax.eq(n, lax.zerosLike(n));
    return opts.keepdims
      ? lax.reshape(
          r,
          b.shape.map((s, i) => (axes.includes(i) ? 1 : s)),
        )
      : r;
  });
}
/**
 * Whether any element along `axis` (all axes by default) is nonzero; false for an empty axis.
 * @example np.any([[0, 1], [0, 0]], { axis: 1 }) // Tensor([true, false], dtype=bool)
 */
export const any: (x: ArrayLike, axisOrOpts?: AxisArg) => Tensor = boolReduction("np.any", true);
/**
 * Whether every element along `axis` (all axes by default) is nonzero; true for an empty axis.
 * @example np.all([[1, 1], [0, 1]], { axis: 0, keepdims: true }) // Tensor([[false, true]], dtype=bool)
 */
export const all: (x: ArrayLike, axisOrOpts?: AxisArg) => Tensor = boolReduction("np.all", false);

/** isclose/allclose's tolerances: |a − b| ≤ atol + rtol·|b|, and whether NaN matches NaN. */
export interface CloseOpts {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}
const closeOptions = options({ rtol: number("rtol"), atol: number("atol"), equalNan: bool("equalNan") }, "rtol");

function closeness(op: string, a0: ArrayLike, b0: ArrayLike, o: CloseOpts): Tensor {
  const [a, b] = operands(op, [a0, b0]).map((t) => (isFloat(t.dtype) ? t : lax.convertElementType(t, "float32")));
  const k = (v: number) => lax.fullLike(a!, v);
  const within = lax.le(lax.abs(lax.sub(a!, b!)), lax.add(k(o.atol ?? 1e-8), lax.mul(k(o.rtol ?? 1e-5), lax.abs(b!))));
  const inf = (t: Tensor) => lax.eq(lax.abs(t), lax.fullLike(t, Infinity));
  const [aInf, bInf] = [inf(a!), inf(b!)];
  // infinities are close only to the same infinity; NaN to nothing, unless equalNan and both are NaN
  const finiteClose = lax.and(within, lax.not(lax.or(aInf, bInf)));
  const sameInf = lax.and(lax.and(aInf, bInf), lax.eq(a!, b!));
  const [aNan, bNan] = [nan(a!), nan(b!)];
  const out = lax.and(lax.or(finiteClose, sameInf), lax.not(lax.or(aNan, bNan)));
  return o.equalNan ? lax.or(out, lax.and(aNan, bNan)) : out;
}

/**
 * |a − b| ≤ atol + rtol·|b| elementwise (bool), broadcasting; `rtol = 1e-5`, `atol = 1e-8`, `equalNan = false`, as
 * NumPy; ±∞ are close only to themselves. `rtol` may be given positionally.
 * @example np.isclose([1, 1, NaN], [1 + 1e-7, 1.1, NaN]) // Tensor([true, false, false], dtype=bool)
 * np.isclose([NaN], [NaN], { equalNan: true }) // Tensor([true], dtype=bool)
 */
export const isclose: (a: ArrayLike, b: ArrayLike, opts?: number | CloseOpts) => Tensor = guard(
  "np.isclose",
  [array("a"), array("b"), closeOptions],
  (a: ArrayLike, b: ArrayLike, o: CloseOpts) => closeness("np.isclose", a, b, o),
);
/**
 * Whether `isclose` holds everywhere (a 0-d bool), with its options.
 * @example np.allclose([1, 2], [1, 2 + 1e-6]) // Tensor(true, dtype=bool)
 */
export const allclose: (a: ArrayLike, b: ArrayLike, opts?: number | CloseOpts) => Tensor = guard(
  "np.allclose",
  [array("a"), array("b"), closeOptions],
  (a: ArrayLike, b: ArrayLike, o: CloseOpts) => all(closeness("np.allclose", a, b, o)),
);

/**
 * Whether a1 and a2 have one shape and equal elements (a 0-d bool; no broadcasting). NaN ≠ NaN unless `equalNan`.
 * @example np.arrayEqual([1, 2], [1, 2]) // Tensor(true, dtype=bool)
 * np.arrayEqual([1, 2], [[1, 2]]) // Tensor(false, dtype=bool)
 */
export const arrayEqual: (a1: ArrayLike, a2: ArrayLike, opts?: boolean | { equalNan?: boolean }) => Tensor = guard(
  "np.arrayEqual",
  [array("a1"), array("a2"), options({ equalNan: bool("equalNan") }, "equalNan")],
  (a1: ArrayLike, a2: ArrayLike, o: { equalNan?: boolean }) => {
    const [x, y] = [asTensor(a1), asTensor(a2)];
    if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) return lax.scalar(false, "bool");
    const [a, b] = operands("np.arrayEqual", [x, y]);
    const eq = lax.eq(a!, b!);
    return all(o.equalNan ? lax.or(eq, lax.and(nan(a!), nan(b!))) : eq);
  },
);
