// `npm run test:browser`: the WebAssembly kernels and Web Worker threads in headless Chromium, in a page served
// cross-origin isolated (COOP/COEP), so SharedArrayBuffer exists. Needs a Chromium binary (Debian: apt-get install
// chromium; or set CHROMIUM=/path). Not part of `npm test`: CI machines have no browser.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "tsup";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), "tracegrad-browser-"));
await build({
  entry: { entry: path.join(here, "entry.ts") },
  format: ["esm"],
  outDir: out,
  platform: "browser",
  target: "es2022",
  noExternal: [/.*/],
  silent: true,
  tsconfig: path.join(here, "../../tsconfig.build.json"),
});

const page = `<!doctype html><meta charset="utf-8"><title>tracegrad browser check</title><script type="module" src="/entry.js"></script>`;
const server = createServer((req, res) => {
  const variant = new URL(req.headers.referer ?? `http://x${req.url}`).search;
  const headers =
    variant === "?plain"
      ? {}
      : { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
  if (variant === "?csp")
    headers["Content-Security-Policy"] = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:";
  if (req.url === "/" || req.url?.startsWith("/?"))
    res.writeHead(200, { ...headers, "Content-Type": "text/html" }).end(page);
  else if (req.url === "/entry.js")
    res.writeHead(200, { ...headers, "Content-Type": "text/javascript" }).end(readFileSync(path.join(out, "entry.js")));
  else res.writeHead(404, headers).end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
let passed = 0;
let failed = 0;
try {
  const titles = {
    "": "cross-origin isolated:",
    "?plain": "\nnot cross-origin isolated:",
    "?csp": "\ncross-origin isolated, Content-Security-Policy without 'unsafe-eval':",
  };
  for (const [variant, title] of Object.entries(titles)) {
    console.log(title);
    const tab = await browser.newPage();
    tab.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await tab.goto(url + variant);
    await tab.waitForFunction(() => window.__checks !== undefined, undefined, { timeout: 60_000 });
    const checks = await tab.evaluate(() => window.__checks);
    if ("error" in checks) {
      console.error(`browser check threw: ${checks.error}`);
      failed++;
      continue;
    }
    for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? ` (${c.detail})` : ""}`);
    passed += checks.filter((c) => c.ok).length;
    failed += checks.filter((c) => !c.ok).length;
    await tab.close();
  }
  console.log(`${passed} passed, ${failed} failed (Chromium ${browser.version()})`);
} finally {
  await browser.close();
  server.close();
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed > 0 || passed === 0 ? 1 : 0);
