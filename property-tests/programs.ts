// Random straight-line programs over np ops (smooth ones, and linear ones) as plain data, their arbitraries and interpreters.
import fc from "fast-check";
import { lax, np, stopGradient, type Tensor } from "tracegrad";
import { it } from "vitest";
import { gridFloat, gridFloats } from "./arbitraries.js";
import { runs } from "./config.js";
import { knownBug } from "./known_bugs.js";
import { tensorOf } from "./numerics.js";

export const SMOOTH_OPS = [
  "sin",
  "cos",
  "tanh",
  "neg",
  "expSin",
  "logSq",
  "sqrtSq",
  "sumKeep",
  "meanKeep",
  "mix",
  "add",
  "sub",
  "mul",
  "divSq",
  "powSafe",
  "branch",
] as const;
/** Piecewise-smooth ops (kinks, comparisons, selects, stop_gradient): for laws that compare two exact derivatives. */
export const KINKED_OPS = [
  ...SMOOTH_OPS,
  "relu",
  "abs",
  "maximum",
  "clip",
  "maxKeep",
  "minKeep",
  "whereLess",
  "stopGradient",
  "truncate",
] as const;
export const LINEAR_OPS = [
  "matmul",
  "transpose",
  "sumAxis",
  "scale",
  "slice",
  "flatten",
  "broadcast",
  "concat",
  "addPrev",
  "sub",
] as const;
export type SmoothOp = (typeof KINKED_OPS)[number];
export type LinearOp = (typeof LINEAR_OPS)[number];

/** v_{n} = op(v_a, v_b) with operand indices taken mod the number of values so far; k picks axes/constants. */
export interface Step<Op> {
  op: Op;
  a: number;
  b: number;
  k: number;
}

/** A program and the inputs it is applied to, as plain data (readable counterexamples). */
export interface ProgramCase<Op> {
  shapes: number[][];
  steps: Step<Op>[];
  /** Constants (matrices, scales) are read cyclically from this pool. */
  consts: number[];
  inputs: number[][];
  /** Directions, one per input. */
  v: number[][];
  w: number[][];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Shapes of `n` inputs that broadcast together: variants of one base shape (axes set to 1 or leading axes dropped). */
const broadcastableShapes = (n: number, maxRank: number, minSide: number): fc.Arbitrary<number[][]> =>
  fc
    .array(fc.integer({ min: minSide, max: 3 }), { maxLength: maxRank })
    .chain((base) =>
      fc.tuple(
        fc.constant(base),
        ...Array.from({ length: n - 1 }, () =>
          fc
            .tuple(
              fc.nat({ max: base.length }),
              fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
            )
            .map(([drop, ones]) => base.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
        ),
      ),
    );

const stepArb = <Op extends string>(ops: readonly Op[]): fc.Arbitrary<Step<Op>> =>
  fc.noBias(
    fc.record({ op: fc.constantFrom(...ops), a: fc.nat({ max: 7 }), b: fc.nat({ max: 7 }), k: fc.nat({ max: 7 }) }),
  );

/** Random programs over `ops`: `inputs` = [min, max] input count, values in `domain`, up to `maxSteps` steps, sides ≥ `minSide` (default 1). */
export function programCase<Op extends string>(
  ops: readonly Op[],
  opts: {
    inputs: readonly [number, number];
    maxRank: number;
    maxSteps: number;
    domain: readonly [number, number];
    scalarFirst?: boolean;
    minSide?: number;
  },
): fc.Arbitrary<ProgramCase<Op>> {
  const shapesArb = fc
    .integer({ min: opts.inputs[0], max: opts.inputs[1] })
    .chain((n) => broadcastableShapes(n, opts.maxRank, opts.minSide ?? 1))
    .map((s) => (opts.scalarFirst ? [[], ...s.slice(1)] : s));
  return shapesArb.chain((shapes) => {
    const per = (lo: number, hi: number) => fc.tuple(...shapes.map((s) => gridFloats(sizeOf(s), lo, hi)));
    return fc.record({
      shapes: fc.constant(shapes),
      steps: fc.array(stepArb(ops), { minLength: 1, maxLength: opts.maxSteps }),
      consts: fc.array(gridFloat(-1, 1), { minLength: 9, maxLength: 9 }),
      inputs: per(...opts.domain),
      v: per(-1, 1),
      w: per(-1, 1),
    });
  });
}

/** Input values or directions of a case as float64 tensors. */
export const tensorsOf = (c: ProgramCase<string>, which: "inputs" | "v" | "w"): Tensor[] =>
  c.shapes.map((s, i) => tensorOf(c[which][i]!, s, "float64"));

const constOf = (c: ProgramCase<string>, k: number): number => c.consts[k % c.consts.length]!;
const constMatrix = (c: ProgramCase<string>, k: number, rows: number, cols: number): Tensor =>
  tensorOf(
    Array.from({ length: rows * cols }, (_, i) => constOf(c, k + i)),
    [rows, cols],
    "float64",
  );

function smoothStep(c: ProgramCase<string>, s: Step<SmoothOp>, x: Tensor, y: Tensor): Tensor {
  const axis = (t: Tensor) => s.k % Math.max(1, t.ndim);
  switch (s.op) {
    case "sin":
      return x.sin();
    case "cos":
      return x.cos();
    case "tanh":
      return x.tanh();
    case "neg":
      return x.neg();
    case "expSin":
      return x.sin().exp();
    case "logSq":
      return x.mul(x).add(1).log();
    case "sqrtSq":
      return x.mul(x).add(1).sqrt();
    case "sumKeep":
      return x.ndim ? x.sum({ axis: axis(x), keepdims: true }) : x.sum();
    case "meanKeep":
      return x.ndim ? x.mean({ axis: axis(x), keepdims: true }) : x.mean();
    case "mix":
      return x.ndim
        ? x.matmul(constMatrix(c, s.k, x.shape[x.ndim - 1]!, x.shape[x.ndim - 1]!))
        : x.mul(constOf(c, s.k));
    case "add":
      return x.add(y);
    case "sub":
      return x.sub(y);
    case "mul":
      return x.mul(y);
    case "divSq":
      return x.div(y.mul(y).add(1));
    case "powSafe":
      return np.power(x.sin().add(1.5), y.cos());
    // JS control flow on the concrete primal value (allowed under grad/jvp/vjp)
    case "branch":
      return Number(x.sum()) > 0 ? x.sin() : x.cos();
    case "relu":
      return np.where(np.greater(x, 0), x, 0);
    case "abs":
      return x.abs();
    case "maximum":
      return np.maximum(x, y);
    case "clip":
      return np.clip(x, -0.5, 0.5);
    case "maxKeep":
      return x.ndim ? x.max({ axis: axis(x), keepdims: true }) : x.max();
    case "minKeep":
      return x.ndim ? x.min({ axis: axis(x), keepdims: true }) : x.min();
    case "whereLess":
      return np.where(np.less(x, y), x.mul(y), x.sub(y));
    case "stopGradient":
      return stopGradient(x).mul(x);
    case "truncate":
      return x.mul(3).astype("int32").astype("float64").add(x);
  }
}

function linearStep(c: ProgramCase<string>, s: Step<LinearOp>, x: Tensor, y: Tensor): Tensor {
  const fallback = () => x.mul(constOf(c, s.k) + 2);
  switch (s.op) {
    case "matmul":
      return x.ndim ? x.matmul(constMatrix(c, s.k, x.shape[x.ndim - 1]!, 1 + (s.k % 3))) : fallback();
    case "transpose":
      return x.ndim >= 2 ? x.transpose() : fallback();
    case "sumAxis":
      return x.ndim ? x.sum({ axis: s.k % x.ndim }) : fallback();
    case "scale":
      return x.mul(constOf(c, s.k));
    case "slice":
      return x.ndim && x.shape[0]! >= 2
        ? lax.slice(
            x,
            x.shape.map(() => 0).map((z, i) => (i === 0 ? 1 : z)),
            [...x.shape],
          )
        : fallback();
    case "flatten":
      return x.reshape([-1]);
    case "broadcast":
      return x.size <= 12 ? np.broadcastTo(x, [2, ...x.shape]) : fallback();
    case "concat":
      return x.ndim ? np.concatenate([x, x.mul(constOf(c, s.k))], s.k % x.ndim) : fallback();
    case "addPrev":
      return x.ndim === y.ndim && x.shape.every((d, i) => d === y.shape[i]) ? x.add(y) : fallback();
    case "sub":
      return x.ndim === y.ndim && x.shape.every((d, i) => d === y.shape[i]) ? x.sub(y) : x.neg();
  }
}

function run<Op>(
  xs: readonly Tensor[],
  step: (s: Step<Op>, x: Tensor, y: Tensor) => Tensor,
  steps: readonly Step<Op>[],
): Tensor {
  const vals = [...xs];
  for (const s of steps) vals.push(step(s, vals[s.a % vals.length]!, vals[s.b % vals.length]!));
  return vals[vals.length - 1]!;
}

/** The smooth program as a function of its inputs (output: the last value). */
export const smoothFn =
  (c: ProgramCase<SmoothOp>) =>
  (...xs: Tensor[]): Tensor =>
    run(xs, (s, x, y) => smoothStep(c, s, x, y), c.steps);
/** The linear program as a function of its inputs. */
export const linearFn =
  (c: ProgramCase<LinearOp>) =>
  (...xs: Tensor[]): Tensor =>
    run(xs, (s, x, y) => linearStep(c, s, x, y), c.steps);

/** The program as text, for failure messages: `v2 = sin(v0); v3 = mul(v2, v1)`. */
export const show = (c: ProgramCase<string>): string =>
  `inputs ${c.shapes.map((s, i) => `v${i}:[${s}]`).join(", ")}; ` +
  c.steps
    .map((s, i) => {
      const n = c.shapes.length + i;
      return `v${n} = ${s.op}(v${s.a % n}, v${s.b % n}; k=${s.k})`;
    })
    .join("; ");

/**
 * One fast-check property over random cases, skipped while KNOWN_BUGS lists it; `describe` (the program
 * text, and whatever else the case holds) is appended to any failure.
 */
export function programLaw<C>(
  name: string,
  arb: fc.Arbitrary<C>,
  describe: (c: C) => string,
  body: (c: C) => void,
  opts: { seed: number; numRuns: number },
): void {
  const bug = knownBug(name, "random programs");
  (bug ? it.skip : it)(bug ? `${name} — KNOWN_BUGS: ${bug}` : name, () => {
    fc.assert(
      fc.property(arb, (c) => {
        try {
          body(c);
        } catch (e) {
          if (e instanceof Error) e.message = `${e.message}\n  program: ${describe(c)}`;
          throw e;
        }
      }),
      { seed: opts.seed, numRuns: runs(opts.numRuns) },
    );
  });
}
