// The primitive laws as data: what each checks, which cases it applies to, and how many runs it gets.
import fc from "fast-check";
import { evalJaxpr, GradientError, grad, jvp, makeJaxpr, ShapedArray, type Tensor, vjp } from "tracegrad";
import { expect } from "vitest";
import type { Primitive } from "../src/ir/jaxpr.js";
import { chooser, isFloatDType, type PrimCase, primCase, specOf } from "./arbitraries.js";
import { seed } from "./config.js";
import {
  centralDifference,
  expectBitwise,
  expectClose,
  expectIdentity,
  expectZero,
  FD_TOL,
  FLOAT32_TOL,
  innerProduct,
  valuesOf,
} from "./numerics.js";
import { concrete } from "./prim_case.js";

export type Prim = Primitive<unknown>;

export interface PrimLaw {
  /** Short stable handle (for tests that refer to one law). */
  id:
    | "abstractEval"
    | "jaxpr"
    | "jvp"
    | "vjp"
    | "forwardOnly"
    | "reverseOnly"
    | "zero"
    | "secondOrderFd"
    | "secondOrderModes"
    | "float32";
  name: string;
  /** Whether the law is meaningful for a case (float inputs, float output, declared zero derivative…). */
  applies: (p: Prim, c: PrimCase) => boolean;
  /** Throws (with a readable message) when the law does not hold for the case. */
  check: (p: Prim, c: PrimCase) => void;
  numRuns: number;
}

export const SEED = seed(0x7ace9ad);

const hasFloatIn = (c: PrimCase) => c.avals.some((a) => isFloatDType(a.dtype));
const hasFloatOut = (c: PrimCase) => isFloatDType(c.out.dtype);
const isZeroDerivative = (p: Prim) => p.adFamily === "zero";
/** Differentiable: float in, float out, derivative not declared zero. */
const smooth = (p: Prim, c: PrimCase) => hasFloatIn(c) && hasFloatOut(c) && !isZeroDerivative(p) && !p.reverseOnly;
const reversible = (p: Prim, c: PrimCase) => hasFloatIn(c) && hasFloatOut(c) && !p.forwardOnly;
/** Differentiable in both modes. */
const smoothReversible = (p: Prim, c: PrimCase) => smooth(p, c) && !p.forwardOnly;
/** Differentiable in reverse mode only: VJPs are checked against central differences instead of JVPs. */
const reverseOnly = (p: Prim, c: PrimCase) => p.reverseOnly === true && hasFloatIn(c) && hasFloatOut(c);
const constant = (p: Prim, c: PrimCase) => hasFloatIn(c) && (isZeroDerivative(p) || !hasFloatOut(c)) && !p.forwardOnly;
const always = () => true;

const abstractEvalLaw: PrimLaw = {
  id: "abstractEval",
  name: "abstractEval agrees with the eager output",
  applies: always,
  check: (p, c) => {
    const { xs, f } = concrete(p, c);
    const y = f(...xs);
    expect({ shape: [...y.shape], dtype: y.dtype }).toEqual(c.out);
    // the kernel filled exactly the elements the shape rule promised
    expect(y.toTypedArray().length).toBe(y.shape.reduce((a, b) => a * b, 1));
  },
  numRuns: 40,
};

const jaxprLaw: PrimLaw = {
  id: "jaxpr",
  name: "eager equals evalJaxpr(makeJaxpr(f)) bit for bit",
  applies: always,
  check: (p, c) => {
    const { xs, f } = concrete(p, c);
    const eager = f(...xs).toTypedArray();
    const closed = makeJaxpr(f)(...xs);
    expect(closed.jaxpr.eqns.map((e) => e.prim.name)).toEqual([p.name]);
    expectBitwise("evalJaxpr", evalJaxpr(closed.jaxpr, closed.consts, xs)[0]!.toTypedArray(), eager);
    // the first input captured as a constant instead (a constvar, or an inline literal when 0-d)
    if (xs.length === 0) return; // nothing to capture (e.g. iota)
    const [x0, ...rest] = xs;
    const closedOver = makeJaxpr((...r: Tensor[]) => f(x0!, ...r))(...rest);
    expectBitwise(
      "evalJaxpr with input 0 captured",
      evalJaxpr(closedOver.jaxpr, closedOver.consts, rest)[0]!.toTypedArray(),
      eager,
    );
  },
  numRuns: 40,
};

const jvpLaw: PrimLaw = {
  id: "jvp",
  name: "JVP agrees with central differences",
  applies: smooth,
  check: (p, c) => {
    const k = concrete(p, c);
    const [y, t] = jvp(k.g, k.floatXs, k.v);
    expectBitwise("primal output of jvp", y.toTypedArray(), k.f(...k.xs).toTypedArray());
    expectClose(
      "JVP vs central differences",
      valuesOf(t),
      centralDifference((xs) => k.g(...xs), k.floatXs, k.vArr),
      FD_TOL,
    );
  },
  numRuns: 40,
};

const vjpLaw: PrimLaw = {
  id: "vjp",
  name: "VJP agrees with JVP: <u, jvp(v)> = <vjp(u), v>",
  applies: (p, c) => reversible(p, c) && !p.reverseOnly,
  check: (p, c) => {
    const k = concrete(p, c);
    const [, t] = jvp(k.g, k.floatXs, k.v);
    const [y, back] = vjp(k.g, ...k.floatXs);
    expectBitwise("primal output of vjp", y.toTypedArray(), k.f(...k.xs).toTypedArray());
    const cts = back(k.u!);
    expect(cts.map((ct) => [...ct.shape])).toEqual(k.floatXs.map((x) => [...x.shape]));
    expectIdentity(
      "<u, jvp(v)> vs <vjp(u), v>",
      innerProduct([k.uArr!], [valuesOf(t)]),
      innerProduct(cts.map(valuesOf), k.vArr),
    );
  },
  numRuns: 40,
};

const forwardOnlyLaw: PrimLaw = {
  id: "forwardOnly",
  name: "forward only: reverse mode is a GradientError that names the alternatives",
  applies: (p, c) => p.forwardOnly === true && hasFloatIn(c) && hasFloatOut(c),
  check: (p, c) => {
    const k = concrete(p, c);
    expect(() => vjp(k.g, ...k.floatXs)[1](k.u!)).toThrow(GradientError);
    expect(() => vjp(k.g, ...k.floatXs)[1](k.u!)).toThrow(/scan/);
  },
  numRuns: 10,
};

const reverseOnlyLaw: PrimLaw = {
  id: "reverseOnly",
  name: "reverse only: <u, central differences along v> = <vjp(u), v>, and forward mode is a GradientError",
  applies: reverseOnly,
  check: (p, c) => {
    const k = concrete(p, c);
    const [y, back] = vjp(k.g, ...k.floatXs);
    expectBitwise("primal output of vjp", y.toTypedArray(), k.f(...k.xs).toTypedArray());
    const fd = centralDifference((xs) => k.g(...xs), k.floatXs, k.vArr);
    const cts = back(k.u!);
    expectClose(
      "<vjp(u), v> vs <u, central differences>",
      [innerProduct(cts.map(valuesOf), k.vArr).value],
      [innerProduct([k.uArr!], [fd]).value],
      FD_TOL,
    );
    expect(() => jvp(k.g, k.floatXs, k.v)).toThrow(GradientError);
  },
  numRuns: 30,
};

const zeroLaw: PrimLaw = {
  id: "zero",
  name: "zero derivative: tangents and cotangents are exactly zero",
  applies: constant,
  check: (p, c) => {
    const k = concrete(p, c);
    const [, t] = jvp(k.g, k.floatXs, k.v);
    expect([...t.shape]).toEqual(c.out.shape);
    expectZero("output tangent", t.toTypedArray());
    const [y, back] = vjp(k.g, ...k.floatXs);
    const cts = back(k.u ?? y);
    cts.forEach((ct, i) => expectZero(`cotangent of float input ${i}`, ct.toTypedArray()));
  },
  numRuns: 40,
};

const secondOrderFdLaw: PrimLaw = {
  id: "secondOrderFd",
  name: "second order: forward-over-forward agrees with central differences of the JVP",
  applies: smooth,
  check: (p, c) => {
    const k = concrete(p, c);
    const h = (...xs: Tensor[]): Tensor => jvp(k.g, xs, k.v)[1];
    const [, hw] = jvp(h, k.floatXs, k.w);
    expectClose(
      "d/dw jvp(f, x, v) vs central differences",
      valuesOf(hw),
      centralDifference((xs) => h(...xs), k.floatXs, k.wArr),
      FD_TOL,
    );
  },
  numRuns: 30,
};

const secondOrderModesLaw: PrimLaw = {
  id: "secondOrderModes",
  name: "second order: reverse-over-forward, forward-over-reverse and grad-of-vjp agree with forward-over-forward",
  applies: smoothReversible,
  check: (p, c) => {
    const k = concrete(p, c);
    const h = (...xs: Tensor[]): Tensor => jvp(k.g, xs, k.v)[1];
    // reference: <u, D²f[v, w]> by forward over forward
    const ref = innerProduct([k.uArr!], [valuesOf(jvp(h, k.floatXs, k.w)[1])]);
    const revFwd = vjp(h, ...k.floatXs)[1](k.u!);
    expectIdentity("reverse-over-forward <vjp(jvp(f,·,v))(u), w>", innerProduct(revFwd.map(valuesOf), k.wArr), ref);
    const back = (...xs: Tensor[]): Tensor[] => vjp(k.g, ...xs)[1](k.u!);
    const fwdRev = jvp(back, k.floatXs, k.w)[1];
    expectIdentity("forward-over-reverse <jvp(vjp(f,·)(u), w), v>", innerProduct(fwdRev.map(valuesOf), k.vArr), ref);
    const argnums = k.floatXs.map((_, i) => i);
    const s = (...xs: Tensor[]): Tensor =>
      back(...xs)
        .map((ct, i) => ct.mul(k.v[i]!).sum())
        .reduce((a, b) => a.add(b));
    const revRev = grad(s, { argnums })(...k.floatXs);
    expectIdentity("reverse-over-reverse <grad(<vjp(f,·)(u), v>), w>", innerProduct(revRev.map(valuesOf), k.wArr), ref);
  },
  numRuns: 30,
};

/** The case with float64 inputs made float32 (values rounded), and the float64 case on those same rounded values. */
function asFloat32(p: Prim, c: PrimCase): { c32: PrimCase; c64: PrimCase } {
  const inputs = c.inputs.map((xs, i) =>
    c.avals[i]!.dtype === "float64" ? xs.map((x) => Math.fround(Number(x))) : xs,
  );
  const avals = c.avals.map((a) => (a.dtype === "float64" ? { ...a, dtype: "float32" as const } : a));
  const [o] = p.check(
    avals.map((a) => new ShapedArray(a.shape, a.dtype)),
    c.params,
  );
  return { c32: { ...c, avals, inputs, out: { shape: [...o!.shape], dtype: o!.dtype } }, c64: { ...c, inputs } };
}

const float32Law: PrimLaw = {
  id: "float32",
  name: "float32 agrees with float64 on the same inputs, and JVP/VJP keep float32",
  // (a primitive carrying a jaxpr traced for float64, such as jit, does not take float32 operands with the same params;
  // one reading bits, such as bitcast_convert_type, gives another shape for float32)
  applies: (p, c) => {
    if (!c.avals.some((a) => a.dtype === "float64")) return false;
    const r = p.abstractEval(
      c.avals.map((a) => new ShapedArray(a.shape, a.dtype === "float64" ? "float32" : a.dtype)),
      c.params,
    );
    return r._tag === "Right" && r.right[0]!.shape.join() === c.out.shape.join();
  },
  check: (p, c) => {
    const { c32, c64 } = asFloat32(p, c);
    const [k32, k64] = [concrete(p, c32), concrete(p, c64)];
    const y32 = k32.f(...k32.xs);
    expect({ shape: [...y32.shape], dtype: y32.dtype }).toEqual(c32.out);
    expectClose("float32 result vs float64 result", valuesOf(y32), valuesOf(k64.f(...k64.xs)), FLOAT32_TOL);
    if (!smooth(p, c32)) return;
    const [, t] = jvp(k32.g, k32.floatXs, k32.v);
    expect(t.dtype, "tangent dtype").toBe(y32.dtype);
    const cts = vjp(k32.g, ...k32.floatXs)[1](k32.u!);
    expect(
      cts.map((ct) => ct.dtype),
      "cotangent dtypes",
    ).toEqual(k32.floatXs.map((x) => x.dtype));
  },
  numRuns: 30,
};

export const PRIMITIVE_LAWS: readonly PrimLaw[] = [
  abstractEvalLaw,
  jaxprLaw,
  jvpLaw,
  vjpLaw,
  forwardOnlyLaw,
  reverseOnlyLaw,
  zeroLaw,
  secondOrderFdLaw,
  secondOrderModesLaw,
  float32Law,
];

/** The case the all-zeros choice sequence gives: decides statically which laws get a test for a primitive. */
export function firstCase(p: Prim): PrimCase {
  const { avals, params } = specOf(p).sample(chooser([]));
  const [o] = p.check(avals, params);
  const ad = avals.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
  return {
    prim: p.name,
    avals: ad,
    params,
    out: { shape: [...o!.shape], dtype: o!.dtype },
    inputs: [],
    v: [],
    w: [],
    u: null,
  };
}

/** The law as a fast-check property over the primitive's cases (cases it does not apply to are discarded). */
export const lawProperty = (law: PrimLaw, p: Prim) =>
  fc.property(primCase(p), (c) => {
    fc.pre(law.applies(p, c));
    law.check(p, c);
  });
