// vmap: batch tracers carry a value and the axis its batch lives on; each primitive's batch rule maps it once.
import { ShapedArray } from "../core/aval.js";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { anything, fn } from "../core/params.js";
import type { Tensor } from "../core/tensor.js";
import { flatten, isPlainObject, leafPaths, nodeChildren, type TensorTree, unflatten } from "../core/tree.js";
import { guard, options } from "../core/validate.js";
import type { Primitive } from "../ir/jaxpr.js";
import { bind, fullRaise, Trace, Tracer, withMain } from "../ir/trace.js";
import { batchedAt, moveAxis } from "../primitives/batching.js";
import { flatFunction, fnName, leafTensor, named, tracing } from "./flat.js";

export class BatchTracer extends Tracer {
  constructor(
    trace: Trace,
    readonly val: Tensor,
    readonly bdim: number | null,
  ) {
    super(
      trace,
      bdim === null
        ? val.aval
        : new ShapedArray(
            val.shape.filter((_, i) => i !== bdim),
            val.dtype,
          ),
    );
  }
  known(): Tensor | undefined {
    return this.bdim === null ? this.val : undefined;
  }
  primalValue(): undefined {
    return undefined;
  }
}

/** The batch trace whose primitive's batching rule is running (batchedHere reads it). */
let batching: BatchTrace | undefined;

export class BatchTrace extends Trace {
  lift(x: Tensor): Tensor {
    return new BatchTracer(this, x, null);
  }
  processPrimitive<P>(prim: Primitive<P>, args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[] {
    const ins = args as BatchTracer[];
    const vals = ins.map((t) => t.val);
    const dims = ins.map((t) => t.bdim);
    if (dims.every((d) => d === null)) return bind(prim, vals, params);
    const prev = batching;
    batching = this;
    let outs: Tensor[];
    let outDims: (number | null)[];
    try {
      [outs, outDims] = prim.batch(vals, dims, params);
    } finally {
      batching = prev;
    }
    return outs.map((o, i) => {
      const t = new BatchTracer(this, o, outDims[i]!);
      // a batch rule must agree with the primitive's shape rule for one example
      if (!t.aval.equals(outAvals[i]!)) {
        throw new TracegradError(
          `internal: the batch rule of '${prim.name}' produced ${o.aval.toString()} batched at ${outDims[i]}, but ` +
            `one example should be ${outAvals[i]!.toString()}`,
        );
      }
      return t;
    });
  }
}

/**
 * Axis spec: a number (negative counts from the end), null (not mapped), or a pytree prefix of the values it describes.
 * @example const f = vmap((p: { w: Tensor; b: Tensor }) => p.w.add(p.b), { inAxes: [{ w: 0, b: null }] });
 * f({ w: np.ones([3, 2]), b: np.array([1, 2]) }).shape // [3, 2]
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Expands a prefix spec over `value`'s leaves (flatten order), with a path per leaf for messages; no recursion. */
function expandAxes(
  what: string,
  spec0: unknown,
  value0: unknown,
  path0: string,
  out: { axis: number | null; path: string }[],
): void {
  const stack: [unknown, unknown, string][] = [[spec0, value0, path0]];
  while (stack.length) {
    const [spec, value, path] = stack.pop()!;
    if (value === null || value === undefined) continue;
    if (spec === null || typeof spec === "number") {
      for (const p of leafPaths(flatten(value, "vmap")[1])) out.push({ axis: spec, path: path + p });
      continue;
    }
    const mismatch = (kind: string) =>
      new TracegradError(
        `vmap: ${what} at ${path} is ${kind}, but the value there is ${describe(value)}; ${what} must be a number, ` +
          `null, or a prefix of the structure`,
      );
    const next: [unknown, unknown, string][] = [];
    if (Array.isArray(spec)) {
      if (!Array.isArray(value) || value.length !== spec.length) throw mismatch(`an array of length ${spec.length}`);
      spec.forEach((s, i) => next.push([s, value[i], `${path}[${i}]`]));
    } else if (isPlainObject(spec)) {
      const keys = Object.keys(spec).sort();
      if (!isPlainObject(value) || Object.keys(value).sort().join() !== keys.join())
        throw mismatch(`an object with keys {${keys.join(", ")}}`);
      for (const k of keys) next.push([spec[k], value[k], `${path}.${k}`]);
    } else if (nodeChildren(spec, "vmap")) {
      // an instance of a registered class: a prefix of an instance of the same class
      const s = nodeChildren(spec, "vmap")!;
      const v = nodeChildren(value, "vmap");
      if (!v || v.cls !== s.cls || v.children.length !== s.children.length)
        throw mismatch(`a ${s.cls.name} with ${s.children.length} children`);
      s.children.forEach((c, i) => next.push([c, v.children[i], `${path}[${i}]`]));
    } else {
      throw new TracegradError(
        `vmap: ${what} at ${path} must be a number, null, an array or an object, got ${describe(spec)}`,
      );
    }
    // the value was flattened already (finite, no cycles), so the spec walk ends with it; a loop, not
    // push(...next), since a spread of a long array overflows the stack
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isPlainObject(v)) return `an object with keys {${Object.keys(v).sort().join(", ")}}`;
  if (v !== null && typeof v === "object" && "shape" in v) return `a tensor of shape ${fmtShape((v as Tensor).shape)}`;
  const node = nodeChildren(v, "vmap");
  if (node) return `a ${node.cls.name} with ${node.children.length} children`;
  return typeof v === "number" ? `the number ${v}` : String(v);
}

/**
 * Options of `vmap`: where the batch axis is in each argument and where it goes in each output.
 * @example vmap((x: Tensor) => x.sum(), { inAxes: 1 })(np.ones([3, 4])) // Tensor([3, 3, 3, 3], dtype=float32)
 */
export interface VmapOptions {
  /** Batch axis of each argument: a number, null (not mapped), or per-argument pytree prefixes. Default 0. */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in each output (a number, null, or a prefix of the outputs). Default 0. */
  outAxes?: AxisSpec;
}

/**
 * Maps `f` over a batch axis without a loop (JAX's vmap): every primitive is applied once to the whole batch.
 * @example vmap((x: Tensor) => x.sum())(np.ones([4, 3])) // Tensor([3, 3, 3, 3], dtype=float32)
 * vmap((x: Tensor, y: Tensor) => np.dot(x, y), { inAxes: [0, null] })(np.ones([2, 3]), np.array([1, 2, 3]))
 * // Tensor([6, 6], dtype=float32)
 */
export const vmap: <A extends unknown[], R>(
  f: (...args: A) => R,
  inAxes?: AxisSpec | VmapOptions,
) => (...args: A) => TensorTree<R> = guard(
  "vmap",
  [fn(), options({ inAxes: anything("inAxes", "pytree"), outAxes: anything("outAxes", "pytree") }, "inAxes")],
  vmapImpl,
);
function vmapImpl<A extends unknown[], R>(f: (...args: A) => R, opts: VmapOptions): (...args: A) => TensorTree<R> {
  const { inAxes = 0, outAxes = 0 } = opts;
  const name = fnName(f);
  return named((...args: A) => {
    const [raw, inTree] = flatten(args);
    const specs: { axis: number | null; path: string }[] = [];
    expandAxes("inAxes", inAxes, args, "args", specs);
    // unmapped leaves reach f unchanged (a JS number stays a number, as in JAX); mapped ones become tensors
    const xs = raw.map((l, i) => (specs[i]!.axis === null ? l : leafTensor("vmap", l, specs[i]!.path))) as Tensor[];
    const axes = specs.map(({ axis, path }, i) => {
      const x = xs[i]!;
      if (axis === null) return null;
      if (x.ndim === 0)
        throw new ShapeError(
          `vmap: ${path} is a scalar (shape []), so it has no axis ${axis} to map over; give it inAxes null, or ` +
            `pass a batch of values`,
        );
      if (!Number.isInteger(axis) || axis < -x.ndim || axis >= x.ndim) {
        throw new ShapeError(
          `vmap: inAxes gives axis ${axis} for ${path}, of shape ${fmtShape(x.shape)} (rank ${x.ndim}); valid axes ` +
            `are ${-x.ndim} … ${x.ndim - 1}`,
        );
      }
      return axis < 0 ? axis + x.ndim : axis;
    });
    const mapped = axes.flatMap((a, i) => (a === null ? [] : [{ i, a, size: xs[i]!.shape[a]! }]));
    if (mapped.length === 0)
      throw new TracegradError(
        `vmap: inAxes maps no argument of '${name}'; map at least one (a batch size cannot be inferred otherwise)`,
      );
    const size = mapped[0]!.size;
    if (mapped.some((m) => m.size !== size)) {
      const sizes = mapped.map((m) => `${specs[m.i]!.path} axis ${m.a} has size ${m.size}`).join(", ");
      throw new ShapeError(
        `vmap: mapped axes of '${name}' have different sizes: ${sizes}; every mapped axis must have the same size`,
      );
    }
    const { g, box } = flatFunction("vmap", f as (...a: never[]) => unknown, inTree, name);
    // shapes in messages from inside are per example; say what they are batched
    const batched = () => {
      const shown = mapped.slice(0, 4).map(({ i, a }) => {
        const x = xs[i]!;
        const one = x.shape.filter((_, k) => k !== a);
        return `${specs[i]!.path} is ${fmtShape(x.shape)} batched, ${fmtShape(one)} per example`;
      });
      const more = mapped.length > 4 ? "; …" : "";
      return `shapes there are per example; mapping an axis of size ${size}: ${shown.join("; ")}${more}`;
    };
    return tracing(
      "vmap",
      name,
      () =>
        withMain(
          "vmap",
          name,
          (m) => new BatchTrace(m),
          (trace) => {
            const ins = xs.map((x, i) => (axes[i] === null ? x : new BatchTracer(trace, x, axes[i]!)));
            const outs = g(...ins).map((o) => fullRaise(trace, o) as BatchTracer);
            const outSpecs: { axis: number | null; path: string }[] = [];
            expandAxes("outAxes", outAxes, unflatten(box.outTree!, outs), "output", outSpecs);
            return unflatten(
              box.outTree!,
              outs.map((o, i) => placeBatch(o, outSpecs[i]!, size)),
            ) as TensorTree<R>;
          },
        ),
      batched,
    );
  }, `vmap(${name})`);
}

/** Moves an output's batch axis to where outAxes asks (broadcasting unbatched outputs). */
function placeBatch(o: BatchTracer, { axis, path }: { axis: number | null; path: string }, size: number): Tensor {
  if (axis === null) {
    if (o.bdim !== null)
      throw new TracegradError(
        `vmap: outAxes is null for ${path}, but that output depends on the mapped inputs; give it an axis`,
      );
    return o.val;
  }
  const rank = o.aval.ndim + 1;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new ShapeError(`vmap: outAxes gives axis ${axis} for ${path}, which has rank ${rank} with the batch axis`);
  return batchedAt(o.val, o.bdim, axis < 0 ? axis + rank : axis, size);
}

/**
 * vmap over flat lists for internal use (Jacobians, the jaxprs loops carry): inputs batched at `axes`; outputs batched
 * at 0 where they depend on the batch or are marked `force` (default: all), the others unbatched (`batched` says
 * which). `size` is the batch size (needed when no input is batched).
 */
export function vmapFlat(
  name: string,
  f: (...xs: Tensor[]) => Tensor[],
  xs: readonly Tensor[],
  axes: readonly (number | null)[],
  force?: readonly boolean[],
  size = xs[axes.findIndex((a) => a !== null)]!.shape[axes.find((a) => a !== null)!]!,
): { outs: Tensor[]; batched: boolean[] } {
  return withMain(
    "vmap",
    name,
    (m) => new BatchTrace(m),
    (trace) => {
      const ins = xs.map((x, i) => (axes[i] === null ? x : new BatchTracer(trace, x, axes[i]!)));
      const outs = f(...ins).map((o) => fullRaise(trace, o) as BatchTracer);
      const batched = outs.map((b, i) => b.bdim !== null || (force?.[i] ?? true));
      return {
        outs: outs.map((b, i) =>
          !batched[i] ? b.val : b.bdim === null ? batchedAt(b.val, null, 0, size) : moveAxis(b.val, b.bdim, 0),
        ),
        batched,
      };
    },
  );
}

/**
 * For batching rules that batch a user's function (customJvp's rule, customVjp's fwd and bwd): `f` run over `xs`
 * batched at `dims` (null: not batched) inside the batch trace running the rule now, so values of that trace the
 * function closes over stay valid there, as in JAX; outputs batched at 0. Once that trace has ended (the batched
 * equation was staged and runs later), under a vmap of its own.
 */
export function batchedHere(
  name: string,
  size: number,
): (f: (...xs: Tensor[]) => Tensor[], xs: readonly Tensor[], dims: readonly (number | null)[]) => Tensor[] {
  const trace = batching;
  return (f, xs, dims) => {
    if (!trace?.main.alive) return vmapFlat(name, f, xs, dims, undefined, size).outs;
    const ins = xs.map((x, i) => (dims[i] === null ? x : new BatchTracer(trace, x, dims[i]!)));
    return f(...ins).map((o) => {
      const b = fullRaise(trace, o) as BatchTracer;
      return batchedAt(b.val, b.bdim, 0, size);
    });
  };
}
