import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPORTER = join(import.meta.dirname, "wrk-report.lua");

/** One wrk setting for every HTTP measurement, baseline and targets alike, so their ratios mean something. */
export interface LoadSettings {
  threads: number;
  connections: number;
  seconds: number;
  /** Load before measuring, not recorded: JIT, connection pools and caches settle first. */
  warmupSeconds: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Answers with a status outside 2xx and 3xx. */
  non2xx: number;
  /** CPU milliseconds each watched process spent per request, by name. */
  cpuMsPerRequest: Record<string, number>;
}

interface WrkSummary {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p99_us: number;
}

/** The JSON line wrk-report.lua prints after wrk's own text. */
export function parseWrkOutput(output: string): WrkSummary {
  const line = output.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no summary:\n${output}`);
  return JSON.parse(line.slice("WRK_JSON ".length)) as WrkSummary;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User plus system CPU seconds a process has used so far (Linux /proc). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function wrk(url: string, settings: LoadSettings, seconds: number, headers: Record<string, string>) {
  const args = [
    `-t${settings.threads}`,
    `-c${settings.connections}`,
    `-d${seconds}s`,
    "--timeout",
    "5s",
    "-s",
    REPORTER,
    ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    url,
  ];
  const { stdout } = await run("wrk", args, { maxBuffer: 1 << 20 });
  return parseWrkOutput(stdout);
}

/**
 * Drives `url` with wrk (warm-up, then the measured run) and reports throughput, latency, errors and the CPU
 * each watched process spent per request, which shows where a path's cost goes.
 */
export async function measure(
  url: string,
  settings: LoadSettings,
  options: { headers?: Record<string, string>; watch?: Record<string, number> } = {},
): Promise<LoadResult> {
  const headers = options.headers ?? {};
  const watch = options.watch ?? {};
  if (settings.warmupSeconds > 0) await wrk(url, settings, settings.warmupSeconds, headers);
  const before = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
  const summary = await wrk(url, settings, settings.seconds, headers);
  const cpuMsPerRequest = Object.fromEntries(
    Object.entries(watch).map(([name, pid]) => [
      name,
      summary.requests > 0 ? ((cpuSecondsOf(pid) - (before[name] ?? 0)) * 1000) / summary.requests : 0,
    ]),
  );
  return {
    requests: summary.requests,
    requestsPerSecond: summary.requests / (summary.duration_us / 1e6),
    p50Ms: summary.p50_us / 1000,
    p99Ms: summary.p99_us / 1000,
    errors: summary.connect + summary.read + summary.write + summary.timeout,
    non2xx: summary.status,
    cpuMsPerRequest,
  };
}
