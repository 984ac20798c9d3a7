// What a boundary check returns, and where the value it checked was passed (shared by validate.ts and nested.ts).
import type * as E from "fp-ts/Either";
import type { TracegradError } from "./errors.js";

/** Where a value was passed: the function (as users call it) and the argument's name. */
export interface At {
  readonly fn: string;
  readonly arg: string;
}

/** A checked value, or the typed error that says what is wrong with it. */
export type Checked<A> = E.Either<TracegradError, A>;
