// Where lower layers call up. Each interface below is defined by the lower layer, which calls it, and provided by a
// layer above; they are connected here, once, when the library loads (index.ts calls install()).
import { compilers, executable } from "./compile/executable.js";
import { installTensorOps } from "./core/tensor.js";
import { provideBodyCompiler, provideCallRunner } from "./higher_order/jit_call.js";
import { tensorOps } from "./numpy/index.js";
import { provideEagerBackend } from "./primitives/eager_backend.js";
import { wasmEagerBackend } from "./wasm/eager.js";

export function install(): void {
  // core: Tensor's methods (x.add(y), x.sum()) are the np functions
  installTensorOps(tensorOps);
  // primitives: eager kernels for long float32 arrays and float32 matmul come from the WebAssembly backend
  provideEagerBackend(wasmEagerBackend);
  // higher_order: a jit call runs its compiled executable
  provideCallRunner((jaxpr, float32, args) => executable(jaxpr, float32)(args));
  // higher_order: loops run eagerly run their bodies compiled, rounding float32 as eager kernels do
  provideBodyCompiler(compilers.exact);
}
