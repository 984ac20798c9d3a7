// Fusion: runs of elementwise equations with one output shape become one generated loop (new Function).
// Generated source holds only generated names, numbers and the primitives' own fragments — never user text.
import type { ShapedArray } from "../core/aval.js";
import { type DType, type TypedArray, allocate } from "../core/dtype.js";
import { shapeEq } from "../core/shape.js";
import type { Atom, Eqn, Jaxpr, Var } from "../ir/jaxpr.js";

/** One fused loop: reads `ins` (full arrays or size-1 scalars), writes the materialised `outs`. */
export interface FusedGroup {
  eqns: readonly Eqn[];
  ins: Var[];
  outs: Var[];
  size: number;
  source: string;
  run: (ins: TypedArray[]) => TypedArray[];
}

const isScalarBroadcast = (e: Eqn) => e.prim.name === "broadcast_in_dim" && e.inputs[0]!.aval.size === 1;
/** Whether jit can fuse this equation into a loop. */
export const fusible = (e: Eqn): boolean => e.outs.length === 1 && (e.prim.emit !== undefined || isScalarBroadcast(e));

function literal(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  if (Object.is(v, -0)) return "(-0)";
  return v < 0 ? `(${String(v)})` : String(v);
}

/** The eager kernels store each result into a typed array; the fused loop rounds the same way. */
function rounded(expr: string, dtype: DType): string {
  switch (dtype) {
    case "float32": return `Math.fround(${expr})`;
    case "float64": return expr;
    case "int32": return `((${expr}) | 0)`;
    case "bool": return `((${expr}) ? 1 : 0)`;
  }
}

let warned = false;
/** new Function, or undefined where a Content-Security-Policy forbids it (then jit interprets; said once). */
function compileFn(params: string[], body: string): ((...a: unknown[]) => void) | undefined {
  try {
    return new Function(...params, body) as (...a: unknown[]) => void;
  } catch (e) {
    if (!warned) {
      warned = true;
      console.warn(`tracegrad: jit cannot generate code here (${(e as Error).message}); falling back to the interpreter`);
    }
    return undefined;
  }
}

/** Builds the loop for `eqns` (all of output shape `shape`); `later` says which outputs must be materialised. */
export function fuse(eqns: readonly Eqn[], later: (v: Var) => boolean): FusedGroup | undefined {
  const out0 = eqns[0]!.outs[0]!.aval;
  const produced = new Map<Var, string>();
  const ins: Var[] = [];
  const inName = new Map<Var, string>();
  const prologue: string[] = [];
  const loads: string[] = [];
  const body: string[] = [];
  const read = (a: Atom): string => {
    if (a._tag === "Lit") return literal(Number(a.value._data![0]));
    const local = produced.get(a);
    if (local) return local;
    let name = inName.get(a);
    if (!name) {
      const k = ins.push(a) - 1;
      // size-1 inputs are read once before the loop, full ones once per iteration
      name = a.aval.size === 1 ? `s${k}` : `x${k}`;
      (a.aval.size === 1 ? prologue : loads).push(a.aval.size === 1 ? `const s${k} = in${k}[0];` : `const x${k} = in${k}[i];`);
      inName.set(a, name);
    }
    return name;
  };
  // values that do not depend on i (literals, size-1 inputs) are computed once, before the loop
  const invariant = new Set<string>();
  const isInvariant = (a: Atom) => a._tag === "Lit" || a.aval.size === 1 || invariant.has(produced.get(a) ?? "");
  eqns.forEach((e, k) => {
    const v = e.outs[0]!;
    const args = e.inputs.map(read);
    const expr = isScalarBroadcast(e) ? args[0]! : e.prim.emit!(args, e.params, e.inputs.map((a) => a.aval as ShapedArray));
    const hoist = e.inputs.every(isInvariant);
    (hoist ? prologue : body).push(`const t${k} = ${rounded(expr, v.aval.dtype)};`);
    produced.set(v, `t${k}`);
    if (hoist) invariant.add(`t${k}`);
  });
  const outs = eqns.map((e) => e.outs[0]!).filter(later);
  const stores = outs.map((v, j) => `out${j}[i] = ${produced.get(v)};`);
  const params = ["n", ...ins.map((_, k) => `in${k}`), ...outs.map((_, j) => `out${j}`)];
  const source = `function fused(${params.join(", ")}) {\n  ${prologue.join("\n  ")}\n  for (let i = 0; i < n; i++) {\n    ${[...loads, ...body, ...stores].join("\n    ")}\n  }\n}`;
  const fn = compileFn(params, source.slice(source.indexOf("{") + 1, source.lastIndexOf("}")));
  if (!fn) return undefined;
  const size = out0.size;
  return {
    eqns,
    ins,
    outs,
    size,
    source,
    run: (data) => {
      const res = outs.map((v) => allocate(v.aval.dtype, size));
      fn(size, ...data, ...res);
      return res;
    },
  };
}

/** Splits a jaxpr's equations into maximal runs of fusible equations with equal output shapes. */
export function fusionRuns(jaxpr: Jaxpr): (Eqn | Eqn[])[] {
  const out: (Eqn | Eqn[])[] = [];
  let run: Eqn[] = [];
  const flush = () => {
    if (run.length) out.push(run);
    run = [];
  };
  for (const e of jaxpr.eqns) {
    if (!fusible(e)) {
      flush();
      out.push(e);
      continue;
    }
    if (run.length && !shapeEq(run[0]!.outs[0]!.aval.shape, e.outs[0]!.aval.shape)) flush();
    run.push(e);
  }
  flush();
  return out;
}

