// tracegrad benchmarks: one process, seeded data, warm-up, then interleaved timed repetitions;
// prints the machine and a markdown table (medians, p10/p90, min/max, ratio to a baseline) per suite,
// then the issue's performance targets evaluated on this run's medians.
//
// Usage:
//   npm run bench                          every suite
//   npm run bench -- chain toy             only suites whose name contains one of the arguments
//                                          (or is equal to it: eager-overhead-n1 is only n = 1)
//   npm run bench -- --reps 50 --warmup 10 override a suite's repetition counts
//
// To add a benchmark: write a Suite in bench/suites/ (see harness.ts) and list it in `suites` below.
import { execSync } from "node:child_process";
import { setThreads, wasmKernels } from "../src/wasm/runtime.js";
import {
  checkTargets,
  compare,
  machine,
  medianOf,
  type Suite,
  type TargetResult,
  table,
  targetTable,
} from "./harness.js";
import { chain } from "./suites/chain.js";
import { checkpointSuite } from "./suites/checkpoint.js";
import { cnnStep } from "./suites/cnn-step.js";
import { controlFlow } from "./suites/control-flow.js";
import { convSuites } from "./suites/conv.js";
import { eagerOverhead } from "./suites/eager-overhead.js";
import { firstCall } from "./suites/first-call.js";
import { libVersions, tfWasmInfo } from "./suites/libs.js";
import { linalgSuites } from "./suites/linalg.js";
import { matmul } from "./suites/matmul.js";
import { mlpStep } from "./suites/mlp-step.js";
import { numpySuites } from "./suites/numpy.js";
import { optimSuites } from "./suites/optim.js";
import { perExampleGrads } from "./suites/per-example-grads.js";
import { perExampleJit } from "./suites/per-example-jit.js";
import { randomSuites } from "./suites/random.js";
import { toy } from "./suites/toy.js";

// first-call runs first, so that its first sample is the first jit(MLP step) call in the process
const suites: Suite[] = [
  firstCall,
  toy,
  chain,
  ...[256, 512, 1024].map(matmul),
  mlpStep,
  perExampleJit,
  perExampleGrads,
  ...[1, 1000, 100_000].map(eagerOverhead),
  ...controlFlow,
  checkpointSuite,
  ...randomSuites,
  ...numpySuites,
  ...optimSuites,
  ...linalgSuites,
  ...convSuites,
  cnnStep,
];

const argv = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`bench: ${name} needs a non-negative integer, got '${argv[i + 1]}'`);
  argv.splice(i, 2);
  return v;
};
const reps = flag("--reps");
const warmup = flag("--warmup");
const filters = argv;
// a filter equal to a suite's name selects only that suite; otherwise every suite whose name contains it
const matches = (name: string, f: string) => (suites.some((s) => s.name === f) ? name === f : name.includes(f));
const selected = suites.filter((s) => filters.length === 0 || filters.some((f) => matches(s.name, f)));
if (selected.length === 0) {
  console.error(`bench: no suite matches ${filters.join(", ")}; suites: ${suites.map((s) => s.name).join(", ")}`);
  process.exit(1);
}

/** The commit measured, and whether the library's source (src/) differs from it. */
const commit = (() => {
  const git = (args: string) => execSync(`git ${args}`, { stdio: ["ignore", "pipe", "ignore"] }).toString();
  try {
    const head = git("rev-parse --short HEAD").trim();
    const changed = git("status --porcelain")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(3));
    const src = changed.some((p) => p.startsWith("src/"));
    const other = [...new Set(changed.filter((p) => !p.startsWith("src/")).map((p) => p.split("/")[0]!))];
    return `${head}${src ? " + uncommitted changes in src/" : " (src/ as committed)"}${other.length ? `; uncommitted changes in ${other.join(", ")}` : ""}`;
  } catch {
    return "unknown (not a git checkout)";
  }
})();

console.log("# tracegrad benchmarks\n");
console.log(
  machine()
    .split("\n")
    .map((l) => `- ${l}`)
    .join("\n"),
);
console.log(`- commit: ${commit}`);
console.log(`- compared with: ${libVersions()}`);
const argsText = process.argv.slice(2).join(" ");
// node's own flags, without the ones tsx adds to load TypeScript
const nodeFlags = process.execArgv.filter((a, i, all) => !a.includes("tsx") && !(all[i + 1] ?? "").includes("tsx"));
const viaNpm = process.env.npm_lifecycle_event === "bench";
console.log(
  `- command: ${viaNpm ? `npm run bench${argsText ? ` -- ${argsText}` : ""}` : `tsx bench/run.ts${argsText ? ` ${argsText}` : ""}${nodeFlags.length ? ` (node flags: ${nodeFlags.join(" ")})` : ""}`}`,
);
// Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd (npm run bench passes it; Node 22+
// and Chromium have it on by default): tracegrad's matmul then uses fused multiply-add
console.log(
  `- WebAssembly relaxed SIMD (fused multiply-add in tracegrad's matmul): ${wasmKernels()?.fma ? "on" : "off"}${process.execArgv.includes("--experimental-wasm-relaxed-simd") ? " (node --experimental-wasm-relaxed-simd)" : ""}`,
);

const started = performance.now();
const results: TargetResult[] = [];
// Errors are printed here and end the process: an unhandled rejection would reach the handler that
// TensorFlow.js's wasm module (Emscripten) installs, which prints its whole minified source.
try {
  for (const suite of selected) {
    const t0 = performance.now();
    const { cases, baseline, perItem, targets, notes, summary } = await suite.setup();
    const opts = { warmup: warmup ?? suite.options?.warmup ?? 5, reps: reps ?? suite.options?.reps ?? 30 };
    const stats = await compare(cases, opts);
    setThreads(undefined); // a suite may have chosen a thread count per case: the next one starts from the default
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`\n## ${suite.title}\n`);
    console.log(`${suite.description}\n`);
    console.log(table(stats, { ...suite.display, baseline, ...(perItem ? { perItem } : {}) }));
    console.log(
      `\n${opts.warmup} warm-up + ${opts.reps} timed samples per case, interleaved; ${secs} s with setup and checks.`,
    );
    for (const c of cases) if (c.note) console.log(`- ${c.name}: ${c.note}`);
    for (const n of notes ?? []) console.log(`- ${n}`);
    for (const n of summary?.((name) => medianOf(stats, name)) ?? []) console.log(`- ${n}`);
    if (targets?.length) {
      const r = checkTargets(targets, stats);
      results.push(...r);
      for (const t of r) console.log(`- target ${t.label}: ${t.measured} → ${t.met ? "met" : "NOT met"}`);
    }
  }
} catch (e) {
  console.error(`\nbench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}

if (results.length > 0) {
  console.log("\n## Targets (medians of this run)\n");
  console.log(targetTable(results));
}
if (tfWasmInfo)
  console.log(`\nTensorFlow.js ${tfWasmInfo}; jax-js on its wasm device (no web Worker in Node: one thread).`);
console.log(`\nTotal: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
