// Scaled dot-product attention as jax.nn.dot_product_attention's XLA implementation: [B, T, N, H] layout, grouped
// query heads, additive bias, boolean and causal masks by a large negative logit, softmax in float32.

import { DTypeError, fmtShape, ShapeError } from "../core/errors.js";
import { array, bool, number } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard, options } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import { einsum } from "../numpy/einsum.js";
import * as np from "../numpy/elementwise.js";
import { logicalAnd } from "../numpy/logic.js";
import { sum } from "../numpy/reductions.js";
import * as lax from "../primitives/index.js";

/** Options of `dotProductAttention`. */
export interface AttentionOpts {
  /** Added to the logits; rank ≤ 4, broadcastable to [B, N, T, S] (its head axis 1 or N). */
  bias?: ArrayLike;
  /** bool, true where a query may attend to a key; rank ≤ 4, broadcastable to [B, N, T, S]. */
  mask?: ArrayLike;
  /** Mask out keys after the query's position (lower-triangular [T, S]). */
  isCausal?: boolean;
  /** Multiplies the logits; default 1/√H. */
  scale?: number;
}

const FLOAT_MAX = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE } as const;

/** `t` with leading 1-axes up to rank 4 (JAX's _ensure_4d). */
const to4d = (t: Tensor): Tensor => (t.ndim >= 4 ? t : lax.reshape(t, [...new Array(4 - t.ndim).fill(1), ...t.shape]));

/**
 * softmax(q·kᵀ·scale + bias, masked)·v, with query `[B, T, N, H]` and key, value `[B, S, K, H]` (or without the
 * batch axis), N a multiple of K (grouped-query attention); the result has the query's shape. As JAX's XLA
 * implementation: masked logits become −0.7·(the dtype's max), the softmax runs in float32.
 * @example nn.dotProductAttention(np.ones([4, 2, 8]), np.ones([6, 2, 8]), np.ones([6, 2, 8])).shape // [4, 2, 8]
 */
export const dotProductAttention: (query: ArrayLike, key: ArrayLike, value: ArrayLike, opts?: AttentionOpts) => Tensor =
  guard(
    "nn.dotProductAttention",
    [
      array("query"),
      array("key"),
      array("value"),
      options({ bias: array("bias"), mask: array("mask"), isCausal: bool("isCausal"), scale: number("scale") }),
    ],
    attention,
  );

function attention(query: ArrayLike, key: ArrayLike, value: ArrayLike, o: AttentionOpts): Tensor {
  const fn = "nn.dotProductAttention";
  const [q0, k0, v0] = [asTensor(query), asTensor(key), asTensor(value)];
  for (const [name, t] of [
    ["query", q0],
    ["key", k0],
    ["value", v0],
  ] as const) {
    if (t.ndim !== 3 && t.ndim !== 4)
      throw new ShapeError(`${fn}: ${name} must be [B, T, N, H] or [T, N, H], got shape ${fmtShape(t.shape)}`);
    if (t.dtype !== "float32" && t.dtype !== "float64")
      throw new DTypeError(`${fn}: ${name} must be float32 or float64, got ${t.dtype}`);
  }
  const [q, k, v] = [to4d(q0), to4d(k0), to4d(v0)];
  const [B, S, K, H] = k.shape as [number, number, number, number];
  const [qB, T, N, qH] = q.shape as [number, number, number, number];
  const shapes = `query ${fmtShape(q0.shape)}, key ${fmtShape(k0.shape)}, value ${fmtShape(v0.shape)}`;
  if (v.shape.some((s, i) => s !== k.shape[i]))
    throw new ShapeError(`${fn}: value must have the shape of key; got ${shapes}`);
  if (qB !== B || qH !== H)
    throw new ShapeError(`${fn}: query must be [B, T, N, H] with key's B and H ([B, S, K, H]); got ${shapes}`);
  if (K === 0 || N % K !== 0)
    throw new ShapeError(`${fn}: the number of query heads must be a multiple of key/value heads, got ${shapes}`);
  if (q.dtype !== k.dtype || v.dtype !== k.dtype)
    throw new DTypeError(`${fn}: query, key and value must have one dtype, got ${q.dtype}, ${k.dtype}, ${v.dtype}`);
  const G = N / K;
  const full = [B, N, T, S];
  const extra = (name: string, x: ArrayLike): Tensor => {
    const t = asTensor(x);
    if (t.ndim > 4) throw new ShapeError(`${fn}: ${name} must have rank ≤ 4, got shape ${fmtShape(t.shape)}`);
    const t4 = to4d(t);
    if (t4.shape.some((s, i) => s !== 1 && s !== full[i]))
      throw new ShapeError(
        `${fn}: ${name} of shape ${fmtShape(t.shape)} must broadcast to [B, N, T, S] = ${fmtShape(full)} (${shapes})`,
      );
    return t4;
  };
  const logitsDType = q.dtype;
  // logits[b, n, t, s] with n = kv·G + g, as JAX's reshape of the heads to (K, G)
  const qg = lax.reshape(q, [B, T, K, G, H]);
  const raw = lax.reshape(einsum("btkgh,bskh->bkgts", qg, k), full);
  const scale = o.scale ?? 1 / Math.sqrt(H);
  let logits = np.multiply(raw, lax.scalar(scale, logitsDType));
  if (o.bias !== undefined) logits = lax.convertElementType(np.add(logits, extra("bias", o.bias)), logitsDType);
  let keep: Tensor | null = null;
  if (o.mask !== undefined) {
    const m = extra("mask", o.mask);
    if (m.dtype !== "bool") throw new DTypeError(`${fn}: mask must be bool, got ${m.dtype}`);
    keep = m;
  }
  if (o.isCausal) {
    const causal = np.greaterEqual(
      lax.reshape(lax.iota("int32", [T]), [1, 1, T, 1]),
      lax.reshape(lax.iota("int32", [S]), [1, 1, 1, S]),
    );
    keep = keep === null ? causal : logicalAnd(keep, causal);
  }
  if (keep !== null) {
    const large = lax.scalar(-0.7 * FLOAT_MAX[logitsDType as "float32" | "float64"], logitsDType);
    logits = np.where(keep, logits, large);
  }
  const l32 = lax.convertElementType(logits, "float32");
  const e = np.exp(np.subtract(l32, lax.stopGradient(lax.reshape(lax.reduceMax(l32, [3]), [B, N, T, 1]))));
  const probs = lax.convertElementType(np.divide(e, sum(e, { axis: 3, keepdims: true })), k.dtype);
  const out = einsum("bkgts,bskh->btkgh", lax.reshape(probs, [B, K, G, T, S]), v);
  return lax.reshape(out, q0.shape);
}
