// A pool of worker threads sharing the kernels' WebAssembly memory: worker_threads in Node (loaded with
// process.getBuiltinModule, so nothing Node-only is imported), Web Workers where SharedArrayBuffer is available
// (cross-origin isolated pages). Started on first use, never awaited: until a worker has instantiated the module
// it gets no work, so the first calls run on one thread. Workers are unref'd and never keep a process alive.
// Coordination is by Atomics on a shared control array, so a synchronous caller never waits on an event loop.

/**
 * Ints per worker in the control array: generation, done generation, ready flag, job kind, argument count, chunk
 * size and units (0: a fixed share), then the arguments. Kind 0 runs the kernels module's `job` (matmul); kind
 * k > 0 runs `run` of the module registered as k (elementwise loops), which Node workers receive synchronously on a
 * message port when first needed. After the workers' slots, one shared counter hands out chunks (see runChunks).
 */
const SLOT = 40;
const HEAD = 7;
export const MAX_ARGS = SLOT - HEAD;

export interface Pool {
  /** Workers that have instantiated the module and take jobs now. */
  ready(): number;
  /** Whether workers can run modules registered after they started (Node: yes; Web Workers: matmul only). */
  readonly modules: boolean;
  /**
   * Runs `jobs[i]` on ready worker i while the caller runs `own`; returns when all are done. `kind` 0: the kernels
   * module's `job`; otherwise the `run` export of `module`, registered under that kind.
   */
  run(kind: number, jobs: readonly (readonly number[])[], own: () => void, module?: WebAssembly.Module): void;
  /**
   * Runs `fn(...args, start, end)` of the kernels module (kind 0) over [0, units) in chunks of `chunk`, which the
   * caller and `helpers` ready workers take in turn from a shared counter until none is left: a late or slower
   * thread simply takes fewer. `own(start, end)` is the caller's call.
   */
  runChunks(args: readonly number[], units: number, chunk: number, helpers: number, own: (start: number, end: number) => void): void;
  terminate(): void;
}

const WORKER_LOOP = `
  const kinds = [new WebAssembly.Instance(module, { env: { memory } }).exports.job];
  const c = new Int32Array(ctl);
  const counter = c.length - 1;
  const b = index * ${SLOT};
  Atomics.store(c, b + 2, 1);
  let gen = 0;
  for (;;) {
    Atomics.wait(c, b, gen);
    gen = Atomics.load(c, b);
    const kind = c[b + 3];
    while (kinds[kind] === undefined) {
      const m = receive && receive(port);
      if (m) kinds[m.message.kind] = new WebAssembly.Instance(m.message.module, { env: { memory } }).exports.run;
    }
    const args = [];
    for (let k = 0; k < c[b + 4]; k++) args.push(c[b + ${HEAD} + k]);
    const chunk = c[b + 5], units = c[b + 6];
    if (chunk === 0) kinds[kind](...args);
    else for (let start = Atomics.add(c, counter, 1) * chunk; start < units; start = Atomics.add(c, counter, 1) * chunk) kinds[kind](...args, start, Math.min(units, start + chunk));
    Atomics.store(c, b + 1, gen);
    Atomics.notify(c, b + 1);
  }`;

interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}
type NodeWorkerThreads = {
  Worker: new (code: string, opts: { eval: true; workerData: unknown; transferList: unknown[] }) => NodeWorker;
  MessageChannel: new () => { port1: { postMessage(m: unknown): void; unref(): void }; port2: unknown };
};
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
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOT * n + 1)));
  const counter = SLOT * n;
  const stops: (() => void)[] = [];
  const ports: { postMessage(m: unknown): void; unref(): void }[] = [];
  /** Kinds each worker has been sent (per worker: its port delivers them in order). */
  const sent = new Set<number>();
  const wt = nodeProcess()?.getBuiltinModule?.("worker_threads") as NodeWorkerThreads | undefined;
  try {
    for (let index = 0; index < n; index++) {
      if (wt) {
        const { port1, port2 } = new wt.MessageChannel();
        const w = new wt.Worker(
          `const wt = require("node:worker_threads"); const receive = wt.receiveMessageOnPort; const { memory, module, ctl, index, port } = wt.workerData;${WORKER_LOOP}`,
          { eval: true, workerData: { memory, module, ctl: ctl.buffer, index, port: port2 }, transferList: [port2] },
        );
        w.unref();
        port1.unref();
        ports.push(port1);
        stops.push(() => void w.terminate());
      } else {
        const W = (globalThis as { Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void } }).Worker;
        const url = (globalThis as { URL?: { createObjectURL(b: Blob): string } }).URL;
        if (!W || !url || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return undefined;
        const w = new W(url.createObjectURL(new Blob([`onmessage = (e) => { const receive = undefined, port = undefined; const { memory, module, ctl, index } = e.data;${WORKER_LOOP} };`])));
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
  /** Hands worker i a job; returns the generation it will report done. */
  const start = (i: number, kind: number, args: readonly number[], chunk: number, units: number): number => {
    const b = i * SLOT;
    ctl[b + 3] = kind;
    ctl[b + 4] = args.length;
    ctl[b + 5] = chunk;
    ctl[b + 6] = units;
    for (let k = 0; k < args.length; k++) ctl[b + HEAD + k] = args[k]!;
    const gen = Atomics.add(ctl, b, 1) + 1;
    Atomics.notify(ctl, b);
    return gen;
  };
  /** Runs the caller's part, then waits until every worker has reported its generation done. */
  const waitAll = (gens: number[], own: () => void): void => {
    own();
    gens.forEach((gen, i) => {
      const at = i * SLOT + 1;
      for (let done = Atomics.load(ctl, at); done !== gen; done = Atomics.load(ctl, at)) if (block) Atomics.wait(ctl, at, done);
    });
  };
  return {
    ready() {
      while (readyCount < n && Atomics.load(ctl, readyCount * SLOT + 2) === 1) readyCount++;
      return readyCount;
    },
    modules: wt !== undefined,
    run(kind, jobs, own, module) {
      if (kind !== 0 && !sent.has(kind)) {
        if (!wt || !module) throw new Error("threads: this pool cannot run registered modules");
        ports.forEach((port) => port.postMessage({ kind, module }));
        sent.add(kind);
      }
      waitAll(jobs.map((args, i) => start(i, kind, args, 0, 0)), own);
    },
    runChunks(args, units, chunk, helpers, own) {
      Atomics.store(ctl, counter, 0);
      const gens = Array.from({ length: helpers }, (_, i) => start(i, 0, args, chunk, units));
      waitAll(gens, () => {
        for (let s = Atomics.add(ctl, counter, 1) * chunk; s < units; s = Atomics.add(ctl, counter, 1) * chunk) own(s, Math.min(units, s + chunk));
      });
    },
    terminate() {
      stops.forEach((s) => s());
    },
  };
}
