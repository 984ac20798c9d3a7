// optax's schedules: each against its formula written again here in plain JS (float64, so compared to float32 within
// a few ulps) at many counts — 0, the boundaries and either side of them, far past the end — given as JS numbers, int32
// scalars and int32 vectors, eagerly and under jit; optax's documented values; and the rules for degenerate arguments.
import { jit, np, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import {
  type CountSchedule,
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstantSchedule,
  polynomialSchedule,
  warmupCosineDecaySchedule,
  warmupExponentialDecaySchedule,
} from "../../src/optim/schedule.js";
import { catchError, valuesOf } from "../helpers.js";

type Ref = (t: number) => number;

const COUNTS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 15, 19, 20, 21, 25, 29, 30, 31, 50, 99, 100, 101, 150, 1000];
const i32 = (v: number | number[]) => np.array(v, { dtype: "int32" });

function close(actual: number, expected: number, what: string) {
  const tol = 1e-6 + 3e-6 * Math.abs(expected);
  expect(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`).toBe(true);
}

/** The schedule agrees with `ref` at every count, as a JS number, an int32 scalar, an int32 vector, and jitted. */
function agrees(s: CountSchedule, ref: Ref, counts: number[] = COUNTS) {
  const jitted = jit((c: Tensor) => s(c));
  const vec = s(i32(counts));
  expect(vec.dtype).toBe("float32");
  expect(vec.shape).toEqual([counts.length]);
  const vals = valuesOf(vec);
  counts.forEach((c, i) => {
    const e = ref(c);
    const fromNumber = s(c);
    expect(fromNumber.dtype).toBe("float32");
    expect(fromNumber.shape).toEqual([]);
    close(fromNumber.item() as number, e, `count ${c} (number)`);
    const eager = s(i32(c)).item() as number;
    close(eager, e, `count ${c} (int32)`);
    close(vals[i]!, e, `count ${c} (vector)`);
    const j = jitted(i32(c));
    expect(j.dtype).toBe("float32");
    // the jitted schedule computes the same float32 operations
    close(j.item() as number, eager, `count ${c} (jit)`);
  });
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const polyRef =
  (init: number, end: number, power: number, steps: number, begin = 0): Ref =>
  (t) =>
    steps <= 0 ? init : (init - end) * (1 - clip(t - Math.max(begin, 0), 0, steps) / steps) ** power + end;
const expRef =
  (init: number, steps: number, rate: number, begin = 0, staircase = false, end?: number): Ref =>
  (t) => {
    if (steps <= 0 || rate === 0) return init;
    const d = t - Math.max(begin, 0);
    let p = d / steps;
    if (staircase) p = Math.floor(p);
    let v = d <= 0 ? init : init * rate ** p;
    if (end !== undefined) v = rate < 1 ? Math.max(v, end) : Math.min(v, end);
    return v;
  };
const cosRef =
  (init: number, steps: number, alpha = 0, exponent = 1): Ref =>
  (t) => {
    const c = Math.min(t, steps);
    return init * ((1 - alpha) * (0.5 * (1 + Math.cos((Math.PI * c) / steps))) ** exponent + alpha);
  };
const joinRef =
  (refs: Ref[], boundaries: number[]): Ref =>
  (t) => {
    let v = refs[0]!(t);
    boundaries.forEach((b, i) => {
      if (t >= b) v = refs[i + 1]!(t - b);
    });
    return v;
  };

describe("constantSchedule", () => {
  it("is the value at every count", () => agrees(constantSchedule(0.3), () => 0.3));
});

describe("linearSchedule and polynomialSchedule", () => {
  it("go from init to end over transitionSteps", () => agrees(linearSchedule(1, 0.01, 20), polyRef(1, 0.01, 1, 20)));
  it("wait until transitionBegin", () => agrees(linearSchedule(-2, 3, 10, 5), polyRef(-2, 3, 1, 10, 5)));
  it("increase as well as decrease", () => agrees(linearSchedule(0, 1, 30), polyRef(0, 1, 1, 30)));
  it("follow the power", () => {
    agrees(polynomialSchedule(1, 0.01, 2, 100), polyRef(1, 0.01, 2, 100));
    agrees(polynomialSchedule(0.5, 0.1, 0.5, 25, 4), polyRef(0.5, 0.1, 0.5, 25, 4));
  });
  it("give optax's documented values", () => {
    const s = polynomialSchedule(1, 0.01, 2, 100, 5);
    const got = [0, 5, 6, 104, 105, 110].map((c) => Number((s(c).item() as number).toFixed(4)));
    expect(got).toEqual([1, 1, 0.9803, 0.0101, 0.01, 0.01]);
    expect(linearSchedule(1, 0.01, 100)(100).item()).toBeCloseTo(0.01, 7);
  });
  it("are constant at initValue when transitionSteps ≤ 0 (optax's rule)", () => {
    agrees(linearSchedule(0.7, 0, 0), () => 0.7);
    agrees(polynomialSchedule(0.7, 0, 2, -5), () => 0.7);
  });
  it("treat a negative transitionBegin as 0 (optax's rule)", () =>
    agrees(linearSchedule(1, 0, 10, -3), polyRef(1, 0, 1, 10, 0)));
});

describe("exponentialDecay", () => {
  it("decays continuously", () => agrees(exponentialDecay(1, 10, 0.5), expRef(1, 10, 0.5)));
  it("decays in stairs", () => agrees(exponentialDecay(2, 7, 0.9, { staircase: true }), expRef(2, 7, 0.9, 0, true)));
  it("waits until transitionBegin", () =>
    agrees(exponentialDecay(1, 10, 0.5, { transitionBegin: 20 }), expRef(1, 10, 0.5, 20)));
  it("stops at endValue: a floor when decaying, a ceiling when growing", () => {
    agrees(exponentialDecay(1, 10, 0.5, { endValue: 0.2 }), expRef(1, 10, 0.5, 0, false, 0.2));
    agrees(exponentialDecay(1, 10, 1.5, { endValue: 3 }), expRef(1, 10, 1.5, 0, false, 3));
    agrees(
      exponentialDecay(1, 4, 0.3, { staircase: true, transitionBegin: 3, endValue: 0.05 }),
      expRef(1, 4, 0.3, 3, true, 0.05),
    );
  });
  it("is constant at initValue when transitionSteps ≤ 0 or decayRate = 0 (optax's rules)", () => {
    agrees(exponentialDecay(0.4, 0, 0.5), () => 0.4);
    agrees(exponentialDecay(0.4, 10, 0), () => 0.4);
  });
  it("treats a negative transitionBegin as 0", () =>
    agrees(exponentialDecay(1, 10, 0.5, { transitionBegin: -4 }), expRef(1, 10, 0.5)));
});

describe("cosineDecaySchedule", () => {
  it("is a half cosine to 0, then constant", () => agrees(cosineDecaySchedule(1, 100), cosRef(1, 100)));
  it("follows alpha and exponent", () => {
    agrees(cosineDecaySchedule(0.1, 30, { alpha: 0.1 }), cosRef(0.1, 30, 0.1));
    agrees(cosineDecaySchedule(2, 20, { alpha: 0.25, exponent: 2 }), cosRef(2, 20, 0.25, 2));
  });
  it("is exact at the ends", () => {
    const s = cosineDecaySchedule(1, 100, { alpha: 0.1 });
    expect(s(0).item()).toBe(1);
    expect(s(100).item()).toBeCloseTo(0.1, 7);
    expect(s(500).item()).toBeCloseTo(0.1, 7);
  });
  it("rejects a non-positive decaySteps (optax raises)", () => {
    const e = catchError(() => cosineDecaySchedule(1, 0), TracegradError);
    expect(e.message).toMatch(/optim\.cosineDecaySchedule: decaySteps/);
  });
});

describe("warmupCosineDecaySchedule", () => {
  it("warms up linearly, then decays by cosine until decaySteps (which counts the warmup)", () => {
    agrees(warmupCosineDecaySchedule(0, 1, 10, 110), joinRef([polyRef(0, 1, 1, 10), cosRef(1, 100)], [10]), [
      ...COUNTS,
      60,
      109,
      110,
      111,
    ]);
    agrees(
      warmupCosineDecaySchedule(0.1, 2, 5, 30, { endValue: 0.2, exponent: 1.5 }),
      joinRef([polyRef(0.1, 2, 1, 5), cosRef(2, 25, 0.2 / 2, 1.5)], [5]),
    );
  });
  it("ends at endValue and peaks at peakValue", () => {
    const s = warmupCosineDecaySchedule(0, 3, 10, 50, { endValue: 0.3 });
    expect(s(10).item()).toBe(3);
    expect(s(50).item()).toBeCloseTo(0.3, 6);
    expect(s(5000).item()).toBeCloseTo(0.3, 6);
  });
  it("takes alpha 0 when peakValue is 0", () =>
    agrees(warmupCosineDecaySchedule(1, 0, 5, 20, { endValue: 1 }), joinRef([polyRef(1, 0, 1, 5), () => 0], [5])));
  it("rejects decaySteps ≤ warmupSteps (optax raises in its cosine part)", () => {
    const e = catchError(() => warmupCosineDecaySchedule(0, 1, 10, 10), TracegradError);
    expect(e.message).toMatch(/optim\.warmupCosineDecaySchedule: decaySteps/);
  });
});

describe("warmupExponentialDecaySchedule", () => {
  it("warms up linearly, then decays exponentially from the end of the warmup", () => {
    agrees(
      warmupExponentialDecaySchedule(0, 1, 10, 10, 0.5),
      joinRef([polyRef(0, 1, 1, 10), expRef(1, 10, 0.5)], [10]),
    );
    agrees(
      warmupExponentialDecaySchedule(0.01, 1, 5, 4, 0.7, { transitionBegin: 3, staircase: true, endValue: 0.2 }),
      joinRef([polyRef(0.01, 1, 1, 5), expRef(1, 4, 0.7, 3, true, 0.2)], [5]),
    );
  });
});

describe("piecewiseConstantSchedule", () => {
  const ref =
    (init: number, bs: Record<number, number>): Ref =>
    (t) =>
      Object.entries(bs)
        .map(([b, s]) => [Number(b), s] as const)
        .sort((a, b) => a[0] - b[0])
        .reduce((v, [b, s]) => (t >= b ? v * s : v), init);
  it("scales at each boundary reached (t ≥ step)", () => {
    agrees(piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.01 }), ref(1, { 10: 0.1, 20: 0.01 }));
    agrees(piecewiseConstantSchedule(0.5, { 30: 2, 5: 0.5, 11: 0 }), ref(0.5, { 30: 2, 5: 0.5, 11: 0 }));
  });
  it("gives optax's documented values", () => {
    const s = piecewiseConstantSchedule(1, { 100: 0.1, 200: 0.01 });
    expect(s(50).item()).toBe(1);
    expect(s(150).item()).toBeCloseTo(0.1, 7);
    expect(s(250).item()).toBeCloseTo(0.001, 8);
  });
  it("is constant without boundaries", () => {
    agrees(piecewiseConstantSchedule(0.25, {}), () => 0.25);
    agrees(piecewiseConstantSchedule(0.25), () => 0.25);
  });
  it("rejects negative scales (optax raises)", () => {
    const e = catchError(() => piecewiseConstantSchedule(1, { 10: -0.1 }), TracegradError);
    expect(e.message).toMatch(/optim\.piecewiseConstantSchedule: boundariesAndScales\[10\]/);
  });
});

describe("joinSchedules", () => {
  it("hands each schedule the count since its boundary", () => {
    const s = joinSchedules([constantSchedule(1), linearSchedule(1, 0, 10), cosineDecaySchedule(0.5, 20)], [5, 25]);
    agrees(s, joinRef([() => 1, polyRef(1, 0, 1, 10), cosRef(0.5, 20)], [5, 25]));
  });
  it("accepts any function of the count that returns a tensor or a number", () => {
    const s = joinSchedules([(c) => np.multiply(c, 0.5), () => 7 as unknown as Tensor], [4]);
    agrees(s, (t) => (t < 4 ? 0.5 * t : 7));
  });
  it("needs one boundary fewer than schedules", () => {
    const e = catchError(() => joinSchedules([constantSchedule(1), constantSchedule(2)], []), TracegradError);
    expect(e.message).toMatch(/optim\.joinSchedules: needs one boundary fewer/);
  });
});

describe("bad arguments", () => {
  it("name the function and the argument", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => linearSchedule(Number.NaN, 0, 10), /optim\.linearSchedule: initValue must be a finite number/],
      [() => linearSchedule(1, 0, 1.5), /optim\.linearSchedule: transitionSteps must be an integer/],
      [() => exponentialDecay(1, 10, 0.5, { staircase: 1 as unknown as boolean }), /staircase must be true or false/],
      [() => exponentialDecay(1, 10, 0.5, { stair: true } as never), /unknown option "stair"/],
      [() => cosineDecaySchedule(1, 10, { alpha: "x" as never }), /optim\.cosineDecaySchedule: alpha must be/],
      [() => piecewiseConstantSchedule(1, [1, 2] as never), /boundariesAndScales must be an object/],
      [() => joinSchedules([1 as never], []), /optim\.joinSchedules: schedules\[0\] must be a schedule/],
      [() => joinSchedules([constantSchedule(1)], [0.5] as never), /boundaries\[0\] must be an integer/],
      [() => constantSchedule(1)("3" as never), /optim\.constantSchedule: the count must be a tensor or a finite/],
    ];
    for (const [f, re] of cases) expect(catchError(f, TracegradError).message).toMatch(re);
  });
});
