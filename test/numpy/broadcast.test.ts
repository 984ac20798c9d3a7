// NumPy broadcasting of binary ops and np.where vs a plain-JS reference on random compatible shape pairs.

import { grad, np, ShapeError, type Tensor } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError, expectClose, rng, strides, unravel, valuesOf } from "../helpers.js";

/** Reference NumPy broadcast of two shapes, or undefined if incompatible. */
function refBroadcast(a: number[], b: number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Value of `data` (shape `shape`) at output multi-index `idx` under broadcasting. */
function at(data: number[], shape: number[], idx: number[]): number {
  const st = strides(shape);
  const off = idx.length - shape.length;
  let o = 0;
  for (let k = 0; k < shape.length; k++) o += (shape[k] === 1 ? 0 : idx[off + k]!) * st[k]!;
  return data[o]!;
}

/** A random pair of broadcast-compatible shapes (rank ≤ 4, sides 1–4). */
function randomPair(r: () => number): [number[], number[]] {
  const rank = 1 + Math.floor(r() * 4);
  const base = Array.from({ length: rank }, () => 1 + Math.floor(r() * 4));
  const derive = () => {
    const drop = Math.floor(r() * (rank + 1));
    return base.slice(drop).map((d) => (r() < 0.3 ? 1 : d));
  };
  return [derive(), derive()];
}

const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ["add", np.add, (x, y) => x + y],
  ["subtract", np.subtract, (x, y) => x - y],
  ["multiply", np.multiply, (x, y) => x * y],
  ["divide", np.divide, (x, y) => x / y],
  ["maximum", np.maximum, Math.max],
  ["minimum", np.minimum, Math.min],
  ["power", (a, b) => np.power(np.abs(a), b), (x, y) => Math.abs(x) ** y],
];

describe("broadcasting binary ops", () => {
  for (const [name, op, ref] of ops) {
    it(`${name} on 40 random compatible shape pairs`, () => {
      const r = rng(name.length * 7919);
      for (let trial = 0; trial < 40; trial++) {
        const [sa, sb] = randomPair(r);
        const out = refBroadcast(sa, sb)!;
        const da = Array.from(
          { length: sa.reduce((p, d) => p * d, 1) },
          () => Math.round((r() * 4 - 2) * 8) / 8 || 0.5,
        );
        const db = Array.from(
          { length: sb.reduce((p, d) => p * d, 1) },
          () => Math.round((r() * 4 - 2) * 8) / 8 || 0.5,
        );
        const a = np.reshape(np.array(da, { dtype: "float64" }), sa);
        const b = np.reshape(np.array(db, { dtype: "float64" }), sb);
        const res = op(a, b);
        expect(res.shape, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).toEqual(out);
        const n = out.reduce((p, d) => p * d, 1);
        const want = Array.from({ length: n }, (_, i) => {
          const idx = unravel(i, out);
          return ref(at(da, sa, idx), at(db, sb, idx));
        });
        const noNegZero = (v: number) => v + 0;
        expect(valuesOf(res).map(noNegZero)).toEqual(want.map(noNegZero));
      }
    });
  }

  it("the broadcast shape is symmetric and rejects incompatible pairs with a ShapeError", () => {
    const r = rng(42);
    for (let trial = 0; trial < 30; trial++) {
      const [sa, sb] = randomPair(r);
      expect(np.add(np.zeros(sa), np.zeros(sb)).shape).toEqual(np.add(np.zeros(sb), np.zeros(sa)).shape);
    }
    for (const [sa, sb] of [
      [[2], [3]],
      [
        [2, 3],
        [3, 2],
      ],
      [
        [4, 1, 3],
        [2, 3, 3],
      ],
    ] as [number[], number[]][]) {
      const e = catchError(() => np.add(np.zeros(sa), np.zeros(sb)), ShapeError);
      expect(e.message).toContain(`[${sa.join(", ")}] and [${sb.join(", ")}]`);
    }
  });

  it("scalars and 0-d tensors broadcast against anything", () => {
    expectClose(
      np.add(
        np.array([
          [1, 2],
          [3, 4],
        ]),
        1,
      ),
      [
        [2, 3],
        [4, 5],
      ],
    );
    expectClose(np.multiply(np.array(2), np.array([[1], [2]])), [[2], [4]]);
    expect(np.add(np.zeros([0, 3]), np.ones([3])).shape).toEqual([0, 3]);
  });

  it("the gradient of a broadcast op sums back over the broadcast axes", () => {
    const r = rng(7);
    for (let trial = 0; trial < 10; trial++) {
      const [sa, sb] = randomPair(r);
      const out = refBroadcast(sa, sb)!;
      const g = grad((a: Tensor) => np.multiply(a, np.ones(sb, { dtype: "float64" })).sum())(
        np.zeros(sa, { dtype: "float64" }),
      );
      // each element of a is used (output size / a's size) times
      const times = out.reduce((p, d) => p * d, 1) / sa.reduce((p, d) => p * d, 1);
      expect(g.shape).toEqual(sa);
      expect(valuesOf(g).every((v) => v === times)).toBe(true);
    }
  });
});

describe("np.where broadcasts all three operands", () => {
  it("bool condition, scalar branch", () => {
    expectClose(np.where([true, false, true], [1, 2, 3], 0), [1, 0, 3]);
  });

  it("numeric condition (non-zero is true) and column-vector branch", () => {
    expectClose(np.where([1, 0, 2], [1, 2, 3], [[10], [20]]), [
      [1, 10, 3],
      [1, 20, 3],
    ]);
  });

  it("the gradient flows to the chosen branch only", () => {
    const g = grad((x: Tensor) => np.where(np.greater(x, 0), x.mul(x), x.neg()).sum())(np.array([-2, 3]));
    expectClose(g, [-1, 6]);
  });
});
