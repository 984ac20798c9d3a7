// nn.dotProductAttention against an explicit plain-JS loop (bias, mask, causal, grouped-query heads, with and without
// the batch axis), its gradient against central differences, and its shape and dtype errors.

import { DTypeError, grad, jit, nn, np, random, ShapeError, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { expectClose, valuesOf } from "../helpers.js";

const F32_MAX = 3.4028234663852886e38;

/** Row-major index helpers for plain arrays. */
const at4 = <A>(v: readonly A[], s: number[], i: number, j: number, k: number, l: number) =>
  v[((i * s[1]! + j) * s[2]! + k) * s[3]! + l]!;
/** Broadcast read of a rank-4 array (axes of size 1 repeat). */
const bc4 = <A>(v: readonly A[], s: number[], i: number, j: number, k: number, l: number) =>
  at4(v, s, s[0] === 1 ? 0 : i, s[1] === 1 ? 0 : j, s[2] === 1 ? 0 : k, s[3] === 1 ? 0 : l);

interface RefOpts {
  bias?: { v: number[]; s: number[] };
  mask?: { v: boolean[]; s: number[] };
  causal?: boolean;
  scale?: number;
}

/** The attention output [B, T, N, H] by loops, in float64 (the masked logit is −0.7·float32 max, as JAX). */
function reference(q: number[], qs: number[], k: number[], ks: number[], v: number[], o: RefOpts = {}): number[] {
  const [B, T, N, H] = qs as [number, number, number, number];
  const [, S, K] = ks as [number, number, number, number];
  const G = N / K;
  const scale = o.scale ?? 1 / Math.sqrt(H);
  const out = new Array(B * T * N * H).fill(0);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      const kh = Math.floor(n / G);
      for (let t = 0; t < T; t++) {
        const logits: number[] = [];
        for (let s = 0; s < S; s++) {
          let l = 0;
          for (let h = 0; h < H; h++) l += at4(q, qs, b, t, n, h) * at4(k, ks, b, s, kh, h);
          l *= scale;
          if (o.bias) l += bc4(o.bias.v, o.bias.s, b, n, t, s);
          let keep = o.mask ? bc4(o.mask.v, o.mask.s, b, n, t, s) : true;
          if (o.causal && s > t) keep = false;
          logits.push(keep ? l : -0.7 * F32_MAX);
        }
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let h = 0; h < H; h++) {
          let acc = 0;
          for (let s = 0; s < S; s++) acc += (e[s]! / z) * at4(v, ks, b, s, kh, h);
          out[((b * T + t) * N + n) * H + h] = acc;
        }
      }
    }
  return out;
}

const draw = (seed: number, s: number[]) => valuesOf(random.normal(random.key(seed), s));
const t32 = (v: number[], s: number[]) => np.reshape(np.array(v), s);
const TOL = { rtol: 2e-5, atol: 2e-6 };

describe("values against a plain-JS loop", () => {
  const [B, T, S, N, H] = [2, 3, 4, 4, 5];
  const qs = [B, T, N, H];
  const q = draw(1, qs);

  for (const K of [4, 2, 1])
    it(`K = ${K} key/value heads (N = 4): plain, bias, mask, causal, scale`, () => {
      const ks = [B, S, K, H];
      const k = draw(2, ks);
      const v = draw(3, ks);
      const [Q, Kt, V] = [t32(q, qs), t32(k, ks), t32(v, ks)];
      const expected = (o: RefOpts) => {
        const r = reference(q, qs, k, ks, v, o);
        return Array.from({ length: B }, (_, b) =>
          Array.from({ length: T }, (_, t) =>
            Array.from({ length: N }, (_, n) => r.slice(((b * T + t) * N + n) * H, ((b * T + t) * N + n + 1) * H)),
          ),
        );
      };
      expectClose(nn.dotProductAttention(Q, Kt, V), expected({}), TOL);
      // bias per head [1, N, T, S] and a full one [B, N, T, S]
      const bs = [1, N, T, S];
      const bias = draw(4, bs);
      expectClose(
        nn.dotProductAttention(Q, Kt, V, { bias: t32(bias, bs) }),
        expected({ bias: { v: bias, s: bs } }),
        TOL,
      );
      const bs2 = [B, 1, T, S];
      const bias2 = draw(5, bs2);
      expectClose(
        nn.dotProductAttention(Q, Kt, V, { bias: t32(bias2, bs2) }),
        expected({ bias: { v: bias2, s: bs2 } }),
        TOL,
      );
      // a mask [B, 1, 1, S] (padding: the last key of batch 1 out) and [T, S] (rank 2, leading axes added)
      const ms = [B, 1, 1, S];
      const mask = [true, true, true, true, true, true, true, false];
      expectClose(
        nn.dotProductAttention(Q, Kt, V, { mask: np.reshape(np.array(mask), ms) }),
        expected({ mask: { v: mask, s: ms } }),
        TOL,
      );
      const m2 = [true, false, true, false, false, true, true, true, true, false, false, true];
      expectClose(
        nn.dotProductAttention(Q, Kt, V, { mask: np.reshape(np.array(m2), [T, S]) }),
        expected({ mask: { v: m2, s: [1, 1, T, S] } }),
        TOL,
      );
      expectClose(nn.dotProductAttention(Q, Kt, V, { isCausal: true }), expected({ causal: true }), TOL);
      expectClose(
        nn.dotProductAttention(Q, Kt, V, {
          isCausal: true,
          bias: t32(bias, bs),
          mask: np.reshape(np.array(m2), [T, S]),
        }),
        expected({ causal: true, bias: { v: bias, s: bs }, mask: { v: m2, s: [1, 1, T, S] } }),
        TOL,
      );
      expectClose(nn.dotProductAttention(Q, Kt, V, { scale: 0.3 }), expected({ scale: 0.3 }), TOL);
    });

  it("without the batch axis: [T, N, H] in and out", () => {
    const [qs1, ks1] = [
      [T, N, H],
      [S, 2, H],
    ];
    const q1 = draw(6, qs1);
    const k1 = draw(7, ks1);
    const v1 = draw(8, ks1);
    const out = nn.dotProductAttention(t32(q1, qs1), t32(k1, ks1), t32(v1, ks1), { isCausal: true });
    expect(out.shape).toEqual([T, N, H]);
    const r = reference(q1, [1, ...qs1], k1, [1, ...ks1], v1, { causal: true });
    expectClose(out, np.reshape(np.array(r), [T, N, H]).toArray() as never, TOL);
  });

  it("a fully masked row is the mean of the values (as JAX's large negative logit), no NaN", () => {
    const q1 = np.ones([1, 2, 1, 2]);
    const k1 = np.ones([1, 3, 1, 2]);
    const v1 = np.reshape(np.array([1, 2, 3, 4, 5, 6]), [1, 3, 1, 2]);
    const out = nn.dotProductAttention(q1, k1, v1, { mask: np.zeros([1, 1, 2, 3], "bool") });
    expectClose(out, [[[[3, 4]], [[3, 4]]]], TOL);
  });

  it("float64 inputs give float64 (softmax in float32, as JAX); under jit the same", () => {
    const qs1 = [1, 2, 2, 3];
    const Q = np.array(np.reshape(np.array(draw(9, qs1)), qs1), { dtype: "float64" });
    const out = nn.dotProductAttention(Q, Q, Q);
    expect(out.dtype).toBe("float64");
    const j = jit((a: Tensor, b: Tensor, c: Tensor) => nn.dotProductAttention(a, b, c, { isCausal: true }));
    expectClose(j(Q, Q, Q), nn.dotProductAttention(Q, Q, Q, { isCausal: true }).toArray() as never, {
      rtol: 1e-6,
      atol: 1e-7,
    });
  });
});

describe("gradient", () => {
  it("vs central differences (float64) in query, key, value and bias", () => {
    const qs = [1, 2, 2, 3];
    const ks = [1, 3, 1, 3];
    const bs = [1, 2, 2, 3];
    const args = [draw(10, qs), draw(11, ks), draw(12, ks), draw(13, bs)];
    const shapes = [qs, ks, ks, bs];
    const wv = draw(14, qs);
    const W = np.array(np.reshape(np.array(wv), qs), { dtype: "float64" });
    const f = (q: Tensor, k: Tensor, v: Tensor, b: Tensor) =>
      np.sum(np.multiply(nn.dotProductAttention(q, k, v, { bias: b, isCausal: true }), W));
    const T = args.map((a, i) => np.array(np.reshape(np.array(a), shapes[i]!), { dtype: "float64" }));
    const grads = grad(f, { argnums: [0, 1, 2, 3] })(T[0]!, T[1]!, T[2]!, T[3]!) as Tensor[];
    const h = 1e-3;
    args.forEach((a, which) => {
      const g = valuesOf(grads[which]!);
      a.forEach((_, i) => {
        const shifted = (d: number) =>
          T.map((t, j) => {
            if (j !== which) return t;
            const c = [...a];
            c[i]! += d;
            return np.array(np.reshape(np.array(c, { dtype: "float64" }), shapes[j]!), { dtype: "float64" });
          });
        const [p, m] = [shifted(h), shifted(-h)];
        const num =
          ((f(p[0]!, p[1]!, p[2]!, p[3]!).item() as number) - (f(m[0]!, m[1]!, m[2]!, m[3]!).item() as number)) /
          (2 * h);
        // the softmax runs in float32 (as JAX), so agreement is to float32-level precision
        expect(Math.abs(g[i]! - num)).toBeLessThan(2e-4 * Math.max(1, Math.abs(num)));
      });
    });
  });
});

describe("errors", () => {
  const q = np.ones([2, 3, 4, 5]);
  const k = np.ones([2, 6, 2, 5]);
  it("shapes that do not fit are ShapeErrors naming them", () => {
    expect(() => nn.dotProductAttention(q, k, np.ones([2, 6, 2, 4]))).toThrow(ShapeError);
    expect(() => nn.dotProductAttention(np.ones([2, 3, 4, 4]), k, k)).toThrow(/\[2, 3, 4, 4\]/);
    expect(() => nn.dotProductAttention(np.ones([2, 3, 3, 5]), k, k)).toThrow(/multiple/);
    expect(() => nn.dotProductAttention(np.ones([5]), k, k)).toThrow(ShapeError);
    expect(() => nn.dotProductAttention(q, k, k, { bias: np.ones([2, 4, 3, 5]) })).toThrow(ShapeError);
    expect(() => nn.dotProductAttention(q, k, k, { bias: np.ones([1, 2, 3, 4, 6]) })).toThrow(ShapeError);
    expect(() => nn.dotProductAttention(q, k, k, { mask: np.ones([3, 5], "bool") })).toThrow(ShapeError);
  });
  it("a non-bool mask or mixed dtypes are DTypeErrors", () => {
    expect(() => nn.dotProductAttention(q, k, k, { mask: np.ones([3, 6]) })).toThrow(DTypeError);
    expect(() => nn.dotProductAttention(q, np.array(k, { dtype: "float64" }), k)).toThrow(DTypeError);
  });
});
