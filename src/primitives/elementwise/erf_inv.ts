// erf_inv: the inverse error function on (−1, 1), ±∞ at ±1, NaN beyond. float32 follows XLA's float32 evaluation of
// Giles' single-precision fit step by step (so it agrees with JAX to an ulp or two); float64 uses Giles'
// double-precision fit with 1 − |x| kept exact (relative error < 1e-15). Long float32 arrays run in the eager
// backend's WebAssembly SIMD kernel where it is ready (wasm/erf_inv.ts), with the same bits as the JS kernel.
import { allocateFilledLater } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import { bind1 } from "../../ir/trace.js";
import { vectorized } from "../batching.js";
import { fullLike } from "../constants.js";
import { definePrimitive, formula } from "../define.js";
import { eagerBackend } from "../eager_backend.js";
import { data, mapUnary } from "../kernels.js";
import { elementwise, elementwiseTesting, type NoParams } from "../shape_rules.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { erfInv32Array, erfInv64 } from "./special_math.js";

export const erfInvP = definePrimitive<NoParams>({
  name: "erf_inv",
  abstractEval: elementwise("erf_inv", "float"),
  impl: ([x], _, out) => {
    if (out.dtype !== "float32") return mapUnary(x!, out, erfInv64);
    const d = allocateFilledLater("float32", out.size) as Float32Array;
    const src = data(x!);
    const b = eagerBackend();
    if (!(src instanceof Float32Array && b?.erfInv32 && b.ready() && b.erfInv32(src, d))) erfInv32Array(src, d);
    return Tensor._of(d, out.shape, "float32");
  },
  // d erf⁻¹ x = √π/2 · e^(erf⁻¹(x)²)·dx
  ad: formula((t, _, out) => mul(t, mul(fullLike(out, Math.sqrt(Math.PI) / 2), exp(mul(out, out))))),
  batch: vectorized,
  testing: elementwiseTesting(1, { domain: [-0.9, 0.9] }),
});

export const erfInv = (x: Tensor): Tensor => bind1(erfInvP, [x], {});
