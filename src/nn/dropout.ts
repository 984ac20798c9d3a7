// Inverted dropout from a PRNG key: keep each entry with probability 1 − rate and scale the kept ones by 1/(1 − rate).

import { TracegradError } from "../core/errors.js";
import { array, number } from "../core/params.js";
import type { ArrayLike, Tensor } from "../core/tensor.js";
import { guard } from "../core/validate.js";
import { asTensor } from "../numpy/convert.js";
import * as np from "../numpy/elementwise.js";
import * as lax from "../primitives/index.js";
import { keyParam } from "../random/key.js";
import { bernoulli } from "../random/uniform.js";

/**
 * Inverted dropout: each entry of `x` is kept with probability 1 − rate (a `random.bernoulli` draw from `key`) and
 * divided by 1 − rate, else 0. `rate` is a JS number in [0, 1]: 0 returns `x`, 1 returns zeros (no NaN).
 * @example nn.dropout(random.key(0), np.ones([4]), 0.5) // entries 0 or 2
 */
export const dropout: (key: Tensor, x: ArrayLike, rate: number) => Tensor = guard(
  "nn.dropout",
  [keyParam(), array("x"), number("rate")],
  (key: Tensor, x: ArrayLike, rate: number) => {
    if (!(rate >= 0 && rate <= 1)) throw new TracegradError(`nn.dropout: rate must be in [0, 1], got ${rate}`);
    const t0 = asTensor(x);
    const t = t0.dtype === "float32" || t0.dtype === "float64" ? t0 : lax.convertElementType(t0, "float32");
    if (rate === 0) return t;
    if (rate === 1) return lax.zerosLike(t);
    const keep = bernoulli(key, 1 - rate, t.shape);
    return np.where(keep, np.divide(t, 1 - rate), 0);
  },
);
