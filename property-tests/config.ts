// Run settings shared by the property tests: fixed seeds (overridable for exploration) and the known-bug switch.

/** The fixed seed of a suite, or PROPERTY_SEED from the environment when exploring other cases. */
export const seed = (fixed: number): number => {
  const env = process.env.PROPERTY_SEED;
  return env === undefined || env === "" ? fixed : Number(env);
};

/** RUN_KNOWN_BUGS=1 runs the properties listed in KNOWN_BUGS instead of skipping them (to see whether a fix landed). */
export const runKnownBugs = (): boolean => process.env.RUN_KNOWN_BUGS === "1";

/** A suite's run count, times PROPERTY_RUNS_SCALE from the environment (e.g. 20 for a long exploratory run). */
export const runs = (n: number): number => Math.max(1, Math.round(n * Number(process.env.PROPERTY_RUNS_SCALE || 1)));
