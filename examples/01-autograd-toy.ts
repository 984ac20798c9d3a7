// 01 — autograd on a toy expression.
//
// z(x, y) = x·y + x/y, evaluated at (x, y) = (5, 2):
//   z      = 10 + 2.5        = 12.5
//   ∂z/∂x  = y + 1/y         = 2.5
//   ∂z/∂y  = x − x/y²        = 3.75
//
// `grad` differentiates with respect to argument 0 by default; `argnums: [0, 1]` gives a tuple of
// both partials. `valueAndGrad` returns the value and the gradient from one trace.
//
// Run: npx tsx examples/01-autograd-toy.ts
import { grad, np, type Tensor, valueAndGrad } from "tracegrad";

function check(name: string, got: Tensor, want: number, tol = 1e-5): void {
  const v = Number(got.item());
  const ok = Math.abs(v - want) <= tol * Math.max(1, Math.abs(want));
  console.log(`  ${ok ? "ok  " : "FAIL"} ${name.padEnd(10)} = ${v}  (expected ${want})`);
  if (!ok) {
    console.error(`01-autograd-toy: ${name} is ${v}, expected ${want}`);
    process.exit(1);
  }
}

const z = (x: Tensor, y: Tensor) => x.mul(y).add(x.div(y));

const x = np.array(5);
const y = np.array(2);
console.log(`z(x, y) = x*y + x/y at (x, y) = (${x.item()}, ${y.item()})`);

// Both partial derivatives at once.
const [dzdx, dzdy] = grad(z, { argnums: [0, 1] })(x, y);
check("dz/dx", dzdx, 2.5);
check("dz/dy", dzdy, 3.75);

// Value and ∂z/∂x (argnums defaults to 0) in one call.
const [value, dx] = valueAndGrad(z)(x, y);
check("z", value, 12.5);
check("dz/dx", dx, 2.5);

// Plain JS numbers work too: they become 0-d float32 tensors, and so do their gradients.
const dzdyOnly = grad((a: number, b: number) => np.add(np.multiply(a, b), np.divide(a, b)), { argnums: 1 })(5, 2);
check("dz/dy", dzdyOnly, 3.75);
console.log(`  dz/dy from JS numbers: ${dzdyOnly}`);

// In float64 the results are exact to double precision.
const [gx64, gy64] = grad(z, { argnums: [0, 1] })(np.array(5, { dtype: "float64" }), np.array(2, { dtype: "float64" }));
check("dz/dx f64", gx64, 2.5, 1e-12);
check("dz/dy f64", gy64, 3.75, 1e-12);
if (gx64.dtype !== "float64" || gy64.dtype !== "float64") {
  console.error(`01-autograd-toy: gradients of float64 inputs should be float64, got ${gx64.dtype} and ${gy64.dtype}`);
  process.exit(1);
}
