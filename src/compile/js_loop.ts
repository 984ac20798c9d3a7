// The JS loop of a fused run: generated source (new Function) computing every equation per element, hoisting what
// does not depend on the element, storing the values read later and accumulating reductions, rounded as the eager
// kernels' stores round. Generated source holds only generated names, numbers and the primitives' own fragments —
// never user text.
import type { DType, TypedArray } from "../core/dtype.js";
import type { Float32Mode } from "../higher_order/jit_call.js";
import type { Atom, Var } from "../ir/jaxpr.js";
import { literal } from "../lowering/js.js";
import type { ReduceLowering } from "../lowering/rules.js";
import { isScalarBroadcast, type LoopSpec, type Read } from "../wasm/loops.js";
import { compileRefusedOnce } from "./codegen.js";

/**
 * One fused loop: reads `ins` (full arrays, size-1 scalars, or broadcast operands), writes its materialised `outs` into
 * buffers it is given.
 */
export interface FusedGroup {
  ins: Var[];
  /** Whether input k is read before any output element it could share a buffer with is written (not read by j). */
  inPlace: boolean[];
  outs: Var[];
  /**
   * Whether output j may take the buffer of an input this loop reads for the last time (not a column accumulator:
   * written all loop long).
   */
  outInPlace: boolean[];
  source: string;
  /**
   * The generated function itself: (outer, inner, ...ins, ...bufs); `outs[j]` gets `bufs[j]` (of its size and dtype).
   */
  fn: (...a: (number | TypedArray)[]) => void;
  outer: number;
  inner: number;
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
    case "uint32":
      return `((${expr}) >>> 0)`;
    case "bool":
      return `((${expr}) ? 1 : 0)`;
  }
}

/**
 * The loop for `s` split into `outer` × `inner` (a flat loop: inner is its size); undefined without code generation.
 */
export function jsLoop(s: LoopSpec, outer: number, inner: number, mode: Float32Mode): FusedGroup | undefined {
  const exact = mode === "exact";
  const body = translate(s, exact);
  const stored = s.eqns
    .filter((e) => !e.prim.lowering?.reduce)
    .map((e) => e.outs[0]!)
    .filter(s.later);
  const outs = [...stored, ...body.accs.map((a) => a.v)];
  const params = ["outer", "inner", ...body.ins.map((_, k) => `in${k}`), ...outs.map((_, j) => `out${j}`)];
  const source = `function fused(${params.join(", ")}) {\n${loopText(s, body, stored, exact)}\n}`;
  const fn = compileLoop(params, source);
  if (!fn) return undefined;
  const outInPlace = [...stored.map(() => true), ...body.accs.map((a) => !a.column)];
  return { ins: body.ins, inPlace: body.inPlace, outs, outInPlace, source, fn, outer, inner };
}

/** A value's JS name, its loop level, and whether it holds exactly its dtype's value (already rounded). */
type Value = { name: string; level: number; rounded: boolean };
/** A reduction: over trailing axes, a scalar per outer iteration; over leading ones (column), the output at j. */
type Accumulator = { v: Var; reduce: ReduceLowering<unknown>; arg: string; column: boolean };

/** The run's equations as JS statements by loop level: 0 before the loop, 1 per outer iteration, 2 per element. */
interface Translated {
  code: string[][];
  produced: Map<Var, Value>;
  ins: Var[];
  /** Whether input k may share a buffer with an output (it is not read by j, again in every outer iteration). */
  inPlace: boolean[];
  accs: Accumulator[];
}

function translate(s: LoopSpec, exact: boolean): Translated {
  const t: Translated = { code: [[], [], []], produced: new Map(), ins: [], inPlace: [], accs: [] };
  const input = (a: Var, index: Read): Value => {
    const k = t.ins.push(a) - 1;
    // an input read by j is read again in every outer iteration, after outputs indexed by o were written
    t.inPlace.push(index !== "j");
    const level = index === "0" ? 0 : index === "o" ? 1 : 2;
    t.code[level]!.push(`const x${k} = in${k}[${index}];`);
    return { name: `x${k}`, level, rounded: true };
  };
  const read = (a: Atom): Value => {
    if (a._tag === "Lit") return { name: literal(Number(a.value._data![0])), level: 0, rounded: true };
    let r = t.produced.get(a);
    if (!r) t.produced.set(a, (r = input(a, a.aval.size === 1 ? "0" : "i")));
    return r;
  };
  s.eqns.forEach((e, k) => {
    const v = e.outs[0]!;
    const lowering = e.prim.lowering!;
    if (lowering.reduce) {
      t.accs.push({ v, reduce: lowering.reduce, arg: read(e.inputs[0]!).name, column: s.column(e) });
      return;
    }
    if (lowering.broadcast && !isScalarBroadcast(e)) {
      t.produced.set(v, input(e.inputs[0] as Var, s.broadcastRead(e)));
      return;
    }
    const args = e.inputs.map(read);
    // fast mode: a discontinuous fragment sees its float32 operands rounded, as eager does
    const names = args.map((a) => (lowering.discontinuous && !a.rounded ? `Math.fround(${a.name})` : a.name));
    const expr = isScalarBroadcast(e)
      ? names[0]!
      : lowering.emit!(
          names,
          e.params,
          e.inputs.map((a) => a.aval),
        );
    // an explicit cast to float32 rounds in either mode: the program asked for it
    const exactHere = exact || lowering.cast === true;
    // computed where its operands first all exist: values not depending on the element are hoisted
    const level = Math.max(0, ...args.map((a) => a.level));
    t.code[level]!.push(`const t${k} = ${rounded(expr, v.aval.dtype, exactHere)};`);
    t.produced.set(v, { name: `t${k}`, level, rounded: v.aval.dtype !== "float32" || exactHere });
  });
  return t;
}

/** The function body: hoisted code, then a flat loop over i or a loop over o with an inner loop over j. */
function loopText(s: LoopSpec, { code, produced, accs }: Translated, stored: Var[], exact: boolean): string {
  const accName = (a: Accumulator, j: number) => (a.column ? `out${stored.length + j}[j]` : `acc${j}`);
  const accStep = (a: Accumulator, j: number) =>
    `${accName(a, j)} = ${rounded(a.reduce.step(accName(a, j), a.arg), a.v.aval.dtype, exact)};`;
  const init = (a: Accumulator) => literal(a.reduce.init(a.v.aval.dtype));
  const scalarAccs = accs.flatMap((a, j) => (a.column ? [] : [{ a, j }]));
  const columnInits = accs.flatMap((a, j) =>
    a.column ? [`for (let j = 0; j < inner; j++) out${stored.length + j}[j] = ${init(a)};`] : [],
  );
  // a size-1 value in a larger loop is stored once, before it (it is computed there)
  const once = (v: Var) => v.aval.size === 1 && s.size !== 1;
  const before = [
    ...code[0]!,
    ...stored.flatMap((v, j) => (once(v) ? [`out${j}[0] = ${produced.get(v)!.name};`] : [])),
  ];
  const perElement = [
    ...code[2]!,
    ...stored.flatMap((v, j) => (once(v) ? [] : [`out${j}[i] = ${produced.get(v)!.name};`])),
    ...accs.map(accStep),
  ];
  const indent = (lines: string[], n: number) => lines.map((l) => " ".repeat(n) + l).join("\n");
  const loop = !s.split
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
  return `${before.length ? `${indent(before, 2)}\n` : ""}${loop}`;
}

const compileLoop = (params: string[], source: string) =>
  compileRefusedOnce<(...a: (number | TypedArray)[]) => void>(
    params,
    source.slice(source.indexOf("{") + 1, source.lastIndexOf("}")),
  );
