// What every JS code generator shares: `new Function`, which a Content-Security-Policy may forbid, and number
// literals. Generated source holds only generated names, numbers and the library's own fragments.

/**
 * `new Function(...params, body)`, or undefined where a Content-Security-Policy forbids generating code; then
 * `refused` (if given) hears why, and the caller falls back to code that needs none.
 */
export function compileFn<F extends (...a: never[]) => unknown>(
  params: readonly string[],
  body: string,
  refused?: (e: Error) => void,
): F | undefined {
  try {
    return new Function(...params, body) as F;
  } catch (e) {
    refused?.(e as Error);
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
