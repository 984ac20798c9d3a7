// pad: surrounds the operand with `lo`/`hi` copies of a scalar and puts `interior` copies between elements (linear).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { definePrimitive, isUndefined } from "../../core/primitive.js";
import { stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../core/trace.js";
import { data, stridedMove } from "../kernels.js";
import { randomShape } from "../rules.js";
import { add, broadcastInDim, mul, reduceSum, scalar, slice, sub, zerosLike } from "../lax.js";
import { batchSize, batchedAt } from "../batching.js";

/** Per axis: [lo, hi, interior], all ≥ 0. */
export interface PadParams {
  padding_config: readonly (readonly [number, number, number])[];
}

const paddedSize = (n: number, [lo, hi, interior]: readonly [number, number, number]) =>
  lo + hi + n + Math.max(0, n - 1) * interior;

export const padP = definePrimitive<PadParams>({
  name: "pad",
  abstractEval: ([x, v], { padding_config: cfg }) => {
    if (!v || v.ndim !== 0) return E.left(new ShapeError("pad: the padding value must be a scalar"));
    if (v.dtype !== x!.dtype)
      return E.left(new DTypeError(`pad: padding value dtype ${v.dtype} differs from operand dtype ${x!.dtype}`));
    if (cfg.length !== x!.ndim || cfg.some((c) => c.some((k) => !Number.isInteger(k) || k < 0))) {
      return E.left(
        new ShapeError(
          `pad: padding_config ${JSON.stringify(cfg)} needs one [lo, hi, interior] of whole numbers ≥ 0 per axis of shape ${fmtShape(x!.shape)}`,
        ),
      );
    }
    return E.right(
      new ShapedArray(
        x!.shape.map((n, i) => paddedSize(n, cfg[i]!)),
        x!.dtype,
      ),
    );
  },
  impl: ([x, v], { padding_config: cfg }, out) => {
    const dst = allocate(out.dtype, out.size).fill(data(v!)[0]!);
    const os = stridesOf(out.shape);
    const offset = cfg.reduce((o, [lo], i) => o + lo * os[i]!, 0);
    stridedMove(
      data(x!),
      stridesOf(x!.shape),
      0,
      dst,
      os.map((s, i) => s * (cfg[i]![2] + 1)),
      offset,
      x!.shape,
    );
    return Tensor._of(dst, out.shape, out.dtype);
  },
  jvp: ([tx, tv], [x, v], _, { padding_config }) => pad(tx ?? zerosLike(x!), tv ?? zerosLike(v!), padding_config), // linear in both
  // the operand's cotangent is the strided slice it was placed at; the padding value's is the rest of the sum
  transpose: (ct, [x, v], { padding_config: cfg }) => {
    const n = x!.aval.shape;
    const tx = slice(
      ct,
      cfg.map(([lo]) => lo),
      cfg.map(([lo, , interior], i) => lo + Math.max(0, n[i]! - 1) * (interior + 1) + (n[i]! > 0 ? 1 : 0)),
      cfg.map(([, , interior]) => interior + 1),
    );
    const all = ct.shape.map((_, i) => i);
    return [isUndefined(x!) ? tx : null, isUndefined(v!) ? sub(reduceSum(ct, all), reduceSum(tx, all)) : null];
  },
  // a batched padding value: pad with 0, then add the value where the padding is
  batch: ([x, v], [dx, dv], { padding_config: cfg }) => {
    const size = batchSize([x!, v!], [dx!, dv!]);
    const xb = batchedAt(x!, dx!, 0, size);
    const cfg1 = [[0, 0, 0] as const, ...cfg];
    if (dv === null) return [pad(xb, v!, cfg1), 0];
    const zero = scalar(0, xb.dtype);
    const where = pad(zerosLike(xb), scalar(1, xb.dtype), cfg1);
    const vb = broadcastInDim(batchedAt(v!, dv!, 0, size), where.shape, [0]);
    return [add(pad(xb, zero, cfg1), mul(where, vb)), 0];
  },
  testing: {
    sample: (choose) => {
      const shape = randomShape(choose);
      const cfg = shape.map(() => [choose(3), choose(3), choose(2)] as const);
      return {
        avals: [new ShapedArray(shape, "float64"), new ShapedArray([], "float64")],
        params: { padding_config: cfg },
      };
    },
  },
});

/** Skips the identity pad (all zeros). */
export const pad = (x: Tensor, value: Tensor, config: readonly (readonly [number, number, number])[]): Tensor =>
  config.length === x.ndim && config.every((c) => c.every((k) => k === 0))
    ? x
    : bind1(padP, [x, value], { padding_config: config.map((c) => [...c] as const) });
