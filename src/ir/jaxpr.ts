// The IR: variables, literals, equations and jaxprs (closed over their constants).
import type { ShapedArray } from "../core/aval.js";
import type { Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tensor.js";
import type { TreeDef } from "../core/tree.js";
import { printJaxpr } from "./pprint.js";

/**
 * A variable bound once: an input, a constant or an equation output (compared by identity; named when printed).
 * @example String(makeJaxpr((x: Tensor) => x.sin())(1).jaxpr.invars[0]!.aval) // "f32[]"
 */
export class Var {
  /** Discriminant of the Atom union. */
  readonly _tag = "Var";
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant written inline, printed as `2.0:f32[]`. @example makeJaxpr((x: Tensor) => x.mul(2))(1).jaxpr.eqns[0]!.inputs[1]!._tag // "Lit" */
export class Lit {
  /** Discriminant of the Atom union. */
  readonly _tag = "Lit";
  constructor(readonly value: Tensor) {}
  /** The literal's type (a 0-d shape). */
  get aval(): ShapedArray {
    return this.value.aval;
  }
}

/** An equation input or jaxpr output: a Var or an inline Lit, told apart by `_tag`. @example makeJaxpr((x: Tensor) => x.mul(2))(1).jaxpr.eqns[0]!.inputs.map((a) => a._tag) // ["Var", "Lit"] */
export type Atom = Var | Lit;

/** One equation: `outs = prim[params] inputs`. @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).jaxpr.eqns[0]!.prim.name // "reduce_sum" */
export interface Eqn {
  /** The primitive applied; `prim.name` is what prints. */
  readonly prim: Primitive<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- params are per primitive
  /** Its operands. */
  readonly inputs: readonly Atom[];
  /** Its metadata, typed per primitive (printed in brackets: `reduce_sum[axes=(0,)]`). */
  readonly params: unknown;
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
  /** JAX-style text, as `pprint.ts` prints it. */
  toString(): string {
    return printJaxpr(this);
  }
}

/**
 * A jaxpr with the values of its constvars, and the pytree structure of its inputs and outputs (what `makeJaxpr` returns).
 * @example const cj = makeJaxpr((x: Tensor) => x.add(np.array([1, 2])))(np.ones([2])); String(cj) // "{ lambda a:f32[2] ; b:f32[2]. let c:f32[2] = add b a in (c) }"
 * cj.consts // [Tensor([1, 2], dtype=float32)]
 */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Tensor[],
    readonly inTree?: TreeDef,
    readonly outTree?: TreeDef,
  ) {}
  /** Types of the inputs (not the constants). @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).inAvals.map(String) // ["f32[3]"] */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.invars.map((v) => v.aval);
  }
  /** Types of the outputs. @example makeJaxpr((x: Tensor) => x.sum())(np.ones([3])).outAvals.map(String) // ["f32[]"] */
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outs.map((v) => v.aval);
  }
  /** The jaxpr's text (constants appear as constvars, before the `;`). */
  toString(): string {
    return printJaxpr(this.jaxpr);
  }
}
