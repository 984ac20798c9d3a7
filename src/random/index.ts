// The `random` namespace: JAX's counter-based PRNG with explicit keys (jax.random). Keys are uint32 [2] tensors;
// every sampler is a composition of primitives, so it runs eagerly and under jit, vmap and grad alike.
import { beta, dirichlet, gamma, loggamma } from "./gamma.js";
import { categorical, rademacher, randint } from "./integers.js";
import { bits, foldIn, key, split } from "./key.js";
import { ball, multivariateNormal, orthogonal } from "./multivariate.js";
import { poisson } from "./poisson.js";
import { choice, permutation } from "./shuffle.js";
import {
  bernoulli,
  cauchy,
  exponential,
  gumbel,
  laplace,
  logistic,
  normal,
  truncatedNormal,
  uniform,
} from "./uniform.js";

/**
 * JAX's PRNG: `key(seed)`, `split`, `foldIn`, `bits` and samplers taking a key first, with JAX's numbers.
 * @example const [k1, k2] = random.split(random.key(0)); random.normal(k1, [3]).shape // [3]
 */
export const random = {
  key,
  split,
  foldIn,
  bits,
  uniform,
  normal,
  truncatedNormal,
  bernoulli,
  randint,
  categorical,
  gumbel,
  exponential,
  laplace,
  logistic,
  cauchy,
  rademacher,
  permutation,
  choice,
  gamma,
  loggamma,
  beta,
  dirichlet,
  poisson,
  multivariateNormal,
  orthogonal,
  ball,
};
