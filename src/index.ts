// tracegrad's public API: re-exports, after connecting the layers (install.ts).
import { install } from "./install.js";

install();

export { Tensor, type ArrayLike, type ReduceOpts, type Index, type AtUpdate } from "./core/tensor.js";
export type { DType } from "./core/dtype.js";
export {
  TracegradError,
  ShapeError,
  DTypeError,
  ConcretizationError,
  UnexpectedTracerError,
  GradientError,
  GradientCheckError,
} from "./core/errors.js";
export {
  tree,
  type TreeDef,
  type TensorTree,
  type Leaf,
  type Loose,
  type LooseArgs,
  type LooseAt,
} from "./core/tree.js";
export { np } from "./numpy/index.js";
export { nn } from "./nn/index.js";
export { lax } from "./lax.js";
export { stopGradient } from "./primitives/index.js";
export { jvp, vjp, grad, valueAndGrad, linearize, type GradOf, type GradOptions } from "./transforms/autodiff.js";
export { jacfwd, jacrev, hessian, type JacOptions, type JacobianOf } from "./transforms/jacobian.js";
export { makeJaxpr } from "./transforms/make_jaxpr.js";
export { vmap, type VmapOptions, type AxisSpec } from "./transforms/vmap.js";
export { jit, type JitOptions, type Jitted, type Lowered } from "./compile/jit.js";
export { checkGrads, type CheckGradsOptions } from "./transforms/check_grads.js";
export { ClosedJaxpr, Jaxpr, Var, Lit, type Eqn, type Atom } from "./ir/jaxpr.js";
export { evalJaxpr } from "./ir/eval.js";
export { typecheckJaxpr } from "./ir/typecheck.js";
export { ShapedArray } from "./core/aval.js";
