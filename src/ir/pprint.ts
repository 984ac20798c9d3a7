// Prints jaxprs as JAX does: `{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }`.
import { type DType, formatNumber, isFloat } from "../core/dtype.js";
import type { Atom, Jaxpr, Var } from "./jaxpr.js";

/** JAX's variable names: a … z, ba, bb, … */
export function varName(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/** JAX's literal text: `2.0:f32[]`, `3:i32[]`, `True:bool[]`. */
function fmtLit(v: number | boolean, dtype: DType): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  const s = formatNumber(v, dtype);
  return isFloat(dtype) && /^-?\d+$/.test(s) ? `${s}.0` : s;
}

const ONE_LINE = 100;

export function printJaxpr(j: Jaxpr): string {
  const names = new Map<Var, string>();
  const name = (v: Var) => {
    let n = names.get(v);
    if (n === undefined) names.set(v, (n = varName(names.size)));
    return n;
  };
  const atom = (a: Atom) =>
    a._tag === "Lit" ? `${fmtLit(a.value.item(), a.aval.dtype)}:${a.aval.toString()}` : name(a);
  const binder = (v: Var) => `${name(v)}:${v.aval.toString()}`;
  const consts = j.constvars.map(binder).join(" ");
  const ins = j.invars.map(binder).join(" ");
  const eqns = j.eqns.map((e) => {
    const ins = e.inputs.map(atom).join(" ");
    const outs = e.outs.map(binder).join(" ");
    return `${outs} = ${e.prim.name}${e.prim.formatParams(e.params)}${ins ? " " + ins : ""}`;
  });
  const head = `{ lambda ${consts ? consts + " " : ""}; ${ins}.`;
  const outs = `(${j.outs.map(atom).join(", ")})`;
  const one = `${head} let ${eqns.join("; ")}${eqns.length ? " " : ""}in ${outs} }`;
  if (one.length <= ONE_LINE && !one.includes("\n")) return one;
  const body = eqns.map((e) => "    " + e.replace(/\n/g, "\n    ")).join("\n");
  return `${head} let\n${body}\n  in ${outs} }`;
}
