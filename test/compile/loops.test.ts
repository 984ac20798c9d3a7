// Loops under jit are loops in the generated code: the program and its source do not grow with the trip count, and
// the body's generated code writes carries and ys into the buffers the loop passes.
import { describe, expect, it } from "vitest";
import { peakLiveBytes } from "../../src/compile/plan.js";
import { checkpoint, grad, jit, lax, makeJaxpr, np, type Tensor, valueAndGrad } from "../../src/index.js";

const W = np.array([
  [0.5, -0.25],
  [0.125, 0.75],
]);
/** An Elman-style recurrence over T steps, summed: the shape of every RNN. */
const rnn = (w: Tensor, xs: Tensor) =>
  np.sum(
    lax.scan(
      (h: Tensor, x: Tensor) => {
        const h2 = np.tanh(np.matmul(h, w).add(x));
        return [h2, h2] as const;
      },
      np.zeros([2], w.dtype),
      xs,
    )[1] as Tensor,
  );
const fori = (x: Tensor, n: number) => lax.foriLoop(0, n, (_i: Tensor, v: Tensor) => np.sin(v).mul(x), x);

describe("compiled loops do not grow with the trip count", () => {
  it("scan: the jaxpr of jit(valueAndGrad) and its generated source are the same size for T = 10 and 1000", () => {
    const sizes = [10, 1000].map((T) => {
      const xs = np.ones([T, 2]).mul(0.1);
      const lowered = jit(valueAndGrad(rnn)).lower(W, xs);
      const text = String(lowered.jaxpr);
      return {
        eqns: lowered.jaxpr.jaxpr.eqns.length,
        source: lowered.source.replace(/\d+(\.\d+)?(e-?\d+)?/g, "N").length,
        text,
      };
    });
    expect(sizes[1]!.eqns).toBe(sizes[0]!.eqns);
    expect(sizes[1]!.source).toBe(sizes[0]!.source);
    expect(sizes[0]!.text).toContain("scan[");
    expect(sizes[0]!.text).toContain("reverse=True");
  });

  it("foriLoop with JS bounds: makeJaxpr(grad) has the same equations for 5 and 5000 steps", () => {
    const count = (n: number) => makeJaxpr(grad((x: Tensor) => fori(x, n)))(0.5).jaxpr.eqns.length;
    expect(count(5000)).toBe(count(5));
  });

  it("the generated source contains the loop body once, writing into the buffers it is given", () => {
    const { source } = jit(valueAndGrad(rnn)).lower(W, np.ones([50, 2]));
    expect(source).toMatch(/\/\/ scan \(equation \d+\), jaxpr 0\n/);
    expect(source).toContain("function run(A, O)");
    expect(source).toContain("Math.tanh");
  });

  it("compiled loop values equal the JS reference (float64 recurrence)", () => {
    const w = np.array(
      [
        [0.5, -0.25],
        [0.125, 0.75],
      ],
      "float64",
    );
    const xs = np.array(
      Array.from({ length: 40 }, (_, t) => [Math.sin(t), Math.cos(0.5 * t)]),
      "float64",
    );
    const wv = w.toArray() as number[][];
    const xv = xs.toArray() as number[][];
    let h = [0, 0];
    let total = 0;
    for (const x of xv) {
      h = [0, 1].map((j) => Math.tanh(h[0]! * wv[0]![j]! + h[1]! * wv[1]![j]! + x[j]!));
      total += h[0]! + h[1]!;
    }
    expect(jit(rnn)(w, xs).item()).toBeCloseTo(total, 12);
  });
});

describe("buffers kept across calls", () => {
  it("a returned view of a fused result is never a kept buffer: results of two calls do not alias", () => {
    const f = jit((x: Tensor) => np.matmul(np.reshape(np.tanh(x), [2, 2]), np.reshape(np.tanh(x), [2, 2])));
    const g = jit((x: Tensor) => np.reshape(np.tanh(x), [2, 2]));
    const x1 = np.array([0.1, 0.2, 0.3, 0.4]);
    const x2 = np.array([-1, -2, -3, -4]);
    const [a, ga] = [f(x1), g(x1)];
    const [aWant, gaWant] = [a.toArray(), ga.toArray()];
    f(x2);
    g(x2);
    expect(a.toArray()).toEqual(aWant);
    expect(ga.toArray()).toEqual(gaWant);
    const t = [0.1, 0.2, 0.3, 0.4].map(Math.tanh);
    const want = [
      [t[0]! * t[0]! + t[1]! * t[2]!, t[0]! * t[1]! + t[1]! * t[3]!],
      [t[2]! * t[0]! + t[3]! * t[2]!, t[2]! * t[1]! + t[3]! * t[3]!],
    ];
    (a.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 6)));
  });

  it("a loop body whose reshaped fused value feeds a matmul and is also a residual keeps every iteration's value", () => {
    // residuals of tanh(h W + x) are stacked per iteration; a buffer shared across iterations would repeat the last
    const w = np.array(
      [
        [0.5, -0.25],
        [0.125, 0.75],
      ],
      "float64",
    );
    const xs = np.array(
      Array.from({ length: 30 }, (_, t) => [Math.sin(t), Math.cos(t)]),
      "float64",
    );
    const loss = (w: Tensor) =>
      np.sum(
        lax.scan(
          (h: Tensor, x: Tensor) => {
            const h2 = np.tanh(np.matmul(np.reshape(h, [1, 2]), w).add(x));
            return [np.reshape(h2, [2]), np.sum(h2.mul(h2))] as const;
          },
          np.zeros([2], "float64"),
          xs,
        )[1] as Tensor,
      );
    const g = (jit(grad(loss))(w) as Tensor).toArray() as number[][];
    const eps = 1e-6;
    const wv = w.toArray() as number[][];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const at = (d: number) =>
          loss(
            np.array(
              wv.map((r, a) => r.map((v, b) => (a === i && b === j ? v + d : v))),
              "float64",
            ),
          ).item() as number;
        expect(g[i]![j]!).toBeCloseTo((at(eps) - at(-eps)) / (2 * eps), 6);
      }
  });
});

describe("peakLiveBytes (planned buffers)", () => {
  it("counts intermediates from the step that makes each to the last that reads it, not results or inputs", () => {
    const w = np.ones([4, 4]);
    // y1 = x·w, y2 = y1·w (y1 still live), result y2·w: at most y1 and y2 at once, 2 × 16 float32
    const chain = jit((x: Tensor) => np.matmul(np.matmul(np.matmul(x, w), w), w));
    expect(peakLiveBytes(chain.lower(np.ones([4, 4])).jaxpr.jaxpr, "fast")).toBe(2 * 16 * 4);
    expect(peakLiveBytes(jit((x: Tensor) => x.add(1)).lower(np.ones([8])).jaxpr.jaxpr, "fast")).toBe(0);
  });

  it("checkpoint per layer keeps fewer bytes between the forward and backward parts of jit(grad)", () => {
    const layer = (w: Tensor, h: Tensor) => np.tanh(np.matmul(h, w));
    const layerCk = checkpoint(layer);
    const ws = Array.from({ length: 6 }, (_, i) => np.eye(16).mul(0.5 + 0.01 * i));
    const x = np.ones([8, 16]);
    const loss = (f: typeof layer) => (params: Tensor[]) => np.sum(params.reduce((h, w) => f(w, h), x));
    const peak = (f: typeof layer) => peakLiveBytes(jit(grad(loss(f))).lower(ws).jaxpr.jaxpr, "fast")!;
    expect(peak(layerCk)).toBeLessThan(peak(layer));
  });
});
