// Types of a primitive's rules that do not involve jaxprs: the linear arguments of transpose rules, the tangent
// arithmetic the JVP trace hands to derivative rules, and how property tests draw cases.
import type { ShapedArray } from "../core/aval.js";
import type { Tensor } from "../core/tensor.js";

/** Marks the linear inputs of a transpose rule: no value, only where the cotangent goes. */
export class UndefinedPrimal {
  readonly _tag = "UndefinedPrimal";
  constructor(readonly aval: ShapedArray) {}
}
export type LinearArg = Tensor | UndefinedPrimal;
export const isUndefined = (x: LinearArg): x is UndefinedPrimal => x instanceof UndefinedPrimal;

/**
 * Tangent arithmetic with symbolic zeros (null), which the JVP trace owns and hands to derivative rules: a zero
 * made concrete where an operation needs one, and a sum that skips absent terms.
 */
export interface Tangents {
  zerosLike(x: Tensor): Tensor;
  add(a: Tensor | null, b: Tensor | null): Tensor | null;
}

/** Picks a whole number in [0, n); property tests drive it from fast-check so cases shrink. */
export type Choose = (n: number) => number;

/** How property tests draw cases for a primitive; declared next to its rules. */
export interface TestSpec<P> {
  /**
   * Input shapes/dtypes and params of one random case; `domains` optionally overrides `domain` per input
   * for this case (for int32 inputs: the inclusive range of indices that are valid here).
   */
  sample(choose: Choose): {
    avals: ShapedArray[];
    params: P;
    domains?: readonly (readonly [number, number] | undefined)[];
  };
  /** Interval the float inputs are drawn from (one for all, or one per input); default [-2, 2]. */
  domain?: readonly [number, number] | readonly (readonly [number, number])[];
  /** Non-smooth where values meet (max, min, reduce_max): keep every drawn value apart. */
  distinct?: boolean;
  /** Float inputs the derivative laws hold fixed: the primitive has no derivative in them (betainc's a, b). */
  nondiff?: readonly number[];
}
