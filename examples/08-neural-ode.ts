// 08 — differentiating through ODE solvers and Newton iterations: lax.scan, lax.foriLoop, lax.whileLoop.
//
// Part 1, parameter fitting through an ODE solver. A damped harmonic oscillator
//   x″ = −k·x − c·x′,   x(0) = 1, x′(0) = 0,
// with true k = 4, c = 0.4, is observed at t = 0.25, 0.5, …, 10 (40 times) with Gaussian noise
// (σ = 0.05, from tracegrad's `random`: JAX's threefry PRNG, one key per use split from a seed). The forward model integrates the state s = (x, x′) with classic RK4:
//   k₁ = f(s), k₂ = f(s + h/2·k₁), k₃ = f(s + h/2·k₂), k₄ = f(s + h·k₃),  s ← s + h/6·(k₁ + 2k₂ + 2k₃ + k₄)
// as a `lax.scan` over the 40 observation intervals whose body is a `lax.foriLoop` of 8 RK4 steps
// (h = 1/32); the scan's ys are the positions at the observation times. The parameters are the
// pytree { logK, logC } (logs keep k and c positive), the loss is the mean squared error against the
// observations, and `optim.adam` fits them from k = 1.5, c = 1 under
// `jit(valueAndGrad(loss))`: reverse mode runs backwards through both loops (the foriLoop, having
// JS-number bounds, is a scan, so it stores its per-step residuals as the outer scan does).
// Checks: the RK4 model matches the closed-form solution; the gradient agrees with forward mode
// (`jvp` through the same loops) and with central finite differences; the fitted k and c are
// within 3 % and 15 % of the truth; the final loss is close to the noise variance σ².
//
// Part 2, a batched Newton solver with `lax.whileLoop` under `vmap`. Kepler's equation
//   E − e·sin E = M
// (eccentric anomaly E from eccentricity e and mean anomaly M) is solved for 1000 random (e, M)
// pairs at once by Newton's method from E₀ = M,  E ← E − (E − e·sin E − M) / (1 − e·cos E),
// iterating while |E − e·sin E − M| > 10⁻⁵ (at most 50 times). The solver is written for ONE
// problem; `vmap` makes the loop predicate a batch of predicates, so the loop runs until every
// problem has converged and freezes those already done: each problem reports its own iteration
// count. Every root (and iteration count) is checked against a plain-JS float64 Newton solve.
// `jvp` through the while loop gives the sensitivities dE/de and dE/dM, checked against the
// implicit-function theorem: with F(E, e, M) = E − e·sin E − M = 0,
//   dE/de = −F_e / F_E = sin E / (1 − e·cos E),   dE/dM = −F_M / F_E = 1 / (1 − e·cos E).
// (A while loop has no reverse-mode derivative — its trip count is data-dependent — so `grad` of
// it is a GradientError, as in JAX; forward mode works.)
//
// What it demonstrates: a loop is one equation in the jaxpr whatever its trip count (the script
// prints the first-call time, trace + compile, of 320 and of 3200 RK4 steps, and checks that their
// jaxprs are the same size); reverse mode through nested scan/foriLoop; vmap and jvp of whileLoop.
//
// It exits with code 1 if any check fails, and writes examples/out/08-fit.svg: the observations,
// the trajectory of the initial guess, the fitted trajectory and the true one.
//
// Run: npx tsx examples/08-neural-ode.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { grad, jit, jvp, lax, makeJaxpr, np, optim, random, type Tensor, valueAndGrad, vmap } from "tracegrad";
import { axes, axisTitles, fmt, plotArea, svgOpen } from "./lib/svg.js";
import { trainStep } from "./lib/train.js";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

// ── Keys: one seed, split into a key per use ───────────────────────────────────────────────────
const [noiseKey, eccentricityKey, anomalyKey] = random.split(random.key(20240808), 3);

// ══ Part 1: fitting k and c through an RK4 solver ══════════════════════════════════════════════
type Params = { logK: Tensor; logC: Tensor };
const paramsOf = (k: number, c: number): Params => ({ logK: np.array(Math.log(k)), logC: np.array(Math.log(c)) });
const kcOf = (p: Params): [number, number] => [Math.exp(Number(p.logK)), Math.exp(Number(p.logC))];

const s0 = [1, 0]; // x(0), x′(0)
const nObs = 40; // observations at t = dtObs, 2·dtObs, …
const dtObs = 0.25;
const substeps = 8; // RK4 steps per observation interval: h = 1/32

/**
 * Positions x(t) at t = d, 2d, …, n·d: a scan over the n intervals, each a foriLoop of m RK4 steps of h = d/m.
 * Returns f32[n].
 */
function trajectory(p: Params, n: number, d: number, m: number): Tensor {
  const [k, c] = [np.exp(p.logK), np.exp(p.logC)];
  const h = d / m;
  // s = [x, v] ↦ [v, −k·x − c·v]
  const f = (s: Tensor) => np.stack([s.slice(1), s.slice(0).mul(k).add(s.slice(1).mul(c)).neg()]);
  const rk4Step = (_i: Tensor, s: Tensor): Tensor => {
    const k1 = f(s);
    const k2 = f(s.add(k1.mul(h / 2)));
    const k3 = f(s.add(k2.mul(h / 2)));
    const k4 = f(s.add(k3.mul(h)));
    return s.add(
      k1
        .add(k2.mul(2))
        .add(k3.mul(2))
        .add(k4)
        .mul(h / 6),
    );
  };
  const [, xs] = lax.scan(
    (s: Tensor, _: null) => {
      const s2 = lax.foriLoop(0, m, rk4Step, s);
      return [s2, s2.slice(0)];
    },
    np.array(s0),
    null,
    { length: n },
  );
  return xs;
}
/** The closed-form solution of the underdamped oscillator from x(0) = 1, x′(0) = 0 (c² < 4k). */
function exact(k: number, c: number, t: number): number {
  const wd = Math.sqrt(k - (c * c) / 4);
  return Math.exp((-c * t) / 2) * (Math.cos(wd * t) + (c / (2 * wd)) * Math.sin(wd * t));
}

// ── Observations ───────────────────────────────────────────────────────────────────────────────
const [kTrue, cTrue] = [4, 0.4];
const sigma = 0.05;
const tObs = Array.from({ length: nObs }, (_, j) => (j + 1) * dtObs);
const xTrue = trajectory(paramsOf(kTrue, cTrue), nObs, dtObs, substeps);
const observed = xTrue.add(random.normal(noiseKey, [nObs]).mul(sigma));
const obsData = Array.from(observed.toTypedArray());

{
  const rk4 = Array.from(xTrue.toTypedArray());
  const err = Math.max(...tObs.map((t, j) => Math.abs(rk4[j]! - exact(kTrue, cTrue, t))));
  check(err < 1e-4, "RK4 (scan of foriLoop) matches the closed-form solution", `max |Δx| ${err.toExponential(2)}`);
}

// ── Loss, gradient checks ──────────────────────────────────────────────────────────────────────
const loss = (p: Params): Tensor => np.square(trajectory(p, nObs, dtObs, substeps).sub(observed)).mean();
const [k0, c0] = [1.5, 1];
const init = paramsOf(k0, c0);
{
  const g = grad(loss)(init);
  // forward mode through the same loops: the directional derivative along each parameter
  const jvpK = Number(jvp(loss, [init], [{ logK: np.array(1), logC: np.array(0) }])[1]);
  const jvpC = Number(jvp(loss, [init], [{ logK: np.array(0), logC: np.array(1) }])[1]);
  const [gK, gC] = [Number(g.logK), Number(g.logC)];
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
  check(
    rel(gK, jvpK) < 1e-4 && rel(gC, jvpC) < 1e-4,
    "grad (reverse mode through scan/foriLoop) = jvp (forward mode)",
    `∂L/∂log k ${gK.toPrecision(6)} vs ${jvpK.toPrecision(6)}, ∂L/∂log c ${gC.toPrecision(6)} vs ${jvpC.toPrecision(6)}`,
  );
  // central differences, in float32: step 1e-2 in log space, agreement to about 1 %
  const eps = 1e-2;
  const fd = (dk: number, dc: number) =>
    (Number(loss(paramsOf(k0 * Math.exp(dk), c0 * Math.exp(dc)))) -
      Number(loss(paramsOf(k0 * Math.exp(-dk), c0 * Math.exp(-dc))))) /
    (2 * eps);
  const [fdK, fdC] = [fd(eps, 0), fd(0, eps)];
  check(
    rel(gK, fdK) < 2e-2 && rel(gC, fdC) < 2e-2,
    "grad = central finite differences",
    `∂L/∂log k ${fdK.toPrecision(4)}, ∂L/∂log c ${fdC.toPrecision(4)}`,
  );
}

// ── Compile time does not depend on the trip count ─────────────────────────────────────────────
{
  const firstCall = (m: number) => {
    const f = jit((p: Params) => trajectory(p, nObs, dtObs, m));
    const t0 = performance.now();
    f(init).toTypedArray();
    return performance.now() - t0;
  };
  const [ms1, ms10] = [firstCall(substeps), firstCall(10 * substeps)];
  console.log(
    `jit first call of the forward model: ${ms1.toFixed(0)} ms for ${nObs * substeps} RK4 steps, ` +
      `${ms10.toFixed(0)} ms for ${10 * nObs * substeps}`,
  );
  const size = (m: number) => makeJaxpr(valueAndGrad((p: Params) => trajectory(p, nObs, dtObs, m).sum()))(init);
  const [a, b] = [size(substeps).jaxpr.eqns.length, size(10 * substeps).jaxpr.eqns.length];
  check(a === b, "the gradient's jaxpr does not grow with the step count", `${a} equations for both`);
}

// ── Fitting: Adam on { logK, logC } ────────────────────────────────────────────────────────────
const steps = 300;
const learningRate = 0.05;
const optimizer = optim.adam(learningRate);
const step = jit(trainStep(optimizer, loss));

console.log(
  `\ndamped oscillator x″ = −k·x − c·x′: true k = ${kTrue}, c = ${cTrue}; ${nObs} observations, σ = ${sigma}`,
);
console.log(
  `RK4, ${substeps} steps per observation interval (h = ${dtObs / substeps}); optim.adam, learning rate ${learningRate}`,
);
let params = init;
let state = optimizer.init(params);
const losses: number[] = [];
let firstMs = 0;
let restMs = 0;
for (let i = 1; i <= steps; i++) {
  const t0 = performance.now();
  const r = step(params, state);
  [params, state] = [r.params, r.state];
  losses.push(Number(r.loss));
  if (i === 1) firstMs = performance.now() - t0;
  else restMs += performance.now() - t0;
  if (i === 1 || i % 50 === 0) {
    const [k, c] = kcOf(params);
    console.log(
      `step ${String(i).padStart(4)}  loss ${losses.at(-1)!.toFixed(6)}  k ${k.toFixed(4)}  c ${c.toFixed(4)}`,
    );
  }
}
const finalLoss = Number(loss(params));
const [kFit, cFit] = kcOf(params);
console.log(
  `first step (trace + compile + run) ${firstMs.toFixed(0)} ms; then ${((steps - 1) / (restMs / 1000)).toFixed(0)} steps/s (${(restMs / (steps - 1)).toFixed(2)} ms/step)`,
);
console.log(`fitted k = ${kFit.toFixed(4)} (true ${kTrue}), c = ${cFit.toFixed(4)} (true ${cTrue})`);
check(Math.abs(kFit / kTrue - 1) < 0.03, "k within 3 % of the truth", `${(100 * (kFit / kTrue - 1)).toFixed(2)} %`);
check(Math.abs(cFit / cTrue - 1) < 0.15, "c within 15 % of the truth", `${(100 * (cFit / cTrue - 1)).toFixed(2)} %`);
// At the least-squares fit the loss is at most the loss of the true parameters (both ≈ σ², the noise).
const trueLoss = Number(loss(paramsOf(kTrue, cTrue)));
check(
  finalLoss < 0.05 * losses[0]! && finalLoss <= trueLoss * (1 + 1e-4),
  "the loss fell to that of the true parameters or below",
  `${losses[0]!.toFixed(4)} → ${finalLoss.toFixed(6)}; true parameters ${trueLoss.toFixed(6)}, σ² = ${fmt(sigma ** 2)}`,
);

// ══ Part 2: Kepler's equation, Newton under vmap, jvp through whileLoop ════════════════════════
const nProblems = 1000;
const tol = 1e-5;
const maxIter = 50;
/** One problem: Newton on E − e·sin E − M = 0 from E = M, while |residual| > tol. Returns [E, iterations]. */
function kepler(e: Tensor, M: Tensor): [Tensor, Tensor] {
  const residual = (E: Tensor) => E.sub(e.mul(np.sin(E))).sub(M);
  return lax.whileLoop(
    ([E, it]: [Tensor, Tensor]) => np.where(np.less(it, maxIter), np.greater(np.abs(residual(E)), tol), false),
    ([E, it]: [Tensor, Tensor]): [Tensor, Tensor] => [
      E.sub(residual(E).div(np.subtract(1, e.mul(np.cos(E))))),
      it.add(1),
    ],
    [M, np.array(0, { dtype: "int32" })],
  );
}
/** The same Newton iteration in plain JS, float64. */
function keplerJs(e: number, M: number): [number, number] {
  let [E, it] = [M, 0];
  const r = (x: number) => x - e * Math.sin(x) - M;
  while (it < maxIter && Math.abs(r(E)) > tol) [E, it] = [E - r(E) / (1 - e * Math.cos(E)), it + 1];
  return [E, it];
}

const es = random.uniform(eccentricityKey, [nProblems], { maxval: 0.95 });
const Ms = random.uniform(anomalyKey, [nProblems], { maxval: 2 * Math.PI });
const [eData, mData] = [es.toTypedArray(), Ms.toTypedArray()];
console.log(`\nKepler's equation E − e·sin E = M: ${nProblems} problems, e ∈ [0, 0.95), M ∈ [0, 2π), tolerance ${tol}`);

const solveAll = jit(vmap(kepler));
let t0 = performance.now();
const [E, iters] = solveAll(es, Ms);
const solveFirst = performance.now() - t0;
t0 = performance.now();
solveAll(es, Ms)[0].toTypedArray();
console.log(
  `jit(vmap(whileLoop)): first call ${solveFirst.toFixed(0)} ms, then ${(performance.now() - t0).toFixed(1)} ms for all ${nProblems}`,
);
const eArr = E.toTypedArray();
const itArr = iters.toTypedArray();
const histogram = new Map<number, number>();
for (const k of itArr) histogram.set(k, (histogram.get(k) ?? 0) + 1);
console.log(
  `Newton iterations per problem: ${[...histogram]
    .sort((a, b) => a[0] - b[0])
    .map(([k, count]) => `${k}: ${count}`)
    .join(", ")}`,
);
{
  let worst = 0; // |E − E_js| relative to what |residual| ≤ tol allows, tol / (1 − e)
  let worstAbs = 0;
  let sameCount = 0;
  let worstResidual = 0;
  for (let i = 0; i < nProblems; i++) {
    const [e, M, Ei] = [eData[i]!, mData[i]!, eArr[i]!];
    const [Ej, itJs] = keplerJs(e, M);
    worst = Math.max(worst, Math.abs(Ei - Ej) / ((2 * tol) / (1 - e)));
    worstAbs = Math.max(worstAbs, Math.abs(Ei - Ej));
    worstResidual = Math.max(worstResidual, Math.abs(Ei - e * Math.sin(Ei) - M));
    if (itJs === itArr[i]) sameCount++;
  }
  check(
    Math.max(...itArr) < maxIter && worstResidual < 2 * tol,
    "every problem converged",
    `max ${Math.max(...itArr)} iterations, max |residual| ${worstResidual.toExponential(2)} (float64, at the float32 root)`,
  );
  check(
    histogram.size > 1,
    "problems converged in different numbers of iterations",
    `${histogram.size} different counts`,
  );
  check(
    worst < 1,
    "every root agrees with a plain-JS float64 Newton solve",
    `max |ΔE| ${worstAbs.toExponential(2)}, within ${(100 * worst).toFixed(0)} % of the bound 2·tol/(1 − e)`,
  );
  check(
    sameCount >= 0.98 * nProblems,
    "iteration counts match the plain-JS solve",
    `${sameCount} of ${nProblems}; float32 and float64 may differ by one where a residual is close to tol`,
  );
}

// Sensitivities by forward mode through the while loop, against the implicit-function theorem.
const sensitivity = jit(
  (e: Tensor, M: Tensor, de: Tensor, dM: Tensor) => jvp((a, b) => vmap(kepler)(a, b)[0], [e, M], [de, dM])[1],
);
t0 = performance.now();
const dEde = sensitivity(es, Ms, np.onesLike(es), np.zerosLike(Ms)).toTypedArray();
console.log(`jit(jvp(vmap(whileLoop))): first call ${(performance.now() - t0).toFixed(0)} ms`);
const dEdM = sensitivity(es, Ms, np.zerosLike(es), np.onesLike(Ms)).toTypedArray();
{
  // The tangent of a Newton iterate lags the primal by one step, so it is exact up to O(|residual|)·|d²E|:
  // compare relative to 1 + |dE| with a tolerance of 1e-2.
  let [worstE, worstM] = [0, 0];
  for (let i = 0; i < nProblems; i++) {
    const [e, Ei] = [eData[i]!, eArr[i]!];
    const denom = 1 - e * Math.cos(Ei);
    const [refE, refM] = [Math.sin(Ei) / denom, 1 / denom];
    worstE = Math.max(worstE, Math.abs(dEde[i]! - refE) / (1 + Math.abs(refE)));
    worstM = Math.max(worstM, Math.abs(dEdM[i]! - refM) / (1 + Math.abs(refM)));
  }
  check(worstE < 1e-2, "jvp dE/de = sin E / (1 − e·cos E)", `max relative error ${worstE.toExponential(2)}`);
  check(worstM < 1e-2, "jvp dE/dM = 1 / (1 − e·cos E)", `max relative error ${worstM.toExponential(2)}`);
}

// ── SVG output (hand-written, no dependencies) ─────────────────────────────────────────────────
// Smooth curves: 4 points per observation interval (2 RK4 steps each, the same h).
const fine = 4;
const curve = (p: Params) => [s0[0]!, ...trajectory(p, nObs * fine, dtObs / fine, substeps / fine).toTypedArray()];
const tFine = Array.from({ length: nObs * fine + 1 }, (_, j) => (j * dtObs) / fine);
function fitSvg(): string {
  const [W, H] = [720, 420];
  const area = plotArea(W, H, { left: 56, right: 20, top: 40, bottom: 50 });
  const [yLo, yHi] = [-1.1, 1.2];
  const tMax = nObs * dtObs;
  const sx = (t: number) => area.left + (t / tMax) * area.width;
  const sy = (y: number) => area.top + area.height - ((y - yLo) / (yHi - yLo)) * area.height;
  const line = (ys: number[], style: string) =>
    `<polyline points="${ys.map((y, j) => `${sx(tFine[j]!).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}" fill="none" ${style}/>\n`;
  let s = svgOpen(W, H);
  s += `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">Damped oscillator x″ = −k·x − c·x′ fitted by grad through RK4 (lax.scan + lax.foriLoop)</text>\n`;
  s += axes(area, { lo: 0, hi: tMax, scale: sx }, { lo: yLo, hi: yHi, scale: sy }, "box");
  s += line(curve(paramsOf(kTrue, cTrue)), `stroke="#aaa" stroke-width="5" stroke-opacity="0.6"`);
  s += line(curve(init), `stroke="#d95f02" stroke-width="1.8" stroke-dasharray="6 4"`);
  s += line(curve(params), `stroke="#1f77b4" stroke-width="1.8"`);
  obsData.forEach((y, j) => {
    s += `<circle cx="${sx(tObs[j]!).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.2" fill="black"/>\n`;
  });
  const legend: [string, string][] = [
    [`stroke="#aaa" stroke-width="5" stroke-opacity="0.6"`, `truth: k = ${kTrue}, c = ${cTrue}`],
    [`stroke="#d95f02" stroke-width="1.8" stroke-dasharray="6 4"`, `initial guess: k = ${k0}, c = ${c0}`],
    [`stroke="#1f77b4" stroke-width="1.8"`, `fitted: k = ${kFit.toFixed(3)}, c = ${cFit.toFixed(3)}`],
  ];
  const lx = area.left + area.width - 230;
  s += `<rect x="${lx - 10}" y="${area.top + 8}" width="228" height="84" fill="white" fill-opacity="0.9" stroke="#ccc"/>\n`;
  legend.forEach(([style, label], i) => {
    const ly = area.top + 24 + 18 * i;
    s += `<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" ${style}/><text x="${lx + 34}" y="${ly + 4}">${label}</text>\n`;
  });
  const ly = area.top + 24 + 18 * 3;
  s += `<circle cx="${lx + 13}" cy="${ly}" r="3.2" fill="black"/><text x="${lx + 34}" y="${ly + 4}">observations (σ = ${sigma})</text>\n`;
  s += axisTitles(area, H, "time t", "position x");
  return `${s}</svg>\n`;
}
const outDir = join(dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "08-fit.svg"), fitSvg());
console.log(`wrote ${join("examples", "out", "08-fit.svg")}`);

if (failures > 0) {
  console.error(`08-neural-ode: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
