// scan: a closed jaxpr (consts, carry, x) → (carry, y) applied along the leading axis of `xs`, carrying `carry` and
// stacking the `y`s (lax.scan; foriLoop with static bounds and map are scans). Its JVP is a scan over primal and
// tangent carries; partial evaluation splits it into a known scan that stacks per-iteration residuals and an unknown
// one reading them; its transpose is a scan in the other direction.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { allocateFilledLater, isFloat, type TypedArray } from "../core/dtype.js";
import { ShapeError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { BodyCompiler, ClosedJaxpr, Primitive } from "../ir/jaxpr.js";
import { dceJaxpr, pruneInputs } from "../ir/passes/dce.js";
import { isUndefined } from "../ir/rule_types.js";
import { bind } from "../ir/trace.js";
import { batchedAt, batchSize, moveAxis } from "../primitives/batching.js";
import { definePrimitiveN } from "../primitives/define.js";
import { add, full, mul, zeros, zerosLike } from "../primitives/index.js";
import { backwardPass } from "../transforms/backward.js";
import {
  asFunction,
  batchJaxpr,
  bits,
  jvpJaxpr,
  memo,
  partialEvalJaxpr,
  traceClosed,
} from "../transforms/jaxpr_rules.js";
import { fmtBools, formatNested, range, reorder, union, where } from "./bodies.js";
import { eagerCompiler } from "./jit_call.js";
import { sampleFloatJaxpr } from "./testing.js";

export interface ScanParams {
  /** (consts, carry, x) → (carry, y), per iteration. */
  jaxpr: ClosedJaxpr;
  /** The trip count (the leading axis of every x and y). */
  length: number;
  /** Iterate from the last element to the first. */
  reverse: boolean;
  /** Iterations per loop trip in compiled code (the results do not depend on it). */
  unroll: number;
  numConsts: number;
  numCarry: number;
}

const KIND = "scan";

/** The operands split as the scan reads them. */
const split = <T>(xs: readonly T[], { numConsts: c, numCarry: k }: ScanParams) =>
  [xs.slice(0, c), xs.slice(c, c + k), xs.slice(c + k)] as const;

const stacked = (a: ShapedArray, length: number) => new ShapedArray([length, ...a.shape], a.dtype);
const unstacked = (a: ShapedArray) => new ShapedArray(a.shape.slice(1), a.dtype);

/**
 * How a scan runs with its body compiled: one call of the body's generated code per iteration (or per `unroll`
 * iterations, of a body repeated that many times), reading each x and writing each y in place by offset, and
 * alternating two buffers per carry; nothing is allocated per iteration but views. Its results are written into
 * `dests` when given (jit's buffers, kept across calls), else returned as new tensors; never its operands' data.
 */
function scanLoop(p: ScanParams, outAvals: ShapedArray[], c: BodyCompiler) {
  const { length: n, numConsts: nC, numCarry: nK, reverse } = p;
  const nX = p.jaxpr.inAvals.length - nC - nK;
  const yAvals = p.jaxpr.outAvals.slice(nK);
  const kAvals = p.jaxpr.outAvals.slice(0, nK);
  const xSizes = p.jaxpr.inAvals.slice(nC + nK).map((a) => a.size);
  const ySizes = yAvals.map((a) => a.size);
  const u = Math.max(1, Math.min(p.unroll, n));
  const step = c.into(p.jaxpr);
  const stepU = u > 1 ? c.into(unrolledBody(p, u)) : step;
  return (args: Tensor[], dests?: readonly TypedArray[]): Tensor[] => {
    const carry = args.slice(nC, nC + nK);
    const ys = dests ? dests.slice(nK) : yAvals.map((a) => allocateFilledLater(a.dtype, a.size * n));
    const results = (final: TypedArray[]) => {
      if (dests) {
        final.forEach((d, k) => dests[k]!.set(d));
        return [];
      }
      return [...final, ...ys].map((d, k) => Tensor._of(d, outAvals[k]!.shape, outAvals[k]!.dtype));
    };
    if (n === 0) return results(carry.map((x) => x._data!.slice()));
    const bufs = [
      kAvals.map((a) => allocateFilledLater(a.dtype, a.size)),
      kAvals.map((a) => allocateFilledLater(a.dtype, a.size)),
    ];
    const xs = args.slice(nC + nK).map((x) => x._data!);
    // the argument lists are filled in place: consts, carry, then the rows of each iteration of a step
    const argsOf = (k: number) => {
      const A: TypedArray[] = [...args.slice(0, nC + nK).map((x) => x._data!), ...Array(k * nX)];
      return { A, O: [...bufs[0]!, ...Array(k * ys.length)] as TypedArray[] };
    };
    const lists = [argsOf(u), u > 1 ? argsOf(1) : undefined];
    let [carryAt, last] = [0, lists[0]!.A];
    const run = (body: typeof step, k: number, t: number) => {
      const { A, O } = lists[k === u ? 0 : 1]!;
      for (let j = 0; j < nK; j++) {
        A[nC + j] = last[nC + j]!;
        O[j] = bufs[carryAt]![j]!;
      }
      for (let s = 0; s < k; s++) {
        const i = reverse ? n - 1 - (t + s) : t + s;
        for (let j = 0; j < nX; j++) A[nC + nK + s * nX + j] = xs[j]!.subarray(i * xSizes[j]!, (i + 1) * xSizes[j]!);
        for (let j = 0; j < ys.length; j++)
          O[nK + s * ys.length + j] = ys[j]!.subarray(i * ySizes[j]!, (i + 1) * ySizes[j]!);
      }
      body(A, O);
      // the carry just written is read next; the other buffer is written next
      for (let j = 0; j < nK; j++) A[nC + j] = O[j]!;
      last = A;
      carryAt ^= 1;
    };
    let t = 0;
    for (; t + u <= n; t += u) run(stepU, u, t);
    for (; t < n; t++) run(step, 1, t);
    return results(last.slice(nC, nC + nK));
  };
}

/** The body applied `u` times: (consts, carry, x rows of u iterations) → (carry, y rows of u iterations). */
function unrolledBody(p: ScanParams, u: number): ClosedJaxpr {
  return memo(p.jaxpr, `unroll:${u}:${p.numConsts}:${p.numCarry}`, () => {
    const [cA, kA, xA] = split(p.jaxpr.inAvals, p);
    const xAs = Array.from({ length: u }, () => xA).flat();
    return traceClosed(
      KIND,
      "body",
      (...ins) => {
        const consts = ins.slice(0, cA.length);
        let carry = ins.slice(cA.length, cA.length + kA.length);
        const ys: Tensor[] = [];
        for (let s = 0; s < u; s++) {
          const x = ins.slice(cA.length + kA.length + s * xA.length, cA.length + kA.length + (s + 1) * xA.length);
          const outs = asFunction(p.jaxpr)(...consts, ...carry, ...x);
          carry = outs.slice(0, p.numCarry);
          ys.push(...outs.slice(p.numCarry));
        }
        return [...carry, ...ys];
      },
      [...cA, ...kA, ...xAs],
    );
  });
}

export const scanP: Primitive<ScanParams> = definePrimitiveN<ScanParams>({
  name: "scan",
  abstractEval: (avals, p) => {
    const ins = p.jaxpr.inAvals;
    const expect = [
      ...ins.slice(0, p.numConsts + p.numCarry),
      ...ins.slice(p.numConsts + p.numCarry).map((a) => stacked(a, p.length)),
    ];
    if (avals.length !== expect.length || avals.some((a, i) => !a.equals(expect[i]!)))
      return E.left(
        new ShapeError(
          `scan: the body takes (${ins.map(String).join(", ")}) with ${p.numConsts} consts and ${p.numCarry} carries ` +
            `over ${p.length} iterations, so the operands must be (${expect.map(String).join(", ")}); got ` +
            `(${avals.map(String).join(", ")})`,
        ),
      );
    const outs = p.jaxpr.outAvals;
    const carryIn = ins.slice(p.numConsts, p.numConsts + p.numCarry);
    if (outs.length < p.numCarry || carryIn.some((a, i) => !a.equals(outs[i]!)))
      return E.left(
        new ShapeError(
          `scan: the body returns the carry (${outs.slice(0, p.numCarry).map(String).join(", ")}), but takes ` +
            `(${carryIn.map(String).join(", ")})`,
        ),
      );
    return E.right([...outs.slice(0, p.numCarry), ...outs.slice(p.numCarry).map((a) => stacked(a, p.length))]);
  },
  impl: (args, p, outAvals) =>
    memo(p.jaxpr, `run:${p.length}:${p.reverse}:${p.unroll}:${p.numConsts}:${p.numCarry}`, () =>
      scanLoop(p, outAvals, eagerCompiler()),
    )(args),
  runner: (p, outAvals, c) => {
    const loop = scanLoop(p, outAvals, c);
    return (args) => loop(args);
  },
  runnerInto: (p, outAvals, c) => {
    const loop = scanLoop(p, outAvals, c);
    return (args, dests) => void loop(args, dests);
  },
  freshOutputs: true,
  adFamily: "rule",
  jvp: (tangents, primals, _outs, params) => scanP.jvpFull!(primals, tangents, params)[1],
  jvpFull: (primals, tangents, p) => {
    const nz = tangents.map((t, i) => t !== null && isFloat(primals[i]!.dtype));
    const [nzC, nzK0, nzX] = split(nz, p);
    const nY = p.jaxpr.outAvals.length - p.numCarry;
    // which carries have tangents: those with an initial tangent, and those the body gives one (a fixpoint)
    let nzK = [...nzK0];
    let d = jvpJaxpr(KIND, "body", p.jaxpr, [...nzC, ...nzK, ...nzX], [...nzK, ...Array(nY).fill(false)]);
    for (;;) {
      const grown = union(nzK, d.has.slice(0, p.numCarry));
      if (!grown.changed) break;
      nzK = grown.mask;
      d = jvpJaxpr(KIND, "body", p.jaxpr, [...nzC, ...nzK, ...nzX], [...nzK, ...Array(nY).fill(false)]);
    }
    const hasY = d.has.slice(p.numCarry);
    // jvp order: primals (c, k, x), tangents (c, k, x) → (k, y, tk, ty); scan order: c, tc, k, tk, x, tx → k, tk, y, ty
    const n = p.jaxpr.inAvals.length;
    const [c, k] = [p.numConsts, p.numCarry];
    const [tc, tk] = [where(nzC).length, where(nzK).length];
    const tx = where(nzX).length;
    const body = reorder(
      d.jaxpr,
      [
        ...range(0, c),
        ...range(n, tc),
        ...range(c, k),
        ...range(n + tc, tk),
        ...range(c + k, n - c - k),
        ...range(n + tc + tk, tx),
      ],
      [...range(0, k), ...range(k + nY, tk), ...range(k, nY), ...range(k + nY + tk, where(hasY).length)],
    );
    const [pc, pk, px] = split(primals, p);
    const [tcs, tks, txs] = split(tangents, p);
    const pick = (ts: readonly (Tensor | null)[], mask: readonly boolean[], like: readonly Tensor[]) =>
      mask.flatMap((m, i) => (m ? [ts[i] ?? zerosLike(like[i]!)] : []));
    const outs = bind(
      scanP,
      [...pc, ...pick(tcs, nzC, pc), ...pk, ...pick(tks, nzK, pk), ...px, ...pick(txs, nzX, px)],
      { ...p, jaxpr: body, numConsts: c + tc, numCarry: k + tk },
    );
    const carry = outs.slice(0, k);
    let j = k;
    const tCarry = nzK.map((m) => (m ? outs[j++]! : null));
    const ys = outs.slice(j, j + nY);
    j += nY;
    const tYs = hasY.map((h) => (h ? outs[j++]! : null));
    return [
      [...carry, ...ys],
      [...tCarry, ...tYs],
    ];
  },
  partialEval: (known, outAvals, p, stage) => {
    const uk = known.map((x) => x === undefined);
    const [ukC, ukK0, ukX] = split(uk, p);
    const nY = p.jaxpr.outAvals.length - p.numCarry;
    const noY = Array(nY).fill(false);
    // which carries are unknown: the unknown initial ones and those the body makes unknown (a fixpoint)
    let ukK = [...ukK0];
    for (;;) {
      const s = partialEvalJaxpr(KIND, "body", p.jaxpr, [...ukC, ...ukK, ...ukX]);
      const grown = union(ukK, s.outUnknown.slice(0, p.numCarry));
      if (!grown.changed) break;
      ukK = grown.mask;
    }
    const s = partialEvalJaxpr(KIND, "body", p.jaxpr, [...ukC, ...ukK, ...ukX], [...ukK, ...noY]);
    const ukY = s.outUnknown.slice(p.numCarry);
    const [kc, kk] = [ukC.filter((u) => !u).length, ukK.filter((u) => !u).length];
    // a carry that became unknown in the fixpoint enters the unknown scan with its known initial value
    const ukAll = [...ukC, ...ukK, ...ukX];
    const knownIns = known.filter((_, i) => !ukAll[i]) as Tensor[];
    // a residual that is a known const (or a constant of the body) is the same every iteration: pass it once
    const kj = s.known.jaxpr;
    // and one that is a known x is that x: the whole xs, not a stacked copy
    const residuals = kj.outs.slice(s.nKnownOuts).map((a) => {
      const input = a._tag === "Var" ? kj.invars.indexOf(a) : -1;
      if (input >= 0 && input < kc) return { invariant: knownIns[input]! };
      if (input >= kc + kk) return { invariant: undefined, forwarded: knownIns[input]! };
      const constant = a._tag === "Var" ? kj.constvars.indexOf(a) : -1;
      if (constant >= 0) return { invariant: s.known.consts[constant]! };
      return { invariant: undefined };
    });
    const perIteration = where(residuals.map((r) => r.invariant === undefined));
    const computed = perIteration.filter((r) => residuals[r]!.forwarded === undefined);
    const knownBody = reorder(s.known, range(0, kj.invars.length), [
      ...range(0, s.nKnownOuts),
      ...computed.map((r) => s.nKnownOuts + r),
    ]);
    const kOuts = bind(scanP, knownIns, { ...p, jaxpr: knownBody, numConsts: kc, numCarry: kk });
    let c = s.nKnownOuts;
    const stackedRes = perIteration.map((r) => residuals[r]!.forwarded ?? kOuts[c++]!);
    // the unknown body's inputs are (residuals, unknown c, k, x); as a scan: (invariant residuals, c), k, (stacked
    // residuals, x)
    const nRes = residuals.length;
    const invariant = where(residuals.map((r) => r.invariant !== undefined));
    const [uc, uk2] = [where(ukC).length, where(ukK).length];
    const unknownBody = reorder(
      s.unknown,
      [
        ...invariant,
        ...range(nRes, uc),
        ...range(nRes + uc, uk2),
        ...perIteration,
        ...range(nRes + uc + uk2, where(ukX).length),
      ],
      range(0, s.unknown.outAvals.length),
    );
    const offset = (part: number) => (part === 0 ? 0 : part === 1 ? p.numConsts : p.numConsts + p.numCarry);
    const unknownOf = (mask: readonly boolean[], part: number) =>
      where(mask, offset(part)).map((i) => known[i] ?? { unknown: i });
    const uOuts = stage(
      scanP,
      [
        ...invariant.map((r) => residuals[r]!.invariant!),
        ...unknownOf(ukC, 0),
        ...unknownOf(ukK, 1),
        ...stackedRes,
        ...unknownOf(ukX, 2),
      ],
      { ...p, jaxpr: unknownBody, numConsts: invariant.length + uc, numCarry: uk2 },
      outAvals.filter((_, i) => (i < p.numCarry ? ukK[i] : ukY[i - p.numCarry])),
    );
    const outUnknown = [...ukK, ...ukY];
    let [a, b] = [0, 0];
    return outUnknown.map((u) => (u ? uOuts[b++]! : kOuts[a++]!));
  },
  // a scan in the other direction: cotangents of the carries are its carry, those of the linear consts accumulate
  // in the carry too, those of the linear xs are its ys
  transpose: (cts, args, p) => {
    const [c, k, x] = split(args, p);
    // every carry is linear: a known one is a constant tangent (zeros instantiated by the JVP), whose cotangent is
    // computed and dropped
    const linC = c.map(isUndefined);
    const linX = x.map(isUndefined);
    const ctY = cts.slice(p.numCarry);
    const liveY = ctY.map((t) => t !== null);
    const body = transposedBody(p, linC, linX, liveY);
    const carryAvals = p.jaxpr.inAvals.slice(p.numConsts, p.numConsts + p.numCarry);
    const resC = c.filter((a) => !isUndefined(a)) as Tensor[];
    const resX = x.filter((a) => !isUndefined(a)) as Tensor[];
    const outs = bind(
      scanP,
      [
        ...resC,
        ...c.flatMap((a) => (isUndefined(a) ? [zeros(a.aval.shape, a.aval.dtype)] : [])),
        ...cts.slice(0, p.numCarry).map((t, i) => t ?? zeros(carryAvals[i]!.shape, carryAvals[i]!.dtype)),
        ...resX,
        ...(ctY.filter((t) => t !== null) as Tensor[]),
      ],
      {
        ...p,
        jaxpr: body,
        reverse: !p.reverse,
        numConsts: resC.length,
        numCarry: where(linC).length + p.numCarry,
      },
    );
    let j = 0;
    const ctC = linC.map((l) => (l ? outs[j++]! : null));
    const ctK = outs.slice(j, j + p.numCarry);
    j += p.numCarry;
    const ctX = linX.map((l) => (l ? outs[j++]! : null));
    return [...ctC, ...ctK.map((t, i) => (isUndefined(k[i]!) ? t : null)), ...ctX];
  },
  batch: (args, dims, p) => {
    const size = batchSize(args, dims);
    const [c, k, x] = split(args, p);
    const [dc, dk, dx] = split(dims, p);
    const cs = c.map((a, i) => (dc[i] === null ? a : moveAxis(a, dc[i]!, 0)));
    // each x is sliced along axis 0, so its batch axis goes to 1 (axis 0 of a slice)
    const xs = x.map((a, i) => (dx[i] === null ? a : moveAxis(a, dx[i]!, 1)));
    const bC = dc.map((d) => d !== null);
    const bX = dx.map((d) => d !== null);
    const nY = p.jaxpr.outAvals.length - p.numCarry;
    const noY = Array(nY).fill(false);
    const avalsFor = (bK: boolean[]) => [
      ...cs.map((a) => a.aval),
      ...k.map((a, i) =>
        bK[i] ? new ShapedArray([size, ...(dk[i] === null ? a.shape : unbatched(a, dk[i]!))], a.dtype) : a.aval,
      ),
      ...xs.map((a) => unstacked(a.aval)),
    ];
    const dimsFor = (bK: boolean[]) => [...bC, ...bK, ...bX].map((b) => (b ? 0 : null));
    let bK = dk.map((d) => d !== null);
    let d = batchJaxpr(KIND, "body", p.jaxpr, dimsFor(bK), avalsFor(bK), size, [...bK, ...noY]);
    for (;;) {
      const grown = union(bK, d.has.slice(0, p.numCarry));
      if (!grown.changed) break;
      bK = grown.mask;
      d = batchJaxpr(KIND, "body", p.jaxpr, dimsFor(bK), avalsFor(bK), size, [...bK, ...noY]);
    }
    const ks = k.map((a, i) => (bK[i] ? batchedAt(a, dk[i]!, 0, size) : a));
    const outs = bind(scanP, [...cs, ...ks, ...xs], { ...p, jaxpr: d.jaxpr });
    return [outs, [...bK.map((b) => (b ? 0 : null)), ...d.has.slice(p.numCarry).map((b) => (b ? 1 : null))]];
  },
  // unused ys and carries go, with what only they need; a carry stays while a used one reads it (a fixpoint)
  dce: (e, used) => {
    const p = e.params;
    const nY = p.jaxpr.outAvals.length - p.numCarry;
    const usedY = used.slice(p.numCarry);
    let usedK = used.slice(0, p.numCarry);
    let r = dceJaxpr(p.jaxpr, [...usedK, ...usedY]);
    for (;;) {
      const grown = union(usedK, r.usedIns.slice(p.numConsts, p.numConsts + p.numCarry));
      if (!grown.changed) break;
      usedK = grown.mask;
      r = dceJaxpr(p.jaxpr, [...usedK, ...usedY]);
    }
    const [keepC, , keepX] = split(r.usedIns, p);
    const keep = [...keepC, ...usedK, ...keepX];
    const outs = [...usedK, ...usedY];
    if (keep.every((k) => k) && outs.length === p.numCarry + nY && outs.every((o) => o)) return e;
    return {
      prim: e.prim,
      inputs: e.inputs.filter((_, i) => keep[i]),
      outs: e.outs.filter((_, i) => outs[i]),
      params: {
        ...p,
        jaxpr: pruneInputs(r.jaxpr, keep),
        numConsts: where(keepC).length,
        numCarry: where(usedK).length,
      },
    };
  },
  jaxprs: { get: (p) => [p.jaxpr], set: (p, [jaxpr]) => ({ ...p, jaxpr: jaxpr! }) },
  formatParams: (p) =>
    formatNested([
      ["jaxpr", p.jaxpr],
      ["length", p.length],
      ["linear", fmtBools(p.jaxpr.inAvals.map(() => false))],
      ["num_carry", p.numCarry],
      ["num_consts", p.numConsts],
      ["reverse", p.reverse ? "True" : "False"],
      ["unroll", p.unroll],
    ]),
  // a random first-order primitive's case as the body: its inputs split between consts and xs; with a carry, the
  // carry is damped and fed by the primitive's first output (y ← y/2 + f(c, x)), which is then what laws check
  testing: {
    sample: (choose) => {
      const { jaxpr, avals, domains } = sampleFloatJaxpr(choose);
      const length = 1 + choose(3);
      const asX = avals.map((_, i) => i % 2 === 1 || choose(2) === 0);
      const order = [...where(asX.map((x) => !x)), ...where(asX)];
      const nConsts = asX.filter((x) => !x).length;
      const ordered = reorder(jaxpr, order, range(0, jaxpr.outAvals.length));
      const withCarry = choose(2) === 1;
      const y = jaxpr.outAvals[0]!;
      const body = !withCarry
        ? ordered
        : traceClosed(
            KIND,
            "body",
            (...xs) => {
              const outs = asFunction(ordered)(...xs.slice(0, nConsts), ...xs.slice(nConsts + 1));
              return [add(mul(xs[nConsts]!, full(y.shape, 0.5, y.dtype)), outs[0]!), ...outs];
            },
            [...order.slice(0, nConsts).map((i) => avals[i]!), y, ...order.slice(nConsts).map((i) => avals[i]!)],
          );
      const ins = order.map((i) => (asX[i] ? stacked(avals[i]!, length) : avals[i]!));
      const dom = order.map((i) => domains[i]);
      return {
        avals: withCarry ? [...ins.slice(0, nConsts), y, ...ins.slice(nConsts)] : ins,
        params: {
          jaxpr: body,
          length,
          reverse: choose(2) === 1,
          unroll: 1,
          numConsts: nConsts,
          numCarry: withCarry ? 1 : 0,
        },
        domains: withCarry ? [...dom.slice(0, nConsts), undefined, ...dom.slice(nConsts)] : dom,
      };
    },
  },
});

const unbatched = (a: Tensor, d: number) => a.shape.filter((_, i) => i !== d);

/**
 * The body of a scan's transpose: (residual consts), (accumulated cotangents of the linear consts, carry
 * cotangents), (residual xs, live y cotangents) → (accumulators, carry cotangents), (cotangents of the linear xs).
 */
function transposedBody(p: ScanParams, linC: boolean[], linX: boolean[], liveY: boolean[]): ClosedJaxpr {
  const j = p.jaxpr;
  return memo(j, `scan-t:${p.numConsts}:${p.numCarry}:${bits(linC)}:${bits(linX)}:${bits(liveY)}`, () => {
    const ins = j.inAvals;
    const [cA, kA, xA] = split(ins, p);
    const yA = j.outAvals.slice(p.numCarry);
    const avals = [
      ...cA.filter((_, i) => !linC[i]),
      ...cA.filter((_, i) => linC[i]),
      ...kA,
      ...xA.filter((_, i) => !linX[i]),
      ...yA.filter((_, i) => liveY[i]),
    ];
    return traceClosed(
      KIND,
      "transpose(body)",
      (...xs) => {
        let r = 0;
        const take = (n: number) => xs.slice(r, (r += n));
        const resC = take(linC.filter((l) => !l).length);
        const acc = take(linC.filter((l) => l).length);
        const ctK = take(p.numCarry);
        const resX = take(linX.filter((l) => !l).length);
        const ctYLive = take(liveY.filter((l) => l).length);
        let [a, b, q] = [0, 0, 0];
        const defined: (Tensor | undefined)[] = [
          ...linC.map((l) => (l ? undefined : resC[a++]!)),
          ...kA.map(() => undefined),
          ...linX.map((l) => (l ? undefined : resX[b++]!)),
        ];
        const cts = [...ctK, ...liveY.map((l) => (l ? ctYLive[q++]! : null))];
        const res = backwardPass(j.jaxpr, j.consts, cts, defined);
        const orZero = (t: Tensor | null, av: ShapedArray) => t ?? zeros(av.shape, av.dtype);
        let m = 0;
        const newAcc = linC.flatMap((l, i) => (l ? [add(acc[m++]!, orZero(res[i] ?? null, cA[i]!))] : []));
        const ctKIn = kA.map((av, i) => orZero(res[p.numConsts + i] ?? null, av));
        const ctX = linX.flatMap((l, i) => (l ? [orZero(res[p.numConsts + p.numCarry + i] ?? null, xA[i]!)] : []));
        return [...newAcc, ...ctKIn, ...ctX];
      },
      avals,
    );
  });
}

/** A scan of flat operands (the user-level functions check and flatten pytrees). */
export const scanFlat = (
  jaxpr: ClosedJaxpr,
  consts: Tensor[],
  init: Tensor[],
  xs: Tensor[],
  opts: { length: number; reverse: boolean; unroll: number },
): Tensor[] =>
  bind(scanP, [...consts, ...init, ...xs], { jaxpr, ...opts, numConsts: consts.length, numCarry: init.length });
