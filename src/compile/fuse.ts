// Fusion: runs of elementwise equations over one loop domain (with their broadcasts), and reductions of that
// domain over a trailing or a leading block of axes, become one generated loop (new Function), or in float32
// "fast" mode a WebAssembly SIMD loop where that pays (src/wasm/elementwise.ts).
// Generated source holds only generated names, numbers and the primitives' own fragments — never user text.
import type { ShapedArray } from "../core/aval.js";
import type { DType, TypedArray } from "../core/dtype.js";
import { shapeEq, sizeOf } from "../core/shape.js";
import type { ReduceEmit } from "../core/primitive.js";
import type { Atom, Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import { compileFn, literal } from "./codegen.js";
import { type LoopSpec, isScalarBroadcast, wasmFusible, wasmLoop } from "../wasm/elementwise.js";

/** Below this many elements a fused float32 loop stays in JS (copying into WebAssembly memory would cost more). */
const WASM_MIN = 256;

/**
 * How float32 values inside a fused loop are rounded. "exact": after every operation, as eager kernels store
 * them, so jit is bitwise equal to eager. "fast": only where a value is stored (and at explicit casts); the
 * loop computes in double precision, which is at least as accurate and rounds once instead of per operation,
 * or runs as WebAssembly SIMD in float32 with vectorised transcendental functions (within 4 ulp).
 */
export type Float32Mode = "exact" | "fast";

/**
 * A run of equations one loop can compute: elementwise ones over `domain` (flat index i), reductions of its
 * trailing `inner` elements (per o) or of its leading `outer` ones (per j), and broadcasts whose operand varies only with the outer index o or the inner index j
 * of the loop split into outer × inner (i = o·inner + j).
 */
export interface FusionRun {
  eqns: Eqn[];
  domain: readonly number[];
  /** Elements per outer iteration; undefined while no equation needs the split (then the loop is flat). */
  inner: number | undefined;
  /** Outer iterations (with `inner`: an empty domain can split in several ways, so both are fixed). */
  outer: number | undefined;
}

/** One fused loop: reads `ins` (full arrays, size-1 scalars, or broadcast operands), writes its materialised `outs` into buffers it is given. */
export interface FusedGroup {
  ins: Var[];
  /** Whether input k is read before any output element it could share a buffer with is written (not read by j). */
  inPlace: boolean[];
  outs: Var[];
  /** Whether output j may take the buffer of an input this loop reads for the last time (not a column accumulator: written all loop long). */
  outInPlace: boolean[];
  source: string;
  /** The generated function itself: (outer, inner, ...ins, ...bufs); `outs[j]` gets `bufs[j]` (of its size and dtype). */
  fn: (...a: (number | TypedArray)[]) => void;
  outer: number;
  inner: number;
}

/** Whether jit can fuse this elementwise equation into a loop over its output shape, with no split. */
const fusible = (e: Eqn): boolean => e.outs.length === 1 && (e.prim.emit !== undefined || isScalarBroadcast(e));

/** An elementwise equation on size-1 values: loop-invariant in any loop. */
const scalarOnly = (e: Eqn) => fusible(e) && e.outs[0]!.aval.size === 1 && e.inputs.every((a) => a.aval.size === 1);

/** How a loop reads a broadcast operand: by the outer index, the inner index, or the flat index (only unit axes added). */
type Index = "o" | "j" | "i";
interface Split {
  inner: number;
  outer: number;
  index: Index | undefined;
}

/** The splits (axis s: outer = axes before s) under which one loop can compute `e`, and how it reads its operand. */
function splits(e: Eqn): Split[] {
  const shape = e.outs[0]!.aval.shape;
  const nd = shape.length;
  const at = (s: number) => ({ inner: sizeOf(shape.slice(s)), outer: sizeOf(shape.slice(0, s)) });
  if (e.prim.emitReduce) {
    const inShape = e.inputs[0]!.aval.shape;
    const axes = [...(e.params as { axes: readonly number[] }).axes].sort((a, b) => a - b);
    const r = axes.length;
    const out: Split[] = [];
    // over trailing axes: one accumulator per outer iteration; over leading ones: one per inner position (read by j)
    if (axes.every((a, k) => a === inShape.length - r + k))
      out.push({
        inner: sizeOf(inShape.slice(inShape.length - r)),
        outer: sizeOf(inShape.slice(0, inShape.length - r)),
        index: undefined,
      });
    if (axes.every((a, k) => a === k))
      out.push({ inner: sizeOf(inShape.slice(r)), outer: sizeOf(inShape.slice(0, r)), index: "j" });
    return out;
  }
  if (fusible(e)) return [{ inner: NaN, outer: NaN, index: undefined }]; // any split
  if (e.prim.name !== "broadcast_in_dim") return [];
  // axes the operand spans (kept, length > 1) and axes it is repeated along (length > 1 in the output only)
  const x = e.inputs[0]!.aval.shape;
  const dims = (e.params as { broadcast_dimensions: readonly number[] }).broadcast_dimensions;
  const kept: number[] = [];
  const repeated: number[] = [];
  for (let a = 0; a < nd; a++) {
    if (shape[a]! === 1) continue;
    const k = dims.indexOf(a);
    (k >= 0 && x[k] === shape[a] ? kept : repeated).push(a);
  }
  if (repeated.length === 0) return [{ inner: NaN, outer: NaN, index: "i" }];
  const out: Split[] = [];
  for (let s = 0; s <= nd; s++) {
    if (kept.every((a) => a < s) && repeated.every((a) => a >= s)) out.push({ ...at(s), index: "o" });
    else if (kept.every((a) => a >= s) && repeated.every((a) => a < s)) out.push({ ...at(s), index: "j" });
  }
  return out;
}

/** How a stored (or accumulated) value is rounded to its dtype, as the eager kernels' stores do. */
function rounded(expr: string, dtype: DType, exact: boolean): string {
  switch (dtype) {
    case "float32":
      return exact ? `Math.fround(${expr})` : expr;
    case "float64":
      return expr;
    case "int32":
      return `((${expr}) | 0)`;
    case "bool":
      return `((${expr}) ? 1 : 0)`;
  }
}

/** Builds the loop for a run; `later` says which of its values are read after it (and so must be stored). */
export function fuse(run: FusionRun, later: (v: Var) => boolean, mode: Float32Mode): FusedGroup | undefined {
  const exact = mode === "exact";
  const size = sizeOf(run.domain);
  const inner = run.inner ?? size;
  const split = run.inner !== undefined;
  const storesScalar = run.eqns.some((e) => e.outs[0]!.aval.size !== size && !e.prim.emitReduce && later(e.outs[0]!));
  const onSplit = (sp: Split) => split && sp.inner === inner && sp.outer === run.outer;
  const broadcastRead = (e: Eqn) => splits(e).find((sp) => sp.index === "i" || onSplit(sp))!.index as "i" | "j" | "o";
  const column = (e: Eqn) => !splits(e).some((sp) => sp.index === undefined && onSplit(sp));
  const spec: LoopSpec = {
    eqns: run.eqns,
    size,
    split: split ? { outer: run.outer!, inner } : undefined,
    broadcastRead,
    column,
    later,
  };
  if (!exact && size >= WASM_MIN && !storesScalar && wasmFusible(spec)) {
    // the wasm loop copies its inputs in before it writes: any buffer may be shared
    const loop = wasmLoop(spec);
    if (loop)
      return {
        ...loop,
        inPlace: loop.ins.map(() => true),
        outInPlace: loop.outs.map(() => true),
        fn: loop.fn as FusedGroup["fn"],
        outer: run.outer ?? 1,
        inner,
      };
  }
  // code by loop level: 0 before the loop, 1 per outer iteration, 2 per element
  const code: string[][] = [[], [], []];
  /** A value's JS name, its loop level, and whether it holds exactly its dtype's value (already rounded). */
  type Value = { name: string; level: number; rounded: boolean };
  const produced = new Map<Var, Value>();
  const ins: Var[] = [];
  const inPlace: boolean[] = [];
  /** Reductions: over trailing axes, a scalar per outer iteration; over leading ones (column), the output at j. */
  const accs: { v: Var; prim: ReduceEmit; arg: string; column: boolean }[] = [];
  const input = (a: Var, index: "0" | Index): Value => {
    const k = ins.push(a) - 1;
    // an input read by j is read again in every outer iteration, after outputs indexed by o were written
    inPlace.push(index !== "j");
    const level = index === "0" ? 0 : index === "o" ? 1 : 2;
    code[level]!.push(`const x${k} = in${k}[${index}];`);
    return { name: `x${k}`, level, rounded: true };
  };
  const read = (a: Atom): Value => {
    if (a._tag === "Lit") return { name: literal(Number(a.value._data![0])), level: 0, rounded: true };
    let r = produced.get(a);
    if (!r) produced.set(a, (r = input(a, a.aval.size === 1 ? "0" : "i")));
    return r;
  };
  run.eqns.forEach((e, k) => {
    const v = e.outs[0]!;
    if (e.prim.emitReduce) {
      accs.push({ v, prim: e.prim.emitReduce, arg: read(e.inputs[0]!).name, column: column(e) });
      return;
    }
    if (e.prim.name === "broadcast_in_dim" && !isScalarBroadcast(e)) {
      produced.set(v, input(e.inputs[0] as Var, broadcastRead(e)));
      return;
    }
    const args = e.inputs.map(read);
    // fast mode: a discontinuous fragment sees its float32 operands rounded, as eager does
    const names = args.map((a) => (e.prim.emitNeedsRounded && !a.rounded ? `Math.fround(${a.name})` : a.name));
    const expr = isScalarBroadcast(e)
      ? names[0]!
      : e.prim.emit!(
          names,
          e.params,
          e.inputs.map((a) => a.aval as ShapedArray),
        );
    // an explicit cast to float32 rounds in either mode: the program asked for it
    const exactHere = exact || e.prim.name === "convert_element_type";
    // computed where its operands first all exist: values not depending on the element are hoisted
    const level = Math.max(0, ...args.map((a) => a.level));
    code[level]!.push(`const t${k} = ${rounded(expr, v.aval.dtype, exactHere)};`);
    produced.set(v, { name: `t${k}`, level, rounded: v.aval.dtype !== "float32" || exactHere });
  });
  const stored = run.eqns
    .filter((e) => !e.prim.emitReduce)
    .map((e) => e.outs[0]!)
    .filter(later);
  const outs = [...stored, ...accs.map((a) => a.v)];
  const params = ["outer", "inner", ...ins.map((_, k) => `in${k}`), ...outs.map((_, j) => `out${j}`)];
  const accName = (a: (typeof accs)[number], j: number) => (a.column ? `out${stored.length + j}[j]` : `acc${j}`);
  const accStep = (a: (typeof accs)[number], j: number) =>
    `${accName(a, j)} = ${rounded(a.prim.step(accName(a, j), a.arg), a.v.aval.dtype, exact)};`;
  const init = (a: (typeof accs)[number]) => literal(a.prim.init(a.v.aval.dtype));
  const scalarAccs = accs.flatMap((a, j) => (a.column ? [] : [{ a, j }]));
  const columnInits = accs.flatMap((a, j) =>
    a.column ? [`for (let j = 0; j < inner; j++) out${stored.length + j}[j] = ${init(a)};`] : [],
  );
  // a size-1 value in a larger loop is stored once, before it (it is computed there)
  const once = (v: Var) => v.aval.size === 1 && size !== 1;
  code[0]!.push(...stored.flatMap((v, j) => (once(v) ? [`out${j}[0] = ${produced.get(v)!.name};`] : [])));
  const perElement = [
    ...code[2]!,
    ...stored.flatMap((v, j) => (once(v) ? [] : [`out${j}[i] = ${produced.get(v)!.name};`])),
    ...accs.map(accStep),
  ];
  const indent = (lines: string[], n: number) => lines.map((l) => " ".repeat(n) + l).join("\n");
  const loop = !split
    ? `  for (let i = 0; i < inner; i++) {\n${indent(perElement, 4)}\n  }`
    : [
        ...columnInits.map((l) => `  ${l}`),
        "  for (let o = 0, i = 0; o < outer; o++) {",
        indent([...code[1]!, ...scalarAccs.map(({ a, j }) => `let acc${j} = ${init(a)};`)], 4),
        "    for (let j = 0; j < inner; j++, i++) {",
        indent(perElement, 6),
        "    }",
        indent(
          scalarAccs.map(({ j }) => `out${stored.length + j}[o] = acc${j};`),
          4,
        ),
        "  }",
      ]
        .filter((l) => l !== "")
        .join("\n");
  const source = `function fused(${params.join(", ")}) {\n${code[0]!.length ? `${indent(code[0]!, 2)}\n` : ""}${loop}\n}`;
  const fn = compileFn<(...a: (number | TypedArray)[]) => void>(
    params,
    source.slice(source.indexOf("{") + 1, source.lastIndexOf("}")),
  );
  if (!fn) return undefined;
  const outer = run.outer ?? 1;
  const outInPlace = [...stored.map(() => true), ...accs.map((a) => !a.column)];
  return { ins, inPlace, outs, outInPlace, source, fn, outer, inner };
}

/**
 * Splits a jaxpr's equations, in order, into kernels and fusion runs: elementwise equations and broadcasts over one
 * domain, and reductions of that domain over trailing or leading axes, under one outer × inner split, as long as nothing in
 * the run reads a reduction's result (it is complete only when the loop ends).
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
  /** The split `e` needs in `r`: undefined if none fits, NaN-sized if any does. */
  const fit = (r: FusionRun, options: Split[]): Split | undefined => {
    const ok = options.filter(
      (o) => Number.isNaN(o.inner) || r.inner === undefined || (o.inner === r.inner && o.outer === r.outer),
    );
    return ok.find((o) => Number.isNaN(o.inner)) ?? ok[0];
  };
  for (const e of jaxpr.eqns) {
    const options = splits(e);
    if (options.length === 0) {
      flush();
      out.push(e);
      continue;
    }
    const domain = e.prim.emitReduce ? e.inputs[0]!.aval.shape : e.outs[0]!.aval.shape;
    // work on size-1 values joins any loop (it is done once, before it), and a loop of only such work takes the
    // domain of the first equation that needs one, so a scalar's exp or a learning rate's product splits no run
    const scalar = scalarOnly(e);
    if (run && !scalar && !shapeEq(run.domain, domain) && run.eqns.every(scalarOnly)) run.domain = domain;
    let sp =
      run && (scalar || shapeEq(run.domain, domain)) && !e.inputs.some((a) => a._tag === "Var" && reduced.has(a))
        ? fit(run, options)
        : undefined;
    if (sp === undefined) {
      flush();
      run = { eqns: [], domain, inner: undefined, outer: undefined };
      sp = fit(run, options)!;
    }
    run!.eqns.push(e);
    if (!Number.isNaN(sp.inner)) [run!.inner, run!.outer] = [sp.inner, sp.outer];
    if (e.prim.emitReduce) reduced.add(e.outs[0]!);
  }
  flush();
  return out;
}
