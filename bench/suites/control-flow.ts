// Structured control flow (lax.scan, lax.foriLoop, lax.whileLoop) under jit: first-call cost (trace + compile + run)
// against the trip count, and the steady time of compiled loops against an unrolled jit program and hand-written JS.
//
// Four suites (`npm run bench -- control-flow` runs them all):
//   control-flow-rnn-first-call  Elman RNN, jit(valueAndGrad(loss)): scan at T = 200 and 1000, unrolled at T = 200
//   control-flow-rnn-step        the same, compiled: steady time, and a hand-written float32 BPTT at T = 200 and 1000
//   control-flow-rk4             RK4 of an MLP vector field with foriLoop, jit(grad(loss)) at 100 and 1000 steps
//   control-flow-newton          whileLoop Newton solves under jit(vmap) against JS loops
import { grad, jit, lax, np, type Tensor, valueAndGrad, vmap } from "tracegrad";
import { fmtAuto, fmtRatio, type Suite } from "../harness.js";
import { maxAbsDiff, mulberry32, normal } from "./data.js";
import {
  type HandResult,
  handParams,
  makeHandBptt,
  type RnnDims,
  type RnnParams,
  rnnData,
  rnnKeys,
  scanLoss,
  unrolledLoss,
} from "./rnn.js";

/** A value computed on first use. */
const lazy = <T>(make: () => T): (() => T) => {
  let v: T | undefined;
  return () => (v ??= make());
};

/** "a / b = r×" from the medians of two cases. */
const ratio = (median: (name: string) => number, label: string, a: string, b: string): string =>
  `${label}: ${fmtRatio(median(a) / median(b))}× (${fmtAuto(median(a))} / ${fmtAuto(median(b))})`;

/** Median of a few timed calls, in ms. */
function medianTime(n: number, fn: () => unknown): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[n >> 1]!;
}

// ---------------------------------------------------------------------------------------------------------------------
// Elman RNN

const H = 128;
const B = 32;
const D = 32;
const lengths = [200, 1000] as const;
type Len = (typeof lengths)[number];
const rnnDims = (T: number): RnnDims => ({ T, B, D, H });
const rnnTitle = `Elman RNN (hidden ${H}, batch ${B}, input ${D}, float32)`;
const rnnModel =
  `h_t = tanh(x_t W + h_{t−1} U + b), h_0 = 0; loss = mean over t and batch of (h_t·v − y_t)²; ` +
  "`jit(valueAndGrad(loss))` with respect to {W, U, b, v}";

const rnn = lazy(() => {
  const data = new Map(lengths.map((T) => [T, rnnData(rnnDims(T))] as const));
  const at = (T: Len) => data.get(T)!;
  return { at }; // the parameters do not depend on T (same seeds)
});

/** Relative gradient error per parameter (max |Δ| / max |g|) and the loss's relative error: hand vs tracegrad. */
function handError(hand: HandResult, value: Tensor, g: RnnParams): number {
  const v = Number(value.item());
  let worst = Math.abs(hand.loss - v) / Math.abs(v);
  for (const k of rnnKeys) {
    const a = g[k].toTypedArray();
    const h = hand[k];
    let d = 0;
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i]! - h[i]!));
      m = Math.max(m, Math.abs(a[i]!));
    }
    worst = Math.max(worst, d / m);
  }
  return worst;
}

/** Hand BPTT against tracegrad's scan gradient, at the dims given; throws beyond 1e-4 relative. */
function checkHand(dims: RnnDims, seed: number, expect?: [Tensor, RnnParams]): number {
  const { params, xs, ys } = rnnData(dims, seed);
  const [value, g] = expect ?? jit(valueAndGrad(scanLoss))(params, xs, ys);
  const hand = makeHandBptt(dims)(
    handParams(params),
    xs.toTypedArray() as Float32Array,
    ys.toTypedArray() as Float32Array,
  );
  const err = handError(hand, value, g);
  if (!(err <= 1e-4))
    throw new Error(`control-flow: hand BPTT at T=${dims.T} B=${dims.B} D=${dims.D} H=${dims.H} differs by ${err}`);
  return err;
}

const rnnFirstCall: Suite = {
  name: "control-flow-rnn-first-call",
  title: `First call of jit(valueAndGrad(loss)), ${rnnTitle}: lax.scan at T = 200 and 1000 vs an unrolled JS loop`,
  description:
    `${rnnModel}. Each timed call creates a NEW jitted function and calls it once (trace, differentiate, optimise, ` +
    "compile, run); `lower()` does all but the run. With lax.scan the traced program holds one step whatever T, so " +
    "compiling should not depend on T and the first call should cost compile + one steady run; the unrolled loss is " +
    'a JS for-loop over t, traced into T copies of the step. "compiled, warm call" calls one jitted function ' +
    "compiled before timing (the run alone). Warm process: V8 has already optimised tracegrad's code.",
  options: { warmup: 1, reps: 9 },
  setup() {
    const { at } = rnn();
    const cases = [];
    for (const T of lengths) {
      const { params, xs, ys } = at(T);
      cases.push({
        name: `scan T=${T}: new jit, first call`,
        fn: () => jit(valueAndGrad(scanLoss))(params, xs, ys),
      });
    }
    for (const T of lengths) {
      const { params, xs, ys } = at(T);
      cases.push({
        name: `scan T=${T}: new jit, lower() (no run)`,
        fn: () => jit(valueAndGrad(scanLoss)).lower(params, xs, ys),
      });
    }
    for (const T of lengths) {
      const { params, xs, ys } = at(T);
      const f = jit(valueAndGrad(scanLoss));
      f(params, xs, ys);
      cases.push({ name: `scan T=${T}: compiled, warm call`, fn: () => f(params, xs, ys) });
    }
    const { params, xs, ys } = at(200);
    cases.push({
      name: "unrolled T=200: new jit, first call",
      fn: () => jit(valueAndGrad(unrolledLoss))(params, xs, ys),
    });
    const overhead = (m: (name: string) => number, T: Len) =>
      fmtAuto(m(`scan T=${T}: new jit, first call`) - m(`scan T=${T}: compiled, warm call`));
    return {
      cases,
      baseline: "scan T=200: new jit, first call",
      summary: (m) => [
        `first call − warm call of a compiled one (the cost of a new jit): scan ${overhead(m, 200)} (T=200), ` +
          `${overhead(m, 1000)} (T=1000)`,
        ratio(
          m,
          "first call, scan T=1000 / T=200",
          "scan T=1000: new jit, first call",
          "scan T=200: new jit, first call",
        ),
        ratio(
          m,
          "lower(), scan T=1000 / T=200",
          "scan T=1000: new jit, lower() (no run)",
          "scan T=200: new jit, lower() (no run)",
        ),
        ratio(
          m,
          "first call T=200, unrolled / scan",
          "unrolled T=200: new jit, first call",
          "scan T=200: new jit, first call",
        ),
      ],
    };
  },
};

const rnnStep: Suite = {
  name: "control-flow-rnn-step",
  title: `Steady step of jit(valueAndGrad(loss)), ${rnnTitle}: lax.scan vs unrolled jit vs hand-written BPTT`,
  description:
    `${rnnModel}, compiled before timing. "scan": the loss with lax.scan; "unrolled": a JS for-loop over t ` +
    'traced into one straight-line program (T = 200 only: its compile takes seconds); "hand BPTT": forward and ' +
    "backward written by hand in JS over Float32Arrays (h_t stored, i-k-j loops over contiguous rows, four rows of " +
    "the reduction per pass; see bench/suites/rnn.ts). Before timing, the hand BPTT's loss and gradients are checked " +
    "against the scan's (≤ 1e-4 relative: max |Δ| / max |g| per parameter) at T = 200 and on a small case (T 7, " +
    'batch 4, input 8, hidden 12), and the unrolled gradients against the scan\'s (≤ 1e-5 relative). "loss only": ' +
    "a compiled jit(loss) with the scan, without the gradient.",
  options: { warmup: 2, reps: 9 },
  setup() {
    const { at } = rnn();
    const scans = new Map(lengths.map((T) => [T, jit(valueAndGrad(scanLoss))] as const));
    const unrolled = jit(valueAndGrad(unrolledLoss));
    const hands = new Map(lengths.map((T) => [T, makeHandBptt(rnnDims(T))] as const));
    const hp = handParams(at(200).params);
    const raw = (T: Len) => ({
      xs: at(T).xs.toTypedArray() as Float32Array,
      ys: at(T).ys.toTypedArray() as Float32Array,
    });
    const raws = new Map(lengths.map((T) => [T, raw(T)] as const));

    // checks
    const { params, xs, ys } = at(200);
    const ref = scans.get(200)!(params, xs, ys);
    const smallErr = checkHand({ T: 7, B: 4, D: 8, H: 12 }, 7);
    const handErr = checkHand(rnnDims(200), 100, ref);
    const t0 = performance.now();
    const [uv, ug] = unrolled(params, xs, ys);
    const unrolledFirst = performance.now() - t0;
    const unrolledErr = Math.max(
      maxAbsDiff(uv, ref[0]) / Math.abs(Number(ref[0].item())),
      ...rnnKeys.map((k) => maxAbsDiff(ug[k], ref[1][k]) / Number(np.max(np.abs(ref[1][k])))),
    );
    if (!(unrolledErr <= 1e-5))
      throw new Error(`control-flow: unrolled RNN gradient differs from scan's by ${unrolledErr}`);

    const cases = [];
    for (const T of lengths) {
      const { params, xs, ys } = at(T);
      const f = scans.get(T)!;
      f(params, xs, ys); // compiled before timing (T = 200 ran already)
      cases.push({ name: `scan T=${T}`, fn: () => f(params, xs, ys) });
    }
    const forward = jit(scanLoss);
    const at1000 = at(1000);
    forward(at1000.params, at1000.xs, at1000.ys);
    cases.push({
      name: "scan T=1000, loss only",
      fn: () => forward(at1000.params, at1000.xs, at1000.ys),
    });
    cases.push({ name: "unrolled T=200", fn: () => unrolled(params, xs, ys) });
    for (const T of lengths) {
      const h = hands.get(T)!;
      const { xs, ys } = raws.get(T)!;
      cases.push({ name: `hand BPTT T=${T}`, fn: () => h(hp, xs, ys) });
    }
    return {
      cases,
      baseline: "scan T=200",
      notes: [
        `checks: hand BPTT vs scan, worst relative error ${smallErr.toExponential(1)} (small case), ` +
          `${handErr.toExponential(1)} (T = 200); unrolled vs scan ${unrolledErr.toExponential(1)}; ` +
          `the unrolled program's first call took ${fmtAuto(unrolledFirst)} (one sample)`,
      ],
      summary: (m) => {
        const perStep = (name: string, T: number) => fmtAuto(m(name) / T);
        return [
          ratio(m, "steady, scan / unrolled jit (T=200)", "scan T=200", "unrolled T=200"),
          ratio(m, "steady, scan / hand BPTT (T=200)", "scan T=200", "hand BPTT T=200"),
          ratio(m, "steady, scan / hand BPTT (T=1000)", "scan T=1000", "hand BPTT T=1000"),
          ratio(m, "steady, scan T=1000 / T=200 (5 if linear in T)", "scan T=1000", "scan T=200"),
          `per time step (forward + backward): scan ${perStep("scan T=200", 200)} (T=200), ` +
            `${perStep("scan T=1000", 1000)} (T=1000; loss only ${perStep("scan T=1000, loss only", 1000)}); ` +
            `unrolled ${perStep("unrolled T=200", 200)}; ` +
            `hand BPTT ${perStep("hand BPTT T=200", 200)} (T=200), ${perStep("hand BPTT T=1000", 1000)} (T=1000)`,
        ];
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// RK4 with foriLoop

const S = 8; // state
const W = 32; // hidden width of the vector field
const dt = 0.01;
const steps = [100, 1000] as const;
type OdeParams = { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor };
const odeKeys = ["W1", "b1", "W2", "b2"] as const;

/** dy/dt = tanh(y W1 + b1) W2 + b2 − 0.1 y */
const field = (p: OdeParams, y: Tensor): Tensor =>
  np
    .matmul(np.tanh(np.matmul(y, p.W1).add(p.b1)), p.W2)
    .add(p.b2)
    .sub(y.mul(0.1));
const rk4Step = (p: OdeParams, y: Tensor): Tensor => {
  const k1 = field(p, y);
  const k2 = field(p, y.add(k1.mul(dt / 2)));
  const k3 = field(p, y.add(k2.mul(dt / 2)));
  const k4 = field(p, y.add(k3.mul(dt)));
  return y.add(
    k1
      .add(k2.mul(2))
      .add(k3.mul(2))
      .add(k4)
      .mul(dt / 6),
  );
};
/** ‖y_N‖² after N RK4 steps with foriLoop. */
const odeLoss =
  (N: number) =>
  (p: OdeParams, y0: Tensor): Tensor => {
    const y = lax.foriLoop(0, N, (_i: Tensor, y: Tensor) => rk4Step(p, y), y0);
    return np.sum(y.mul(y));
  };
/** The same as a JS for-loop (unrolled under jit). */
const odeLossUnrolled =
  (N: number) =>
  (p: OdeParams, y0: Tensor): Tensor => {
    let y = y0;
    for (let i = 0; i < N; i++) y = rk4Step(p, y);
    return np.sum(y.mul(y));
  };

/** The final state after N RK4 steps in JS doubles (from the float32 parameters), with buffers allocated once. */
function makeOdeJs(p: OdeParams, N: number): (y0: Float32Array) => Float64Array {
  const [W1, b1, W2, b2] = odeKeys.map((k) => p[k].toTypedArray()) as Float32Array[];
  const f = (y: Float64Array, out: Float64Array) => {
    for (let i = 0; i < S; i++) out[i] = b2![i]! - 0.1 * y[i]!;
    for (let j = 0; j < W; j++) {
      let a = b1![j]!;
      for (let i = 0; i < S; i++) a += y[i]! * W1![i * W + j]!;
      const h = Math.tanh(a);
      for (let i = 0; i < S; i++) out[i]! += h * W2![j * S + i]!;
    }
  };
  const [t, k1, k2, k3, k4] = Array.from({ length: 5 }, () => new Float64Array(S)) as Float64Array[];
  return (y0) => {
    const y = Float64Array.from(y0);
    for (let n = 0; n < N; n++) {
      f(y, k1!);
      for (let i = 0; i < S; i++) t![i] = y[i]! + (dt / 2) * k1![i]!;
      f(t!, k2!);
      for (let i = 0; i < S; i++) t![i] = y[i]! + (dt / 2) * k2![i]!;
      f(t!, k3!);
      for (let i = 0; i < S; i++) t![i] = y[i]! + dt * k3![i]!;
      f(t!, k4!);
      for (let i = 0; i < S; i++) y[i] = y[i]! + (dt / 6) * (k1![i]! + 2 * k2![i]! + 2 * k3![i]! + k4![i]!);
    }
    return y;
  };
}

const rk4: Suite = {
  name: "control-flow-rk4",
  title: `RK4 with lax.foriLoop, MLP vector field (state ${S}, width ${W}), jit(grad(‖y_N‖²)): N = 100 and 1000 steps`,
  description:
    `dy/dt = tanh(y W1 + b1) W2 + b2 − 0.1 y, ${dt} per step, classic RK4 (4 evaluations per step) in ` +
    '`lax.foriLoop(0, N, …)`; the gradient of ‖y_N‖² with respect to {W1, b1, W2, b2}. "new jit" cases create a new ' +
    'jitted function per call (first call: trace + compile + run; lower(): without the run); "compiled" cases call ' +
    'one compiled before timing ("loss only": a compiled jit(loss), without the gradient); "plain JS doubles" is ' +
    "the forward RK4 written by hand in JS numbers (buffers allocated once), no gradient. Checked before timing: " +
    "y_N against RK4 in JS doubles (N = 1000, ≤ 1e-4 relative) and the gradient against the unrolled JS loop under " +
    "jit (N = 10, ≤ 1e-5 relative).",
  options: { warmup: 3, reps: 15 },
  setup() {
    const p: OdeParams = {
      W1: normal(41, [S, W], 1 / Math.sqrt(S)),
      b1: normal(42, [W], 0.1),
      W2: normal(43, [W, S], 1 / Math.sqrt(W)),
      b2: normal(44, [S], 0.1),
    };
    const y0 = normal(45, [S]);
    // checks
    const small = jit(grad(odeLoss(10)))(p, y0);
    const smallRef = jit(grad(odeLossUnrolled(10)))(p, y0);
    const gErr = Math.max(
      ...odeKeys.map((k) => maxAbsDiff(small[k], smallRef[k]) / Number(np.max(np.abs(smallRef[k])))),
    );
    if (!(gErr <= 1e-5))
      throw new Error(`control-flow: RK4 foriLoop gradient differs from the unrolled one by ${gErr}`);
    const yN = jit((p: OdeParams, y0: Tensor) => lax.foriLoop(0, 1000, (_i: Tensor, y: Tensor) => rk4Step(p, y), y0))(
      p,
      y0,
    ).toTypedArray();
    const odeJs = makeOdeJs(p, 1000);
    const y0Raw = y0.toTypedArray() as Float32Array;
    const yRef = odeJs(y0Raw);
    const yScale = Math.max(...yRef.map(Math.abs));
    const yErr = Math.max(...yRef.map((v, i) => Math.abs(v - yN[i]!))) / yScale;
    if (!(yErr <= 1e-4)) throw new Error(`control-flow: RK4 final state differs from JS doubles by ${yErr}`);

    const compiled = new Map(steps.map((N) => [N, jit(grad(odeLoss(N)))] as const));
    for (const f of compiled.values()) f(p, y0);
    const forward = jit(odeLoss(1000));
    forward(p, y0);
    const cases = [
      ...steps.map((N) => ({ name: `N=${N}: new jit, first call`, fn: () => jit(grad(odeLoss(N)))(p, y0) })),
      ...steps.map((N) => ({
        name: `N=${N}: new jit, lower() (no run)`,
        fn: () => jit(grad(odeLoss(N))).lower(p, y0),
      })),
      ...steps.map((N) => ({ name: `N=${N}: compiled`, fn: () => compiled.get(N)!(p, y0) })),
      { name: "N=1000: compiled, loss only (no gradient)", fn: () => forward(p, y0) },
      {
        name: "N=1000: plain JS doubles, loss only",
        fn: () => {
          const y = odeJs(y0Raw);
          return y.reduce((s, v) => s + v * v, 0);
        },
      },
    ];
    return {
      cases,
      baseline: "N=1000: compiled",
      notes: [
        `checks: gradient vs unrolled (N = 10) ${gErr.toExponential(1)}, ` +
          `y_1000 vs JS doubles ${yErr.toExponential(1)} ` +
          `(|y_1000| up to ${yScale.toFixed(2)})`,
      ],
      summary: (m) => [
        ratio(m, "first call, N=1000 / N=100", "N=1000: new jit, first call", "N=100: new jit, first call"),
        ratio(m, "lower(), N=1000 / N=100", "N=1000: new jit, lower() (no run)", "N=100: new jit, lower() (no run)"),
        ratio(m, "compiled, N=1000 / N=100 (10 if linear in N)", "N=1000: compiled", "N=100: compiled"),
        ratio(
          m,
          "loss only, compiled / plain JS (N=1000)",
          "N=1000: compiled, loss only (no gradient)",
          "N=1000: plain JS doubles, loss only",
        ),
        `compiled, per RK4 step (forward + backward): ${fmtAuto(m("N=100: compiled") / 100)} (N=100), ` +
          `${fmtAuto(m("N=1000: compiled") / 1000)} (N=1000); loss only ` +
          `${fmtAuto(m("N=1000: compiled, loss only (no gradient)") / 1000)}, plain JS ` +
          `${fmtAuto(m("N=1000: plain JS doubles, loss only") / 1000)}`,
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Newton with whileLoop

const problems = 1000;
const eagerProblems = 50; // eager lax.whileLoop runs each operation on its own: a subset
const maxIter = 100;
const rtol = 1e-6;

/**
 * Newton's method for x³ + a x − b = 0 (a > 0: one real root) from x = 0, while |Δx| > rtol (|x| + 1) and fewer than
 * maxIter steps. Returns [x, iterations].
 */
function newton(a: Tensor, b: Tensor): [Tensor, Tensor] {
  type C = [Tensor, Tensor, Tensor];
  const [x, , it] = lax.whileLoop(
    ([x, dx, it]: C) => np.where(np.less(it, maxIter), np.greater(np.abs(dx), np.abs(x).add(1).mul(rtol)), false),
    ([x, dx, it]: C): C => {
      dx = x.mul(x).mul(x).add(a.mul(x)).sub(b).div(x.mul(x).mul(3).add(a));
      return [x.sub(dx), dx, it.add(1)];
    },
    [np.zeros([]), np.array(Infinity), np.array(0, { dtype: "int32" })] as C,
  );
  return [x, it];
}

/** The same iteration in JS numbers (doubles), one problem after another. */
function newtonJs(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    let x = 0;
    let dx = Infinity;
    let it = 0;
    while (it < maxIter && Math.abs(dx) > (Math.abs(x) + 1) * rtol) {
      dx = (x * x * x + ai * x - bi) / (3 * x * x + ai);
      x -= dx;
      it++;
    }
    out[i] = x;
    total += it;
  }
  return total;
}

const newtonSuite: Suite = {
  name: "control-flow-newton",
  title: `Newton solves with lax.whileLoop: ${problems} problems x³ + a x − b = 0, jit(vmap) vs JS loops`,
  description:
    `Newton from x = 0 until |Δx| ≤ ${rtol.toExponential()}·(|x| + 1) (at most ${maxIter} steps); ` +
    "a uniform in [0.1, 18.1], b = s·10^u with s uniform in [−1, 1] and u in [0, 4.6], so problems take from 2 " +
    "to ~30 steps. `jit(vmap(newton))` solves all in one call, in float32 (its while loop runs until the slowest " +
    "lane is done, freezing finished ones); eager `vmap(newton)` the same without jit; `jit(newton)` is called once " +
    "per problem from JS; eager `newton` (lax.whileLoop run op by op) per problem on the first " +
    `${eagerProblems} problems only; "plain JS" is the same iteration in JS doubles (10 passes over the problems per ` +
    "sample). Times are per problem. Checked before timing: every way's roots against plain JS (≤ 1e-5 relative to " +
    "|x| + 1).",
  options: { warmup: 3, reps: 20 },
  display: { unit: "µs", per: "problem" },
  setup() {
    const rand = mulberry32(77);
    const aData = Float32Array.from({ length: problems }, () => 0.1 + 18 * rand());
    const bData = Float32Array.from({ length: problems }, () => (2 * rand() - 1) * 10 ** (4.6 * rand()));
    const a = np.array(aData);
    const b = np.array(bData);
    const scalars = Array.from({ length: problems }, (_, i) => [np.array(aData[i]!), np.array(bData[i]!)] as const);
    const out = new Float64Array(problems);
    const jsIters = newtonJs(aData, bData, out);

    const firstCall = medianTime(3, () => jit(vmap(newton))(a, b));
    const firstOne = medianTime(3, () => jit(newton)(...scalars[0]!));
    const solveAll = jit(vmap(newton));
    const [x, its] = solveAll(a, b);
    const xs = x.toTypedArray();
    const itArr = Array.from(its.toTypedArray() as Int32Array);
    const maxIts = Math.max(...itArr);
    const minIts = Math.min(...itArr);
    const sumIts = itArr.reduce((s, v) => s + v, 0);
    const eagerVmap = vmap(newton);
    const eagerAll = eagerVmap(a, b)[0].toTypedArray();
    const solveOne = jit(newton);
    // every way of solving against JS doubles: float32 roots (bits may differ between jit's fused code and eager)
    let err = 0;
    const check = (what: string, i: number, v: number) => {
      const e = Math.abs(v - out[i]!) / (Math.abs(out[i]!) + 1);
      if (!(e <= 1e-5))
        throw new Error(`control-flow: ${what} on newton problem ${i} gives ${v}, JS doubles ${out[i]}`);
      err = Math.max(err, e);
    };
    for (let i = 0; i < problems; i++) {
      check("jit(vmap(newton))", i, xs[i]!);
      check("eager vmap(newton)", i, eagerAll[i]!);
      check("jit(newton)", i, Number(solveOne(...scalars[i]!)[0].item()));
      if (i < eagerProblems) check("eager newton", i, Number(newton(...scalars[i]!)[0].item()));
    }

    const reps = 10;
    const cases = [
      {
        name: `plain JS (doubles), ${problems} problems`,
        count: reps * problems,
        fn: () => {
          let s = 0;
          for (let r = 0; r < reps; r++) s += newtonJs(aData, bData, out);
          return s;
        },
      },
      { name: `jit(vmap(newton)), ${problems} problems`, count: problems, fn: () => solveAll(a, b) },
      { name: `eager vmap(newton), ${problems} problems`, count: problems, fn: () => eagerVmap(a, b) },
      {
        name: `jit(newton) per problem, ${problems} calls`,
        count: problems,
        fn: () => {
          let r: unknown;
          for (const [ai, bi] of scalars) r = solveOne(ai, bi);
          return r;
        },
      },
      {
        name: `eager newton per problem, first ${eagerProblems}`,
        count: eagerProblems,
        fn: () => {
          let r: unknown;
          for (let i = 0; i < eagerProblems; i++) r = newton(...scalars[i]!);
          return r;
        },
      },
    ];
    return {
      cases,
      baseline: `plain JS (doubles), ${problems} problems`,
      notes: [
        `checks: worst root error ${err.toExponential(1)} (relative to |x| + 1); iterations per problem: ` +
          `${minIts}–${maxIts} (total ${sumIts} in float32, ${jsIters} in doubles); the vmapped loop runs ` +
          `${maxIts} steps over all ${problems} lanes`,
        `first call of a new jit(vmap(newton)) (trace + compile + run): ${fmtAuto(firstCall)} (median of 3); ` +
          `of a new jit(newton) on one problem: ${fmtAuto(firstOne)} (median of 3)`,
      ],
      summary: (m) => [
        ratio(
          m,
          "jit(vmap) / plain JS",
          `jit(vmap(newton)), ${problems} problems`,
          `plain JS (doubles), ${problems} problems`,
        ),
        ratio(
          m,
          "jit(newton) per problem / jit(vmap)",
          `jit(newton) per problem, ${problems} calls`,
          `jit(vmap(newton)), ${problems} problems`,
        ),
        ratio(
          m,
          "eager per problem / jit(vmap)",
          `eager newton per problem, first ${eagerProblems}`,
          `jit(vmap(newton)), ${problems} problems`,
        ),
        `whole batch of ${problems}: jit(vmap) ${fmtAuto(m(`jit(vmap(newton)), ${problems} problems`) * problems)}, ` +
          `plain JS ${fmtAuto(m(`plain JS (doubles), ${problems} problems`) * problems)}`,
      ],
    };
  },
};

export const controlFlow: Suite[] = [rnnFirstCall, rnnStep, rk4, newtonSuite];
