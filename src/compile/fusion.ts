// Fusion: which equations share one loop, and the loop for each run. Runs of elementwise equations over one loop
// domain (with their broadcasts), and reductions of that domain over a trailing or a leading block of axes, become one
// generated JS loop (js_loop.ts), or in float32 "fast" mode a WebAssembly SIMD loop where that pays (wasm/loops.ts).
// A primitive's fusion class is what its lowering declares: elementwise (emit), reduction (reduce), broadcast.
import { shapeEq, sizeOf } from "../core/shape.js";
import type { Float32Mode } from "../higher_order/jit_call.js";
import type { Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import {
  isScalarBroadcast,
  type LoopSpec,
  type Read,
  SIMD_MIN_ELEMENTS,
  wasmFusible,
  wasmLoop,
} from "../wasm/loops.js";
import { type FusedGroup, jsLoop } from "./js_loop.js";

export type { FusedGroup } from "./js_loop.js";

/**
 * A run of equations one loop can compute: elementwise ones over `domain` (flat index i), reductions of its trailing
 * `inner` elements (per o) or of its leading `outer` ones (per j), and broadcasts whose operand varies only with the
 * outer index o or the inner index j of the loop split into outer × inner (i = o·inner + j).
 */
export interface FusionRun {
  eqns: Eqn[];
  domain: readonly number[];
  /** Elements per outer iteration; undefined while no equation needs the split (then the loop is flat). */
  inner: number | undefined;
  /** Outer iterations (with `inner`: an empty domain can split in several ways, so both are fixed). */
  outer: number | undefined;
}

/** Whether jit can fuse this elementwise equation into a loop over its output shape, with no split. */
const fusible = (e: Eqn): boolean =>
  e.outs.length === 1 && (e.prim.lowering?.emit !== undefined || isScalarBroadcast(e));

/** An elementwise equation on size-1 values: loop-invariant in any loop. */
const scalarOnly = (e: Eqn) => fusible(e) && e.outs[0]!.aval.size === 1 && e.inputs.every((a) => a.aval.size === 1);

/**
 * A split outer × inner under which one loop can compute an equation, or ANY_SPLIT (elementwise work fits any), and
 * how the loop reads its operand (a broadcast's: by o, j or i; undefined for the others).
 */
type Split = { at: { inner: number; outer: number } | typeof ANY_SPLIT; index: Exclude<Read, "0"> | undefined };
const ANY_SPLIT = "any";

/** The splits (axis s: outer = axes before s) under which one loop can compute `e`, and how it reads its operand. */
function splits(e: Eqn): Split[] {
  const shape = e.outs[0]!.aval.shape;
  const nd = shape.length;
  const at = (s: number) => ({ inner: sizeOf(shape.slice(s)), outer: sizeOf(shape.slice(0, s)) });
  const { reduce, broadcast } = e.prim.lowering ?? {};
  if (reduce) {
    const inShape = e.inputs[0]!.aval.shape;
    const axes = [...reduce.axes(e.params)].sort((a, b) => a - b);
    const r = axes.length;
    const out: Split[] = [];
    // over trailing axes: one accumulator per outer iteration; over leading ones: one per inner position (read by j)
    if (axes.every((a, k) => a === inShape.length - r + k)) {
      const trailing = {
        inner: sizeOf(inShape.slice(inShape.length - r)),
        outer: sizeOf(inShape.slice(0, inShape.length - r)),
      };
      out.push({ at: trailing, index: undefined });
    }
    if (axes.every((a, k) => a === k))
      out.push({ at: { inner: sizeOf(inShape.slice(r)), outer: sizeOf(inShape.slice(0, r)) }, index: "j" });
    return out;
  }
  if (fusible(e)) return [{ at: ANY_SPLIT, index: undefined }];
  if (!broadcast) return [];
  // axes the operand spans (kept, length > 1) and axes it is repeated along (length > 1 in the output only)
  const x = e.inputs[0]!.aval.shape;
  const dims = broadcast.dims(e.params);
  const kept: number[] = [];
  const repeated: number[] = [];
  for (let a = 0; a < nd; a++) {
    if (shape[a]! === 1) continue;
    const k = dims.indexOf(a);
    (k >= 0 && x[k] === shape[a] ? kept : repeated).push(a);
  }
  if (repeated.length === 0) return [{ at: ANY_SPLIT, index: "i" }];
  const out: Split[] = [];
  for (let s = 0; s <= nd; s++) {
    if (kept.every((a) => a < s) && repeated.every((a) => a >= s)) out.push({ at: at(s), index: "o" });
    else if (kept.every((a) => a >= s) && repeated.every((a) => a < s)) out.push({ at: at(s), index: "j" });
  }
  return out;
}

/** Builds the loop for a run; `later` says which of its values are read after it (and so must be stored). */
export function fuse(run: FusionRun, later: (v: Var) => boolean, mode: Float32Mode): FusedGroup | undefined {
  const size = sizeOf(run.domain);
  const inner = run.inner ?? size;
  const outer = run.outer ?? 1;
  const split = run.inner !== undefined ? { outer: run.outer!, inner } : undefined;
  const onSplit = (sp: Split) =>
    split !== undefined && sp.at !== ANY_SPLIT && sp.at.inner === inner && sp.at.outer === outer;
  const spec: LoopSpec = {
    eqns: run.eqns,
    size,
    split,
    broadcastRead: (e) => splits(e).find((sp) => sp.index === "i" || onSplit(sp))!.index as "i" | "j" | "o",
    column: (e) => !splits(e).some((sp) => sp.index === undefined && onSplit(sp)),
    later,
  };
  const storesScalar = run.eqns.some(
    (e) => e.outs[0]!.aval.size !== size && !e.prim.lowering?.reduce && later(e.outs[0]!),
  );
  if (mode === "fast" && size >= SIMD_MIN_ELEMENTS && !storesScalar && wasmFusible(spec)) {
    // the wasm loop copies its inputs in before it writes: any buffer may be shared
    const loop = wasmLoop(spec);
    if (loop) {
      const shared = (xs: Var[]) => xs.map(() => true);
      return {
        ...loop,
        inPlace: shared(loop.ins),
        outInPlace: shared(loop.outs),
        fn: loop.fn as FusedGroup["fn"],
        outer,
        inner,
      };
    }
  }
  return jsLoop(spec, outer, inner, mode);
}

/**
 * Splits a jaxpr's equations into kernels and fusion runs: elementwise equations and broadcasts over one domain, and
 * reductions of that domain over trailing or leading axes, under one outer × inner split, as long as nothing in the
 * run reads a reduction's result (it is complete only when the loop ends). An equation may join an earlier run of its
 * domain when everything it reads is computed before that run (or in it): tracing interleaves the leaves of a pytree
 * (an optimizer updates every parameter's moments, then every parameter), and each leaf's chain is one loop.
 */
/** How many of the latest runs an equation may join. */
const OPEN_RUNS = 32;

export function fusionRuns(jaxpr: Jaxpr): (Eqn | FusionRun)[] {
  const out: (Eqn | FusionRun)[] = [];
  /** Where each value is computed: the position in `out` of its kernel or run. */
  const at = new Map<Var, number>();
  /** The runs still open to equations, with the values their reductions made (which they may not read). */
  const open: { run: FusionRun; index: number; reduced: Set<Var> }[] = [];
  let last: (typeof open)[number] | undefined;
  /** The split `e` takes in `r`: undefined if none fits; one that fits any split in preference to a fixed one. */
  const splitIn = (r: FusionRun, options: Split[]): Split | undefined => {
    const ok = options.filter(
      (o) => o.at === ANY_SPLIT || r.inner === undefined || (o.at.inner === r.inner && o.at.outer === r.outer),
    );
    return ok.find((o) => o.at === ANY_SPLIT) ?? ok[0];
  };
  /** Whether `e` may run in the loop at `index`: it reads nothing computed later, nor that loop's reductions. */
  const readyAt = (e: Eqn, o: (typeof open)[number]) =>
    e.inputs.every((a) => a._tag !== "Var" || ((at.get(a) ?? -1) <= o.index && !o.reduced.has(a)));
  for (const e of jaxpr.eqns) {
    const options = splits(e);
    if (options.length === 0) {
      out.push(e);
      for (const v of e.outs) at.set(v, out.length - 1);
      last = undefined;
      continue;
    }
    const domain = e.prim.lowering?.reduce ? e.inputs[0]!.aval.shape : e.outs[0]!.aval.shape;
    // work on size-1 values joins the latest loop (it is done once, before it), and a loop of only such work takes the
    // domain of the first equation that needs one, so a scalar's exp or a learning rate's product splits no run
    const scalar = scalarOnly(e);
    if (last && !scalar && !shapeEq(last.run.domain, domain) && last.run.eqns.every(scalarOnly))
      last.run.domain = domain;
    let target: (typeof open)[number] | undefined;
    let sp: Split | undefined;
    // the latest runs only, so a long program compiles in linear time
    const candidates = scalar ? (last ? [last] : []) : open.slice(-OPEN_RUNS).reverse();
    for (const o of candidates) {
      if (!(scalar || shapeEq(o.run.domain, domain)) || !readyAt(e, o)) continue;
      sp = splitIn(o.run, options);
      if (sp !== undefined) {
        target = o;
        break;
      }
    }
    if (!target) {
      const run: FusionRun = { eqns: [], domain, inner: undefined, outer: undefined };
      out.push(run);
      target = { run, index: out.length - 1, reduced: new Set() };
      open.push(target);
      sp = splitIn(run, options)!;
    }
    const { run } = target;
    run.eqns.push(e);
    if (sp!.at !== ANY_SPLIT) [run.inner, run.outer] = [sp!.at.inner, sp!.at.outer];
    if (e.prim.lowering?.reduce) target.reduced.add(e.outs[0]!);
    for (const v of e.outs) at.set(v, target.index);
    last = target;
  }
  return out;
}
