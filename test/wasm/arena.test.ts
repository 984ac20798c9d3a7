// A jit program's values that stay inside a call live in the WebAssembly kernels' shared memory (compile/link.ts's
// arena, held on runtime.ts's stack), where matmul and the fused loops read and write them without copies. Checked:
// results against a plain float64 reference, with every operand in the memory (whole tiles) and with padded shapes
// (copies); results never alias the memory (the next call would overwrite them); nested programs (a scan body inside
// jit) release what they hold; and the same program with the WebAssembly kernels turned off gives the same numbers.
import { grad, jit, lax, np, type Tensor } from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/core/random.js";
import { scratchBase, setWasmDisabled, threadsReady, wasmKernels } from "../../src/wasm/runtime.js";

afterEach(() => setWasmDisabled(false));

const rand = (seed: number, n: number, scale = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
};

/** C = A·B in float64 over row-major arrays. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, ta = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = ta ? a[p * m + i]! : a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += av * b[p * n + j]!;
    }
  return c;
}

/** loss = Σ (relu(x·w1 + b1)·w2)² / 2 and its gradients with respect to w1 and w2, in float64. */
function reference(x: Float32Array, w1: Float32Array, b1: Float32Array, w2: Float32Array, dims: number[]) {
  const [m, k, h, n] = dims as [number, number, number, number];
  const z = mm(x, w1, m, k, h).map((v, i) => v + b1[i % h]!);
  const a = z.map((v) => Math.max(v, 0));
  const y = mm(a, w2, m, h, n);
  const loss = y.reduce((s, v) => s + (v * v) / 2, 0);
  const gw2 = mm(a, y, h, m, n, true);
  // dA = y·w2ᵀ
  const w2t = new Float64Array(n * h);
  for (let i = 0; i < h; i++) for (let j = 0; j < n; j++) w2t[j * h + i] = w2[i * n + j]!;
  const dz = mm(y, w2t, m, n, h).map((v, i) => (z[i]! > 0 ? v : 0));
  const gw1 = mm(x, dz, k, m, h, true);
  return { loss, gw1, gw2 };
}

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let d = 0;
  let s = 1e-6;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  return d / s;
}

describe("jit arena in the kernels' memory", () => {
  // whole tiles (every matmul operand and result used in place) and ragged shapes (padded: copied)
  for (const dims of [
    [64, 96, 128, 32],
    [5, 7, 9, 10],
    [128, 784, 256, 10],
  ]) {
    it(`MLP loss and gradients ${dims.join("×")} match float64`, async () => {
      await threadsReady();
      const [m, k, h, n] = dims as [number, number, number, number];
      const [xs, w1s, b1s, w2s] = [rand(1, m * k), rand(2, k * h, 0.1), rand(3, h, 0.1), rand(4, h * n, 0.1)];
      const loss = (w1: Tensor, w2: Tensor, x: Tensor, b1: Tensor) => {
        const y = np.matmul(np.maximum(np.add(np.matmul(x, w1), b1), 0), w2);
        return np.sum(np.multiply(np.multiply(y, y), 0.5));
      };
      const f = jit((w1: Tensor, w2: Tensor, x: Tensor, b1: Tensor) => [
        loss(w1, w2, x, b1),
        ...grad(loss, { argnums: [0, 1] })(w1, w2, x, b1),
      ]);
      const args = [
        np.reshape(np.array(w1s), [k, h]),
        np.reshape(np.array(w2s), [h, n]),
        np.reshape(np.array(xs), [m, k]),
        np.array(b1s),
      ] as const;
      const want = reference(xs, w1s, b1s, w2s, dims);
      const first = f(...args);
      const second = f(...args); // a second call reuses the arena: the first call's results must be untouched
      for (const out of [first, second]) {
        const [l, g1, g2] = out as Tensor[];
        expect(maxRel([Number(l)], [want.loss])).toBeLessThan(1e-4);
        expect(maxRel(g1!.toTypedArray(), want.gw1)).toBeLessThan(1e-4);
        expect(maxRel(g2!.toTypedArray(), want.gw2)).toBeLessThan(1e-4);
      }
      const memory = wasmKernels()!.memory.buffer;
      for (const t of [...first, ...second]) expect(t._data?.buffer).not.toBe(memory);
      expect(scratchBase()).toBe(0);
      // the same program on the JS kernels (ordinary arrays for its arena)
      setWasmDisabled(true);
      const js = jit((w1: Tensor, w2: Tensor, x: Tensor, b1: Tensor) => [
        loss(w1, w2, x, b1),
        ...grad(loss, { argnums: [0, 1] })(w1, w2, x, b1),
      ])(...args);
      js.forEach((t, i) => expect(maxRel(t.toTypedArray(), first[i]!.toTypedArray())).toBeLessThan(1e-5));
    });
  }

  it("many calls do not grow the memory (the arena is held and released, not accumulated)", () => {
    const f = jit((a: Tensor, b: Tensor) => np.sum(np.tanh(np.matmul(np.tanh(np.matmul(a, b)), b))));
    const a = np.reshape(np.array(rand(8, 64 * 256)), [64, 256]);
    const b = np.reshape(np.array(rand(9, 256 * 256, 0.05)), [256, 256]);
    for (let i = 0; i < 20; i++) f(a, b);
    const bytes = wasmKernels()!.memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) f(a, b);
    expect(wasmKernels()!.memory.buffer.byteLength).toBe(bytes);
    expect(scratchBase()).toBe(0);
  });

  it("a scan body compiled inside jit holds and releases its own arena", () => {
    const w = np.reshape(np.array(rand(5, 64 * 64, 0.1)), [64, 64]);
    const body = (c: Tensor, x: Tensor): [Tensor, Tensor] => {
      const next = np.tanh(np.add(np.matmul(c, w), x));
      return [next, np.sum(np.multiply(next, next))];
    };
    const run = (c0: Tensor, xs: Tensor) => lax.scan(body, c0, xs);
    const c0 = np.reshape(np.array(rand(6, 32 * 64)), [32, 64]);
    const xs = np.reshape(np.array(rand(7, 5 * 32 * 64)), [5, 32, 64]);
    const [cj, ysj] = jit(run)(c0, xs) as [Tensor, Tensor];
    const [ce, yse] = run(c0, xs) as [Tensor, Tensor];
    expect(maxRel(cj.toTypedArray(), ce.toTypedArray())).toBeLessThan(1e-5);
    expect(maxRel(ysj.toTypedArray(), yse.toTypedArray())).toBeLessThan(1e-5);
    expect(scratchBase()).toBe(0);
  });
});
