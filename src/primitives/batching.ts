// Shared vmap machinery for primitive rules: inserting and lining up batch axes, and the elementwise family
// (moveAxis is in structure/transpose.ts, the reductions' family in reduce/axes.ts).
import type { Tensor } from "../core/tensor.js";
import type { Primitive } from "../ir/jaxpr.js";
import { bind1 } from "../ir/trace.js";
import { broadcastInDim } from "./structure/broadcast_and_sum.js";
import { moveAxis } from "./structure/transpose.js";

export { moveAxis } from "./structure/transpose.js";

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
