// The window selection of max and min pooling (primitives/reduce/window.ts's windowSelect: which element each window
// picks, the first extremal one in window order, NaN winning) in WebAssembly SIMD: four lanes of the contiguous
// inner block at a time, the running best and its index kept in vectors and chosen by lane masks. Its own memory,
// grown to the largest call. The same indices as the JS loop, which runs where this cannot (blocks not a multiple
// of four, or no WebAssembly SIMD).
import { Code } from "../lowering/encode.js";
import type { WindowSelectPlan } from "../primitives/eager_backend.js";
import { ownMemoryKernel, ownMemoryModule } from "./own_memory.js";

/**
 * select(x, entries, rowStart, lead, mid, vec, inBlock, outBlock, chosen, max, values), byte addresses for the arrays,
 * counts in elements: for each leading block l and output position q, over the entries e of q's window, lanes v (four
 * at a time): chosen[l·outBlock + q·vec + v] = the index of the largest (max ≠ 0) or smallest x[l·inBlock + e·vec + v],
 * and values[…] that element. Windows with no entries are left as they are.
 */
function select(): Code {
  const f = new Code(Array.from({ length: 11 }, () => "i32" as const));
  const [X, ENT, ROW, LEAD, MID, VEC, INB, OUTB, CHOSEN, MAX, VALUES] = Array.from({ length: 11 }, (_, i) => i);
  const [l, q, e, v, e0, e1, inBase, out, first, off] = Array.from({ length: 10 }, () => f.local("i32"));
  const [best, idx, val, cand, mask, lanes] = Array.from({ length: 6 }, () => f.local("v128"));
  /** Entry `entry`'s four lanes from v: their element index into `at`, values into `value`, indices into `index`. */
  const lanesOf = (c: Code, entry: number, at: number, value: number, index: number) => {
    c.get(inBase).get(ENT).get(entry).i32(2).op("i32.shl").op("i32.add").mem("i32.load");
    c.get(VEC).op("i32.mul").op("i32.add").get(v).op("i32.add").set(at);
    c.get(X).get(at).i32(2).op("i32.shl").op("i32.add").simdMem("v128.load").set(value);
    c.get(at).simd("i32x4.splat").get(lanes).simd("i32x4.add").set(index);
  };
  f.i32x4(0, 1, 2, 3).set(lanes);
  f.for(
    l,
    (w) => w.i32(0),
    (w) => w.get(LEAD),
    1,
    (w) => {
      w.get(l).get(INB).op("i32.mul").set(inBase);
      w.for(
        q,
        (y) => y.i32(0),
        (y) => y.get(MID),
        1,
        (y) => {
          y.get(ROW).get(q).i32(2).op("i32.shl").op("i32.add").mem("i32.load").set(e0);
          y.get(ROW).get(q).i32(2).op("i32.shl").op("i32.add").mem("i32.load", 4).set(e1);
          y.block((skip) => {
            skip.get(e0).get(e1).op("i32.ge_s").brIf(0);
            skip.get(l).get(OUTB).op("i32.mul").get(q).get(VEC).op("i32.mul").op("i32.add").set(out);
            skip.for(
              v,
              (z) => z.i32(0),
              (z) => z.get(VEC),
              4,
              (z) => {
                // the first entry's four lanes start the running best
                lanesOf(z, e0, first, best, idx);
                z.for(
                  e,
                  (t) => t.get(e0).i32(1).op("i32.add"),
                  (t) => t.get(e1),
                  1,
                  (t) => {
                    lanesOf(t, e, off, val, cand);
                    // better (strictly), or NaN over a number: the JS loop's two conditions
                    t.block((chosen) => {
                      chosen.block((isMin) => {
                        isMin.get(MAX).op("i32.eqz").brIf(0);
                        isMin.get(val).get(best).simd("f32x4.gt").set(mask).br(1);
                      });
                      chosen.get(val).get(best).simd("f32x4.lt").set(mask);
                    });
                    t.get(mask)
                      .get(val)
                      .get(val)
                      .simd("f32x4.ne")
                      .get(best)
                      .get(best)
                      .simd("f32x4.eq")
                      .simd("v128.and")
                      .simd("v128.or")
                      .set(mask);
                    t.get(val).get(best).get(mask).simd("v128.bitselect").set(best);
                    t.get(cand).get(idx).get(mask).simd("v128.bitselect").set(idx);
                  },
                );
                for (const [to, what] of [
                  [CHOSEN, idx],
                  [VALUES, best],
                ] as const)
                  z.get(to)
                    .get(out)
                    .get(v)
                    .op("i32.add")
                    .i32(2)
                    .op("i32.shl")
                    .op("i32.add")
                    .get(what)
                    .simdMem("v128.store");
              },
            );
          });
        },
      );
    },
  );
  return f;
}

/** The module's bytes. */
export const windowSelectModule = (): Uint8Array<ArrayBuffer> => ownMemoryModule([{ name: "select", code: select() }]);

const kernel = ownMemoryKernel(windowSelectModule);

/** Elements from which the kernel pays for its copies. */
export const WINDOW_SELECT_MIN = 4096;

/**
 * windowSelect on float32 `x` in SIMD: the chosen index of every output (−1 for windows with no element), and, into
 * `values` if given, the chosen elements (unspecified for windows with none); undefined where the kernel cannot run
 * (no WebAssembly SIMD, an inner block not a multiple of four, too large).
 */
export function windowSelect32(
  x: Float32Array,
  plan: WindowSelectPlan,
  max: boolean,
  values?: Float32Array,
): Int32Array | undefined {
  const { lead, vec, mid, inBlock, outBlock, rowStart, entries, outSize } = plan;
  if (vec % 4 !== 0 || x.length < WINDOW_SELECT_MIN) return undefined;
  const k = kernel.get();
  if (!k) return undefined;
  // layout (4-byte units): x, entries, rowStart, chosen, their values
  const [xAt, eAt] = [0, x.length];
  const rAt = eAt + entries.length;
  const cAt = rAt + rowStart.length;
  const vAt = cAt + outSize;
  const buf = k.buffer(4 * (vAt + outSize));
  if (!buf) return undefined;
  new Float32Array(buf, 4 * xAt, x.length).set(x);
  new Int32Array(buf, 4 * eAt, entries.length).set(entries);
  new Int32Array(buf, 4 * rAt, rowStart.length).set(rowStart);
  const chosen = new Int32Array(buf, 4 * cAt, outSize);
  chosen.fill(-1);
  k.fn.select!(4 * xAt, 4 * eAt, 4 * rAt, lead, mid, vec, inBlock, outBlock, 4 * cAt, max ? 1 : 0, 4 * vAt);
  values?.set(new Float32Array(buf, 4 * vAt, outSize));
  return chosen.slice();
}
