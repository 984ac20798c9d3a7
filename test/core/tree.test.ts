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

describe("isLeaf", () => {
  const isPair = (n: unknown) => Array.isArray(n) && n.length === 2 && n.every((v) => typeof v === "number");

  it("tree.map treats the subtrees isLeaf accepts as leaves (an options object last)", () => {
    const t = {
      a: [1, 2],
      b: [
        [3, 4],
        [5, 6],
      ],
    };
    expect(tree.map((p: number[]) => p[0]! + p[1]!, t, { isLeaf: isPair })).toEqual({ a: 3, b: [7, 11] });
    const sums = tree.map((p: number[], q: number[]) => p[0]! * q[1]!, t, t, { isLeaf: isPair });
    expect(sums).toEqual({ a: 2, b: [12, 30] });
  });

  it("tree.flatten and tree.leaves take { isLeaf }; null can be made a leaf", () => {
    expect(tree.leaves({ a: [1, 2], b: 3 }, { isLeaf: isPair })).toEqual([[1, 2], 3]);
    const [leaves, def] = tree.flatten([null, 1], { isLeaf: (n) => n === null });
    expect(leaves).toEqual([null, 1]);
    expect(def).toEqual({ kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] });
  });

  it("a plain object with other keys besides isLeaf is a tree, not options", () => {
    expect(tree.map((a: number, b: number) => a + b, { isLeaf: 1, x: 2 }, { isLeaf: 10, x: 20 })).toEqual({
      isLeaf: 11,
      x: 22,
    });
  });

  it("a non-function isLeaf is a TracegradError naming it", () => {
    const e = catchError(() => tree.map((a: number) => a, [1], { isLeaf: 3 }), TracegradError);
    expect(e.message).toMatch(/tree\.map: option isLeaf must be a function/);
    const e2 = catchError(() => tree.leaves([1], { isLeaf: 3 as never }), TracegradError);
    expect(e2.message).toMatch(/tree\.leaves: isLeaf must be a function/);
  });
});

describe("tree.reduce", () => {
  it("folds over the leaves, with and without an initial value", () => {
    const t = { a: [1, 2], b: { c: 3 }, d: null };
    expect(tree.reduce((acc: number, x: number) => acc + x, t, 10)).toBe(16);
    expect(tree.reduce((acc: number, x: number) => acc + x, t)).toBe(6);
    expect(tree.reduce((acc: string, x: number) => acc + x, t, "")).toBe("123");
    const total = tree.reduce(
      (acc: Tensor, x: Tensor) => acc.add(x.sum()),
      [np.array([1, 2]), np.array(3)],
      np.array(0),
    );
    expectTensor(total, 6);
  });

  it("an empty tree gives the initial value, or a TracegradError without one", () => {
    expect(tree.reduce((a: number, b: number) => a + b, [], 5)).toBe(5);
    expect(catchError(() => tree.reduce((a: number, b: number) => a + b, [null, {}]), TracegradError).message).toMatch(
      /tree\.reduce: the tree has no leaves and no initial value/,
    );
  });

  it("a non-function fn is a TracegradError naming the argument", () => {
    const e = catchError(() => tree.reduce(3 as never, [1]), TracegradError);
    expect(e.message).toMatch(/tree\.reduce: fn must be a function, got the number 3/);
  });
});

describe("paths: leavesWithPath, mapWithPath, keystr", () => {
  const params = {
    layers: [
      { w: 1, b: 2 },
      { w: 3, b: 4 },
    ],
    "odd key": [5],
  };

  it("leavesWithPath gives each leaf's keys (object keys and array indices)", () => {
    expect(tree.leavesWithPath(params)).toEqual([
      [["layers", 0, "b"], 2],
      [["layers", 0, "w"], 1],
      [["layers", 1, "b"], 4],
      [["layers", 1, "w"], 3],
      [["odd key", 0], 5],
    ]);
    expect(tree.leavesWithPath(7)).toEqual([[[], 7]]);
  });

  it("keystr prints a path as .layers[1].w (unusual keys quoted)", () => {
    expect(tree.keystr(["layers", 1, "w"])).toBe(".layers[1].w");
    expect(tree.keystr(["odd key", 0])).toBe('["odd key"][0]');
    expect(tree.keystr([])).toBe("");
    expect(catchError(() => tree.keystr([{}] as never), TracegradError).message).toMatch(/tree\.keystr: path must be/);
  });

  it("mapWithPath passes the path first, then the leaves of every tree", () => {
    const out = tree.mapWithPath((p, x: number, y: number) => `${tree.keystr(p)}=${x + y}`, params, params);
    expect(out).toEqual({
      layers: [
        { w: ".layers[0].w=2", b: ".layers[0].b=4" },
        { w: ".layers[1].w=6", b: ".layers[1].b=8" },
      ],
      "odd key": ['["odd key"][0]=10'],
    });
    // a path-dependent update: decay weights only
    const decayed = tree.mapWithPath((p, x: number) => (p[p.length - 1] === "w" ? x * 0.5 : x), params);
    expect(decayed.layers[1]).toEqual({ w: 1.5, b: 4 });
    expect(catchError(() => tree.mapWithPath(null as never, params), TracegradError).message).toMatch(
      /tree\.mapWithPath: fn must be a function/,
    );
  });
});

describe("tree.transpose", () => {
  it("turns a list of dicts into a dict of lists and back (JAX's example)", () => {
    const listOfDicts = [
      { obj1: 1, obj2: 2 },
      { obj1: 3, obj2: 4 },
    ];
    const outer = tree.structure([0, 0]);
    const inner = tree.structure({ obj1: 0, obj2: 0 });
    const dictOfLists = tree.transpose(outer, inner, listOfDicts);
    expect(dictOfLists).toEqual({ obj1: [1, 3], obj2: [2, 4] });
    expect(tree.transpose(inner, outer, dictOfLists)).toEqual(listOfDicts);
  });

  it("accepts example trees for outer and inner, and nested inner structures", () => {
    const t = [
      { a: [1, 2], b: 3 },
      { a: [4, 5], b: 6 },
      { a: [7, 8], b: 9 },
    ];
    expect(tree.transpose([0, 0, 0], { a: [0, 0], b: 0 }, t)).toEqual({
      a: [
        [1, 4, 7],
        [2, 5, 8],
      ],
      b: [3, 6, 9],
    });
  });

  it("a tree that is not outer of inner is a TracegradError naming the structures", () => {
    const e = catchError(() => tree.transpose([0, 0], { a: 0 }, [{ a: 1 }, { b: 2 }]), TracegradError);
    expect(e.message).toMatch(
      /tree\.transpose: the tree has structure \[\{a: \*\}, \{b: \*\}\].*\[\{a: \*\}, \{a: \*\}\]/,
    );
  });
});

describe("tree.all", () => {
  it("is true when every leaf is truthy (numbers by != 0, scalar tensors by value)", () => {
    expect(tree.all([true, { a: 1, b: np.array(2) }, null])).toBe(true);
    expect(tree.all([true, { a: 0 }])).toBe(false);
    expect(tree.all({ ok: np.array(false) })).toBe(false);
    expect(tree.all({ ok: np.array([true]) })).toBe(true);
    expect(tree.all([])).toBe(true);
  });

  it("a tensor leaf of several elements is a TracegradError saying to reduce it first", () => {
    const e = catchError(() => tree.all({ m: np.array([true, false]) }), TracegradError);
    expect(e.message).toMatch(/tree\.all: the leaf at \.m .*ambiguous; reduce it first/);
  });
});
