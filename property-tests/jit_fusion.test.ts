// jit's loop fusion (src/compile/fusion.ts, src/compile/plan.ts) on random programs built to stress it:
// elementwise chains over domains of rank 0–4 with sides 0–5; operands broadcast into the domain along leading,
// trailing, middle or mixed axes (by NumPy broadcasting, np.broadcastTo and lax.broadcastInDim); reductions
// (sum, max, min, mean, logsumexp, softmax- and layernorm-like stages) over trailing and non-trailing axes with
// the result broadcast back; reshapes (buffer views) between stages; NaN, ±∞ and −0 in some runs; int32 and bool
// values. jit(f, { float32: "exact" }) must equal eager f bit for bit (float32, float64, int32, bool), the default
// "fast" mode too wherever no float32 value is computed, on every call (a later call with other values must not
// write into an earlier call's results: intermediate buffers are reused only within a call), and
// jit(grad(Σ f)) must equal grad(Σ f) bit for bit. A few example-based checks show that fusion really happens.
import fc from "fast-check";
import { type DType, grad, type Jaxpr, jit, lax, nn, np, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { runs, seed } from "./config.js";
import { expectAllSame, expectBitwise, expectSame } from "./numerics.js";

const SEED = seed(0xf05ed);

// ---------------------------------------------------------------------------------------------------
// Programs as plain data (readable counterexamples).

type ChainDType = "float32" | "float64" | "int32";
type Unary =
  | "neg"
  | "abs"
  | "sign"
  | "square"
  | "tanh"
  | "sin"
  | "cos"
  | "expTanh"
  | "sqrtAbs"
  | "log1pAbs"
  | "sigmoid"
  | "relu"
  | "softplus"
  | "gelu";
type Binary = "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "intDiv";
/** How a side operand reaches the domain: NumPy broadcasting inside the op, np.broadcastTo first, or lax.broadcastInDim of its kept axes. */
type How = "np" | "broadcastTo" | "bid";
type Norm =
  | "softmax"
  | "logSoftmax"
  | "logsumexp"
  | "logsumexpKeep"
  | "center"
  | "layernorm"
  | "maxShift"
  | "minShift"
  | "sumScale"
  | "sumMul"
  | "sumShift";

/**
 * An operand from input `arg`, first transformed by `pre` (then an intermediate of its own loop, read by the next
 * one through the outer or inner index), broadcast into the current shape as `how` says (`dims`: its axes there).
 */
interface Side {
  arg: number;
  pre: Unary | null;
  how: How;
  dims: number[];
}

type Step =
  | { op: "unary"; fn: Unary }
  | { op: "binary"; fn: Binary; side: Side; swap: boolean }
  /** where(pred, cur, other): pred a bool input (broadcast) or cur < side; other a side operand or a literal. */
  | { op: "where"; mask: Side | null; cmp: Side | null; other: Side | number }
  | { op: "reduce"; fn: "sum" | "max" | "min" | "mean"; axes: number[] | "all"; keepdims: boolean }
  | { op: "norm"; fn: Norm; axes: number[] }
  | { op: "reshape"; shape: number[] }
  /** Grows the domain: np.broadcastTo (after np.expandDims when the new axis is not leading) or lax.broadcastInDim. */
  | { op: "expand"; shape: number[]; dims: number[]; how: "broadcastTo" | "bid" }
  /** An extra output: the current value, cur < side (bool), or Σ (cur > side) over axes (int32 counts). */
  | { op: "keep"; what: "value" | "cmp" | "count"; side: Side; axes: number[] }
  /** Extra outputs: several reductions of the current value (one fused loop when their blocks agree), then cur + Σ. */
  | { op: "multi"; fns: ("sum" | "max" | "min")[]; axes: number[][] }
  /** cur op (side along the trailing axes from `from` on), then reduced over those axes: one loop reading the side by j. */
  | { op: "biasReduce"; fn: Binary; side: Side; reduce: "sum" | "max" | "min"; axes: number[] }
  /**
   * cur op v, v an earlier value (history[back]: 0 is the input): as it is when it broadcasts into cur, else reshaped
   * when it has as many elements, else summed. Earlier values read again give the loops several readers and views.
   */
  | { op: "prev"; back: number; fn: Binary }
  /**
   * w = reshape(cur) (a view of cur's buffer), then cur = fn(cur) — the last read of the old cur, whose buffer must not
   * be reused while the view lives — with w kept as an output when `keep` (else only in the history, for "prev").
   */
  | { op: "view"; shape: number[]; fn: Unary; keep: boolean }
  /** float → int32 (truncating) → float: zero derivative, and int casts inside fused loops. */
  | { op: "round" };

interface InputSpec {
  shape: number[];
  dtype: DType;
  /** Closed over by the function (a constant of the jitted program) rather than passed as an argument. */
  captured: boolean;
}

interface Program {
  dtype: ChainDType;
  inputs: InputSpec[];
  steps: Step[];
  /** Row-major values of every input, for two calls of the same signature. */
  values: number[][];
  otherValues: number[][];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isFloat = (d: DType) => d === "float32" || d === "float64";
const MAX_SIZE = 240;

/** choose(n) = next choice mod n, then 0 once the choices run out (shrinking choices toward 0 simplifies). */
function chooser(choices: readonly number[]): (n: number) => number {
  let i = 0;
  return (n) => (n <= 1 ? 0 : (choices[i++] ?? 0) % n);
}

/** Which kinds of steps a suite favours (relative weights). */
type Profile = Partial<Record<Step["op"], number>>;
const GENERAL: Profile = {
  unary: 3,
  binary: 4,
  where: 2,
  reduce: 3,
  norm: 2,
  reshape: 2,
  view: 1,
  expand: 1,
  keep: 2,
  multi: 1,
  biasReduce: 1,
  prev: 2,
  round: 1,
};
const BROADCASTS: Profile = {
  unary: 1,
  binary: 6,
  where: 3,
  expand: 2,
  keep: 1,
  reshape: 1,
  view: 1,
  biasReduce: 2,
  prev: 1,
};
const REDUCTIONS: Profile = {
  unary: 2,
  binary: 2,
  reduce: 3,
  norm: 5,
  reshape: 2,
  view: 1,
  expand: 2,
  keep: 1,
  multi: 2,
  biasReduce: 2,
  prev: 1,
};

/** Builds a program from choices (deterministic); choice 0 everywhere gives a negation over a [2, 2] domain. */
function build(
  choices: readonly number[],
  pool: readonly number[],
  profile: Profile,
  dtypes: readonly ChainDType[],
  maxSteps: number,
): Program {
  const c = chooser(choices);
  const dtype = dtypes[c(dtypes.length)]!;
  const isInt = dtype === "int32";
  const rank = [2, 3, 1, 4, 0, 2, 3][c(7)]!;
  const DIMS = [2, 3, 4, 5, 1, 0, 3, 2, 4];
  const domain = Array.from({ length: rank }, () => DIMS[c(DIMS.length)]!);
  while (sizeOf(domain) > 120) domain[domain.indexOf(Math.max(...domain))]! -= 2;
  const inputs: InputSpec[] = [{ shape: domain, dtype, captured: false }];
  const steps: Step[] = [];
  let S = [...domain];

  const input = (shape: number[], d: DType): number => inputs.push({ shape, dtype: d, captured: c(5) === 0 }) - 1;
  const pre = (d: DType): Unary | null => {
    if (d === "bool" || c(5) >= 2) return null;
    const ops: Unary[] = d === "int32" ? ["neg", "abs", "square"] : ["neg", "expTanh", "tanh", "square", "sqrtAbs"];
    return ops[c(ops.length)]!;
  };
  const sideDType = (): DType => {
    const k = c(10);
    return k < 8 ? dtype : k === 8 ? "int32" : "bool";
  };
  /**
   * A side operand for shape S: kept axes leading ("o"), trailing ("j"), none, all, one middle axis, or a random
   * mix; `forced` fixes the pattern and, with `pre`, usually makes the operand an intermediate.
   */
  const side = (how: How, d: DType = sideDType(), forced?: { pattern: number; cut: number; pre?: boolean }): Side => {
    const preOf = (): Unary | null => (forced?.pre && c(4) > 0 ? (d === "int32" ? "neg" : "expTanh") : pre(d));
    const r = S.length;
    const pattern = forced?.pattern ?? c(6);
    const cut = forced?.cut ?? c(r + 1);
    const kept = S.map((_, a) => {
      switch (pattern) {
        case 0:
          return true; // the full domain
        case 1:
          return a < cut; // leading axes: varies with the outer index
        case 2:
          return a >= cut; // trailing axes: varies with the inner index
        case 3:
          return false; // a scalar
        case 4:
          return a === cut && a > 0 && a < r - 1; // a middle axis only (not fusible unless others are unit)
        default:
          return c(2) === 1; // mixed
      }
    });
    if (how === "bid") {
      const dims = S.map((_, a) => a).filter((a) => kept[a]);
      return {
        arg: input(
          dims.map((a) => S[a]!),
          d,
        ),
        pre: preOf(),
        how,
        dims,
      };
    }
    let shape = S.map((s, a) => (kept[a] ? s : 1));
    const leadingOnes = shape.findIndex((s, a) => s !== 1 || kept[a]);
    shape = shape.slice(c((leadingOnes < 0 ? r : leadingOnes) + 1));
    return { arg: input(shape, d), pre: preOf(), how, dims: [] };
  };
  const how = (): How => (["np", "broadcastTo", "bid"] as const)[c(3)]!;
  /** Axes to reduce: a trailing block, all, a random subset, or a leading block (not trailing unless all). */
  const axesOf = (): number[] => {
    const r = S.length;
    const k = c(r + 1);
    switch (c(4)) {
      case 0:
        return S.map((_, a) => a).slice(r - k);
      case 1:
        return S.map((_, a) => a);
      case 2:
        return S.map((_, a) => a).filter(() => c(2) === 1);
      default:
        return S.map((_, a) => a).slice(0, k);
    }
  };
  const kinds = (Object.entries(profile) as [Step["op"], number][]).filter(([op]) => !(isInt && op === "round"));
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  const nSteps = 1 + c(maxSteps);
  for (let n = 0; n < nSteps; n++) {
    let t = c(total);
    const kind = kinds.find(([, w]) => (t -= w) < 0)![0];
    switch (kind) {
      case "unary": {
        const ops: Unary[] = isInt
          ? ["neg", "abs", "sign", "square"]
          : [
              "neg",
              "abs",
              "sign",
              "square",
              "tanh",
              "sin",
              "cos",
              "expTanh",
              "sqrtAbs",
              "log1pAbs",
              "sigmoid",
              "relu",
              "softplus",
              "gelu",
            ];
        steps.push({ op: "unary", fn: ops[c(ops.length)]! });
        break;
      }
      case "binary": {
        const ops: Binary[] = isInt
          ? ["add", "sub", "mul", "maximum", "minimum", "intDiv"]
          : ["add", "sub", "mul", "div", "maximum", "minimum"];
        const fn = ops[c(ops.length)]!;
        const h = fn === "intDiv" ? (["broadcastTo", "bid"] as const)[c(2)]! : how();
        steps.push({ op: "binary", fn, side: side(h, fn === "intDiv" ? "int32" : undefined), swap: c(2) === 1 });
        break;
      }
      case "where": {
        const byMask = c(2) === 1;
        const mask = byMask ? side(how(), "bool") : null;
        const cmp = byMask ? null : side(how(), dtype);
        const other = c(3) === 0 ? [0, -0, 1.5, -2][c(4)]! : side(how());
        steps.push({ op: "where", mask, cmp, other: isInt && typeof other === "number" ? Math.trunc(other) : other });
        break;
      }
      case "reduce": {
        const fns = isInt ? (["sum", "max", "min"] as const) : (["sum", "max", "min", "mean"] as const);
        const fn = fns[c(fns.length)]!;
        const all = c(5) === 0;
        const axes = all ? S.map((_, a) => a) : axesOf();
        const keepdims = c(2) === 1;
        steps.push({ op: "reduce", fn, axes: all ? "all" : axes, keepdims });
        S = keepdims ? S.map((s, a) => (axes.includes(a) ? 1 : s)) : S.filter((_, a) => !axes.includes(a));
        break;
      }
      case "norm": {
        const fns: Norm[] = isInt
          ? ["maxShift", "minShift", "sumMul", "sumShift"]
          : [
              "softmax",
              "logSoftmax",
              "logsumexp",
              "logsumexpKeep",
              "center",
              "layernorm",
              "maxShift",
              "minShift",
              "sumScale",
              "sumShift",
            ];
        const fn = fns[c(fns.length)]!;
        const axes = axesOf();
        steps.push({ op: "norm", fn, axes });
        if (fn === "logsumexp") S = S.filter((_, a) => !axes.includes(a));
        if (fn === "logsumexpKeep") S = S.map((s, a) => (axes.includes(a) ? 1 : s));
        break;
      }
      case "reshape": {
        const shape = randomShapeOfSize(sizeOf(S), c);
        steps.push({ op: "reshape", shape });
        S = shape;
        break;
      }
      case "expand": {
        const r = S.length;
        const unitAxes = S.map((s, a) => (s === 1 ? a : -1)).filter((a) => a >= 0);
        const n = [2, 3, 0, 1][c(4)]!;
        if (r >= 5 || sizeOf(S) * Math.max(n, 1) > MAX_SIZE) break;
        if (unitAxes.length > 0 && c(3) === 0) {
          // size-1 axes of the current value repeated (np.broadcastTo keeps them as operand axes of size 1)
          const shape = S.map((s, a) => (unitAxes.includes(a) && c(2) === 1 ? n : s));
          steps.push({ op: "expand", shape, dims: S.map((_, a) => a), how: "broadcastTo" });
          S = shape;
          break;
        }
        const p = c(r + 1);
        const shape = [...S.slice(0, p), n, ...S.slice(p)];
        steps.push({
          op: "expand",
          shape,
          dims: S.map((_, a) => (a < p ? a : a + 1)),
          how: (["broadcastTo", "bid"] as const)[c(2)]!,
        });
        S = shape;
        break;
      }
      case "keep": {
        const what = (["value", "cmp", "count"] as const)[c(3)]!;
        steps.push({ op: "keep", what, side: side(how(), dtype), axes: axesOf() });
        break;
      }
      case "multi": {
        const n = 2 + c(2);
        const fns = Array.from({ length: n }, () => (["sum", "max", "min"] as const)[c(3)]!);
        const trailing = () => S.map((_, a) => a).slice(S.length - c(S.length + 1));
        const first = trailing();
        steps.push({
          op: "multi",
          fns,
          axes: fns.map((_, k) => (k === 0 || c(2) === 0 ? first : c(3) === 0 ? axesOf() : trailing())),
        });
        break;
      }
      case "biasReduce": {
        const ops: Binary[] = isInt ? ["add", "mul", "maximum"] : ["add", "mul", "sub", "maximum"];
        // half the time a split with as many outer as inner elements where there is one: then the loop's result
        // (one per outer index) could take the buffer of the side it reads by j — it must not
        const square = S.map((_, a) => a).filter(
          (a) => a > 0 && sizeOf(S.slice(0, a)) === sizeOf(S.slice(a)) && sizeOf(S) > 1,
        );
        const from = square.length > 0 && c(2) === 0 ? square[c(square.length)]! : S.length === 0 ? 0 : 1 + c(S.length);
        const axes = S.map((_, a) => a).slice(from);
        const reduce = (["sum", "max", "min"] as const)[c(3)]!;
        steps.push({
          op: "biasReduce",
          fn: ops[c(ops.length)]!,
          side: side(how(), dtype, { pattern: 2, cut: from, pre: true }),
          reduce,
          axes,
        });
        S = S.slice(0, from);
        break;
      }
      case "prev": {
        const ops: Binary[] = isInt ? ["add", "sub", "mul", "maximum"] : ["add", "sub", "mul", "maximum", "minimum"];
        steps.push({ op: "prev", back: c(steps.length + 1), fn: ops[c(ops.length)]! });
        // the shape stays: v is broadcast into cur, reshaped to it, or summed to a scalar
        break;
      }
      case "view": {
        const ops: Unary[] = isInt ? ["neg", "abs", "square"] : ["neg", "tanh", "square", "sin"];
        steps.push({ op: "view", shape: randomShapeOfSize(sizeOf(S), c), fn: ops[c(ops.length)]!, keep: c(2) === 1 });
        break;
      }
      case "round":
        steps.push({ op: "round" });
        break;
    }
  }
  if (steps.length === 0) steps.push({ op: "unary", fn: "neg" });
  // values: the pool read cyclically, from a different offset for the second set
  const intScale = [4, 3e8][c(2)]!;
  const valuesFrom = (offset: number) => {
    let k = offset;
    return inputs.map(({ shape, dtype: d }) =>
      Array.from({ length: sizeOf(shape) }, () => convertValue(pool[k++ % pool.length]!, d, intScale)),
    );
  };
  return { dtype, inputs, steps, values: valuesFrom(0), otherValues: valuesFrom(1 + c(7)) };
}

/** A pool value as an element of dtype `d` (int32: scaled and truncated, ±∞ to the extremes; bool: > 0). */
function convertValue(v: number, d: DType, intScale: number): number {
  switch (d) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "bool":
      return v > 0 ? 1 : 0;
    case "int32":
      return Number.isNaN(v)
        ? 0
        : v === Infinity
          ? 2147483647
          : v === -Infinity
            ? -2147483648
            : Math.trunc(v * intScale) | 0;
    case "uint32":
      return Number.isNaN(v) || v <= 0 ? 0 : v === Infinity ? 4294967295 : Math.trunc(v * intScale) >>> 0;
  }
}

/** A row-major shape with `n` elements, of rank 0–4 (n = 0: a shape holding a zero). */
function randomShapeOfSize(n: number, c: (k: number) => number): number[] {
  const rank = c(5);
  if (n === 0) {
    const shape = Array.from({ length: Math.max(rank, 1) }, () => c(4));
    shape[c(shape.length)] = 0;
    return shape;
  }
  const shape = Array.from({ length: rank }, () => 1);
  if (rank === 0) return n === 1 ? [] : [n];
  let m = n;
  for (let f = 2; m > 1; ) {
    if (m % f === 0) {
      shape[c(rank)]! *= f;
      m /= f;
    } else f++;
  }
  return shape;
}

// ---------------------------------------------------------------------------------------------------
// The interpreter: the program as a function of tensors, made of np / nn / lax calls.

/** The program as a function of its arguments (the inputs not captured); captured inputs hold `values`. */
function programFn(p: Program): (...args: Tensor[]) => Tensor | Tensor[] {
  const consts = tensorsOf(p, p.values);
  return (...args: Tensor[]) => {
    let next = 0;
    const xs = p.inputs.map((s, i) => (s.captured ? consts[i]! : args[next++]!));
    let cur = xs[0]!;
    const kept: Tensor[] = [];
    /** The values so far: the input, each step's result, and the views made by "view" steps. */
    const history: Tensor[] = [cur];
    const side = (s: Side): Tensor => {
      const x = s.pre ? unary(s.pre, xs[s.arg]!) : xs[s.arg]!;
      if (s.how === "broadcastTo") return np.broadcastTo(x, cur.shape);
      if (s.how === "bid") return lax.broadcastInDim(x, cur.shape, s.dims);
      return x;
    };
    /** max/min over axes (lax when an axis is empty: np.max has no identity), with kept dims if asked. */
    const extremum = (fn: "max" | "min", t: Tensor, axes: readonly number[], keepdims: boolean): Tensor => {
      if (axes.every((a) => t.shape[a] !== 0))
        return (fn === "max" ? np.max : np.min)(t, { axis: [...axes], keepdims });
      const r = (fn === "max" ? lax.reduceMax : lax.reduceMin)(t, axes);
      return keepdims
        ? np.reshape(
            r,
            t.shape.map((s, a) => (axes.includes(a) ? 1 : s)),
          )
        : r;
    };
    const binary = (fn: Binary, a: Tensor, b: Tensor): Tensor =>
      fn === "intDiv"
        ? lax.div(a, b)
        : np[
            (
              {
                add: "add",
                sub: "subtract",
                mul: "multiply",
                div: "divide",
                maximum: "maximum",
                minimum: "minimum",
              } as const
            )[fn]
          ](a, b);
    for (const s of p.steps) {
      switch (s.op) {
        case "unary":
          cur = unary(s.fn, cur);
          break;
        case "binary": {
          const y = side(s.side);
          cur = s.swap ? binary(s.fn, y, cur) : binary(s.fn, cur, y);
          break;
        }
        case "where": {
          const pred = s.mask ? side(s.mask) : np.less(cur, side(s.cmp!));
          cur = np.where(pred, cur, typeof s.other === "number" ? s.other : side(s.other));
          break;
        }
        case "reduce": {
          const axes = s.axes === "all" ? cur.shape.map((_, a) => a) : s.axes;
          const opts = { axis: s.axes === "all" ? undefined : [...s.axes], keepdims: s.keepdims };
          if (s.fn === "sum") cur = np.sum(cur, opts);
          else if (s.fn === "mean") cur = np.mean(cur, opts);
          else cur = extremum(s.fn, cur, axes, s.keepdims);
          break;
        }
        case "norm":
          cur = norm(s.fn, cur, s.axes, extremum);
          break;
        case "reshape":
          cur = np.reshape(cur, s.shape);
          break;
        case "expand":
          if (s.how === "bid") cur = lax.broadcastInDim(cur, s.shape, s.dims);
          else if (s.shape.length === cur.ndim) cur = np.broadcastTo(cur, s.shape);
          else {
            const p0 = s.shape.findIndex((_, a) => !s.dims.includes(a));
            cur = np.broadcastTo(p0 === 0 ? cur : np.expandDims(cur, p0), s.shape);
          }
          break;
        case "keep":
          if (s.what === "value") kept.push(cur);
          else if (s.what === "cmp") kept.push(np.less(cur, side(s.side)));
          else kept.push(np.sum(np.greater(cur, side(s.side)), { axis: s.axes.filter((a) => a < cur.ndim) }));
          break;
        case "multi": {
          const rs = s.fns.map((fn, k) =>
            fn === "sum"
              ? np.sum(cur, { axis: s.axes[k]! })
              : (fn === "max" ? lax.reduceMax : lax.reduceMin)(cur, s.axes[k]!),
          );
          kept.push(...rs);
          // the last result broadcast back (it has the fewest dims when its axes are a trailing block)
          const last = rs[rs.length - 1]!;
          const dims = cur.shape.map((_, a) => a).filter((a) => !s.axes[rs.length - 1]!.includes(a));
          cur = np.add(cur, lax.broadcastInDim(last, cur.shape, dims));
          break;
        }
        case "biasReduce": {
          const t = binary(s.fn, cur, side(s.side));
          cur = s.reduce === "sum" ? np.sum(t, { axis: s.axes }) : extremum(s.reduce, t, s.axes, false);
          break;
        }
        case "prev": {
          const v = history[Math.min(s.back, history.length - 1)]!;
          const fits = v.ndim <= cur.ndim && v.shape.every((d, k) => d === 1 || d === cur.shape[cur.ndim - v.ndim + k]);
          cur = binary(s.fn, cur, fits ? v : v.size === cur.size ? np.reshape(v, cur.shape) : np.sum(v));
          break;
        }
        case "view": {
          const w = np.reshape(cur, s.shape);
          if (s.keep) kept.push(w);
          history.push(w);
          cur = unary(s.fn, cur);
          break;
        }
        case "round":
          cur = np.astype(np.astype(np.multiply(cur, 4), "int32"), cur.dtype);
          break;
      }
      history.push(cur);
    }
    return kept.length ? [cur, ...kept] : cur;
  };
}

function unary(fn: Unary, x: Tensor): Tensor {
  switch (fn) {
    case "neg":
      return np.negative(x);
    case "abs":
      return np.abs(x);
    case "sign":
      return np.sign(x);
    case "square":
      return np.square(x);
    case "tanh":
      return np.tanh(x);
    case "sin":
      return np.sin(x);
    case "cos":
      return np.cos(x);
    case "expTanh":
      return np.exp(np.tanh(x));
    case "sqrtAbs":
      return np.sqrt(np.abs(x));
    case "log1pAbs":
      return np.log1p(np.abs(x));
    case "sigmoid":
      return nn.sigmoid(x);
    case "relu":
      return nn.relu(x);
    case "softplus":
      return nn.softplus(x);
    case "gelu":
      return nn.gelu(x);
  }
}

type Extremum = (fn: "max" | "min", t: Tensor, axes: readonly number[], keepdims: boolean) => Tensor;

/** Reduce-then-broadcast-back stages (softmax, layernorm, shifts by the max) over `axes`. */
function norm(fn: Norm, x: Tensor, axes: number[], extremum: Extremum): Tensor {
  const opts = { axis: axes, keepdims: true };
  switch (fn) {
    case "softmax":
      return nn.softmax(x, { axis: axes });
    case "logSoftmax":
      return nn.logSoftmax(x, { axis: axes });
    case "logsumexp":
      return nn.logsumexp(x, { axis: axes });
    case "logsumexpKeep":
      return nn.logsumexp(x, { axis: axes, keepdims: true });
    case "center":
      return np.subtract(x, np.mean(x, opts));
    case "layernorm": {
      const d = np.subtract(x, np.mean(x, opts));
      return np.divide(d, np.sqrt(np.add(np.mean(np.square(d), opts), 1e-5)));
    }
    case "maxShift":
      return np.subtract(x, extremum("max", x, axes, true));
    case "minShift":
      return np.subtract(extremum("min", x, axes, true), x);
    case "sumScale":
      return np.divide(x, np.add(np.abs(np.sum(x, opts)), 1));
    case "sumMul":
      return np.multiply(x, np.sum(x, opts));
    case "sumShift":
      return np.subtract(np.sum(x, opts), x);
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries and checks.

const plainValue = fc.oneof(
  // multiples of 1/7919 (not float32 values: rounding after every operation matters) in [−3, 3]
  { weight: 6, arbitrary: fc.integer({ min: -3 * 7919, max: 3 * 7919 }).map((n) => n / 7919) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 0.5, 2, -0.25) },
);
const specialValue = fc.oneof(
  { weight: 4, arbitrary: plainValue },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
);

/** Programs of a profile; about one run in three has NaN, ±∞ and −0 among its values. */
const programs = (profile: Profile, dtypes: readonly ChainDType[], maxSteps: number): fc.Arbitrary<Program> =>
  fc
    .record({
      choices: fc.array(fc.nat({ max: 1 << 20 }), { minLength: 160, maxLength: 160 }),
      special: fc.nat({ max: 2 }).map((k) => k === 0),
    })
    .chain(({ choices, special }) =>
      fc
        .array(special ? specialValue : plainValue, { minLength: 1, maxLength: 40 })
        .map((pool) => build(choices, pool, profile, dtypes, maxSteps)),
    );

const tensorsOf = (p: Program, values: number[][]): Tensor[] =>
  p.inputs.map((s, i) => {
    const d = values[i]!;
    const data =
      s.dtype === "bool"
        ? Uint8Array.from(d)
        : s.dtype === "int32"
          ? Int32Array.from(d)
          : s.dtype === "float32"
            ? Float32Array.from(d)
            : Float64Array.from(d);
    return np.reshape(np.array(data, { dtype: s.dtype }), s.shape);
  });

const outsOf = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);

/** Code generation works here: falling back to the interpreter would mean the generated code did not compile. */
const expectCompiled = (source: string): void =>
  expect(source, "jit generated code (no interpreter fallback)").not.toMatch(/^\/\/ interpreted/);

/** Whether any value of the (optimised) program is float32: then "fast" mode may differ from eager by design. */
const computesFloat32 = (j: Jaxpr): boolean =>
  [...j.invars, ...j.constvars, ...j.eqns.flatMap((e) => e.outs)].some((v) => v.aval.dtype === "float32");

/**
 * A jitted function against eager: the first call, a call with other values of the same signature, and the first
 * values again; after all three, the first call's results still hold the eager values (no buffer of a result is
 * reused by a later call).
 */
function checkJit<A extends Tensor[]>(
  what: string,
  f: (...xs: A) => Tensor | Tensor[],
  jf: (...xs: A) => Tensor | Tensor[],
  xs: A,
  ys: A,
): void {
  const want = outsOf(f(...xs));
  const wantOther = outsOf(f(...ys));
  const first = outsOf(jf(...xs));
  expectAllSame(`${what}, first call`, first, want);
  expectAllSame(`${what}, call with other values`, outsOf(jf(...ys)), wantOther);
  expectAllSame(`${what}, same values again`, outsOf(jf(...xs)), want);
  expectAllSame(`${what}, first call's results after later calls`, first, want);
}

/** Every check of one program: jit exact (and fast where no float32 is computed) ≡ eager; then the gradient. */
function checkProgram(p: Program, withGrad: boolean): void {
  const f = programFn(p);
  const args = (values: number[][]) => tensorsOf(p, values).filter((_, i) => !p.inputs[i]!.captured);
  const xs = args(p.values);
  const ys = args(p.otherValues);
  for (const mode of ["exact", "fast"] as const) {
    const jf = jit(f, { float32: mode });
    const lowered = jf.lower(...xs);
    expectCompiled(lowered.source);
    const float32 = computesFloat32(lowered.jaxpr.jaxpr);
    if (p.dtype !== "float32") expect(float32, `a ${p.dtype} program computes no float32 value`).toBe(false);
    if (mode === "fast" && float32) continue;
    checkJit(`jit(f, { float32: "${mode}" })`, f, jf, xs, ys);
  }
  if (!withGrad || p.dtype === "int32") return;
  const argnums = p.inputs.filter((s) => !s.captured).flatMap((s, i) => (isFloat(s.dtype) ? [i] : []));
  const loss = (...a: Tensor[]): Tensor =>
    outsOf(f(...a))
      .filter((t) => isFloat(t.dtype))
      .map((t) => np.sum(t))
      .reduce((s, t) => np.add(s, t));
  const g = grad(loss, { argnums }) as unknown as (...a: Tensor[]) => Tensor[];
  for (const mode of ["exact", "fast"] as const) {
    if (mode === "fast" && p.dtype !== "float64") continue;
    const jg = jit(g, { float32: mode });
    const { source } = jg.lower(...xs);
    expectCompiled(source);
    checkJit(`jit(grad(Σ f), { float32: "${mode}" })`, g, jg, xs, ys);
  }
}

/** A readable counterexample: the program as the calls it makes. */
const show = (p: Program): string =>
  `${p.dtype} program on inputs ${p.inputs.map((s, i) => `x${i}: ${s.dtype}[${s.shape}]${s.captured ? " (captured)" : ""}`).join(", ")}\n` +
  p.steps.map((s) => `  ${JSON.stringify(s)}`).join("\n") +
  `\n  values ${JSON.stringify(p.values.map((v) => v.map((x) => (Object.is(x, -0) ? "-0" : String(x)))))}`;

function law(name: string, arb: fc.Arbitrary<Program>, withGrad: boolean, numRuns: number): void {
  it(name, () => {
    fc.assert(
      fc.property(arb, (p) => {
        try {
          checkProgram(p, withGrad);
        } catch (e) {
          throw new Error(`${(e as Error).message}\n${show(p)}`);
        }
      }),
      { seed: SEED, numRuns: runs(numRuns) },
    );
  });
}

describe("jit loop fusion on random programs: bit for bit equal to eager", () => {
  law(
    "elementwise chains, broadcasts, reductions, reshapes (float32, float64, int32): jit exact ≡ eager; fast ≡ eager without float32",
    programs(GENERAL, ["float32", "float64", "int32"], 7),
    false,
    700,
  );
  law(
    "operands broadcast along leading, trailing, middle and mixed axes (np, np.broadcastTo, lax.broadcastInDim)",
    programs(BROADCASTS, ["float32", "float64", "int32"], 6),
    false,
    400,
  );
  law(
    "reduce-and-broadcast-back stages (softmax, layernorm, shifts, logsumexp) in chains, with jit(grad(Σ f)) ≡ grad(Σ f)",
    programs(REDUCTIONS, ["float32", "float64"], 6),
    true,
    400,
  );
  law(
    "general float programs: jit(grad(Σ f)) ≡ grad(Σ f) (exact; fast for float64)",
    programs(GENERAL, ["float32", "float64"], 5),
    true,
    300,
  );
});

// ---------------------------------------------------------------------------------------------------
// Fusion happens: the structure of what jit compiles (lower().source), and the results still equal eager.

/** Deterministic float64 values in [−2, 2) (an LCG, independent of the library). */
function grid(shape: readonly number[], seed0: number, dtype: DType = "float64"): Tensor {
  let s = seed0 >>> 0;
  const n = sizeOf(shape);
  const vals = Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return -2 + (4 * s) / 2 ** 32;
  });
  return np.reshape(np.array(dtype === "float32" ? Float32Array.from(vals) : Float64Array.from(vals), { dtype }), [
    ...shape,
  ]);
}
const fusedFns = (src: string) => (src.match(/^function F\d+\(/gm) ?? []).length;
const loopCalls = (src: string) => (src.match(/^\s*F\[\d+\]\(/gm) ?? []).length;
const kernelCalls = (src: string) => (src.match(/= K\[\d+\]\(/g) ?? []).length;
/** The source of generated function F<k>. */
const fnSource = (src: string, k: number) => src.slice(src.indexOf(`function F${k}(`)).split("\n}\n")[0]!;

describe("jit fuses what it claims to (lower().source), with results equal to eager", () => {
  it("softmax over the last axis: fewer loops than equations, no kernel calls, reductions fused with their producers", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const x = grid([5, 7], 1, dtype);
      const jf = jit((t: Tensor) => nn.softmax(t), { float32: "exact" });
      const { jaxpr, source } = jf.lower(x);
      const eqns = jaxpr.jaxpr.eqns.length;
      expect(loopCalls(source), `loops for ${eqns} equations:\n${source}`).toBeLessThanOrEqual(Math.floor(eqns / 3));
      expect(fusedFns(source)).toBe(loopCalls(source));
      expect(kernelCalls(source), "every equation is fused or a reshape view").toBe(0);
      // exp(x − max) and its sum are one loop: it stores the exponentials and accumulates their sum
      expect(source).toMatch(/Math\.exp\(.*;\n\s*out0\[i\] = t\d+;\n\s*acc0 = /);
      expectSame(`jit(softmax) ${dtype}`, jf(x) as Tensor, nn.softmax(x));
    }
  });

  it("bias add + relu: one loop, the bias read by the inner index j", () => {
    const x = grid([6, 4], 2);
    const b = grid([4], 3);
    const f = (t: Tensor, c: Tensor) => nn.relu(np.add(t, c));
    const jf = jit(f);
    const { source } = jf.lower(x, b);
    expect(fusedFns(source), source).toBe(1);
    expect(kernelCalls(source), source).toBe(0);
    expect(source).toMatch(/const x\d+ = in\d+\[j\];/);
    expect(source).toMatch(/F\[0\]\(6, 4,/);
    expectSame("jit(bias + relu)", jf(x, b) as Tensor, f(x, b));
  });

  it("a row-wise max broadcast back is read by the outer index o; a column operand too", () => {
    const x = grid([5, 3], 4);
    const f = (t: Tensor) => np.subtract(t, np.max(t, { axis: -1, keepdims: true }));
    const jf = jit(f);
    const { source } = jf.lower(x);
    expect(fusedFns(source), source).toBe(2);
    expect(fnSource(source, 1)).toMatch(/const x\d+ = in\d+\[o\];/);
    expect(kernelCalls(source), source).toBe(0);
    expectSame("jit(x − max)", jf(x) as Tensor, f(x));
    const col = grid([5, 1], 5);
    const g = (t: Tensor, c: Tensor) => np.multiply(np.exp(t), c);
    const { source: src2 } = jit(g).lower(x, col);
    expect(fusedFns(src2), src2).toBe(1);
    expect(src2).toMatch(/const x\d+ = in\d+\[o\];/);
    expectSame("jit(exp(x) · column)", jit(g)(x, col) as Tensor, g(x, col));
  });

  it("an operand broadcast along mixed axes is a kernel call (not fused), and the result is still equal", () => {
    const x = grid([2, 3, 4], 6);
    const m = grid([3, 1], 7); // varies along the middle axis only
    const f = (t: Tensor, c: Tensor) => np.tanh(np.add(t, c));
    const { source } = jit(f).lower(x, m);
    expect(source).toMatch(/K\[\d+\]\(\[v\d+\]\); \/\/ broadcast_in_dim/);
    expectSame("jit(tanh(x + middle))", jit(f, { float32: "exact" })(x, m) as Tensor, f(x, m));
  });

  it("a loop reading an intermediate by j gives its per-row results a new buffer, not the intermediate's", () => {
    // exp(c) is dead after the second loop and has as many elements as its result, but is read in every row
    const x = grid([3, 3], 12);
    const b = grid([3], 13);
    const f = (t: Tensor, c: Tensor) => np.sum(np.add(t, np.exp(c)), { axis: -1 });
    const { source } = jit(f).lower(x, b);
    expect(fusedFns(source), source).toBe(2);
    expect(fnSource(source, 1)).toMatch(/const x\d+ = in\d+\[j\];/);
    expect(source, "no buffer reused").not.toMatch(/^\s*const d\d+ = d\d+;$/m);
    expectSame("jit(Σ_j x + exp(b))", jit(f)(x, b) as Tensor, f(x, b));
  });

  it("reshape is a view of its operand's buffer (no kernel, no copy)", () => {
    const x = grid([4, 6], 8);
    const f = (t: Tensor) => np.sum(np.multiply(np.reshape(np.exp(t), [3, 8]), 2), { axis: -1 });
    const { source } = jit(f).lower(x);
    expect(source).toMatch(/const d\d+ = d\d+; \/\/ reshape/);
    expect(kernelCalls(source), source).toBe(0);
    expectSame("jit(Σ 2·reshape(exp x))", jit(f)(x) as Tensor, f(x));
  });

  it("an intermediate's buffer is reused within a call or kept (in the arena) for the next; results are new buffers and stay intact", () => {
    const x = grid([6, 5], 9);
    const jf = jit((t: Tensor) => nn.softmax(t));
    const { source } = jf.lower(x);
    const reuses = source.match(/^\s*const d\d+ = (d\d+|P\[\d+\]);$/gm) ?? [];
    expect(reuses.length, `buffer reuse in\n${source}`).toBeGreaterThan(0);
    const y = grid([6, 5], 10);
    const r1 = jf(x) as Tensor;
    const before = r1.toTypedArray();
    const r2 = jf(y) as Tensor;
    expect(r2._data, "each call returns new buffers").not.toBe(r1._data);
    expectBitwise("first result after a second call", r1.toTypedArray(), before);
    expectSame("first result", r1, nn.softmax(x));
    expectSame("second result", r2, nn.softmax(y));
  });

  it("layernorm over the trailing two axes fuses its mean and variance reductions (one accumulator each)", () => {
    const x = grid([3, 4, 5], 11);
    const f = (t: Tensor) =>
      norm("layernorm", t, [1, 2], () => {
        throw new Error("unused");
      });
    const jf = jit(f, { float32: "exact" });
    const { jaxpr, source } = jf.lower(x);
    expect(loopCalls(source), source).toBeLessThan(jaxpr.jaxpr.eqns.length / 2);
    expect((source.match(/\blet acc\d+ =/g) ?? []).length, source).toBe(2);
    expectSame("jit(layernorm)", jf(x) as Tensor, f(x));
    const x32 = grid([3, 4, 5], 11, "float32");
    expectSame("jit(layernorm) float32", jf(x32) as Tensor, f(x32));
  });

  // regression: an empty reduced block once ran as many outer iterations as the first reduction had results
  it("a fused loop with an empty reduced block and two reductions of different result sizes equals eager", () => {
    const x = np.zeros([2, 0, 3], { dtype: "float64" } as never);
    const f = (t: Tensor) => [lax.reduceMax(t, [0, 1, 2]), lax.reduceMax(t, [1, 2])];
    expectAllSame("jit(max over all, max over the last two)", jit(f)(x) as Tensor[], f(x)); // once [−∞, [−∞, 0]]
    // with a dead intermediate's buffer reused for the second result, it holds stale values
    const y = np.array([1, 2], { dtype: "float64" });
    const w = np.zeros([2, 3], { dtype: "float64" } as never);
    const g = (t: Tensor, u: Tensor, v: Tensor) => [
      np.add(lax.broadcastInDim(np.exp(u), [2, 3], [0]), v),
      np.sum(t),
      np.sum(t, { axis: [1, 2] }),
    ];
    expectAllSame("jit(…, Σ all, Σ last two)", jit(g)(x, y, w) as Tensor[], g(x, y, w)); // once [0, e²]
  });
});
