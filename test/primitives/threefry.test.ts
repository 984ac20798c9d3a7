// Threefry-2x32 (20 rounds) against the known-answer vectors of the Random123 reference implementation
// (examples/kat_vectors, lines "threefry2x32 20 ctr0 ctr1 key0 key1 out0 out1"), which JAX's own tests also use
// (tests/random_test.py, testThreefry2x32).
import { describe, expect, it } from "vitest";
import { threefry2x32 } from "../../src/primitives/random/threefry_kernel.js";

const KAT: readonly { counter: [number, number]; key: [number, number]; want: [number, number] }[] = [
  { counter: [0x00000000, 0x00000000], key: [0x00000000, 0x00000000], want: [0x6b200159, 0x99ba4efe] },
  { counter: [0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], want: [0x1cb996fc, 0xbb002be7] },
  { counter: [0x243f6a88, 0x85a308d3], key: [0x13198a2e, 0x03707344], want: [0xc4923a9c, 0x483df7a0] },
];

describe("threefry2x32 (kernel)", () => {
  it.each(KAT)("matches Random123's known answer for counter $counter, key $key", ({ counter, key, want }) => {
    const [o0, o1] = [new Uint32Array(1), new Uint32Array(1)];
    threefry2x32(key[0], key[1], Uint32Array.of(counter[0]), Uint32Array.of(counter[1]), o0, o1);
    expect([o0[0], o1[0]]).toEqual(want);
  });

  it("computes every counter of an array, in place as well", () => {
    const x0 = Uint32Array.from(KAT.map((k) => k.counter[0]));
    const x1 = Uint32Array.from(KAT.map((k) => k.counter[1]));
    // one key for all: compare each element with a call of its own
    const [k0, k1] = [0x13198a2e, 0x03707344];
    const want = KAT.map((k) => {
      const [a, b] = [new Uint32Array(1), new Uint32Array(1)];
      threefry2x32(k0, k1, Uint32Array.of(k.counter[0]), Uint32Array.of(k.counter[1]), a, b);
      return [a[0], b[0]];
    });
    threefry2x32(k0, k1, x0, x1, x0, x1);
    expect(Array.from(x0, (v, i) => [v, x1[i]])).toEqual(want);
  });
});
