// The IR: variables, literals, equations and jaxprs, and the Primitive interface every equation carries, with all
// the rules and declarations transforms and passes read. One file, since these types refer to each other.
import type * as E from "fp-ts/Either";
import type { ShapedArray } from "../core/aval.js";
import type { TypedArray } from "../core/dtype.js";
import type { TracegradError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { TreeDef } from "../core/tree.js";
import type { Lowering } from "../lowering/rules.js";
import { fmtLit, varName } from "./pprint.js";
import type { LinearArg, Tangents, TestSpec } from "./rule_types.js";

/**
 * A variable bound once: an input, a constant or an equation output (compared by identity; named when printed).
 * @example String(makeJaxpr((x: Tensor) => x.sin())(1).jaxpr.invars[0]!.aval) // "f32[]"
 */
export class Var {
  /** Discriminant of the Atom union. */
  readonly _tag = "Var";
  constructor(readonly aval: ShapedArray) {}
}

/**
 * A scalar constant written inline, printed as `2.0:f32[]`.
 * @example makeJaxpr((x: Tensor) => x.mul(2))(1).jaxpr.eqns[0]!.inputs[1]!._tag // "Lit"
 */
export class Lit {
  /** Discriminant of the Atom union. */
  readonly _tag = "Lit";
  constructor(readonly value: Tensor) {}
  /** The literal's type (a 0-d shape). */
  get aval(): ShapedArray {
    return this.value.aval;
  }
}

/**
 * An equation input or jaxpr output: a Var or an inline Lit, told apart by `_tag`.
 * @example makeJaxpr((x: Tensor) => x.mul(2))(1).jaxpr.eqns[0]!.inputs.map((a) => a._tag) // ["Var", "Lit"]
 */
export type Atom = Var | Lit;

/**
 * One equation: `outs = prim[params] inputs`.
 * @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).jaxpr.eqns[0]!.prim.name // "reduce_sum"
 */
export interface Eqn<P = unknown> {
  /** The primitive applied; `prim.name` is what prints. */
  readonly prim: Primitive<P>;
  /** Its operands. */
  readonly inputs: readonly Atom[];
  /** Its metadata, of its primitive's params type (printed in brackets: `reduce_sum[axes=(0,)]`). */
  readonly params: P;
  /** The variables it binds. */
  readonly outs: readonly Var[];
}

/**
 * A first-order program: `{ lambda consts ; inputs. let eqns in (outs) }`.
 * @example String(makeJaxpr((x: Tensor) => x.sin())(1).jaxpr) // "{ lambda ; a:f32[]. let b:f32[] = sin a in (b) }"
 */
export class Jaxpr {
  constructor(
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}
  /** JAX-style text. */
  toString(): string {
    return printJaxpr(this);
  }
}

/**
 * A jaxpr with the values of its constvars, and the pytree structure of its inputs and outputs (what `makeJaxpr`
 * returns).
 * @example const cj = makeJaxpr((x: Tensor) => x.add(np.array([1, 2])))(np.ones([2])); String(cj)
 * // "{ lambda a:f32[2] ; b:f32[2]. let c:f32[2] = add b a in (c) }"
 * cj.consts // [Tensor([1, 2], dtype=float32)]
 */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Tensor[],
    readonly inTree?: TreeDef,
    readonly outTree?: TreeDef,
  ) {}
  /**
   * Types of the inputs (not the constants).
   * @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).inAvals.map(String) // ["f32[3]"]
   */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.invars.map((v) => v.aval);
  }
  /**
   * Types of the outputs.
   * @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).outAvals.map(String) // ["f32[]"]
   */
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outs.map((v) => v.aval);
  }
  /** The jaxpr's text (constants appear as constvars, before the `;`). */
  toString(): string {
    return printJaxpr(this.jaxpr);
  }
}

/**
 * How a primitive's derivative is given: the same primitive on tangents (linear; transpose declared), the product
 * rule of a bilinear map, zero everywhere, a formula per input (elementwise), or a rule of its own.
 */
export type AdFamily = "linear" | "bilinear" | "zero" | "formula" | "rule";

/**
 * For a partialEval rule: records the unknown part as an equation; `inputs` are known values (become
 * constants of the jaxpr being built) or the unknown inputs by position (`{ unknown: i }`).
 */
export type StageUnknown = <Q>(
  prim: Primitive<Q>,
  inputs: (Tensor | { unknown: number })[],
  params: Q,
  outAvals: ShapedArray[],
) => Tensor[];

/** What a simplification rule may ask about the jaxpr around its equation. */
export interface SimplifyCtx {
  /** The kept equation that produced `a`, when it is an equation of `prim` (so its params have `prim`'s type). */
  producerOf<Q>(a: Atom, prim: Primitive<Q>): Eqn<Q> | undefined;
  /** The value every element of `a` has, when compile time knows it (a literal, a constant, a broadcast of one). */
  splat(a: Atom): number | undefined;
}

/**
 * Compiled forms of jaxprs, for primitives that run jaxprs they carry (loops, cond): jit provides its compiler (in its
 * float32 mode), eager execution the same with exact rounding.
 */
export interface BodyCompiler {
  /** `j` as a function of tensors. */
  call(j: ClosedJaxpr): (args: readonly Tensor[]) => Tensor[];
  /** `j` taking its inputs' data and writing its outputs into the buffers given (no allocation of its own results). */
  into(j: ClosedJaxpr): (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;
  /** The generated source of `j` (what `jit(f).lower` shows for a body). */
  source(j: ClosedJaxpr): string;
}

/** Where a primitive that carries jaxprs keeps them in its params, so every pass can walk into them. */
export interface SubJaxprs<P> {
  /** The closed jaxprs of these params, in a fixed order. */
  get(params: P): readonly ClosedJaxpr[];
  /** These params with the jaxprs replaced (same order; each with the interface it replaces). */
  set(params: P, jaxprs: readonly ClosedJaxpr[]): P;
  /** The equation is a call: its one jaxpr applied to its inputs, so inlining may put the body in its place. */
  readonly call?: boolean;
}

/** A registered primitive: its rules, and the declarations transforms and passes read (never its name). */
export interface Primitive<P = unknown> {
  readonly name: string;
  /** Output avals, or a typed error naming the primitive and the shapes. */
  abstractEval(avals: ShapedArray[], params: P): E.Either<TracegradError, ShapedArray[]>;
  /** Output avals, throwing the typed error on bad input. */
  check(avals: ShapedArray[], params: P): ShapedArray[];
  /** Eager kernel on concrete tensors. */
  impl(args: Tensor[], params: P, outAvals: ShapedArray[]): Tensor[];
  /**
   * Optional: the kernel writing every element of its results into `dests` (of the outputs' dtypes and sizes), which
   * jit passes for values that stay inside a call, from buffers it keeps across calls. Never aliases an input.
   */
  implInto?(args: Tensor[], params: P, outAvals: ShapedArray[], dests: TypedArray[]): void;

  /** Which family of derivative rules it belongs to (laws check that "zero" derivatives vanish). */
  readonly adFamily: AdFamily;
  /** Output tangents given input tangents (null: a symbolic zero); rules use user-level ops. */
  jvp(tangents: (Tensor | null)[], primals: Tensor[], outs: Tensor[], params: P, t: Tangents): (Tensor | null)[];
  /** Cotangent per input for the linear inputs (UndefinedPrimal); required for linear primitives. */
  transpose?(cts: (Tensor | null)[], args: LinearArg[], params: P): (Tensor | null)[];
  /** Optional: primal and tangent outputs together (jit: one call instead of two). */
  jvpFull?(primals: Tensor[], tangents: (Tensor | null)[], params: P): [Tensor[], (Tensor | null)[]];
  /** Optional: how partial evaluation splits the primitive when only some inputs are known (jit). */
  partialEval?(known: (Tensor | undefined)[], avals: ShapedArray[], params: P, stage: StageUnknown): Tensor[];
  /**
   * vmap: the batched outputs and where their batch axes are, given inputs whose batch axis is `dims[i]`
   * (null: not batched; at least one is batched). Rules use user-level ops and never loop over the batch.
   */
  batch(args: Tensor[], dims: (number | null)[], params: P): [Tensor[], (number | null)[]];

  /** Operand order does not change the result, bit for bit (CSE may match swapped operands). */
  readonly commutative?: boolean;
  /** The result is operand 0's data under a new shape, the same elements in the same order (reshape): no copy. */
  readonly view?: boolean;
  /** Every element of the result is an element of operand 0, repeated (a broadcast): a splat stays a splat. */
  readonly repeats?: boolean;
  /**
   * Simplifications exact in IEEE arithmetic (x·1, −(−x), transpose∘transpose, …): an atom that replaces the result,
   * an equation that computes it more simply (binding the same output), or undefined to keep the equation.
   */
  simplify?(e: Eqn<P>, ctx: SimplifyCtx): Atom | Eqn<P> | undefined;
  /** The jaxprs it carries (jit, cond, while, scan). */
  readonly jaxprs?: SubJaxprs<P>;
  /**
   * Optional: the equation keeping only the outputs marked `used` (at least those) and the inputs they need, its
   * jaxprs shrunk to match (loops: a fixpoint over carries). Without it DCE keeps every output of a live equation.
   */
  dce?(e: Eqn<P>, used: readonly boolean[]): Eqn<P>;
  /**
   * Optional: how it runs with its jaxprs compiled (a loop calls its body's generated code every iteration, with
   * carries in buffers it alternates); jit's generated code calls the function this returns, once per equation.
   */
  runner?(params: P, outAvals: ShapedArray[], compiler: BodyCompiler): (args: Tensor[]) => Tensor[];
  /** Optional: as `runner`, writing every element of its results into `dests` (buffers jit keeps across calls). */
  runnerInto?(
    params: P,
    outAvals: ShapedArray[],
    compiler: BodyCompiler,
  ): (args: Tensor[], dests: readonly TypedArray[]) => void;
  /**
   * Its results never share data with its operands, so a value that only such equations and fused loops read may
   * live in a buffer jit reuses (a loop reading its stacked residuals).
   */
  readonly freshOutputs?: boolean;
  /**
   * Random bits: the floats computed from them are JAX's numbers only when float32 rounds after every operation, so
   * jit compiles a program holding this primitive in "exact" float32 mode unless its options say otherwise.
   */
  readonly exactFloat32?: boolean;
  /** Reverse mode through it is a GradientError (while): the registry laws check that instead of a VJP. */
  readonly forwardOnly?: boolean;
  /** Forward mode through it is a GradientError (customVjp): the laws check reverse mode against finite differences. */
  readonly reverseOnly?: boolean;
  /** Code generation for jit's fused loops and eager's generated kernels; its fields give the fusion class. */
  readonly lowering?: Lowering<P>;

  /** Params as jaxprs print them. */
  formatParams(params: P): string;
  /** How property tests draw its cases. */
  readonly testing: TestSpec<P> | undefined;
}

const ONE_LINE = 100;

/** JAX's text of a jaxpr; nested jaxprs (in params) print inside it, indented. */
function printJaxpr(j: Jaxpr): string {
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
    return `${outs} = ${e.prim.name}${e.prim.formatParams(e.params)}${ins ? ` ${ins}` : ""}`;
  });
  const head = `{ lambda ${consts ? `${consts} ` : ""}; ${ins}.`;
  const outs = `(${j.outs.map(atom).join(", ")})`;
  const one = `${head} let ${eqns.join("; ")}${eqns.length ? " " : ""}in ${outs} }`;
  if (one.length <= ONE_LINE && !one.includes("\n")) return one;
  const body = eqns.map((e) => `    ${e.replace(/\n/g, "\n    ")}`).join("\n");
  return `${head} let\n${body}\n  in ${outs} }`;
}
