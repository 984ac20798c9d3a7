// What the browser check runs in a page (bundled by test/browser/run.mjs): the library's WebAssembly kernels and
// worker threads in a cross-origin-isolated page, against references computed here in plain JS.
import { grad, jit, lax, np, random, type Tensor } from "../../src/index.js";
import { setThreads, threadsReady, wasmKernels } from "../../src/wasm/runtime.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const ord = (v: number) => {
  const i = new Int32Array(new Float32Array([v]).buffer)[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
};

const warnings: string[] = [];
const warn = console.warn.bind(console);
console.warn = (...a: unknown[]) => {
  warnings.push(a.map(String).join(" "));
  warn(...a);
};

async function run(): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail = "") => checks.push({ name, ok, detail });
  // served twice: cross-origin isolated (threads over a shared memory) and not (one thread, a plain memory)
  // (and once more under a Content-Security-Policy without 'unsafe-eval': jit interprets, WebAssembly still runs)
  const isolated = location.search !== "?plain";
  const csp = location.search === "?csp";
  check(
    isolated
      ? "cross-origin isolated (SharedArrayBuffer available)"
      : "not cross-origin isolated (no SharedArrayBuffer)",
    globalThis.crossOriginIsolated === isolated && (typeof SharedArrayBuffer !== "undefined") === isolated,
  );
  const w = wasmKernels();
  check(
    "WebAssembly SIMD kernels instantiate",
    w !== undefined && w.memorySpec.shared === isolated,
    `fma ${w?.fma}, shared memory ${w?.memorySpec.shared}`,
  );

  // matmul against the float32-sequential reference, on 1 and 2 threads
  const n = 160;
  const av = Float32Array.from({ length: n * n }, (_, i) => ((i * 37) % 23) / 7 - 1.5);
  const bv = Float32Array.from({ length: n * n }, (_, i) => ((i * 11) % 19) / 5 - 1.8);
  const want = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s = Math.fround(s + Math.fround(av[i * n + p]! * bv[p * n + j]!));
      want[i * n + j] = s;
    }
  }
  const a = np.array(av).reshape([n, n]);
  const b = np.array(bv).reshape([n, n]);
  setThreads(1);
  const one = np.matmul(a, b).toTypedArray();
  setThreads(2);
  const workers = await threadsReady();
  if (isolated)
    check(
      "a worker thread starts (Web Worker over the shared memory)",
      workers >= 1 || navigator.hardwareConcurrency < 2,
      `${workers} ready, hardwareConcurrency ${navigator.hardwareConcurrency}`,
    );
  else check("no worker thread without a shared memory", workers === 0, `${workers} ready`);
  const two = np.matmul(a, b).toTypedArray();
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).findIndex((v, i) => !Object.is(v, y[i]));
  if (w?.fma) {
    // one rounding per step instead of two: within k·2⁻²⁴·Σ|a·b| of the float64 sum
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < n; p++) {
          s += av[i * n + p]! * bv[p * n + j]!;
          abs += Math.abs(av[i * n + p]! * bv[p * n + j]!);
        }
        if (Math.abs(one[i * n + j]! - s) > n * 2 ** -24 * abs) bad = i * n + j;
      }
    }
    check(
      "matmul 160² (fused multiply-add) within float32 rounding of the float64 sum, the same bits on 1 and 2 threads",
      bad < 0 && diff(one, two) < 0,
      `first out of bound ${bad}`,
    );
  } else
    check(
      "matmul 160² equals the float32-sequential reference bit for bit, on 1 and 2 threads",
      diff(one, want) < 0 && diff(two, want) < 0,
      `first difference ${diff(one, want)} / ${diff(two, want)}`,
    );

  // a long WebAssembly elementwise loop (split over the worker when it has started)
  const m = 1 << 20;
  const xs = Float32Array.from({ length: m }, (_, i) => ((i * 7919) % 2001) / 250 - 4);
  const f = jit((x: Tensor) => np.tanh(x).mul(np.exp(np.negative(np.abs(x)))));
  const source = f.lower(np.array(xs)).source;
  if (csp)
    check(
      "under the CSP, jit says it interprets and warns once",
      source.startsWith("// interpreted") && warnings.length === 1,
      warnings.join(" | "),
    );
  else check("jit compiles a float32 tanh·exp loop to WebAssembly SIMD", source.includes("WebAssembly SIMD loop"));
  setThreads(1);
  const e1 = f(np.array(xs)).toTypedArray();
  setThreads(2);
  const e2 = f(np.array(xs)).toTypedArray();
  let worst = 0;
  for (let i = 0; i < m; i++)
    worst = Math.max(worst, Math.abs(ord(e2[i]!) - ord(Math.fround(Math.tanh(xs[i]!) * Math.exp(-Math.abs(xs[i]!))))));
  check("the loop is the same on 1 and 2 threads", diff(e1, e2) < 0);
  check("the loop is within 8 ulp of float64 Math (two functions and a product)", worst <= 8, `max ${worst} ulp`);

  // the worker takes a share of elementwise loops too: it is sent each loop's module once (by message, while it is
  // back in its event loop), then handed jobs through the shared control array (Atomics.notify wakes it)
  const notify = Atomics.notify;
  let notified = 0;
  Atomics.notify = ((...a: Parameters<typeof Atomics.notify>) => (notified++, notify(...a))) as typeof Atomics.notify;
  const again = f(np.array(xs)).toTypedArray();
  Atomics.notify = notify;
  if (isolated && !csp && workers >= 1)
    check(
      "a Web Worker runs a share of the elementwise loop (same bits)",
      notified > 0 && diff(again, e1) < 0,
      `${notified} notifications`,
    );

  // a ReLU layer's elementwise part: a bias read per column, compare + select (branch-free masks), [1024, 1024]
  const rows = 1024;
  const hs = Float32Array.from({ length: rows * rows }, (_, i) => ((i * 7919) % 2001) / 500 - 2);
  const bias = Float32Array.from({ length: rows }, (_, i) => ((i * 31) % 17) / 8 - 1);
  const relu = jit((h: Tensor, b: Tensor) => np.where(np.lessEqual(h.add(b), 0), 0, h.add(b)));
  const hT = np.reshape(np.array(hs), [rows, rows]);
  const bT = np.array(bias);
  if (!csp)
    check(
      "jit compiles bias + ReLU rows to one WebAssembly SIMD loop",
      relu.lower(hT, bT).source.includes("WebAssembly SIMD loop"),
    );
  setThreads(1);
  const r1 = relu(hT, bT).toTypedArray();
  setThreads(2);
  const r2 = relu(hT, bT).toTypedArray();
  const rWant = Float32Array.from(hs, (v, i) => {
    const s = Math.fround(v + bias[i % rows]!);
    return s <= 0 ? 0 : s;
  });
  check(
    "bias + ReLU equals a plain JS reference bit for bit, on 1 and 2 threads",
    diff(r1, rWant) < 0 && diff(r2, rWant) < 0,
    `first difference ${diff(r1, rWant)} / ${diff(r2, rWant)}`,
  );
  setThreads(undefined);

  // a jitted scan and its gradient: a loop in the generated code (or interpreted under the CSP), against JS doubles
  const ws = [0.5, -0.25, 0.75];
  const rnnLoss = (w: Tensor, xs: Tensor) =>
    np.sum(
      lax.scan(
        (h: Tensor, x: Tensor) => {
          const h2 = np.tanh(h.mul(w).add(x));
          return [h2, h2] as const;
        },
        np.zeros([3], "float64"),
        xs,
      )[1] as Tensor,
    );
  const xv = Array.from({ length: 50 }, (_, t) => [Math.sin(t), Math.cos(t), Math.sin(0.3 * t)]);
  let h = [0, 0, 0];
  let total = 0;
  const dh = xv.map(() => [0, 0, 0]);
  const hsAll: number[][] = [];
  for (const x of xv) {
    h = h.map((hi, j) => Math.tanh(hi * ws[j]! + x[j]!));
    hsAll.push(h);
    total += h[0]! + h[1]! + h[2]!;
  }
  // d total / d w by a JS backward pass over the stored states
  const gw = [0, 0, 0];
  let carry = [0, 0, 0];
  for (let t = xv.length - 1; t >= 0; t--) {
    const prev = t > 0 ? hsAll[t - 1]! : [0, 0, 0];
    for (let j = 0; j < 3; j++) {
      const g = (1 + carry[j]!) * (1 - hsAll[t]![j]! ** 2);
      gw[j]! += g * prev[j]!;
      dh[t]![j] = g * ws[j]!;
    }
    carry = dh[t]!;
  }
  const w64 = np.array(ws, "float64");
  const x64 = np.array(xv, "float64");
  const value = jit(rnnLoss)(w64, x64).item() as number;
  const grad64 = (jit(grad(rnnLoss))(w64, x64) as Tensor).toArray() as number[];
  check(
    "a jitted lax.scan and its gradient equal a JS forward and backward pass",
    Math.abs(value - total) < 1e-12 && grad64.every((g, j) => Math.abs(g - gw[j]!) < 1e-12),
    `value ${value} vs ${total}; grad ${grad64} vs ${gw}`,
  );
  // JAX's threefry in the page: the WebAssembly kernel (from 32 words) and JS give JAX's words, as jax-js records them
  const few = random.bits(random.key(10), [4]).toArray() as number[];
  const many = random.bits(random.key(10), [1000]).toArray() as number[];
  const jitted = jit((k: Tensor) => random.bits(k, [1000]))(random.key(10)).toArray() as number[];
  const jaxWords = [169096361, 1572511259, 2689743692, 2228103506];
  check(
    "random.bits gives JAX's words, eagerly (JS and WebAssembly) and under jit",
    few.join() === jaxWords.join() && many.slice(0, 4).join() === jaxWords.join() && jitted.join() === many.join(),
    `${few} / ${many.slice(0, 4)}`,
  );
  return checks;
}

declare global {
  interface Window {
    __checks?: Check[] | { error: string };
  }
}
run().then(
  (c) => (window.__checks = c),
  (e: Error) => (window.__checks = { error: `${e.message}\n${e.stack}` }),
);
