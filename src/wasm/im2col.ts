// Convolution patches (primitives/conv/conv_kernel.ts's im2col rows) in WebAssembly: each output row's window
// positions copy their input features from the lhs, four at a time where features are contiguous, zeros for padding
// and dilation holes. A memory of its own holds the lhs, the offset table and the patches, which the caller then
// hands to the matmul; the values are copies, so the same as the JS loop's.
import { Code } from "../lowering/encode.js";
import type { Im2col } from "../primitives/eager_backend.js";
import { ownMemoryKernel, ownMemoryModule } from "./own_memory.js";

/**
 * rows(L, offs, A, r0, m, p, w, ig, lC, lN, lOff): for t < m, row = r0 + t, q = row mod p, b = row div p, and window
 * position k < w with at = offs[q·w + k]: A[t·w·ig + k·ig + i] = at < 0 ? 0 : L[lOff + b·lN + at + i·lC] for i < ig.
 * Byte addresses for L, offs and A; the rest in elements.
 */
function rows(): Code {
  const f = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [L, OFFS, A, R0, M, P, W, IG, LC, LN, LOFF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [t, row, q, k, i, at, src, dst, base, ig4, orow] = Array.from({ length: 11 }, () => f.local("i32"));
  f.get(IG).i32(-4).op("i32.and").set(ig4);
  f.get(A).set(dst);
  f.for(
    t,
    (x) => x.i32(0),
    (x) => x.get(M),
    1,
    (x) => {
      x.get(R0).get(t).op("i32.add").set(row);
      x.get(row).get(P).op("i32.rem_u").set(q);
      // the lhs element offset of this row's batch entry
      x.get(LOFF).get(row).get(P).op("i32.div_u").get(LN).op("i32.mul").op("i32.add").set(base);
      x.get(OFFS).get(q).get(W).op("i32.mul").i32(2).op("i32.shl").op("i32.add").set(orow);
      x.for(
        k,
        (y) => y.i32(0),
        (y) => y.get(W),
        1,
        (y) => {
          y.get(orow).get(k).i32(2).op("i32.shl").op("i32.add").mem("i32.load").set(at);
          y.block((done) => {
            done.block((zeros) => {
              zeros.get(at).i32(0).op("i32.lt_s").brIf(0);
              zeros.get(L).get(base).get(at).op("i32.add").i32(2).op("i32.shl").op("i32.add").set(src);
              zeros.block((strided) => {
                strided.get(LC).i32(1).op("i32.ne").brIf(0);
                // contiguous features: four at a time, then the rest
                strided.for(
                  i,
                  (z) => z.i32(0),
                  (z) => z.get(ig4),
                  4,
                  (z) => {
                    z.get(dst).get(src).simdMem("v128.load").simdMem("v128.store");
                    z.get(dst).i32(16).op("i32.add").set(dst);
                    z.get(src).i32(16).op("i32.add").set(src);
                  },
                );
                strided.for(
                  i,
                  (z) => z.get(ig4),
                  (z) => z.get(IG),
                  1,
                  (z) => {
                    z.get(dst).get(src).mem("f32.load").mem("f32.store");
                    z.get(dst).i32(4).op("i32.add").set(dst);
                    z.get(src).i32(4).op("i32.add").set(src);
                  },
                );
                strided.br(2);
              });
              zeros.for(
                i,
                (z) => z.i32(0),
                (z) => z.get(IG),
                1,
                (z) => {
                  z.get(dst).get(src).mem("f32.load").mem("f32.store");
                  z.get(dst).i32(4).op("i32.add").set(dst);
                  z.get(src).get(LC).i32(2).op("i32.shl").op("i32.add").set(src);
                },
              );
              zeros.br(1);
            });
            done.for(
              i,
              (z) => z.i32(0),
              (z) => z.get(IG),
              1,
              (z) => {
                z.get(dst).f32(0).mem("f32.store");
                z.get(dst).i32(4).op("i32.add").set(dst);
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
export const im2colModule = (): Uint8Array<ArrayBuffer> => ownMemoryModule([{ name: "rows", code: rows() }]);

const kernel = ownMemoryKernel(im2colModule);

/**
 * The lhs (float32) and the offset table (p × w, −1 for padding) copied into the kernel's memory, with room for
 * `chunk` rows of w·ig patches; undefined where the kernel cannot run. Valid until the next call of this function.
 */
export function im2col32(
  lhs: Float32Array,
  offs: Int32Array,
  p: number,
  w: number,
  ig: number,
  lC: number,
  lN: number,
  chunk: number,
): Im2col | undefined {
  const k = kernel.get();
  if (!k) return undefined;
  const [lAt, oAt] = [0, lhs.length];
  const aAt = oAt + offs.length + ((4 - ((oAt + offs.length) % 4)) % 4);
  const buf = k.buffer(4 * (aAt + chunk * w * ig));
  if (!buf) return undefined;
  new Float32Array(buf, 4 * lAt, lhs.length).set(lhs);
  new Int32Array(buf, 4 * oAt, offs.length).set(offs);
  return {
    rows: (r0, m, lOff) => {
      k.fn.rows!(4 * lAt, 4 * oAt, 4 * aAt, r0, m, p, w, ig, lC, lN, lOff);
      return new Float32Array(buf, 4 * aAt, m * w * ig);
    },
  };
}
