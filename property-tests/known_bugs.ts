// KNOWN_BUGS: properties that fail because of a library bug, keyed "<law> / <subject>"; delete an entry once its bug is fixed.
import { runKnownBugs } from "./config.js";

/** Each entry names the failing property and says what is wrong (see the report for the minimal repro). */
export const KNOWN_BUGS: Readonly<Record<string, string>> = {};

/** The bug excluding this property, if any (none when RUN_KNOWN_BUGS=1). */
export const knownBug = (law: string, subject: string): string | undefined =>
  runKnownBugs() ? undefined : KNOWN_BUGS[`${law} / ${subject}`];
