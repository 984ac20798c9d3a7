// The WebAssembly encoder (src/wasm/encode.ts): LEB128 against hand-computed bytes, and small modules assembled
// with Code/assemble that must validate and compute the right values over an imported `env.memory`.
import { describe, expect, it } from "vitest";
import { assemble, Code, type ModuleSpec, sleb, uleb } from "../../src/lowering/encode.js";
import { gemmModule } from "../../src/wasm/gemm.js";

// ───────────────────────────── LEB128 ─────────────────────────────

describe("LEB128", () => {
  // unsigned: 7 bits per byte, low group first, high bit set on every byte but the last
  const U: [number, number[]][] = [
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [255, [0xff, 0x01]],
    [300, [0xac, 0x02]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [624485, [0xe5, 0x8e, 0x26]],
    [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [2 ** 31, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ];
  it.each(U)("uleb(%d)", (n, bytes) => {
    expect(uleb(n)).toEqual(bytes);
  });

  // signed: the last byte's bit 6 is the sign
  const S: [number, number[]][] = [
    [0, [0x00]],
    [1, [0x01]],
    [63, [0x3f]],
    [64, [0xc0, 0x00]],
    [127, [0xff, 0x00]],
    [128, [0x80, 0x01]],
    [624485, [0xe5, 0x8e, 0x26]],
    [-1, [0x7f]],
    [-2, [0x7e]],
    [-64, [0x40]],
    [-65, [0xbf, 0x7f]],
    [-128, [0x80, 0x7f]],
    [-129, [0xff, 0x7e]],
    [-123456, [0xc0, 0xbb, 0x78]],
    [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [-(2 ** 31), [0x80, 0x80, 0x80, 0x80, 0x78]],
  ];
  it.each(S)("sleb(%d)", (n, bytes) => {
    expect(sleb(n)).toEqual(bytes);
  });

  /** Independent decoders (the reading side of the spec), for a round trip over many values. */
  const readU = (b: number[]) => b.reduce((v, x, i) => v + (x & 0x7f) * 2 ** (7 * i), 0);
  const readS = (b: number[]) => {
    const v = readU(b);
    const bits = 7 * b.length;
    return b[b.length - 1]! & 0x40 ? v - 2 ** bits : v;
  };
  /** Well-formed: continuation bit on all but the last byte, and minimal (no redundant trailing byte). */
  const wellFormed = (b: number[], signed: boolean) => {
    expect(b.slice(0, -1).every((x) => x & 0x80)).toBe(true);
    expect(b[b.length - 1]! & 0x80).toBe(0);
    if (b.length > 1) {
      const last = b[b.length - 1]!;
      const prevSign = b[b.length - 2]! & 0x40;
      if (signed)
        expect(!((last === 0x00 && !prevSign) || (last === 0x7f && prevSign)), `redundant byte in ${b}`).toBe(true);
      else expect(last).not.toBe(0);
    }
  };

  it("round-trips through independent decoders, minimal and well formed", () => {
    const vals = [0, 1, 2 ** 31 - 1, -(2 ** 31)];
    for (let e = 0; e < 31; e++) vals.push(2 ** e, 2 ** e - 1, 2 ** e + 1, -(2 ** e), -(2 ** e) - 1, -(2 ** e) + 1);
    for (let i = 0, x = 12345; i < 500; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      vals.push(x);
    }
    for (const v of vals.filter((x) => x >= -(2 ** 31) && x < 2 ** 31)) {
      const s = sleb(v);
      expect(readS(s), `sleb(${v}) = ${s}`).toBe(v);
      wellFormed(s, true);
      expect(s.length).toBeLessThanOrEqual(5);
      if (v >= 0) {
        const u = uleb(v);
        expect(readU(u), `uleb(${v}) = ${u}`).toBe(v);
        wellFormed(u, false);
      }
    }
  });
});

// ───────────────────────────── assembled modules ─────────────────────────────

type Fn = (...args: number[]) => number;

/** Validates and instantiates `spec` over a fresh memory of the module's own initial/maximum/shared. */
function instantiate(
  spec: ModuleSpec,
  memory?: WebAssembly.Memory,
): { exports: Record<string, Fn>; memory: WebAssembly.Memory } {
  const bytes = assemble(spec);
  expect(WebAssembly.validate(bytes), "module validates").toBe(true);
  const { initial, maximum, shared } = spec.memory;
  const mem = memory ?? new WebAssembly.Memory({ initial, maximum, shared } as WebAssembly.MemoryDescriptor);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: mem } });
  return { exports: inst.exports as unknown as Record<string, Fn>, memory: mem };
}

const MEM = { initial: 1, maximum: 4, shared: false };

describe("assemble", () => {
  it("emits the magic number, version and sections in order, and exports by name", () => {
    const add = new Code(["i32", "i32"], ["i32"]).get(0).get(1).op("i32.add");
    const bytes = assemble({ memory: MEM, functions: [{ name: "add", code: add }] });
    expect([...bytes.slice(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const mod = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(mod)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
    expect(WebAssembly.Module.exports(mod)).toEqual([{ name: "add", kind: "function" }]);
  });

  it("i32 add (with wrap-around) and a function with no params", () => {
    const add = new Code(["i32", "i32"], ["i32"]).get(0).get(1).op("i32.add");
    const seven = new Code([], ["i32"]).i32(7);
    const { exports } = instantiate({
      memory: MEM,
      functions: [
        { name: "add", code: add },
        { name: "seven", code: seven },
      ],
    });
    expect(exports.add!(2, 3)).toBe(5);
    expect(exports.add!(-10, 3)).toBe(-7);
    expect(exports.add!(2 ** 31 - 1, 1)).toBe(-(2 ** 31));
    expect(exports.seven!()).toBe(7);
  });

  it("i32 constants across the LEB128 byte boundaries reach the engine intact", () => {
    const vals = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193, 624485, -123456, 2 ** 31 - 1, -(2 ** 31)];
    const functions = vals.map((v, i) => ({ name: `c${i}`, code: new Code([], ["i32"]).i32(v) }));
    const { exports } = instantiate({ memory: MEM, functions });
    vals.forEach((v, i) => expect(exports[`c${i}`]!(), `i32.const ${v}`).toBe(v));
  });

  it("f32 and f64 constants are encoded bit for bit", () => {
    const f32s = [0, -0, 1.5, Math.fround(0.1), -3.4028234663852886e38, 1.401298464324817e-45, Infinity, -Infinity];
    const f64s = [0.1, -0, Math.PI, 5e-324, -Infinity];
    const functions = [
      ...f32s.map((v, i) => ({ name: `f${i}`, code: new Code([], ["f32"]).f32(v) })),
      ...f64s.map((v, i) => ({ name: `d${i}`, code: new Code([], ["f64"]).f64(v) })),
      { name: "nan", code: new Code([], ["f32"]).f32(NaN) },
    ];
    const { exports } = instantiate({ memory: MEM, functions });
    f32s.forEach((v, i) => expect(Object.is(exports[`f${i}`]!(), v), `f32.const ${v}`).toBe(true));
    f64s.forEach((v, i) => expect(Object.is(exports[`d${i}`]!(), v), `f64.const ${v}`).toBe(true));
    expect(exports.nan!()).toBeNaN();
  });

  it("Code.for sums 0..n−1 (zero iterations for n ≤ 0), with other steps and a start", () => {
    const sum = (from: number, step: number) => {
      const c = new Code(["i32"], ["i32"]);
      const i = c.local("i32");
      const s = c.local("i32");
      c.i32(0).set(s);
      c.for(
        i,
        (x) => x.i32(from),
        (x) => x.get(0),
        step,
        (x) => x.get(s).get(i).op("i32.add").set(s),
      );
      return c.get(s);
    };
    // a loop counting its own iterations, to check the body runs exactly ceil((n − from)/step) times
    const count = new Code(["i32"], ["i32"]);
    const ci = count.local("i32");
    const cn = count.local("i32");
    count.for(
      ci,
      (x) => x.i32(0),
      (x) => x.get(0),
      1,
      (x) => x.get(cn).i32(1).op("i32.add").set(cn),
    );
    count.get(cn);
    const { exports } = instantiate({
      memory: MEM,
      functions: [
        { name: "sum", code: sum(0, 1) },
        { name: "sum3", code: sum(2, 3) },
        { name: "count", code: count },
      ],
    });
    const ref = (n: number, from: number, step: number) => {
      let s = 0;
      for (let i = from; i < n; i += step) s += i;
      return s;
    };
    for (const n of [-5, -1, 0, 1, 2, 3, 10, 100, 1000]) {
      expect(exports.sum!(n), `sum(${n})`).toBe(ref(n, 0, 1));
      expect(exports.sum3!(n), `sum3(${n})`).toBe(ref(n, 2, 3));
      expect(exports.count!(n), `count(${n})`).toBe(Math.max(0, n));
    }
    expect(exports.sum!(10)).toBe(45);
  });

  it("nested Code.for loops, leaving the inner one early with br_if to an enclosing block", () => {
    // f(n, m) = Σ_{i<n} Σ_{j<m, j≤i} i·j: the inner loop stops once j > i. Inside a `for` body the labels are
    // 0: the for's loop, 1: the for's block, 2: the block around it here.
    const c = new Code(["i32", "i32"], ["i32"]);
    const [i, j, s] = [c.local("i32"), c.local("i32"), c.local("i32")];
    c.for(
      i,
      (x) => x.i32(0),
      (x) => x.get(0),
      1,
      (x) => {
        x.block((b) => {
          b.for(
            j,
            (y) => y.i32(0),
            (y) => y.get(1),
            1,
            (y) => {
              y.get(j).get(i).op("i32.gt_s").brIf(2); // out of the block around the inner for
              y.get(s).get(i).get(j).op("i32.mul").op("i32.add").set(s);
            },
          );
        });
      },
    );
    c.get(s);
    const { exports } = instantiate({ memory: MEM, functions: [{ name: "f", code: c }] });
    const ref = (n: number, m: number) => {
      let t = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < m && b <= a; b++) t += a * b;
      return t;
    };
    for (const [n, m] of [
      [0, 5],
      [5, 0],
      [4, 4],
      [10, 3],
      [3, 10],
      [20, 20],
    ] as const)
      expect(exports.f!(n, m), `f(${n}, ${m})`).toBe(ref(n, m));
  });

  it("select, tee and locals of several types (run-length grouped)", () => {
    // max(a, b) via select, then converted through f32/f64 locals and back
    const c = new Code(["i32", "i32"], ["i32"]);
    const t = c.local("i32");
    const f = c.local("f32");
    c.local("f32");
    const d = c.local("f64");
    c.local("i32");
    c.get(0).get(1).get(0).get(1).op("i32.gt_s").op("select").tee(t).op("drop");
    c.f32(2.5).set(f).f64(4).set(d);
    c.get(t);
    const { exports } = instantiate({ memory: MEM, functions: [{ name: "max", code: c }] });
    expect(exports.max!(3, 9)).toBe(9);
    expect(exports.max!(9, 3)).toBe(9);
    expect(exports.max!(-4, -7)).toBe(-4);
  });

  it("a body longer than 127 bytes (multi-byte size) and call between functions", () => {
    const sq = new Code(["i32"], ["i32"]).get(0).get(0).op("i32.mul");
    const big = new Code(["i32"], ["i32"]);
    big.get(0);
    for (let r = 1; r <= 100; r++) big.i32(r).op("i32.add"); // x + 5050, 300+ bytes
    big.call(0);
    const { exports } = instantiate({
      memory: MEM,
      functions: [
        { name: "sq", code: sq },
        { name: "big", code: big },
      ],
    });
    expect(big.bytes.length).toBeGreaterThan(200);
    expect(exports.big!(0)).toBe(5050 * 5050);
    expect(exports.big!(-5050)).toBe(0);
  });

  it("f32/f64 memory loads and stores with offsets, and arithmetic", () => {
    // out[2] = in[0]·in[1] + in[3] (f32 at byte addr p: offsets 0, 4, 12 → 8); f64 at q: q[1] = q[0] / 3
    const c = new Code(["i32", "i32"]);
    c.get(0)
      .get(0)
      .mem("f32.load")
      .get(0)
      .mem("f32.load", 4)
      .op("f32.mul")
      .get(0)
      .mem("f32.load", 12)
      .op("f32.add")
      .mem("f32.store", 8);
    c.get(1).get(1).mem("f64.load").f64(3).op("f64.div").mem("f64.store", 8);
    const { exports, memory } = instantiate({ memory: MEM, functions: [{ name: "f", code: c }] });
    const f32 = new Float32Array(memory.buffer, 64, 4);
    f32.set([1.1, 3.3, 0, 0.7]);
    const f64 = new Float64Array(memory.buffer, 128, 2);
    f64[0] = 1;
    expect(exports.f!(64, 128)).toBeUndefined();
    expect(f32[2]).toBe(Math.fround(Math.fround(f32[0]! * f32[1]!) + f32[3]!));
    expect(f64[1]).toBe(1 / 3);
  });

  it("f32x4 splat, mul, add and v128 load/store over imported memory", () => {
    // scale(p, n, s): for i in 0..n step 4: v128 at p+4i ← v128 at p+4i · splat(s) + splat(1)
    const c = new Code(["i32", "i32", "f32"]);
    const i = c.local("i32");
    const addr = c.local("i32");
    c.for(
      i,
      (x) => x.i32(0),
      (x) => x.get(1),
      4,
      (x) => {
        x.get(0).get(i).i32(2).op("i32.shl").op("i32.add").tee(addr);
        x.get(addr)
          .simdMem("v128.load")
          .get(2)
          .simd("f32x4.splat")
          .simd("f32x4.mul")
          .f32(1)
          .simd("f32x4.splat")
          .simd("f32x4.add");
        x.simdMem("v128.store");
      },
    );
    // splat32(p, q): v128.load32_splat at q, stored at p (four copies of one float)
    const s = new Code(["i32", "i32"]).get(0).get(1).simdMem("v128.load32_splat").simdMem("v128.store");
    // f64x2: q[0..1] ← q[0..1]·q[0..1]
    const d = new Code(["i32"])
      .get(0)
      .get(0)
      .simdMem("v128.load")
      .get(0)
      .simdMem("v128.load")
      .simd("f64x2.mul")
      .simdMem("v128.store");
    const { exports, memory } = instantiate({
      memory: MEM,
      functions: [
        { name: "scale", code: c },
        { name: "splat", code: s },
        { name: "sq2", code: d },
      ],
    });
    const base = 256;
    const view = new Float32Array(memory.buffer, base, 12);
    const init = Float32Array.from({ length: 12 }, (_, k) => Math.fround(k * 0.37 - 1.1));
    view.set(init);
    exports.scale!(base, 8, 2.3);
    const s32 = Math.fround(2.3);
    for (let k = 0; k < 12; k++) {
      const want = k < 8 ? Math.fround(Math.fround(init[k]! * s32) + 1) : init[k]!;
      expect(view[k], `element ${k}`).toBe(want);
    }
    new Float32Array(memory.buffer, 512, 1)[0] = 6.5;
    exports.splat!(1024, 512);
    expect([...new Float32Array(memory.buffer, 1024, 4)]).toEqual([6.5, 6.5, 6.5, 6.5]);
    new Float64Array(memory.buffer, 2048, 2).set([1.5, -3]);
    exports.sq2!(2048);
    expect([...new Float64Array(memory.buffer, 2048, 2)]).toEqual([2.25, 9]);
  });

  it("the imported memory: shared must match, and the declared maximum bounds the import's", () => {
    const id = new Code([], ["i32"]).i32(1);
    for (const shared of [false, true]) {
      const spec: ModuleSpec = { memory: { initial: 2, maximum: 8, shared }, functions: [{ name: "one", code: id }] };
      const mod = new WebAssembly.Module(assemble(spec));
      const mem = (initial: number, maximum: number, sh: boolean) =>
        new WebAssembly.Memory({ initial, maximum, shared: sh } as WebAssembly.MemoryDescriptor);
      const link = (m: WebAssembly.Memory) => () => new WebAssembly.Instance(mod, { env: { memory: m } });
      // accepted: maximum ≤ 8, initial ≥ 2, same sharedness
      expect((link(mem(2, 8, shared))().exports.one as Fn)()).toBe(1);
      expect((link(mem(3, 5, shared))().exports.one as Fn)()).toBe(1);
      // rejected: larger maximum, smaller initial, or the other sharedness
      expect(link(mem(2, 9, shared))).toThrow(WebAssembly.LinkError);
      expect(link(mem(1, 8, shared))).toThrow(WebAssembly.LinkError);
      expect(link(mem(2, 8, !shared))).toThrow(WebAssembly.LinkError);
      // the shared flag is in the import's limits byte: 0x01 (max) or 0x03 (max, shared)
      const bytes = assemble(spec);
      const at = bytes.findIndex(
        (_, k) =>
          bytes[k] === 0x02 && bytes[k + 1] === (shared ? 0x03 : 0x01) && bytes[k + 2] === 2 && bytes[k + 3] === 8,
      );
      expect(at, "memory import limits bytes").toBeGreaterThan(0);
    }
  });

  it("large page counts in the memory limits (multi-byte LEB128)", () => {
    const spec: ModuleSpec = {
      memory: { initial: 1, maximum: 65536, shared: true },
      functions: [{ name: "one", code: new Code([], ["i32"]).i32(1) }],
    };
    const bytes = assemble(spec);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    expect((inst.exports.one as Fn)()).toBe(1);
  });

  it("functions sharing a signature share one type entry", () => {
    const a = new Code(["i32"], ["i32"]).get(0);
    const b = new Code(["i32"], ["i32"]).get(0).i32(1).op("i32.add");
    const c = new Code(["f32"], ["f32"]).get(0);
    const bytes = assemble({
      memory: MEM,
      functions: [
        { name: "a", code: a },
        { name: "b", code: b },
        { name: "c", code: c },
      ],
    });
    // type section: id 1, size, count 2
    expect(bytes[8]).toBe(0x01);
    expect(bytes[10]).toBe(2);
    const { exports } = instantiate({
      memory: MEM,
      functions: [
        { name: "a", code: a },
        { name: "b", code: b },
        { name: "c", code: c },
      ],
    });
    expect([exports.a!(4), exports.b!(4), exports.c!(0.5)]).toEqual([4, 5, 0.5]);
  });

  it("an invalid body fails validation (the encoder does not hide type errors)", () => {
    const bad = new Code([], ["i32"]).f32(1); // returns f32 where i32 is declared
    expect(WebAssembly.validate(assemble({ memory: MEM, functions: [{ name: "bad", code: bad }] }))).toBe(false);
  });
});

describe("gemmModule", () => {
  it("validates without relaxed SIMD, shared or not", () => {
    for (const shared of [false, true])
      expect(WebAssembly.validate(gemmModule({ fma: false, shared, maxPages: 65536 })), `shared ${shared}`).toBe(true);
  });

  it("the fma variant validates exactly where relaxed SIMD is enabled", () => {
    const flag =
      process.execArgv.some((a) => a.includes("relaxed-simd")) ||
      process.versions.node.split(".").map(Number)[0]! >= 22;
    const ok = WebAssembly.validate(gemmModule({ fma: true, shared: true, maxPages: 65536 }));
    if (!flag) expect(ok).toBe(false);
    else expect(typeof ok).toBe("boolean");
  });
});
