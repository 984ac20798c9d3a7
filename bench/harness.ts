// A small benchmark harness: warm-up, timed repetitions, order statistics, markdown tables.
//
// measure(name, fn, opts)     times one function on its own.
// compare(cases, opts)        times several functions INTERLEAVED: repetition r runs every case once,
//                             in an order rotated by r, so drifting machine noise (thermal state,
//                             GC pressure, other processes) reaches every case alike.
// table(stats, { baseline })  a markdown table: median, p10, p90, min, max, and ratio to a baseline.
// machine()                   date, CPU model, core count, Node and V8 versions, platform.
//
// A suite (see bench/suites/) is { name, title, description, setup() } where setup() builds the
// data once, checks that the cases compute the same thing, and returns the cases to time.
import os from "node:os";

export interface MeasureOptions {
  /** Untimed calls first (JIT warm-up of V8, caches). Default 5. */
  warmup?: number;
  /** Timed calls. Default 30. */
  reps?: number;
}

export interface Stats {
  name: string;
  /** Milliseconds, one per timed call, in the order they ran. */
  samples: number[];
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

export interface Case {
  name: string;
  fn: () => unknown;
  /** Shown under the table. */
  note?: string;
}

export interface Suite {
  /** Short id for filtering on the command line (`npm run bench -- <id>`). */
  name: string;
  /** Table heading. */
  title: string;
  /** One paragraph printed under the heading. */
  description: string;
  /** Builds data and returns the cases; may throw if the cases disagree (checked before timing). */
  setup: () => { cases: Case[]; baseline: string; perItem?: { count: number; unit: string } };
  options?: MeasureOptions;
}

// Results go here so that no call can be optimised away as unused.
let sink: unknown;
export const lastResult = (): unknown => sink;

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(name: string, samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return {
    name,
    samples,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

function timeOnce(fn: () => unknown): number {
  const t0 = performance.now();
  sink = fn();
  return performance.now() - t0;
}

/** Times `fn` alone: `warmup` untimed calls, then `reps` timed calls. */
export function measure(name: string, fn: () => unknown, { warmup = 5, reps = 30 }: MeasureOptions = {}): Stats {
  for (let i = 0; i < warmup; i++) sink = fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(timeOnce(fn));
  return summarize(name, samples);
}

/** Times every case, interleaved (round r runs the cases starting from case r mod n). */
export function compare(cases: readonly Case[], { warmup = 5, reps = 30 }: MeasureOptions = {}): Stats[] {
  const n = cases.length;
  for (let r = 0; r < warmup; r++) for (let k = 0; k < n; k++) sink = cases[(r + k) % n]!.fn();
  const samples: number[][] = cases.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < n; k++) {
      const i = (r + k) % n;
      samples[i]!.push(timeOnce(cases[i]!.fn));
    }
  }
  return cases.map((c, i) => summarize(c.name, samples[i]!));
}

/** Milliseconds with 3 significant digits (at least one decimal below 100). */
export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toPrecision(2);
}

export interface TableOptions {
  /** Name of the case the ratio column divides by. */
  baseline?: string;
  /** Adds a "per <unit>" column: median / count. */
  perItem?: { count: number; unit: string };
}

/** A markdown table of the stats, in the order given. */
export function table(stats: readonly Stats[], { baseline, perItem }: TableOptions = {}): string {
  const base = baseline === undefined ? undefined : stats.find((s) => s.name === baseline);
  if (baseline !== undefined && base === undefined) throw new Error(`table: no case named '${baseline}'`);
  const head = ["case", "median (ms)", "p10 (ms)", "p90 (ms)", "min (ms)", "max (ms)"];
  if (perItem) head.push(`median per ${perItem.unit} (ms)`);
  if (base) head.push("median vs baseline");
  const rows = stats.map((s) => {
    const row = [s.name, fmtMs(s.median), fmtMs(s.p10), fmtMs(s.p90), fmtMs(s.min), fmtMs(s.max)];
    if (perItem) row.push(fmtMs(s.median / perItem.count));
    if (base) row.push(s === base ? "1 (baseline)" : `${(s.median / base.median).toFixed(2)}×`);
    return row;
  });
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** Where and when: date, CPU, cores, Node/V8, OS. */
export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, " ") ?? "unknown CPU";
  return [
    `date: ${new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`,
    `machine: ${model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `runtime: Node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.release()} ${os.arch()}`,
  ].join("\n");
}
