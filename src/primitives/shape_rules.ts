// Shared builders for primitives' shape/dtype rules and test cases (no primitive is applied here).
import * as E from "fp-ts/Either";
import { ShapedArray } from "../core/aval.js";
import { type DType, isFloat, isInteger } from "../core/dtype.js";
import { DTypeError, fmtShape, ShapeError, type TracegradError } from "../core/errors.js";
import { shapeEq } from "../core/shape.js";
import type { Choose, TestSpec } from "../ir/rule_types.js";

/** The params of primitives that have none (most elementwise ones). */
export type NoParams = Record<string, never>;

/** Which dtypes an elementwise primitive accepts: "bits" are bool and the integers, "integer" int32 and uint32. */
export type Kinds = "float" | "numeric" | "any" | "bits" | "integer";

const ACCEPTS: Record<Kinds, (d: DType) => boolean> = {
  float: isFloat,
  numeric: (d) => d !== "bool",
  any: () => true,
  bits: (d) => !isFloat(d),
  integer: isInteger,
};
const accepts = (k: Kinds, d: DType) => ACCEPTS[k](d);
const kindText: Record<Kinds, string> = {
  float: "float32 or float64",
  numeric: "int32, uint32, float32 or float64",
  any: "any dtype",
  bits: "bool, int32 or uint32",
  integer: "int32 or uint32",
};

function checkKinds(name: string, kinds: Kinds, avals: ShapedArray[]): TracegradError | undefined {
  for (const a of avals) {
    if (!accepts(kinds, a.dtype)) {
      return new DTypeError(
        `${name}: got dtype ${a.dtype}, which it does not accept (it takes ${kindText[kinds]}); convert with astype ` +
          `first`,
      );
    }
  }
  return undefined;
}

/** Elementwise over inputs of one shape and dtype (primitives do not broadcast: the np layer does). */
export function elementwise(name: string, kinds: Kinds, outDType?: DType) {
  return (avals: ShapedArray[]): E.Either<TracegradError, ShapedArray> => {
    const [a, ...rest] = avals;
    if (!a) return E.left(new ShapeError(`${name}: no operands`));
    for (const b of rest) {
      if (!shapeEq(a.shape, b.shape)) {
        return E.left(
          new ShapeError(
            `${name}: operands must have equal shapes, got ${avals.map((x) => fmtShape(x.shape)).join(" and ")}; np ` +
              `functions broadcast, lax primitives do not`,
          ),
        );
      }
      if (a.dtype !== b.dtype) {
        return E.left(
          new DTypeError(
            `${name}: operands must have equal dtypes, got ${avals.map((x) => x.dtype).join(" and ")}; convert with ` +
              `astype first`,
          ),
        );
      }
    }
    const bad = checkKinds(name, kinds, avals);
    return bad ? E.left(bad) : E.right(new ShapedArray(a.shape, outDType ?? a.dtype));
  };
}

/** A random shape of rank ≤ 3 with sides 1–3. */
export function randomShape(choose: Choose, maxRank = 3): number[] {
  const rank = choose(maxRank + 1);
  return Array.from({ length: rank }, () => 1 + choose(3));
}

/** Test cases for an elementwise primitive of `arity` float64 inputs. */
export function elementwiseTesting(arity: number, extra: Omit<TestSpec<NoParams>, "sample"> = {}): TestSpec<NoParams> {
  return {
    sample: (choose) => {
      const shape = randomShape(choose);
      return { avals: Array.from({ length: arity }, () => new ShapedArray(shape, "float64")), params: {} };
    },
    ...extra,
  };
}
