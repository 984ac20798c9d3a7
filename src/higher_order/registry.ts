// The one list of every primitive, first-order (primitives/registry.ts) and those that carry jaxprs: property tests
// iterate it, so a primitive added to either list is covered by every law.
import type { Primitive } from "../ir/jaxpr.js";
import { firstOrderPrimitives } from "../primitives/registry.js";
import { jitP } from "./jit_call.js";

export const primitives: readonly Primitive[] = [...firstOrderPrimitives, jitP as Primitive];
