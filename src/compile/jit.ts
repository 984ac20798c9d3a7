// jit: trace once per input signature into a closed jaxpr, optimise and compile it, and call it through the
// jit primitive so every other transform composes with it.
import { TracegradError } from "../core/errors.js";
import { argnums, choice, count, fn } from "../core/params.js";
import { Tensor } from "../core/tensor.js";
import { flatten, type LooseArgs, type TensorTree, type TreeDef, treeDefString, unflatten } from "../core/tree.js";
import { guard, options } from "../core/validate.js";
import { type Float32Mode, jitP } from "../higher_order/jit_call.js";
import { hoistTracers, stageFlat } from "../ir/build.js";
import { ClosedJaxpr } from "../ir/jaxpr.js";
import { atBase, bind } from "../ir/trace.js";
import { flattenTensors, fnName, named, tracing } from "../transforms/flat.js";
import { compiledSource, executable, optimized } from "./executable.js";
import { type Entry, MISS, SignatureCache } from "./jit_cache.js";
import { holdsExactFloat32 } from "./sampled.js";

export interface JitOptions {
  /** Arguments that are plain JS values baked into the trace (retraced when they change). */
  staticArgnums?: number | readonly number[];
  /** How many input signatures to keep compiled (least recently used ones are dropped). Default 64. */
  cacheSize?: number;
  /**
   * How fused loops round float32 values. "fast" (default): once, where a value is stored (and at explicit
   * casts); in between they are computed in double precision, as accurate or more than rounding after every
   * operation. "exact": after every operation, as eager kernels do, so results are bitwise equal to eager.
   */
  float32?: Float32Mode;
}

/** What `jit(f).lower(...args)` returns: the optimised IR and the source of the compiled program. */
export interface Lowered {
  jaxpr: ClosedJaxpr;
  source: string;
}

/** A jitted function: call it like `f`; `lower` shows what it compiles to; `cacheSize` counts signatures. */
export interface Jitted<A extends unknown[], R> {
  (...args: LooseArgs<A>): TensorTree<R>;
  lower(...args: LooseArgs<A>): Lowered;
  readonly cacheSize: number;
}

/**
 * Text identifying a static argument's value (read as a pytree: any depth, cycles are errors); throws for values that
 * cannot be compared by value. Numbers keep NaN, ±∞ and -0 apart from null; object keys are sorted.
 */
function staticKey(v: unknown, where: string): string {
  const [leaves, def] = flatten(v, `jit: static argument ${where}`);
  const keys = leaves.map((x) => {
    if (typeof x === "number") return Number.isNaN(x) ? "NaN" : Object.is(x, -0) ? "0" : String(x);
    if (typeof x === "bigint") return `${x}n`;
    if (typeof x === "string" || typeof x === "boolean") return JSON.stringify(x);
    throw new TracegradError(
      `jit: static argument ${where} is not hashable (${kindOf(x)}); static arguments must be numbers, ` +
        `strings, booleans, null, or arrays/objects of them — pass tensors as ordinary arguments`,
    );
  });
  return `${treeDefString(def, true)}|${keys.join(",")}`;
}

/** A value's class name, or its JS type. */
const kindOf = (x: unknown): string =>
  typeof x === "object" && x !== null
    ? ((x as { constructor?: { name?: string } }).constructor?.name ?? "object")
    : typeof x;

const MODES: readonly Float32Mode[] = ["fast", "exact"];

/**
 * Compiles `f` for each input signature (pytree structure, shapes, dtypes, static values) on first call
 * and reuses it; side effects in `f` happen only while tracing.
 * @example const f = jit((x) => x.sin().sum()); f(np.ones([3])) // traced and compiled once
 */
export const jit: <A extends unknown[], R>(f: (...args: A) => R, opts?: JitOptions) => Jitted<A, R> = guard(
  "jit",
  [
    fn(),
    options({
      staticArgnums: argnums("staticArgnums"),
      cacheSize: count("cacheSize"),
      float32: choice("float32", MODES),
    }),
  ],
  jitImpl,
);
function jitImpl<A extends unknown[], R>(f: (...args: A) => R, opts: JitOptions): Jitted<A, R> {
  const name = fnName(f);
  const maxEntries = opts.cacheSize ?? 64;
  // a program drawing random numbers rounds as eager does where it computes the draws, so they are JAX's (and
  // eager's) numbers
  const modeOf = (closed: ClosedJaxpr): Float32Mode =>
    opts.float32 ?? (holdsExactFloat32(closed.jaxpr) ? "sampled" : "fast");
  const cache = new SignatureCache(maxEntries);
  const noStatics =
    opts.staticArgnums === undefined || (Array.isArray(opts.staticArgnums) && opts.staticArgnums.length === 0);

  /** The call's signature, its program (traced now if new) and its flat inputs. */
  const prepare = (args: unknown[]) => {
    const statics = staticPositions(name, opts.staticArgnums ?? [], args.length);
    const keyParts = statics.map((i) => staticKey(args[i], `${i}`));
    const dynamic = args.filter((_, i) => !statics.includes(i));
    const [xs, inTree] = flattenTensors(`jit(${name})`, dynamic, "the arguments");
    // the structure as JSON (object keys quoted, so unusual key names cannot collide)
    const key = JSON.stringify([treeDefString(inTree, true), xs.map((x) => x.aval.toString()), keyParts]);
    let entry = cache.get(key);
    let hoisted: Tensor[] = [];
    if (!entry) {
      ({ entry, hoisted } = traceSignature(name, f as (...a: unknown[]) => unknown, args, statics, inTree, xs));
      // a trace that captured tracers belongs to this call only
      if (hoisted.length === 0) cache.set(key, entry);
    }
    return { key, entry, inTree, ins: [...hoisted, ...xs] };
  };

  const fn = named((...args: LooseArgs<A>) => {
    const eager = noStatics && atBase();
    if (eager) {
      const r = cache.callFast(args);
      if (r !== MISS) return r as TensorTree<R>;
    }
    const { key, entry, inTree, ins } = prepare(args);
    const flat = inTree.kind === "array" && inTree.children.every((c) => c.kind === "leaf");
    if (eager && cache.holds(key, entry) && flat && args.every((a) => a instanceof Tensor)) {
      cache.setFast(
        key,
        ins.map((x) => x.aval),
        executable(entry.closed, modeOf(entry.closed)),
        entry.outTree,
      );
    }
    const float32 = modeOf(entry.closed);
    return unflatten(entry.outTree, bind(jitP, ins, { name, jaxpr: entry.closed, float32 })) as TensorTree<R>;
  }, `jit(${name})`);
  const lower = (...args: LooseArgs<A>): Lowered => {
    const { closed } = prepare(args).entry;
    const p = optimized(closed);
    return { jaxpr: new ClosedJaxpr(p.jaxpr, p.consts), source: compiledSource(closed, modeOf(closed)) };
  };
  Object.defineProperty(fn, "cacheSize", { get: () => cache.size });
  return Object.assign(fn, { lower }) as unknown as Jitted<A, R>;
}

/** The positions of the static arguments, checked against the call. */
function staticPositions(name: string, spec: number | readonly number[], nargs: number): number[] {
  const statics = (typeof spec === "number" ? [spec] : [...spec]).map((i) => {
    if (!Number.isInteger(i) || i < -nargs || i >= nargs) {
      throw new TracegradError(
        `jit(${name}): staticArgnums ${i} is out of range for a call with ${nargs} argument${nargs === 1 ? "" : "s"}`,
      );
    }
    return i < 0 ? i + nargs : i;
  });
  if (new Set(statics).size !== statics.length)
    throw new TracegradError(`jit(${name}): staticArgnums names an argument twice (${JSON.stringify(spec)})`);
  return statics;
}

/**
 * Traces `f` for one signature into a closed jaxpr. Values captured from enclosing transforms are tracers: they
 * become the program's leading inputs (`hoisted`), passed with the arguments.
 */
function traceSignature(
  name: string,
  f: (...a: unknown[]) => unknown,
  args: unknown[],
  statics: number[],
  inTree: TreeDef,
  xs: Tensor[],
): { entry: Entry; hoisted: Tensor[] } {
  let outTree: TreeDef | undefined;
  const traced = tracing("jit", name, () =>
    stageFlat(
      "jit",
      name,
      (...ts) => {
        const dyn = unflatten(inTree, ts) as unknown[];
        const full: unknown[] = [];
        for (let i = 0, d = 0; i < args.length; i++) full.push(statics.includes(i) ? args[i] : dyn[d++]);
        const [outs, def] = flattenTensors(`jit(${name})`, f(...full), "the function's output");
        outTree = def;
        return outs;
      },
      xs.map((x) => x.aval),
    ),
  );
  const { closed, hoisted } = hoistTracers(traced);
  return { entry: { closed, outTree: outTree! }, hoisted };
}
