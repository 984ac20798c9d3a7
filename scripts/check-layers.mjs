#!/usr/bin/env node
// Do the layers of src/ run one way? Each folder of src/ may import only the folders listed before it in LAYERS; the
// files at the root (index.ts, install.ts, lax.ts) may import any folder, and no folder imports them; no files import
// each other in a loop (type-only imports count too). Prints each violation; exit status 1 if there is one.
// Usage: node scripts/check-layers.mjs (CI runs it as npm run check:layers).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The folders of src/ in processing order (README, "Architecture"). */
const LAYERS = [
  "core",
  "lowering",
  "ir",
  "primitives",
  "transforms",
  "higher_order",
  "wasm",
  "compile",
  "numpy",
  "random",
  "nn",
  "optim",
  "scipy",
];

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith(".ts")) files.push(p);
  }
};
walk(src);
const known = new Set(files);
const folderOf = (f) => {
  const top = relative(src, f).split("/")[0];
  return top.endsWith(".ts") ? null : top;
};

/** file -> the files under src/ it imports (generated code inside template literals is skipped). */
const imports = new Map();
for (const f of files) {
  const text = readFileSync(f, "utf8").replace(/`(?:\\[\s\S]|[^`\\])*`/g, "``");
  const deps = [];
  for (const m of text.matchAll(/^\s*(?:import|export)[^'"`;]*?from\s+["'](\.[^"']+)["']/gm)) {
    const base = resolve(dirname(f), m[1]).replace(/\.js$/, "");
    const target = [`${base}.ts`, join(base, "index.ts")].find((t) => known.has(t));
    if (target) deps.push(target);
  }
  imports.set(f, deps);
}

const problems = [];
const rel = (f) => relative(resolve(src, ".."), f);
for (const f of files) {
  const a = folderOf(f);
  if (a !== null && !LAYERS.includes(a))
    problems.push(`src/${a}/ is not a layer: add it to LAYERS in scripts/check-layers.mjs`);
  for (const t of imports.get(f)) {
    const b = folderOf(t);
    if (a === null || a === b) continue;
    if (b === null) problems.push(`${rel(f)} imports ${rel(t)}: folders never import the files at the root of src/`);
    else if (LAYERS.indexOf(b) > LAYERS.indexOf(a)) problems.push(`${rel(f)} imports ${rel(t)}: ${a}/ is below ${b}/`);
  }
}

// files that import each other in a loop: strongly connected components (Tarjan)
let counter = 0;
const stack = [];
const onStack = new Set();
const index = new Map();
const low = new Map();
const visit = (v) => {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of imports.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const loop = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    loop.push(rel(w));
  } while (w !== v);
  if (loop.length > 1) problems.push(`files import each other in a loop: ${loop.join(", ")}`);
};
for (const f of files) if (!index.has(f)) visit(f);

for (const p of [...new Set(problems)]) console.log(p);
console.log(
  `layers: ${LAYERS.join(" → ")}; ${files.length} files, ${problems.length ? `${new Set(problems).size} problem(s)` : "one way, no loops"}`,
);
process.exit(problems.length ? 1 : 0);
