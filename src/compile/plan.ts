// What a jit call does, in order, and where each value's data lives. A program becomes steps: a kernel call per
// equation, or a fused loop per run of equations. Then buffers are planned: a view shares its operand's data; values
// that stay inside a call live in an arena kept across calls (allocating fresh ones costs page faults and zeroing on
// every call), and a fused loop's output takes the arena buffer of a value that just died; values the caller gets
// always get fresh arrays.
import { BYTES, type DType } from "../core/dtype.js";
import type { Float32Mode } from "../higher_order/jit_call.js";
import type { Eqn, Jaxpr, Var } from "../ir/jaxpr.js";
import { type FusedGroup, type FusionRun, fuse, fusionRuns } from "./fusion.js";
import { computesFromDraws, sampledValues } from "./sampled.js";

export type Step = { eqn: Eqn } | { group: FusedGroup };

export interface Schedule {
  steps: Step[];
  /** The step that reads each value last (Infinity: a result of the call). */
  lastUse: Map<Var, number>;
}

/** The steps of `jaxpr`, or undefined where a loop cannot be generated (then the program is interpreted). */
export function schedule(jaxpr: Jaxpr, mode: Float32Mode): Schedule | undefined {
  const sampled = mode === "sampled" ? sampledValues(jaxpr) : undefined;
  // "sampled": the loops computing random draws round as eager does, the others run fast; a run mixing both is cut
  // where that changes (its parts keep the run's domain and split, and their order)
  const items: (Eqn | FusionRun)[] = sampled
    ? fusionRuns(jaxpr).flatMap((it): (Eqn | FusionRun)[] => ("eqns" in it ? cutAtDraws(it, sampled) : [it]))
    : fusionRuns(jaxpr);
  const modeOf = (eqns: Eqn[]): Float32Mode =>
    !sampled ? mode : eqns.some((e) => computesFromDraws(e, sampled)) ? "exact" : "fast";
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
    const group = fuse(it, (v) => (lastUse.get(v) ?? -1) > k, modeOf(it.eqns));
    if (!group) return undefined;
    steps.push({ group });
  }
  return { steps, lastUse };
}

/** A fusion run cut into consecutive parts that either all compute from random draws or none do. */
function cutAtDraws(run: FusionRun, sampled: Set<Var>): FusionRun[] {
  const parts: FusionRun[] = [];
  let last: boolean | undefined;
  for (const e of run.eqns) {
    const draws = computesFromDraws(e, sampled);
    if (draws !== last) parts.push({ ...run, eqns: [] });
    parts[parts.length - 1]!.eqns.push(e);
    last = draws;
  }
  return parts;
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
  // a value's buffer may be kept across calls (the arena) if the caller never gets it and no kernel whose result may
  // share its operand's data reads it (reshape may), directly or through a view (a view shares it); it may be reused
  // within a call once the value is dead, if no view of it exists (a view may outlive it)
  const isView = (e: Eqn) => e.prim.view === true && e.inputs[0]!._tag === "Var";
  const viewsOf = new Map<Var, Var[]>();
  const kernelRead = new Set<Var>();
  for (const s of steps) {
    if (!("eqn" in s)) continue;
    if (isView(s.eqn)) {
      const base = s.eqn.inputs[0] as Var;
      viewsOf.set(base, [...(viewsOf.get(base) ?? []), s.eqn.outs[0]!]);
    } else if (!s.eqn.prim.freshOutputs) s.eqn.inputs.forEach((a) => a._tag === "Var" && kernelRead.add(a));
  }
  const returned = new Set(jaxpr.outs.filter((a): a is Var => a._tag === "Var"));
  // (a body writing into its caller's buffers copies a returned value there at its end, so returning it is no escape)
  const escapes = (v: Var): boolean =>
    (!into && returned.has(v)) || kernelRead.has(v) || (viewsOf.get(v) ?? []).some((w) => escapes(w));
  const outOf = (v: Var): Placement => ({ kind: "out", index: jaxpr.outs.indexOf(v) });
  const staysInCall = (v: Var) => !escapes(v);

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
      if (isView(e)) {
        // row-major data is the same in any shape: a view shares its operand's buffer
        placements.set(e.outs[0]!, { kind: "view", of: e.inputs[0] as Var });
      } else if ((e.prim.implInto || e.prim.runnerInto) && e.outs.every(staysInCall)) {
        // results only fused loops (or fresh-output kernels) read: the kernel writes them into arena buffers, or, in a
        // body writing into its caller's buffers, into the output it is
        intoArena.add(e);
        for (const v of e.outs) placements.set(v, into && returned.has(v) ? outOf(v) : arenaSlot(v));
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
        into && returned.has(v)
          ? outOf(v)
          : staysInCall(v)
            ? (popFree(free, bufKey(v)) ?? arenaSlot(v))
            : { kind: "fresh" },
      );
    g.outs.forEach((v, j) => !g.outInPlace[j] && place(v));
    const notInPlace = new Set(g.ins.filter((_, j) => !g.inPlace[j]));
    for (const v of new Set(g.ins)) {
      if (lastUse.get(v) === k && !notInPlace.has(v) && ownsArenaBuffer(v) && staysInCall(v) && !viewsOf.has(v)) {
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

/**
 * The most bytes the intermediate values of a program hold at once, as its schedule keeps them (each from the step
 * that makes it to the last step that reads it; a view shares its operand's bytes; inputs, constants and results not
 * counted): what reverse mode keeps between its forward and backward parts shows here.
 */
export function peakLiveBytes(jaxpr: Jaxpr, mode: Float32Mode): number | undefined {
  const s = schedule(jaxpr, mode);
  if (!s) return undefined;
  const bytes = (v: Var) => v.aval.size * BYTES_PER[v.aval.dtype];
  const dying = new Map<number, Var[]>();
  for (const [v, k] of s.lastUse) if (k !== Infinity) dying.set(k, [...(dying.get(k) ?? []), v]);
  let [live, peak] = [0, 0];
  const made = new Set<Var>();
  const results = new Set(jaxpr.outs);
  s.steps.forEach((st, k) => {
    const outs = ("eqn" in st ? (st.eqn.prim.view ? [] : st.eqn.outs) : st.group.outs).filter((v) => !results.has(v));
    for (const v of outs) {
      made.add(v);
      live += bytes(v);
    }
    peak = Math.max(peak, live);
    for (const v of dying.get(k) ?? []) if (made.has(v)) live -= bytes(v);
  });
  return peak;
}

const BYTES_PER: Record<DType, number> = BYTES;
