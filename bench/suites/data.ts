// Seeded data for the benchmark suites: every run, and every case within a run, sees the same numbers.
import { np, type Tensor, tree } from "tracegrad";
import { mulberry32 } from "../../src/core/random.js";

export { mulberry32 };

/** An f32 tensor of N(0, std²) samples (Box–Muller) from its own seed. */
export function normal(seed: number, shape: number[], std = 1): Tensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(
    { length: n },
    () => std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()),
  );
  return np.reshape(np.array(data), shape);
}

/** max |a − b| over the leaves of two pytrees of the same structure. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  const la = tree.leaves(a) as Tensor[];
  const lb = tree.leaves(b) as Tensor[];
  if (la.length !== lb.length) return Infinity;
  return Math.max(
    ...la.map((t, i) => (t.shape.join() === lb[i]!.shape.join() ? Number(np.max(np.abs(t.sub(lb[i]!)))) : Infinity)),
  );
}

/** max |a − b| / max(1, |b|) over two arrays of the same length. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
