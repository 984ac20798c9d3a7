// The registry: every primitive, first-order (listed in primitives/first_order.ts) and those that carry jaxprs (listed
// here). Property tests iterate it, so a primitive added to either list is covered by every law.
import type { Primitive } from "../ir/jaxpr.js";
import { firstOrderPrimitives } from "../primitives/first_order.js";
import { checkpointP } from "./checkpoint.js";
import { condP } from "./cond.js";
import { customJvpCallP } from "./custom_jvp.js";
import { customVjpCallP } from "./custom_vjp.js";
import { jitP } from "./jit_call.js";
import { scanP } from "./scan.js";
import { whileP } from "./while_loop.js";

export const primitives: readonly Primitive[] = [
  ...firstOrderPrimitives,
  jitP,
  condP,
  whileP,
  scanP,
  customJvpCallP,
  customVjpCallP,
  checkpointP,
];
