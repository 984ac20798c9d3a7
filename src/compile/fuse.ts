// Fusion: runs of elementwise equations over one loop domain (with their scalar broadcasts), and reductions of
// that domain over a trailing block of axes, become one generated loop (new Function).
// Generated source holds only generated names, numbers and the primitives' own fragments — never user text.
import type { ShapedArray } from "../core/aval.js";
import type { DType, TypedArray } from "../core/dtype.js";
import { shapeEq, sizeOf } from "../core/shape.js";
import type { Atom, Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import { compileFn, literal } from "./codegen.js";

/**
 * How float32 values inside a fused loop are rounded. "exact": after every operation, as eager kernels store
 * them, so jit is bitwise equal to eager. "fast": only where a value is stored (and at explicit casts); the
 * loop computes in double precision, which is at least as accurate and rounds once instead of per operation.
 */
export type Float32Mode = "exact" | "fast";

/** A run of equations one loop can compute: elementwise ones over `domain`, reductions of its trailing `inner` elements. */
export interface FusionRun {
  eqns: Eqn[];
  domain: readonly number[];
  /** Elements each reduction folds (a trailing block of the domain); undefined while the run has no reduction. */
  inner: number | undefined;
}

/** One fused loop: reads `ins` (full arrays or size-1 scalars), writes its materialised `outs` into buffers it is given. */
export interface FusedGroup {
  ins: Var[];
  outs: Var[];
  source: string;
  /** `outs[j]` gets `bufs[j]` (of `outs[j]`'s size and dtype). */
  run: (ins: TypedArray[], bufs: TypedArray[]) => void;
  /** The generated function itself: (outer, inner, ...ins, ...bufs). */
  fn: (...a: (number | TypedArray)[]) => void;
  outer: number;
  inner: number;
}

const isScalarBroadcast = (e: Eqn) => e.prim.name === "broadcast_in_dim" && e.inputs[0]!.aval.size === 1;
/** Whether jit can fuse this elementwise equation into a loop. */
export const fusible = (e: Eqn): boolean => e.outs.length === 1 && (e.prim.emit !== undefined || isScalarBroadcast(e));

/** The number of trailing elements a reduction folds, when its axes are a trailing block of its input's axes. */
function reducedInner(e: Eqn): number | undefined {
  if (!e.prim.emitReduce) return undefined;
  const shape = e.inputs[0]!.aval.shape;
  const axes = [...(e.params as { axes: readonly number[] }).axes].sort((a, b) => a - b);
  if (!axes.every((a, k) => a === shape.length - axes.length + k)) return undefined;
  return sizeOf(shape.slice(shape.length - axes.length));
}

/** How a stored (or accumulated) value is rounded to its dtype, as the eager kernels' stores do. */
function rounded(expr: string, dtype: DType, exact: boolean): string {
  switch (dtype) {
    case "float32": return exact ? `Math.fround(${expr})` : expr;
    case "float64": return expr;
    case "int32": return `((${expr}) | 0)`;
    case "bool": return `((${expr}) ? 1 : 0)`;
  }
}

/** Builds the loop for a run; `later` says which of its values are read after it (and so must be stored). */
export function fuse(run: FusionRun, later: (v: Var) => boolean, mode: Float32Mode): FusedGroup | undefined {
  const exact = mode === "exact";
  const produced = new Map<Var, string>();
  const ins: Var[] = [];
  const inName = new Map<Var, string>();
  const prologue: string[] = [];
  const loads: string[] = [];
  const body: string[] = [];
  const accs: { v: Var; name: string; init: string; step: string }[] = [];
  const read = (a: Atom): string => {
    if (a._tag === "Lit") return literal(Number(a.value._data![0]));
    const local = produced.get(a);
    if (local) return local;
    let name = inName.get(a);
    if (!name) {
      const k = ins.push(a) - 1;
      // size-1 inputs are read once before the loop, full ones once per iteration
      const scalar = a.aval.size === 1;
      name = scalar ? `s${k}` : `x${k}`;
      (scalar ? prologue : loads).push(scalar ? `const s${k} = in${k}[0];` : `const x${k} = in${k}[i];`);
      inName.set(a, name);
    }
    return name;
  };
  // values that do not depend on i (literals, size-1 inputs) are computed once, before the loop
  const invariant = new Set<string>();
  const isInvariant = (a: Atom) => a._tag === "Lit" || a.aval.size === 1 || invariant.has(produced.get(a) ?? "");
  run.eqns.forEach((e, k) => {
    const v = e.outs[0]!;
    const args = e.inputs.map(read);
    if (e.prim.emitReduce) {
      const r = e.prim.emitReduce;
      const name = `acc${accs.length}`;
      accs.push({ v, name, init: literal(r.init(v.aval.dtype)), step: rounded(r.step(name, args[0]!), v.aval.dtype, exact) });
      return;
    }
    const expr = isScalarBroadcast(e) ? args[0]! : e.prim.emit!(args, e.params, e.inputs.map((a) => a.aval as ShapedArray));
    // an explicit cast to float32 rounds in either mode: the program asked for it
    const exactHere = exact || e.prim.name === "convert_element_type";
    const hoist = e.inputs.every(isInvariant);
    (hoist ? prologue : body).push(`const t${k} = ${rounded(expr, v.aval.dtype, exactHere)};`);
    produced.set(v, `t${k}`);
    if (hoist) invariant.add(`t${k}`);
  });
  const stored = run.eqns.filter((e) => !e.prim.emitReduce).map((e) => e.outs[0]!).filter(later);
  const outs = [...stored, ...accs.map((a) => a.v)];
  const stores = stored.map((v, j) => `out${j}[i] = ${produced.get(v)};`);
  const params = ["outer", "inner", ...ins.map((_, k) => `in${k}`), ...outs.map((_, j) => `out${j}`)];
  const step = [...loads, ...body, ...stores, ...accs.map((a) => `${a.name} = ${a.step};`)].join("\n      ");
  const loop = accs.length === 0
    ? `for (let i = 0; i < inner; i++) {\n      ${step}\n    }`
    : `for (let o = 0, i = 0; o < outer; o++) {\n    ${accs.map((a) => `let ${a.name} = ${a.init};`).join(" ")}\n    for (const end = i + inner; i < end; i++) {\n      ${step}\n    }\n    ${accs.map((a, j) => `out${stored.length + j}[o] = ${a.name};`).join(" ")}\n  }`;
  const source = `function fused(${params.join(", ")}) {\n  ${prologue.join("\n  ")}\n  ${loop}\n}`;
  const fn = compileFn<(...a: (number | TypedArray)[]) => void>(params, source.slice(source.indexOf("{") + 1, source.lastIndexOf("}")));
  if (!fn) return undefined;
  const size = sizeOf(run.domain);
  const inner = run.inner ?? size;
  const outer = accs.length ? sizeOf(accs[0]!.v.aval.shape) : 1;
  return { ins, outs, source, fn, outer, inner, run: (data, bufs) => fn(outer, inner, ...data, ...bufs) };
}

/**
 * Splits a jaxpr's equations, in order, into kernels and fusion runs: elementwise equations over one domain,
 * and reductions of that domain over trailing axes (all folding the same block), as long as nothing in the
 * run reads a reduction's result (it is complete only when the loop ends).
 */
export function fusionRuns(jaxpr: Jaxpr): (Eqn | FusionRun)[] {
  const out: (Eqn | FusionRun)[] = [];
  let run: FusionRun | undefined;
  let reduced = new Set<Var>();
  const flush = () => {
    if (run) out.push(run);
    run = undefined;
    reduced = new Set();
  };
  for (const e of jaxpr.eqns) {
    const inner = reducedInner(e);
    if (!fusible(e) && inner === undefined) {
      flush();
      out.push(e);
      continue;
    }
    const domain = inner === undefined ? e.outs[0]!.aval.shape : e.inputs[0]!.aval.shape;
    const joins = run !== undefined && shapeEq(run.domain, domain) && !e.inputs.some((a) => a._tag === "Var" && reduced.has(a)) &&
      (inner === undefined || run.inner === undefined || run.inner === inner);
    if (!joins) {
      flush();
      run = { eqns: [], domain, inner: undefined };
    }
    run!.eqns.push(e);
    if (inner !== undefined) {
      run!.inner = inner;
      reduced.add(e.outs[0]!);
    }
  }
  flush();
  return out;
}
