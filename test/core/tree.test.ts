// Pytrees: flatten / unflatten / map / leaves / structure over nested arrays, objects, null and undefined.

import { np, type Tensor, TracegradError, tree } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectTensor } from "../helpers.js";

describe("tree.flatten and tree.unflatten", () => {
  it("orders leaves by array index and sorted object key", () => {
    const t = np.array(5);
    const [leaves] = tree.flatten({ z: 1, a: [2, { y: t, b: 3 }], m: 4 });
    expect(leaves).toEqual([2, 3, t, 4, 1]);
    expect(leaves[2]).toBe(t);
  });

  it("treats null and undefined as empty subtrees that survive a round trip", () => {
    const value = { a: null, b: [undefined, 1, null], c: { d: undefined } };
    const [leaves, def] = tree.flatten(value);
    expect(leaves).toEqual([1]);
    const back = tree.unflatten(def, [7]) as typeof value;
    expect(back).toEqual({ a: null, b: [undefined, 7, null], c: { d: undefined } });
    expect(back.a).toBeNull();
    expect(back.b[0]).toBeUndefined();
    expect("d" in back.c).toBe(true);
  });

  it("a single leaf is its own tree", () => {
    const [leaves, def] = tree.flatten(3);
    expect(leaves).toEqual([3]);
    expect(def).toEqual({ kind: "leaf" });
    expect(tree.unflatten(def, ["x"])).toBe("x");
  });

  it("rebuilds the same structure from new leaves", () => {
    const [leaves, def] = tree.flatten({ w: [1, 2], b: 3 });
    expect(
      tree.unflatten(
        def,
        leaves.map((x) => (x as number) * 10),
      ),
    ).toEqual({ b: 30, w: [10, 20] });
  });

  it("empty containers have no leaves", () => {
    expect(tree.leaves([])).toEqual([]);
    expect(tree.leaves({})).toEqual([]);
    expect(tree.leaves([[], {}, null])).toEqual([]);
    expect(tree.unflatten(tree.structure([[], {}]), [])).toEqual([[], {}]);
  });

  it("class instances (Tensors, typed arrays) are leaves, not containers", () => {
    const t = np.array([1, 2]);
    const ta = new Float32Array(2);
    expect(tree.leaves([t, ta])).toEqual([t, ta]);
  });

  it("unflatten with the wrong number of leaves throws, naming the structure and counts", () => {
    const def = tree.structure({ a: [1, 2], b: 3 });
    const e = catchError(() => tree.unflatten(def, [1]), TracegradError);
    expect(e.message).toMatch(/tree\.unflatten/);
    expect(e.message).toMatch(/\{a: \[\*, \*\], b: \*\}/);
    expect(e.message).toMatch(/3 leaves, got 1/);
  });
});

describe("tree.leaves and tree.structure", () => {
  it("leaves lists leaves in flatten order", () => {
    expect(tree.leaves([1, { b: 2, a: 3 }, [[4]]])).toEqual([1, 3, 2, 4]);
  });

  it("structure ignores leaf values, compares equal for same-shaped trees", () => {
    expect(tree.structure([1, { a: 2 }])).toEqual(tree.structure([np.array(9), { a: true }]));
    expect(tree.structure([1, { a: 2 }])).not.toEqual(tree.structure([1, { b: 2 }]));
    expect(tree.structure([1, 2])).not.toEqual(tree.structure([1]));
  });
});

describe("tree.map", () => {
  it("maps one tree", () => {
    expect(tree.map((x: number) => x * 2, { a: [1, 2], b: 3 })).toEqual({ a: [2, 4], b: 6 });
  });

  it("maps several trees leafwise (an SGD step)", () => {
    const params = { w: np.array([1, 2]), b: np.array(0.5) };
    const grads = { w: np.array([10, 20]), b: np.array(5) };
    const next = tree.map((p: Tensor, g: Tensor) => p.sub(g.mul(0.1)), params, grads);
    expectTensor(next.w, [0, 0]);
    expectTensor(next.b, 0);
  });

  it("keeps null and undefined in place", () => {
    expect(tree.map((x: number) => x + 1, [1, null, { a: undefined, b: 2 }])).toEqual([
      2,
      null,
      { a: undefined, b: 3 },
    ]);
  });

  it("throws when the structures differ, naming both", () => {
    const e1 = catchError(
      () => tree.map((a: number, b: number) => a + b, [1, { x: 2 }], [10, { y: 20 }]),
      TracegradError,
    );
    expect(e1.message).toMatch(/tree\.map: tree 2 has structure \[\*, \{y: \*\}\], expected \[\*, \{x: \*\}\]/);
    const e2 = catchError(() => tree.map((a: number, b: number) => a + b, [1, 2], [10]), TracegradError);
    expect(e2.message).toMatch(/\[\*\].*\[\*, \*\]/);
    catchError(() => tree.map((a: number, b: number) => a + b, { a: 1 }, { a: [1] }), TracegradError);
  });
});
