// A pool of worker threads sharing the kernels' WebAssembly memory: worker_threads in Node (loaded with
// process.getBuiltinModule, so nothing Node-only is imported), Web Workers where SharedArrayBuffer is available
// (cross-origin isolated pages). Started on first use, never awaited: until a worker has instantiated the module
// it gets no work, so the first calls run on one thread. Workers are unref'd and never keep a process alive.
// Coordination is by Atomics on a shared control array, so a synchronous caller never waits on an event loop.

/** Ints per worker in the control array: generation, done generation, ready flag, then the job's arguments. */
const SLOT = 20;
const ARGS = 3;

export interface Pool {
  /** Workers that have instantiated the module and take jobs now. */
  ready(): number;
  /** Runs `jobs[i]` (the arguments of the module's `job`) on ready worker i while the caller runs `own`; returns when all are done. */
  run(jobs: readonly (readonly number[])[], own: () => void): void;
  terminate(): void;
}

const WORKER_LOOP = `
  const job = new WebAssembly.Instance(module, { env: { memory } }).exports.job;
  const c = new Int32Array(ctl);
  const b = index * ${SLOT};
  Atomics.store(c, b + 2, 1);
  let gen = 0;
  for (;;) {
    Atomics.wait(c, b, gen);
    gen = Atomics.load(c, b);
    job(${Array.from({ length: 14 }, (_, k) => `c[b + ${ARGS + k}]`).join(", ")});
    Atomics.store(c, b + 1, gen);
    Atomics.notify(c, b + 1);
  }`;

interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}
type NodeWorkerThreads = { Worker: new (code: string, opts: { eval: true; workerData: unknown }) => NodeWorker };
type Builtins = { getBuiltinModule?: (name: string) => unknown; versions?: { node?: string } };

const nodeProcess = (): Builtins | undefined => (globalThis as { process?: Builtins }).process;

let hw: number | undefined;
/** How many threads the machine offers (1 where unknown). */
export function hardwareThreads(): number {
  return (hw ??= readHardwareThreads());
}
function readHardwareThreads(): number {
  const os = nodeProcess()?.getBuiltinModule?.("os") as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Whether this thread may block in Atomics.wait (browsers forbid it on the main thread: spin there). */
const canBlock = (): boolean =>
  nodeProcess()?.versions?.node !== undefined || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";

/** Starts `n` workers over `memory` running `module`'s job, or undefined where threads are unavailable. */
export function startPool(n: number, memory: WebAssembly.Memory, module: WebAssembly.Module): Pool | undefined {
  if (n <= 0 || typeof SharedArrayBuffer === "undefined" || !(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * SLOT * n));
  const stops: (() => void)[] = [];
  const wt = nodeProcess()?.getBuiltinModule?.("worker_threads") as NodeWorkerThreads | undefined;
  try {
    for (let index = 0; index < n; index++) {
      if (wt) {
        const w = new wt.Worker(`const { memory, module, ctl, index } = require("node:worker_threads").workerData;${WORKER_LOOP}`, {
          eval: true,
          workerData: { memory, module, ctl: ctl.buffer, index },
        });
        w.unref();
        stops.push(() => void w.terminate());
      } else {
        const W = (globalThis as { Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void } }).Worker;
        const url = (globalThis as { URL?: { createObjectURL(b: Blob): string } }).URL;
        if (!W || !url || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return undefined;
        const w = new W(url.createObjectURL(new Blob([`onmessage = (e) => { const { memory, module, ctl, index } = e.data;${WORKER_LOOP} };`])));
        w.postMessage({ memory, module, ctl: ctl.buffer, index });
        stops.push(() => w.terminate());
      }
    }
  } catch {
    stops.forEach((s) => s());
    return undefined;
  }
  const block = canBlock();
  let readyCount = 0;
  return {
    ready() {
      while (readyCount < n && Atomics.load(ctl, readyCount * SLOT + 2) === 1) readyCount++;
      return readyCount;
    },
    run(jobs, own) {
      const gens = jobs.map((args, i) => {
        const b = i * SLOT;
        for (let k = 0; k < args.length; k++) ctl[b + ARGS + k] = args[k]!;
        const gen = Atomics.add(ctl, b, 1) + 1;
        Atomics.notify(ctl, b);
        return gen;
      });
      own();
      gens.forEach((gen, i) => {
        const at = i * SLOT + 1;
        for (let done = Atomics.load(ctl, at); done !== gen; done = Atomics.load(ctl, at)) if (block) Atomics.wait(ctl, at, done);
      });
    },
    terminate() {
      stops.forEach((s) => s());
    },
  };
}
