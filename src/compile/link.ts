// Linking: a scheduled, buffer-planned program becomes one generated function over local variables, which calls the
// fused loops directly and pre-resolved kernels for everything else. Its free variables are a few arrays (below,
// `scope`); the source names values vN (tensors) and dN (their data).
import type { ShapedArray } from "../core/aval.js";
import { allocate, allocateFilledLater, type TypedArray } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import type { Atom, Jaxpr, Var } from "../ir/jaxpr.js";
import { compileRefusedOnce } from "./codegen.js";
import type { FusedGroup } from "./fusion.js";
import type { BufferPlan, Placement, Schedule } from "./plan.js";

export type Executable = (args: readonly Tensor[]) => Tensor[];

/** Buffers of a call's values that stay inside it, kept for the next call; `free` while no call holds them. */
interface Arena {
  free: TypedArray[] | undefined;
  make(): TypedArray[];
}

type KernelCall = ((ins: Tensor[]) => Tensor[]) | ((ins: Tensor[], outs: TypedArray[]) => void);

/** The executable and its source (the fused loops, then the function that calls them); undefined without codegen. */
export function link(
  jaxpr: Jaxpr,
  consts: readonly Tensor[],
  { steps }: Schedule,
  plan: BufferPlan,
): { run: Executable; source: string } | undefined {
  // the generated function's free variables: name in the source → what it holds
  const kernels: KernelCall[] = [];
  const loops: FusedGroup["fn"][] = [];
  const literals: Tensor[] = [];
  const avals: ShapedArray[] = [];
  const arena: Arena = { free: undefined, make: () => plan.arena.map(({ dtype, size }) => allocate(dtype, size)) };
  const scope = {
    T: Tensor,
    AV: avals,
    C: [...consts],
    L: literals,
    K: kernels,
    F: loops,
    Z: arena,
    N: allocateFilledLater,
  };

  const lines: string[] = [];
  const ids = new Map<Var, number>();
  const id = (v: Var) => {
    let n = ids.get(v);
    if (n === undefined) ids.set(v, (n = ids.size));
    return n;
  };
  const hasTensor = new Set<Var>();
  const hasData = new Set<Var>();
  const tensorOf = (a: Atom): string => {
    if (a._tag === "Lit") return `L[${literals.push(a.value) - 1}]`;
    if (!hasTensor.has(a)) {
      lines.push(`const v${id(a)} = new T(AV[${avals.push(a.aval) - 1}], d${id(a)});`);
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
  const tensor = (v: Var, expr: string) => {
    lines.push(`const v${id(v)} = ${expr};`);
    hasTensor.add(v);
  };
  const buffer = (v: Var, b: Placement, comment = "") => {
    const expr = {
      view: () => dataOf((b as { of: Var }).of),
      arena: () => `P[${(b as { slot: number }).slot}]`,
      reused: () => `d${id((b as { of: Var }).of)}`,
      fresh: () => `N("${v.aval.dtype}", ${v.aval.size})`,
    }[b.kind]();
    lines.push(`const d${id(v)} = ${expr};${comment}`);
    hasData.add(v);
  };

  jaxpr.constvars.forEach((v, i) => tensor(v, `C[${i}]`));
  jaxpr.invars.forEach((v, i) => tensor(v, `A[${i}]`));
  steps.forEach((s, k) => {
    if ("group" in s) {
      const g = s.group;
      const ins = g.ins.map(dataOf);
      // outputs written all loop long first (they take no buffer of this loop's inputs), then the others
      for (const inPlace of [false, true])
        g.outs.forEach((v, j) => g.outInPlace[j] === inPlace && buffer(v, plan.placements.get(v)!));
      const outs = g.outs.map((v) => `d${id(v)}`);
      lines.push(`F[${loops.push(g.fn) - 1}](${[g.outer, g.inner, ...ins, ...outs].join(", ")});`);
      return;
    }
    const e = s.eqn;
    const outAvals = e.outs.map((v) => v.aval);
    const view = plan.placements.get(e.outs[0]!);
    if (view?.kind === "view") {
      buffer(e.outs[0]!, view, ` // ${e.prim.name}`);
    } else if (plan.intoArena.has(e)) {
      const dests = e.outs.map((v) => {
        buffer(v, plan.placements.get(v)!);
        return `d${id(v)}`;
      });
      const [implInto, params] = [e.prim.implInto!, e.params];
      const into = (ins: Tensor[], outs: TypedArray[]) => implInto(ins, params, outAvals, outs);
      lines.push(
        `K[${kernels.push(into) - 1}]([${e.inputs.map(tensorOf).join(", ")}], [${dests.join(", ")}]); // ${e.prim.name}`,
      );
    } else {
      const [impl, params] = [e.prim.impl, e.params];
      const kernel = (ins: Tensor[]) => impl(ins, params, outAvals);
      lines.push(
        `const r${k} = K[${kernels.push(kernel) - 1}]([${e.inputs.map(tensorOf).join(", ")}]); // ${e.prim.name}`,
      );
      e.outs.forEach((v, j) => tensor(v, `r${k}[${j}]`));
    }
  });
  const result = `return [${jaxpr.outs.map(tensorOf).join(", ")}];`;
  if (plan.arena.length) {
    // a call takes the arena and gives it back when done: a call made while another runs gets a fresh one
    lines.unshift("const P = Z.free ?? Z.make();", "Z.free = undefined;");
    lines.push("Z.free = P;");
  }
  lines.push(result);

  const body = `return function run(A) {\n  ${lines.join("\n  ")}\n};`;
  const make = compileRefusedOnce<(...free: unknown[]) => Executable>(Object.keys(scope), body);
  if (!make) return undefined;
  const loopSources = steps
    .flatMap((s) => ("group" in s ? [s.group.source] : []))
    .map((src, j) => src.replace("function fused(", `function F${j}(`));
  return {
    run: make(...Object.values(scope)),
    source: [...loopSources, `function run(A) {\n  ${lines.join("\n  ")}\n}`].join("\n\n"),
  };
}
