// np math (src/numpy/math.ts) against plain-JS float64 references written here with NumPy's conventions: NaN, ±∞,
// −0, empty and 0-d inputs, integer dtypes; derivatives against central differences (checkGrads) and JAX's rules at
// the special points; jit and vmap agreement.

import { type ArrayLike, checkGrads, DTypeError, grad, jit, np, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor, f64, i32, valuesOf } from "../helpers.js";

/** Every value as expected: NaN matches NaN, ∞ exactly, 0 = −0, finite within atol + rtol·|e|. */
function expectValues(t: Tensor, expected: readonly number[], { rtol = 0, atol = 0 } = {}): void {
  const got = valuesOf(t);
  expect(got.length).toBe(expected.length);
  const bad = got.flatMap((v, i) => {
    const e = expected[i]!;
    const ok = Number.isNaN(e)
      ? Number.isNaN(v)
      : !Number.isFinite(e)
        ? v === e
        : Math.abs(v - e) <= atol + rtol * Math.abs(e);
    return ok ? [] : [`[${i}] got ${v}, expected ${e}`];
  });
  expect(bad, bad.join("\n")).toEqual([]);
}

// ───────────────────────────── references (float64, NumPy's conventions) ─────────────────────────────

/** Python's float %: the divisor's sign; x % 0 is NaN. */
function pyMod(a: number, b: number): number {
  if (b === 0) return NaN;
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return r;
}
/** Python's float //, as CPython's float_divmod; x // 0 is x / 0 (NumPy's ±∞ or NaN). */
function pyFloorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const m = a % b;
  let d = (a - m) / b;
  if (m !== 0 && b < 0 !== m < 0) d -= 1;
  return Number.isFinite(d) ? Math.round(d) : d;
}
/** Integer % (divisor's sign; 0 for a zero divisor, as jax.numpy). */
const intMod = (a: number, b: number): number => (b === 0 ? 0 : ((a % b) + b) % b || 0);
/** Integer // (floored); a zero divisor gives XLA's −1 quotient floored as jax.numpy does. */
const intFloorDiv = (a: number, b: number): number => (b === 0 ? (a === 0 ? -1 : -2) : Math.floor(a / b));
/** Rounding half to even. */
function rintRef(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}
function logaddexpRef(a: number, b: number): number {
  if (a === b) return a + Math.LN2; // includes ±∞ (a + ln 2 = a)
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}
function logaddexp2Ref(a: number, b: number): number {
  if (a === b) return a + 1;
  return Math.max(a, b) + Math.log1p(2 ** -Math.abs(a - b)) / Math.LN2;
}
const hypotRef = (a: number, b: number): number => Math.hypot(a, b);
const signbitRef = (x: number): boolean => x < 0 || Object.is(x, -0);
const sincRef = (x: number): number => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const heavisideRef = (x: number, h: number): number => (Number.isNaN(x) ? NaN : x < 0 ? 0 : x > 0 ? 1 : h);
const fmaxRef = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));
const fminRef = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));

const SPECIAL = [-7.5, -3, -2.5, -0.5, -0, 0, 0.5, 1.5, 2, 3, 7.25, Infinity, -Infinity, NaN];
/** Every pair of SPECIAL values, as two float64 tensors and the pairs. */
const pairs = (vals = SPECIAL) => {
  const a = vals.flatMap((x) => vals.map(() => x));
  const b = vals.flatMap(() => vals);
  return { a, b, ta: f64(a), tb: f64(b) };
};
const INTS = [-7, -3, -1, 0, 1, 2, 5, 8];
const intPairs = () => {
  const a = INTS.flatMap((x) => INTS.map(() => x));
  const b = INTS.flatMap(() => INTS);
  return { a, b, ta: i32(a), tb: i32(b) };
};

// ───────────────────────────── remainders and division ─────────────────────────────

describe("mod, remainder, fmod, floorDivide, divmod", () => {
  it("floats: mod takes the divisor's sign, fmod the dividend's; floorDivide floors (NaN, ±∞, ±0)", () => {
    const { a, b, ta, tb } = pairs();
    expectValues(
      np.mod(ta, tb),
      a.map((x, i) => pyMod(x, b[i]!)),
    );
    expectValues(
      np.remainder(ta, tb),
      a.map((x, i) => pyMod(x, b[i]!)),
    );
    expectValues(
      np.fmod(ta, tb),
      a.map((x, i) => x % b[i]!),
    );
    expectValues(
      np.floorDivide(ta, tb),
      a.map((x, i) => pyFloorDiv(x, b[i]!)),
    );
    const [q, r] = np.divmod(ta, tb);
    expectValues(
      q,
      a.map((x, i) => pyFloorDiv(x, b[i]!)),
    );
    expectValues(
      r,
      a.map((x, i) => pyMod(x, b[i]!)),
    );
    expect(np.mod(ta, tb).dtype).toBe("float64");
  });

  it("the textbook cases", () => {
    expectTensor(np.mod([-3, 3, -3, 3], [2, 2, -2, -2]), [1, 1, -1, -1], "float32");
    expectTensor(np.fmod([-3, 3, -3, 3], [2, 2, -2, -2]), [-1, 1, -1, 1], "float32");
    expectTensor(np.floorDivide([-3, 3, -3, 3], [2, 2, -2, -2]), [-2, 1, 1, -2], "float32");
  });

  it("integers stay integers; zero divisors give jax.numpy's values", () => {
    const { a, b, ta, tb } = intPairs();
    expectTensor(
      np.mod(ta, tb),
      a.map((x, i) => intMod(x, b[i]!)),
      "int32",
    );
    expectTensor(
      np.remainder(ta, tb),
      a.map((x, i) => intMod(x, b[i]!)),
      "int32",
    );
    expectTensor(
      np.fmod(ta, tb),
      a.map((x, i) => (b[i] === 0 ? 0 : x % b[i]! || 0)),
      "int32",
    );
    expectTensor(
      np.floorDivide(ta, tb),
      a.map((x, i) => intFloorDiv(x, b[i]!)),
      "int32",
    );
    const [q, r] = np.divmod(ta, tb);
    expectTensor(
      q,
      a.map((x, i) => intFloorDiv(x, b[i]!)),
      "int32",
    );
    expectTensor(
      r,
      a.map((x, i) => intMod(x, b[i]!)),
      "int32",
    );
    // a weakly typed JS number keeps the int dtype; bool counts as int32
    expectTensor(np.mod(i32([7, -7]), 3), [1, 2], "int32");
    expectTensor(np.floorDivide(np.array([true, false]), np.array([true, true])), [1, 0], "int32");
    // uint32: no signs; x // 0 is all bits set (XLA), x % 0 is 0
    const u = (v: number[]) => np.array(v, "uint32");
    expectTensor(np.floorDivide(u([7, 7]), u([2, 0])), [3, 4294967295], "uint32");
    expectTensor(np.mod(u([7, 7]), u([2, 0])), [1, 0], "uint32");
  });

  it("broadcast, empty and 0-d inputs", () => {
    expectTensor(np.mod([[5], [-5]], [3, -3]), [
      [2, -1],
      [1, -2],
    ]);
    expect(np.mod(np.zeros([0, 3]), [1, 2, 3]).shape).toEqual([0, 3]);
    expectTensor(np.floorDivide(7, 2), 3, "float32");
    expectTensor(np.mod(np.array(-7, "int32"), 2), 1, "int32");
  });

  it("derivatives: mod/fmod 1 and −⌊x1/x2⌋ / −trunc(x1/x2); floorDivide 0", () => {
    const x = f64([2.3, -2.3, 5.5]);
    const y = f64([2, 2, -1.5]);
    checkGrads((a: Tensor, b: Tensor) => np.mod(a, b).sum(), [x, y]);
    checkGrads((a: Tensor, b: Tensor) => np.fmod(a, b).sum(), [x, y]);
    const [ga, gb] = grad((a: Tensor, b: Tensor) => np.mod(a, b).sum(), { argnums: [0, 1] })(x, y) as Tensor[];
    expectValues(ga!, [1, 1, 1]);
    expectValues(gb!, [-1, 2, 4], { atol: 1e-12 });
    expectValues(grad((a: Tensor) => np.floorDivide(a, 2).sum())(x), [0, 0, 0]);
    const [gq] = grad((a: Tensor) => np.divmod(a, 2)[1].sum(), { argnums: [0] })(x) as Tensor[];
    expectValues(gq!, [1, 1, 1]);
  });
});

// ───────────────────────────── rounding ─────────────────────────────

describe("rint, trunc, fix", () => {
  it("rint rounds halfway cases to even; integers give float32", () => {
    const xs = [-2.5, -1.5, -0.5, -0, 0, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 2.7, -2.7, Infinity, -Infinity, NaN];
    expectValues(np.rint(f64(xs)), xs.map(rintRef));
    expect(Object.is(np.rint(f64([-0.5])).item(), -0)).toBe(true);
    expectTensor(np.rint(i32([1, -2])), [1, -2], "float32");
    expectTensor(np.rint(np.array([true])), [1], "float32");
  });

  it("trunc and fix round toward zero; integers unchanged", () => {
    const xs = [-2.7, -2.5, -0.3, -0, 0, 0.3, 2.5, 2.7, Infinity, -Infinity, NaN];
    for (const f of [np.trunc, np.fix]) {
      expectValues(f(f64(xs)), xs.map(Math.trunc));
      expect(Object.is(f(f64(-0.3)).item(), -0)).toBe(true);
      expectTensor(f(i32([-3, 4])), [-3, 4], "int32");
      expect(f(np.zeros([0])).shape).toEqual([0]);
      expectValues(grad((x: Tensor) => f(x).sum())(f64([1.5, -1.5])), [0, 0]);
    }
  });
});

// ───────────────────────────── powers and logarithms ─────────────────────────────

describe("reciprocal, exp2, log2, log10", () => {
  it("values (float64) and int → float32", () => {
    const xs = [0.25, 1, 3, 10, 1e-300, -0, 0, -2, Infinity, -Infinity, NaN];
    expectValues(
      np.reciprocal(f64(xs)),
      xs.map((x) => 1 / x),
      { rtol: 1e-15 },
    );
    expectValues(
      np.exp2(f64(xs)),
      xs.map((x) => 2 ** x),
      { rtol: 1e-15 },
    );
    expectValues(np.log2(f64(xs)), xs.map(Math.log2), { rtol: 1e-15, atol: 1e-15 });
    expectValues(np.log10(f64(xs)), xs.map(Math.log10), { rtol: 1e-15, atol: 1e-15 });
    for (const f of [np.reciprocal, np.exp2, np.log2, np.log10]) expect(f(i32([1, 2])).dtype).toBe("float32");
    expectTensor(np.exp2(i32([3, 10])), [8, 1024], "float32");
    expectTensor(np.log2(i32([8])), [3], "float32");
    expect(np.reciprocal(np.array([], "int32")).shape).toEqual([0]);
  });

  it("derivatives", () => {
    const x = f64([0.5, 1.3, 4]);
    for (const f of [np.reciprocal, np.exp2, np.log2, np.log10]) checkGrads((t: Tensor) => f(t).sum(), [x]);
    expectValues(grad((t: Tensor) => np.log2(t))(f64(2)), [1 / (2 * Math.LN2)], { rtol: 1e-15 });
  });
});

describe("logaddexp, logaddexp2", () => {
  const xs = [-1000, -30, -1, -0, 0, 0.5, 30, 1000, Infinity, -Infinity, NaN];
  const a = xs.flatMap((x) => xs.map(() => x));
  const b = xs.flatMap(() => xs);

  it("stable values for large and ±∞ inputs", () => {
    expectValues(
      np.logaddexp(f64(a), f64(b)),
      a.map((x, i) => logaddexpRef(x, b[i]!)),
      { rtol: 1e-15 },
    );
    expectValues(
      np.logaddexp2(f64(a), f64(b)),
      a.map((x, i) => logaddexp2Ref(x, b[i]!)),
      { rtol: 1e-14 },
    );
    expectValues(np.logaddexp(1000, 1000), [1000 + Math.LN2], { rtol: 1e-7 });
    expect(np.logaddexp(1000, 1000).dtype).toBe("float32");
    expectTensor(np.logaddexp2(i32(3), 3), 4, "float32");
  });

  it("derivatives: central differences, and JAX's e^(x − out) at ±∞", () => {
    checkGrads((p: Tensor, q: Tensor) => np.logaddexp(p, q).sum(), [f64([0.3, -2, 5]), f64([1, -2.5, -5])]);
    checkGrads((p: Tensor, q: Tensor) => np.logaddexp2(p, q).sum(), [f64([0.3, -2, 5]), f64([1, -2.5, -5])]);
    const g = grad((p: Tensor, q: Tensor) => np.logaddexp(p, q).sum(), { argnums: [0, 1] });
    const [g1, g2] = g(f64([0, 1000, 3, -Infinity, Infinity]), f64([0, 1000, -Infinity, 2, Infinity])) as Tensor[];
    expectValues(g1!, [0.5, 0.5, 1, 0, 1], { rtol: 1e-12 });
    expectValues(g2!, [0.5, 0.5, 0, 1, 1], { rtol: 1e-12 });
    const [h1] = grad((p: Tensor) => np.logaddexp2(p, 3), { argnums: [0] })(f64(3)) as Tensor[];
    expectValues(h1!, [0.5], { rtol: 1e-13 });
  });

  it("under jit and vmap as eagerly", () => {
    const f = (p: Tensor, q: Tensor) => np.logaddexp(p, q);
    const p = f64([[1, -Infinity, 3]]);
    const q = f64([[2, -Infinity, 1000]]);
    expectValues(jit(f)(p, q), valuesOf(f(p, q)));
    expectValues(vmap(f)(p, q), valuesOf(f(p, q)));
    expectValues(jit(grad((t: Tensor) => np.logaddexp(t, 0).sum()))(f64([0, 2])), [0.5, 1 / (1 + Math.exp(-2))], {
      rtol: 1e-15,
    });
  });
});

// ───────────────────────────── signs, lengths, angles ─────────────────────────────

describe("hypot, copysign, signbit", () => {
  it("hypot: no overflow, ∞ beats NaN", () => {
    const { a, b, ta, tb } = pairs([-3, -0, 0, 4, 1e200, 1e-200, Infinity, -Infinity, NaN]);
    expectValues(
      np.hypot(ta, tb),
      a.map((x, i) => hypotRef(x, b[i]!)),
      { rtol: 1e-15 },
    );
    expectTensor(np.hypot(i32(3), i32(4)), 5, "float32");
    checkGrads((p: Tensor, q: Tensor) => np.hypot(p, q).sum(), [f64([3, -1, 0.5]), f64([4, 2, -0.2])]);
    expectValues(grad((p: Tensor) => np.hypot(p, 0).sum())(f64([0])), [0]);
  });

  it("signbit reads the sign bit (−0, −∞, −NaN); copysign copies it", () => {
    const xs = [-2, -0, 0, 3, Infinity, -Infinity, NaN];
    for (const dt of ["float32", "float64"] as const) {
      expectTensor(np.signbit(np.array(xs, dt)), xs.map(signbitRef), "bool");
      expectTensor(np.signbit(np.negative(np.array(NaN, dt))), true, "bool");
    }
    expectTensor(np.signbit(i32([-1, 0, 1])), [true, false, false], "bool");
    expectTensor(np.signbit(np.array([true])), [false], "bool");
    const { a, b, ta, tb } = pairs([-2, -0, 0, 3, Infinity, -Infinity]);
    const cs = valuesOf(np.copysign(ta, tb));
    a.forEach((x, i) => expect(Object.is(cs[i], signbitRef(b[i]!) ? -Math.abs(x) : Math.abs(x))).toBe(true));
    expect(np.copysign(i32([1]), i32([-1])).dtype).toBe("float32");
    expectValues(grad((p: Tensor) => np.copysign(p, -1).sum())(f64([2, -3])), [-1, 1]);
  });
});

describe("deg2rad, rad2deg, degrees, radians", () => {
  it("convert, integers give float32, and are linear", () => {
    const xs = [0, 90, -180, 360, Infinity, NaN];
    expectValues(
      np.deg2rad(f64(xs)),
      xs.map((x) => (x * Math.PI) / 180),
      { rtol: 1e-15 },
    );
    expectValues(
      np.radians(f64(xs)),
      xs.map((x) => (x * Math.PI) / 180),
      { rtol: 1e-15 },
    );
    expectValues(
      np.rad2deg(f64(xs)),
      xs.map((x) => (x * 180) / Math.PI),
      { rtol: 1e-15 },
    );
    expectValues(
      np.degrees(f64(xs)),
      xs.map((x) => (x * 180) / Math.PI),
      { rtol: 1e-15 },
    );
    expect(np.degrees(i32([1])).dtype).toBe("float32");
    expectValues(grad((t: Tensor) => np.rad2deg(t))(f64(1)), [180 / Math.PI], { rtol: 1e-15 });
  });
});

describe("sinc, heaviside, positive", () => {
  it("sinc(0) = 1 with derivative 0 and second derivative −π²/3", () => {
    const xs = [0, -0, 0.5, 1, -1.5, 2.25, 1e-9, Infinity, NaN];
    expectValues(np.sinc(f64(xs)), xs.map(sincRef), { rtol: 1e-12, atol: 1e-15 });
    expectValues(grad((t: Tensor) => np.sinc(t))(f64(0)), [0]);
    expectValues(grad(grad((t: Tensor) => np.sinc(t)))(f64(0)), [-(Math.PI ** 2) / 3], { rtol: 1e-14 });
    checkGrads((t: Tensor) => np.sinc(t).sum(), [f64([0.3, -1.2, 2.5])]);
    expect(np.sinc(i32(0)).dtype).toBe("float32");
  });

  it("heaviside(x, h0): 0, h0 at 0 (either zero), 1; NaN stays NaN", () => {
    const { a, b, ta, tb } = pairs([-2, -0, 0, 3, Infinity, -Infinity, NaN, 0.5]);
    expectValues(
      np.heaviside(ta, tb),
      a.map((x, i) => heavisideRef(x, b[i]!)),
    );
    expectTensor(np.heaviside(i32([-1, 0, 2]), 0.5), [0, 0.5, 1], "float32");
    const [gx, gh] = grad((x: Tensor, h: Tensor) => np.heaviside(x, h).sum(), { argnums: [0, 1] })(
      f64([-1, 0, 2]),
      f64([0.5, 0.5, 0.5]),
    ) as Tensor[];
    expectValues(gx!, [0, 0, 0]);
    expectValues(gh!, [0, 1, 0]);
  });

  it("positive is the identity, dtype kept", () => {
    expectTensor(np.positive(i32([-1, 2])), [-1, 2], "int32");
    expectValues(np.positive(f64([-0, NaN])), [0, NaN]);
    expectValues(grad((t: Tensor) => np.positive(t).sum())(f64([3])), [1]);
  });
});

// ───────────────────────────── NaN and infinity ─────────────────────────────

describe("nanToNum, isnan, isinf, isposinf, isneginf", () => {
  const xs = [NaN, Infinity, -Infinity, -0, 1.5, -2];
  it("nanToNum: NaN → nan (0), ±∞ → the dtype's extremes or the given values", () => {
    expectValues(np.nanToNum(f64(xs)), [0, Number.MAX_VALUE, -Number.MAX_VALUE, 0, 1.5, -2]);
    const f32max = 3.4028234663852886e38;
    expectValues(np.nanToNum(np.array(xs)), [0, f32max, -f32max, 0, 1.5, -2]);
    expectValues(np.nanToNum(f64(xs), { nan: -1, posinf: 9, neginf: -9 }), [-1, 9, -9, 0, 1.5, -2]);
    expectTensor(np.nanToNum(i32([1, -2])), [1, -2], "int32");
    expect(np.nanToNum(np.zeros([0, 2])).shape).toEqual([0, 2]);
    expectValues(grad((t: Tensor) => np.nanToNum(t).sum())(f64(xs)), [0, 0, 0, 1, 1, 1]);
    expect(() => np.nanToNum(f64(xs), { nan: "0" as unknown as number })).toThrow(TracegradError);
    expect(() => np.nanToNum(f64(xs), { posInf: 1 } as never)).toThrow(/did you mean "posinf"/);
  });

  it("the tests, bool; false for integers", () => {
    expectTensor(np.isnan(f64(xs)), [true, false, false, false, false, false], "bool");
    expectTensor(np.isinf(f64(xs)), [false, true, true, false, false, false], "bool");
    expectTensor(np.isposinf(np.array(xs)), [false, true, false, false, false, false], "bool");
    expectTensor(np.isneginf(np.array(xs)), [false, false, true, false, false, false], "bool");
    for (const f of [np.isnan, np.isinf, np.isposinf, np.isneginf]) {
      expectTensor(f(i32([1, -1])), [false, false], "bool");
      expectTensor(f(np.array(NaN)), f === np.isnan, "bool");
    }
  });
});

describe("fmax, fmin", () => {
  it("ignore NaN; NaN only where both are", () => {
    const { a, b, ta, tb } = pairs([-2, -0, 0, 3, Infinity, -Infinity, NaN]);
    expectValues(
      np.fmax(ta, tb),
      a.map((x, i) => fmaxRef(x, b[i]!)),
    );
    expectValues(
      np.fmin(ta, tb),
      a.map((x, i) => fminRef(x, b[i]!)),
    );
    expectTensor(np.fmax(i32([1, 5]), i32([3, 2])), [3, 5], "int32");
    expectTensor(np.fmin([1, NaN], 0), [0, 0], "float32");
  });

  it("the gradient goes to the chosen side (x2 at ties, as jax.numpy)", () => {
    const [g1, g2] = grad((p: Tensor, q: Tensor) => np.fmax(p, q).sum(), { argnums: [0, 1] })(
      f64([1, 5, NaN, 2]),
      f64([3, 2, 1, 2]),
    ) as Tensor[];
    expectValues(g1!, [0, 1, 0, 0]);
    expectValues(g2!, [1, 0, 1, 1]);
  });
});

// ───────────────────────────── transforms and errors ─────────────────────────────

describe("under jit and vmap", () => {
  it("agree with eager evaluation", () => {
    const fns: [string, (x: Tensor) => Tensor][] = [
      ["mod", (x) => np.mod(x, -2)],
      ["floorDivide", (x) => np.floorDivide(x, 3)],
      ["rint", np.rint],
      ["hypot", (x) => np.hypot(x, 2)],
      ["sinc", np.sinc],
      ["signbit", np.signbit],
      ["nanToNum", np.nanToNum],
      ["fmax", (x) => np.fmax(x, 0)],
    ];
    const x = f64([
      [-7.5, -0, 2.5, NaN],
      [Infinity, 3, -2.5, 0.5],
    ]);
    for (const [name, f] of fns) {
      const eager = valuesOf(f(x));
      expectValues(jit(f)(x), eager);
      expectValues(vmap(f)(x), eager);
      expect(name).toBeTruthy();
    }
    const xi = i32([[-7, 0, 7]]);
    expectValues(jit((t: Tensor) => np.floorDivide(t, 0))(xi), [-2, -1, -2]);
    expectValues(vmap((t: Tensor) => np.mod(t, 3))(xi), [2, 0, 1]);
  });
});

describe("errors", () => {
  it("name the function and the argument", () => {
    const e = catchError(() => np.mod([1], "2" as unknown as ArrayLike), TracegradError);
    expect(e.message).toMatch(/np\.mod: x2/);
    expect(() => np.hypot([1, 2], [1, 2, 3])).toThrow(/np\.hypot/);
    expect(() => np.rint(undefined as unknown as ArrayLike)).toThrow(/np\.rint: argument x is missing/);
    expect(DTypeError).toBeTruthy();
  });
});
