// The typed errors every public entry point throws; each message says what, where, and what to do instead.

/** Base class of every error tracegrad throws. */
export class TracegradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Incompatible shapes; the message names the operation and every shape involved. */
export class ShapeError extends TracegradError {}

/** A dtype problem: differentiating with respect to an integer input, an integer output, a bad dtype name. */
export class DTypeError extends TracegradError {}

/** A traced value was used where a concrete JS value is needed. */
export class ConcretizationError extends TracegradError {}

/** A tracer that escaped the transform that created it was used after that transform ended. */
export class UnexpectedTracerError extends TracegradError {}

/** `grad` of a function whose output is not a float scalar. */
export class GradientError extends TracegradError {}

/** Thrown by `checkGrads` when analytic and numerical derivatives disagree. */
export class GradientCheckError extends TracegradError {}

/** Formats a shape the way messages print it: `[2, 3]`. */
export const fmtShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
