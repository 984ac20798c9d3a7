// Transform laws on randomly composed functions: grad∘grad, jacfwd/jacrev/hessian, linear transposes, HVPs, checkGrads.
import type fc from "fast-check";
import {
  checkGrads,
  evalJaxpr,
  GradientCheckError,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  makeJaxpr,
  stopGradient,
  type Tensor,
  vjp,
} from "tracegrad";
import { describe, expect } from "vitest";
import { seed } from "./config.js";
import { centralDifference, EXACT_TOL, expectBitwise, expectClose, FD_TOL, tensorOf, valuesOf } from "./numerics.js";
import {
  KINKED_OPS,
  LINEAR_OPS,
  type LinearOp,
  linearFn,
  type ProgramCase,
  programCase,
  programLaw,
  SMOOTH_OPS,
  type SmoothOp,
  show,
  smoothFn,
  tensorsOf,
} from "./programs.js";

const SEED = seed(0x9ad1a5);
const RUNS = 30;

/** programLaw with this file's seed. */
function transformLaw<Op extends string>(
  name: string,
  arb: fc.Arbitrary<ProgramCase<Op>>,
  body: (c: ProgramCase<Op>) => void,
  numRuns = RUNS,
): void {
  programLaw(name, arb, show, body, { seed: SEED, numRuns });
}

const DOMAIN = [-1.5, 1.5] as const;
const smooth = (opts: { inputs?: readonly [number, number]; scalarFirst?: boolean; ops?: readonly SmoothOp[] } = {}) =>
  programCase(opts.ops ?? SMOOTH_OPS, {
    inputs: opts.inputs ?? [1, 2],
    maxRank: 2,
    maxSteps: 5,
    domain: DOMAIN,
    scalarFirst: opts.scalarFirst ?? false,
  });
/** Kinks, selects and stop_gradient: exact derivative laws only (no finite differences across kinks). */
const kinked = smooth({ ops: KINKED_OPS });
/** stop_gradient makes AD "gradients" that are not gradients (sg(x)·y has AD Hessian [[0, 0], [1, 0]]): no symmetry there. */
const kinkedSymmetric = smooth({ ops: KINKED_OPS.filter((op) => op !== "stopGradient") });
const scalarOf =
  (c: ProgramCase<SmoothOp>) =>
  (...xs: Tensor[]): Tensor =>
    smoothFn(c)(...xs).sum();
const allArgs = (c: ProgramCase<string>) => c.shapes.map((_, i) => i);
const f64 = (xs: readonly Tensor[]) => xs.map(valuesOf);

/** Σ_in J[out, in]·v[in] for a Jacobian block of shape [...out, ...in] (row-major), in JS float64. */
function contract(jac: Tensor, v: Float64Array): Float64Array {
  const j = valuesOf(jac);
  const n = v.length;
  const out = new Float64Array(n === 0 ? 0 : j.length / n);
  for (let o = 0; o < out.length; o++) for (let i = 0; i < n; i++) out[o]! += j[o * n + i]! * v[i]!;
  return out;
}
const sumArrays = (as: readonly Float64Array[]) => as.reduce((acc, a) => acc.map((x, i) => x + a[i]!));

describe("transform laws on random programs", () => {
  transformLaw(
    "grad(grad f) agrees with central differences of grad f (scalar input)",
    smooth({ scalarFirst: true }),
    (c) => {
      const f = scalarOf(c);
      const xs = tensorsOf(c, "inputs");
      const gg = grad(grad(f))(...xs);
      expect([...gg.shape]).toEqual([]);
      const df = centralDifference(([x]) => grad(f)(x!, ...xs.slice(1)), [xs[0]!], [Float64Array.of(1)]);
      expectClose("grad(grad f) vs central differences of grad f", valuesOf(gg), df, FD_TOL);
    },
  );

  transformLaw("jacfwd(f) equals jacrev(f), and both contract to jvp", kinked, (c) => {
    const f = smoothFn(c);
    const xs = tensorsOf(c, "inputs");
    const argnums = allArgs(c);
    const jf = jacfwd(f, { argnums })(...xs);
    const jr = jacrev(f, { argnums })(...xs);
    const out = f(...xs);
    const [, t] = jvp(f, xs, tensorsOf(c, "v"));
    jf.forEach((block, i) => {
      expect([...block.shape], `jacfwd block ${i}`).toEqual([...out.shape, ...xs[i]!.shape]);
      expect([...jr[i]!.shape], `jacrev block ${i}`).toEqual([...out.shape, ...xs[i]!.shape]);
      expectClose(`jacrev block ${i} vs jacfwd`, valuesOf(jr[i]!), valuesOf(block), EXACT_TOL);
    });
    const v = c.v.map((a) => Float64Array.from(a));
    expectClose("Σ jacfwd·v vs jvp", sumArrays(jf.map((b, i) => contract(b, v[i]!))), valuesOf(t), EXACT_TOL);
  });

  transformLaw("hessian(f) is symmetric and equals jacrev(jacrev f) and jacfwd(jacfwd f)", kinkedSymmetric, (c) => {
    const f = scalarOf(c);
    const xs = tensorsOf(c, "inputs");
    const x = xs[0]!;
    const n = x.size;
    const h = hessian(f)(...xs);
    expect([...h.shape]).toEqual([...x.shape, ...x.shape]);
    const hv = valuesOf(h);
    const ht = hv.map((_, k) => hv[(k % n) * n + Math.floor(k / n)]!);
    expectClose("hessian vs its transpose", hv, ht, EXACT_TOL);
    expectClose("jacrev(jacrev f) vs hessian", valuesOf(jacrev(jacrev(f))(...xs)), hv, EXACT_TOL);
    expectClose("jacfwd(jacfwd f) vs hessian", valuesOf(jacfwd(jacfwd(f))(...xs)), hv, EXACT_TOL);
  });

  transformLaw(
    "jvp(grad f) equals grad of the directional derivative, and finite differences of grad f",
    smooth(),
    (c) => {
      const f = scalarOf(c);
      const xs = tensorsOf(c, "inputs");
      const vs = tensorsOf(c, "v");
      const argnums = allArgs(c);
      const g = (...ys: Tensor[]): Tensor[] => grad(f, { argnums })(...ys);
      const fwdRev = f64(jvp(g, xs, vs)[1]);
      const revFwd = f64(grad((...ys: Tensor[]) => jvp(f, ys, vs)[1], { argnums })(...xs));
      revFwd.forEach((r, i) => expectClose(`grad of directional derivative, input ${i}`, r, fwdRev[i]!, EXACT_TOL));
      xs.forEach((_, i) => {
        const fd = centralDifference(
          (ys) => g(...ys)[i]!,
          xs,
          c.v.map((a) => Float64Array.from(a)),
        );
        expectClose(`jvp(grad f) input ${i} vs central differences of grad f`, fwdRev[i]!, fd, FD_TOL);
      });
    },
  );

  transformLaw(
    "evalJaxpr(makeJaxpr(g)) reproduces g bit for bit, for g = f, grad f, jvp and vjp",
    smooth({ ops: KINKED_OPS.filter((op) => op !== "branch") }),
    (c) => {
      const f = smoothFn(c);
      const xs = tensorsOf(c, "inputs");
      const vs = tensorsOf(c, "v");
      const argnums = allArgs(c);
      const gs: [string, (...ys: Tensor[]) => Tensor[]][] = [
        ["f", (...ys) => [f(...ys)]],
        ["grad", (...ys) => grad((...zs: Tensor[]) => f(...zs).sum(), { argnums })(...ys)],
        ["jvp", (...ys) => [jvp(f, ys, vs)[1]]],
        ["vjp", (...ys) => vjp(f, ...ys)[1](f(...ys))],
      ];
      for (const [name, g] of gs) {
        const closed = makeJaxpr(g)(...xs);
        const staged = evalJaxpr(closed.jaxpr, closed.consts, xs);
        g(...xs).forEach((e, i) =>
          expectBitwise(
            `${name}: output ${i} of evalJaxpr(makeJaxpr(${name}))`,
            staged[i]!.toTypedArray(),
            e.toTypedArray(),
          ),
        );
      }
    },
  );

  transformLaw("linearize's tangent map equals jvp and is linear", kinked, (c) => {
    const f = smoothFn(c);
    const xs = tensorsOf(c, "inputs");
    const [vs, ws] = [tensorsOf(c, "v"), tensorsOf(c, "w")];
    const [y, fLin] = linearize(f, ...xs);
    expectClose("linearize primal vs f", valuesOf(y), valuesOf(f(...xs)), EXACT_TOL);
    const lv = valuesOf(fLin(...vs));
    expectClose("linearize(f)(v) vs jvp(f, x, v)", lv, valuesOf(jvp(f, xs, vs)[1]), EXACT_TOL);
    const sum = fLin(...vs.map((v, i) => v.add(ws[i]!.mul(2))));
    expectClose(
      "L(v + 2w) vs L(v) + 2·L(w)",
      valuesOf(sum),
      lv.map((a, k) => a + 2 * valuesOf(fLin(...ws))[k]!),
      EXACT_TOL,
    );
  });

  transformLaw(
    "nested transforms closing over outer tracers: d/dx grad_y f(x, y) agrees with finite differences",
    smooth({ inputs: [2, 2] }),
    (c) => {
      const [x, y] = tensorsOf(c, "inputs") as [Tensor, Tensor];
      // F closes over x, which is a tracer of the outer transform while grad traces y
      const F = (x1: Tensor): Tensor => grad((y1: Tensor) => smoothFn(c)(x1, y1).sum())(y);
      const v = Float64Array.from(c.v[0]!);
      const [, t] = jvp(F, [x], [tensorOf(v, x.shape, "float64")]);
      expectClose(
        "jvp of x ↦ grad_y f(x, y)",
        valuesOf(t),
        centralDifference(([x1]) => F(x1!), [x], [v]),
        FD_TOL,
      );
      const u = tensorOf(c.w[1]!, y.shape, "float64");
      const [ct] = vjp(F, x)[1](u);
      expectClose(
        "<vjp(u), v> vs <u, jvp(v)>",
        [valuesOf(ct!).reduce((a, b, k) => a + b * v[k]!, 0)],
        [valuesOf(t).reduce((a, b, k) => a + b * c.w[1]![k]!, 0)],
        EXACT_TOL,
      );
    },
  );
});

describe("linear functions", () => {
  const linear = programCase(LINEAR_OPS, { inputs: [1, 2], maxRank: 2, maxSteps: 4, domain: [-2, 2] });
  const withEmpty = programCase(LINEAR_OPS, { inputs: [1, 2], maxRank: 2, maxSteps: 3, domain: [-2, 2], minSide: 0 });

  const jacobianLayout = (c: ProgramCase<LinearOp>) => {
    const f = linearFn(c);
    const xs = tensorsOf(c, "inputs");
    const out = f(...xs);
    const argnums = allArgs(c);
    const blocks = { jacfwd: jacfwd(f, { argnums })(...xs), jacrev: jacrev(f, { argnums })(...xs) };
    for (const [name, bs] of Object.entries(blocks)) {
      bs.forEach((b, i) => {
        expect(
          { shape: [...b.shape], dtype: b.dtype },
          `${name} block ${i} for input [${xs[i]!.shape}] and output [${out.shape}]`,
        ).toEqual({ shape: [...out.shape, ...xs[i]!.shape], dtype: "float64" });
      });
    }
    blocks.jacrev.forEach((b, i) =>
      expectClose(`jacrev block ${i} vs jacfwd`, valuesOf(b), valuesOf(blocks.jacfwd[i]!), EXACT_TOL),
    );
  };
  transformLaw("jacfwd and jacrev have shape [...out, ...in], dtype float64 and equal values", linear, jacobianLayout);
  transformLaw("jacfwd and jacrev keep shape and dtype for empty arrays", withEmpty, jacobianLayout);

  transformLaw(
    "jvp is f itself and vjp is its transpose (matrices from basis vectors)",
    linear,
    (c) => {
      const f = linearFn(c);
      const xs = tensorsOf(c, "inputs");
      const sizes = xs.map((x) => x.size);
      const total = sizes.reduce((a, b) => a + b, 0);
      // basis vector e_j of the concatenated inputs, split into one tensor per input
      const basis = (j: number) => {
        let off = 0;
        return xs.map((x) => {
          const d = new Float64Array(x.size);
          if (j >= off && j < off + x.size) d[j - off] = 1;
          off += x.size;
          return tensorOf(d, x.shape, "float64");
        });
      };
      // the matrix of f, independently of autodiff: column j is f(e_j)
      const cols = Array.from({ length: total }, (_, j) => valuesOf(f(...basis(j))));
      const m = cols[0]?.length ?? 0;
      const vs = tensorsOf(c, "v");
      expectClose("jvp(f, x, v) vs f(v)", valuesOf(jvp(f, xs, vs)[1]), valuesOf(f(...vs)), EXACT_TOL);
      cols.forEach((col, j) =>
        expectClose(`jvp along e_${j} vs f(e_${j})`, valuesOf(jvp(f, xs, basis(j))[1]), col, EXACT_TOL),
      );
      const [y, back] = vjp(f, ...xs);
      expect(y.size).toBe(m);
      for (let i = 0; i < m; i++) {
        const e = new Float64Array(m);
        e[i] = 1;
        const row = Float64Array.from(back(tensorOf(e, y.shape, "float64")).flatMap((t) => Array.from(valuesOf(t))));
        expectClose(
          `vjp(e_${i}) vs row ${i} of f's matrix`,
          row,
          Float64Array.from(cols, (col) => col[i]!),
          EXACT_TOL,
        );
      }
    },
    25,
  );
});

describe("checkGrads", () => {
  const programs = smooth();
  /** sin x in value, 2 in derivative: first derivative wrong by 2 − cos x ≥ 1. */
  const wrongFirst = (x: Tensor) => stopGradient(x.sin().sub(x.mul(2))).add(x.mul(2));
  /** eˣ in value with the right first derivative (eˣ) but second derivative 0 instead of eˣ. */
  const wrongSecond = (x: Tensor) => stopGradient(x.exp()).add(x.sub(stopGradient(x)).mul(stopGradient(x.exp())));

  transformLaw(
    "accepts correct functions (order 2, fwd and rev)",
    programs,
    (c) => {
      checkGrads(smoothFn(c), tensorsOf(c, "inputs"), { order: 2 });
    },
    20,
  );

  transformLaw(
    "rejects a wrong first derivative in fwd mode and in rev mode",
    programs,
    (c) => {
      const f = (...xs: Tensor[]) => smoothFn(c)(...xs).add(wrongFirst(xs[0]!));
      const xs = tensorsOf(c, "inputs");
      expect(() => checkGrads(f, xs, { order: 1, modes: ["fwd"] })).toThrow(GradientCheckError);
      expect(() => checkGrads(f, xs, { order: 1, modes: ["rev"] })).toThrow(GradientCheckError);
    },
    20,
  );

  transformLaw(
    "rejects a wrong second derivative at order 2 only",
    programs,
    (c) => {
      const f = (...xs: Tensor[]) => smoothFn(c)(...xs).add(wrongSecond(xs[0]!));
      const xs = tensorsOf(c, "inputs");
      checkGrads(f, xs, { order: 1 });
      expect(() => checkGrads(f, xs, { order: 2, modes: ["fwd"] })).toThrow(GradientCheckError);
      expect(() => checkGrads(f, xs, { order: 2, modes: ["rev"] })).toThrow(GradientCheckError);
    },
    20,
  );
});
