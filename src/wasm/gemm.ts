// float32 and float64 matrix multiply in WebAssembly SIMD. A is read in place through its strides, MR rows at a time,
// or, transposed, first packed into panels of MR rows with each step's values adjacent; B is packed, by the thread
// that uses them, into panels of NR columns (32 bytes: 8 floats or 4 doubles); a register-blocked MR×NR micro-kernel
// keeps f32x4 (f64x2) accumulators; k is split into blocks of KC so a B panel stays in L1 while A streams. Each C
// element sums over k in order, in its dtype, with the same block boundaries whatever the shape's other sizes or the
// thread count, so results do not depend on how the work is split. float64 never fuses multiply and add: the bits of
// a plain JS loop.
import { assemble, Code, type MemoryOp, type SimdMemoryOp, type SimdOp } from "../lowering/encode.js";

export const MR = 4;
/** Columns of a float32 B panel; NR64 of a float64 one (both 32 bytes: two vectors per row of the tile). */
export const NR = 8;
export const NR64 = 4;
export const KC = 256;
/** Row panels per L2 block: MC_PANELS·MR rows of A for one k block. */
export const MC_PANELS = 32;
/** k steps per pass of the micro-kernel's loop. */

/** What the kernels need of an element type; `base` is the index of its first function in the module. */
interface Elem {
  size: 4 | 8;
  shift: 2 | 3;
  nr: number;
  lanes: number;
  base: number;
  splatLoad: SimdMemoryOp;
  load: MemoryOp;
  store: MemoryOp;
  splat: SimdOp;
  mul: SimdOp;
  add: SimdOp;
  madd: SimdOp;
  zero(c: Code): Code;
}
const F32: Elem = {
  size: 4,
  shift: 2,
  nr: NR,
  lanes: 4,
  base: 0,
  splatLoad: "v128.load32_splat",
  load: "f32.load",
  store: "f32.store",
  splat: "f32x4.splat",
  mul: "f32x4.mul",
  add: "f32x4.add",
  madd: "f32x4.relaxed_madd",
  zero: (c) => c.f32(0),
};
const F64: Elem = {
  size: 8,
  shift: 3,
  nr: NR64,
  lanes: 2,
  base: 3,
  splatLoad: "v128.load64_splat",
  load: "f64.load",
  store: "f64.store",
  splat: "f64x2.splat",
  mul: "f64x2.mul",
  add: "f64x2.add",
  madd: "f64x2.relaxed_madd",
  zero: (c) => c.f64(0),
};

/**
 * The module: `job(elem, …)` packs and multiplies a range of column panels (what each thread runs) in float32 (elem
 * 0) or float64 (1); `gemm` and `packB` are its parts. Relaxed fused multiply-add (`fma`) is used for float32 only.
 */
export function gemmModule(opts: { fma: boolean; shared: boolean; maxPages: number }): Uint8Array<ArrayBuffer> {
  return assemble({
    memory: { initial: 1, maximum: opts.maxPages, shared: opts.shared },
    functions: [
      { name: "macro32", code: macro(F32, opts.fma) },
      { name: "gemm32", code: gemm(F32) },
      { name: "packB32", code: packB(F32) },
      { name: "macro64", code: macro(F64, false) },
      { name: "gemm64", code: gemm(F64) },
      { name: "packB64", code: packB(F64) },
      { name: "job32", code: job(F32) },
      { name: "job64", code: job(F64) },
      { name: "job", code: dispatch() },
      { name: "outer", code: outer() },
      { name: "packA32", code: packA(F32) },
      { name: "packA64", code: packA(F64) },
    ],
  });
}

/**
 * macro(a, aPanel, aRow, aK, bp, cp, mPanels, nPanels, kc, ldc, accumulate, bpStride) — function 0 (3). Addresses
 * and strides in bytes except ldc (elements). For each row panel i of A (row r at a + i·aPanel + r·aRow, steps aK
 * apart: A in place, or packed) and packed B panel j (at bp + j·bpStride: NR values per step): C tile (+)= A·B over kc
 * steps. (Unrolling the steps measured slower: V8 hoists the later steps' loads and spills the accumulators.)
 */
function macro(e: Elem, fma: boolean): Code {
  const NR = e.nr;
  const V = NR / e.lanes;
  const c = new Code(Array.from({ length: 12 }, () => "i32" as const));
  const [AP, APS, AROW, AK, BP, CP, MP, NP, K, LDC, ACC, BPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const ic = c.local("i32");
  const icEnd = c.local("i32");
  const ir = c.local("i32");
  const jr = c.local("i32");
  const p = c.local("i32");
  const ar = Array.from({ length: MR }, () => c.local("i32"));
  const b = c.local("i32");
  const cRow = c.local("i32");
  const rowBytes = c.local("i32");
  const acc = Array.from({ length: MR * V }, () => c.local("v128"));
  const bv = Array.from({ length: V }, () => c.local("v128"));
  const av = c.local("v128");
  const accAt = (r: number, q: number) => acc[r * V + q]!;
  c.get(LDC).i32(e.shift).op("i32.shl").set(rowBytes);
  // blocks of MC_PANELS row panels stay in L2 while every B panel (in L1) passes over them
  c.for(
    ic,
    (w) => w.i32(0),
    (w) => w.get(MP),
    MC_PANELS,
    (w) => {
      w.get(ic)
        .i32(MC_PANELS)
        .op("i32.add")
        .tee(icEnd)
        .get(MP)
        .get(icEnd)
        .get(MP)
        .op("i32.lt_s")
        .op("select")
        .set(icEnd);
      w.for(
        jr,
        (x) => x.i32(0),
        (x) => x.get(NP),
        1,
        (x) => {
          x.for(
            ir,
            (y) => y.get(ic),
            (y) => y.get(icEnd),
            1,
            (y) => {
              // C tile address: cp + ir·MR·ldc·size + jr·32
              y.get(CP)
                .get(ir)
                .i32(MR)
                .op("i32.mul")
                .get(rowBytes)
                .op("i32.mul")
                .op("i32.add")
                .get(jr)
                .i32(NR * e.size)
                .op("i32.mul")
                .op("i32.add")
                .set(cRow);
              // accumulators: zero, or C's current values for later k blocks
              y.block((blk) => {
                for (const v of acc) e.zero(blk).simd(e.splat).set(v);
                blk.get(ACC).op("i32.eqz").brIf(0);
                for (let r = 0; r < MR; r++) {
                  for (let q = 0; q < V; q++)
                    blk
                      .get(cRow)
                      .get(rowBytes)
                      .i32(r)
                      .op("i32.mul")
                      .op("i32.add")
                      .simdMem("v128.load", q * 16)
                      .set(accAt(r, q));
                }
              });
              // the panel's rows of A
              y.get(AP).get(ir).get(APS).op("i32.mul").op("i32.add").set(ar[0]!);
              for (let r = 1; r < MR; r++)
                y.get(ar[r - 1]!)
                  .get(AROW)
                  .op("i32.add")
                  .set(ar[r]!);
              y.get(BP).get(jr).get(BPS).op("i32.mul").op("i32.add").set(b);
              y.for(
                p,
                (z) => z.i32(0),
                (z) => z.get(K),
                1,
                (z) => {
                  for (let q = 0; q < V; q++)
                    z.get(b)
                      .simdMem("v128.load", q * 16)
                      .set(bv[q]!);
                  for (let r = 0; r < MR; r++) {
                    z.get(ar[r]!).simdMem(e.splatLoad).set(av);
                    for (let q = 0; q < V; q++) {
                      if (fma) z.get(av).get(bv[q]!).get(accAt(r, q)).simd(e.madd).set(accAt(r, q));
                      else z.get(accAt(r, q)).get(av).get(bv[q]!).simd(e.mul).simd(e.add).set(accAt(r, q));
                    }
                    z.get(ar[r]!).get(AK).op("i32.add").set(ar[r]!);
                  }
                  z.get(b)
                    .i32(NR * e.size)
                    .op("i32.add")
                    .set(b);
                },
              );
              for (let r = 0; r < MR; r++) {
                for (let q = 0; q < V; q++)
                  y.get(cRow)
                    .get(rowBytes)
                    .i32(r)
                    .op("i32.mul")
                    .op("i32.add")
                    .get(accAt(r, q))
                    .simdMem("v128.store", q * 16);
              }
            },
          );
        },
      );
    },
  );
  return c;
}

/**
 * gemm(a, aPanel, aRow, aK, bp, cp, mPanels, nPanels, k, ldc, bpStride) — function 1 (4): macro over every KC block
 * of k, in order.
 */
function gemm(e: Elem): Code {
  const NR = e.nr;
  const g = new Code(Array.from({ length: 11 }, () => "i32" as const));
  const [A, APS, AROW, AK, BP, CP, MP, NP, K, LDC, BPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const pc = g.local("i32");
  g.for(
    pc,
    (x) => x.i32(0),
    (x) => x.get(K),
    KC,
    (x) => {
      x.get(A).get(pc).get(AK).op("i32.mul").op("i32.add").get(APS).get(AROW).get(AK);
      x.get(BP)
        .get(pc)
        .i32(NR * e.size)
        .op("i32.mul")
        .op("i32.add")
        .get(CP)
        .get(MP)
        .get(NP);
      // min(KC, k − pc)
      x.get(K).get(pc).op("i32.sub").i32(KC).get(K).get(pc).op("i32.sub").i32(KC).op("i32.lt_s").op("select");
      x.get(LDC).get(pc).i32(0).op("i32.ne").get(BPS).call(e.base);
    },
  );
  return g;
}

/**
 * packA(dst, src, aRow, aK, m, k) — function 10 (11): A (element (i, p) at src + i·aRow + p·aK bytes) into panels of
 * MR rows, panel i at dst + i·k·MR·size holding [p][r]; rows past m are zero. Rows of a panel that are adjacent in
 * memory (A transposed) move as vectors.
 */
function packA(e: Elem): Code {
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32"]);
  const [DST, SRC, AROW, AK, M, K] = [0, 1, 2, 3, 4, 5];
  const i = c.local("i32");
  const p = c.local("i32");
  const d = c.local("i32");
  const s = c.local("i32");
  const mWhole = c.local("i32");
  c.get(DST).set(d);
  // whole panels whose rows are adjacent: MR·size contiguous bytes per step
  c.get(M).i32(-MR).op("i32.and").i32(0).get(AROW).i32(e.size).op("i32.eq").op("select").set(mWhole);
  c.for(
    i,
    (x) => x.i32(0),
    (x) => x.get(mWhole),
    MR,
    (x) => {
      x.get(SRC).get(i).i32(e.size).op("i32.mul").op("i32.add").set(s);
      x.for(
        p,
        (y) => y.i32(0),
        (y) => y.get(K),
        1,
        (y) => {
          for (let q = 0; q < MR * e.size; q += 16) y.get(d).get(s).simdMem("v128.load", q).simdMem("v128.store", q);
          y.get(s).get(AK).op("i32.add").set(s);
          y.get(d)
            .i32(MR * e.size)
            .op("i32.add")
            .set(d);
        },
      );
    },
  );
  // the other panels, a value at a time (the caller pads the source, so loads past row m stay in memory)
  c.for(
    i,
    (x) => x.get(mWhole),
    (x) => x.get(M),
    MR,
    (x) => {
      x.for(
        p,
        (y) => y.i32(0),
        (y) => y.get(K),
        1,
        (y) => {
          for (let r = 0; r < MR; r++) {
            y.get(d);
            y.get(SRC)
              .get(i)
              .i32(r)
              .op("i32.add")
              .get(AROW)
              .op("i32.mul")
              .op("i32.add")
              .get(p)
              .get(AK)
              .op("i32.mul")
              .op("i32.add")
              .mem(e.load);
            e.zero(y)
              .get(i)
              .i32(r)
              .op("i32.add")
              .get(M)
              .op("i32.lt_s")
              .op("select")
              .mem(e.store, r * e.size);
          }
          y.get(d)
            .i32(MR * e.size)
            .op("i32.add")
            .set(d);
        },
      );
    },
  );
  return c;
}

/**
 * packB(dst, src, sk, sn, k, n, j0, j1) — function 2 (5): panels j0…j1−1 of B (element (p, col) at src + p·sk +
 * col·sn bytes) into dst, panel j at dst + j·k·32 holding [p][c]; columns past n are zero.
 */
function packB(e: Elem): Code {
  const NR = e.nr;
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [DST, SRC, SK, SN, K, N, J0, J1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const j = c.local("i32");
  const p = c.local("i32");
  const col = c.local("i32");
  const d = c.local("i32");
  const s = c.local("i32");
  const whole = c.local("i32");
  c.for(
    j,
    (x) => x.get(J0),
    (x) => x.get(J1),
    1,
    (x) => {
      x.get(DST)
        .get(j)
        .get(K)
        .op("i32.mul")
        .i32(NR * e.size)
        .op("i32.mul")
        .op("i32.add")
        .set(d);
      // a whole panel of a row-major B: each row's NR floats are contiguous, copied as vectors
      x.get(SN)
        .i32(e.size)
        .op("i32.eq")
        .get(j)
        .i32(1)
        .op("i32.add")
        .i32(NR)
        .op("i32.mul")
        .get(N)
        .op("i32.le_s")
        .op("i32.and")
        .set(whole);
      x.for(
        p,
        (y) => y.i32(0),
        (y) => y.get(K),
        1,
        (y) => {
          y.get(SRC)
            .get(p)
            .get(SK)
            .op("i32.mul")
            .op("i32.add")
            .get(j)
            .i32(NR)
            .op("i32.mul")
            .get(SN)
            .op("i32.mul")
            .op("i32.add")
            .set(s);
          y.block((done) => {
            done.block((vectors) => {
              vectors.get(whole).op("i32.eqz").brIf(0);
              for (let q = 0; q < 32; q += 16) vectors.get(d).get(s).simdMem("v128.load", q).simdMem("v128.store", q);
              vectors.br(1);
            });
            for (let q = 0; q < NR; q++) {
              // col < n ? B[p, col] : 0 (the caller pads the source, so the load past the last column stays in memory)
              done.get(j).i32(NR).op("i32.mul").i32(q).op("i32.add").set(col);
              done.get(d).get(s).mem(e.load);
              e.zero(done)
                .get(col)
                .get(N)
                .op("i32.lt_s")
                .op("select")
                .mem(e.store, q * e.size);
              done.get(s).get(SN).op("i32.add").set(s);
            }
          });
          y.get(d)
            .i32(NR * e.size)
            .op("i32.add")
            .set(d);
        },
      );
    },
  );
  return c;
}

/**
 * job(a, aPanel, aRow, aK, bSrc, bSk, bSn, n, bp, cp, mPanels, k, ldc, j0, j1) — function 6 (7): packs B's column
 * panels j0…j1−1 and computes their columns of C.
 */
function job(e: Elem): Code {
  const NR = e.nr;
  const c = new Code(Array.from({ length: 15 }, () => "i32" as const));
  const [A, APS, AROW, AK, BSRC, BSK, BSN, N, BP, CP, MP, K, LDC, J0, J1] = Array.from({ length: 15 }, (_, i) => i);
  c.get(BP)
    .get(BSRC)
    .get(BSK)
    .get(BSN)
    .get(K)
    .get(N)
    .get(J0)
    .get(J1)
    .call(e.base + 2);
  c.get(A).get(APS).get(AROW).get(AK);
  c.get(BP)
    .get(J0)
    .get(K)
    .op("i32.mul")
    .i32(NR * e.size)
    .op("i32.mul")
    .op("i32.add");
  c.get(CP)
    .get(J0)
    .i32(NR * e.size)
    .op("i32.mul")
    .op("i32.add");
  c.get(MP)
    .get(J1)
    .get(J0)
    .op("i32.sub")
    .get(K)
    .get(LDC)
    .get(K)
    .i32(NR * e.size)
    .op("i32.mul")
    .call(e.base + 1);
  return c;
}

/** job(elem, …job's arguments) — function 8: job32 (elem 0) or job64. What each thread runs on its share. */
function dispatch(): Code {
  const c = new Code(Array.from({ length: 16 }, () => "i32" as const));
  c.block((f64) => {
    f64.block((f32) => {
      f32.get(0).brIf(0);
      for (let i = 1; i < 16; i++) f32.get(i);
      f32.call(6).br(1);
    });
    for (let i = 1; i < 16; i++) f64.get(i);
    f64.call(7);
  });
  return c;
}

/**
 * outer(a, aBatch, aRow, b, bBatch, c, nb, m, n) — function 9 (float32): outer products (k = 1),
 * C[q][i][0…n) = A[q][i]·B[q][0…n) + 0, over f32x4 lanes and the last n mod 4 one at a time (B rows contiguous;
 * + 0 turns −0 into +0 as the accumulating kernel does). Strides in bytes; C is dense [nb][m][n].
 */
function outer(): Code {
  const c = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [A, AB, AROW, B, BB, C, NB, M, N] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const q = c.local("i32");
  const i = c.local("i32");
  const j = c.local("i32");
  const d = c.local("i32");
  const bRow = c.local("i32");
  const n4 = c.local("i32");
  const av = c.local("v128");
  const as = c.local("f32");
  c.get(C).set(d);
  c.get(N).i32(-4).op("i32.and").set(n4);
  c.for(
    q,
    (x) => x.i32(0),
    (x) => x.get(NB),
    1,
    (x) => {
      x.get(B).get(q).get(BB).op("i32.mul").op("i32.add").set(bRow);
      x.for(
        i,
        (y) => y.i32(0),
        (y) => y.get(M),
        1,
        (y) => {
          y.get(A)
            .get(q)
            .get(AB)
            .op("i32.mul")
            .op("i32.add")
            .get(i)
            .get(AROW)
            .op("i32.mul")
            .op("i32.add")
            .mem("f32.load")
            .set(as);
          y.get(as).simd("f32x4.splat").set(av);
          y.for(
            j,
            (z) => z.i32(0),
            (z) => z.get(n4),
            4,
            (z) => {
              z.get(d);
              z.get(bRow).get(j).i32(2).op("i32.shl").op("i32.add").simdMem("v128.load");
              z.get(av).simd("f32x4.mul").f32x4(0).simd("f32x4.add").simdMem("v128.store");
              z.get(d).i32(16).op("i32.add").set(d);
            },
          );
          y.for(
            j,
            (z) => z.get(n4),
            (z) => z.get(N),
            1,
            (z) => {
              z.get(d);
              z.get(bRow).get(j).i32(2).op("i32.shl").op("i32.add").mem("f32.load");
              z.get(as).op("f32.mul").f32(0).op("f32.add").mem("f32.store");
              z.get(d).i32(4).op("i32.add").set(d);
            },
          );
        },
      );
    },
  );
  return c;
}
