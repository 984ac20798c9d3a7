// 02 — linear regression, the classic first PyTorch autograd example, written functionally.
//
// Data: x = [1, 2, 3, 4], y = 2x. Model: ŷ = w·x + b, starting from w = 1, b = 0.
// Loss: mean squared error L = mean((ŷ − y)²). At the start ŷ − y = −x, so
//   ∂L/∂w = mean(2(ŷ − y)·x) = −2·mean(x²) = −15
//   ∂L/∂b = mean(2(ŷ − y))   = −2·mean(x)  = −5
//
// The parameters are a pytree (a plain object {w, b}); grad returns an object of the same shape,
// and `tree.map` applies the gradient-descent update leaf by leaf. No optimizer state, no
// zero_grad(), no dispose(): every step builds new immutable tensors and the GC frees the old ones.
//
// Run: npx tsx examples/02-linear-regression.ts
import { grad, np, type Tensor, tree, valueAndGrad } from "tracegrad";

function fail(msg: string): never {
  console.error(`02-linear-regression: ${msg}`);
  process.exit(1);
}
function expectClose(name: string, got: Tensor, want: number, tol: number): void {
  const v = Number(got.item());
  if (!(Math.abs(v - want) <= tol)) fail(`${name} is ${v}, expected ${want} (tolerance ${tol})`);
  console.log(`  ok   ${name} = ${v.toFixed(6)}  (expected ${want})`);
}

type Params = { w: Tensor; b: Tensor };

const predict = (p: Params, x: Tensor) => x.mul(p.w).add(p.b);
const loss = (p: Params, x: Tensor, y: Tensor) => np.square(predict(p, x).sub(y)).mean();

const x = np.array([1, 2, 3, 4]);
const y = x.mul(2);
let params: Params = { w: np.array(1), b: np.array(0) };

// 1. The gradient at the starting point.
const g = grad(loss)(params, x, y);
console.log(`initial loss = ${Number(loss(params, x, y))}`);
console.log(`grad = { w: ${g.w}, b: ${g.b} }`);
expectClose("dL/dw", g.w, -15, 1e-5);
expectClose("dL/db", g.b, -5, 1e-5);

// 2. Plain gradient descent: params ← params − lr·grad, on every leaf of the pytree.
const lr = 0.05;
const steps = 600;
const lossAndGrad = valueAndGrad(loss);
for (let step = 1; step <= steps; step++) {
  const [l, grads] = lossAndGrad(params, x, y);
  params = tree.map((p: Tensor, dp: Tensor) => p.sub(dp.mul(lr)), params, grads);
  if (step === 1 || step % 100 === 0) {
    console.log(
      `step ${String(step).padStart(4)}  loss ${Number(l).toExponential(3)}  ` +
        `w ${Number(params.w).toFixed(5)}  b ${Number(params.b).toFixed(5)}`,
    );
  }
}

expectClose("w", params.w, 2, 1e-3);
expectClose("b", params.b, 0, 1e-3);
const pred = predict(params, np.array(5));
console.log(`prediction at x = 5: ${Number(pred).toFixed(4)}`);
expectClose("f(5)", pred, 10, 5e-3);
