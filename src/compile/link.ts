// Linking: a scheduled, buffer-planned program becomes one generated function over local variables, which calls the
// fused loops directly and pre-resolved kernels for everything else. The source names values vN (tensors) and dN
// (their data); its free variables are the arrays of `RunSource.scope`.
import type { ShapedArray } from "../core/aval.js";
import { allocate, allocateFilledLater, BYTES, type DType, type TypedArray, viewOf } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import type { Atom, BodyCompiler, Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import { holdArena, releaseArena } from "../wasm/runtime.js";
import { compileRefusedOnce } from "./codegen.js";
import type { FusedGroup } from "./fusion.js";
import type { BufferPlan, Placement, Schedule } from "./plan.js";

export type Executable = (args: readonly Tensor[]) => Tensor[];
/** A program writing its results into the caller's buffers, given its inputs' data (loop bodies: no allocation). */
export type IntoExecutable = (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;

/** The executable and its source (the fused loops, then the function that calls them); undefined without codegen. */
export function link(
  jaxpr: Jaxpr,
  consts: readonly Tensor[],
  schedule: Schedule,
  plan: BufferPlan,
  compiler: BodyCompiler,
): { run: Executable; source: string } | undefined {
  return linkAs<Executable>(jaxpr, consts, schedule, plan, compiler, false);
}

/** As `link`, for a program taking its inputs as data and writing its outputs into buffers it is given. */
export function linkInto(
  jaxpr: Jaxpr,
  consts: readonly Tensor[],
  schedule: Schedule,
  plan: BufferPlan,
  compiler: BodyCompiler,
): { run: IntoExecutable; source: string } | undefined {
  return linkAs<IntoExecutable>(jaxpr, consts, schedule, plan, compiler, true);
}

function linkAs<F>(
  jaxpr: Jaxpr,
  consts: readonly Tensor[],
  { steps }: Schedule,
  plan: BufferPlan,
  compiler: BodyCompiler,
  into: boolean,
): { run: F; source: string } | undefined {
  const src = new RunSource(plan, consts, compiler);
  jaxpr.constvars.forEach((v, i) => src.tensor(v, `C[${i}]`));
  jaxpr.invars.forEach((v, i) => (into ? src.data(v, `A[${i}]`) : src.tensor(v, `A[${i}]`)));
  steps.forEach((s, k) => ("group" in s ? src.loop(s.group) : src.kernel(s.eqn, k)));
  const body = into ? src.finishInto(jaxpr.outs) : src.finish(jaxpr.outs);
  const make = compileRefusedOnce<(...free: unknown[]) => F>(Object.keys(src.scope), `return ${body};`);
  if (!make) return undefined;
  const loopSources = steps
    .flatMap((s) => ("group" in s ? [s.group.source] : []))
    .map((src, j) => src.replace("function fused(", `function F${j}(`));
  return { run: make(...Object.values(src.scope)), source: [...loopSources, ...src.nested, body].join("\n\n") };
}

/** Buffers of a call's values that stay inside it, kept for the next call; `free` while no call holds them. */
/** A program's buffers kept across calls: `take` them at the start of a call, `give` them back at its end. */
interface Arena {
  take(): TypedArray[];
  give(p: TypedArray[]): void;
}

/**
 * The arena of a plan: in the WebAssembly kernels' memory where it can be (held for the call, at the bottom of the
 * memory: kernels then read and write these values where they are instead of copying them in and out), otherwise
 * ordinary arrays kept for the next call (a concurrent call makes its own).
 */
function arenaOf(slots: readonly { dtype: DType; size: number }[]): Arena {
  const offsets: number[] = [];
  let bytes = 0;
  for (const { dtype, size } of slots) {
    offsets.push(bytes);
    bytes += (size * BYTES[dtype] + 15) & ~15;
  }
  let free: TypedArray[] | undefined;
  let cached: { at: number; buffer: ArrayBufferLike; views: TypedArray[] } | undefined;
  /** Where each call in progress holds its arena (−1: ordinary arrays). */
  const held: number[] = [];
  return {
    take() {
      const h = holdArena(bytes);
      held.push(h?.at ?? -1);
      if (!h) {
        const p = free ?? slots.map(({ dtype, size }) => allocate(dtype, size));
        free = undefined;
        return p;
      }
      if (cached?.at !== h.at || cached.buffer !== h.buffer)
        cached = { ...h, views: slots.map(({ dtype, size }, i) => viewOf(dtype, h.buffer, h.at + offsets[i]!, size)) };
      return cached.views;
    },
    give(p) {
      const at = held.pop()!;
      if (at < 0) free = p;
      else releaseArena(at);
    },
  };
}

type KernelCall = ((ins: Tensor[]) => Tensor[]) | ((ins: Tensor[], outs: TypedArray[]) => void);

/** The source of `run(A)`, line by line, and the values it refers to. */
class RunSource {
  private readonly lines: string[] = [];
  private readonly kernels: KernelCall[] = [];
  private readonly loops: FusedGroup["fn"][] = [];
  private readonly literals: Tensor[] = [];
  private readonly avals: ShapedArray[] = [];
  private readonly ids = new Map<Var, number>();
  private readonly hasTensor = new Set<Var>();
  private readonly hasData = new Set<Var>();
  /** The generated function's free variables: name in the source → what it holds. */
  readonly scope: Record<string, unknown>;

  /** The sources of the bodies of loops and branches this program runs (shown after its fused loops). */
  readonly nested: string[] = [];

  constructor(
    private readonly plan: BufferPlan,
    consts: readonly Tensor[],
    private readonly compiler: BodyCompiler,
  ) {
    const arena = arenaOf(plan.arena);
    this.scope = {
      T: Tensor, // to wrap loop outputs
      AV: this.avals, // their shapes and dtypes
      C: [...consts], // the program's constants
      L: this.literals, // its literals, as tensors for kernels
      K: this.kernels, // kernel calls
      F: this.loops, // fused loops
      Z: arena, // buffers kept across calls
      N: allocateFilledLater, // fresh outputs
    };
  }

  private id(v: Var): number {
    let n = this.ids.get(v);
    if (n === undefined) this.ids.set(v, (n = this.ids.size));
    return n;
  }

  /** `v` bound to a tensor expression. */
  tensor(v: Var, expr: string): void {
    this.lines.push(`const v${this.id(v)} = ${expr};`);
    this.hasTensor.add(v);
  }

  /** `v` bound to a data expression (an input of a program that takes data). */
  data(v: Var, expr: string): void {
    this.lines.push(`const d${this.id(v)} = ${expr};`);
    this.hasData.add(v);
  }

  /** The name of `a` as a tensor (a loop output is wrapped the first time a kernel or the caller needs it). */
  private tensorOf(a: Atom): string {
    if (a._tag === "Lit") return `L[${this.literals.push(a.value) - 1}]`;
    if (!this.hasTensor.has(a)) this.tensor(a, `new T(AV[${this.avals.push(a.aval) - 1}], d${this.id(a)})`);
    return `v${this.id(a)}`;
  }

  /** The name of `v`'s data. */
  private dataOf(v: Var): string {
    if (!this.hasData.has(v)) {
      this.lines.push(`const d${this.id(v)} = v${this.id(v)}._data;`);
      this.hasData.add(v);
    }
    return `d${this.id(v)}`;
  }

  /** `v`'s data where the plan places it. */
  private place(v: Var, comment = ""): string {
    const p: Placement = this.plan.placements.get(v)!;
    const expr =
      p.kind === "view"
        ? this.dataOf(p.of)
        : p.kind === "arena"
          ? `P[${p.slot}]`
          : p.kind === "out"
            ? `O[${p.index}]`
            : p.kind === "reused"
              ? `d${this.id(p.of)}`
              : `N("${v.aval.dtype}", ${v.aval.size})`;
    this.lines.push(`const d${this.id(v)} = ${expr};${comment}`);
    this.hasData.add(v);
    return `d${this.id(v)}`;
  }

  /** A fused loop: outputs written all loop long are placed first (they take no buffer of this loop's inputs). */
  loop(g: FusedGroup): void {
    const ins = g.ins.map((v) => this.dataOf(v));
    for (const inPlace of [false, true]) g.outs.forEach((v, j) => g.outInPlace[j] === inPlace && this.place(v));
    const outs = g.outs.map((v) => `d${this.id(v)}`);
    this.lines.push(`F[${this.loops.push(g.fn) - 1}](${[g.outer, g.inner, ...ins, ...outs].join(", ")});`);
  }

  /**
   * Equation k as a kernel call: a view of its operand, a kernel writing into arena buffers, or one returning tensors.
   */
  kernel(e: Eqn, k: number): void {
    const outAvals = e.outs.map((v) => v.aval);
    const params = e.params;
    const args = () => `[${e.inputs.map((a) => this.tensorOf(a)).join(", ")}]`;
    // a primitive carrying jaxprs runs them compiled (a loop runs its body's generated code every iteration)
    if (e.prim.runner) {
      const bodies = e.prim.jaxprs?.get(params) ?? [];
      this.nested.push(
        ...bodies.map((j, b) => `// ${e.prim.name} (equation ${k}), jaxpr ${b}\n${this.compiler.source(j)}`),
      );
    }
    if (this.plan.placements.get(e.outs[0]!)?.kind === "view") {
      this.place(e.outs[0]!, ` // ${e.prim.name}`);
    } else if (this.plan.intoArena.has(e)) {
      const dests = e.outs.map((v) => this.place(v));
      const implInto = e.prim.implInto;
      const into = e.prim.runnerInto
        ? e.prim.runnerInto(params, outAvals, this.compiler)
        : (ins: Tensor[], outs: TypedArray[]) => implInto!(ins, params, outAvals, outs);
      this.lines.push(`K[${this.kernels.push(into) - 1}](${args()}, [${dests.join(", ")}]); // ${e.prim.name}`);
    } else {
      const impl = e.prim.impl;
      const call = e.prim.runner
        ? e.prim.runner(params, outAvals, this.compiler)
        : (ins: Tensor[]) => impl(ins, params, outAvals);
      this.lines.push(`const r${k} = K[${this.kernels.push(call) - 1}](${args()}); // ${e.prim.name}`);
      e.outs.forEach((v, j) => this.tensor(v, `r${k}[${j}]`));
    }
  }

  /** The whole function for a program writing into `O`: outputs not computed in place are copied there. */
  finishInto(outs: readonly Atom[]): string {
    const copies = outs.flatMap((a, k) => {
      if (a._tag === "Lit") return [`O[${k}].fill(${Number(a.value._data![0])});`];
      const p = this.plan.placements.get(a);
      if (p?.kind === "out" && p.index === k) return [];
      return [`O[${k}].set(${this.dataOf(a)});`];
    });
    const lines = this.plan.arena.length
      ? ["const P = Z.take();", "try {", ...this.lines, ...copies, "} finally {", "  Z.give(P);", "}"]
      : [...this.lines, ...copies];
    return `function run(A, O) {\n  ${lines.join("\n  ")}\n}`;
  }

  /**
   * The whole function, returning `outs`; a call takes the arena and gives it back.
   */
  finish(outs: readonly Atom[]): string {
    const result = `return [${outs.map((a) => this.tensorOf(a)).join(", ")}];`;
    const lines = this.plan.arena.length
      ? ["const P = Z.take();", "try {", ...this.lines, result, "} finally {", "  Z.give(P);", "}"]
      : [...this.lines, result];
    return `function run(A) {\n  ${lines.join("\n  ")}\n}`;
  }
}
