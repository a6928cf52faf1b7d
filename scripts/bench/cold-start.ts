/**
 * Part 4: how long a function's bundle takes from spawn to its first 200 on /healthz (what a Knative
 * scale-from-zero waits for before the first request goes through), against `node -e 0` measured the same way
 * (spawn to exit) and by hyperfine, and how much memory it holds once started.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { build } from "esbuild";
import { functionNames, type ServiceName } from "../../shared/config/services";
import { freePort } from "../../tests/support/ports";
import { rootDir, stopProcess } from "../dev/services";
import { ADMIN, bundleOf } from "./bundles";
import { median } from "./stats";
import { cpuSecondsOf } from "./wrk";

export interface ColdStart {
  service: ServiceName;
  /**
   * Median over the runs after the first. The first creates the database (a fresh install, not a restart)
   * and, after a build, compiles without a code cache, which it leaves at exit for the others, as an image's
   * warm step does (shared/runtime/code-cache.ts).
   */
  medianMs: number;
  runsMs: number[];
  firstBootMs: number;
  /** `node -e 0` spawn to exit, measured between this function's runs: the same moment's machine. */
  noopMs: number;
  /**
   * CPU the process used up to its first 200 (all threads), median: unlike wall time it hardly moves when
   * other work shares the cores, so it shows what a start costs on an idle machine.
   */
  cpuMs: number;
  /** The same for `node -e 0`. */
  noopCpuMs: number;
  /** Resident set size right after the first 200, median over the runs. */
  rssMB: number;
}

/** The same figures for a least app of scripts/bench/stack-floor/ (Hono on its adapter, or bare node:http). */
export type StackFloorStart = Omit<ColdStart, "service">;

export interface ColdStartResult {
  /** Median of the functions' own `node -e 0` medians. */
  nodeNoopMs: number;
  /** hyperfine's mean for `node -e 0`, as a check on this harness. */
  hyperfineNoopMs: number;
  functions: ColdStart[];
  /** Hono + @hono/node-server + libSQL and nothing else: what the named dependencies take to start. */
  stackFloor?: StackFloorStart;
  /** node:http + libSQL and nothing else: what any Node function with a libSQL database takes to start. */
  nodeFloor?: StackFloorStart;
  /** `node -e globalThis.Request`: Node's fetch classes, which @hono/node-server reads as it loads. */
  fetchClasses?: EvalStart;
}

/** A `node -e <code>` spawn to exit against `node -e 0` run alternately with it: medians, ms. */
export interface EvalStart {
  code: string;
  medianMs: number;
  noopMs: number;
  cpuMs: number;
  noopCpuMs: number;
}

const run = promisify(execFile);

/** Resident set size in MB (10^6 bytes, the unit of the target). */
const rssMBOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return (kib * 1024) / 1e6;
};

/**
 * CPU time of every thread of a process so far, in ms, from the scheduler's nanosecond counters: /proc's
 * stat counts 10 ms ticks, too coarse for a difference of a few ms.
 */
function schedCpuMsOf(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  }
  return ns / 1e6;
}

export interface StartOptions {
  /** The entry to spawn; the service's bundle in dist/ by default. */
  entry?: string;
  /** More environment, e.g. OTEL_* to start with tracing on. */
  env?: Record<string, string>;
}

/**
 * Spawns the bundle and polls /healthz every 2 ms; resolves with the time to the first 200, the RSS then, and
 * the CPU used by then (from /proc's ticks, and from the scheduler's nanosecond counters).
 */
export async function startOnce(
  service: ServiceName | LeastApp,
  dataDir: string,
  options: StartOptions = {},
): Promise<{ ms: number; rssMB: number; cpuMs: number; schedCpuMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [options.entry ?? entryOf(service)], {
    cwd: rootDir,
    env: {
      ...process.env,
      PORT: String(port),
      // As the image starts a function (Dockerfile): every interface, which Node binds without a lookup.
      HOST: "0.0.0.0",
      K_SERVICE: service,
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      NODE_ENV: "production",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // A machine's extra CA file (this one sets it) is read by Node's tls, which http2 loads at every start:
      // ~10 ms of CPU an image, which sets none, does not pay.
      NODE_EXTRA_CA_CERTS: undefined,
      ...options.env,
    },
    stdio: "ignore",
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode} while starting`);
      const answered = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then(async (response) => (await response.arrayBuffer(), response.status === 200))
        .catch(() => false);
      if (answered) {
        const ms = performance.now() - started;
        const pid = child.pid as number;
        return { ms, rssMB: rssMBOf(pid), cpuMs: cpuSecondsOf(pid) * 1000, schedCpuMs: schedCpuMsOf(pid) };
      }
      if (performance.now() - started > 30_000) throw new Error(`${service} did not answer within 30 s`);
      await sleep(2);
    }
  } finally {
    await stopProcess(child);
  }
}

// Prints the CPU the process used (getrusage: every thread) as it exits.
const REPORT_CPU =
  "process.on('exit', () => { const u = process.cpuUsage(); process.stdout.write(String(u.user + u.system)); });";

/** `node -e <code>` (plus the one line that reports its CPU), spawn to exit. */
async function nodeEval(code = "0"): Promise<{ ms: number; cpuMs: number }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["-e", `${REPORT_CPU}${code}`]);
  return { ms: performance.now() - started, cpuMs: Number(stdout) / 1000 };
}

/** `node -e <code>` and `node -e 0` alternately, `runs` times each, after one unmeasured run of the code. */
async function measureEval(code: string, runs: number): Promise<EvalStart> {
  await nodeEval(code);
  const evals: Awaited<ReturnType<typeof nodeEval>>[] = [];
  const noops: Awaited<ReturnType<typeof nodeEval>>[] = [];
  for (let i = 0; i < runs; i += 1) {
    noops.push(await nodeEval());
    evals.push(await nodeEval(code));
  }
  return {
    code,
    medianMs: median(evals.map((r) => r.ms)),
    noopMs: median(noops.map((r) => r.ms)),
    cpuMs: median(evals.map((r) => r.cpuMs)),
    noopCpuMs: median(noops.map((r) => r.cpuMs)),
  };
}

async function hyperfineNoop(runs: number): Promise<number> {
  const file = join(tmpdir(), `bazaar-hyperfine-${process.pid}.json`);
  await run("hyperfine", [
    "--warmup",
    "3",
    "--runs",
    String(runs),
    "--shell=none",
    "--export-json",
    file,
    `${process.execPath} -e 0`,
  ]);
  const mean = (JSON.parse(readFileSync(file, "utf8")) as { results: { mean: number }[] }).results[0]?.mean;
  rmSync(file, { force: true });
  return (mean ?? 0) * 1000;
}

/** The two least apps of scripts/bench/stack-floor/, started as a function is. */
type LeastApp = "app" | "bare";

/** Where the least apps are bundled: under node_modules, where their require("libsql") finds the package. */
const stackFloorDir = join(rootDir, "node_modules/.cache/bazaar-stack-floor");
const entryOf = (service: ServiceName | LeastApp): string =>
  service === "app" || service === "bare" ? join(stackFloorDir, `${service}.cjs`) : bundleOf(service);

/** The first start (a fresh install, which leaves the code cache), then `runs` restarts, each after a `node -e 0`. */
async function measureStarts(
  service: ServiceName | LeastApp,
  runs: number,
  options: StartOptions = {},
): Promise<StackFloorStart> {
  const dataDir = mkdtempSync(join(tmpdir(), "bazaar-cold-"));
  try {
    const first = await startOnce(service, dataDir, options);
    const later: Awaited<ReturnType<typeof startOnce>>[] = [];
    const noops: Awaited<ReturnType<typeof nodeEval>>[] = [];
    for (let i = 0; i < runs; i += 1) {
      noops.push(await nodeEval());
      later.push(await startOnce(service, dataDir, options));
    }
    return {
      medianMs: median(later.map((r) => r.ms)),
      runsMs: later.map((r) => Math.round(r.ms)),
      firstBootMs: first.ms,
      noopMs: median(noops.map((r) => r.ms)),
      cpuMs: median(later.map((r) => r.cpuMs)),
      noopCpuMs: median(noops.map((r) => r.cpuMs)),
      rssMB: median(later.map((r) => r.rssMB)),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Bundles one of the least apps as a function is bundled (one minified file, libSQL's driver required at run
 * time) and starts it with Node's compile cache: a function's restarts use V8's code cache too
 * (shared/runtime/code-cache.ts).
 */
async function measureLeastApp(app: LeastApp, runs: number): Promise<StackFloorStart> {
  await build({
    entryPoints: [join(rootDir, `scripts/bench/stack-floor/${app}.ts`)],
    outfile: entryOf(app),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    external: ["libsql"],
    logLevel: "warning",
  });
  return measureStarts(app, runs, {
    env: { NODE_COMPILE_CACHE: join(stackFloorDir, `compile-cache-${app}`) },
  });
}

const describeStart = (name: string, start: StackFloorStart): string =>
  `${name}: ${start.medianMs.toFixed(0)} ms to first 200 (node -e 0: ${start.noopMs.toFixed(0)} ms), ` +
  `${start.cpuMs.toFixed(0)} ms CPU, ${start.rssMB.toFixed(0)} MB`;

export async function benchColdStart(
  runs: number,
  progress: (line: string) => void,
): Promise<ColdStartResult> {
  rmSync(stackFloorDir, { recursive: true, force: true });
  mkdirSync(stackFloorDir, { recursive: true });
  const nodeFloor = await measureLeastApp("bare", runs);
  progress(describeStart("node:http and libSQL, no framework", nodeFloor));
  const stackFloor = await measureLeastApp("app", runs);
  progress(describeStart("the stack's least app (Hono, @hono/node-server, libSQL)", stackFloor));
  const fetchClasses = await measureEval("globalThis.Request", runs * 2);
  progress(
    `node -e ${fetchClasses.code}: ${fetchClasses.medianMs.toFixed(0)} ms to exit ` +
      `(node -e 0: ${fetchClasses.noopMs.toFixed(0)} ms), ${fetchClasses.cpuMs.toFixed(0)} ms CPU`,
  );
  const functions: ColdStart[] = [];
  for (const service of functionNames) {
    const result: ColdStart = { service, ...(await measureStarts(service, runs)) };
    progress(describeStart(service, result));
    functions.push(result);
  }
  return {
    nodeNoopMs: median(functions.map((f) => f.noopMs)),
    hyperfineNoopMs: await hyperfineNoop(runs * 2),
    functions,
    stackFloor,
    nodeFloor,
    fetchClasses,
  };
}
