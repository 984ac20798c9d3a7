// Adam for the examples, on any pytree of tensors: `tree.map` and np ops only, so a step runs inside `jit`.
import { np, type Tensor, tree } from "tracegrad";

/** Adam's hyperparameters: learning rate η, moment decay rates β₁ and β₂, and ε. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Adam's state before the first step: zero moments `m` and `v` shaped like `params`. */
export function adamInit<P>(params: P): { m: P; v: P } {
  const zeros = () => tree.map((x: Tensor) => np.zerosLike(x), params) as P;
  return { m: zeros(), v: zeros() };
}

/**
 * Step `t` (from 1, a tensor so that one trace serves every step) of Adam on params `p` with gradient `g`:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 * Returns the new params and moments.
 */
export function adamUpdate<P>(p: P, m: P, v: P, g: P, t: Tensor, opts: AdamOptions): { params: P; m: P; v: P } {
  const { lr, beta1, beta2, eps } = opts;
  const m2 = tree.map((mi: Tensor, gi: Tensor) => mi.mul(beta1).add(gi.mul(1 - beta1)), m, g) as P;
  const v2 = tree.map((vi: Tensor, gi: Tensor) => vi.mul(beta2).add(gi.mul(gi).mul(1 - beta2)), v, g) as P;
  const c1 = np.subtract(1, np.power(beta1, t)); // bias corrections 1 − βᵗ
  const c2 = np.subtract(1, np.power(beta2, t));
  const update = (pi: Tensor, mi: Tensor, vi: Tensor) =>
    pi.sub(
      mi
        .div(c1)
        .mul(lr)
        .div(np.sqrt(vi.div(c2)).add(eps)),
    );
  return { params: tree.map(update, p, m2, v2) as P, m: m2, v: v2 };
}
