// Bad input never escapes as a raw error: every exported function, fuzzed from its signature, with junk in any slot.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Param } from "../src/core/validate.js";
import {
  checkGrads,
  customJvp,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  nn,
  np,
  optim,
  ShapeError,
  tree,
  valueAndGrad,
  vjp,
  vmap,
} from "../src/index.js";
import { runs, seed } from "./config.js";
import {
  agreeStats,
  float64Property,
  nestedProperty,
  positionalProperty,
  positionalSlots,
  takesArrays,
} from "./fuzz_agree.js";
import { HANG_CANDIDATES, type Target, targets } from "./fuzz_targets.js";
import { hasGenerator, hash, JUNK_KINDS, kindsOf, validFor } from "./fuzz_values.js";
import { removeBundle, runWatched, type TargetReport } from "./fuzz_watchdog.js";

/**
 * Exported functions without a signature yet (so not fuzzed slot by slot, only with all-junk calls). Keep it exact: the
 * first test fails when a function lacks a signature and is not listed, and when a listed one has gained one.
 */
const UNGUARDED_YET: readonly string[] = [];

/**
 * A call may use this much CPU time before it counts as a hang and the child running it is killed (every call here
 * takes milliseconds; CPU time, unlike the clock, does not grow when the machine is busy). A call that uses no CPU
 * counts as hung after STALL_MS.
 */
const CALL_MS = 5_000;
const STALL_MS = 20_000;
const WATCH = { callMs: CALL_MS, stallMs: STALL_MS, maxRssBytes: 4 * 2 ** 30, startMs: 60_000 };
const AGREE_RUNS = 12;

const TARGETS: readonly Target[] = targets();
const guarded = TARGETS.filter((t): t is Target & { params: NonNullable<Target["params"]> } => t.params !== undefined);

let fuzzRun: Promise<TargetReport[]>;
let hangRun: Promise<TargetReport[]>;
const finished: TargetReport[] = [];

beforeAll(() => {
  // the children (two for the fuzz run, one for the hang candidates) start now, and run while the tests below do
  const shards = [0, 1].map((shard) => runWatched("fuzz", WATCH, { shard, shards: 2 }));
  fuzzRun = Promise.all(shards).then((parts) => parts.flat());
  hangRun = runWatched("hang", WATCH);
});

afterAll(() => {
  removeBundle();
  const kinds = new Set<string>(finished.flatMap((r) => r.kinds));
  const junk = new Set<string>(finished.flatMap((r) => r.junk));
  const covered = new Set(finished.filter((r) => r.calls > 0).map((r) => r.name));
  const functions = TARGETS.filter((t) => covered.has(t.name)).length;
  const calls = finished.reduce((n, r) => n + r.calls, 0) + agreeStats.calls;
  console.log(
    `fuzz: ${calls} calls; ${functions} of ${TARGETS.length} functions; ${kinds.size} argument kinds ` +
      `(${[...kinds].sort().join(", ")}); ${junk.size} of ${JUNK_KINDS.length} junk kinds; ` +
      `${agreeStats.compared} valid results checked against a reference`,
  );
});

describe("signatures", () => {
  it("every exported function has one, except those in UNGUARDED_YET", () => {
    const missing = TARGETS.filter((t) => t.params === undefined).map((t) => t.name);
    expect(missing.sort()).toEqual([...UNGUARDED_YET].sort());
  });

  it("every argument kind the signatures use has a generator of valid values", () => {
    const kinds = new Set(guarded.flatMap((t) => t.params.flatMap(kindsOf)));
    expect([...kinds].filter((k) => !hasGenerator(k))).toEqual([]);
  });
});

/**
 * Functions whose float64 inputs rightly change the result beyond rounding: samplers draw in their parameters' float
 * width (other random bits, as JAX), and bit casts read the wider layout.
 */
const WIDTH_DEPENDENT = (name: string) => name.startsWith("random.") || name === "lax.bitcastConvertType";

describe("valid calls agree with cheap references", () => {
  const options = (name: string) => ({ seed: seed(0xa9) ^ hash(name), numRuns: runs(AGREE_RUNS) });

  for (const t of guarded)
    for (const slot of positionalSlots(t.params)) {
      const p = t.params[slot]!;
      it(`${t.name}: ${p.name} given positionally equals { ${p.positional}: … }`, () => {
        fc.assert(positionalProperty(t, t.params, slot), options(t.name));
      });
    }

  for (const t of guarded.filter((g) => takesArrays(g.params))) {
    it(`${t.name}: nested JS arrays give what tensors give`, () => {
      fc.assert(nestedProperty(t, t.params), options(t.name));
    });
    if (WIDTH_DEPENDENT(t.name)) continue;
    it(`${t.name}: float64 inputs agree with float32 ones`, () => {
      fc.assert(float64Property(t, t.params), options(t.name));
    });
  }
});

describe("the issue's examples, against values computed by hand", () => {
  const x = [
    [1, 2, 3],
    [4, 5, 6],
  ];
  it("np.sum(x, 0) sums axis 0, not every element", () => {
    expect(np.sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(np.array(x).sum(0).toArray()).toEqual([5, 7, 9]);
  });
  it("np.sum(x, null) sums every element", () => {
    expect(np.sum(x, null).toArray()).toEqual(21);
  });
  it("np.argmax(x, 1) is per row", () => {
    const y = [
      [1, 9, 2],
      [7, 0, 3],
    ];
    expect(np.argmax(y, 1).toArray()).toEqual([1, 0]);
    expect(np.argmax(y, 1).dtype).toBe("int32");
  });
  it("np.zeros([2, 3], 'float64') is float64; np.array([1, 2], 'int32') is int32", () => {
    expect(np.zeros([2, 3], "float64").dtype).toBe("float64");
    expect(np.array([1, 2], "int32").dtype).toBe("int32");
    expect(np.array([1, 2], "int32").toArray()).toEqual([1, 2]);
  });
  it("nn.softmax(x, 0) normalises axis 0", () => {
    const got = nn.softmax(x, 0).toArray() as number[][];
    const want = x.map((row) => row.map((v, j) => Math.exp(v) / (Math.exp(x[0]![j]!) + Math.exp(x[1]![j]!))));
    want.forEach((row, i) => row.forEach((v, j) => expect(got[i]![j]).toBeCloseTo(v, 6)));
    for (let j = 0; j < 3; j++) expect(got[0]![j]! + got[1]![j]!).toBeCloseTo(1, 6);
  });
});

describe("errors from the user's own function pass through unchanged", () => {
  /** A function of the library, called with whatever the case passes (the cases bypass the static types). */
  const fnOf = (g: unknown) => g as (...a: unknown[]) => unknown;
  type Fn = () => never;
  const CASES: readonly (readonly [string, (f: Fn) => unknown])[] = [
    ["grad", (f) => fnOf(grad(f))(1)],
    ["valueAndGrad", (f) => fnOf(valueAndGrad(f))(1)],
    ["vmap", (f) => fnOf(vmap(f))(np.ones([2]))],
    ["jit", (f) => fnOf(jit(f))(1)],
    ["jvp", (f) => fnOf(jvp)(f, [1], [1])],
    ["vjp", (f) => fnOf(vjp)(f, 1)],
    ["linearize", (f) => fnOf(linearize)(f, 1)],
    ["jacfwd", (f) => fnOf(jacfwd(f))(1)],
    ["jacrev", (f) => fnOf(jacrev(f))(1)],
    ["hessian", (f) => fnOf(hessian(f))(1)],
    ["makeJaxpr", (f) => fnOf(makeJaxpr(f))(1)],
    ["checkGrads", (f) => checkGrads(f, [1])],
    ["tree.map", (f) => tree.map(f, [1])],
    [
      "optim.scaleBySchedule",
      (f) => {
        const t = optim.scaleBySchedule(f);
        return t.update([np.ones([2])], t.init([np.ones([2])]));
      },
    ],
    ["optim.injectHyperparams", (f) => optim.injectHyperparams(f)({ learningRate: 0.1 })],
    ["tree.reduce", (f) => tree.reduce(f, [1, 2])],
    [
      "tree.register",
      (f) => {
        class Node {}
        tree.register(Node, { flatten: f, unflatten: f });
        return tree.leaves([new Node()]);
      },
    ],
    ["grad of jit", (f) => fnOf(grad(fnOf(jit(f)) as Fn))(1)],
    ["vmap of grad", (f) => fnOf(vmap(fnOf(grad(f))))(np.ones([2]))],
    ["lax.cond", (f) => fnOf(lax.cond)(true, f, f, 1)],
    ["lax.switch", (f) => fnOf(lax.switch)(0, [f], 1)],
    ["lax.whileLoop (cond)", (f) => fnOf(lax.whileLoop)(f, (x: unknown) => x, 1)],
    ["lax.whileLoop (body)", (f) => fnOf(lax.whileLoop)(() => np.array(true), f, 1)],
    ["lax.foriLoop", (f) => fnOf(lax.foriLoop)(0, 2, f, 1)],
    ["lax.scan", (f) => fnOf(lax.scan)(f, 0, np.ones([2]))],
    ["lax.map", (f) => fnOf(lax.map)(f, np.ones([2]))],
    ["lax.associativeScan", (f) => fnOf(lax.associativeScan)(f, np.ones([3]))],
    ["np.piecewise", (f) => fnOf(np.piecewise)([1], [[true]], [f])],
    [
      "customJvp",
      (f) => {
        const g = customJvp(f);
        g.defjvp(f);
        return fnOf(g)(1);
      },
    ],
    [
      "customVjp",
      (f) => {
        const g = customVjp(f);
        g.defvjp(f, f);
        return fnOf(g)(1);
      },
    ],
    [
      "customVjp (its fwd)",
      (f) => {
        const g = customVjp((x: unknown) => x);
        g.defvjp(f, f);
        return fnOf(grad(g as never))(1);
      },
    ],
    [
      "customJvp (its rule)",
      (f) => {
        const g = customJvp((x: unknown) => x);
        g.defjvp(f);
        return fnOf(jvp)(g, [1], [1]);
      },
    ],
  ];
  const THROWN: readonly (readonly [string, () => unknown])[] = [
    ["a RangeError", () => new RangeError("mine")],
    ["a TypeError", () => new TypeError("mine")],
    ["the user's own ShapeError", () => new ShapeError("mine")],
    ["a plain object", () => ({ mine: true })],
  ];
  for (const [name, run] of CASES)
    for (const [what, make] of THROWN)
      it(`${name}: ${what} thrown by f is rethrown as the very same value`, () => {
        const mine = make();
        let thrown: unknown = "nothing was thrown";
        try {
          run(() => {
            throw mine;
          });
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBe(mine);
      });

  it("every guarded function with a fn slot passes the user's error through", () => {
    const mine = new RangeError("mine");
    const boom = () => {
      throw mine;
    };
    const listed = new Set(CASES.map(([n]) => n));
    for (const t of guarded.filter((g) => g.params.some((p) => p.kind === "fn") && !listed.has(g.name))) {
      const args = t.params.map((p) => (p.kind === "fn" ? boom : p.optional ? undefined : simpleValid(p)));
      let thrown: unknown = "nothing was thrown";
      try {
        const r = t.call(...args);
        if (typeof r === "function") r(np.array(1.5));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, t.name).toBe(mine);
    }
  });
});

/** One valid value of a slot, for calls that only need the user's function to run. */
function simpleValid(p: Param): unknown {
  if (p.kind === "array" || p.kind === "pytree") return 1.5;
  if (p.kind === "args") return p.rest ? 1.5 : [1.5];
  if (p.kind === "tensor") return np.array(1.5);
  return fc.sample(validFor(p), { seed: 1, numRuns: 1 })[0];
}

describe("hang candidates finish within the time limit, without a raw error", () => {
  let reports: TargetReport[] = [];
  beforeAll(async () => {
    reports = await hangRun;
    finished.push(...reports);
  }, 300_000);
  for (const [name] of HANG_CANDIDATES)
    it(name, () => {
      const mine = reports.filter((r) => r.name === name);
      expect(mine.length, "the candidate was not reached").toBeGreaterThan(0);
      expect(mine.flatMap((r) => r.failures)).toEqual([]);
    });
});

describe("junk in any slot: a well-formed result or a TracegradError, never a raw error or a broken library", () => {
  let reports: TargetReport[] = [];
  beforeAll(async () => {
    reports = await fuzzRun;
    finished.push(...reports);
  }, 300_000);
  for (const t of TARGETS)
    it(t.name, () => {
      const mine = reports.filter((r) => r.name === t.name);
      expect(mine.length, "the fuzz run did not reach this function").toBeGreaterThan(0);
      expect(mine.flatMap((r) => r.failures)).toEqual([]);
    });
  it("the fuzz run itself (failures outside any function)", () => {
    const names = new Set(TARGETS.map((t) => t.name));
    expect(reports.filter((r) => !names.has(r.name)).flatMap((r) => r.failures)).toEqual([]);
  });
});
