// Runs every examples/NN-*.ts in order with tsx (`node --import tsx`), streaming its output.
// Stops at the first example that fails and exits non-zero; prints a summary line either way.
// Usage: npm run demo   (or: node examples/run-all.mjs)
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const examples = readdirSync(here)
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort();

if (examples.length === 0) {
  console.error("run-all: no examples/NN-*.ts found");
  process.exit(1);
}

const t0 = performance.now();
let passed = 0;
for (const file of examples) {
  console.log(`\n━━━ ${file} ${"━".repeat(Math.max(0, 70 - file.length))}`);
  const start = performance.now();
  // cwd = repository root, so tsx finds tsconfig.json and resolves "tracegrad" to src/index.ts.
  const r = spawnSync(process.execPath, ["--import", "tsx", join("examples", file)], { cwd: root, stdio: "inherit" });
  const ms = (performance.now() - start).toFixed(0);
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    console.error(`\n✗ ${file} failed (${why}, ${ms} ms)`);
    console.error(`demo: ${passed}/${examples.length} examples passed; stopped at ${file}`);
    process.exit(1);
  }
  console.log(`✓ ${file} (${ms} ms)`);
  passed++;
}
console.log(`\ndemo: all ${passed} examples passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
