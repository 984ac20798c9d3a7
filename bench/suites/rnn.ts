// The Elman RNN of the control-flow suites: h_t = tanh(x_t W + h_{t−1} U + b), h_0 = 0, a linear readout o_t = h_t v
// and the loss mean over steps and batch of (o_t − y_t)², in three forms: tracegrad with lax.scan, tracegrad as a JS
// for-loop (unrolled when traced by jit), and a hand-written float32 BPTT (forward and backward by hand, plain loops).
import { lax, np, type Tensor } from "tracegrad";
import { normal } from "./data.js";

export interface RnnDims {
  /** Time steps. */
  T: number;
  /** Batch. */
  B: number;
  /** Input features. */
  D: number;
  /** Hidden units. */
  H: number;
}
export type RnnParams = { W: Tensor; U: Tensor; b: Tensor; v: Tensor };
export const rnnKeys = ["W", "U", "b", "v"] as const;

/** Seeded parameters (W: D×H, U: H×H scaled by 1/√fan-in, b, v), inputs xs [T, B, D] ~ N(0, 1), targets ys [T, B]. */
export function rnnData({ T, B, D, H }: RnnDims, seed = 100): { params: RnnParams; xs: Tensor; ys: Tensor } {
  return {
    params: {
      W: normal(seed + 1, [D, H], 1 / Math.sqrt(D)),
      U: normal(seed + 2, [H, H], 1 / Math.sqrt(H)),
      b: normal(seed + 3, [H], 0.1),
      v: normal(seed + 4, [H], 1 / Math.sqrt(H)),
    },
    xs: normal(seed + 5, [T, B, D]),
    ys: normal(seed + 6, [T, B]),
  };
}

const cell = (p: RnnParams, h: Tensor, x: Tensor): Tensor => np.tanh(np.matmul(x, p.W).add(np.matmul(h, p.U)).add(p.b));
/** Σ over the batch of the squared readout error of one step. */
const stepError = (p: RnnParams, h: Tensor, y: Tensor): Tensor => {
  const e = np.matmul(h, p.v).sub(y);
  return np.sum(e.mul(e));
};

/** The loss with lax.scan over time: the carry is h, each step emits its summed squared error. */
export function scanLoss(p: RnnParams, xs: Tensor, ys: Tensor): Tensor {
  const [T, B] = xs.shape as [number, number];
  const h0 = np.zeros([B, p.U.shape[0]!]);
  const [, errs] = lax.scan(
    (h: Tensor, [x, y]: [Tensor, Tensor]) => {
      const h2 = cell(p, h, x);
      return [h2, stepError(p, h2, y)] as const;
    },
    h0,
    [xs, ys],
  );
  return np.sum(errs).div(T * B);
}

/** The same loss as a JS for-loop over time: under jit, T copies of the step in one program. */
export function unrolledLoss(p: RnnParams, xs: Tensor, ys: Tensor): Tensor {
  const [T, B] = xs.shape as [number, number];
  let h = np.zeros([B, p.U.shape[0]!]);
  let total = np.array(0);
  for (let t = 0; t < T; t++) {
    h = cell(p, h, xs.slice(t));
    total = total.add(stepError(p, h, ys.slice(t)));
  }
  return total.div(T * B);
}

export interface HandParams {
  W: Float32Array;
  U: Float32Array;
  b: Float32Array;
  v: Float32Array;
}
export interface HandResult extends HandParams {
  loss: number;
}

export const handParams = (p: RnnParams): HandParams => ({
  W: p.W.toTypedArray() as Float32Array,
  U: p.U.toTypedArray() as Float32Array,
  b: p.b.toTypedArray() as Float32Array,
  v: p.v.toTypedArray() as Float32Array,
});

/**
 * A hand-written backpropagation through time for fixed dims: float32 storage (Float32Array), the arithmetic of each
 * expression in doubles. Forward stores every h_t and readout error; backward walks t = T−1 … 0 accumulating dW, dU,
 * db, dv and carrying dh. All row-major, innermost loops over contiguous rows (the i-k-j order of matmul), four rows of
 * the reduction per pass so that each output row is read and written once per four multiply-adds; the matrices
 * (U: 64 KiB) stay in cache. Buffers for h and the errors are allocated once; the gradients are fresh per call.
 */
export function makeHandBptt({
  T,
  B,
  D,
  H,
}: RnnDims): (p: HandParams, xs: Float32Array, ys: Float32Array) => HandResult {
  if (B % 4 || D % 4 || H % 4) throw new Error("makeHandBptt: B, D and H must be multiples of 4");
  const BH = B * H;
  const hs = new Float32Array((T + 1) * BH); // h_0 = 0, h_1 … h_T
  const es = new Float32Array(T * B); // readout errors o_t − y_t
  const da = new Float32Array(BH); // ∂loss/∂(pre-activation) of the current step
  const dh = new Float32Array(BH); // ∂loss/∂h_t from the later steps
  return (p, xs, ys) => {
    const { W, U, b, v } = p;
    const dW = new Float32Array(D * H);
    const dU = new Float32Array(H * H);
    const db = new Float32Array(H);
    const dv = new Float32Array(H);
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const hp = t * BH;
      const hc = hp + BH;
      for (let r = 0; r < B; r++) {
        const ar = hc + r * H;
        hs.set(b, ar);
        const xr = (t * B + r) * D;
        for (let k = 0; k < D; k += 4) {
          const x0 = xs[xr + k]!;
          const x1 = xs[xr + k + 1]!;
          const x2 = xs[xr + k + 2]!;
          const x3 = xs[xr + k + 3]!;
          const w0 = k * H;
          const w1 = w0 + H;
          const w2 = w1 + H;
          const w3 = w2 + H;
          for (let j = 0; j < H; j++)
            hs[ar + j] += x0 * W[w0 + j]! + x1 * W[w1 + j]! + x2 * W[w2 + j]! + x3 * W[w3 + j]!;
        }
        const hr = hp + r * H;
        for (let k = 0; k < H; k += 4) {
          const h0 = hs[hr + k]!;
          const h1 = hs[hr + k + 1]!;
          const h2 = hs[hr + k + 2]!;
          const h3 = hs[hr + k + 3]!;
          const u0 = k * H;
          const u1 = u0 + H;
          const u2 = u1 + H;
          const u3 = u2 + H;
          for (let j = 0; j < H; j++)
            hs[ar + j] += h0 * U[u0 + j]! + h1 * U[u1 + j]! + h2 * U[u2 + j]! + h3 * U[u3 + j]!;
        }
        let o = 0;
        for (let j = 0; j < H; j++) {
          const h = Math.tanh(hs[ar + j]!);
          hs[ar + j] = h;
          o += h * v[j]!;
        }
        const e = Math.fround(Math.fround(o) - ys[t * B + r]!);
        es[t * B + r] = e;
        loss += e * e;
      }
    }
    const scale = 2 / (T * B);
    dh.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const hc = (t + 1) * BH;
      const hp = t * BH;
      // da = (dh + ∂e_t/∂h_t) ⊙ (1 − h_t²); dv += Σ_r ge_r h_t[r]; db += Σ_r da[r]
      for (let r = 0; r < B; r++) {
        const ge = scale * es[t * B + r]!;
        const o = r * H;
        const hr = hc + o;
        for (let j = 0; j < H; j++) {
          const h = hs[hr + j]!;
          dv[j] += ge * h;
          const d = (dh[o + j]! + ge * v[j]!) * (1 - h * h);
          da[o + j] = d;
          db[j] += d;
        }
      }
      // dW += x_tᵀ da and dU += h_{t−1}ᵀ da, four batch rows per pass
      for (let r = 0; r < B; r += 4) {
        const a0 = r * H;
        const a1 = a0 + H;
        const a2 = a1 + H;
        const a3 = a2 + H;
        const x0 = (t * B + r) * D;
        const x1 = x0 + D;
        const x2 = x1 + D;
        const x3 = x2 + D;
        for (let k = 0; k < D; k++) {
          const c0 = xs[x0 + k]!;
          const c1 = xs[x1 + k]!;
          const c2 = xs[x2 + k]!;
          const c3 = xs[x3 + k]!;
          const w = k * H;
          for (let j = 0; j < H; j++)
            dW[w + j] += c0 * da[a0 + j]! + c1 * da[a1 + j]! + c2 * da[a2 + j]! + c3 * da[a3 + j]!;
        }
        if (t === 0) continue; // h_0 = 0
        const h0 = hp + r * H;
        const h1 = h0 + H;
        const h2 = h1 + H;
        const h3 = h2 + H;
        for (let i = 0; i < H; i++) {
          const c0 = hs[h0 + i]!;
          const c1 = hs[h1 + i]!;
          const c2 = hs[h2 + i]!;
          const c3 = hs[h3 + i]!;
          const u = i * H;
          for (let j = 0; j < H; j++)
            dU[u + j] += c0 * da[a0 + j]! + c1 * da[a1 + j]! + c2 * da[a2 + j]! + c3 * da[a3 + j]!;
        }
      }
      if (t === 0) break;
      // dh_{t−1} = da Uᵀ: dot products of contiguous rows, four partial sums
      for (let r = 0; r < B; r++) {
        const o = r * H;
        for (let i = 0; i < H; i++) {
          const u = i * H;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let j = 0; j < H; j += 4) {
            s0 += da[o + j]! * U[u + j]!;
            s1 += da[o + j + 1]! * U[u + j + 1]!;
            s2 += da[o + j + 2]! * U[u + j + 2]!;
            s3 += da[o + j + 3]! * U[u + j + 3]!;
          }
          dh[o + i] = s0 + s1 + s2 + s3;
        }
      }
    }
    return { loss: loss / (T * B), W: dW, U: dU, b: db, v: dv };
  };
}
