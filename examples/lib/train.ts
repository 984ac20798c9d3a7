// The training step of the examples: loss and gradient, the optimizer's update, the new params — a function of
// (params, optimizer state, ...data) to put under one `jit`, so the state is an argument and one compile serves
// every step.
import { type GradientTransformation, optim, type Tensor, valueAndGrad } from "tracegrad";

/** `loss(params, ...data)`'s step under `optimizer`: `{ params, state, loss }` after one update. */
export function trainStep<P, A extends unknown[], S>(
  optimizer: GradientTransformation<S>,
  loss: (params: P, ...data: A) => Tensor,
): (params: P, state: S, ...data: A) => { params: P; state: S; loss: Tensor } {
  const lossAndGrad = valueAndGrad(loss as (params: P, ...data: unknown[]) => Tensor) as unknown as (
    params: P,
    ...data: A
  ) => [Tensor, P];
  return (params, state, ...data) => {
    const [value, grads] = lossAndGrad(params, ...data);
    const [updates, next] = optimizer.update(grads, state, params);
    return { params: optim.applyUpdates(params, updates), state: next, loss: value };
  };
}
