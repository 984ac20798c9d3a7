// vmap laws as data: batches stacked in plain JS (independent of the library), the registry-driven
// primitive laws, and random batched programs for the composition laws.
import fc from "fast-check";
import { type DType, evalJaxpr, makeJaxpr, ShapedArray, type Tensor, vmap } from "tracegrad";
import { expect } from "vitest";
import { bind } from "../src/ir/trace.js";
import { type AvalData, chooser, gridFloats, type PrimSlices, primSlices, specOf } from "./arbitraries.js";
import { seed } from "./config.js";
import type { Prim } from "./laws.js";
import { EXACT_TOL, expectBitwise, expectClose, type Tol, tensorOf, valuesOf } from "./numerics.js";
import { type ProgramCase, programCase } from "./programs.js";

export const VMAP_SEED = seed(0x5a3b1e);

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
/** A possibly negative axis of an array of rank `rank`, as 0 … rank−1. */
export const normAxis = (a: number, rank: number): number => (a < 0 ? a + rank : a);
/** `shape` with a batch axis of size `n` inserted at `axis` (0 … rank). */
export const withAxis = (shape: readonly number[], axis: number, n: number): number[] => {
  const s = [...shape];
  s.splice(axis, 0, n);
  return s;
};

/** Row-major values of `parts` (each of shape `shape`) stacked along a new axis at `axis` (0 … rank), in plain JS. */
export function stackValues<T>(parts: readonly ArrayLike<T>[], shape: readonly number[], axis: number): T[] {
  const inner = sizeOf(shape.slice(axis));
  const outer = sizeOf(shape.slice(0, axis));
  const out: T[] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) for (let k = 0; k < inner; k++) out.push(p[o * inner + k]!);
  return out;
}

/** A tensor holding `parts` stacked at `axis`. */
export const stackedTensor = (
  parts: readonly ArrayLike<number | boolean>[],
  shape: readonly number[],
  axis: number,
  dtype: DType,
): Tensor => tensorOf(stackValues(parts, shape, axis), withAxis(shape, axis, parts.length), dtype);

/** Expects `got` to be `parts` (the per-slice results, each shaped like `like`) stacked at `axis`, bit for bit. */
export function expectStacked(what: string, got: Tensor, parts: readonly Tensor[], axis: number): void {
  const like = parts[0]!;
  expect({ shape: [...got.shape], dtype: got.dtype }, `${what}: shape and dtype`).toEqual({
    shape: withAxis(like.shape, axis, parts.length),
    dtype: like.dtype,
  });
  expectBitwise(
    what,
    got.toTypedArray(),
    stackValues(
      parts.map((p) => p.toTypedArray()),
      like.shape,
      axis,
    ),
  );
}

/** As expectStacked, within `tol` (two float64 computations of the same values in different orders). */
export function expectStackedClose(
  what: string,
  got: Tensor,
  parts: readonly Tensor[],
  axis: number,
  tol: Tol = EXACT_TOL,
): void {
  const like = parts[0]!;
  expect({ shape: [...got.shape], dtype: got.dtype }, `${what}: shape and dtype`).toEqual({
    shape: withAxis(like.shape, axis, parts.length),
    dtype: like.dtype,
  });
  expectClose(what, valuesOf(got), stackValues(parts.map(valuesOf), like.shape, axis), tol);
}

// ---------------------------------------------------------------------------------------------------
// Registry-driven: vmap(op) along random axes equals op stacked over slices.

/** A primitive case with B slices per input, each input unmapped (null) or mapped at an axis (any spelling). */
export interface VmapPrimCase extends PrimSlices {
  /** Per input: null, or the batch axis in the batched input (rank + 1), possibly negative. */
  inAxes: (number | null)[];
  /** Where the batch axis goes in the output, possibly negative. */
  outAxis: number;
  /** Inputs and output in float32 instead of float64 (values rounded). */
  float32: boolean;
}

const asFloat32 = (p: Prim, c: PrimSlices): PrimSlices | undefined => {
  if (!c.avals.some((a) => a.dtype === "float64")) return undefined;
  const avals = c.avals.map((a): AvalData => (a.dtype === "float64" ? { ...a, dtype: "float32" } : a));
  const slices = c.slices.map((s) =>
    s.map((xs, i) => (c.avals[i]!.dtype === "float64" ? xs.map((x) => Math.fround(Number(x))) : xs)),
  );
  try {
    const [o] = p.check(
      avals.map((a) => new ShapedArray(a.shape, a.dtype)),
      c.params,
    );
    // a primitive reading bits (bitcast_convert_type) gives float32 another shape: no float32 twin of this case
    if (o!.shape.join() !== c.out.shape.join()) return undefined;
    return { ...c, avals, slices, out: { shape: [...o!.shape], dtype: o!.dtype } };
  } catch {
    return undefined; // the primitive takes no float32 here (mixed-dtype operands)
  }
};

export function vmapPrimCase(p: Prim): fc.Arbitrary<VmapPrimCase> {
  return primSlices(p, fc.integer({ min: 1, max: 3 })).chain((c) => {
    const axis = (rank: number) => fc.integer({ min: -(rank + 1), max: rank });
    return fc
      .record({
        mapped: fc.tuple(...c.avals.map((a) => fc.record({ on: fc.boolean(), axis: axis(a.shape.length) }))),
        force: fc.nat({ max: Math.max(0, c.avals.length - 1) }),
        outAxis: axis(c.out.shape.length),
        float32: fc.boolean(),
      })
      .map(({ mapped, force, outAxis, float32 }): VmapPrimCase => {
        const none = mapped.every((m) => !m.on);
        const inAxes = mapped.map((m, i) => (m.on || (none && i === force) ? m.axis : null));
        const c32 = float32 ? asFloat32(p, c) : undefined;
        return { ...(c32 ?? c), inAxes, outAxis, float32: c32 !== undefined };
      });
  });
}

/** The primitive as a function of its inputs (params fixed). */
export const primFn =
  (p: Prim, params: unknown) =>
  (...xs: Tensor[]): Tensor =>
    bind(p, xs, params)[0]!;

/** The batched inputs of a case with `n` slices (slice b of a mapped input is c.slices[b % B]). */
export function batchedInputs(c: VmapPrimCase, n = c.slices.length): Tensor[] {
  return c.avals.map((a, i) => {
    const ax = c.inAxes[i]!;
    if (ax === null) return tensorOf(c.slices[0]![i]!, a.shape, a.dtype);
    const parts = Array.from({ length: n }, (_, b) => c.slices[b % c.slices.length]![i]!);
    return stackedTensor(parts, a.shape, normAxis(ax, a.shape.length + 1), a.dtype);
  });
}

/** Slice b of every input, unmapped inputs as they are. */
export const sliceInputs = (c: VmapPrimCase, b: number): Tensor[] =>
  c.avals.map((a, i) => tensorOf(c.slices[c.inAxes[i] === null ? 0 : b]![i]!, a.shape, a.dtype));

export interface VmapPrimLaw {
  id: "stack" | "noLoop";
  name: string;
  check: (p: Prim, c: VmapPrimCase) => void;
  numRuns: number;
}

const stackLaw: VmapPrimLaw = {
  id: "stack",
  name: "vmap(op) along random axes equals op stacked over slices, bit for bit (also staged)",
  check: (p, c) => {
    const f = primFn(p, c.params);
    const vf = vmap(f, { inAxes: c.inAxes, outAxes: c.outAxis });
    const xs = batchedInputs(c);
    const got = vf(...xs);
    const parts = c.slices.map((_, b) => f(...sliceInputs(c, b)));
    const outAxis = normAxis(c.outAxis, c.out.shape.length + 1);
    expectStacked(`vmap(${p.name}) with inAxes ${JSON.stringify(c.inAxes)}, outAxes ${c.outAxis}`, got, parts, outAxis);
    const closed = makeJaxpr(vf)(...xs);
    expectBitwise(
      "evalJaxpr(makeJaxpr(vmap(op)))",
      evalJaxpr(closed.jaxpr, closed.consts, xs)[0]!.toTypedArray(),
      got.toTypedArray(),
    );
  },
  numRuns: 40,
};

const noLoopLaw: VmapPrimLaw = {
  id: "noLoop",
  name: "makeJaxpr(vmap(op)) has the same equations for batch sizes 1, 3 and 7 (no loop over the batch)",
  check: (p, c) => {
    const vf = vmap(primFn(p, c.params), { inAxes: c.inAxes, outAxes: c.outAxis });
    const eqns = (n: number) => makeJaxpr(vf)(...batchedInputs(c, n)).jaxpr.eqns.map((e) => e.prim.name);
    const one = eqns(1);
    expect(eqns(3), "equations for B = 3 vs B = 1").toEqual(one);
    expect(eqns(7), "equations for B = 7 vs B = 1").toEqual(one);
  },
  numRuns: 20,
};

export const VMAP_PRIM_LAWS: readonly VmapPrimLaw[] = [stackLaw, noLoopLaw];

/** vmap needs an input to map: primitives without operands (iota) are never batched. */
export const vmapApplies = (p: Prim): boolean => specOf(p).sample(chooser([])).avals.length > 0;

export const vmapLawProperty = (law: VmapPrimLaw, p: Prim) =>
  fc.property(vmapPrimCase(p), (c) => {
    law.check(p, c);
  });

// ---------------------------------------------------------------------------------------------------
// Random programs with a batch: the composition laws.

/** One input's place in a batch: mapped or not, and its axis (any spelling) when mapped. */
export interface AxisDraw {
  on: boolean;
  axis: number;
}

export interface BatchedProgram<Op> {
  c: ProgramCase<Op>;
  /** Per input: null or the batch axis (possibly negative) in the batched input. */
  inAxes: (number | null)[];
  /** slices[b][input]: the values of each input in example b; unmapped inputs use slices[0]. */
  slices: number[][][];
  /** Tangent directions per example, shaped like slices. */
  dirs: number[][][];
  /** Values cotangents are filled from (cyclically). */
  pool: number[];
  /** Output axis draws: k picks the axis, neg spells it negative. */
  out: { k: number; neg: boolean };
}

/** Axis `k mod (rank+1)` of an array of rank `rank` + 1, spelled negative when `neg`. */
export const pickAxis = ({ k, neg }: { k: number; neg: boolean }, rank: number): number => {
  const a = k % (rank + 1);
  return neg ? a - (rank + 1) : a;
};

/** Per input: on/off and an axis in −(rank+1) … rank; at least one mapped. */
export const axesFor = (shapes: readonly number[][]): fc.Arbitrary<(number | null)[]> =>
  fc
    .record({
      mapped: fc.tuple(
        ...shapes.map((s) =>
          fc.record({ on: fc.boolean(), axis: fc.integer({ min: -(s.length + 1), max: s.length }) }),
        ),
      ),
      force: fc.nat({ max: shapes.length - 1 }),
    })
    .map(({ mapped, force }) => {
      const none = mapped.every((m) => !m.on);
      return mapped.map((m, i) => (m.on || (none && i === force) ? m.axis : null));
    });

export const valuesFor = (shapes: readonly number[][], n: number, lo: number, hi: number): fc.Arbitrary<number[][][]> =>
  fc.array(fc.tuple(...shapes.map((s) => gridFloats(sizeOf(s), lo, hi))), { minLength: n, maxLength: n });

export const DOMAIN = [-1.5, 1.5] as const;

export function batchedProgram<Op extends string>(
  ops: readonly Op[],
  inputs: readonly [number, number] = [1, 2],
): fc.Arbitrary<BatchedProgram<Op>> {
  return programCase(ops, { inputs, maxRank: 2, maxSteps: 5, domain: DOMAIN }).chain((c) =>
    fc.integer({ min: 1, max: 3 }).chain((n) =>
      fc.record({
        c: fc.constant(c),
        inAxes: axesFor(c.shapes),
        slices: valuesFor(c.shapes, n, ...DOMAIN),
        dirs: valuesFor(c.shapes, n, -1, 1),
        pool: gridFloats(13, -1, 1),
        out: fc.record({ k: fc.nat({ max: 5 }), neg: fc.boolean() }),
      }),
    ),
  );
}

/** Batched tensors from per-example values (unmapped inputs from example 0). */
export function batchOf(b: { c: ProgramCase<string>; inAxes: (number | null)[] }, per: number[][][]): Tensor[] {
  return b.c.shapes.map((s, i) => {
    const ax = b.inAxes[i]!;
    return ax === null
      ? tensorOf(per[0]![i]!, s, "float64")
      : stackedTensor(
          per.map((e) => e[i]!),
          s,
          normAxis(ax, s.length + 1),
          "float64",
        );
  });
}

/** Example `e`'s inputs (unmapped inputs from example 0). */
export const exampleOf = (
  b: { c: ProgramCase<string>; inAxes: (number | null)[] },
  per: number[][][],
  e: number,
): Tensor[] => b.c.shapes.map((s, i) => tensorOf(per[b.inAxes[i] === null ? 0 : e]![i]!, s, "float64"));

/** A cotangent-like tensor of `shape` filled from the pool, different per example `e`. */
export const fromPool = (pool: readonly number[], shape: readonly number[], e: number): Tensor =>
  tensorOf(
    Array.from({ length: sizeOf(shape) }, (_, k) => pool[(k + 5 * e) % pool.length]!),
    shape,
    "float64",
  );

/** A program under two vmaps: inner and outer batch axes per input, values per (outer, inner) example. */
export interface NestedProgram<Op> {
  c: ProgramCase<Op>;
  /** Per input: the inner vmap's axis (in the input with the inner batch), or null. */
  inner: (number | null)[];
  /** Per input: the outer vmap's axis (in the input with both batches), or null. */
  outer: (number | null)[];
  /** vals[b1][b2][input]; an input not mapped by a vmap takes index 0 of that batch. */
  vals: number[][][][];
  outInner: { k: number; neg: boolean };
  outOuter: { k: number; neg: boolean };
}

export function nestedProgram<Op extends string>(ops: readonly Op[]): fc.Arbitrary<NestedProgram<Op>> {
  const outDraw = fc.record({ k: fc.nat({ max: 5 }), neg: fc.boolean() });
  return programCase(ops, { inputs: [1, 2], maxRank: 2, maxSteps: 4, domain: DOMAIN }).chain((c) =>
    fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), axesFor(c.shapes))
      .chain(([n1, n2, inner]) => {
        const outerShapes = c.shapes.map((s, i) =>
          inner[i] === null ? s : withAxis(s, normAxis(inner[i]!, s.length + 1), n2),
        );
        return fc.record({
          c: fc.constant(c),
          inner: fc.constant(inner),
          outer: axesFor(outerShapes),
          vals: fc.array(valuesFor(c.shapes, n2, ...DOMAIN), { minLength: n1, maxLength: n1 }),
          outInner: outDraw,
          outOuter: outDraw,
        });
      }),
  );
}

/** The doubly batched inputs: the inner batch stacked first, then the outer one. */
export function nestedInputs(n: NestedProgram<string>): Tensor[] {
  return n.c.shapes.map((s, i) => {
    const [ai, ao] = [n.inner[i]!, n.outer[i]!];
    const innerShape = ai === null ? s : withAxis(s, normAxis(ai, s.length + 1), n.vals[0]!.length);
    const innerVals = (b1: number): number[] =>
      ai === null
        ? n.vals[b1]![0]![i]!
        : stackValues(
            n.vals[b1]!.map((e) => e[i]!),
            s,
            normAxis(ai, s.length + 1),
          );
    if (ao === null) return tensorOf(innerVals(0), innerShape, "float64");
    return stackedTensor(
      n.vals.map((_, b1) => innerVals(b1)),
      innerShape,
      normAxis(ao, innerShape.length + 1),
      "float64",
    );
  });
}

/** The inputs of example (b1, b2). */
export const nestedExample = (n: NestedProgram<string>, b1: number, b2: number): Tensor[] =>
  n.c.shapes.map((s, i) =>
    tensorOf(n.vals[n.outer[i] === null ? 0 : b1]![n.inner[i] === null ? 0 : b2]![i]!, s, "float64"),
  );
