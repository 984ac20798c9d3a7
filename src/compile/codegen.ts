// jit's code generation where a Content-Security-Policy may forbid it: jit then interprets, and says so once per
// process (eager's generated kernels fall back silently).
import { compileFn } from "../lowering/js.js";

let warned = false;

/** compileFn, warning once that jit falls back to the interpreter when code generation is refused. */
export function compileRefusedOnce<F extends (...a: never[]) => unknown>(
  params: readonly string[],
  body: string,
): F | undefined {
  return compileFn<F>(params, body, (e) => {
    if (warned) return;
    warned = true;
    console.warn(`tracegrad: jit cannot generate code here (${e.message}); falling back to the interpreter`);
  });
}
