// betainc: I_x(a, b), the regularized incomplete beta function (JAX's lax.betainc, primitive
// regularized_incomplete_beta), in float64 by its continued fraction (modified Lentz), on the side of the symmetry
// I_x(a, b) = 1 − I_{1−x}(b, a) where it converges fast. 0 for x ≤ 0, 1 for x ≥ 1, NaN for a ≤ 0, b ≤ 0 or NaN.
// Differentiable in x to any order (the beta density, from primitives); in a and b a GradientError, as in JAX.

import type { ShapedArray } from "../../core/aval.js";
import { allocate } from "../../core/dtype.js";
import { GradientError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { data } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { add } from "./add.js";
import { exp } from "./exp.js";
import { lgamma } from "./lgamma.js";
import { log } from "./log.js";
import { log1p } from "./log1p.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { lgammaKernel } from "./special_math.js";
import { sub } from "./sub.js";

const TINY = 1e-300;
const EPS = 2 ** -53;
const MAX_ITER = 100_000;

/** The continued fraction of I_x(a, b)·a·B(a, b)/(x^a·(1 − x)^b), by the modified Lentz method. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const [qab, qap, qam] = [a + b, a + 1, a - 1];
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m++) {
    const m2 = 2 * m;
    // even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m))
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1))
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= 4 * EPS) break;
  }
  return h;
}

const logBeta = (a: number, b: number): number => lgammaKernel(a) + lgammaKernel(b) - lgammaKernel(a + b);

/** I_x(a, b) for float64 a, b, x. */
export function betaincKernel(a: number, b: number, x: number): number {
  if (a !== a || b !== b || x !== x || !(a > 0) || !(b > 0)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (a === Infinity || b === Infinity) return NaN;
  // the fraction converges fast for x < (a + 1)/(a + b + 2); beyond, use the symmetry
  const flip = x > (a + 1) / (a + b + 2);
  const [p, q, y] = flip ? [b, a, 1 - x] : [a, b, x];
  const logFront = p * Math.log(y) + q * Math.log1p(-y) - logBeta(p, q);
  const v = (Math.exp(logFront) * betaContinuedFraction(p, q, y)) / p;
  return flip ? 1 - v : v;
}

/** log ∂I/∂x (a, b, x) = (a − 1)·log x + (b − 1)·log(1 − x) − log B(a, b), the log density of Beta(a, b). */
export const betaLogDensity = (a: Tensor, b: Tensor, x: Tensor): Tensor => {
  const logB = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)));
  const lin = add(mul(sub(a, fullLike(a, 1)), log(x)), mul(sub(b, fullLike(b, 1)), log1p(neg(x))));
  return sub(lin, logB);
};

const notInAOrB = (which: string) => (): Tensor => {
  throw new GradientError(
    `betainc: gradients with respect to ${which} are not implemented (as in JAX, only the derivative in x is); ` +
      `differentiate with respect to x only, or hold ${which} fixed with stopGradient`,
  );
};

function mapTernary(x: Tensor, y: Tensor, z: Tensor, out: ShapedArray, f: (a: number, b: number, c: number) => number) {
  const [a, b, c] = [data(x), data(y), data(z)];
  const d = allocate(out.dtype, a.length);
  for (let i = 0; i < a.length; i++) d[i] = f(a[i]!, b[i]!, c[i]!);
  return Tensor._of(d, out.shape, out.dtype);
}

export const betaincP = definePrimitive<NoParams>({
  name: "regularized_incomplete_beta",
  abstractEval: elementwise("betainc", "float"),
  impl: ([a, b, x], _, out) => mapTernary(a!, b!, x!, out, betaincKernel),
  // dI = x^(a−1)·(1 − x)^(b−1)/B(a, b)·dx; da and db raise, as JAX's
  ad: formula(notInAOrB("a"), notInAOrB("b"), (t, [a, b, x]) => mul(t, exp(betaLogDensity(a!, b!, x!)))),
  batch: vectorized,
  testing: elementwiseTesting(3, {
    domain: [
      [0.5, 4],
      [0.5, 4],
      [0.05, 0.95],
    ],
    nondiff: [0, 1],
  }),
});

/** I_x(a, b), the regularized incomplete beta function. */
export const betainc = (a: Tensor, b: Tensor, x: Tensor): Tensor => bind1(betaincP, [a, b, x], {});
