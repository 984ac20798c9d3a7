// np.einsum: Einstein summation with NumPy's subscripts (explicit `->` or implicit output, `...`, repeated indices),
// contracted pairwise in the order opt_einsum's greedy path picks; each pairwise step is one dot_general.
import * as E from "fp-ts/Either";
import { fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { fail, guard, type Param, rest } from "../core/validate.js";
import * as lax from "../primitives/index.js";
import { promoted } from "./convert.js";
import { diagonal } from "./shape_index.js";

/** One operand's labels: letters stand for themselves, ellipsis axes are "…0", "…1", … (right-aligned). */
export type Labels = string[];

export interface Parsed {
  inputs: Labels[];
  output: Labels;
  sizes: Map<string, number>;
}

const isLetter = (c: string) => /^[a-zA-Z]$/.test(c);

/** The labels of one term for an operand of `ndim` axes (ellipsis axes named after their place from the right). */
function termLabels(op: string, term: string, ndim: number | undefined, ellRank: number): Labels {
  const parts = term.split("...");
  if (parts.length > 2) throw new TracegradError(`${op}: the term "${term}" has more than one ellipsis`);
  for (const c of parts.join(""))
    if (!isLetter(c))
      throw new TracegradError(`${op}: invalid subscript ${JSON.stringify(c)} in "${term}"; use letters a-z, A-Z`);
  const letters = parts.join("").length;
  if (parts.length === 1) {
    if (ndim !== undefined && ndim !== letters)
      throw new ShapeError(`${op}: the term "${term}" has ${letters} subscripts but its operand has ${ndim} axes`);
    return [...term];
  }
  const k = ndim === undefined ? ellRank : ndim - letters;
  if (k < 0)
    throw new ShapeError(`${op}: the term "${term}" has ${letters} subscripts but its operand has only ${ndim} axes`);
  const ell = Array.from({ length: k }, (_, i) => `…${k - 1 - i}`);
  return [...parts[0]!, ...ell, ...parts[1]!];
}

function parse(op: string, subscripts: string, shapes: readonly (readonly number[])[]): Parsed {
  const s = subscripts.replace(/\s+/g, "");
  const arrow = s.split("->");
  if (arrow.length > 2) throw new TracegradError(`${op}: subscripts have more than one "->": "${subscripts}"`);
  const terms = arrow[0]!.split(",");
  if (terms.length !== shapes.length)
    throw new TracegradError(
      `${op}: the subscripts "${subscripts}" name ${terms.length} operand${terms.length === 1 ? "" : "s"}, ` +
        `got ${shapes.length}`,
    );
  const inputs = terms.map((t, i) => termLabels(op, t, shapes[i]!.length, 0));
  const ellRank = Math.max(0, ...inputs.map((ls) => ls.filter((l) => l.startsWith("…")).length));
  const sizes = new Map<string, number>();
  inputs.forEach((ls, i) => {
    ls.forEach((l, ax) => {
      const n = shapes[i]![ax]!;
      const prev = sizes.get(l);
      if (prev === undefined || (l.startsWith("…") && prev === 1)) sizes.set(l, n);
      else if (n !== prev && !(n === 1 && l.startsWith("…")))
        throw new ShapeError(
          `${op}: subscript ${l.startsWith("…") ? "of the ellipsis" : `"${l}"`} has sizes ${prev} and ${n} ` +
            `(operand ${i} has shape ${fmtShape(shapes[i]!)})`,
        );
    });
  });
  let output: Labels;
  if (arrow.length === 2) {
    output = termLabels(op, arrow[1]!, undefined, ellRank);
    const seen = new Set<string>();
    for (const l of output) {
      if (seen.has(l)) throw new TracegradError(`${op}: output subscript "${l}" appears more than once`);
      seen.add(l);
      if (!sizes.has(l)) throw new TracegradError(`${op}: output subscript "${l}" is not in any input`);
    }
  } else {
    // implicit: the broadcast (ellipsis) axes, then the letters that appear once, in alphabetical order
    const count = new Map<string, number>();
    for (const ls of inputs) for (const l of ls) count.set(l, (count.get(l) ?? 0) + 1);
    const ell = Array.from({ length: ellRank }, (_, i) => `…${ellRank - 1 - i}`);
    const once = [...count].filter(([l, c]) => c === 1 && !l.startsWith("…")).map(([l]) => l);
    output = [...ell, ...once.sort()];
  }
  return { inputs, output, sizes };
}

const sizeOf = (ls: readonly string[], sizes: Map<string, number>) => ls.reduce((p, l) => p * sizes.get(l)!, 1);

/** One pairwise step of a contraction path: the operand positions (in the list as it is then) and the result. */
export interface PathStep {
  operands: [number, number];
  /** The labels of the result (its axes: batch, the first operand's free, the second's free). */
  result: string[];
}

/** The labels of contracting `a` with `b`, given the labels other operands and the output still need. */
function pairResult(a: Labels, b: Labels, needed: Set<string>): { batch: string[]; result: string[] } {
  const inB = new Set(b);
  const batch = a.filter((l) => inB.has(l) && needed.has(l));
  const bs = new Set(batch);
  const aFree = a.filter((l) => !inB.has(l));
  const inA = new Set(a);
  const bFree = b.filter((l) => !inA.has(l));
  return { batch, result: [...batch, ...aFree.filter((l) => !bs.has(l)), ...bFree] };
}

const neededBy = (list: Labels[], skip: number[], output: Labels) => {
  const s = new Set(output);
  list.forEach((ls, i) => {
    if (!skip.includes(i)) for (const l of ls) s.add(l);
  });
  return s;
};

/**
 * opt_einsum's greedy path: repeatedly contract the pair whose result removes the most memory
 * (size(result) − size(a) − size(b), least first), preferring pairs that share a label; ties go to fewer flops.
 */
export function greedyPath(inputs: Labels[], output: Labels, sizes: Map<string, number>): PathStep[] {
  const list = inputs.map((ls) => [...ls]);
  const steps: PathStep[] = [];
  while (list.length > 1) {
    let best: { i: number; j: number; cost: number; flops: number; shared: boolean; result: string[] } | undefined;
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        const shared = a.some((l) => b.includes(l));
        const { result } = pairResult(a, b, neededBy(list, [i, j], output));
        const cost = sizeOf(result, sizes) - sizeOf(a, sizes) - sizeOf(b, sizes);
        const flops = sizeOf([...new Set([...a, ...b])], sizes);
        const better =
          !best ||
          (shared && !best.shared) ||
          (shared === best.shared && (cost < best.cost || (cost === best.cost && flops < best.flops)));
        if (better) best = { i, j, cost, flops, shared, result };
      }
    const { i, j, result } = best!;
    steps.push({ operands: [i, j], result });
    list.splice(j, 1);
    list.splice(i, 1);
    list.push(result);
  }
  return steps;
}

/** Sums away the labels of `x` that nothing else needs; takes repeated labels' diagonals first. */
function simplify(x: Tensor, ls: Labels, needed: Set<string>): [Tensor, Labels] {
  let t = x;
  let labels = [...ls];
  for (;;) {
    const rep = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (rep < 0) break;
    const first = labels.indexOf(labels[rep]!);
    t = diagonal(t, { axis1: first, axis2: rep });
    const l = labels[rep]!;
    labels = [...labels.filter((_, k) => k !== first && k !== rep), l];
  }
  const drop = labels.map((l, k) => (needed.has(l) ? -1 : k)).filter((k) => k >= 0);
  if (drop.length) {
    t = lax.reduceSum(t, drop);
    labels = labels.filter((l) => needed.has(l));
  }
  return [t, labels];
}

const numeric = (t: Tensor) => (t.dtype === "bool" ? lax.convertElementType(t, "int32") : t);

function einsumImpl(subscripts: string, ...xs: ArrayLike[]): Tensor {
  const op = "np.einsum";
  if (xs.length === 0) throw new TracegradError(`${op}: needs at least one operand`);
  let ts = promoted(xs, op).map(numeric);
  const { inputs, output, sizes } = parse(
    op,
    subscripts,
    ts.map((t) => t.shape),
  );
  // an ellipsis axis of size 1 where others are larger broadcasts: the operand is constant along it, so drop it
  let labels = inputs.map((ls, i) => {
    const keep = ls.map((l, ax) => !(l.startsWith("…") && ts[i]!.shape[ax] === 1 && sizes.get(l) !== 1));
    if (keep.every(Boolean)) return ls;
    ts[i] = lax.reshape(
      ts[i]!,
      ts[i]!.shape.filter((_, ax) => keep[ax]),
    );
    return ls.filter((_, ax) => keep[ax]);
  });
  ts = ts.map((t, i) => {
    const [u, ls] = simplify(t, labels[i]!, neededBy(labels, [i], output));
    labels[i] = ls;
    return u;
  });
  // where each operand comes from (its first original operand), so a step keeps the operands' written order
  let pos = ts.map((_, i) => i);
  const path = greedyPath(labels, output, sizes);
  path.forEach(({ operands: [p, q] }, n) => {
    const needed = neededBy(labels, [p, q], output);
    // the written order, unless the last step gives the output's axis order only the other way round
    let [i, j] = pos[p]! <= pos[q]! ? [p, q] : [q, p];
    const same = (ls: string[]) => ls.length === output.length && ls.every((l, k) => l === output[k]);
    if (n === path.length - 1 && !same(pairResult(labels[i]!, labels[j]!, needed).result))
      if (same(pairResult(labels[j]!, labels[i]!, needed).result)) [i, j] = [j, i];
    const [la, lb] = [labels[i]!, labels[j]!];
    const { batch, result } = pairResult(la, lb, needed);
    const contract = la.filter((l) => lb.includes(l) && !batch.includes(l));
    const r = lax.dotGeneral(ts[i]!, ts[j]!, [
      [contract.map((l) => la.indexOf(l)), contract.map((l) => lb.indexOf(l))],
      [batch.map((l) => la.indexOf(l)), batch.map((l) => lb.indexOf(l))],
    ]);
    const rest = (k: number) => k !== p && k !== q;
    ts = [...ts.filter((_, k) => rest(k)), r];
    labels = [...labels.filter((_, k) => rest(k)), result];
    pos = [...pos.filter((_, k) => rest(k)), Math.min(pos[p]!, pos[q]!)];
  });
  const [last, ll] = simplify(ts[0]!, labels[0]!, new Set(output));
  const perm = output.map((l) => ll.indexOf(l));
  return perm.every((p, k) => p === k) ? last : lax.transpose(last, perm);
}

/** The subscripts slot: any string (the fuzz suite draws from a few valid ones). */
const subscriptsParam: Param<string> = {
  name: "subscripts",
  kind: "choice",
  optional: false,
  rest: false,
  choices: ["ij,jk->ik", "ii", "i,i", "...i->...", "ij->ji", "i"],
  check: (v, at) => (typeof v === "string" ? E.right(v) : fail(at, 'a subscripts string such as "ij,jk->ik"', v)),
};

/**
 * Einstein summation, as NumPy: `"ij,jk->ik"` (explicit output) or `"ij,jk"` (implicit: the indices that appear
 * once, alphabetically), `...` for broadcast axes, a repeated index within an operand takes its diagonal, and
 * indices absent from the output are summed. Several operands contract pairwise in the order opt_einsum's greedy
 * path picks (the pair whose result is smallest relative to its inputs first), each step one dot_general.
 * @example np.einsum("ij,jk->ik", a, b) // np.matmul(a, b)
 * np.einsum("ii", np.eye(3)) // Tensor(3, dtype=float32)
 */
export const einsum: (subscripts: string, ...operands: ArrayLike[]) => Tensor = guard(
  "np.einsum",
  [subscriptsParam, rest(array("operands"))],
  einsumImpl,
);

/**
 * The pairwise contraction order `einsum` takes for operands of these shapes, as NumPy's `einsum_path`'s list
 * (each step: the positions of the two operands in the list as it is then; the result goes last).
 * @example np.einsumPath("ij,jk,kl->il", [2, 100], [100, 2], [2, 100]) // [[0, 1], [0, 1]]
 */
export const einsumPath: (subscripts: string, ...shapes: (readonly number[])[]) => [number, number][] = guard(
  "np.einsumPath",
  [
    subscriptsParam,
    rest({
      name: "shapes",
      kind: "shape",
      optional: false,
      rest: false,
      check: (v, at) =>
        Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0)
          ? E.right(v as number[])
          : fail(at, "a shape (an array of whole numbers ≥ 0)", v),
    }),
  ],
  (subscripts: string, ...shapes: number[][]) => {
    const { inputs, output, sizes } = parse("np.einsumPath", subscripts, shapes);
    // as einsum: a broadcast (size-1) ellipsis axis is dropped, a repeated index kept once, an unshared one summed
    const kept = inputs.map((ls, i) =>
      ls.filter((l, ax) => !(l.startsWith("…") && shapes[i]![ax] === 1 && sizes.get(l) !== 1)),
    );
    const simplified = kept.map((ls, i) => {
      const needed = neededBy(kept, [i], output);
      return [...new Set(ls)].filter((l) => needed.has(l));
    });
    return greedyPath(simplified, output, sizes).map((s) => s.operands);
  },
);
