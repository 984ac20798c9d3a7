// A pool of worker threads sharing the kernels' WebAssembly memory: worker_threads in Node (loaded with
// process.getBuiltinModule, so nothing Node-only is imported), Web Workers where SharedArrayBuffer is available
// (cross-origin isolated pages). Started on first use, never awaited: until a worker has instantiated the module
// it gets no work, so the first calls run on one thread. Workers are unref'd and never keep a process alive.
// Coordination is by Atomics on a shared control array, so a synchronous caller never waits on an event loop.

/**
 * Ints per worker in the control array: generation, done generation, ready flag, job kind, argument count, chunk
 * size and units (0: a fixed share), the last module kind installed, whether its job threw, the generation it has
 * started, then the arguments.
 * Kind 0 runs the kernels module's `job` (matmul); kind k > 0 runs `run` of the module registered as k (elementwise
 * loops), which workers receive when first needed. After the workers' slots, one shared counter hands out chunks
 * (see runChunks).
 */
const SLOT = 40;
const HEAD = 10;
export const MAX_ARGS = SLOT - HEAD;
/** How long (ms) a caller spins for a running worker to finish before it blocks. */
const SPIN_MS = 0.25;

export interface Pool {
  /** Workers that have instantiated the module and take jobs now. */
  ready(): number;
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
  runChunks(
    args: readonly number[],
    units: number,
    chunk: number,
    helpers: number,
    own: (start: number, end: number) => void,
  ): void;
  terminate(): void;
}

/**
 * The worker's code (a string: workers start from source). `setup` runs once with the kernels module; `loop` takes
 * jobs until one of kind −1 sends it back to the event loop (Web Workers: to take a new module by message, then
 * `install` it and loop again). Node workers take new modules synchronously from their port instead.
 */
const WORKER_CODE = `
  let kinds, c, counter, b, gen = 0, mem;
  const setup = (memory, module, ctl, index) => {
    mem = memory;
    kinds = [new WebAssembly.Instance(module, { env: { memory } }).exports.job];
    c = new Int32Array(ctl);
    counter = c.length - 1;
    b = index * ${SLOT};
    Atomics.store(c, b + 2, 1);
  };
  const install = (m) => {
    kinds[m.kind] = new WebAssembly.Instance(m.module, { env: { memory: mem } }).exports.run;
    Atomics.store(c, b + 7, m.kind);
  };
  const loop = (receive, port) => {
    for (;;) {
      Atomics.wait(c, b, gen);
      gen = Atomics.load(c, b);
      Atomics.store(c, b + 9, gen);
      const kind = c[b + 3];
      if (kind === -1) {
        Atomics.store(c, b + 1, gen);
        Atomics.notify(c, b + 1);
        return;
      }
      while (kinds[kind] === undefined) {
        const m = receive && receive(port);
        if (m) install(m.message);
      }
      const args = [];
      for (let k = 0; k < c[b + 4]; k++) args.push(c[b + ${HEAD} + k]);
      const chunk = c[b + 5], units = c[b + 6];
      try {
        if (chunk === 0) kinds[kind](...args);
        else {
          // chunks from the shared counter until none is left
          let start;
          while ((start = Atomics.add(c, counter, 1) * chunk) < units)
            kinds[kind](...args, start, Math.min(units, start + chunk));
        }
      } catch {
        Atomics.store(c, b + 8, 1);
      }
      Atomics.store(c, b + 1, gen);
      Atomics.notify(c, b + 1);
    }
  };`;

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
  const os = nodeProcess()?.getBuiltinModule?.("os") as
    | { availableParallelism?: () => number; cpus(): unknown[] }
    | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Whether this thread may block in Atomics.wait (browsers forbid it on the main thread: spin there). */
const canBlock = (): boolean =>
  nodeProcess()?.versions?.node !== undefined ||
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";

/** Starts `n` workers over `memory` running `module`'s job, or undefined where threads are unavailable. */
export function startPool(n: number, memory: WebAssembly.Memory, module: WebAssembly.Module): Pool | undefined {
  if (n <= 0 || typeof SharedArrayBuffer === "undefined" || !(memory.buffer instanceof SharedArrayBuffer))
    return undefined;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOT * n + 1)));
  const counter = SLOT * n;
  const stops: (() => void)[] = [];
  const ports: { postMessage(m: unknown): void; unref(): void }[] = [];
  /** Kinds sent to the Node workers (each worker's port delivers them in order, started or not). */
  const sent = new Set<number>();
  const wt = nodeProcess()?.getBuiltinModule?.("worker_threads") as NodeWorkerThreads | undefined;
  const webWorkers: { postMessage(m: unknown): void }[] = [];
  /** Kinds each Web Worker has installed. */
  const installed = Array.from({ length: n }, () => new Set<number>());
  try {
    for (let index = 0; index < n; index++) {
      if (wt) {
        const { port1, port2 } = new wt.MessageChannel();
        const w = new wt.Worker(
          `${WORKER_CODE} const wt = require("node:worker_threads"); const { memory, module, ctl, index, port } = ` +
            `wt.workerData; setup(memory, module, ctl, index); loop(wt.receiveMessageOnPort, port);`,
          { eval: true, workerData: { memory, module, ctl: ctl.buffer, index, port: port2 }, transferList: [port2] },
        );
        w.unref();
        port1.unref();
        ports.push(port1);
        stops.push(() => void w.terminate());
      } else {
        const W = (globalThis as { Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void } })
          .Worker;
        const url = (globalThis as { URL?: { createObjectURL(b: Blob): string } }).URL;
        if (!W || !url || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false)
          return undefined;
        const w = new W(
          url.createObjectURL(
            new Blob([
              `${WORKER_CODE} onmessage = (e) => { if (kinds === undefined) setup(e.data.memory, e.data.module, ` +
                `e.data.ctl, e.data.index); else install(e.data); loop(); };`,
            ]),
          ),
        );
        w.postMessage({ memory, module, ctl: ctl.buffer, index });
        webWorkers.push(w);
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
  /**
   * Runs the caller's part, then waits until every worker has reported its generation done (also when the caller's
   * part throws: no worker may still write to the memory when the next call starts). A job that threw in a worker
   * (a trap) throws here.
   */
  const waitAll = (gens: number[], own: () => void): void => {
    try {
      own();
    } finally {
      // a worker that is running its share is usually microseconds from done, and waking from Atomics.wait costs
      // tens of them: spin a little for it (not for a worker still asleep: the machine may be oversubscribed)
      const spinEnd = performance.now() + SPIN_MS;
      gens.forEach((gen, i) => {
        const at = i * SLOT + 1;
        for (let done = Atomics.load(ctl, at); done !== gen; done = Atomics.load(ctl, at))
          if (block && (Atomics.load(ctl, at + 8) !== gen || performance.now() > spinEnd)) Atomics.wait(ctl, at, done);
      });
    }
    const failed = gens.map((_, i) => Atomics.exchange(ctl, i * SLOT + 8, 0)).findIndex((f) => f !== 0);
    if (failed >= 0)
      throw new Error(
        `tracegrad: a WebAssembly kernel failed in worker thread ${failed + 1} (a trap); its result is incomplete`,
      );
  };
  return {
    ready() {
      while (readyCount < n && Atomics.load(ctl, readyCount * SLOT + 2) === 1) readyCount++;
      return readyCount;
    },
    run(kind, jobs, own, module) {
      if (kind !== 0) {
        if (!module) throw new Error(`threads: no module for kind ${kind}`);
        if (wt && !sent.has(kind)) ports.forEach((port) => port.postMessage({ kind, module }));
        sent.add(kind);
        // a Web Worker takes messages only from its event loop: send it the module, send it back there (a job of
        // kind −1), and wait until it has installed the module and takes jobs again
        if (!wt)
          jobs.forEach((_, i) => {
            if (installed[i]!.has(kind)) return;
            webWorkers[i]!.postMessage({ kind, module });
            waitAll([start(i, -1, [], 0, 0)], () => {});
            const at = i * SLOT + 7;
            for (let k = Atomics.load(ctl, at); k !== kind; k = Atomics.load(ctl, at))
              if (block) Atomics.wait(ctl, at, k, 1);
            installed[i]!.add(kind);
          });
      }
      waitAll(
        jobs.map((args, i) => start(i, kind, args, 0, 0)),
        own,
      );
    },
    runChunks(args, units, chunk, helpers, own) {
      Atomics.store(ctl, counter, 0);
      const gens = Array.from({ length: helpers }, (_, i) => start(i, 0, args, chunk, units));
      waitAll(gens, () => {
        for (let s = Atomics.add(ctl, counter, 1) * chunk; s < units; s = Atomics.add(ctl, counter, 1) * chunk)
          own(s, Math.min(units, s + chunk));
      });
    },
    terminate() {
      stops.forEach((s) => s());
    },
  };
}
