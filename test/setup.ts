// Runs before every test file (vitest setupFiles): kernels' fresh outputs come filled with poison values (NaN,
// 0xab for bool), so a kernel that leaves an element unwritten fails the tests instead of reading as 0; and after
// every test no transform may be left on the trace stack (an error anywhere must unwind it).
import { afterEach, expect } from "vitest";
import { setPoisonedAllocations } from "../src/core/dtype.js";
import { traceDepth } from "../src/ir/trace.js";

setPoisonedAllocations(true);

afterEach(() => {
  expect(traceDepth(), "nothing left on the trace stack").toBe(0);
});
