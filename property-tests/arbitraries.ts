// fast-check arbitraries: a primitive's TestSpec turned into readable random cases (shapes, params, values).
import fc from "fast-check";
import type { DType } from "tracegrad";
import type { Primitive } from "../src/ir/jaxpr.js";
import type { Choose, TestSpec } from "../src/ir/rule_types.js";

/** A shape and dtype as plain data, so counterexamples print readably. */
export interface AvalData {
  shape: number[];
  dtype: DType;
}

/** One random application of a primitive: everything is plain data (fast-check prints it on failure). */
export interface PrimCase {
  prim: string;
  avals: AvalData[];
  params: unknown;
  out: AvalData;
  /** Input values, row-major, one array per input (booleans for bool inputs). */
  inputs: (number | boolean)[][];
  /** Two directions per input (null for bool/int inputs, which get no tangents). */
  v: (number[] | null)[];
  w: (number[] | null)[];
  /** A cotangent for the output (null when the output is not float). */
  u: number[] | null;
}

const DEFAULT_DOMAIN = [-2, 2] as const;
const CHOICES = 64;
/** Resolution of drawn floats: values live on a grid of (hi − lo)/GRID, which avoids fast-check's special values. */
const GRID = 1_000_000;

export const isFloatDType = (d: DType): boolean => d === "float32" || d === "float64";
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The primitive's TestSpec; fails loudly when a registered primitive has none. */
export function specOf(prim: Primitive<unknown>): TestSpec<unknown> {
  if (!prim.testing)
    throw new Error(
      `primitive '${prim.name}' is registered but declares no \`testing\` spec; add one next to its rules`,
    );
  return prim.testing;
}

/** A float uniform in [lo, hi] on a fine integer grid (bounded, never NaN/∞, unbiased); shrinks toward lo. */
export const gridFloat = (lo: number, hi: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: GRID })).map((n) => lo + ((hi - lo) * n) / GRID);

export const gridFloats = (n: number, lo: number, hi: number): fc.Arbitrary<number[]> =>
  fc.array(gridFloat(lo, hi), { minLength: n, maxLength: n });

/** choose(n) = next choice mod n, then 0 once the sequence runs out: shrinking choices toward 0 shrinks cases. */
export function chooser(choices: readonly number[]): Choose {
  let i = 0;
  return (n: number) => {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`TestSpec.sample called choose(${n}); choose needs a whole number ≥ 1`);
    const c = i < choices.length ? choices[i]! : 0;
    i++;
    return c % n;
  };
}

function domainOf(spec: TestSpec<unknown>, input: number, perCase?: CaseDomains): readonly [number, number] {
  const own = perCase?.[input];
  if (own) return own;
  const d = spec.domain ?? DEFAULT_DOMAIN;
  if (typeof d[0] === "number") return d as readonly [number, number];
  const per = (d as readonly (readonly [number, number])[])[input];
  if (!per) throw new Error(`TestSpec.domain lists ${d.length} intervals, but input ${input} has none`);
  return per;
}

/** Distinct floats: a global grid of step 0.02 plus jitter < 0.01, so any two values are ≥ 0.01 apart. */
const STEP = 50; // grid points per unit
const distinctSlot = fc.noBias(fc.record({ slot: fc.nat({ max: GRID }), jitter: fc.nat({ max: 999 }) }));

/** Values for every float input at once, pairwise ≥ 1e-2 apart (collisions move to the next free grid point). */
function distinctValues(
  domains: readonly (readonly [number, number])[],
  sizes: readonly number[],
): fc.Arbitrary<number[][]> {
  return fc.tuple(...sizes.map((n) => fc.array(distinctSlot, { minLength: n, maxLength: n }))).map((drawn) => {
    const used = new Set<number>();
    return drawn.map((slots, i) => {
      const [lo, hi] = domains[i]!;
      const kmin = Math.ceil(lo * STEP - 1e-9);
      const kmax = Math.floor((hi - 0.01) * STEP + 1e-9);
      const count = kmax - kmin + 1;
      return slots.map(({ slot, jitter }) => {
        let k = kmin + (slot % count);
        for (let tries = 0; used.has(k); tries++) {
          if (tries >= count) throw new Error(`domain [${lo}, ${hi}] is too small for ${sizes[i]} values 0.01 apart`);
          k = k === kmax ? kmin : k + 1;
        }
        used.add(k);
        return k / STEP + jitter * 1e-5;
      });
    });
  });
}

type CaseDomains = readonly (readonly [number, number] | undefined)[] | undefined;

function inputValues(
  spec: TestSpec<unknown>,
  avals: readonly AvalData[],
  perCase: CaseDomains,
): fc.Arbitrary<(number | boolean)[][]> {
  const floats = avals.flatMap((a, i) => (isFloatDType(a.dtype) ? [i] : []));
  const floatArb = spec.distinct
    ? distinctValues(
        floats.map((i) => domainOf(spec, i, perCase)),
        floats.map((i) => sizeOf(avals[i]!.shape)),
      )
    : fc.tuple(...floats.map((i) => gridFloats(sizeOf(avals[i]!.shape), ...domainOf(spec, i, perCase))));
  const others = avals.map((a, i) => {
    const n = sizeOf(a.shape);
    if (a.dtype === "bool") return fc.array(fc.boolean(), { minLength: n, maxLength: n });
    if (a.dtype === "int32") {
      const [min, max] = perCase?.[i] ?? [-3, 3];
      return fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
    }
    if (a.dtype === "uint32") {
      // small values and ones near 2³² that wrap
      const [min, max] = perCase?.[i] ?? [0, 4294967295];
      const edge = fc.oneof(fc.integer({ min, max: Math.min(max, min + 7) }), fc.integer({ min, max }));
      return fc.array(edge, { minLength: n, maxLength: n });
    }
    return fc.constant([] as number[]);
  });
  return fc
    .tuple(floatArb, fc.tuple(...others))
    .map(([fl, ot]) => avals.map((a, i) => (isFloatDType(a.dtype) ? fl[floats.indexOf(i)]! : ot[i]!)));
}

/** A direction per input in [−1, 1] (null for non-float inputs). */
const directions = (avals: readonly AvalData[]): fc.Arbitrary<(number[] | null)[]> =>
  fc.tuple(...avals.map((a) => (isFloatDType(a.dtype) ? gridFloats(sizeOf(a.shape), -1, 1) : fc.constant(null))));

/** Random cases for `prim`, drawn from its TestSpec. */
export function primCase(prim: Primitive<unknown>): fc.Arbitrary<PrimCase> {
  const spec = specOf(prim);
  const choices = fc.array(fc.noBias(fc.nat({ max: 1_000_000 })), { minLength: CHOICES, maxLength: CHOICES });
  return choices.chain((cs) => {
    const { avals: shaped, params, domains } = spec.sample(chooser(cs));
    const avals = shaped.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
    const [o] = prim.check(shaped, params);
    const out = { shape: [...o!.shape], dtype: o!.dtype };
    const u = isFloatDType(out.dtype) ? gridFloats(sizeOf(out.shape), -1, 1) : fc.constant(null);
    return fc
      .record({ inputs: inputValues(spec, avals, domains), v: directions(avals), w: directions(avals), u })
      .map((r): PrimCase => ({ prim: prim.name, avals, params, out, ...r }));
  });
}

/** A primitive's case with several independent draws of its input values (same shapes, params and domains). */
export interface PrimSlices {
  prim: string;
  avals: AvalData[];
  params: unknown;
  out: AvalData;
  /** slices[b][input]: the row-major values of each input in draw b (e.g. slice b of a vmap batch). */
  slices: (number | boolean)[][][];
}

/** Random cases for `prim` with `count` draws of the input values each (vmap laws stack them into a batch). */
export function primSlices(prim: Primitive<unknown>, count: fc.Arbitrary<number>): fc.Arbitrary<PrimSlices> {
  const spec = specOf(prim);
  const choices = fc.array(fc.noBias(fc.nat({ max: 1_000_000 })), { minLength: CHOICES, maxLength: CHOICES });
  return fc.tuple(choices, count).chain(([cs, n]) => {
    const { avals: shaped, params, domains } = spec.sample(chooser(cs));
    const avals = shaped.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
    const [o] = prim.check(shaped, params);
    const out = { shape: [...o!.shape], dtype: o!.dtype };
    return fc
      .array(inputValues(spec, avals, domains), { minLength: n, maxLength: n })
      .map((slices): PrimSlices => ({ prim: prim.name, avals, params, out, slices }));
  });
}
