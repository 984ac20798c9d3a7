// The IR: variables, literals, equations and jaxprs (closed over their constants).
import type { ShapedArray } from "../core/aval.js";
import type { Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tensor.js";
import type { TreeDef } from "../core/tree.js";
import { printJaxpr } from "./pprint.js";

/** A variable bound once: an input, a constant or an equation output. */
export class Var {
  readonly _tag = "Var";
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant written inline. */
export class Lit {
  readonly _tag = "Lit";
  constructor(readonly value: Tensor) {}
  get aval(): ShapedArray {
    return this.value.aval;
  }
}

export type Atom = Var | Lit;

export interface Eqn {
  readonly prim: Primitive<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- params are per primitive
  readonly inputs: readonly Atom[];
  readonly params: unknown;
  readonly outs: readonly Var[];
}

/** A first-order program: `{ lambda consts ; inputs. let eqns in (outs) }`. */
export class Jaxpr {
  constructor(
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}
  toString(): string {
    return printJaxpr(this);
  }
}

/** A jaxpr with the values of its constvars, and the pytree structure of its inputs and outputs. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Tensor[],
    readonly inTree?: TreeDef,
    readonly outTree?: TreeDef,
  ) {}
  get inAvals(): ShapedArray[] {
    return this.jaxpr.invars.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outs.map((v) => v.aval);
  }
  toString(): string {
    return printJaxpr(this.jaxpr);
  }
}
