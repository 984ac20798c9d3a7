// nn.initializers: shapes and dtypes, equality with the composed random calls (JAX's algorithm), fan computations
// (dense and conv kernels), empirical variance against the formula, orthogonality, and errors.

import { jit, nn, np, random, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { valuesOf } from "../helpers.js";

const init = nn.initializers;
const K = random.key(0);
const variance = (t: Tensor) => {
  const v = valuesOf(t);
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};
const same = (a: Tensor, b: Tensor) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(valuesOf(a)).toEqual(valuesOf(b));
};

describe("basic initializers", () => {
  it("zeros, ones, constant: shapes and dtypes", () => {
    same(init.zeros(K, [2, 3]), np.zeros([2, 3]));
    same(init.ones(K, [4], "float64"), np.ones([4], "float64"));
    same(init.constant(2.5)(K, [3, 1]), np.full([3, 1], 2.5));
    expect(init.zeros(K, [2]).dtype).toBe("float32");
  });

  it("normal, uniform, truncatedNormal equal the composed random calls", () => {
    same(init.normal()(K, [2, 3]), np.multiply(random.normal(K, [2, 3]), 0.01));
    same(init.normal(5)(K, [4], "float64"), np.multiply(random.normal(K, [4], "float64"), 5));
    same(init.uniform()(K, [2, 3]), np.multiply(random.uniform(K, [2, 3]), 0.01));
    same(init.uniform(3)(K, [5]), np.multiply(random.uniform(K, [5]), 3));
    same(init.truncatedNormal()(K, [2, 3]), np.multiply(random.truncatedNormal(K, -2, 2, [2, 3]), 0.01));
    same(
      init.truncatedNormal(2, { lower: -1, upper: 3 })(K, [6]),
      np.multiply(random.truncatedNormal(K, -1, 3, [6]), 2),
    );
  });
});

describe("varianceScaling", () => {
  it("equals JAX's composition: normal·√v, uniform(−1, 1)·√(3v), truncated normal(−2, 2)·√v/0.8796…", () => {
    const s = [4, 6];
    const v = (scale: number, n: number) => np.array(scale / n, { dtype: "float32" });
    same(init.varianceScaling(2, "fan_in", "normal")(K, s), np.multiply(random.normal(K, s), np.sqrt(v(2, 4))));
    same(
      init.varianceScaling(1, "fan_out", "uniform")(K, s),
      np.multiply(random.uniform(K, s, { minval: -1 }), np.sqrt(np.multiply(3, v(1, 6)))),
    );
    same(
      init.varianceScaling(1, "fan_avg", "truncated_normal")(K, s),
      np.multiply(random.truncatedNormal(K, -2, 2, s), np.divide(np.sqrt(v(1, 5)), np.array(0.87962566103423978))),
    );
  });

  it("the presets and their aliases are varianceScaling", () => {
    const s = [5, 7];
    same(init.glorotUniform()(K, s), init.varianceScaling(1, "fan_avg", "uniform")(K, s));
    same(init.glorotNormal()(K, s), init.varianceScaling(1, "fan_avg", "truncated_normal")(K, s));
    same(init.lecunUniform()(K, s), init.varianceScaling(1, "fan_in", "uniform")(K, s));
    same(init.lecunNormal()(K, s), init.varianceScaling(1, "fan_in", "truncated_normal")(K, s));
    same(init.heUniform()(K, s), init.varianceScaling(2, "fan_in", "uniform")(K, s));
    same(init.heNormal()(K, s), init.varianceScaling(2, "fan_in", "truncated_normal")(K, s));
    same(init.xavierUniform()(K, s), init.glorotUniform()(K, s));
    same(init.xavierNormal()(K, s), init.glorotNormal()(K, s));
    same(init.kaimingUniform()(K, s), init.heUniform()(K, s));
    same(init.kaimingNormal()(K, s), init.heNormal()(K, s));
  });

  it("empirical variance of [256, 512] matches scale/n within a few %", () => {
    const s = [256, 512];
    const cases: [string, (k: Tensor, s: number[]) => Tensor, number][] = [
      ["glorotUniform", init.glorotUniform(), 2 / (256 + 512)],
      ["glorotNormal", init.glorotNormal(), 2 / (256 + 512)],
      ["heNormal", init.heNormal(), 2 / 256],
      ["heUniform", init.heUniform(), 2 / 256],
      ["lecunNormal", init.lecunNormal(), 1 / 256],
      ["fan_out normal", init.varianceScaling(3, "fan_out", "normal"), 3 / 512],
      ["fan_geo_avg uniform", init.varianceScaling(1, "fan_geo_avg", "uniform"), 1 / Math.sqrt(256 * 512)],
    ];
    for (const [name, f, expected] of cases) {
      const got = variance(f(random.key(1), s));
      expect(Math.abs(got / expected - 1), name).toBeLessThan(0.03);
    }
    // truncation: every |x| < 2·stddev of the untruncated normal
    const t = valuesOf(init.heNormal()(random.key(2), s));
    const bound = (2 * Math.sqrt(2 / 256)) / 0.87962566103423978;
    expect(t.every((x) => Math.abs(x) < bound * (1 + 1e-6))).toBe(true);
  });

  it("fans of a conv kernel [3, 3, 16, 32]: receptive field 9, fan_in 144, fan_out 288", () => {
    const s = [3, 3, 16, 32];
    // normal: the draw divided by the stddev is the same standard normal, so the stddev is read exactly
    const z = valuesOf(random.normal(K, s));
    const ratio = (f: (k: Tensor, s: number[]) => Tensor) => {
      const v = valuesOf(f(K, s));
      const i = z.findIndex((x) => Math.abs(x) > 0.5);
      return v[i]! / z[i]!;
    };
    expect(ratio(init.varianceScaling(1, "fan_in", "normal"))).toBeCloseTo(Math.sqrt(1 / 144), 6);
    expect(ratio(init.varianceScaling(1, "fan_out", "normal"))).toBeCloseTo(Math.sqrt(1 / 288), 6);
    expect(ratio(init.varianceScaling(1, "fan_avg", "normal"))).toBeCloseTo(Math.sqrt(1 / 216), 6);
    expect(ratio(init.varianceScaling(1, "fan_geo_avg", "normal"))).toBeCloseTo(Math.sqrt(1 / Math.sqrt(144 * 288)), 6);
    // other axes: in = axis 0, out = axis 1 → receptive field 16·32
    expect(ratio(init.varianceScaling(1, "fan_in", "normal", { inAxis: 0, outAxis: 1 }))).toBeCloseTo(
      Math.sqrt(1 / (3 * 512)),
      6,
    );
    // a batch axis is left out of the receptive field; axes may be lists
    expect(ratio(init.varianceScaling(1, "fan_in", "normal", { batchAxis: 0 }))).toBeCloseTo(Math.sqrt(1 / 48), 6);
    expect(ratio(init.varianceScaling(1, "fan_in", "normal", { inAxis: [0, 2], outAxis: -1 }))).toBeCloseTo(
      Math.sqrt(1 / (48 * 3)),
      6,
    );
    // and the empirical variance agrees
    expect(Math.abs(variance(init.heNormal()(random.key(4), [3, 3, 64, 128])) / (2 / 576) - 1)).toBeLessThan(0.03);
  });

  it("dtype float64, and under jit", () => {
    const a = init.heNormal()(K, [8, 4], "float64");
    expect(a.dtype).toBe("float64");
    const f = jit((k: Tensor) => init.glorotUniform()(k, [8, 4]));
    same(f(K), init.glorotUniform()(K, [8, 4]));
  });

  it("errors: 1-D shapes, bad mode or distribution, integer dtypes", () => {
    expect(() => init.heNormal()(K, [5])).toThrow(ShapeError);
    expect(() => init.varianceScaling(1, "fan_x" as never, "normal")).toThrow(TracegradError);
    expect(() => init.varianceScaling(1, "fan_in", "cauchy" as never)).toThrow(TracegradError);
    expect(() => init.normal()(K, [2], "int32")).toThrow(TracegradError);
  });
});

describe("orthogonal", () => {
  const gram = (q: Tensor, rows: boolean) => valuesOf(rows ? np.matmul(q, q.transpose()) : np.matmul(q.transpose(), q));
  const isEye = (v: number[], n: number, scale = 1) =>
    v.every((x, i) => Math.abs(x - (i % (n + 1) === 0 ? scale * scale : 0)) < 1e-5 * scale * scale);

  it("QᵀQ = I for square and tall matrices, QQᵀ = I for wide ones", () => {
    expect(isEye(gram(init.orthogonal()(K, [6, 6]), false), 6)).toBe(true);
    expect(isEye(gram(init.orthogonal()(K, [10, 4]), false), 4)).toBe(true);
    expect(isEye(gram(init.orthogonal()(K, [3, 7]), true), 3)).toBe(true);
    expect(isEye(gram(init.orthogonal(2)(K, [5, 5], "float64"), false), 5, 2)).toBe(true);
  });

  it("is random.orthogonal(key, rows, [], { m: cols }) times scale, reshaped with the columns on columnAxis", () => {
    same(init.orthogonal()(K, [4, 3]), random.orthogonal(K, 4, [], { m: 3 }));
    same(init.orthogonal(3)(K, [2, 5]), np.multiply(3, random.orthogonal(K, 2, [], { m: 5 })));
    // conv kernel [3, 3, 4, 8]: rows 36, columns 8
    const q = init.orthogonal()(K, [3, 3, 4, 8]);
    same(q, np.reshape(random.orthogonal(K, 36, [], { m: 8 }), [3, 3, 4, 8]));
    // columnAxis 0: the columns (size 5) move to the front
    const q0 = init.orthogonal(1, 0)(K, [5, 2, 6]);
    expect(q0.shape).toEqual([5, 2, 6]);
    same(q0, np.moveaxis(np.reshape(random.orthogonal(K, 12, [], { m: 5 }), [2, 6, 5]), -1, 0));
    const flat = np.reshape(np.moveaxis(q0, 0, -1), [12, 5]);
    expect(isEye(gram(flat, false), 5)).toBe(true);
  });

  it("needs at least 2-D", () => {
    expect(() => init.orthogonal()(K, [4])).toThrow(ShapeError);
  });
});
