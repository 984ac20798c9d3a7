// The other libraries the suites compare against, initialised once per process:
// - jax-js (@jax-js/jax) on its "wasm" device (Node has no WebGPU; no web Worker either, so it runs single-threaded);
// - TensorFlow.js (@tensorflow/tfjs) on the "wasm" backend (@tensorflow/tfjs-backend-wasm, its .wasm files read
//   from node_modules) and on the plain-JS "cpu" backend.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { Tensor } from "tracegrad";

export { jax, tf };

let jaxReady: Promise<void> | undefined;
/** Initialises jax-js's wasm (and cpu) devices and makes wasm the default; checks it. */
export function loadJax(): Promise<void> {
  jaxReady ??= (async () => {
    const devices = await jax.init("wasm", "cpu");
    if (!devices.includes("wasm"))
      throw new Error(`jax-js: the wasm device did not initialise (got ${devices.join(", ")})`);
    jax.defaultDevice("wasm");
    const probe = jax.numpy.array([1, 2, 3]);
    if (probe.device !== "wasm") throw new Error(`jax-js: arrays are on ${probe.device}, expected wasm`);
    probe.dispose();
  })();
  return jaxReady;
}

export type TfBackend = "wasm" | "cpu";
let tfReady: Promise<void> | undefined;
/** What TensorFlow.js's wasm backend runs: which binary (SIMD, threads) and how many threads. */
export let tfWasmInfo = "";

/** Initialises TensorFlow.js's wasm and cpu backends (wasm binaries from node_modules); checks both. */
export function loadTf(): Promise<void> {
  tfReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir =
      path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
    setWasmPaths(dir);
    for (const b of ["cpu", "wasm"] as const) {
      if (!(await tf.setBackend(b)) || tf.getBackend() !== b)
        throw new Error(`tfjs: backend ${b} did not initialise (active: ${tf.getBackend()})`);
    }
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    const wasm = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
    tfWasmInfo = `tfjs-backend-wasm ${simd ? (threads ? "threaded SIMD" : "SIMD") : "plain"} binary, ${wasm.wasm?.tfjs?.getThreadsCount?.() ?? "?"} thread(s)`;
  })();
  return tfReady;
}

/** Installed versions of the compared libraries (from their package.json files). */
export function libVersions(): string {
  const require = createRequire(import.meta.url);
  // package.json is not always an exported subpath: walk up from the resolved entry point
  const version = (name: string): string => {
    for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? "?";
    }
    return "?";
  };
  const v = (name: string) => `${name} ${version(name)}`;
  return [v("@jax-js/jax"), v("@tensorflow/tfjs"), v("@tensorflow/tfjs-backend-wasm")].join(", ");
}

/** Selects a TensorFlow.js backend (for a case's untimed `before` hook); checks that it is active. */
export async function useTf(b: TfBackend): Promise<void> {
  if (tf.getBackend() !== b) await tf.setBackend(b);
  if (tf.getBackend() !== b) throw new Error(`tfjs: could not switch to ${b}`);
}

/** The f32 data of a tracegrad tensor, as a jax-js array on the wasm device. */
export const toJax = (t: Tensor): jax.numpy.Array =>
  jax.numpy.array(new Float32Array(t.toTypedArray() as Float32Array)).reshape([...t.shape]);
/** The f32 data of a tracegrad tensor, as a TensorFlow.js tensor of the currently active backend. */
export const toTf = (t: Tensor): tf.Tensor =>
  tf.tensor(new Float32Array(t.toTypedArray() as Float32Array), [...t.shape], "float32");
