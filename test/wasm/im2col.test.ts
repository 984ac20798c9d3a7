// The WebAssembly im2col kernel (src/wasm/im2col.ts) against the patch rows written out in plain JS: exact copies
// for contiguous and strided features, feature counts on and off multiples of four, padding entries, batch offsets
// and row ranges; and convolutions through it against a direct float64 loop.
import { lax, np } from "tracegrad";
import { describe, expect, it } from "vitest";
import { mulberry32 as rng } from "../../src/core/random.js";
import { im2col32, im2colModule } from "../../src/wasm/im2col.js";

/** The rows the kernel should give: row = r0 + t, q = row mod p, entry b = row div p. */
function reference(
  L: Float32Array,
  offs: Int32Array,
  [p, w, ig, lC, lN]: number[],
  r0: number,
  m: number,
  lOff: number,
): Float32Array {
  const out = new Float32Array(m * w * ig);
  for (let t = 0; t < m; t++) {
    const row = r0 + t;
    const [q, b] = [row % p, Math.floor(row / p)];
    for (let k = 0; k < w; k++) {
      const at = offs[q * w + k]!;
      for (let i = 0; i < ig; i++) out[(t * w + k) * ig + i] = at < 0 ? 0 : L[lOff + b * lN + at + i * lC]!;
    }
  }
  return out;
}

describe("im2col32", () => {
  it("validates", () => expect(WebAssembly.validate(im2colModule())).toBe(true));

  for (const [p, w, ig, lC, batch] of [
    [9, 4, 16, 1, 3],
    [7, 9, 5, 1, 2],
    [6, 3, 3, 40, 4],
    [5, 9, 1, 1, 5],
    [4, 2, 8, 13, 3],
  ])
    it(`p ${p}, w ${w}, ${ig} features ${lC === 1 ? "contiguous" : `${lC} apart`}: exact copies`, () => {
      const r = rng(p * 100 + ig);
      const span = lC === 1 ? ig : (ig - 1) * lC + 1;
      const positions = 30;
      const lN = positions * Math.max(ig, lC) + span;
      const L = Float32Array.from({ length: batch * lN + 8 }, () => r() * 2 - 1);
      const offs = Int32Array.from({ length: p * w }, () => (r() < 0.2 ? -1 : Math.floor(r() * positions)));
      const k = im2col32(L, offs, p, w, ig, lC, lN, p * batch)!;
      expect(k).toBeDefined();
      for (const [r0, m, lOff] of [
        [0, p * batch, 0],
        [p + 1, p * batch - p - 1, 0],
        [2, 3, 5],
      ]) {
        const got = Array.from(k.rows(r0, m, lOff));
        expect(got).toEqual(Array.from(reference(L, offs, [p, w, ig, lC, lN], r0, m, lOff)));
      }
    });

  it("a float32 convolution through it (NHWC, SAME) matches a direct float64 loop within float32 rounding", () => {
    const r = rng(5);
    const [N, H, C, O] = [4, 12, 8, 16];
    const x = Float32Array.from({ length: N * H * H * C }, () => r() - 0.5);
    const wt = Float32Array.from({ length: 9 * C * O }, () => r() - 0.5);
    const y = lax
      .convGeneralDilated(
        np.reshape(np.array(x), [N, H, H, C]),
        np.reshape(np.array(wt), [3, 3, C, O]),
        [1, 1],
        "SAME",
        {
          dimensionNumbers: ["NHWC", "HWIO", "NHWC"],
        },
      )
      .toTypedArray();
    let worst = 0;
    for (let n = 0; n < N; n++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < H; j++)
          for (let o = 0; o < O; o++) {
            let s = 0;
            for (let di = 0; di < 3; di++)
              for (let dj = 0; dj < 3; dj++) {
                const [a, b] = [i + di - 1, j + dj - 1];
                if (a < 0 || b < 0 || a >= H || b >= H) continue;
                for (let c = 0; c < C; c++)
                  s += x[((n * H + a) * H + b) * C + c]! * wt[((di * 3 + dj) * C + c) * O + o]!;
              }
            worst = Math.max(worst, Math.abs(s - y[((n * H + i) * H + j) * O + o]!));
          }
    expect(worst).toBeLessThan(1e-5);
  });
});
