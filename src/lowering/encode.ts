// A small WebAssembly binary encoder: enough of the core and SIMD instruction sets to write kernels in
// TypeScript and assemble them at run time (no toolchain, no prebuilt binary, nothing fetched).

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export function uleb(n: number): number[] {
  if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`uleb: ${n} is not a non-negative integer`);
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
};

/** Plain opcodes (no immediates) and memory opcodes (alignment and offset immediates). */
const PLAIN = {
  end: 0x0b,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  "i32.eqz": 0x45,
  "i32.eq": 0x46,
  "i32.ne": 0x47,
  "i32.lt_s": 0x48,
  "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a,
  "i32.gt_u": 0x4b,
  "i32.le_s": 0x4c,
  "i32.ge_s": 0x4e,
  "i32.ge_u": 0x4f,
  "i32.add": 0x6a,
  "i32.sub": 0x6b,
  "i32.mul": 0x6c,
  "i32.div_s": 0x6d,
  "i32.div_u": 0x6e,
  "i32.rem_u": 0x70,
  "i32.and": 0x71,
  "i32.or": 0x72,
  "i32.shl": 0x74,
  "i32.shr_s": 0x75,
  "i32.shr_u": 0x76,
  "f32.neg": 0x8c,
  "f32.add": 0x92,
  "f32.sub": 0x93,
  "f32.mul": 0x94,
  "f32.div": 0x95,
  "f64.neg": 0x9a,
  "f64.add": 0xa0,
  "f64.sub": 0xa1,
  "f64.mul": 0xa2,
  "f64.div": 0xa3,
  "f32.demote_f64": 0xb6,
  "f64.promote_f32": 0xbb,
} as const;
const MEMORY = {
  "i32.load": [0x28, 2],
  "i32.load8_u": [0x2d, 0],
  "f32.load": [0x2a, 2],
  "f64.load": [0x2b, 3],
  "i32.store": [0x36, 2],
  "f32.store": [0x38, 2],
  "f64.store": [0x39, 3],
} as const;
/** SIMD opcodes (0xfd prefix). */
const SIMD = {
  "i32x4.splat": 0x11,
  "f32x4.splat": 0x13,
  "f64x2.splat": 0x14,
  "f32x4.eq": 0x41,
  "f32x4.ne": 0x42,
  "f32x4.lt": 0x43,
  "f32x4.gt": 0x44,
  "f32x4.le": 0x45,
  "f32x4.ge": 0x46,
  "v128.not": 0x4d,
  "v128.and": 0x4e,
  "v128.andnot": 0x4f,
  "v128.or": 0x50,
  "v128.xor": 0x51,
  "v128.bitselect": 0x52,
  "f32x4.ceil": 0x67,
  "f32x4.floor": 0x68,
  "f32x4.trunc": 0x69,
  "f32x4.nearest": 0x6a,
  "i32x4.shl": 0xab,
  "i32x4.shr_s": 0xac,
  "i32x4.shr_u": 0xad,
  "i32x4.add": 0xae,
  "i32x4.sub": 0xb1,
  "i32x4.mul": 0xb5,
  "i32x4.eq": 0x37,
  "i32x4.gt_s": 0x3b,
  "i32x4.lt_s": 0x39,
  "i8x16.narrow_i16x8_s": 0x65,
  "i16x8.narrow_i32x4_s": 0x85,
  "i16x8.extend_low_i8x16_u": 0x89,
  "i32x4.extend_low_i16x8_u": 0xa9,
  "f32x4.abs": 0xe0,
  "f32x4.neg": 0xe1,
  "f32x4.sqrt": 0xe3,
  "f32x4.pmin": 0xea,
  "f32x4.pmax": 0xeb,
  "i32x4.trunc_sat_f32x4_s": 0xf8,
  "f32x4.convert_i32x4_s": 0xfa,
  "f32x4.add": 0xe4,
  "f32x4.sub": 0xe5,
  "f32x4.mul": 0xe6,
  "f32x4.div": 0xe7,
  "f32x4.min": 0xe8,
  "f32x4.max": 0xe9,
  "f64x2.add": 0xf0,
  "f64x2.sub": 0xf1,
  "f64x2.mul": 0xf2,
  "f64x2.div": 0xf3,
  "f32x4.demote_f64x2_zero": 0x5e,
  "f64x2.promote_low_f32x4": 0x5f,
  "f32x4.relaxed_madd": 0x105,
  "f64x2.relaxed_madd": 0x107,
} as const;
const SIMD_MEMORY = {
  "v128.load": [0x00, 4],
  "v128.load32_splat": [0x09, 2],
  "v128.load64_splat": [0x0a, 3],
  "v128.store": [0x0b, 4],
  "v128.load32_zero": [0x5c, 2],
} as const;
/** SIMD lane memory opcodes (memory immediates, then the lane). */
const SIMD_LANE_MEMORY = {
  "v128.store32_lane": [0x5a, 2],
  "v128.load64_lane": [0x57, 3],
  "v128.store64_lane": [0x5b, 3],
} as const;

export type PlainOp = keyof typeof PLAIN;
export type MemoryOp = keyof typeof MEMORY;
export type SimdOp = keyof typeof SIMD;
export type SimdMemoryOp = keyof typeof SIMD_MEMORY;
export type SimdLaneMemoryOp = keyof typeof SIMD_LANE_MEMORY;

/** A function body, written as a sequence of instructions. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];
  constructor(
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** A new local of this type; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  op(o: PlainOp): this {
    this.bytes.push(PLAIN[o]);
    return this;
  }
  get(i: number): this {
    this.bytes.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.bytes.push(0x21, ...uleb(i));
    return this;
  }
  tee(i: number): this {
    this.bytes.push(0x22, ...uleb(i));
    return this;
  }
  i32(v: number): this {
    this.bytes.push(0x41, ...sleb(v | 0));
    return this;
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(0x43, ...b);
    return this;
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    this.bytes.push(0x44, ...b);
    return this;
  }
  mem(o: MemoryOp, offset = 0): this {
    const [code, align] = MEMORY[o];
    this.bytes.push(code, ...uleb(align), ...uleb(offset));
    return this;
  }
  simd(o: SimdOp): this {
    this.bytes.push(0xfd, ...uleb(SIMD[o]));
    return this;
  }
  /** v128.const of four f32 lanes. */
  f32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, ...uleb(0x0c), ...new Uint8Array(new Float32Array([a, b, c, d]).buffer));
    return this;
  }
  /** v128.const of four i32 lanes. */
  i32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, ...uleb(0x0c), ...new Uint8Array(new Int32Array([a, b, c, d]).buffer));
    return this;
  }
  /** i8x16.shuffle of the two vectors on the stack: byte k of the result is byte lanes[k] of their 32 bytes. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31))
      throw new RangeError(`i8x16.shuffle takes 16 lane indices in 0…31, got [${lanes.join(", ")}]`);
    this.bytes.push(0xfd, 0x0d, ...lanes);
    return this;
  }
  simdMem(o: SimdMemoryOp, offset = 0): this {
    const [code, align] = SIMD_MEMORY[o];
    this.bytes.push(0xfd, ...uleb(code), ...uleb(align), ...uleb(offset));
    return this;
  }
  simdLaneMem(o: SimdLaneMemoryOp, lane: number, offset = 0): this {
    const [code, align] = SIMD_LANE_MEMORY[o];
    this.bytes.push(0xfd, ...uleb(code), ...uleb(align), ...uleb(offset), lane);
    return this;
  }
  /** block … end; `br 0` inside jumps past the end. */
  block(body: (c: this) => void): this {
    this.bytes.push(0x02, 0x40);
    body(this);
    return this.op("end");
  }
  /** loop … end; `br 0` inside jumps back to the start. */
  loop(body: (c: this) => void): this {
    this.bytes.push(0x03, 0x40);
    body(this);
    return this.op("end");
  }
  call(funcIndex: number): this {
    this.bytes.push(0x10, ...uleb(funcIndex));
    return this;
  }
  br(depth: number): this {
    this.bytes.push(0x0c, ...uleb(depth));
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(0x0d, ...uleb(depth));
    return this;
  }
  /**
   * for (i = from; i < to; i += step) body — `from`, `to` and `step` push an i32; the body runs at least zero times.
   * Inside the body, `br 1` leaves the loop (there is no continue: the step follows the body).
   */
  for(i: number, from: (c: this) => void, to: (c: this) => void, step: number, body: (c: this) => void): this {
    from(this);
    this.set(i);
    return this.block((c) => {
      to(c);
      c.get(i).op("i32.le_s").brIf(0); // to <= i: done
      c.loop((l) => {
        body(l);
        l.get(i).i32(step).op("i32.add").tee(i);
        to(l);
        l.op("i32.lt_s").brIf(0);
      });
    });
  }

  /** The encoded body: locals (run-length grouped) and instructions. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === VALTYPE[t]) last[0]!++;
      else groups.push([1, VALTYPE[t]]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n!), t!])), ...this.bytes, PLAIN.end];
    return [...uleb(body.length), ...body];
  }
}

export interface ModuleSpec {
  /** Imported memory `env.memory` (shared when `shared`), in 64 KiB pages. */
  memory: { initial: number; maximum: number; shared: boolean };
  functions: { name: string; code: Code }[];
}

/** The bytes of a module importing one memory and exporting `functions`. */
export function assemble(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const sigs: string[] = [];
  const typeOf = (c: Code) => {
    const key = `${c.params.join(",")}>${c.results.join(",")}`;
    let i = sigs.indexOf(key);
    if (i < 0) i = sigs.push(key) - 1;
    return i;
  };
  const funcTypes = spec.functions.map((f) => typeOf(f.code));
  const types = sigs.map((k) => {
    const [p, r] = k.split(">").map((s) => (s ? s.split(",") : [])) as [ValType[], ValType[]];
    return [0x60, ...vec(p.map((t) => [VALTYPE[t]])), ...vec(r.map((t) => [VALTYPE[t]]))];
  });
  const { initial, maximum, shared } = spec.memory;
  const memType = [shared ? 0x03 : 0x01, ...uleb(initial), ...uleb(maximum)];
  const imports = vec([[...name("env"), ...name("memory"), 0x02, ...memType]]);
  const exports = vec(spec.functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcTypes.map((t) => uleb(t)))),
    ...section(7, exports),
    ...section(10, vec(spec.functions.map((f) => f.code.encode()))),
  ]);
}
