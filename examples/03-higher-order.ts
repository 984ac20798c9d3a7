// 03 — higher-order derivatives by composing transforms.
//
// 1. grad(grad(grad(grad(sin)))) — the derivatives of sin cycle cos, −sin, −cos, sin. Each level
//    differentiates the traced derivative of the level below; no special higher-order code exists.
// 2. Newton's method: x ← x − f′(x)/f″(x) with f′ = grad(f) and f″ = grad(grad(f)), to minimise a
//    quartic, and x ← x − g(x)/g′(x) to find √2 as the root of g(x) = x² − 2.
// 3. The Hessian of the Rosenbrock function at its minimum (1, 1), from `hessian` and from
//    `jacfwd(jacrev(·))`, against the analytic [[802, −400], [−400, 200]].
// 4. checkGrads: the same derivatives against central finite differences, to second order.
//
// Everything runs in float64 here so the checks can be tight.
//
// Run: npx tsx examples/03-higher-order.ts
import { checkGrads, grad, hessian, jacfwd, jacrev, np, type Tensor } from "tracegrad";

let failures = 0;
function expectClose(name: string, got: number, want: number, tol: number): void {
  const ok = Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
  if (!ok) {
    failures++;
    console.error(`  FAIL ${name}: got ${got}, expected ${want}`);
  }
}
const f64 = (v: number | number[]) => np.array(v, { dtype: "float64" });

// ── 1. Derivatives of sin up to order 4 ────────────────────────────────────────────────────────
type Scalar = (x: Tensor) => Tensor;
const derivs: Scalar[] = [np.sin];
for (let k = 1; k <= 4; k++) derivs.push(grad(derivs[k - 1]!));
const expected: ((x: number) => number)[] = [Math.sin, Math.cos, (x) => -Math.sin(x), (x) => -Math.cos(x), Math.sin];

console.log("derivatives of sin (float64):");
console.log("     x        sin        d/dx       d²/dx²      d³/dx³      d⁴/dx⁴");
for (const x of [0, 0.5, 1, Math.PI / 3, 2.5]) {
  const row = derivs.map((d, k) => {
    const v = Number(d(f64(x)));
    expectClose(`d^${k} sin at ${x}`, v, expected[k]!(x), 1e-12);
    return v.toFixed(6).padStart(10);
  });
  console.log(`  ${x.toFixed(4)} ${row.join("  ")}`);
}

// ── 2. Newton's method with grad(grad(f)) ──────────────────────────────────────────────────────
// f(x) = x⁴ − 3x³ + 2 has f′(x) = x²(4x − 9): a minimum at x = 9/4.
const f = (x: Tensor) => x.pow(4).sub(x.pow(3).mul(3)).add(2);
const df = grad(f);
const d2f = grad(df);
let x = f64(4);
console.log("\nNewton's method on f(x) = x^4 - 3x^3 + 2, from x = 4:");
for (let i = 1; i <= 8; i++) {
  x = x.sub(df(x).div(d2f(x)));
  console.log(`  iter ${i}  x = ${Number(x).toFixed(12)}  f'(x) = ${Number(df(x)).toExponential(2)}`);
}
expectClose("argmin of f", Number(x), 9 / 4, 1e-12);
if (!(Number(d2f(x)) > 0)) {
  failures++;
  console.error(`  FAIL f''(9/4) should be positive (a minimum), got ${Number(d2f(x))}`);
}

// √2 as the root of g(x) = x² − 2, with g′ from grad.
const g = (x: Tensor) => x.mul(x).sub(2);
const dg = grad(g);
let r = f64(1);
for (let i = 0; i < 6; i++) r = r.sub(g(r).div(dg(r)));
console.log(`\nNewton root of x^2 - 2: ${Number(r)}  (Math.SQRT2 = ${Math.SQRT2})`);
expectClose("sqrt(2)", Number(r), Math.SQRT2, 1e-15);

// ── 3. Hessian of Rosenbrock ───────────────────────────────────────────────────────────────────
// rosenbrock(p) = (1 − p₀)² + 100(p₁ − p₀²)², with p a 2-vector; its minimum is p = (1, 1).
// p₀ and p₁ are picked out with dot products against unit vectors.
const e0 = f64([1, 0]);
const e1 = f64([0, 1]);
const rosenbrock = (p: Tensor) => {
  const [p0, p1] = [np.dot(p, e0), np.dot(p, e1)];
  return np.square(np.subtract(1, p0)).add(np.square(p1.sub(p0.mul(p0))).mul(100));
};
const p = f64([1, 1]);
const H = hessian(rosenbrock)(p);
const H2 = jacfwd(jacrev(rosenbrock))(p);
console.log(`\nHessian of Rosenbrock at (1, 1):\n${H}`);
const Hwant = [
  [802, -400],
  [-400, 200],
];
const [Hv, H2v] = [H.toArray() as number[][], H2.toArray() as number[][]];
for (let i = 0; i < 2; i++) {
  for (let j = 0; j < 2; j++) {
    expectClose(`hessian[${i}][${j}]`, Hv[i]![j]!, Hwant[i]![j]!, 1e-12);
    expectClose(`jacfwd(jacrev)[${i}][${j}]`, H2v[i]![j]!, Hwant[i]![j]!, 1e-12);
  }
}
expectClose("grad at minimum", Number(grad(rosenbrock)(p).abs().sum()), 0, 1e-12);

// ── 4. Finite-difference check, to second order, forward and reverse ──────────────────────────
// Throws GradientCheckError (with both values) if any derivative disagrees.
checkGrads(rosenbrock, [f64([-0.3, 0.8])], { order: 2 });
checkGrads(f, [f64(1.7)], { order: 2 });
console.log("\ncheckGrads: rosenbrock and f agree with finite differences to order 2");

if (failures > 0) {
  console.error(`03-higher-order: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all higher-order checks passed");
