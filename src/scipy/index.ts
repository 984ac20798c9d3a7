// The `scipy` namespace, as jax.scipy: special functions and statistical distributions.
import { linalg } from "./linalg.js";
import { special } from "./special.js";
import { stats } from "./stats.js";

/**
 * jax.scipy's special functions and distributions.
 * @example scipy.special.ndtri(0.5) // Tensor(0, dtype=float32)
 * scipy.stats.norm.cdf(0) // Tensor(0.5, dtype=float32)
 */
export const scipy = { special, stats, linalg };
