// The pieces of JAX's jaxpr text: variable names, literals and params (jaxpr.ts prints whole jaxprs with them).
import { type DType, formatNumber, isFloat } from "../core/dtype.js";

/** JAX's variable names: a … z, ba, bb, … */
export function varName(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/** JAX's literal text: `2.0:f32[]`, `3:i32[]`, `True:bool[]` (without the type). */
export function fmtLit(v: number | boolean, dtype: DType): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  const s = formatNumber(v, dtype);
  return isFloat(dtype) && /^-?\d+$/.test(s) ? `${s}.0` : s;
}

function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return v.length === 1 ? `(${fmtValue(v[0])},)` : `(${v.map(fmtValue).join(", ")})`;
  return String(v);
}

/** Params as jaxprs print them by default: every key, sorted, `[axes=(0,) new_dtype=float32]`. */
export function formatParamsDefault(params: unknown): string {
  if (params === null || typeof params !== "object") return "";
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return "";
  return `[${keys.map((k) => `${k}=${fmtValue((params as Record<string, unknown>)[k])}`).join(" ")}]`;
}
