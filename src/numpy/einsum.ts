// np.einsum: Einstein summation with NumPy's subscripts (explicit `->` or implicit output, `...`, repeated indices),
// contracted pairwise in the order opt_einsum's greedy (or optimal) path picks; each pairwise step is one dot_general.
import * as E from "fp-ts/Either";
import type { Checked } from "../core/checked.js";
import { type DType, promote } from "../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, TracegradError } from "../core/errors.js";
import { array, choice, dtype, param } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { fail, guard, isPlainObject, options, type Param, rest } from "../core/validate.js";
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

/** The steps of a given sequence of pairs (positions in the list as it is then; the result goes last). */
function stepsOf(pairs: readonly (readonly [number, number])[], inputs: Labels[], output: Labels): PathStep[] {
  const list = inputs.map((ls) => [...ls]);
  return pairs.map(([p, q]) => {
    const [i, j] = p < q ? [p, q] : [q, p];
    const { result } = pairResult(list[i]!, list[j]!, neededBy(list, [i, j], output));
    list.splice(j, 1);
    list.splice(i, 1);
    list.push(result);
    return { operands: [i, j], result };
  });
}

/** Up to this many operands "optimal" searches every contraction tree (3ⁿ subset pairs). */
const MAX_OPTIMAL = 12;

/**
 * The contraction tree with the fewest multiply-adds (each pairwise step costs the product of the sizes of the
 * labels of both inputs), by dynamic programming over subsets of operands, as opt_einsum's "optimal" does.
 */
function optimalPath(inputs: Labels[], output: Labels, sizes: Map<string, number>): PathStep[] {
  const n = inputs.length;
  const full = (1 << n) - 1;
  // the labels a subset's contraction keeps: those the output or an operand outside it needs
  const labelsOf = new Map<number, string[]>();
  const keep = (set: number): string[] => {
    let ls = labelsOf.get(set);
    if (ls) return ls;
    const inside = new Set<string>();
    const outside = new Set(output);
    inputs.forEach((l, i) => {
      for (const x of l) ((set >> i) & 1 ? inside : outside).add(x);
    });
    ls = [...inside].filter((l) => outside.has(l));
    labelsOf.set(set, ls);
    return ls;
  };
  const cost = new Float64Array(1 << n).fill(Number.POSITIVE_INFINITY);
  const split = new Int32Array(1 << n);
  for (let i = 0; i < n; i++) cost[1 << i] = 0;
  for (let set = 1; set <= full; set++) {
    if ((set & (set - 1)) === 0) continue;
    // each split {a, set − a} once: a holds the lowest operand of the set
    const low = set & -set;
    for (let a = (set - 1) & set; a > 0; a = (a - 1) & set) {
      if (!(a & low)) continue;
      const b = set ^ a;
      const c = cost[a]! + cost[b]! + sizeOf([...new Set([...keep(a), ...keep(b)])], sizes);
      if (c < cost[set]!) {
        cost[set] = c;
        split[set] = a;
      }
    }
  }
  // the tree as pairs over a list where each result goes last
  const ids: number[] = inputs.map((_, i) => 1 << i);
  const pairs: [number, number][] = [];
  const build = (set: number): void => {
    if ((set & (set - 1)) === 0) return;
    const a = split[set]!;
    build(a);
    build(set ^ a);
    const p = ids.indexOf(a);
    const q = ids.indexOf(set ^ a);
    pairs.push([Math.min(p, q), Math.max(p, q)]);
    ids.splice(Math.max(p, q), 1);
    ids.splice(Math.min(p, q), 1);
    ids.push(set);
  };
  build(full);
  return stepsOf(pairs, inputs, output);
}

/** A contraction path as einsum's `optimize` option gives it. */
export type Optimize = boolean | "auto" | "greedy" | "optimal" | readonly (readonly [number, number])[];

function pathFor(
  op: string,
  optimize: Optimize | undefined,
  inputs: Labels[],
  output: Labels,
  sizes: Map<string, number>,
): PathStep[] {
  const n = inputs.length;
  if (optimize === undefined || optimize === true || optimize === "auto" || optimize === "greedy")
    return greedyPath(inputs, output, sizes);
  if (optimize === false)
    return stepsOf(
      Array.from({ length: Math.max(0, n - 1) }, () => [0, 1] as const),
      inputs,
      output,
    );
  if (optimize === "optimal") {
    if (n > MAX_OPTIMAL)
      throw new TracegradError(
        `${op}: optimize "optimal" searches every order, which is too slow for ${n} operands (at most ` +
          `${MAX_OPTIMAL}); use "greedy" or give the path`,
      );
    return n < 2 ? [] : optimalPath(inputs, output, sizes);
  }
  // an explicit path: n − 1 pairs of positions in the list as it is then
  if (optimize.length !== Math.max(0, n - 1))
    throw new TracegradError(
      `${op}: optimize: a path for ${n} operands has ${Math.max(0, n - 1)} pairwise steps, got ${optimize.length}`,
    );
  optimize.forEach((pair, k) => {
    const len = n - k;
    const ok =
      Array.isArray(pair) &&
      pair.length === 2 &&
      pair.every((i) => Number.isInteger(i) && i >= 0 && i < len) &&
      pair[0] !== pair[1];
    if (!ok)
      throw new TracegradError(
        `${op}: optimize: step ${k} is ${JSON.stringify(pair)}; each step is two different positions in ` +
          `[0, ${len - 1}] (the list as it is then, each result appended last), as np.einsumPath returns`,
      );
  });
  return stepsOf(optimize, inputs, output);
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

/** Options of np.einsum. */
export interface EinsumOpts {
  /**
   * The contraction order: `"greedy"` (the default, as `"auto"` and `true`: opt_einsum's greedy path), `"optimal"`
   * (the fewest multiply-adds over every order; up to 12 operands), `false` (left to right), or a path as
   * `np.einsumPath` returns it.
   */
  optimize?: Optimize;
  /** The dtype the products accumulate in and the result has (JAX's `preferred_element_type`); not narrower. */
  preferredElementType?: DType;
}

function einsumImpl(subscripts: string, o: EinsumOpts, ...xs: ArrayLike[]): Tensor {
  const op = "np.einsum";
  if (xs.length === 0) throw new TracegradError(`${op}: needs at least one operand`);
  let ts = promoted(xs, op).map(numeric);
  const pref = o.preferredElementType;
  if (pref !== undefined) {
    const d = ts[0]!.dtype;
    if (promote(d, pref) !== pref)
      throw new DTypeError(
        `${op}: preferredElementType ${pref} is narrower than the operands' ${d}; choose ${promote(d, pref)} or ` +
          "astype the result",
      );
    if (pref !== d) ts = ts.map((t) => lax.convertElementType(t, pref));
  }
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
  const path = pathFor(op, o.optimize, labels, output, sizes);
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

/** The path slot of `optimize`: a list of position pairs. */
const pathParam: Param<readonly (readonly [number, number])[]> = param("optimize", "args", (v, at) =>
  Array.isArray(v) ? E.right(v as [number, number][]) : fail(at, "a path: a list of [i, j] position pairs", v),
);
const strategy = choice("optimize", ["auto", "greedy", "optimal"] as const);
const optimizeParam: Param<Optimize> = param(
  "optimize",
  "choice",
  (v, at): Checked<Optimize> =>
    typeof v === "boolean" ? E.right(v) : Array.isArray(v) ? pathParam.check(v, at) : strategy.check(v, at),
);
const einsumOptions = options({ optimize: optimizeParam, preferredElementType: dtype("preferredElementType") });
/** The options object comes last, after the operands, as NumPy's keyword arguments; the signature has it second. */
const optionsLast = (args: unknown[]): unknown[] =>
  args.length > 1 && isPlainObject(args[args.length - 1])
    ? [args[0], args[args.length - 1], ...args.slice(1, -1)]
    : [args[0], undefined, ...args.slice(1)];

/**
 * Einstein summation, as NumPy: `"ij,jk->ik"` (explicit output) or `"ij,jk"` (implicit: the indices that appear
 * once, alphabetically), `...` for broadcast axes, a repeated index within an operand takes its diagonal, and
 * indices absent from the output are summed. Several operands contract pairwise in the order opt_einsum's greedy
 * path picks (the pair whose result is smallest relative to its inputs first), each step one dot_general. A trailing
 * options object sets `optimize` (the order) and `preferredElementType`.
 * @example np.einsum("ij,jk->ik", a, b) // np.matmul(a, b)
 * np.einsum("ij,jk,kl->il", a, b, c, { optimize: "optimal" })
 * np.einsum("ii", np.eye(3)) // Tensor(3, dtype=float32)
 */
export const einsum: {
  (subscripts: string, ...operands: ArrayLike[]): Tensor;
  (subscripts: string, ...operandsThenOptions: [...ArrayLike[], EinsumOpts]): Tensor;
} = guard("np.einsum", [subscriptsParam, einsumOptions, rest(array("operands"))], einsumImpl, optionsLast);

/**
 * The pairwise contraction order `einsum` takes for operands of these shapes, as NumPy's `einsum_path`'s list
 * (each step: the positions of the two operands in the list as it is then; the result goes last). A trailing
 * `{ optimize }` chooses the strategy as einsum's.
 * @example np.einsumPath("ij,jk,kl->il", [2, 100], [100, 2], [2, 100]) // [[0, 1], [0, 1]]
 */
export const einsumPath: {
  (subscripts: string, ...shapes: (readonly number[])[]): [number, number][];
  (subscripts: string, ...shapesThenOptions: [...(readonly number[])[], { optimize?: Optimize }]): [number, number][];
} = guard(
  "np.einsumPath",
  [
    subscriptsParam,
    options({ optimize: optimizeParam }),
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
  (subscripts: string, o: { optimize?: Optimize }, ...shapes: number[][]) => {
    const { inputs, output, sizes } = parse("np.einsumPath", subscripts, shapes);
    // as einsum: a broadcast (size-1) ellipsis axis is dropped, a repeated index kept once, an unshared one summed
    const kept = inputs.map((ls, i) =>
      ls.filter((l, ax) => !(l.startsWith("…") && shapes[i]![ax] === 1 && sizes.get(l) !== 1)),
    );
    const simplified = kept.map((ls, i) => {
      const needed = neededBy(kept, [i], output);
      return [...new Set(ls)].filter((l) => needed.has(l));
    });
    return pathFor("np.einsumPath", o.optimize, simplified, output, sizes).map((s) => s.operands);
  },
  optionsLast,
);
