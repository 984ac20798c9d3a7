// The worker pool (src/wasm/threads.ts) when a job traps in a worker: the call throws a clear error instead of
// returning an incomplete result, waits for every worker first, and the pool keeps working afterwards.
import os from "node:os";
import { describe, expect, it } from "vitest";
import { assemble, Code } from "../../src/lowering/encode.js";
import { newKind, setThreads, splitWork, threadsReady, wasmKernels } from "../../src/wasm/runtime.js";

/** run(count, address, slot): reads an i32 at `address` (a trap past the memory's end), then stores 1 at `slot`. */
function probe() {
  const w = wasmKernels()!;
  const c = new Code(["i32", "i32", "i32"]);
  c.get(1).mem("i32.load").op("drop");
  c.get(2).i32(1).mem("i32.store");
  const module = new WebAssembly.Module(
    assemble({
      memory: { initial: 1, maximum: w.memorySpec.maxPages, shared: w.memorySpec.shared },
      functions: [{ name: "run", code: c }],
    }),
  );
  const run = new WebAssembly.Instance(module, { env: { memory: w.memory } }).exports.run as (...a: number[]) => void;
  return { w, module, run, kind: newKind() };
}

describe.runIf(os.availableParallelism() >= 2)("a trap in a worker thread", () => {
  it("throws from the calling thread, and the pool runs the next job", async () => {
    setThreads(2);
    expect(await threadsReady()).toBeGreaterThanOrEqual(1);
    const { w, module, run, kind } = probe();
    const beyond = 0x7ffffff0; // far past the memory's end
    // the caller's share (start 0) reads address 0; the worker's share reads past the end and traps
    expect(() => splitWork(w, 4, 1, kind, module, run, (start) => [1, start === 0 ? 0 : beyond, 64])).toThrow(
      /worker thread 1 \(a trap\)/,
    );
    // each share marks its own slot: 64 + 4·start (the shares start at 0 and 2)
    const slots = new Int32Array(w.memory.buffer, 64, 4);
    slots.fill(0);
    splitWork(w, 4, 1, kind, module, run, (start) => [1, 0, 64 + 4 * start]);
    expect(Array.from(slots), "both threads ran the next job").toEqual([1, 0, 1, 0]);
    setThreads(undefined);
  });
});
