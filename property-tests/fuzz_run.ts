// The fuzz run, in a child process a watchdog can kill: junk in every slot of every target, and the hang candidates.
import { writeSync } from "node:fs";
import fc from "fast-check";
import { setPoisonedAllocations } from "../src/core/dtype.js";
import type { Param } from "../src/core/validate.js";
import { runs, seed } from "./config.js";
import { HANG_CANDIDATES, type Target, targets } from "./fuzz_targets.js";
import {
  attempt,
  cheapBreakage,
  errorText,
  gradBreakage,
  hash,
  JUNK_KINDS,
  Junked,
  junkArb,
  kindsOf,
  malformed,
  pytreeArb,
  show,
  validFor,
} from "./fuzz_values.js";

/** Runs per target of each property (times PROPERTY_RUNS_SCALE). */
export const FUZZ_RUNS = {
  junkInOneSlot: 24,
  junkIntoReturned: 24,
  extraArgument: 8,
  allJunk: 8,
  unguarded: 24,
} as const;
const FUZZ_SEED = 0x7a9c;

const out = Number(process.env.FUZZ_FD ?? 1);
const emit = (line: string) => writeSync(out, `${line.replace(/\n/g, " ")}\n`);

/** The failure of one call: the message names the function, the slot and the junk. */
class FuzzFailure extends Error {}

/** The item being run (its index in the list, and name). */
let current = { index: 0, name: "" };
const kinds = new Set<string>();
const junkSeen = new Set<string>();
let lastFailure: string | undefined;

const fail = (msg: string): never => {
  lastFailure = msg;
  throw new FuzzFailure(msg);
};
/** A failure of the current item, reported at once (so it survives the process being killed later). */
const report = (msg: string) => emit(`FAIL ${JSON.stringify(msg)}`);
const reportCaught = (e: unknown) => report(e instanceof FuzzFailure ? e.message : errorText(e));

/** The cheap health checks run after every call; grad's after every raw error and every FULL_CHECK_EVERY calls. */
const FULL_CHECK_EVERY = 8;
/** The calls since the last full health check, to name when it fails. */
const sinceFullCheck: string[] = [];

/** Calls `f(...args)` (junk unwrapped) and checks the contract; returns what it returned, if anything. */
function checkCall(what: string, f: (...a: unknown[]) => unknown, args: readonly unknown[]): unknown {
  for (const a of args) if (a instanceof Junked) junkSeen.add(a.label);
  emit(`CALL ${current.index}\t${what}`);
  const values = args.map((a) => (a instanceof Junked ? a.value : a));
  const o = attempt(() => f(...values));
  const problems: string[] = [];
  if (o.kind === "raw") problems.push(`${what} threw a raw ${errorText(o.error)}`);
  const bad = o.kind === "returned" ? malformed(o.value, values) : undefined;
  if (bad) problems.push(`${what} returned a malformed value: ${bad}`);
  sinceFullCheck.push(what);
  const cheap = cheapBreakage();
  if (cheap) problems.push(`after ${what}, the library no longer works: ${cheap}`);
  const full = cheap === undefined && (o.kind === "raw" || sinceFullCheck.length >= FULL_CHECK_EVERY);
  const deep = full ? gradBreakage() : undefined;
  if (deep) {
    const before = sinceFullCheck.slice(0, -1);
    const which = before.length ? ` (or one of the ${before.length} calls before it: ${before.join("; ")})` : "";
    problems.push(`after ${what}${which}, the library no longer works: ${deep}`);
  }
  if (full || cheap) sinceFullCheck.length = 0;
  if (problems.length > 0) fail(problems.join("; and "));
  return o.kind === "returned" ? o.value : undefined;
}

/** The functions a result holds at its top level (transforms return functions, vjp and linearize pairs). */
const returnedFunctions = (v: unknown): ((...a: unknown[]) => unknown)[] =>
  typeof v === "function"
    ? [v as (...a: unknown[]) => unknown]
    : Array.isArray(v)
      ? v.filter((x): x is (...a: unknown[]) => unknown => typeof x === "function")
      : [];

/** Arguments for a function a call returned: valid pytrees, or one junk value. */
const followArb: fc.Arbitrary<unknown[]> = fc.oneof(
  { arbitrary: fc.array(pytreeArb, { minLength: 1, maxLength: 2 }), weight: 2 },
  { arbitrary: fc.tuple(junkArb), weight: 1 },
);

/** Calls what a call returned, when it returned functions. */
function follow(what: string, value: unknown, args: unknown[]): void {
  for (const g of returnedFunctions(value)) checkCall(`(${what})(${args.map(show).join(", ")})`, g, args);
}

/** Whether a target's valid calls return functions to fuzz in turn (transforms take a function). */
const returnsFunctions = (params: readonly Param[]) => params.some((p) => p.kind === "fn");

/** One value per slot (a rest slot holds an array of values). */
type Slots = unknown[];

const slotsArb = (params: readonly Param[]): fc.Arbitrary<Slots> =>
  fc.tuple(...params.map((p) => (p.rest ? fc.array(validFor(p), { maxLength: 2 }) : validFor(p))));

/** The argument list of a call: slots in order, rest spread, valid trailing undefineds dropped. */
function argList(params: readonly Param[], slots: Slots): unknown[] {
  const args: unknown[] = [];
  params.forEach((p, i) => {
    if (p.rest) args.push(...(slots[i] as unknown[]));
    else args.push(slots[i]);
  });
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/** `np.sum(x=float32[2,3], options=<<JUNK: a symbol>>)`: each argument under its slot's name. */
function describeCall(t: Target, params: readonly Param[] | undefined, args: readonly unknown[]): string {
  const last = params?.[params.length - 1];
  const nameOf = (i: number) =>
    params && i < params.length && !params[i]!.rest
      ? params[i]!.name
      : last?.rest
        ? `${last.name}[${i - params!.length + 1}]`
        : `arg${i}`;
  return `${t.name}(${args.map((a, i) => `${nameOf(i)}=${show(a)}`).join(", ")})`;
}

const noteKinds = (params: readonly Param[]) => {
  for (const p of params) for (const k of kindsOf(p)) kinds.add(k);
};

/** fast-check's run, a failure kept as its (shrunk) message. */
function property<T>(label: string, arb: fc.Arbitrary<T>, numRuns: number, body: (v: T) => void): void {
  lastFailure = undefined;
  try {
    fc.assert(
      fc.property(arb, (v) => {
        body(v);
      }),
      { seed: seed(FUZZ_SEED) ^ hash(`${current.name} ${label}`), numRuns: runs(numRuns) },
    );
  } catch (e) {
    const m = /seed: (-?\d+), path: "([^"]*)"/.exec(e instanceof Error ? e.message : "");
    const where = m ? ` (fast-check seed ${m[1]}, path "${m[2]}")` : "";
    report(`${label}: ${lastFailure ?? errorText(e)}${where}`);
  }
}

/** Which slot, and for an options slot which field, gets the junk. */
interface Placement {
  slot: number;
  field: number | null;
}

/** The slots with junk placed: the whole slot, one field of an options object, or one more rest value. */
function placeJunk(params: readonly Param[], slots: Slots, at: Placement, junk: Junked): [Slots, string] {
  const p = params[at.slot]!;
  const out = [...slots];
  const fields = Object.keys(p.fields ?? {});
  if (p.rest) {
    out[at.slot] = [...(slots[at.slot] as unknown[]), junk];
    return [out, `${p.name} (rest)`];
  }
  if (p.kind === "options" && fields.length > 0 && at.field !== null) {
    const name = fields[at.field % fields.length]!;
    const base = slots[at.slot];
    const obj = base !== null && typeof base === "object" && !Array.isArray(base) ? base : {};
    out[at.slot] = { ...obj, [name]: junk.value };
    return [out, `${p.name}.${name}`];
  }
  out[at.slot] = junk;
  return [out, p.name];
}

/** Junk in one slot (or one option), every other slot valid; a returned function is called too. */
function junkInOneSlot(t: Target, params: readonly Param[]): void {
  const free = params.length - t.fixed;
  if (free <= 0) return;
  const arb = fc.record({
    slots: slotsArb(params),
    at: fc.record({ slot: fc.nat({ max: free - 1 }).map((s) => s + t.fixed), field: fc.option(fc.nat({ max: 7 })) }),
    junk: junkArb,
    followUp: followArb,
  });
  property("junk in one slot", arb, FUZZ_RUNS.junkInOneSlot, ({ slots, at, junk, followUp }) => {
    const [placed, slot] = placeJunk(params, slots, at, junk);
    const args = argList(params, placed);
    const fieldJunk = slot.includes(".") ? ` [${slot} = <<JUNK: ${junk.label}>>]` : "";
    if (fieldJunk) junkSeen.add(junk.label);
    const what = `${describeCall(t, params, args)}${fieldJunk}`;
    follow(what, checkCall(what, t.call, args), followUp);
  });
}

/** All slots valid, then one argument too many. */
function extraArgument(t: Target, params: readonly Param[]): void {
  const arb = fc.record({ slots: slotsArb(params), junk: junkArb });
  property("an extra trailing argument", arb, FUZZ_RUNS.extraArgument, ({ slots, junk }) => {
    const args = [...argList(params, slots), junk];
    while (args.length < params.length + 1) args.splice(args.length - 1, 0, undefined);
    checkCall(describeCall(t, params, args), t.call, args);
  });
}

/** A valid call, then junk in one argument of the function it returned (grad(f)(junk), vjp's back(junk)). */
function junkIntoReturned(t: Target, params: readonly Param[]): void {
  if (!returnsFunctions(params)) return;
  const arb = fc.record({
    slots: slotsArb(params),
    args: fc.array(pytreeArb, { minLength: 1, maxLength: 2 }),
    at: fc.nat(),
    junk: junkArb,
  });
  property("junk into the function it returns", arb, FUZZ_RUNS.junkIntoReturned, ({ slots, args, at, junk }) => {
    const call = argList(params, slots);
    const what = describeCall(t, params, call);
    follow(
      what,
      checkCall(what, t.call, call),
      args.map((a, i) => (i === at % args.length ? junk : a)),
    );
  });
}

/** Junk in every slot but the fixed ones (a method's tensor); with no signature, `arity` junk arguments or one more. */
function allJunk(t: Target, params: readonly Param[] | undefined): void {
  const fixed = (params ?? []).slice(0, t.fixed);
  const n = params ? params.length - t.fixed : t.arity;
  const arb = fc.record({
    fixed: fc.tuple(...fixed.map((p) => validFor(p))),
    junk: fc.array(junkArb, { minLength: Math.max(1, n), maxLength: n + 1 }),
  });
  const numRuns = params ? FUZZ_RUNS.allJunk : FUZZ_RUNS.unguarded;
  property("junk in every slot", arb, numRuns, ({ fixed: f, junk }) => {
    const args = [...f, ...junk];
    checkCall(describeCall(t, params, args), t.call, args);
  });
}

let sweepValues: Junked[] | undefined;
/** One value of each junk kind, made once for the whole sweep (the library must not change its arguments). */
const sweepJunk = () =>
  (sweepValues ??= JUNK_KINDS.map(
    (kind, k) => new Junked(kind.label, fc.sample(kind.arb, { seed: k, numRuns: 1 })[0]),
  ));

/** Every junk kind in every slot (and every field of an options slot), each failure kept: a list to fix from. */
function sweep(t: Target): void {
  const params = t.params;
  if (!params) return;
  noteKinds(params);
  const [slots] = fc.sample(slotsArb(params), { seed: FUZZ_SEED, numRuns: 1 });
  sweepJunk().forEach((junk) => {
    for (let slot = t.fixed; slot < params.length; slot++) {
      const fields = Object.keys(params[slot]!.fields ?? {});
      for (const field of [null, ...fields.map((_, i) => i)]) {
        const [placed, where] = placeJunk(params, slots!, { slot, field }, junk);
        const args = argList(params, placed);
        try {
          checkCall(`${describeCall(t, params, args)} [${where} = <<JUNK: ${junk.label}>>]`, t.call, args);
        } catch (e) {
          reportCaught(e);
        }
      }
    }
  });
}

/** Every junk kind into the functions a valid call returns: alone, and after a valid argument. */
function sweepReturned(t: Target, params: readonly Param[]): void {
  if (!returnsFunctions(params)) return;
  const bases = fc.sample(slotsArb(params), { seed: FUZZ_SEED, numRuns: 10 });
  let found: { what: string; fns: ((...a: unknown[]) => unknown)[] } | undefined;
  for (const slots of bases) {
    const call = argList(params, slots);
    const what = describeCall(t, params, call);
    try {
      const fns = returnedFunctions(checkCall(what, t.call, call));
      if (fns.length > 0) found ??= { what, fns };
    } catch (e) {
      reportCaught(e);
    }
  }
  if (!found) return;
  const [valid] = fc.sample(pytreeArb, { seed: FUZZ_SEED, numRuns: 1 });
  for (const junk of sweepJunk())
    for (const g of found.fns)
      for (const args of [[junk], [valid, junk]])
        try {
          checkCall(`(${found.what})(${args.map(show).join(", ")})`, g, args);
        } catch (e) {
          reportCaught(e);
        }
}

/** The sweeps, then the random properties. */
function fuzzTarget(t: Target): void {
  sweep(t);
  if (t.params) {
    sweepReturned(t, t.params);
    junkInOneSlot(t, t.params);
    junkIntoReturned(t, t.params);
    extraArgument(t, t.params);
  }
  allJunk(t, t.params);
}

function hangCandidate(name: string, thunk: () => unknown): void {
  try {
    checkCall(name, thunk, []);
  } catch (e) {
    reportCaught(e);
  }
}

/** The argument kinds and junk kinds the item covered. */
function finish(): void {
  emit(`COVERED ${JSON.stringify({ kinds: [...kinds], junk: [...junkSeen] })}`);
  kinds.clear();
  junkSeen.clear();
}

/**
 * `node --import tsx property-tests/fuzz_run.ts <fuzz|hang> [first] [shard shards]` runs the items from index `first`
 * whose index is `shard` modulo `shards`, writing START, CALL, FAIL and COVERED lines and DONE to fd FUZZ_FD (stdout by
 * default); fuzz_watchdog.ts reads them.
 */
function main(): void {
  setPoisonedAllocations(true);
  const [mode = "fuzz", from = "0", shard = "0", shards = "1"] = process.argv.slice(2);
  const items: [string, () => void][] =
    mode === "hang"
      ? HANG_CANDIDATES.map(([name, thunk]) => [name, () => hangCandidate(name, thunk)])
      : targets().map((t) => [t.name, () => fuzzTarget(t)]);
  for (let i = Number(from); i < items.length; i++) {
    if (i % Number(shards) !== Number(shard)) continue;
    const [name, run] = items[i]!;
    current = { index: i, name };
    emit(`START ${i}\t${name}`);
    run();
    finish();
  }
  emit("DONE");
}

main();
