// Executables for jit: a jaxpr optimised, split into fused loops and kernel calls, and linked into one generated
// function over local variables. Buffers of intermediate values are planned when linking: values that stay inside
// a call live in an arena kept across calls, and a buffer whose value is dead is reused by a later fused loop;
// results always get fresh arrays (they escape to the caller).
import type { ShapedArray } from "../core/aval.js";
import { type DType, type TypedArray, allocate, allocateFilledLater } from "../core/dtype.js";
import type { Primitive } from "../core/primitive.js";
import { Tensor } from "../core/tensor.js";
import { evalJaxpr } from "../ir/eval.js";
import type { Atom, ClosedJaxpr, Eqn, Var } from "../ir/jaxpr.js";
import { type Program, optimize } from "../ir/passes/index.js";
import { compileFn } from "./codegen.js";
import { type Float32Mode, type FusedGroup, fuse, fusionRuns } from "./fuse.js";

export type Executable = (args: readonly Tensor[]) => Tensor[];
export type { Float32Mode } from "./fuse.js";

interface Linked {
  run: Executable;
  source: string;
}
interface Compiled {
  program: Program;
  linked: Partial<Record<Float32Mode, Linked>>;
}
const cache = new WeakMap<ClosedJaxpr, Compiled>();

function compiled(closed: ClosedJaxpr): Compiled {
  let c = cache.get(closed);
  if (!c) {
    c = { program: optimize({ jaxpr: closed.jaxpr, consts: closed.consts }), linked: {} };
    cache.set(closed, c);
  }
  return c;
}
function linked(closed: ClosedJaxpr, mode: Float32Mode): Linked {
  const c = compiled(closed);
  return (c.linked[mode] ??= link(c.program, mode));
}

/** The optimised program of a closed jaxpr (computed once per jaxpr). */
export const optimized = (closed: ClosedJaxpr): Program => compiled(closed).program;
/** The executable of a closed jaxpr (compiled once per jaxpr and float32 mode). */
export const executable = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): Executable => linked(closed, mode).run;
/** The generated source of a closed jaxpr's executable: its fused loops and the function that calls them. */
export const compiledSource = (closed: ClosedJaxpr, mode: Float32Mode = "fast"): string => linked(closed, mode).source;

/** Buffers of a call's values that stay inside it, kept for the next call; `free` while no call holds them. */
interface Arena {
  free: TypedArray[] | undefined;
  make(): TypedArray[];
}

function link(program: Program, mode: Float32Mode): Linked {
  const { jaxpr, consts } = program;
  const interpreted: Linked = {
    run: (args) => evalJaxpr(jaxpr, consts, [...args]),
    source: "// interpreted: code generation is unavailable here",
  };

  // the steps, in order: a kernel call per equation, or a fused loop per run
  type Step = { eqn: Eqn } | { group: FusedGroup };
  const items = fusionRuns(jaxpr);
  const lastUse = new Map<Var, number>();
  const readers = (it: Eqn | { eqns: Eqn[] }) => ("eqns" in it ? it.eqns : [it]).flatMap((e) => e.inputs);
  items.forEach((it, k) => readers(it).forEach((a) => a._tag === "Var" && lastUse.set(a, k)));
  jaxpr.outs.forEach((a) => a._tag === "Var" && lastUse.set(a, Infinity));
  const steps: Step[] = [];
  for (const [k, it] of items.entries()) {
    if (!("eqns" in it)) {
      steps.push({ eqn: it });
      continue;
    }
    const group = fuse(it, (v) => (lastUse.get(v) ?? -1) > k, mode);
    if (!group) return interpreted;
    steps.push({ group });
  }

  // a fused loop's buffer can be reused once its value is dead, if only fused loops read it (a kernel's result
  // may alias its input's data, e.g. reshape) and the caller does not get it
  const kernelRead = new Set<Var>();
  steps.forEach((s) => "eqn" in s && s.eqn.inputs.forEach((a) => a._tag === "Var" && kernelRead.add(a)));
  const returned = new Set(jaxpr.outs.filter((a): a is Var => a._tag === "Var"));
  const pinned = new Set<Var>();
  const recyclable = (v: Var) => !kernelRead.has(v) && !returned.has(v) && !pinned.has(v);

  const ids = new Map<Var, number>();
  const id = (v: Var) => ids.get(v) ?? (ids.set(v, ids.size), ids.size - 1);
  const K: ((ins: Tensor[], outs?: TypedArray[]) => Tensor[] | void)[] = [];
  const F: FusedGroup["fn"][] = [];
  const L: Tensor[] = [];
  const AV: ShapedArray[] = [];
  const lines: string[] = [];
  const hasTensor = new Set<Var>();
  const hasData = new Set<Var>();
  const tensorOf = (a: Atom): string => {
    if (a._tag === "Lit") return `L[${L.push(a.value) - 1}]`;
    if (!hasTensor.has(a)) {
      lines.push(`const v${id(a)} = new T(AV[${AV.push(a.aval) - 1}], d${id(a)});`);
      hasTensor.add(a);
    }
    return `v${id(a)}`;
  };
  const dataOf = (v: Var): string => {
    if (!hasData.has(v)) {
      lines.push(`const d${id(v)} = v${id(v)}._data;`);
      hasData.add(v);
    }
    return `d${id(v)}`;
  };
  jaxpr.constvars.forEach((v, i) => (lines.push(`const v${id(v)} = C[${i}];`), hasTensor.add(v)));
  jaxpr.invars.forEach((v, i) => (lines.push(`const v${id(v)} = A[${i}];`), hasTensor.add(v)));

  // Buffers of values that never leave the call (recyclable: no kernel reads them, the caller does not get them)
  // come from an arena kept across calls: allocating fresh ones costs page faults and zeroing on every call. A call
  // takes the arena and gives it back when done, so a call made while another is running gets a fresh arena.
  const arena: { dtype: DType; size: number }[] = [];
  const arenaSlot = (v: Var) => `P[${arena.push({ dtype: v.aval.dtype, size: v.aval.size }) - 1}]`;
  /** Arena buffers of dead values, by dtype and size, free for the next fused loop. */
  const free = new Map<string, string[]>();
  const bufKey = (v: Var) => `${v.aval.dtype}:${v.aval.size}`;
  steps.forEach((s, k) => {
    if ("eqn" in s && s.eqn.prim.name === "reshape" && s.eqn.inputs[0]!._tag === "Var") {
      // row-major data is the same in any shape: a view, whose buffer is never reused (it is shared)
      const v = s.eqn.outs[0]!;
      lines.push(`const d${id(v)} = ${dataOf(s.eqn.inputs[0])}; // reshape`);
      hasData.add(v);
      pinned.add(v);
      return;
    }
    if ("eqn" in s) {
      const e = s.eqn;
      const avals = e.outs.map((v) => v.aval);
      const impl = e.prim.impl as Primitive<unknown>["impl"];
      const params = e.params;
      const into = e.prim.implInto as Primitive<unknown>["implInto"];
      if (into && e.outs.every(recyclable)) {
        // results only fused loops read: the kernel writes them into arena buffers
        const dests = e.outs.map((v) => {
          lines.push(`const d${id(v)} = ${arenaSlot(v)};`);
          hasData.add(v);
          return `d${id(v)}`;
        });
        lines.push(
          `K[${K.push((ins, outs) => into(ins, params, avals, outs!)) - 1}]([${e.inputs.map(tensorOf).join(", ")}], [${dests.join(", ")}]); // ${e.prim.name}`,
        );
        return;
      }
      lines.push(
        `const r${k} = K[${K.push((ins) => impl(ins, params, avals)) - 1}]([${e.inputs.map(tensorOf).join(", ")}]); // ${e.prim.name}`,
      );
      e.outs.forEach((v, j) => (lines.push(`const v${id(v)} = r${k}[${j}];`), hasTensor.add(v)));
      return;
    }
    const g = s.group;
    const ins = g.ins.map(dataOf);
    // inputs dead after this loop give their buffers to its outputs: every element is read before it is written
    const alloc = (v: Var) => {
      // fused loops write every element of their outputs: a fresh one need not be zeroed
      const buffer = recyclable(v)
        ? (free.get(bufKey(v))?.pop() ?? arenaSlot(v))
        : `N("${v.aval.dtype}", ${v.aval.size})`;
      lines.push(`const d${id(v)} = ${buffer};`);
      hasData.add(v);
    };
    // outputs written all loop long take no buffer of this loop's inputs: they are allocated first
    g.outs.forEach((v, j) => !g.outInPlace[j] && alloc(v));
    const unsafe = new Set(g.ins.filter((_, j) => !g.inPlace[j]));
    for (const v of new Set(g.ins)) {
      // (an arena buffer, so it goes only to a value that stays in the call too)
      if (lastUse.get(v) === k && !unsafe.has(v) && !hasTensor.has(v) && recyclable(v)) {
        const key = bufKey(v);
        free.set(key, [...(free.get(key) ?? []), `d${id(v)}`]);
      }
    }
    g.outs.forEach((v, j) => g.outInPlace[j] && alloc(v));
    const outs = g.outs.map((v) => `d${id(v)}`);
    lines.push(`F[${F.push(g.fn) - 1}](${[g.outer, g.inner, ...ins, ...outs].join(", ")});`);
  });
  const result = `return [${jaxpr.outs.map(tensorOf).join(", ")}];`;
  if (arena.length) {
    lines.unshift("const P = Z.free ?? Z.make();", "Z.free = undefined;");
    lines.push("Z.free = P;");
  }
  lines.push(result);

  const body = `return function run(A) {\n  ${lines.join("\n  ")}\n};`;
  const make = compileFn<
    (
      T: typeof Tensor,
      AV: ShapedArray[],
      C: Tensor[],
      L: Tensor[],
      K: unknown[],
      F: unknown[],
      Z: Arena,
      N: typeof allocateFilledLater,
    ) => Executable
  >(["T", "AV", "C", "L", "K", "F", "Z", "N"], body);
  if (!make) return interpreted;
  const Z: Arena = { free: undefined, make: () => arena.map(({ dtype, size }) => allocate(dtype, size)) };
  const fusedSources = steps
    .flatMap((s) => ("group" in s ? [s.group.source] : []))
    .map((src, j) => src.replace("function fused(", `function F${j}(`));
  return {
    run: make(Tensor, AV, [...consts], L, K, F, Z, allocateFilledLater),
    source: [...fusedSources, `function run(A) {\n  ${lines.join("\n  ")}\n}`].join("\n\n"),
  };
}
