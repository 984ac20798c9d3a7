// 04 — looking at the IR.
//
// Every transform works by tracing the function into a jaxpr: a small typed, printable program.
// `makeJaxpr(f)(...args)` returns it for the shapes and dtypes of `args` (values are not used), and
// String(jaxpr) prints it the way JAX does. Transforms compose before tracing, so
// makeJaxpr(grad(f)) shows the program that computes the gradient — the derivative is ordinary IR,
// and grad(grad(f)) is just the same rewrite applied twice.
//
// The gradient programs below are printed as traced, with no simplification yet: the `mul 1.0 …`
// equations, broadcasts of ones and the repeated `cos a` are what the planned simplification
// passes (DCE, CSE, x·1 → x; they arrive with jit) will remove.
//
// Run: npx tsx examples/04-inspect-ir.ts
import { ConcretizationError, grad, makeJaxpr, np, type Tensor } from "tracegrad";

function fail(msg: string): never {
  console.error(`04-inspect-ir: ${msg}`);
  process.exit(1);
}

// f(x) = Σ sin(x)·x over a vector.
const f = (x: Tensor) => x.sin().mul(x).sum();
const x = np.ones([3]);

const jf = makeJaxpr(f)(x);
const jgf = makeJaxpr(grad(f))(x);
console.log("f(x) = sum(sin(x) * x),  x: f32[3]\n");
console.log(`jaxpr of f:\n${jf}\n`);
console.log(`jaxpr of grad(f):\n${jgf}\n`);

// The second derivative needs a scalar function: g(x) = sin(x)·x on a 0-d input.
const g = (x: Tensor) => x.sin().mul(x);
const jggg = makeJaxpr(grad(grad(g)))(np.array(1));
console.log(`jaxpr of grad(grad(g)), g(x) = sin(x) * x,  x: f32[]:\n${jggg}\n`);

// The printed IR of f is stable and exact; check it.
const expectedF = [
  "{ lambda ; a:f32[3]. let",
  "    b:f32[3] = sin a",
  "    c:f32[3] = mul b a",
  "    d:f32[] = reduce_sum[axes=(0,)] c",
  "  in (d) }",
].join("\n");
if (String(jf) !== expectedF)
  fail(`jaxpr of f differs from the expected text.\n--- expected\n${expectedF}\n--- got\n${jf}`);
console.log("ok   jaxpr of f matches the expected text");

// The gradient IR is a real program: its input and output types are those of grad(f).
if (!String(jgf).startsWith("{ lambda ; a:f32[3]. let") || !String(jgf).endsWith(") }")) {
  fail(`unexpected header or footer in the jaxpr of grad(f):\n${jgf}`);
}
const eqnLines = String(jgf)
  .split("\n")
  .filter((l) => / = /.test(l));
const outVar = /in \((\w+)\) }$/.exec(String(jgf))?.[1];
if (!outVar || !eqnLines.some((l) => l.trim().startsWith(`${outVar}:f32[3] =`))) {
  fail(`grad(f) should return an f32[3] value:\n${jgf}`);
}
console.log("ok   jaxpr of grad(f) maps f32[3] → f32[3]");
// d/dx Σ sin(x)·x = cos(x)·x + sin(x): the derivative rule for sin shows up as a `cos`.
if (!eqnLines.some((l) => / = cos a$/.test(l))) fail(`expected a 'cos a' equation in the jaxpr of grad(f):\n${jgf}`);
console.log("ok   jaxpr of grad(f) contains the cos from sin's derivative rule");

// And grad(f) computes cos(x)·x + sin(x).
const xs = [-1, 0.5, 2];
const got = grad(f)(np.array(xs)).toArray() as number[];
xs.forEach((v, i) => {
  const want = Math.cos(v) * v + Math.sin(v);
  if (!(Math.abs(got[i]! - want) < 1e-5)) fail(`grad(f)(${v}) is ${got[i]}, expected ${want}`);
});
console.log(`ok   grad(f)([${xs}]) = [${got.map((v) => v.toFixed(5))}] = cos(x)·x + sin(x)`);

// Tracing with makeJaxpr has no values, so JS control flow on a traced tensor is an error
// (under grad/jvp of concrete inputs the same function works: see the README).
const relu = (x: Tensor) => (Number(x) > 0 ? x : x.mul(0));
try {
  makeJaxpr(relu)(np.array(1));
  fail("makeJaxpr of a function branching on its input should throw ConcretizationError");
} catch (e) {
  if (!(e instanceof ConcretizationError)) throw e;
  console.log(`ok   makeJaxpr(relu) throws ConcretizationError:\n     ${e.message}`);
}
const reluW = (x: Tensor) => np.where(np.greater(x, 0), x, x.mul(0));
console.log(`\njaxpr of the np.where version:\n${makeJaxpr(reluW)(np.array(1))}`);
