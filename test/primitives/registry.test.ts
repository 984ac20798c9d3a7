// The primitive registry: unique names, complete rules, and sample cases that typecheck.
import * as E from "fp-ts/Either";
import { describe, expect, it } from "vitest";
// The public entry first, as users load the library (it connects the layers: src/install.ts).
import "tracegrad";
import { primitives } from "../../src/higher_order/registry.js";
import { rng } from "../helpers.js";

describe("registry", () => {
  it("names are unique and snake_case", () => {
    const names = primitives.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it("contains the primitives DESIGN.md lists for this stage", () => {
    const names = new Set(primitives.map((p) => p.name));
    for (const n of [
      "neg",
      "add",
      "sub",
      "mul",
      "div",
      "exp",
      "log",
      "sin",
      "cos",
      "tanh",
      "sqrt",
      "pow",
      "max",
      "min",
      "select",
      "reduce_sum",
      "reduce_max",
      "reduce_min",
      "broadcast_in_dim",
      "reshape",
      "transpose",
      "concatenate",
      "slice",
      "dot_general",
      "convert_element_type",
      "stop_gradient",
    ]) {
      expect(names.has(n), n).toBe(true);
    }
  });

  it("linear primitives have transpose rules", () => {
    const linear = [
      "neg",
      "add",
      "sub",
      "reduce_sum",
      "broadcast_in_dim",
      "reshape",
      "transpose",
      "concatenate",
      "slice",
      "convert_element_type",
      "select",
      "mul",
      "div",
      "dot_general",
    ];
    for (const p of primitives.filter((q) => linear.includes(q.name)))
      expect(p.transpose, p.name).toBeTypeOf("function");
  });

  it("every primitive declares test cases whose avals pass its own shape rule", () => {
    const r = rng(123);
    const choose = (n: number) => Math.floor(r() * n);
    for (const p of primitives) {
      expect(p.testing, p.name).toBeDefined();
      for (let i = 0; i < 20; i++) {
        const { avals, params } = p.testing!.sample(choose);
        const res = p.abstractEval(avals, params);
        expect(E.isRight(res), `${p.name}: ${E.isLeft(res) ? res.left.message : ""}`).toBe(true);
      }
    }
  });
});
