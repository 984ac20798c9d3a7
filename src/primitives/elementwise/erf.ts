// erf: the error function (|error| < 1e-13).
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

/** erf by its Taylor series for |x| < 2.5, and 1 − erfc by Lentz's continued fraction beyond. */
function erfKernel(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    // erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1))
    let term = a;
    let sum = a;
    const x2 = a * a;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  // erfc a = e^(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))), evaluated with modified Lentz
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = a + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = a + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const erfP = definePrimitive<NoParams>({
  name: "erf",
  abstractEval: elementwise("erf", "float"),
  impl: ([x], _, out) => mapUnary(x!, out, erfKernel),
  // d erf x = 2/√π·e^(−x²)·dx
  ad: formula((t, [x]) => mul(t, mul(fullLike(x!, 2 / Math.sqrt(Math.PI)), exp(neg(mul(x!, x!)))))),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-3, 3] }),
});

export const erf = (x: Tensor): Tensor => bind1(erfP, [x], {});
