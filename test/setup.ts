// Runs before every test file (vitest setupFiles): kernels' fresh outputs come filled with poison values (NaN,
// 0xab for bool), so a kernel that leaves an element unwritten fails the tests instead of reading as 0.
import { setPoisonedAllocations } from "../src/core/dtype.js";

setPoisonedAllocations(true);
