/**
 * Runs services from their production bundles (dist/<name>/index.js, made by `npm run build`) on free ports
 * with a fresh data folder, wired as `npm start` wires them. Each process writes its logs to a file in the
 * data folder, as a platform would collect stdout, so log writing costs what it costs in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE } from "../../shared/runtime/code-cache";
import { freePort } from "../../tests/support/ports";
import { rootDir, stopProcess, waitUntilReady, wiringEnv, type DevService } from "../dev/services";

export const ADMIN = { email: "admin@bench.local", password: "admin-password-for-benchmarks" };

/** BENCH_DIST: another build to measure (e.g. bundles with a change under trial); default dist/. */
export const distDir = process.env["BENCH_DIST"] ?? join(rootDir, "dist");

export const bundleOf = (service: DevService): string => join(distDir, service, "index.js");
/** The service's code itself, which index.js loads (see scripts/build.ts). */
export const codeOf = (service: DevService): string => join(distDir, service, BUNDLE);

export interface Bundles {
  dataDir: string;
  url(name: DevService): string;
  pid(name: DevService): number;
  stop(): Promise<void>;
}

/**
 * Settings that keep benchmark runs comparable: production defaults except what a run must raise.
 * BENCH_LOG_LEVEL (default info, as in production) measures what logging costs.
 */
const commonEnv = {
  LOG_LEVEL: process.env["BENCH_LOG_LEVEL"] ?? "info",
  NODE_ENV: "production",
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
};

export function assertBuilt(services: readonly DevService[]): void {
  const missing = services.filter((service) => !existsSync(bundleOf(service)));
  if (missing.length > 0)
    throw new Error(
      `no bundle for ${missing.join(", ")}: run \`npm run build\` first (or use npm run bench)`,
    );
}

export interface BundleOptions {
  /** Extra env per service, or for all of them. */
  env?: Partial<Record<DevService | "all", Record<string, string>>>;
  /** Node flags per service, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: Partial<Record<DevService, string[]>>;
}

/**
 * BENCH_PROFILE=order,broker: those services run under --cpu-prof and write a .cpuprofile into
 * BENCH_PROFILE_DIR (default: the OS temp folder) when they stop; open it in Chrome DevTools or read it with
 * scripts/bench/profile.ts.
 */
function profilingArgs(service: DevService): string[] {
  const profiled = (process.env["BENCH_PROFILE"] ?? "").split(",");
  if (!profiled.includes(service)) return [];
  const dir = process.env["BENCH_PROFILE_DIR"] ?? tmpdir();
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${service}-${Date.now()}.cpuprofile`];
}

export async function startBundles(
  services: readonly DevService[],
  { env = {}, nodeArgs = {} }: BundleOptions = {},
): Promise<Bundles> {
  assertBuilt(services);
  const dataDir = mkdtempSync(join(tmpdir(), "bazaar-bench-"));
  const ports = {} as Record<DevService, number>;
  for (const name of services) ports[name] = await freePort();
  const children = new Map<DevService, ChildProcess>();

  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map((child) => stopProcess(child)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const name of services) {
      const log = openSync(join(dataDir, `${name}.log`), "a");
      const child = spawn(
        process.execPath,
        [...profilingArgs(name), ...(nodeArgs[name] ?? []), bundleOf(name)],
        {
          cwd: rootDir,
          env: {
            ...process.env,
            ...commonEnv,
            DATA_DIR: dataDir,
            ...env.all,
            ...wiringEnv(ports, name, [...services]),
            ...env[name],
          },
          stdio: ["ignore", log, log],
        },
      );
      children.set(name, child);
    }
    await Promise.all(
      [...children].map(([name, child]) =>
        waitUntilReady(`http://127.0.0.1:${ports[name]}`, child).catch((error: unknown) => {
          throw new Error(`${(error as Error).message} (log: ${join(dataDir, `${name}.log`)})`);
        }),
      ),
    );
  } catch (error) {
    await Promise.all([...children.values()].map((child) => stopProcess(child, "SIGKILL")));
    throw error;
  }

  return {
    dataDir,
    url: (name) => `http://127.0.0.1:${ports[name]}`,
    pid: (name) => {
      const pid = children.get(name)?.pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      return pid;
    },
    stop,
  };
}
