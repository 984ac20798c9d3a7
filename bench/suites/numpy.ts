// numpy-level operations against plain JS and jax-js (its wasm device), issue 16's performance targets:
//   np-sort    np.sort of 1e6 float32: tracegrad eager and jit, Float32Array.prototype.sort, jax-js np.sort
//   np-cumsum  jit(np.cumsum) of 1e6 float32: a float32 (Math.fround) JS loop, jax-js np.cumsum
//   np-einsum  einsum("bij,bjk,bkl->bil") against both associations by np.matmul; einsum("ij,jk->ik") against np.matmul
//
// `npm run bench -- np-` runs all three. Every case's output is checked before timing.
import { jit, np, type Tensor } from "tracegrad";
import { ratioLine, type Suite } from "../harness.js";
import { maxRelDiff, normal } from "./data.js";
import { jax, loadJax, toJax } from "./libs.js";

const n = 1_000_000;

type JArray = jax.numpy.Array;

/** A jax-js function of one array as a case: a reference to the input per call, awaited, output disposed. */
function jaxCase(f: (x: JArray) => JArray, x: JArray) {
  return async () => {
    const y = f(x.ref);
    await y.blockUntilReady();
    y.dispose();
  };
}

/** Throws unless `a` and `b` hold the same values bit for bit (Object.is: −0 ≠ 0, NaN = NaN). */
function sameBits(suite: string, what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`${suite}: ${what}: ${a.length} values, expected ${b.length}`);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) throw new Error(`${suite}: ${what}: element ${i} is ${a[i]}, expected ${b[i]}`);
}

const f32 = (t: Tensor) => t.toTypedArray() as Float32Array;

// ---------------------------------------------------------------------------------------------------------------------

const sortCases = {
  eager: "tracegrad eager np.sort",
  jit: "tracegrad jit(np.sort)",
  js: "Float32Array.prototype.sort (on a copy)",
  jax: "jax-js np.sort (wasm)",
} as const;

const sortSuite: Suite = {
  name: "np-sort",
  title: "np.sort of 1e6 float32",
  description:
    "x: 1e6 float32 samples of N(0, 1) (seeded). tracegrad's `np.sort(x)` eagerly and under `jit`; " +
    "`Float32Array.prototype.sort` (numeric, in place) on a copy of x, the copy (`xs.slice()`) made inside the timed " +
    "call, since every other case allocates its output too; jax-js's `jax.numpy.sort` on its wasm device, awaited " +
    "with `blockUntilReady()`, output disposed. Before timing, every output is checked: ascending, and bitwise equal " +
    "to the Float32Array sort's result.",
  options: { warmup: 3, reps: 20 },
  async setup() {
    await loadJax();
    const x = normal(16, [n]);
    const xs = f32(x);
    const jsSort = () => xs.slice().sort();
    const jsort = jit((t: Tensor) => np.sort(t));
    const jx = toJax(x);
    const jaxSort = (t: JArray) => jax.numpy.sort(t);

    const want = jsSort();
    for (let i = 1; i < n; i++)
      if (!(want[i - 1]! <= want[i]!)) throw new Error(`np-sort: Float32Array sort not ascending at ${i}`);
    sameBits("np-sort", sortCases.eager, f32(np.sort(x)), want);
    sameBits("np-sort", sortCases.jit, f32(jsort(x)), want);
    sameBits("np-sort", sortCases.jax, jaxSort(jx.ref).dataSync(), want);
    // the input is unchanged (the JS case sorts a copy)
    sameBits("np-sort", "input after the checks", xs, f32(normal(16, [n])));

    return {
      cases: [
        { name: sortCases.eager, fn: () => np.sort(x) },
        { name: sortCases.jit, fn: () => jsort(x) },
        { name: sortCases.js, fn: jsSort },
        { name: sortCases.jax, fn: jaxCase(jaxSort, jx) },
      ],
      baseline: sortCases.js,
      notes: ["check: every output ascending and bitwise equal to Float32Array.prototype.sort's"],
      summary: (m) => [
        ratioLine(m, "tracegrad eager / Float32Array sort", sortCases.eager, sortCases.js),
        ratioLine(m, "tracegrad jit / Float32Array sort", sortCases.jit, sortCases.js),
        ratioLine(m, "tracegrad eager / jax-js", sortCases.eager, sortCases.jax),
      ],
      targets: [
        {
          label: "np.sort 1e6 (eager) ≤ 1× Float32Array sort",
          kind: "ratio",
          case: sortCases.eager,
          vs: sortCases.js,
          limit: 1,
          reference: sortCases.jax,
        },
        {
          label: "np.sort 1e6 (eager) ≤ 0.5× jax-js np.sort",
          kind: "ratio",
          case: sortCases.eager,
          vs: sortCases.jax,
          limit: 0.5,
          reference: sortCases.jax,
        },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------

const cumsumCases = {
  jit: "tracegrad jit(np.cumsum)",
  eager: "tracegrad eager np.cumsum",
  js: "JS loop, float32 accumulation (Math.fround)",
  jax: "jax-js np.cumsum (wasm)",
} as const;

/** Running sums in float32: one rounding per addition, into a new Float32Array. */
function cumsumLoop(xs: Float32Array): Float32Array {
  const fr = Math.fround;
  const out = new Float32Array(xs.length);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s = fr(s + xs[i]!);
    out[i] = s;
  }
  return out;
}

const cumsumSuite: Suite = {
  name: "np-cumsum",
  title: "np.cumsum of 1e6 float32",
  description:
    "x: 1e6 float32 samples of N(0, 1) (seeded). tracegrad's `jit((t) => np.cumsum(t))` (and eager `np.cumsum` for " +
    "scale) against a hand-written JS loop accumulating in float32 (`s = Math.fround(s + x[i])`) into a new " +
    "Float32Array, and jax-js's `jax.numpy.cumsum` on its wasm device, awaited with `blockUntilReady()`, output " +
    "disposed. Before timing, tracegrad's outputs are checked bitwise equal to the loop's (the same sequential " +
    "float32 sums); jax-js's summation order differs, so it and the loop are both checked against the float64 running " +
    "sums: max |Δ| ≤ 1e-4 × max |running sum| (the errors of both are reported).",
  options: { warmup: 5, reps: 30 },
  async setup() {
    await loadJax();
    const x = normal(17, [n]);
    const xs = f32(x);
    const js = () => cumsumLoop(xs);
    const jcumsum = jit((t: Tensor) => np.cumsum(t));
    const jx = toJax(x);
    const jaxCumsum = (t: JArray) => jax.numpy.cumsum(t);

    const want = js();
    sameBits("np-cumsum", cumsumCases.jit, f32(jcumsum(x)), want);
    sameBits("np-cumsum", cumsumCases.eager, f32(np.cumsum(x)), want);
    const jaxOut = jaxCumsum(jx.ref).dataSync();
    let jaxUnequal = 0;
    for (let i = 0; i < n; i++) if (!Object.is(jaxOut[i], want[i])) jaxUnequal++;
    // float64 running sums: the reference both float32 results are checked against
    const exact = new Float64Array(n);
    let acc = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      acc += xs[i]!;
      exact[i] = acc;
      scale = Math.max(scale, Math.abs(acc));
    }
    const maxAbsErr = (a: ArrayLike<number>): number => {
      let m = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(a[i]! - exact[i]!);
        if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
      }
      return m;
    };
    const [loopErr, jaxErr] = [maxAbsErr(want), maxAbsErr(jaxOut)];
    for (const [what, err] of [
      [cumsumCases.js, loopErr],
      [cumsumCases.jax, jaxErr],
    ] as const)
      if (!(err <= 1e-4 * scale))
        throw new Error(`np-cumsum: ${what} is ${err} from the float64 running sums (max |sum| ${scale})`);

    return {
      cases: [
        { name: cumsumCases.jit, fn: () => jcumsum(x) },
        { name: cumsumCases.eager, fn: () => np.cumsum(x) },
        { name: cumsumCases.js, fn: js },
        { name: cumsumCases.jax, fn: jaxCase(jaxCumsum, jx) },
      ],
      baseline: cumsumCases.js,
      notes: [
        "check: tracegrad jit and eager bitwise equal to the float32 JS loop",
        `check: max |Δ| from the float64 running sums (max |sum| ${scale.toFixed(0)}): float32 loop (and tracegrad) ` +
          `${loopErr.toPrecision(2)}, jax-js ${jaxErr.toPrecision(2)}; jax-js ${jaxUnequal === 0 ? "bitwise equal to the loop" : `differs from the loop in ${jaxUnequal} of ${n} values (another summation order)`}`,
      ],
      summary: (m) => [
        ratioLine(m, "tracegrad jit / JS loop", cumsumCases.jit, cumsumCases.js),
        ratioLine(m, "tracegrad jit / jax-js", cumsumCases.jit, cumsumCases.jax),
      ],
      targets: [
        {
          label: "jit(np.cumsum) 1e6 ≤ 1.5× the float32 JS loop",
          kind: "ratio",
          case: cumsumCases.jit,
          vs: cumsumCases.js,
          limit: 1.5,
          reference: cumsumCases.jax,
        },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------------

const [B, I, J, K, L] = [8, 256, 256, 8, 256];
const M = 256;

const einsumCases = {
  chain: 'np.einsum("bij,bjk,bkl->bil", a, b, c)',
  cheap: "np.matmul(np.matmul(a, b), c)  ((AB)C: cheap)",
  dear: "np.matmul(a, np.matmul(b, c))  (A(BC): expensive)",
  mm: 'np.einsum("ij,jk->ik", p, q) 256×256',
  matmul: "np.matmul(p, q) 256×256",
} as const;

const einsumSuite: Suite = {
  name: "np-einsum",
  title: 'np.einsum: a batched three-operand chain, and "ij,jk->ik" against np.matmul',
  description:
    `a: [${B}, ${I}, ${J}], b: [${B}, ${J}, ${K}], c: [${B}, ${K}, ${L}] float32 samples of N(0, 1) (seeded). ` +
    `(AB)C costs ${((B * I * J * K + B * I * K * L) / 1e6).toFixed(1)} M multiply-adds, A(BC) ` +
    `${((B * J * K * L + B * I * J * L) / 1e6).toFixed(1)} M: einsum should pick the cheap order (its greedy path). ` +
    `Second, einsum("ij,jk->ik") of two ${M}×${M} matrices against np.matmul. All eager. Before timing, every ` +
    "chain output is checked against (AB)C (max |Δ| / max(1, |ref|) ≤ 1e-4), and the einsum matmul against " +
    "np.matmul (the same, bitwise equality reported). Calls take about a millisecond: 200 samples per case. The ratio " +
    "column is to (AB)C for every row; einsum against np.matmul is in the summary.",
  options: { warmup: 20, reps: 200 },
  setup() {
    const a = normal(21, [B, I, J]);
    const b = normal(22, [B, J, K]);
    const c = normal(23, [B, K, L]);
    const p = normal(24, [M, M]);
    const q = normal(25, [M, M]);
    const chain = () => np.einsum("bij,bjk,bkl->bil", a, b, c);
    const cheap = () => np.matmul(np.matmul(a, b), c);
    const dear = () => np.matmul(a, np.matmul(b, c));
    const mm = () => np.einsum("ij,jk->ik", p, q);
    const matmul = () => np.matmul(p, q);

    const ref = f32(cheap());
    for (const [what, out] of [
      [einsumCases.chain, chain()],
      [einsumCases.dear, dear()],
    ] as const) {
      if (out.shape.join() !== [B, I, L].join()) throw new Error(`np-einsum: ${what}: shape ${out.shape}`);
      const d = maxRelDiff(f32(out), ref);
      if (!(d <= 1e-4)) throw new Error(`np-einsum: ${what} differs from (AB)C by ${d} (relative)`);
    }
    const mmOut = f32(mm());
    const mmRef = f32(matmul());
    const dmm = maxRelDiff(mmOut, mmRef);
    if (!(dmm <= 1e-4)) throw new Error(`np-einsum: einsum matmul differs from np.matmul by ${dmm} (relative)`);
    let mmBitwise = true;
    for (let i = 0; i < mmOut.length; i++) if (!Object.is(mmOut[i], mmRef[i])) mmBitwise = false;
    const path = JSON.stringify(np.einsumPath("bij,bjk,bkl->bil", [B, I, J], [B, J, K], [B, K, L]));

    return {
      cases: [
        { name: einsumCases.chain, fn: chain },
        { name: einsumCases.cheap, fn: cheap },
        { name: einsumCases.dear, fn: dear },
        { name: einsumCases.mm, fn: mm },
        { name: einsumCases.matmul, fn: matmul },
      ],
      baseline: einsumCases.cheap,
      notes: [
        `np.einsumPath for these shapes: ${path}`,
        "check: the einsum chain and A(BC) within 1e-4 (relative) of (AB)C",
        `check: einsum("ij,jk->ik") ${mmBitwise ? "bitwise equal to" : `within ${dmm.toPrecision(2)} (relative) of`} np.matmul`,
      ],
      summary: (m) => [
        ratioLine(m, "einsum chain / (AB)C", einsumCases.chain, einsumCases.cheap),
        ratioLine(m, "einsum chain / A(BC)", einsumCases.chain, einsumCases.dear),
        ratioLine(m, "einsum matmul / np.matmul", einsumCases.mm, einsumCases.matmul),
      ],
      targets: [
        {
          label: "einsum three-operand chain ≈ the cheap association (≤ 1.1× (AB)C)",
          kind: "ratio",
          case: einsumCases.chain,
          vs: einsumCases.cheap,
          limit: 1.1,
        },
        {
          label: 'einsum("ij,jk->ik") 256×256 ≤ 1.1× np.matmul',
          kind: "ratio",
          case: einsumCases.mm,
          vs: einsumCases.matmul,
          limit: 1.1,
        },
      ],
    };
  },
};

export const numpySuites: Suite[] = [sortSuite, cumsumSuite, einsumSuite];
