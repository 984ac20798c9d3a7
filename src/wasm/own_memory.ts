// A WebAssembly kernel with a memory of its own (not the matmul's, so no other kernel's call overwrites what it keeps
// there), built on first use and grown to what a call needs. Unavailable where WebAssembly SIMD is (runtime.ts decides
// for all the backend's kernels).
import { assemble, type Code } from "../lowering/encode.js";
import { wasmKernels } from "./runtime.js";

const MAX_PAGES = 32768;

type Fn = (...args: number[]) => void;

/** The bytes of a module of `functions` over a memory of its own. */
export const ownMemoryModule = (functions: { name: string; code: Code }[]): Uint8Array<ArrayBuffer> =>
  assemble({ memory: { initial: 1, maximum: MAX_PAGES, shared: false }, functions });

export interface OwnMemoryKernel {
  /** The exported functions, by name. */
  fn: Record<string, Fn>;
  /** The memory's buffer, grown to at least `bytes` (undefined past the limit; earlier views go stale on growth). */
  buffer(bytes: number): ArrayBuffer | undefined;
  /** The memory's buffer as it is. */
  current(): ArrayBuffer;
}

/** The kernel of `bytes()`, built on first call; `peek` gives it only if built. */
export function ownMemoryKernel(bytes: () => Uint8Array<ArrayBuffer>): {
  get(): OwnMemoryKernel | undefined;
  peek(): OwnMemoryKernel | undefined;
} {
  let built: OwnMemoryKernel | null | undefined;
  const get = () => {
    if (!wasmKernels()) return undefined;
    if (built === undefined) {
      try {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
        const e = new WebAssembly.Instance(new WebAssembly.Module(bytes()), { env: { memory } }).exports;
        built = {
          fn: e as unknown as Record<string, Fn>,
          buffer(n) {
            if (n > MAX_PAGES * 65536) return undefined;
            const have = memory.buffer.byteLength;
            if (have < n) memory.grow(Math.ceil((n - have) / 65536));
            return memory.buffer;
          },
          current: () => memory.buffer,
        };
      } catch {
        built = null;
      }
    }
    return built ?? undefined;
  };
  return { get, peek: () => built ?? undefined };
}
