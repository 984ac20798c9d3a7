// tracegrad benchmarks: one process, seeded data, warm-up, then interleaved timed repetitions;
// prints the machine and a markdown table (medians, p10/p90, min/max, ratio to a baseline) per suite.
//
// Usage:
//   npm run bench                          every suite
//   npm run bench -- per-example-grads     only suites whose name contains one of the arguments
//   npm run bench -- --reps 50 --warmup 10 override a suite's repetition counts
//
// To add a benchmark: write a Suite in bench/suites/ (see harness.ts) and list it in `suites` below.
import { compare, machine, table, type Suite } from "./harness.js";
import { perExampleGrads } from "./suites/per-example-grads.js";

const suites: Suite[] = [perExampleGrads];

const argv = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`bench: ${name} needs a non-negative integer, got '${argv[i + 1]}'`);
  argv.splice(i, 2);
  return v;
};
const reps = flag("--reps");
const warmup = flag("--warmup");
const filters = argv;
const selected = suites.filter((s) => filters.length === 0 || filters.some((f) => s.name.includes(f)));
if (selected.length === 0) {
  console.error(`bench: no suite matches ${filters.join(", ")}; suites: ${suites.map((s) => s.name).join(", ")}`);
  process.exit(1);
}

console.log("# tracegrad benchmarks\n");
console.log(machine().split("\n").map((l) => `- ${l}`).join("\n"));
console.log(`- command: npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`);

for (const suite of selected) {
  const { cases, baseline, perItem } = suite.setup();
  const opts = { warmup: warmup ?? suite.options?.warmup ?? 5, reps: reps ?? suite.options?.reps ?? 30 };
  const t0 = performance.now();
  const stats = compare(cases, opts);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`\n## ${suite.title}\n`);
  console.log(`${suite.description}\n`);
  console.log(table(stats, { baseline, perItem }));
  console.log(`\n${opts.warmup} warm-up + ${opts.reps} timed calls per case, interleaved; ${secs} s.`);
  for (const c of cases) if (c.note) console.log(`- ${c.name}: ${c.note}`);
}
