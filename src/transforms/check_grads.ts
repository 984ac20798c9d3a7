// checkGrads: derivatives of a user's function against central differences, recursively to `order`.
import * as E from "fp-ts/Either";
import { type DType, isFloat } from "../core/dtype.js";
import { GradientCheckError } from "../core/errors.js";
import { anything, argList, count, fn, int, number } from "../core/params.js";
import { mulberry32 } from "../core/random.js";
import { Tensor } from "../core/tensor.js";
import { flatten, unflatten } from "../core/tree.js";
import { type At, fail, guard, options } from "../core/validate.js";
import { jvp, vjp } from "./autodiff.js";
import { flattenTensors, fnName } from "./flat.js";

/**
 * Options of `checkGrads`; tolerances default to float32 2e-3 or float64 1e-5 (by the lowest float dtype of the
 * arguments).
 * @example checkGrads((x: Tensor) => x.exp().sum(), [np.array([0.5, 1])], { order: 1, modes: ["rev"], atol: 1e-2 })
 * // undefined
 */
export interface CheckGradsOptions {
  /** Highest derivative order checked (default 2). */
  order?: number;
  /** "fwd" checks JVPs against differences; "rev" checks VJPs by the inner-product identity. */
  modes?: readonly ("fwd" | "rev")[];
  /** Finite-difference step (default 1e-5 for float64, 1e-3 for float32). */
  eps?: number;
  /** Absolute tolerance (default 1e-5 for float64, 2e-3 for float32). */
  atol?: number;
  /** Relative tolerance, times |numerical| (default: atol). */
  rtol?: number;
  /** Seed of the random directions (default 0), so a failure reproduces. */
  seed?: number;
}

/** A function of any arguments, called here with the ones given to checkGrads. */
type Fn = (...args: unknown[]) => unknown;

const values = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());
const lowest = (ts: readonly Tensor[]): DType => (ts.some((t) => t.dtype === "float32") ? "float32" : "float64");

/** A random tree like `tree` (floats get values in [−1, 1), other leaves zeros). */
function randomLike(tree: unknown, rand: () => number): unknown {
  const [leaves, def] = flattenTensors("checkGrads", tree, "the arguments");
  return unflatten(
    def,
    leaves.map((l) => {
      const d = Float64Array.from({ length: l.size }, () => (isFloat(l.dtype) ? 2 * rand() - 1 : 0));
      return Tensor._of(d, l.shape, "float64").astype(l.dtype);
    }),
  );
}

function inner(a: readonly Tensor[], b: readonly Tensor[]): number {
  let s = 0;
  a.forEach((x, i) => {
    const [u, v] = [values(x), values(b[i]!)];
    for (let k = 0; k < u.length; k++) s += u[k]! * v[k]!;
  });
  return s;
}

/** (f(x + εv) − f(x − εv)) / 2ε, leafwise, in float64. */
function numericalJvp(f: Fn, args: unknown[], v: unknown[], eps: number): Float64Array[] {
  const shift = (sign: number) => {
    const [xs, def] = flattenTensors("checkGrads", args, "the arguments");
    const [vs] = flattenTensors("checkGrads", v, "the direction");
    return unflatten(
      def,
      xs.map((x, i) => (isFloat(x.dtype) ? x.add(vs[i]!.mul(sign * eps)) : x)),
    ) as unknown[];
  };
  const [plus] = flattenTensors("checkGrads", f(...shift(1)), "the output");
  const [minus] = flattenTensors("checkGrads", f(...shift(-1)), "the output");
  return plus.map((p, i) => {
    const [a, b] = [values(p), values(minus[i]!)];
    return a.map((x, k) => (x - b[k]!) / (2 * eps));
  });
}

function compare(what: string, analytic: Float64Array[], numeric: Float64Array[], atol: number, rtol: number): void {
  analytic.forEach((a, i) => {
    const n = numeric[i]!;
    for (let k = 0; k < a.length; k++) {
      const err = Math.abs(a[k]! - n[k]!);
      if (!(err <= atol + rtol * Math.abs(n[k]!))) {
        throw new GradientCheckError(
          `checkGrads: ${what} disagrees with finite differences at output leaf ${i}, element ${k}: ` +
            `analytic ${a[k]} vs numerical ${n[k]} (|diff| ${err.toExponential(2)} > atol ${atol} + rtol ` +
            `${rtol}·|numerical|). ` +
            `Analytic ${fmt(a)}, numerical ${fmt(n)}`,
        );
      }
    }
  });
}
const fmt = (a: Float64Array) =>
  `[${Array.from(a.slice(0, 8), (x) => x.toPrecision(6)).join(", ")}${a.length > 8 ? ", …" : ""}]`;

/**
 * Checks forward- and reverse-mode derivatives of `f` at `args` against central finite differences,
 * along random directions, up to `order`; throws GradientCheckError with both values on mismatch.
 * @example checkGrads((x: Tensor) => x.sin().sum(), [np.array([0.5, 1], { dtype: "float64" })]) // undefined
 * checkGrads((x: Tensor) => stopGradient(x).mul(x).sum(), [np.array([0.5, 1], { dtype: "float64" })])
 * // throws GradientCheckError
 */
export const checkGrads: (
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  opts?: CheckGradsOptions,
) => void = guard(
  "checkGrads",
  [
    fn(),
    argList("args"),
    options({
      order: count("order"),
      modes: { ...anything("modes", "choice"), check: checkModes },
      eps: number("eps", true),
      atol: number("atol", true),
      rtol: number("rtol", true),
      seed: int("seed"),
    }),
  ],
  checkGradsImpl,
);
function checkModes(v: unknown, at: At) {
  return Array.isArray(v) && v.every((m) => m === "fwd" || m === "rev")
    ? E.right(v as ("fwd" | "rev")[])
    : fail(at, 'an array of "fwd" and "rev"', v);
}

function checkGradsImpl(f: (...args: never[]) => unknown, args: readonly unknown[], opts: CheckGradsOptions): void {
  const { order = 2, modes = ["fwd", "rev"] } = opts;
  const rand = mulberry32(opts.seed ?? 0);
  const dt = lowest(flattenTensors("checkGrads", args, "the arguments")[0]);
  const eps = opts.eps ?? (dt === "float64" ? 1e-5 : 1e-3);
  const atol = opts.atol ?? (dt === "float64" ? 1e-5 : 2e-3);
  const rtol = opts.rtol ?? atol;
  const run = (g: Fn, a: unknown[], k: number, label: string) => {
    if (k === 0) return;
    if (modes.includes("fwd")) {
      const v = randomLike(a, rand) as unknown[];
      const [, t] = jvp(g, a, v);
      compare(
        `forward mode (JVP) of ${label}`,
        flattenTensors("checkGrads", t, "")[0].map(values),
        numericalJvp(g, a, v, eps),
        atol,
        rtol,
      );
      if (k > 1) run((...x: unknown[]) => jvp(g, x, v)[1], a, k - 1, `the JVP of ${label}`);
    }
    if (modes.includes("rev")) {
      const [out, back] = vjp(g, ...a);
      const u = randomLike(out, rand);
      const w = back(u as never) as unknown[];
      const v = randomLike(a, rand) as unknown[];
      const lhs = inner(flatten(w)[0] as Tensor[], flattenTensors("checkGrads", v, "")[0]);
      const num = numericalJvp(g, a, v, eps);
      const rhs = inner(
        flattenTensors("checkGrads", u, "")[0],
        num.map((n) => Tensor._of(n, [n.length], "float64")),
      );
      compare(
        `reverse mode (VJP, <vjp(u), v> = <u, jvp(v)>) of ${label}`,
        [Float64Array.of(lhs)],
        [Float64Array.of(rhs)],
        atol,
        rtol,
      );
      if (k > 1) run((...x: unknown[]) => vjp(g, ...x)[1](u as never), a, k - 1, `the VJP of ${label}`);
    }
  };
  run(f as Fn, [...args], order, `'${fnName(f)}'`);
}
