// Runs fuzz_run.ts in child processes; a call that hangs or eats memory is killed and reported, and the run goes on.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./fuzz_run.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let bundleDir: string | undefined;
let command: Promise<string[]> | undefined;
/**
 * Node's arguments to start the runner: a bundle esbuild (the build's own bundler) makes once, which starts in a
 * fraction of the time tsx takes, or the sources through tsx when esbuild is not there.
 */
function runnerCommand(): Promise<string[]> {
  command ??= (async () => {
    try {
      const esbuild = await import("esbuild");
      bundleDir = mkdtempSync(join(tmpdir(), "tracegrad-fuzz-"));
      const outfile = join(bundleDir, "fuzz_run.mjs");
      const options = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "silent" } as const;
      await esbuild.build({ ...options, entryPoints: [RUNNER], outfile });
      return [outfile];
    } catch {
      return ["--import", "tsx", RUNNER];
    }
  })();
  return command;
}

/** Removes the bundle, if one was made. */
export function removeBundle(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = undefined;
  command = undefined;
}

/** What one item (a target, or a hang candidate) came to: its failures, calls, and what it covered. */
export interface TargetReport {
  name: string;
  failures: string[];
  calls: number;
  kinds: string[];
  junk: string[];
}

/**
 * Limits of one call. CPU time, not the clock, decides a hang, so a busy machine does not make a slow call look hung;
 * the clock decides only for a call that stalls without using CPU.
 */
export interface WatchOptions {
  /** Most CPU time a single call may use (wall-clock time where /proc is not available). */
  readonly callMs: number;
  /** Longest a single call may take by the clock (a stall that uses no CPU). */
  readonly stallMs: number;
  /** Largest resident set the child may reach. */
  readonly maxRssBytes: number;
  /** Time to load the library before the first call. */
  readonly startMs: number;
}

/** One child process, from item `from` on. */
interface Leg {
  reports: TargetReport[];
  /** Set when the child was killed or died before finishing: the item it was on. */
  stoppedAt?: number;
}

/** Resident set size of a process (Linux; 0 where /proc is not available). */
function rssOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * 4096;
  } catch {
    return 0;
  }
}

/** CPU time a process has used, user and system, in ms (Linux, 100 clock ticks a second; else undefined). */
function cpuMsOf(pid: number): number | undefined {
  try {
    // the fields after the command (which may hold spaces) start at the state, field 3; utime and stime are 14, 15
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** JSON from the child; `otherwise` for a line cut short (the child was killed while writing it). */
function parsed(text: string, otherwise: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return otherwise;
  }
}

const newReport = (name: string): TargetReport => ({ name, failures: [], calls: 0, kinds: [], junk: [] });

/** Which items a child runs: those whose index is `shard` modulo `shards`. */
export interface Shard {
  readonly shard: number;
  readonly shards: number;
}

function runLeg(start: readonly string[], mode: string, from: number, part: Shard, opts: WatchOptions): Promise<Leg> {
  return new Promise((resolve) => {
    const args = [...start, mode, String(from), String(part.shard), String(part.shards)];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, FUZZ_FD: "3" },
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    const leg: Leg = { reports: [] };
    // before the first item, failures belong to the run itself
    let report = newReport("(loading the library)");
    let index = from;
    let call = "(no call yet)";
    let last = Date.now();
    let lines = 0;
    let seen = -1;
    let cpuAtLine: number | undefined;
    let started = false;
    let done = false;
    let killedFor: string | undefined;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    createInterface({ input: child.stdio[3] as Readable }).on("line", (line) => {
      last = Date.now();
      lines++;
      started = true;
      const space = line.indexOf(" ");
      const [tag, rest] = space < 0 ? [line, ""] : [line.slice(0, space), line.slice(space + 1)];
      const tab = rest.indexOf("\t");
      if (tag === "START") {
        index = Number(rest.slice(0, tab));
        report = newReport(rest.slice(tab + 1));
        leg.reports.push(report);
        call = "(no call yet)";
      } else if (tag === "CALL") {
        call = rest.slice(tab + 1);
        report.calls++;
      } else if (tag === "FAIL") report.failures.push(parsed(rest, rest) as string);
      else if (tag === "COVERED") Object.assign(report, parsed(rest, {}) as Pick<TargetReport, "kinds" | "junk">);
      else if (tag === "DONE") done = true;
    });
    const timer = setInterval(() => {
      if (child.pid === undefined) return;
      const cpu = cpuMsOf(child.pid);
      // a new line since the last tick starts the CPU count of the call now running
      if (lines !== seen) [seen, cpuAtLine] = [lines, cpu];
      const byClock = cpu === undefined || cpuAtLine === undefined;
      const used = byClock ? Date.now() - last : cpu - cpuAtLine!;
      const spent = byClock ? `took ${Math.round(used)} ms` : `used ${Math.round(used)} ms of CPU`;
      const rss = rssOf(child.pid);
      if (!started && Date.now() - last > opts.startMs) killedFor = `did not load within ${opts.startMs} ms`;
      else if (started && used > opts.callMs) killedFor = `${spent} without finishing (a hang)`;
      else if (started && Date.now() - last > opts.stallMs) killedFor = `stalled for ${opts.stallMs} ms (a hang)`;
      else if (rss > opts.maxRssBytes) killedFor = `grew the process to ${(rss / 2 ** 30).toFixed(1)} GiB`;
      if (killedFor) {
        clearInterval(timer);
        child.kill("SIGKILL");
      }
    }, 100);
    child.on("close", (code, signal) => {
      clearInterval(timer);
      if (!done) {
        const why = killedFor ?? `ended the process (exit ${code}, signal ${signal}): ${stderr.trim().slice(-600)}`;
        report.failures.push(`${call} ${why}`);
        if (!leg.reports.includes(report)) leg.reports.push(report);
        else leg.stoppedAt = index;
      }
      resolve(leg);
    });
  });
}

/** Every item's report; an item whose child was killed or died has that as a failure, and the run goes on. */
export async function runWatched(
  mode: "fuzz" | "hang",
  opts: WatchOptions,
  part: Shard = { shard: 0, shards: 1 },
): Promise<TargetReport[]> {
  const start = await runnerCommand();
  const reports: TargetReport[] = [];
  let from = 0;
  for (;;) {
    const leg = await runLeg(start, mode, from, part, opts);
    reports.push(...leg.reports);
    if (leg.stoppedAt === undefined) return reports;
    from = leg.stoppedAt + 1;
  }
}
