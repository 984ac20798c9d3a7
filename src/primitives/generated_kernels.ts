// Eager elementwise kernels generated from the primitives' code fragments: one specialised loop per
// (primitive, dtypes, params), compiled once; undefined where code generation is unavailable.
import type { ShapedArray } from "../core/aval.js";
import type { TypedArray } from "../core/dtype.js";
import { compileFn } from "../lowering/js.js";

export type Kernel = (ins: TypedArray[], out: TypedArray) => void;
type Emit<P> = (args: string[], params: P, inAvals: readonly ShapedArray[]) => string;

/** null: identity (no kernel needed); undefined: code generation unavailable (use the primitive's own kernel). */
const cache = new Map<string, Kernel | null | undefined>();

/** The loop `out[i] = fragment(ins[0][i], …)`; null when the fragment is the identity (no copy needed). */
export function generatedKernel<P>(
  name: string,
  emit: Emit<P>,
  params: P,
  inAvals: readonly ShapedArray[],
  out: ShapedArray,
): Kernel | null | undefined {
  const key = `${name}|${inAvals.map((a) => a.dtype).join(",")}|${out.dtype}|${JSON.stringify(params)}`;
  if (cache.has(key)) return cache.get(key);
  const xs = inAvals.map((_, k) => `x${k}`);
  const expr = emit(xs, params, inAvals);
  let kernel: Kernel | null | undefined = null;
  if (!(inAvals.length === 1 && expr === xs[0] && inAvals[0]!.dtype === out.dtype)) {
    const reads = xs.map((x, k) => `const ${x} = a${k}[i];`).join(" ");
    const body = `const n = a0.length;\nfor (let i = 0; i < n; i++) {\n  ${reads}\n  out[i] = ${expr};\n}`;
    // where a Content-Security-Policy forbids it, the primitive's own kernel runs, silently
    const fn = compileFn<(...a: TypedArray[]) => void>([...xs.map((_, k) => `a${k}`), "out"], body);
    kernel = fn && ((ins, o) => fn(...ins, o));
  }
  cache.set(key, kernel);
  return kernel;
}
