// What a jit call does, in order, and where each value's data lives. A program becomes steps: a kernel call per
// equation, or a fused loop per run of equations. Then buffers are planned: a view shares its operand's data; values
// that stay inside a call live in an arena kept across calls (allocating fresh ones costs page faults and zeroing on
// every call), and a fused loop's output takes the arena buffer of a value that just died; values the caller gets
// always get fresh arrays.
import type { DType } from "../core/dtype.js";
import type { Float32Mode } from "../higher_order/jit_call.js";
import type { Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import { type FusedGroup, fuse, fusionRuns } from "./fusion.js";

export type Step = { eqn: Eqn } | { group: FusedGroup };

export interface Schedule {
  steps: Step[];
  /** The step that reads each value last (Infinity: a result of the call). */
  lastUse: Map<Var, number>;
}

/** The steps of `jaxpr`, or undefined where a loop cannot be generated (then the program is interpreted). */
export function schedule(jaxpr: Jaxpr, mode: Float32Mode): Schedule | undefined {
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
    if (!group) return undefined;
    steps.push({ group });
  }
  return { steps, lastUse };
}

/**
 * Where a value's data comes from, when the call provides it (values not listed are tensors: inputs, constants and
 * kernel results): its operand's data (a view), a slot of the arena, the arena buffer of a value that died before
 * it, a fresh array, or (for a body writing into its caller's buffers) the buffer of the output it is.
 */
export type Placement =
  | { kind: "view"; of: Var }
  | { kind: "out"; index: number }
  | { kind: "arena"; slot: number }
  | { kind: "reused"; of: Var }
  | { kind: "fresh" };

export interface BufferPlan {
  placements: Map<Var, Placement>;
  /** The arena's buffers, by slot. */
  arena: { dtype: DType; size: number }[];
  /** Kernel equations that write their results into arena slots (implInto) instead of returning tensors. */
  intoArena: Set<Eqn>;
}

/** `into`: the caller passes the outputs' buffers (a loop body), and fused loops write results straight into them. */
export function planBuffers(jaxpr: Jaxpr, { steps, lastUse }: Schedule, into = false): BufferPlan {
  // a buffer can be reused once its value is dead, if only fused loops (or kernels whose results are always fresh)
  // read it (a kernel's result may alias its input's data, e.g. reshape), the caller does not get it, and no view
  // shares it
  const kernelRead = new Set<Var>();
  steps.forEach(
    (s) => "eqn" in s && !s.eqn.prim.freshOutputs && s.eqn.inputs.forEach((a) => a._tag === "Var" && kernelRead.add(a)),
  );
  const returned = new Set(jaxpr.outs.filter((a): a is Var => a._tag === "Var"));
  const viewed = new Set<Var>();
  const staysInCall = (v: Var) => !kernelRead.has(v) && !returned.has(v) && !viewed.has(v);

  const placements = new Map<Var, Placement>();
  const arena: { dtype: DType; size: number }[] = [];
  const intoArena = new Set<Eqn>();
  const arenaSlot = (v: Var): Placement => ({
    kind: "arena",
    slot: arena.push({ dtype: v.aval.dtype, size: v.aval.size }) - 1,
  });
  /** Values whose arena buffer is free again (their value is dead), by dtype and size. */
  const free = new Map<string, Var[]>();
  const bufKey = (v: Var) => `${v.aval.dtype}:${v.aval.size}`;
  const ownsArenaBuffer = (v: Var) => ["arena", "reused"].includes(placements.get(v)?.kind ?? "");

  steps.forEach((s, k) => {
    if ("eqn" in s) {
      const e = s.eqn;
      if (e.prim.view && e.inputs[0]!._tag === "Var") {
        // row-major data is the same in any shape: a view, whose buffer is never reused (it is shared)
        placements.set(e.outs[0]!, { kind: "view", of: e.inputs[0] });
        viewed.add(e.outs[0]!);
      } else if ((e.prim.implInto || e.prim.runnerInto) && e.outs.every(staysInCall)) {
        // results only fused loops read: the kernel writes them into arena buffers
        intoArena.add(e);
        for (const v of e.outs) placements.set(v, arenaSlot(v));
      }
      return;
    }
    const g = s.group;
    // fused loops write every element of their outputs, so an output may take the buffer of an input whose value
    // dies here (each element is read before it is written) — unless that input is read again in every outer
    // iteration (not in place), or the output is written all loop long (a column accumulator: allocated first)
    const place = (v: Var) =>
      placements.set(
        v,
        staysInCall(v)
          ? (popFree(free, bufKey(v)) ?? arenaSlot(v))
          : into && returned.has(v)
            ? { kind: "out", index: jaxpr.outs.indexOf(v) }
            : { kind: "fresh" },
      );
    g.outs.forEach((v, j) => !g.outInPlace[j] && place(v));
    const notInPlace = new Set(g.ins.filter((_, j) => !g.inPlace[j]));
    for (const v of new Set(g.ins)) {
      if (lastUse.get(v) === k && !notInPlace.has(v) && ownsArenaBuffer(v) && staysInCall(v)) {
        const key = bufKey(v);
        free.set(key, [...(free.get(key) ?? []), v]);
      }
    }
    g.outs.forEach((v, j) => g.outInPlace[j] && place(v));
  });
  return { placements, arena, intoArena };
}

function popFree(free: Map<string, Var[]>, key: string): Placement | undefined {
  const v = free.get(key)?.pop();
  return v && { kind: "reused", of: v };
}
