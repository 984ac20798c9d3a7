import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  tsconfig: "tsconfig.build.json",
  // fp-ts ships no `exports` map, so Node ESM cannot resolve `fp-ts/Either`: bundle the few functions used.
  noExternal: [/^fp-ts/],
});
