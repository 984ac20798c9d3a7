// vmap laws: one registry-driven law per property for every primitive, and composition laws on random programs.
import fc from "fast-check";
import { evalJaxpr, grad, hessian, jacfwd, jacrev, jvp, makeJaxpr, np, type Tensor, vjp, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { primitives } from "../src/higher_order/registry.js";
import { bind1 } from "../src/ir/trace.js";
import { moveAxis } from "../src/primitives/batching.js";
import { concatenate, neg, slice } from "../src/primitives/index.js";
import { runs } from "./config.js";
import { knownBug } from "./known_bugs.js";
import type { Prim } from "./laws.js";
import { EXACT_TOL, expectBitwise, expectClose, tensorOf, valuesOf } from "./numerics.js";
import {
  KINKED_OPS,
  type ProgramCase,
  programCase,
  programLaw,
  SMOOTH_OPS,
  show,
  smoothFn,
  tensorsOf,
} from "./programs.js";
import {
  type BatchedProgram,
  batchedProgram,
  batchOf,
  DOMAIN,
  exampleOf,
  expectStackedClose,
  fromPool,
  nestedExample,
  nestedInputs,
  nestedProgram,
  normAxis,
  pickAxis,
  stackedTensor,
  stackValues,
  VMAP_PRIM_LAWS,
  VMAP_SEED,
  type VmapPrimLaw,
  vmapApplies,
  vmapLawProperty,
} from "./vmap_laws.js";

for (const law of VMAP_PRIM_LAWS) {
  describe(law.name, () => {
    const covered = primitives.filter(vmapApplies);
    it("applies to every registered primitive with operands", () => {
      expect(primitives.filter((p) => !vmapApplies(p)).map((p) => p.name)).toEqual(["iota"]);
    });
    for (const p of covered) {
      const bug = knownBug(law.name, p.name);
      (bug ? it.skip : it)(bug ? `${p.name} — KNOWN_BUGS: ${bug}` : p.name, () => {
        fc.assert(vmapLawProperty(law, p), { seed: VMAP_SEED, numRuns: runs(law.numRuns) });
      });
    }
  });
}

// The vmap laws can fail: primitives with deliberately broken batch rules are caught by the law meant for them.
const prim = (name: string): Prim => {
  const p = primitives.find((q) => q.name === name);
  if (!p) throw new Error(`no primitive '${name}' in the registry`);
  return p;
};
const mutant = (name: string, base: string, batch: Prim["batch"]): Prim => ({ ...prim(base), name, batch });

const BATCH_MUTANTS: { prim: Prim; fails: VmapPrimLaw["id"][]; holds: VmapPrimLaw["id"][] }[] = [
  // forgets to shift the reduced axes past the new leading batch axis
  {
    prim: mutant("reduce_sum_unshifted_axes", "reduce_sum", ([x], [d], params) => [
      [bind1(prim("reduce_sum"), [moveAxis(x!, d!, 0)], params)],
      [0],
    ]),
    fails: ["stack"],
    holds: [],
  },
  // claims the batch axis is first, wherever it really is (when shapes then disagree with the shape rule,
  // BatchTrace itself throws, so the equation-count law fails too)
  {
    prim: mutant("mul_wrong_out_axis", "mul", (xs, dims, params) => {
      const [[y], [d]] = prim("mul").batch(xs, dims, params);
      return [[y!], [d === null ? null : 0]];
    }),
    fails: ["stack"],
    holds: [],
  },
  // right values, but one neg per example: B slices, B negs and a concatenate
  {
    prim: mutant("neg_looping", "neg", ([x], [d]) => {
      const parts = Array.from({ length: x!.shape[d!]! }, (_, b) =>
        neg(
          slice(
            x!,
            x!.shape.map((_, i) => (i === d ? b : 0)),
            x!.shape.map((n, i) => (i === d ? b + 1 : n)),
          ),
        ),
      );
      return [[concatenate(parts, d!)], [d!]];
    }),
    fails: ["noLoop"],
    holds: ["stack"],
  },
];

describe("vmap law sensitivity: mutants with broken batch rules", () => {
  for (const { prim: m, fails, holds } of BATCH_MUTANTS) {
    for (const law of VMAP_PRIM_LAWS) {
      if (!fails.includes(law.id) && !holds.includes(law.id)) continue;
      const shouldFail = fails.includes(law.id);
      it(`${m.name}: "${law.name}" ${shouldFail ? "fails" : "holds"}`, () => {
        const r = fc.check(vmapLawProperty(law, m), { seed: VMAP_SEED, numRuns: 20, endOnFailure: true });
        expect(r.failed, r.failed ? String(r.errorInstance) : "no counterexample found").toBe(shouldFail);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------
// Composition laws on random programs (JS control flow on values — the "branch" op — cannot run under vmap).

const VMAP_SMOOTH = SMOOTH_OPS.filter((op) => op !== "branch");
const VMAP_KINKED = KINKED_OPS.filter((op) => op !== "branch");
const RUNS = 25;

/** programLaw with this file's seed; shows the program and the axes. */
function composeLaw<C extends { c: ProgramCase<string> }>(
  name: string,
  arb: fc.Arbitrary<C>,
  body: (c: C) => void,
  numRuns = RUNS,
): void {
  programLaw(
    name,
    arb,
    (c) => `${show(c.c)}\n  inAxes: ${JSON.stringify((c as { inAxes?: unknown }).inAxes ?? null)}`,
    body,
    { seed: VMAP_SEED, numRuns },
  );
}

const examples = (b: BatchedProgram<string>): number[] => b.slices.map((_, e) => e);
const allArgs = (c: ProgramCase<string>): number[] => c.shapes.map((_, i) => i);
const sumOf =
  (f: (...xs: Tensor[]) => Tensor) =>
  (...xs: Tensor[]): Tensor =>
    f(...xs).sum();
const zerosLikeF64 = (x: Tensor): Tensor => tensorOf(new Float64Array(x.size), x.shape, "float64");
/** e_k of the given shape (float64). */
const basisVector = (shape: readonly number[], k: number): Tensor => {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  d[k] = 1;
  return tensorOf(d, shape, "float64");
};
/** Row-major [...rows, n] from n columns (each of `rows` shape). */
const fromColumns = (cols: readonly Tensor[], rows: readonly number[]): Tensor =>
  stackedTensor(
    cols.map((c) => c.toTypedArray()),
    rows,
    rows.length,
    "float64",
  );
/** Row-major [m, ...cols] from m rows, reshaped to [...outShape, ...cols]. */
const fromRows = (rs: readonly Tensor[], outShape: readonly number[], cols: readonly number[]): Tensor =>
  tensorOf(
    stackValues(
      rs.map((r) => r.toTypedArray()),
      cols,
      0,
    ),
    [...outShape, ...cols],
    "float64",
  );

describe("vmap composed with other transforms, on random programs", () => {
  composeLaw(
    "vmap(f) equals f stacked over examples (random in/out axes), and makeJaxpr(vmap(f)) replays it",
    batchedProgram(VMAP_KINKED),
    (b) => {
      const f = smoothFn(b.c);
      const xs = batchOf(b, b.slices);
      const parts = examples(b).map((e) => f(...exampleOf(b, b.slices, e)));
      const outAxis = pickAxis(b.out, parts[0]!.ndim);
      const vf = vmap(f, { inAxes: b.inAxes, outAxes: outAxis });
      const got = vf(...xs);
      expectStackedClose("vmap(f)", got, parts, normAxis(outAxis, parts[0]!.ndim + 1));
      const closed = makeJaxpr(vf)(...xs);
      expectBitwise(
        "evalJaxpr(makeJaxpr(vmap f))",
        evalJaxpr(closed.jaxpr, closed.consts, xs)[0]!.toTypedArray(),
        got.toTypedArray(),
      );
    },
  );

  composeLaw("vmap(grad f) equals per-example grad f (outAxes per output)", batchedProgram(VMAP_SMOOTH), (b) => {
    const argnums = allArgs(b.c);
    const g = (...xs: Tensor[]): Tensor[] => grad(sumOf(smoothFn(b.c)), { argnums })(...xs);
    const per = examples(b).map((e) => g(...exampleOf(b, b.slices, e)));
    const outAxes = b.c.shapes.map((s, i) => pickAxis({ k: b.out.k + i, neg: b.out.neg !== (i === 1) }, s.length));
    const got = vmap(g, { inAxes: b.inAxes, outAxes })(...batchOf(b, b.slices));
    expect(got.length).toBe(argnums.length);
    got.forEach((t, i) =>
      expectStackedClose(
        `vmap(grad f) for input ${i}`,
        t,
        per.map((p) => p[i]!),
        normAxis(outAxes[i]!, b.c.shapes[i]!.length + 1),
      ),
    );
  });

  composeLaw(
    "grad(sum ∘ vmap(f)) stacks per-example gradients of mapped inputs and sums those of unmapped ones",
    batchedProgram(VMAP_SMOOTH),
    (b) => {
      const f = smoothFn(b.c);
      const argnums = allArgs(b.c);
      const got = grad((...xs: Tensor[]) => vmap(f, { inAxes: b.inAxes })(...xs).sum(), { argnums })(
        ...batchOf(b, b.slices),
      );
      const per = examples(b).map((e) => grad(sumOf(f), { argnums })(...exampleOf(b, b.slices, e)));
      b.c.shapes.forEach((s, i) => {
        const ax = b.inAxes[i]!;
        if (ax !== null)
          return expectStackedClose(
            `gradient of mapped input ${i}`,
            got[i]!,
            per.map((p) => p[i]!),
            normAxis(ax, s.length + 1),
          );
        expect([...got[i]!.shape]).toEqual(s);
        const total = per.map((p) => valuesOf(p[i]!)).reduce((acc, v) => acc.map((a, k) => a + v[k]!));
        expectClose(`gradient of unmapped input ${i} (sum over examples)`, valuesOf(got[i]!), total, EXACT_TOL);
      });
    },
  );

  composeLaw("jvp(vmap f) equals vmap(jvp f) equals per-example jvp", batchedProgram(VMAP_SMOOTH), (b) => {
    const f = smoothFn(b.c);
    const n = b.c.shapes.length;
    const [xs, vs] = [batchOf(b, b.slices), batchOf(b, b.dirs)];
    const per = examples(b).map((e) => jvp(f, exampleOf(b, b.slices, e), exampleOf(b, b.dirs, e)));
    const [y, t] = jvp(vmap(f, { inAxes: b.inAxes }), xs, vs);
    expectStackedClose(
      "primal of jvp(vmap f)",
      y,
      per.map((p) => p[0]),
      0,
    );
    expectStackedClose(
      "tangent of jvp(vmap f)",
      t,
      per.map((p) => p[1]),
      0,
    );
    const vjvp = vmap((...xv: Tensor[]) => jvp(f, xv.slice(0, n), xv.slice(n))[1], {
      inAxes: [...b.inAxes, ...b.inAxes],
    });
    expectStackedClose(
      "vmap(jvp f)",
      vjvp(...xs, ...vs),
      per.map((p) => p[1]),
      0,
    );
  });

  composeLaw("vmap(vjp f) with a batched cotangent equals per-example vjp", batchedProgram(VMAP_SMOOTH), (b) => {
    const f = smoothFn(b.c);
    const n = b.c.shapes.length;
    const outShape = [...f(...exampleOf(b, b.slices, 0)).shape];
    const uAxis = pickAxis(b.out, outShape.length);
    const us = examples(b).map((e) => fromPool(b.pool, outShape, e));
    const u = stackedTensor(
      us.map((t) => t.toTypedArray()),
      outShape,
      normAxis(uAxis, outShape.length + 1),
      "float64",
    );
    const back = (...xu: Tensor[]): Tensor[] => vjp(f, ...xu.slice(0, n))[1](xu[n]!);
    const got = vmap(back, { inAxes: [...b.inAxes, uAxis] })(...batchOf(b, b.slices), u);
    const per = examples(b).map((e) => vjp(f, ...exampleOf(b, b.slices, e))[1](us[e]!));
    got.forEach((ct, i) =>
      expectStackedClose(
        `vmap(vjp f) cotangent of input ${i}`,
        ct,
        per.map((p) => p[i]!),
        0,
      ),
    );
  });

  composeLaw(
    "vmap(vmap f) with different inner and outer axes equals the double loop",
    nestedProgram(VMAP_KINKED),
    (nb) => {
      const f = smoothFn(nb.c);
      const [n1, n2] = [nb.vals.length, nb.vals[0]!.length];
      const per = Array.from({ length: n1 }, (_, b1) =>
        Array.from({ length: n2 }, (_, b2) => f(...nestedExample(nb, b1, b2))),
      );
      const rank = per[0]![0]!.ndim;
      const [oi, oo] = [pickAxis(nb.outInner, rank), pickAxis(nb.outOuter, rank + 1)];
      const got = vmap(vmap(f, { inAxes: nb.inner, outAxes: oi }), { inAxes: nb.outer, outAxes: oo })(
        ...nestedInputs(nb),
      );
      const inner = per.map((row) =>
        stackedTensor(
          row.map((t) => t.toTypedArray()),
          row[0]!.shape,
          normAxis(oi, rank + 1),
          "float64",
        ),
      );
      expectStackedClose(
        `vmap(vmap f) (inner in/out ${JSON.stringify(nb.inner)}/${oi}, outer ${JSON.stringify(nb.outer)}/${oo})`,
        got,
        inner,
        normAxis(oo, rank + 2),
      );
    },
  );

  composeLaw(
    "vmap(jacfwd f) and vmap(jacrev f) equal per-example Jacobians",
    batchedProgram(VMAP_SMOOTH, [1, 1]),
    (b) => {
      const f = smoothFn(b.c);
      for (const [name, jac] of [
        ["jacfwd", jacfwd],
        ["jacrev", jacrev],
      ] as const) {
        const got = vmap(jac(f), { inAxes: b.inAxes })(...batchOf(b, b.slices));
        expectStackedClose(
          `vmap(${name} f)`,
          got,
          examples(b).map((e) => jac(f)(...exampleOf(b, b.slices, e))),
          0,
        );
      }
    },
  );

  composeLaw(
    "pytree arguments with prefix inAxes and pytree outputs with outAxes equal the flat vmap and the loop",
    batchedProgram(VMAP_KINKED, [2, 2]),
    (b) => {
      const f = smoothFn(b.c);
      const [a0, a1] = b.inAxes;
      const tf = (p: { w: Tensor; rest: Tensor[] }, scale: number) => {
        const y = f(p.w, p.rest[0]!);
        return { y, parts: [y.mul(scale).sum(), np.array(scale)] };
      };
      const [x0, x1] = batchOf(b, b.slices) as [Tensor, Tensor];
      const yAxis = pickAxis(b.out, f(...exampleOf(b, b.slices, 0)).ndim);
      const got = vmap(tf, { inAxes: [{ w: a0!, rest: a1! }, null], outAxes: { y: yAxis, parts: [-1, null] } })(
        { w: x0, rest: [x1] },
        2,
      );
      const flat = vmap(f, { inAxes: b.inAxes, outAxes: yAxis })(x0, x1);
      expectBitwise("pytree vmap vs flat vmap", got.y.toTypedArray(), flat.toTypedArray());
      const per = examples(b).map((e) =>
        tf({ w: exampleOf(b, b.slices, e)[0]!, rest: [exampleOf(b, b.slices, e)[1]!] }, 2),
      );
      expectStackedClose(
        "output y",
        got.y,
        per.map((p) => p.y),
        normAxis(yAxis, per[0]!.y.ndim + 1),
      );
      expectStackedClose(
        "output parts[0] (outAxes -1)",
        got.parts[0]!,
        per.map((p) => p.parts[0]!),
        0,
      );
      expect(got.parts[1]!.toArray(), "unbatched output with outAxes null stays unbatched").toBe(2);
    },
  );
});

describe("Jacobians (vmap over basis vectors) against per-basis-vector jvp and vjp", () => {
  composeLaw(
    "jacfwd(f) equals the columns jvp(f, x, e_k); jacrev(f) equals the rows vjp(f, x)(e_o)",
    programCase(KINKED_OPS, { inputs: [1, 2], maxRank: 2, maxSteps: 5, domain: DOMAIN }).map((c) => ({ c })),
    ({ c }) => {
      const f = smoothFn(c);
      const xs = tensorsOf(c, "inputs");
      const argnums = allArgs(c);
      const out = f(...xs);
      const jf = jacfwd(f, { argnums })(...xs);
      const jr = jacrev(f, { argnums })(...xs);
      const back = vjp(f, ...xs)[1];
      const rows = Array.from({ length: out.size }, (_, o) => back(basisVector(out.shape, o)));
      xs.forEach((x, i) => {
        const cols = Array.from(
          { length: x.size },
          (_, k) =>
            jvp(
              f,
              xs,
              xs.map((z, j) => (j === i ? basisVector(x.shape, k) : zerosLikeF64(z))),
            )[1],
        );
        const byJvp = fromColumns(cols, out.shape);
        const byVjp = fromRows(
          rows.map((r) => r[i]!),
          out.shape,
          x.shape,
        );
        expect([...jf[i]!.shape], `jacfwd block ${i} shape`).toEqual([...out.shape, ...x.shape]);
        expectClose(`jacfwd block ${i} vs per-basis jvp`, valuesOf(jf[i]!), valuesOf(byJvp), EXACT_TOL);
        expect([...jr[i]!.shape], `jacrev block ${i} shape`).toEqual([...out.shape, ...x.shape]);
        expectClose(`jacrev block ${i} vs per-basis vjp`, valuesOf(jr[i]!), valuesOf(byVjp), EXACT_TOL);
      });
    },
  );

  composeLaw(
    "hessian = jacfwd(jacrev f) is symmetric and its columns are jvp(grad f, x, e_k)",
    programCase(
      KINKED_OPS.filter((op) => op !== "stopGradient"),
      { inputs: [1, 2], maxRank: 2, maxSteps: 5, domain: DOMAIN },
    ).map((c) => ({ c })),
    ({ c }) => {
      const f = sumOf(smoothFn(c));
      const xs = tensorsOf(c, "inputs");
      const x = xs[0]!;
      const h = hessian(f)(...xs);
      expect([...h.shape]).toEqual([...x.shape, ...x.shape]);
      const hv = valuesOf(h);
      const n = x.size;
      expectClose(
        "hessian vs its transpose",
        hv,
        hv.map((_, k) => hv[(k % n) * n + Math.floor(k / n)]!),
        EXACT_TOL,
      );
      const g = (y: Tensor): Tensor => grad(f)(y, ...xs.slice(1));
      const cols = Array.from({ length: n }, (_, k) => jvp(g, [x], [basisVector(x.shape, k)])[1]);
      expectClose("hessian vs per-basis jvp(grad f)", hv, valuesOf(fromColumns(cols, x.shape)), EXACT_TOL);
    },
  );
});
