// The text the sequence examples (07, 10) learn from: this repository's README as it was at commit f5808d6, its prose
// on a 29-character alphabet (examples/data/readme-prose.txt, made by `prose` below; frozen, so that editing the
// README does not move the examples' results), and random windows of it drawn with a key.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { np, random, type Tensor } from "tracegrad";

/** The alphabet: space, a–z, full stop and comma. */
export const alphabet = " abcdefghijklmnopqrstuvwxyz.,";

/**
 * The prose of a markdown document: code blocks and table rows skipped, lowercased, apostrophes, backticks and
 * asterisks dropped, every other character outside the alphabet a space, runs of spaces collapsed to one.
 */
export function prose(markdown: string): string {
  let inCode = false;
  const lines: string[] = [];
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) inCode = !inCode;
    else if (!inCode && !line.trimStart().startsWith("|")) lines.push(line);
  }
  let text = "";
  for (const ch of lines.join(" ").toLowerCase().replace(/['`*]/g, "")) {
    const c = alphabet.includes(ch) ? ch : " ";
    if (c !== " " || !text.endsWith(" ")) text += c;
  }
  return text.trim();
}

/** Characters per block of the train/validation split. */
const BLOCK = 1000;

/**
 * The README's prose (the frozen snapshot), its character ids, and the split: every tenth block of 1000 characters
 * for validation, the rest for training (each part concatenated). Interleaved, so that validation samples the whole
 * README, not whichever section happens to come last.
 */
export function readmeText(): { text: string; ids: Int32Array; train: Int32Array; valid: Int32Array } {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "readme-prose.txt");
  const text = readFileSync(file, "utf8").trim();
  const ids = Int32Array.from(text, (c) => alphabet.indexOf(c));
  if (ids.includes(-1)) throw new Error(`${file}: a character outside the alphabet`);
  const [train, valid]: number[][] = [[], []];
  for (let i = 0; i < ids.length; i += BLOCK)
    (Math.floor(i / BLOCK) % 10 === 9 ? valid : train).push(...ids.subarray(i, i + BLOCK));
  return { text, ids, train: Int32Array.from(train), valid: Int32Array.from(valid) };
}

/**
 * `count` windows of `len` characters of `source` (i32[n]) at random offsets drawn with `key`, as i32[len, count]
 * (time-major): offsets from `random.randint`, the windows gathered in one indexing.
 */
export function windowsFrom(key: Tensor, source: Tensor, len: number, count: number): Tensor {
  const starts = random.randint(key, [count], 0, source.shape[0]! - len + 1); // i32[count]
  const positions = np.arange(len).reshape([len, 1]).add(starts); // i32[len, count]
  return source.slice(positions);
}

/** The share of the words of `sample` (without its first and last, which may be cut) that occur in `text`. */
export function knownWordShare(sample: string, text: string): [number, number] {
  const vocabulary = new Set(text.split(/[ .,]+/));
  const words = sample.split(/[ .,]+/).slice(1, -1);
  return [words.filter((w) => vocabulary.has(w)).length / Math.max(1, words.length), words.length];
}
