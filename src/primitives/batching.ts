// Shared vmap machinery for primitive rules: moving and inserting batch axes, and the rule families.
// Imports no primitive (primitive modules name these families while the module graph initialises);
// the two operations it applies are installed by lax.ts.
import type { Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tensor.js";
import { bind1 } from "../core/trace.js";

interface BatchingOps {
  transpose(x: Tensor, permutation: readonly number[]): Tensor;
  broadcastInDim(x: Tensor, shape: readonly number[], dims: readonly number[]): Tensor;
}
let ops: BatchingOps | undefined;
/** @internal Called once by lax.ts. */
export const installBatchingOps = (o: BatchingOps): void => {
  ops = o;
};
const transpose = (x: Tensor, p: readonly number[]) => ops!.transpose(x, p);
const broadcastInDim = (x: Tensor, s: readonly number[], d: readonly number[]) => ops!.broadcastInDim(x, s, d);

/** `x` with axis `from` moved to position `to`. */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const order = x.shape.map((_, i) => i).filter((i) => i !== from);
  order.splice(to, 0, from);
  return transpose(x, order);
}

/** The batch size, read off the first batched argument. */
export const batchSize = (args: readonly Tensor[], dims: readonly (number | null)[]): number => {
  const i = dims.findIndex((d) => d !== null);
  return args[i]!.shape[dims[i]!]!;
};

/** `x` (unbatched, or batched at `d`) as a tensor batched at axis `to`, broadcasting when unbatched. */
export function batchedAt(x: Tensor, d: number | null, to: number, size: number): Tensor {
  if (d !== null) return moveAxis(x, d, to);
  const shape = [...x.shape];
  shape.splice(to, 0, size);
  return broadcastInDim(
    x,
    shape,
    x.shape.map((_, i) => (i < to ? i : i + 1)),
  );
}

/** Elementwise primitives: line every operand's batch axis up with the first one's and apply once. */
export function vectorized<P>(
  args: Tensor[],
  dims: (number | null)[],
  params: P,
  self: Primitive<P>,
): [Tensor, number | null] {
  const d = dims.find((x) => x !== null)!;
  const size = batchSize(args, dims);
  return [
    bind1(
      self,
      args.map((a, i) => batchedAt(a, dims[i]!, d, size)),
      params,
    ),
    d,
  ];
}

/** Primitives over `axes` of one operand (reductions, argmax): batch axis first, axes shifted past it. */
export function reduceBatch<P extends { axes: readonly number[] }>(
  args: Tensor[],
  dims: (number | null)[],
  params: P,
  self: Primitive<P>,
): [Tensor, number | null] {
  const x = moveAxis(args[0]!, dims[0]!, 0);
  return [bind1(self, [x], { ...params, axes: params.axes.map((a) => a + 1) }), 0];
}
