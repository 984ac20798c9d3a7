// dot, matmul and outer with NumPy semantics, lowered to dot_general.
import { fmtShape, ShapeError } from "../core/errors.js";
import { array } from "../core/params.js";
import { broadcastShapes } from "../core/shape.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { broadcastTo, promoted } from "./convert.js";
import { multiply } from "./elementwise.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const numeric = (t: Tensor) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

/**
 * Matrix product with NumPy's rules: batch dims broadcast, 1-D operands are promoted then squeezed.
 * @example np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])).shape // [5, 2, 4]
 */
export const matmul: (x: ArrayLike, y: ArrayLike) => Tensor = guard("np.matmul", [array("x"), array("y")], matmulImpl);
function matmulImpl(x: ArrayLike, y: ArrayLike): Tensor {
  const [a0, b0] = promoted([x, y]);
  let a = numeric(a0!);
  let b = numeric(b0!);
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(
      `np.matmul: operands must be at least 1-D, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; use ` +
        `np.multiply for scalars`,
    );
  const aVec = a.ndim === 1;
  const bVec = b.ndim === 1;
  if (aVec) a = lax.reshape(a, [1, a.shape[0]!]);
  if (bVec) b = lax.reshape(b, [b.shape[0]!, 1]);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) {
    throw new ShapeError(
      `np.matmul: shapes ${fmtShape(a0!.shape)} and ${fmtShape(b0!.shape)} are not aligned: the contracted axes ` +
        `have sizes ${k} and ${k2}`,
    );
  }
  const batch = broadcastShapes(
    `np.matmul of ${fmtShape(a0!.shape)} and ${fmtShape(b0!.shape)} (batch dimensions)`,
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  a = broadcastTo(a, [...batch, m, k]);
  b = broadcastTo(b, [...batch, k, n]);
  const nb = batch.length;
  let r = lax.dotGeneral(a, b, [
    [[nb + 1], [nb]],
    [range(nb), range(nb)],
  ]);
  if (aVec || bVec) r = lax.reshape(r, [...batch, ...(aVec ? [] : [m]), ...(bVec ? [] : [n])]);
  return r;
}

/**
 * NumPy `dot`: scalars multiply, 1-D·1-D is the inner product, otherwise contract the last axis of x
 * with the second-to-last of y (the last if y is 1-D).
 * @example np.dot([1, 2], [3, 4]) // Tensor(11, dtype=float32)
 * np.dot(np.ones([2, 3, 4]), np.ones([5, 4, 6])).shape // [2, 3, 5, 6]
 */
export const dot: (x: ArrayLike, y: ArrayLike) => Tensor = guard("np.dot", [array("x"), array("y")], dotImpl);
function dotImpl(x: ArrayLike, y: ArrayLike): Tensor {
  const [a, b] = promoted([x, y]) as [Tensor, Tensor];
  if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
  const ka = a.ndim - 1;
  const kb = b.ndim === 1 ? 0 : b.ndim - 2;
  if (a.shape[ka] !== b.shape[kb]) {
    throw new ShapeError(
      `np.dot: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned: axis ${ka} of the first has ` +
        `size ${a.shape[ka]}, axis ${kb} of the second has ${b.shape[kb]}`,
    );
  }
  return lax.dotGeneral(numeric(a), numeric(b), [
    [[ka], [kb]],
    [[], []],
  ]);
}

/** Outer product of the flattened operands. @example np.outer([1, 2], [1, 10]).toArray() // [[1, 10], [2, 20]] */
export const outer: (x: ArrayLike, y: ArrayLike) => Tensor = guard("np.outer", [array("x"), array("y")], outerImpl);
function outerImpl(x: ArrayLike, y: ArrayLike): Tensor {
  const [a, b] = promoted([x, y]) as [Tensor, Tensor];
  return multiply(lax.reshape(a, [a.size, 1]), lax.reshape(b, [1, b.size]));
}
