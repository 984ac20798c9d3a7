// jit's WebAssembly SIMD loops: a fused run of float32 elementwise equations (flat, no reductions) compiled to one
// wasm function over f32x4 lanes. Inputs are copied into the kernels' memory (padded to whole vectors), the loop
// runs, outputs are copied out. Used in float32 "fast" mode where every equation has an emitWasm rule.
import type { Atom, Eqn, Var } from "../ir/jaxpr.js";
import { Code, assemble } from "./encode.js";
import { type WasmKernels, heap, newKind, splitWork, wasmKernels } from "./runtime.js";

/** What the fused-loop builder needs: the same calling convention as its generated JS loops. */
export interface WasmLoop {
  ins: Var[];
  outs: Var[];
  source: string;
  fn: (outer: number, inner: number, ...arrays: Float32Array[]) => void;
}

/** A broadcast of one value: inside a loop it is that value (fusion and these loops both treat it so). */
export const isScalarBroadcast = (e: Eqn) => e.prim.name === "broadcast_in_dim" && e.inputs[0]!.aval.size === 1;
const f32 = (a: Atom) => a.aval.dtype === "float32";

/**
 * Whether one wasm loop can compute these equations (all float32, each a scalar broadcast or with an emitWasm rule)
 * and gains from it: arithmetic alone runs as fast in JS as copying its operands into WebAssembly memory.
 */
export function wasmFusible(eqns: readonly Eqn[]): boolean {
  return eqns.some((e) => e.prim.emitWasm?.costly) && eqns.every((e) => e.outs.length === 1 && f32(e.outs[0]!) && e.inputs.every(f32) && (isScalarBroadcast(e) || e.prim.emitWasm !== undefined));
}

/** The loop for `eqns` storing the values `later` needs, or undefined where WebAssembly SIMD is unavailable. */
export function wasmLoop(eqns: readonly Eqn[], later: (v: Var) => boolean): WasmLoop | undefined {
  const w = wasmKernels();
  if (!w) return undefined;
  const full: Var[] = [];
  const scalars: Var[] = [];
  for (const e of eqns) {
    for (const a of e.inputs) {
      if (a._tag !== "Var" || eqns.some((p) => p.outs[0] === a) || full.includes(a) || scalars.includes(a)) continue;
      (a.aval.size === 1 ? scalars : full).push(a);
    }
  }
  const outs = eqns.map((e) => e.outs[0]!).filter(later);
  // run(nVec, inPtr…, scalarsPtr, outPtr…): byte addresses (all i32, so worker threads can be handed them), nVec
  // whole f32x4 vectors; the size-1 inputs are read from scalarsPtr
  const c = new Code(["i32", ...full.map(() => "i32" as const), "i32", ...outs.map(() => "i32" as const)]);
  const inPtr = (k: number) => 1 + k;
  const scalarsPtr = 1 + full.length;
  const outPtr = (j: number) => 2 + full.length + j;
  const i = c.local("i32");
  const off = c.local("i32");
  const splat = new Map<Var, number>();
  scalars.forEach((v, k) => {
    const l = c.local("v128");
    c.get(scalarsPtr).mem("f32.load", 4 * k).simd("f32x4.splat").set(l);
    splat.set(v, l);
  });
  const listing: string[] = [];
  c.for(i, (x) => x.i32(0), (x) => x.get(0), 1, (body) => {
    body.get(i).i32(4).op("i32.shl").set(off);
    const local = new Map<Var, number>(splat);
    full.forEach((v, k) => {
      const l = body.local("v128");
      body.get(inPtr(k)).get(off).op("i32.add").simdMem("v128.load").set(l);
      local.set(v, l);
    });
    const name = (a: Atom) => (a._tag === "Lit" ? String(a.value.item()) : `%${[...full, ...scalars].indexOf(a) >= 0 ? `in${[...full, ...scalars].indexOf(a)}` : eqns.findIndex((e) => e.outs[0] === a)}`);
    for (const [k, e] of eqns.entries()) {
      const args = e.inputs.map((a) => {
        if (a._tag === "Var") return local.get(a)!;
        const l = body.local("v128");
        body.f32x4(Number(a.value.item())).set(l);
        return l;
      });
      local.set(e.outs[0]!, isScalarBroadcast(e) ? args[0]! : e.prim.emitWasm!(body, args));
      listing.push(`  %${k} = ${isScalarBroadcast(e) ? "splat" : e.prim.name} ${e.inputs.map(name).join(" ")}`);
    }
    outs.forEach((v, j) => body.get(outPtr(j)).get(off).op("i32.add").get(local.get(v)!).simdMem("v128.store"));
  });
  let run: (...a: number[]) => void;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(assemble({ memory: { initial: 1, maximum: w.memorySpec.maxPages, shared: w.memorySpec.shared }, functions: [{ name: "run", code: c }] }));
    run = new WebAssembly.Instance(module, { env: { memory: w.memory } }).exports.run as typeof run;
  } catch {
    return undefined;
  }
  const kind = newKind();
  const source = `// WebAssembly SIMD loop over f32x4 lanes (float32 "fast" mode)\nfunction fused(outer, inner, ${[...full, ...scalars].map((_, k) => `in${k}`).join(", ")}${outs.length ? ", " : ""}${outs.map((_, j) => `out${j}`).join(", ")}) {\n${listing.join("\n")}\n  stores ${outs.map((v) => `%${eqns.findIndex((e) => e.outs[0] === v)}`).join(" ")}\n}`;
  return { ins: [...full, ...scalars], outs, source, fn: (_outer, n, ...arrays) => call(w, { run, module, kind }, n, full.length, scalars.length, outs.length, arrays) };
}

/** Vectors per thread below which a loop stays on the calling thread (waking a worker costs more). */
const MIN_VECTORS = 8192;

/** Copies the inputs in, runs the loop over ⌈n/4⌉ vectors (split over threads when long), copies the outputs out. */
function call(w: WasmKernels, loop: { run: (...a: number[]) => void; module: WebAssembly.Module; kind: number }, n: number, nFull: number, nScalar: number, nOut: number, arrays: Float32Array[]): void {
  const padded = (n + 3) & ~3;
  const scalars = padded * (nFull + nOut);
  const f = heap(w, scalars + nScalar);
  for (let k = 0; k < nFull; k++) f.set(arrays[k]!, k * padded);
  for (let k = 0; k < nScalar; k++) f[scalars + k] = arrays[nFull + k]![0]!;
  const args = (start: number, count: number) => {
    const a = [count];
    for (let k = 0; k < nFull; k++) a.push(4 * k * padded + 16 * start);
    a.push(4 * scalars);
    for (let j = 0; j < nOut; j++) a.push(4 * (nFull + j) * padded + 16 * start);
    return a;
  };
  splitWork(w, padded >> 2, MIN_VECTORS, loop.kind, loop.module, loop.run, args);
  for (let j = 0; j < nOut; j++) {
    const o = (nFull + j) * padded;
    arrays[nFull + nScalar + j]!.set(f.subarray(o, o + n));
  }
}
