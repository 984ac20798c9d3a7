import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = { tracegrad: fileURLToPath(new URL("./src/index.ts", import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["test/**/*.test.ts"], setupFiles: ["./test/setup.ts"] } },
      {
        resolve: { alias },
        test: {
          name: "property",
          include: ["property-tests/**/*.test.ts"],
          testTimeout: 120_000,
          setupFiles: ["./test/setup.ts"],
        },
      },
    ],
  },
});
