// Sequences of plane rotations (the QR sweeps of svd) in WebAssembly SIMD, over float64 working arrays that live in
// a memory of this kernel's own for the whole iteration (copying them in and out per sweep would cost more than the
// sweep). Two rows share an f64x2 vector, four pairs at a time so their carry chains overlap; each lane does the
// scalar loop's multiplications and additions in its order, so the bits are those of linalg/orthogonal.ts's JS loop.
import { Code } from "../lowering/encode.js";
import { ownMemoryKernel, ownMemoryModule } from "./own_memory.js";

/** Row pairs per pass: independent chains in flight. */
const PAIRS = 4;

/**
 * forward(z, rows, stride, lo, hi, c, s), byte addresses and a byte stride: for each row x of z and k = lo…hi − 1 in
 * turn, (x_k, x_{k+1}) ← (c_k·x_k + s_k·x_{k+1}, c_k·x_{k+1} − s_k·x_k), x_k carried in a register.
 */
function forward(): Code {
  const f = new Code(["i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [Z, ROWS, STRIDE, LO, HI, C, S] = [0, 1, 2, 3, 4, 5, 6];
  const r = f.local("i32");
  const kb = f.local("i32");
  const end = f.local("i32");
  const row = Array.from({ length: 2 * PAIRS }, () => f.local("i32"));
  const x = Array.from({ length: PAIRS }, () => f.local("v128"));
  const [y, nv, ck, sk] = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")];
  const [xs, ys, cs, ss] = [f.local("f64"), f.local("f64"), f.local("f64"), f.local("f64")];
  f.get(HI).i32(3).op("i32.shl").set(end);
  /** The address of element kb/8 + off/8 of row q. */
  const at = (w: Code, q: number, off: number) => w.get(row[q]!).get(kb).op("i32.add").i32(off).op("i32.add");
  /** Rows r… as `pairs` vector chains (pairs > 0), or one scalar row (pairs 0). */
  const chains = (w: Code, pairs: number) => {
    const count = Math.max(1, 2 * pairs);
    for (let q = 0; q < count; q++)
      w.get(Z).get(r).i32(q).op("i32.add").get(STRIDE).op("i32.mul").op("i32.add").set(row[q]!);
    w.get(LO).i32(3).op("i32.shl").set(kb);
    if (pairs === 0) at(w, 0, 0).mem("f64.load").set(xs);
    for (let q = 0; q < pairs; q++) {
      at(w, 2 * q, 0)
        .simdMem("v128.load64_splat")
        .set(x[q]!);
      at(w, 2 * q + 1, 0)
        .get(x[q]!)
        .simdLaneMem("v128.load64_lane", 1)
        .set(x[q]!);
    }
    w.block((done) => {
      done.get(kb).get(end).op("i32.ge_s").brIf(0);
      done.loop((l) => {
        if (pairs === 0) {
          l.get(C).get(kb).op("i32.add").mem("f64.load").set(cs);
          l.get(S).get(kb).op("i32.add").mem("f64.load").set(ss);
          at(l, 0, 8).mem("f64.load").set(ys);
          at(l, 0, 0).get(cs).get(xs).op("f64.mul").get(ss).get(ys).op("f64.mul").op("f64.add").mem("f64.store");
          l.get(cs).get(ys).op("f64.mul").get(ss).get(xs).op("f64.mul").op("f64.sub").set(xs);
        } else {
          l.get(C).get(kb).op("i32.add").simdMem("v128.load64_splat").set(ck);
          l.get(S).get(kb).op("i32.add").simdMem("v128.load64_splat").set(sk);
          for (let q = 0; q < pairs; q++) {
            at(l, 2 * q, 8)
              .simdMem("v128.load64_splat")
              .set(y);
            at(l, 2 * q + 1, 8)
              .get(y)
              .simdLaneMem("v128.load64_lane", 1)
              .set(y);
            l.get(ck).get(x[q]!).simd("f64x2.mul").get(sk).get(y).simd("f64x2.mul").simd("f64x2.add").set(nv);
            at(l, 2 * q, 0)
              .get(nv)
              .simdLaneMem("v128.store64_lane", 0);
            at(l, 2 * q + 1, 0)
              .get(nv)
              .simdLaneMem("v128.store64_lane", 1);
            l.get(ck).get(y).simd("f64x2.mul").get(sk).get(x[q]!).simd("f64x2.mul").simd("f64x2.sub").set(x[q]!);
          }
        }
        l.get(kb).i32(8).op("i32.add").tee(kb).get(end).op("i32.lt_s").brIf(0);
      });
    });
    if (pairs === 0) w.get(row[0]!).get(end).op("i32.add").get(xs).mem("f64.store");
    for (let q = 0; q < pairs; q++) {
      w.get(row[2 * q]!)
        .get(end)
        .op("i32.add")
        .get(x[q]!)
        .simdLaneMem("v128.store64_lane", 0);
      w.get(row[2 * q + 1]!)
        .get(end)
        .op("i32.add")
        .get(x[q]!)
        .simdLaneMem("v128.store64_lane", 1);
    }
  };
  f.i32(0).set(r);
  // PAIRS pairs at a time, then single pairs, then the odd row
  f.block((out) =>
    out.loop((l) => {
      l.get(r)
        .i32(2 * PAIRS)
        .op("i32.add")
        .get(ROWS)
        .op("i32.gt_s")
        .brIf(1);
      chains(l, PAIRS);
      l.get(r)
        .i32(2 * PAIRS)
        .op("i32.add")
        .set(r)
        .br(0);
    }),
  );
  f.block((out) =>
    out.loop((l) => {
      l.get(r).i32(2).op("i32.add").get(ROWS).op("i32.gt_s").brIf(1);
      chains(l, 1);
      l.get(r).i32(2).op("i32.add").set(r).br(0);
    }),
  );
  f.block((out) => {
    out.get(r).get(ROWS).op("i32.ge_s").brIf(0);
    chains(out, 0);
  });
  return f;
}

/** The module's bytes (its memory grows to what the working arrays need). */
export const rotationsModule = (): Uint8Array<ArrayBuffer> => ownMemoryModule([{ name: "forward", code: forward() }]);

const kernel = ownMemoryKernel(rotationsModule);

/**
 * A float64 view of at least `floats` elements of the rotation kernel's memory, for working arrays the kernel then
 * rotates in place; valid until the next call of this function. Undefined where the kernel is unavailable.
 */
export function rotationScratch(floats: number): Float64Array | undefined {
  const buf = kernel.get()?.buffer(floats * 8);
  return buf && new Float64Array(buf, 0, floats);
}

/**
 * linalg/orthogonal.ts's rotateForward on arrays inside rotationScratch's memory, the same bits; false (nothing done)
 * where any of them is elsewhere.
 */
export function rotateForwardWasm(
  z: Float64Array,
  rows: number,
  stride: number,
  lo: number,
  hi: number,
  c: Float64Array,
  s: Float64Array,
): boolean {
  const k = kernel.peek();
  if (!k) return false;
  if (hi <= lo) return true;
  const buf = k.current();
  if (z.buffer !== buf || c.buffer !== buf || s.buffer !== buf) return false;
  k.fn.forward!(z.byteOffset, rows, stride * 8, lo, hi, c.byteOffset, s.byteOffset);
  return true;
}
