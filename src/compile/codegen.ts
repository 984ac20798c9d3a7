// What every code generator shares: `new Function` with the Content-Security-Policy fallback, and number
// literals. Generated source holds only generated names, numbers and the library's own fragments.

let warned = false;

/** `new Function`, or undefined where a Content-Security-Policy forbids it (jit then interprets; said once). */
export function compileFn<F extends (...a: never[]) => unknown>(
  params: readonly string[],
  body: string,
): F | undefined {
  try {
    return new Function(...params, body) as F;
  } catch (e) {
    if (!warned) {
      warned = true;
      console.warn(
        `tracegrad: jit cannot generate code here (${(e as Error).message}); falling back to the interpreter`,
      );
    }
    return undefined;
  }
}

/** A JS literal for a number, exact for NaN, ±∞ and −0. */
export function literal(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  if (Object.is(v, -0)) return "(-0)";
  return v < 0 ? `(${String(v)})` : String(v);
}
