// np.einsum (explicit and implicit output, ellipsis, diagonals, greedy pairwise order) vs a plain-JS float64
// reference that loops over every assignment of the indices.

import { DTypeError, grad, jit, makeJaxpr, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, numGrad, rng, strides, unravel, valuesOf } from "../helpers.js";

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A float64 tensor of `shape` with small random entries, and its data. */
function rand(r: () => number, shape: number[]): [Tensor, number[]] {
  const d = Array.from({ length: size(shape) }, () => Math.round((r() * 4 - 2) * 8) / 8);
  return [np.reshape(np.array(d, { dtype: "float64" }), shape), d];
}

/**
 * Reference einsum over letters only (ellipsis written out as letters by the caller), explicit output: the sum over
 * every assignment of the summed indices. A size-1 axis where the index is larger broadcasts (reads position 0).
 */
function refEinsum(
  spec: string,
  ops: [number[], number[]][], // [data, shape]
): [number[], number[]] {
  const [ins, out] = spec.split("->") as [string, string];
  const terms = ins.split(",");
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => {
    [...t].forEach((l, ax) => {
      const n = ops[i]![1][ax]!;
      if ((sizes.get(l) ?? 1) === 1) sizes.set(l, n);
    });
  });
  const all = [...new Set(terms.join(""))];
  const summed = all.filter((l) => !out.includes(l));
  const outShape = [...out].map((l) => sizes.get(l)!);
  const sumShape = summed.map((l) => sizes.get(l)!);
  const vals = Array.from({ length: size(outShape) }, (_, flat) => {
    const oi = unravel(flat, outShape);
    let s = 0;
    for (let k = 0; k < size(sumShape); k++) {
      const si = unravel(k, sumShape);
      const at = (l: string) => (out.includes(l) ? oi[out.indexOf(l)]! : si[summed.indexOf(l)]!);
      let p = 1;
      terms.forEach((t, i) => {
        const [d, sh] = ops[i]!;
        const st = strides(sh);
        p *= d[[...t].reduce((o, l, ax) => o + (sh[ax] === 1 ? 0 : at(l)) * st[ax]!, 0)]!;
      });
      s += p;
    }
    return s;
  });
  return [outShape, vals];
}

/** einsum(subscripts) on random operands of `shapes`, checked against refEinsum(refSpec). */
function check(subscripts: string, refSpec: string, shapes: number[][], seed = 1): Tensor {
  const r = rng(seed);
  const ops = shapes.map((s) => rand(r, s));
  const got = np.einsum(subscripts, ...ops.map(([t]) => t));
  const [shape, vals] = refEinsum(
    refSpec,
    ops.map(([, d], i) => [d, shapes[i]!]),
  );
  expect(got.shape).toEqual(shape);
  expect(got.dtype).toBe("float64");
  const v = valuesOf(got);
  vals.forEach((x, i) => expect(v[i]).toBeCloseTo(x, 9));
  return got;
}

describe("np.einsum: explicit output", () => {
  it("matrix product", () =>
    check("ij,jk->ik", "ij,jk->ik", [
      [3, 4],
      [4, 5],
    ]));
  it("batch matmul bij,bjk->bik", () =>
    check("bij,bjk->bik", "bij,bjk->bik", [
      [2, 3, 4],
      [2, 4, 5],
    ]));
  it("transpose, sums and a scalar result", () => {
    check("ij->ji", "ij->ji", [[2, 3]]);
    check("ij->j", "ij->j", [[2, 3]]);
    check("ij->", "ij->", [[2, 3]]);
    check("i,i->", "i,i->", [[5], [5]]);
  });
  it("outer products", () => {
    check("i,j->ij", "i,j->ij", [[3], [4]]);
    check("ij,k->kji", "ij,k->kji", [[2, 3], [4]]);
  });
  it("diagonals and traces (repeated indices)", () => {
    check("ii->i", "ii->i", [[4, 4]]);
    check("ii->", "ii->", [[4, 4]]);
    check("iij->j", "iij->j", [[3, 3, 2]]);
    check("iii->i", "iii->i", [[3, 3, 3]]);
    check("ijij->ij", "ijij->ij", [[2, 3, 2, 3]]);
    check("ii,ij->j", "ii,ij->j", [
      [3, 3],
      [3, 2],
    ]);
    expect(np.einsum("ii", np.eye(3)).toArray()).toBe(3);
  });
  it("an index repeated across three operands and kept (batch) or summed", () => {
    check("ij,ij,ij->ij", "ij,ij,ij->ij", [
      [2, 3],
      [2, 3],
      [2, 3],
    ]);
    check("i,i,i->", "i,i,i->", [[4], [4], [4]]);
    check("ai,bi,ci->abc", "ai,bi,ci->abc", [
      [2, 3],
      [2, 3],
      [3, 3],
    ]);
  });
  it("four operands, against the reference", () =>
    check("ab,bc,cd,da->", "ab,bc,cd,da->", [
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 2],
    ]));
  it("0-d operands", () => {
    expect(np.einsum(",i->i", 2, [1, 2]).toArray()).toEqual([2, 4]);
    expect(np.einsum("->", 3).toArray()).toBe(3);
  });
  it("spaces are ignored; ints stay ints", () => {
    const r = np.einsum(" ij , jk -> ik ", np.array([[1, 2]], "int32"), np.array([[3], [4]], "int32"));
    expect(r.dtype).toBe("int32");
    expect(r.toArray()).toEqual([[11]]);
  });
});

describe("np.einsum: implicit output", () => {
  it("the indices that appear once, alphabetically", () => {
    check("ij,jk", "ij,jk->ik", [
      [3, 4],
      [4, 2],
    ]);
    check("ji", "ji->ij", [[2, 3]]);
    check("ij", "ij->ij", [[2, 3]]);
    check("ba,ac", "ba,ac->bc", [
      [2, 3],
      [3, 4],
    ]);
    check("kj,ji", "kj,ji->ik", [
      [2, 3],
      [3, 4],
    ]);
    check("i,j", "i,j->ij", [[3], [2]]);
    check("i,i", "i,i->", [[3], [3]]);
    check("ii", "ii->", [[3, 3]]);
    check("cb,bA", "cb,bA->Ac", [
      [2, 3],
      [3, 4],
    ]); // uppercase sorts before lowercase
  });
});

describe("np.einsum: ellipsis", () => {
  it("batch dims in front", () =>
    check("...ij,...jk->...ik", "xyij,xyjk->xyik", [
      [2, 3, 4, 5],
      [2, 3, 5, 2],
    ]));
  it("batch dims broadcast (different ranks and size 1)", () => {
    check("...ij,...jk->...ik", "xyij,yjk->xyik", [
      [2, 3, 4, 5],
      [3, 5, 2],
    ]);
    check("...ij,...jk->...ik", "xyij,xyjk->xyik", [
      [2, 1, 4, 5],
      [1, 3, 5, 2],
    ]);
  });
  it("ellipsis in the middle and at the end", () => {
    check("i...j,j->...i", "ixyj,j->xyi", [[2, 3, 4, 5], [5]]);
    check("i...->...i", "ixy->xyi", [[2, 3, 4]]);
  });
  it("implicit output puts the ellipsis axes first", () => {
    check("...i,...i", "xi,xi->x", [
      [3, 4],
      [3, 4],
    ]);
    check("i...", "ixy->xyi", [[2, 3, 4]]);
    check("...ij,jk", "xij,jk->xik", [
      [2, 3, 4],
      [4, 5],
    ]);
  });
  it("an ellipsis of no axes", () =>
    check("...ij,...jk->...ik", "ij,jk->ik", [
      [3, 4],
      [4, 2],
    ]));
  it("ellipsis axes left out of an explicit output are summed", () => check("...i->i", "xyi->i", [[2, 3, 4]]));
});

describe("np.einsum: contraction order (greedy, by cost)", () => {
  const dotShapes = (f: () => Tensor) =>
    makeJaxpr(f)()
      .jaxpr.eqns.filter((e) => e.prim.name === "dot_general")
      .map((e) => e.outs[0]!.aval.shape);
  it("a chain contracts the pair with the small intermediate first", () => {
    // A·B would make 64×64; B·C only 2×2
    const [A, B, C] = [np.ones([64, 2], "float64"), np.ones([2, 64], "float64"), np.ones([64, 2], "float64")];
    expect(dotShapes(() => np.einsum("ij,jk,kl->il", A, B, C))).toEqual([
      [2, 2],
      [64, 2],
    ]);
    expect(np.einsumPath("ij,jk,kl->il", [64, 2], [2, 64], [64, 2])).toEqual([
      [1, 2],
      [0, 1],
    ]);
    // the mirror image: A·B first
    expect(np.einsumPath("ij,jk,kl->il", [2, 64], [64, 2], [2, 64])).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });
  it("batched chain bij,bjk,bkl->bil: one dot_general per pair, the cheap association", () => {
    const shapes = [
      [3, 32, 32],
      [3, 32, 2],
      [3, 2, 32],
    ];
    // (A·B) is 3×32×2 and then ·C; (B·C) would be 3×32×32
    expect(np.einsumPath("bij,bjk,bkl->bil", ...shapes)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    const ts = shapes.map((s) => np.ones(s, "float64"));
    expect(dotShapes(() => np.einsum("bij,bjk,bkl->bil", ...ts))).toEqual([
      [3, 32, 2],
      [3, 32, 32],
    ]);
    check("bij,bjk,bkl->bil", "bij,bjk,bkl->bil", [
      [2, 5, 6],
      [2, 6, 2],
      [2, 2, 5],
    ]);
  });
  it("pairs sharing an index come before outer products", () => {
    expect(np.einsumPath("i,j,ij->", [10], [10], [10, 10])).toEqual([
      [0, 2],
      [0, 1],
    ]);
  });
});

describe("np.einsum: options (optimize, preferredElementType)", () => {
  // the multiply-adds of a path, counted independently: each step costs the product of the sizes of its labels
  const flops = (terms: string[], out: string, sizes: Record<string, number>, path: [number, number][]) => {
    let list = terms.map((t) => [...t]);
    let total = 0;
    for (const [i, j] of path) {
      const [a, b] = [list[i]!, list[j]!];
      const rest = list.filter((_, k) => k !== i && k !== j);
      const need = new Set([...out, ...rest.flat()]);
      const all = [...new Set([...a, ...b])];
      total += all.reduce((p, l) => p * sizes[l]!, 1);
      list = [...rest, all.filter((l) => need.has(l))];
    }
    return total;
  };
  /** Every pairwise path of n operands (positions in the list as it is then). */
  const allPaths = (n: number): [number, number][][] =>
    n <= 1
      ? [[]]
      : Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => [i, j] as [number, number]))
          .flat()
          .filter(([i, j]) => i < j)
          .flatMap((p) => allPaths(n - 1).map((rest) => [p, ...rest]));

  it('"optimal" finds the cheapest order of every order, where greedy does not', () => {
    // a chain whose greedy choice (smallest intermediate first) is not the cheapest overall
    const terms = ["ab", "bc", "cd", "de"];
    const sizes: Record<string, number> = { a: 5, b: 20, c: 10, d: 40, e: 40 };
    const shapes = terms.map((t) => [...t].map((l) => sizes[l]!));
    const best = Math.min(...allPaths(4).map((p) => flops(terms, "ae", sizes, p)));
    const optimal = np.einsumPath("ab,bc,cd,de->ae", ...shapes, { optimize: "optimal" });
    expect(flops(terms, "ae", sizes, optimal)).toBe(best);
    const greedy = np.einsumPath("ab,bc,cd,de->ae", ...shapes);
    expect(flops(terms, "ae", sizes, greedy)).toBeGreaterThan(best); // greedy: 19000, optimal: 11000
    // and the values do not depend on the order
    const r = rng(5);
    const ops = shapes.map((s) => rand(r, s)[0]);
    const a = valuesOf(np.einsum("ab,bc,cd,de->ae", ...ops, { optimize: "optimal" }));
    const b = valuesOf(np.einsum("ab,bc,cd,de->ae", ...ops, { optimize: false }));
    const c = valuesOf(
      np.einsum("ab,bc,cd,de->ae", ...ops, {
        optimize: [
          [2, 3],
          [0, 1],
          [0, 1],
        ],
      }),
    );
    const ref = check("ab,bc,cd,de->ae", "ab,bc,cd,de->ae", shapes, 5);
    for (const v of [a, b, c]) valuesOf(ref).forEach((x, i) => expect(v[i]).toBeCloseTo(x, 9));
  });
  it("optimize: false contracts left to right; an explicit path is followed", () => {
    expect(np.einsumPath("ij,jk,kl->il", [64, 2], [2, 64], [64, 2], { optimize: false })).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(
      np.einsumPath("ij,jk,kl->il", [2, 3], [3, 4], [4, 5], {
        optimize: [
          [1, 2],
          [0, 1],
        ],
      }),
    ).toEqual([
      [1, 2],
      [0, 1],
    ]);
    const [A, B, C] = [np.ones([64, 2], "float64"), np.ones([2, 64], "float64"), np.ones([64, 2], "float64")];
    const shapes = makeJaxpr(() => np.einsum("ij,jk,kl->il", A, B, C, { optimize: false }))()
      .jaxpr.eqns.filter((e) => e.prim.name === "dot_general")
      .map((e) => e.outs[0]!.aval.shape);
    expect(shapes).toEqual([
      [64, 64],
      [64, 2],
    ]);
  });
  it("preferredElementType sets the accumulation and result dtype", () => {
    const a = np.array(
      [
        [1, 2],
        [3, 4],
      ],
      "int32",
    );
    const got = np.einsum("ij,jk->ik", a, a, { preferredElementType: "float32" });
    expect(got.dtype).toBe("float32");
    expect(got.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    // float32 operands whose float32 sum would round: 2^24 + 1
    const big = np.array([16777216, 1, 0], "float32");
    const f64 = np.einsum("i,i->", big, np.ones([3]), { preferredElementType: "float64" });
    expect(f64.dtype).toBe("float64");
    expect(f64.item()).toBe(16777217);
    expect(
      catchError(() => np.einsum("i,i->", np.ones([2]), np.ones([2]), { preferredElementType: "int32" }), DTypeError)
        .message,
    ).toMatch(/preferredElementType int32 is narrower than the operands' float32/);
  });
  it("bad options are named", () => {
    const x = np.ones([2, 2]);
    expect(
      catchError(() => np.einsum("ij,jk", x, x, { optimize: "best" as "optimal" }), TracegradError).message,
    ).toMatch(/optimize/);
    expect(catchError(() => np.einsum("ij,jk", x, x, { optimize: [[0, 0]] }), TracegradError).message).toMatch(
      /step 0 is \[0,0\]/,
    );
    expect(catchError(() => np.einsum("ij,jk", x, x, { optimize: [] }), TracegradError).message).toMatch(
      /has 1 pairwise steps, got 0/,
    );
    expect(
      catchError(() => np.einsum("ij,jk", x, x, { optimise: true } as unknown as { optimize: boolean }), TracegradError)
        .message,
    ).toMatch(/unknown option "optimise"/);
  });
});

describe("np.einsum: errors", () => {
  it("operand count, ranks, sizes and subscripts are checked", () => {
    expect(catchError(() => np.einsum("ij,jk->ik", np.ones([2, 3])), TracegradError).message).toMatch(/2 operands/);
    expect(catchError(() => np.einsum("ij->ij", np.ones([2])), ShapeError).message).toMatch(/2 subscripts/);
    expect(catchError(() => np.einsum("ij,jk->ik", np.ones([2, 3]), np.ones([4, 2])), ShapeError).message).toMatch(
      /"j" has sizes 3 and 4/,
    );
    expect(catchError(() => np.einsum("ij->iz", np.ones([2, 3])), TracegradError).message).toMatch(/"z"/);
    expect(catchError(() => np.einsum("ij->ii", np.ones([2, 3])), TracegradError).message).toMatch(/more than once/);
    expect(catchError(() => np.einsum("i1->i", np.ones([2, 3])), TracegradError).message).toMatch(/invalid/);
    expect(catchError(() => np.einsum(3 as unknown as string, np.ones([2])), TracegradError).message).toMatch(
      /subscripts/,
    );
    expect(catchError(() => np.einsum("ii->i", np.ones([2, 3])), ShapeError).message).toMatch(/sizes 2 and 3/);
  });
});

describe("np.einsum: transforms", () => {
  it("gradients match central differences", () => {
    const r = rng(7);
    const [, a] = rand(r, [3, 4]);
    const [B] = rand(r, [4, 2]);
    const [C] = rand(r, [2, 3]);
    const cases: [(x: Tensor) => Tensor, number[]][] = [
      [(x) => np.sum(np.square(np.einsum("ij,jk,kl->il", x, B, C))), [3, 4]],
      [(x) => np.sum(np.sin(np.einsum("ij,ij->i", x, x))), [3, 4]],
      [(x) => np.sum(np.square(np.einsum("ij,kj", x, x))), [3, 4]],
    ];
    for (const [f, shape] of cases) {
      const x = np.reshape(np.array(a, { dtype: "float64" }), shape);
      expectClose(grad(f)(x), np.reshape(np.array(numGrad(f, a, shape)), shape).toArray() as number[][], {
        rtol: 1e-5,
        atol: 1e-6,
      });
    }
    // a repeated-index (diagonal) gradient on a square input
    const [, sq] = rand(r, [3, 3]);
    const g = (x: Tensor) => np.sum(np.exp(np.einsum("ii,ij->j", x, x)));
    const X = np.reshape(np.array(sq, { dtype: "float64" }), [3, 3]);
    expectClose(grad(g)(X), np.reshape(np.array(numGrad(g, sq, [3, 3])), [3, 3]).toArray() as number[][], {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });
  it("jit agrees with eager", () => {
    const r = rng(3);
    const [A] = rand(r, [2, 3, 4]);
    const [B] = rand(r, [2, 4, 5]);
    const [C] = rand(r, [2, 5, 3]);
    const f = (a: Tensor, b: Tensor, c: Tensor) => np.einsum("bij,bjk,bkl->bil", a, b, c);
    expectClose(jit(f)(A, B, C), f(A, B, C).toArray() as number[][][], { rtol: 1e-12, atol: 1e-12 });
    const g = (a: Tensor) => np.einsum("...ii->...i", a);
    const D = rand(r, [2, 3, 3])[0];
    expectClose(jit(g)(D), g(D).toArray() as number[][], { rtol: 0, atol: 0 });
  });
  it("vmap agrees with a loop over the batch", () => {
    const r = rng(4);
    const [A] = rand(r, [4, 3, 5]);
    const [B] = rand(r, [5, 2]);
    const f = (a: Tensor) => np.einsum("ij,jk->ik", a, B);
    const row = (t: Tensor, i: number) =>
      np.reshape(np.slice(t, [i, 0, 0], [i + 1, ...t.shape.slice(1)]), t.shape.slice(1));
    expectClose(vmap(f)(A), [0, 1, 2, 3].map((i) => f(row(A, i)).toArray()) as number[][][], {
      rtol: 1e-12,
      atol: 1e-12,
    });
    const [S] = rand(r, [4, 3, 3]);
    const d = (a: Tensor) => np.einsum("ii,ij->j", a, a);
    expectClose(vmap(d)(S), [0, 1, 2, 3].map((i) => d(row(S, i)).toArray()) as number[][], {
      rtol: 1e-12,
      atol: 1e-12,
    });
    const h = (a: Tensor, b: Tensor) => np.einsum("i,i", a, b);
    const [X] = rand(r, [3, 4]);
    const [Y] = rand(r, [3, 4]);
    expectClose(
      vmap(h)(X, Y),
      [0, 1, 2].map(
        (i) =>
          h(
            np.reshape(np.slice(X, [i, 0], [i + 1, 4]), [4]),
            np.reshape(np.slice(Y, [i, 0], [i + 1, 4]), [4]),
          ).item() as number,
      ),
      { rtol: 1e-12, atol: 1e-12 },
    );
  });
});
