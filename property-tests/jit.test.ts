// jit laws: jit(op) ≡ op for every registered primitive (also differentiated and batched through jit), and jit
// composed with grad, vmap, jvp and itself on random programs. The optimisation passes are exact in IEEE arithmetic
// and, with { float32: "exact" } (used throughout this file), compiled code rounds after every operation as the
// eager kernels do, so the comparisons are bit for bit —
// except the sign of zeros in derivatives of order ≥ 2 taken through jit (see expectSameUpToZeroSign).
import fc from "fast-check";
import * as E from "fp-ts/Either";
import {
  evalJaxpr,
  grad,
  hessian,
  type Jaxpr,
  type JitOptions,
  jacfwd,
  jacrev,
  jit as jitFast,
  jvp,
  makeJaxpr,
  ShapedArray,
  type Tensor,
  typecheckJaxpr,
  vjp,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import type { JitParams } from "../src/higher_order/jit_call.js";
import { primitives } from "../src/higher_order/registry.js";
import { isFloatDType, type PrimCase, primCase } from "./arbitraries.js";
import { runs, seed } from "./config.js";
import { knownBug } from "./known_bugs.js";
import { firstCase, type Prim } from "./laws.js";
import { expectAllSame, expectBitwise, expectSame, tensorOf } from "./numerics.js";
import { concrete } from "./prim_case.js";
import {
  KINKED_OPS,
  LINEAR_OPS,
  linearFn,
  type ProgramCase,
  programCase,
  SMOOTH_OPS,
  type SmoothOp,
  programLaw as sharedLaw,
  show,
  smoothFn,
  tensorsOf,
} from "./programs.js";
import { batchedInputs, normAxis, primFn, type VmapPrimCase, vmapApplies, vmapPrimCase } from "./vmap_laws.js";

const SEED = seed(0x717ced);

/** jit rounding float32 values after every operation, as eager does (the default "fast" mode is tested in jit_fast.test.ts). */
const jit = <A extends unknown[], R>(f: (...args: A) => R, opts: JitOptions = {}) =>
  jitFast(f, { float32: "exact", ...opts });

/**
 * Same shape, dtype and values, where +0 and −0 count as equal (NaN still equals only NaN). For derivatives of
 * order 2 and up: jit's JVP rule instantiates a symbolically zero output tangent as +0 (one compiled call returns
 * every tangent), and the next derivative rule then computes with that zero instead of skipping it — d(x/y) along
 * dy = +0 gives −(x·0/y²) = −0 where the unjitted trace, whose zero stayed symbolic, gives +0. Only the sign of
 * zeros can differ that way: the values are the same, and nonzero results still match bit for bit.
 */
function expectSameUpToZeroSign(what: string, got: Tensor, want: Tensor): void {
  expect({ shape: [...got.shape], dtype: got.dtype }, `${what}: shape and dtype`).toEqual({
    shape: [...want.shape],
    dtype: want.dtype,
  });
  const [g, w] = [got.toTypedArray(), want.toTypedArray()];
  const canon = (a: ArrayLike<number>) => Array.from(a, (v) => (v === 0 ? 0 : v));
  expectBitwise(`${what} (±0 equal)`, canon(g), canon(w));
}

/** Typechecks a jaxpr and, recursively, the jaxprs of its jit equations (built by jit's jvp, partial-eval, transpose and batch rules). */
function expectTypechecks(what: string, j: Jaxpr): void {
  const r = typecheckJaxpr(j);
  if (E.isLeft(r)) throw new Error(`${what}: ${r.left.message}\n${String(j)}`);
  for (const e of j.eqns)
    if (e.prim.name === "jit")
      expectTypechecks(`${what} › jit[name=${(e.params as JitParams).name}]`, (e.params as JitParams).jaxpr.jaxpr);
}

// ---------------------------------------------------------------------------------------------------
// Registry-driven: one law per property, run for every primitive.

interface JitPrimLaw<C> {
  name: string;
  cases: (p: Prim) => fc.Arbitrary<C>;
  /** Decided on the primitive's first case (as the primitive laws do): which primitives get a test. */
  covers: (p: Prim) => boolean;
  check: (p: Prim, c: C) => void;
  numRuns: number;
}

/** Float in and float out: tangents and cotangents exist (zero-derivative primitives included: zeros compare bitwise too). */
const differentiable = (c: PrimCase) => c.avals.some((a) => isFloatDType(a.dtype)) && isFloatDType(c.out.dtype);

/** The case itself and, when it has float64 inputs the primitive also takes as float32, its float32 version (values rounded). */
function withFloat32(p: Prim, c: PrimCase): PrimCase[] {
  if (!c.avals.some((a) => a.dtype === "float64")) return [c];
  const avals = c.avals.map((a) => (a.dtype === "float64" ? { ...a, dtype: "float32" as const } : a));
  const inputs = c.inputs.map((xs, i) =>
    c.avals[i]!.dtype === "float64" ? xs.map((x) => Math.fround(Number(x))) : xs,
  );
  let out: ShapedArray;
  try {
    out = p.check(
      avals.map((a) => new ShapedArray(a.shape, a.dtype)),
      c.params,
    )[0]!;
  } catch {
    return [c]; // mixed-dtype operands the primitive does not take in float32
  }
  return [c, { ...c, avals, inputs, out: { shape: [...out.shape], dtype: out.dtype } }];
}

const jitLaw: JitPrimLaw<PrimCase> = {
  name: "jit(op) equals op bit for bit, float64 and float32 (inputs as arguments, input 0 captured as a constant), traced once",
  cases: primCase,
  covers: () => true,
  check: (p, c0) => {
    for (const c of withFloat32(p, c0)) {
      const { xs, f } = concrete(p, c);
      const what = `jit(${p.name}) on ${c.avals.map((a) => `${a.dtype}[${a.shape}]`).join(", ")}`;
      const eager = f(...xs);
      let traces = 0;
      const jf = jit((...ys: Tensor[]) => (traces++, f(...ys)));
      expectSame(what, jf(...xs), eager);
      expectSame(`${what}, second call`, jf(...xs), eager);
      expect({ traces, cacheSize: jf.cacheSize }, "one trace and one cache entry for one signature").toEqual({
        traces: 1,
        cacheSize: 1,
      });
      if (xs.length === 0) continue; // iota: nothing to capture
      const [x0, ...rest] = xs;
      // a captured constant can be folded (single element) or stay a constvar; folding runs the same kernel
      expectSame(`${what} with input 0 captured`, jit((...r: Tensor[]) => f(x0!, ...r))(...rest), eager);
    }
  },
  numRuns: 30,
};

const adLaw: JitPrimLaw<PrimCase> = {
  name: "jvp, vjp and grad through jit(op) equal those of op bit for bit, float64 and float32",
  cases: primCase,
  covers: (p) => differentiable(firstCase(p)),
  check: (p, c0) => {
    fc.pre(differentiable(c0));
    for (const c of withFloat32(p, c0)) adCheck(p, c);
  },
  numRuns: 20,
};

/** jvp, vjp and grad (unless forward only) of the primitive (float inputs) with and without jit, in float32 or float64 as the case says. */
function adCheck(p: Prim, c: PrimCase): void {
  const k = concrete(p, c);
  const jg = jit(k.g);
  if (!p.reverseOnly) {
    const [y, t] = jvp(k.g, k.floatXs, k.v);
    const [jy, jt] = jvp(jg, k.floatXs, k.v);
    expectSame("primal of jvp(jit op)", jy, y);
    expectSame("tangent of jvp(jit op)", jt, t);
  }
  if (p.forwardOnly) return; // reverse mode is a GradientError (the registry laws check that)
  const y = k.g(...k.floatXs);
  const cts = vjp(k.g, ...k.floatXs)[1](k.u!);
  const [vy, back] = vjp(jg, ...k.floatXs);
  expectSame("primal of vjp(jit op)", vy, y);
  expectAllSame("cotangents of vjp(jit op)", back(k.u!), cts);
  const argnums = k.floatXs.map((_, i) => i);
  const loss =
    (g: (...xs: Tensor[]) => Tensor) =>
    (...xs: Tensor[]): Tensor =>
      g(...xs)
        .mul(k.u!)
        .sum();
  const want = grad(loss(k.g), { argnums })(...k.floatXs);
  expectAllSame("grad(⟨u, jit op⟩)", grad(loss(jg), { argnums })(...k.floatXs), want);
  expectAllSame("jit(grad ⟨u, op⟩)", jit(grad(loss(k.g), { argnums }))(...k.floatXs), want);
}

const vmapLaw: JitPrimLaw<VmapPrimCase> = {
  name: "vmap(jit op) and jit(vmap op) equal vmap(op) bit for bit (random in/out axes)",
  cases: vmapPrimCase,
  covers: vmapApplies,
  check: (p, c) => {
    const f = primFn(p, c.params);
    const xs = batchedInputs(c);
    const opts = { inAxes: c.inAxes, outAxes: c.outAxis };
    const want = vmap(f, opts)(...xs);
    expect([...want.shape][normAxis(c.outAxis, c.out.shape.length + 1)], "batch axis in the output").toBe(
      c.slices.length,
    );
    expectSame(`vmap(jit ${p.name})`, vmap(jit(f), opts)(...xs), want);
    expectSame(`jit(vmap ${p.name})`, jit(vmap(f, opts))(...xs), want);
  },
  numRuns: 20,
};

function registryLaw<C>(law: JitPrimLaw<C>): void {
  describe(law.name, () => {
    const covered = primitives.filter(law.covers);
    it("applies to at least one registered primitive", () => expect(covered.length).toBeGreaterThan(0));
    for (const p of covered) {
      const bug = knownBug(law.name, p.name);
      (bug ? it.skip : it)(bug ? `${p.name} — KNOWN_BUGS: ${bug}` : p.name, () => {
        fc.assert(
          fc.property(law.cases(p), (c) => law.check(p, c)),
          { seed: SEED, numRuns: runs(law.numRuns) },
        );
      });
    }
  });
}

registryLaw(jitLaw);
registryLaw(adLaw);
registryLaw(vmapLaw);

// ---------------------------------------------------------------------------------------------------
// Random programs. `branch` is JS control flow on values: jit traces abstract values, so it cannot run there.

const TRACEABLE = KINKED_OPS.filter((op) => op !== "branch");
const TRACEABLE_SMOOTH = SMOOTH_OPS.filter((op) => op !== "branch");
const DOMAIN = [-1.5, 1.5] as const;
const programs = (
  opts: {
    ops?: readonly SmoothOp[];
    inputs?: readonly [number, number];
    scalarFirst?: boolean;
    maxSteps?: number;
  } = {},
) =>
  programCase(opts.ops ?? TRACEABLE, {
    inputs: opts.inputs ?? [1, 2],
    maxRank: 2,
    maxSteps: opts.maxSteps ?? 5,
    domain: DOMAIN,
    scalarFirst: opts.scalarFirst ?? false,
  });
const RUNS = 25;

/** programLaw with this file's seed; the case's program is shown on failure. */
function programLaw<C>(
  name: string,
  arb: fc.Arbitrary<C>,
  programOf: (c: C) => ProgramCase<string>,
  body: (c: C) => void,
  numRuns = RUNS,
): void {
  sharedLaw(name, arb, (c) => show(programOf(c)), body, { seed: SEED, numRuns });
}
const lawOn = (
  name: string,
  arb: fc.Arbitrary<ProgramCase<SmoothOp>>,
  body: (c: ProgramCase<SmoothOp>) => void,
  numRuns = RUNS,
) => programLaw(name, arb, (c) => c, body, numRuns);

const allArgs = (c: ProgramCase<string>) => c.shapes.map((_, i) => i);
const sumOf =
  (f: (...xs: Tensor[]) => Tensor) =>
  (...xs: Tensor[]): Tensor =>
    f(...xs).sum();

describe("jit composed with other transforms, on random programs", () => {
  lawOn("jit(f) equals f bit for bit; a second call reuses the trace", programs({ maxSteps: 6 }), (c) => {
    const f = smoothFn(c);
    const xs = tensorsOf(c, "inputs");
    let traces = 0;
    const jf = jit((...ys: Tensor[]) => (traces++, f(...ys)));
    const want = f(...xs);
    expectSame("jit(f)", jf(...xs), want);
    expectSame("jit(f), second call", jf(...xs), want);
    expectSame("jit(f) on other values of the same signature", jf(...tensorsOf(c, "v")), f(...tensorsOf(c, "v")));
    expect(traces, "traces for one signature").toBe(1);
  });

  lawOn("float32 inputs: jit(f), grad(jit f) and jit(grad f) equal the unjitted ones bit for bit", programs(), (c) => {
    const xs = c.shapes.map((s, i) => tensorOf(c.inputs[i]!.map(Math.fround), s, "float32"));
    const f = smoothFn(c);
    const want = f(...xs);
    expectSame("jit(f)", jit(f)(...xs), want);
    const argnums = allArgs(c);
    const g = grad(sumOf(f), { argnums })(...xs);
    expectAllSame("grad(jit f)", grad(jit(sumOf(f)), { argnums })(...xs), g);
    expectAllSame("jit(grad f)", jit(grad(sumOf(f), { argnums }))(...xs), g);
  });

  lawOn("jit(jit f) and jit(f ∘ jit f-steps) equal f bit for bit", programs(), (c) => {
    const f = smoothFn(c);
    const xs = tensorsOf(c, "inputs");
    const want = f(...xs);
    expectSame("jit(jit f)", jit(jit(f))(...xs), want);
    // every step of the program its own jit (operands renumbered to its two arguments), inside an outer jit
    const nested = jit((...ys: Tensor[]) => {
      const vals = [...ys];
      for (const s of c.steps) {
        const step = smoothFn({ ...c, steps: [{ ...s, a: 0, b: 1 }] });
        vals.push(jit((a: Tensor, b: Tensor) => step(a, b))(vals[s.a % vals.length]!, vals[s.b % vals.length]!));
      }
      return vals[vals.length - 1]!;
    });
    expectSame("jit of per-step jits", nested(...xs), want);
  });

  lawOn("jit(grad f) equals grad f equals grad(jit f), bit for bit", programs({ ops: TRACEABLE_SMOOTH }), (c) => {
    const f = sumOf(smoothFn(c));
    const xs = tensorsOf(c, "inputs");
    const argnums = allArgs(c);
    const want = grad(f, { argnums })(...xs);
    expectAllSame("jit(grad f)", jit(grad(f, { argnums }))(...xs), want);
    expectAllSame("grad(jit f)", grad(jit(f), { argnums })(...xs), want);
    expectAllSame("jit(grad(jit f))", jit(grad(jit(f), { argnums }))(...xs), want);
    // the IR behind it: grad(jit f) stages a known and a transposed jit call; both and the lowered program typecheck
    const staged = makeJaxpr(grad(jit(f), { argnums }))(...xs);
    expectTypechecks("makeJaxpr(grad(jit f))", staged.jaxpr);
    expectAllSame("evalJaxpr(makeJaxpr(grad(jit f)))", evalJaxpr(staged.jaxpr, staged.consts, xs), want);
    const lowered = jit(grad(f, { argnums })).lower(...xs).jaxpr;
    expectTypechecks("jit(grad f).lower()", lowered.jaxpr);
    expectAllSame("evalJaxpr(jit(grad f).lower())", evalJaxpr(lowered.jaxpr, lowered.consts, xs), want);
  });

  lawOn("jit(grad f) equals grad f with kinks, selects, stop_gradient and int casts", programs(), (c) => {
    const f = sumOf(smoothFn(c));
    const xs = tensorsOf(c, "inputs");
    const argnums = allArgs(c);
    const want = grad(f, { argnums })(...xs);
    expectAllSame("jit(grad f)", jit(grad(f, { argnums }))(...xs), want);
    expectAllSame("grad(jit f)", grad(jit(f), { argnums })(...xs), want);
  });

  lawOn("jvp(jit f) equals jvp f, and vjp(jit f) equals vjp f, bit for bit", programs(), (c) => {
    const f = smoothFn(c);
    const xs = tensorsOf(c, "inputs");
    const vs = tensorsOf(c, "v");
    const [y, t] = jvp(f, xs, vs);
    const [jy, jt] = jvp(jit(f), xs, vs);
    expectSame("primal of jvp(jit f)", jy, y);
    expectSame("tangent of jvp(jit f)", jt, t);
    const [, jt2] = jit((...xv: Tensor[]) => jvp(f, xv.slice(0, xs.length), xv.slice(xs.length)))(...xs, ...vs) as [
      Tensor,
      Tensor,
    ];
    expectSame("jit(jvp f)", jt2, t);
    const [, back] = vjp(f, ...xs);
    const [vy, jback] = vjp(jit(f), ...xs);
    expectSame("primal of vjp(jit f)", vy, y);
    expectAllSame("vjp(jit f)", jback(y), back(y));
  });

  lawOn("jit(vmap f) equals vmap f equals vmap(jit f), bit for bit (batch of 3 along axis 0)", programs(), (c) => {
    const f = smoothFn(c);
    const base = tensorsOf(c, "inputs");
    // a batch of 3 examples per input: the inputs and the two direction draws
    const [v, w] = [tensorsOf(c, "v"), tensorsOf(c, "w")];
    const batched = base.map((x, i) => stackOf([x, v[i]!, w[i]!]));
    const want = vmap(f)(...batched);
    expectSame("jit(vmap f)", jit(vmap(f))(...batched), want);
    expectSame("vmap(jit f)", vmap(jit(f))(...batched), want);
    expectSame("jit(vmap(jit f))", jit(vmap(jit(f)))(...batched), want);
  });

  lawOn(
    "grad(grad(jit f)) equals grad(grad f) up to the sign of zeros (scalar input); jit(grad(grad f)) bit for bit",
    programs({ ops: TRACEABLE_SMOOTH, scalarFirst: true }),
    (c) => {
      const f = sumOf(smoothFn(c));
      const xs = tensorsOf(c, "inputs");
      const want = grad(grad(f))(...xs);
      expect([...want.shape]).toEqual([]);
      expectSameUpToZeroSign("grad(grad(jit f))", grad(grad(jit(f)))(...xs), want);
      expectSameUpToZeroSign("grad(jit(grad f))", grad(jit(grad(f)))(...xs), want);
      expectSame("jit(grad(grad f))", jit(grad(grad(f)))(...xs), want); // the same derivative program, compiled
    },
  );

  lawOn(
    "jacfwd, jacrev and vmap(grad) of jit f equal those of f bit for bit; hessian(jit f) up to the sign of zeros",
    programs({ ops: TRACEABLE_SMOOTH, maxSteps: 4 }),
    (c) => {
      const f = smoothFn(c);
      const xs = tensorsOf(c, "inputs");
      const argnums = allArgs(c);
      expectAllSame("jacfwd(jit f)", jacfwd(jit(f), { argnums })(...xs), jacfwd(f, { argnums })(...xs));
      expectAllSame("jacrev(jit f)", jacrev(jit(f), { argnums })(...xs), jacrev(f, { argnums })(...xs));
      expectSameUpToZeroSign("hessian(jit f)", hessian(jit(sumOf(f)))(...xs), hessian(sumOf(f))(...xs));
      const batched = xs.map((x, i) => stackOf([x, tensorsOf(c, "v")[i]!]));
      expectAllSame(
        "vmap(grad(jit f))",
        vmap(grad(jit(sumOf(f)), { argnums }))(...batched),
        vmap(grad(sumOf(f), { argnums }))(...batched),
      );
    },
    15,
  );

  programLaw(
    "linear programs with empty arrays: jit(f), grad(jit f) and vmap(jit f) equal the unjitted ones",
    programCase(LINEAR_OPS, { inputs: [1, 2], maxRank: 2, maxSteps: 4, domain: [-2, 2], minSide: 0 }),
    (c) => c,
    (c) => {
      const f = linearFn(c);
      const xs = tensorsOf(c, "inputs");
      const argnums = allArgs(c);
      expectSame("jit(f)", jit(f)(...xs), f(...xs));
      expectAllSame("grad(jit f)", grad(jit(sumOf(f)), { argnums })(...xs), grad(sumOf(f), { argnums })(...xs));
      expectAllSame("jit(grad f)", jit(grad(sumOf(f), { argnums }))(...xs), grad(sumOf(f), { argnums })(...xs));
      const batched = xs.map((x) => stackOf([x, x, x]));
      expectSame("vmap(jit f)", vmap(jit(f))(...batched), vmap(f)(...batched));
    },
  );

  lawOn(
    "a jit inside grad closing over the outer argument equals the unjitted function",
    programs({ ops: TRACEABLE_SMOOTH, inputs: [2, 2] }),
    (c) => {
      const [x, y] = tensorsOf(c, "inputs") as [Tensor, Tensor];
      const f = smoothFn(c);
      // x is a tracer of grad while jit traces y: it is hoisted into an input of the jit call
      const G = (inner: (x1: Tensor, y1: Tensor) => Tensor) => grad((x1: Tensor) => inner(x1, y).sum());
      const want = G((x1, y1) => f(x1, y1))(x);
      expectSame("grad_x jit_y f(x, y)", G((x1, y1) => jit((y2: Tensor) => f(x1, y2))(y1))(x), want);
      const vs = tensorsOf(c, "v");
      const [, t] = jvp((x1: Tensor) => f(x1, y), [x], [vs[0]!]);
      const [, jt] = jvp((x1: Tensor) => jit((y2: Tensor) => f(x1, y2))(y), [x], [vs[0]!]);
      expectSame("jvp_x jit_y f(x, y)", jt, t);
    },
  );
});

/** Same-shaped float64 tensors stacked along a new axis 0, in plain JS. */
function stackOf(parts: readonly Tensor[]): Tensor {
  const data = new Float64Array(parts.length * parts[0]!.size);
  parts.forEach((p, b) => data.set(p.toTypedArray(), b * p.size));
  return tensorOf(data, [parts.length, ...parts[0]!.shape], "float64");
}
