// nn.dropout: keep-rate statistics, inverted scaling, rate 0 and 1, errors, and jit / vmap over keys.

import { jit, nn, np, random, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { valuesOf } from "../helpers.js";

describe("nn.dropout", () => {
  it("keeps a fraction ≈ 1 − rate and scales kept entries by 1/(1 − rate)", () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      const x = np.full([200, 500], 3);
      const out = valuesOf(nn.dropout(random.key(7), x, rate));
      const kept = out.filter((v) => v !== 0);
      const frac = kept.length / out.length;
      // 1e5 draws: standard error ≤ 0.0016
      expect(Math.abs(frac - (1 - rate))).toBeLessThan(0.01);
      expect(kept.every((v) => Math.abs(v - 3 / (1 - rate)) < 1e-5)).toBe(true);
      // the expectation is preserved
      expect(Math.abs(out.reduce((a, b) => a + b, 0) / out.length - 3)).toBeLessThan(0.05 * 3);
    }
  });

  it("is the mask of random.bernoulli(key, 1 − rate, x.shape)", () => {
    const k = random.key(3);
    const x = np.arange(1, 13).astype("float32");
    const keep = valuesOf(random.bernoulli(k, 0.75, [12]));
    const out = valuesOf(nn.dropout(k, x, 0.25));
    out.forEach((v, i) => expect(v).toBe(keep[i] ? Math.fround((i + 1) / 0.75) : 0));
  });

  it("rate 0 is the identity, rate 1 gives zeros (no NaN); dtypes kept", () => {
    const x = np.array([1, -2, 3.5]);
    expect(valuesOf(nn.dropout(random.key(0), x, 0))).toEqual([1, -2, 3.5]);
    const z = nn.dropout(random.key(0), np.array([1, 2], { dtype: "float64" }), 1);
    expect(valuesOf(z)).toEqual([0, 0]);
    expect(z.dtype).toBe("float64");
    expect(nn.dropout(random.key(0), np.array([1, 2], { dtype: "float64" }), 0.5).dtype).toBe("float64");
  });

  it("rate outside [0, 1] (or NaN) is a TracegradError; a bad key too", () => {
    for (const r of [-0.1, 1.5, NaN]) expect(() => nn.dropout(random.key(0), [1, 2], r)).toThrow(TracegradError);
    expect(() => nn.dropout(np.array([1, 2]) as Tensor, [1, 2], 0.5)).toThrow(TracegradError);
  });

  it("under jit equals eager; under vmap over keys each row is its key's dropout", () => {
    const x = np.ones([64]);
    const k = random.key(11);
    const f = jit((key: Tensor, t: Tensor) => nn.dropout(key, t, 0.3));
    expect(valuesOf(f(k, x))).toEqual(valuesOf(nn.dropout(k, x, 0.3)));
    const keys = random.split(k, 4);
    const rows = vmap((key: Tensor) => nn.dropout(key, x, 0.3))(keys);
    expect(rows.shape).toEqual([4, 64]);
    const all = valuesOf(rows);
    for (let i = 0; i < 4; i++) {
      const ki = np.reshape(np.take(keys, [i], 0), [2]);
      expect(all.slice(i * 64, (i + 1) * 64)).toEqual(valuesOf(nn.dropout(ki, x, 0.3)));
    }
    // different keys give different masks
    expect(all.slice(0, 64)).not.toEqual(all.slice(64, 128));
  });
});
