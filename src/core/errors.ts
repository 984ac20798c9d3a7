// The typed errors every public entry point throws; each message says what, where, and what to do instead.

/**
 * Base class of every error tracegrad throws; `name` is the subclass name.
 * @example np.take([1, 2], [5]) // throws TracegradError: index 5 is out of bounds for axis 0 with size 2
 */
export class TracegradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Incompatible shapes; the message names the operation and every shape involved.
 * @example np.add(np.ones([2]), np.ones([3]))
 * // throws ShapeError: np.add: shapes [2] and [3] cannot be broadcast together
 */
export class ShapeError extends TracegradError {}

/**
 * A dtype problem: differentiating with respect to an integer input, an integer output, a bad dtype name.
 * @example grad((x: Tensor) => x.sum())(np.arange(3)) // throws DTypeError: grad: argument 0 has dtype int32
 */
export class DTypeError extends TracegradError {}

/**
 * A traced value was used where a concrete JS value is needed (while jit, makeJaxpr or vmap traces); use np.where
 * instead of JS control flow.
 * @example makeJaxpr((x: Tensor) => (+x > 0 ? x : x.neg()))(1) // throws ConcretizationError: needs a concrete value
 */
export class ConcretizationError extends TracegradError {}

/**
 * A tracer that escaped the transform that created it was used after that transform ended.
 * @example const kept: Tensor[] = []; grad((x: Tensor) => (kept.push(x), x.sum()))(1)
 * kept[0]!.add(1) // throws UnexpectedTracerError
 */
export class UnexpectedTracerError extends TracegradError {}

/**
 * `grad` of a function whose output is not a scalar (or is a pytree); the message suggests `.sum()` or `jacrev`.
 * @example grad((x: Tensor) => x.mul(2))(np.ones([2]))
 * // throws GradientError: must return a scalar (shape []), got shape [2]
 */
export class GradientError extends TracegradError {}

/**
 * Thrown by `checkGrads` when analytic and numerical derivatives disagree; the message gives both.
 * @example checkGrads((x: Tensor) => stopGradient(x).mul(x), [0.5])
 * // throws GradientCheckError: disagrees with finite differences
 */
export class GradientCheckError extends TracegradError {}

/** Formats a shape the way messages print it: `[2, 3]`. */
export const fmtShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
