// lax.sort, lax.topK, np.sort and np.argsort: values against plain-JS sorting with an explicit comparator (all three
// lane algorithms: insertion, merge and radix), typed errors, and grad / jvp / vmap / jit.

import {
  type DType,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  vjp,
  vmap,
} from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, expectTensor, f64, i32, rng, size, valuesOf } from "../helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// The reference: JS's Array.prototype.sort (stable) with a comparator written from JAX's definition: NaN after every
// number and equal to NaN, −0 equal to +0; lexicographic over the keys.

/** JAX's key order on JS numbers (bool as 0/1). */
const cmpKey = (a: number, b: number): number => {
  const [na, nb] = [Number.isNaN(a), Number.isNaN(b)];
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * Each operand (row-major values of `shape`) sorted along `axis` by the first `numKeys`: per lane, the indices sorted
 * by a stable comparator, then applied to every operand.
 */
function refSort(ops: number[][], shape: number[], axis: number, numKeys: number): number[][] {
  const n = shape[axis]!;
  const inner = size(shape.slice(axis + 1));
  const outer = size(shape.slice(0, axis));
  const outs = ops.map((o) => [...o]);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => o * n * inner + k * inner + i;
      const perm = Array.from({ length: n }, (_, k) => k).sort((a, b) => {
        for (let j = 0; j < numKeys; j++) {
          const c = cmpKey(ops[j]![at(a)]!, ops[j]![at(b)]!);
          if (c !== 0) return c;
        }
        return 0;
      });
      ops.forEach((op, j) => {
        perm.forEach((p, k) => {
          outs[j]![at(k)] = op[at(p)]!;
        });
      });
    }
  }
  return outs;
}

/** Values for a dtype: floats with repeats, NaNs and signed zeros; integers with repeats; bools. */
function randomValues(next: () => number, count: number, dtype: DType, spread: number): number[] {
  return Array.from({ length: count }, () => {
    const r = next();
    if (dtype === "bool") return r < 0.5 ? 0 : 1;
    if (dtype === "int32") return Math.floor((next() - 0.5) * 2 * spread);
    if (dtype === "uint32") return Math.floor(next() * spread) + (r < 0.1 ? 4294967000 : 0);
    if (r < 0.05) return Number.NaN;
    if (r < 0.1) return -0;
    if (r < 0.15) return 0;
    if (r < 0.2) return r < 0.175 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const v = Math.round((next() - 0.5) * 2 * spread * 4) / 4; // quarters: exact in float32, with repeats
    return dtype === "float32" ? Math.fround(v) : v;
  });
}

const tensorOf = (vals: number[], shape: number[], dtype: DType) =>
  np.reshape(dtype === "bool" ? np.array(vals.map((v) => v === 1)) : np.array(vals, { dtype }), shape);

/** Same values bit for bit (−0 and +0 told apart, NaN equal to NaN). */
function expectSameBits(got: Tensor, want: number[], what: string): void {
  const g = valuesOf(got);
  const bad = g.flatMap((v, i) => (Object.is(v, want[i]) ? [] : [`[${i}] got ${v}, want ${want[i]}`]));
  expect(bad, `${what}:\n${bad.slice(0, 6).join("\n")}`).toEqual([]);
}

describe("lax.sort values against a stable comparator sort", () => {
  it("one operand: 1-D and 2-D along either axis, negative dimension", () => {
    expectTensor(lax.sort(np.array([3, 1, 2])), [1, 2, 3]);
    const x = np.array([
      [3, 1, 2],
      [0, 5, -4],
    ]);
    expectTensor(lax.sort(x), [
      [1, 2, 3],
      [-4, 0, 5],
    ]);
    expectTensor(lax.sort(x, { dimension: 0 }), [
      [0, 1, -4],
      [3, 5, 2],
    ]);
    expectTensor(lax.sort(x, -2), [
      [0, 1, -4],
      [3, 5, 2],
    ]);
  });

  it("NaN sorts last; −0 and +0 are equal keys, so they keep their order (stable)", () => {
    expectSameBits(
      lax.sort(np.array([Number.NaN, 2, Number.NEGATIVE_INFINITY, 1])),
      [Number.NEGATIVE_INFINITY, 1, 2, Number.NaN],
      "NaN last",
    );
    expectSameBits(lax.sort(f64([1, 0, -0, -1])), [-1, 0, -0, 1], "0 before −0 as given");
    expectSameBits(lax.sort(f64([1, -0, 0, -1])), [-1, -0, 0, 1], "−0 before 0 as given");
    // NaNs are equal keys: the values sorted along keep their order
    const [, v] = lax.sort([np.array([Number.NaN, 1, Number.NaN, Number.POSITIVE_INFINITY]), i32([0, 1, 2, 3])]);
    expectTensor(v, [1, 3, 0, 2], "int32");
  });

  it("several operands: numKeys 1 is stable on ties, numKeys 2 breaks them by the second key", () => {
    const k = np.array([2, 1, 2, 1, 0]);
    const v = np.array([5, 4, 3, 2, 1]);
    const tag = i32([0, 1, 2, 3, 4]);
    const [k1, v1, t1] = lax.sort([k, v, tag]);
    expectTensor(k1, [0, 1, 1, 2, 2]);
    expectTensor(v1, [1, 4, 2, 5, 3]);
    expectTensor(t1, [4, 1, 3, 0, 2], "int32");
    const [, v2, t2] = lax.sort([k, v, tag], { numKeys: 2 });
    expectTensor(v2, [1, 2, 4, 3, 5]);
    expectTensor(t2, [4, 3, 1, 2, 0], "int32");
  });

  it("int32, bool and uint32 keys", () => {
    expectTensor(lax.sort(i32([3, -7, 0, 2147483647, -2147483648])), [-2147483648, -7, 0, 3, 2147483647], "int32");
    expectTensor(lax.sort(np.array([true, false, true, false])), [false, false, true, true], "bool");
    const [b, idx] = lax.sort([np.array([true, false, true, false]), i32([0, 1, 2, 3])]);
    expectTensor(b, [false, false, true, true], "bool");
    expectTensor(idx, [1, 3, 0, 2], "int32");
    const u = np.array([4294967295, 0, 2147483648, 7], { dtype: "uint32" });
    expect(valuesOf(lax.sort(u))).toEqual([0, 7, 2147483648, 4294967295]);
  });

  // lane lengths that take each algorithm: insertion (≤ 16), merge (< 1024), radix (≥ 1024)
  const cases: [string, number[], number, DType[], number][] = [
    ["short lanes, axis 0 of 2-D", [9, 7], 0, ["float32"], 1],
    ["short lanes, middle axis of 3-D, three operands", [3, 11, 4], 1, ["float64", "int32", "bool"], 1],
    ["medium lanes, float32", [2, 300], 1, ["float32", "int32"], 1],
    ["medium lanes, axis 0, two keys", [200, 3], 0, ["int32", "float64", "float32"], 2],
    ["long lanes, float32", [3000], 0, ["float32", "int32"], 1],
    ["long lanes, float64", [2, 2500], 1, ["float64"], 1],
    ["long lanes, int32 then bool keys", [4100], 0, ["int32", "bool", "float32"], 2],
    ["long lanes, axis 0 of 2-D, uint32 key", [1500, 2], 0, ["uint32", "float32"], 1],
    ["long lanes, three keys", [2000], 0, ["bool", "int32", "float64", "int32"], 3],
  ];
  it.each(cases)("%s", (_, shape, axis, dtypes, numKeys) => {
    const next = rng(shape.length * 1000 + dtypes.length);
    const n = size(shape);
    const vals = dtypes.map((d, j) => randomValues(next, n, d, j === 0 ? 40 : 5));
    const want = refSort(vals, shape, axis, numKeys);
    const got = lax.sort(
      vals.map((v, j) => tensorOf(v, shape, dtypes[j]!)),
      { dimension: axis, numKeys },
    );
    got.forEach((t, j) => {
      expect(t.dtype).toBe(dtypes[j]);
      expect(t.shape).toEqual(shape);
      expectSameBits(t, want[j]!, `operand ${j}`);
    });
  });

  it("empty and size-1 axes", () => {
    expect(lax.sort(np.zeros([0])).shape).toEqual([0]);
    expect(lax.sort(np.zeros([2, 0]), 0).shape).toEqual([2, 0]);
    expectTensor(lax.sort(np.array([[3], [1]])), [[3], [1]]);
  });
});

/** 1 for −0, else 0: in top_k's order −0 is below +0. */
const negZero = (v: number) => (Object.is(v, -0) ? 1 : 0);

describe("lax.topK", () => {
  it("the k largest, largest first, ties by index, NaN largest, −0 below +0", () => {
    const [v, i] = lax.topK(np.array([1, 4, 2, 4, 3]), 3);
    expectTensor(v, [4, 4, 3]);
    expectTensor(i, [1, 3, 4], "int32");
    const [vn, inn] = lax.topK(np.array([Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0]), 3);
    expectSameBits(vn, [Number.NaN, Number.POSITIVE_INFINITY, 0], "NaN first");
    expectTensor(inn, [0, 2, 3], "int32");
    const [vz, iz] = lax.topK(f64([-0, 0, -1]), 2);
    expectSameBits(vz, [0, -0], "+0 above −0");
    expectTensor(iz, [1, 0], "int32");
    expect(lax.topK(np.ones([2, 3]), 0).map((t) => t.shape)).toEqual([
      [2, 0],
      [2, 0],
    ]);
  });

  it.each([[5], [200], [3000]])("rows of %i against a reference (int32 and float32)", (n) => {
    const next = rng(n);
    for (const dtype of ["int32", "float32"] as DType[]) {
      const vals = randomValues(next, 2 * n, dtype, 10).map((v) => (Number.isNaN(v) ? 0 : v));
      const k = Math.min(n, 7);
      const [v, i] = lax.topK(tensorOf(vals, [2, n], dtype), k);
      const want = [0, 1].flatMap((r) =>
        Array.from({ length: n }, (_, j) => j)
          .sort(
            (a, b) =>
              vals[r * n + b]! - vals[r * n + a]! || negZero(vals[r * n + a]!) - negZero(vals[r * n + b]!) || a - b,
          )
          .slice(0, k),
      );
      expect(valuesOf(i)).toEqual(want);
      expect(valuesOf(v)).toEqual(want.map((j, q) => vals[Math.floor(q / k) * n + j]));
    }
  });

  it("derivatives: the values' gradient goes to the chosen elements; vmap and jit agree with eager", () => {
    const x = f64([
      [1, 5, 3, 4],
      [8, 6, 7, 2],
    ]);
    const w = f64([
      [1, 10],
      [100, 1000],
    ]);
    const g = grad((x: Tensor) => lax.topK(x, 2)[0].mul(w).sum())(x);
    expectTensor(g, [
      [0, 1, 0, 10],
      [100, 0, 1000, 0],
    ]);
    const [, t] = jvp(
      (x: Tensor) => lax.topK(x, 2)[0],
      [x],
      [
        f64([
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ]),
      ],
    );
    expectTensor(t, [
      [2, 4],
      [5, 7],
    ]);
    const per = vmap((r: Tensor) => lax.topK(r, 3))(x);
    const whole = lax.topK(x, 3);
    per.forEach((p, j) => expect(p.toArray()).toEqual(whole[j]!.toArray()));
    const viaAxis1 = vmap((c: Tensor) => lax.topK(c, 1)[1], { inAxes: 1 })(x);
    expectTensor(viaAxis1, [[1], [1], [1], [0]], "int32");
    const jitted = jit((x: Tensor) => lax.topK(x, 2))(x);
    jitted.forEach((p, j) => expect(p.toArray()).toEqual(lax.topK(x, 2)[j]!.toArray()));
  });
});

/** Central differences of a scalar function of one float64 tensor, per element. */
function numericGrad(f: (x: Tensor) => Tensor, x0: number[], shape: number[], h = 1e-6): number[] {
  return x0.map((_, i) => {
    const at = (d: number) => f(np.reshape(f64(x0.map((v, j) => (j === i ? v + d : v))), shape)).item() as number;
    return (at(h) - at(-h)) / (2 * h);
  });
}

describe("derivatives of sort", () => {
  const x0 = [0.3, -1.2, 2.5, 0.7, -0.4, 1.9];
  const shape = [2, 3];
  const w = f64([
    [1, -2, 3],
    [0.5, 4, -1],
  ]);
  const cube = (x: Tensor) => x.mul(x).mul(x);

  it("grad along either axis equals central differences (float64, distinct values)", () => {
    for (const dimension of [0, 1]) {
      const f = (x: Tensor) =>
        cube(lax.sort(x, { dimension }) as Tensor)
          .mul(w)
          .sum();
      const g = grad(f)(np.reshape(f64(x0), shape));
      expectClose(g, np.reshape(f64(numericGrad(f, x0, shape)), shape).toArray() as number[][], {
        rtol: 1e-6,
        atol: 1e-6,
      });
    }
  });

  it("the values sorted along get the gradient through the keys' permutation; keys and values both", () => {
    const keys = f64([3, 1, 2]);
    const f = (k: Tensor, v: Tensor) => {
      const [sk, sv] = lax.sort([k, v]);
      return sk!
        .mul(f64([1, 10, 100]))
        .add(sv!.mul(sv!))
        .sum();
    };
    const [gk, gv] = grad(f, { argnums: [0, 1] })(keys, f64([4, 5, 6]));
    // sorted order is [1, 2, 0]
    expectTensor(gk, [100, 1, 10]);
    expectTensor(gv, [8, 10, 12]);
    // an int32 operand gets no tangent; its sorted output is not differentiated
    const h = (v: Tensor) =>
      lax
        .sort([i32([2, 0, 1]), v])[1]!
        .mul(f64([1, 2, 3]))
        .sum();
    expectTensor(grad(h)(f64([7, 8, 9])), [3, 1, 2]);
  });

  it("grad of grad equals central differences of grad; jvp and vjp agree", () => {
    const f = (x: Tensor) =>
      cube(lax.sort(x) as Tensor)
        .mul(w)
        .sum();
    const gi = (i: number) => (x: Tensor) => np.reshape(grad(f)(x), [6]).slice(i);
    const x = np.reshape(f64(x0), shape);
    const hessRows = x0.map((_, i) => valuesOf(grad(gi(i))(x)));
    const fdRows = x0.map((_, i) => numericGrad(gi(i), x0, shape, 1e-5));
    hessRows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(fdRows[i]![j]!, 5)));
    const v = np.reshape(f64([1, 2, 3, 4, 5, 6]), shape);
    const u = np.reshape(f64([0.5, -1, 2, 1, 0, 3]), shape);
    const [, t] = jvp((x: Tensor) => lax.sort(x) as Tensor, [x], [v]);
    const [, back] = vjp((x: Tensor) => lax.sort(x) as Tensor, x);
    const ct = back(u)[0]!;
    const dot = (a: Tensor, b: Tensor) => a.mul(b).sum().item() as number;
    expect(dot(t, u)).toBeCloseTo(dot(ct, v), 12);
  });

  it("the gradient's jaxpr is a sort with an iota and a scatter_add (no loop)", () => {
    const text = makeJaxpr(grad((x: Tensor) => (lax.sort(x) as Tensor).mul(w).sum()))(
      np.reshape(f64(x0), shape),
    ).toString();
    expect(text).toMatch(/sort\[dimension=1 is_stable=True num_keys=1\]/);
    expect(text).toMatch(/scatter_add/);
  });
});

describe("vmap and jit", () => {
  const next = rng(7);
  const xs = np.reshape(f64(randomValues(next, 4 * 5 * 3, "float64", 9)), [4, 5, 3]);
  const tags = np.reshape(i32(Array.from({ length: 5 * 3 }, (_, i) => i)), [5, 3]);

  it("vmap over a batch equals a loop, for batch axes 0 and 2 and an unbatched operand", () => {
    const f = (x: Tensor, t: Tensor) => lax.sort([x, t], { dimension: 0 });
    const got = vmap(f, { inAxes: [0, null] })(xs, tags);
    for (let b = 0; b < 4; b++) {
      const want = f(xs.slice(b), tags);
      got.forEach((g, j) => expect(g.slice(b).toArray()).toEqual(want[j]!.toArray()));
    }
    const moved = np.transpose(xs, [1, 2, 0]); // batch axis last
    const got2 = vmap((x: Tensor) => lax.sort(x, -1) as Tensor, { inAxes: 2 })(moved);
    for (let b = 0; b < 4; b++) expect(got2.slice(b).toArray()).toEqual((lax.sort(xs.slice(b)) as Tensor).toArray());
  });

  it("vmap of grad equals per-example grads", () => {
    const f = (x: Tensor) => (lax.sort(x, 0) as Tensor).mul(np.reshape(f64([1, 2, 3, 4, 5]), [5, 1])).sum();
    const got = vmap(grad(f))(xs);
    for (let b = 0; b < 4; b++) expect(got.slice(b).toArray()).toEqual(grad(f)(xs.slice(b)).toArray());
  });

  it("jit equals eager, bit for bit, also differentiated", () => {
    const f = (x: Tensor, t: Tensor) => lax.sort([np.astype(x, "int32"), t, x], { dimension: 0, numKeys: 2 });
    const x = xs.slice(0);
    const eager = f(x, tags);
    jit(f)(x, tags).forEach((g, j) => expect(g.toArray()).toEqual(eager[j]!.toArray()));
    const loss = (x: Tensor) => (lax.sort(x, 1) as Tensor).mul(x).sum();
    expect(jit(grad(loss))(x).toArray()).toEqual(grad(loss)(x).toArray());
    expect(grad(jit(loss))(x).toArray()).toEqual(grad(loss)(x).toArray());
  });
});

describe("np.sort and np.argsort", () => {
  const a = [
    [3, 1, 2],
    [0, 5, 1],
  ];
  it("axis −1 by default, any axis, null flattens", () => {
    expectTensor(np.sort(a), [
      [1, 2, 3],
      [0, 1, 5],
    ]);
    expectTensor(np.sort(a, 0), [
      [0, 1, 1],
      [3, 5, 2],
    ]);
    expectTensor(np.sort(a, null), [0, 1, 1, 2, 3, 5]);
    expectTensor(
      np.argsort(a),
      [
        [1, 2, 0],
        [0, 2, 1],
      ],
      "int32",
    );
    expectTensor(np.argsort(a, { axis: null }), [3, 1, 5, 2, 0, 4], "int32");
  });
  it("descending; argsort keeps equal elements in index order either way", () => {
    expectTensor(np.sort([3, 1, 2], { descending: true }), [3, 2, 1]);
    expectTensor(np.argsort([1, 3, 1, 3]), [0, 2, 1, 3], "int32");
    expectTensor(np.argsort([1, 3, 1, 3], { descending: true }), [1, 3, 0, 2], "int32");
    expectTensor(np.argsort([2, Number.NaN, 1]), [2, 0, 1], "int32");
  });
  it("np.sort is differentiable", () => {
    const g = grad((x: Tensor) =>
      np
        .sort(x)
        .mul(f64([1, 2, 3]))
        .sum(),
    )(f64([5, 4, 6]));
    expectTensor(g, [2, 1, 3]);
  });
});

describe("typed errors", () => {
  it("operands of different shapes name sort, the operand and the shapes", () => {
    const e = catchError(() => lax.sort([np.ones([2, 3]), np.ones([3, 2])]), ShapeError);
    expect(e.message).toMatch(/^sort: operand 1 has shape \[3, 2\], but operand 0 has shape \[2, 3\]/);
  });
  it("a dimension out of range, a 0-d operand, numKeys out of range", () => {
    expect(catchError(() => lax.sort(np.ones([2, 3]), 2), ShapeError).message).toMatch(
      /lax\.sort: dimension 2 is out of range for operands of shape \[2, 3\] \(valid: -2 … 1\)/,
    );
    expect(catchError(() => lax.sort(np.array(1)), ShapeError).message).toMatch(/0-d array has no axis/);
    expect(catchError(() => lax.sort([np.ones([2]), np.ones([2])], { numKeys: 3 }), TracegradError).message).toMatch(
      /sort: numKeys 3 must be a whole number from 1 to the number of operands \(2\)/,
    );
    catchError(() => lax.sort([np.ones([2])], { numKeys: 0 }), TracegradError);
    expect(catchError(() => lax.sort([3, 1, 2] as never), ShapeError).message).toMatch(/lax\.sort\(np\.array/);
    catchError(() => lax.sort([]), TracegradError);
    expect(catchError(() => lax.sort(np.ones([2]), { dimensions: 0 } as never), TracegradError).message).toMatch(
      /unknown option "dimensions"/,
    );
  });
  it("topK: k beyond the last axis, a 0-d operand", () => {
    expect(catchError(() => lax.topK(np.ones([2, 3]), 4), ShapeError).message).toMatch(
      /top_k: k = 4 must be a whole number from 0 to the last axis' size 3/,
    );
    catchError(() => lax.topK(np.array(1), 1), ShapeError);
    catchError(() => lax.topK(np.ones([3]), -1), TracegradError);
  });
  it("np.sort of a 0-d array, a bad axis", () => {
    catchError(() => np.sort(1), ShapeError);
    catchError(() => np.argsort([1, 2], 1), ShapeError);
    catchError(() => np.sort([1, 2], { axis: 0.5 }), ShapeError);
  });
});
