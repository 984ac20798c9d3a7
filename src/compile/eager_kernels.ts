// Eager elementwise kernels generated from the primitives' code fragments: one specialised loop per
// (primitive, dtypes, params), compiled once; undefined where code generation is unavailable.
import type { ShapedArray } from "../core/aval.js";
import type { TypedArray } from "../core/dtype.js";

type Kernel = (ins: TypedArray[], out: TypedArray) => void;
type Emit = (args: string[], params: never, inAvals: ShapedArray[]) => string;

/** null: identity (no kernel needed); undefined: code generation unavailable (use the primitive's own kernel). */
const cache = new Map<string, Kernel | null | undefined>();

/** The loop `out[i] = fragment(ins[0][i], …)`; null when the fragment is the identity (no copy needed). */
export function generatedKernel(
  name: string,
  emit: Emit,
  params: unknown,
  inAvals: ShapedArray[],
  out: ShapedArray,
): Kernel | null | undefined {
  const key = `${name}|${inAvals.map((a) => a.dtype).join(",")}|${out.dtype}|${JSON.stringify(params)}`;
  if (cache.has(key)) return cache.get(key);
  const xs = inAvals.map((_, k) => `x${k}`);
  const expr = emit(xs, params as never, inAvals);
  let kernel: Kernel | null = null;
  if (!(inAvals.length === 1 && expr === xs[0] && inAvals[0]!.dtype === out.dtype)) {
    try {
      const body = `const n = a0.length;\nfor (let i = 0; i < n; i++) {\n  ${xs.map((x, k) => `const ${x} = a${k}[i];`).join(" ")}\n  out[i] = ${expr};\n}`;
      const fn = new Function(...xs.map((_, k) => `a${k}`), "out", body) as (...a: TypedArray[]) => void;
      kernel = (ins, o) => fn(...ins, o);
    } catch {
      cache.set(key, undefined);
      return undefined;
    }
  }
  cache.set(key, kernel);
  return kernel;
}
