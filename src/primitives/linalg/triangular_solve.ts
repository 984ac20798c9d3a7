// triangular_solve: X with op(a)·X = b (left_side) or X·op(a) = b, where op(a) is a or aᵀ (transpose_a) and a is
// triangular, as JAX's triangular_solve_p on batches [..., m, m] and [..., m, n]. Only a's `lower` (or upper) triangle
// is read, and with unit_diagonal not its diagonal either (taken as ones). Linear in b (its transpose solves with
// op(a)ᵀ); the JVP in a is JAX's: −op(a)⁻¹·∂op(a)·X on the left, −X·∂op(a)·op(a)⁻¹ on the right.
import { ShapedArray } from "../../core/aval.js";
import { fmtShape, ShapeError, TracegradError } from "../../core/errors.js";
import { shapeEq } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import { isUndefined } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { batchedAt, batchSize } from "../batching.js";
import { definePrimitive, rule } from "../define.js";
import { addTangents } from "../elementwise/add.js";
import { neg } from "../elementwise/neg.js";
import { gemm64 } from "./gemm64.js";
import {
  batchCount,
  batchShape,
  checkMatrix,
  formatFlags,
  matmul,
  matrixOf,
  mT,
  orFirst,
  perMatrix,
  sameDType,
  tril,
  triu,
} from "./matrix.js";

export interface TriangularSolveParams {
  left_side: boolean;
  lower: boolean;
  transpose_a: boolean;
  /** Complex conjugation of a: nothing for real dtypes (kept for JAX's signature). */
  conjugate_a: boolean;
  unit_diagonal: boolean;
}

const NAME = "triangular_solve";

function types([a, b]: ShapedArray[], params: TriangularSolveParams) {
  return orFirst(
    [
      checkMatrix(NAME, "a", a, true),
      checkMatrix(NAME, "b", b, false),
      a && b ? sameDType(NAME, a, b) : undefined,
      a && b ? shapesAgree(a, b, params) : undefined,
      flags(params),
    ],
    () => new ShapedArray(b!.shape, b!.dtype),
  );
}

function flags(params: TriangularSolveParams): TracegradError | undefined {
  for (const k of ["left_side", "lower", "transpose_a", "conjugate_a", "unit_diagonal"] as const)
    if (typeof params[k] !== "boolean")
      return new TracegradError(`${NAME}: ${k} must be true or false, got ${String(params[k])}`);
  return undefined;
}

function shapesAgree(a: ShapedArray, b: ShapedArray, { left_side }: TriangularSolveParams) {
  const m = a.shape[a.ndim - 1]!;
  const side = left_side ? b.shape[b.ndim - 2] : b.shape[b.ndim - 1];
  const what = `(a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)}, leftSide ${left_side})`;
  if (a.ndim !== b.ndim || !shapeEq(a.shape.slice(0, -2), b.shape.slice(0, -2)))
    return new ShapeError(`${NAME}: a and b must have the same batch dimensions ${what}`);
  if (side !== m)
    return new ShapeError(
      `${NAME}: b's ${left_side ? "rows" : "columns"} (${side}) must match a's size (${m}) ${what}`,
    );
  return undefined;
}

/**
 * Solves in float64, one matrix at a time. Every case becomes one canonical problem, L·W = B′ with L lower triangular
 * k × k and W k × rhs row-major: op(a) (left side) or op(a)ᵀ (right side), with rows and columns reversed where it is
 * upper triangular, and b's right-hand sides (its columns on the left side, its rows on the right) as W's columns.
 */
function solve([a, b]: Tensor[], p: TriangularSolveParams, out: ShapedArray): Tensor {
  const [m, n] = b!.shape.slice(-2) as [number, number];
  const k = a!.shape[a!.ndim - 1]!;
  // T(i, j) = a[i][j] or a[j][i]: op(a) on the left, op(a)ᵀ on the right
  const swap = p.left_side === p.transpose_a;
  const flip = p.lower === swap; // T upper triangular: reverse its order
  const rhs = p.left_side ? n : m;
  const [rStride, eStride] = p.left_side ? [1, n] : [n, 1]; // b/x offset of rhs r and of its element i
  const l = new Float64Array(k * k);
  const w = new Float64Array(k * rhs);
  return perMatrix(batchCount(b!.shape), [out], [m * n], (bi, [x]) => {
    const A = matrixOf(a!, bi, k, k);
    const B = matrixOf(b!, bi, m, n);
    for (let i = 0; i < k; i++) {
      const ti = flip ? k - 1 - i : i;
      for (let j = 0; j <= i; j++) {
        const tj = flip ? k - 1 - j : j;
        l[i * k + j] = swap ? A[tj * k + ti]! : A[ti * k + tj]!;
      }
      for (let r = 0; r < rhs; r++) w[i * rhs + r] = B[r * rStride + ti * eStride]!;
    }
    lowerSolve(l, w, k, rhs, p.unit_diagonal);
    for (let i = 0; i < k; i++) {
      const ti = flip ? k - 1 - i : i;
      for (let r = 0; r < rhs; r++) x![r * rStride + ti * eStride] = w[i * rhs + r]!;
    }
  })[0]!;
}

/** Rows per block of the blocked substitution, and the size from which it runs (with enough right-hand sides). */
const NB = 64;
const BLOCKED_FROM = 2 * NB;

/**
 * W ← L⁻¹·W in place, L lower triangular k × k (its diagonal taken as ones if `unit`), W k × rhs row-major. Forward
 * substitution by rows of W; from BLOCKED_FROM rows (and 8 right-hand sides), left-looking by blocks of NB rows, each
 * first less L's block row left of the diagonal times the rows solved before it, in gemm64.
 */
function lowerSolve(l: Float64Array, w: Float64Array, k: number, rhs: number, unit: boolean): void {
  const blocked = k >= BLOCKED_FROM && rhs >= 8;
  const left = blocked ? new Float64Array(NB * k) : undefined;
  const prod = blocked ? new Float64Array(NB * rhs) : undefined;
  for (let i0 = 0; i0 < k; i0 += blocked ? NB : k) {
    const i1 = blocked ? Math.min(k, i0 + NB) : k;
    if (i0 > 0) {
      for (let i = i0; i < i1; i++) left!.set(l.subarray(i * k, i * k + i0), (i - i0) * i0);
      gemm64(left!.subarray(0, (i1 - i0) * i0), i0, w.subarray(0, i0 * rhs), rhs, 1, i1 - i0, i0, rhs, prod!);
      for (let q = 0, o = i0 * rhs; q < (i1 - i0) * rhs; q++, o++) w[o] = w[o]! - prod![q]!;
    }
    for (let i = i0; i < i1; i++) {
      const ri = i * rhs;
      for (let j = i0; j < i; j++) {
        const t = l[i * k + j]!;
        const rj = j * rhs;
        for (let r = 0; r < rhs; r++) w[ri + r] = w[ri + r]! - t * w[rj + r]!;
      }
      if (!unit) {
        const d = l[i * k + i]!;
        for (let r = 0; r < rhs; r++) w[ri + r] = w[ri + r]! / d;
      }
    }
  }
}

export const triangularSolveP = definePrimitive<TriangularSolveParams>({
  name: NAME,
  abstractEval: types,
  impl: solve,
  freshOutputs: true,
  formatParams: formatFlags,
  ad: rule(
    ([ta, tb], [a, b], x, params) => {
      const fromB = tb ? triangularSolve(a!, tb, params) : null;
      return addTangents(fromB, ta ? tangentFromA(ta, a!, b!, x, params) : null);
    },
    (ct, [a, b], params) => {
      if (isUndefined(a!) || !isUndefined(b!))
        throw new TracegradError(`${NAME}: transposed only in b (it is not linear in a)`);
      return [null, triangularSolve(a as Tensor, ct, { ...params, transpose_a: !params.transpose_a })];
    },
  ),
  // both operands batched at axis 0 (an unbatched one broadcast): the batch is one more leading dimension
  batch: ([a, b], [da, db], params, self) => {
    const size = batchSize([a!, b!], [da!, db!]);
    return [bind1(self, [batchedAt(a!, da!, 0, size), batchedAt(b!, db!, 0, size)], params), 0];
  },
  testing: {
    sample: (choose) => {
      const batch = batchShape(choose);
      const [m, n] = [1 + choose(3), 1 + choose(3)];
      const left_side = choose(2) === 0;
      const params: TriangularSolveParams = {
        left_side,
        lower: choose(2) === 0,
        transpose_a: choose(2) === 0,
        conjugate_a: false,
        unit_diagonal: choose(4) === 0,
      };
      const k = left_side ? m : n;
      return {
        avals: [new ShapedArray([...batch, k, k], "float64"), new ShapedArray([...batch, m, n], "float64")],
        params,
      };
    },
    // a's diagonal away from zero (and off-diagonal entries no larger than twice it): well conditioned
    domain: [
      [1, 2],
      [-2, 2],
    ],
  },
});

/** JAX's tangent from a's tangent: the read triangle of −∂a, through op, times X from the solving side. */
function tangentFromA(ta: Tensor, a: Tensor, b: Tensor, x: Tensor, params: TriangularSolveParams): Tensor {
  const { left_side, lower, transpose_a, unit_diagonal } = params;
  const k = unit_diagonal ? 1 : 0;
  let g = lower ? tril(ta, -k as 0 | -1) : triu(ta, k as 0 | 1);
  g = neg(g);
  if (transpose_a) g = mT(g);
  const inv = (rhs: Tensor) => triangularSolve(a, rhs, params);
  const [m, n] = b.shape.slice(-2) as [number, number];
  // the cheaper order: a solve costs about as much as a product
  if (left_side) return m > n ? inv(matmul(g, x)) : matmul(inv(g), x);
  return m < n ? inv(matmul(x, g)) : matmul(x, inv(g));
}

/** Solves op(a)·X = b (leftSide) or X·op(a) = b for triangular a. */
export const triangularSolve = (a: Tensor, b: Tensor, params: TriangularSolveParams): Tensor =>
  bind1(triangularSolveP, [a, b], params);
