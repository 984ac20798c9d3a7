// tracegrad's public API: re-exports, after connecting the layers (install.ts).
import { install } from "./install.js";

install();

export { type JitOptions, type Jitted, jit, type Lowered } from "./compile/jit.js";
export { ShapedArray } from "./core/aval.js";
export type { DType } from "./core/dtype.js";
export {
  ConcretizationError,
  DTypeError,
  GradientCheckError,
  GradientError,
  ShapeError,
  TracegradError,
  UnexpectedTracerError,
} from "./core/errors.js";
export { type ArrayLike, type AtUpdate, type Index, type ReduceOpts, Tensor } from "./core/tensor.js";
export {
  type Leaf,
  type Loose,
  type LooseArgs,
  type LooseAt,
  type TensorTree,
  type TreeDef,
  tree,
} from "./core/tree.js";
export {
  type CheckpointOptions,
  type CheckpointPolicy,
  checkpoint,
  checkpoint as remat,
} from "./higher_order/checkpoint.js";
export { type CustomJvpFunction, customJvp } from "./higher_order/custom_jvp.js";
export { type CustomVjpFunction, customVjp } from "./higher_order/custom_vjp.js";
export { type Atom, ClosedJaxpr, type Eqn, Jaxpr, Lit, Var } from "./ir/jaxpr.js";
export { lax, stopGradient } from "./lax.js";
export { nn } from "./nn/index.js";
export type { AvgPoolOptions, PoolOptions, PoolPadding } from "./nn/pooling.js";
export { np } from "./numpy/index.js";
export {
  type AdamOptions,
  type AdamWOptions,
  type ApplyIfFiniteState,
  type EmaState,
  type GradientTransformation,
  type InjectHyperparamsState,
  type MultiStepsState,
  optim,
  type ScaleByAdamState,
  type Schedule,
  type SgdOptions,
  type TraceState,
  type ZeroNansState,
} from "./optim/index.js";
export { random } from "./random/index.js";
export { scipy } from "./scipy/index.js";
export { type GradOf, type GradOptions, grad, jvp, linearize, valueAndGrad, vjp } from "./transforms/autodiff.js";
export { type CheckGradsOptions, checkGrads } from "./transforms/check_grads.js";
export { hessian, type JacOptions, type JacobianOf, jacfwd, jacrev } from "./transforms/jacobian.js";
export { evalJaxpr, makeJaxpr, typecheckJaxpr } from "./transforms/make_jaxpr.js";
export { type AxisSpec, type VmapOptions, vmap } from "./transforms/vmap.js";
