// Control flow with bodies drawn by the random-program generator: scan, foriLoop, whileLoop and cond against the same
// program run as a JS loop or JS branch, and the registry's laws (JVP vs central differences, VJP/JVP inner product,
// vmap vs stacking, jit vs eager) through the loop.
import fc from "fast-check";
import { grad, jit, jvp, lax, np, type Tensor, vjp, vmap } from "tracegrad";
import { describe, expect } from "vitest";
import { seed } from "./config.js";
import {
  centralDifference,
  EXACT_TOL,
  expectClose,
  expectIdentity,
  FD_TOL,
  innerProduct,
  valuesOf,
} from "./numerics.js";
import { type ProgramCase, programCase, programLaw, SMOOTH_OPS, type SmoothOp, show, smoothFn } from "./programs.js";

const SEED = seed(0xc0f10);
const RUNS = 25;

/** Smooth ops without the one that branches in JS on a value (a ConcretizationError inside a traced body). */
const TRACEABLE = SMOOTH_OPS.filter((op) => op !== "branch");
/** A random program of 2 or 3 inputs; the first is the carry (its shape kept), the rest are per-iteration xs. */
const bodies = fc.tuple(
  programCase(TRACEABLE, { inputs: [2, 3], maxRank: 2, maxSteps: 4, domain: [-1, 1] }),
  fc.integer({ min: 1, max: 4 }),
  fc.boolean(),
);
type Case = [ProgramCase<SmoothOp>, number, boolean];
const describeCase = ([c, T, reverse]: Case) => `${show(c)}; T=${T}; reverse=${reverse}`;
const law = (name: string, body: (c: Case) => void, numRuns = RUNS) =>
  programLaw(name, bodies, describeCase, body, { seed: SEED, numRuns });

/** Deterministic values in (−1, 1) of a shape, float64. */
const wave = (shape: readonly number[], phase: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return np
    .array(
      Float64Array.from({ length: n }, (_, i) => 0.9 * Math.sin(1.7 * i + phase)),
      "float64",
    )
    .reshape([...shape]);
};

/** One step of the loop: the new carry (damped, fed by the program's output summed) and the program's output. */
const step = (c: ProgramCase<SmoothOp>) => (h: Tensor, xs: Tensor[]) => {
  const y = smoothFn(c)(h, ...xs);
  return [h.mul(0.5).add(np.tanh(np.sum(y)).mul(0.25)), y] as const;
};

/** The case as a function of (carry, stacked xs…) → [final carry, stacked ys] with lax.scan, and with a JS loop. */
function loops([c, T, reverse]: Case) {
  const f = step(c);
  const scanned = (h: Tensor, ...xs: Tensor[]) =>
    lax.scan((carry: Tensor, x: Tensor[]) => f(carry, x), h, xs, { reverse }) as [Tensor, Tensor];
  const unrolled = (h: Tensor, ...xs: Tensor[]): [Tensor, Tensor] => {
    const ys: Tensor[] = Array(T);
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      const [h2, y] = f(
        h,
        xs.map((x) => x.slice(t)),
      );
      h = h2;
      ys[t] = y;
    }
    return [h, np.stack(ys)];
  };
  const inputs = [wave(c.shapes[0]!, 0.3), ...c.shapes.slice(1).map((s, i) => wave([T, ...s], i + 1))];
  return { scanned, unrolled, inputs };
}

/** A scalar of both outputs, so derivatives reach every path. */
const scalar =
  (g: (...xs: Tensor[]) => [Tensor, Tensor]) =>
  (...xs: Tensor[]) => {
    const [h, ys] = g(...xs);
    return np.sum(h).add(np.sum(np.sin(ys)));
  };

describe("scan with random-program bodies", () => {
  law("scan equals the JS loop, eagerly and under jit", (k) => {
    const { scanned, unrolled, inputs } = loops(k);
    const want = unrolled(...(inputs as [Tensor]));
    for (const [what, got] of [
      ["eager", scanned(...(inputs as [Tensor]))],
      ["jit", jit(scanned)(...(inputs as [Tensor]))],
    ] as const) {
      expectClose(`${what} carry`, valuesOf(got[0]), valuesOf(want[0]), EXACT_TOL);
      expectClose(`${what} ys`, valuesOf(got[1]), valuesOf(want[1]), EXACT_TOL);
    }
  });

  law("JVP through scan agrees with central differences, and with the JS loop's", (k) => {
    const { scanned, unrolled, inputs } = loops(k);
    const f = scalar(scanned);
    const dirs = inputs.map((x, i) => wave(x.shape, 2 * i + 0.5));
    const [, t] = jvp(f, inputs, dirs);
    const fd = centralDifference((xs) => f(...xs), inputs, dirs.map(valuesOf));
    expectClose("jvp vs central differences", valuesOf(t), fd, FD_TOL);
    expectClose("jvp vs the JS loop's jvp", valuesOf(t), valuesOf(jvp(scalar(unrolled), inputs, dirs)[1]), EXACT_TOL);
  });

  law("VJP through scan: <u, jvp(v)> = <vjp(u), v>, and grad equals the JS loop's (also under jit)", (k) => {
    const { scanned, unrolled, inputs } = loops(k);
    const dirs = inputs.map((x, i) => wave(x.shape, 3 * i + 0.25));
    const [, [th, tys]] = jvp(scanned, inputs as [Tensor], dirs as [Tensor]) as unknown as [unknown, [Tensor, Tensor]];
    const [[h, ys], back] = vjp(scanned, ...(inputs as [Tensor])) as unknown as [
      [Tensor, Tensor],
      (ct: [Tensor, Tensor]) => Tensor[],
    ];
    const [uh, uys] = [wave(h.shape, 0.7), wave(ys.shape, 1.1)];
    const cts = back([uh, uys]);
    expectIdentity(
      "<u, jvp(v)> vs <vjp(u), v>",
      innerProduct([valuesOf(uh), valuesOf(uys)], [valuesOf(th), valuesOf(tys)]),
      innerProduct(cts.map(valuesOf), dirs.map(valuesOf)),
    );
    const argnums = inputs.map((_, i) => i);
    const want = grad(scalar(unrolled), { argnums })(...inputs);
    const got = grad(scalar(scanned), { argnums })(...inputs);
    const jitted = jit(grad(scalar(scanned), { argnums }))(...inputs);
    want.forEach((w, i) => {
      expectClose(`grad of input ${i}`, valuesOf(got[i]!), valuesOf(w), EXACT_TOL);
      expectClose(`jit(grad) of input ${i}`, valuesOf(jitted[i]!), valuesOf(w), EXACT_TOL);
    });
  });

  law("vmap(scan) over the carry and the xs equals the scans stacked", (k) => {
    const { scanned, inputs } = loops(k);
    const batch = inputs.map((x, i) => np.stack([x, x.mul(-0.5), x.add(0.25 * (i + 1))]));
    const got = vmap(scanned)(...(batch as [Tensor])) as [Tensor, Tensor];
    for (let e = 0; e < 3; e++) {
      const one = scanned(...(batch.map((b) => b.slice(e)) as [Tensor]));
      expectClose(`example ${e} carry`, valuesOf(got[0].slice(e)), valuesOf(one[0]), EXACT_TOL);
      expectClose(`example ${e} ys`, valuesOf(got[1].slice(e)), valuesOf(one[1]), EXACT_TOL);
    }
  });
});

describe("foriLoop, whileLoop and cond with random-program bodies", () => {
  law(
    "foriLoop (a scan) and whileLoop (traced bound) equal the JS loop; jvp through while vs central differences",
    (k) => {
      const [c, T] = k;
      const f = step(c);
      const consts = c.shapes.slice(1).map((s, i) => wave(s, i + 2));
      const body = (h: Tensor) => f(h, consts)[0];
      let want = wave(c.shapes[0]!, 0.1);
      const h0 = want;
      for (let t = 0; t < T; t++) want = body(want);
      const fori = (h: Tensor) => lax.foriLoop(0, T, (_i: Tensor, v: Tensor) => body(v), h);
      const viaWhile = jit((h: Tensor, n: Tensor) => lax.foriLoop(0, n, (_i: Tensor, v: Tensor) => body(v), h));
      expectClose("foriLoop", valuesOf(fori(h0)), valuesOf(want), EXACT_TOL);
      expectClose("whileLoop", valuesOf(viaWhile(h0, np.array(T, "int32"))), valuesOf(want), EXACT_TOL);
      const g = (h: Tensor) => np.sum(np.sin(viaWhile(h, np.array(T, "int32"))));
      const v = wave(h0.shape, 0.9);
      const [, t] = jvp(g, [h0], [v]);
      expectClose(
        "jvp(while) vs central differences",
        valuesOf(t),
        centralDifference(([x]) => g(x!), [h0], [valuesOf(v)]),
        FD_TOL,
      );
      expectClose(
        "grad(foriLoop)·v vs jvp(while)",
        [np.sum(grad((h: Tensor) => np.sum(np.sin(fori(h))))(h0).mul(v)).item() as number],
        valuesOf(t),
        EXACT_TOL,
      );
    },
  );

  law("cond takes the branch the predicate picks, with that branch's derivatives, also under vmap", (k) => {
    const [c] = k;
    const p = smoothFn(c);
    const q = (...xs: Tensor[]) => np.cos(p(...xs)).mul(2);
    const xs = c.shapes.map((s, i) => wave(s, i + 0.4));
    for (const pred of [true, false]) {
      const branch = pred ? p : q;
      const viaCond = (...ys: Tensor[]) => np.sum(lax.cond(pred, p, q, ...ys) as Tensor);
      const direct = (...ys: Tensor[]) => np.sum(branch(...ys));
      expectClose(`value (pred ${pred})`, valuesOf(viaCond(...xs)), valuesOf(direct(...xs)), EXACT_TOL);
      const argnums = xs.map((_, i) => i);
      const gc = grad(viaCond, { argnums })(...xs);
      grad(direct, { argnums })(...xs).forEach((g, i) =>
        expectClose(`grad ${i} (pred ${pred})`, valuesOf(gc[i]!), valuesOf(g), EXACT_TOL),
      );
    }
    // a batched predicate: each example takes its own branch
    const preds = np.array([true, false, true]);
    const batched = vmap((b: Tensor, ...ys: Tensor[]) => lax.cond(b, p, q, ...ys) as Tensor, {
      inAxes: [0, ...xs.map(() => null)],
    })(preds, ...xs);
    [true, false, true].forEach((b, e) =>
      expectClose(`example ${e}`, valuesOf(batched.slice(e)), valuesOf((b ? p : q)(...xs)), EXACT_TOL),
    );
    expect(batched.shape[0]).toBe(3);
  });
});
