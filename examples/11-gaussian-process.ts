// 11 — Gaussian-process regression with hyperparameters fitted by `grad`, and Newton's method for logistic regression.
//
// Part 1, GP regression (Rasmussen & Williams, ch. 2 and 5). 40 noisy observations y = f(x) + ε of
// f(x) = sin(2x) + 0.3·x on [−3, 3], ε ~ N(0, 0.1²), drawn from `random` keys. Kernel: squared exponential plus
// noise, k(x, x') = σf²·exp(−(x − x')²/(2ℓ²)) + σn²·[x = x'], with θ = (log ℓ, log σf, log σn). The log marginal
// likelihood, with K = L·Lᵀ (`np.linalg.cholesky`) and α = K⁻¹y from two `scipy.linalg.solveTriangular` calls:
//   log p(y | θ) = −½·yᵀα − ½·log det K − (n/2)·log 2π,   log det K from `np.linalg.slogdet` (= 2·Σ log Lᵢᵢ)
// is maximised over θ by `optim.adam` on its `grad` (the gradient flows through cholesky, the triangular solves and
// slogdet), the whole step under `jit`, in float64. The posterior at test points x*: mean k*ᵀα, variance
// k** − vᵀv with v = L⁻¹k*. It checks the gradient against central differences (`checkGrads`), that the fitted noise
// is near the true 0.1, that the posterior mean is close to f, and writes examples/out/11-gp.svg (mean ± 2σ).
//
// Part 2, Newton's method for L2-regularised logistic regression on 200 points in 3 features (+ bias): each step
// solves H·Δ = g with `np.linalg.solve`, H = `hessian(loss)(w)` and g = `grad(loss)(w)`. The gradient norm falls
// quadratically (printed), to below 1e-10 in a few steps; the result is checked against many steps of gradient
// descent.
//
// Run: npx tsx examples/11-gaussian-process.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkGrads, grad, hessian, jit, nn, np, optim, random, scipy, type Tensor, valueAndGrad } from "tracegrad";
import { axes, axisTitles, plotArea, svgOpen } from "./lib/svg.js";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

const [xKey, noiseKey, featKey, labelKey] = random.split(random.key(20241208), 4);

// ── Part 1: GP regression ──────────────────────────────────────────────────────────────────────
const f = (x: Tensor): Tensor => np.sin(x.mul(2)).add(x.mul(0.3));
const n = 40;
const sigmaTrue = 0.1;
const X = random.uniform(xKey, [n], { minval: -3, maxval: 3, dtype: "float64" });
const Y = f(X).add(random.normal(noiseKey, [n], { dtype: "float64" }).mul(sigmaTrue));

type Theta = { logLength: Tensor; logSignal: Tensor; logNoise: Tensor };

/** The kernel matrix between points a [p] and b [q]: σf²·exp(−(a − b)²/(2ℓ²)). */
const kernel = (t: Theta, a: Tensor, b: Tensor): Tensor => {
  const d = a.reshape([-1, 1]).sub(b.reshape([1, -1]));
  return np.exp(d.mul(d).div(np.exp(t.logLength.mul(2)).mul(-2))).mul(np.exp(t.logSignal.mul(2)));
};
/** K = k(X, X) + σn²·I and its Cholesky factor. */
const factor = (t: Theta): [Tensor, Tensor] => {
  const K = kernel(t, X, X).add(np.eye(n, n, { dtype: "float64" }).mul(np.exp(t.logNoise.mul(2))));
  return [K, np.linalg.cholesky(K)];
};
/** −log p(y | θ): the quantity the fit minimises. */
const negLogMarginal = (t: Theta): Tensor => {
  const [K, L] = factor(t);
  const y = Y.reshape([n, 1]);
  const z = scipy.linalg.solveTriangular(L, y, { lower: true });
  const alpha = scipy.linalg.solveTriangular(L, z, { lower: true, trans: 1 });
  const [, logdet] = np.linalg.slogdet(K);
  return np
    .sum(y.mul(alpha))
    .mul(0.5)
    .add(logdet!.mul(0.5))
    .add((n / 2) * Math.log(2 * Math.PI));
};

let theta: Theta = {
  logLength: np.array(0, "float64"),
  logSignal: np.array(0, "float64"),
  logNoise: np.array(Math.log(0.5), "float64"),
};
// the gradient through cholesky, the triangular solves and slogdet, against central differences
{
  let ok = true;
  try {
    checkGrads(negLogMarginal, [theta], { order: 1, modes: ["rev"] });
  } catch (e) {
    ok = false;
    console.log(String(e));
  }
  check(ok, "grad of the log marginal likelihood matches central differences", "checkGrads, float64");
}

const optimizer = optim.adam(0.05);
let state = optimizer.init(theta);
const step = jit((t: Theta, s: typeof state) => {
  const [v, g] = valueAndGrad(negLogMarginal)(t);
  const [u, s2] = optimizer.update(g, s, t);
  return { theta: optim.applyUpdates(t, u), state: s2, loss: v };
});
const start = Number(negLogMarginal(theta));
console.log(`GP: ${n} observations; −log p(y | θ) at the start ${start.toFixed(3)}`);
let loss = start;
for (let i = 1; i <= 300; i++) {
  const r = step(theta, state);
  ({ theta, state } = r);
  loss = Number(r.loss);
  if (i % 100 === 0) console.log(`  step ${i}: −log p(y | θ) ${loss.toFixed(4)}`);
}
const [ell, sf, sn] = [theta.logLength, theta.logSignal, theta.logNoise].map((v) => Math.exp(Number(v)));
console.log(
  `  fitted: ℓ = ${ell!.toFixed(3)}, σf = ${sf!.toFixed(3)}, σn = ${sn!.toFixed(4)} (true noise ${sigmaTrue})`,
);
check(loss < start - 10, "the fit raises the marginal likelihood", `${start.toFixed(2)} → ${loss.toFixed(2)}`);
check(sn! > 0.05 && sn! < 0.2, "the fitted noise is near the true σn = 0.1", `σn = ${sn!.toFixed(4)}`);

// posterior mean and variance on a grid
const Xs = np.linspace(-3.5, 3.5, 141).astype("float64");
const [, L] = factor(theta);
const Ks = kernel(theta, X, Xs); // [n, 141]
const alpha = scipy.linalg.solveTriangular(L, scipy.linalg.solveTriangular(L, Y.reshape([n, 1]), { lower: true }), {
  lower: true,
  trans: 1,
});
const mean = np.matmul(Ks.T, alpha).reshape([-1]);
const v = scipy.linalg.solveTriangular(L, Ks, { lower: true });
const variance = np.exp(theta.logSignal.mul(2)).sub(np.sum(v.mul(v), { axis: 0 }));
const sd = np.sqrt(np.maximum(variance, 0));
const inside = np.logicalAnd(np.greaterEqual(Xs, -3), np.lessEqual(Xs, 3));
const rmse = Math.sqrt(Number(np.sum(np.where(inside, np.square(mean.sub(f(Xs))), 0))) / Number(np.sum(inside)));
check(rmse < 0.1, "the posterior mean is close to f on [−3, 3]", `RMSE ${rmse.toFixed(4)}`);

// ── Part 2: Newton's method for logistic regression ────────────────────────────────────────────
const m = 200;
const feats = np.concatenate([random.normal(featKey, [m, 3], { dtype: "float64" }), np.ones([m, 1], "float64")], 1);
const wTrue = np.array([1.5, -2, 0.5, 0.3], "float64");
const probs = nn.sigmoid(np.matmul(feats, wTrue));
const labels = np.astype(np.less(random.uniform(labelKey, [m], { dtype: "float64" }), probs), "float64");
const lam = 1e-2;
const logLoss = (w: Tensor): Tensor => {
  const z = np.matmul(feats, w);
  // −[y log σ(z) + (1 − y) log σ(−z)], averaged, plus λ/2·‖w‖²
  const nll = np.mean(nn.softplus(z).sub(labels.mul(z)));
  return nll.add(np.sum(w.mul(w)).mul(lam / 2));
};
let w = np.zeros([4], "float64");
const norms: number[] = [];
for (let it = 0; it < 8; it++) {
  const g = grad(logLoss)(w);
  norms.push(Number(np.linalg.norm(g)));
  if (norms.at(-1)! < 1e-12) break;
  w = w.sub(np.linalg.solve(hessian(logLoss)(w), g));
}
console.log(`\nNewton's method, logistic regression on ${m} points: ‖∇L‖ per step`);
console.log(`  ${norms.map((x) => x.toExponential(2)).join("  ")}`);
check(norms.at(-1)! < 1e-10, "Newton converges: ‖∇L‖ < 1e-10", `after ${norms.length - 1} steps`);
// gradient descent from the same start reaches the same minimiser (slowly)
let wGd = np.zeros([4], "float64");
const gdStep = jit((x: Tensor) => x.sub(grad(logLoss)(x).mul(2)));
for (let i = 0; i < 3000; i++) wGd = gdStep(wGd);
const gap = Number(np.max(np.abs(wGd.sub(w))));
check(gap < 1e-4, "gradient descent (3000 steps) reaches Newton's solution", `max |Δw| ${gap.toExponential(2)}`);
console.log(`  w = [${Array.from(w.toTypedArray(), (x) => x.toFixed(4)).join(", ")}] (true [1.5, -2, 0.5, 0.3])`);

// ── SVG: the posterior mean ± 2σ, the data and f ───────────────────────────────────────────────
function gpSvg(): string {
  const [W, H] = [640, 400];
  const area = plotArea(W, H, { left: 56, right: 20, top: 36, bottom: 52 });
  const [x0, x1, y0, y1] = [-3.5, 3.5, -2.5, 2.5];
  const sx = (x: number) => area.left + ((x - x0) / (x1 - x0)) * area.width;
  const sy = (y: number) => area.top + area.height - ((y - y0) / (y1 - y0)) * area.height;
  const xs = Array.from(Xs.toTypedArray());
  const mu = Array.from(mean.toTypedArray());
  const s = Array.from(sd.toTypedArray());
  const fs = Array.from(f(Xs).toTypedArray());
  let out = svgOpen(W, H);
  out += `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">GP posterior mean ± 2σ (hyperparameters fitted by grad)</text>\n`;
  out += axes(area, { lo: x0, hi: x1, scale: sx }, { lo: y0, hi: y1, scale: sy });
  const upper = xs.map((x, i) => `${sx(x).toFixed(1)},${sy(mu[i]! + 2 * s[i]!).toFixed(1)}`);
  const lower = xs.map((x, i) => `${sx(x).toFixed(1)},${sy(mu[i]! - 2 * s[i]!).toFixed(1)}`).reverse();
  out += `<polygon points="${[...upper, ...lower].join(" ")}" fill="#1f77b4" fill-opacity="0.18"/>\n`;
  const line = (ys: number[], attrs: string) =>
    `<polyline points="${xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]!).toFixed(1)}`).join(" ")}" fill="none" ${attrs}/>\n`;
  out += line(fs, 'stroke="#555" stroke-dasharray="5 4"');
  out += line(mu, 'stroke="#1f77b4" stroke-width="2"');
  const [px, py] = [Array.from(X.toTypedArray()), Array.from(Y.toTypedArray())];
  for (let i = 0; i < n; i++)
    out += `<circle cx="${sx(px[i]!).toFixed(1)}" cy="${sy(py[i]!).toFixed(1)}" r="3" fill="#d95f02"/>\n`;
  out += axisTitles(area, H, "x", "y");
  return `${out}</svg>\n`;
}
const outDir = join(dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "11-gp.svg"), gpSvg());
console.log(`wrote ${join("examples", "out", "11-gp.svg")}`);

if (failures > 0) {
  console.error(`11-gaussian-process: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
