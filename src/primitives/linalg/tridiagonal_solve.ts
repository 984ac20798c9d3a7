// tridiagonal_solve: X with A·X = b for each tridiagonal A of a batch, as JAX's tridiagonal_solve_p: A's sub-, main
// and super-diagonals dl, d, du [..., m] (A[i][i−1] = dl[i], A[i][i] = d[i], A[i][i+1] = du[i]; dl[0] and du[m−1]
// are not read), b [..., m, n]. Gaussian elimination with partial pivoting between neighbouring rows in float64
// (LAPACK's dgtsv, which JAX calls on CPU); a zero pivot (A singular) makes that system's solution NaN, as JAX.
// Linear in b (its transpose solves with Aᵀ: dl and du swapped and shifted); the JVP is JAX's: Ẋ = A⁻¹·(ḃ − Ȧ·X).
import { ShapedArray } from "../../core/aval.js";
import { isFloat } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { shapeEq } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { scalar, zerosLike } from "../constants.js";
import { definePrimitive, rule } from "../define.js";
import { addTangents } from "../elementwise/add.js";
import { mul } from "../elementwise/mul.js";
import { neg } from "../elementwise/neg.js";
import { data } from "../kernels.js";
import type { NoParams } from "../shape_rules.js";
import { broadcastInDim } from "../structure/broadcast_and_sum.js";
import { pad, slice } from "../structure/slice_and_pad.js";
import { batchCount, batchShape, checkMatrix, orFirst, perMatrix, sameDType } from "./matrix.js";

const NAME = "tridiagonal_solve";

function types([dl, d, du, b, ...rest]: ShapedArray[]) {
  const diag = (what: string, x: ShapedArray | undefined) => {
    if (!x) return new ShapeError(`${NAME}: missing operand ${what}`);
    if (!isFloat(x.dtype))
      return new DTypeError(`${NAME}: ${what} must be float32 or float64, got ${x.dtype}; convert with astype first`);
    return b && !shapeEq(x.shape, b.shape.slice(0, -1))
      ? new ShapeError(
          `${NAME}: ${what} must have shape [..., m] matching b [..., m, n] without its last axis, got ${what} ` +
            `${fmtShape(x.shape)} and b ${fmtShape(b.shape)}`,
        )
      : undefined;
  };
  return orFirst(
    [
      rest.length > 0 ? new TracegradError(`${NAME}: takes four operands, got ${rest.length + 4}`) : undefined,
      checkMatrix(NAME, "b", b, false),
      diag("dl", dl),
      diag("d", d),
      diag("du", du),
      ...[dl, d, du].map((x) => (x && b ? sameDType(NAME, x, b) : undefined)),
    ],
    () => new ShapedArray(b!.shape, b!.dtype),
  );
}

/**
 * Solves one m×m tridiagonal system for the n columns of `x` (row-major m×n, overwritten with the solution), as
 * LAPACK's dgtsv: `sub` (m − 1: sub[i] = A[i+1][i]), `diag` (m) and `sup` (m − 1: sup[i] = A[i][i+1]) are
 * overwritten; a row swap brings a second superdiagonal into `sub`. False when a pivot is zero (A singular).
 */
export function gtsv(sub: Float64Array, diag: Float64Array, sup: Float64Array, x: Float64Array, m: number, n: number) {
  for (let i = 0; i < m - 1; i++) {
    if (Math.abs(diag[i]!) >= Math.abs(sub[i]!)) {
      // no interchange: eliminate sub[i] with row i
      if (diag[i] === 0) return false;
      const f = sub[i]! / diag[i]!;
      diag[i + 1] = diag[i + 1]! - f * sup[i]!;
      for (let c = 0; c < n; c++) x[(i + 1) * n + c] = x[(i + 1) * n + c]! - f * x[i * n + c]!;
      sub[i] = 0;
    } else {
      // interchange rows i and i+1, then eliminate
      const f = diag[i]! / sub[i]!;
      diag[i] = sub[i]!;
      const t = diag[i + 1]!;
      diag[i + 1] = sup[i]! - f * t;
      if (i < m - 2) {
        sub[i] = sup[i + 1]!;
        sup[i + 1] = -f * sub[i]!;
      }
      sup[i] = t;
      for (let c = 0; c < n; c++) {
        const u = x[i * n + c]!;
        x[i * n + c] = x[(i + 1) * n + c]!;
        x[(i + 1) * n + c] = u - f * x[(i + 1) * n + c]!;
      }
    }
  }
  if (diag[m - 1] === 0) return false;
  // back substitution with the upper band (diag, sup, and the fill-in kept in sub)
  for (let c = 0; c < n; c++) {
    x[(m - 1) * n + c] = x[(m - 1) * n + c]! / diag[m - 1]!;
    if (m > 1) x[(m - 2) * n + c] = (x[(m - 2) * n + c]! - sup[m - 2]! * x[(m - 1) * n + c]!) / diag[m - 2]!;
    for (let i = m - 3; i >= 0; i--)
      x[i * n + c] = (x[i * n + c]! - sup[i]! * x[(i + 1) * n + c]! - sub[i]! * x[(i + 2) * n + c]!) / diag[i]!;
  }
  return true;
}

function solve([dl, d, du, b]: Tensor[], out: ShapedArray): Tensor {
  const [m, n] = b!.shape.slice(-2) as [number, number];
  const [dlData, dData, duData, bData] = [data(dl!), data(d!), data(du!), data(b!)];
  return perMatrix(batchCount(b!.shape), [out], [m * n], (bi, [x]) => {
    const sub = new Float64Array(Math.max(m - 1, 0));
    const sup = new Float64Array(Math.max(m - 1, 0));
    const diag = new Float64Array(m);
    for (let i = 0; i < m; i++) diag[i] = dData[bi * m + i]!;
    for (let i = 0; i < m - 1; i++) {
      sub[i] = dlData[bi * m + i + 1]!;
      sup[i] = duData[bi * m + i]!;
    }
    for (let i = 0; i < m * n; i++) x![i] = bData[bi * m * n + i]!;
    if (!gtsv(sub, diag, sup, x!, m, n)) x!.fill(Number.NaN);
  })[0]!;
}

/** The vector [..., m] shifted by one along its last axis: `up` gives v[i+1] at i (0 at the end), else v[i−1]. */
function shifted(v: Tensor, up: boolean): Tensor {
  const nd = v.ndim;
  const m = v.shape[nd - 1]!;
  if (m === 1) return zerosLike(v);
  const start = new Array<number>(nd).fill(0);
  if (up) start[nd - 1] = 1;
  const limit = [...v.shape.slice(0, -1), up ? m : m - 1];
  const keep = v.shape.slice(0, -1).map(() => [0, 0, 0] as const);
  return pad(slice(v, start, limit), scalar(0, v.dtype), [...keep, up ? [0, 1, 0] : [1, 0, 0]]);
}

/** The rows [..., m, n] of x shifted by one (as `shifted`). */
function shiftedRows(x: Tensor, up: boolean): Tensor {
  const nd = x.ndim;
  const [m, n] = x.shape.slice(-2) as [number, number];
  if (m === 1) return zerosLike(x);
  const start = new Array<number>(nd).fill(0);
  if (up) start[nd - 2] = 1;
  const limit = [...x.shape.slice(0, -2), up ? m : m - 1, n];
  const keep = x.shape.slice(0, -2).map(() => [0, 0, 0] as const);
  return pad(slice(x, start, limit), scalar(0, x.dtype), [...keep, up ? [0, 1, 0] : [1, 0, 0], [0, 0, 0]]);
}

/** Ȧ·x for the tridiagonal Ȧ of the tangents (dl̇, ḋ, du̇), absent ones zero (JAX's _tridiagonal_product). */
function tridiagonalProduct(dl: Tensor | null, d: Tensor | null, du: Tensor | null, x: Tensor): Tensor | null {
  const nd = x.ndim;
  const col = (v: Tensor) =>
    broadcastInDim(
      v,
      x.shape,
      Array.from({ length: nd - 1 }, (_, i) => i),
    );
  // row i: dl[i]·x[i−1] + d[i]·x[i] + du[i]·x[i+1], the rows shifted in being zero (so dl[0] and du[m−1] meet 0)
  let y: Tensor | null = d ? mul(col(d), x) : null;
  if (dl) y = addTangents(y, mul(col(dl), shiftedRows(x, false)));
  if (du) y = addTangents(y, mul(col(du), shiftedRows(x, true)));
  return y;
}

export const tridiagonalSolveP = definePrimitive<NoParams>({
  name: NAME,
  abstractEval: types,
  impl: (args, _, out) => solve(args, out),
  freshOutputs: true,
  ad: rule(
    ([tdl, td, tdu, tb], [dl, d, du], x) => {
      const dax = tdl || td || tdu ? tridiagonalProduct(tdl ?? null, td ?? null, tdu ?? null, x) : null;
      const rhs = addTangents(tb ?? null, dax ? neg(dax) : null);
      return rhs ? tridiagonalSolve(dl!, d!, du!, rhs) : null;
    },
    (ct, [dl, d, du, b]) => {
      if ([dl, d, du].some((v) => isUndefined(v!)) || !isUndefined(b!))
        throw new TracegradError(`${NAME}: transposed only in b (it is not linear in dl, d, du)`);
      // Aᵀ: its sub-diagonal is du shifted down, its super-diagonal dl shifted up
      const [tl, td, tu] = [dl, d, du] as Tensor[];
      return [null, null, null, tridiagonalSolve(shifted(tu!, false), td!, shifted(tl!, true), ct)];
    },
  ),
  // every operand batched at axis 0 (an unbatched one broadcast): the batch is one more leading dimension
  batch: (args, dims, params, self) => {
    const size = batchSize(args, dims);
    return [
      bind1(
        self,
        args.map((a, i) => batchedAt(a, dims[i]!, 0, size)),
        params,
      ),
      0,
    ];
  },
  testing: {
    sample: (choose) => {
      const batch = batchShape(choose);
      const [m, n] = [1 + choose(3), 1 + choose(3)];
      const v = new ShapedArray([...batch, m], "float64");
      return { avals: [v, v, v, new ShapedArray([...batch, m, n], "float64")], params: {} };
    },
    // diagonally dominant: well conditioned
    domain: [
      [-1, 1],
      [2.5, 4],
      [-1, 1],
      [-2, 2],
    ],
  },
});

/** Solves A·X = b for the tridiagonal A with sub-, main and super-diagonals dl, d, du (dl[0], du[m−1] unread). */
export const tridiagonalSolve = (dl: Tensor, d: Tensor, du: Tensor, b: Tensor): Tensor =>
  bind1(tridiagonalSolveP, [dl, d, du, b], {});
