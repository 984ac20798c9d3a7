// lax.associativeScan: values against plain-JS sequential scans (sums, products, maxima, an affine recurrence, matrix
// products, reverse, axes, every length parity), gradients against closed forms and central differences, vmap
// against per-example loops, jit against eager, the O(log n) number of fn applications, and typed errors.

import { DTypeError, grad, jit, jvp, makeJaxpr, np, ShapeError, type Tensor, TracegradError, vmap } from "tracegrad";
import { describe, expect, it } from "vitest";
import { associativeScan } from "../../src/higher_order/associative_scan.js";
import { catchError, expectClose, expectTensor, rng, valuesOf } from "../helpers.js";

const f64 = (v: number[] | number[][] | number[][][]) => np.array(v, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };
const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 16, 33];

/** `n` reproducible values in [lo, hi). */
function data(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}
/** The sequential inclusive scan of `xs` under `op` (the reference). */
function refScan<T>(xs: readonly T[], op: (a: T, b: T) => T): T[] {
  const out: T[] = [];
  xs.forEach((x, i) => out.push(i === 0 ? x : op(out[i - 1]!, x)));
  return out;
}
/** Its reverse form, as JAX: the scan of the flipped sequence, flipped back. */
const refScanReverse = <T>(xs: readonly T[], op: (a: T, b: T) => T): T[] => refScan([...xs].reverse(), op).reverse();

const add = (a: Tensor, b: Tensor) => a.add(b);
const mul = (a: Tensor, b: Tensor) => a.mul(b);
const max = (a: Tensor, b: Tensor) => np.maximum(a, b);

describe("lax.associativeScan values", () => {
  for (const n of LENGTHS) {
    it(`cumulative sum, product and maximum of length ${n} match sequential float64 scans`, () => {
      const xs = data(n, 10 + n);
      expectClose(
        associativeScan(add, f64(xs)),
        refScan(xs, (a, b) => a + b),
        tight,
      );
      const near1 = data(n, 20 + n, 0.7, 1.3);
      expectClose(
        associativeScan(mul, f64(near1)),
        refScan(near1, (a, b) => a * b),
        tight,
      );
      // max does not round: exact whatever the order of combination
      expectTensor(associativeScan(max, f64(xs)), refScan(xs, Math.max), "float64");
    });
  }

  it("integer sums are exact and keep int32", () => {
    for (const n of LENGTHS) {
      const xs = Array.from({ length: n }, (_, i) => ((i * 7919) % 23) - 11);
      const got = associativeScan(add, np.array(xs, { dtype: "int32" }));
      expectTensor(
        got,
        refScan(xs, (a, b) => a + b),
        "int32",
      );
    }
  });

  it("fn(a, b) gets the earlier elements first: 'keep the first' gives x0, 'keep the last' gives x", () => {
    for (const n of LENGTHS) {
      const xs = data(n, 30 + n);
      expectTensor(
        associativeScan((a: Tensor, _b: Tensor) => a, f64(xs)),
        xs.map(() => xs[0]!),
      );
      expectTensor(
        associativeScan((_a: Tensor, b: Tensor) => b, f64(xs)),
        xs,
      );
      // reversed: the scan of the flipped sequence, so the 'first' is the last element
      expectTensor(
        associativeScan((a: Tensor, _b: Tensor) => a, f64(xs), { reverse: true }),
        xs.map(() => xs[n - 1]!),
      );
    }
  });

  it("matrix products (associative, not commutative) in order M0 M1 … Mi", () => {
    type M = number[][];
    const matmul = (a: M, b: M): M =>
      a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
    for (const n of [1, 2, 3, 6, 7, 16]) {
      const vals = data(4 * n, 40 + n);
      const mats: M[] = Array.from({ length: n }, (_, i) => [
        vals.slice(4 * i, 4 * i + 2),
        vals.slice(4 * i + 2, 4 * i + 4),
      ]);
      const got = associativeScan((a: Tensor, b: Tensor) => np.matmul(a, b), f64(mats));
      expectClose(got, refScan(mats, matmul), tight);
      const rev = associativeScan((a: Tensor, b: Tensor) => np.matmul(a, b), f64(mats), { reverse: true });
      expectClose(rev, refScanReverse(mats, matmul), tight);
    }
  });

  it("a pytree (a, b) composing affine maps solves x_t = a_t x_(t-1) + b_t", () => {
    // (a1, b1) then (a2, b2): x -> a2 (a1 x + b1) + b2
    const compose = ([a1, b1]: Tensor[], [a2, b2]: Tensor[]) => [a2!.mul(a1!), a2!.mul(b1!).add(b2!)];
    for (const n of [0, 1, 2, 3, 7, 16, 33]) {
      const as = data(n, 50 + n, -1.2, 1.2);
      const bs = data(n, 60 + n);
      const xs = refScan(
        as.map((a, i) => [a, bs[i]!] as const),
        ([, x], [a, b]) => [a, a * x + b] as const,
      ).map(([, x]) => x);
      const prods = refScan(as, (p, a) => p * a);
      const [A, B] = associativeScan(compose, [f64(as), f64(bs)]) as Tensor[];
      expectClose(A, prods, tight);
      expectClose(B, xs, tight);
    }
  });

  it("object pytrees keep their keys, and leaves may differ in shape beyond the axis", () => {
    const sums = data(5, 70);
    const rows = [data(3, 71), data(3, 72), data(3, 73), data(3, 74), data(3, 75)];
    const out = associativeScan(
      (a: { s: Tensor; r: Tensor }, b: { s: Tensor; r: Tensor }) => ({ s: a.s.add(b.s), r: np.maximum(a.r, b.r) }),
      {
        s: f64(sums),
        r: f64(rows),
      },
    ) as { s: Tensor; r: Tensor };
    expect(Object.keys(out).sort()).toEqual(["r", "s"]);
    expectClose(
      out.s,
      refScan(sums, (a, b) => a + b),
      tight,
    );
    expectTensor(
      out.r,
      refScan(rows, (a, b) => a.map((v, j) => Math.max(v, b[j]!))),
    );
  });

  for (const n of LENGTHS) {
    it(`reverse cumulative sum and product of length ${n}`, () => {
      const xs = data(n, 80 + n);
      expectClose(
        associativeScan(add, f64(xs), { reverse: true }),
        refScanReverse(xs, (a, b) => a + b),
        tight,
      );
      // reverse may be given positionally, as in JAX
      const near1 = data(n, 90 + n, 0.7, 1.3);
      expectClose(
        associativeScan(mul, f64(near1), true),
        refScanReverse(near1, (a, b) => a * b),
        tight,
      );
    });
  }

  it("axis 1 (and -1) of 2-D inputs, forward and reverse, for several lengths", () => {
    for (const n of [0, 1, 2, 3, 7, 16, 33]) {
      const m = [data(n, 100 + n), data(n, 200 + n), data(n, 300 + n)];
      const sum = (a: number, b: number) => a + b;
      expectClose(
        associativeScan(add, f64(m), { axis: 1 }),
        m.map((row) => refScan(row, sum)),
        tight,
      );
      expectClose(
        associativeScan(add, f64(m), { axis: -1 }),
        m.map((row) => refScan(row, sum)),
        tight,
      );
      expectClose(
        associativeScan(add, f64(m), { axis: 1, reverse: true }),
        m.map((row) => refScanReverse(row, sum)),
        tight,
      );
      expectTensor(
        associativeScan(max, f64(m), { axis: 1 }),
        m.map((row) => refScan(row, Math.max)),
      );
    }
  });

  it("axis 0 of 2-D input scans columns; axis 1 of a 3-D input scans the middle axis", () => {
    const m = [data(4, 1), data(4, 2), data(4, 3), data(4, 4), data(4, 5)];
    const cols = (t: number[][]) => t[0]!.map((_, j) => t.map((r) => r[j]!));
    const sum = (a: number, b: number) => a + b;
    expectClose(associativeScan(add, f64(m)), cols(cols(m).map((c) => refScan(c, sum))), tight);
    const cube = [m.slice(0, 3), m.slice(2, 5)]; // [2, 3, 4]
    const want = cube.map((plane) => cols(cols(plane).map((c) => refScan(c, sum))));
    expectClose(associativeScan(add, f64(cube), { axis: 1 }), want, tight);
  });

  it("bool elements: a cumulative 'or' stays bool", () => {
    const bits = [false, false, true, false, true, false, false];
    const got = associativeScan((a: Tensor, b: Tensor) => np.where(a, a, b), np.array(bits));
    expectTensor(got, [false, false, true, true, true, true, true], "bool");
  });

  it("lengths 0 and 1 are returned unchanged without calling fn", () => {
    let calls = 0;
    const counting = (a: Tensor, b: Tensor) => {
      calls++;
      return a.add(b);
    };
    expectTensor(associativeScan(counting, f64([4.5])), [4.5]);
    expect(associativeScan(counting, np.zeros([0, 3])).shape).toEqual([0, 3]);
    expect(associativeScan(counting, np.zeros([2, 0]), { axis: 1 }).shape).toEqual([2, 0]);
    expect(calls).toBe(0);
  });

  it("fn is applied O(log n) times, to whole slices (a fixed number of primitives per level)", () => {
    for (const [n, want] of [
      [2, 1],
      [3, 2],
      [4, 3],
      [16, 7],
      [33, 9],
      [1024, 19],
    ] as const) {
      let calls = 0;
      const counting = (a: Tensor, b: Tensor) => {
        calls++;
        return a.add(b);
      };
      const jaxpr = makeJaxpr((x: Tensor) => associativeScan(counting, x))(np.zeros([n]));
      expect(calls, `n = ${n}`).toBe(want);
      expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
      expect(jaxpr.jaxpr.eqns.filter((e) => e.prim.name === "add").length).toBe(want);
    }
  });
});

/** Central differences of a scalar function of a float64 vector. */
function numericGrad(f: (x: Tensor) => Tensor, xs: number[], h = 1e-6): number[] {
  return xs.map((_, i) => {
    const at = (d: number) => f(f64(xs.map((v, j) => (j === i ? v + d : v)))).item() as number;
    return (at(h) - at(-h)) / (2 * h);
  });
}

describe("lax.associativeScan under transforms", () => {
  it("grad of Σ w · cumsum(x) is the reverse cumulative sum of w (and the reverse scan's is the forward one)", () => {
    for (const n of [1, 2, 3, 7, 16, 33]) {
      const w = data(n, 400 + n);
      const x = data(n, 500 + n);
      const g = grad((v: Tensor) => associativeScan(add, v).mul(f64(w)).sum())(f64(x));
      expectClose(
        g,
        refScanReverse(w, (a, b) => a + b),
        tight,
      );
      const gr = grad((v: Tensor) => associativeScan(add, v, { reverse: true }).mul(f64(w)).sum())(f64(x));
      expectClose(
        gr,
        refScan(w, (a, b) => a + b),
        tight,
      );
    }
  });

  it("grad of Σ cumprod(x) matches the closed form and central differences", () => {
    for (const n of [1, 2, 5, 8, 9]) {
      const x = data(n, 600 + n, 0.5, 1.5);
      const f = (v: Tensor) => associativeScan(mul, v).sum();
      const g = valuesOf(grad(f)(f64(x)));
      // d/dx_j Σ_i Π_{k≤i} x_k = Σ_{i≥j} Π_{k≤i, k≠j} x_k
      const closed = x.map((_, j) => {
        let s = 0;
        for (let i = j; i < n; i++) {
          let p = 1;
          for (let k = 0; k <= i; k++) if (k !== j) p *= x[k]!;
          s += p;
        }
        return s;
      });
      g.forEach((v, j) => expect(v).toBeCloseTo(closed[j]!, 10));
      numericGrad(f, x).forEach((v, j) => expect(g[j]).toBeCloseTo(v, 6));
    }
  });

  it("grad through the affine recurrence (a pytree) matches central differences in a and b", () => {
    const compose = ([a1, b1]: Tensor[], [a2, b2]: Tensor[]) => [a2!.mul(a1!), a2!.mul(b1!).add(b2!)];
    const n = 7;
    const as = data(n, 700, -1.1, 1.1);
    const bs = data(n, 701);
    const w = data(n, 702);
    const loss = (a: Tensor, b: Tensor) => (associativeScan(compose, [a, b]) as Tensor[])[1]!.mul(f64(w)).sum();
    const [ga, gb] = grad(loss, { argnums: [0, 1] })(f64(as), f64(bs)) as Tensor[];
    const na = numericGrad((a) => loss(a, f64(bs)), as);
    const nb = numericGrad((b) => loss(f64(as), b), bs);
    valuesOf(ga!).forEach((v, i) => expect(v).toBeCloseTo(na[i]!, 6));
    valuesOf(gb!).forEach((v, i) => expect(v).toBeCloseTo(nb[i]!, 6));
  });

  it("jvp and second derivatives of a cumulative product", () => {
    const x = [1.5, 0.5, 2, 1.25];
    const t = [1, -1, 0.5, 2];
    const [out, tan] = jvp((v: Tensor) => associativeScan(mul, v), [f64(x)], [f64(t)]);
    expectClose(
      out,
      refScan(x, (a, b) => a * b),
      tight,
    );
    // d Π_{k≤i} x_k = Π_{k≤i} x_k · Σ_{k≤i} t_k / x_k
    const prods = refScan(x, (a, b) => a * b);
    const rel = refScan(
      x.map((v, k) => t[k]! / v),
      (a, b) => a + b,
    );
    expectClose(
      tan,
      prods.map((p, i) => p * rel[i]!),
      tight,
    );
    // d²/dx0 dx0 of the last prefix product is 0; of Σ_i (Π_{k≤i} x_k)² it is 2 Σ_i Π_{k≤i, k≠0} x_k²
    const h = grad((v: Tensor) => grad((u: Tensor) => np.square(associativeScan(mul, u)).sum())(v).slice(0))(f64(x));
    const want = [0, 1, 2, 3].reduce((s, i) => s + 2 * x.slice(1, i + 1).reduce((p, v) => p * v * v, 1), 0);
    expect(valuesOf(h)[0]).toBeCloseTo(want, 10);
  });

  it("vmap equals the per-example results stacked, for a batch on either axis", () => {
    const n = 7;
    const batch = [data(n, 800), data(n, 801), data(n, 802)];
    const scan = (x: Tensor) => associativeScan(add, x);
    const stacked = np.stack(
      batch.map((row) => scan(f64(row))),
      0,
    );
    expectClose(
      vmap(scan)(f64(batch)),
      batch.map((row) => refScan(row, (a, b) => a + b)),
      tight,
    );
    expectTensor(vmap(scan)(f64(batch)), stacked.toArray() as number[][]);
    // the batch along axis 1 of the input: each column is one example
    const cols = f64(batch).transpose();
    expectTensor(vmap(scan, { inAxes: 1 })(cols), stacked.toArray() as number[][]);
    // a reverse scan along axis 1 of per-example matrices
    const mats = [0, 1].map((b) => [data(5, 900 + b), data(5, 910 + b)]);
    const revScan = (x: Tensor) => associativeScan(max, x, { axis: 1, reverse: true });
    expectTensor(
      vmap(revScan)(f64(mats)),
      np
        .stack(
          mats.map((m) => revScan(f64(m))),
          0,
        )
        .toArray() as number[][][],
    );
  });

  it("vmap of the pytree recurrence, and vmap of its grad", () => {
    const compose = ([a1, b1]: Tensor[], [a2, b2]: Tensor[]) => [a2!.mul(a1!), a2!.mul(b1!).add(b2!)];
    const last = (a: Tensor, b: Tensor) => (associativeScan(compose, [a, b]) as Tensor[])[1]!.sum();
    const A = [data(6, 1000, -1, 1), data(6, 1001, -1, 1)];
    const B = [data(6, 1002), data(6, 1003)];
    const batched = vmap(last)(f64(A), f64(B));
    expectClose(
      batched,
      [0, 1].map((i) => last(f64(A[i]!), f64(B[i]!)).item() as number),
      tight,
    );
    const g = vmap(grad(last))(f64(A), f64(B));
    expectClose(
      g,
      [0, 1].map((i) => valuesOf(grad(last)(f64(A[i]!), f64(B[i]!)))),
      tight,
    );
  });

  it("jit equals eager: values, reverse, axis 1, int32, and grad", () => {
    for (const n of [1, 2, 3, 7, 16, 33]) {
      const x = f64([data(n, 1100 + n), data(n, 1200 + n)]);
      const f = (v: Tensor) => associativeScan(mul, associativeScan(add, v, { axis: 1 }), { axis: 1, reverse: true });
      expectClose(jit(f)(x), f(x).toArray() as number[][], tight);
      const loss = (v: Tensor) => f(v).sum();
      expectClose(jit(grad(loss))(x), grad(loss)(x).toArray() as number[][], tight);
      expectClose(grad(jit(loss))(x), grad(loss)(x).toArray() as number[][], tight);
      const ints = np.array(
        Array.from({ length: n }, (_, i) => (i % 5) - 2),
        { dtype: "int32" },
      );
      const cum = (v: Tensor) => associativeScan(add, v);
      expectTensor(jit(cum)(ints), cum(ints).toArray() as number[], "int32");
    }
  });
});

describe("lax.associativeScan errors", () => {
  /** Calls that bypass the static types (mismatched fn and elems, junk). */
  const call = associativeScan as unknown as (...args: unknown[]) => unknown;

  it("leaves of different sizes along the axis: a ShapeError naming both leaves and shapes", () => {
    const e = catchError(() => call(add, { a: np.ones([3]), b: np.ones([4, 2]) }), ShapeError);
    expect(e.message).toBe(
      "lax.associativeScan: the leaves of elems must have the same size along axis 0, but elems.a has shape [3] " +
        "(size 3) and elems.b has shape [4, 2] (size 4)",
    );
    const e2 = catchError(() => call(add, [np.ones([2, 3]), np.ones([2, 5])], { axis: 1 }), ShapeError);
    expect(e2.message).toContain("elems[0] has shape [2, 3] (size 3) and elems[1] has shape [2, 5] (size 5)");
  });

  it("an axis out of range, or a scalar leaf: a ShapeError naming the leaf, its shape and the valid axes", () => {
    expect(catchError(() => call(add, np.ones([3]), { axis: 1 }), ShapeError).message).toBe(
      "lax.associativeScan: axis 1 is out of range for elems, of shape [3] (rank 1); valid axes are -1 … 0",
    );
    expect(catchError(() => call(add, np.ones([3, 2]), { axis: -3 }), ShapeError).message).toContain(
      "axis -3 is out of range for elems, of shape [3, 2] (rank 2); valid axes are -2 … 1",
    );
    // a negative axis counts from the end of the first leaf, as JAX
    expect(
      catchError(() => call(add, { a: np.ones([2, 3]), b: np.ones([3]) }, { axis: -1 }), ShapeError).message,
    ).toContain("axis -1 is out of range for elems.b, of shape [3] (rank 1) (negative axes count from the end");
    expect(catchError(() => call(add, { a: np.ones([2]), b: 3 }), ShapeError).message).toContain(
      "elems.b is a scalar (shape []), so it has no axis 0 to scan along",
    );
  });

  it("fn returning another structure, shape or dtype: typed errors naming fn, the leaf and both", () => {
    const s = catchError(
      () =>
        associativeScan(
          function pair(a: Tensor) {
            return [a, a];
          },
          np.ones([4]),
        ),
      TracegradError,
    );
    expect(s.message).toBe(
      "lax.associativeScan: fn 'pair' returned the structure [*, *], but elems has the structure *; fn(a, b) must " +
        "return a pytree like its arguments",
    );
    const sh = catchError(
      () => associativeScan((a: { x: Tensor }, b: { x: Tensor }) => ({ x: a.x.add(b.x).sum() }), { x: np.ones([4]) }),
      ShapeError,
    );
    expect(sh.message).toBe(
      "lax.associativeScan: fn '<anonymous>' returned shape [] at .x, but its arguments there (slices of elems.x " +
        "along the scanned axis) have shape [2]; fn(a, b) must return arrays of its arguments' shapes",
    );
    const dt = catchError(
      () => associativeScan((a: Tensor, b: Tensor) => a.add(b).astype("float64"), np.ones([3])),
      DTypeError,
    );
    expect(dt.message).toContain("returned dtype float64, but its arguments there (slices of elems along");
    expect(dt.message).toContain("have dtype float32");
  });

  it("bad arguments and options: TracegradErrors naming lax.associativeScan", () => {
    expect(catchError(() => call(3, np.ones([2])), TracegradError).message).toBe(
      "lax.associativeScan: fn must be a function, got the number 3",
    );
    expect(catchError(() => call(add, np.ones([2]), { axes: 0 }), TracegradError).message).toContain(
      'lax.associativeScan: unknown option "axes"',
    );
    expect(catchError(() => call(add, np.ones([2]), { axis: 0.5 }), TracegradError).message).toContain(
      "lax.associativeScan: axis must be an integer",
    );
    expect(catchError(() => call(add, np.ones([2]), 1), TracegradError).message).toContain(
      "lax.associativeScan: reverse must be true or false, got the number 1",
    );
    expect(catchError(() => call(add, { a: "text" }), TracegradError).message).toContain(
      "lax.associativeScan: a leaf of elems (at .a) is",
    );
  });

  it("errors thrown by fn itself pass through unchanged", () => {
    const mine = new RangeError("mine");
    let thrown: unknown;
    try {
      associativeScan(
        () => {
          throw mine;
        },
        np.ones([3]),
      );
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(mine);
  });
});
