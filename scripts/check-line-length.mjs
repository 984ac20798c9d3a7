#!/usr/bin/env node
// Lines of src/ at most 120 characters: the formatter's width, which it cannot reach alone in comments and strings.
// Prints each longer line; exit status 1 if there is one. Part of npm run lint.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MAX = 120;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const long = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith(".ts"))
      readFileSync(p, "utf8")
        .split("\n")
        .forEach(
          (line, i) => [...line].length > MAX && long.push(`${relative(root, p)}:${i + 1}: ${[...line].length}`),
        );
  }
};
walk(join(root, "src"));
for (const l of long) console.log(l);
console.log(`line length: ${long.length} lines of src/ over ${MAX} characters`);
process.exit(long.length ? 1 : 0);
