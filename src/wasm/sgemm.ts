// float32 matrix multiply in WebAssembly SIMD: operands packed (by JS, from any strides, so every transpose
// costs the same) into panels of MR rows of A and NR columns of B; a register-blocked MR×NR micro-kernel of
// f32x4 accumulators; k split into blocks of KC so a B panel stays in L1 while A panels stream from L2.
// Each C element sums over k in order, in float32, with the same block boundaries whatever the shape's other
// sizes or the thread count, so results do not depend on how the work is split.
import { Code, assemble } from "./encode.js";

export const MR = 4;
export const NR = 8;
export const KC = 256;
/** A panels per L2 block: MC_PANELS·MR rows × KC floats = 128 KiB. */
export const MC_PANELS = 32;

/**
 * macro(ap, bp, cp, mPanels, nPanels, kc, ldc, accumulate): for every pair of an A panel (MR rows, kc deep,
 * consecutive panels `apStride` bytes apart) and a B panel, C[MR×NR] (+)= A·B at row stride `ldc` floats.
 */
export function sgemmModule(opts: { fma: boolean; shared: boolean; maxPages: number }): Uint8Array<ArrayBuffer> {
  // params: ap bp cp mPanels nPanels kc ldc accumulate apStride bpStride
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [AP, BP, CP, MP, NP, K, LDC, ACC, APS, BPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ic = c.local("i32");
  const icEnd = c.local("i32");
  const ir = c.local("i32");
  const jr = c.local("i32");
  const p = c.local("i32");
  const a = c.local("i32");
  const b = c.local("i32");
  const cRow = c.local("i32");
  const rowBytes = c.local("i32");
  const acc = Array.from({ length: MR * (NR / 4) }, () => c.local("v128"));
  const bv = Array.from({ length: NR / 4 }, () => c.local("v128"));
  const av = c.local("v128");
  const accAt = (r: number, q: number) => acc[r * (NR / 4) + q]!;

  c.get(LDC).i32(2).op("i32.shl").set(rowBytes);
  // blocks of MC_PANELS A panels stay in L2 while every B panel (in L1) passes over them
  c.for(ic, (w) => w.i32(0), (w) => w.get(MP), MC_PANELS, (w) => {
   w.get(ic).i32(MC_PANELS).op("i32.add").tee(icEnd).get(MP).get(icEnd).get(MP).op("i32.lt_s").op("select").set(icEnd);
   w.for(jr, (x) => x.i32(0), (x) => x.get(NP), 1, (x) => {
    x.for(ir, (y) => y.get(ic), (y) => y.get(icEnd), 1, (y) => {
      // C tile address: cp + (ir·MR·ldc + jr·NR)·4
      y.get(CP).get(ir).i32(MR).op("i32.mul").get(rowBytes).op("i32.mul").op("i32.add").get(jr).i32(NR * 4).op("i32.mul").op("i32.add").set(cRow);
      // accumulators: zero, or C's current values for later k blocks
      y.block((blk) => {
        for (const v of acc) blk.f32(0).simd("f32x4.splat").set(v);
        blk.get(ACC).op("i32.eqz").brIf(0);
        for (let r = 0; r < MR; r++) {
          for (let q = 0; q < NR / 4; q++) {
            blk.get(cRow).get(rowBytes).i32(r).op("i32.mul").op("i32.add").simdMem("v128.load", q * 16).set(accAt(r, q));
          }
        }
      });
      y.get(AP).get(ir).get(APS).op("i32.mul").op("i32.add").set(a);
      y.get(BP).get(jr).get(BPS).op("i32.mul").op("i32.add").set(b);
      y.for(p, (z) => z.i32(0), (z) => z.get(K), 1, (z) => {
        for (let q = 0; q < NR / 4; q++) z.get(b).simdMem("v128.load", q * 16).set(bv[q]!);
        for (let r = 0; r < MR; r++) {
          z.get(a).simdMem("v128.load32_splat", r * 4).set(av);
          for (let q = 0; q < NR / 4; q++) {
            if (opts.fma) z.get(av).get(bv[q]!).get(accAt(r, q)).simd("f32x4.relaxed_madd").set(accAt(r, q));
            else z.get(accAt(r, q)).get(av).get(bv[q]!).simd("f32x4.mul").simd("f32x4.add").set(accAt(r, q));
          }
        }
        z.get(a).i32(MR * 4).op("i32.add").set(a);
        z.get(b).i32(NR * 4).op("i32.add").set(b);
      });
      for (let r = 0; r < MR; r++) {
        for (let q = 0; q < NR / 4; q++) {
          y.get(cRow).get(rowBytes).i32(r).op("i32.mul").op("i32.add").get(accAt(r, q)).simdMem("v128.store", q * 16);
        }
      }
    });
   });
  });
  // gemm(ap, bp, cp, mPanels, nPanels, k, ldc, apStride, bpStride): macro over every KC block of k, in order
  const g = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const pc = g.local("i32");
  g.for(pc, (x) => x.i32(0), (x) => x.get(5), KC, (x) => {
    x.get(0).get(pc).i32(MR * 4).op("i32.mul").op("i32.add"); // ap + pc·MR·4
    x.get(1).get(pc).i32(NR * 4).op("i32.mul").op("i32.add"); // bp + pc·NR·4
    x.get(2).get(3).get(4);
    x.get(5).get(pc).op("i32.sub").i32(KC).get(5).get(pc).op("i32.sub").i32(KC).op("i32.lt_s").op("select"); // min(KC, k − pc)
    x.get(6).get(pc).i32(0).op("i32.ne").get(7).get(8).call(0);
  });
  return assemble({ memory: { initial: 1, maximum: opts.maxPages, shared: opts.shared }, functions: [{ name: "macro", code: c }, { name: "gemm", code: g }] });
}
