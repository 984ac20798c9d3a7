// The trace stack: levels, tracers, and `bind`, which routes every primitive to the innermost trace.
import type { ShapedArray } from "../core/aval.js";
import { ConcretizationError, UnexpectedTracerError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { Primitive } from "./jaxpr.js";

/** One active transform on the stack; tracers point at it and die with it. */
export class MainTrace {
  alive = true;
  trace!: Trace;
  constructor(
    readonly level: number,
    /** What the transform is, for messages: "grad", "makeJaxpr", … */
    readonly kind: string,
    /** The user function being traced, for messages. */
    readonly fnName: string,
  ) {}
}

/** How one kind of transform interprets primitives applied to its tracers. */
export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from a lower level (a concrete tensor or an outer tracer) as a tracer of this trace. */
  abstract lift(x: Tensor): Tensor;
  abstract processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[];
}

/** A traced value: a Tensor whose meaning is given by its trace. */
export abstract class Tracer extends Tensor {
  constructor(
    /** @internal */ readonly _trace: Trace,
    aval: ShapedArray,
  ) {
    super(aval, null);
  }
  /** The value at a lower level this tracer stands for, if it is known there (for fullLower). */
  abstract known(): Tensor | undefined;
  /** The primal value JS control flow sees, or undefined where none exists. */
  abstract primalValue(): Tensor | undefined;

  override _concrete(why: string): Tensor {
    assertAlive(this);
    const p = this.primalValue();
    if (p) {
      conversions++;
      return p._concrete(why);
    }
    const m = this._trace.main;
    throw new ConcretizationError(
      `${why} needs a concrete value, but this ${this.aval.toString()} value is abstract while ${m.kind} traces ` +
        `function '${m.fnName}'. JS control flow (if/?:, > <, Number(), item(), toArray()) cannot depend on traced ` +
        `values; ` +
        `use np.where(cond, x, y) to choose values elementwise, or move the decision outside the traced function.`,
    );
  }
  override toString(): string {
    const p = this._trace.main.alive ? this.primalValue() : undefined;
    return p ? `Traced<${this.aval.toString()}>(${p.toString()})` : `Traced<${this.aval.toString()}>`;
  }
}

class EvalTrace extends Trace {
  lift(x: Tensor): Tensor {
    return x;
  }
  processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[] {
    return prim.impl(args, params, outAvals);
  }
}

/** How many traced values JS has read as concrete values; transforms use it to spot JS arithmetic on tracers. */
let conversions = 0;
export const conversionCount = (): number => conversions;

const base = new MainTrace(0, "eval", "");
base.trace = new EvalTrace(base);
const stack: MainTrace[] = [base];
/** The staging trace (makeJaxpr, jit) that even operations on constants go to. */
let dynamic: MainTrace = base;

function assertAlive(t: Tracer): void {
  const m = t._trace.main;
  if (!m.alive) {
    throw new UnexpectedTracerError(
      `a ${t.aval.toString()} tracer created by ${m.kind} of '${m.fnName}' was used after that transformation ended. ` +
        `It escaped, e.g. stored in an outer variable or closure while tracing; return it from the function instead.`,
    );
  }
}

/** Runs `body` with a new trace pushed on the stack; pops it (and kills its tracers) however `body` ends. */
export function withMain<R>(
  kind: string,
  fnName: string,
  makeTrace: (m: MainTrace) => Trace,
  body: (trace: Trace) => R,
  opts: { dynamic?: boolean } = {},
): R {
  const main = new MainTrace(stack.length, kind, fnName);
  main.trace = makeTrace(main);
  stack.push(main);
  const prevDynamic = dynamic;
  if (opts.dynamic) dynamic = main;
  try {
    return body(main.trace);
  } finally {
    stack.pop();
    dynamic = prevDynamic;
    main.alive = false;
  }
}

function topTrace(args: readonly Tensor[]): Trace {
  let top = dynamic;
  for (const a of args) {
    if (a instanceof Tracer) {
      assertAlive(a);
      if (a._trace.main.level > top.level) top = a._trace.main;
    }
  }
  return top.trace;
}

/** Brings `x` into `trace`, lifting lower-level values. */
export function fullRaise(trace: Trace, x: Tensor): Tensor {
  if (!(x instanceof Tracer)) return trace.lift(x);
  if (x._trace === trace) return x;
  assertAlive(x);
  if (x._trace.main.level < trace.main.level) return trace.lift(x);
  throw new UnexpectedTracerError(
    `a tracer of ${x._trace.main.kind} (level ${x._trace.main.level}) reached ${trace.main.kind} (level ` +
      `${trace.main.level}) ` +
      `from an inner transformation; a traced value escaped its function — return it instead of storing it`,
  );
}

/** Strips tracers that only wrap a known lower-level value. */
export function fullLower(x: Tensor): Tensor {
  while (x instanceof Tracer) {
    const k = x.known();
    if (!k) return x;
    x = k;
  }
  return x;
}

/** The shapes and dtypes of `args`. */
export const avalsOf = (args: readonly Tensor[]) => args.map((a) => a.aval);

/** Applies a primitive: validates shapes and dtypes, then lets the innermost trace interpret it. */
export function bind<P>(prim: Primitive<P>, args: Tensor[], params: P): Tensor[] {
  if (stack.length === 1) {
    // no transform is active, so a tracer here escaped its own (assertAlive throws): run the kernel directly
    for (const a of args) if (a instanceof Tracer) assertAlive(a);
    return prim.impl(args, params, prim.check(avalsOf(args), params));
  }
  const trace = topTrace(args);
  const outAvals = prim.check(avalsOf(args), params);
  const ins = args.map((a) => fullRaise(trace, a));
  return trace.processPrimitive(prim, ins, params, outAvals).map(fullLower);
}

export function bind1<P>(prim: Primitive<P>, args: Tensor[], params: P): Tensor {
  return bind(prim, args, params)[0]!;
}

/** No transform is active: primitives run eagerly (jit's fast path may then skip `bind`). */
export const atBase = (): boolean => stack.length === 1;

/** Current nesting depth, for tests that check no trace is left behind after an error. */
export const traceDepth = (): number => stack.length - 1;
