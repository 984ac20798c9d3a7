// integer_pow: xⁿ for a fixed integer n (JAX's lax.integer_pow), by repeated squaring: a few multiplications where
// Math.pow costs tens of nanoseconds, and a derivative n·xⁿ⁻¹ that stays an integer power. np.power(x, n) with a JS
// integer n lands here, as jnp.power does.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { TracegradError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import type { Code } from "../../lowering/encode.js";
import type { WasmEmit } from "../../lowering/simd.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { mapUnary } from "../kernels.js";
import { elementwise, randomShape } from "../shape_rules.js";
import { mul } from "./mul.js";

export interface IntegerPowParams {
  y: number;
}

/** Beyond this |n| the product would be long: Math.pow instead (eager and jit alike). */
const MAX_CHAIN = 16;

/**
 * xⁿ as an expression of `x` (a JS expression or variable name): binary exponentiation written out, the squares nested
 * (so |n| ≤ 16 keeps it short); 1/x⁻ⁿ for negative n.
 */
export function integerPowExpr(x: string, n: number): string {
  if (n === 0) return "1";
  const m = Math.abs(n);
  if (m > MAX_CHAIN) return `Math.pow(${x}, ${n})`;
  const factors: string[] = [];
  let square = x;
  for (let e = m; e > 0; e >>= 1) {
    if (e & 1) factors.push(square);
    square = `(${square} * ${square})`;
  }
  const product = factors.length === 1 ? factors[0]! : `(${factors.join(" * ")})`;
  return n < 0 ? `(1 / ${product})` : product;
}

/** The same computation on numbers, in the same order (the kernel when no loop is generated). */
export function integerPowOf(n: number): (x: number) => number {
  if (n === 0) return () => 1;
  const m = Math.abs(n);
  if (m > MAX_CHAIN) return (x) => Math.pow(x, n);
  return (x) => {
    let product = Number.NaN;
    let square = x;
    let first = true;
    for (let e = m; e > 0; e >>= 1) {
      if (e & 1) {
        product = first ? square : product * square;
        first = false;
      }
      square = square * square;
    }
    return n < 0 ? 1 / product : product;
  };
}

/**
 * xⁿ on f32x4 lanes by binary exponentiation (each product rounded to float32: jit's fast mode only, hence
 * `approximate`; every n, where the JS form switches to Math.pow beyond 16).
 */
const simdIntegerPow: WasmEmit = Object.assign(
  (c: Code, [x]: number[], params?: unknown) => {
    const n = (params as IntegerPowParams).y;
    const out = c.local("v128");
    if (n === 0) {
      c.f32x4(1).set(out);
      return out;
    }
    const square = c.local("v128");
    c.get(x!).set(square);
    let first = true;
    for (let e = Math.abs(n); e > 0; e >>= 1) {
      if (e & 1) {
        if (first) c.get(square).set(out);
        else c.get(out).get(square).simd("f32x4.mul").set(out);
        first = false;
      }
      if (e > 1) c.get(square).get(square).simd("f32x4.mul").set(square);
    }
    if (n < 0) c.f32x4(1).get(out).simd("f32x4.div").set(out);
    return out;
  },
  { approximate: true },
);

export const integerPowP = definePrimitive<IntegerPowParams>({
  name: "integer_pow",
  abstractEval: ([x], { y }) =>
    Number.isInteger(y)
      ? elementwise("integer_pow", "float")([x!])
      : E.left(new TracegradError(`integer_pow: the exponent must be an integer, got ${y}`)),
  impl: ([x], { y }, out) => mapUnary(x!, out, integerPowOf(y)),
  // d xⁿ = n·xⁿ⁻¹·dx (0 for n = 0), as JAX's
  ad: formula((t, [x], _out, { y }) =>
    y === 0 ? mul(t, fullLike(t, 0)) : mul(t, mul(fullLike(x!, y), integerPow(x!, y - 1))),
  ),
  batch: vectorized,
  lowering: { emit: ([x], { y }) => integerPowExpr(x!, y), wasm: simdIntegerPow },
  testing: {
    sample: (choose) => ({
      avals: [new ShapedArray(randomShape(choose), "float64")],
      params: { y: [-3, -2, -1, 0, 1, 2, 3, 4, 5, 7, 17][choose(11)]! },
    }),
    domain: [0.4, 1.6],
  },
});

/** xⁿ for a JS integer n, by multiplications. */
export const integerPow = (x: Tensor, y: number): Tensor => bind1(integerPowP, [x], { y });
