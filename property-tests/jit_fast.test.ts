// jit's default float32 mode, "fast" (fused loops compute in double precision and round where they store), on random
// programs: (a) float64 programs are unaffected — bit for bit equal to "exact" mode and to eager; (b) float32 results
// stay within a first-order rounding-error bound of the float64 evaluation, derived per program from its own
// sensitivities; (c) a program that is one fused loop of float ops computes exactly fround(float64 program).
import type fc from "fast-check";
import { type Atom, type ClosedJaxpr, grad, jacrev, jit, np, type Tensor, type Var } from "tracegrad";
import { describe, expect, it } from "vitest";
import { bind } from "../src/ir/trace.js";
import type { DotParams } from "../src/primitives/linalg/dot_general.js";
import { seed } from "./config.js";
import { expectBitwise, tensorOf } from "./numerics.js";
import {
  KINKED_OPS,
  type ProgramCase,
  programCase,
  programLaw,
  SMOOTH_OPS,
  type SmoothOp,
  show,
  smoothFn,
  tensorsOf,
} from "./programs.js";

const SEED = seed(0xf457);
const DOMAIN = [-1.5, 1.5] as const;
const TRACEABLE = KINKED_OPS.filter((op) => op !== "branch");
// continuous ops only for (b): comparisons, selects and int casts are discontinuous, and near a branch point a
// correct fast mode may take the other branch (no error bound holds there)
const SMOOTH = SMOOTH_OPS.filter((op) => op !== "branch");
// elementwise ops whose constants (1, 1.5) are exact in float32, for (c); no reductions or matmuls
const ELEMENTWISE: SmoothOp[] = [
  "sin",
  "cos",
  "tanh",
  "neg",
  "expSin",
  "logSq",
  "sqrtSq",
  "add",
  "sub",
  "mul",
  "divSq",
  "powSafe",
];
const programs = (ops: readonly SmoothOp[], maxSteps = 5) =>
  programCase(ops, { inputs: [1, 2], maxRank: 2, maxSteps, domain: DOMAIN });
const law = (
  name: string,
  arb: fc.Arbitrary<ProgramCase<SmoothOp>>,
  body: (c: ProgramCase<SmoothOp>) => void,
  numRuns: number,
) => programLaw(name, arb, show, body, { seed: SEED, numRuns });

const float32Inputs = (c: ProgramCase<string>) =>
  c.shapes.map((s, i) => tensorOf(c.inputs[i]!.map(Math.fround), s, "float32"));
const sumOf =
  (f: (...xs: Tensor[]) => Tensor) =>
  (...xs: Tensor[]): Tensor =>
    f(...xs).sum();
const expectSame = (what: string, got: Tensor, want: Tensor) => {
  expect({ shape: [...got.shape], dtype: got.dtype }, what).toEqual({ shape: [...want.shape], dtype: want.dtype });
  expectBitwise(what, got.toTypedArray(), want.toTypedArray());
};

describe("(a) float64 programs: fast mode changes nothing", () => {
  law(
    "jit(f) and jit(grad f) in fast mode equal exact mode and eager bit for bit (float64, kinks and int casts included)",
    programs(TRACEABLE, 6),
    (c) => {
      const f = smoothFn(c);
      const xs = tensorsOf(c, "inputs");
      const want = f(...xs);
      expect(want.dtype).toBe("float64");
      expectSame("jit(f) fast vs eager", jit(f)(...xs), want);
      expectSame("jit(f) exact vs eager", jit(f, { float32: "exact" })(...xs), want);
      const argnums = c.shapes.map((_, i) => i);
      const g = grad(sumOf(f), { argnums });
      const gWant = g(...xs);
      const [gFast, gExact] = [jit(g)(...xs), jit(g, { float32: "exact" })(...xs)];
      gWant.forEach((w, i) => {
        expectSame(`jit(grad f) fast [${i}]`, gFast[i]!, w);
        expectSame(`jit(grad f) exact [${i}]`, gExact[i]!, w);
      });
    },
    60,
  );
});

// ---------------------------------------------------------------------------------------------------
// (b) The bound. Both modes round float32 values at equations of the optimised program (`lower().jaxpr`): exact mode
// at every one, fast mode at a subset (stored values, casts to float32, kernel outputs), each time with relative
// error ≤ u = 2⁻²⁴. To first order, rounding equation k's value v_k by δ_k changes output o by Σ_j J_k[o,j]·δ_k[j],
// where J_k is the output's Jacobian with respect to an additive perturbation of v_k, computed below by jacrev through
// a float64 interpreter of that program. So for either mode
//     |result[o] − ref[o]| ≤ B[o] = Σ_k u_k · Σ_j |J_k[o,j]| · m_k[j]
// with ref the program evaluated in float64 on the same (float32) inputs and constants, and m_k a magnitude bound
// of one rounding: |v_k| for an operation rounded once; (n−1)·Σ|x| for a sum of n terms rounded after every add
// (exact mode and the reduction kernel; fast mode's single rounding of the f64 sum is below it); K·(|a|·|b|) for
// a matmul contracting K terms. Float64 equations count with u = 2⁻⁵³. Exact operations (reshapes, broadcasts, neg,
// max/min, casts that widen) do not round. The absolute values make the bound sound under cancellation: a small
// result of large intermediates gets the intermediates' error budget, not the result's.
// The check is |result − ref| ≤ 2·B (the factor covers second-order terms: inputs lie in [−1.5, 1.5] and the ops
// are smooth there). Exact mode must pass the same check: that validates the model on every case. The bound is
// not vacuous: B is a few float32 ulps of the result (the statistics test below requires that a result off by
// 16 ulps is rejected in most cases), so e.g. a fused loop rounding one intermediate to bfloat16, or a reduction
// dropping a term, fails it.

const U32 = 2 ** -24;
const U64 = 2 ** -53;
const EXACT_OPS = new Set([
  "broadcast_in_dim",
  "reshape",
  "transpose",
  "squeeze",
  "expand_dims",
  "neg",
  "abs",
  "reduce_max",
  "reduce_min",
  "select_n",
  "stop_gradient",
  "slice",
  "concatenate",
  "copy",
]);

interface Site {
  shape: readonly number[];
  /** The rounding unit of the equation's dtype. */
  u: number;
  /** A bound on |rounding error| / u, per element of the equation's output. */
  m: Float64Array;
}

const widen = (t: Tensor) => (t.dtype === "float32" ? t.astype("float64") : t);
const valuesOf = (t: Tensor) => Float64Array.from(t.toTypedArray());

/**
 * The optimised program evaluated in float64 (float32 values widened, casts between floats the identity), with
 * es[k] added to the output of the k-th rounding equation; `sites` (when given) collects those equations.
 */
function widened(closed: ClosedJaxpr, args: readonly Tensor[], es: readonly Tensor[] | null, sites?: Site[]): Tensor {
  const j = closed.jaxpr;
  const env = new Map<Var, Tensor>();
  j.constvars.forEach((v, i) => env.set(v, widen(closed.consts[i]!)));
  j.invars.forEach((v, i) => env.set(v, widen(args[i]!)));
  const read = (a: Atom): Tensor => (a._tag === "Lit" ? widen(a.value) : env.get(a)!);
  let k = 0;
  for (const e of j.eqns) {
    if (e.outs.length !== 1) throw new Error(`unexpected ${e.prim.name} with ${e.outs.length} outputs`);
    const outAval = e.outs[0]!.aval;
    if (outAval.dtype !== "float32" && outAval.dtype !== "float64")
      throw new Error(`smooth programs compute in floats, got ${e.prim.name} → ${outAval.dtype}`);
    const ins = e.inputs.map(read);
    const isCast = e.prim.name === "convert_element_type";
    let out = isCast ? ins[0]! : bind(e.prim, ins, e.params)[0]!;
    const rounds = isCast
      ? outAval.dtype === "float32" && e.inputs[0]!.aval.dtype === "float64"
      : !EXACT_OPS.has(e.prim.name);
    if (rounds) {
      if (es) out = out.add(es[k]!);
      if (sites) {
        let m = valuesOf(out.abs());
        if (e.prim.name === "reduce_sum") {
          const n = ins[0]!.size / Math.max(1, out.size);
          m = valuesOf(bind(e.prim, [ins[0]!.abs()], e.params)[0]!).map((s) => Math.max(n - 1, 1) * s);
        } else if (e.prim.name === "dot_general") {
          const terms = (e.params as DotParams).dimension_numbers[0][0].reduce((p, d) => p * ins[0]!.shape[d]!, 1);
          m = valuesOf(bind(e.prim, [ins[0]!.abs(), ins[1]!.abs()], e.params)[0]!).map((s) => terms * s);
        }
        sites.push({ shape: [...outAval.shape], u: outAval.dtype === "float32" ? U32 : U64, m });
      }
      k++;
    }
    env.set(e.outs[0]!, out);
  }
  return read(j.outs[0]!);
}

/** The float64 reference of a float32 program and the bound B per output element (see above). */
function referenceAndBound(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
): { ref: Float64Array; bound: Float64Array } {
  const closed = jit(f).lower(...xs).jaxpr;
  const sites: Site[] = [];
  const ref = valuesOf(widened(closed, xs, null, sites));
  const bound = new Float64Array(ref.length);
  if (sites.length === 0) return { ref, bound };
  const zeros = sites.map((s) => np.zeros([...s.shape], { dtype: "float64" }));
  const argnums = sites.map((_, k) => k);
  const jacs = jacrev((...es: Tensor[]) => widened(closed, xs, es), { argnums })(...zeros) as Tensor[];
  sites.forEach((s, k) => {
    const J = valuesOf(jacs[k]!);
    const n = s.m.length;
    for (let o = 0; o < ref.length; o++) {
      let t = 0;
      for (let j = 0; j < n; j++) t += Math.abs(J[o * n + j]!) * s.m[j]!;
      bound[o]! += s.u * t;
    }
  });
  return { ref, bound };
}

/** Elements where |result − ref| > 2·B (plus the float32 subnormal spacing, below which relative bounds fail). */
function outOfBound(result: ArrayLike<number>, ref: Float64Array, bound: Float64Array): string[] {
  const bad: string[] = [];
  for (let o = 0; o < ref.length; o++) {
    const err = Math.abs(result[o]! - ref[o]!);
    if (!(err <= 2 * bound[o]! + 2 ** -149))
      bad.push(
        `[${o}] ${result[o]} vs float64 ${ref[o]}: |error| ${err.toExponential(3)} > 2·B = ${(2 * bound[o]!).toExponential(3)}`,
      );
  }
  return bad;
}

const ulp32 = (v: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v) || 2 ** -126)), -126) - 23);

describe("(b) float32 programs: fast mode is within the rounding-error bound of the float64 evaluation", () => {
  const stats = { cases: 0, caught: 0 };
  law(
    "fast and exact results are both within 2·B of the float64 evaluation of the same program",
    programs(SMOOTH, 8),
    (c) => {
      const f = smoothFn(c);
      const xs = float32Inputs(c);
      const { ref, bound } = referenceAndBound(f, xs);
      const fast = jit(f)(...xs).toTypedArray();
      const exact = jit(f, { float32: "exact" })(...xs).toTypedArray();
      expect(outOfBound(exact, ref, bound), "exact mode (validates the bound)").toEqual([]);
      expect(outOfBound(fast, ref, bound), "fast mode").toEqual([]);
      // the mutant: the fast result 16 float32 ulps off in every element
      stats.cases++;
      if (
        outOfBound(
          Array.from(fast, (v, o) => v + 16 * ulp32(ref[o]!)),
          ref,
          bound,
        ).length > 0
      )
        stats.caught++;
    },
    100,
  );

  it("the bound is tight enough to matter: a result 16 ulps off fails it in most cases", () => {
    expect(stats.cases, "run with the law above").toBeGreaterThan(0);
    expect(stats.caught / stats.cases).toBeGreaterThanOrEqual(0.8);
  });
});

describe("(c) one fused loop of float ops: fast mode is fround of the float64 program", () => {
  const stats = { cases: 0, single: 0 };
  law(
    "fast-mode float32 results equal Math.fround of eager float64 on the widened inputs, bit for bit",
    programs(ELEMENTWISE, 6),
    (c) => {
      const f = smoothFn(c);
      const xs = float32Inputs(c);
      stats.cases++;
      const src = jit(f).lower(...xs).source;
      const loops = (src.match(/^function F\d+\(/gm) ?? []).length;
      if (loops > 1 || /\bK\[\d+\]\(/.test(src)) return; // broadcasts between inputs of different shapes are kernels
      stats.single += loops;
      const got = jit(f)(...xs);
      const want = f(...xs.map(widen));
      expect(got.dtype).toBe("float32");
      expectBitwise("fast float32 vs fround(float64)", got.toTypedArray(), Float32Array.from(want.toTypedArray()));
    },
    150,
  );

  it("most cases are single fused loops (the law above is not vacuous)", () => {
    expect(stats.cases, "run with the law above").toBeGreaterThan(0);
    expect(stats.single / stats.cases).toBeGreaterThanOrEqual(0.5);
  });
});
