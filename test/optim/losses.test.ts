// optax's losses: values against plain-JS float64 references (float64 inputs), per element or per example (never
// averaged), gradients against central differences and against their closed forms (softmax − onehot, σ − y, tanh,
// clip), stability at extreme logits, integer labels out of range as JAX's take_along_axis, `where` masks, and errors.
import { DTypeError, grad, jit, np, ShapeError, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { losses } from "../../src/optim/losses.js";
import { catchError, expectClose, f64, i32, valuesOf } from "../helpers.js";

/** A deterministic stream of numbers in [−2, 2). */
function numbers(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}
const rows = (flat: number[], cols: number): number[][] =>
  Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));

const lse = (r: number[]) => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
};
const softmaxRow = (r: number[]) => r.map((v) => Math.exp(v - lse(r)));
const log1pexp = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const logSigmoid = (x: number) => -log1pexp(-x);

/** Central differences of a scalar function of a float64 tensor, in float64. */
function centralDiff(f: (x: Tensor) => Tensor, x: number[][], h = 1e-6): number[][] {
  return x.map((r, i) =>
    r.map((_, j) => {
      const at = (d: number) => f(f64(x.map((rr, ii) => rr.map((v, jj) => (ii === i && jj === j ? v + d : v))))).item();
      return ((at(h) as number) - (at(-h) as number)) / (2 * h);
    }),
  );
}
/** grad of Σ f(x) at x equals the central difference. */
function gradMatchesDiff(f: (x: Tensor) => Tensor, x: number[][], tol = 1e-6) {
  const sumF = (t: Tensor) => f(t).sum();
  expectClose(grad(sumF)(f64(x)), centralDiff(sumF, x), { rtol: tol, atol: tol });
}

const X = rows(numbers(20, 1), 5);
const P = rows(
  numbers(20, 2).map((v) => Math.exp(v)),
  5,
).map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
const INT_LABELS = [0, 4, 2, 1];
const onehot = (labels: number[], n: number) => labels.map((l) => Array.from({ length: n }, (_, j) => +(j === l)));

describe("softmaxCrossEntropy", () => {
  const ref = (x: number[][], y: number[][]) =>
    x.map((r, i) => -r.reduce((a, v, j) => a + y[i]![j]! * (v - lse(r)), 0));
  it("is −Σ labels·log softmax per example (float64)", () => {
    const out = losses.softmaxCrossEntropy(f64(X), f64(P));
    expect(out.dtype).toBe("float64");
    expectClose(out, ref(X, P), { rtol: 1e-12, atol: 1e-12 });
  });
  it("gives optax's documented values", () =>
    expectClose(
      losses.softmaxCrossEntropy(
        [
          [1.2, -0.8, -0.5],
          [0.9, -1.2, 1.1],
        ],
        [
          [1, 0, 0],
          [0, 1, 0],
        ],
      ),
      [0.2761, 2.9518],
      { atol: 1e-4 },
    ));
  it("reduces along axis", () => {
    const t = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
    expectClose(losses.softmaxCrossEntropy(f64(t(X)), f64(t(P)), { axis: 0 }), ref(X, P), { rtol: 1e-12 });
    expectClose(losses.softmaxCrossEntropy(f64(t(X)), f64(t(P)), 0), ref(X, P), { rtol: 1e-12 });
  });
  it("has gradient softmax − labels, matching central differences", () => {
    const g = grad((x: Tensor) => losses.softmaxCrossEntropy(x, f64(P)).sum())(f64(X));
    expectClose(
      g,
      X.map((r, i) => softmaxRow(r).map((s, j) => s - P[i]![j]!)),
      { rtol: 1e-12, atol: 1e-12 },
    );
    gradMatchesDiff((x) => losses.softmaxCrossEntropy(x, f64(P)), X);
  });
  it("is finite at logits of ±1000 (float32), gradient included", () => {
    const x = np.array([[1000, 0, -1000]]);
    expectClose(losses.softmaxCrossEntropy(x, [[0, 1, 0]]), [1000]);
    expectClose(losses.softmaxCrossEntropy(x, [[1, 0, 0]]), [0]);
    expectClose(grad((t: Tensor) => losses.softmaxCrossEntropy(t, [[0, 1, 0]]).sum())(x), [[1, -1, 0]]);
  });
  it("leaves out what `where` masks, in the normalizer and the sum; an empty row gives 0 and a finite gradient", () => {
    const w = [
      [true, true, false, true, false],
      [true, true, true, true, true],
      [false, false, false, false, false],
      [false, true, true, true, true],
    ];
    const expected = X.map((r, i) => {
      const keep = r.map((_, j) => w[i]![j]!);
      const kept = r.filter((_, j) => keep[j]);
      if (kept.length === 0) return 0;
      return -r.reduce((a, v, j) => (keep[j] ? a + P[i]![j]! * (v - lse(kept)) : a), 0);
    });
    const f = (x: Tensor) => losses.softmaxCrossEntropy(x, f64(P), { where: w });
    expectClose(f(f64(X)), expected, { rtol: 1e-12, atol: 1e-12 });
    const g = valuesOf(grad((x: Tensor) => f(x).sum())(f64(X)));
    expect(g.every(Number.isFinite)).toBe(true);
    gradMatchesDiff(f, X);
    // a mask per example (rank of the output) is expanded at axis
    expectClose(losses.softmaxCrossEntropy(f64(X), f64(P), { where: [true, false, true, true] }), [
      ref(X, P)[0]!,
      0,
      ref(X, P)[2]!,
      ref(X, P)[3]!,
    ]);
  });
  it("rejects integer logits (optax checks for floats)", () => {
    expect(catchError(() => losses.softmaxCrossEntropy(i32([[1, 2]]), [[1, 0]]), DTypeError).message).toMatch(
      /optim\.losses\.softmaxCrossEntropy: logits must be a float32 or float64 tensor/,
    );
  });
});

describe("softmaxCrossEntropyWithIntegerLabels", () => {
  const ref = (x: number[][], l: number[]) => x.map((r, i) => lse(r) - r[l[i]!]!);
  it("is logsumexp − the label's logit per example, equal to the one-hot cross entropy", () => {
    const out = losses.softmaxCrossEntropyWithIntegerLabels(f64(X), i32(INT_LABELS));
    expect(out.dtype).toBe("float64");
    expect(out.shape).toEqual([4]);
    expectClose(out, ref(X, INT_LABELS), { rtol: 1e-12, atol: 1e-12 });
    expectClose(losses.softmaxCrossEntropy(f64(X), f64(onehot(INT_LABELS, 5))), ref(X, INT_LABELS), { rtol: 1e-12 });
    // JS labels are accepted as int32
    expectClose(losses.softmaxCrossEntropyWithIntegerLabels(f64(X), INT_LABELS), ref(X, INT_LABELS), { rtol: 1e-12 });
  });
  it("has gradient softmax − onehot, matching central differences", () => {
    const g = grad((x: Tensor) => losses.softmaxCrossEntropyWithIntegerLabels(x, i32(INT_LABELS)).sum())(f64(X));
    expectClose(
      g,
      X.map((r, i) => softmaxRow(r).map((s, j) => s - +(j === INT_LABELS[i]))),
      { rtol: 1e-12, atol: 1e-12 },
    );
    gradMatchesDiff((x) => losses.softmaxCrossEntropyWithIntegerLabels(x, i32(INT_LABELS)), X);
  });
  it("keeps the batch shape for any rank and axis", () => {
    const x = rows(numbers(24, 3), 4); // 6 × 4 → [2, 3, 4]
    const x3 = [x.slice(0, 3), x.slice(3, 6)];
    const labels = [
      [0, 3, 1],
      [2, 2, 0],
    ];
    const out = losses.softmaxCrossEntropyWithIntegerLabels(f64(x3), i32(labels));
    expect(out.shape).toEqual([2, 3]);
    expectClose(
      out,
      x3.map((m, i) => ref(m, labels[i]!)),
      { rtol: 1e-12 },
    );
    // classes along axis 1: logits [2, 4, 3]
    const moved = x3.map((m) => m[0]!.map((_, c) => m.map((r) => r[c]!)));
    const byAxis1 = losses.softmaxCrossEntropyWithIntegerLabels(f64(moved), i32(labels), { axis: 1 });
    expectClose(byAxis1, out.toArray() as number[][], { rtol: 1e-12 });
  });
  it("is finite at logits of ±1000", () => {
    const x = np.array([[1000, 0, -1000]]);
    expectClose(losses.softmaxCrossEntropyWithIntegerLabels(x, i32([1])), [1000]);
    expectClose(losses.softmaxCrossEntropyWithIntegerLabels(x, i32([0])), [0]);
    expectClose(losses.softmaxCrossEntropyWithIntegerLabels(x, i32([2])), [2000]);
    expectClose(grad((t: Tensor) => losses.softmaxCrossEntropyWithIntegerLabels(t, i32([2])).sum())(x), [[1, 0, -1]]);
  });
  it("indexes labels as JAX's take_along_axis: negative from the end, out of range NaN (gradient: softmax)", () => {
    const x = f64([X[0]!, X[1]!, X[2]!]);
    const out = valuesOf(losses.softmaxCrossEntropyWithIntegerLabels(x, i32([-1, 5, -6])));
    expect(out[0]).toBeCloseTo(lse(X[0]!) - X[0]![4]!, 12);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNaN();
    const g = grad((t: Tensor) => losses.softmaxCrossEntropyWithIntegerLabels(t, i32([-1, 5, -6])).sum())(x);
    expectClose(g, [softmaxRow(X[0]!).map((s, j) => s - +(j === 4)), softmaxRow(X[1]!), softmaxRow(X[2]!)], {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });
  it("normalizes over the classes `where` keeps; an example with none kept has loss 0", () => {
    const w = [
      [true, false, true, true, true],
      [true, true, true, true, true],
      [true, true, true, false, false],
      [false, false, false, false, false],
    ];
    const expected = X.map((r, i) => {
      const kept = r.filter((_, j) => w[i]![j]);
      return kept.length ? lse(kept) - r[INT_LABELS[i]!]! : 0;
    });
    const f = (x: Tensor) => losses.softmaxCrossEntropyWithIntegerLabels(x, i32(INT_LABELS), { where: w });
    expectClose(f(f64(X)), expected, { rtol: 1e-12 });
    gradMatchesDiff(f, X);
  });
  it("works under jit", () => {
    const f = jit((x: Tensor, l: Tensor) => losses.softmaxCrossEntropyWithIntegerLabels(x, l));
    expectClose(f(f64(X), i32(INT_LABELS)), ref(X, INT_LABELS), { rtol: 1e-12 });
  });
  it("rejects float labels, a wrong label shape and integer logits", () => {
    expect(
      catchError(() => losses.softmaxCrossEntropyWithIntegerLabels(f64(X), f64(INT_LABELS)), DTypeError).message,
    ).toMatch(/softmaxCrossEntropyWithIntegerLabels: labels must be an integer tensor/);
    expect(
      catchError(() => losses.softmaxCrossEntropyWithIntegerLabels(f64(X), [0.5, 1, 2, 3]), TracegradError).message,
    ).toMatch(/labels must be whole numbers/);
    expect(
      catchError(() => losses.softmaxCrossEntropyWithIntegerLabels(f64(X), i32([0, 1])), ShapeError).message,
    ).toMatch(/labels must have the logits' shape without axis 1, \[4\]/);
    catchError(() => losses.softmaxCrossEntropyWithIntegerLabels(i32([[1, 2]]), i32([0])), DTypeError);
  });
});

describe("sigmoidBinaryCrossEntropy", () => {
  const Y = rows(
    numbers(20, 4).map((v) => (v + 2) / 4),
    5,
  );
  const ref = (x: number[][], y: number[][]) =>
    x.map((r, i) => r.map((v, j) => -y[i]![j]! * logSigmoid(v) - (1 - y[i]![j]!) * logSigmoid(-v)));
  it("is elementwise −y·log σ(x) − (1 − y)·log σ(−x)", () => {
    const out = losses.sigmoidBinaryCrossEntropy(f64(X), f64(Y));
    expect(out.shape).toEqual([4, 5]);
    expectClose(out, ref(X, Y), { rtol: 1e-12, atol: 1e-12 });
  });
  it("has gradient σ(x) − y", () => {
    const g = grad((x: Tensor) => losses.sigmoidBinaryCrossEntropy(x, f64(Y)).sum())(f64(X));
    expectClose(
      g,
      X.map((r, i) => r.map((v, j) => 1 / (1 + Math.exp(-v)) - Y[i]![j]!)),
      { rtol: 1e-12, atol: 1e-12 },
    );
    gradMatchesDiff((x) => losses.sigmoidBinaryCrossEntropy(x, f64(Y)), X);
  });
  it("is finite at ±1000 and broadcasts labels", () => {
    expectClose(losses.sigmoidBinaryCrossEntropy([1000, -1000, 1000, -1000], [0, 1, 1, 0]), [1000, 1000, 0, 0]);
    const g = grad((x: Tensor) => losses.sigmoidBinaryCrossEntropy(x, [0, 1, 1, 0]).sum())(
      np.array([1000, -1000, 1000, -1000]),
    );
    expectClose(g, [1, -1, 0, 0]);
    expect(losses.sigmoidBinaryCrossEntropy([[0, 1]], 1).shape).toEqual([1, 2]);
  });
});

describe("regression losses", () => {
  const T = rows(numbers(20, 5), 5);
  const E = X.map((r, i) => r.map((v, j) => v - T[i]![j]!));
  it("squaredError and l2Loss are (p − t)² and half of it, elementwise; targets default to 0", () => {
    expectClose(
      losses.squaredError(f64(X), f64(T)),
      E.map((r) => r.map((e) => e * e)),
      { rtol: 1e-12 },
    );
    expectClose(
      losses.l2Loss(f64(X), f64(T)),
      E.map((r) => r.map((e) => 0.5 * e * e)),
      { rtol: 1e-12 },
    );
    expectClose(
      losses.squaredError(f64(X)),
      X.map((r) => r.map((e) => e * e)),
      { rtol: 1e-12 },
    );
    expectClose(grad((p: Tensor) => losses.l2Loss(p, f64(T)).sum())(f64(X)), E, { rtol: 1e-12 });
    gradMatchesDiff((p) => losses.squaredError(p, f64(T)), X);
  });
  it("squaredError needs targets of the predictions' shape (optax checks)", () => {
    expect(catchError(() => losses.squaredError([1, 2], [[1, 2]]), ShapeError).message).toMatch(
      /optim\.losses\.squaredError: targets must have the predictions' shape \[2\]/,
    );
  });
  it("huberLoss is quadratic within delta and linear beyond; its gradient is the error clipped", () => {
    const huber = (e: number, d: number) => (Math.abs(e) <= d ? 0.5 * e * e : d * (Math.abs(e) - 0.5 * d));
    for (const d of [1, 0.5, 2]) {
      expectClose(
        losses.huberLoss(f64(X), f64(T), d),
        E.map((r) => r.map((e) => huber(e, d))),
        { rtol: 1e-12, atol: 1e-12 },
      );
      expectClose(
        losses.huberLoss(f64(X), f64(T), { delta: d }),
        E.map((r) => r.map((e) => huber(e, d))),
        { rtol: 1e-12, atol: 1e-12 },
      );
      expectClose(
        grad((p: Tensor) => losses.huberLoss(p, f64(T), d).sum())(f64(X)),
        E.map((r) => r.map((e) => Math.min(Math.max(e, -d), d))),
        { rtol: 1e-12, atol: 1e-12 },
      );
    }
    expectClose(losses.huberLoss([0.5, 3, -3]), [0.125, 2.5, 2.5]);
  });
  it("logCosh is log cosh(p − t), finite for large errors, with gradient tanh", () => {
    const logcosh = (e: number) => Math.abs(e) + Math.log1p(Math.exp(-2 * Math.abs(e))) - Math.LN2;
    expectClose(
      losses.logCosh(f64(X), f64(T)),
      E.map((r) => r.map(logcosh)),
      { rtol: 1e-12, atol: 1e-14 },
    );
    expectClose(
      grad((p: Tensor) => losses.logCosh(p, f64(T)).sum())(f64(X)),
      E.map((r) => r.map(Math.tanh)),
      { rtol: 1e-12, atol: 1e-14 },
    );
    gradMatchesDiff((p) => losses.logCosh(p, f64(T)), X);
    const big = np.array([1000, -1000, 0]);
    expectClose(losses.logCosh(big), [1000 - Math.LN2, 1000 - Math.LN2, 0]);
    expectClose(grad((p: Tensor) => losses.logCosh(p).sum())(big), [1, -1, 0]);
  });
  it("hingeLoss is max(0, 1 − p·t) elementwise", () => {
    const S = [
      [1, -1, 1, -1, 1],
      [-1, -1, 1, 1, 1],
      [1, 1, 1, -1, -1],
      [-1, 1, -1, 1, -1],
    ];
    expectClose(
      losses.hingeLoss(f64(X), f64(S)),
      X.map((r, i) => r.map((v, j) => Math.max(0, 1 - v * S[i]![j]!))),
      { rtol: 1e-12 },
    );
    expectClose(
      grad((p: Tensor) => losses.hingeLoss(p, f64(S)).sum())(f64(X)),
      X.map((r, i) => r.map((v, j) => (1 - v * S[i]![j]! > 0 ? -S[i]![j]! : 0))),
      { rtol: 1e-12 },
    );
  });
  it("reject integer predictions (optax checks for floats)", () => {
    catchError(() => losses.logCosh(i32([1, 2])), DTypeError);
    catchError(() => losses.huberLoss(i32([1, 2])), DTypeError);
  });
});

describe("cosineSimilarity and cosineDistance", () => {
  const T = rows(numbers(20, 6), 5);
  const cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
    const na = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    const nb = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
    return dot / (na * nb);
  };
  it("are the cosine of the angle per example, and one minus it", () => {
    const sim = X.map((r, i) => cos(r, T[i]!));
    expectClose(losses.cosineSimilarity(f64(X), f64(T)), sim, { rtol: 1e-12 });
    expectClose(
      losses.cosineDistance(f64(X), f64(T)),
      sim.map((s) => 1 - s),
      { rtol: 1e-12 },
    );
    gradMatchesDiff((x) => losses.cosineSimilarity(x, f64(T)), X);
  });
  it("reduce along axis and skip what `where` masks", () => {
    const tr = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
    expectClose(
      losses.cosineSimilarity(f64(tr(X)), f64(tr(T)), { axis: 0 }),
      X.map((r, i) => cos(r, T[i]!)),
      { rtol: 1e-12 },
    );
    const w = [true, false, true, true, false];
    const kept = (r: number[]) => r.filter((_, j) => w[j]);
    expectClose(
      losses.cosineSimilarity(f64(X), f64(T), { where: [w, w, w, w] }),
      X.map((r, i) => cos(kept(r), kept(T[i]!))),
      { rtol: 1e-12 },
    );
  });
  it("clip the squared norms below at epsilon: a zero vector gives NaN by default, 0 with epsilon", () => {
    expect(valuesOf(losses.cosineSimilarity([[0, 0]], [[1, 0]]))[0]).toBeNaN();
    expectClose(losses.cosineSimilarity([[0, 0]], [[1, 0]], { epsilon: 1e-12 }), [0]);
    // a norm below √epsilon is replaced by √epsilon
    expectClose(losses.cosineSimilarity(f64([[0.1, 0]]), f64([[1, 0]]), { epsilon: 1 }), [0.1], { rtol: 1e-12 });
  });
});

describe("klDivergence", () => {
  const Q = rows(
    numbers(20, 7).map((v) => Math.exp(v)),
    5,
  ).map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
  const T = P.map((r, i) => (i === 1 ? r.map((v, j) => (j < 2 ? 0 : v)) : r));
  const ref = (lq: number[][], t: number[][]) =>
    lq.map((r, i) => r.reduce((a, v, j) => a + (t[i]![j]! === 0 ? 0 : t[i]![j]! * (Math.log(t[i]![j]!) - v)), 0));
  const LQ = Q.map((r) => r.map(Math.log));
  it("is Σ t·(log t − log q) per example, with 0·log 0 = 0", () => {
    const out = losses.klDivergence(f64(LQ), f64(T));
    expect(out.shape).toEqual([4]);
    expectClose(out, ref(LQ, T), { rtol: 1e-12, atol: 1e-14 });
    expectClose(losses.klDivergence(f64(LQ), f64(Q)), [0, 0, 0, 0], { atol: 1e-14 });
  });
  it("has gradient −targets in the log-predictions", () => {
    expectClose(
      grad((lq: Tensor) => losses.klDivergence(lq, f64(T)).sum())(f64(LQ)),
      T.map((r) => r.map((v) => -v)),
      { rtol: 1e-12 },
    );
  });
});

describe("bad arguments", () => {
  it("name the loss and the argument", () => {
    expect(catchError(() => losses.softmaxCrossEntropy("x" as never, [1]), TracegradError).message).toMatch(
      /optim\.losses\.softmaxCrossEntropy: logits must be an array/,
    );
    expect(catchError(() => losses.huberLoss([1], [1], { delta: "2" as never }), TracegradError).message).toMatch(
      /optim\.losses\.huberLoss: delta must be a finite number/,
    );
    expect(catchError(() => losses.cosineSimilarity([1], [1], { eps: 1 } as never), TracegradError).message).toMatch(
      /unknown option "eps"/,
    );
  });
});
