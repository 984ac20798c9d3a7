// jit's WebAssembly SIMD loops: a fused run of float32 elementwise equations (with bool lane masks for comparisons
// and selects), its broadcasts and its column sums, compiled to one wasm function over f32x4 lanes. Inputs are
// copied into the kernels' memory, the loop runs, outputs are copied out; so inputs and outputs may share buffers.
// Used in float32 "fast" mode where every equation has a WebAssembly rule and the loop gains from it.
import type { Atom, Eqn, Lit, Var } from "../ir/jaxpr.js";
import { assemble, Code } from "../lowering/encode.js";
import { inMemory, memoryViews, newKind, scratchBase, splitWork, type WasmKernels, wasmKernels } from "./runtime.js";

/** The fewest elements for which a loop with a costly operation (a function, a select) pays for the copies. */
export const SIMD_MIN_ELEMENTS = 256;
/** Below this many elements a loop of plain arithmetic stays in JS: the copies and the call cost more than it saves. */
export const SIMD_MIN_ARITHMETIC = 4096;
/** Rows per thread below which a loop stays on the calling thread (waking a worker costs more). */
const MIN_VECTORS_PER_THREAD = 8192;

/** What the fused-loop builder needs: the same calling convention as its generated JS loops. */
export interface WasmLoop {
  ins: Var[];
  outs: Var[];
  source: string;
  fn: (outer: number, inner: number, ...arrays: (Float32Array | Uint8Array)[]) => void;
}

/** How a loop reads an operand: by flat index (i), by inner position (j), by outer index (o), or once (0). */
export type Read = "i" | "j" | "o" | "0";

/** A fused run as the loop builders see it (compile/fusion.ts makes it). */
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
export const isScalarBroadcast = (e: Eqn) => e.prim.lowering?.broadcast !== undefined && e.inputs[0]!.aval.size === 1;
const isBroadcast = (e: Eqn) => e.prim.lowering?.broadcast !== undefined && !isScalarBroadcast(e);
const dtypeIs = (a: Atom, mask: boolean) => a.aval.dtype === (mask ? "bool" : "float32");

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
    const reduce = e.prim.lowering?.reduce;
    if (reduce) return reduce.wasm !== undefined && s.column(e) && dtypeIs(x!, false);
    const w = e.prim.lowering?.wasm;
    return (
      w !== undefined &&
      dtypeIs(e.outs[0]!, w.masks?.out === true) &&
      e.inputs.every((a, k) => dtypeIs(a, w.masks?.in?.includes(k) === true))
    );
  });
  return ok && (s.size >= SIMD_MIN_ARITHMETIC || s.eqns.some((e) => e.prim.lowering?.wasm?.costly));
}

/** The loop for a run wasmFusible accepts, or undefined where WebAssembly SIMD is unavailable. */
export function wasmLoop(s: LoopSpec): WasmLoop | undefined {
  const w = wasmKernels();
  if (!w) return undefined;
  const io = loopIO(s);
  const { code, listing } = emitFunction(s, io);
  const run = instantiateLoop(w, code);
  if (!run) return undefined;
  const layout: Layout = {
    ins: io.ins,
    outs: io.outs.map((v) => ({ mask: v.aval.dtype === "bool", column: io.sums.includes(v) })),
    rowVectors: io.rowVectors,
    rows: s.split?.outer,
    inner: s.split?.inner ?? 4,
  };
  const loop = { ...run, kind: newKind() };
  return {
    ins: io.ins.map((x) => x.v),
    outs: io.outs,
    source: loopSource(s, io, listing),
    fn: (outer, inner, ...arrays) => call(w, loop, layout, outer * inner, arrays),
  };
}

interface Input {
  v: Var;
  read: Read;
  mask: boolean;
}

/** Step 1: what the loop reads (each operand once per way it is read) and writes (stored values, then column sums). */
interface LoopIO {
  ins: Input[];
  stored: Var[];
  sums: Var[];
  outs: Var[];
  /** f32x4 vectors per row (a flat loop is rows of one vector). */
  rowVectors: number;
}

function loopIO(s: LoopSpec): LoopIO {
  const produced = new Set(s.eqns.map((e) => e.outs[0]!));
  const ins: Input[] = [];
  const need = (v: Var, read: Read) => {
    if (!ins.some((x) => x.v === v && x.read === read)) ins.push({ v, read, mask: v.aval.dtype === "bool" });
  };
  for (const e of s.eqns) {
    if (isBroadcast(e)) need(e.inputs[0] as Var, s.broadcastRead(e));
    else for (const a of e.inputs) if (a._tag === "Var" && !produced.has(a)) need(a, a.aval.size === 1 ? "0" : "i");
  }
  const stored = s.eqns
    .filter((e) => !e.prim.lowering?.reduce)
    .map((e) => e.outs[0]!)
    .filter(s.later);
  const sums = s.eqns.filter((e) => e.prim.lowering?.reduce).map((e) => e.outs[0]!);
  return { ins, stored, sums, outs: [...stored, ...sums], rowVectors: s.split ? s.split.inner / 4 : 1 };
}

/**
 * Step 2: the function run(rows, ptr… (inputs, then outputs)), its arguments byte addresses already offset to the
 * first row (so threads can be handed a share of the rows). Size-1 inputs are read once, o-read ones per row, j-read
 * ones per vector of a row, i-read ones per vector; then each equation's lanes, then the stores. Also a listing of
 * the equations for the loop's source text.
 */
function emitFunction(s: LoopSpec, io: LoopIO): { code: Code; listing: string[] } {
  const f = new LoopFunction(s, io);
  f.read("0");
  f.zeroColumnSums();
  f.overRows(() => {
    f.read("o");
    f.overRow(() => {
      f.startVector();
      f.read("j");
      f.read("i");
      s.eqns.forEach((e, k) => f.equation(e, k));
      f.store();
    });
  });
  return { code: f.code, listing: f.listing };
}

/** The function being emitted: its locals, the lanes each value is in, and the listing so far. */
class LoopFunction {
  readonly code: Code;
  readonly listing: string[] = [];
  /** Locals: the row; the byte offset within a row (j); the byte offset over all of a float (i) and of a bool (i/4). */
  private readonly row: number;
  private readonly jo: number;
  private readonly fo: number;
  private readonly bo: number;
  /** Lanes of values, and of inputs as each read gives them (one vector may be read both by o and by j). */
  private readonly lane = new Map<Var, number>();
  private readonly inputLane = new Map<Input, number>();

  constructor(
    private readonly s: LoopSpec,
    private readonly io: LoopIO,
  ) {
    const c = (this.code = new Code([
      "i32",
      ...Array.from({ length: io.ins.length + io.outs.length }, () => "i32" as const),
    ]));
    [this.row, this.jo, this.fo, this.bo] = [c.local("i32"), c.local("i32"), c.local("i32"), c.local("i32")];
  }

  private ptr = (k: number) => 1 + k;
  private outPtr = (j: number) => 1 + this.io.ins.length + j;

  /** Loads the inputs read this way, each from its address: once, at the row, at j, at i. */
  read(how: Read): void {
    const { code: c, row, jo, fo, bo } = this;
    this.io.ins.forEach((x, k) => {
      if (x.read !== how) return;
      const address = {
        "0": () => c.get(this.ptr(k)),
        o: () => c.get(this.ptr(k)).get(row).i32(2).op("i32.shl").op("i32.add"),
        j: () => c.get(this.ptr(k)).get(jo).op("i32.add"),
        i: () =>
          c
            .get(this.ptr(k))
            .get(x.mask ? bo : fo)
            .op("i32.add"),
      }[how];
      const l = loadLanes(c, x, address);
      this.inputLane.set(x, l);
      if (how === "0" || how === "i") this.lane.set(x.v, l);
    });
  }

  /** At each vector: the bool byte offset, i / 4. */
  startVector(): void {
    this.code.get(this.fo).i32(2).op("i32.shr_u").set(this.bo);
  }

  /** Column sums start at zero. */
  zeroColumnSums(): void {
    const zero = this.code.local("v128");
    this.code.f32x4(0).set(zero);
    this.io.sums.forEach((_, q) =>
      this.overRow(() =>
        this.code
          .get(this.outPtr(this.io.stored.length + q))
          .get(this.jo)
          .op("i32.add")
          .get(zero)
          .simdMem("v128.store"),
      ),
    );
    this.code.i32(0).set(this.fo);
  }

  /** `body` for each row (the function's first argument counts them). */
  overRows(body: () => void): void {
    this.code.for(
      this.row,
      (x) => x.i32(0),
      (x) => x.get(0),
      1,
      body,
    );
  }

  /** `body` for each vector of a row. */
  overRow(body: () => void): void {
    this.code.for(
      this.jo,
      (x) => x.i32(0),
      (x) => x.i32(16 * this.io.rowVectors),
      16,
      body,
    );
  }

  /** Equation k's lanes: a broadcast's operand as read, a column sum's accumulators stepped, or the operation. */
  equation(e: Eqn, k: number): void {
    const { code: c, s, io, jo } = this;
    const v = e.outs[0]!;
    const reduce = e.prim.lowering?.reduce;
    if (isBroadcast(e)) {
      const read = s.broadcastRead(e);
      this.lane.set(v, this.inputLane.get(io.ins.find((x) => x.v === e.inputs[0] && x.read === read)!)!);
      this.listing.push(`  %${k} = ${this.name(e.inputs[0]!)} read by ${read}`);
    } else if (reduce) {
      const at = this.outPtr(io.stored.length + io.sums.indexOf(v));
      const acc = c.local("v128");
      c.get(at).get(jo).op("i32.add").simdMem("v128.load").set(acc);
      const sum = reduce.wasm!(c, [acc, this.arg(e.inputs[0]!)]);
      c.get(at).get(jo).op("i32.add").get(sum).simdMem("v128.store");
      this.listing.push(`  %${k} = column ${e.prim.name} ${this.name(e.inputs[0]!)}`);
    } else {
      const args = e.inputs.map((a) => this.arg(a));
      this.lane.set(v, isScalarBroadcast(e) ? args[0]! : e.prim.lowering!.wasm!(c, args, e.params));
      const op = isScalarBroadcast(e) ? "splat" : e.prim.name;
      this.listing.push(`  %${k} = ${op} ${e.inputs.map((a) => this.name(a)).join(" ")}`);
    }
  }

  /** Stores the values read after the loop, then moves i on by one vector. */
  store(): void {
    const { code: c, fo, bo } = this;
    this.io.stored.forEach((v, j) => {
      const mask = v.aval.dtype === "bool";
      storeLanes(c, this.lane.get(v)!, mask, () =>
        c
          .get(this.outPtr(j))
          .get(mask ? bo : fo)
          .op("i32.add"),
      );
    });
    c.get(fo).i32(16).op("i32.add").set(fo);
  }

  private arg(a: Atom): number {
    return a._tag === "Lit" ? literalLanes(this.code, a) : this.lane.get(a)!;
  }

  private name(a: Atom): string {
    if (a._tag === "Lit") return String(a.value.item());
    const k = this.io.ins.findIndex((x) => x.v === a);
    return k >= 0 ? `%in${k}` : `%${this.s.eqns.findIndex((e) => e.outs[0] === a)}`;
  }
}

/**
 * Loads an input's lanes from the address `address` pushes: float32 as they are; bool bytes as masks (all bits set).
 */
function loadLanes(c: Code, x: Input, address: () => void): number {
  const l = c.local("v128");
  address();
  if (x.read === "0" || x.read === "o") {
    if (x.mask) c.mem("i32.load8_u").i32(0).op("i32.ne").i32(-1).op("i32.mul").simd("i32x4.splat");
    else c.mem("f32.load").simd("f32x4.splat");
  } else if (x.mask) {
    c.simdMem("v128.load32_zero")
      .simd("i16x8.extend_low_i8x16_u")
      .simd("i32x4.extend_low_i16x8_u")
      .i32x4(0)
      .simd("i32x4.eq")
      .simd("v128.not");
  } else c.simdMem("v128.load");
  c.set(l);
  return l;
}

/** A literal's lanes: float32, or a bool mask. */
function literalLanes(c: Code, a: Lit): number {
  const l = c.local("v128");
  const v = Number(a.value.item());
  if (a.aval.dtype === "bool") c.i32x4(v ? -1 : 0);
  else c.f32x4(v);
  c.set(l);
  return l;
}

/** Stores lanes at the address `address` pushes: float32 as they are; masks as bytes 0/1. */
function storeLanes(c: Code, l: number, mask: boolean, address: () => void): void {
  address();
  if (!mask) {
    c.get(l).simdMem("v128.store");
    return;
  }
  // masks to bytes 0/1: narrow the lanes twice (all bits set stays −1), keep bit 0, store four bytes
  c.get(l).get(l).simd("i16x8.narrow_i32x4_s").get(l).get(l).simd("i16x8.narrow_i32x4_s").simd("i8x16.narrow_i16x8_s");
  c.i32x4(0x01010101).simd("v128.and").simdLaneMem("v128.store32_lane", 0);
}

/** Step 3: the module over the kernels' memory and its `run`, or undefined where it does not validate. */
function instantiateLoop(
  w: WasmKernels,
  code: Code,
): { run: (...a: number[]) => void; module: WebAssembly.Module } | undefined {
  try {
    const module = new WebAssembly.Module(
      assemble({
        memory: { initial: 1, maximum: w.memorySpec.maxPages, shared: w.memorySpec.shared },
        functions: [{ name: "run", code }],
      }),
    );
    const run = new WebAssembly.Instance(module, { env: { memory: w.memory } }).exports.run as (...a: number[]) => void;
    return { run, module };
  } catch {
    return undefined;
  }
}

/** Step 4: the loop's text for `lower().source`: its inputs and how each is read, its equations and its stores. */
function loopSource(s: LoopSpec, io: LoopIO, listing: string[]): string {
  const shape = s.split ? `${s.split.outer} rows × ${s.split.inner}` : `${s.size} elements`;
  const params = [...io.ins.map((_, k) => `in${k}`), ...io.outs.map((_, j) => `out${j}`)];
  const name = (v: Var) => `%${s.eqns.findIndex((e) => e.outs[0] === v)}`;
  const sums = io.sums.length ? `; column sums ${io.sums.map(name).join(" ")}` : "";
  const stores = `  stores ${io.stored.map(name).join(" ")}${sums}`;
  return [
    `// WebAssembly SIMD loop over f32x4 lanes (float32 "fast" mode), ${shape}`,
    `function fused(outer, inner, ${params.join(", ")}) {`,
    ...io.ins.map(
      (x, k) => `  // in${k}: ${x.mask ? "bool" : "float32"}, read ${x.read === "0" ? "once" : `by ${x.read}`}`,
    ),
    ...listing,
    stores,
    "}",
  ].join("\n");
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

const align16 = (n: number) => (n + 15) & ~15;

/**
 * Step 5, each call: copies the inputs in (unless they are in the kernels' memory), runs the loop (split over threads
 * by rows when long and no column sum runs across them), copies the outputs out (likewise).
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
  // an array already in the kernels' memory (a jit arena's) is used where it is: a whole input, or an output exactly
  // as long as the loop writes (no padding past it)
  const direct = (a: Float32Array | Uint8Array, whole: boolean) => whole && inMemory(w, a);
  const at: number[] = [];
  const copyIn: boolean[] = [];
  let end = scratchBase();
  l.ins.forEach((x, k) => {
    const a = arrays[k]!;
    const d = direct(a, x.read === "i");
    copyIn.push(!d);
    at.push(d ? a.byteOffset : end);
    if (!d) end += bytes(x.read, x.mask);
  });
  const copyOut: boolean[] = [];
  l.outs.forEach((o, j) => {
    const a = arrays[l.ins.length + j]!;
    const n = o.column ? align16(4 * l.inner) : bytes("i", o.mask);
    const d = direct(a, !o.column) && a.byteLength === (o.mask ? padded : 4 * padded);
    copyOut.push(!d);
    at.push(d ? a.byteOffset : end);
    if (!d) end += n;
  });
  const { f32, u8 } = memoryViews(w, end + 64);
  l.ins.forEach((x, k) => {
    const a = arrays[k]!;
    if (!copyIn[k]) return;
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
    columns ? Infinity : Math.ceil(MIN_VECTORS_PER_THREAD / l.rowVectors),
    loop.kind,
    loop.module,
    loop.run,
    args,
  );
  l.outs.forEach((o, j) => {
    if (!copyOut[j]) return;
    const b = at[nIn + j]!;
    const n = o.column ? l.inner : size;
    const dst = arrays[nIn + j]!;
    if (o.mask) dst.set(u8.subarray(b, b + n));
    else dst.set(f32.subarray(b >> 2, (b >> 2) + n));
  });
}
