// Registry-driven primitive laws: one generic test per law, run for every primitive in src/higher_order/registry.ts.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { primitives } from "../src/higher_order/registry.js";
import { runs } from "./config.js";
import { knownBug } from "./known_bugs.js";
import { firstCase, lawProperty, PRIMITIVE_LAWS, SEED } from "./laws.js";

describe("registry", () => {
  it("every primitive declares a TestSpec and a unique name", () => {
    expect(
      primitives.filter((p) => !p.testing).map((p) => p.name),
      "primitives without `testing`",
    ).toEqual([]);
    expect(new Set(primitives.map((p) => p.name)).size).toBe(primitives.length);
  });
  // Primitive modules import each other (rules use sibling primitives): any of them must initialise first.
  const dir = fileURLToPath(new URL("../src/primitives/", import.meta.url));
  const modules = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `../src/primitives/${f}`);
  it.each(modules)("%s loads as the first module (fresh module graph)", async (path) => {
    vi.resetModules();
    await expect(import(/* @vite-ignore */ path)).resolves.toBeTypeOf("object");
    const { primitives: fresh } = await import("../src/higher_order/registry.js");
    expect(fresh.length).toBe(primitives.length);
  });
});

for (const law of PRIMITIVE_LAWS) {
  describe(law.name, () => {
    const covered = primitives.filter((p) => law.applies(p, firstCase(p)));
    it("applies to at least one registered primitive", () => expect(covered.length).toBeGreaterThan(0));
    for (const p of covered) {
      const bug = knownBug(law.name, p.name);
      (bug ? it.skip : it)(bug ? `${p.name} — KNOWN_BUGS: ${bug}` : p.name, () => {
        fc.assert(lawProperty(law, p), { seed: SEED, numRuns: runs(law.numRuns) });
      });
    }
  });
}
