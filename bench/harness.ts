// A small benchmark harness: warm-up, timed repetitions, order statistics, markdown tables.
//
// measure(name, fn, opts)     times one function on its own.
// compare(cases, opts)        times several functions INTERLEAVED: repetition r runs every case once,
//                             in an order rotated by r, so drifting machine noise (thermal state,
//                             GC pressure, other processes) reaches every case alike. A case may be
//                             asynchronous (its promise is awaited inside the timed region), may run
//                             `count` operations per call (its samples are then per operation), and
//                             may have untimed `before`/`after` hooks (select a backend, dispose).
// table(stats, { baseline })  a markdown table: median, p10, p90, min, max, and ratio to a baseline.
// checkTargets(targets, stats) the issue's performance targets, evaluated on the medians of one run.
// machine()                   date, CPU model, core count, Node and V8 versions, platform.
//
// A suite (see bench/suites/) is { name, title, description, setup() } where setup() (possibly async)
// builds the data once, checks that the cases compute the same thing, and returns the cases to time.
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
  /** The timed work. If it returns a promise, the promise is awaited inside the timed region. */
  fn: () => unknown;
  /** How many operations one call of `fn` performs (default 1); samples are recorded per operation. */
  count?: number;
  /** Untimed, before every call (warm-up and timed): e.g. select the TensorFlow.js backend. */
  before?: () => unknown;
  /** Untimed, after every call, with its result: e.g. dispose reference-counted outputs. */
  after?: (result: unknown) => unknown;
  /** Shown under the table. */
  note?: string;
}

/**
 * A performance target from the issue, checked on the medians (per operation) of the same run:
 * - "time":     median of `case` ≤ limit (ms);
 * - "ratio":    median of `case` / median of `vs` ≤ limit;
 * - "overhead": median of `case` − median of `vs` ≤ limit (ms);
 * - "value":    a single measurement `value` (ms) taken outside `compare` (e.g. the first call in the process) ≤ limit.
 * `reference` names a case (another library) whose median is shown next to it, from the same run
 * (`referenceValue`: the same as text, for "value" targets).
 */
export interface Target {
  label: string;
  kind: "time" | "ratio" | "overhead" | "value";
  case?: string;
  vs?: string;
  value?: number;
  limit: number;
  reference?: string;
  referenceValue?: string;
  /** Shown in the verdict, e.g. why a target is not met. */
  note?: string;
}

export interface TargetResult {
  label: string;
  measured: string;
  ofTarget: string;
  reference: string;
  met: boolean;
  note?: string;
}

export interface SetupResult {
  cases: Case[];
  baseline: string;
  /** Adds a "per <unit>" column: median / count (for cases whose samples cover several items). */
  perItem?: { count: number; unit: string };
  targets?: Target[];
  /** Printed under the table. */
  notes?: string[];
  /** Lines printed under the table, computed from this run's medians (ms per operation, by case name). */
  summary?: (median: (name: string) => number) => string[];
}

export interface Suite {
  /** Short id for filtering on the command line (`npm run bench -- <id>`). */
  name: string;
  /** Table heading. */
  title: string;
  /** One paragraph printed under the heading. */
  description: string;
  /** Builds data and returns the cases; may throw if the cases disagree (checked before timing). */
  setup: () => SetupResult | Promise<SetupResult>;
  options?: MeasureOptions;
  /** How the table shows times: unit, what one sample is, extra columns. */
  display?: TableOptions;
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

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";

/** One call of a case: untimed `before`, timed `fn` (awaited if it returns a promise), untimed `after`. Milliseconds per operation. */
async function timeCase(c: Case): Promise<number> {
  if (c.before) {
    const b = c.before();
    if (isThenable(b)) await b;
  }
  const t0 = performance.now();
  let r = c.fn();
  if (isThenable(r)) r = await r;
  const dt = performance.now() - t0;
  sink = r;
  if (c.after) {
    const a = c.after(r);
    if (isThenable(a)) await a;
  }
  return dt / (c.count ?? 1);
}

/**
 * Times every case, interleaved (round r runs the cases starting from case r mod n). Samples are per
 * operation (a call's time divided by the case's `count`).
 */
export async function compare(
  cases: readonly Case[],
  { warmup = 5, reps = 30 }: MeasureOptions = {},
): Promise<Stats[]> {
  const n = cases.length;
  for (let r = 0; r < warmup; r++) for (let k = 0; k < n; k++) await timeCase(cases[(r + k) % n]!);
  const samples: number[][] = cases.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < n; k++) {
      const i = (r + k) % n;
      samples[i]!.push(await timeCase(cases[i]!));
    }
  }
  return cases.map((c, i) => summarize(c.name, samples[i]!));
}

/** The median (ms per operation) of the case named `name`; throws if there is none. */
export function medianOf(stats: readonly Stats[], name: string): number {
  const s = stats.find((x) => x.name === name);
  if (!s) throw new Error(`no case named '${name}'`);
  return s.median;
}

/** Milliseconds with 3 significant digits (at least one decimal below 100). */
export function fmtMs(ms: number): string {
  const a = Math.abs(ms);
  if (a >= 100) return ms.toFixed(0);
  if (a >= 10) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  return ms.toPrecision(2);
}

export type TimeUnit = "ms" | "µs";
const scale = (unit: TimeUnit): number => (unit === "µs" ? 1000 : 1);
/** A time given in milliseconds, shown in `unit` with 3 significant digits. */
export const fmtTime = (ms: number, unit: TimeUnit = "ms"): string => fmtMs(ms * scale(unit));
/** A time with its unit, in µs below 1 ms. */
export const fmtAuto = (ms: number): string => (Math.abs(ms) < 1 ? `${fmtTime(ms, "µs")} µs` : `${fmtMs(ms)} ms`);

export interface TableOptions {
  /** Name of the case the ratio column divides by. */
  baseline?: string;
  /** Adds a "per <unit>" column: median / count. */
  perItem?: { count: number; unit: string };
  /** Unit of the time columns (default ms). */
  unit?: TimeUnit;
  /** What one sample is, shown in the headers ("median per call (µs)"); default: one call of the case. */
  per?: string;
  /** Adds a column of operations per second from the median, named e.g. "steps/s". */
  rate?: string;
  /** Adds a column "median − baseline": the overhead over the baseline, in the table's unit. */
  overBaseline?: boolean;
  /** Adds a throughput column from the median: `amount` units of work per sample, e.g. { amount: 2mnk / 1e9, unit: "GFLOP/s" }. */
  work?: { amount: number; unit: string };
}

/** A markdown table of the stats, in the order given. */
export function table(
  stats: readonly Stats[],
  { baseline, perItem, unit = "ms", per, rate, overBaseline, work }: TableOptions = {},
): string {
  const base = baseline === undefined ? undefined : stats.find((s) => s.name === baseline);
  if (baseline !== undefined && base === undefined) throw new Error(`table: no case named '${baseline}'`);
  const t = (ms: number) => fmtTime(ms, unit);
  const p = per ? ` per ${per}` : "";
  const head = ["case", `median${p} (${unit})`, `p10 (${unit})`, `p90 (${unit})`, `min (${unit})`, `max (${unit})`];
  if (perItem) head.push(`median per ${perItem.unit} (${unit})`);
  if (rate) head.push(`${rate} (from median)`);
  if (work) head.push(`${work.unit} (from median)`);
  if (base && overBaseline) head.push(`median − baseline (${unit})`);
  if (base) head.push("median vs baseline");
  const rows = stats.map((s) => {
    const row = [s.name, t(s.median), t(s.p10), t(s.p90), t(s.min), t(s.max)];
    if (perItem) row.push(t(s.median / perItem.count));
    if (rate) row.push(fmtRate(1000 / s.median));
    if (work) row.push(fmtRate((1000 * work.amount) / s.median));
    if (base && overBaseline) row.push(s === base ? "—" : t(s.median - base.median));
    if (base) row.push(s === base ? "1 (baseline)" : `${fmtRatio(s.median / base.median)}×`);
    return row;
  });
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** Ratios: 2 decimals from 0.1 to 10, otherwise 2–3 significant digits. */
export const fmtRatio = (r: number): string =>
  r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
const fmtRate = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));

/** Evaluates targets on the medians of `stats` (one run); throws if a target names a missing case. */
export function checkTargets(targets: readonly Target[], stats: readonly Stats[]): TargetResult[] {
  const med = (name: string): number => {
    const s = stats.find((x) => x.name === name);
    if (!s) throw new Error(`target: no case named '${name}'`);
    return s.median;
  };
  return targets.map((tg) => {
    const m = tg.kind === "value" ? tg.value! : med(tg.case!);
    const ref =
      tg.reference !== undefined ? `${fmtAuto(med(tg.reference))} (${tg.reference})` : (tg.referenceValue ?? "");
    let value: number;
    let measured: string;
    if (tg.kind === "value") {
      value = m;
      measured = `${fmtAuto(m)} (one sample)`;
    } else if (tg.kind === "time") {
      value = m;
      measured = fmtAuto(m);
    } else if (tg.kind === "ratio") {
      value = m / med(tg.vs!);
      measured = `${fmtRatio(value)}× (${fmtAuto(m)} / ${fmtAuto(med(tg.vs!))})`;
    } else {
      value = m - med(tg.vs!);
      measured = `${fmtAuto(value)} (${fmtAuto(m)} − ${fmtAuto(med(tg.vs!))})`;
    }
    const result: TargetResult = {
      label: tg.label,
      measured,
      ofTarget: `${fmtRatio(value / tg.limit)}×`,
      reference: ref,
      met: value <= tg.limit,
    };
    if (tg.note !== undefined) result.note = tg.note;
    return result;
  });
}

/** A markdown table of target results. */
export function targetTable(results: readonly TargetResult[]): string {
  const head = ["target", "measured (median, this run)", "measured / target", "other library, same run", "verdict"];
  const rows = results.map((r) => [
    r.label,
    r.measured,
    r.ofTarget,
    r.reference || "—",
    `${r.met ? "met" : "**not met**"}${r.note ? ` (${r.note})` : ""}`,
  ]);
  return [head, head.map((_, i) => (i === 0 ? "---" : i === 4 ? "---" : "---:")), ...rows]
    .map((r) => `| ${r.join(" | ")} |`)
    .join("\n");
}

/** Where and when: date, CPU, cores, Node/V8, OS. */
export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, " ") ?? "unknown CPU";
  return [
    `date: ${new Date()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC")}`,
    `machine: ${model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `runtime: Node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.release()} ${os.arch()}`,
  ].join("\n");
}

/** "label: a / b = r×" from this run's medians. */
export const ratioLine = (median: (name: string) => number, label: string, a: string, b: string): string =>
  `${label}: ${fmtRatio(median(a) / median(b))}× (${fmtAuto(median(a))} / ${fmtAuto(median(b))})`;
