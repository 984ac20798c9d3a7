// jit's WebAssembly SIMD loops: a fused run of float32 elementwise equations (with bool lane masks for comparisons
// and selects), its broadcasts and its column sums, compiled to one wasm function over f32x4 lanes. Inputs are
// copied into the kernels' memory, the loop runs, outputs are copied out; so inputs and outputs may share buffers.
// Used in float32 "fast" mode where every equation has a WebAssembly rule and the loop gains from it.
import type { Atom, Eqn, Lit, Var } from "../ir/jaxpr.js";
import { Code, assemble } from "./encode.js";
import type { WasmEmit } from "./vecops.js";
import { type WasmKernels, memoryViews, newKind, splitWork, wasmKernels } from "./runtime.js";

/** What the fused-loop builder needs: the same calling convention as its generated JS loops. */
export interface WasmLoop {
  ins: Var[];
  outs: Var[];
  source: string;
  fn: (outer: number, inner: number, ...arrays: (Float32Array | Uint8Array)[]) => void;
}

/** How a loop reads an operand: by flat index (i), by inner position (j), by outer index (o), or once (0). */
export type Read = "i" | "j" | "o" | "0";

/** A fused run as the loop builders see it (see compile/fuse.ts). */
export interface LoopSpec {
  eqns: readonly Eqn[];
  /** Elements; and, for a loop split into outer × inner, the split (flat loops: undefined). */
  size: number;
  split: { outer: number; inner: number } | undefined;
  /** How a broadcast that repeats its operand reads it. */
  broadcastRead(e: Eqn): "i" | "j" | "o";
  /** Whether a reduction accumulates per inner position (over leading axes) rather than per outer index. */
  column(e: Eqn): boolean;
  /** Whether a value is read after the loop (and so must be stored). */
  later(v: Var): boolean;
}

/** A broadcast of one value: inside a loop it is that value (fusion and these loops both treat it so). */
export const isScalarBroadcast = (e: Eqn) => e.prim.name === "broadcast_in_dim" && e.inputs[0]!.aval.size === 1;
const isBroadcast = (e: Eqn) => e.prim.name === "broadcast_in_dim" && !isScalarBroadcast(e);
const dtypeIs = (a: Atom, mask: boolean) => a.aval.dtype === (mask ? "bool" : "float32");

/** Below this many elements a loop of plain arithmetic stays in JS: the copies and the call cost more than it saves. */
const ARITHMETIC_MIN = 4096;

/**
 * Whether one wasm loop can compute this run — float32 lanes and bool masks only, every equation with a WebAssembly
 * rule, reductions only as column sums, rows of whole vectors — and gains from it: a function or a branch JS
 * evaluates slowly, or enough plain arithmetic.
 */
export function wasmFusible(s: LoopSpec): boolean {
  if (s.split && s.split.inner % 4 !== 0) return false;
  const ok = s.eqns.every((e) => {
    if (e.outs.length !== 1) return false;
    const [x] = e.inputs;
    if (isScalarBroadcast(e)) return dtypeIs(x!, false) || dtypeIs(x!, true);
    if (isBroadcast(e)) return dtypeIs(x!, false) || (dtypeIs(x!, true) && s.broadcastRead(e) === "i");
    if (e.prim.emitReduce) return e.prim.emitReduce.wasm !== undefined && s.column(e) && dtypeIs(x!, false);
    const w = e.prim.emitWasm;
    return (
      w !== undefined &&
      dtypeIs(e.outs[0]!, w.masks?.out === true) &&
      e.inputs.every((a, k) => dtypeIs(a, w.masks?.in?.includes(k) === true))
    );
  });
  return ok && (s.size >= ARITHMETIC_MIN || s.eqns.some((e) => e.prim.emitWasm?.costly));
}

interface Input {
  v: Var;
  read: Read;
  mask: boolean;
}

/** The loop for a run wasmFusible accepts, or undefined where WebAssembly SIMD is unavailable. */
export function wasmLoop(s: LoopSpec): WasmLoop | undefined {
  const w = wasmKernels();
  if (!w) return undefined;
  const { eqns } = s;
  const produced = new Set(eqns.map((e) => e.outs[0]!));
  const ins: Input[] = [];
  const need = (v: Var, read: Read) => {
    if (!ins.some((x) => x.v === v && x.read === read)) ins.push({ v, read, mask: v.aval.dtype === "bool" });
  };
  for (const e of eqns) {
    if (isBroadcast(e)) need(e.inputs[0] as Var, s.broadcastRead(e));
    else for (const a of e.inputs) if (a._tag === "Var" && !produced.has(a)) need(a, a.aval.size === 1 ? "0" : "i");
  }
  const reductions = eqns.filter((e) => e.prim.emitReduce);
  const stored = eqns
    .filter((e) => !e.prim.emitReduce)
    .map((e) => e.outs[0]!)
    .filter(s.later);
  const outs = [...stored, ...reductions.map((e) => e.outs[0]!)];
  // a flat loop is rows of one vector
  const rowVectors = s.split ? s.split.inner / 4 : 1;

  // run(rows, ptr… (inputs, then outputs)): byte addresses, already offset to the first row (so threads can be
  // handed a share of the rows); size-1 inputs are read once, o-read ones per row, j-read ones per vector of a row
  const ptrs = ins.length + outs.length;
  const c = new Code(["i32", ...Array.from({ length: ptrs }, () => "i32" as const)]);
  const ptr = (k: number) => 1 + k;
  const outPtr = (j: number) => 1 + ins.length + j;
  const [r, jo, fo] = [c.local("i32"), c.local("i32"), c.local("i32")];
  /** Lanes of values, and of inputs as each read gives them (one vector may be read both by o and by j). */
  const lane = new Map<Var, number>();
  const inputLane = new Map<Input, number>();
  /** Loads an input's lanes: float32 as they are; bool bytes as masks (nonzero: all bits set). */
  const load = (x: Input, code: Code, at: () => void) => {
    const l = code.local("v128");
    at();
    if (x.read === "0" || x.read === "o") {
      if (x.mask) code.mem("i32.load8_u").i32(0).op("i32.ne").i32(-1).op("i32.mul").simd("i32x4.splat");
      else code.mem("f32.load").simd("f32x4.splat");
    } else if (x.mask) {
      code
        .simdMem("v128.load32_zero")
        .simd("i16x8.extend_low_i8x16_u")
        .simd("i32x4.extend_low_i16x8_u")
        .i32x4(0)
        .simd("i32x4.eq")
        .simd("v128.not");
    } else code.simdMem("v128.load");
    code.set(l);
    inputLane.set(x, l);
    if (x.read === "0" || x.read === "i") lane.set(x.v, l);
    return l;
  };
  const byRead = (read: Read) => ins.map((x, k) => ({ x, k })).filter(({ x }) => x.read === read);
  byRead("0").forEach(({ x, k }) => load(x, c, () => c.get(ptr(k))));
  const zero = c.local("v128");
  c.f32x4(0).set(zero);
  // column sums start at zero
  reductions.forEach((_, q) =>
    c.for(
      jo,
      (x) => x.i32(0),
      (x) => x.i32(16 * rowVectors),
      16,
      (b) =>
        b
          .get(outPtr(stored.length + q))
          .get(jo)
          .op("i32.add")
          .get(zero)
          .simdMem("v128.store"),
    ),
  );
  const bo = c.local("i32");
  c.i32(0).set(fo);
  const listing: string[] = [];
  const name = (a: Atom) =>
    a._tag === "Lit"
      ? String(a.value.item())
      : ins.findIndex((x) => x.v === a) >= 0
        ? `%in${ins.findIndex((x) => x.v === a)}`
        : `%${eqns.findIndex((e) => e.outs[0] === a)}`;
  c.for(
    r,
    (x) => x.i32(0),
    (x) => x.get(0),
    1,
    (row) => {
      byRead("o").forEach(({ x, k }) => load(x, row, () => row.get(ptr(k)).get(r).i32(2).op("i32.shl").op("i32.add")));
      row.for(
        jo,
        (x) => x.i32(0),
        (x) => x.i32(16 * rowVectors),
        16,
        (b) => {
          b.get(fo).i32(2).op("i32.shr_u").set(bo);
          byRead("j").forEach(({ x, k }) => load(x, b, () => b.get(ptr(k)).get(jo).op("i32.add")));
          byRead("i").forEach(({ x, k }) =>
            load(x, b, () =>
              b
                .get(ptr(k))
                .get(x.mask ? bo : fo)
                .op("i32.add"),
            ),
          );
          const lit = (a: Lit) => {
            const l = b.local("v128");
            const v = Number(a.value.item());
            if (a.aval.dtype === "bool") b.i32x4(v ? -1 : 0);
            else b.f32x4(v);
            b.set(l);
            return l;
          };
          const arg = (a: Atom) => (a._tag === "Lit" ? lit(a) : lane.get(a)!);
          for (const [k, e] of eqns.entries()) {
            const v = e.outs[0]!;
            if (isBroadcast(e)) {
              const read = s.broadcastRead(e);
              lane.set(v, inputLane.get(ins.find((x) => x.v === e.inputs[0] && x.read === read)!)!);
              listing.push(`  %${k} = ${name(e.inputs[0]!)} read by ${s.broadcastRead(e)}`);
              continue;
            }
            if (e.prim.emitReduce) {
              const at = outPtr(stored.length + reductions.indexOf(e));
              const acc = b.local("v128");
              b.get(at).get(jo).op("i32.add").simdMem("v128.load").set(acc);
              const sum = e.prim.emitReduce.wasm!(b, [acc, arg(e.inputs[0]!)]);
              b.get(at).get(jo).op("i32.add").get(sum).simdMem("v128.store");
              listing.push(`  %${k} = column ${e.prim.name} ${name(e.inputs[0]!)}`);
              continue;
            }
            const args = e.inputs.map(arg);
            lane.set(v, isScalarBroadcast(e) ? args[0]! : e.prim.emitWasm!(b, args));
            listing.push(`  %${k} = ${isScalarBroadcast(e) ? "splat" : e.prim.name} ${e.inputs.map(name).join(" ")}`);
          }
          stored.forEach((v, j) => {
            if (v.aval.dtype !== "bool") {
              b.get(outPtr(j)).get(fo).op("i32.add").get(lane.get(v)!).simdMem("v128.store");
              return;
            }
            // masks to bytes 0/1: narrow the lanes twice (all bits set stays −1), keep bit 0, store four bytes
            const m = lane.get(v)!;
            b.get(outPtr(j)).get(bo).op("i32.add");
            b.get(m)
              .get(m)
              .simd("i16x8.narrow_i32x4_s")
              .get(m)
              .get(m)
              .simd("i16x8.narrow_i32x4_s")
              .simd("i8x16.narrow_i16x8_s");
            b.i32x4(0x01010101).simd("v128.and").simdLaneMem("v128.store32_lane", 0);
          });
          b.get(fo).i32(16).op("i32.add").set(fo);
        },
      );
    },
  );
  let run: (...a: number[]) => void;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(
      assemble({
        memory: { initial: 1, maximum: w.memorySpec.maxPages, shared: w.memorySpec.shared },
        functions: [{ name: "run", code: c }],
      }),
    );
    run = new WebAssembly.Instance(module, { env: { memory: w.memory } }).exports.run as typeof run;
  } catch {
    return undefined;
  }
  const shape = s.split ? `${s.split.outer} rows × ${s.split.inner}` : `${s.size} elements`;
  const params = [...ins.map((_, k) => `in${k}`), ...outs.map((_, j) => `out${j}`)];
  const source = [
    `// WebAssembly SIMD loop over f32x4 lanes (float32 "fast" mode), ${shape}`,
    `function fused(outer, inner, ${params.join(", ")}) {`,
    ...ins.map(
      (x, k) => `  // in${k}: ${x.mask ? "bool" : "float32"}, read ${x.read === "0" ? "once" : `by ${x.read}`}`,
    ),
    ...listing,
    `  stores ${stored.map(name).join(" ")}${reductions.length ? `; column sums ${reductions.map((e) => name(e.outs[0]!)).join(" ")}` : ""}`,
    "}",
  ].join("\n");
  const layout: Layout = {
    ins,
    outs: outs.map((v) => ({ mask: v.aval.dtype === "bool", column: reductions.some((e) => e.outs[0] === v) })),
    rowVectors,
    rows: s.split?.outer,
    inner: s.split?.inner ?? 4,
  };
  const loop = { run, module, kind: newKind() };
  return {
    ins: ins.map((x) => x.v),
    outs,
    source,
    fn: (outer, inner, ...arrays) => call(w, loop, layout, outer * inner, arrays),
  };
}

interface Layout {
  ins: Input[];
  outs: { mask: boolean; column: boolean }[];
  /** Rows of a split loop (a flat loop: one vector per row, as many as its length needs). */
  rows: number | undefined;
  rowVectors: number;
  /** Elements per row (a flat loop: 4). */
  inner: number;
}

/** Eager execution's WebAssembly loop for one primitive: `run(ins, out)`, worth it from `minSize` elements. */
export interface EagerWasm {
  run: (ins: (Float32Array | Uint8Array)[], out: Float32Array | Uint8Array) => void;
  minSize: number;
}

/**
 * Builds eager execution's WebAssembly loop for one elementwise primitive on float32 lanes (and bool masks), or
 * undefined where it would change results or cannot be built: only operations that round as eager's JS kernels do
 * (not the approximate vectorised functions). Worth it from 256 elements for a select, 4096 for plain arithmetic.
 * Operands are all of the result's size (eager elementwise primitives take broadcast operands).
 */
export function eagerWasmLoop(
  prim: { name: string; emitWasm?: WasmEmit },
  inDtypes: readonly string[],
  outDtype: string,
): EagerWasm | undefined {
  const emit = prim.emitWasm;
  if (!emit || emit.approximate) return undefined;
  const minSize = emit.costly ? 256 : ARITHMETIC_MIN;
  // a one-equation flat loop over stand-in variables (its code does not depend on the length)
  const v = (dtype: string) => ({ _tag: "Var", aval: { dtype, size: minSize, shape: [minSize] } }) as unknown as Var;
  const eqn: Eqn = { prim: prim as Eqn["prim"], inputs: inDtypes.map(v), params: {}, outs: [v(outDtype)] };
  const spec: LoopSpec = {
    eqns: [eqn],
    size: minSize,
    split: undefined,
    broadcastRead: () => "i",
    column: () => false,
    later: () => true,
  };
  const loop = wasmFusible(spec) ? wasmLoop(spec) : undefined;
  return loop && { run: (ins, out) => loop.fn(1, out.length, ...ins, out), minSize };
}

/** Rows per thread below which a loop stays on the calling thread (waking a worker costs more). */
const MIN_VECTORS = 8192;

const align16 = (n: number) => (n + 15) & ~15;

/**
 * Copies the inputs in, runs the loop (split over threads by rows when long and no column sum runs across them),
 * copies the outputs out.
 */
function call(
  w: WasmKernels,
  loop: { run: (...a: number[]) => void; module: WebAssembly.Module; kind: number },
  layout: Layout,
  size: number,
  arrays: (Float32Array | Uint8Array)[],
): void {
  const l = { ...layout, rows: layout.rows ?? Math.ceil(size / 4) };
  const padded = l.rows * l.inner;
  // byte size of each region: whole arrays padded to whole vectors, j-read ones a row, o-read ones a value per row
  const bytes = (read: Read, mask: boolean) =>
    align16(read === "i" ? (mask ? padded : 4 * padded) : read === "j" ? 4 * l.inner : read === "o" ? 4 * l.rows : 4);
  const at: number[] = [];
  let end = 0;
  l.ins.forEach((x) => (at.push(end), (end += bytes(x.read, x.mask))));
  l.outs.forEach((o) => (at.push(end), (end += o.column ? align16(4 * l.inner) : bytes("i", o.mask))));
  const { f32, u8 } = memoryViews(w, end);
  l.ins.forEach((x, k) => {
    const a = arrays[k]!;
    if (x.read === "0") {
      if (x.mask) u8[at[k]!] = a[0]!;
      else f32[at[k]! >> 2] = a[0]!;
    } else if (x.mask) u8.set(a, at[k]!);
    else f32.set(a, at[k]! >> 2);
  });
  const nIn = l.ins.length;
  const args = (start: number, count: number) => {
    const a = [count];
    l.ins.forEach((x, k) =>
      a.push(at[k]! + (x.read === "i" ? (x.mask ? 1 : 4) * start * l.inner : x.read === "o" ? 4 * start : 0)),
    );
    l.outs.forEach((o, j) => a.push(at[nIn + j]! + (o.column ? 0 : (o.mask ? 1 : 4) * start * l.inner)));
    return a;
  };
  const columns = l.outs.some((o) => o.column);
  splitWork(
    w,
    l.rows,
    columns ? Infinity : Math.ceil(MIN_VECTORS / l.rowVectors),
    loop.kind,
    loop.module,
    loop.run,
    args,
  );
  l.outs.forEach((o, j) => {
    const b = at[nIn + j]!;
    const n = o.column ? l.inner : size;
    const dst = arrays[nIn + j]!;
    if (o.mask) dst.set(u8.subarray(b, b + n));
    else dst.set(f32.subarray(b >> 2, (b >> 2) + n));
  });
}
