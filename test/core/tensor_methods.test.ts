// Tensor's NumPy-style methods (API.md's wave-2 list): each against values worked out by hand, and the same under
// jit; the getters T and mT; errors name the method.

import { jit, np, type Tensor, TracegradError } from "tracegrad";
import { describe, expect, it } from "vitest";
import { catchError } from "../helpers.js";

const x = () =>
  np.array([
    [3, 1, 2],
    [0.5, 1.5, 2.5],
  ]);

describe("Tensor methods forward to np", () => {
  const cases: [string, (t: Tensor) => Tensor, unknown][] = [
    [
      "T",
      (t) => t.T,
      [
        [3, 0.5],
        [1, 1.5],
        [2, 2.5],
      ],
    ],
    [
      "mT",
      (t) => t.mT,
      [
        [3, 0.5],
        [1, 1.5],
        [2, 2.5],
      ],
    ],
    ["argmax(1)", (t) => t.argmax(1), [0, 2]],
    ["argmin()", (t) => t.argmin(), 3],
    ["prod(1)", (t) => t.prod(1), [6, 1.875]],
    ["squeeze()", (t) => t.slice([0, 1]).squeeze(), [3, 1, 2]],
    [
      "clip(1, 2)",
      (t) => t.clip(1, 2),
      [
        [2, 1, 2],
        [1, 1.5, 2],
      ],
    ],
    ["flatten()", (t) => t.flatten(), [3, 1, 2, 0.5, 1.5, 2.5]],
    ["ravel()", (t) => t.ravel(), [3, 1, 2, 0.5, 1.5, 2.5]],
    [
      "cumsum(1)",
      (t) => t.cumsum(1),
      [
        [3, 4, 6],
        [0.5, 2, 4.5],
      ],
    ],
    [
      "cumprod(1)",
      (t) => t.cumprod(1),
      [
        [3, 3, 6],
        [0.5, 0.75, 1.875],
      ],
    ],
    ["var(1)", (t) => t.var(1), [2 / 3, 2 / 3]],
    ["std({ axis: 1, ddof: 1 })", (t) => t.std({ axis: 1, ddof: 1 }), [1, 1]],
    ["any(0)", (t) => t.sub(3).any(0), [true, true, true]],
    ["all(0)", (t) => t.sub(3).all(0), [false, true, true]],
    [
      "round()",
      (t) => t.round(),
      [
        [3, 1, 2],
        [0, 2, 2],
      ],
    ],
    [
      "floor()",
      (t) => t.floor(),
      [
        [3, 1, 2],
        [0, 1, 2],
      ],
    ],
    [
      "ceil()",
      (t) => t.ceil(),
      [
        [3, 1, 2],
        [1, 2, 3],
      ],
    ],
    [
      "sort()",
      (t) => t.sort(),
      [
        [1, 2, 3],
        [0.5, 1.5, 2.5],
      ],
    ],
    [
      "argsort(0)",
      (t) => t.argsort(0),
      [
        [1, 0, 0],
        [0, 1, 1],
      ],
    ],
    [
      "swapaxes(0, 1)",
      (t) => t.swapaxes(0, 1),
      [
        [3, 0.5],
        [1, 1.5],
        [2, 2.5],
      ],
    ],
    [
      "flip(1)",
      (t) => t.flip(1),
      [
        [2, 1, 3],
        [2.5, 1.5, 0.5],
      ],
    ],
    [
      "expandDims(0)",
      (t) => t.expandDims(0),
      [
        [
          [3, 1, 2],
          [0.5, 1.5, 2.5],
        ],
      ],
    ],
  ];
  for (const [name, f, want] of cases) {
    it(name, () => {
      const got = f(x()).toArray() as unknown;
      const close = (a: unknown, b: unknown): boolean =>
        Array.isArray(a) && Array.isArray(b)
          ? a.length === b.length && a.every((v, i) => close(v, b[i]))
          : typeof a === "number" && typeof b === "number"
            ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
            : a === b;
      expect(close(got, want), `${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe(true);
      expect(jit(f)(x()).toArray()).toEqual(got);
    });
  }
});

describe("errors name the method", () => {
  it("an argument of the wrong kind", () => {
    expect(catchError(() => x().argmax("1" as never), TracegradError).message).toMatch(/^Tensor\.argmax: /);
    expect(catchError(() => x().swapaxes(0, "2" as never), TracegradError).message).toMatch(/^Tensor\.swapaxes: /);
    expect(
      catchError(() => {
        const t = x();
        return (t.clip as (lo: number) => Tensor).call(t, 0);
      }, TracegradError).message,
    ).toMatch(/^Tensor\.clip: .*missing/);
  });
});
